#include <time.h>
#include <unistd.h>

#include "base/strings.h"
#include "os/clock.h"
#include "os/env.h"

extern char** environ;  // NOLINT: POSIX global

namespace surety {

namespace {
Micros ReadClock(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return Micros{static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000};
}
}  // namespace

Instant RealClock::Now() const { return Instant{ReadClock(CLOCK_REALTIME)}; }
Micros RealClock::Monotonic() const { return ReadClock(CLOCK_MONOTONIC); }

bool Env::Utf8Locale() const {
  std::optional<std::string> v;
  for (const char* name : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    v = Get(name);
    if (v && !v->empty()) break;
  }
  if (!v || v->empty()) return false;
  std::string lower;
  for (char c : *v) lower += AsciiLower(c);
  return lower.find("utf-8") != std::string::npos || lower.find("utf8") != std::string::npos;
}

ProcessEnv::ProcessEnv() {
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    vars_.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
}

std::optional<std::string> ProcessEnv::Get(const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> MapEnv::Get(const std::string& name) const {
  auto it = vars_.find(name);
  if (it == vars_.end()) return std::nullopt;
  return it->second;
}

}  // namespace surety
