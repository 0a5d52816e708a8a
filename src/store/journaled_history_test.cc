// The history of a state directory (OpenStateHistory): runs are recorded in
// the journal without opening history.db, every read sees them, folding is
// idempotent (a crash between commit and truncation loses and duplicates
// nothing), ids stay unique across boots, processes and a reused id, a torn
// line or a failed write never costs another record, and a journal from a
// newer surety is left alone.
//
// Each test gets a fresh directory under /tmp. Two tests fork: a test may,
// production code may not (style: fork only in src/os/).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "os/proc.h"
#include "store/history_store.h"
#include "store/run_journal.h"

namespace surety {
namespace {

using ::testing::HasSubstr;

Instant At(int64_t seconds) { return Instant{std::chrono::seconds(seconds)}; }

RunRecord Running(const std::string& job, Instant started, int pid = 4242) {
  RunRecord r;
  r.job = job;
  r.trigger = Trigger::kSchedule;
  r.host = "host-a";
  r.started_at = started;
  r.attempts = 1;
  r.owner_pid = pid;
  r.owner_boot_id = "boot-1";
  r.owner_start_time = 777;
  return r;
}

RunRecord Finished(RunRecord r, RunResult result) {
  r.result = result;
  r.finished_at = r.started_at + std::chrono::seconds(5);
  r.duration_ms = 5000;
  r.exit_code = 0;
  return r;
}

class JournaledHistory : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/surety-journal-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<HistoryStore> Open() { return OpenStateHistory(dir_, SqliteHistoryOptions{}); }
  std::string JournalFile() const { return JournalPath(dir_); }
  // A BeginRun through a store opened with `options` while another process
  // holds the journal's lock (released once it returns), and how long it took.
  struct LockedBegin {
    std::unique_ptr<HistoryStore> store;
    Result<int64_t> id;
    std::chrono::steady_clock::duration waited;
  };
  LockedBegin BeginRunWhileTheJournalIsLocked(const SqliteHistoryOptions& options) {
    EXPECT_TRUE(Open()->BeginRun(Running("db", At(1))).ok());
    int holder = ::open(JournalFile().c_str(), O_RDWR);
    EXPECT_GE(holder, 0);
    EXPECT_EQ(::flock(holder, LOCK_EX), 0);
    auto h = OpenStateHistory(dir_, options);
    auto t0 = std::chrono::steady_clock::now();
    auto id = h->BeginRun(Running("db", At(2)));
    auto waited = std::chrono::steady_clock::now() - t0;
    ::close(holder);
    return {std::move(h), std::move(id), waited};
  }
  std::string ReadJournal() const {
    std::string text;
    if (std::FILE* f = std::fopen(JournalFile().c_str(), "rb")) {
      char buf[4096];
      for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
      std::fclose(f);
    }
    return text;
  }
  void WriteJournal(const std::string& text) const {
    std::ofstream(JournalFile(), std::ios::binary | std::ios::trunc) << text;
  }
  // Records a whole run; returns its id.
  int64_t Record(HistoryStore& h, RunRecord r, RunResult result, int keep = 0) {
    auto id = h.BeginRun(r);
    EXPECT_TRUE(id.ok()) << id.status().message();
    r.id = id.ok() ? *id : 0;
    Status s = h.FinishRun(Finished(r, result), keep);
    EXPECT_TRUE(s.ok()) << s.message();
    return r.id;
  }
  std::vector<RunRecord> All(HistoryStore& h, const std::string& job) {
    auto runs = h.Recent(job, 0);
    EXPECT_TRUE(runs.ok()) << runs.status().message();
    return runs.ok() ? *runs : std::vector<RunRecord>{};
  }

  std::string dir_;
};

TEST_F(JournaledHistory, ARunIsRecordedWithoutOpeningTheDatabaseAndEveryReadSeesIt) {
  // A header written in this boot: the runner needs nothing else. (The first
  // run of a boot checks the ids against history.db instead; see below.)
  WriteJournal(EncodeJournalHeader(JournalHeader{1, CurrentBootId(), 1}));
  auto runner = Open();
  int64_t id = Record(*runner, Running("db", At(100)), RunResult::kSuccess);
  EXPECT_EQ(id, 1);
  EXPECT_FALSE(std::filesystem::exists(HistoryPath(dir_)));
  EXPECT_GT(std::filesystem::file_size(JournalFile()), kJournalHeaderSize);

  auto reader = Open();
  std::vector<RunRecord> runs = All(*reader, "db");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, 1);
  EXPECT_EQ(runs[0].result, RunResult::kSuccess);
  EXPECT_EQ(runs[0].host, "host-a");
  // Folded: the journal keeps only its header (and the next id).
  EXPECT_EQ(std::filesystem::file_size(JournalFile()), kJournalHeaderSize);
  EXPECT_EQ(ParseJournalHeader(ReadJournal())->next_id, 2);
}

TEST_F(JournaledHistory, ARunningRecordIsVisibleBeforeItFinishes) {
  auto runner = Open();
  auto id = runner->BeginRun(Running("db", At(100)));
  ASSERT_TRUE(id.ok());
  auto runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].result, RunResult::kRunning);
  RunRecord done = Finished(Running("db", At(100)), RunResult::kFailed);
  done.id = *id;
  ASSERT_TRUE(runner->FinishRun(done, 0).ok());
  runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].result, RunResult::kFailed);
}

TEST_F(JournaledHistory, IdsContinueAfterAnExistingDatabase) {
  {
    auto db = OpenSqliteHistory(HistoryPath(dir_));
    ASSERT_TRUE(db.ok());
    for (int i = 0; i < 3; ++i) ASSERT_TRUE((*db)->BeginRun(Running("old", At(i))).ok());
  }
  EXPECT_EQ(Record(*Open(), Running("db", At(10)), RunResult::kSuccess), 4);
  // The next runner reads the id from the header alone.
  EXPECT_EQ(Record(*Open(), Running("db", At(11)), RunResult::kSuccess), 5);
  auto h = Open();
  EXPECT_EQ(All(*h, "db").size(), 2u);
  EXPECT_EQ(All(*h, "old").size(), 3u);
}

