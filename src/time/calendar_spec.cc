#include "time/calendar_spec.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>

#include "base/strings.h"
#include "time/civil_names.h"

namespace surety {

namespace {

constexpr int kUsecPerSec = 1000000;
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2199;
constexpr int kMaxItems = 241;  // systemd refuses the 242nd item (ENOBUFS)
constexpr int kWeekdayAll = 127;

Status Err(StatusCode code, std::string what) { return Status::Error(code, std::move(what)); }
Status Inval(std::string what) { return Err(StatusCode::kInvalidArgument, std::move(what)); }

// A cursor over the spec text. Reading past the end yields '\0', like the C
// string systemd walks.
struct Cursor {
  std::string_view s;
  size_t i = 0;
  char at(size_t k = 0) const { return i + k < s.size() ? s[i + k] : '\0'; }
  bool end() const { return i >= s.size(); }
  void SkipSpaces() {
    while (at() == ' ') ++i;
  }
};

bool OneOf(char c, std::string_view set) {
  return c == '\0' ? set.find('\0') != std::string_view::npos
                   : set.find(c) != std::string_view::npos;
}

// A decimal value; for seconds, with an optional fraction, in microseconds.
Status ParseValue(Cursor& c, bool usec, int* out) {
  if (!IsAsciiDigit(c.at())) return Inval("expected a number");
  uint64_t value = 0;
  bool overflow = false;
  while (IsAsciiDigit(c.at())) {
    uint64_t d = static_cast<uint64_t>(c.at() - '0');
    if (value > (UINT64_MAX - d) / 10) overflow = true;
    value = value * 10 + d;
    ++c.i;
  }
  if (overflow) return Err(StatusCode::kOutOfRange, "number too large");
  if (usec) {
    if (value > UINT64_MAX / kUsecPerSec) return Err(StatusCode::kOutOfRange, "number too large");
    value *= kUsecPerSec;
    if (c.at() == '.' && c.at(1) != '.') {
      ++c.i;
      // Up to six fractional digits; the seventh only decides rounding.
      uint64_t frac = 0;
      size_t k = 0;
      for (; k < 6; ++k) {
        if (!IsAsciiDigit(c.at())) {
          if (k == 0) return Inval("expected digits after '.'");
          for (; k < 6; ++k) frac *= 10;
          break;
        }
        frac = frac * 10 + static_cast<uint64_t>(c.at() - '0');
        ++c.i;
      }
      if (c.at() >= '5' && c.at() <= '9') ++frac;
      while (IsAsciiDigit(c.at())) ++c.i;
      if (value + frac < value) return Err(StatusCode::kOutOfRange, "number too large");
      value += frac;
    }
  }
  if (value > INT_MAX) return Err(StatusCode::kOutOfRange, "number too large");
  *out = static_cast<int>(value);
  return Status::Ok();
}

Status ParseItem(Cursor& c, bool usec, CalendarItem* item) {
  int start = 0, stop = -1, repeat = 0;
  if (Status s = ParseValue(c, usec, &start); !s.ok()) return s;
  if (c.at() == '.' && c.at(1) == '.') {
    c.i += 2;
    if (Status s = ParseValue(c, usec, &stop); !s.ok()) return s;
    repeat = usec ? kUsecPerSec : 1;
  }
  if (c.at() == '/') {
    ++c.i;
    if (Status s = ParseValue(c, usec, &repeat); !s.ok()) return s;
    if (repeat == 0) return Err(StatusCode::kOutOfRange, "repetition of zero");
  } else {
    if (start > INT_MAX - repeat) return Err(StatusCode::kOutOfRange, "number too large");
    if (usec && stop >= 0 && start + repeat > stop)
      return Inval("a seconds range must span at least one second");
  }
  if (!OneOf(c.at(), std::string_view("\0 ,-~:", 6)))
    return Inval("unexpected character after a value");
  *item = CalendarItem{start, stop, repeat};
  return Status::Ok();
}

// A comma-separated list, or `*`.
Status ParseComponent(Cursor& c, bool usec, CalendarComponent* out) {
  if (c.at() == '*') {
    ++c.i;
    if (usec)
      *out = std::vector<CalendarItem>{CalendarItem{0, -1, kUsecPerSec}};
    else
      *out = std::nullopt;
    return Status::Ok();
  }
  std::vector<CalendarItem> items;
  while (true) {
    if (static_cast<int>(items.size()) >= kMaxItems)
      return Err(StatusCode::kTooMany, "more than 241 items in one list");
    CalendarItem item;
    if (Status s = ParseItem(c, usec, &item); !s.ok()) return s;
    items.push_back(item);
    if (c.at() != ',') break;
    ++c.i;
  }
  *out = std::move(items);
  return Status::Ok();
}

Status ParseWeekdays(Cursor& c, int* bits) {
  // Each day's full name, then its abbreviation, Monday (0 here) first.
  static constexpr auto kDays = [] {
    struct Day {
      std::string_view name;
      int nr;
    };
    std::array<Day, 14> days{};
    for (size_t nr = 0; nr < 7; ++nr) {
      const size_t wday = (nr + 1) % 7;
      days[2 * nr] = {kWeekdayNames[wday], static_cast<int>(nr)};
      days[2 * nr + 1] = {WeekdayAbbr(static_cast<int>(wday)), static_cast<int>(nr)};
    }
    return days;
  }();
  int range_from = -1;
  bool first = true;
  int mask = 0;
  while (true) {
    int nr = -1;
    for (const auto& d : kDays) {
      if (!StartsWithIgnoreCase(c.s.substr(c.i), d.name)) continue;
      if (!OneOf(c.at(d.name.size()), std::string_view("\0-., ", 5)))
        return Inval("unknown word starting with a weekday name");
      nr = d.nr;
      mask |= 1 << nr;
      if (range_from >= 0) {
        if (range_from > nr) return Inval("weekday ranges cannot wrap around");
        for (int j = range_from + 1; j < nr; ++j) mask |= 1 << j;
      }
      c.i += d.name.size();
      break;
    }
    if (nr < 0) {
      if (first) return Status::Ok();  // no weekday part
      return Inval("expected a weekday name");
    }
    *bits = mask;
    if (c.end()) return Status::Ok();
    if (c.at() == ' ') {
      c.SkipSpaces();
      return Status::Ok();
    }
    if (c.at() == '.') {
      if (range_from >= 0) return Inval("a weekday range cannot continue");
      if (c.at(1) != '.') return Inval("expected '..' in a weekday range");
      range_from = nr;
      c.i += 2;
    } else if (c.at() == '-') {
      if (range_from >= 0) return Inval("a weekday range cannot continue");
      range_from = nr;
      c.i += 1;
    } else if (c.at() == ',') {
      range_from = -1;
      c.i += 1;
    }
    if (c.end() || c.at() == ' ') {
      c.SkipSpaces();
      if (range_from >= 0) return Inval("open weekday range");
      return Status::Ok();
    }
    first = false;
  }
}

std::vector<CalendarItem> Single(int v) { return {CalendarItem{v, -1, 0}}; }

// `@SECONDS`: one instant, broken down in UTC.
Status ParseEpoch(Cursor& c, CalendarSpec* spec) {
  std::string_view rest = c.s.substr(c.i + 1);
  size_t k = 0;
  while (k < rest.size() && (rest[k] == ' ' || (rest[k] >= '\t' && rest[k] <= '\r'))) ++k;
  bool negative = false;
  if (k < rest.size() && (rest[k] == '+' || rest[k] == '-')) {
    negative = rest[k] == '-';
    ++k;
  }
  if (k >= rest.size()) return Inval("expected seconds after '@'");
  uint64_t value = 0;
  for (; k < rest.size(); ++k) {
    if (!IsAsciiDigit(rest[k])) return Inval("expected seconds after '@'");
    uint64_t d = static_cast<uint64_t>(rest[k] - '0');
    if (value > (UINT64_MAX - d) / 10) return Err(StatusCode::kOutOfRange, "number too large");
    value = value * 10 + d;
  }
  if (negative) value = 0 - value;  // strtoul wraps a negated value
  auto secs = static_cast<int64_t>(value);
  // gmtime_r fails once the year no longer fits an int.
  constexpr int64_t kSecsPerYearMax = 31622400;
  if (secs / kSecsPerYearMax > static_cast<int64_t>(INT_MAX) ||
      secs / kSecsPerYearMax < -static_cast<int64_t>(INT_MAX))
    return Err(StatusCode::kOutOfRange, "timestamp out of range");
  WallFields w = UtcWall(secs);
  if (w.year > INT_MAX || w.year < INT_MIN + 1900)
    return Err(StatusCode::kOutOfRange, "timestamp out of range");
  spec->year = Single(static_cast<int>(w.year));
  spec->month = Single(w.month);
  spec->day = Single(w.day);
  spec->hour = Single(w.hour);
  spec->minute = Single(w.minute);
  spec->seconds_us = Single(w.second * kUsecPerSec);
  spec->utc = true;
  c.i = c.s.size();
  return Status::Ok();
}

// Returns true if the date part was the `@` form (no time part follows).
Result<bool> ParseDate(Cursor& c, CalendarSpec* spec) {
  if (c.end()) return false;
  if (c.at() == '@') {
    if (Status s = ParseEpoch(c, spec); !s.ok()) return s;
    return true;
  }
  Cursor t = c;
  CalendarComponent first, second, third;
  if (Status s = ParseComponent(t, false, &first); !s.ok()) return s;
  if (t.end() || t.at() == ':') return false;  // it was a time
  if (t.at() == '~') {
    spec->end_of_month = true;
  } else if (t.at() != '-') {
    return Status(Inval("expected '-' or '~' in the date"));
  }
  ++t.i;
  if (Status s = ParseComponent(t, false, &second); !s.ok()) return s;
  if (t.end() || t.at() == ' ') {
    t.SkipSpaces();
    c = t;
    spec->month = std::move(first);
    spec->day = std::move(second);
    return false;
  }
  if (spec->end_of_month) return Status(Inval("'~' must separate month and day"));
  if (t.at() == '~') {
    spec->end_of_month = true;
  } else if (t.at() != '-') {
    return Status(Inval("expected '-' or '~' in the date"));
  }
  ++t.i;
  if (Status s = ParseComponent(t, false, &third); !s.ok()) return s;
  if (!(t.end() || t.at() == ' ')) return Status(Inval("unexpected character after the date"));
  t.SkipSpaces();
  c = t;
  spec->year = std::move(first);
  spec->month = std::move(second);
  spec->day = std::move(third);
  return false;
}

Status ParseTime(Cursor& c, CalendarSpec* spec) {
  if (c.end()) {
    spec->hour = Single(0);
    spec->minute = Single(0);
    spec->seconds_us = Single(0);
    return Status::Ok();
  }
  CalendarComponent h, m, s;
  if (Status st = ParseComponent(c, false, &h); !st.ok()) return st;
  if (c.at() != ':') return Inval("expected ':' in the time");
  ++c.i;
  if (Status st = ParseComponent(c, false, &m); !st.ok()) return st;
  if (c.end()) {
    s = Single(0);
  } else {
    if (c.at() != ':') return Inval("unexpected character in the time");
    ++c.i;
    if (Status st = ParseComponent(c, true, &s); !st.ok()) return st;
    if (!c.end()) return Inval("unexpected text after the time");
  }
  spec->hour = std::move(h);
  spec->minute = std::move(m);
  spec->seconds_us = std::move(*s);
  return Status::Ok();
}

void FixYear(CalendarComponent& year) {
  if (!year) return;
  for (auto& it : *year) {
    if (it.start >= 0 && it.start < 70) it.start += 2000;
    if (it.stop >= 0 && it.stop < 70) it.stop += 2000;
    if (it.start >= 70 && it.start < 100) it.start += 1900;
    if (it.stop >= 70 && it.stop < 100) it.stop += 1900;
  }
}

void NormalizeItems(std::vector<CalendarItem>& items) {
  for (auto& it : items) {
    if (it.stop > it.start && it.repeat > 0) it.stop -= (it.stop - it.start) % it.repeat;
    if ((it.stop > it.start && it.start + it.repeat > it.stop) || it.start == it.stop) {
      it.repeat = 0;
      it.stop = -1;
    }
  }
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.stop != b.stop) return a.stop < b.stop;
    return a.repeat < b.repeat;
  });
  items.erase(std::unique(items.begin(), items.end()), items.end());
}

