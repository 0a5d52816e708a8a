#include "time/timespan.h"

#include <cstdio>

#include "base/strings.h"

namespace surety {

namespace {

constexpr uint64_t kSec = 1000000;
constexpr uint64_t kMinute = 60 * kSec;
constexpr uint64_t kHour = 60 * kMinute;
constexpr uint64_t kDay = 24 * kHour;
constexpr uint64_t kWeek = 7 * kDay;
constexpr uint64_t kMonth = 2629800 * kSec;
constexpr uint64_t kYear = 31557600 * kSec;
constexpr uint64_t kInf = Timespan::kInfinity;

struct Unit {
  std::string_view suffix;
  uint64_t usec;
};

// Matched in this order; the first prefix that fits wins ("5mon" reads "m").
constexpr Unit kParseUnits[] = {
    {"seconds", kSec},    {"second", kSec},    {"sec", kSec},    {"s", kSec},
    {"minutes", kMinute}, {"minute", kMinute}, {"min", kMinute}, {"months", kMonth},
    {"month", kMonth},    {"M", kMonth},       {"msec", 1000},   {"ms", 1000},
    {"m", kMinute},       {"hours", kHour},    {"hour", kHour},  {"hr", kHour},
    {"h", kHour},         {"days", kDay},      {"day", kDay},    {"d", kDay},
    {"weeks", kWeek},     {"week", kWeek},     {"w", kWeek},     {"years", kYear},
    {"year", kYear},      {"y", kYear},        {"usec", 1},      {"us", 1},
    {"\xce\xbcs", 1},     {"\xc2\xb5s", 1},
};

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

Status Inval(const char* what) { return Status::Invalid(what); }
Status Range(const char* what) { return Status::Error(StatusCode::kOutOfRange, what); }

}  // namespace

Result<Timespan> ParseTimespan(std::string_view text) { return ParseTimespanWithUnit(text, kSec); }

Result<Timespan> ParseTimespanWithUnit(std::string_view text, uint64_t default_unit) {
  if (text.find('\0') != std::string_view::npos) return Status(Inval("contains a NUL byte"));
  size_t p = 0;
  auto at = [&](size_t i) { return i < text.size() ? text[i] : '\0'; };
  auto skip_blanks = [&](size_t i) {
    while (IsBlank(at(i))) ++i;
    return i;
  };
  p = skip_blanks(p);
  if (text.substr(p).starts_with("infinity")) {
    size_t s = skip_blanks(p + 8);
    if (s != text.size()) return Status(Inval("unexpected text after 'infinity'"));
    return Timespan{kInf};
  }
  uint64_t total = 0;
  bool something = false;
  while (true) {
    uint64_t multiplier = default_unit;
    p = skip_blanks(p);
    if (p >= text.size()) {
      if (!something) return Status(Inval("empty time span"));
      break;
    }
    if (at(p) == '-') return Status(Range("negative time span"));
    // strtoll: optional '+', digits.
    size_t e = p;
    if (at(e) == '+') ++e;
    size_t digits_start = e;
    uint64_t whole = 0;
    bool overflow = false;
    while (IsAsciiDigit(at(e))) {
      uint64_t d = static_cast<uint64_t>(at(e) - '0');
      if (whole > (static_cast<uint64_t>(INT64_MAX) - d) / 10) overflow = true;
      whole = whole * 10 + d;
      ++e;
    }
    if (overflow) return Status(Range("number too large"));
    const bool have_digits = e > digits_start;
    if (!have_digits) e = p;  // strtoll consumed nothing
    const size_t dot = e;
    if (at(e) == '.') {
      p = e + 1;
      while (IsAsciiDigit(at(p))) ++p;
    } else if (!have_digits) {
      return Status(Inval("expected a number"));
    } else {
      p = e;
    }
    size_t unit_at = skip_blanks(p);
    size_t s = unit_at;
    for (const auto& u : kParseUnits) {
      if (text.substr(unit_at).starts_with(u.suffix)) {
        multiplier = u.usec;
        s = unit_at + u.suffix.size();
        break;
      }
    }
    // systemd compares the unit position with p before skipping blanks.
    if (s == p && at(s) != '\0') return Status(Inval("unknown unit"));
    p = s;
    if (whole >= kInf / multiplier) return Status(Range("time span too large"));
    uint64_t k = whole * multiplier;
    if (k >= kInf - total) return Status(Range("time span too large"));
    total += k;
    something = true;
    if (at(dot) == '.') {
      uint64_t m = multiplier / 10;
      size_t b = dot + 1;
      for (; IsAsciiDigit(at(b)); ++b, m /= 10) {
        k = static_cast<uint64_t>(at(b) - '0') * m;
        if (k >= kInf - total) return Status(Range("time span too large"));
        total += k;
      }
      if (b == dot + 1) return Status(Inval("expected digits after '.'"));
    }
  }
  return Timespan{total};
}

std::string FormatTimespan(Timespan span, uint64_t accuracy) {
  static constexpr Unit kUnits[] = {{"y", kYear}, {"month", kMonth}, {"w", kWeek},
                                    {"d", kDay},  {"h", kHour},      {"min", kMinute},
                                    {"s", kSec},  {"ms", 1000},      {"us", 1}};
  if (span.usec == kInf) return "infinity";
  if (span.usec == 0) return "0";
  uint64_t t = span.usec;
  std::string out;
  bool something = false;
  for (const auto& u : kUnits) {
    if (t == 0) break;
    if (t < accuracy && something) break;
    if (t < u.usec) continue;
    uint64_t a = t / u.usec, b = t % u.usec;
    bool done = false;
    char buf[80];
    if (t < kMinute && b > 0) {
      int j = 0;
      for (uint64_t cc = u.usec; cc > 1; cc /= 10) ++j;
      for (uint64_t cc = accuracy; cc > 1; cc /= 10) {
        b /= 10;
        --j;
      }
      if (j > 0) {
        std::string frac = std::to_string(b);
        if (frac.size() < static_cast<size_t>(j))
          frac.insert(0, static_cast<size_t>(j) - frac.size(), '0');
        out += (out.empty() ? "" : " ") + std::to_string(a) + "." + frac + std::string(u.suffix);
        t = 0;
        done = true;
      }
    }
    if (!done) {
      std::snprintf(buf, sizeof buf, "%s%llu%s", out.empty() ? "" : " ",
                    static_cast<unsigned long long>(a), std::string(u.suffix).c_str());
      out += buf;
      t = b;
    }
    something = true;
  }
  return out;
}

Micros SpanMicros(Timespan span) {
  const auto max = static_cast<uint64_t>(kMaxSpan.count());
  return span.usec >= max ? kMaxSpan : Micros{static_cast<int64_t>(span.usec)};
}

}  // namespace surety
