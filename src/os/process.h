// CommandRunner: runs one command to completion, the way the runner needs it.
//
// For: the job's command, preflight and verify commands, exec and email
// alerts. The real implementation (process.cc) forks the command into its own
// process group, makes this process a child subreaper so that grandchildren
// which outlive or escape the child are still found, streams the output
// through to our stdout/stderr while keeping the last `tail_bytes` of it,
// enforces the timeout by sending SIGTERM to the whole tree and SIGKILL after
// the grace period, and forwards SIGTERM/SIGINT received by this process to
// the tree (the outcome is then `interrupted`). It returns only when no
// descendant is left.
//
// Not for: long-lived children of the daemon (the event loop owns those).
//
// Details: stdout and stderr share one pipe and are copied to our fd 1,
// never with a write that could block (a pipe or terminal is reopened with
// O_NONBLOCK, a socket is sent to with MSG_DONTWAIT, in messages of at most
// PIPE_BUF unless it is a stream; a pty master is written after POLLOUT,
// PIPE_BUF at a time): a slow or stuck
// reader of our stdout holds up neither the timeout nor a stop request. Up
// to 1 MiB waits for it; past that the job's pipe is not read until it
// catches up (the job waits on its writes, as it would on that reader).
// Once the job is gone, the rest is copied for as long as the reader keeps
// taking some within 30 s, 5 min at most, 1 s after a stop request; then it
// is dropped (the output tail still keeps the end).
// The command gets SIGTERM if this process dies (PR_SET_PDEATHSIG), so a
// runner killed with SIGKILL does not leave its job running unwatched.
// SIGTERM goes to each process once; a second SIGTERM/SIGINT during the
// grace period sends SIGKILL at once. SIGHUP is read and ignored while a
// command runs (the job does not die with the terminal). If processes survive
// SIGKILL for max(kill_grace, 5 s) (uninterruptible sleep), Run() gives up on
// them and says so in `error`. Only this run's processes are reaped: children
// this process had before Run() are left alone. The Clock must advance
// (RealClock): the timeout, the grace and the rescans are measured with it.
//
// Thread-safety: one Run() at a time per process (signals and the subreaper
// are process-wide).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/signal_names.h"
#include "base/status.h"
#include "os/clock.h"
#include "os/stop_signal.h"

namespace surety {

struct CommandSpec {
  std::vector<std::string> argv;                // argv[0] is looked up in PATH
  std::map<std::string, std::string> env;       // the complete environment
  std::string working_directory;                // empty: inherit
  std::optional<uint32_t> uid, gid;             // switch user (when root)
  std::optional<std::string> stdin_data;        // fed to stdin, then closed
  Micros timeout{0};                            // 0: none
  Micros kill_grace{std::chrono::seconds(30)};  // Micros::max(): never SIGKILL
  // A descriptor of ours the command keeps open (the job lock: while any of
  // the job's processes lives, the lock stays held, even if we die). -1: none.
  int inherit_fd = -1;
  size_t tail_bytes = 64 * 1024;
  bool stream_output = true;  // copy the child's output to our stdout/stderr
  // Written before each line of the output copied to our stdout ("[db] "),
  // so that the output of jobs run side by side can be told apart; the
  // output tail is kept as the job wrote it. Empty: none.
  std::string line_prefix;
  // Not started at all when a stop request (SIGTERM/SIGINT, seen or still
  // pending) came first: the outcome is kInterrupted with pid 0.
  bool not_if_stopped = false;
  // Text to look for in the whole output, not only its tail
  // (CommandOutcome::saw_watched); empty: none.
  std::string watch_for;
  // Once the command is gone, how long the rest of its output is copied to
  // a reader of our stdout that takes none of it, and at most in all.
  Micros output_stall_limit{std::chrono::seconds(30)};
  Micros output_drain_limit{std::chrono::minutes(5)};
};

struct CommandOutcome {
  enum class Kind {
    kExited,       // exit_code is set
    kSignaled,     // signal is set (the child died of a signal we did not send)
    kTimedOut,     // we killed it at the timeout; signal says with what
    kInterrupted,  // we were told to stop (SIGTERM/SIGINT) and stopped it
    kSpawnFailed,  // could not start: error says why; exit_code is 127 (not
                   // found), 126 (not executable), 200 (working directory),
                   // 216/217 (group/user switch), as the shell and systemd
  };
  Kind kind = Kind::kExited;
  int exit_code = 0;
  int signal = 0;
  bool core_dumped = false;
  std::string output_tail;  // last tail_bytes of stdout+stderr, interleaved
  Micros duration{0};       // from spawning until the main child was reaped
  std::string error;
  int pid = 0;
  // False when nothing was started: kSpawnFailed, or kInterrupted by a stop
  // request that came first (CommandSpec::not_if_stopped).
  bool started = true;
  // CommandSpec::watch_for appeared somewhere in the output.
  bool saw_watched = false;
  // The stop (timeout, stop request) needed SIGKILL: something in the tree
  // ignored SIGTERM for the whole kill_grace (or a second stop request came).
  bool sigkill_sent = false;
};

class CommandRunner {
 public:
  virtual ~CommandRunner() = default;
  virtual CommandOutcome Run(const CommandSpec& spec) = 0;
};

class RealCommandRunner final : public CommandRunner {
 public:
  explicit RealCommandRunner(const Clock& clock) : clock_(clock) {}
  CommandOutcome Run(const CommandSpec& spec) override;

 private:
  const Clock& clock_;
};

// The last non-empty line of a command's output, made safe to print
// (control bytes escaped, at most 200 bytes).
std::string LastOutputLine(std::string_view output);

// How a command that was stopped (timed out or interrupted) ended — the one
// description every message uses: "stopped with SIGTERM", "stopped with
// SIGTERM and exited with status 3", "stopped with SIGTERM, then SIGKILL
// after kill_grace (something ignored SIGTERM)".
std::string DescribeStop(const CommandOutcome& outcome);

// What went wrong with a command, for messages: "exited with status 1:
// <last output line>", "was killed by signal TERM (core dumped)", "timed out
// and was stopped with SIGTERM, then SIGKILL …", "was interrupted and …",
// "could not be started: …"; empty when it exited 0.
std::string DescribeFailure(const CommandOutcome& outcome);

}  // namespace surety
