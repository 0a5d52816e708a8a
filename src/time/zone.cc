#include "time/zone.h"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace surety {

namespace {

constexpr int64_t kDaysBeforeMonth[2][13] = {
    {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365},
    {0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366}};

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Days from 1970-01-01 to YEAR-01-01 (proleptic Gregorian).
int64_t DaysToYear(int64_t year) {
  int64_t y = year - 1;
  int64_t leaps = FloorDiv(y, 4) - FloorDiv(y, 100) + FloorDiv(y, 400);
  constexpr int64_t kLeapsBefore1970 = 477;  // FloorDiv(1969, 4) - ... + ...
  return (year - 1970) * 365 + (leaps - kLeapsBefore1970);
}

// Seconds-as-UTC of (year, yday, hour, min, sec): the quantity glibc's
// mktime calls ydhms_diff against the epoch.
int64_t YdhmsSeconds(int64_t year, int64_t yday, int64_t hour, int64_t min, int64_t sec) {
  return ((DaysToYear(year) + yday) * 24 + hour) * 3600 + min * 60 + sec;
}

// Days since 1970-01-01 of a proleptic Gregorian date (month 1..12).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t mp = (m + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// Fills the fields of `local_seconds` (seconds since the epoch of the wall
// clock, i.e. instant + UTC offset).
void FillFromLocalSeconds(int64_t local_seconds, WallFields& w) {
  const int64_t days = FloorDiv(local_seconds, 86400);
  const int64_t sod = local_seconds - days * 86400;
  w.hour = static_cast<int>(sod / 3600);
  w.minute = static_cast<int>(sod / 60 % 60);
  w.second = static_cast<int>(sod % 60);
  // The calendar search converts many times within one day: remember the
  // last day's date (per thread, so Zone stays shareable).
  struct DayCache {
    int64_t days = INT64_MIN;
    int64_t year;
    int month, day, weekday, yearday;
  };
  thread_local DayCache cache;
  if (cache.days == days) {
    w.year = cache.year;
    w.month = cache.month;
    w.day = cache.day;
    w.weekday = cache.weekday;
    w.yearday = cache.yearday;
    return;
  }
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2);
  w.year = y;
  w.month = static_cast<int>(m);
  w.day = static_cast<int>(d);
  int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
  w.weekday = static_cast<int>(wd < 0 ? wd + 7 : wd);
  w.yearday = static_cast<int>(days - DaysFromCivil(y, 1, 1));
  cache = DayCache{days, w.year, w.month, w.day, w.weekday, w.yearday};
}

}  // namespace

int64_t CivilSecondsAsUtc(int64_t year, int month, int day, int hour, int minute, int second) {
  int64_t mon = month - 1;
  int64_t y = year + FloorDiv(mon, 12);
  int64_t m = mon - FloorDiv(mon, 12) * 12;
  int64_t yday = kDaysBeforeMonth[IsLeap(y) ? 1 : 0][m] + day - 1;
  return YdhmsSeconds(y, yday, hour, minute, second);
}

WallFields UtcWall(int64_t unix_seconds) {
  WallFields w;
  FillFromLocalSeconds(unix_seconds, w);
  w.isdst = 0;
  w.gmtoff = 0;
  w.abbr = "GMT";
  return w;
}

int64_t Timegm(WallFields& tm) {
  int64_t t = CivilSecondsAsUtc(tm.year, tm.month, tm.day, tm.hour, tm.minute, tm.second);
  tm = UtcWall(t);
  return t;
}

std::shared_ptr<const Zone> Zone::Utc() {
  static const std::shared_ptr<const Zone> utc = UtcNamed("UTC", "UTC");
  return utc;
}

