#include "os/log.h"

#include <cstdio>
#include <ostream>
#include <string>
#include <string_view>

namespace surety {

namespace {

// The fields whose values are whole numbers: JSON lines give them as numbers.
bool IsNumericField(const std::string& key) {
  return key == "run_id" || key == "attempt" || key == "duration_ms" || key == "exit_code" ||
         key == "pid" || key == "attempts";
}

// "0", "42", "-1": what JSON reads as an integer; no leading zeros, no sign but '-'.
bool IsPlainInteger(const std::string& v) {
  size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
  if (i >= v.size() || v.size() - i > 18) return false;
  if (v[i] == '0' && v.size() - i > 1) return false;
  for (; i < v.size(); ++i)
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

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

// The length of the well-formed UTF-8 sequence at the start of `s`
// (RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF), or 0
// when it starts with a byte that cannot begin one.
size_t Utf8Length(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // a surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

// Job output ends up in values (a failure's last output line) and need not
// be UTF-8. JSON must be: a byte that is not part of a well-formed sequence
// becomes U+FFFD (written \ufffd). logfmt keeps it recognisable as \xNN,
// like a control byte.
std::string Escaped(const std::string& v, bool json) {
  std::string out;
  out.reserve(v.size());
  const std::string_view all(v);
  for (size_t i = 0; i < all.size();) {
    const char c = all[i];
    const size_t n = Utf8Length(all.substr(i));
    if (n == 0) {
      if (json) {
        out += "\\ufffd";
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
        out += buf;
      }
      ++i;
      continue;
    }
    if (n > 1) {
      out.append(all.substr(i, n));
      i += n;
      continue;
    }
    ++i;
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
  const std::string_view all(v);
  for (size_t i = 0; i < all.size();) {
    const char c = all[i];
    if (c == ' ' || c == '"' || c == '=' || static_cast<unsigned char>(c) < 0x20) return true;
    const size_t n = Utf8Length(all.substr(i));
    if (n == 0) return true;  // escaped, hence quoted
    i += n;
  }
  return false;
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::optional<LogLevel> LogLevelFromName(std::string_view name) {
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warning" || name == "warn") return LogLevel::kWarning;
  if (name == "error") return LogLevel::kError;
  return std::nullopt;
}

void Logger::Log(LogLevel level, const std::string& event, std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  sink_ << Format(level, event, fields);
  sink_.flush();
}

std::string Logger::Format(LogLevel level_value, const std::string& event,
                           std::initializer_list<Field> fields) const {
  std::string line;
  const std::string time = Rfc3339Micros(clock_.Now());
  const std::string level(LogLevelName(level_value));
  // The line's own keys come first and once: a field that would repeat one
  // is renamed, so that `jq 'select(.event == ...)'` sees the event.
  auto key_of = [](const std::string& k) {
    return k == "time" || k == "level" || k == "event" ? "field_" + k : k;
  };
  if (format_ == LogFormat::kJson) {
    line = "{\"time\":\"" + time + "\",\"level\":\"" + level + "\",\"event\":\"" +
           Escaped(event, true) + "\"";
    for (const auto& [k, v] : fields) {
      line += ",\"" + key_of(k) + "\":";
      // Counts and ids are numbers, as in the run record.
      if (IsNumericField(k) && IsPlainInteger(v))
        line += v;
      else
        line += "\"" + Escaped(v, true) + "\"";
    }
    line += "}";
  } else {
    line = "time=" + time + " level=" + level + " event=" + Escaped(event, false);
    for (const auto& [k, v] : fields) {
      line += " " + key_of(k) + "=";
      line += NeedsQuotes(v) ? "\"" + Escaped(v, false) + "\"" : v;
    }
  }
  line += '\n';
  return line;
}

}  // namespace surety
