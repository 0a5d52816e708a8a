#include "time/posix_tz.h"

#include <algorithm>

namespace surety {

namespace {

constexpr int64_t kSecsPerDay = 86400;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// isspace() in the C locale, which is what sscanf skips before a number.
bool IsCSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Days from 1970-01-01 to January 1 of `year` (proleptic Gregorian).
int64_t DaysToYear(int64_t year) {
  const int64_t y = year - 1;
  const int64_t leaps = FloorDiv(y, 4) - FloorDiv(y, 100) + FloorDiv(y, 400);
  constexpr int64_t kLeapsBefore1970 = 477;
  return (year - 1970) * 365 + (leaps - kLeapsBefore1970);
}

// The UTC year of an instant.
int64_t UtcYear(int64_t unix_seconds) {
  const int64_t days = FloorDiv(unix_seconds, kSecsPerDay);
  // A first guess from the mean year length, corrected by at most one.
  int64_t year = 1970 + FloorDiv(days * 400, 146097);
  while (DaysToYear(year) > days) --year;
  while (DaysToYear(year + 1) <= days) ++year;
  return year;
}

// The text as a C string: reading past the end yields '\0'.
struct Text {
  std::string_view s;
  char at(size_t i) const { return i < s.size() ? s[i] : '\0'; }
};

// One sscanf("%hu") conversion at position i: blanks skipped, an optional
// sign, then digits, read as strtoul() reads them (a minus negates modulo
// 2^64, an overflow gives ULONG_MAX) and cut to 16 bits. On success moves i
// past the digits.
bool ScanUShort(const Text& t, size_t& i, int& out) {
  size_t k = i;
  while (IsCSpace(t.at(k))) ++k;
  bool negative = false;
  if (t.at(k) == '+' || t.at(k) == '-') {
    negative = t.at(k) == '-';
    ++k;
  }
  if (!IsDigit(t.at(k))) return false;
  uint64_t value = 0;
  bool overflow = false;
  for (; IsDigit(t.at(k)); ++k) {
    const auto d = static_cast<uint64_t>(t.at(k) - '0');
    if (value > (UINT64_MAX - d) / 10) overflow = true;
    value = value * 10 + d;
  }
  if (overflow) {
    value = UINT64_MAX;
  } else if (negative) {
    value = 0 - value;
  }
  out = static_cast<int>(static_cast<uint16_t>(value));
  i = k;
  return true;
}

// sscanf(s, "%hu%n:%hu%n:%hu%n", ...): up to three numbers separated by
// colons; fields not read keep their values. Returns whether the first was
// read; `end` is just past the last number read.
bool ScanHms(const Text& t, size_t start, int& hh, int& mm, int& ss, size_t& end) {
  size_t k = start;
  if (!ScanUShort(t, k, hh)) return false;
  end = k;
  if (t.at(k) != ':') return true;
  ++k;
  if (!ScanUShort(t, k, mm)) return true;
  end = k;
  if (t.at(k) != ':') return true;
  ++k;
  if (!ScanUShort(t, k, ss)) return true;
  end = k;
  return true;
}

// glibc's parse_tzname(): three or more letters, or <...> around three or
// more of [A-Za-z0-9+-].
bool ParseName(const Text& t, size_t& i, std::string& name) {
  size_t p = i;
  while (IsLetter(t.at(p))) ++p;
  size_t start = i, len = p - i;
  if (len < 3) {
    p = i;
    if (t.at(p) != '<') return false;
    start = ++p;
    while (IsLetter(t.at(p)) || IsDigit(t.at(p)) || t.at(p) == '+' || t.at(p) == '-') ++p;
    len = p - start;
    if (t.at(p) != '>' || len < 3) return false;
    ++p;
  }
  name = std::string(t.s.substr(start, len));
  i = p;
  return true;
}

// glibc's parse_offset(). POSIX writes offsets west of UTC ("EST5"); glibc
// stores them east. Hours above 24 and minutes or seconds above 59 are
// clamped.
bool ParseOffset(const Text& t, size_t& i, int which, PosixTz& tz) {
  const char c = t.at(i);
  if (which == 0 && (c == '\0' || (c != '+' && c != '-' && !IsDigit(c)))) return false;
  int sign = -1;
  if (c == '+' || c == '-') {
    sign = c == '-' ? 1 : -1;
    ++i;
  }
  int hh = 0, mm = 0, ss = 0;
  size_t end = i;
  if (ScanHms(t, i, hh, mm, ss, end)) {
    const int32_t value = std::min(ss, 59) + std::min(mm, 59) * 60 + std::min(hh, 24) * 3600;
    tz.offset[which] = sign * value;
  } else if (which == 0) {
    tz.offset[0] = 0;
    return false;
  } else {
    tz.offset[1] = tz.offset[0] + 3600;  // daylight defaults to an hour ahead
  }
  i = end;
  return true;
}

// glibc's parse_rule(). Fields read before a failure stay in the rule.
bool ParseRule(const Text& t, size_t& i, int which, PosixTz& tz) {
  PosixTzRule& rule = tz.rule[which];
  size_t k = i;
  if (t.at(k) == ',') ++k;
  const char c = t.at(k);
  if (c == 'J' || IsDigit(c)) {
    rule.kind = c == 'J' ? PosixTzRule::Day::kJulian : PosixTzRule::Day::kZeroBased;
    if (c == 'J' && !IsDigit(t.at(++k))) return false;
    uint64_t d = 0;
    for (; IsDigit(t.at(k)); ++k) {
      d = d * 10 + static_cast<uint64_t>(t.at(k) - '0');
      if (d > 365) d = 366;  // strtoul's value only matters up to "too large"
    }
    if (d > 365) return false;
    if (rule.kind == PosixTzRule::Day::kJulian && d == 0) return false;
    rule.day = static_cast<int>(d);
  } else if (c == 'M') {
    rule.kind = PosixTzRule::Day::kMonthWeekDay;
    size_t p = k + 1;
    int read = 0;
    if (ScanUShort(t, p, rule.month)) {
      read = 1;
      if (t.at(p) == '.' && ScanUShort(t, ++p, rule.week)) {
        read = 2;
        if (t.at(p) == '.' && ScanUShort(t, ++p, rule.day)) read = 3;
      }
    }
    if (read != 3 || rule.month < 1 || rule.month > 12 || rule.week < 1 || rule.week > 5 ||
        rule.day > 6)
      return false;
    k = p;
  } else if (c == '\0') {
    // The US rules of 2007, glibc's default.
    rule.kind = PosixTzRule::Day::kMonthWeekDay;
    rule.month = which == 0 ? 3 : 11;
    rule.week = which == 0 ? 2 : 1;
    rule.day = 0;
  } else {
    return false;
  }
  if (t.at(k) != '\0' && t.at(k) != '/' && t.at(k) != ',') return false;
  if (t.at(k) == '/') {
    ++k;
    if (t.at(k) == '\0') return false;
    const bool negative = t.at(k) == '-';
    if (negative) ++k;
    int hh = 2, mm = 0, ss = 0;
    size_t end = k;
    ScanHms(t, k, hh, mm, ss, end);
    k = end;
    rule.secs = (negative ? -1 : 1) * (hh * 3600 + mm * 60 + ss);
  } else {
    rule.secs = 2 * 3600;
  }
  i = k;
  return true;
}

// glibc's __mon_yday: days before each month, common year then leap year,
// laid out as one array because glibc indexes it as one (month - 1 and
// month). An index outside it, possible only for a rule whose month failed
// to parse, reads memory glibc does not define; surety reads 0.
constexpr int kMonYday[26] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365,
                              0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366};
int MonYday(int64_t index) { return index >= 0 && index < 26 ? kMonYday[index] : 0; }

}  // namespace

