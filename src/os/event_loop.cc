#include "os/event_loop.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "base/strings.h"
#include "os/spawn.h"

extern char** environ;  // NOLINT

namespace surety {

namespace {
Status Errno(const std::string& what) {
  return Status::Error(StatusCode::kIoError, what + ": " + SystemErrorText(errno));
}
std::string ReadLine(const char* path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}
}  // namespace

EventLoop::~EventLoop() {
  for (int fd : {epoll_, timer_, signals_, inotify_})
    if (fd >= 0) close(fd);
}

Status EventLoop::Open(Handlers handlers) {
  handlers_ = std::move(handlers);
  epoll_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) return Errno("epoll_create1");
  timer_ = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
  if (timer_ < 0) return Errno("timerfd_create");
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGTERM, SIGINT, SIGHUP, SIGCHLD}) sigaddset(&set, s);
  if (sigprocmask(SIG_BLOCK, &set, nullptr) != 0) return Errno("sigprocmask");
  signals_ = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signals_ < 0) return Errno("signalfd");
  inotify_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (inotify_ >= 0 &&
      inotify_add_watch(inotify_, "/etc", IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE) <
          0) {
    close(inotify_);
    inotify_ = -1;  // no zone-change notices; everything else works
  }
  for (int fd : {timer_, signals_, inotify_}) {
    if (fd < 0) continue;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) return Errno("epoll_ctl");
  }
  return ArmAt(std::nullopt);
}

// With no deadline the timer is still armed far in the future so that
// TFD_TIMER_CANCEL_ON_SET reports clock changes.
Status EventLoop::ArmAt(std::optional<Instant> when) {
  int64_t us = when ? when->time_since_epoch().count() : INT64_C(253402214399000000);
  if (us < 1) us = 1;
  itimerspec its{};
  its.it_value.tv_sec = static_cast<time_t>(us / 1000000);
  its.it_value.tv_nsec = static_cast<long>((us % 1000000) * 1000);
  if (timerfd_settime(timer_, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, nullptr) != 0)
    return Errno("timerfd_settime");
  return Status::Ok();
}

Status EventLoop::Run(Micros tick, const std::function<void()>& on_tick) {
  stop_ = false;
  auto mono = [] {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  };
  int64_t last_tick = mono();
  while (!stop_) {
    epoll_event events[8];
    int timeout_ms = tick.count() > 0 ? static_cast<int>(tick.count() / 1000) : -1;
    int n = epoll_wait(epoll_, events, 8, timeout_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("epoll_wait");
    }
    ++wakeups_;
    // The tick (a watchdog ping) is due every tick, busy or idle.
    if (tick.count() > 0 && on_tick && mono() - last_tick >= tick.count()) {
      on_tick();
      last_tick = mono();
    }
    for (int i = 0; i < n && !stop_; ++i) {
      int fd = events[i].data.fd;
      if (fd == timer_) {
        uint64_t expirations = 0;
        ssize_t r = read(timer_, &expirations, sizeof expirations);
        if (r < 0 && errno == ECANCELED) {
          if (handlers_.on_clock_change) handlers_.on_clock_change();
        } else if (r > 0) {
          if (handlers_.on_timer) handlers_.on_timer();
        }
      } else if (fd == signals_) {
        signalfd_siginfo si{};
        while (read(signals_, &si, sizeof si) == static_cast<ssize_t>(sizeof si)) {
          if (handlers_.on_signal) handlers_.on_signal(static_cast<int>(si.ssi_signo));
        }
      } else if (fd == inotify_) {
        alignas(inotify_event) char buf[4096];
        bool zone = false;
        ssize_t len;
        while ((len = read(inotify_, buf, sizeof buf)) > 0) {
          for (char* p = buf; p < buf + len;) {
            auto* ev = reinterpret_cast<inotify_event*>(p);
            if (ev->len > 0 && std::strcmp(ev->name, "localtime") == 0) zone = true;
            p += sizeof(inotify_event) + ev->len;
          }
        }
        if (zone && handlers_.on_zone_change) handlers_.on_zone_change();
      }
    }
  }
  return Status::Ok();
}

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

// The sd_notify protocol: one datagram to the AF_UNIX socket named by
// $NOTIFY_SOCKET ("@name" is in the abstract namespace). Written here rather
// than linking libsystemd, which would load a dozen more libraries into
// every `surety run`.
void NotifySystemd(const std::string& state) {
  const char* path = getenv("NOTIFY_SOCKET");  // NOLINT: src/os reads the environment
  if (!path || !*path) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t len = strlen(path);
  if (len >= sizeof addr.sun_path) return;
  memcpy(addr.sun_path, path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  (void)sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
               addr_len);
  close(fd);
}

std::optional<Micros> WatchdogInterval() {
  const char* usec = getenv("WATCHDOG_USEC");  // NOLINT
  if (!usec || !*usec) return std::nullopt;
  if (const char* pid = getenv("WATCHDOG_PID"); pid && *pid && atol(pid) != getpid())
    return std::nullopt;
  long long v = atoll(usec);
  if (v <= 0) return std::nullopt;
  return Micros{v};
}

std::string MachineIdText() { return ReadLine("/etc/machine-id"); }
std::string BootIdText() { return ReadLine("/proc/sys/kernel/random/boot_id"); }

Instant BootInstant() {
  timespec rt{}, bt{};
  clock_gettime(CLOCK_REALTIME, &rt);
  clock_gettime(CLOCK_BOOTTIME, &bt);
  int64_t us =
      (static_cast<int64_t>(rt.tv_sec) - bt.tv_sec) * 1000000 + (rt.tv_nsec - bt.tv_nsec) / 1000;
  return Instant{Micros{us}};
}

}  // namespace surety
