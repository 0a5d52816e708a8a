#include "daemon/daemon_system.h"

#include <signal.h>
#include <unistd.h>

#include "alert/outbox.h"
#include "os/service_manager.h"
#include "os/state_dir.h"
#include "os/system.h"

namespace surety {

Result<int> RealDaemonSystem::StartRun(const std::vector<std::string>& argv,
                                       const std::map<std::string, std::string>& env) {
  return SpawnProcess(argv, env);
}
void RealDaemonSystem::SignalRun(int pid, int sig) { SignalProcessGroup(pid, sig); }
int RealDaemonSystem::KillAllDescendants() { return SignalAllDescendants(SIGKILL); }
int RealDaemonSystem::CountDescendants() { return SignalAllDescendants(0); }
unsigned RealDaemonSystem::CpuCount() {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}
std::vector<Reaped> RealDaemonSystem::ReapChildren() { return surety::ReapChildren(); }
void RealDaemonSystem::Notify(const std::string& state) { NotifySystemd(state); }
std::optional<Micros> RealDaemonSystem::WatchdogInterval() { return surety::WatchdogInterval(); }
Instant RealDaemonSystem::BootInstant() { return surety::BootInstant(); }
std::string RealDaemonSystem::MachineId() { return MachineIdText(); }
std::string RealDaemonSystem::BootId() { return BootIdText(); }
std::string RealDaemonSystem::SelfExecutable() { return surety::SelfExecutable(); }
int RealDaemonSystem::Pid() { return CurrentPid(); }
uint32_t RealDaemonSystem::Uid() { return CurrentUid(); }
bool RealDaemonSystem::RunningAsRoot() { return surety::RunningAsRoot(); }
std::string RealDaemonSystem::HostName() { return surety::HostName(); }
void RealDaemonSystem::BecomeSubreaper() { (void)surety::BecomeSubreaper(); }
bool RealDaemonSystem::RaiseSchedulingPriority() { return surety::RaiseSchedulingPriority(); }
Result<std::string> RealDaemonSystem::PinStateDir(const std::string& path) {
  auto pinned = surety::PinStateDir(path, /*create=*/true, surety::RunningAsRoot());
  if (!pinned.ok()) return pinned.status();
  return pinned->real_path;
}
std::unique_ptr<HistoryStore> RealDaemonSystem::OpenHistory(const std::string& state_dir) {
  return OpenStateHistory(state_dir, SqliteHistoryOptions{});
}
bool RealDaemonSystem::OwnerAlive(const RunRecord& record) { return ProcessOwnerAlive(record); }
bool RealDaemonSystem::OutboxPending(const std::string& state_dir) {
  Outbox outbox(state_dir, DefaultDataFiles());
  auto pending = outbox.Pending();
  return pending.ok() && !pending->empty();
}
Status RealDaemonSystem::WriteFile(const std::string& path, const std::string& content) {
  return WriteFileAtomic(path, content, 0600, /*durable=*/false);
}
void RealDaemonSystem::RemoveFile(const std::string& path) { surety::RemoveFile(path); }

}  // namespace surety
