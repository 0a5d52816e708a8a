#include "time/timestamp.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>

#include "base/strings.h"
#include "time/civil_names.h"
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
        while (i < s.size() && s[i] == ' ') ++i;
        bool found = false;
        for (int m = 0; m < 12 && !found; ++m) {
          std::string_view full = kMonthNames[static_cast<size_t>(m)];
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
      // Each day's full name, then its abbreviation, Sunday first.
      for (int nr = 0; nr < 7 && weekday < 0; ++nr) {
        for (std::string_view name : {kWeekdayNames[static_cast<size_t>(nr)], WeekdayAbbr(nr)}) {
          if (!StartsWithIgnoreCase(t, name)) continue;
          if (t.size() <= name.size() || t[name.size()] != ' ') continue;
          weekday = nr;
          t = t.substr(name.size() + 1);
          break;
        }
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

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// Two digits of 0 <= v < 100.
char* Put2(char* p, int64_t v) {
  std::memcpy(p, &kDigitPairs[2 * v], 2);
  return p + 2;
}

// `v` (>= 0; negative values print as 0) in decimal, at least `width`
// digits (at most 20 are written).
char* PutNumber(char* p, int64_t v, int width) {
  char tmp[24];
  int n = 0;
  uint64_t u = v < 0 ? 0 : static_cast<uint64_t>(v);
  do {
    tmp[n++] = static_cast<char>('0' + u % 10);
    u /= 10;
  } while (u > 0);
  while (n < width) tmp[n++] = '0';
  while (n > 0) *p++ = tmp[--n];
  return p;
}

// Copies `s` if it fits before `end`; nullptr if it does not.
char* PutText(char* p, char* end, const char* s, size_t n) {
  if (static_cast<size_t>(end - p) < n) return nullptr;
  std::memcpy(p, s, n);
  return p + n;
}

template <size_t N>
char* PutLiteral(char* p, const char (&s)[N]) {
  std::memcpy(p, s, N - 1);
  return p + (N - 1);
}

// "%a %Y-%m-%d %H:%M:%S" in the C locale (at most 3 + 1 + 20 + 15 bytes).
constexpr size_t kWallMax = 40;
char* PutWall(char* p, const WallFields& w) {
  std::memcpy(p, WeekdayAbbr(w.weekday).data(), 3);
  p += 3;
  *p++ = ' ';
  if (w.year >= 0 && w.year < 10000) {
    p = Put2(p, w.year / 100);
    p = Put2(p, w.year % 100);
  } else {
    p = PutNumber(p, w.year, 4);
  }
  *p++ = '-';
  p = Put2(p, w.month);
  *p++ = '-';
  p = Put2(p, w.day);
  *p++ = ' ';
  p = Put2(p, w.hour);
  *p++ = ':';
  p = Put2(p, w.minute);
  *p++ = ':';
  return Put2(p, w.second);
}

// PutWall() and " ZONE" unless the zone is empty.
char* WriteWall(char* p, char* end, const WallFields& w, const char* zone) {
  if (static_cast<size_t>(end - p) < kWallMax) return nullptr;
  p = PutWall(p, w);
  if (!zone[0]) return p;
  if (p == end) return nullptr;
  *p++ = ' ';
  return PutText(p, end, zone, std::strlen(zone));
}

int64_t Seconds(Instant t) {
  int64_t us = t.time_since_epoch().count();
  return us >= 0 ? us / kUsecPerSec : -((-us + kUsecPerSec - 1) / kUsecPerSec);
}

// Runs `write` on a stack buffer and appends the result; falls back to a
// buffer as large as `write` needs (a zone name can be any length).
template <typename Write>
void AppendWritten(std::string& out, Write write) {
  char buf[128];
  if (char* e = write(buf, buf + sizeof buf)) {
    out.append(buf, static_cast<size_t>(e - buf));
    return;
  }
  for (size_t size = 2 * sizeof buf;; size *= 2) {
    std::string big(size, '\0');
    if (char* e = write(big.data(), big.data() + size)) {
      out.append(big.data(), static_cast<size_t>(e - big.data()));
      return;
    }
  }
}

}  // namespace

char* WriteTimestamp(char* p, char* end, Instant t, const Zone& zone) {
  const WallFields w = zone.ToWall(Seconds(t));
  return WriteWall(p, end, w, w.abbr);
}

char* WriteTimestampUtc(char* p, char* end, Instant t) {
  return WriteWall(p, end, UtcWall(Seconds(t)), "UTC");
}

char* WriteRelative(char* p, char* end, Instant t, Instant now) {
  if (end - p < kRelativeMax) return nullptr;
  constexpr uint64_t kSec = 1000000, kMin = 60 * kSec, kHour = 60 * kMin, kDay = 24 * kHour,
                     kWeek = 7 * kDay, kMonth = 2629800 * kSec, kYear = 31557600 * kSec;
  const int64_t a = t.time_since_epoch().count(), n = now.time_since_epoch().count();
  const uint64_t d = n > a ? static_cast<uint64_t>(n - a) : static_cast<uint64_t>(a - n);
  if (d == 0) return PutLiteral(p, "now");
  auto num = [&p](uint64_t v) {
    p = v < 100
            ? (v < 10 ? (*p = static_cast<char>('0' + v), p + 1) : Put2(p, static_cast<int64_t>(v)))
            : PutNumber(p, static_cast<int64_t>(v), 1);
  };
  // "3 weeks 1 day": a count and its unit, singular for 1.
  auto counted = [&](uint64_t v, std::string_view one, std::string_view many) {
    num(v);
    *p++ = ' ';
    const std::string_view unit = v == 1 ? one : many;
    p = std::copy(unit.begin(), unit.end(), p);
  };
  if (d >= kYear) {
    counted(d / kYear, "year", "years");
    *p++ = ' ';
    counted(d % kYear / kMonth, "month", "months");
  } else if (d >= kMonth) {
    counted(d / kMonth, "month", "months");
    *p++ = ' ';
    counted(d % kMonth / kDay, "day", "days");
  } else if (d >= kWeek) {
    counted(d / kWeek, "week", "weeks");
    *p++ = ' ';
    counted(d % kWeek / kDay, "day", "days");
  } else if (d >= 2 * kDay) {
    num(d / kDay);
    p = PutLiteral(p, " days");
  } else if (d >= 25 * kHour) {
    p = PutLiteral(p, "1 day ");
    num((d - kDay) / kHour);
    *p++ = 'h';
  } else if (d >= 6 * kHour) {
    num(d / kHour);
    *p++ = 'h';
  } else if (d >= kHour) {
    num(d / kHour);
    p = PutLiteral(p, "h ");
    num(d % kHour / kMin);
    p = PutLiteral(p, "min");
  } else if (d >= 5 * kMin) {
    num(d / kMin);
    p = PutLiteral(p, "min");
  } else if (d >= kMin) {
    num(d / kMin);
    p = PutLiteral(p, "min ");
    num(d % kMin / kSec);
    *p++ = 's';
  } else if (d >= kSec) {
    num(d / kSec);
    *p++ = 's';
  } else if (d >= 1000) {
    num(d / 1000);
    p = PutLiteral(p, "ms");
  } else {
    num(d);
    p = PutLiteral(p, "us");
  }
  return n > a ? PutLiteral(p, " ago") : PutLiteral(p, " left");
}

void AppendTimestamp(std::string& out, Instant t, const Zone& zone) {
  AppendWritten(out, [&](char* p, char* end) { return WriteTimestamp(p, end, t, zone); });
}

void AppendTimestampUtc(std::string& out, Instant t) {
  AppendWritten(out, [&](char* p, char* end) { return WriteTimestampUtc(p, end, t); });
}

void AppendRelative(std::string& out, Instant t, Instant now) {
  AppendWritten(out, [&](char* p, char* end) { return WriteRelative(p, end, t, now); });
}

std::string FormatTimestamp(Instant t, const Zone& zone) {
  std::string out;
  AppendTimestamp(out, t, zone);
  return out;
}

std::string FormatTimestampUtc(Instant t) {
  std::string out;
  AppendTimestampUtc(out, t);
  return out;
}

std::string FormatRelative(Instant t, Instant now) {
  std::string out;
  AppendRelative(out, t, now);
  return out;
}

std::string FormatRfc3339(Instant t) {
  WallFields w = UtcWall(Seconds(t));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(w.year),
                w.month, w.day, w.hour, w.minute, w.second);
  return buf;
}

}  // namespace surety
