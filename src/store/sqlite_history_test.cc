// SqliteHistory tests: every field round-trips, queries order and filter as
// documented, dead runners are reaped, retention never loses a running
// record, several connections and processes share one file, old code refuses
// a newer schema, and a full disk or an unopenable path is a clear Status.
//
// Each test gets a fresh directory under /tmp. The multi-process test forks:
// a test may, production code may not (style: fork only in src/os/).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/history_store.h"

namespace surety {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

Instant At(int64_t seconds) { return Instant{std::chrono::seconds(seconds)}; }

RunRecord Running(const std::string& job, Instant started) {
  RunRecord r;
  r.job = job;
  r.trigger = Trigger::kSchedule;
  r.host = "host-a";
  r.started_at = started;
  r.attempts = 1;
  r.owner_pid = 4242;
  r.owner_boot_id = "boot-1";
  r.owner_start_time = 777;
  return r;
}

RunRecord Finished(RunRecord r, RunResult result, Instant finished) {
  r.result = result;
  r.finished_at = finished;
  r.duration_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(finished - r.started_at).count();
  r.exit_code = result == RunResult::kFailed ? 2 : 0;
  return r;
}

class SqliteHistory : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/surety-history-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/history.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<HistoryStore> Open(const SqliteHistoryOptions& options = {}) {
    auto store = OpenSqliteHistory(path_, options);
    EXPECT_TRUE(store.ok()) << store.status().message();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // Begins and finishes a run; returns its id.
  int64_t AddFinished(HistoryStore& store, const std::string& job, RunResult result,
                      int64_t second) {
    RunRecord r = Running(job, At(second));
    auto id = store.BeginRun(r);
    EXPECT_TRUE(id.ok()) << id.status().message();
    r.id = *id;
    Status s = store.FinishRun(Finished(r, result, At(second + 5)));
    EXPECT_TRUE(s.ok()) << s.message();
    return r.id;
  }

  // Like AddFinished, with the verified artifact's size (nullopt: none).
  int64_t AddWithArtifact(HistoryStore& store, const std::string& job, RunResult result,
                          int64_t second, std::optional<uint64_t> size) {
    RunRecord r = Running(job, At(second));
    auto id = store.BeginRun(r);
    EXPECT_TRUE(id.ok()) << id.status().message();
    r.id = *id;
    RunRecord done = Finished(r, result, At(second + 5));
    done.artifact_size = size;
    Status s = store.FinishRun(done);
    EXPECT_TRUE(s.ok()) << s.message();
    return r.id;
  }

  int64_t AddRunning(HistoryStore& store, const std::string& job, int64_t second, int pid = 4242) {
    RunRecord r = Running(job, At(second));
    r.owner_pid = pid;
    auto id = store.BeginRun(r);
    EXPECT_TRUE(id.ok()) << id.status().message();
    return id.ok() ? *id : 0;
  }

  std::vector<int64_t> Ids(HistoryStore& store, const std::string& job, int limit = 0) {
    auto recent = store.Recent(job, limit);
    EXPECT_TRUE(recent.ok()) << recent.status().message();
    std::vector<int64_t> ids;
    if (recent.ok())
      for (const RunRecord& r : *recent) ids.push_back(r.id);
    return ids;
  }

  // A statement on a separate raw connection (what another process sees).
  void RawExec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }

  // The first column of every row of a query on a separate read-only
  // connection (what another process sees), rows joined by blanks.
  std::string RawColumn(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::string out;
    while (sqlite3_step(stmt) == SQLITE_ROW) {
      if (!out.empty()) out += ' ';
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out += text ? reinterpret_cast<const char*>(text) : "NULL";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
  }

  std::string dir_;
  std::string path_;
};

void ExpectSameRecord(const RunRecord& a, const RunRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.job, b.job);
  EXPECT_EQ(a.trigger, b.trigger);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.started_at, b.started_at);
  EXPECT_EQ(a.finished_at, b.finished_at);
  EXPECT_EQ(a.duration_ms, b.duration_ms);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.signal, b.signal);
  EXPECT_EQ(a.result, b.result);
  EXPECT_EQ(a.message, b.message);
  EXPECT_TRUE(a.output_tail == b.output_tail) << "output_tail differs";
  EXPECT_EQ(a.artifact_size, b.artifact_size);
  EXPECT_EQ(a.artifact_path, b.artifact_path);
  EXPECT_EQ(a.alert_status, b.alert_status);
  EXPECT_EQ(a.owner_pid, b.owner_pid);
  EXPECT_EQ(a.owner_boot_id, b.owner_boot_id);
  EXPECT_EQ(a.owner_start_time, b.owner_start_time);
}

