#include "time/timestamp.h"

#include <cstdio>
#include <optional>

#include "base/strings.h"
#include "time/timespan.h"

namespace surety {

namespace {

constexpr int64_t kUsecPerSec = 1000000;
constexpr int64_t kMaxUsec = 253402214399000000;  // 9999-12-30 23:59:59 UTC

Status Inval(const char* what) { return Status::Invalid(what); }

// One strptime() numeric field: leading blanks, up to `width` digits while
// the value can still grow within `to`.
bool Number(std::string_view s, size_t& i, int from, int to, int width, int* out) {
  while (i < s.size() && s[i] == ' ') ++i;
  if (i >= s.size() || !IsAsciiDigit(s[i])) return false;
  int val = 0, n = width;
  do {
    val = val * 10 + (s[i++] - '0');
  } while (--n > 0 && val * 10 <= to && i < s.size() && IsAsciiDigit(s[i]));
  if (val < from || val > to) return false;
  *out = val;
  return true;
}

bool Literal(std::string_view s, size_t& i, char c) {
  if (c == ' ') {  // a blank in the format matches any run of blanks
    while (i < s.size() && s[i] == ' ') ++i;
    return true;
  }
  if (i < s.size() && s[i] == c) {
    ++i;
    return true;
  }
  return false;
}

struct Parsed {
  WallFields tm;
  size_t end;
};

// A tiny strptime() for the formats systemd tries. `fmt` uses Y y m d H M S b.
std::optional<Parsed> Strptime(std::string_view s, std::string_view fmt, WallFields tm) {
  size_t i = 0;
  for (size_t f = 0; f < fmt.size(); ++f) {
    if (fmt[f] != '%') {
      if (!Literal(s, i, fmt[f])) return std::nullopt;
      continue;
    }
    char k = fmt[++f];
    int v = 0;
    switch (k) {
      case 'Y':
        if (!Number(s, i, 0, 9999, 4, &v)) return std::nullopt;
        tm.year = v;
        break;
      case 'y':
        if (!Number(s, i, 0, 99, 2, &v)) return std::nullopt;
        tm.year = v >= 69 ? 1900 + v : 2000 + v;
        break;
      case 'm':
        if (!Number(s, i, 1, 12, 2, &v)) return std::nullopt;
        tm.month = v;
        break;
      case 'd':
        if (!Number(s, i, 1, 31, 2, &v)) return std::nullopt;
        tm.day = v;
        break;
      case 'H':
        if (!Number(s, i, 0, 23, 2, &v)) return std::nullopt;
        tm.hour = v;
        break;
      case 'M':
        if (!Number(s, i, 0, 59, 2, &v)) return std::nullopt;
        tm.minute = v;
        break;
      case 'S':
        if (!Number(s, i, 0, 61, 2, &v)) return std::nullopt;
        tm.second = v;
        break;
      case 'b': {
        static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                                  "May",       "June",     "July",     "August",
                                                  "September", "October",  "November", "December"};
        while (i < s.size() && s[i] == ' ') ++i;
        bool found = false;
        for (int m = 0; m < 12 && !found; ++m) {
          std::string_view full = kMonths[m];
          for (std::string_view name : {full, full.substr(0, 3)}) {
            if (StartsWithIgnoreCase(s.substr(i), name)) {
              i += name.size();
              tm.month = m + 1;
              found = true;
              break;
            }
          }
        }
        if (!found) return std::nullopt;
        break;
      }
      default:
        return std::nullopt;
    }
  }
  return Parsed{tm, i};
}

int WeekdayOf(int64_t year, int month, int day) {
  int64_t days = CivilSecondsAsUtc(year, month, day, 0, 0, 0) / 86400;
  int64_t w = (days + 4) % 7;  // 1970-01-01 was a Thursday
  return static_cast<int>(w < 0 ? w + 7 : w);
}

Result<uint64_t> Span(std::string_view s) {
  auto r = ParseTimespan(s);
  if (!r.ok()) return r.status();
  return r->usec;
}

}  // namespace

