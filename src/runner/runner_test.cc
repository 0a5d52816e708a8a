// Stage-by-stage tests of the runner with a fake clock, a scripted process
// spawner, a fake lock, an in-memory history that can fail on demand and a
// fake HTTP poster. The real processes are exercised in tests/run_e2e_test.cc.
#include "runner/runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "os/fake_journal.h"
#include "os/fake_process.h"
#include "store/memory_history.h"

namespace surety {
namespace {

using ScriptedCommands = ScriptedCommandRunner;

class FakeLocker : public Locker {
 public:
  Result<JobLock> TryLock(const std::string& path) override {
    paths.push_back(path);
    if (busy || busy_tries > 0 || busy_paths.count(path) > 0) {
      if (busy_tries > 0) --busy_tries;
      return Status::Error(StatusCode::kBusy, "held");
    }
    if (error)
      return Status::Error(StatusCode::kIoError, "cannot open lock file: Permission denied");
    return Make(-1);
  }
  Result<JobLock> Lock(const std::string& path, Micros wait) override {
    waited = wait;
    return TryLock(path);
  }
  bool busy = false;
  std::set<std::string> busy_paths;  // held by someone else, whatever `busy` says
  int busy_tries = 0;                // busy for this many more tries, then free
  bool error = false;
  Micros waited{0};
  std::vector<std::string> paths;
};

class FakeConnector : public Connector {
 public:
  Status Connect(const std::string&, int, Micros) override {
    if (!reachable && reachable_after > 0 && ++tries > reachable_after) reachable = true;
    return reachable ? Status::Ok() : Status::Error(StatusCode::kIoError, "refused");
  }
  bool reachable = true;
  int reachable_after = 0;  // unreachable this many times, then reachable (0: never)
  int tries = 0;
};

class FakeHttp : public HttpPoster {
 public:
  Result<int> Post(const std::string& url, const std::string&, const std::string& body,
                   Micros timeout) override {
    urls.push_back(url);
    bodies.push_back(body);
    timeouts.push_back(timeout);
    if (on_post) on_post();
    return code;
  }
  int code = 200;
  std::vector<std::string> urls, bodies;
  std::vector<Micros> timeouts;
  std::function<void()> on_post;  // called at each post (to see what had happened by then)
};

CommandOutcome Of(CommandOutcome::Kind kind, int signal = 0) {
  CommandOutcome o;
  o.kind = kind;
  o.signal = signal;
  return o;
}

class RunnerTest : public testing::Test {
 protected:
  RunnerTest() {
    commands_.clock = &clock_;
    job_.name = "db";
    job_.command.argv = {"pg_dump", "app"};
  }

  RunReport Run() {
    RunnerDeps deps{
        clock_,
        fs_,
        commands_,
        locker_,
        net_,
        history_ptr_,
        http_,
        journal_,
        log_,
        *zone_,
        [this](Micros d) {
          sleeps_.push_back(d);
          clock_.Advance(d);
          return !stop_during_sleep_;
        },
        [this] { return stop_(); },
        [](const std::string&, const std::string&) -> Result<std::pair<uint32_t, uint32_t>> {
          return std::make_pair(1000u, 1000u);
        },
        {{"PATH", "/usr/bin:/bin"}},
        "host1",
        "/var/lib/surety",
        nullptr,
        nullptr,
        [this](Micros d) {
          pauses_.push_back(d);
          clock_.Advance(d);
        },
        terminal_,
        outbox_,
        [this] { return stop_signal_; }};
    return RunJob(job_, config_, request_, deps);
  }
  // The job alerts the healthchecks alert "hc" at `url`.
  void AlertByHealthchecks(const std::string& url) {
    AlertSpec a;
    a.name = "hc";
    a.kind = AlertKind::kHealthchecks;
    a.url = url;
    config_.alerts["hc"] = a;
    job_.alert = {"hc"};
  }
  // The job alerts the webhook alert "ops" at `url`.
  void AlertByWebhook(const std::string& url) {
    AlertSpec a;
    a.name = "ops";
    a.kind = AlertKind::kWebhook;
    a.url = url;
    config_.alerts["ops"] = a;
    job_.alert = {"ops"};
  }

