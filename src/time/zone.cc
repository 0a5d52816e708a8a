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

bool IsLeap(int64_t y) { return (y & 3) == 0 && (y % 100 != 0 || y % 400 == 0); }

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Days from 1970-01-01 to YEAR-01-01 (proleptic Gregorian).
int64_t DaysToYear(int64_t year) {
  if (year >= 1) {  // the usual case, in cheaper unsigned arithmetic
    const auto y = static_cast<uint64_t>(year - 1);
    return (year - 1970) * 365 + static_cast<int64_t>(y / 4 - y / 100 + y / 400) - 477;
  }
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

// The civil date of a day count since 1970-01-01 (Howard Hinnant's
// days-to-civil, in unsigned arithmetic for days from year 0 on).
void CivilFromDays(int64_t days, int64_t& year, int& month, int& day) {
  if (days >= -719468) {
    const auto z = static_cast<uint64_t>(days + 719468);
    const uint64_t era = z / 146097;
    const uint64_t doe = z - era * 146097;
    const uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const uint64_t mp = (5 * doy + 2) / 153;
    day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    year = static_cast<int64_t>(yoe + era * 400) + (month <= 2);
    return;
  }
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = yoe + era * 400 + (month <= 2);
}

// Fills the fields of `local_seconds` (seconds since the epoch of the wall
// clock, i.e. instant + UTC offset).
void FillFromLocalSeconds(int64_t local_seconds, WallFields& w) {
  int64_t days;
  int sod;
  if (local_seconds >= 0) {
    days = local_seconds / 86400;
    sod = static_cast<int>(local_seconds % 86400);
  } else {
    days = FloorDiv(local_seconds, 86400);
    sod = static_cast<int>(local_seconds - days * 86400);
  }
  w.hour = sod / 3600;
  w.minute = sod / 60 % 60;
  w.second = sod % 60;
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
  CivilFromDays(days, w.year, w.month, w.day);
  int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
  w.weekday = static_cast<int>(wd < 0 ? wd + 7 : wd);
  w.yearday = static_cast<int>(days - DaysToYear(w.year));
  cache = DayCache{days, w.year, w.month, w.day, w.weekday, w.yearday};
}

// True if `path` is a regular file that starts like TZif data: what glibc's
// __tzfile_read() accepts before reading further.
bool HasTzifMagic(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && std::memcmp(magic, "TZif", 4) == 0;
}

// The bytes of a file of up to 1 MiB (a TZif file is a few KiB), or nullopt.
std::optional<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  const std::streamoff size = in.tellg();
  if (size < 0 || size > (1 << 20)) return std::nullopt;
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  in.read(bytes.data(), size);
  if (in.gcount() != size) return std::nullopt;
  return bytes;
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

std::shared_ptr<const Zone> Zone::FromRules(std::string name,
                                            std::shared_ptr<const GlibcZone> rules,
                                            std::shared_ptr<const GlibcZone> first_setup) {
  std::shared_ptr<Zone> z(new Zone());
  z->name_ = std::move(name);
  z->tz_ = cctz::utc_time_zone();
  z->rules_ = std::move(rules);
  z->first_setup_ = std::move(first_setup);
  z->tzname_[0] = z->rules_->tzname(0);
  z->tzname_[1] = z->rules_->tzname(1);
  z->utc_like_ = z->rules_->utc_like();
  z->BuildPeriodsFromRules();
  if (z->periods_.size() == 1 && !z->rules_->has_transitions()) {
    // No change in 1900-2200, and a rule without one there has none at all.
    z->fixed_ = true;
    z->fixed_offset_ = z->periods_[0].offset;
    z->fixed_abbr_ = z->periods_[0].abbr;
  }
  return z;
}

Result<std::shared_ptr<const Zone>> Zone::Load(const std::string& name,
                                               const std::string& zoneinfo_root) {
  // As glibc reads it; cctz only for what GlibcZone does not take (files
  // with leap seconds).
  const std::string path = name == "localtime"     ? "/etc/localtime"
                           : name.starts_with('/') ? name
                                                   : zoneinfo_root + "/" + name;
  if (auto bytes = ReadSmallFile(path)) {
    if (std::shared_ptr<const GlibcZone> rules = GlibcZone::FromTzif(*bytes))
      return FromRules(name, std::move(rules));
  }
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

// The same table for a rule zone: its answer at the start and at every
// instant where it may change.
void Zone::BuildPeriodsFromRules() {
  const int64_t begin = CivilSecondsAsUtc(1900, 1, 1, 0, 0, 0);
  const int64_t end = CivilSecondsAsUtc(2201, 1, 1, 0, 0, 0);
  for (const GlibcZone::Change& c : rules_->ChangesWithAnswers(begin, end - 1)) {
    const GlibcZone::Answer& a = c.answer;
    if (!periods_.empty()) {
      const Period& last = periods_.back();
      if (last.offset == a.offset && last.isdst == a.isdst && std::strcmp(last.abbr, a.abbr) == 0)
        continue;
    }
    periods_.push_back(Period{c.at, a.offset, a.isdst, a.abbr});
  }
  periods_end_ = end;
}

WallFields Zone::ToWall(int64_t unix_seconds) const {
  return Fields(unix_seconds, OffsetAt(unix_seconds));
}

WallFields Zone::LocalTime(int64_t unix_seconds, MktimeState& state) const {
  if (state.tzsets == 0) state.Tzset();
  if (first_setup_ && state.tzsets == 1) {
    GlibcZone::Answer a = first_setup_->At(unix_seconds);
    return Fields(unix_seconds, Offset{a.offset, a.isdst, a.abbr});
  }
  return ToWall(unix_seconds);
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
  if (rules_) return LookupInRules(cs);
  auto cl = tz_.lookup(cs);
  CivilKind kind = CivilKind::kUnique;
  if (cl.kind == cctz::time_zone::civil_lookup::SKIPPED) kind = CivilKind::kSkipped;
  if (cl.kind == cctz::time_zone::civil_lookup::REPEATED) kind = CivilKind::kRepeated;
  return {kind, to_unix(cl.pre), to_unix(cl.trans), to_unix(cl.post)};
}

// The periods of a rule zone around a civil time, from the instants where it
// may change: the instants whose wall clock reads `cs` are those t = cs -
// offset that fall inside the period of that offset.
Zone::CivilLookup Zone::LookupInRules(const cctz::civil_second& cs) const {
  const int64_t local = cs - cctz::civil_second(1970, 1, 1, 0, 0, 0);
  constexpr int64_t kWindow = 3 * 86400;  // wider than any UTC offset
  std::vector<int64_t> starts = {local - kWindow};
  for (int64_t at : rules_->ChangesBetween(local - kWindow, local + kWindow)) starts.push_back(at);
  std::vector<int64_t> matches, match_starts;
  CivilLookup gap{CivilKind::kSkipped, 0, 0, 0};
  bool in_gap = false;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t begin = starts[i];
    const int64_t end = i + 1 < starts.size() ? starts[i + 1] : local + kWindow + 1;
    const int64_t offset = rules_->At(begin).offset;
    const int64_t t = local - offset;
    if (t >= begin && t < end) {
      matches.push_back(t);
      match_starts.push_back(begin);
    }
    if (i + 1 < starts.size()) {
      // The wall clock jumps over `local` where the next period starts.
      const int64_t next_offset = rules_->At(end).offset;
      if (end + offset <= local && local < end + next_offset) {
        in_gap = true;
        gap = {CivilKind::kSkipped, local - offset, end, local - next_offset};
      }
    }
  }
  if (matches.size() >= 2) return {CivilKind::kRepeated, matches[0], match_starts[1], matches[1]};
  if (matches.size() == 1) return {CivilKind::kUnique, matches[0], matches[0], matches[0]};
  if (in_gap) return gap;
  return {CivilKind::kUnique, local, local, local};  // unreachable for sane offsets
}

// The offset, DST flag and abbreviation in effect at an instant: the period
// table inside 1900-2200, the zone's own source outside it.
const Zone::Period* Zone::FindPeriod(int64_t unix_seconds) const {
  const size_t n = periods_.size();
  if (n == 0 || unix_seconds < periods_[0].start || unix_seconds >= periods_end_) return nullptr;
  auto contains = [&](size_t i) {
    return periods_[i].start <= unix_seconds &&
           (i + 1 == n || unix_seconds < periods_[i + 1].start);
  };
  size_t i = period_hint_.load(std::memory_order_relaxed);
  if (i < n && contains(i)) return &periods_[i];
  if (i + 1 < n && contains(i + 1)) {
    ++i;
  } else {
    auto it = std::upper_bound(periods_.begin(), periods_.end(), unix_seconds,
                               [](int64_t t, const Period& p) { return t < p.start; });
    i = static_cast<size_t>(it - periods_.begin()) - 1;
  }
  period_hint_.store(i, std::memory_order_relaxed);
  return &periods_[i];
}

Zone::Offset Zone::OffsetAt(int64_t unix_seconds) const {
  if (fixed_) return {fixed_offset_, false, fixed_abbr_.c_str()};
  if (const Period* p = FindPeriod(unix_seconds)) return {p->offset, p->isdst, p->abbr};
  if (rules_) {
    GlibcZone::Answer a = rules_->At(unix_seconds);
    return {a.offset, a.isdst, a.abbr};
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
  state.Tzset();  // glibc's mktime() starts with tzset()
  if (first_setup_ && state.tzsets == 1) {
    return MktimeSearch(tm, state, [this](int64_t t) {
      GlibcZone::Answer a = first_setup_->At(t);
      return Offset{a.offset, a.isdst, a.abbr};
    });
  }
  // glibc's first guess, the offset it found last time, is nearly always
  // right: the fields name a wall time of the period the guess lands in, and
  // that period has the DST flag asked for (if any). glibc's search then
  // stops at its first probe with exactly these answers, so skip it.
  if (tm.second >= 0 && tm.second <= 59) {
    int64_t year = tm.year, month0 = tm.month - 1;
    if (month0 < 0 || month0 > 11) {
      year += FloorDiv(month0, 12);
      month0 -= FloorDiv(month0, 12) * 12;
    }
    const bool leap = IsLeap(year);
    const int64_t yday = kDaysBeforeMonth[leap ? 1 : 0][month0] + tm.day - 1;
    const int64_t days = DaysToYear(year) + yday;
    const int64_t requested =
        days * 86400 + int64_t{tm.hour} * 3600 + int64_t{tm.minute} * 60 + tm.second;
    const int64_t t = requested + state.offset;
    Offset cur;
    bool known = true;
    if (fixed_) {
      cur = {fixed_offset_, false, fixed_abbr_.c_str()};
    } else if (const Period* p = FindPeriod(t)) {
      cur = {p->offset, p->isdst, p->abbr};
    } else {
      known = false;
    }
    if (known && t + cur.offset == requested && (tm.isdst < 0 || (tm.isdst != 0) == cur.isdst)) {
      const bool in_range = tm.month >= 1 && tm.month <= 12 && tm.day >= 1 &&
                            tm.day <= kDaysBeforeMonth[leap ? 1 : 0][month0 + 1] -
                                          kDaysBeforeMonth[leap ? 1 : 0][month0] &&
                            tm.hour >= 0 && tm.hour <= 23 && tm.minute >= 0 && tm.minute <= 59;
      if (in_range) {
        const int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
        tm.weekday = static_cast<int>(wd < 0 ? wd + 7 : wd);
        tm.yearday = static_cast<int>(yday);
      } else {
        FillFromLocalSeconds(requested, tm);
      }
      tm.isdst = cur.isdst ? 1 : 0;
      tm.gmtoff = cur.offset;
      tm.abbr = cur.abbr;
      return t;
    }
  }
  return MktimeSearch(tm, state, [this](int64_t t) { return OffsetAt(t); });
}

template <typename OffsetFn>
int64_t Zone::MktimeSearch(WallFields& tm, MktimeState& state, OffsetFn offset_at) const {
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
    cur = offset_at(t);
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
        Offset oo = offset_at(ot);
        if (!isdst_differ(isdst, oo.isdst ? 1 : 0)) {
          t = ot + (requested - (ot + oo.offset));
          cur = offset_at(t);
          done = true;
          break;
        }
      }
    }
    if (!done) {
      t += 3600 * dst_difference;
      cur = offset_at(t);
    }
  }

  state.offset = t - requested;
  WallFields out = Fields(t, cur);
  if (sec_requested != out.second) {
    int64_t adj = (sec == 0 && out.second == 60) ? 1 : 0;
    adj += sec_requested - sec;
    t += adj;
    out = Fields(t, offset_at(t));
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
  auto z = Zone::Load(name, root_);
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
  // glibc drops one leading ':', tries the rest as a file (under the
  // zoneinfo root unless absolute) and only then reads it as a POSIX rule.
  std::string name = (*tz)[0] == ':' ? tz->substr(1) : *tz;
  if (name.empty()) return Zone::Utc();  // TZ=":": glibc's UTC
  if (HasTzifMagic(name[0] == '/' ? name : root_ + "/" + name)) {
    auto z = Get(name);
    if (z.ok()) return *z;
  }
  PosixTz rule = ParsePosixTz(name);
  std::shared_ptr<const GlibcZone> rules, first_setup;
  if (rule.wants_default_rules) {
    if (auto bytes = ReadSmallFile(root_ + "/posixrules")) {
      rules = GlibcZone::WithDefaultRules(rule, *bytes, rule.offset[1]);
      if (rules) first_setup = GlibcZone::WithDefaultRules(rule, *bytes, 0);
    }
  }
  if (!rules) rules = std::make_shared<GlibcZone>(std::move(rule));
  return Zone::FromRules(std::move(name), std::move(rules), std::move(first_setup));
}

