#include "os/event_loop.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "base/strings.h"

namespace surety {

namespace {
Status Errno(const std::string& what) {
  return Status::Error(StatusCode::kIoError, what + ": " + SystemErrorText(errno));
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

}  // namespace surety