TEST_F(SqliteHistory, RoundTripsEveryFieldIncludingOptionals) {
  auto store = Open();
  ASSERT_NE(store, nullptr);

  RunRecord r;
  r.job = "db";
  r.trigger = Trigger::kCatchup;
  r.host = "nas.example.org";
  r.started_at = Instant{Micros{1'711'846'800'123'456}};  // sub-second precision kept
  r.attempts = 3;
  r.owner_pid = 31337;
  r.owner_boot_id = "6f1c1ad0-6a1e-4a44-9b1d-3d2f8c1b0a99";
  r.owner_start_time = 18'446'744'073'709'551'000ULL;  // above INT64_MAX: stored bit for bit
  auto id = store->BeginRun(r);
  ASSERT_TRUE(id.ok()) << id.status().message();
  r.id = *id;

  // While running: every optional absent.
  auto running = store->Recent("db", 1);
  ASSERT_TRUE(running.ok());
  ASSERT_EQ(running->size(), 1u);
  ExpectSameRecord((*running)[0], r);

  // 64 KiB of binary-ish output: every byte value except NUL, invalid UTF-8 included.
  std::string tail;
  for (size_t i = 0; i < 64 * 1024; ++i) tail += static_cast<char>(1 + (i * 7919) % 255);
  r.finished_at = r.started_at + 90'500'250us;
  r.duration_ms = 90'500;
  r.exit_code = -1;
  r.signal = "TERM";
  r.result = RunResult::kTimeout;
  r.message = "killed after 1h30min; \"quoted\" and 'single' and ünïcödé";
  r.output_tail = tail;
  r.artifact_size = 18'000'000'000'000'000'000ULL;
  r.artifact_path = "/backups/db-2024-03-31.dump";
  r.alert_status = "failed: HTTP 502";
  ASSERT_TRUE(store->FinishRun(r).ok());

  auto finished = store->Recent("db", 0);
  ASSERT_TRUE(finished.ok());
  ASSERT_EQ(finished->size(), 1u);
  ExpectSameRecord((*finished)[0], r);

  // Empty strings and zero values stay empty, not NULL.
  RunRecord empty;
  empty.job = "empty";
  auto empty_id = store->BeginRun(empty);
  ASSERT_TRUE(empty_id.ok());
  empty.id = *empty_id;
  empty.exit_code = 0;
  empty.artifact_size = 0;
  empty.signal = "";
  empty.finished_at = Instant{};
  empty.result = RunResult::kSkipped;
  ASSERT_TRUE(store->FinishRun(empty).ok());
  auto back = store->Recent("empty", 0);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 1u);
  ExpectSameRecord((*back)[0], empty);
}

TEST_F(SqliteHistory, RoundTripsEveryResult) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  for (int i = 0; i <= static_cast<int>(RunResult::kInterrupted); ++i) {
    auto result = static_cast<RunResult>(i);
    RunRecord r = Running("all", At(i));
    auto id = store->BeginRun(r);
    ASSERT_TRUE(id.ok());
    r.id = *id;
    ASSERT_TRUE(store->FinishRun(Finished(r, result, At(i + 1))).ok());
    auto recent = store->Recent("all", 1);
    ASSERT_TRUE(recent.ok());
    EXPECT_EQ((*recent)[0].result, result) << RunResultName(result);
  }
}

TEST_F(SqliteHistory, RecentIsNewestFirstPerJobAndHonoursTheLimit) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<int64_t> db_ids;
  for (int i = 0; i < 5; ++i) {
    db_ids.push_back(AddFinished(*store, "db", RunResult::kSuccess, i * 10));
    AddFinished(*store, "files", RunResult::kFailed, i * 10 + 1);
  }
  std::vector<int64_t> newest_first(db_ids.rbegin(), db_ids.rend());
  EXPECT_EQ(Ids(*store, "db"), newest_first);
  EXPECT_EQ(Ids(*store, "db", -1), newest_first);
  EXPECT_EQ(Ids(*store, "db", 2), (std::vector<int64_t>{db_ids[4], db_ids[3]}));
  EXPECT_EQ(Ids(*store, "db", 100).size(), 5u);
  EXPECT_TRUE(Ids(*store, "nope").empty());
}

