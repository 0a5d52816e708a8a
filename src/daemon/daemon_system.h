// DaemonSystem: every effect `surety daemon` has on the system, behind one
// interface.
//
// For: the daemon (daemon.h), so that its decisions — when to start a run,
// what to do on a clock jump, a reload, a stop request, a child's exit —
// are unit-tested with a fake clock and a fake system that records the runs
// started and the signals sent, without processes or time passing.
// RealDaemonSystem is the kernel's (os/).
//
// Thread-compatible: used by the daemon's one thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "os/children.h"
#include "os/clock.h"
#include "store/history_store.h"

namespace surety {

class DaemonSystem {
 public:
  virtual ~DaemonSystem() = default;

  // Starts one `surety run` (argv[0] is surety itself) in its own process
  // group; the pid.
  virtual Result<int> StartRun(const std::vector<std::string>& argv,
                               const std::map<std::string, std::string>& env) = 0;
  // Sends `sig` to the process group a run leads.
  virtual void SignalRun(int pid, int sig) = 0;
  // SIGKILL to every descendant (the end of the shutdown grace); how many.
  virtual int KillAllDescendants() = 0;
  // How many descendants are left (killed ones may take a moment to go).
  virtual int CountDescendants() = 0;
  // How many processors this process may run on.
  virtual unsigned CpuCount() = 0;
  // Every child that has exited since the last call, reaped.
  virtual std::vector<Reaped> ReapChildren() = 0;

  // sd_notify (READY=1, STOPPING=1, WATCHDOG=1, STATUS=…); a no-op without
  // a service manager listening.
  virtual void Notify(const std::string& state) = 0;
  // The interval the service manager wants WATCHDOG=1 within, if any.
  virtual std::optional<Micros> WatchdogInterval() = 0;

  // The wall-clock instant the machine booted.
  virtual Instant BootInstant() = 0;
  // /etc/machine-id and the boot id as text (empty if unknown).
  virtual std::string MachineId() = 0;
  virtual std::string BootId() = 0;
  // This executable, for the runs it starts.
  virtual std::string SelfExecutable() = 0;
  virtual int Pid() = 0;
  virtual uint32_t Uid() = 0;
  virtual bool RunningAsRoot() = 0;
  virtual std::string HostName() = 0;
  // Makes us the reaper of orphaned descendants; real-time priority for
  // this process alone (false when not allowed).
  virtual void BecomeSubreaper() = 0;
  virtual bool RaiseSchedulingPriority() = 0;

  // Opens (creating it if missing) and checks the state directory, and
  // returns its real path, to use from then on (os/state_dir.h).
  virtual Result<std::string> PinStateDir(const std::string& path) = 0;
  // The history of a state directory (reads: last starts, dead runners).
  virtual std::unique_ptr<HistoryStore> OpenHistory(const std::string& state_dir) = 0;
  // Whether the owner of a `running` record still runs.
  virtual bool OwnerAlive(const RunRecord& record) = 0;
  // Whether the state directory's outbox holds alerts not delivered yet.
  virtual bool OutboxPending(const std::string& state_dir) = 0;
  // Writes a small file atomically (not flushed: it is recomputed anyway).
  virtual Status WriteFile(const std::string& path, const std::string& content) = 0;
  virtual void RemoveFile(const std::string& path) = 0;
};

class RealDaemonSystem final : public DaemonSystem {
 public:
  Result<int> StartRun(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>& env) override;
  void SignalRun(int pid, int sig) override;
  int KillAllDescendants() override;
  int CountDescendants() override;
  unsigned CpuCount() override;
  std::vector<Reaped> ReapChildren() override;
  void Notify(const std::string& state) override;
  std::optional<Micros> WatchdogInterval() override;
  Instant BootInstant() override;
  std::string MachineId() override;
  std::string BootId() override;
  std::string SelfExecutable() override;
  int Pid() override;
  uint32_t Uid() override;
  bool RunningAsRoot() override;
  std::string HostName() override;
  void BecomeSubreaper() override;
  bool RaiseSchedulingPriority() override;
  Result<std::string> PinStateDir(const std::string& path) override;
  std::unique_ptr<HistoryStore> OpenHistory(const std::string& state_dir) override;
  bool OwnerAlive(const RunRecord& record) override;
  bool OutboxPending(const std::string& state_dir) override;
  Status WriteFile(const std::string& path, const std::string& content) override;
  void RemoveFile(const std::string& path) override;
};

}  // namespace surety