TEST_F(JournaledHistory, AHeaderFromAnotherBootIsCheckedAgainstTheDatabase) {
  {
    auto db = OpenSqliteHistory(HistoryPath(dir_));
    ASSERT_TRUE(db.ok());
    for (int i = 0; i < 10; ++i) ASSERT_TRUE((*db)->BeginRun(Running("old", At(i))).ok());
  }
  // A power cut lost the header's last updates: it says 2, the database has 10.
  WriteJournal(EncodeJournalHeader(JournalHeader{1, "another-boot", 2}));
  EXPECT_EQ(Record(*Open(), Running("db", At(20)), RunResult::kSuccess), 11);
  EXPECT_EQ(ParseJournalHeader(ReadJournal())->boot_id, CurrentBootId());
  // A header ahead of the database (entries lost, ids not) is kept ahead.
  WriteJournal(EncodeJournalHeader(JournalHeader{1, "another-boot", 50}));
  EXPECT_EQ(Record(*Open(), Running("db", At(21)), RunResult::kSuccess), 50);
}

TEST_F(JournaledHistory, FoldingAgainAfterACrashChangesNothing) {
  auto runner = Open();
  Record(*runner, Running("db", At(100)), RunResult::kSuccess);
  Record(*runner, Running("db", At(200)), RunResult::kFailed);
  const std::string before_fold = ReadJournal();
  std::vector<RunRecord> first = All(*Open(), "db");
  ASSERT_EQ(first.size(), 2u);
  // A crash after history.db's commit, before the journal's truncation.
  WriteJournal(before_fold);
  std::vector<RunRecord> again = All(*Open(), "db");
  ASSERT_EQ(again.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(again[i].id, first[i].id);
    EXPECT_EQ(again[i].result, first[i].result);
    EXPECT_EQ(again[i].finished_at, first[i].finished_at);
  }
}

TEST_F(JournaledHistory, AReplayedStartEntryNeverRevivesAReapedRun) {
  auto runner = Open();
  ASSERT_TRUE(runner->BeginRun(Running("db", At(100))).ok());
  const std::string start_only = ReadJournal();
  auto reader = Open();
  auto reaped = reader->ReapDead([](const RunRecord&) { return false; }, At(500));
  ASSERT_TRUE(reaped.ok());
  EXPECT_EQ(*reaped, 1) << "a run that is only in the journal is reaped too";
  WriteJournal(start_only);
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].result, RunResult::kInterrupted);
}

TEST_F(JournaledHistory, RetentionIsAppliedWhenTheJournalIsFolded) {
  auto runner = Open();
  for (int i = 0; i < 5; ++i) Record(*runner, Running("db", At(i)), RunResult::kSuccess, 2);
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, 5);
  EXPECT_EQ(runs[1].id, 4);
}

TEST_F(JournaledHistory, AnIdTakenByAnotherRunnerIsStoredUnderANewOne) {
  Record(*Open(), Running("db", At(100), 1000), RunResult::kSuccess);
  ASSERT_EQ(All(*Open(), "db").size(), 1u);
  // After a power cut, a journal entry reuses id 1 for another runner.
  RunRecord other = Finished(Running("db", At(300), 2000), RunResult::kFailed);
  other.id = 1;
  WriteJournal(EncodeJournalHeader(JournalHeader{1, "b", 2}) +
               EncodeJournalEntry(JournalEntry{other, 0}));
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, 2);
  EXPECT_EQ(runs[0].owner_pid, 2000);
  EXPECT_EQ(runs[0].result, RunResult::kFailed);
  EXPECT_EQ(runs[1].id, 1);
  EXPECT_EQ(runs[1].owner_pid, 1000);
  EXPECT_EQ(runs[1].result, RunResult::kSuccess);
  // Replayed, the same entry finds the record it became.
  WriteJournal(EncodeJournalHeader(JournalHeader{1, "b", 3}) +
               EncodeJournalEntry(JournalEntry{other, 0}));
  EXPECT_EQ(All(*Open(), "db").size(), 2u);
}

TEST_F(JournaledHistory, AJournalFromANewerSuretyIsRefusedAndLeftAlone) {
  const std::string newer = EncodeJournalHeader(JournalHeader{2, "b", 9});
  WriteJournal(newer + "future entry format\n");
  auto h = Open();
  auto id = h->BeginRun(Running("db", At(1)));
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(id.status().message(), HasSubstr("newer surety"));
  auto runs = h->Recent("db", 0);
  ASSERT_FALSE(runs.ok());
  EXPECT_THAT(runs.status().message(), HasSubstr("newer surety"));
  EXPECT_EQ(ReadJournal(), newer + "future entry format\n");
}

TEST_F(JournaledHistory, ATornLastLineCostsNoOtherRecord) {
  RunRecord lost = Finished(Running("db", At(50)), RunResult::kSuccess);
  lost.id = 1;
  std::string torn = EncodeJournalEntry(JournalEntry{lost, 0});
  WriteJournal(EncodeJournalHeader(JournalHeader{1, CurrentBootId(), 2}) +
               torn.substr(0, torn.size() / 2));
  EXPECT_EQ(Record(*Open(), Running("db", At(100)), RunResult::kSuccess), 2);
  ParsedJournal p = ParseJournal(ReadJournal());
  EXPECT_EQ(p.damaged, 1);
  ASSERT_EQ(p.entries.size(), 2u);  // start and finish of run 2, each whole
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].id, 2);
}

TEST_F(JournaledHistory, ALongLivedReaderFollowsAReplacedJournal) {
  auto reader = Open();
  Record(*Open(), Running("db", At(1)), RunResult::kSuccess);
  ASSERT_EQ(All(*reader, "db").size(), 1u);  // the reader now holds the journal open
  std::filesystem::remove(JournalFile());
  Record(*Open(), Running("db", At(2)), RunResult::kFailed);
  EXPECT_EQ(All(*reader, "db").size(), 2u);
}

