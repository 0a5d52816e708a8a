// Processes as /proc shows them.
//
// For: the runner's walk of a job's process tree and the daemon's last-resort
// kill of everything below it. A snapshot; processes come and go meanwhile.
#pragma once

#include <sys/types.h>

#include <optional>
#include <vector>

namespace surety {

struct ProcInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgid = 0;
  char state = '?';  // R, S, D, Z, ... as /proc/PID/stat has it
};

// One process; nullopt when it is gone or unreadable.
std::optional<ProcInfo> ReadProcStat(pid_t pid);

// Every process this one can see.
std::vector<ProcInfo> ScanProcesses();

}  // namespace surety
