#include "os/log.h"

#include <cstdio>
#include <ostream>
#include <string>

namespace surety {

namespace {

// UTC fields by arithmetic, not gmtime_r(): glibc's first gmtime_r() reads
// /etc/localtime (six system calls), which `surety run` has no other use for.
std::string Rfc3339Micros(Instant t) {
  const int64_t us = t.time_since_epoch().count();
  const int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  const int64_t frac = us - secs * 1000000;
  const int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const int64_t sod = secs - days * 86400;
  // Days since 1970-01-01 to a proleptic Gregorian date, counting in
  // 400-year eras that start on 0000-03-01 (so the leap day ends a year).
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;                                       // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // March = 0
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  char buf[160];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ",
                static_cast<long long>(year), static_cast<long long>(month),
                static_cast<long long>(day), static_cast<long long>(sod / 3600),
                static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60),
                static_cast<long long>(frac));
  return buf;
}

std::string Escaped(const std::string& v, bool json) {
  std::string out;
  for (char c : v) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, json ? "\\u%04x" : "\\x%02x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

bool NeedsQuotes(const std::string& v) {
  if (v.empty()) return true;
  for (char c : v)
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
  return false;
}

}  // namespace

void Logger::Log(const std::string& level, const std::string& event,
                 std::initializer_list<Field> fields) {
  std::string line;
  const std::string time = Rfc3339Micros(clock_.Now());
  if (format_ == LogFormat::kJson) {
    line = "{\"time\":\"" + time + "\",\"level\":\"" + level + "\",\"event\":\"" +
           Escaped(event, true) + "\"";
    for (const auto& [k, v] : fields) line += ",\"" + k + "\":\"" + Escaped(v, true) + "\"";
    line += "}";
  } else {
    line = "time=" + time + " level=" + level + " event=" + event;
    for (const auto& [k, v] : fields) {
      line += " " + k + "=";
      line += NeedsQuotes(v) ? "\"" + Escaped(v, false) + "\"" : v;
    }
  }
  line += '\n';
  sink_ << line;
  sink_.flush();
}

}  // namespace surety
