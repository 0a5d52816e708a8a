// PosixTz: a TZ value that is a POSIX rule, read and evaluated the way
// glibc 2.36 reads and evaluates it.
//
// For: the local zone of a process whose TZ holds a POSIX rule string
// ("CET-1CEST,M3.5.0,M10.5.0/3", "<+03>-3", "EST5", "<-0330>3:30",
// "NZST-12NZDT,M9.5.0,M4.1.0/3", "XXX3YYY,J60/25,J300/-1") instead of a tz
// database name, and the footer rule of a TZif file. glibc's tzset() never
// rejects such a value: what it cannot read it leaves as parsed so far (UTC at
// worst), and systemd's calendar engine, through localtime() and mktime(),
// sees exactly that. So this is not a validating parser of POSIX.1 but a
// re-derivation of glibc's tzset.c, including its corners:
//  * numbers are read as sscanf("%hu") reads them: blanks skipped, a sign
//    accepted, the value wrapped to 16 bits;
//  * the change instant of a rule is computed per UTC year of the instant
//    asked about, from January 1 of that year (1970 for every earlier year).
// What glibc makes of a zone from a rule, a zone file or both is GlibcZone
// (glibc_zone.h).
//
// Thread-safety: pure functions and plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace surety {

// One change rule: the day ("n", "Jn" or "Mm.w.d") and the time of day, in
// the local time in effect before the change.
struct PosixTzRule {
  enum class Day {
    kZeroBased,     // "n": day of the year counting from 0, Feb 29 counted
    kJulian,        // "Jn": 1..365, Feb 29 never counted
    kMonthWeekDay,  // "Mm.w.d": weekday d (0 = Sunday) of week w (5 = last) of month m
  };
  Day kind = Day::kZeroBased;
  // As glibc keeps them (unsigned short): when a rule fails to parse, the
  // fields read before the failure stay, and glibc uses them.
  int month = 0;
  int week = 0;
  int day = 0;
  int32_t secs = 0;  // may be negative or past 24 h ("M3.5.0/-2", "J365/25")
};

// What glibc's __tzset_parse_tz() leaves in tz_rules[].
struct PosixTz {
  // [0] standard time, [1] daylight time: the names become tzname[] and the
  // abbreviations printed; the offsets are seconds east of UTC.
  std::string name[2];
  int32_t offset[2] = {0, 0};
  // [0] when daylight time starts, [1] when it ends.
  PosixTzRule rule[2];
  // True for a daylight zone given without rules ("CET-1CEST",
  // "EST5EDT4,"): glibc then first tries the posixrules file
  // (GlibcRuleZone::WithDefaultRules). `rule` holds what glibc uses when that
  // file is missing: the US rules M3.2.0 and M11.1.0.
  bool wants_default_rules = false;
};

// Reads `text` (the TZ value, without a leading ':') as glibc does. Never
// fails: an unreadable value is UTC under whatever names were read.
PosixTz ParsePosixTz(std::string_view text);

// glibc's compute_change(): the instant (Unix seconds) at which rule `which`
// (0 or 1) takes effect in `year`.
int64_t PosixTzChange(const PosixTz& tz, int which, int64_t year);

// glibc's __tz_compute(): whether daylight time is in effect at `unix_seconds`
// (the rules of the instant's UTC year decide).
bool PosixTzIsDaylight(const PosixTz& tz, int64_t unix_seconds);

// The UTC year of an instant, and the instant at which a UTC year begins:
// the years the rules are computed for.
int64_t UtcYearOf(int64_t unix_seconds);
int64_t UtcYearStart(int64_t year);

}  // namespace surety