TEST_F(JournaledHistory, ARunnerFoldsAJournalThatGrewLarge) {
  auto runner = Open();
  RunRecord r = Running("db", At(1));
  auto id = runner->BeginRun(r);
  ASSERT_TRUE(id.ok());
  r = Finished(r, RunResult::kSuccess);
  r.id = *id;
  r.output_tail = std::string(300 * 1024, 'x');
  ASSERT_TRUE(runner->FinishRun(r, 0).ok());
  EXPECT_EQ(std::filesystem::file_size(JournalFile()), kJournalHeaderSize);
  EXPECT_TRUE(std::filesystem::exists(HistoryPath(dir_)));
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].output_tail.size(), 300u * 1024);
}

TEST_F(JournaledHistory, AFailedAppendLeavesNoPartialLine) {
  auto runner = Open();
  RunRecord r = Running("db", At(1));
  auto id = runner->BeginRun(r);
  ASSERT_TRUE(id.ok());
  const auto size = std::filesystem::file_size(JournalFile());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The file size limit stands in for a full disk: the write stops part way.
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit{size + 100, size + 100};
    setrlimit(RLIMIT_FSIZE, &limit);
    RunRecord done = Finished(r, RunResult::kSuccess);
    done.id = *id;
    done.output_tail = std::string(10000, 'y');
    Status s = runner->FinishRun(done, 0);
    _exit(!s.ok() && s.message().find("cannot write") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "FinishRun should report the failed write";
  EXPECT_EQ(std::filesystem::file_size(JournalFile()), size);
  ParsedJournal p = ParseJournal(ReadJournal());
  EXPECT_EQ(p.damaged, 0);
  EXPECT_EQ(p.entries.size(), 1u);
}

TEST_F(JournaledHistory, AReplayedFoldNeitherRevivesNorDeletesRecords) {
  auto runner = Open();
  for (int i = 0; i < 3; ++i) Record(*runner, Running("db", At(i)), RunResult::kSuccess, 2);
  const std::string before_fold = ReadJournal();
  ASSERT_EQ(All(*Open(), "db").size(), 2u);  // run 1 deleted by retention
  // A crash after history.db's commit, before the journal's truncation.
  WriteJournal(before_fold);
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, 3);
  EXPECT_EQ(runs[1].id, 2);
  // And the next run still gets a new id.
  EXPECT_EQ(Record(*Open(), Running("db", At(9)), RunResult::kSuccess, 2), 4);
}

TEST_F(JournaledHistory, EntriesWithoutRetentionDoNotCancelIt) {
  // A failing job with alerts writes start (0), finish (keep), alert update (0).
  auto runner = Open();
  for (int i = 0; i < 4; ++i) {
    RunRecord r = Running("db", At(i));
    auto id = runner->BeginRun(r);
    ASSERT_TRUE(id.ok());
    r = Finished(r, RunResult::kFailed);
    r.id = *id;
    ASSERT_TRUE(runner->FinishRun(r, 2).ok());
    r.alert_status = "webhook: sent";
    ASSERT_TRUE(runner->FinishRun(r, 0).ok());
  }
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, 4);
  EXPECT_EQ(runs[0].alert_status, "webhook: sent");
  EXPECT_EQ(runs[1].id, 3);
  // Retention comes with a finish entry: a run that has only started adds a
  // record, and its finish trims back to the newest two.
  auto next = Open();
  RunRecord r = Running("db", At(10));
  auto id = next->BeginRun(r);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(All(*Open(), "db").size(), 3u);
  r = Finished(r, RunResult::kSuccess);
  r.id = *id;
  ASSERT_TRUE(next->FinishRun(r, 2).ok());
  runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, 5);
  EXPECT_EQ(runs[1].id, 4);
}

TEST_F(JournaledHistory, ARenumberedRunDoesNotMakeTheNextOnesCollide) {
  Record(*Open(), Running("db", At(1), 1000), RunResult::kSuccess);  // id 1
  ASSERT_EQ(All(*Open(), "db").size(), 1u);
  // Another writer's entry reuses id 1 while the header says 2.
  RunRecord other = Finished(Running("db", At(2), 2000), RunResult::kFailed);
  other.id = 1;
  WriteJournal(EncodeJournalHeader(JournalHeader{1, CurrentBootId(), 2}) +
               EncodeJournalEntry(JournalEntry{other, 0}));
  ASSERT_EQ(All(*Open(), "db").size(), 2u);  // stored as 2; the header moves to 3
  EXPECT_EQ(ParseJournalHeader(ReadJournal())->next_id, 3);
  int64_t id = Record(*Open(), Running("db", At(3), 3000), RunResult::kSuccess);
  EXPECT_EQ(id, 3);
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[0].id, 3) << "the runner's id is the stored id";
  EXPECT_EQ(runs[0].owner_pid, 3000);
}

TEST_F(JournaledHistory, AFinishAfterTheJournalWasDeletedIsKept) {
  auto runner = Open();
  RunRecord r = Running("db", At(1));
  auto id = runner->BeginRun(r);
  ASSERT_TRUE(id.ok());
  ASSERT_EQ(All(*Open(), "db").size(), 1u);
  std::filesystem::remove(JournalFile());
  r = Finished(r, RunResult::kSuccess);
  r.id = *id;
  ASSERT_TRUE(runner->FinishRun(r, 0).ok());
  ParsedJournal p = ParseJournal(ReadJournal());
  ASSERT_TRUE(p.header.has_value()) << "a new journal gets a header";
  EXPECT_EQ(p.damaged, 0);
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].result, RunResult::kSuccess);
  // The header came from no boot: the next run checks ids against history.db.
  EXPECT_EQ(Record(*Open(), Running("db", At(5)), RunResult::kSuccess), *id + 1);
}

TEST_F(JournaledHistory, AFinishWhoseStartWasLostWithADeletedJournalIsKept) {
  auto a = Open();
  RunRecord ra = Running("db", At(1), 1000);
  auto id_a = a->BeginRun(ra);  // only in the journal
  ASSERT_TRUE(id_a.ok());
  std::filesystem::remove(JournalFile());  // by hand, before any fold
  Record(*Open(), Running("db", At(2), 2000), RunResult::kSuccess);
  ASSERT_EQ(All(*Open(), "db").size(), 1u);  // run B, with a higher id, is folded
  ra = Finished(ra, RunResult::kFailed);
  ra.id = *id_a;
  ASSERT_TRUE(a->FinishRun(ra, 0).ok());
  std::vector<RunRecord> runs = All(*Open(), "db");
  // With the journal went the header's next id: B was given A's id, and A
  // is stored under a new one; neither is lost.
  ASSERT_EQ(runs.size(), 2u) << "run A's finished record is not taken for a replay";
  EXPECT_EQ(runs[0].owner_pid, 1000);
  EXPECT_EQ(runs[0].result, RunResult::kFailed);
  EXPECT_EQ(runs[1].owner_pid, 2000);
  EXPECT_EQ(runs[1].result, RunResult::kSuccess);
}