// Page(): the status page's job page reads a job's runs a page at a time.
TEST_F(SqliteHistory, APageIsASliceOfTheNewestFirstRunsWithOrWithoutTails) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::vector<int64_t> db_ids;
  for (int i = 0; i < 7; ++i) {
    RunRecord r = Running("db", At(i * 10));
    auto id = store->BeginRun(r);
    ASSERT_TRUE(id.ok());
    r.id = *id;
    r = Finished(r, RunResult::kSuccess, At(i * 10 + 5));
    r.output_tail = "run " + std::to_string(i) + "\n";
    ASSERT_TRUE(store->FinishRun(r).ok());
    db_ids.push_back(*id);
    AddFinished(*store, "files", RunResult::kFailed, i * 10 + 1);
  }
  auto ids = [&](int skip, int limit, bool tails) {
    auto page = store->Page("db", skip, limit, tails);
    EXPECT_TRUE(page.ok()) << page.status().message();
    std::vector<int64_t> out;
    if (page.ok())
      for (const RunRecord& r : *page) {
        out.push_back(r.id);
        EXPECT_EQ(r.job, "db");
        EXPECT_EQ(r.output_tail.empty(), !tails);
      }
    return out;
  };
  EXPECT_EQ(ids(0, 3, true), (std::vector<int64_t>{db_ids[6], db_ids[5], db_ids[4]}));
  EXPECT_EQ(ids(3, 3, false), (std::vector<int64_t>{db_ids[3], db_ids[2], db_ids[1]}));
  EXPECT_EQ(ids(6, 3, true), (std::vector<int64_t>{db_ids[0]}));
  EXPECT_TRUE(ids(7, 3, true).empty());
  // The interface's default (for fakes) answers the same.
  auto fallback = store->HistoryStore::Page("db", 3, 3, false);
  ASSERT_TRUE(fallback.ok());
  ASSERT_EQ(fallback->size(), 3u);
  EXPECT_EQ((*fallback)[0].id, db_ids[3]);
  EXPECT_TRUE((*fallback)[0].output_tail.empty());
}

TEST_F(SqliteHistory, FinishRunOfAnUnknownIdIsNotFound) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  RunRecord r = Running("db", At(0));
  r.id = 12345;
  Status s = store->FinishRun(r);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("12345"));
}

TEST_F(SqliteHistory, LastGoodIsTheNewestFinishedGoodResult) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto none = store->LastGood("db");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  AddFinished(*store, "db", RunResult::kSuccess, 0);
  int64_t warning = AddFinished(*store, "db", RunResult::kWarning, 10);
  AddFinished(*store, "db", RunResult::kFailed, 20);
  AddFinished(*store, "db", RunResult::kVerifyFailed, 30);
  AddFinished(*store, "db", RunResult::kSkipped, 40);
  AddFinished(*store, "other", RunResult::kSuccess, 50);
  AddRunning(*store, "db", 60);
  auto good = store->LastGood("db");
  ASSERT_TRUE(good.ok());
  ASSERT_TRUE(good->has_value());
  EXPECT_EQ((*good)->id, warning);

  int64_t done = AddFinished(*store, "db", RunResult::kAlreadyDone, 70);
  good = store->LastGood("db");
  ASSERT_TRUE(good.ok() && good->has_value());
  EXPECT_EQ((*good)->id, done);
  EXPECT_EQ((*good)->result, RunResult::kAlreadyDone);
}

TEST_F(SqliteHistory, ReapDeadMarksOnlyDeadRunnersInterrupted) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  int64_t finished = AddFinished(*store, "db", RunResult::kSuccess, 0);
  int64_t dead = AddRunning(*store, "db", 100, /*pid=*/111);
  int64_t alive = AddRunning(*store, "db", 200, /*pid=*/222);
  int64_t dead_other = AddRunning(*store, "files", 300, /*pid=*/333);

  std::set<int64_t> asked;
  OwnerAlive owner_alive = [&](const RunRecord& r) {
    asked.insert(r.id);
    EXPECT_EQ(r.result, RunResult::kRunning);
    return r.owner_pid == 222;
  };
  auto reaped = store->ReapDead(owner_alive, At(400));
  ASSERT_TRUE(reaped.ok()) << reaped.status().message();
  EXPECT_EQ(*reaped, 2);
  EXPECT_EQ(asked, (std::set<int64_t>{dead, alive, dead_other}));  // finished ones not asked

  auto db = store->Recent("db", 0);
  ASSERT_TRUE(db.ok());
  ASSERT_EQ(db->size(), 3u);
  const RunRecord& alive_rec = (*db)[0];
  const RunRecord& dead_rec = (*db)[1];
  const RunRecord& finished_rec = (*db)[2];
  EXPECT_EQ(alive_rec.id, alive);
  EXPECT_EQ(alive_rec.result, RunResult::kRunning);
  EXPECT_FALSE(alive_rec.finished_at.has_value());
  EXPECT_EQ(dead_rec.id, dead);
  EXPECT_EQ(dead_rec.result, RunResult::kInterrupted);
  EXPECT_EQ(dead_rec.finished_at, At(400));
  EXPECT_EQ(dead_rec.duration_ms, 300'000);
  EXPECT_EQ(dead_rec.message, DeadRunnerMessage(111));
  EXPECT_THAT(dead_rec.message, HasSubstr("(pid 111) died before finishing"));
  EXPECT_THAT(dead_rec.message, HasSubstr("could not record how the run ended"));
  EXPECT_EQ(dead_rec.attempts, 1);  // the rest is kept
  EXPECT_EQ(finished_rec.id, finished);
  EXPECT_EQ(finished_rec.result, RunResult::kSuccess);
  EXPECT_EQ(finished_rec.finished_at, At(5));

  // Nothing left to reap; the live one is asked about again.
  asked.clear();
  auto again = store->ReapDead(owner_alive, At(500));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  EXPECT_EQ(asked, (std::set<int64_t>{alive}));
}

