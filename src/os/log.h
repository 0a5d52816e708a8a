// Logger: structured logs on stderr, one event per line.
//
// logfmt by default (`time=… level=info event=run_finished job=db run_id=7
// result=success`), or JSON lines with --log-format=json. Values are quoted
// and escaped as needed; secrets are never passed in. Each event has a level:
// failures and timeouts are errors, warnings and retries warnings, the rest
// info; events below the minimum level (--log-level, --quiet) are dropped.
// A field may not be named time, level or event (the line's own keys): such a
// field is written as field_NAME, so every JSON line has unique keys.
//
// Thread-compatible.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "os/clock.h"

namespace surety {

enum class LogFormat { kLogfmt, kJson };

// In increasing severity; a Logger writes its minimum level and above.
enum class LogLevel { kDebug, kInfo, kWarning, kError };
// "debug", "info", "warning", "error".
std::string_view LogLevelName(LogLevel level);
// The level a name gives (also "warn"); nullopt for anything else.
std::optional<LogLevel> LogLevelFromName(std::string_view name);

class Logger {
 public:
  using Field = std::pair<std::string, std::string>;
  Logger(std::ostream& sink, const Clock& clock, LogFormat format = LogFormat::kLogfmt,
         LogLevel min_level = LogLevel::kInfo)
      : sink_(sink), clock_(clock), format_(format), min_level_(min_level) {}
  void Debug(const std::string& event, std::initializer_list<Field> fields) {
    Log(LogLevel::kDebug, event, fields);
  }
  void Info(const std::string& event, std::initializer_list<Field> fields) {
    Log(LogLevel::kInfo, event, fields);
  }
  void Warn(const std::string& event, std::initializer_list<Field> fields) {
    Log(LogLevel::kWarning, event, fields);
  }
  void Error(const std::string& event, std::initializer_list<Field> fields) {
    Log(LogLevel::kError, event, fields);
  }
  void Log(LogLevel level, const std::string& event, std::initializer_list<Field> fields);
  // The line Log() would write (newline included), whatever the minimum level.
  std::string Format(LogLevel level, const std::string& event,
                     std::initializer_list<Field> fields) const;
  bool Enabled(LogLevel level) const { return level >= min_level_; }
  void set_format(LogFormat f) { format_ = f; }
  LogFormat format() const { return format_; }
  void set_min_level(LogLevel level) { min_level_ = level; }

 private:
  std::ostream& sink_;
  const Clock& clock_;
  LogFormat format_;
  LogLevel min_level_;
};

}  // namespace surety