TEST_F(JournaledHistory, AFreeIdBelowTheHighestIsStoredNotDropped) {
  // Ids 2 and 5 were handed out but never stored (their start entries were
  // lost with a journal replaced by hand): their finish entries are runs,
  // not replays, whatever their ids (replays are told by the journal's gen).
  auto entry = [](int64_t id, int pid, int64_t start) {
    RunRecord r = Finished(Running("db", At(start), pid), RunResult::kSuccess);
    r.id = id;
    return EncodeJournalEntry(JournalEntry{r, 0});
  };
  WriteJournal(EncodeJournalHeader(JournalHeader{1, CurrentBootId(), 10, 1}) + entry(4, 400, 4) +
               entry(6, 600, 6));
  ASSERT_EQ(All(*Open(), "db").size(), 2u);
  WriteJournal(EncodeJournalHeader(JournalHeader{1, CurrentBootId(), 10, 2}) + entry(5, 500, 5) +
               entry(2, 200, 2));
  std::vector<RunRecord> runs = All(*Open(), "db");
  std::set<int64_t> ids;
  for (const RunRecord& r : runs) ids.insert(r.id);
  EXPECT_EQ(ids, (std::set<int64_t>{2, 4, 5, 6}));
}

TEST_F(JournaledHistory, RetentionSparesARunWhoseRunnerMayStillWriteItsAlertStatus) {
  // keep_runs = 1: run A has finished and is delivering its alerts, run C
  // (newer) is running. A fold must not delete A yet: its alert update
  // would come back as a new record and outlive C.
  RunRecord a = Running("db", At(1));
  FillOwner(a);  // this process: alive
  auto runner_a = Open();
  auto id_a = runner_a->BeginRun(a);
  ASSERT_TRUE(id_a.ok());
  a.id = *id_a;
  RunRecord c = Running("db", At(2), 3000);  // another boot: dead, but running
  auto id_c = Open()->BeginRun(c);
  ASSERT_TRUE(id_c.ok());
  a = Finished(a, RunResult::kFailed);
  ASSERT_TRUE(runner_a->FinishRun(a, 1).ok());
  ASSERT_EQ(All(*Open(), "db").size(), 2u) << "A is spared while its runner lives";
  a.alert_status = "webhook: sent";
  ASSERT_TRUE(runner_a->FinishRun(a, 1).ok());
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, *id_c);
  EXPECT_EQ(runs[0].result, RunResult::kRunning);
  EXPECT_EQ(runs[1].id, *id_a);
  EXPECT_EQ(runs[1].alert_status, "webhook: sent");
}

TEST_F(JournaledHistory, AFinishIsNotAppendedToANewerJournal) {
  auto runner = Open();
  RunRecord r = Running("db", At(1));
  auto id = runner->BeginRun(r);
  ASSERT_TRUE(id.ok());
  const std::string newer = "SURETY-JOURNAL 2 short\n";
  WriteJournal(newer);  // upgraded while the run was going
  r = Finished(r, RunResult::kSuccess);
  r.id = *id;
  Status s = runner->FinishRun(r, 0);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("journal version 2"));
  EXPECT_EQ(ReadJournal(), newer);
}

TEST_F(JournaledHistory, TwoRunsSharingAnIdInOneFoldStayTwo) {
  // Ids handed out twice (a journal deleted by hand), folded together.
  RunRecord a = Finished(Running("db", At(1), 1000), RunResult::kFailed);
  a.id = 7;
  RunRecord b = Running("db", At(2), 2000);
  b.id = 7;
  WriteJournal(EncodeJournalHeader(JournalHeader{1, CurrentBootId(), 8, 3}) +
               EncodeJournalEntry(JournalEntry{b, 0}) + EncodeJournalEntry(JournalEntry{a, 0}));
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 2u);
  std::set<int> owners;
  for (const RunRecord& r : runs) owners.insert(r.owner_pid);
  EXPECT_EQ(owners, (std::set<int>{1000, 2000}));
  for (const RunRecord& r : runs)
    EXPECT_EQ(r.result, r.owner_pid == 1000 ? RunResult::kFailed : RunResult::kRunning);
}

TEST_F(JournaledHistory, ANewerJournalWithAnotherHeaderLayoutIsLeftAlone) {
  const std::string newer = "SURETY-JOURNAL 2 {\"layout\": \"different\"}\nentries\n";
  WriteJournal(newer);
  auto h = Open();
  auto id = h->BeginRun(Running("db", At(1)));
  ASSERT_FALSE(id.ok());
  EXPECT_THAT(id.status().message(), HasSubstr("journal version 2"));
  EXPECT_FALSE(h->Recent("db", 0).ok());
  EXPECT_EQ(ReadJournal(), newer);
}

TEST_F(JournaledHistory, ALockHeldTooLongIsABusyErrorNotAHang) {
  SqliteHistoryOptions options;
  options.busy_timeout = std::chrono::milliseconds(50);
  auto [h, id, waited] = BeginRunWhileTheJournalIsLocked(options);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kBusy);
  EXPECT_THAT(id.status().message(), HasSubstr("held the run journal's lock"));
  EXPECT_GE(waited, std::chrono::milliseconds(50)) << "the whole busy timeout is waited";
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_TRUE(h->BeginRun(Running("db", At(3))).ok()) << "free again";
}

// A runner does not hold its job back for the start record: BeginRun
// gives up after begin_wait, while FinishRun still outwaits any fold.
TEST_F(JournaledHistory, BeginRunWaitsOnlyBeginWaitForTheLock) {
  SqliteHistoryOptions options;
  options.busy_timeout = std::chrono::seconds(20);  // FinishRun would wait 41 s
  options.begin_wait = std::chrono::milliseconds(100);
  auto [h, id, waited] = BeginRunWhileTheJournalIsLocked(options);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kBusy);
  EXPECT_GE(waited, std::chrono::milliseconds(100));
  EXPECT_LT(waited, std::chrono::seconds(5)) << "waited as long as FinishRun would";
}

