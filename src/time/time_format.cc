#include "time/time_format.h"

#include <chrono>
#include <cstdio>

#include "time/civil_names.h"

namespace surety {

namespace {

void AppendNumber(std::string& out, long long value, int width, char pad) {
  char buf[32];
  if (pad == '0') {
    std::snprintf(buf, sizeof buf, "%0*lld", width, value);
  } else {
    std::snprintf(buf, sizeof buf, "%*lld", width, value);
  }
  out += buf;
}

int64_t FloorSeconds(Instant when) {
  return std::chrono::floor<std::chrono::seconds>(when).time_since_epoch().count();
}

}  // namespace

std::string ExpandTimeFormat(const std::string& pattern, Instant when, const Zone& zone) {
  const int64_t secs = FloorSeconds(when);
  const WallFields w = zone.ToWall(secs);
  const int mon = (w.month >= 1 && w.month <= 12) ? w.month - 1 : 0;
  const int wday = (w.weekday >= 0 && w.weekday <= 6) ? w.weekday : 0;
  const auto year = static_cast<long long>(w.year);

  std::string out;
  out.reserve(pattern.size() + 16);
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c != '%' || i + 1 == pattern.size()) {
      out += c;
      continue;
    }
    char conv = pattern[++i];
    switch (conv) {
      case 'Y':
        AppendNumber(out, year, 1, '0');
        break;
      case 'y': {
        long long yy = year % 100;
        if (yy < 0) yy += 100;
        AppendNumber(out, yy, 2, '0');
        break;
      }
      case 'm':
        AppendNumber(out, w.month, 2, '0');
        break;
      case 'd':
        AppendNumber(out, w.day, 2, '0');
        break;
      case 'e':
        AppendNumber(out, w.day, 2, ' ');
        break;
      case 'H':
        AppendNumber(out, w.hour, 2, '0');
        break;
      case 'M':
        AppendNumber(out, w.minute, 2, '0');
        break;
      case 'S':
        AppendNumber(out, w.second, 2, '0');
        break;
      case 'j':
        AppendNumber(out, w.yearday + 1, 3, '0');
        break;
      case 'a':
        out += WeekdayAbbr(wday);
        break;
      case 'A':
        out += kWeekdayNames[static_cast<size_t>(wday)];
        break;
      case 'b':
      case 'h':
        out += MonthAbbr(mon + 1);
        break;
      case 'B':
        out += MonthName(mon + 1);
        break;
      case 'F':  // glibc: %+4Y-%m-%d
        AppendNumber(out, year, 4, '0');
        out += '-';
        AppendNumber(out, w.month, 2, '0');
        out += '-';
        AppendNumber(out, w.day, 2, '0');
        break;
      case 'T':
        AppendNumber(out, w.hour, 2, '0');
        out += ':';
        AppendNumber(out, w.minute, 2, '0');
        out += ':';
        AppendNumber(out, w.second, 2, '0');
        break;
      case 's':
        AppendNumber(out, static_cast<long long>(secs), 1, '0');
        break;
      case 'Z':
        out += w.abbr ? w.abbr : "";
        break;
      case 'z': {
        int64_t off = w.gmtoff;
        out += off < 0 ? '-' : '+';
        if (off < 0) off = -off;
        AppendNumber(out, static_cast<long long>(off / 3600), 2, '0');
        AppendNumber(out, static_cast<long long>(off / 60 % 60), 2, '0');
        break;
      }
      case '%':
        out += '%';
        break;
      default:  // not ours: left as written
        out += '%';
        out += conv;
        break;
    }
  }
  return out;
}

}  // namespace surety
