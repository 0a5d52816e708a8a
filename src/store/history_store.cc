// The defaults of HistoryStore (history_store.h).
#include "store/history_store.h"

#include <algorithm>

namespace surety {

std::string DeadRunnerMessage(int owner_pid) {
  return "the runner (pid " + std::to_string(owner_pid) +
         ") died before finishing, or could not record how the run ended (a full disk?); "
         "marked interrupted";
}

bool IsArtifactRecord(const RunRecord& r) {
  return r.finished_at.has_value() && r.artifact_size.has_value() &&
         (r.result == RunResult::kSuccess || r.result == RunResult::kWarning);
}

Result<std::optional<RunRecord>> HistoryStore::LastArtifact(const std::string& job) {
  auto runs = Recent(job, 0);
  if (!runs.ok()) return runs.status();
  for (RunRecord& r : *runs)
    if (IsArtifactRecord(r)) return std::optional<RunRecord>(std::move(r));
  return std::optional<RunRecord>();
}

Result<std::vector<RunRecord>> HistoryStore::Page(const std::string& job, int skip, int limit,
                                                  bool tails) {
  skip = std::max(skip, 0);
  auto runs = Recent(job, skip + std::max(limit, 1));
  if (!runs.ok()) return runs.status();
  std::vector<RunRecord> out;
  for (size_t i = static_cast<size_t>(skip); i < runs->size(); ++i) {
    out.push_back(std::move((*runs)[i]));
    if (!tails) out.back().output_tail.clear();
  }
  return out;
}

Result<std::map<std::string, JobSummary>> HistoryStore::Summaries(
    const std::vector<std::string>& jobs, bool with_counts) {
  std::map<std::string, JobSummary> out;
  for (const std::string& job : jobs) {
    auto runs = Recent(job, 0);
    if (!runs.ok()) return runs.status();
    JobSummary& sum = out[job];
    for (RunRecord& r : *runs) {
      r.output_tail.clear();
      if (!sum.last) sum.last = r;
      if (r.result == RunResult::kRunning) {
        if (!sum.running) sum.running = r;
      } else if (r.result != RunResult::kSkipped && !sum.last_counted) {
        sum.last_counted = r;
      }
      if (r.finished_at && IsGoodResult(r.result) && !sum.last_good) sum.last_good = r;
      if (with_counts) ++sum.counts[r.result];
    }
  }
  return out;
}

}  // namespace surety