// `surety history` on a full disk: the fold cannot commit, but the read
// still shows every run (history.db's and the journal's, merged in memory,
// dead runners marked interrupted in memory), says why it could not fold,
// and writes nothing. Before, the read failed with the fold's error.
TEST_F(JournaledHistory, AReadThatCannotFoldMergesTheJournalInMemoryAndSaysWhy) {
  for (int i = 0; i < 3; ++i) Record(*Open(), Running("db", At(i)), RunResult::kFailed);
  ASSERT_EQ(All(*Open(), "db").size(), 3u);  // folded
  // Unfolded runs: a success with an artifact and a long output, a skip, a
  // runner that died, one that is alive (this process), and another job.
  auto runner = Open();
  RunRecord good = Running("db", At(10));
  auto good_id = runner->BeginRun(good);
  ASSERT_TRUE(good_id.ok());
  good = Finished(good, RunResult::kSuccess);
  good.id = *good_id;
  good.artifact_size = 4096;
  good.output_tail = std::string(60 * 1024, 'o');
  ASSERT_TRUE(runner->FinishRun(good, 0).ok());
  Record(*runner, Running("db", At(20)), RunResult::kSkipped);
  auto dead = runner->BeginRun(Running("db", At(30), 4343));  // boot-1: not this boot
  ASSERT_TRUE(dead.ok());
  RunRecord mine = Running("db", At(40));
  FillOwner(mine);
  auto alive = runner->BeginRun(mine);
  ASSERT_TRUE(alive.ok());
  Record(*runner, Running("files", At(50)), RunResult::kSuccess);
  const std::string journal = ReadJournal();

  // The database may not grow: the fold's transaction is "disk full".
  SqliteHistoryOptions full;
  full.max_page_count = 1;
  auto reader = OpenStateHistory(dir_, full);
  auto reaped = reader->ReapDead(ProcessOwnerAlive, At(100));
  ASSERT_FALSE(reaped.ok());
  EXPECT_THAT(reader->FoldStatus().message(), HasSubstr("disk full while writing history.db"));

  auto runs = reader->Recent("db", 0);
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  EXPECT_THAT(reader->FoldStatus().message(), HasSubstr("disk full while writing history.db"));
  ASSERT_EQ(runs->size(), 7u);
  EXPECT_EQ((*runs)[0].id, *alive);
  EXPECT_EQ((*runs)[0].result, RunResult::kRunning);
  EXPECT_EQ((*runs)[1].id, *dead);
  EXPECT_EQ((*runs)[1].result, RunResult::kInterrupted);
  EXPECT_EQ((*runs)[1].message, DeadRunnerMessage(4343));
  EXPECT_EQ((*runs)[1].finished_at, At(100));
  EXPECT_EQ((*runs)[2].result, RunResult::kSkipped);
  EXPECT_EQ((*runs)[3].id, *good_id);
  EXPECT_EQ((*runs)[3].result, RunResult::kSuccess);
  EXPECT_EQ((*runs)[3].output_tail.size(), 60u * 1024);
  for (size_t i = 4; i < 7; ++i) EXPECT_EQ((*runs)[i].result, RunResult::kFailed);
  auto two = reader->Recent("db", 2);
  ASSERT_TRUE(two.ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[1].id, *dead);

  // A page of them, merged the same way, with and without output tails.
  auto page = reader->Page("db", 2, 2, /*tails=*/true);
  ASSERT_TRUE(page.ok()) << page.status().message();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].result, RunResult::kSkipped);
  EXPECT_EQ((*page)[1].id, *good_id);
  EXPECT_EQ((*page)[1].output_tail.size(), 60u * 1024);
  auto brief = reader->Page("db", 3, 10, /*tails=*/false);
  ASSERT_TRUE(brief.ok());
  ASSERT_EQ(brief->size(), 4u);
  EXPECT_EQ((*brief)[0].id, *good_id);
  EXPECT_TRUE((*brief)[0].output_tail.empty());
  EXPECT_EQ((*brief)[0].artifact_size, 4096u);

  auto starts = reader->RecentStarts("db", 0);
  ASSERT_TRUE(starts.ok());
  ASSERT_EQ(starts->size(), 7u);
  EXPECT_TRUE((*starts)[3].output_tail.empty());
  auto last = reader->LastResult("db");
  ASSERT_TRUE(last.ok() && last->has_value());
  EXPECT_EQ(**last, RunResult::kInterrupted);
  auto last_good = reader->LastGood("db");
  ASSERT_TRUE(last_good.ok() && last_good->has_value());
  EXPECT_EQ((*last_good)->id, *good_id);
  auto artifact = reader->LastArtifact("db");
  ASSERT_TRUE(artifact.ok() && artifact->has_value());
  EXPECT_EQ((*artifact)->artifact_size, 4096u);
  auto jobs = reader->Jobs();
  ASSERT_TRUE(jobs.ok());
  EXPECT_EQ(*jobs, (std::vector<std::string>{"db", "files"}));
  // Retention is a write: it waits for a history that folds.
  EXPECT_FALSE(reader->ApplyRetention("db", 1).ok());

  // Nothing was written or lost; with room again, the fold catches up.
  EXPECT_EQ(ReadJournal(), journal);
  auto later = Open();
  ASSERT_EQ(All(*later, "db").size(), 7u);
  EXPECT_TRUE(later->FoldStatus().ok());
  EXPECT_EQ(std::filesystem::file_size(JournalFile()), kJournalHeaderSize);
}

