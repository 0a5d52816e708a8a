// Logger: structured logs on stderr, one event per line.
//
// logfmt by default (`time=… level=info event=run_finished job=db run_id=7
// result=success`), or JSON lines with --log-format=json. Values are quoted
// and escaped as needed; secrets are never passed in.
//
// Thread-compatible.
#pragma once

#include <initializer_list>
#include <iosfwd>
#include <string>
#include <utility>

#include "os/clock.h"

namespace surety {

enum class LogFormat { kLogfmt, kJson };

class Logger {
 public:
  using Field = std::pair<std::string, std::string>;
  Logger(std::ostream& sink, const Clock& clock, LogFormat format = LogFormat::kLogfmt)
      : sink_(sink), clock_(clock), format_(format) {}
  void Info(const std::string& event, std::initializer_list<Field> fields) {
    Log("info", event, fields);
  }
  void Warn(const std::string& event, std::initializer_list<Field> fields) {
    Log("warning", event, fields);
  }
  void Error(const std::string& event, std::initializer_list<Field> fields) {
    Log("error", event, fields);
  }
  void Log(const std::string& level, const std::string& event, std::initializer_list<Field> fields);
  void set_format(LogFormat f) { format_ = f; }

 private:
  std::ostream& sink_;
  const Clock& clock_;
  LogFormat format_;
};

}  // namespace surety