void Normalize(CalendarSpec& spec) {
  if (spec.zone == "UTC") {
    spec.utc = true;
    spec.zone.clear();
  }
  if (spec.weekdays <= 0 || spec.weekdays >= kWeekdayAll) spec.weekdays = -1;
  if (spec.end_of_month && !spec.day) spec.end_of_month = false;
  FixYear(spec.year);
  for (CalendarComponent* comp : {&spec.year, &spec.month, &spec.day, &spec.hour, &spec.minute})
    if (*comp) NormalizeItems(**comp);
  NormalizeItems(spec.seconds_us);
}

bool ItemsValid(const std::vector<CalendarItem>& items, int from, int to, bool end_of_month) {
  for (const auto& it : items) {
    // systemd lowers the bound by 3 for every further `~` item, cumulatively.
    if (end_of_month) to -= 3;
    if (it.start < from || it.start > to) return false;
    if (it.repeat > to - from) return false;
    if (it.stop >= 0) {
      if (it.stop < from || it.stop > to) return false;
      if (it.start + it.repeat > it.stop) return false;
    } else {
      if (end_of_month && it.start - it.repeat < from) return false;
      if (!end_of_month && it.start + it.repeat > to) return false;
    }
  }
  return true;
}

bool Valid(const CalendarSpec& spec) {
  auto ok = [](const CalendarComponent& comp, int from, int to, bool eom) {
    return !comp || ItemsValid(*comp, from, to, eom);
  };
  return ok(spec.year, kMinYear, kMaxYear, false) && ok(spec.month, 1, 12, false) &&
         ok(spec.day, 1, 31, spec.end_of_month) && ok(spec.hour, 0, 23, false) &&
         ok(spec.minute, 0, 59, false) &&
         ItemsValid(spec.seconds_us, 0, 60 * kUsecPerSec - 1, false);
}

