// NextElapse(): systemd 252's next-elapse search (calendarspec.c find_next),
// re-derived over our zone adapter. The search walks broken-down wall-clock
// fields from the largest to the smallest, normalizing with mktime() after
// every change; every mktime() call is kept, in order, because glibc's
// answer in a DST overlap depends on the call before it.
#include <climits>

#include "time/calendar_spec.h"

namespace surety {

namespace {

constexpr int64_t kUsecPerSec = 1000000;
constexpr int kMaxYear = 2199;
constexpr int kMaxIterations = 1000;
// systemd refuses bases past 9999-12-30 23:59:59 UTC.
constexpr int64_t kMaxBaseUsec = 253402214399000000;

class Search {
 public:
  Search(const CalendarSpec& spec, const Zone& zone, MktimeState& state)
      : spec_(spec),
        zone_(zone),
        state_(state),
        fixed_(spec.utc || zone.fixed()),
        offset_(spec.utc ? 0 : (zone.fixed() ? zone.fixed_offset() : 0)) {}

  int64_t Normalize(WallFields& w) {
    // The search often normalizes fields it just got back from mktime() (a
    // component matched without change). When glibc remembered the offset of
    // that answer (it does unless it resolved a gap or a DST hint), it then
    // answers at its first probe with the same fields and remembers nothing
    // new, as long as no DST flag other than the one found is asked for. So
    // the last answer is reused — once the zone is set up for good (a first
    // setup can answer differently).
    if (SameAsLast(w)) {
      w = last_;
      return last_t_;
    }
    const int64_t t = spec_.utc ? Timegm(w) : zone_.Mktime(w, state_);
    last_valid_ = t >= 0 && (spec_.utc || state_.offset == -w.gmtoff);
    last_ = w;
    last_t_ = t;
    return t;
  }

  // In a zone without transitions, mktime() of in-range fields changes no
  // field and remembers the zone's one offset: the search can skip the call
  // (it runs ~7 times per step). Returns false when the full call is needed.
  bool InRangeFixed(const WallFields& w) {
    if (!fixed_) return false;
    auto in = [](int v, int lo, int hi) {
      return static_cast<unsigned>(v - lo) <= static_cast<unsigned>(hi - lo);
    };
    if (!in(w.month, 1, 12) || !in(w.day, 1, 31) || !in(w.hour, 0, 23) || !in(w.minute, 0, 59) ||
        !in(w.second, 0, 59))
      return false;
    if (w.day > 28) {
      static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      const bool leap = (w.year % 4 == 0 && w.year % 100 != 0) || w.year % 400 == 0;
      if (w.day > kDays[w.month - 1] + (w.month == 2 && leap ? 1 : 0)) return false;
    }
    if (!spec_.utc) {  // what the skipped call would do to glibc's memory
      state_.offset = -offset_;
      state_.Tzset();
    }
    return true;
  }

  // The instant of the fields FindNext() settled on: mktime() of them, which
  // in a zone without transitions is arithmetic.
  int64_t Final(WallFields& c) {
    if (InRangeFixed(c))
      return CivilSecondsAsUtc(c.year, c.month, c.day, c.hour, c.minute, c.second) - offset_;
    return Normalize(c);
  }

  // Whether normalizing w would give back the last answer unchanged (see
  // Normalize()).
  bool SameAsLast(const WallFields& w) const {
    return last_valid_ && SameFields(w, last_) && (w.isdst < 0 || w.isdst == last_.isdst) &&
           (spec_.utc || state_.tzsets >= 2);
  }

  // systemd's tm_within_bounds(): 1 unchanged, 0 moved forward (w updated),
  // -1 out of range or moved backwards.
  int Settle(WallFields& w) {
    if (w.year > kMaxYear) return -1;
    if (InRangeFixed(w) || SameAsLast(w)) return 1;
    WallFields t = w;
    if (Normalize(t) < 0) return -1;
    int cmp;
    auto compare = [](int64_t a, int64_t b) { return a < b ? -1 : (a > b); };
    if ((cmp = compare(t.year, w.year)) != 0) {
      t.month = 1;
    } else if ((cmp = compare(t.month, w.month)) != 0) {
      t.day = 1;
    } else if ((cmp = compare(t.day, w.day)) != 0) {
      t.hour = 0;
    } else if ((cmp = compare(t.hour, w.hour)) != 0) {
      t.minute = 0;
    } else if ((cmp = compare(t.minute, w.minute)) != 0) {
      t.second = 0;
    } else {
      cmp = compare(t.second, w.second);
    }
    if (cmp < 0) return -1;
    if (cmp > 0) w = t;
    return cmp == 0 ? 1 : 0;
  }

