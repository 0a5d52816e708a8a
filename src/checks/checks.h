// Preflight and verification: the checks around a job's command, as values.
//
// For: the runner. Preflight decides whether the command may start (free
// space, reachable hosts, readable files, a command that must succeed);
// verification decides whether a successful command left a usable artifact
// (exists, big enough, fresh, not shrunk too much against the previous good
// run, a verify command). Each returns a CheckResult; nothing here retries or
// sleeps (the runner re-checks preflight until preflight.wait runs out).
//
// Thread-safety: pure functions of their arguments and the injected OS.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "base/byte_size.h"  // ParseByteSize, FormatByteSize
#include "job/job_spec.h"
#include "os/clock.h"
#include "os/file_system.h"
#include "os/net.h"
#include "os/process.h"

namespace surety {

struct CheckResult {
  bool ok = true;
  // What failed, human-readable: "free space on /backups: 1.2G available,
  // 5G required" (preflight: every failed check, separated by "; ").
  std::string message;
};

struct CheckEnv {
  FileSystem& fs;
  Connector& net;
  CommandRunner& commands;
  std::map<std::string, std::string> command_env;  // environment for check commands
  std::string working_directory;
  // The job's user and group (user = / group = as root): check commands run
  // as them, and preflight `files` must be readable by them.
  std::optional<uint32_t> uid, gid;
  // The preflight command's limit; 0: 5 min. The runner shortens it to what
  // is left of preflight.wait (but never below 30 s), so that a hung probe
  // does not hold a run far past its wait.
  Micros preflight_command_timeout{0};
};

// Runs every preflight check once, in the order of the job file (free space,
// reachable, files, command), and reports every one that failed, so that a
// person fixes them all at once. Connections get 5 s, the command 5 min (or
// env.preflight_command_timeout).
CheckResult RunPreflight(const PreflightSpec& spec, CheckEnv& env);

struct VerifyOutcome {
  CheckResult check;
  std::optional<uint64_t> artifact_size;
  std::string artifact_path;
};

// Verifies the artifact at `expanded_path` (already expanded at run start):
// exists and is a regular file, min_size, fresh (modified strictly after
// `run_started`), max_shrink, then the verify command (1 h timeout), stopping
// at the first failure. artifact_size/artifact_path are set whenever the
// artifact exists, also when a later check fails.
// `previous_size`: the artifact size of the previous good run, if any.
VerifyOutcome RunVerify(const VerifySpec& spec, const std::string& expanded_path,
                        Instant run_started, std::optional<uint64_t> previous_size, CheckEnv& env);

}  // namespace surety