std::shared_ptr<const Zone> Zone::UtcNamed(std::string name, std::string abbr) {
  std::shared_ptr<Zone> z(new Zone());
  z->name_ = std::move(name);
  z->tz_ = cctz::utc_time_zone();
  z->fixed_ = true;
  z->fixed_offset_ = 0;
  z->fixed_abbr_ = std::move(abbr);
  z->utc_like_ = true;
  z->tzname_[0] = z->fixed_abbr_;
  z->tzname_[1] = z->fixed_abbr_;
  return z;
}

Result<std::shared_ptr<const Zone>> Zone::Load(const std::string& name) {
  std::shared_ptr<Zone> z(new Zone());
  z->name_ = name;
  if (!cctz::load_time_zone(name, &z->tz_)) {
    return Status::Error(StatusCode::kNotFound, "unknown time zone '" + name + "'");
  }
  z->Analyze();
  return std::shared_ptr<const Zone>(std::move(z));
}

// Derives what glibc's tzfile reader computes: walking the transitions from
// the newest backwards, the first standard and the first daylight period give
// tzname[0]/[1] and the offsets that decide `daylight`.
void Zone::Analyze() {
  using Sec = std::chrono::seconds;
  auto far = cctz::convert(cctz::civil_second(2400, 1, 1, 0, 0, 0), cctz::utc_time_zone());
  bool have_std = false, have_dst = false;
  int64_t std_off = 0, dst_off = 0;
  cctz::time_zone::civil_transition trans;
  auto tp = far;
  int transitions = 0;
  while (transitions < 2000 && tz_.prev_transition(tp, &trans)) {
    ++transitions;
    tp = tz_.lookup(trans.to).trans;
    auto al = tz_.lookup(tp);
    if (!al.is_dst && !have_std) {
      have_std = true;
      std_off = al.offset;
      tzname_[0] = al.abbr;
    } else if (al.is_dst && !have_dst) {
      have_dst = true;
      dst_off = al.offset;
      tzname_[1] = al.abbr;
    }
    if (have_std && have_dst) break;
    tp -= Sec(1);
  }
  if (transitions == 0) {
    auto al = tz_.lookup(far);
    fixed_ = true;
    fixed_offset_ = al.offset;
    fixed_abbr_ = al.abbr;
    tzname_[0] = tzname_[1] = al.abbr;
    utc_like_ = al.offset == 0;
    return;
  }
  if (!have_dst) {
    dst_off = std_off;
    tzname_[1] = tzname_[0];
  }
  if (!have_std) tzname_[0] = tzname_[1];
  utc_like_ = std_off == 0 && std_off == dst_off;
  BuildPeriods();
}

// Tabulates every offset period from 1900 to 2200 so ToWall() is a binary
// search instead of a cctz lookup (the calendar search converts ~7 times per
// step). Outside the table cctz answers.
void Zone::BuildPeriods() {
  auto to_unix = [](auto tp) {
    return static_cast<int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count());
  };
  const auto utc = cctz::utc_time_zone();
  auto begin = cctz::convert(cctz::civil_second(1900, 1, 1, 0, 0, 0), utc);
  auto end = cctz::convert(cctz::civil_second(2201, 1, 1, 0, 0, 0), utc);
  auto add = [&](auto tp) {
    auto al = tz_.lookup(tp);
    periods_.push_back(Period{to_unix(tp), al.offset, al.is_dst, al.abbr});
  };
  add(begin);
  auto tp = begin;
  cctz::time_zone::civil_transition trans;
  while (periods_.size() < 10000 && tz_.next_transition(tp, &trans)) {
    auto at = tz_.lookup(trans.to).trans;
    if (at >= end || at <= tp) break;
    add(at);
    tp = at;
  }
  periods_end_ = to_unix(end);
}

WallFields Zone::ToWall(int64_t unix_seconds) const {
  return Fields(unix_seconds, OffsetAt(unix_seconds));
}

