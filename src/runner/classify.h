// Classify: what one finished attempt of a job's command means, as values.
//
// For: the runner's execute/classify/retry stages, and anyone who must
// agree with them (docs/runner.md §6). systemd's rules for Type=oneshot:
// exit 0 or a success_exit_status code is success; a warning_exit_status
// code is a warning; an already_done_exit_status code, or already_done_output
// anywhere in the output, is already_done; a signal counts only if listed; a
// core dump is never clean; anything else failed.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <string>

#include "job/job_spec.h"
#include "os/clock.h"
#include "os/log.h"
#include "os/process.h"
#include "store/run_record.h"

namespace surety {

RunResult ClassifyOutcome(const JobSpec& job, const CommandOutcome& outcome);

// Why an attempt classified already_done was: which exit status or output
// matched ("exit status 3 is in already_done_exit_status"); empty when
// neither did.
std::string AlreadyDoneReason(const JobSpec& job, const CommandOutcome& outcome);

// The record's message for one attempt classified `result`: "exited with
// status 1: <last output line>", "timed out after 2h; the process tree was
// stopped with SIGKILL", "exited with status 3; already done: …".
std::string AttemptMessage(const JobSpec& job, const CommandOutcome& outcome, RunResult result);

// The level a run's end is logged at: error for failures and timeouts,
// warning for warnings and interruptions, info for the rest.
LogLevel RunResultLogLevel(RunResult result);

// The delay before retry n (1-based): retry_delay × backoff^(n-1), capped.
Micros RetryDelay(const JobSpec& job, int retry);

}  // namespace surety
