#include "os/log.h"

#include <cstdio>
#include <ostream>
#include <string>

namespace surety {

namespace {

std::string Rfc3339Micros(Instant t) {
  int64_t us = t.time_since_epoch().count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(us % 1000000));
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
