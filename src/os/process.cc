// RealCommandRunner: spawn, one poll loop, the kill sequence; the
// supervisor of one running command (its process tree and its output).
//
// Life of one Run():
//   1. The child is started through os/spawn.h (clone(CLONE_VFORK), its own
//      process group, stdin from the spec or /dev/null, stdout and stderr
//      into one pipe, the lock descriptor kept, PR_SET_PDEATHSIG).
//   2. The parent polls the output pipe, the stdin pipe, a signalfd
//      (os/stop_signal.h) and a pidfd for the main child, with a timeout
//      taken from the injected Clock. Descendants are found by scanning
//      /proc/*/stat for ppid links from this process (os/proc.h; we are a
//      child subreaper, so processes that escape with setsid() or a double
//      fork are re-parented to us).
//   3. Stop (timeout, SIGTERM/SIGINT, or leftovers after the main child
//      exited): SIGTERM+SIGCONT to the process group and to every other
//      descendant, SIGKILL to all of them after kill_grace, then wait until
//      none is left and every zombie we inherited is reaped.
#include "os/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "base/strings.h"
#include "os/fd.h"
#include "os/proc.h"
#include "os/spawn.h"
#include "os/stop_signal.h"
#include "os/system.h"

namespace surety {

namespace {

constexpr Micros kRescanInterval = std::chrono::milliseconds(100);
// After SIGKILL we wait at least this long (or kill_grace if longer) before
// giving up on processes stuck in uninterruptible sleep.
constexpr Micros kMinWaitAfterKill = std::chrono::seconds(5);
constexpr size_t kReadChunk = 64 * 1024;
// Output read from the job but not yet copied to our stdout: past this, the
// job's pipe is not read until our reader catches up (the job then waits
// on its writes, as it would writing to that reader itself).
constexpr size_t kMaxPendingOutput = 1024 * 1024;
// After the job is gone and we are told to stop, how long a reader of our
// stdout may still take the rest (CommandSpec has the other drain limits).
constexpr Micros kOutputDrainAfterStop = std::chrono::seconds(1);

// True if this process has any child, running or exited (not reaping it).
bool HasAnyChild() {
  siginfo_t info{};
  int r;
  do {
    r = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT);
  } while (r < 0 && errno == EINTR);
  return !(r < 0 && errno == ECHILD);
}

std::set<pid_t> ChildrenOf(const std::vector<ProcInfo>& procs, pid_t parent) {
  std::set<pid_t> out;
  for (const ProcInfo& p : procs) {
    if (p.ppid == parent) out.insert(p.pid);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Supervising one running child

class Supervisor {
 public:
  Supervisor(const Clock& clock, const CommandSpec& spec, pid_t main_pid,
             std::set<pid_t> preexisting, Micros start)
      : clock_(clock),
        spec_(spec),
        self_(getpid()),
        main_(main_pid),
        preexisting_(std::move(preexisting)),
        start_(start) {}

  void SetFds(Fd output, Fd input, Fd signals, Fd pidfd) {
    out_ = std::move(output);
    in_ = std::move(input);
    sig_ = std::move(signals);
    pidfd_ = std::move(pidfd);
    if (out_.valid()) SetNonBlocking(out_.get());
    if (in_.valid()) {
      SetNonBlocking(in_.get());
      if (!spec_.stdin_data || spec_.stdin_data->empty()) in_.Reset();
    }
  }

  CommandOutcome Supervise();

 private:
  enum class Phase { kRunning, kTerm, kKill };

  void Loop();
  void CheckMain();
  std::vector<ProcInfo> ScanTree();
  // Signals the processes of `tree`, a ScanTree() taken just before.
  void SignalTree(int sig, const std::vector<ProcInfo>& tree);
  void StartTerm(Micros now, const std::vector<ProcInfo>& tree);
  void StartKill(Micros now, const std::vector<ProcInfo>& tree);
  void HandleSignals(bool loop_running);
  // Reads one chunk of the job's output; false if there was none (EOF,
  // which closes the pipe, or nothing right now).
  bool ReadOutput();
  void WriteInput();
  void ConsumeOutput(const char* data, size_t n);
  size_t PendingOutput() const { return pending_.size() - pending_at_; }
  // Finds a way to write to our stdout that never blocks (first output).
  void OpenStdout();
  // Copies pending output to our stdout as far as it can without waiting.
  void FlushOutput();
  // After the job: copies the rest, waiting for a slow reader, but giving up
  // once it has taken nothing for spec_.output_stall_limit, after
  // spec_.output_drain_limit in all, or kOutputDrainAfterStop after a stop
  // request.
  void DrainOutput();

  const Clock& clock_;
  const CommandSpec& spec_;
  const pid_t self_;
  const pid_t main_;
  const std::set<pid_t> preexisting_;
  const Micros start_;

  Fd out_, in_, sig_, pidfd_;
  size_t in_offset_ = 0;
  std::string tail_;
  bool stream_ok_ = true;
  // How output reaches our stdout: kFile writes fd 1 directly (a regular
  // file never blocks); kReopened writes stdout_fd_, our stdout (a pipe,
  // FIFO or terminal) opened anew with O_NONBLOCK, so that other holders of
  // fd 1 are not affected; kSocket sends with MSG_DONTWAIT; kPolled, when
  // none of those works, writes at most PIPE_BUF after POLLOUT.
  enum class Stdout { kUnknown, kFile, kReopened, kSocket, kPolled };
  Stdout stdout_kind_ = Stdout::kUnknown;
  size_t socket_message_max_ = SIZE_MAX;  // per send, on a socket
  Fd stdout_fd_;
  int StdoutFd() const { return stdout_fd_.valid() ? stdout_fd_.get() : 1; }
  bool saw_watched_ = false;
  std::string watch_carry_;  // the end of the output so far, for watch_for
  std::string pending_;      // output not yet copied to our stdout, from pending_at_
  size_t pending_at_ = 0;
  bool at_line_start_ = true;  // the next output byte begins a line (line_prefix)

  bool main_reaped_ = false;
  int main_status_ = 0;
  Micros main_end_{0};

  Phase phase_ = Phase::kRunning;
  std::optional<CommandOutcome::Kind> cause_;
  Micros phase_deadline_{0};
  Micros next_scan_{0};
  bool need_scan_ = false;
  std::set<pid_t> term_sent_;
  bool group_termed_ = false;
  bool sigkill_sent_ = false;
  std::string error_;
};

void Supervisor::CheckMain() {
  if (main_reaped_) return;
  int status = 0;
  pid_t r;
  do {
    r = waitpid(main_, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == main_) {
    main_reaped_ = true;
    main_status_ = status;
    main_end_ = clock_.Monotonic();
    need_scan_ = true;
    pidfd_.Reset();
  } else if (r < 0) {  // ECHILD: someone else in this process reaped it
    main_reaped_ = true;
    main_end_ = clock_.Monotonic();
    error_ = "the exit status of process " + std::to_string(main_) + " was lost";
    pidfd_.Reset();
  }
}

// Reaps our zombie children that belong to this run, then returns every
// process left in the tree: descendants of the main child, processes
// re-parented to us during this run and their descendants, and members of
// the main child's process group. Zombies not ours to reap are included
// (they go away when their parent does).
std::vector<ProcInfo> Supervisor::ScanTree() {
  // Fast path, the common case: the main child is reaped, we have no child
  // left at all and its process group is empty. As a subreaper every
  // surviving descendant would have been re-parented to us, so the tree is
  // empty and /proc need not be read (a few hundred files on a busy host).
  if (main_reaped_ && !HasAnyChild() && kill(-main_, 0) != 0 && errno == ESRCH) return {};
  std::vector<ProcInfo> procs = ScanProcesses();
  std::set<pid_t> reaped;
  for (const ProcInfo& p : procs) {
    if (p.ppid != self_ || preexisting_.count(p.pid) > 0) continue;
    if (p.pid == main_) {
      CheckMain();
      if (main_reaped_) reaped.insert(p.pid);
    } else if (waitpid(p.pid, nullptr, WNOHANG) == p.pid) {
      reaped.insert(p.pid);
    }
  }
  std::multimap<pid_t, size_t> children;
  for (size_t i = 0; i < procs.size(); ++i) children.emplace(procs[i].ppid, i);
  std::vector<size_t> queue;
  std::set<pid_t> seen;
  for (size_t i = 0; i < procs.size(); ++i) {
    const ProcInfo& p = procs[i];
    if (reaped.count(p.pid) > 0 || p.pid == self_) continue;
    bool ours = p.ppid == self_ && preexisting_.count(p.pid) == 0;
    if ((ours || p.pgid == main_) && seen.insert(p.pid).second) queue.push_back(i);
  }
  for (size_t k = 0; k < queue.size(); ++k) {
    auto [begin, end] = children.equal_range(procs[queue[k]].pid);
    for (auto it = begin; it != end; ++it) {
      if (seen.insert(procs[it->second].pid).second) queue.push_back(it->second);
    }
  }
  std::vector<ProcInfo> tree;
  tree.reserve(queue.size());
  for (size_t i : queue) tree.push_back(procs[i]);
  return tree;
}

// SIGTERM goes once to each process (a second one can mean "hurry" to some
// programs); SIGKILL goes to everything found, on every rescan.
void Supervisor::SignalTree(int sig, const std::vector<ProcInfo>& tree) {
  bool group_alive = !main_reaped_ || std::any_of(tree.begin(), tree.end(), [&](const ProcInfo& p) {
    return p.pgid == main_;
  });
  bool group_now = group_alive && (sig != SIGTERM || !group_termed_);
  if (group_now) {
    ::kill(-main_, sig);
    if (sig == SIGTERM) {
      ::kill(-main_, SIGCONT);
      group_termed_ = true;
    }
  }
  for (const ProcInfo& p : tree) {
    if (p.state == 'Z' || p.state == 'X') continue;
    if (group_now && p.pgid == main_) {
      if (sig == SIGTERM) term_sent_.insert(p.pid);
      continue;  // the group signal reached it
    }
    if (sig == SIGTERM) {
      if (!term_sent_.insert(p.pid).second) continue;
      SignalIfUnchanged(p, SIGTERM, self_);
      SignalIfUnchanged(p, SIGCONT, self_);
    } else {
      SignalIfUnchanged(p, sig, self_);
    }
  }
}

// now + d, where d = Micros::max() means never.
Micros Deadline(Micros now, Micros d) { return d >= Micros::max() - now ? Micros::max() : now + d; }

void Supervisor::StartTerm(Micros now, const std::vector<ProcInfo>& tree) {
  phase_ = Phase::kTerm;
  phase_deadline_ = Deadline(now, spec_.kill_grace);
  SignalTree(SIGTERM, tree);
  next_scan_ = now + kRescanInterval;
}

void Supervisor::StartKill(Micros now, const std::vector<ProcInfo>& tree) {
  phase_ = Phase::kKill;
  sigkill_sent_ = true;
  // An infinite grace ended by a second stop request: give SIGKILL the
  // usual few seconds, not forever.
  const Micros wait = spec_.kill_grace == Micros::max()
                          ? kMinWaitAfterKill
                          : std::max(spec_.kill_grace, kMinWaitAfterKill);
  phase_deadline_ = Deadline(now, wait);
  SignalTree(SIGKILL, tree);
  next_scan_ = now + kRescanInterval;
}

void Supervisor::ConsumeOutput(const char* data, size_t n) {
  if (!spec_.watch_for.empty() && !saw_watched_) {
    // Across chunk boundaries: the end of the last chunk, then this one.
    const size_t keep = spec_.watch_for.size() - 1;
    watch_carry_.append(data, n);
    if (watch_carry_.find(spec_.watch_for) != std::string::npos) {
      saw_watched_ = true;
      watch_carry_.clear();
    } else if (watch_carry_.size() > keep) {
      watch_carry_.erase(0, watch_carry_.size() - keep);
    }
  }
  // Copied through without ever blocking on our stdout: a reader that is
  // slow or stuck (a full pipe, a paused terminal) must not hold up the
  // timeout or a stop request.
  if (spec_.stream_output && stream_ok_) {
    if (spec_.line_prefix.empty()) {
      pending_.append(data, n);
    } else {
      for (size_t i = 0; i < n;) {
        if (at_line_start_) pending_ += spec_.line_prefix;
        const char* nl = static_cast<const char*>(memchr(data + i, '\n', n - i));
        const size_t end = nl ? static_cast<size_t>(nl - data) + 1 : n;
        pending_.append(data + i, end - i);
        at_line_start_ = nl != nullptr;
        i = end;
      }
    }
    FlushOutput();
  }
  size_t keep = spec_.tail_bytes;
  if (keep == 0) return;
  if (n >= keep) {
    tail_.assign(data + (n - keep), keep);
    return;
  }
  tail_.append(data, n);
  if (tail_.size() > keep + std::max(keep, kReadChunk)) tail_.erase(0, tail_.size() - keep);
}

void Supervisor::OpenStdout() {
  struct stat st;
  if (fstat(1, &st) != 0) {
    stream_ok_ = false;
    return;
  }
  if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
    stdout_kind_ = Stdout::kFile;
  } else if (S_ISSOCK(st.st_mode)) {
    stdout_kind_ = Stdout::kSocket;  // journald's stream: reopening a socket fails
    // A datagram or seqpacket socket takes one message per send: keep each
    // one small, or a backlog larger than its buffer fails with EMSGSIZE.
    int type = 0;
    socklen_t len = sizeof type;
    if (getsockopt(1, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type != SOCK_STREAM)
      socket_message_max_ = PIPE_BUF;
  } else {
    int pty = 0;
    if (S_ISCHR(st.st_mode) && ioctl(1, TIOCGPTN, &pty) == 0) {
      // A pseudo-terminal's master: opening it again makes a new terminal.
      stdout_kind_ = Stdout::kPolled;
      return;
    }
    // A new open file description of the same pipe or terminal: O_NONBLOCK
    // on it leaves fd 1, shared with our parent, as it is.
    stdout_fd_ =
        Fd(AboveStdio(::open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)));
    stdout_kind_ = stdout_fd_.valid() ? Stdout::kReopened : Stdout::kPolled;
  }
}

void Supervisor::FlushOutput() {
  if (PendingOutput() > 0 && stdout_kind_ == Stdout::kUnknown) OpenStdout();
  while (PendingOutput() > 0 && stream_ok_) {
    size_t n = PendingOutput();
    if (stdout_kind_ == Stdout::kPolled) {
      pollfd out{1, POLLOUT, 0};
      int r = poll(&out, 1, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) break;  // not writable now; the loop waits for POLLOUT
      if (r < 0 || (out.revents & (POLLERR | POLLNVAL))) {
        stream_ok_ = false;
        break;
      }
      n = std::min<size_t>(n, PIPE_BUF);  // a pipe with room takes this whole
    }
    if (stdout_kind_ == Stdout::kSocket) n = std::min(n, socket_message_max_);
    const char* data = pending_.data() + pending_at_;
    ssize_t w = stdout_kind_ == Stdout::kSocket ? ::send(1, data, n, MSG_DONTWAIT | MSG_NOSIGNAL)
                                                : ::write(StdoutFd(), data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;  // full: later
    if (w <= 0) {  // EPIPE, EIO: stop copying, keep the tail
      stream_ok_ = false;
      break;
    }
    pending_at_ += static_cast<size_t>(w);
  }
  // Memory holds what is not written yet, not what was.
  if (!stream_ok_ || pending_at_ == pending_.size()) {
    pending_.clear();
    pending_at_ = 0;
  } else if (pending_at_ >= kReadChunk) {
    pending_.erase(0, pending_at_);
    pending_at_ = 0;
  }
}

void Supervisor::DrainOutput() {
  const Micros begin = clock_.Monotonic();
  Micros last_progress = begin;
  Micros stop_at = StopRequested() ? begin : Micros::max();
  // The pipe's writers are gone, unless a descriptor escaped the tree:
  // then stop when it has nothing, or after 256 chunks (16 MiB).
  bool pipe_done = !out_.valid();
  int reads = 0;
  auto read_one = [&] { pipe_done = ++reads > 256 || !ReadOutput() || !out_.valid(); };
  for (;;) {
    // As long as little waits for the reader.
    while (!pipe_done && PendingOutput() < kMaxPendingOutput) read_one();
    const size_t before = PendingOutput();
    FlushOutput();
    if (!stream_ok_ || !spec_.stream_output) {
      // Nothing (more) is copied; what is left in the pipe goes to the tail.
      while (!pipe_done) read_one();
      return;
    }
    const Micros now = clock_.Monotonic();
    if (PendingOutput() < before) last_progress = now;
    if (PendingOutput() == 0 && pipe_done) return;
    if (PendingOutput() == 0) continue;  // read more
    Micros limit =
        std::min(last_progress + spec_.output_stall_limit, begin + spec_.output_drain_limit);
    if (stop_at != Micros::max()) limit = std::min(limit, stop_at + kOutputDrainAfterStop);
    if (now >= limit) {
      stream_ok_ = false;  // the reader is stuck: drop the rest (the tail keeps it)
      pending_.clear();
      pending_at_ = 0;
      continue;
    }
    pollfd fds[2] = {{StdoutFd(), POLLOUT, 0}, {sig_.valid() ? sig_.get() : -1, POLLIN, 0}};
    const int64_t ms = std::min<int64_t>((limit - now).count() / 1000 + 1, 1000);
    if (poll(fds, 2, static_cast<int>(ms)) > 0 && fds[1].revents != 0) {
      HandleSignals(/*loop_running=*/false);
      if (StopRequested() && stop_at == Micros::max()) stop_at = clock_.Monotonic();
    }
  }
}

bool Supervisor::ReadOutput() {
  char buf[kReadChunk];
  ssize_t n = ::read(out_.get(), buf, sizeof buf);
  if (n > 0) {
    ConsumeOutput(buf, static_cast<size_t>(n));
    return true;
  }
  if (n == 0 || (errno != EAGAIN && errno != EINTR)) out_.Reset();
  return false;
}

void Supervisor::WriteInput() {
  const std::string& data = *spec_.stdin_data;
  while (in_offset_ < data.size()) {
    ssize_t w = ::write(in_.get(), data.data() + in_offset_, data.size() - in_offset_);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) return;
    if (w <= 0) break;  // EPIPE: the child closed its stdin; drop the rest
    in_offset_ += static_cast<size_t>(w);
  }
  in_.Reset();
}

void Supervisor::HandleSignals(bool loop_running) {
  signalfd_siginfo info;
  while (sig_.valid() && ::read(sig_.get(), &info, sizeof info) == sizeof info) {
    int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGCHLD) {
      need_scan_ = true;
    } else if (sig == SIGTERM || sig == SIGINT) {
      NoteStopRequest(sig);
      if (!loop_running) continue;
      Micros now = clock_.Monotonic();
      if (phase_ == Phase::kRunning && !main_reaped_) {
        cause_ = CommandOutcome::Kind::kInterrupted;
        StartTerm(now, ScanTree());
      } else if (phase_ == Phase::kTerm) {
        StartKill(now, ScanTree());  // asked twice: do not wait for the grace period
      }
    }
    // SIGHUP is read and ignored: a job must not die because the terminal
    // that started it went away.
  }
}

void Supervisor::Loop() {
  const bool has_timeout = spec_.timeout > Micros{0};
  const Micros timeout_at = start_ + spec_.timeout;
  for (;;) {
    Micros now = clock_.Monotonic();
    if (phase_ == Phase::kRunning && !main_reaped_ && has_timeout && now >= timeout_at) {
      cause_ = CommandOutcome::Kind::kTimedOut;
      StartTerm(now, ScanTree());
    }
    if (phase_ == Phase::kTerm && now >= phase_deadline_) StartKill(now, ScanTree());
    if (phase_ == Phase::kKill && now >= phase_deadline_) {
      std::vector<ProcInfo> left = ScanTree();
      if (!main_reaped_ || !left.empty()) {
        std::string pids;
        if (!main_reaped_) pids = std::to_string(main_);
        for (const ProcInfo& p : left) {
          if (p.pid == main_) continue;
          pids += (pids.empty() ? "" : " ") + std::to_string(p.pid);
        }
        error_ = "processes still alive after SIGKILL, abandoned: " + pids;
      }
      return;
    }
    bool tick = phase_ != Phase::kRunning || !pidfd_.valid() || main_reaped_;
    if (need_scan_ || (tick && now >= next_scan_)) {
      need_scan_ = false;
      CheckMain();
      std::vector<ProcInfo> tree = ScanTree();
      if (main_reaped_ && tree.empty()) return;
      if (main_reaped_ && phase_ == Phase::kRunning) {
        StartTerm(now, tree);  // leftovers of a child that has exited
      } else if (phase_ == Phase::kTerm) {
        SignalTree(SIGTERM, tree);  // only processes that have not had it
      } else if (phase_ == Phase::kKill) {
        SignalTree(SIGKILL, tree);
      }
      next_scan_ = now + kRescanInterval;
    }

    Micros wake = Micros::max();
    if (phase_ == Phase::kRunning && !main_reaped_ && has_timeout) wake = timeout_at;
    if (phase_ != Phase::kRunning) wake = std::min(wake, phase_deadline_);
    if (tick) wake = std::min(wake, next_scan_);
    int timeout_ms = -1;
    if (wake != Micros::max()) {
      int64_t us = (wake - clock_.Monotonic()).count();
      timeout_ms = us <= 0 ? 0 : static_cast<int>(std::min<int64_t>((us + 999) / 1000, INT_MAX));
    }

    pollfd fds[5];
    nfds_t nfds = 0;
    int out_i = -1, in_i = -1, sig_i = -1, pid_i = -1, stdout_i = -1;
    if (out_.valid() && PendingOutput() < kMaxPendingOutput) {
      out_i = static_cast<int>(nfds);
      fds[nfds++] = {out_.get(), POLLIN, 0};
    }
    if (PendingOutput() > 0) {
      stdout_i = static_cast<int>(nfds);
      fds[nfds++] = {StdoutFd(), POLLOUT, 0};
    }
    if (in_.valid()) {
      in_i = static_cast<int>(nfds);
      fds[nfds++] = {in_.get(), POLLOUT, 0};
    }
    if (sig_.valid()) {
      sig_i = static_cast<int>(nfds);
      fds[nfds++] = {sig_.get(), POLLIN, 0};
    }
    if (pidfd_.valid()) {
      pid_i = static_cast<int>(nfds);
      fds[nfds++] = {pidfd_.get(), POLLIN, 0};
    }
    int ready = poll(fds, nfds, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      error_ = std::string("poll failed: ") + SystemErrorText(errno);
      next_scan_ = clock_.Monotonic() + kRescanInterval;  // keep going, on ticks
      continue;
    }
    if (ready == 0) continue;
    if (pid_i >= 0 && fds[pid_i].revents != 0) CheckMain();
    if (stdout_i >= 0 && fds[stdout_i].revents != 0) FlushOutput();
    if (out_i >= 0 && fds[out_i].revents != 0) ReadOutput();
    if (in_i >= 0 && fds[in_i].revents != 0) WriteInput();
    if (sig_i >= 0 && fds[sig_i].revents != 0) HandleSignals(/*loop_running=*/true);
  }
}

CommandOutcome Supervisor::Supervise() {
  Loop();
  HandleSignals(/*loop_running=*/false);
  DrainOutput();  // what is still in the pipe, and what waits for our stdout

  CommandOutcome outcome;
  outcome.pid = static_cast<int>(main_);
  outcome.duration = (main_reaped_ ? main_end_ : clock_.Monotonic()) - start_;
  outcome.error = error_;
  if (tail_.size() > spec_.tail_bytes) tail_.erase(0, tail_.size() - spec_.tail_bytes);
  outcome.output_tail = std::move(tail_);
  outcome.saw_watched = saw_watched_;
  outcome.sigkill_sent = sigkill_sent_;
  if (!main_reaped_) {
    outcome.kind = cause_.value_or(CommandOutcome::Kind::kSignaled);
    outcome.signal = SIGKILL;
    return outcome;
  }
  if (WIFEXITED(main_status_)) {
    outcome.kind = cause_.value_or(CommandOutcome::Kind::kExited);
    outcome.exit_code = WEXITSTATUS(main_status_);
  } else if (WIFSIGNALED(main_status_)) {
    outcome.kind = cause_.value_or(CommandOutcome::Kind::kSignaled);
    outcome.signal = WTERMSIG(main_status_);
    outcome.core_dumped = WCOREDUMP(main_status_);
  }
  return outcome;
}

}  // namespace

CommandOutcome RealCommandRunner::Run(const CommandSpec& spec) {
  const Micros start = clock_.Monotonic();
  auto spawn_failed = [&](std::string error, int exit_code, int pid = 0) {
    CommandOutcome outcome;
    outcome.kind = CommandOutcome::Kind::kSpawnFailed;
    outcome.started = false;
    outcome.exit_code = exit_code;
    outcome.error = std::move(error);
    outcome.pid = pid;
    outcome.duration = clock_.Monotonic() - start;
    return outcome;
  };

  if (spec.argv.empty()) return spawn_failed("cannot execute an empty command", 127);

  SignalScope signal_scope;
  BecomeSubreaper();  // setting it again is harmless
  sigset_t handled = HandledSignals();
  Fd sigfd(AboveStdio(signalfd(-1, &handled, SFD_CLOEXEC | SFD_NONBLOCK)));
  if (!sigfd.valid())
    return spawn_failed("cannot create a signalfd: " + SystemErrorText(errno), 126);

  Fd out_r, out_w, in_r, in_w;
  if (!MakePipe(&out_r, &out_w)) {
    return spawn_failed("cannot create a pipe: " + SystemErrorText(errno), 126);
  }
  if (spec.stdin_data) {
    if (!MakePipe(&in_r, &in_w))
      return spawn_failed("cannot create a pipe: " + SystemErrorText(errno), 126);
  } else {
    in_r = Fd(AboveStdio(::open("/dev/null", O_RDONLY | O_CLOEXEC)));
    if (!in_r.valid()) return spawn_failed("cannot open /dev/null: " + SystemErrorText(errno), 126);
  }

  // The last moment to honour a stop request without starting anything:
  // from here on, a SIGTERM is read from the signalfd and stops the tree.
  if (spec.not_if_stopped && StopRequested()) {
    CommandOutcome outcome;
    outcome.kind = CommandOutcome::Kind::kInterrupted;
    outcome.error = "not started: surety was told to stop";
    outcome.started = false;
    outcome.duration = clock_.Monotonic() - start;
    return outcome;
  }
  std::set<pid_t> preexisting;
  if (HasAnyChild()) preexisting = ChildrenOf(ScanProcesses(), getpid());
  SpawnRequest request;
  request.argv = spec.argv;
  request.env = spec.env;
  request.working_directory = spec.working_directory;
  request.uid = spec.uid;
  request.gid = spec.gid;
  request.stdin_fd = in_r.get();
  request.stdout_fd = out_w.get();
  request.stderr_fd = out_w.get();
  request.inherit_fd = spec.inherit_fd;
  const Spawned spawned = Spawn(request);
  out_w.Reset();
  in_r.Reset();
  if (!spawned.ok())
    return spawn_failed(spawned.error, spawned.exit_code, static_cast<int>(spawned.pid));
  const pid_t pid = spawned.pid;

  Fd pidfd(AboveStdio(static_cast<int>(syscall(SYS_pidfd_open, pid, 0))));
  Supervisor supervisor(clock_, spec, pid, std::move(preexisting), start);
  supervisor.SetFds(std::move(out_r), std::move(in_w), std::move(sigfd), std::move(pidfd));
  return supervisor.Supervise();
}

// The last non-empty line of a command's output, made safe to print.
std::string LastOutputLine(std::string_view output) {
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r' ||
                             output.back() == ' ' || output.back() == '\t')) {
    output.remove_suffix(1);
  }
  size_t nl = output.rfind('\n');
  if (nl != std::string_view::npos) output.remove_prefix(nl + 1);
  return QuoteForMessage(output, 200);
}

