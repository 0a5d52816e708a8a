// RealCommandRunner: fork/exec, one poll loop, the kill sequence.
//
// Life of one Run():
//   1. Everything the child needs (argv, envp, PATH candidates, groups) is
//      built before the child is started. The child is started the way
//      posix_spawn() does it: clone(CLONE_VM | CLONE_VFORK) on a stack of its
//      own, with every signal blocked, so no page table is copied (fork()
//      was ~0.1 ms of every run) and the parent sleeps until the exec. The
//      child shares our memory: it only makes raw system calls, writes
//      nothing but its own stack (and errno), and never returns.
//   2. The child resets signal dispositions, moves into its own process
//      group, wires stdin/stdout/stderr, marks every other fd close-on-exec,
//      switches ids, changes directory, unblocks all signals and execs. A
//      failure at any step is stored as {stage, errno} in the parent's
//      memory (shared until exec) before the child exits; the parent resumes
//      only after the exec or the exit, so an empty record means the exec
//      worked (posix_spawn() does the same; a pipe read until EOF cost a
//      wake-up, ~0.05 ms).
//   3. The parent polls the output pipe, the stdin pipe, a signalfd and a
//      pidfd for the main child, with a timeout taken from the injected
//      Clock. Descendants are found by scanning /proc/*/stat for ppid links
//      from this process (we are a child subreaper, so processes that escape
//      with setsid() or a double fork are re-parented to us).
//   4. Stop (timeout, SIGTERM/SIGINT, or leftovers after the main child
//      exited): SIGTERM+SIGCONT to the process group and to every other
//      descendant, SIGKILL to all of them after kill_grace, then wait until
//      none is left and every zombie we inherited is reaped.
#include "os/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <utility>

#include "base/strings.h"
#include "os/proc.h"
#include "os/system.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace surety {

namespace {

std::atomic<bool> g_stop_requested{false};

constexpr Micros kRescanInterval = std::chrono::milliseconds(100);
// After SIGKILL we wait at least this long (or kill_grace if longer) before
// giving up on processes stuck in uninterruptible sleep.
constexpr Micros kMinWaitAfterKill = std::chrono::seconds(5);
constexpr size_t kReadChunk = 64 * 1024;
// Output read from the job but not yet copied to our stdout: past this, the
// job's pipe is not read until our reader catches up (the job then waits
// on its writes, as it would writing to that reader itself).
constexpr size_t kMaxPendingOutput = 1024 * 1024;
// After the job is gone, how long a reader of our stdout may take no output
// at all before the rest is dropped (it is still in the tail of the record),
// how long it may take in all, and how long once we are told to stop.
constexpr Micros kOutputStallLimit = std::chrono::seconds(30);
constexpr Micros kOutputDrainLimit = std::chrono::minutes(5);
constexpr Micros kOutputDrainAfterStop = std::chrono::seconds(1);
constexpr const char* kDefaultPath = "/bin:/usr/bin";  // execvp's default

// Exit codes for a child that could not start (shell and systemd style).
constexpr int kExitNotFound = 127;
constexpr int kExitCannotExec = 126;
constexpr int kExitChdir = 200;  // systemd CHDIR
constexpr int kExitGroup = 216;  // systemd GROUP
constexpr int kExitUser = 217;   // systemd USER
constexpr int kExitSetup = 203;  // systemd EXEC

// Owns one file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Moves fd above 2 so that dup2() onto 0..2 in the child always clears
// close-on-exec (dup2(fd, fd) would not).
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  ::close(fd);
  return moved;
}

bool MakePipe(Fd* read_end, Fd* write_end) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return false;
  *read_end = Fd(AboveStdio(p[0]));
  *write_end = Fd(AboveStdio(p[1]));
  return read_end->valid() && write_end->valid();
}

void SetNonBlocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

sigset_t HandledSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  return set;
}

