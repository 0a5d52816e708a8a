// Timespan: a duration written the way systemd.time(7) writes them.
//
// For: every `*Sec=`-style setting (timeouts, delays, accuracy) and
// `surety timespan`. Parsing and formatting match systemd 252's parse_sec()
// and format_timespan() exactly: "5min 30s", "1h30m", "2 weeks", "100ms",
// "infinity", bare numbers as seconds; fractions truncate at the microsecond.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/instant.h"
#include "base/status.h"

namespace surety {

// A non-negative duration in microseconds. kInfinity is systemd's
// USEC_INFINITY (2^64-1), "no limit".
struct Timespan {
  static constexpr uint64_t kInfinity = UINT64_MAX;
  uint64_t usec = 0;
  bool infinite() const { return usec == kInfinity; }
  friend bool operator==(const Timespan&, const Timespan&) = default;
};

// Errors: kInvalidArgument (EINVAL) for syntax, kOutOfRange (ERANGE) for
// negative values and totals that reach infinity.
Result<Timespan> ParseTimespan(std::string_view text);

// `default_unit_usec` is what a bare number means (1e6: seconds).
Result<Timespan> ParseTimespanWithUnit(std::string_view text, uint64_t default_unit_usec);

// The span as a duration to add to an instant, saturated at kMaxSpan —
// "infinity" too: a caller that gives infinity a meaning of its own (no
// timeout, wait forever) tests infinite() first.
Micros SpanMicros(Timespan span);

// systemd's format_timespan(): greedy from years down, decimals once below a
// minute; `accuracy_usec` drops digits finer than it (1 keeps all).
std::string FormatTimespan(Timespan span, uint64_t accuracy_usec = 1);

}  // namespace surety