Result<Instant> ParseTimestamp(std::string_view t, const TimestampContext& ctx) {
  if (t.find('\0') != std::string_view::npos) return Status(Inval("contains a NUL byte"));
  if (!t.empty() && t[0] == '@') {
    // As in systemd, "@SPAN" is just a time span: no 9999-12-30 limit (a
    // calendar search from such a base fails later). Spans an Instant cannot
    // hold, "@infinity" included, saturate.
    auto span = Span(t.substr(1));
    if (!span.ok()) return span.status();
    if (*span > static_cast<uint64_t>(INT64_MAX)) return Instant::max();
    return Instant{Micros{static_cast<int64_t>(*span)}};
  }
  int64_t ret = ctx.now.time_since_epoch().count();
  uint64_t plus = 0, minus = 0;
  bool relative = false;
  if (t == "now") {
    relative = true;
  } else if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    auto span = Span(t.substr(1));
    if (!span.ok()) return span.status();
    (t[0] == '+' ? plus : minus) = *span;
    relative = true;
  } else if (t.ends_with(" ago") || t.ends_with(" left")) {
    bool ago = t.ends_with(" ago");
    auto span = Span(t.substr(0, t.size() - (ago ? 4 : 5)));
    if (!span.ok()) return span.status();
    (ago ? minus : plus) = *span;
    relative = true;
  }

  if (!relative) {
    bool utc = false;
    int dst = -1;
    const Zone* zone = ctx.local;
    std::shared_ptr<const Zone> named;
    MktimeState scratch;
    MktimeState* state = ctx.mktime;
    if (EndsWithIgnoreCase(t, " UTC")) {
      utc = true;
      t.remove_suffix(4);
    } else {
      bool found = false;
      for (int j = 0; j <= 1 && !found; ++j) {
        const std::string& name = ctx.local->tzname(j);
        if (name.empty() || !EndsWithIgnoreCase(t, name)) continue;
        size_t at = t.size() - name.size();
        if (at == 0 || t[at - 1] != ' ') continue;
        dst = j;
        t = t.substr(0, at - 1);
        found = true;
      }
      if (!found) {
        size_t sp = t.rfind(' ');
        if (sp != std::string_view::npos && ctx.zones->IsValidName(t.substr(sp + 1))) {
          auto z = ctx.zones->Get(std::string(t.substr(sp + 1)));
          if (z.ok()) {
            named = *z;
            zone = named.get();
            state = &scratch;  // evaluated apart, as systemd's child would
            t = t.substr(0, sp);
          }
        }
      }
    }
    int64_t now_s = ret / kUsecPerSec;
    WallFields tm = utc ? UtcWall(now_s) : zone->LocalTime(now_s, *state);
    tm.isdst = dst;
    int64_t usec = 0;
    int weekday = -1;
    bool done = false;
    if (t == "today" || t == "yesterday" || t == "tomorrow") {
      if (t == "yesterday") tm.day -= 1;
      if (t == "tomorrow") tm.day += 1;
      tm.hour = tm.minute = tm.second = 0;
      done = true;
    }
    if (!done) {
      static constexpr struct {
        std::string_view name;
        int nr;
      } kDays[] = {{"Sunday", 0},   {"Sun", 0}, {"Monday", 1},    {"Mon", 1},
                   {"Tuesday", 2},  {"Tue", 2}, {"Wednesday", 3}, {"Wed", 3},
                   {"Thursday", 4}, {"Thu", 4}, {"Friday", 5},    {"Fri", 5},
                   {"Saturday", 6}, {"Sat", 6}};
      for (const auto& d : kDays) {
        if (!StartsWithIgnoreCase(t, d.name)) continue;
        if (t.size() <= d.name.size() || t[d.name.size()] != ' ') continue;
        weekday = d.nr;
        t = t.substr(d.name.size() + 1);
        break;
      }
      struct Form {
        const char* fmt;
        bool fraction;  // may be followed by ".frac"
        bool zero_seconds;
        bool zero_time;
      };
      static constexpr Form kForms[] = {
          {"%y-%m-%d %H:%M:%S", true, false, false},
          {"%Y-%m-%d %H:%M:%S", true, false, false},
          {"%b %d %H:%M:%S", true, false, false},
          {"%y-%m-%d %H:%M", false, true, false},
          {"%Y-%m-%d %H:%M", false, true, false},
          {"%y-%m-%d", false, false, true},
          {"%Y-%m-%d", false, false, true},
          {"%H:%M:%S", true, false, false},
          {"%H:%M", false, true, false},
      };
      for (const auto& form : kForms) {
        auto p = Strptime(t, form.fmt, tm);
        if (!p) continue;
        std::string_view rest = t.substr(p->end);
        if (form.fraction && !rest.empty() && rest[0] == '.') {
          // Up to six digits, the seventh rounds (parse_fractional_part_u).
          size_t k = 1;
          int64_t frac = 0;
          size_t n = 0;
          for (; n < 6; ++n, ++k) {
            if (k >= rest.size() || !IsAsciiDigit(rest[k])) {
              if (n == 0) return Status(Inval("expected digits after '.'"));
              for (; n < 6; ++n) frac *= 10;
              break;
            }
            frac = frac * 10 + (rest[k] - '0');
          }
          if (k < rest.size() && rest[k] >= '5' && rest[k] <= '9') ++frac;
          while (k < rest.size() && IsAsciiDigit(rest[k])) ++k;
          if (k != rest.size()) return Status(Inval("unexpected text"));
          usec = frac;
        } else if (!rest.empty()) {
          continue;
        }
        tm = p->tm;
        if (form.zero_seconds) tm.second = 0;
        if (form.zero_time) tm.hour = tm.minute = tm.second = 0;
        done = true;
        break;
      }
      if (!done) return Status(Inval("not a timestamp"));
      if (weekday >= 0 && WeekdayOf(tm.year, tm.month, tm.day) != weekday)
        return Status(Inval("the weekday does not match the date"));
    }
    int64_t x = utc ? Timegm(tm) : zone->Mktime(tm, *state);
    if (x < 0) return Status(Inval("timestamp before 1970"));
    ret = x * kUsecPerSec + usec;
    if (ret > kMaxUsec) return Status(Inval("timestamp too large"));
  }
  auto uret = static_cast<uint64_t>(ret);
  if (uret + plus < uret) return Status(Inval("timestamp too large"));
  uret += plus;
  if (uret > static_cast<uint64_t>(kMaxUsec)) return Status(Inval("timestamp too large"));
  if (uret < minus) return Status(Inval("timestamp before 1970"));
  uret -= minus;
  return Instant{Micros{static_cast<int64_t>(uret)}};
}