PosixTz ParsePosixTz(std::string_view text) {
  PosixTz tz;
  const Text t{text};
  size_t i = 0;
  if (!ParseName(t, i, tz.name[0]) || !ParseOffset(t, i, 0, tz)) return tz;
  if (t.at(i) == '\0') {
    tz.name[1] = tz.name[0];
    tz.offset[1] = tz.offset[0];
    return tz;
  }
  if (ParseName(t, i, tz.name[1])) {
    ParseOffset(t, i, 1, tz);
    if (t.at(i) == '\0' || (t.at(i) == ',' && t.at(i + 1) == '\0')) tz.wants_default_rules = true;
  }
  if (ParseRule(t, i, 0, tz)) ParseRule(t, i, 1, tz);
  return tz;
}

int64_t PosixTzChange(const PosixTz& tz, int which, int64_t year) {
  const PosixTzRule& rule = tz.rule[which];
  // glibc counts from January 1 of the year, or from 1970 for any year up to
  // 1970.
  int64_t t = year > 1970 ? DaysToYear(year) * kSecsPerDay : 0;
  const bool leap = IsLeap(year);
  switch (rule.kind) {
    case PosixTzRule::Day::kJulian:
      t += (rule.day - 1) * kSecsPerDay;
      if (rule.day >= 60 && leap) t += kSecsPerDay;
      break;
    case PosixTzRule::Day::kZeroBased:
      t += rule.day * kSecsPerDay;
      break;
    case PosixTzRule::Day::kMonthWeekDay: {
      const int64_t base = (leap ? 13 : 0) + rule.month;
      const int before = MonYday(base - 1);
      const int days_in_month = MonYday(base) - before;
      t += before * kSecsPerDay;
      // Zeller's congruence for the weekday of the month's first day, in C's
      // truncating arithmetic as glibc computes it.
      const int64_t m1 = (rule.month + 9) % 12 + 1;
      const int64_t yy0 = rule.month <= 2 ? year - 1 : year;
      const int64_t yy1 = yy0 / 100, yy2 = yy0 % 100;
      int64_t dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
      if (dow < 0) dow += 7;
      int64_t d = rule.day - dow;
      if (d < 0) d += 7;
      for (int w = 1; w < rule.week; ++w) {
        if (d + 7 >= days_in_month) break;
        d += 7;
      }
      t += d * kSecsPerDay;
      break;
    }
  }
  return t - tz.offset[which] + rule.secs;
}

int64_t UtcYearOf(int64_t unix_seconds) { return UtcYear(unix_seconds); }

int64_t UtcYearStart(int64_t year) { return DaysToYear(year) * kSecsPerDay; }

bool PosixTzIsDaylight(const PosixTz& tz, int64_t unix_seconds) {
  const int64_t year = UtcYear(unix_seconds);
  const int64_t start = PosixTzChange(tz, 0, year);
  const int64_t end = PosixTzChange(tz, 1, year);
  // Southern hemisphere: daylight time spans the new year.
  if (start > end) return unix_seconds < end || unix_seconds >= start;
  return unix_seconds >= start && unix_seconds < end;
}

}  // namespace surety
