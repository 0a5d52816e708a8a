// CalendarSpec: a parsed OnCalendar= expression, and its next elapse.
//
// For: reading calendar specifications exactly as systemd 252 does (parse →
// normalize → validate), printing the normalized form byte for byte as
// `systemd-analyze calendar` prints it, and computing the next elapse after an
// instant with systemd's search, including its DST behaviour (the search walks
// wall-clock fields and converts with glibc's mktime() semantics, see
// zone.h). The grammar and algorithm are described in docs/time-engine.md.
//
// Not for: deciding when a job runs (sched/ adds persistence, random delays
// and accuracy on top of NextElapse()).
//
// Thread-safety: a CalendarSpec is an immutable value. NextElapse() mutates
// only the MktimeState and ZoneDb it is given.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/instant.h"
#include "base/status.h"
#include "time/zone.h"

namespace surety {

// One element of a component list: `start[..stop][/repeat]`. Seconds are
// stored in microseconds. stop == -1: no range; repeat == 0: no repetition.
struct CalendarItem {
  int start = 0;
  int stop = -1;
  int repeat = 0;
  friend bool operator==(const CalendarItem&, const CalendarItem&) = default;
};

// A component is a sorted list of items, or nullopt for `*`.
using CalendarComponent = std::optional<std::vector<CalendarItem>>;

struct CalendarSpec {
  int weekdays = -1;  // bit 0 = Monday … bit 6 = Sunday; -1 = any day
  CalendarComponent year, month, day, hour, minute;
  std::vector<CalendarItem> seconds_us;  // never `*` internally
  bool end_of_month = false;             // day items count back from month end
  bool utc = false;
  int local_dst = -1;  // 0/1 when a local zone abbreviation pinned DST
  std::string zone;    // IANA zone name, empty for none
};

// What parsing needs to know about the process's local zone: the two
// abbreviations glibc calls tzname[0] and tzname[1] (a spec may end in one),
// and where zone names are checked.
struct CalendarParseContext {
  std::string tzname[2];
  ZoneDb* zones = nullptr;  // REQUIRES: non-null
  // glibc's memory, if the caller keeps one: systemd calls tzset() before it
  // parses a spec that does not end in " UTC".
  MktimeState* mktime = nullptr;
};

// Parses `text`. Errors carry systemd's classification in the code
// (kInvalidArgument = EINVAL, kOutOfRange = ERANGE, kTooMany = ENOBUFS) and a
// message naming what is wrong.
Result<CalendarSpec> ParseCalendarSpec(std::string_view text, const CalendarParseContext& ctx);

// The normalized form, as systemd prints it.
std::string FormatCalendarSpec(const CalendarSpec& spec, const CalendarParseContext& ctx);

// Where NextElapse() evaluates: the process's local zone (for specs without
// a zone), the zone database (for specs with one) and glibc's mktime memory.
struct CalendarEvalContext {
  const Zone* local = nullptr;    // REQUIRES: non-null
  ZoneDb* zones = nullptr;        // REQUIRES: non-null
  MktimeState* mktime = nullptr;  // REQUIRES: non-null
};

// The first instant after `after` that matches, at microsecond resolution;
// nullopt for "never". As in systemd, "after" is judged on wall-clock fields:
// in a DST overlap a spec pinned to one offset can answer an instant before
// `after` whose wall time is not earlier (CalendarFuzzRegress pins a case). Errors:
// kInvalidArgument for a base past 9999-12-30 23:59:59 UTC, kDeadlock when systemd's 1000-step cap
// is hit.
Result<std::optional<Instant>> NextElapse(const CalendarSpec& spec, Instant after,
                                          const CalendarEvalContext& ctx);

}  // namespace surety