namespace {
void PutDigits(char*& p, int64_t v, int width) {
  char tmp[24];
  int n = 0;
  uint64_t u = v < 0 ? 0 : static_cast<uint64_t>(v);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u > 0);
  while (n < width) tmp[n++] = '0';
  while (n > 0) *p++ = tmp[--n];
}

// "%a %Y-%m-%d %H:%M:%S[ ZONE]" in the C locale, without printf (this runs
// once per line of `surety calendar --iterations=N`).
std::string FormatWall(const WallFields& w, const char* zone) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  char buf[96];
  char* p = buf;
  for (const char* d = kDays[w.weekday]; *d; ++d) *p++ = *d;
  *p++ = ' ';
  PutDigits(p, w.year, 4);
  *p++ = '-';
  PutDigits(p, w.month, 2);
  *p++ = '-';
  PutDigits(p, w.day, 2);
  *p++ = ' ';
  PutDigits(p, w.hour, 2);
  *p++ = ':';
  PutDigits(p, w.minute, 2);
  *p++ = ':';
  PutDigits(p, w.second, 2);
  std::string out(buf, static_cast<size_t>(p - buf));
  if (zone[0]) {
    out += ' ';
    out += zone;
  }
  return out;
}

int64_t Seconds(Instant t) {
  int64_t us = t.time_since_epoch().count();
  return us >= 0 ? us / kUsecPerSec : -((-us + kUsecPerSec - 1) / kUsecPerSec);
}
}  // namespace

std::string FormatTimestamp(Instant t, const Zone& zone) {
  WallFields w = zone.ToWall(Seconds(t));
  return FormatWall(w, w.abbr);
}

std::string FormatTimestampUtc(Instant t) { return FormatWall(UtcWall(Seconds(t)), "UTC"); }

std::string FormatRelative(Instant t, Instant now) {
  constexpr uint64_t kSec = 1000000, kMin = 60 * kSec, kHour = 60 * kMin, kDay = 24 * kHour,
                     kWeek = 7 * kDay, kMonth = 2629800 * kSec, kYear = 31557600 * kSec;
  int64_t a = t.time_since_epoch().count(), n = now.time_since_epoch().count();
  const char* s = n > a ? "ago" : "left";
  uint64_t d = n > a ? static_cast<uint64_t>(n - a) : static_cast<uint64_t>(a - n);
  auto plural = [](uint64_t v, const char* one, const char* many) { return v == 1 ? one : many; };
  // Built by hand rather than with snprintf: `surety calendar
  // --iterations=N` prints one per iteration.
  auto num = [](uint64_t v) { return std::to_string(v); };
  std::string sfx = std::string(" ") + s;
  if (d >= kYear) {
    uint64_t years = d / kYear, months = (d % kYear) / kMonth;
    return num(years) + " " + plural(years, "year", "years") + " " + num(months) + " " +
           plural(months, "month", "months") + sfx;
  }
  if (d >= kMonth) {
    uint64_t months = d / kMonth, days = (d % kMonth) / kDay;
    return num(months) + " " + plural(months, "month", "months") + " " + num(days) + " " +
           plural(days, "day", "days") + sfx;
  }
  if (d >= kWeek) {
    uint64_t weeks = d / kWeek, days = (d % kWeek) / kDay;
    return num(weeks) + " " + plural(weeks, "week", "weeks") + " " + num(days) + " " +
           plural(days, "day", "days") + sfx;
  }
  if (d >= 2 * kDay) return num(d / kDay) + " days" + sfx;
  if (d >= 25 * kHour) return "1 day " + num((d - kDay) / kHour) + "h" + sfx;
  if (d >= 6 * kHour) return num(d / kHour) + "h" + sfx;
  if (d >= kHour) return num(d / kHour) + "h " + num((d % kHour) / kMin) + "min" + sfx;
  if (d >= 5 * kMin) return num(d / kMin) + "min" + sfx;
  if (d >= kMin) return num(d / kMin) + "min " + num((d % kMin) / kSec) + "s" + sfx;
  if (d >= kSec) return num(d / kSec) + "s" + sfx;
  if (d >= 1000) return num(d / 1000) + "ms" + sfx;
  if (d > 0) return num(d) + "us" + sfx;
  return "now";
}

std::string FormatRfc3339(Instant t) {
  WallFields w = UtcWall(Seconds(t));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(w.year),
                w.month, w.day, w.hour, w.minute, w.second);
  return buf;
}

}  // namespace surety