struct Shorthand {
  std::string_view word;
  const char* expansion;
};
constexpr Shorthand kShorthands[] = {
    {"minutely", "*-*-* *:*:00"},
    {"hourly", "*-*-* *:00:00"},
    {"daily", "*-*-* 00:00:00"},
    {"monthly", "*-*-01 00:00:00"},
    {"weekly", "Mon *-*-* 00:00:00"},
    {"yearly", "*-01-01 00:00:00"},
    {"annually", "*-01-01 00:00:00"},
    {"anually", "*-01-01 00:00:00"},
    {"quarterly", "*-01,04,07,10-01 00:00:00"},
    {"semiannually", "*-01,07-01 00:00:00"},
    {"semi-annually", "*-01,07-01 00:00:00"},
    {"biannually", "*-01,07-01 00:00:00"},
    {"bi-annually", "*-01,07-01 00:00:00"},
};

Status ParseBody(std::string_view body, CalendarSpec* spec) {
  for (const auto& sh : kShorthands) {
    if (EqualsIgnoreCase(body, sh.word)) {
      Cursor c{sh.expansion};
      if (Status s = ParseWeekdays(c, &spec->weekdays); !s.ok()) return s;
      auto date = ParseDate(c, spec);
      if (!date.ok()) return date.status();
      return ParseTime(c, spec);
    }
  }
  Cursor c{body};
  if (Status s = ParseWeekdays(c, &spec->weekdays); !s.ok()) return s;
  auto date = ParseDate(c, spec);
  if (!date.ok()) return date.status();
  if (!*date) {
    if (Status s = ParseTime(c, spec); !s.ok()) return s;
  }
  if (!c.end()) return Inval("unexpected text");
  return Status::Ok();
}

}  // namespace

