// Zone: the one adapter between absolute time and civil (wall-clock) time.
//
// For: turning an Instant into wall-clock fields of a zone and back, as glibc
// turns them: a zone file of the system tz database, or a TZ value that is a
// POSIX rule ("CET-1CEST,M3.5.0,M10.5.0/3"), evaluated by GlibcZone
// (glibc_zone.h; cctz only for the files it does not take). The zone is
// loaded once and every conversion happens in-process (no TZ juggling, no
// fork).
//
// Two views of the civil→absolute direction are offered, because systemd's
// calendar engine depends on the exact answers of the C library:
//  * Lookup(): DST as data — a civil time is unique, skipped (in a gap) or
//    repeated (in an overlap), with both candidate instants.
//  * Mktime(): the answer glibc's mktime() gives, including its habit of
//    guessing with the offset it found last time (MktimeState). systemd's
//    next-elapse search calls mktime() ~7 times per step; reproducing it
//    exactly is what makes `surety calendar` match systemd in DST gaps and
//    overlaps. See docs/time-engine.md.
//
// Thread-safety: a Zone is immutable after construction and may be shared.
// MktimeState is a plain value owned by one caller.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "time/cctz.h"
#include "time/glibc_zone.h"

namespace surety {

// Broken-down wall-clock fields as struct tm holds them, with a full year and
// a 1-based month. Fields may be out of range (minute 60, day 32); Mktime()
// normalizes them. isdst: -1 unknown, 0 standard, 1 daylight.
struct WallFields {
  int64_t year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int isdst = -1;
  int weekday = 0;  // 0 = Sunday, as tm_wday; set by conversions
  int yearday = 0;  // 0-based, as tm_yday; set by conversions
  int64_t gmtoff = 0;
  const char* abbr = "";  // points into the Zone; valid while it lives
};

// What glibc remembers between mktime() calls: the offset its last answer
// used, which seeds the next guess; and how often it has set the zone up
// (tzset(), which every mktime() calls) — a TZ daylight zone without rules
// (glibc_zone.h) answers differently until the second time. Starts at zero in
// a fresh process.
struct MktimeState {
  int64_t offset = 0;
  int tzsets = 0;  // counts to 2
  // What a tzset() call does to this state.
  void Tzset() {
    if (tzsets < 2) ++tzsets;
  }
};

class Zone {
 public:
  enum class CivilKind { kUnique, kSkipped, kRepeated };
  struct CivilLookup {
    CivilKind kind;
    int64_t pre;    // seconds since epoch using the offset before a transition
    int64_t trans;  // the transition instant (== pre for kUnique)
    int64_t post;   // using the offset after it (== pre for kUnique)
  };

  // The UTC zone (what an empty TZ or " UTC" means).
  static std::shared_ptr<const Zone> Utc();
  // Loads an IANA zone by name ("Europe/Berlin", read under `zoneinfo_root`),
  // by absolute path, or "localtime" for /etc/localtime, and evaluates it as
  // glibc does (glibc_zone.h). Fails if there is no such zone file.
  static Result<std::shared_ptr<const Zone>> Load(
      const std::string& name, const std::string& zoneinfo_root = "/usr/share/zoneinfo");
  // A zone that is UTC under the abbreviation `abbr` (Utc() is one).
  static std::shared_ptr<const Zone> UtcNamed(std::string name, std::string abbr);
  // A zone evaluated by GlibcZone: a zone file's, or a TZ value's that names
  // no zone file ("CET-1CEST,M3.5.0,M10.5.0/3", "<+03>-3", "CET-1CEST").
  // `first_setup`, if set, is how glibc answers before it sets the zone up a
  // second time (GlibcZone::WithDefaultRules).
  static std::shared_ptr<const Zone> FromRules(
      std::string name, std::shared_ptr<const GlibcZone> rules,
      std::shared_ptr<const GlibcZone> first_setup = nullptr);

  const std::string& name() const { return name_; }

  // Wall-clock fields at `unix_seconds` (like localtime_r).
  WallFields ToWall(int64_t unix_seconds) const;
  // The same in a process whose glibc memory is `state`: localtime() sets
  // the zone up if nothing has yet. Differs from ToWall() only for a zone
  // whose first setup answers differently.
  WallFields LocalTime(int64_t unix_seconds, MktimeState& state) const;
  // DST as data.
  CivilLookup Lookup(const cctz::civil_second& cs) const;

