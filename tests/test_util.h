// Helpers shared by the end-to-end and differential tests.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cli/cli.h"
#include "os/clock.h"
#include "os/env.h"

namespace surety::testing_util {

struct CliResult {
  int rc = 0;
  std::string out, err;
};

// Runs `surety ARGS` in-process with exactly the given environment and a
// fixed clock.
inline CliResult RunSurety(const std::vector<std::string>& args, const MapEnv& env,
                           Instant now = Instant{Micros{1763780400000000}}) {
  FakeClock clock(now);
  std::ostringstream out, err;
  Services sv{clock, env, out, err};
  CliResult r;
  r.rc = RunCli(args, sv);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// Drops the "From now:" lines (they depend on the wall clock) and trailing
// newlines, as the recorded vectors do.
inline std::string WithoutFromNow(const std::string& s) {
  std::istringstream in(s);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.find("From now:") != std::string::npos) continue;
    out += line;
    out += '\n';
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Drops the "From now:" lines and nothing else: the blank separators
// between specs (an invalid spec prints nothing but still gets one) must
// match too.
inline std::string DropFromNow(const std::string& s) {
  std::string out;
  size_t start = 0;
  while (start < s.size()) {
    size_t end = s.find('\n', start);
    end = end == std::string::npos ? s.size() : end + 1;
    std::string_view line(s.data() + start, end - start);
    if (line.find("From now:") == std::string_view::npos) out += line;
    start = end;
  }
  return out;
}

// tests/data in the source tree: every file a test reads lives in the repository.
std::string TestDataDir();

// Runs a command line through /bin/sh, returning its stdout and exit status.
CliResult Shell(const std::string& command);

// Quotes one word for /bin/sh.
std::string ShellQuote(const std::string& s);

// True if systemd-analyze (the oracle) is installed.
bool HaveSystemdAnalyze();

// ---------------------------------------------------------------------------
// Waiting for an event instead of sleeping for a guess. A test that needs a
// state (a job started, a lock held, a log line written) waits until it is
// observable, with a limit far above what it normally takes: the limit only
// bounds how long a broken build hangs, it says nothing about speed. How fast
// things happen is the benchmarks' business (bench/).

// Polls `done` every 10 ms until it returns true (then true) or `limit` has
// passed (then false, after one last look).
template <class Predicate>
bool WaitFor(Predicate done, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return done();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// Waits until `path` exists.
inline bool WaitForFile(const std::string& path,
                        std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  return WaitFor([&] { return std::filesystem::exists(path); }, limit);
}

// True while process `pid` exists and has not exited: a zombie has exited,
// even if nobody has reaped it yet. Reaps nothing.
inline bool ProcessRunning(pid_t pid) {
  if (pid <= 0) return false;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// The pid in a pid file as `echo $$ > FILE` writes it, once the whole line
// is there; nullopt while the file is missing, empty or half written, or if
// it holds no positive number.
inline std::optional<pid_t> ReadPidFile(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line) || in.eof()) return std::nullopt;  // no '\n' yet
  char* end = nullptr;
  long pid = std::strtol(line.c_str(), &end, 10);
  if (end == line.c_str() || *end != '\0' || pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

// Waits until `path` names a running process and returns its pid; nullopt
// if none did within `limit`. A caller must treat nullopt as a failure (the
// process never started, or ended before it could be seen), never as "it is
// gone": ASSERT_TRUE(pid) << "…".
inline std::optional<pid_t> WaitForPidFile(
    const std::string& path, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  std::optional<pid_t> pid;
  if (WaitFor(
          [&] {
            pid = ReadPidFile(path);
            return pid && ProcessRunning(*pid);
          },
          limit))
    return pid;
  return std::nullopt;
}

}  // namespace surety::testing_util
