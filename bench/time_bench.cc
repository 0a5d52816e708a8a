// Microbenchmarks of the time engine: NextElapse() per spec class and zone
// setup, one `surety calendar` iteration with its printed lines,
// ParseCalendarSpec() and ParseTimespan().
//
// NextElapse() is measured in the steady state the daemon sees: each call
// starts from the previous result, so the search always begins just after a
// match (the base wraps back to 2025 when a spec runs out of elapses). Targets
// (docs/performance.md): median < 1 µs plain, < 3 µs zoned. Run with
//   surety_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "time/calendar_spec.h"
#include "time/timespan.h"
#include "time/timestamp.h"
#include "time/zone.h"

namespace surety {
namespace {

// 2025-11-22 20:00:00 UTC.
constexpr Instant kStart{Micros{1763841600000000}};

// What one evaluating process holds: the zone cache, its local zone and
// glibc's mktime memory.
struct TimeSetup {
  explicit TimeSetup(const std::string& local_tz) : local(zones.LocalFromTz(local_tz)) {
    parse.tzname[0] = local->tzname(0);
    parse.tzname[1] = local->tzname(1);
    parse.zones = &zones;
  }
  ZoneDb zones;
  std::shared_ptr<const Zone> local;
  MktimeState mktime;
  CalendarParseContext parse;
};

void BM_NextElapse(benchmark::State& state, const char* local_tz, const char* text) {
  TimeSetup setup(local_tz);
  auto spec = ParseCalendarSpec(text, setup.parse);
  if (!spec.ok()) {
    state.SkipWithError("spec does not parse");
    return;
  }
  CalendarEvalContext eval{setup.local.get(), &setup.zones, &setup.mktime};
  Instant base = kStart;
  for (auto _ : state) {
    auto next = NextElapse(*spec, base, eval);
    base = next.ok() && next->has_value() ? **next : kStart;
    benchmark::DoNotOptimize(base);
  }
  state.SetLabel(std::string(text) + " (TZ=" + local_tz + ")");
}

// Plain specs: evaluated in the local zone.
BENCHMARK_CAPTURE(BM_NextElapse, plain_daily_tz_UTC, "UTC", "*-*-* 02:30:00");
BENCHMARK_CAPTURE(BM_NextElapse, plain_repetition_tz_UTC, "UTC", "*:0/5");
BENCHMARK_CAPTURE(BM_NextElapse, plain_weekday_range_tz_UTC, "UTC", "Mon..Fri 02:30");
BENCHMARK_CAPTURE(BM_NextElapse, plain_last_days_tz_UTC, "UTC", "*-*~03 04:00");
BENCHMARK_CAPTURE(BM_NextElapse, plain_daily_tz_Berlin, "Europe/Berlin", "*-*-* 02:30:00");
BENCHMARK_CAPTURE(BM_NextElapse, plain_repetition_tz_Berlin, "Europe/Berlin", "*:0/5");
BENCHMARK_CAPTURE(BM_NextElapse, plain_weekday_range_tz_Berlin, "Europe/Berlin", "Mon..Fri 02:30");
BENCHMARK_CAPTURE(BM_NextElapse, plain_last_days_tz_Berlin, "Europe/Berlin", "*-*~03 04:00");

// Zoned specs: evaluated in the spec's own IANA zone (systemd forks for these).
BENCHMARK_CAPTURE(BM_NextElapse, zoned_daily_Berlin_tz_UTC, "UTC", "*-*-* 02:30 Europe/Berlin");
BENCHMARK_CAPTURE(BM_NextElapse, zoned_daily_New_York_tz_UTC, "UTC",
                  "*-*-* 02:30 America/New_York");
BENCHMARK_CAPTURE(BM_NextElapse, zoned_repetition_Berlin_tz_UTC, "UTC", "*:0/5 Europe/Berlin");
BENCHMARK_CAPTURE(BM_NextElapse, zoned_weekday_range_New_York_tz_UTC, "UTC",
                  "Mon..Fri 02:30 America/New_York");
BENCHMARK_CAPTURE(BM_NextElapse, zoned_last_days_Berlin_tz_UTC, "UTC",
                  "*-*~03 04:00 Europe/Berlin");
BENCHMARK_CAPTURE(BM_NextElapse, zoned_daily_New_York_tz_Berlin, "Europe/Berlin",
                  "*-*-* 02:30 America/New_York");

// One iteration of `surety calendar --iterations=N`: the next elapse and the
// lines printed for it (the timestamp in the local zone, "(in UTC)" unless
// the local zone is UTC-like, "From now"), written into a reused buffer as
// the command writes them. Target (docs/performance.md): < 0.5 us.
void BM_CalendarIteration(benchmark::State& state, const char* local_tz, const char* text) {
  TimeSetup setup(local_tz);
  auto spec = ParseCalendarSpec(text, setup.parse);
  if (!spec.ok()) {
    state.SkipWithError("spec does not parse");
    return;
  }
  CalendarEvalContext eval{setup.local.get(), &setup.zones, &setup.mktime};
  const bool show_utc = !setup.local->IsUtcLike();
  std::string buf(1 << 16, '\0');
  size_t used = 0;
  Instant base = kStart;
  for (auto _ : state) {
    auto next = NextElapse(*spec, base, eval);
    base = next.ok() && next->has_value() ? **next : kStart;
    if (buf.size() - used < 512) used = 0;
    char* p = buf.data() + used;
    char* const end = buf.data() + buf.size();
    p = WriteTimestamp(p, end, base, *setup.local);
    if (show_utc) p = WriteTimestampUtc(p, end, base);
    p = WriteRelative(p, end, base, kStart);
    used = static_cast<size_t>(p - buf.data());
    benchmark::DoNotOptimize(buf.data());
  }
  state.SetLabel(std::string(text) + " (TZ=" + local_tz + ")");
}

BENCHMARK_CAPTURE(BM_CalendarIteration, daily_tz_UTC, "UTC", "*-*-* 02:30:00");
BENCHMARK_CAPTURE(BM_CalendarIteration, repetition_tz_UTC, "UTC", "*:0/5");
BENCHMARK_CAPTURE(BM_CalendarIteration, weekday_range_tz_UTC, "UTC", "Mon..Fri 02:30");
BENCHMARK_CAPTURE(BM_CalendarIteration, last_days_tz_UTC, "UTC", "*-*~03 *:0/30");
BENCHMARK_CAPTURE(BM_CalendarIteration, daily_tz_Berlin, "Europe/Berlin", "*-*-* 02:30:00");
BENCHMARK_CAPTURE(BM_CalendarIteration, daily_tz_posix_rule, "CET-1CEST,M3.5.0,M10.5.0/3",
                  "*-*-* 02:30:00");
BENCHMARK_CAPTURE(BM_CalendarIteration, zoned_daily_Berlin_tz_UTC, "UTC",
                  "*-*-* 02:30 Europe/Berlin");

void BM_ParseCalendarSpec(benchmark::State& state, const char* text) {
  TimeSetup setup("Europe/Berlin");
  for (auto _ : state) {
    auto spec = ParseCalendarSpec(text, setup.parse);
    benchmark::DoNotOptimize(spec);
  }
  state.SetLabel(text);
}

BENCHMARK_CAPTURE(BM_ParseCalendarSpec, shorthand, "daily");
BENCHMARK_CAPTURE(BM_ParseCalendarSpec, weekday_range, "Mon..Fri 02:30");
BENCHMARK_CAPTURE(BM_ParseCalendarSpec, repetition, "*:0/5");
BENCHMARK_CAPTURE(BM_ParseCalendarSpec, last_days, "*-*~03 04:00");
BENCHMARK_CAPTURE(BM_ParseCalendarSpec, lists_fraction,
                  "Sat,Thu,Mon-Wed,Sat-Sun 2016-03-27 01,02:17:00.4200005");
BENCHMARK_CAPTURE(BM_ParseCalendarSpec, zoned, "*-*-* 02:30 Europe/Berlin");
BENCHMARK_CAPTURE(BM_ParseCalendarSpec, invalid, "*:*/5");

void BM_ParseTimespan(benchmark::State& state, const char* text) {
  for (auto _ : state) {
    auto span = ParseTimespan(text);
    benchmark::DoNotOptimize(span);
  }
  state.SetLabel(text);
}

BENCHMARK_CAPTURE(BM_ParseTimespan, seconds, "30");
BENCHMARK_CAPTURE(BM_ParseTimespan, two_terms, "5min 30s");
BENCHMARK_CAPTURE(BM_ParseTimespan, mixed, "1y 2M 3w 4d 5h 6min 7.5s 8ms 9us");
BENCHMARK_CAPTURE(BM_ParseTimespan, infinity, "infinity");

}  // namespace
}  // namespace surety
