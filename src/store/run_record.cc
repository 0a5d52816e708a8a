#include "store/run_record.h"

#include <array>
#include <utility>

namespace surety {

namespace {
constexpr std::array<std::pair<RunResult, std::string_view>, 10> kNames = {{
    {RunResult::kRunning, "running"},
    {RunResult::kSuccess, "success"},
    {RunResult::kWarning, "warning"},
    {RunResult::kAlreadyDone, "already_done"},
    {RunResult::kSkipped, "skipped"},
    {RunResult::kFailed, "failed"},
    {RunResult::kPreflightFailed, "preflight_failed"},
    {RunResult::kVerifyFailed, "verify_failed"},
    {RunResult::kTimeout, "timeout"},
    {RunResult::kInterrupted, "interrupted"},
}};
}  // namespace

std::string_view RunResultName(RunResult r) {
  for (const auto& [value, name] : kNames)
    if (value == r) return name;
  return "unknown";
}

std::optional<RunResult> RunResultFromName(std::string_view name) {
  for (const auto& [value, n] : kNames)
    if (n == name) return value;
  return std::nullopt;
}

int RunResultExitStatus(RunResult r) {
  switch (r) {
    case RunResult::kSuccess:
    case RunResult::kWarning:
    case RunResult::kAlreadyDone:
      return 0;
    case RunResult::kSkipped:
      return 75;
    case RunResult::kFailed:
      return 1;
    case RunResult::kPreflightFailed:
      return 3;
    case RunResult::kVerifyFailed:
      return 4;
    case RunResult::kTimeout:
      return 5;
    case RunResult::kInterrupted:
    case RunResult::kRunning:
      return 6;
  }
  return 1;
}

bool IsGoodResult(RunResult r) {
  return r == RunResult::kSuccess || r == RunResult::kWarning || r == RunResult::kAlreadyDone;
}

bool IsFailureResult(RunResult r) {
  switch (r) {
    case RunResult::kFailed:
    case RunResult::kPreflightFailed:
    case RunResult::kVerifyFailed:
    case RunResult::kTimeout:
    case RunResult::kInterrupted:
      return true;
    default:
      return false;
  }
}

}  // namespace surety
