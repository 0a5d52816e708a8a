// Processes as /proc shows them, and process identity.
//
// For: the supervisor's walk of a job's process tree, the daemon's
// last-resort kill of everything below it, and the owner of a run record
// (store/owner.cc): a pid names a process only together with its start time
// and the boot, since pids are reused. A snapshot; processes come and go
// meanwhile.
//
// Thread-safety: functions of the system's state; CurrentBootId() is read
// once and then immutable.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace surety {

struct ProcInfo {
  pid_t pid = 0;
  pid_t ppid = 0;
  pid_t pgid = 0;
  char state = '?';         // R, S, D, Z (zombie), X (dead), … as /proc/PID/stat has it
  uint64_t start_time = 0;  // clock ticks after boot (field 22)
};

// Parses the text of /proc/PID/stat. Field 2 (comm) is any 16 bytes in
// parentheses, spaces and ')' included, so fields are counted after the LAST
// ')'. nullopt when the text is malformed.
std::optional<ProcInfo> ParseProcStat(std::string_view text);

// One process; nullopt when it is gone or unreadable.
std::optional<ProcInfo> ReadProcStat(pid_t pid);

// Every process this one can see.
std::vector<ProcInfo> ScanProcesses();

// Sends `sig` to `p` only if it is still the process that was scanned, not
// one that reused its pid since: a pidfd pins the process, then its parent
// is checked again (it may have been re-parented to `self`, a subreaper).
void SignalIfUnchanged(const ProcInfo& p, int sig, pid_t self);

// The id of the running boot (/proc/sys/kernel/random/boot_id), read once.
const std::string& CurrentBootId();

// Which process: a pid, when that process started, and in which boot.
struct ProcessIdentity {
  int pid = 0;
  uint64_t start_time = 0;
  std::string boot_id;
};

// This process's identity.
ProcessIdentity SelfIdentity();

// Whether the process `id` names still runs: the pid exists, is not a
// zombie, started at the same time, in this boot. A process /proc hides
// (mounted hidepid=2) but kill() still knows counts as running: its identity
// cannot be checked, and calling it dead could mark a live run interrupted.
bool StillRunning(const ProcessIdentity& id);

}  // namespace surety
