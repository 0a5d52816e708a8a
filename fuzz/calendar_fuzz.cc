// calendar_fuzz: the round-trip fuzz target of the calendar parser.
//
// For arbitrary bytes, in three parse contexts whose local zones differ
// (TZ="" → UTC, Europe/Berlin: "CET"/"CEST", Australia/Lord_Howe:
// "+1030"/"+11", a half-hour DST shift):
//  1. ParseCalendarSpec() never crashes (ASan and UBSan watch memory and
//     arithmetic) and fails only with systemd's codes (EINVAL, ERANGE,
//     ENOBUFS).
//  2. A parsed spec formats to a normalized form that parses again and
//     formats to the identical text: normalization is idempotent.
//  3. NextElapse() returns (its 1000-step cap bounds the search) from three
//     bases derived from the input — one in UTC, two in Lord Howe around a
//     DST transition, the second chained from the first answer — fails only
//     with EDEADLK (the cap), and every elapse it finds is before 2200-01-02
//     and strictly after its base. One exception, systemd 252's own: in a
//     DST overlap the answer may be up to the overlap's length earlier than
//     the base, as long as its wall-clock reading in the evaluation zone is
//     later (Debian's guard compares wall clocks, and a spec pinning the DST
//     flag, "… +11", picks the first pass). systemd-analyze 252.39 answers
//     '*:31/2:0 +11' from 2026-04-05 01:58:33 +1030 with 01:59:00 +11, 9.5
//     minutes before the base; see calendar_fuzz_regress_test.cc.
// A violated property prints the input and traps.
//
// Build and run: docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "time/calendar_spec.h"

namespace surety {
namespace {

constexpr int64_t kUsecPerSec = 1000000;
constexpr int64_t kYear2200 = 7258118400;          // 2200-01-01 00:00:00 UTC
constexpr int64_t kLatestElapse = 7258204800;      // 2200-01-02 00:00:00 UTC
constexpr int64_t kLordHoweDstEnd = 1775314800;    // 2026-04-05 01:30 +1030
constexpr int64_t kLordHoweDstStart = 1791041400;  // 2026-10-04 02:30 +11

// Built once: loading zones per input would dominate the run.
struct FuzzEnv {
  ZoneDb zones;
  std::shared_ptr<const Zone> utc, berlin, lord_howe;
  CalendarParseContext utc_ctx, berlin_ctx, lord_howe_ctx;

