#include "runner/dead_runs.h"

#include <algorithm>

namespace surety {

bool ReapedByTheReaper(const RunRecord& r) {
  return r.result == RunResult::kInterrupted &&
         (r.message == DeadRunnerMessage(r.owner_pid) ||
          (r.message.rfind("the runner ", 0) == 0 &&
           r.message.find("marked interrupted") != std::string::npos));
}

std::vector<RunRecord> DeadRunsToTell(HistoryStore& history, const std::string& job, int64_t self) {
  std::vector<RunRecord> out;
  for (int window : {20, 2000}) {
    auto recent = history.Recent(job, window);
    if (!recent.ok()) return out;
    out.clear();
    bool stopped = false;
    for (const RunRecord& r : *recent) {
      if (r.id == self && self > 0) continue;
      if (ReapedByTheReaper(r)) {
        if (!r.alert_status.empty()) {
          stopped = true;  // told, and so were the ones before it
          break;
        }
        out.push_back(r);
        continue;
      }
      const bool did_its_work =
          r.result != RunResult::kSkipped && r.result != RunResult::kRunning &&
          r.result != RunResult::kPreflightFailed && r.result != RunResult::kInterrupted;
      if (did_its_work) {
        stopped = true;
        break;
      }
    }
    if (stopped || static_cast<int>(recent->size()) < window) break;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace surety