Result<CalendarSpec> ParseCalendarSpec(std::string_view text, const CalendarParseContext& ctx) {
  if (text.find('\0') != std::string_view::npos)
    return Status(Inval("the specification contains a NUL byte"));
  CalendarSpec spec;
  std::string_view body = text;
  if (ctx.mktime && !EndsWithIgnoreCase(body, " UTC")) ctx.mktime->Tzset();
  if (body.empty()) return Status(Inval("empty specification"));
  if (EndsWithIgnoreCase(body, " UTC")) {
    spec.utc = true;
    body.remove_suffix(4);
  } else {
    int which = -1;
    for (int j = 0; j <= 1 && which < 0; ++j) {
      const std::string& name = ctx.tzname[j];
      if (name.empty() || !EndsWithIgnoreCase(body, name)) continue;
      size_t at = body.size() - name.size();
      if (at == 0 || body[at - 1] != ' ') continue;
      which = j;
      body = body.substr(0, at - 1);
    }
    if (which >= 0) {
      spec.local_dst = which;
    } else if (size_t sp = body.rfind(' '); sp != std::string_view::npos) {
      std::string_view name = body.substr(sp + 1);
      if (ctx.zones->IsValidName(name)) {
        spec.zone = std::string(name);
        body = body.substr(0, sp);
      }
    }
  }
  if (body.empty()) return Status(Inval("empty specification"));
  if (Status s = ParseBody(body, &spec); !s.ok()) return s;
  Normalize(spec);
  if (!Valid(spec)) return Status(Inval("a value is outside its field's range"));
  return spec;
}

