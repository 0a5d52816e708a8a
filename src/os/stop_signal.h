// Stop signals: SIGTERM and SIGINT to surety itself, read rather than
// handled, and what the process must set up for running commands.
//
// For: `surety run` (the runner asks StopRequested() before each stage and
// sleeps through SleepUnlessStopped()), and the supervisor of a running
// command (process.cc), which reads the same signals through a signalfd.
// The signals stay blocked and are taken off the queue, so one that arrives
// while no command runs waits for the next stage instead of being lost.
//
// Thread-safety: the stop flag is process-wide and atomic; the rest is
// called from one thread, early in main().
#pragma once

#include <signal.h>

#include "base/status.h"
#include "os/clock.h"

namespace surety {

// Installs the process-wide handling RealCommandRunner relies on: blocks
// SIGTERM, SIGINT, SIGHUP and SIGCHLD (they are read through a signalfd) and
// sets PR_SET_CHILD_SUBREAPER, and ignores SIGPIPE (a closed stdout becomes
// EPIPE). Call once, early in main(), before threads. Without it, Run()
// blocks these signals in its own thread only, for its duration.
Status PrepareProcessForRunning();

// True once SIGTERM or SIGINT has been received: by RealCommandRunner while
// a command ran, or here, from the blocked signals still pending (they are
// taken off the queue). The runner then records the run as interrupted.
bool StopRequested();
// Takes a SIGTERM or SIGINT off the queue (they are blocked, see
// PrepareProcessForRunning), waiting up to `wait` for one; true, and
// StopRequested() from then on, if one came.
bool TakeStopSignal(Micros wait);
// Records a stop request read elsewhere (the supervisor's signalfd):
// `sig`, SIGTERM or SIGINT.
void NoteStopRequest(int sig);
// SIGHUP ignored by this process (a server with nothing to reload).
void IgnoreHangup();
// The first stop signal received (SIGTERM or SIGINT), 0 before any: an
// operator's Ctrl-C (SIGINT) is told apart from a service manager's stop.
int StopSignal();
// Forgets a stop request, so that one test's SIGTERM does not leak into the
// next. Tests only.
void ClearStopRequestForTesting();

// SIGTERM, SIGINT, SIGHUP and SIGCHLD: what a running command's supervisor
// reads through its signalfd.
sigset_t HandledSignals();

// Blocks HandledSignals() (and SIGPIPE, so a write to a closed pipe fails
// with EPIPE instead of killing us) in the calling thread for a scope;
// restores the old mask after, consuming a SIGPIPE the scope raised.
class SignalScope {
 public:
  SignalScope();
  ~SignalScope();
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  sigset_t old_mask_;
  sigset_t pending_before_;
};

}  // namespace surety
