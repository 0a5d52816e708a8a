#include "runner/classify.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "time/timespan.h"

namespace surety {

RunResult ClassifyOutcome(const JobSpec& job, const CommandOutcome& o) {
  switch (o.kind) {
    case CommandOutcome::Kind::kInterrupted:
      return RunResult::kInterrupted;
    case CommandOutcome::Kind::kTimedOut:
      return RunResult::kTimeout;
    case CommandOutcome::Kind::kSpawnFailed:
      return RunResult::kFailed;
    case CommandOutcome::Kind::kExited: {
      const int c = o.exit_code;
      // Anywhere in the output: the runner watches the whole stream for it.
      const bool output_says_done =
          !job.already_done_output.empty() &&
          (o.saw_watched || o.output_tail.find(job.already_done_output) != std::string::npos);
      if (job.already_done_exit_status.HasCode(c) || output_says_done)
        return RunResult::kAlreadyDone;
      if (c == 0 || job.success_exit_status.HasCode(c)) return RunResult::kSuccess;
      if (job.warning_exit_status.HasCode(c)) return RunResult::kWarning;
      return RunResult::kFailed;
    }
    case CommandOutcome::Kind::kSignaled: {
      if (o.core_dumped) return RunResult::kFailed;  // systemd: a core dump is never clean
      const int s = o.signal;
      if (job.already_done_exit_status.HasSignal(s)) return RunResult::kAlreadyDone;
      if (job.success_exit_status.HasSignal(s)) return RunResult::kSuccess;
      if (job.warning_exit_status.HasSignal(s)) return RunResult::kWarning;
      return RunResult::kFailed;
    }
  }
  return RunResult::kFailed;
}

std::string AlreadyDoneReason(const JobSpec& job, const CommandOutcome& o) {
  if (o.kind == CommandOutcome::Kind::kExited) {
    if (!job.already_done_output.empty() &&
        (o.saw_watched || o.output_tail.find(job.already_done_output) != std::string::npos))
      return "the output contained \"" + job.already_done_output + "\" (already_done_output)";
    if (job.already_done_exit_status.HasCode(o.exit_code))
      return "exit status " + std::to_string(o.exit_code) + " is in already_done_exit_status";
  }
  if (o.kind == CommandOutcome::Kind::kSignaled && !o.core_dumped &&
      job.already_done_exit_status.HasSignal(o.signal))
    return "signal SIG" + SignalName(o.signal) + " is in already_done_exit_status";
  return "";
}

std::string AttemptMessage(const JobSpec& job, const CommandOutcome& o, RunResult result) {
  std::string message;
  switch (o.kind) {
    case CommandOutcome::Kind::kExited:
      message = "exited with status " + std::to_string(o.exit_code);
      break;
    case CommandOutcome::Kind::kSignaled:
      message =
          "killed by signal " + SignalName(o.signal) + (o.core_dumped ? " (core dumped)" : "");
      break;
    case CommandOutcome::Kind::kTimedOut:
      message = "timed out after " + FormatTimespan(job.timeout) + "; the process tree was " +
                DescribeStop(o);
      break;
    case CommandOutcome::Kind::kInterrupted:
      message = o.started ? "surety was told to stop, so the job was " + DescribeStop(o)
                          : "stopped before the command started";
      break;
    case CommandOutcome::Kind::kSpawnFailed:
      message = "could not start: " + o.error;
      break;
  }
  if (result == RunResult::kFailed && !o.output_tail.empty())
    message += ": " + LastOutputLine(o.output_tail);
  if (result == RunResult::kAlreadyDone) message += "; already done: " + AlreadyDoneReason(job, o);
  return message;
}

LogLevel RunResultLogLevel(RunResult result) {
  switch (result) {
    case RunResult::kFailed:
    case RunResult::kPreflightFailed:
    case RunResult::kVerifyFailed:
    case RunResult::kTimeout:
      return LogLevel::kError;
    case RunResult::kWarning:
    case RunResult::kInterrupted:
      return LogLevel::kWarning;
    default:
      return LogLevel::kInfo;
  }
}

Micros RetryDelay(const JobSpec& job, int retry) {
  const double base =
      job.retry_delay.infinite() ? 0.0 : static_cast<double>(SpanMicros(job.retry_delay).count());
  double d = base * std::pow(job.retry_backoff, std::max(0, retry - 1));
  d = std::min(d, static_cast<double>(SpanMicros(job.retry_delay_max).count()));
  return Micros{static_cast<int64_t>(d)};
}

}  // namespace surety
