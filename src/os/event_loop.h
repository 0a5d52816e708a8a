// EventLoop: the daemon's one loop (epoll) and the kernel objects it waits on.
//
// For: `surety daemon`. One thread; every fd has one owner that registers a
// callback and unregisters it before closing. Sources:
//  * a realtime timer armed at an absolute instant with
//    TFD_TIMER_CANCEL_ON_SET, so a jump of the wall clock (settimeofday, NTP
//    step) wakes the loop at once (on_clock_change);
//  * a signalfd for SIGTERM, SIGINT, SIGHUP and SIGCHLD (blocked first);
//  * an inotify watch on /etc for changes of /etc/localtime
//    (on_zone_change).
// An idle loop sleeps in epoll_wait until one of them fires: no polling.
//
// Thread-compatible: owned and run by one thread.
#pragma once

#include <functional>
#include <optional>

#include "base/status.h"
#include "os/clock.h"

namespace surety {

class EventLoop {
 public:
  struct Handlers {
    std::function<void()> on_timer;
    std::function<void()> on_clock_change;
    std::function<void()> on_zone_change;
    std::function<void(int sig)> on_signal;  // TERM, INT, HUP (CHLD too)
  };

  EventLoop() = default;
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  Status Open(Handlers handlers);
  // Arms the realtime timer at `when` (absolute); nullopt disarms it.
  Status ArmAt(std::optional<Instant> when);
  // Waits for events and dispatches them until Stop(). With a non-zero
  // `tick`, `on_tick` runs every `tick` (busy or idle) — for a watchdog.
  Status Run(Micros tick, const std::function<void()>& on_tick);
  void Stop() { stop_ = true; }
  // Counts epoll wake-ups (for the idle benchmark).
  uint64_t wakeups() const { return wakeups_; }

 private:
  Status ArmCancelOnSet();
  int epoll_ = -1, timer_ = -1, signals_ = -1, inotify_ = -1;
  Handlers handlers_;
  bool stop_ = false;
  uint64_t wakeups_ = 0;
};

}  // namespace surety
