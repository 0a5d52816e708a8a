// RunRecord: what surety remembers about one run of one job.
//
// For: the history store, `surety history`, alerts (a webhook posts it as
// JSON), status and metrics. The JSON field names are the contract of the
// design (docs/run-records.md).
//
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/instant.h"
#include "job/job_spec.h"

namespace surety {

enum class RunResult {
  kRunning,  // not finished (yet): only in the store while a runner is alive
  kSuccess,
  kWarning,
  kAlreadyDone,
  kSkipped,
  kFailed,
  kPreflightFailed,
  kVerifyFailed,
  kTimeout,
  kInterrupted,
};

std::string_view RunResultName(RunResult r);  // "success", "preflight_failed", …
std::optional<RunResult> RunResultFromName(std::string_view name);
// The exit status of `surety run` for a result (design table: 0, 75, 1, 3, 4, 5, 6).
int RunResultExitStatus(RunResult r);
// success, warning and already_done: the job did its work.
bool IsGoodResult(RunResult r);
// failed, preflight_failed, verify_failed, timeout, interrupted: a failure
// to alert (skipped and running are neither good nor failures).
bool IsFailureResult(RunResult r);

struct RunRecord {
  int64_t id = 0;
  std::string job;
  Trigger trigger = Trigger::kManual;
  std::string host;
  Instant started_at;
  std::optional<Instant> finished_at;
  int64_t duration_ms = 0;
  int attempts = 0;
  std::optional<int> exit_code;
  std::optional<std::string> signal;  // "TERM", "KILL", …
  RunResult result = RunResult::kRunning;
  std::string message;
  std::string output_tail;
  std::optional<uint64_t> artifact_size;
  std::string artifact_path;
  std::string alert_status;  // "", "sent", "failed: …"
  // Who owns a running record, so a later reader can tell a dead runner.
  int owner_pid = 0;
  std::string owner_boot_id;
  uint64_t owner_start_time = 0;  // /proc/PID/stat field 22, in clock ticks
};

}  // namespace surety