TEST_F(SqliteHistory, ReapDeadDoesNotOverwriteARunThatFinishedMeanwhile) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  RunRecord r = Running("db", At(0));
  auto id = store->BeginRun(r);
  ASSERT_TRUE(id.ok());
  r.id = *id;
  // The runner finishes between ReapDead's read and its update.
  auto reaped = store->ReapDead(
      [&](const RunRecord&) {
        EXPECT_TRUE(store->FinishRun(Finished(r, RunResult::kSuccess, At(5))).ok());
        return false;
      },
      At(10));
  ASSERT_TRUE(reaped.ok());
  EXPECT_EQ(*reaped, 0);
  auto recent = store->Recent("db", 1);
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ((*recent)[0].result, RunResult::kSuccess);
}

TEST_F(SqliteHistory, RetentionKeepsTheNewestRunsAndNeverDeletesARunningOne) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  int64_t old_running = AddRunning(*store, "db", 0);
  std::vector<int64_t> finished;
  for (int i = 1; i <= 6; ++i) finished.push_back(AddFinished(*store, "db", RunResult::kFailed, i));
  int64_t new_running = AddRunning(*store, "db", 100);
  int64_t other = AddFinished(*store, "other", RunResult::kSuccess, 0);

  ASSERT_TRUE(store->ApplyRetention("db", 10).ok());  // fewer than 10: nothing goes
  EXPECT_EQ(Ids(*store, "db").size(), 8u);

  // The two newest are new_running and finished[5]; old_running is older
  // but still running, so it stays.
  ASSERT_TRUE(store->ApplyRetention("db", 2).ok());
  EXPECT_EQ(Ids(*store, "db"), (std::vector<int64_t>{new_running, finished[5], old_running}));
  EXPECT_EQ(Ids(*store, "other"), (std::vector<int64_t>{other}));

  ASSERT_TRUE(store->ApplyRetention("db", 1).ok());
  EXPECT_EQ(Ids(*store, "db"), (std::vector<int64_t>{new_running, old_running}));

  Status zero = store->ApplyRetention("db", 0);
  EXPECT_EQ(zero.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Ids(*store, "db").size(), 2u);
}

TEST_F(SqliteHistory, FinishRunAppliesRetentionInTheSameWrite) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  int64_t running = AddRunning(*store, "db", 0);
  std::vector<int64_t> finished;
  for (int i = 1; i <= 4; ++i)
    finished.push_back(AddFinished(*store, "db", RunResult::kSuccess, i));
  int64_t other = AddFinished(*store, "other", RunResult::kSuccess, 0);

  RunRecord r = Running("db", At(10));
  auto id = store->BeginRun(r);
  ASSERT_TRUE(id.ok());
  r.id = *id;
  ASSERT_TRUE(store->FinishRun(Finished(r, RunResult::kFailed, At(11)), 6).ok());
  EXPECT_EQ(Ids(*store, "db").size(), 6u);  // six records, keep 6: nothing goes

  ASSERT_TRUE(store->FinishRun(Finished(r, RunResult::kWarning, At(12)), 2).ok());
  // The two newest finished stay, and the running one; the finished record
  // was rewritten before retention counted it.
  EXPECT_EQ(Ids(*store, "db"), (std::vector<int64_t>{r.id, finished[3], running}));
  auto recent = store->Recent("db", 1);
  ASSERT_TRUE(recent.ok());
  EXPECT_EQ(recent->front().result, RunResult::kWarning);
  EXPECT_EQ(Ids(*store, "other"), (std::vector<int64_t>{other}));

  ASSERT_TRUE(store->FinishRun(Finished(r, RunResult::kSuccess, At(13)), 0).ok());
  EXPECT_EQ(Ids(*store, "db").size(), 3u);  // 0: no retention
}

