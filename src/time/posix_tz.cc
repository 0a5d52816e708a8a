#include "time/posix_tz.h"

#include <algorithm>
#include <cstring>
#include <optional>

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

// One TZif type record.
struct TzifType {
  int32_t offset = 0;
  bool isdst = false;
  bool isstd = false;
  bool isut = false;
};

struct Tzif {
  std::vector<int64_t> transitions;
  std::vector<uint8_t> type_of;  // per transition
  std::vector<TzifType> types;
  std::optional<std::string> footer;
};

int64_t BigEndian(std::string_view b, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t k = 0; k < width; ++k) v = (v << 8) | static_cast<unsigned char>(b[at + k]);
  if (width == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

// Reads a TZif file as glibc's __tzfile_read() does: the 64-bit block of a
// version 2+ file with its footer, else the 32-bit block. nullopt where glibc
// gives up.
std::optional<Tzif> ReadTzif(std::string_view b) {
  constexpr size_t kHeader = 44;
  size_t pos = 0;
  size_t width = 4;
  while (true) {
    if (b.size() - pos < kHeader || b.substr(pos, 4) != "TZif") return std::nullopt;
    const char version = b[pos + 4];
    auto count = [&](size_t at) { return static_cast<size_t>(BigEndian(b, pos + at, 4)); };
    const size_t isut = count(20), isstd = count(24), leaps = count(28), times = count(32),
                 types = count(36), chars = count(40);
    if (isstd > types || isut > types) return std::nullopt;
    pos += kHeader;
    const size_t body =
        times * (width + 1) + types * 6 + chars + leaps * (width + 4) + isstd + isut;
    if (width == 4 && version != '\0') {
      if (b.size() - pos < body) return std::nullopt;
      pos += body;
      width = 8;
      continue;
    }
    if (b.size() - pos < body) return std::nullopt;
    Tzif z;
    for (size_t i = 0; i < times; ++i)
      z.transitions.push_back(BigEndian(b, pos + i * width, width));
    pos += times * width;
    for (size_t i = 0; i < times; ++i) {
      const auto idx = static_cast<uint8_t>(b[pos + i]);
      if (idx >= types) return std::nullopt;
      z.type_of.push_back(idx);
    }
    pos += times;
    for (size_t i = 0; i < types; ++i) {
      TzifType t;
      t.offset = static_cast<int32_t>(BigEndian(b, pos, 4));
      const auto isdst = static_cast<unsigned char>(b[pos + 4]);
      const auto abbr = static_cast<unsigned char>(b[pos + 5]);
      if (isdst > 1 || abbr > chars) return std::nullopt;
      t.isdst = isdst == 1;
      z.types.push_back(t);
      pos += 6;
    }
    pos += chars + leaps * (width + 4);
    for (size_t i = 0; i < isstd; ++i) z.types[i].isstd = b[pos + i] != 0;
    pos += isstd;
    for (size_t i = 0; i < isut; ++i) z.types[i].isut = b[pos + i] != 0;
    pos += isut;
    if (width == 8) {
      // glibc wants at least "\n" and one more byte; the last byte (the
      // closing newline) is never part of the rule.
      const size_t rest = b.size() - pos;
      if (rest < 2) return std::nullopt;
      if (b[pos] == '\n') {
        std::string footer(b.substr(pos + 1, rest - 2));
        // glibc reads it as a C string.
        footer.resize(std::strlen(footer.c_str()));
        if (!footer.empty()) z.footer = std::move(footer);
      }
    }
    return z;
  }
}

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

bool PosixTzIsDaylight(const PosixTz& tz, int64_t unix_seconds) {
  const int64_t year = UtcYear(unix_seconds);
  const int64_t start = PosixTzChange(tz, 0, year);
  const int64_t end = PosixTzChange(tz, 1, year);
  // Southern hemisphere: daylight time spans the new year.
  if (start > end) return unix_seconds < end || unix_seconds >= start;
  return unix_seconds >= start && unix_seconds < end;
}

GlibcRuleZone::GlibcRuleZone(PosixTz tz) : rule_(std::move(tz)) {
  tzname_[0] = rule_.name[0];
  tzname_[1] = rule_.name[1];
  utc_like_ = rule_.offset[0] == 0 && rule_.offset[1] == 0;
}

std::unique_ptr<GlibcRuleZone> GlibcRuleZone::WithDefaultRules(const PosixTz& tz,
                                                               std::string_view tzif,
                                                               int32_t rule_dstoff) {
  std::optional<Tzif> file = ReadTzif(tzif);
  if (!file || file->types.size() < 2) return nullptr;
  // The file's standard offset, from its latest standard-time transition
  // (glibc's rule_stdoff), and whether it has daylight time at all.
  int32_t file_std = file->types[0].offset;
  for (size_t i = file->transitions.size(); i-- > 0;) {
    const TzifType& type = file->types[file->type_of[i]];
    if (!type.isdst) {
      file_std = type.offset;
      break;
    }
  }
  bool file_has_dst = false;
  for (const TzifType& type : file->types) file_has_dst = file_has_dst || type.isdst;
  std::unique_ptr<GlibcRuleZone> z(new GlibcRuleZone());
  z->tzname_[0] = tz.name[0];
  z->tzname_[1] = tz.name[1];
  // glibc's `daylight` stays set by the file's daylight types.
  z->utc_like_ = tz.offset[0] == 0 && !file_has_dst;
  // Each transition is moved as glibc's __tzfile_default() moves it: one in
  // UT not at all; one in local wall time that follows daylight time by the
  // user's daylight offset less glibc's rule_dstoff; any other by the user's
  // standard offset less the file's. Debian's glibc 2.36 (with the fix of
  // glibc bug 29951) no longer derives rule_dstoff from a file with
  // transitions: it holds what the previous setup left — 0 at a process's
  // first, the user's daylight offset at every later one, where such a
  // transition therefore does not move. (Checked with TZ=CET-1CEST, Debian's
  // posixrules being New York: daylight time from 13:00 UTC on the US start
  // day, 07:00 + 6 h; standard time from 08:00 UTC on the US end day after
  // one tzset(), from 06:00 after two.)
  bool isdst = false;
  for (size_t i = 0; i < file->transitions.size(); ++i) {
    const TzifType& type = file->types[file->type_of[i]];
    int64_t at = file->transitions[i];
    if (type.isut) {
      // in UT already
    } else if (isdst && !type.isstd) {
      at += tz.offset[1] - rule_dstoff;
    } else {
      at += tz.offset[0] - file_std;
    }
    isdst = type.isdst;
    z->transitions_.push_back(Transition{at, type.isdst ? 1 : 0});
  }
  z->types_[0] = Answer{tz.offset[0], false, z->tzname_[0].c_str()};
  z->types_[1] = Answer{tz.offset[1], true, z->tzname_[1].c_str()};
  // Past the last transition glibc evaluates the file's footer, with the
  // footer's own offsets and names. (A footer that itself lacks rules would
  // make glibc reload the file mid-conversion; zic never writes one.)
  if (file->footer) {
    z->rule_ = ParsePosixTz(*file->footer);
  } else {
    z->has_rule_ = false;
  }
  return z;
}

GlibcRuleZone::Answer GlibcRuleZone::FromRule(const PosixTz& rule, int64_t unix_seconds) const {
  const int dst = PosixTzIsDaylight(rule, unix_seconds) ? 1 : 0;
  return Answer{rule.offset[dst], dst == 1, rule.name[dst].c_str()};
}

GlibcRuleZone::Answer GlibcRuleZone::At(int64_t unix_seconds) const {
  if (transitions_.empty()) return FromRule(rule_, unix_seconds);
  if (unix_seconds < transitions_.front().at) return types_[0];
  if (unix_seconds >= transitions_.back().at) {
    return has_rule_ ? FromRule(rule_, unix_seconds) : types_[transitions_.back().type];
  }
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), unix_seconds,
                             [](int64_t t, const Transition& tr) { return t < tr.at; });
  return types_[(it - 1)->type];
}

std::vector<int64_t> GlibcRuleZone::ChangesBetween(int64_t from, int64_t to) const {
  std::vector<int64_t> out;
  auto add = [&](int64_t t) {
    if (t > from && t <= to) out.push_back(t);
  };
  for (const Transition& tr : transitions_) add(tr.at);
  if (has_rule_) {
    for (int64_t year = UtcYear(from); year <= UtcYear(to); ++year) {
      const int64_t begin = DaysToYear(year) * kSecsPerDay;
      const int64_t end = DaysToYear(year + 1) * kSecsPerDay;
      add(begin);
      for (int which = 0; which < 2; ++which) {
        const int64_t c = PosixTzChange(rule_, which, year);
        if (c >= begin && c < end) add(c);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace surety