  FakeClock clock_{Instant{Micros{1'763'780'400'000'000}}};
  FakeFileSystem fs_;
  ScriptedCommands commands_;
  FakeLocker locker_;
  FakeConnector net_;
  MemoryHistory history_;
  HistoryStore* history_ptr_ = &history_;
  FakeHttp http_;
  RecordingJournalWriter journal_;
  std::ostringstream logs_;
  Logger log_{logs_, clock_};
  ZoneDb zones_;
  std::shared_ptr<const Zone> zone_ = zones_.LocalFromTz(std::string("UTC"));
  JobSpec job_;
  Config config_;
  std::vector<Micros> sleeps_;
  std::vector<Micros> pauses_;  // between alert attempts
  bool stop_during_sleep_ = false;
  std::ostream* terminal_ = nullptr;  // RunnerDeps::terminal
  // A real outbox in a scratch directory, removed after the test, as
  // RunnerDeps::outbox.
  Outbox& UseOutbox() {
    char pattern[] = "/tmp/surety-runner-outbox-XXXXXX";
    EXPECT_NE(mkdtemp(pattern), nullptr);
    outbox_dir_ = pattern;
    real_outbox_ = std::make_unique<Outbox>(outbox_dir_, outbox_files_);
    outbox_ = real_outbox_.get();
    return *real_outbox_;
  }
  void TearDown() override {
    if (!outbox_dir_.empty()) std::filesystem::remove_all(outbox_dir_);
  }
  std::string outbox_dir_;
  RealDataFiles outbox_files_;
  std::unique_ptr<Outbox> real_outbox_;
  Outbox* outbox_ = nullptr;  // RunnerDeps::outbox
  int stop_signal_ = 0;       // RunnerDeps::stop_signal
  RunRequest request_{Trigger::kSchedule, "", ""};
  // What RunnerDeps::stop_requested answers (a SIGTERM a command saw).
  std::function<bool()> stop_ = [] { return false; };
};

TEST_F(RunnerTest, SuccessIsRecordedBeforeAndAfterWithExitZero) {
  commands_.outcomes = {Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 0);
  ASSERT_EQ(history_.runs.size(), 1u);
  const RunRecord& rec = history_.runs[0];
  EXPECT_EQ(rec.result, RunResult::kSuccess);
  EXPECT_EQ(rec.trigger, Trigger::kSchedule);
  EXPECT_EQ(rec.attempts, 1);
  EXPECT_EQ(rec.exit_code, 0);
  EXPECT_TRUE(rec.finished_at.has_value());
  EXPECT_EQ(rec.duration_ms, 1000);
  EXPECT_EQ(history_.kept, 1000);
  EXPECT_EQ(commands_.specs[0].env.at("SURETY_JOB"), "db");
  EXPECT_NE(logs_.str().find("event=run_finished job=db run_id=1"), std::string::npos);
}

TEST_F(RunnerTest, ExitCodeClassesFollowTheJob) {
  job_.warning_exit_status.codes = {1};
  job_.already_done_exit_status.codes = {3};
  job_.success_exit_status.codes = {42};
  struct Case {
    CommandOutcome outcome;
    RunResult want;
  } cases[] = {
      {Exited(0), RunResult::kSuccess},
      {Exited(42), RunResult::kSuccess},
      {Exited(1), RunResult::kWarning},
      {Exited(3), RunResult::kAlreadyDone},
      {Exited(2), RunResult::kFailed},
      {Of(CommandOutcome::Kind::kSignaled, 15), RunResult::kFailed},
      {Of(CommandOutcome::Kind::kTimedOut, 9), RunResult::kTimeout},
      {Of(CommandOutcome::Kind::kInterrupted, 15), RunResult::kInterrupted},
      {Of(CommandOutcome::Kind::kSpawnFailed), RunResult::kFailed},
  };
  for (const auto& c : cases) EXPECT_EQ(ClassifyOutcome(job_, c.outcome), c.want);
}

TEST_F(RunnerTest, SignalsCountOnlyWhenListedAsSystemdDoesForOneshot) {
  job_.success_exit_status.signals = {13};  // SIGPIPE
  EXPECT_EQ(ClassifyOutcome(job_, Of(CommandOutcome::Kind::kSignaled, 13)), RunResult::kSuccess);
  EXPECT_EQ(ClassifyOutcome(job_, Of(CommandOutcome::Kind::kSignaled, 1)), RunResult::kFailed);
  CommandOutcome dumped = Of(CommandOutcome::Kind::kSignaled, 13);
  dumped.core_dumped = true;
  EXPECT_EQ(ClassifyOutcome(job_, dumped), RunResult::kFailed);
}

TEST_F(RunnerTest, AlreadyDoneOutputMatches) {
  job_.already_done_output = "already exists";
  EXPECT_EQ(ClassifyOutcome(job_, Exited(1, "backup for today already exists\n")),
            RunResult::kAlreadyDone);
  EXPECT_EQ(ClassifyOutcome(job_, Exited(1, "boom\n")), RunResult::kFailed);
}

// The record says which rule made a run already_done, so that a person can
// tell "the backup exists" from a misread exit status.
TEST_F(RunnerTest, AlreadyDoneSaysWhichStatusOrOutputMatched) {
  job_.already_done_exit_status.codes = {3};
  job_.already_done_output = "already exists";
  EXPECT_EQ(AlreadyDoneReason(job_, Exited(3)), "exit status 3 is in already_done_exit_status");
  EXPECT_EQ(AlreadyDoneReason(job_, Exited(1, "dump for today already exists\n")),
            "the output contained \"already exists\" (already_done_output)");
  EXPECT_EQ(AlreadyDoneReason(job_, Exited(1, "boom\n")), "");
  commands_.outcomes = {Exited(3)};
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kAlreadyDone);
  EXPECT_EQ(r.record.message,
            "exited with status 3; already done: exit status 3 is in already_done_exit_status");
}

// Failures and timeouts are errors, retries and warnings warnings: a log
// filter on level=error sees every failed run and nothing else.
TEST_F(RunnerTest, EventsAreLoggedAtTheirLevel) {
  job_.retries = 1;
  commands_.outcomes = {Exited(1, "boom\n"), Exited(1, "boom\n")};
  Run();
  const std::string logs = logs_.str();
  EXPECT_NE(logs.find("level=warning event=attempt_finished"), std::string::npos) << logs;
  EXPECT_NE(logs.find("level=warning event=retry_scheduled"), std::string::npos) << logs;
  EXPECT_NE(logs.find("level=error event=run_finished"), std::string::npos) << logs;
  EXPECT_NE(logs.find("level=info event=run_started"), std::string::npos) << logs;
  EXPECT_EQ(RunResultLogLevel(RunResult::kTimeout), LogLevel::kError);
  EXPECT_EQ(RunResultLogLevel(RunResult::kWarning), LogLevel::kWarning);
  EXPECT_EQ(RunResultLogLevel(RunResult::kSuccess), LogLevel::kInfo);
  EXPECT_EQ(RunResultLogLevel(RunResult::kSkipped), LogLevel::kInfo);
}

// The result already says "interrupted"; the message says why, without
// repeating it (alerts and the summary line showed "interrupted:
// interrupted: ...").
TEST_F(RunnerTest, AnInterruptedRunsMessageDoesNotRepeatTheResult) {
  commands_.outcomes = {Of(CommandOutcome::Kind::kInterrupted, 15)};
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kInterrupted);
  EXPECT_EQ(r.record.message, "surety was told to stop, so the job was stopped with SIGTERM");
}

// A timeout whose tree needed SIGKILL is recorded as such: the message and
// the signal said SIGTERM although kill_grace ran out.
TEST_F(RunnerTest, ATimeoutThatNeededSigkillSaysSo) {
  job_.timeout = Timespan{60'000'000};
  CommandOutcome o = Of(CommandOutcome::Kind::kTimedOut, 15);
  o.sigkill_sent = true;
  commands_.outcomes = {o};
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kTimeout);
  EXPECT_EQ(r.record.signal, "KILL");
  EXPECT_EQ(r.record.message,
            "timed out after 1min; the process tree was stopped with SIGTERM, then SIGKILL after "
            "kill_grace (something ignored SIGTERM)");
}

// Waiting 10 s for the journal's lock to write the start record made a
// 1 s job look like an 11 s one.
TEST_F(RunnerTest, TheDurationIsTheJobsNotTheStartRecordsWait) {
  history_.on_begin = [this] { clock_.Advance(std::chrono::seconds(10)); };
  commands_.outcomes = {Exited(0)};  // takes one second on the fake clock
  RunReport r = Run();
  EXPECT_EQ(r.record.duration_ms, 1000);
  EXPECT_EQ(r.record.started_at, Instant{Micros{1'763'780'400'000'000}});
}

// An alert is written down before it is sent: one the receiver refused
// (or that a runner killed mid-delivery left) stays in the outbox, and the
// job's next run sends it first, with the same idempotency key.
TEST_F(RunnerTest, AnUndeliveredAlertWaitsInTheOutboxForTheNextRun) {
  Outbox& outbox = UseOutbox();
  AlertByWebhook("https://hooks.example/x");
  http_.code = 503;
  commands_.outcomes = {Exited(1, "boom\n")};
  Run();
  ASSERT_EQ(http_.bodies.size(), 3u) << "three tries";
  const std::string key =
      nlohmann::json::parse(http_.bodies[0])["idempotency_key"].get<std::string>();
  EXPECT_EQ(key, "host1/db/1/failure/ops");
  ASSERT_EQ(outbox.Pending()->size(), 1u);

  http_.code = 200;
  http_.bodies.clear();
  commands_.outcomes = {Exited(0)};
  Run();
  ASSERT_EQ(http_.bodies.size(), 2u) << "the waiting alert, then this run's";
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[0])["idempotency_key"], key);
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[1])["idempotency_key"], "host1/db/2/recovery/ops");
  EXPECT_TRUE(outbox.Pending()->empty());
}

// A job that keeps failing is not news at every run: its alerts heard the
// change into failing, and hear the health check's reminders (every
// `repeat`) and the recovery. Healthchecks-style alerts still hear every
// run: their service counts them. Before, every failed run paged again.
TEST_F(RunnerTest, AFailureAfterAFailureAlertsOnlyThePings) {
  AlertByWebhook("https://hooks.example/x");
  AlertSpec hc;
  hc.name = "hc";
  hc.kind = AlertKind::kHealthchecks;
  hc.url = "https://hc-ping.example/uuid";
  config_.alerts["hc"] = hc;
  job_.alert = {"ops", "hc"};
  auto events = [&] {
    std::vector<std::string> out;
    for (const std::string& b : http_.bodies) {
      auto j = nlohmann::json::parse(b, nullptr, false);
      out.push_back(j.is_object() && j.contains("event") ? j["event"].get<std::string>() : "ping");
    }
    return out;
  };
  for (int code : {1, 1, 4, 0, 1}) {
    commands_.outcomes = {Exited(code)};
    Run();
  }
  // Runs: failed (told), failed and failed (no news), success (recovery),
  // failed (told again: a new episode). Healthchecks hears every run: its
  // start and its end, 10 pings.
  std::vector<std::string> told;
  for (const std::string& e : events())
    if (e != "ping") told.push_back(e);
  EXPECT_EQ(told, (std::vector<std::string>{"failure", "recovery", "failure"}));
  EXPECT_EQ(events().size() - told.size(), 10u);
}

// An operator's Ctrl-C paged no one, so the failure after it is news.
TEST_F(RunnerTest, AFailureAfterAnOperatorsCtrlCIsTold) {
  AlertByWebhook("https://hooks.example/x");
  request_.trigger = Trigger::kManual;
  stop_signal_ = SIGINT;
  commands_.outcomes = {Of(CommandOutcome::Kind::kInterrupted, SIGINT)};
  Run();
  EXPECT_TRUE(http_.bodies.empty());
  stop_signal_ = 0;
  request_.trigger = Trigger::kSchedule;
  commands_.outcomes = {Exited(1)};
  Run();
  ASSERT_EQ(http_.bodies.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[0])["event"], "failure");
}

