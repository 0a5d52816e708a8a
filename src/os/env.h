// Env: the process environment, read once in main() and injected.
//
// For: TZ, locale and configuration variables. Code outside src/os never calls
// getenv(); tests build a MapEnv with exactly the variables they need.
#pragma once

#include <map>
#include <optional>
#include <string>

namespace surety {

class Env {
 public:
  virtual ~Env() = default;
  virtual std::optional<std::string> Get(const std::string& name) const = 0;
  // True when the locale (LC_ALL, else LC_CTYPE, else LANG) names UTF-8, so
  // output may use non-ASCII glyphs such as "μ".
  bool Utf8Locale() const;
};

// The real environment of this process (a snapshot taken at construction).
class ProcessEnv final : public Env {
 public:
  ProcessEnv();
  std::optional<std::string> Get(const std::string& name) const override;

 private:
  std::map<std::string, std::string> vars_;
};

class MapEnv final : public Env {
 public:
  MapEnv() = default;
  explicit MapEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  std::optional<std::string> Get(const std::string& name) const override;
  void Set(const std::string& name, const std::string& value) { vars_[name] = value; }

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace surety