// A finish entry that does not fit (a full disk) is appended again without
// the output tail, so the run keeps its result rather than being reaped as
// interrupted later. Before, the record stayed `running`.
TEST_F(JournaledHistory, AFinishThatDoesNotFitIsRecordedWithoutItsOutputTail) {
  auto runner = Open();
  RunRecord r = Running("db", At(1));
  auto id = runner->BeginRun(r);
  ASSERT_TRUE(id.ok());
  const auto size = std::filesystem::file_size(JournalFile());
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // The file size limit stands in for a full disk with a little room.
    signal(SIGXFSZ, SIG_IGN);
    rlimit limit{size + 2000, size + 2000};
    setrlimit(RLIMIT_FSIZE, &limit);
    RunRecord done = Finished(r, RunResult::kWarning);
    done.id = *id;
    done.message = "exited with status 1";
    done.output_tail = std::string(10000, 'y');
    _exit(runner->FinishRun(done, 0).ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the compact finish should have fitted";
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].result, RunResult::kWarning);
  EXPECT_TRUE(runs[0].output_tail.empty());
  EXPECT_THAT(runs[0].message, HasSubstr("exited with status 1 [output tail not recorded: "));
  EXPECT_THAT(runs[0].message, HasSubstr("cannot write"));
}

// Processes that meet a state directory without a history.db at the same
// moment: one of them creates it, and none takes the new, still empty file
// for a damaged one. Before, a reader could set aside the database another
// was creating, and the runs folded into it were gone (1 in ~100 runs).
TEST_F(JournaledHistory, ProcessesCreatingTheHistoryTogetherLoseNothing) {
  constexpr int kRounds = 15;
  constexpr int kProcs = 6;
  for (int round = 0; round < kRounds; ++round) {
    const std::string dir = dir_ + "/round-" + std::to_string(round);
    ASSERT_TRUE(std::filesystem::create_directory(dir));
    std::vector<pid_t> children;
    for (int c = 0; c < kProcs; ++c) {
      pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        auto h = OpenStateHistory(dir, SqliteHistoryOptions{});
        bool ok = h->Recent("db", 5).ok();  // opens (or creates) history.db first
        RunRecord r = Running("db", At(round * 100 + c), static_cast<int>(getpid()));
        auto id = h->BeginRun(r);
        ok = ok && id.ok();
        if (id.ok()) {
          r = Finished(r, RunResult::kSuccess);
          r.id = *id;
          ok = ok && h->FinishRun(r, 0).ok() && h->Recent("db", 5).ok();
        }
        _exit(ok ? 0 : 1);
      }
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "round " << round;
    }
    auto h = OpenStateHistory(dir, SqliteHistoryOptions{});
    auto runs = h->Recent("db", 100);
    ASSERT_TRUE(runs.ok()) << runs.status().message();
    EXPECT_EQ(runs->size(), static_cast<size_t>(kProcs)) << "round " << round;
    EXPECT_TRUE(h->Recovery().ok()) << "round " << round << ": " << h->Recovery().message();
    for (const auto& name : std::filesystem::directory_iterator(dir))
      EXPECT_EQ(name.path().filename().string().find(".damaged-"), std::string::npos)
          << "round " << round << ": " << name.path();
  }
}

// What status, check and metrics read: per job the newest record, the
// newest that counts, the newest good one and the one running, without
// output tails; the same from SQL and from the generic reads.
TEST_F(JournaledHistory, SummariesGiveEachJobsNewestRunsOfEachKind) {
  auto h = Open();
  RunRecord good = Running("db", At(10));
  good.output_tail = "a long tail";
  Record(*h, good, RunResult::kSuccess);
  Record(*h, Running("db", At(20)), RunResult::kFailed);
  Record(*h, Running("db", At(30)), RunResult::kSkipped);
  ASSERT_TRUE(h->BeginRun(Running("db", At(40))).ok());
  Record(*h, Running("other", At(5)), RunResult::kWarning);
  auto check = [](const std::map<std::string, JobSummary>& sums) {
    ASSERT_EQ(sums.size(), 3u);
    const JobSummary& db = sums.at("db");
    ASSERT_TRUE(db.last && db.last_counted && db.last_good && db.running);
    EXPECT_EQ(db.last->started_at, At(40));
    EXPECT_EQ(db.running->started_at, At(40));
    EXPECT_EQ(db.last_counted->result, RunResult::kFailed);
    EXPECT_EQ(db.last_good->started_at, At(10));
    EXPECT_TRUE(db.last_good->output_tail.empty());
    EXPECT_EQ(db.counts.at(RunResult::kSuccess), 1);
    EXPECT_EQ(db.counts.at(RunResult::kSkipped), 1);
    EXPECT_EQ(db.counts.at(RunResult::kRunning), 1);
    EXPECT_EQ(sums.at("other").last_good->result, RunResult::kWarning);
    EXPECT_FALSE(sums.at("none").last);
  };
  auto sql = h->Summaries({"db", "other", "none"}, true);
  ASSERT_TRUE(sql.ok()) << sql.status().message();
  check(*sql);
  auto generic = h->HistoryStore::Summaries({"db", "other", "none"}, true);
  ASSERT_TRUE(generic.ok());
  check(*generic);
}

TEST_F(JournaledHistory, ConcurrentRunnersAndReadersLoseAndDuplicateNothing) {
  constexpr int kRunners = 4;
  constexpr int kRuns = 25;
  std::vector<pid_t> children;
  for (int c = 0; c < kRunners + 1; ++c) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto h = OpenStateHistory(dir_, SqliteHistoryOptions{});
      bool ok = true;
      for (int i = 0; i < kRuns; ++i) {
        if (c == kRunners) {  // a reader folding all along
          ok = ok && h->Recent("db", 5).ok();
          continue;
        }
        RunRecord r = Running("db", At(c * 1000 + i), static_cast<int>(getpid()));
        auto id = h->BeginRun(r);
        ok = ok && id.ok();
        if (!id.ok()) continue;
        r = Finished(r, RunResult::kSuccess);
        r.id = *id;
        ok = ok && h->FinishRun(r, 0).ok();
      }
      _exit(ok ? 0 : 1);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  std::vector<RunRecord> runs = All(*Open(), "db");
  ASSERT_EQ(runs.size(), static_cast<size_t>(kRunners * kRuns));
  std::set<int64_t> ids;
  std::set<int64_t> starts;
  for (const RunRecord& r : runs) {
    ids.insert(r.id);
    starts.insert(r.started_at.time_since_epoch().count());
    EXPECT_EQ(r.result, RunResult::kSuccess);
  }
  EXPECT_EQ(ids.size(), runs.size());
  EXPECT_EQ(starts.size(), runs.size());
  EXPECT_EQ(*ids.begin(), 1);
  EXPECT_EQ(*ids.rbegin(), kRunners * kRuns);
}

}  // namespace
}  // namespace surety