std::string DescribeStop(const CommandOutcome& o) {
  if (o.sigkill_sent)
    return "stopped with SIGTERM, then SIGKILL after kill_grace (something ignored SIGTERM)";
  if (o.signal != 0) return "stopped with SIG" + SignalName(o.signal);
  return "stopped with SIGTERM and exited with status " + std::to_string(o.exit_code);
}

// "exited with status 1: mountpoint: /backups is not a mountpoint", or
// empty when the command succeeded.
std::string DescribeFailure(const CommandOutcome& o) {
  std::string what;
  switch (o.kind) {
    case CommandOutcome::Kind::kExited:
      if (o.exit_code == 0) return "";
      what = "exited with status " + std::to_string(o.exit_code);
      break;
    case CommandOutcome::Kind::kSignaled:
      what = "was killed by signal " + SignalName(o.signal);
      if (o.core_dumped) what += " (core dumped)";
      break;
    case CommandOutcome::Kind::kTimedOut:
      what = "timed out and was " + DescribeStop(o);
      break;
    case CommandOutcome::Kind::kInterrupted:
      what = "was interrupted and " + DescribeStop(o);
      break;
    case CommandOutcome::Kind::kSpawnFailed:
      what = "could not be started";
      if (!o.error.empty()) what += ": " + o.error;
      return what;
  }
  std::string line = LastOutputLine(o.output_tail);
  if (!line.empty()) what += ": " + line;
  return what;
}

}  // namespace surety