TEST_F(SqliteHistory, RecentStartsAreRecentWithoutTheHeavyFields) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  AddFinished(*store, "db", RunResult::kSuccess, 0);
  AddRunning(*store, "db", 10);
  AddFinished(*store, "other", RunResult::kSuccess, 20);
  auto full = store->Recent("db", 0);
  auto starts = store->RecentStarts("db", 0);
  ASSERT_TRUE(full.ok());
  ASSERT_TRUE(starts.ok());
  ASSERT_EQ(starts->size(), full->size());
  for (size_t i = 0; i < full->size(); ++i) {
    EXPECT_EQ((*starts)[i].id, (*full)[i].id);
    EXPECT_EQ((*starts)[i].job, "db");
    EXPECT_EQ((*starts)[i].trigger, (*full)[i].trigger);
    EXPECT_EQ((*starts)[i].started_at, (*full)[i].started_at);
    EXPECT_EQ((*starts)[i].finished_at, (*full)[i].finished_at);
  }
  auto one = store->RecentStarts("db", 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_FALSE(one->front().finished_at.has_value());  // the running one is newest
}

// Recovery alerts compare with the previous meaningful result: a skipped
// run between a failure and a success did nothing, and a running record
// (another runner, or this one) has no result yet.
TEST_F(SqliteHistory, LastResultPassesOverRunningAndSkippedRecords) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto none = store->LastResult("db");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  AddFinished(*store, "db", RunResult::kFailed, 0);
  AddFinished(*store, "other", RunResult::kSuccess, 1);
  auto failed = store->LastResult("db");
  ASSERT_TRUE(failed.ok());
  EXPECT_EQ(*failed, RunResult::kFailed);
  AddFinished(*store, "db", RunResult::kSkipped, 2);
  AddRunning(*store, "db", 3);
  auto still = store->LastResult("db");
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(*still, RunResult::kFailed);
  AddFinished(*store, "db", RunResult::kInterrupted, 4);
  EXPECT_EQ(*store->LastResult("db"), RunResult::kInterrupted);
  AddFinished(*store, "db", RunResult::kAlreadyDone, 5);
  EXPECT_EQ(*store->LastResult("db"), RunResult::kAlreadyDone);

  // Only skipped (or running) records: no previous result at all.
  AddFinished(*store, "skips", RunResult::kSkipped, 6);
  AddRunning(*store, "skips", 7);
  auto only_skips = store->LastResult("skips");
  ASSERT_TRUE(only_skips.ok());
  EXPECT_FALSE(only_skips->has_value());
}

// max_shrink compares with the last artifact that was measured: an
// already_done run (LastGood) verified nothing and has no size, and neither
// does a success of the job before it had [verify].
TEST_F(SqliteHistory, LastArtifactIsTheNewestSuccessOrWarningWithASize) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto none = store->LastArtifact("db");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  AddWithArtifact(*store, "db", RunResult::kSuccess, 0, 1000);
  int64_t warning = AddWithArtifact(*store, "db", RunResult::kWarning, 10, 900);
  AddWithArtifact(*store, "db", RunResult::kVerifyFailed, 20, 5);
  int64_t done = AddWithArtifact(*store, "db", RunResult::kAlreadyDone, 30, std::nullopt);
  AddWithArtifact(*store, "db", RunResult::kSuccess, 40, std::nullopt);
  AddWithArtifact(*store, "db", RunResult::kSkipped, 50, std::nullopt);
  AddWithArtifact(*store, "other", RunResult::kSuccess, 60, 7);
  AddRunning(*store, "db", 70);

  auto artifact = store->LastArtifact("db");
  ASSERT_TRUE(artifact.ok()) << artifact.status().message();
  ASSERT_TRUE(artifact->has_value());
  EXPECT_EQ((*artifact)->id, warning);
  EXPECT_EQ((*artifact)->artifact_size, 900u);
  // LastGood keeps its meaning: when the job last did its work.
  auto good = store->LastGood("db");
  ASSERT_TRUE(good.ok() && good->has_value());
  EXPECT_EQ((*good)->result, RunResult::kSuccess);
  EXPECT_GT((*good)->id, done);

  // The default (for fakes) agrees.
  EXPECT_EQ((*store->HistoryStore::LastArtifact("db"))->id, warning);
}