// A runner killed (kill -9) between recording its run and sending the
// alert must not take the alert with it: by the time the finish reaches the
// history, the alert waits in the outbox. Before, a failed run recorded just
// before the kill was never told (its record is finished, so no dead-run
// alert either), and the window included delivering older alerts.
TEST_F(RunnerTest, TheAlertIsInTheOutboxBeforeTheFinishIsRecorded) {
  Outbox& outbox = UseOutbox();
  AlertByWebhook("https://hooks.example/x");
  std::vector<size_t> waiting_at_finish;
  history_.on_finish = [&](const RunRecord& r) {
    if (r.result != RunResult::kRunning && r.alert_status.empty())
      waiting_at_finish.push_back(outbox.Pending()->size());
  };
  commands_.outcomes = {Exited(1, "boom\n")};
  Run();
  ASSERT_EQ(waiting_at_finish.size(), 1u);
  EXPECT_EQ(waiting_at_finish[0], 1u) << "the failure alert was not written down yet";
  ASSERT_EQ(http_.bodies.size(), 1u) << "sent once, by this run";
  EXPECT_TRUE(outbox.Pending()->empty());
  EXPECT_NE(history_.runs[0].alert_status.find("sent"), std::string::npos);

  // A waiting alert of an earlier run goes first, and this run's own entry
  // is not sent twice (once by the drain, once by the run).
  commands_.outcomes = {Exited(0)};
  Run();  // a recovery: the next failure is news again
  http_.bodies.clear();
  http_.code = 503;
  commands_.outcomes = {Exited(1, "boom\n")};
  Run();
  ASSERT_EQ(outbox.Pending()->size(), 1u);
  http_.code = 200;
  http_.bodies.clear();
  commands_.outcomes = {Exited(0)};
  Run();
  ASSERT_EQ(http_.bodies.size(), 2u) << "the waiting failure, then this run's recovery";
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[0])["idempotency_key"], "host1/db/3/failure/ops");
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[1])["idempotency_key"], "host1/db/4/recovery/ops");
  EXPECT_TRUE(outbox.Pending()->empty());
}

TEST_F(RunnerTest, TheOutputPrefixReachesTheCommand) {
  request_.output_prefix = "[db] ";
  commands_.outcomes = {Exited(0)};
  Run();
  ASSERT_EQ(commands_.specs.size(), 1u);
  EXPECT_EQ(commands_.specs[0].line_prefix, "[db] ");
}

// A person at a terminal is told what a long wait is for, once; a wait
// shorter than a moment is not worth a line.
TEST_F(RunnerTest, ATerminalIsToldWhatTheRunWaitsFor) {
  std::ostringstream terminal;
  terminal_ = &terminal;
  job_.overlap = Overlap::kWait;
  job_.lock_wait = Timespan{30'000'000};
  locker_.busy_tries = 5;  // half a second
  commands_.outcomes = {Exited(0), Exited(0)};
  Run();
  EXPECT_EQ(terminal.str(), "");
  locker_.busy_tries = 50;  // five seconds
  Run();
  EXPECT_EQ(terminal.str(),
            "db: waiting for the previous run to finish (overlap = \"wait\", for up to 30s)\n");

  terminal.str("");
  job_.overlap = Overlap::kSkip;
  job_.preflight.reachable = {"tcp://nas.local:22"};
  job_.preflight.wait = Timespan{25'000'000};
  net_.reachable = false;
  Run();
  EXPECT_EQ(terminal.str(),
            "db: waiting for the preflight: cannot reach nas.local:22: refused (checking again "
            "every 10s, for up to 25s)\n");
}

TEST_F(RunnerTest, RetriesWithBackoffAndCountsAttempts) {
  job_.retries = 3;
  job_.retry_delay = Timespan{10'000'000};
  job_.retry_backoff = 2.0;
  job_.retry_delay_max = Timespan{25'000'000};
  commands_.outcomes = {Exited(1), Of(CommandOutcome::Kind::kTimedOut, 9), Exited(1), Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.record.attempts, 4);
  ASSERT_EQ(sleeps_.size(), 3u);
  EXPECT_EQ(sleeps_[0], Micros{10'000'000});
  EXPECT_EQ(sleeps_[1], Micros{20'000'000});
  EXPECT_EQ(sleeps_[2], Micros{25'000'000});  // capped
}

TEST_F(RunnerTest, FailedAfterAllRetriesExitsOneWithTheLastOutputLine) {
  job_.retries = 1;
  commands_.outcomes = {Exited(2, "x\nconnection refused\n"), Exited(2, "x\npermission denied\n")};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.record.attempts, 2);
  EXPECT_NE(r.record.message.find("permission denied"), std::string::npos) << r.record.message;
}

TEST_F(RunnerTest, StopDuringRetryDelayIsInterrupted) {
  job_.retries = 2;
  stop_during_sleep_ = true;
  commands_.outcomes = {Exited(1)};
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kInterrupted);
  EXPECT_EQ(r.exit_status, 6);
}

TEST_F(RunnerTest, TimeoutExitsFive) {
  job_.timeout = Timespan{5'000'000};
  job_.kill_grace = Timespan{2'000'000};
  commands_.outcomes = {Of(CommandOutcome::Kind::kTimedOut, 9)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 5);
  EXPECT_EQ(commands_.specs[0].timeout, Micros{5'000'000});
  EXPECT_EQ(commands_.specs[0].kill_grace, Micros{2'000'000});
  EXPECT_EQ(r.record.signal, "KILL");
}

TEST_F(RunnerTest, HeldLockSkipsWithSeventyFiveAndNeverRunsTheCommand) {
  locker_.busy = true;
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 75);
  EXPECT_EQ(r.record.result, RunResult::kSkipped);
  EXPECT_TRUE(commands_.specs.empty());
  EXPECT_EQ(locker_.paths[0], "/var/lib/surety/locks/db.lock");
}