// Blocks the signals Run() reads through its signalfd (and SIGPIPE, so a
// write to a closed pipe fails with EPIPE instead of killing us) in the
// calling thread for the duration of Run(); restores the old mask after.
class SignalScope {
 public:
  SignalScope() {
    sigset_t set = HandledSignals();
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, &old_mask_);
    sigpending(&pending_before_);
  }
  ~SignalScope() {
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
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  sigset_t old_mask_;
  sigset_t pending_before_;
};

}  // namespace

// ---------------------------------------------------------------------------
// /proc scanning (os/proc.h)

std::optional<ProcInfo> ReadProcStat(pid_t pid) {
  char path[48];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[1024];
  ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  buf[n] = '\0';
  // "pid (comm) S ppid pgid ..."; comm may contain ')' and blanks.
  const char* close_paren = std::strrchr(buf, ')');
  if (close_paren == nullptr) return std::nullopt;
  ProcInfo info;
  info.pid = pid;
  int ppid = 0, pgid = 0;
  if (std::sscanf(close_paren + 1, " %c %d %d", &info.state, &ppid, &pgid) != 3) {
    return std::nullopt;
  }
  info.ppid = ppid;
  info.pgid = pgid;
  return info;
}

std::vector<ProcInfo> ScanProcesses() {
  std::vector<ProcInfo> procs;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return procs;
  while (dirent* e = readdir(dir)) {
    const char* name = e->d_name;
    if (*name < '1' || *name > '9') continue;
    char* end = nullptr;
    long pid = std::strtol(name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid > INT_MAX) continue;
    if (auto info = ReadProcStat(static_cast<pid_t>(pid))) procs.push_back(*info);
  }
  closedir(dir);
  return procs;
}

namespace {

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

// Signals the process we scanned, not a process that reused its pid since:
// the pidfd pins the process, then its parent is checked again.
void SendSignal(const ProcInfo& p, int sig, pid_t self) {
  int pidfd = static_cast<int>(syscall(SYS_pidfd_open, p.pid, 0));
  if (pidfd < 0) {
    if (errno == ENOSYS) ::kill(p.pid, sig);
    return;
  }
  auto now = ReadProcStat(p.pid);
  if (now && (now->ppid == p.ppid || now->ppid == self)) {
    syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0U);
  }
  ::close(pidfd);
}

// ---------------------------------------------------------------------------
// Spawning

enum ChildStage : int { kStageSetup = 1, kStageGroups, kStageUid, kStageChdir, kStageExec };
struct ChildError {
  int stage;
  int err;
};