  FuzzEnv() {
    utc = zones.LocalFromTz("");
    berlin = zones.LocalFromTz(":Europe/Berlin");
    lord_howe = zones.LocalFromTz(":Australia/Lord_Howe");
    Init(utc_ctx, *utc);
    Init(berlin_ctx, *berlin);
    Init(lord_howe_ctx, *lord_howe);
  }
  void Init(CalendarParseContext& ctx, const Zone& local) {
    ctx.tzname[0] = local.tzname(0);
    ctx.tzname[1] = local.tzname(1);
    ctx.zones = &zones;
  }
};

FuzzEnv& Env() {
  static FuzzEnv* env = new FuzzEnv();
  return *env;
}

[[noreturn]] void Fail(const char* property, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "calendar_fuzz: %s\n  input: '%s'\n  %s\n", property,
               QuoteForMessage(input, 400).c_str(), detail.c_str());
  __builtin_trap();
}

// FNV-1a: bases must depend on the input (and only on it, so every finding
// reproduces).
uint64_t Hash(std::string_view s) {
  uint64_t h = 14695981039346656037ull;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// Parses in `ctx` and checks properties 1 and 2.
std::optional<CalendarSpec> ParseAndRoundTrip(std::string_view text,
                                              const CalendarParseContext& ctx, const char* where) {
  auto spec = ParseCalendarSpec(text, ctx);
  if (!spec.ok()) {
    StatusCode code = spec.status().code();
    if (code != StatusCode::kInvalidArgument && code != StatusCode::kOutOfRange &&
        code != StatusCode::kTooMany)
      Fail("parse failed with an unexpected code", text,
           std::string(where) + ": " + spec.status().message());
    return std::nullopt;
  }
  std::string normalized = FormatCalendarSpec(*spec, ctx);
  auto again = ParseCalendarSpec(normalized, ctx);
  if (!again.ok())
    Fail("the normalized form does not parse", text,
         std::string(where) + ": '" + normalized + "': " + again.status().message());
  std::string twice = FormatCalendarSpec(*again, ctx);
  if (twice != normalized)
    Fail("normalization is not idempotent", text,
         std::string(where) + ": '" + normalized + "' -> '" + twice + "'");
  return std::move(*spec);
}

// True if `a` reads no earlier than `b` on the wall clock of the zone the
// spec is evaluated in (never for UTC specs).
bool WallNotEarlier(const CalendarSpec& spec, const Zone& local, int64_t a_us, int64_t b_us) {
  if (spec.utc) return false;
  const Zone* zone = &local;
  std::shared_ptr<const Zone> named;
  if (!spec.zone.empty()) {
    auto z = Env().zones.Get(spec.zone);
    if (!z.ok()) return false;
    named = *z;
    zone = named.get();
  }
  auto wall_us = [zone](int64_t us) {
    int64_t secs = us / kUsecPerSec;  // REQUIRES: us >= 0
    return us + zone->ToWall(secs).gmtoff * kUsecPerSec;
  };
  return wall_us(a_us) >= wall_us(b_us);
}

// Checks property 3 for one call; returns the elapse found, if any.
std::optional<Instant> CheckNext(const CalendarSpec& spec, Instant base, const Zone& local,
                                 std::string_view text, const char* where) {
  MktimeState state;  // a fresh process's glibc memory
  CalendarEvalContext ec{&local, &Env().zones, &state};
  auto next = NextElapse(spec, base, ec);
  if (!next.ok()) {
    StatusCode code = next.status().code();
    // EDEADLK (the step cap), or a zone the database cannot load.
    if (code != StatusCode::kDeadlock && code != StatusCode::kNotFound)
      Fail("NextElapse failed with an unexpected code", text,
           std::string(where) + ": " + next.status().message());
    return std::nullopt;
  }
  if (!next->has_value()) return std::nullopt;
  int64_t got = (*next)->time_since_epoch().count();
  int64_t after = base.time_since_epoch().count();
  if (got <= after && !WallNotEarlier(spec, local, got, after + 1))
    Fail("an elapse is not after its base", text,
         std::string(where) + ": base " + std::to_string(after) + " us, got " +
             std::to_string(got) + " us");
  if (got >= kLatestElapse * kUsecPerSec)
    Fail("an elapse is past 2199", text,
         std::string(where) + ": got " + std::to_string(got) + " us");
  return **next;
}

}  // namespace
}  // namespace surety

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace surety;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  FuzzEnv& env = Env();

  auto in_utc = ParseAndRoundTrip(text, env.utc_ctx, "TZ=UTC");
  ParseAndRoundTrip(text, env.berlin_ctx, "TZ=Europe/Berlin");
  auto in_lord_howe = ParseAndRoundTrip(text, env.lord_howe_ctx, "TZ=Australia/Lord_Howe");

  const uint64_t h = Hash(text);
  if (in_utc) {
    // Anywhere from 1970 to 2199, with a sub-second part.
    int64_t secs = static_cast<int64_t>(h % static_cast<uint64_t>(kYear2200));
    int64_t usec = static_cast<int64_t>((h >> 40) % kUsecPerSec);
    CheckNext(*in_utc, Instant{Micros{secs * kUsecPerSec + usec}}, *env.utc, text, "UTC");
  }
  if (in_lord_howe) {
    // Within a day of a Lord Howe DST transition, at a second boundary or not.
    int64_t around = (h & 1) ? kLordHoweDstEnd : kLordHoweDstStart;
    int64_t offset = static_cast<int64_t>((h >> 1) % 172801) - 86400;
    int64_t usec = (h & 2) ? static_cast<int64_t>((h >> 20) % kUsecPerSec) : 0;
    Instant base{Micros{(around + offset) * kUsecPerSec + usec}};
    auto first = CheckNext(*in_lord_howe, base, *env.lord_howe, text, "Lord_Howe");
    if (first) CheckNext(*in_lord_howe, *first, *env.lord_howe, text, "Lord_Howe, chained");
  }
  return 0;
}