namespace surety {
namespace {

// Real files whose flushes, and writes past a budget of bytes, fail as a
// failing device or a full disk makes them fail.
class FaultyDataFiles final : public DataFiles {
 public:
  bool fail_sync = false;
  int64_t write_budget = -1;  // bytes that may still be written; -1: no limit
  int syncs = 0;

  Result<std::unique_ptr<DataFile>> Open(const std::string& path) override {
    return Wrap(real_.Open(path));
  }
  Result<std::unique_ptr<DataFile>> Create(const std::string& path) override {
    return Wrap(real_.Create(path));
  }
  Status SyncDirectory(const std::string& dir) override { return real_.SyncDirectory(dir); }
  Status Remove(const std::string& path) override { return real_.Remove(path); }
  Status Rename(const std::string& from, const std::string& to) override {
    return real_.Rename(from, to);
  }
  Result<bool> RenameNew(const std::string& from, const std::string& to) override {
    return real_.RenameNew(from, to);
  }
  uint64_t Random() override { return real_.Random(); }
  Status MakeDirectory(const std::string& dir) override { return real_.MakeDirectory(dir); }
  Result<std::vector<std::string>> List(const std::string& dir) override { return real_.List(dir); }

 private:
  class File final : public DataFile {
   public:
    File(FaultyDataFiles& owner, std::unique_ptr<DataFile> real)
        : DataFile(real->path()), owner_(owner), real_(std::move(real)) {}
    Result<size_t> ReadAt(uint64_t offset, char* buf, size_t n) override {
      return real_->ReadAt(offset, buf, n);
    }
    Status WriteAt(uint64_t offset, std::string_view data) override {
      if (owner_.write_budget >= 0) {
        if (static_cast<int64_t>(data.size()) > owner_.write_budget)
          return IoError("cannot write", path(), ENOSPC);
        owner_.write_budget -= static_cast<int64_t>(data.size());
      }
      return real_->WriteAt(offset, data);
    }
    Status Truncate(uint64_t size) override { return real_->Truncate(size); }
    Status Sync() override {
      ++owner_.syncs;
      if (owner_.fail_sync) return IoError("cannot flush", path(), EIO);
      return real_->Sync();
    }
    Result<uint64_t> Size() override { return real_->Size(); }
    bool IsCurrent() override { return real_->IsCurrent(); }
    Result<bool> TryLock() override { return real_->TryLock(); }
    void Unlock() override { real_->Unlock(); }

   private:
    FaultyDataFiles& owner_;
    std::unique_ptr<DataFile> real_;
  };

  Result<std::unique_ptr<DataFile>> Wrap(Result<std::unique_ptr<DataFile>> r) {
    if (!r.ok() || !*r) return r;
    return std::unique_ptr<DataFile>(std::make_unique<File>(*this, std::move(*r)));
  }
  RealDataFiles real_;
};

class JournalFaults : public JournaledHistory {
 protected:
  std::unique_ptr<HistoryStore> OpenFaulty() {
    SqliteHistoryOptions options;
    options.files = &faults_;
    return OpenStateHistory(dir_, options);
  }
  FaultyDataFiles faults_;
};

// An fdatasync that fails (a failing device, an NFS server gone) must not
// let FinishRun say the record is durable; the record is still not lost:
// the next reader finds the finished run.
TEST_F(JournalFaults, AFailedFlushIsReportedAndTheRecordIsNotLost) {
  auto h = OpenFaulty();
  RunRecord r = Running("db", At(100));
  auto id = h->BeginRun(r);
  ASSERT_TRUE(id.ok()) << id.status().message();
  r.id = *id;
  faults_.fail_sync = true;
  Status s = h->FinishRun(Finished(r, RunResult::kSuccess), 0);
  EXPECT_FALSE(s.ok()) << "a failed fdatasync was reported as durable";
  EXPECT_THAT(s.message(), HasSubstr("cannot flush"));
  EXPECT_THAT(s.message(), HasSubstr("Input/output error"));
  EXPECT_GE(faults_.syncs, 1);

  auto reader = Open();
  auto runs = reader->Recent("db", 0);
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].id, *id);
  EXPECT_EQ((*runs)[0].result, RunResult::kSuccess) << "the finish was lost";
}

// A run that could not be journalled is spooled alone; the next read adds
// it to the history (a run that never had an id gets one) and the spool
// empties; so does the next finish of any run.
TEST_F(JournalFaults, ASpooledRunReachesTheHistory) {
  auto h = OpenFaulty();
  RunRecord never = Finished(Running("db", At(100)), RunResult::kFailed);  // id 0
  ASSERT_TRUE(h->SpoolRun(never, 0).ok());
  RunRecord begun = Running("db", At(200));
  auto id = h->BeginRun(begun);
  ASSERT_TRUE(id.ok());
  begun.id = *id;
  ASSERT_TRUE(h->SpoolRun(Finished(begun, RunResult::kSuccess), 0).ok());
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_ + "/spool"),
                          std::filesystem::directory_iterator{}),
            2);

  auto runs = Open()->Recent("db", 0);
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 2u);
  const RunRecord* finished = nullptr;
  const RunRecord* unnumbered = nullptr;
  for (const RunRecord& r : *runs) (r.id == *id ? finished : unnumbered) = &r;
  ASSERT_NE(finished, nullptr);
  ASSERT_NE(unnumbered, nullptr) << "two runs under one id";
  EXPECT_EQ(finished->result, RunResult::kSuccess) << "the spooled finish was not applied";
  EXPECT_EQ(unnumbered->result, RunResult::kFailed);
  EXPECT_GT(unnumbered->id, *id);
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/spool"));

  // Adopted by a runner's finish too, without any read.
  ASSERT_TRUE(h->SpoolRun(Finished(Running("db", At(300)), RunResult::kWarning), 0).ok());
  RunRecord next = Running("db", At(400));
  auto next_id = h->BeginRun(next);
  ASSERT_TRUE(next_id.ok());
  next.id = *next_id;
  ASSERT_TRUE(h->FinishRun(Finished(next, RunResult::kSuccess), 0).ok());
  EXPECT_TRUE(std::filesystem::is_empty(dir_ + "/spool"));
  auto all = Open()->Recent("db", 0);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 4u);
}