// Everything the child needs, built before fork().
struct SpawnPlan {
  std::vector<std::string> candidates;  // paths to try with execve, in order
  std::vector<std::string> env_strings;
  std::vector<char*> argv;
  std::vector<char*> envp;
  std::vector<const char*> candidate_ptrs;
  bool set_groups = false;
  bool set_uid = false;
  pid_t parent = 0;  // the runner, for the parent-death signal
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

std::optional<std::string> LookUpUserName(uid_t uid, gid_t* primary_gid) {
  long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buf(hint > 0 ? static_cast<size_t>(hint) : 16384);
  for (;;) {
    passwd pw{};
    passwd* result = nullptr;
    int rc = getpwuid_r(uid, &pw, buf.data(), buf.size(), &result);
    if (rc == ERANGE && buf.size() < (1U << 20)) {
      buf.resize(buf.size() * 2);
      continue;
    }
    if (rc != 0 || result == nullptr) return std::nullopt;
    *primary_gid = pw.pw_gid;
    return std::string(pw.pw_name);
  }
}

// Fills plan; on failure returns the message and sets *exit_code.
std::optional<std::string> MakePlan(const CommandSpec& spec, SpawnPlan* plan, int* exit_code) {
  plan->parent = getpid();
  if (spec.argv.empty()) {
    *exit_code = kExitNotFound;
    return "cannot execute an empty command";
  }
  const std::string& file = spec.argv[0];
  if (file.find('/') != std::string::npos) {
    plan->candidates.push_back(file);
  } else if (!file.empty()) {
    auto path_it = spec.env.find("PATH");
    std::string path = path_it != spec.env.end() ? path_it->second : kDefaultPath;
    size_t begin = 0;
    for (;;) {
      size_t colon = path.find(':', begin);
      std::string dir =
          path.substr(begin, colon == std::string::npos ? std::string::npos : colon - begin);
      if (dir.empty()) dir = ".";
      dir += '/';
      dir += file;
      plan->candidates.push_back(std::move(dir));
      if (colon == std::string::npos) break;
      begin = colon + 1;
    }
  }
  for (const std::string& c : plan->candidates) plan->candidate_ptrs.push_back(c.c_str());

  for (const auto& [key, value] : spec.env) {
    std::string entry = key;
    entry += '=';
    entry += value;
    plan->env_strings.push_back(std::move(entry));
  }
  for (const std::string& a : spec.argv) plan->argv.push_back(const_cast<char*>(a.c_str()));
  plan->argv.push_back(nullptr);
  for (std::string& e : plan->env_strings) plan->envp.push_back(e.data());
  plan->envp.push_back(nullptr);

  if (!spec.uid && !spec.gid) return std::nullopt;
  if (geteuid() != 0) {
    bool already = (!spec.uid || *spec.uid == geteuid()) && (!spec.gid || *spec.gid == getegid());
    if (already) return std::nullopt;
    *exit_code = spec.uid ? kExitUser : kExitGroup;
    return spec.uid ? "cannot run as uid " + std::to_string(*spec.uid) + ": not running as root"
                    : "cannot run as gid " + std::to_string(*spec.gid) + ": not running as root";
  }
  plan->set_groups = true;
  std::optional<std::string> user;
  gid_t primary = 0;
  if (spec.uid) {
    plan->set_uid = true;
    plan->uid = *spec.uid;
    user = LookUpUserName(*spec.uid, &primary);
  }
  if (spec.gid) {
    plan->gid = *spec.gid;
  } else if (user) {
    plan->gid = primary;
  } else {
    *exit_code = kExitGroup;
    return "cannot run as uid " + std::to_string(*spec.uid) +
           ": no such user in the user database, and no group given";
  }
  if (user) {
    int n = 32;
    std::vector<gid_t> groups(static_cast<size_t>(n));
    while (getgrouplist(user->c_str(), plan->gid, groups.data(), &n) < 0) {
      groups.resize(static_cast<size_t>(n) + 1);
      n = static_cast<int>(groups.size());
    }
    groups.resize(static_cast<size_t>(n));
    plan->groups = std::move(groups);
  } else {
    plan->groups = {plan->gid};
  }
  return std::nullopt;
}

// Stores the failure where the parent reads it (our memory is the
// parent's until exec), then exits.
[[noreturn]] void ChildFail(volatile ChildError* out, int stage, int err, int exit_code) {
  out->stage = stage;
  out->err = err;
  _exit(exit_code);
}

// Runs in the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void ExecChild(const SpawnPlan& plan, const CommandSpec& spec, int stdin_fd,
                            int output_fd, volatile ChildError* error) {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  for (int s = 1; s < NSIG; ++s) {
    if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, nullptr);
  }
  if (setpgid(0, 0) != 0) ChildFail(error, kStageSetup, errno, kExitSetup);
  if (dup2(stdin_fd, 0) < 0 || dup2(output_fd, 1) < 0 || dup2(output_fd, 2) < 0) {
    ChildFail(error, kStageSetup, errno, kExitSetup);
  }
  // Descriptors leaked by libraries of this process must not reach the job.
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (spec.inherit_fd > 2) fcntl(spec.inherit_fd, F_SETFD, 0);

  if (plan.set_groups) {
    if (syscall(SYS_setgroups, plan.groups.size(), plan.groups.data()) != 0 ||
        syscall(SYS_setresgid, plan.gid, plan.gid, plan.gid) != 0) {
      ChildFail(error, kStageGroups, errno, kExitGroup);
    }
  }
  if (plan.set_uid && syscall(SYS_setresuid, plan.uid, plan.uid, plan.uid) != 0) {
    ChildFail(error, kStageUid, errno, kExitUser);
  }
  // After the id switch, which clears it. If the runner died before this
  // line, the signal would never come: then stop here.
  prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
  if (getppid() != plan.parent) ChildFail(error, kStageSetup, ESRCH, kExitSetup);
  // After the id switch, so the directory is checked with the job's rights.
  if (!spec.working_directory.empty() && chdir(spec.working_directory.c_str()) != 0) {
    ChildFail(error, kStageChdir, errno, kExitChdir);
  }

  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  // execvp's search, with our own environment.
  int err = 0;
  bool saw_eacces = false;
  for (size_t i = 0; i < plan.candidate_ptrs.size(); ++i) {
    execve(plan.candidate_ptrs[i], plan.argv.data(), plan.envp.data());
    int e = errno;
    if (e == EACCES) {
      saw_eacces = true;
    } else if (e != ENOENT && e != ENOTDIR && e != ESTALE && e != ENODEV && e != ETIMEDOUT) {
      err = e;
      break;
    }
  }
  if (err == 0) err = saw_eacces ? EACCES : ENOENT;
  ChildFail(error, kStageExec, err, err == ENOENT ? kExitNotFound : kExitCannotExec);
}