  // Settle(c) after a Match() that returned r >= 0. In a zone without
  // transitions, fields that were accepted as they are and not changed since
  // (r == 0) are accepted again without a look.
  int SettleAfter(int r, WallFields& c) {
    if (r == 0 && clean_) return 1;
    const int settled = Settle(c);
    clean_ = fixed_ && settled == 1;
    return settled;
  }

  // Day-of-month of the n-th last day of w's month, or -1.
  int EndOfMonth(const WallFields& w, int n) {
    if (fixed_ && w.month >= 1 && w.month <= 12) {
      // mktime() of day 1-n of the next month, in a zone without
      // transitions: arithmetic, and glibc's memory stays as it is.
      static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
      const bool leap = (w.year % 4 == 0 && w.year % 100 != 0) || w.year % 400 == 0;
      const int dim = kDays[w.month - 1] + (w.month == 2 && leap ? 1 : 0);
      if (!spec_.utc) {
        state_.offset = -offset_;
        state_.Tzset();
      }
      return n >= 1 && n <= dim ? dim - n + 1 : -1;
    }
    WallFields t = w;
    t.month += 1;
    t.day = 1 - n;
    if (Normalize(t) < 0 || t.month != w.month) return -1;
    return t.day;
  }

  // systemd's find_matching_component(): the earliest value >= *val allowed
  // by the items. Returns 1 changed, 0 unchanged, -1 none.
  int Match(const std::vector<CalendarItem>* items, const WallFields& w, int64_t* val,
            bool is_day) {
    if (!items) return 0;
    const bool eom = spec_.end_of_month && is_day;
    bool have = false;
    int64_t best = -1;
    for (const auto& it : *items) {
      int64_t start = it.start, stop = it.stop;
      if (eom) {
        start = EndOfMonth(w, it.start);
        stop = EndOfMonth(w, it.stop);
        if (stop > 0) std::swap(start, stop);
      }
      if (start >= *val) {
        if (!have || start < best) {
          best = start;
          have = true;
        }
      } else if (it.repeat > 0) {
        int64_t k = start + it.repeat * ((*val - start + it.repeat - 1) / it.repeat);
        if ((!have || k < best) && (stop < 0 || k <= stop)) {
          best = k;
          have = true;
        }
      }
    }
    if (!have) return -1;
    int changed = *val != best;
    *val = best;
    return changed;
  }

  bool WeekdayMatches(const WallFields& w) {
    if (spec_.weekdays < 0 || spec_.weekdays >= 127) return true;
    WallFields t = w;
    if (InRangeFixed(t)) {
      int64_t days = CivilSecondsAsUtc(t.year, t.month, t.day, 0, 0, 0) / 86400;
      int64_t wd = (days + 4) % 7;  // 1970-01-01 was a Thursday
      t.weekday = static_cast<int>(wd < 0 ? wd + 7 : wd);
    } else if (Normalize(t) < 0) {
      return false;
    }
    int k = t.weekday == 0 ? 6 : t.weekday - 1;
    return (spec_.weekdays & (1 << k)) != 0;
  }