namespace {

void AppendNumber(std::string& out, int width, int v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*d", width, v);
  out += buf;
}

void AppendFraction(std::string& out, int v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%06d", v);
  out += buf;
}

void FormatItems(std::string& out, int width, const CalendarComponent& comp, bool usec) {
  if (!comp) {
    out += '*';
    return;
  }
  const int d = usec ? kUsecPerSec : 1;
  if (usec) {
    for (const auto& it : *comp)
      if (it.start == 0 && it.stop < 0 && it.repeat == kUsecPerSec) {
        out += '*';
        return;
      }
  }
  bool first = true;
  for (const auto& it : *comp) {
    if (!first) out += ',';
    first = false;
    AppendNumber(out, width, it.start / d);
    if (it.start % d > 0) AppendFraction(out, it.start % d);
    if (it.stop > 0) {
      out += "..";
      AppendNumber(out, width, it.stop / d);
    }
    if (it.stop > 0 && it.stop % d > 0) AppendFraction(out, it.stop % d);
    if (it.repeat > 0 && !(it.stop > 0 && it.repeat == d)) {
      out += '/';
      out += std::to_string(it.repeat / d);
    }
    if (it.repeat % d > 0) AppendFraction(out, it.repeat % d);
  }
}

void FormatWeekdays(std::string& out, int bits) {
  // Monday is 0 here.
  auto name = [](int nr) { return WeekdayAbbr((nr + 1) % 7); };
  int run_start = -1;
  bool need_comma = false;
  int x = 0;
  auto close_run = [&](int end) {
    if (end > run_start + 1) {
      out += end > run_start + 2 ? ".." : ",";
      out += name(end - 1);
    }
  };
  for (; x < 7; ++x) {
    if (bits & (1 << x)) {
      if (run_start < 0) {
        if (need_comma) out += ',';
        need_comma = true;
        out += name(x);
        run_start = x;
      }
    } else if (run_start >= 0) {
      close_run(x);
      run_start = -1;
    }
  }
  if (run_start >= 0) close_run(x);
}

}  // namespace

std::string FormatCalendarSpec(const CalendarSpec& spec, const CalendarParseContext& ctx) {
  std::string out;
  if (spec.weekdays > 0 && spec.weekdays <= kWeekdayAll) {
    FormatWeekdays(out, spec.weekdays);
    out += ' ';
  }
  FormatItems(out, 4, spec.year, false);
  out += '-';
  FormatItems(out, 2, spec.month, false);
  out += spec.end_of_month ? '~' : '-';
  FormatItems(out, 2, spec.day, false);
  out += ' ';
  FormatItems(out, 2, spec.hour, false);
  out += ':';
  FormatItems(out, 2, spec.minute, false);
  out += ':';
  FormatItems(out, 2, spec.seconds_us, true);
  if (spec.utc) {
    out += " UTC";
  } else if (!spec.zone.empty()) {
    out += ' ';
    out += spec.zone;
  } else if (spec.local_dst == 0 || spec.local_dst == 1) {
    const std::string& name = ctx.tzname[spec.local_dst];
    if (!name.empty()) {
      out += ' ';
      out += name;
    }
  }
  return out;
}

}  // namespace surety