TEST_F(RunnerTest, OverlapWaitTakesTheLockOnceThePreviousRunEnds) {
  job_.overlap = Overlap::kWait;
  job_.lock_wait = Timespan{30'000'000};
  locker_.busy_tries = 5;
  commands_.outcomes = {Exited(0)};
  EXPECT_EQ(Run().exit_status, 0);
  ASSERT_EQ(sleeps_.size(), 5u);
  EXPECT_EQ(sleeps_[0], Micros{100'000});
  EXPECT_EQ(commands_.specs.size(), 1u);
}

TEST_F(RunnerTest, OverlapWaitGivesUpAfterLockWaitAsSkipped) {
  job_.overlap = Overlap::kWait;
  job_.lock_wait = Timespan{1'050'000};
  locker_.busy = true;
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 75);
  EXPECT_TRUE(commands_.specs.empty());
  Micros waited{0};
  for (Micros m : sleeps_) waited += m;
  EXPECT_EQ(waited, Micros{1'050'000}) << "waits exactly lock_wait, the last pause shortened";
  EXPECT_NE(r.record.message.find("after waiting 1.050000s"), std::string::npos)
      << r.record.message;
}

TEST_F(RunnerTest, InfiniteLockWaitWaitsAsLongAsItTakes) {
  job_.overlap = Overlap::kWait;
  job_.lock_wait = Timespan{Timespan::kInfinity};
  locker_.busy_tries = 36'000;  // an hour of 100 ms pauses
  commands_.outcomes = {Exited(0)};
  EXPECT_EQ(Run().exit_status, 0);
  EXPECT_EQ(sleeps_.size(), 36'000u);
}

TEST_F(RunnerTest, StopWhileWaitingForTheLockIsInterruptedAndNeverRunsTheCommand) {
  job_.overlap = Overlap::kWait;
  job_.lock_wait = Timespan{30'000'000};
  locker_.busy = true;
  stop_during_sleep_ = true;
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 6);
  EXPECT_EQ(r.record.result, RunResult::kInterrupted);
  EXPECT_TRUE(commands_.specs.empty());
}

TEST_F(RunnerTest, StopBeforeTheCommandStartsIsInterrupted) {
  stop_ = [] { return true; };  // e.g. SIGTERM during the history fold
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 6);
  EXPECT_TRUE(commands_.specs.empty());
}

// A stop request still pending when the job is about to start: the command
// runner is told not to start it, and says it did not.
TEST_F(RunnerTest, AStopThatArrivesAsTheJobStartsNeverStartsIt) {
  CommandOutcome not_started = Of(CommandOutcome::Kind::kInterrupted);
  not_started.started = false;
  commands_.outcomes = {not_started};
  RunReport r = Run();
  ASSERT_EQ(commands_.specs.size(), 1u);
  EXPECT_TRUE(commands_.specs[0].not_if_stopped) << "the job may start after a stop request";
  EXPECT_EQ(r.exit_status, 6);
  EXPECT_EQ(r.record.result, RunResult::kInterrupted);
  EXPECT_EQ(r.record.message, "stopped before the command started");
  EXPECT_EQ(r.record.attempts, 0);
  EXPECT_FALSE(r.record.exit_code.has_value());
}

TEST_F(RunnerTest, ARetryAStopKeptFromStartingKeepsTheLastAttemptsEvidence) {
  job_.retries = 2;
  CommandOutcome not_started = Of(CommandOutcome::Kind::kInterrupted);
  not_started.started = false;
  commands_.outcomes = {Exited(3, "pg_dump: connection refused\n"), not_started};
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kInterrupted);
  EXPECT_EQ(r.record.attempts, 1);
  EXPECT_EQ(r.record.exit_code, 3);
  EXPECT_EQ(r.record.output_tail, "pg_dump: connection refused\n");
  EXPECT_EQ(r.record.message,
            "exited with status 3: pg_dump: connection refused; stopped before retrying");
}

TEST_F(RunnerTest, StopDuringAPreflightCommandIsInterruptedAndNeverRunsTheJob) {
  job_.preflight.command.argv = {"mountpoint", "-q", "/backups"};
  job_.preflight.wait = Timespan{600'000'000};
  // The preflight command was interrupted: it saw the SIGTERM.
  commands_.outcomes = {Of(CommandOutcome::Kind::kInterrupted, SIGTERM)};
  stop_ = [this] { return !commands_.specs.empty(); };
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 6);
  EXPECT_EQ(r.record.result, RunResult::kInterrupted);
  ASSERT_EQ(commands_.specs.size(), 1u) << "only the preflight command ran";
  EXPECT_EQ(commands_.specs[0].argv[0], "mountpoint");
  EXPECT_TRUE(sleeps_.empty()) << "no re-check after a stop request";
}

TEST_F(RunnerTest, StopDuringTheVerifyCommandIsInterruptedNotVerifyFailed) {
  job_.verify.command.argv = {"pg_restore", "--list", "{path}"};
  commands_.outcomes = {Exited(0), Of(CommandOutcome::Kind::kInterrupted, SIGTERM)};
  stop_ = [this] { return commands_.specs.size() >= 2; };
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 6);
  EXPECT_EQ(r.record.result, RunResult::kInterrupted);
}

TEST_F(RunnerTest, InfinitePreflightWaitRechecksUntilItHolds) {
  job_.preflight.reachable = {"tcp://nas.local:22"};
  job_.preflight.wait = Timespan{Timespan::kInfinity};
  net_.reachable = false;
  net_.reachable_after = 500;  // about 83 minutes of 10 s re-checks
  commands_.outcomes = {Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 0) << r.record.message;
  EXPECT_EQ(sleeps_.size(), 500u);
}

TEST_F(RunnerTest, InfinityMeansNoTimeoutAndNoSigkill) {
  job_.timeout = Timespan{Timespan::kInfinity};
  job_.kill_grace = Timespan{Timespan::kInfinity};
  commands_.outcomes = {Exited(0)};
  EXPECT_EQ(Run().exit_status, 0);
  EXPECT_EQ(commands_.specs[0].timeout, Micros{0});
  EXPECT_EQ(commands_.specs[0].kill_grace, Micros::max());
}

TEST_F(RunnerTest, TimedOutAttemptThatExitsAfterSigtermKeepsItsExitCode) {
  job_.timeout = Timespan{5'000'000};
  CommandOutcome o = Of(CommandOutcome::Kind::kTimedOut, 0);
  o.exit_code = 0;  // trap 'exit 0' TERM
  commands_.outcomes = {o};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 5);
  EXPECT_EQ(r.record.exit_code, 0);
  EXPECT_FALSE(r.record.signal.has_value());
  EXPECT_NE(r.record.message.find("stopped with SIGTERM and exited with status 0"),
            std::string::npos)
      << r.record.message;
}

TEST_F(RunnerTest, UnusableLockIsAPreflightFailureWithTheReason) {
  locker_.error = true;
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_NE(r.record.message.find("Permission denied"), std::string::npos) << r.record.message;
  EXPECT_TRUE(commands_.specs.empty());
}

TEST_F(RunnerTest, PreflightAndVerifyCommandsRunAsTheJobsUser) {
  job_.user = "postgres";
  job_.preflight.command.argv = {"mountpoint", "-q", "/backups"};
  job_.verify.command.argv = {"pg_restore", "--list", "{path}"};
  commands_.outcomes = {Exited(0), Exited(0), Exited(0)};
  EXPECT_EQ(Run().exit_status, 0);
  ASSERT_EQ(commands_.specs.size(), 3u);
  for (const CommandSpec& spec : commands_.specs) {
    EXPECT_EQ(spec.uid, 1000u) << spec.argv[0];
    EXPECT_EQ(spec.gid, 1000u) << spec.argv[0];
  }
}

TEST_F(RunnerTest, PreflightIsRecheckedUntilWaitRunsOut) {
  job_.preflight.reachable = {"tcp://nas.local:22"};
  job_.preflight.wait = Timespan{25'000'000};
  net_.reachable = false;
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.record.result, RunResult::kPreflightFailed);
  EXPECT_TRUE(commands_.specs.empty());
  EXPECT_EQ(sleeps_.size(), 3u);  // 10 s, 10 s, 5 s
  EXPECT_NE(r.record.message.find("nas.local"), std::string::npos) << r.record.message;
}

