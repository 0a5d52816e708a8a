// Clock: where "now" comes from.
//
// For: every module that needs the current time. The real clock is built once
// in main(); tests pass a FakeClock set to any instant. Not for: sleeping or
// timers (the daemon's event loop owns those).
//
// Thread-safety: RealClock is thread-safe; FakeClock is thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>

#include "base/instant.h"

namespace surety {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant Now() const = 0;       // CLOCK_REALTIME
  virtual Micros Monotonic() const = 0;  // CLOCK_MONOTONIC since boot
};

class RealClock final : public Clock {
 public:
  Instant Now() const override;
  Micros Monotonic() const override;
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Instant now = Instant{}) : now_(now) {}
  Instant Now() const override { return now_; }
  Micros Monotonic() const override { return mono_; }
  void Set(Instant now) { now_ = now; }
  void Advance(Micros d) {
    now_ += d;
    mono_ += d;
  }

 private:
  Instant now_;
  Micros mono_{0};
};

}  // namespace surety
