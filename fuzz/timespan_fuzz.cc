// timespan_fuzz: the round-trip fuzz target of the timespan parser, plus a
// crash hunt in the timestamp parser.
//
// For arbitrary bytes:
//  1. ParseTimespan() never crashes and fails only with EINVAL or ERANGE.
//  2. A parsed span formats (FormatTimespan, accuracy 1 µs: every digit kept)
//     to text that parses back to the same number of microseconds; the same
//     holds when the bytes are read with a default unit of 1 µs and 1 min.
//     One exception, systemd 252's own: a span of 584542 years or more
//     formats as "584542y …", which parse_sec() refuses with ERANGE (it
//     rejects N units once N >= USEC_INFINITY / unit, and 2^64-1 µs is
//     584542.05 years). systemd-analyze timespan '18446744073707s' prints
//     "584542y 2w 2d 20h 1min 47s" and refuses to read that back.
//  3. ParseTimestamp() never crashes, with a fixed "now" (2026-11-22 12:00
//     UTC) in TZ=Europe/Berlin and TZ=Australia/Lord_Howe; an instant it
//     returns is not before 1970, and if it is at most 9999-12-30 23:59:59
//     UTC (only "@SPAN" goes further) its UTC rendering ("Sun 2026-11-22
//     12:00:00 UTC") parses back to the same second.
// A violated property prints the input and traps.
//
// Build and run: docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "time/timespan.h"
#include "time/timestamp.h"

namespace surety {
namespace {

constexpr int64_t kUsecPerSec = 1000000;
constexpr uint64_t kSecond = 1000000;
constexpr uint64_t kYear = 31557600 * kSecond;
// From here on the year count of the formatted span is one parse_sec() refuses.
constexpr uint64_t kUnreadableYears = Timespan::kInfinity / kYear * kYear;
constexpr int64_t kMaxUsec = 253402214399000000;    // 9999-12-30 23:59:59 UTC
constexpr int64_t kNow = 1795348800 * kUsecPerSec;  // 2026-11-22 12:00:00 UTC

struct FuzzEnv {
  ZoneDb zones;
  std::shared_ptr<const Zone> berlin = zones.LocalFromTz(":Europe/Berlin");
  std::shared_ptr<const Zone> lord_howe = zones.LocalFromTz(":Australia/Lord_Howe");
};

FuzzEnv& Env() {
  static FuzzEnv* env = new FuzzEnv();
  return *env;
}

[[noreturn]] void Fail(const char* property, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "timespan_fuzz: %s\n  input: '%s'\n  %s\n", property,
               QuoteForMessage(input, 400).c_str(), detail.c_str());
  __builtin_trap();
}

void CheckTimespan(std::string_view text, uint64_t default_unit) {
  auto span = ParseTimespanWithUnit(text, default_unit);
  if (!span.ok()) {
    StatusCode code = span.status().code();
    if (code != StatusCode::kInvalidArgument && code != StatusCode::kOutOfRange)
      Fail("ParseTimespan failed with an unexpected code", text, span.status().message());
    return;
  }
  std::string formatted = FormatTimespan(*span, 1);
  auto again = ParseTimespan(formatted);
  if (span->usec >= kUnreadableYears && !span->infinite()) {
    if (again.ok() || again.status().code() != StatusCode::kOutOfRange)
      Fail("a span of 584542 years or more reads back, unlike in systemd", text,
           "'" + formatted + "'");
    return;
  }
  if (!again.ok())
    Fail("the formatted span does not parse", text,
         "'" + formatted + "': " + again.status().message());
  if (again->usec != span->usec)
    Fail("the formatted span parses to another value", text,
         std::to_string(span->usec) + " us -> '" + formatted + "' -> " +
             std::to_string(again->usec) + " us");
}

void CheckTimestamp(std::string_view text, const Zone& local) {
  MktimeState state;
  TimestampContext ctx{Instant{Micros{kNow}}, &local, &Env().zones, &state};
  auto t = ParseTimestamp(text, ctx);
  if (!t.ok()) return;
  int64_t us = t->time_since_epoch().count();
  if (us < 0)
    Fail("a timestamp is before 1970", text, local.name() + ": " + std::to_string(us) + " us");
  if (us > kMaxUsec) return;
  std::string utc = FormatTimestampUtc(*t);
  MktimeState fresh;
  TimestampContext again_ctx{Instant{Micros{kNow}}, &local, &Env().zones, &fresh};
  auto again = ParseTimestamp(utc, again_ctx);
  int64_t whole = us / kUsecPerSec * kUsecPerSec;
  if (!again.ok() || again->time_since_epoch().count() != whole)
    Fail("the UTC rendering of a timestamp does not parse back", text,
         local.name() + ": '" + utc + "': " +
             (again.ok() ? std::to_string(again->time_since_epoch().count()) + " us"
                         : again.status().message()));
}

}  // namespace
}  // namespace surety

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace surety;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckTimespan(text, kSecond);
  CheckTimespan(text, 1);
  CheckTimespan(text, 60 * kSecond);
  CheckTimestamp(text, *Env().berlin);
  CheckTimestamp(text, *Env().lord_howe);
  return 0;
}
