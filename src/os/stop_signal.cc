#include "os/stop_signal.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "base/strings.h"
#include "os/system.h"

namespace surety {

namespace {

std::atomic<bool> g_stop_requested{false};
std::atomic<int> g_stop_signal{0};  // the first one

void NoteSignal(int sig) {
  int none = 0;
  (void)g_stop_signal.compare_exchange_strong(none, sig);
  g_stop_requested = true;
}

}  // namespace

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  return set;
}

SignalScope::SignalScope() {
  sigset_t set = HandledSignals();
  sigaddset(&set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
  sigpending(&pending_before_);
}

SignalScope::~SignalScope() {
  sigset_t pending;
  sigpending(&pending);
  if (sigismember(&pending, SIGPIPE) == 1 && sigismember(&pending_before_, SIGPIPE) == 0) {
    // Raised by our own write to a closed stdin/stdout pipe: consume it.
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    timespec zero{};
    sigtimedwait(&pipe_only, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

Status PrepareProcessForRunning() {
  sigset_t set = HandledSignals();
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0) {
    return Status::Error(StatusCode::kInternal, "cannot block signals: " + SystemErrorText(rc));
  }
  // A write to a closed pipe (our stdout, a child's stdin) must fail with
  // EPIPE, not kill us. Children get the default disposition back.
  signal(SIGPIPE, SIG_IGN);
  if (!BecomeSubreaper()) {
    return Status::Error(StatusCode::kInternal,
                         "cannot become a child subreaper: " + SystemErrorText(errno));
  }
  return Status::Ok();
}

bool TakeStopSignal(Micros wait) {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  const timespec ts = ToTimespec(std::max(wait, Micros{0}));
  for (;;) {
    int sig = sigtimedwait(&stop, nullptr, &ts);
    if (sig == SIGTERM || sig == SIGINT) {
      NoteSignal(sig);
      return true;
    }
    if (sig < 0 && errno == EINTR) continue;  // the remaining time is not tracked precisely
    return false;                             // EAGAIN: none came
  }
}

bool StopRequested() {
  // A SIGTERM/SIGINT that arrived while no command ran (a slow read, an
  // alert being delivered) waits, blocked, in the queue: take it now, so the
  // stage about to start sees it instead of a job that is then killed.
  return g_stop_requested.load() || TakeStopSignal(Micros{0});
}
void IgnoreHangup() { signal(SIGHUP, SIG_IGN); }

void NoteStopRequest(int sig) { NoteSignal(sig); }
int StopSignal() { return g_stop_signal.load(); }
void ClearStopRequestForTesting() {
  g_stop_requested = false;
  g_stop_signal = 0;
}

}  // namespace surety
