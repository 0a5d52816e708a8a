// Benchmarks of the SQLite history store on a big database: 1,000,000 runs
// across 10 jobs (each job every 5 minutes for a year, with no retention).
//
// The database is built once per process, on first use, in a temporary
// directory removed at exit. It is filled through a raw SQLite connection in
// one transaction with one prepared INSERT (no ANALYZE: the store never runs
// it, so the query plans are the ones users get). Through BeginRun/FinishRun, a
// million durable write pairs would take hours. That is the one reason this
// file includes sqlite3.h outside src/store/; it depends on the column names
// of schema 1.
//
// Reads measure a warm page cache (the build just wrote every page), which is
// the steady state of `surety status` on a host that runs it regularly.
// Every benchmark reports wall time (I/O, not CPU, is the point) and the
// per-call median and 99th percentile as counters p50_us and p99_us.
// Targets (docs/performance.md): Recent("job3", 20) median under 20 ms. Run:
//   surety_bench --benchmark_filter=History
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "os/clock.h"
#include "store/history_store.h"

namespace surety {
namespace {

constexpr int kRuns = 1'000'000;
constexpr int kJobs = 10;

class BigHistory {
 public:
  BigHistory() {
    char pattern[] = "/tmp/surety-history-bench-XXXXXX";
    if (mkdtemp(pattern) == nullptr) return;
    dir_ = pattern;
    path_ = dir_ + "/history.db";
    // The schema comes from the store itself (migration 1).
    if (!OpenSqliteHistory(path_).ok()) return;
    if (!Fill()) return;
    auto store = OpenSqliteHistory(path_);
    if (store.ok()) store_ = std::move(store).value();
  }
  ~BigHistory() {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  HistoryStore* store() { return store_.get(); }
  const std::string& error() const { return error_; }

 private:
  bool Fill() {
    sqlite3* db = nullptr;
    if (sqlite3_open(path_.c_str(), &db) != SQLITE_OK) return Fail(db, "open");
    // A bulk load: no WAL, no fsync; back to WAL (as the store keeps it) at the end.
    const char* setup =
        "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF; PRAGMA cache_size = -65536;"
        "BEGIN";
    if (sqlite3_exec(db, setup, nullptr, nullptr, nullptr) != SQLITE_OK) return Fail(db, "setup");
    sqlite3_stmt* insert = nullptr;
    const char* sql =
        "INSERT INTO runs (job, trigger_kind, host, started_at, finished_at, duration_ms, "
        "attempts, exit_code, signal, result, message, output_tail, artifact_size, "
        "artifact_path, alert_status, owner_pid, owner_boot_id, owner_start_time, seq) "
        "VALUES (?1, 'schedule', 'backup-host-01', ?2, ?3, ?4, 1, ?5, NULL, ?6, ?7, ?8, ?9, "
        "?10, 'sent', ?11, '6f1c1ad0-6a1e-4a44-9b1d-3d2f8c1b0a99', ?12, ?13)";
    if (sqlite3_prepare_v2(db, sql, -1, &insert, nullptr) != SQLITE_OK) return Fail(db, "prepare");
    std::string tail;  // ~200 bytes of typical tool output
    for (int i = 0; i < 4; ++i) tail += "processed 1234 files, 56.7 MiB in 12.3 s; snapshot ok\n";
    const int64_t t0 = 1'450'000'000'000'000;  // 2015-12-13
    for (int i = 0; i < kRuns; ++i) {
      const std::string job = "job" + std::to_string(i % kJobs);
      const int64_t started = t0 + int64_t{i} * 30'000'000;  // one run every 30 s overall
      const int64_t duration_ms = 1000 + i % 60'000;
      const bool failed = i % 17 == 0;
      const char* result = failed ? "failed" : (i % 13 == 0 ? "warning" : "success");
      sqlite3_bind_text(insert, 1, job.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert, 2, started);
      sqlite3_bind_int64(insert, 3, started + duration_ms * 1000);
      sqlite3_bind_int64(insert, 4, duration_ms);
      sqlite3_bind_int(insert, 5, failed ? 2 : 0);
      sqlite3_bind_text(insert, 6, result, -1, SQLITE_STATIC);
      sqlite3_bind_text(insert, 7, failed ? "exit status 2" : "", -1, SQLITE_STATIC);
      sqlite3_bind_blob(insert, 8, tail.data(), static_cast<int>(tail.size()), SQLITE_STATIC);
      sqlite3_bind_int64(insert, 9, 1'000'000'000 + i);
      sqlite3_bind_text(insert, 10, "/backups/db.dump", -1, SQLITE_STATIC);
      sqlite3_bind_int(insert, 11, 1000 + i % 30'000);
      sqlite3_bind_int64(insert, 12, 100'000 + i);
      sqlite3_bind_int64(insert, 13, i / kJobs + 1);  // the run's number within its job
      if (sqlite3_step(insert) != SQLITE_DONE) {
        sqlite3_finalize(insert);
        return Fail(db, "insert");
      }
      sqlite3_reset(insert);
    }
    sqlite3_finalize(insert);
    const char* finish = "COMMIT; PRAGMA journal_mode = WAL";
    if (sqlite3_exec(db, finish, nullptr, nullptr, nullptr) != SQLITE_OK) return Fail(db, "commit");
    sqlite3_close(db);
    // Flush the bulk load now, or its writeback would be charged to the
    // fsyncs of the write benchmark.
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
      error_ = "fsync " + path_;
      if (fd >= 0) ::close(fd);
      return false;
    }
    ::close(fd);
    return true;
  }

  bool Fail(sqlite3* db, const char* what) {
    error_ = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return false;
  }

  std::string dir_;
  std::string path_;
  std::string error_ = "could not create the database";
  std::unique_ptr<HistoryStore> store_;
};

HistoryStore* Big(benchmark::State& state) {
  static BigHistory history;  // built once, removed at exit
  if (history.store() == nullptr) state.SkipWithError(history.error().c_str());
  return history.store();
}

// Times each call of `body` and reports the median and p99 in microseconds.
template <typename Body>
void Measure(benchmark::State& state, Body&& body) {
  RealClock clock;
  std::vector<double> us;
  for (auto _ : state) {
    const Micros start = clock.Monotonic();
    if (!body()) {
      state.SkipWithError("the store returned an error");
      return;
    }
    us.push_back(static_cast<double>((clock.Monotonic() - start).count()));
  }
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

void BM_HistoryRecent20(benchmark::State& state) {
  HistoryStore* store = Big(state);
  if (store == nullptr) return;
  Measure(state, [&] {
    auto recent = store->Recent("job3", 20);
    benchmark::DoNotOptimize(recent);
    return recent.ok() && recent->size() == 20;
  });
}
BENCHMARK(BM_HistoryRecent20)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_HistoryLastGood(benchmark::State& state) {
  HistoryStore* store = Big(state);
  if (store == nullptr) return;
  Measure(state, [&] {
    auto good = store->LastGood("job7");
    benchmark::DoNotOptimize(good);
    return good.ok() && good->has_value();
  });
}
BENCHMARK(BM_HistoryLastGood)->UseRealTime()->Unit(benchmark::kMicrosecond);

// What every reading command does first; nothing is running.
void BM_HistoryReapDead(benchmark::State& state) {
  HistoryStore* store = Big(state);
  if (store == nullptr) return;
  const Instant now{Micros{1'800'000'000'000'000}};
  OwnerAlive alive = [](const RunRecord&) { return true; };
  Measure(state, [&] { return store->ReapDead(alive, now).ok(); });
}
BENCHMARK(BM_HistoryReapDead)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_HistoryJobs(benchmark::State& state) {
  HistoryStore* store = Big(state);
  if (store == nullptr) return;
  Measure(state, [&] {
    auto jobs = store->Jobs();
    return jobs.ok() && jobs->size() == kJobs;
  });
}
BENCHMARK(BM_HistoryJobs)->UseRealTime()->Unit(benchmark::kMicrosecond);

// One run as the runner records it: BeginRun, then FinishRun with a 4 KiB
// output tail. Two durable (fsync'd) transactions.
void BM_HistoryBeginFinish(benchmark::State& state) {
  HistoryStore* store = Big(state);
  if (store == nullptr) return;
  RunRecord r;
  r.job = "job3";
  r.trigger = Trigger::kManual;
  r.host = "backup-host-01";
  r.attempts = 1;
  FillOwner(r);
  int64_t n = 0;
  Measure(state, [&] {
    r.started_at = Instant{Micros{1'800'000'000'000'000 + n++ * 1'000'000}};
    r.result = RunResult::kRunning;
    r.finished_at.reset();
    r.output_tail.clear();
    auto id = store->BeginRun(r);
    if (!id.ok()) return false;
    r.id = *id;
    r.result = RunResult::kSuccess;
    r.finished_at = r.started_at + Micros{250'000};
    r.duration_ms = 250;
    r.exit_code = 0;
    r.output_tail.assign(4096, 'o');
    return store->FinishRun(r).ok();
  });
}
BENCHMARK(BM_HistoryBeginFinish)->UseRealTime()->Unit(benchmark::kMicrosecond);

// The same run as `surety run` records it since the run journal: a new
// history per run (as a new process would open it), BeginRun and FinishRun
// appended to the journal, one fdatasync. The journal is folded into
// history.db by the runner that takes it past 256 KiB (every ~60 runs with
// these 4 KiB tails), which is what the p99 shows.
void BM_JournalBeginFinish(benchmark::State& state) {
  char pattern[] = "/tmp/surety-journal-bench-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    state.SkipWithError("cannot create a temporary directory");
    return;
  }
  const std::string dir = pattern;
  RunRecord r;
  r.job = "job3";
  r.trigger = Trigger::kManual;
  r.host = "backup-host-01";
  r.attempts = 1;
  FillOwner(r);
  // The first run of a boot checks ids against history.db: not measured.
  if (!OpenStateHistory(dir, SqliteHistoryOptions{})->BeginRun(r).ok()) {
    state.SkipWithError("cannot start the journal");
    return;
  }
  int64_t n = 0;
  Measure(state, [&] {
    auto store = OpenStateHistory(dir, SqliteHistoryOptions{});
    r.started_at = Instant{Micros{1'800'000'000'000'000 + n++ * 1'000'000}};
    r.result = RunResult::kRunning;
    r.finished_at.reset();
    r.output_tail.clear();
    auto id = store->BeginRun(r);
    if (!id.ok()) return false;
    r.id = *id;
    r.result = RunResult::kSuccess;
    r.finished_at = r.started_at + Micros{250'000};
    r.duration_ms = 250;
    r.exit_code = 0;
    r.output_tail.assign(4096, 'o');
    return store->FinishRun(r, 1000).ok();
  });
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalBeginFinish)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace surety