  // glibc mktime(): normalizes `tm` in place and returns the instant.
  int64_t Mktime(WallFields& tm, MktimeState& state) const;

  // glibc's `timezone == 0 && daylight == 0` for today's instants: true when
  // the zone is UTC for display purposes (systemd then omits the "(in UTC)"
  // lines; GlibcZone::utc_like()).
  bool IsUtcLike() const { return utc_like_; }
  // tzname[0] and tzname[1] as glibc derives them from the zone file: the
  // abbreviations of the latest standard and daylight periods.
  const std::string& tzname(int i) const { return tzname_[i ? 1 : 0]; }
  // True if the zone never changes offset (UTC, Etc/GMT+5, …).
  bool fixed() const { return fixed_; }
  // The offset of a fixed zone (seconds east of UTC). REQUIRES: fixed().
  int64_t fixed_offset() const { return fixed_offset_; }

 private:
  Zone() = default;
  void Analyze();
  void BuildPeriods();
  void BuildPeriodsFromRules();
  CivilLookup LookupInRules(const cctz::civil_second& cs) const;

  struct Offset {
    int64_t offset = 0;
    bool isdst = false;
    const char* abbr = "";
  };
  Offset OffsetAt(int64_t unix_seconds) const;
  template <typename OffsetFn>
  int64_t MktimeSearch(WallFields& tm, MktimeState& state, OffsetFn offset_at) const;
  static WallFields Fields(int64_t unix_seconds, const Offset& o);

  struct Period {
    int64_t start;  // first second of the period
    int64_t offset;
    bool isdst;
    const char* abbr;  // owned by cctz's zone cache or rules_, lives as long
  };
  // The period of the table that holds `unix_seconds`, or null outside it.
  const Period* FindPeriod(int64_t unix_seconds) const;
  std::vector<Period> periods_;
  int64_t periods_end_ = 0;
  // The period FindPeriod() found last: conversions come in runs around one
  // instant. Only a hint, so relaxed atomics keep the Zone shareable.
  mutable std::atomic<size_t> period_hint_{0};

  std::string name_;
  cctz::time_zone tz_;
  // Set for a zone from FromRules(): answers outside the period table.
  std::shared_ptr<const GlibcZone> rules_;
  std::shared_ptr<const GlibcZone> first_setup_;
  bool fixed_ = false;
  int64_t fixed_offset_ = 0;
  std::string fixed_abbr_;
  bool utc_like_ = false;
  std::string tzname_[2];
};

// UTC conversions (timegm/gmtime): stateless and zone-free.
WallFields UtcWall(int64_t unix_seconds);
int64_t Timegm(WallFields& tm);

// Seconds of the civil fields read as UTC (what mktime's arithmetic uses),
// normalizing out-of-range fields. `second` is taken as is.
int64_t CivilSecondsAsUtc(int64_t year, int month, int day, int hour, int minute, int second);

// A cache of loaded zones by name, with systemd's rules for what counts as a
// valid zone name (ASCII letters, digits, "-_+/", no leading or doubled
// slash, a TZif file under the zoneinfo root).
//
// Thread-compatible.
class ZoneDb {
 public:
  explicit ZoneDb(std::string zoneinfo_root = "/usr/share/zoneinfo");
  bool IsValidName(std::string_view name) const;
  Result<std::shared_ptr<const Zone>> Get(const std::string& name);
  // The process's local zone as glibc reads the TZ variable: unset →
  // /etc/localtime, empty → UTC; otherwise, after one leading ':' is
  // dropped, a TZif file by that name (under the zoneinfo root, or an
  // absolute path) if there is one, else the value read as a POSIX rule
  // (posix_tz.h) — which for a value glibc cannot read at all is UTC under
  // the name it read ("IST").
  std::shared_ptr<const Zone> LocalFromTz(const std::optional<std::string>& tz);
  // The zone names the tz database lists — tzdata.zi's zones, then its links;
  // zone1970.tab and zone.tab where there is no tzdata.zi — read on first use
  // (only error messages need them). Empty if none can be read.
  const std::vector<std::string>& KnownNames();

 private:
  bool CheckName(std::string_view name) const;
  std::string root_;
  std::map<std::string, std::shared_ptr<const Zone>> cache_;
  // Names already checked: a job file with thousands of zoned schedules
  // reads each zone file once.
  mutable std::map<std::string, bool, std::less<>> valid_names_;
  std::optional<std::vector<std::string>> known_names_;
};

}  // namespace surety