// A hung probe (mountpoint on a stale NFS mount) must not hold the run 5
// minutes per re-check past a short wait: the command gets what is left of
// the wait, but never less than 30 s.
TEST_F(RunnerTest, APreflightCommandGetsWhatIsLeftOfTheWait) {
  job_.preflight.command.argv = {"mountpoint", "-q", "/backups"};
  job_.preflight.wait = Timespan{120'000'000};  // 2 min
  commands_.outcomes = {Exited(1), Exited(1), Exited(0), Exited(0)};
  Run();
  ASSERT_GE(commands_.specs.size(), 3u);
  EXPECT_EQ(commands_.specs[0].timeout, std::chrono::seconds(120));
  // 1 s for the first command, 10 s of waiting: 109 s left.
  EXPECT_EQ(commands_.specs[1].timeout, std::chrono::seconds(109));

  job_.preflight.wait = Timespan{5'000'000};  // shorter than any probe should be cut to
  commands_.specs.clear();
  commands_.outcomes = {Exited(0), Exited(0)};
  Run();
  EXPECT_EQ(commands_.specs[0].timeout, std::chrono::seconds(30));

  job_.preflight.wait = Timespan{};  // checked once: the usual 5 min
  commands_.specs.clear();
  commands_.outcomes = {Exited(0), Exited(0)};
  Run();
  EXPECT_EQ(commands_.specs[0].timeout, std::chrono::minutes(5));
}

TEST_F(RunnerTest, ListCommandArgumentsAreExpandedWithTheVerifyPathsInstant) {
  // The design's example: the command writes the file verify checks.
  job_.command.argv = {"pg_dump", "-Fc", "-f", "/backups/db-%Y-%m-%d.dump", "100%%", "app"};
  job_.verify.path = "/backups/db-%Y-%m-%d.dump";
  fs_.AddFile("/backups/db-2025-11-22.dump", "dump", 0644, clock_.Now() + Micros{1});
  commands_.outcomes = {Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 0) << r.record.message;
  const CommandSpec& spec = commands_.specs[0];
  EXPECT_EQ(spec.argv, (std::vector<std::string>{"pg_dump", "-Fc", "-f",
                                                 "/backups/db-2025-11-22.dump", "100%", "app"}));
  EXPECT_EQ(spec.env.at("SURETY_ARTIFACT"), "/backups/db-2025-11-22.dump");
}

TEST_F(RunnerTest, ShellCommandsAreLeftAsWritten) {
  job_.command.argv = {"/bin/sh", "-c", "pg_dump app > /b/db-$(date +%F).sql"};
  job_.command.shell = true;
  commands_.outcomes = {Exited(0)};
  Run();
  EXPECT_EQ(commands_.specs[0].argv[2], "pg_dump app > /b/db-$(date +%F).sql");
  EXPECT_EQ(commands_.specs[0].env.count("SURETY_ARTIFACT"), 0u);
}

TEST_F(RunnerTest, MaxShrinkComparesWithTheLastRunThatMeasuredAnArtifact) {
  RunRecord good;
  good.job = "db";
  good.result = RunResult::kSuccess;
  good.artifact_size = 10'000;
  good.finished_at = clock_.Now() - Micros{86'400'000'000};
  RunRecord done;
  done.job = "db";
  done.result = RunResult::kAlreadyDone;  // measured nothing
  history_.runs = {good, done};
  history_.runs[0].id = 1;
  history_.runs[1].id = 2;
  job_.verify.path = "/backups/db.dump";
  job_.verify.max_shrink = 0.5;
  fs_.AddFile("/backups/db.dump", std::string(2'000, 'x'), 0644, clock_.Now() + Micros{1});
  commands_.outcomes = {Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 4) << r.record.message;
  EXPECT_EQ(r.record.result, RunResult::kVerifyFailed);
}

TEST_F(RunnerTest, VerifyFailureExitsFourAndRecordsTheReason) {
  job_.verify.path = "/backups/db-%Y-%m-%d.dump";
  job_.verify.min_size = 1 << 20;
  fs_.AddFile("/backups/db-2025-11-22.dump", std::string(10, 'x'), 0644, clock_.Now() + Micros{1});
  commands_.outcomes = {Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 4);
  EXPECT_EQ(r.record.result, RunResult::kVerifyFailed);
  EXPECT_EQ(r.record.artifact_size, 10u);
}

TEST_F(RunnerTest, VerifyPassesForAGoodArtifact) {
  job_.verify.path = "/backups/db-%Y-%m-%d.dump";
  job_.verify.fresh = true;
  fs_.AddFile("/backups/db-2025-11-22.dump", std::string(100, 'x'), 0644,
              clock_.Now() + Micros{500'000});
  commands_.outcomes = {Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 0) << r.record.message;
  EXPECT_EQ(r.record.artifact_path, "/backups/db-2025-11-22.dump");
}

TEST_F(RunnerTest, HistoryWriteFailureNeitherStopsTheJobNorChangesItsResult) {
  history_.fail_writes = true;
  commands_.outcomes = {Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(commands_.specs.size(), 1u);
  EXPECT_NE(logs_.str().find("history_write_failed"), std::string::npos);
}

TEST_F(RunnerTest, FailureAlertsAndFailedDeliveryNeverChangesTheResult) {
  AlertByWebhook("https://hooks.example/SECRET");
  commands_.outcomes = {Exited(2)};
  http_.code = 500;
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(http_.urls.size(), 3u);  // retried briefly
  EXPECT_NE(history_.runs[0].alert_status.find("failed"), std::string::npos);
  EXPECT_EQ(logs_.str().find("SECRET"), std::string::npos);
  EXPECT_EQ(history_.runs[0].alert_status.find("SECRET"), std::string::npos);
}

TEST_F(RunnerTest, SuccessAfterFailureSendsRecovery) {
  AlertByWebhook("https://hooks.example/x");
  commands_.outcomes = {Exited(2), Exited(0), Exited(0)};
  Run();
  Run();
  Run();
  ASSERT_EQ(http_.bodies.size(), 2u);
  EXPECT_NE(http_.bodies[0].find("\"failure\""), std::string::npos);
  EXPECT_NE(http_.bodies[1].find("\"recovery\""), std::string::npos);
}

// An earlier finished run of the job "db".
RunRecord Past(int64_t id, RunResult result) {
  RunRecord r;
  r.job = "db";
  r.id = id;
  r.result = result;
  return r;
}

// The record of a run whose runner died, as the reaper leaves it.
RunRecord DeadRun() {
  RunRecord dead = Past(1, RunResult::kInterrupted);  // no alert sent
  dead.owner_pid = 4242;
  dead.message = DeadRunnerMessage(4242);
  return dead;
}

size_t Mentioning(const std::vector<std::string>& bodies, const std::string& what) {
  return static_cast<size_t>(std::count_if(bodies.begin(), bodies.end(), [&](const std::string& b) {
    return b.find(what) != std::string::npos;
  }));
}

TEST_F(RunnerTest, ARunWhoseRunnerDiedIsAlertedByTheNextRun) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  commands_.outcomes = {Exited(0), Exited(0)};
  Run();
  ASSERT_EQ(http_.bodies.size(), 2u);
  EXPECT_NE(http_.bodies[0].find("\"failure\""), std::string::npos);
  EXPECT_NE(http_.bodies[0].find("pid 4242"), std::string::npos) << "about the dead run";
  EXPECT_NE(http_.bodies[1].find("\"recovery\""), std::string::npos);
  EXPECT_NE(history_.runs[0].alert_status.find("sent"), std::string::npos);
  EXPECT_EQ(locker_.paths, (std::vector<std::string>{"/var/lib/surety/locks/db.lock",
                                                     "/var/lib/surety/locks/db.telling"}))
      << "told under the job's telling lock";
}

// Telling about a dead run (up to 3 tries of every alert) waits until this
// run has been recorded and its job has run: it holds up neither.
TEST_F(RunnerTest, ADeadRunIsToldAfterTheJobNeverBeforeIt) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  commands_.outcomes = {Exited(0)};
  std::vector<std::pair<size_t, size_t>> seen;  // (commands run, runs recorded) at each post
  http_.on_post = [&] { seen.emplace_back(commands_.specs.size(), history_.runs.size()); };
  Run();
  ASSERT_EQ(http_.bodies.size(), 2u);
  EXPECT_NE(http_.bodies[0].find("pid 4242"), std::string::npos);
  EXPECT_EQ(seen[0], std::make_pair(size_t{1}, size_t{2})) << "told before the job ran";
}

// A runner killed after its own record was finished left the dead run it
// was about to tell untold for good (it is older than a run that did its
// work). Its alert is now in the outbox, and the dead run marked told,
// before this run's finish is recorded.
TEST_F(RunnerTest, ADeadRunIsWrittenDownBeforeThisRunsFinishIsRecorded) {
  Outbox& outbox = UseOutbox();
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  history_.runs.back().host = "host1";
  std::vector<std::pair<size_t, std::string>> at_finish;  // outbox size, dead run's alert_status
  history_.on_finish = [&](const RunRecord& r) {
    if (r.id == 2 && r.result != RunResult::kRunning && r.alert_status.empty())
      at_finish.emplace_back(outbox.Pending()->size(), history_.runs[0].alert_status);
  };
  commands_.outcomes = {Exited(0)};
  Run();
  ASSERT_EQ(at_finish.size(), 1u);
  EXPECT_EQ(at_finish[0].first, 2u) << "the dead run's failure and this run's recovery";
  EXPECT_EQ(at_finish[0].second, "written to the outbox");
  ASSERT_EQ(http_.bodies.size(), 2u) << "each sent once";
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[0])["idempotency_key"], "host1/db/1/failure/ops");
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[1])["idempotency_key"], "host1/db/2/recovery/ops");
  EXPECT_NE(history_.runs[0].alert_status.find("sent"), std::string::npos);
  EXPECT_TRUE(outbox.Pending()->empty());
}