// A run whose number is within keep_runs skips the delete; one that another
// runner began meanwhile still trims to keep_runs when it finishes.
TEST_F(SqliteHistory, RetentionStaysExactWithTwoRunnersInterleaved) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  AddFinished(*a, "db", RunResult::kSuccess, 0);
  RunRecord ra = Running("db", At(1));
  auto ida = a->BeginRun(ra);  // number 2
  ASSERT_TRUE(ida.ok());
  ra.id = *ida;
  RunRecord rb = Running("db", At(2));
  auto idb = b->BeginRun(rb);  // number 3
  ASSERT_TRUE(idb.ok());
  rb.id = *idb;
  ASSERT_TRUE(a->FinishRun(Finished(ra, RunResult::kSuccess, At(3)), 2).ok());
  EXPECT_EQ(Ids(*a, "db").size(), 3u);  // a's number is 2: nothing to do yet
  ASSERT_TRUE(b->FinishRun(Finished(rb, RunResult::kSuccess, At(4)), 2).ok());
  EXPECT_EQ(Ids(*a, "db"), (std::vector<int64_t>{rb.id, ra.id}));
}

TEST_F(SqliteHistory, IdsAreNeverReusedAfterRetention) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  int64_t first = AddFinished(*store, "db", RunResult::kSuccess, 0);
  int64_t second = AddFinished(*store, "db", RunResult::kSuccess, 1);
  ASSERT_TRUE(store->ApplyRetention("db", 1).ok());
  RawExec("DELETE FROM runs WHERE id = " + std::to_string(second));  // even the newest
  int64_t third = AddFinished(*store, "db", RunResult::kSuccess, 2);
  EXPECT_GT(third, second);
  EXPECT_GT(second, first);
}

TEST_F(SqliteHistory, JobsAreDistinctAndSorted) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  auto none = store->Jobs();
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  for (const char* job : {"zeta", "alpha", "db", "alpha", "Beta", "db", "alpha-2"})
    AddFinished(*store, job, RunResult::kSuccess, 0);
  AddRunning(*store, "only-running", 0);
  auto jobs = store->Jobs();
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(*jobs,
            (std::vector<std::string>{"Beta", "alpha", "alpha-2", "db", "only-running", "zeta"}));
}

TEST_F(SqliteHistory, TwoStoresOnOneFileUsedAlternately) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  RunRecord ra = Running("db", At(0));
  RunRecord rb = Running("db", At(1));
  auto ida = a->BeginRun(ra);
  auto idb = b->BeginRun(rb);
  ASSERT_TRUE(ida.ok() && idb.ok());
  EXPECT_NE(*ida, *idb);
  ra.id = *ida;
  rb.id = *idb;
  // Each store finishes the other's record and sees the other's writes at once.
  ASSERT_TRUE(b->FinishRun(Finished(ra, RunResult::kSuccess, At(10))).ok());
  ASSERT_TRUE(a->FinishRun(Finished(rb, RunResult::kFailed, At(11))).ok());
  for (HistoryStore* store : {a.get(), b.get()}) {
    auto recent = store->Recent("db", 0);
    ASSERT_TRUE(recent.ok());
    ASSERT_EQ(recent->size(), 2u);
    EXPECT_EQ((*recent)[0].result, RunResult::kFailed);
    EXPECT_EQ((*recent)[1].result, RunResult::kSuccess);
  }
  for (int i = 0; i < 20; ++i) AddFinished(i % 2 ? *a : *b, "db", RunResult::kSuccess, 100 + i);
  EXPECT_EQ(Ids(*a, "db").size(), 22u);
  EXPECT_EQ(Ids(*b, "db"), Ids(*a, "db"));
}

