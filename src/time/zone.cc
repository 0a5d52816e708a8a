#include "time/zone.h"

#include <sys/stat.h>

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
int64_t YdhmsSeconds(int64_t year, int64_t yday, int64_t hour, int64_t min,
                     int64_t sec) {
  return ((DaysToYear(year) + yday) * 24 + hour) * 3600 + min * 60 + sec;
}

void FillFromCivil(const cctz::civil_second& cs, WallFields& w) {
  w.year = cs.year();
  w.month = cs.month();
  w.day = cs.day();
  w.hour = cs.hour();
  w.minute = cs.minute();
  w.second = cs.second();
  cctz::civil_day d(cs);
  switch (cctz::get_weekday(d)) {
    case cctz::weekday::sunday: w.weekday = 0; break;
    case cctz::weekday::monday: w.weekday = 1; break;
    case cctz::weekday::tuesday: w.weekday = 2; break;
    case cctz::weekday::wednesday: w.weekday = 3; break;
    case cctz::weekday::thursday: w.weekday = 4; break;
    case cctz::weekday::friday: w.weekday = 5; break;
    case cctz::weekday::saturday: w.weekday = 6; break;
  }
  w.yearday = cctz::get_yearday(d) - 1;
}

}  // namespace

int64_t CivilSecondsAsUtc(int64_t year, int month, int day, int hour,
                          int minute, int second) {
  int64_t mon = month - 1;
  int64_t y = year + FloorDiv(mon, 12);
  int64_t m = mon - FloorDiv(mon, 12) * 12;
  int64_t yday = kDaysBeforeMonth[IsLeap(y) ? 1 : 0][m] + day - 1;
  return YdhmsSeconds(y, yday, hour, minute, second);
}

WallFields UtcWall(int64_t unix_seconds) {
  WallFields w;
  cctz::civil_second cs = cctz::civil_second(1970, 1, 1, 0, 0, 0) + unix_seconds;
  FillFromCivil(cs, w);
  w.isdst = 0;
  w.gmtoff = 0;
  w.abbr = "GMT";
  return w;
}

int64_t Timegm(WallFields& tm) {
  int64_t t = CivilSecondsAsUtc(tm.year, tm.month, tm.day, tm.hour, tm.minute,
                                tm.second);
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
    return Status::Error(StatusCode::kNotFound,
                         "unknown time zone '" + name + "'");
  }
  z->Analyze();
  return std::shared_ptr<const Zone>(std::move(z));
}

// Derives what glibc's tzfile reader computes: walking the transitions from
// the newest backwards, the first standard and the first daylight period give
// tzname[0]/[1] and the offsets that decide `daylight`.
void Zone::Analyze() {
  using Sec = std::chrono::seconds;
  auto far = cctz::convert(cctz::civil_second(2400, 1, 1, 0, 0, 0),
                           cctz::utc_time_zone());
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
}

WallFields Zone::ToWall(int64_t unix_seconds) const {
  WallFields w;
  if (fixed_) {
    FillFromCivil(cctz::civil_second(1970, 1, 1, 0, 0, 0) +
                      (unix_seconds + fixed_offset_), w);
    w.isdst = 0;
    w.gmtoff = fixed_offset_;
    w.abbr = fixed_abbr_.c_str();
    return w;
  }
  auto tp = std::chrono::time_point_cast<std::chrono::seconds>(
                std::chrono::system_clock::from_time_t(0)) +
            std::chrono::seconds(unix_seconds);
  auto al = tz_.lookup(tp);
  FillFromCivil(al.cs, w);
  w.isdst = al.is_dst ? 1 : 0;
  w.gmtoff = al.offset;
  w.abbr = al.abbr;  // owned by cctz's zone cache, lives forever
  return w;
}

Zone::CivilLookup Zone::Lookup(const cctz::civil_second& cs) const {
  auto to_unix = [](auto tp) {
    return static_cast<int64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(tp.time_since_epoch())
            .count());
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

  auto diff = [&](const WallFields& w) {
    return requested -
           YdhmsSeconds(w.year, w.yearday, w.hour, w.minute, w.second);
  };
  auto isdst_differ = [](int a, int b) {
    return (!a != !b) && a >= 0 && b >= 0;
  };

  const int64_t t0 = requested + state.offset;
  int64_t t = t0, t1 = t0, t2 = t0;
  int remaining_probes = 6;
  WallFields cur;
  bool found = false;
  while (true) {
    cur = ToWall(t);
    int64_t dt = diff(cur);
    if (dt == 0) break;
    if (t == t1 && t != t2 &&
        (cur.isdst < 0 ||
         (isdst < 0 ? cur.isdst != 0 : (isdst != 0) != (cur.isdst != 0)))) {
      found = true;
      break;
    }
    if (--remaining_probes == 0) {
      // glibc gives up with EOVERFLOW; never reached for real tz data.
      tm = cur;
      return -1;
    }
    t1 = t2;
    t2 = t;
    t += dt;
  }

  if (!found && isdst_differ(isdst, cur.isdst)) {
    const int dst_difference = (isdst == 0) - (cur.isdst == 0);
    constexpr int64_t kStride = 601200;
    constexpr int64_t kDurationMax = 457243200;
    constexpr int64_t kDeltaBound = kDurationMax / 2 + kStride;
    bool done = false;
    for (int64_t delta = kStride; delta < kDeltaBound && !done; delta += kStride) {
      for (int direction = -1; direction <= 1; direction += 2) {
        int64_t ot = t + delta * direction;
        WallFields otm = ToWall(ot);
        if (!isdst_differ(isdst, otm.isdst)) {
          t = ot + diff(otm);
          cur = ToWall(t);
          done = true;
          break;
        }
      }
    }
    if (!done) {
      t += 3600 * dst_difference;
      cur = ToWall(t);
    }
  }

  state.offset = t - requested;
  if (sec_requested != cur.second) {
    int64_t adj = (sec == 0 && cur.second == 60) ? 1 : 0;
    adj += sec_requested - sec;
    t += adj;
    cur = ToWall(t);
  }
  tm = cur;
  return t;
}

ZoneDb::ZoneDb(std::string zoneinfo_root) : root_(std::move(zoneinfo_root)) {}

bool ZoneDb::IsValidName(std::string_view name) const {
  if (name.empty()) return false;
  if (name == "UTC") return true;
  if (name.front() == '/') return false;
  char prev = 0;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '+' ||
              c == '/';
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

std::shared_ptr<const Zone> ZoneDb::LocalFromTz(
    const std::optional<std::string>& tz) {
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
