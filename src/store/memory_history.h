// MemoryHistory: a HistoryStore in memory, for tests of the modules above
// the store (the runner, the daemon).
//
// Records live in a vector in start order; ids are their positions from 1.
// Faults are injected by flags: a BeginRun that fails (the journal's lock
// held, a full disk), writes that fail (a failed fsync). ReapDead marks
// nothing (no runner dies here). Thread-compatible.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/history_store.h"

namespace surety {

class MemoryHistory : public HistoryStore {
 public:
  Result<int64_t> BeginRun(const RunRecord& r) override {
    if (on_begin) on_begin();
    if (fail_begins > 0) {
      --fail_begins;
      return Status::Error(StatusCode::kBusy, "the journal's lock is held");
    }
    if (fail_writes || fail_begin) return Status::Error(StatusCode::kIoError, "disk full");
    runs.push_back(r);
    runs.back().id = static_cast<int64_t>(runs.size());
    return runs.back().id;
  }
  Status FinishRun(const RunRecord& r, int keep_runs) override {
    if (on_finish) on_finish(r);
    if (fail_writes) return Status::Error(StatusCode::kIoError, "fsync failed");
    runs.at(static_cast<size_t>(r.id - 1)) = r;
    if (keep_runs > 0) kept = keep_runs;
    return Status::Ok();
  }
  Result<std::vector<RunRecord>> Recent(const std::string& job, int limit) override {
    std::vector<RunRecord> out;
    for (auto it = runs.rbegin(); it != runs.rend(); ++it)
      if (it->job == job && (limit <= 0 || static_cast<int>(out.size()) < limit))
        out.push_back(*it);
    return out;
  }
  Result<std::vector<RunRecord>> RecentStarts(const std::string& job, int limit) override {
    return Recent(job, limit);
  }
  Result<std::optional<RunResult>> LastResult(const std::string& job) override {
    for (auto it = runs.rbegin(); it != runs.rend(); ++it)
      if (it->job == job && it->result != RunResult::kSkipped && it->result != RunResult::kRunning)
        return std::optional<RunResult>(it->result);
    return std::optional<RunResult>();
  }
  Result<std::optional<RunRecord>> LastGood(const std::string& job) override {
    for (auto it = runs.rbegin(); it != runs.rend(); ++it)
      if (it->job == job && IsGoodResult(it->result)) return std::optional<RunRecord>(*it);
    return std::optional<RunRecord>();
  }
  Result<int> ReapDead(const OwnerAlive&, Instant) override { return 0; }
  Status ApplyRetention(const std::string&, int keep) override {
    kept = keep;
    return Status::Ok();
  }
  Result<std::vector<std::string>> Jobs() override { return std::vector<std::string>{}; }
  Status FoldStatus() const override { return fold_status; }
  Status Recovery() const override { return recovery; }
  Status SpoolRun(const RunRecord& r, int) override {
    if (fail_spool) return Status::Error(StatusCode::kIoError, "disk full");
    spooled.push_back(r);
    return Status::Ok();
  }

  std::vector<RunRecord> runs;
  bool fail_writes = false;
  bool fail_begin = false;            // only BeginRun fails
  int fail_begins = 0;                // BeginRun fails this many times, then works
  Status fold_status = Status::Ok();  // as a read that could not fold says
  Status recovery = Status::Ok();     // as a history rebuilt after damage says
  int kept = 0;
  bool fail_spool = false;
  std::vector<RunRecord> spooled;
  std::function<void()> on_begin;  // called at each BeginRun (a slow journal lock)
  // Called at each FinishRun, before it is stored (what had happened by then).
  std::function<void(const RunRecord&)> on_finish;
};

}  // namespace surety