// A damaged history.db is rebuilt from the journal; the failure it held is
// gone, and the next good run saw no previous result and sent no recovery:
// the last thing anyone heard was the failure. It now tells a recovery.
TEST_F(RunnerTest, AGoodRunAfterTheHistoryWasRebuiltTellsARecovery) {
  AlertByWebhook("https://hooks.example/x");
  history_.recovery = Status::Error(StatusCode::kCorrupt, "history.db was damaged");
  commands_.outcomes = {Exited(0)};
  Run();
  ASSERT_EQ(http_.bodies.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[0])["event"], "recovery");

  // With the previous result known, the usual rules hold: no recovery
  // after a success.
  http_.bodies.clear();
  commands_.outcomes = {Exited(0)};
  Run();
  EXPECT_TRUE(http_.bodies.empty());
}

// A person who presses Ctrl-C on a manual run stopped it on purpose: the
// run is recorded interrupted, and says why, but pages no one. A SIGTERM
// (a service manager, a shutdown) or a scheduled run still alerts.
TEST_F(RunnerTest, AManualRunStoppedWithCtrlCPagesNoOne) {
  AlertByWebhook("https://hooks.example/x");
  request_.trigger = Trigger::kManual;
  stop_signal_ = SIGINT;
  commands_.outcomes = {Of(CommandOutcome::Kind::kInterrupted, SIGINT)};
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kInterrupted);
  EXPECT_TRUE(http_.bodies.empty()) << "an operator's Ctrl-C paged someone";
  EXPECT_NE(r.record.message.find(kOperatorStopNote), std::string::npos) << r.record.message;

  stop_signal_ = SIGTERM;
  commands_.outcomes = {Of(CommandOutcome::Kind::kInterrupted, SIGTERM)};
  Run();
  EXPECT_EQ(http_.bodies.size(), 1u) << "a SIGTERM must alert";

  commands_.outcomes = {Exited(0)};
  Run();  // recovered: the next failure is news again
  http_.bodies.clear();
  stop_signal_ = SIGINT;
  request_.trigger = Trigger::kSchedule;
  commands_.outcomes = {Of(CommandOutcome::Kind::kInterrupted, SIGINT)};
  Run();
  EXPECT_EQ(http_.bodies.size(), 1u) << "a scheduled run stopped by SIGINT must alert";
}

TEST_F(RunnerTest, AStartThatCouldNotBeRecordedIsRecordedWithTheFinish) {
  history_.fail_begins = 1;  // the journal's lock was held too long at the start
  commands_.outcomes = {Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 0);
  ASSERT_EQ(history_.runs.size(), 1u) << "the run was lost";
  EXPECT_EQ(history_.runs[0].result, RunResult::kSuccess);
  EXPECT_TRUE(history_.runs[0].finished_at.has_value());
  EXPECT_EQ(r.record.id, 1);
}

// Under overload the start and then the finish could not be written (the
// journal's lock held too long): the run vanished, and the only trace was a
// line saying run_id=0. Now it is spooled for the next run or read to add.
TEST_F(RunnerTest, ARunWhoseStartAndFinishCannotBeWrittenIsSpooled) {
  history_.fail_begins = 2;
  commands_.outcomes = {Exited(1, "boom\n")};
  RunReport r = Run();
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_TRUE(history_.runs.empty());
  ASSERT_EQ(history_.spooled.size(), 1u) << logs_.str();
  EXPECT_EQ(history_.spooled[0].result, RunResult::kFailed);
  EXPECT_EQ(history_.spooled[0].message, "exited with status 1: boom");
  EXPECT_NE(logs_.str().find("level=warning event=run_spooled job=db"), std::string::npos)
      << logs_.str();
}

// When nothing can be written at all (a full disk), the log gets the whole
// run at level error: someone reading it learns the run happened and failed.
TEST_F(RunnerTest, ARunThatCanBeStoredNowhereIsLoggedWholeAsAnError) {
  history_.fail_writes = true;
  history_.fail_spool = true;
  commands_.outcomes = {Exited(1, "boom\n")};
  Run();
  const std::string logs = logs_.str();
  EXPECT_NE(logs.find("level=error event=run_lost job=db run_id=0 "
                      "started_at=2025-11-22T03:00:00Z finished_at=2025-11-22T03:00:01Z "
                      "trigger=schedule result=failed exit_code=1 message=\"exited with status 1: "
                      "boom\" error=\"disk full; nor could it be spooled: disk full\""),
            std::string::npos)
      << logs;
}

// A run that ended before taking the job's lock (its preflight failed)
// left the telling to the runner holding it; by the time that one finishes
// the dead run is no longer the newest. It is still told. A run interrupted
// by a stop request while its runner lived is not a dead run.
TEST_F(RunnerTest, ADeadRunBehindANewerRunIsStillTold) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  RunRecord failed_preflight = Past(2, RunResult::kPreflightFailed);
  failed_preflight.alert_status = "webhook ops: sent";
  history_.runs.push_back(failed_preflight);
  RunRecord stopped = Past(3, RunResult::kInterrupted);
  stopped.message = "surety was told to stop, so the job was stopped with SIGTERM";
  history_.runs.push_back(stopped);
  commands_.outcomes = {Exited(0)};
  Run();
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 1u);
  EXPECT_EQ(Mentioning(http_.bodies, "told to stop"), 0u) << "a run whose runner lived";
}

// What a killed runner left running holds the job's lock for a while: every
// run meanwhile is skipped and leaves the telling to the lock holder. However
// many they are, the dead run is told once the job runs again.
TEST_F(RunnerTest, ADeadRunUnderManySkippedRunsIsStillTold) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  for (int i = 0; i < 30; ++i) {
    history_.runs.push_back(
        Past(static_cast<int64_t>(history_.runs.size()) + 1, RunResult::kSkipped));
  }
  commands_.outcomes = {Exited(0)};
  Run();
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 1u);
}

// Alerts added to a job later do not dig up dead runs that a good run has
// followed since: only those after the newest run that did its work.
TEST_F(RunnerTest, DeadRunsBeforeAGoodRunAreNotToldWhenAlertsAreAdded) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  history_.runs.push_back(Past(2, RunResult::kSuccess));
  commands_.outcomes = {Exited(0)};
  Run();
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 0u);
  EXPECT_TRUE(http_.bodies.empty()) << "a success after a success: nothing to say";
}