Zone::CivilLookup Zone::Lookup(const cctz::civil_second& cs) const {
  auto to_unix = [](auto tp) {
    return static_cast<int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch()).count());
  };
  if (fixed_) {
    int64_t t = (cs - cctz::civil_second(1970, 1, 1, 0, 0, 0)) - fixed_offset_;
    return {CivilKind::kUnique, t, t, t};
  }
  auto cl = tz_.lookup(cs);
  CivilKind kind = CivilKind::kUnique;
  if (cl.kind == cctz::time_zone::civil_lookup::SKIPPED) kind = CivilKind::kSkipped;
  if (cl.kind == cctz::time_zone::civil_lookup::REPEATED) kind = CivilKind::kRepeated;
  return {kind, to_unix(cl.pre), to_unix(cl.trans), to_unix(cl.post)};
}

// A re-derivation of glibc 2.36's mktime() search (time/mktime.c): guess with
// the remembered offset, correct by the field difference until the guess
// converts back to the requested fields, resolve the oscillation of a
// spring-forward gap by preferring the reading flagged as DST, and when an explicit
// isdst disagrees with the match, borrow the offset of a neighbouring period
// that has the requested flag. Verified against the real glibc by
// tests/mktime_oracle_test.cc.
Zone::Offset Zone::OffsetAt(int64_t unix_seconds) const {
  if (fixed_) return {fixed_offset_, false, fixed_abbr_.c_str()};
  if (!periods_.empty() && unix_seconds >= periods_.front().start && unix_seconds < periods_end_) {
    auto it = std::upper_bound(periods_.begin(), periods_.end(), unix_seconds,
                               [](int64_t t, const Period& p) { return t < p.start; });
    const Period& p = *(it - 1);
    return {p.offset, p.isdst, p.abbr};
  }
  auto tp = std::chrono::time_point_cast<std::chrono::seconds>(
                std::chrono::system_clock::from_time_t(0)) +
            std::chrono::seconds(unix_seconds);
  auto al = tz_.lookup(tp);
  return {al.offset, al.is_dst, al.abbr};
}

WallFields Zone::Fields(int64_t unix_seconds, const Offset& o) {
  WallFields w;
  FillFromLocalSeconds(unix_seconds + o.offset, w);
  w.isdst = o.isdst ? 1 : 0;
  w.gmtoff = o.offset;
  w.abbr = o.abbr;
  return w;
}