struct ChildArgs {
  const SpawnPlan* plan;
  const CommandSpec* spec;
  int stdin_fd, output_fd;
  volatile ChildError* error;  // set by the child if it fails before exec
};

int ChildMain(void* arg) {
  const auto* a = static_cast<const ChildArgs*>(arg);
  ExecChild(*a->plan, *a->spec, a->stdin_fd, a->output_fd, a->error);
}

// Starts ExecChild in a child that shares our memory until it execs (or
// exits), as posix_spawn() does. Returns the pid, or -1 with errno set.
pid_t SpawnChild(const ChildArgs& args) {
  constexpr size_t kStackSize = 256 * 1024;
  void* stack = mmap(nullptr, kStackSize, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack == MAP_FAILED) return -1;
  // No signal handler of ours may run in the child on our memory: block
  // everything; the child resets dispositions before it unblocks.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone(ChildMain, static_cast<char*>(stack) + kStackSize,
                    CLONE_VM | CLONE_VFORK | SIGCHLD, const_cast<ChildArgs*>(&args));
  const int err = errno;
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  munmap(stack, kStackSize);
  errno = err;
  return pid;
}

std::string DescribeChildError(const ChildError& e, const CommandSpec& spec) {
  std::string what = SystemErrorText(e.err);
  switch (e.stage) {
    case kStageExec:
      return "cannot execute '" + spec.argv[0] + "': " + what;
    case kStageChdir:
      return "cannot change to working directory '" + spec.working_directory + "': " + what;
    case kStageGroups:
      return "cannot switch to group " + std::to_string(spec.gid.value_or(0)) + ": " + what;
    case kStageUid:
      return "cannot switch to user " + std::to_string(spec.uid.value_or(0)) + ": " + what;
    default:
      return "cannot set up the child process: " + what;
  }
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
  // once it has taken nothing for kOutputStallLimit, after
  // kOutputDrainLimit in all, or kOutputDrainAfterStop after a stop request.
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
      SendSignal(p, SIGTERM, self_);
      SendSignal(p, SIGCONT, self_);
    } else {
      SendSignal(p, sig, self_);
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
    Micros limit = std::min(last_progress + kOutputStallLimit, begin + kOutputDrainLimit);
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
      g_stop_requested = true;
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

// ---------------------------------------------------------------------------
// Signal names (systemd's table and spelling)

struct SignalEntry {
  int sig;
  const char* name;
};
constexpr SignalEntry kSignals[] = {
    {SIGHUP, "HUP"},   {SIGINT, "INT"},       {SIGQUIT, "QUIT"}, {SIGILL, "ILL"},
    {SIGTRAP, "TRAP"}, {SIGABRT, "ABRT"},     {SIGBUS, "BUS"},   {SIGFPE, "FPE"},
    {SIGKILL, "KILL"}, {SIGUSR1, "USR1"},     {SIGSEGV, "SEGV"}, {SIGUSR2, "USR2"},
    {SIGPIPE, "PIPE"}, {SIGALRM, "ALRM"},     {SIGTERM, "TERM"}, {SIGSTKFLT, "STKFLT"},
    {SIGCHLD, "CHLD"}, {SIGCONT, "CONT"},     {SIGSTOP, "STOP"}, {SIGTSTP, "TSTP"},
    {SIGTTIN, "TTIN"}, {SIGTTOU, "TTOU"},     {SIGURG, "URG"},   {SIGXCPU, "XCPU"},
    {SIGXFSZ, "XFSZ"}, {SIGVTALRM, "VTALRM"}, {SIGPROF, "PROF"}, {SIGWINCH, "WINCH"},
    {SIGIO, "IO"},     {SIGPWR, "PWR"},       {SIGSYS, "SYS"},
};

// Parses 1+ decimal digits and nothing else; -1 if not that or too large.
int ParseSmallDecimal(const std::string& s) {
  if (s.empty() || s.size() > 4) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

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
      g_stop_requested = true;
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
void ClearStopRequestForTesting() { g_stop_requested = false; }

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

  SpawnPlan plan;
  int plan_exit = 0;
  if (auto error = MakePlan(spec, &plan, &plan_exit)) return spawn_failed(*error, plan_exit);

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
  volatile ChildError child_error{};
  const ChildArgs child_args{&plan, &spec, in_r.get(), out_w.get(), &child_error};
  pid_t pid = SpawnChild(child_args);
  if (pid < 0) return spawn_failed("cannot start a process: " + SystemErrorText(errno), 126);

  out_w.Reset();
  in_r.Reset();
  if (child_error.stage != 0) {
    const ChildError failure{child_error.stage, child_error.err};
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : kExitCannotExec;
    return spawn_failed(DescribeChildError(failure, spec), code, static_cast<int>(pid));
  }

  Fd pidfd(AboveStdio(static_cast<int>(syscall(SYS_pidfd_open, pid, 0))));
  Supervisor supervisor(clock_, spec, pid, std::move(preexisting), start);
  supervisor.SetFds(std::move(out_r), std::move(in_w), std::move(sigfd), std::move(pidfd));
  return supervisor.Supervise();
}

std::string SignalName(int sig) {
  for (const SignalEntry& e : kSignals) {
    if (e.sig == sig) return e.name;
  }
  if (sig >= SIGRTMIN && sig <= SIGRTMAX) return "RTMIN+" + std::to_string(sig - SIGRTMIN);
  return std::to_string(sig);
}

int SignalFromName(const std::string& name) {
  std::string s = name.rfind("SIG", 0) == 0 ? name.substr(3) : name;
  for (const SignalEntry& e : kSignals) {
    if (s == e.name) return e.sig;
  }
  const int span = SIGRTMAX - SIGRTMIN;
  if (s.rfind("RTMIN", 0) == 0) {
    if (s.size() == 5) return SIGRTMIN;
    if (s[5] != '+') return 0;
    int n = ParseSmallDecimal(s.substr(6));
    return n >= 0 && n <= span ? SIGRTMIN + n : 0;
  }
  if (s.rfind("RTMAX", 0) == 0) {
    if (s.size() == 5) return SIGRTMAX;
    if (s[5] != '-') return 0;
    int n = ParseSmallDecimal(s.substr(6));
    return n >= 0 && n <= span ? SIGRTMAX - n : 0;
  }
  return 0;
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
      what = "timed out and was killed with " + SignalName(o.signal);
      break;
    case CommandOutcome::Kind::kInterrupted:
      what = "was interrupted";
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
