// PosixTz and GlibcRuleZone: a TZ value that names no zone file, read and
// evaluated the way glibc 2.36 reads and evaluates it.
//
// For: the local zone of a process whose TZ holds a POSIX rule string
// ("CET-1CEST,M3.5.0,M10.5.0/3", "<+03>-3", "EST5", "<-0330>3:30",
// "NZST-12NZDT,M9.5.0,M4.1.0/3", "XXX3YYY,J60/25,J300/-1") instead of a tz
// database name. glibc's tzset() never rejects such a value: what it cannot
// read it leaves as parsed so far (UTC at worst), and systemd's calendar
// engine, through localtime() and mktime(), sees exactly that. So this is not
// a validating parser of POSIX.1 but a re-derivation of glibc's tzset.c and
// tzfile.c, including their corners:
//  * the change instant of a rule is computed per UTC year of the instant
//    asked about, from January 1 of that year (1970 for every earlier year);
//  * a daylight zone given without rules ("CET-1CEST") takes the transitions
//    of the tz database's `posixrules` file, shifted to the given offsets,
//    and past that file's last transition the file's own footer rule — with
//    that rule's offsets and names (on Debian, New York's);
//  * numbers are read as sscanf("%hu") reads them: blanks skipped, a sign
//    accepted, the value wrapped to 16 bits.
// Which TZ values are files and which are rules is ZoneDb::LocalFromTz's
// decision (glibc tries the file first); Zone::FromRules wraps a
// GlibcRuleZone into the Zone the rest of surety uses.
//
// Thread-safety: ParsePosixTz and the Posix* functions are pure. A
// GlibcRuleZone is immutable after construction and may be shared; the
// abbreviations it hands out live as long as it does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

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

// The local time a process with such a TZ gets from localtime(), at every
// instant.
class GlibcRuleZone {
 public:
  struct Answer {
    int32_t offset;  // seconds east of UTC
    bool isdst;
    const char* abbr;  // owned by this GlibcRuleZone
  };

  // A zone run by the rules of `tz` alone.
  explicit GlibcRuleZone(PosixTz tz);
  // The zone glibc builds for a daylight zone without rules from the bytes of
  // the posixrules TZif file. `rule_dstoff` is what glibc's static of that
  // name holds when it builds the zone: 0 at a process's first setup, the
  // user's daylight offset (tz.offset[1]) at every later one (see
  // posix_tz.cc). Null when glibc would not use the file (not TZif, damaged,
  // fewer than two types); the caller then uses GlibcRuleZone(tz).
  // REQUIRES: tz.wants_default_rules.
  static std::unique_ptr<GlibcRuleZone> WithDefaultRules(const PosixTz& tz, std::string_view tzif,
                                                         int32_t rule_dstoff);

  GlibcRuleZone(const GlibcRuleZone&) = delete;
  GlibcRuleZone& operator=(const GlibcRuleZone&) = delete;

  Answer At(int64_t unix_seconds) const;

  // Every instant in (from, to] at which At() may change, ascending; At() is
  // constant between consecutive ones.
  std::vector<int64_t> ChangesBetween(int64_t from, int64_t to) const;

  // tzname[] as glibc leaves it after tzset().
  const std::string& tzname(int i) const { return tzname_[i ? 1 : 0]; }
  // glibc's `timezone == 0 && daylight == 0` after tzset(): systemd then
  // leaves out the "(in UTC)" lines.
  bool utc_like() const { return utc_like_; }
  // True if the zone has transitions of its own (the posixrules case).
  bool has_transitions() const { return !transitions_.empty(); }

 private:
  GlibcRuleZone() = default;
  Answer FromRule(const PosixTz& rule, int64_t unix_seconds) const;

  struct Transition {
    int64_t at;
    int type;  // 0 standard, 1 daylight: types_[type]
  };
  // Before the first transition glibc uses types_[0].
  std::vector<Transition> transitions_;
  Answer types_[2] = {};
  // The rule in effect after the last transition (or always, without
  // transitions): the user's, or the posixrules footer.
  PosixTz rule_;
  bool has_rule_ = true;
  std::string tzname_[2];
  bool utc_like_ = false;
};

}  // namespace surety