// A re-derivation of glibc 2.36's mktime() search (time/mktime.c): guess with
// the remembered offset, correct by the field difference until the guess
// converts back to the requested fields, resolve the oscillation of a
// spring-forward gap by preferring the reading flagged as DST, and when an
// explicit isdst disagrees with the match, borrow the offset of a
// neighbouring period that has the requested flag. Verified against the real
// glibc by mktime_oracle_test.cc.
//
// A converted instant t reads back as the civil seconds t + offset(t), so the
// probes only need offsets; the fields are filled once at the end.
int64_t Zone::Mktime(WallFields& tm, MktimeState& state) const {
  int64_t mon = tm.month - 1;
  int64_t year = tm.year + FloorDiv(mon, 12);
  int64_t mon_rem = mon - FloorDiv(mon, 12) * 12;
  int64_t yday = kDaysBeforeMonth[IsLeap(year) ? 1 : 0][mon_rem] + tm.day - 1;
  int64_t hour = tm.hour, min = tm.minute;
  int64_t sec_requested = tm.second;
  int64_t sec = sec_requested < 0 ? 0 : (sec_requested > 59 ? 59 : sec_requested);
  const int isdst = tm.isdst;
  const int64_t requested = YdhmsSeconds(year, yday, hour, min, sec);
  auto isdst_differ = [](int a, int b) { return (!a != !b) && a >= 0 && b >= 0; };

  const int64_t t0 = requested + state.offset;
  int64_t t = t0, t1 = t0, t2 = t0;
  int remaining_probes = 6;
  Offset cur;
  bool found = false;
  while (true) {
    cur = OffsetAt(t);
    int64_t dt = requested - (t + cur.offset);
    if (dt == 0) break;
    if (t == t1 && t != t2 && (isdst < 0 ? cur.isdst : (isdst != 0) != cur.isdst)) {
      found = true;
      break;
    }
    if (--remaining_probes == 0) {
      // glibc gives up with EOVERFLOW; never reached for real tz data.
      tm = Fields(t, cur);
      return -1;
    }
    t1 = t2;
    t2 = t;
    t += dt;
  }

  if (!found && isdst_differ(isdst, cur.isdst ? 1 : 0)) {
    const int dst_difference = (isdst == 0) - (!cur.isdst);
    constexpr int64_t kStride = 601200;
    constexpr int64_t kDurationMax = 457243200;
    constexpr int64_t kDeltaBound = kDurationMax / 2 + kStride;
    bool done = false;
    for (int64_t delta = kStride; delta < kDeltaBound && !done; delta += kStride) {
      for (int direction = -1; direction <= 1; direction += 2) {
        int64_t ot = t + delta * direction;
        Offset oo = OffsetAt(ot);
        if (!isdst_differ(isdst, oo.isdst ? 1 : 0)) {
          t = ot + (requested - (ot + oo.offset));
          cur = OffsetAt(t);
          done = true;
          break;
        }
      }
    }
    if (!done) {
      t += 3600 * dst_difference;
      cur = OffsetAt(t);
    }
  }

  state.offset = t - requested;
  WallFields out = Fields(t, cur);
  if (sec_requested != out.second) {
    int64_t adj = (sec == 0 && out.second == 60) ? 1 : 0;
    adj += sec_requested - sec;
    t += adj;
    out = Fields(t, OffsetAt(t));
  }
  tm = out;
  return t;
}

ZoneDb::ZoneDb(std::string zoneinfo_root) : root_(std::move(zoneinfo_root)) {}

bool ZoneDb::IsValidName(std::string_view name) const {
  if (auto it = valid_names_.find(name); it != valid_names_.end()) return it->second;
  bool valid = CheckName(name);
  if (valid_names_.size() < 4096) valid_names_.emplace(std::string(name), valid);
  return valid;
}

bool ZoneDb::CheckName(std::string_view name) const {
  if (name.empty()) return false;
  if (name == "UTC") return true;
  if (name.front() == '/') return false;
  char prev = 0;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '+' || c == '/';
    if (!ok) return false;
    if (c == '/' && prev == '/') return false;
    prev = c;
  }
  if (prev == '/') return false;
  if (name.size() >= 4096) return false;
  std::string path = root_ + "/" + std::string(name);
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::memcmp(magic, "TZif", 4) == 0;
}

Result<std::shared_ptr<const Zone>> ZoneDb::Get(const std::string& name) {
  auto it = cache_.find(name);
  if (it != cache_.end()) return it->second;
  if (name == "UTC") {
    cache_[name] = Zone::Utc();
    return Zone::Utc();
  }
  auto z = Zone::Load(name);
  if (!z.ok()) return z.status();
  cache_[name] = *z;
  return *z;
}

std::shared_ptr<const Zone> ZoneDb::LocalFromTz(const std::optional<std::string>& tz) {
  if (!tz) {
    auto z = Get("localtime");
    return z.ok() ? *z : Zone::Utc();
  }
  if (tz->empty()) return Zone::Utc();
  std::string name = (*tz)[0] == ':' ? tz->substr(1) : *tz;
  if (IsValidName(name)) {
    auto z = Get(name);
    if (z.ok()) return *z;
  }
  // glibc reads an unloadable TZ as a POSIX rule; without an offset that
  // means UTC under the leading alphabetic name (if it has at least 3).
  std::string abbr;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) break;
    abbr += c;
  }
  if (abbr.size() < 3) abbr.clear();
  return Zone::UtcNamed(name, abbr);
}

}  // namespace surety