  // Returns 0 found, -1 never, -2 iteration cap.
  int FindNext(WallFields& c, int64_t& usec) {
    const WallFields start_fields = c;
    const int64_t start_usec = usec;
    bool keep_hint = false;
    auto reset_below = [&](int level) {
      // level: 0 year (reset month..), 1 month, 2 day, 3 hour, 4 minute.
      if (level <= 0) c.month = 1;
      if (level <= 1) c.day = 1;
      if (level <= 2) c.hour = 0;
      if (level <= 3) c.minute = 0;
      c.second = 0;
      usec = 0;
    };
    for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
      bool normalized = true;
      if (InRangeFixed(c))
        c.isdst = 0;
      else
        normalized = Normalize(c) >= 0;
      if (!keep_hint) c.isdst = spec_.local_dst;
      clean_ = fixed_ && normalized && c.year <= kMaxYear;  // in range now

      int64_t v = c.year;
      int r = Match(Items(spec_.year), c, &v, false);
      c.year = v;
      if (r > 0) reset_below(0);
      if (r < 0) return -1;
      if (SettleAfter(r, c) != 1) return -1;

      v = c.month;
      r = Match(Items(spec_.month), c, &v, false);
      c.month = static_cast<int>(v);
      if (r > 0) reset_below(1);
      if (r < 0 || (r = SettleAfter(r, c)) < 0) {
        c.year += 1;
        reset_below(0);
        continue;
      }
      if (r == 0) continue;

      v = c.day;
      r = Match(Items(spec_.day), c, &v, true);
      c.day = static_cast<int>(v);
      if (r > 0) reset_below(2);
      if (r < 0 || (r = SettleAfter(r, c)) < 0) {
        c.month += 1;
        reset_below(1);
        continue;
      }
      if (r == 0) continue;

      if (!WeekdayMatches(c)) {
        c.day += 1;
        reset_below(2);
        continue;
      }

      v = c.hour;
      r = Match(Items(spec_.hour), c, &v, false);
      c.hour = static_cast<int>(v);
      if (r > 0) reset_below(3);
      if (r < 0 || (r = SettleAfter(r, c)) < 0) {
        c.day += 1;
        reset_below(2);
        continue;
      }
      if (r == 0) continue;

      v = c.minute;
      r = Match(Items(spec_.minute), c, &v, false);
      c.minute = static_cast<int>(v);
      if (r > 0) {
        c.second = 0;
        usec = 0;
      }
      if (r < 0 || (r = SettleAfter(r, c)) < 0) {
        c.hour += 1;
        reset_below(3);
        continue;
      }
      if (r == 0) continue;

      v = c.second * kUsecPerSec + usec;
      r = Match(&spec_.seconds_us, c, &v, false);
      usec = v % kUsecPerSec;
      c.second = static_cast<int>(v / kUsecPerSec);
      if (r < 0 || (r = SettleAfter(r, c)) < 0) {
        c.minute += 1;
        c.second = 0;
        usec = 0;
        continue;
      }
      if (r == 0) continue;

      // Debian's 252 (backport of upstream #36897): never answer a wall time
      // earlier than where the search started; retry an hour later keeping
      // the DST flag normalization produced.
      if (Earlier(c, usec, start_fields, start_usec)) {
        c.hour += 1;
        keep_hint = true;
        continue;
      }
      return 0;
    }
    return -2;
  }

 private:
  static const std::vector<CalendarItem>* Items(const CalendarComponent& c) {
    return c ? &*c : nullptr;
  }
  static bool SameFields(const WallFields& a, const WallFields& b) {
    return a.second == b.second && a.minute == b.minute && a.hour == b.hour && a.day == b.day &&
           a.month == b.month && a.year == b.year;
  }
  static bool Earlier(const WallFields& a, int64_t au, const WallFields& b, int64_t bu) {
    if (a.year != b.year) return a.year < b.year;
    if (a.month != b.month) return a.month < b.month;
    if (a.day != b.day) return a.day < b.day;
    if (a.hour != b.hour) return a.hour < b.hour;
    if (a.minute != b.minute) return a.minute < b.minute;
    if (a.second != b.second) return a.second < b.second;
    return au < bu;
  }

  const CalendarSpec& spec_;
  const Zone& zone_;
  MktimeState& state_;
  const bool fixed_;
  const int64_t offset_;
  // FindNext(): the search fields were accepted as they are (fixed_ only).
  bool clean_ = false;
  // The last answer of Normalize().
  bool last_valid_ = false;
  WallFields last_;
  int64_t last_t_ = 0;
};

}  // namespace

Result<std::optional<Instant>> NextElapse(const CalendarSpec& spec, Instant after,
                                          const CalendarEvalContext& ctx) {
  int64_t base = after.time_since_epoch().count();
  if (base > kMaxBaseUsec || base < 0) return Status::Invalid("base time out of range");
  const Zone* zone = ctx.local;
  std::shared_ptr<const Zone> holder;
  MktimeState child_state;
  MktimeState* state = ctx.mktime;
  if (!spec.zone.empty()) {
    auto z = ctx.zones->Get(spec.zone);
    if (!z.ok()) return z.status();
    holder = *z;
    zone = holder.get();
    // systemd evaluates zoned specs in a forked child: glibc's memory starts
    // from the parent's and is discarded afterwards.
    child_state = *ctx.mktime;
    state = &child_state;
  }
  int64_t usec = base + 1;
  int64_t t = usec / kUsecPerSec;
  WallFields c = spec.utc ? UtcWall(t) : zone->LocalTime(t, *state);
  int64_t tm_usec = usec % kUsecPerSec;
  Search search(spec, *zone, *state);
  int r = search.FindNext(c, tm_usec);
  if (r == -1) return std::optional<Instant>();
  if (r == -2) return Status::Error(StatusCode::kDeadlock, "infinite loop in calendar calculation");
  int64_t result = search.Final(c);
  if (result < 0) return Status::Invalid("next elapse out of range");
  return std::optional<Instant>(Instant{Micros{result * kUsecPerSec + tm_usec}});
}

}  // namespace surety