// A record reaped by an older surety, whose message was worded differently.
TEST_F(RunnerTest, ADeadRunReapedByAnOlderSuretyIsTold) {
  AlertByWebhook("https://hooks.example/x");
  RunRecord dead = DeadRun();
  dead.message = "the runner died (pid 4242) before finishing; marked interrupted";
  history_.runs.push_back(dead);
  commands_.outcomes = {Exited(0)};
  Run();
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 1u);
}

TEST_F(RunnerTest, ADeadRunIsToldOnceEvenWhenItStaysTheNewestRun) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  history_.fail_begin = true;  // this run leaves no record: the dead run stays the newest
  commands_.outcomes = {Exited(0), Exited(0)};
  Run();
  history_.fail_begin = false;
  Run();
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 1u) << "told once, not at every run";
}

TEST_F(RunnerTest, ADeadRunIsLeftToTheRunnerThatIsTellingIt) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  locker_.busy = true;  // another runner of this job holds both locks: it tells
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kSkipped);
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 0u);
  EXPECT_TRUE(history_.runs[0].alert_status.empty());
}

// What a killed runner left running (a sleep in its job's script) still
// holds the job's lock, and the next run is skipped. That run tells the
// dead run all the same: before, it left the telling to the lock's holder,
// which was no runner at all, and the failure went untold until the job
// next ran (the reliability suite's kill -9, 1 run in 10).
TEST_F(RunnerTest, ASkippedRunTellsADeadRunWhoseLeftoversHoldTheJobLock) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  locker_.busy_paths = {"/var/lib/surety/locks/db.lock"};
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kSkipped);
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 1u);
  EXPECT_NE(history_.runs[0].alert_status.find("sent"), std::string::npos);

  // Told once: the next run, skipped too, has nothing more to say.
  http_.bodies.clear();
  Run();
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 0u);
}

// What came before a run is read at its end too: with overlap = "wait", a
// run that started while the previous one ran (after a failure) and failed
// after that one recovered is news. Read at the start only, it was taken
// for the same failure and told no one.
TEST_F(RunnerTest, TheResultBeforeARunIsTheOneWhenItEnds) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(Past(1, RunResult::kFailed));
  history_.runs.push_back(Past(2, RunResult::kRunning));
  history_.on_begin = [&] { history_.runs[1].result = RunResult::kSuccess; };
  commands_.outcomes = {Exited(1)};
  Run();
  ASSERT_EQ(http_.bodies.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[0])["event"], "failure");
}

TEST_F(RunnerTest, ADeadRunIsNotToldFromAHistoryThatDidNotFold) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  // The journal could not be folded: the record may be older than the
  // journal's, and writing it back could undo a finish.
  history_.fold_status = Status::Error(StatusCode::kIoError, "disk full");
  commands_.outcomes = {Exited(0)};
  Run();
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 0u);
  EXPECT_TRUE(history_.runs[0].alert_status.empty());
}

TEST_F(RunnerTest, ADeadRunWhoseAlertCannotBeRecordedIsLogged) {
  AlertByWebhook("https://hooks.example/x");
  history_.runs.push_back(DeadRun());
  history_.fail_writes = true;
  commands_.outcomes = {Exited(0)};
  Run();
  EXPECT_EQ(Mentioning(http_.bodies, "pid 4242"), 1u);
  EXPECT_NE(logs_.str().find("event=history_write_failed job=db run_id=1"), std::string::npos)
      << logs_.str();
}

// systemd stopping the runner (a shutdown) must not turn the alert's retries
// into three attempts in a row: the pauses between them are kept.
TEST_F(RunnerTest, AlertRetriesPauseEvenAfterAStopRequest) {
  AlertByWebhook("https://hooks.example/x");
  http_.code = 503;
  commands_.outcomes = {Of(CommandOutcome::Kind::kInterrupted, SIGTERM)};
  stop_ = [] { return true; };
  stop_during_sleep_ = true;
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kInterrupted);
  EXPECT_EQ(http_.bodies.size(), 3u);
  EXPECT_EQ(pauses_, (std::vector<Micros>{std::chrono::seconds(1), std::chrono::seconds(2)}));
}

// A healthchecks-style service marks a check down when the pings stop: it
// gets one on every good run, not only on recovery; the other alerts do
// not hear about a success after a success.
TEST_F(RunnerTest, HealthchecksAlertsArePingedOnEveryGoodRun) {
  AlertByWebhook("https://hooks.example/x");
  AlertSpec hc;
  hc.name = "hc";
  hc.kind = AlertKind::kHealthchecks;
  hc.url = "https://hc.example/ping/abc";
  config_.alerts["hc"] = hc;
  job_.alert = {"ops", "hc"};
  commands_.outcomes = {Exited(0), Exited(0)};
  Run();
  Run();
  ASSERT_EQ(http_.urls.size(), 4u);
  EXPECT_EQ(http_.urls[0], "https://hc.example/ping/abc/start");
  EXPECT_EQ(http_.urls[1], "https://hc.example/ping/abc");
  EXPECT_EQ(http_.urls[2], "https://hc.example/ping/abc/start");
  EXPECT_EQ(http_.urls[3], "https://hc.example/ping/abc");
  EXPECT_EQ(history_.runs[1].alert_status, "healthchecks hc: sent");
}

// healthchecks.io times a run from its /start ping and reports one that
// started and never finished: the ping goes out once the run is recorded
// (its id is in the body), before preflight and the command, and before the
// run's own ping at the end.
TEST_F(RunnerTest, HealthchecksHearWhenARunStarts) {
  AlertByHealthchecks("https://hc.example/ping/abc");
  fs_.AddFile("/etc/default/db", "A=1\n");
  job_.preflight.files = {"/etc/default/db"};
  std::vector<size_t> commands_before_post, runs_recorded_before_post;
  http_.on_post = [&] {
    commands_before_post.push_back(commands_.specs.size());
    runs_recorded_before_post.push_back(history_.runs.size());
  };
  commands_.outcomes = {Exited(1)};
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kFailed);
  ASSERT_EQ(http_.urls.size(), 2u);
  EXPECT_EQ(http_.urls[0], "https://hc.example/ping/abc/start");
  EXPECT_EQ(http_.bodies[0], "surety: job db started on host1 (run 1)\n");
  EXPECT_EQ(http_.timeouts[0], std::chrono::seconds(5));
  EXPECT_EQ(http_.urls[1], "https://hc.example/ping/abc/fail");
  EXPECT_EQ(commands_before_post, (std::vector<size_t>{0, 1}));
  EXPECT_EQ(runs_recorded_before_post[0], 1u);
  EXPECT_EQ(history_.runs[0].alert_status, "healthchecks hc: sent");
  const std::string logs = logs_.str();
  EXPECT_LT(logs.find("event=run_started"), logs.find("event=run_finished")) << logs;
}