// Two processes open the (not yet existing) database at the same moment and
// each write 200 runs: no run is lost and no write fails.
TEST_F(SqliteHistory, TwoProcessesWritingConcurrentlyLoseNothing) {
  constexpr int kRunsPerProcess = 200;
  int start[2];
  ASSERT_EQ(pipe(start), 0);
  std::vector<pid_t> children;
  for (int child = 0; child < 2; ++child) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(start[1]);
      char c;
      (void)!read(start[0], &c, 1);  // wait until both exist
      auto die = [](int code, const Status& s) {
        fprintf(stderr, "child: %s\n", s.message().c_str());
        _exit(code);
      };
      auto store = OpenSqliteHistory(path_);
      if (!store.ok()) die(10, store.status());
      const std::string job = "proc" + std::to_string(child);
      for (int i = 0; i < kRunsPerProcess; ++i) {
        RunRecord r = Running(job, At(i));
        r.owner_pid = getpid();
        auto id = (*store)->BeginRun(r);
        if (!id.ok()) die(11, id.status());
        r.id = *id;
        Status finish = (*store)->FinishRun(Finished(r, RunResult::kSuccess, At(i + 1)));
        if (!finish.ok()) die(12, finish);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  close(start[0]);
  close(start[1]);  // go
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  auto store = Open();
  ASSERT_NE(store, nullptr);
  std::set<int64_t> all;
  for (const char* job : {"proc0", "proc1"}) {
    auto recent = store->Recent(job, 0);
    ASSERT_TRUE(recent.ok());
    EXPECT_EQ(recent->size(), static_cast<size_t>(kRunsPerProcess)) << job;
    for (const RunRecord& r : *recent) {
      EXPECT_EQ(r.result, RunResult::kSuccess);
      all.insert(r.id);
    }
  }
  EXPECT_EQ(all.size(), 2u * kRunsPerProcess);
}

TEST_F(SqliteHistory, RefusesADatabaseFromANewerSurety) {
  { ASSERT_NE(Open(), nullptr); }
  RawExec("PRAGMA user_version = 99");
  auto store = OpenSqliteHistory(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(),
              HasSubstr("history.db was written by a newer surety (schema 99)"));
  EXPECT_THAT(store.status().message(), HasSubstr(path_));
}

TEST_F(SqliteHistory, MigratesAFreshDatabaseToTheCurrentSchemaOnce) {
  { ASSERT_NE(Open(), nullptr); }
  EXPECT_EQ(RawColumn("PRAGMA user_version"), "3");
  EXPECT_EQ(RawColumn("SELECT count(*) FROM journal_state"), "0");
  EXPECT_EQ(RawColumn("PRAGMA page_size"), "1024");
  EXPECT_EQ(RawColumn("PRAGMA journal_mode"), "wal");
  // Reopening an up-to-date database changes nothing and keeps the data.
  auto store = Open();
  ASSERT_NE(store, nullptr);
  AddFinished(*store, "db", RunResult::kSuccess, 0);
  store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Ids(*store, "db").size(), 1u);
}

// A database written by the first schema gains per-job numbers for the
// records already there, and retention then works on them.
TEST_F(SqliteHistory, MigratesASchemaOneDatabaseKeepingItsRecords) {
  RawExec(R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT, job TEXT NOT NULL, trigger_kind TEXT NOT NULL,
  host TEXT NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER,
  duration_ms INTEGER NOT NULL, attempts INTEGER NOT NULL, exit_code INTEGER, signal TEXT,
  result TEXT NOT NULL, message TEXT NOT NULL, output_tail BLOB NOT NULL,
  artifact_size INTEGER, artifact_path TEXT NOT NULL, alert_status TEXT NOT NULL,
  owner_pid INTEGER NOT NULL, owner_boot_id TEXT NOT NULL, owner_start_time INTEGER NOT NULL);
CREATE INDEX runs_by_job ON runs (job, id DESC);
CREATE INDEX runs_running ON runs (id) WHERE result = 'running';
PRAGMA user_version = 1;
)sql");
  std::string values;
  for (int i = 0; i < 5; ++i)
    values += std::string(values.empty() ? "" : ",") + "('db','manual','h'," + std::to_string(i) +
              ",1,0,1,0,NULL,'success','','',NULL,'','',1,'b',1)";
  values += ",('db','manual','h',9,NULL,0,1,NULL,NULL,'running','','',NULL,'','',1,'b',1)";
  RawExec(
      "INSERT INTO runs (job, trigger_kind, host, started_at, finished_at, duration_ms, "
      "attempts, exit_code, signal, result, message, output_tail, artifact_size, artifact_path, "
      "alert_status, owner_pid, owner_boot_id, owner_start_time) VALUES " +
      values);
  auto store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Ids(*store, "db"), (std::vector<int64_t>{6, 5, 4, 3, 2, 1}));
  ASSERT_TRUE(store->ApplyRetention("db", 2).ok());
  EXPECT_EQ(Ids(*store, "db"), (std::vector<int64_t>{6, 5}));
  // New records continue the numbering of the migrated ones.
  int64_t next = AddFinished(*store, "db", RunResult::kSuccess, 20);
  ASSERT_TRUE(store->ApplyRetention("db", 2).ok());
  EXPECT_EQ(Ids(*store, "db"), (std::vector<int64_t>{next, 6}));
}

// Concurrent writers and retention never give two records of a job the
// same number: the number is taken inside the write transaction.
TEST_F(SqliteHistory, RecordsAreNumberedPerJobInStartOrder) {
  auto a = Open();
  auto b = Open();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  for (int i = 0; i < 3; ++i) {
    AddFinished(*a, "db", RunResult::kSuccess, i);
    AddFinished(*b, "db", RunResult::kSuccess, i);
    AddFinished(*b, "web", RunResult::kSuccess, i);
  }
  ASSERT_TRUE(a->ApplyRetention("db", 2).ok());
  AddFinished(*a, "db", RunResult::kFailed, 9);
  EXPECT_EQ(RawColumn("SELECT job || seq FROM runs ORDER BY id"), "web1 web2 db5 db6 web3 db7");
}