// A full disk in the middle of the finish entry: the entry is refused
// whole (no torn line for the next reader), and the entry without its
// output tail still fits, so the run keeps its own result.
TEST_F(JournalFaults, AFullDiskKeepsTheResultWithoutTheOutputTail) {
  auto h = OpenFaulty();
  RunRecord r = Running("db", At(100));
  auto id = h->BeginRun(r);
  ASSERT_TRUE(id.ok());
  r.id = *id;
  RunRecord done = Finished(r, RunResult::kFailed);
  done.output_tail = std::string(64 * 1024, 'x');
  faults_.write_budget = 4096;
  EXPECT_TRUE(h->FinishRun(done, 0).ok());
  auto runs = Open()->Recent("db", 0);
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  ASSERT_EQ(runs->size(), 1u);
  EXPECT_EQ((*runs)[0].result, RunResult::kFailed);
  EXPECT_THAT((*runs)[0].message, HasSubstr("[output tail not recorded: cannot write"));
  EXPECT_THAT((*runs)[0].message, HasSubstr("No space left on device; free some space"));

  // Nothing fits any more: the finish fails loudly, and the start stays.
  RunRecord next = Running("db", At(200));
  auto id2 = h->BeginRun(next);
  ASSERT_TRUE(id2.ok());
  next.id = *id2;
  faults_.write_budget = 0;
  EXPECT_FALSE(h->FinishRun(Finished(next, RunResult::kSuccess), 0).ok());
}

}  // namespace
}  // namespace surety

namespace surety {
namespace {

// A damaged history.db: garbage over its header, its pages cut off, or
// emptied to 0 bytes. Before, reads failed (or, emptied, silently showed
// nothing) and the journal grew without bound. Now the damaged file is set
// aside, a new history is built from what the journal holds, recording goes
// on, and Recovery() says what happened.
class DamagedHistory : public JournaledHistory {
 protected:
  // Two runs folded into history.db, then one more only in the journal.
  void RecordThreeRuns() {
    auto h = Open();
    Record(*h, Running("db", At(100)), RunResult::kSuccess);
    Record(*h, Running("db", At(200)), RunResult::kFailed);
    ASSERT_TRUE(h->Recent("db", 0).ok());  // folds both into history.db
    Record(*h, Running("db", At(300)), RunResult::kWarning);
  }
  // Moves every page the write-ahead log holds into history.db itself, so
  // that damage to the file is damage to the history.
  void Checkpoint() {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/history.db").c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    std::filesystem::remove(dir_ + "/history.db-wal");
    std::filesystem::remove(dir_ + "/history.db-shm");
  }
  // Damages history.db as a disk or a person would.
  void Damage(const std::function<void(std::fstream&, uintmax_t)>& how) {
    Checkpoint();
    const std::string db = dir_ + "/history.db";
    const uintmax_t size = std::filesystem::file_size(db);
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    how(f, size);
  }
  size_t SetAsideFiles() {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_))
      if (e.path().filename().string().rfind("history.db.damaged-", 0) == 0 &&
          e.path().extension() != ".db-wal")
        ++n;
    return n;
  }
  void ExpectRecoveredAndStillRecording(const std::string& why) {
    auto h = Open();
    auto runs = h->Recent("db", 0);
    ASSERT_TRUE(runs.ok()) << runs.status().message();
    EXPECT_THAT(h->Recovery().message(), HasSubstr("was damaged (" + why));
    EXPECT_THAT(h->Recovery().message(), HasSubstr(".recover"));
    EXPECT_GE(SetAsideFiles(), 1u);
    // What the journal still held is there; recording goes on.
    bool warning_kept = false;
    for (const RunRecord& r : *runs) warning_kept |= r.result == RunResult::kWarning;
    EXPECT_TRUE(warning_kept);
    Record(*h, Running("db", At(400)), RunResult::kSuccess);
    auto after = Open()->Recent("db", 0);
    ASSERT_TRUE(after.ok()) << after.status().message();
    EXPECT_EQ(after->size(), runs->size() + 1);
  }
};

TEST_F(DamagedHistory, GarbageOverTheHeaderIsSetAsideAndRebuilt) {
  RecordThreeRuns();
  {
    auto h = Open();  // the two runs in history.db, checkpointed into the file
    for (int i = 0; i < 100; ++i) Record(*h, Running("db", At(1000 + i)), RunResult::kSuccess);
    ASSERT_TRUE(h->Recent("db", 0).ok());
    Record(*h, Running("db", At(300)), RunResult::kWarning);
  }
  Damage([](std::fstream& f, uintmax_t) { f << std::string(100, 'X'); });
  ExpectRecoveredAndStillRecording("");
}

TEST_F(DamagedHistory, AnEmptiedDatabaseIsNotTakenForAnEmptyHistory) {
  RecordThreeRuns();
  std::filesystem::resize_file(dir_ + "/history.db", 0);
  ExpectRecoveredAndStillRecording("it was empty (0 bytes)");
}

TEST_F(DamagedHistory, PagesCutOffAreFound) {
  RecordThreeRuns();
  // Checkpoint everything into history.db, then cut it in half.
  {
    auto h = Open();
    for (int i = 0; i < 200; ++i) Record(*h, Running("db", At(1000 + i)), RunResult::kSuccess);
    ASSERT_TRUE(h->Recent("db", 0).ok());
  }
  Checkpoint();
  ASSERT_GT(std::filesystem::file_size(dir_ + "/history.db"), 20 * 1024u);
  std::filesystem::resize_file(dir_ + "/history.db", 3 * 1024);  // 3 of many 1 KiB pages
  auto h = Open();
  auto runs = h->Recent("db", 0);
  ASSERT_TRUE(runs.ok()) << runs.status().message();
  EXPECT_THAT(h->Recovery().message(), HasSubstr("was damaged"));
}

}  // namespace
}  // namespace surety
