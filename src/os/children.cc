#include "os/children.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "os/spawn.h"

namespace surety {

Result<int> SpawnProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env) {
  if (argv.empty()) return Status::Invalid("empty command");
  SpawnRequest request;
  request.argv = argv;
  request.env = env;
  // A run outlives a daemon that is restarted (an upgrade): its own lock
  // keeps the next daemon from starting it twice.
  request.die_with_parent = false;
  Spawned spawned = Spawn(request);
  if (!spawned.ok()) return Status::Error(StatusCode::kIoError, spawned.error);
  return static_cast<int>(spawned.pid);
}

std::vector<Reaped> ReapChildren() {
  std::vector<Reaped> out;
  while (true) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    Reaped r{pid, -1, 0};
    if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    out.push_back(r);
  }
  return out;
}

void SignalProcessGroup(int pid, int sig) {
  if (pid <= 0) return;
  // pid leads its group (SpawnProcess): signalling both would deliver sig
  // twice, and a runner takes a second SIGTERM as "stop now, skip kill_grace".
  if (kill(-pid, sig) != 0) kill(pid, sig);
}

std::string SelfExecutable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "surety";
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace surety