TEST_F(SqliteHistory, UnopenablePathIsAClearError) {
  const std::string missing_dir = dir_ + "/no/such/dir/history.db";
  auto store = OpenSqliteHistory(missing_dir);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kIoError);
  EXPECT_THAT(store.status().message(), HasSubstr("cannot open history database " + missing_dir));

  auto directory = OpenSqliteHistory(dir_);  // a directory, not a file
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.status().message(), HasSubstr(dir_));

  // Not writable even for root.
  auto proc = OpenSqliteHistory("/proc/surety-history.db");
  ASSERT_FALSE(proc.ok());
  EXPECT_THAT(proc.status().message(), HasSubstr("/proc/surety-history.db"));
}

TEST_F(SqliteHistory, NotADatabaseIsAClearError) {
  FILE* f = fopen(path_.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("this is not an SQLite database, it is a text file that is long enough to matter\n", f);
  fclose(f);
  auto store = OpenSqliteHistory(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr(path_));
  EXPECT_THAT(store.status().message(), HasSubstr("not a database"));
}

TEST_F(SqliteHistory, FullDiskIsReportedAndTheStoreStaysReadable) {
  {
    auto store = Open();
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 10; ++i) AddFinished(*store, "db", RunResult::kSuccess, i);
  }
  // Cap the database at its current size: the next page it needs is "disk full".
  SqliteHistoryOptions options;
  options.max_page_count = 1;  // SQLite never lowers it below the current size
  auto store = Open(options);
  ASSERT_NE(store, nullptr);
  Status failure;
  int written = 0;
  for (int i = 0; i < 1000 && failure.ok(); ++i) {
    RunRecord r = Running("db", At(1000 + i));
    r.output_tail = std::string(3000, 'x');
    auto id = store->BeginRun(r);
    if (id.ok())
      ++written;
    else
      failure = id.status();
  }
  ASSERT_FALSE(failure.ok()) << "never filled up";
  EXPECT_EQ(failure.code(), StatusCode::kIoError);
  EXPECT_THAT(failure.message(), HasSubstr("disk full while writing history.db"));
  EXPECT_THAT(failure.message(), HasSubstr(path_));

  // Still readable, nothing half-written, no transaction left open.
  auto recent = store->Recent("db", 0);
  ASSERT_TRUE(recent.ok()) << recent.status().message();
  EXPECT_EQ(recent->size(), static_cast<size_t>(10 + written));
  auto good = store->LastGood("db");
  ASSERT_TRUE(good.ok() && good->has_value());
  auto jobs = store->Jobs();
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(*jobs, std::vector<std::string>{"db"});

  // A FinishRun that needs more room fails the same way and leaves the
  // running record as it was.
  RunRecord newest = recent->front();
  newest.result = RunResult::kSuccess;
  newest.finished_at = newest.started_at + 1s;
  newest.output_tail = std::string(64 * 1024, 'y');
  Status finish = store->FinishRun(newest);
  EXPECT_THAT(finish.message(), HasSubstr("disk full while writing history.db"));
  auto after = store->Recent("db", 1);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ((*after)[0].result, recent->front().result);
  EXPECT_EQ((*after)[0].output_tail, recent->front().output_tail);

  // Space freed (here: the cap lifted by a new connection): writes work again.
  store = Open();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->FinishRun(newest).ok());
}

TEST_F(SqliteHistory, AFinishedRunIsVisibleToAnotherConnectionAtOnce) {
  auto store = Open();
  ASSERT_NE(store, nullptr);
  RunRecord r = Running("db", At(0));
  auto id = store->BeginRun(r);
  ASSERT_TRUE(id.ok());
  r.id = *id;
  ASSERT_TRUE(store->FinishRun(Finished(r, RunResult::kWarning, At(3))).ok());

  // A raw connection opened only now (another process would see the same).
  EXPECT_EQ(
      RawColumn("SELECT result || ' ' || finished_at FROM runs WHERE id = " + std::to_string(r.id)),
      "warning 3000000");

  // And so does a second store, while the first stays open.
  auto other = Open();
  ASSERT_NE(other, nullptr);
  auto good = other->LastGood("db");
  ASSERT_TRUE(good.ok() && good->has_value());
  EXPECT_EQ((*good)->id, r.id);
}

}  // namespace
}  // namespace surety