const std::vector<std::string>& ZoneDb::KnownNames() {
  if (known_names_) return *known_names_;
  known_names_.emplace();
  std::vector<std::string>& names = *known_names_;
  auto words = [](const std::string& line) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      const size_t start = i;
      while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
      if (i > start) out.push_back(line.substr(start, i - start));
    }
    return out;
  };
  if (std::ifstream zi(root_ + "/tzdata.zi"); zi) {
    // "Z NAME ..." for a zone, "L TARGET NAME" for a link.
    std::vector<std::string> links;
    std::string line;
    while (std::getline(zi, line)) {
      const auto w = words(line);
      if (w.size() >= 2 && w[0] == "Z") names.push_back(w[1]);
      if (w.size() >= 3 && w[0] == "L") links.push_back(w[2]);
    }
    names.insert(names.end(), links.begin(), links.end());
  }
  if (names.empty()) {
    for (const char* table : {"/zone1970.tab", "/zone.tab"}) {
      std::ifstream in(root_ + table);
      std::string line;
      while (std::getline(in, line)) {
        const auto w = words(line);
        if (w.size() >= 3 && w[0][0] != '#' &&
            std::find(names.begin(), names.end(), w[2]) == names.end())
          names.push_back(w[2]);
      }
    }
    if (!names.empty()) names.emplace_back("UTC");
  }
  return names;
}

}  // namespace surety