// As with the start record's wait: a slow start ping is surety's time,
// not the job's.
TEST_F(RunnerTest, TheDurationIsTheJobsNotTheStartPings) {
  AlertByHealthchecks("https://hc.example/ping/abc");
  http_.on_post = [this] { clock_.Advance(std::chrono::seconds(4)); };
  commands_.outcomes = {Exited(0)};  // takes one second on the fake clock
  RunReport r = Run();
  EXPECT_EQ(r.record.duration_ms, 1000);
  EXPECT_EQ(r.record.started_at, Instant{Micros{1'763'780'400'000'000}});
}

TEST_F(RunnerTest, TheStartPingGoesBeforeTheQuery) {
  AlertByHealthchecks("https://hc.example/ping/abc/?create=1");
  commands_.outcomes = {Exited(0)};
  Run();
  ASSERT_EQ(http_.urls.size(), 2u);
  EXPECT_EQ(http_.urls[0], "https://hc.example/ping/abc/start?create=1");
  EXPECT_EQ(http_.urls[1], "https://hc.example/ping/abc?create=1");
}

// A start ping that fails is a warning, and nothing more: the job runs,
// its result and alert_status are the job's, nothing waits in the outbox
// for it, and the log does not show the URL's token.
TEST_F(RunnerTest, AFailedStartPingChangesNothing) {
  Outbox& outbox = UseOutbox();
  AlertByHealthchecks("https://hc.example/ping/s3cr3tT0ken");
  http_.on_post = [this] { http_.code = http_.urls.size() == 1 ? 503 : 200; };
  commands_.outcomes = {Exited(0)};
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kSuccess);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(commands_.specs.size(), 1u);
  ASSERT_EQ(http_.urls.size(), 2u);  // the /start once, never retried; then the run's ping
  EXPECT_TRUE(pauses_.empty());
  EXPECT_EQ(history_.runs[0].alert_status, "healthchecks hc: sent");
  EXPECT_TRUE(outbox.Pending()->empty());
  const std::string logs = logs_.str();
  EXPECT_NE(logs.find("level=warning event=alert_start_ping_failed job=db run_id=1 alert=hc "
                      "error=\"healthchecks hc: HTTP 503\""),
            std::string::npos)
      << logs;
  EXPECT_EQ(logs.find("s3cr3tT0ken"), std::string::npos) << logs;
}

// However many healthchecks alerts a job has, their start pings hold the
// job up for at most 5 s in all.
TEST_F(RunnerTest, StartPingsShareOneShortBudget) {
  AlertByHealthchecks("https://hc.example/ping/one");
  for (const char* name : {"two", "three"}) {
    AlertSpec a = config_.alerts.at("hc");
    a.name = name;
    a.url = std::string("https://hc.example/ping/") + name;
    config_.alerts[name] = a;
    job_.alert.push_back(name);
  }
  // The first answers after 3 s, the second after 2 more: none left for the third.
  http_.on_post = [this] { clock_.Advance(std::chrono::seconds(http_.urls.size() == 1 ? 3 : 2)); };
  commands_.outcomes = {Exited(0)};
  Run();
  ASSERT_GE(http_.timeouts.size(), 2u);
  EXPECT_EQ(http_.urls[0], "https://hc.example/ping/one/start");
  EXPECT_EQ(http_.timeouts[0], std::chrono::seconds(5));
  EXPECT_EQ(http_.urls[1], "https://hc.example/ping/two/start");
  EXPECT_EQ(http_.timeouts[1], std::chrono::seconds(2));
  EXPECT_EQ(std::count(http_.urls.begin(), http_.urls.end(), "https://hc.example/ping/three/start"),
            0);
  EXPECT_NE(logs_.str().find("event=alert_start_ping_failed job=db run_id=1 alert=three "
                             "error=\"healthchecks three: not tried"),
            std::string::npos)
      << logs_.str();
}

// Only healthchecks alerts have a /start: a webhook hears nothing of a run
// that went well, and of one that failed only its failure.
TEST_F(RunnerTest, OtherAlertsGetNoStartPing) {
  AlertByWebhook("https://hooks.example/x");
  commands_.outcomes = {Exited(0), Exited(1)};
  Run();
  EXPECT_TRUE(http_.urls.empty());
  Run();
  ASSERT_EQ(http_.urls.size(), 1u);
  EXPECT_NE(http_.bodies[0].find("\"event\":\"failure\""), std::string::npos) << http_.bodies[0];
  EXPECT_EQ(logs_.str().find("start_ping"), std::string::npos);
}

// A journal alert reaches the injected writer with the delivery's key; when
// journald cannot be reached it is a failed delivery like any other: the
// result stands, the record says why, and the outbox keeps it.
TEST_F(RunnerTest, JournalAlertsGoThroughTheInjectedWriter) {
  Outbox& outbox = UseOutbox();
  AlertSpec a;
  a.name = "log";
  a.kind = AlertKind::kJournal;
  config_.alerts["log"] = a;
  job_.alert = {"log"};
  commands_.outcomes = {Exited(1)};
  Run();
  ASSERT_EQ(journal_.entries.size(), 1u);
  const JournalWriter::Fields& f = journal_.entries[0];
  EXPECT_NE(std::find(f.begin(), f.end(),
                      std::pair<std::string, std::string>{"SURETY_IDEMPOTENCY_KEY",
                                                          "host1/db/1/failure/log"}),
            f.end());
  EXPECT_EQ(history_.runs[0].alert_status, "journal log: sent");
  EXPECT_TRUE(outbox.Pending()->empty());

  journal_.answer = Status::Error(StatusCode::kIoError,
                                  "cannot reach journald: /run/systemd/journal/socket: No such "
                                  "file or directory; is systemd-journald running?");
  commands_.outcomes = {Exited(0)};  // a recovery to tell
  RunReport r = Run();
  EXPECT_EQ(r.record.result, RunResult::kSuccess);
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(journal_.entries.size(), 4u);  // three tries
  EXPECT_EQ(history_.runs[1].alert_status,
            "journal log: failed: journal log: cannot reach journald: "
            "/run/systemd/journal/socket: No such file or directory; is systemd-journald running?");
  EXPECT_EQ(outbox.Pending()->size(), 1u);
}

TEST_F(RunnerTest, AlreadyDoneOutputCountsAnywhereInTheOutput) {
  job_.already_done_output = "already exists";
  CommandOutcome o = Exited(1, "...the last 64 KiB, without it...\n");
  o.saw_watched = true;  // seen early in the stream
  commands_.outcomes = {o};
  RunReport r = Run();
  EXPECT_EQ(commands_.specs[0].watch_for, "already exists");
  EXPECT_EQ(r.record.result, RunResult::kAlreadyDone);
  EXPECT_EQ(r.exit_status, 0);
}

TEST_F(RunnerTest, EnvironmentFileThenEnvironmentAndUser) {
  fs_.AddFile("/etc/default/db", "# comment\nexport A=1\nB=\"two words\"\n");
  job_.environment_file = "/etc/default/db";
  job_.environment = {{"B", "override"}};
  job_.user = "postgres";
  job_.working_directory = "/var/backups";
  commands_.outcomes = {Exited(0)};
  Run();
  const CommandSpec& s = commands_.specs[0];
  EXPECT_EQ(s.env.at("A"), "1");
  EXPECT_EQ(s.env.at("B"), "override");
  EXPECT_EQ(s.env.at("PATH"), "/usr/bin:/bin");
  EXPECT_EQ(s.uid, 1000u);
  EXPECT_EQ(s.working_directory, "/var/backups");
}

TEST_F(RunnerTest, AMalformedEnvironmentFileLineIsLoggedByNumberOnly) {
  fs_.AddFile("/etc/default/db", "PGUSER=app\nPASSWORD hunter2\n");
  job_.environment_file = "/etc/default/db";
  commands_.outcomes = {Exited(0)};
  Run();
  const std::string logs = logs_.str();
  EXPECT_NE(logs.find("level=warning event=environment_file_line_ignored job=db run_id=1 "
                      "file=/etc/default/db problem=\"line 2: not KEY=VALUE (ignored)\""),
            std::string::npos)
      << logs;
  EXPECT_EQ(logs.find("hunter2"), std::string::npos);
  EXPECT_EQ(commands_.specs[0].env.at("PGUSER"), "app");
}

TEST_F(RunnerTest, MissingEnvironmentFileIsAPreflightFailure) {
  job_.environment_file = "/nope";
  EXPECT_EQ(Run().exit_status, 3);
}

}  // namespace
}  // namespace surety
