// Spawn: starts a program in a new process, the one way surety starts
// processes.
//
// For: RealCommandRunner (a job's command, preflight and verify commands,
// exec and email alerts) and the daemon (each `surety run`). The child is
// started the way posix_spawn() does it: clone(CLONE_VM | CLONE_VFORK) on a
// stack of its own, with every signal blocked, so no page table is copied
// (fork() was ~0.1 ms of every run) and the parent sleeps until the exec.
// In the child, before the exec: default signal dispositions, its own
// process group, the requested stdin/stdout/stderr, every other descriptor
// closed (but `inherit_fd`), the group and user switch, PR_SET_PDEATHSIG
// (when asked), the working directory, an empty signal mask; then execvp's
// search of PATH. A failure at any step is reported by Spawn(), with the
// exit status the shell and systemd use for it.
//
// Thread-safety: one Spawn() at a time per process is not required, but the
// caller's signal mask is briefly changed in the calling thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace surety {

struct SpawnRequest {
  std::vector<std::string> argv;           // argv[0] is looked up in env's PATH
  std::map<std::string, std::string> env;  // the complete environment
  std::string working_directory;           // empty: inherit
  std::optional<uint32_t> uid, gid;        // switch user and group (as root)
  // The child's descriptors 0, 1 and 2; -1: inherited from us.
  int stdin_fd = -1, stdout_fd = -1, stderr_fd = -1;
  // A descriptor of ours the child keeps open across the exec; -1: none.
  int inherit_fd = -1;
  // SIGTERM to the child when the spawning process dies (a runner killed
  // with SIGKILL does not leave its job running unwatched). Not for the
  // daemon's runs: they outlive a daemon that restarts.
  bool die_with_parent = true;
};

struct Spawned {
  // The child's pid (also one that failed before its exec, and was reaped);
  // 0 when no child was started.
  pid_t pid = 0;
  // Empty when the program runs. Otherwise why not, and the exit status
  // that stands for it: 127 not found, 126 not executable, 200 working
  // directory, 216/217 group/user switch, 203 anything else (as the shell
  // and systemd).
  std::string error;
  int exit_code = 0;
  bool ok() const { return error.empty(); }
};

// Starts `request` and returns once the program runs or could not be
// started (a child that failed before its exec is reaped here).
Spawned Spawn(const SpawnRequest& request);

}  // namespace surety
