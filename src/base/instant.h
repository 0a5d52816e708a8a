// Instant and Micros: absolute time and durations, the vocabulary every
// module shares.
//
// For: run records, schedules, timeouts. An Instant is absolute time —
// microseconds since the Unix epoch, UTC; civil (wall-clock) time is a
// different type (time/zone.h) and never converts implicitly. Reading the
// clock is the OS's (os/clock.h); these are only values.
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>

namespace surety {

using Micros = std::chrono::microseconds;
using Instant = std::chrono::sys_time<Micros>;

// The longest duration arithmetic on instants adds: about 73,000 years, so
// that an instant of this era plus (or minus) it cannot overflow. Spans
// longer than this, and "infinity", saturate here (time/timespan.h
// SpanMicros).
inline constexpr Micros kMaxSpan{INT64_MAX / 4};

}  // namespace surety
