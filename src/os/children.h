// Children: the daemon's runs as processes it starts, signals and reaps.
//
// For: `surety daemon` (daemon/daemon_system.h). A run is a `surety run`
// process in its own process group, started through os/spawn.h, that
// outlives a daemon that restarts; its exit comes as SIGCHLD and is reaped
// here. Every exited child is reaped (the daemon is a subreaper, or PID 1).
//
// Thread-compatible.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"

namespace surety {

// Starts argv with the given environment in its own process group, without
// waiting for it, through os/spawn.h (as every process surety starts);
// stdin, stdout and stderr are inherited, and the child does not die with
// us. Returns the pid.
Result<int> SpawnProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env);

struct Reaped {
  int pid;
  int exit_code;  // -1 when killed by a signal
  int signal;
};
// Reaps every exited child (any pid: also orphans when we are PID 1 or a
// subreaper) without blocking.
std::vector<Reaped> ReapChildren();

// Sends `sig` to the process group of `pid` (and to pid itself).
void SignalProcessGroup(int pid, int sig);

// The path of this executable (/proc/self/exe).
std::string SelfExecutable();

}  // namespace surety
