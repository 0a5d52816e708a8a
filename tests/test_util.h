// Helpers shared by the end-to-end and differential tests.
#pragma once

#include <sstream>
#include <string>
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

// tests/data in the source tree: every file a test reads lives in the repository.
std::string TestDataDir();

// Runs a command line through /bin/sh, returning its stdout and exit status.
CliResult Shell(const std::string& command);

// Quotes one word for /bin/sh.
std::string ShellQuote(const std::string& s);

// True if systemd-analyze (the oracle) is installed.
bool HaveSystemdAnalyze();

}  // namespace surety::testing_util
