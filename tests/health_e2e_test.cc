// `surety status`, `check` and `metrics` through the real binary, on a real
// history: the exit statuses a monitoring system acts on, a job that never
// ran going CRITICAL once its first deadline passed, a broken job that
// leaves the others alone, and metrics that promtool accepts.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "job_file_fixture.h"

namespace surety {
namespace {

using testing_util::CliResult;
using testing_util::JobFileFixture;
using testing_util::Shell;

class HealthE2E : public JobFileFixture {};

TEST_F(HealthE2E, CheckExitsTwoOneZeroForFailedWarningAndHealthyJobs) {
  WriteConfig(R"(
[jobs.bad]
command = ["false"]
schedule = "daily"
[jobs.meh]
command = ["sh", "-c", "exit 1"]
warning_exit_status = [1]
schedule = "daily"
[jobs.fine]
command = ["true"]
schedule = "daily"
)");
  for (const char* job : {"bad", "meh", "fine"}) (void)Surety(std::string("run ") + job);
  CliResult all = Surety("check");
  EXPECT_EQ(all.rc, 2) << all.out;
  EXPECT_EQ(all.out.rfind("SURETY CRITICAL - 2 of 3 jobs at fault: bad failing, meh warning", 0),
            0u)
      << all.out;
  EXPECT_NE(all.out.find("| jobs=3 ok=1 "), std::string::npos) << all.out;
  EXPECT_EQ(Surety("check meh").rc, 1);
  CliResult fine = Surety("check fine");
  EXPECT_EQ(fine.rc, 0) << fine.out;
  EXPECT_EQ(fine.out.rfind("SURETY OK - 1 job OK |", 0), 0u) << fine.out;

  CliResult json = Shell(Line("status --json") + " 2>/dev/null");
  ASSERT_EQ(json.rc, 0);
  auto rows = nlohmann::json::parse(json.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["job"], "bad");
  EXPECT_EQ(rows[0]["health"], "failing");
  EXPECT_EQ(rows[0]["last_result"], "failed");
  EXPECT_TRUE(rows[0]["last_success"].is_null());
  EXPECT_EQ(rows[1]["job"], "fine");
  EXPECT_EQ(rows[1]["health"], "ok");
  EXPECT_EQ(rows[2]["health"], "warning");
}

// A job that never ran is pending until its first deadline (elapse +
// accuracy + grace) passes, then CRITICAL, saying it never ran.
TEST_F(HealthE2E, ANeverRunJobGoesCriticalAfterItsScheduleAndGrace) {
  WriteConfig(R"(
[jobs.tick]
command = ["true"]
schedule = "*:*:0/2"
accuracy = "1ms"
grace = "1s"
)");
  CliResult first = Surety("check");
  EXPECT_EQ(first.rc, 0) << first.out;
  EXPECT_NE(first.out.find("pending=1"), std::string::npos) << first.out;
  // The first elapse is at most 2 s away; its deadline 1 s later.
  CliResult later;
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    later = Surety("check");
    if (later.rc != 0) break;
  }
  EXPECT_EQ(later.rc, 2) << later.out;
  EXPECT_NE(later.out.find("tick overdue"), std::string::npos) << later.out;
  EXPECT_NE(later.out.find("never ran"), std::string::npos) << later.out;
  // A run clears it.
  (void)Surety("run tick");
  EXPECT_EQ(Surety("check").rc, 0);
}

// A mistake inside one job makes that job broken (CRITICAL), and only it:
// the others still run and are recorded.
TEST_F(HealthE2E, ATypoInOneJobBreaksItAloneAndIsCritical) {
  WriteConfig(R"(
[jobs.good]
command = ["true"]
schedule = "daily"
[jobs.new]
command = ["true"]
schedule = "Mon 25:00"
)");
  EXPECT_EQ(Surety("run good").rc, 0);
  CliResult run_new = Surety("run new");
  EXPECT_EQ(run_new.rc, 2);
  auto history = History("new");
  ASSERT_EQ(history.size(), 1u) << "the refused run was not recorded";
  EXPECT_EQ(history[0]["result"], "failed");
  EXPECT_NE(history[0]["message"].get<std::string>().find("surety.toml:9:12:"), std::string::npos)
      << history[0]["message"];
  CliResult check = Surety("check");
  EXPECT_EQ(check.rc, 2);
  EXPECT_NE(check.out.find("new broken"), std::string::npos) << check.out;
  EXPECT_EQ(check.out.find("good "), std::string::npos) << check.out;
  EXPECT_EQ(Shell(Line("check good") + " 2>/dev/null").rc, 0);
}

// An error outside every job: nothing can be trusted, never OK.
TEST_F(HealthE2E, ABrokenJobFileIsNeverOk) {
  WriteConfig("[defaults]\ntimeout = \"soon\"\n[jobs.a]\ncommand = [\"true\"]\n");
  CliResult check = Surety("check");
  EXPECT_EQ(check.rc, 2) << check.out;
  EXPECT_NE(check.out.find("the job file has errors"), std::string::npos) << check.out;
}

// A daemon that died (its heartbeat file left behind, growing old) is
// CRITICAL; a history that cannot be read is UNKNOWN.
TEST_F(HealthE2E, AStaleHeartbeatIsCriticalAnUnreadableHistoryUnknown) {
  WriteConfig("[jobs.a]\ncommand = [\"true\"]\nschedule = \"daily\"\n");
  ASSERT_EQ(Surety("run a").rc, 0);
  std::ofstream(dir_ + "/state/daemon.json")
      << R"({"pid": 1, "heartbeat_us": 1000000, "started_at": "1970-01-01T00:00:01Z"})";
  CliResult stale = Surety("check");
  EXPECT_EQ(stale.rc, 2) << stale.out;
  EXPECT_NE(stale.out.find("heartbeat"), std::string::npos) << stale.out;
  std::filesystem::remove(dir_ + "/state/daemon.json");
  EXPECT_EQ(Surety("check").rc, 0);
  // Garbage where the history should be, in a directory it cannot be moved
  // out of: nothing can be read.
  std::filesystem::remove_all(dir_ + "/state/history.db");
  std::filesystem::remove_all(dir_ + "/state/history.journal");
  std::filesystem::create_directory(dir_ + "/state/history.db");
  std::ofstream(dir_ + "/state/history.journal") << "x";
  CliResult unknown = Surety("check");
  EXPECT_EQ(unknown.rc, 3) << unknown.out;
  EXPECT_NE(unknown.out.find("SURETY UNKNOWN"), std::string::npos) << unknown.out;
}

// A damaged history.db is set aside and a new one built; the failure it
// held is then gone from the new one. Until a person removes the damaged
// file, every reading says so, CRITICAL: a failing job must not turn
// green because the disk ate its history.
TEST_F(HealthE2E, AHistorySetAsideForDamageIsCriticalUntilItsFileIsRemoved) {
  WriteConfig("[jobs.backup]\ncommand = [\"false\"]\nschedule = \"daily\"\n");
  (void)Surety("run backup");
  ASSERT_EQ(Surety("check").rc, 2);
  ASSERT_EQ(Surety("history backup").rc, 0);  // folds the journal into history.db
  {
    // A disk that lost the header (and the WAL beside it).
    std::fstream db(dir_ + "/state/history.db", std::ios::in | std::ios::out | std::ios::binary);
    db.write(std::string(100, '\0').data(), 100);
  }
  std::filesystem::remove(dir_ + "/state/history.db-wal");
  std::filesystem::remove(dir_ + "/state/history.db-shm");
  for (int i = 0; i < 2; ++i) {  // the reading that set it aside, and the next
    CliResult check = Surety("check");
    EXPECT_EQ(check.rc, 2) << check.out;
    EXPECT_NE(check.out.find("the history was found damaged and set aside as " + dir_ +
                             "/state/history.db.damaged-"),
              std::string::npos)
        << check.out;
  }
  // Prometheus hears it too (the SuretyHistoryDamaged rule).
  EXPECT_NE(Surety("metrics").out.find("\nsurety_history_damaged_files 1\n"), std::string::npos);
  for (const auto& entry : std::filesystem::directory_iterator(dir_ + "/state"))
    if (entry.path().filename().string().starts_with("history.db.damaged-"))
      std::filesystem::remove(entry.path());
  CliResult cleared = Surety("check");
  EXPECT_EQ(cleared.out.find("damaged"), std::string::npos) << cleared.out;
  EXPECT_NE(Surety("metrics").out.find("\nsurety_history_damaged_files 0\n"), std::string::npos);
}

// check --alert tells a change of health once, however often it runs, and
// the recovery once: what it told is kept in the state directory.
TEST_F(HealthE2E, CheckAlertTellsEachChangeOnceAndTheRecoveryOnce) {
  const std::string alerts = dir_ + "/alerts.txt";
  WriteConfig(R"(
[alerts.rec]
kind = "exec"
command = ["sh", "-c", "echo \"$SURETY_EVENT $SURETY_JOB $SURETY_IDEMPOTENCY_KEY\" >> )" +
              alerts + R"("]
[jobs.tick]
command = ["true"]
schedule = "*:*:0/2"
accuracy = "1ms"
grace = "1s"
alert = ["rec"]
)");
  CliResult first = Surety("check --alert");
  EXPECT_EQ(first.rc, 0) << first.out;
  CliResult late;
  for (int i = 0; i < 60; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    late = Surety("check --alert");
    if (late.rc != 0) break;
  }
  ASSERT_EQ(late.rc, 2) << late.out;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Surety("check --alert").rc, 2);
  auto lines = [&] {
    return Shell("cat " + testing_util::ShellQuote(alerts) + " 2>/dev/null").out;
  };
  std::string told = lines();
  EXPECT_EQ(std::count(told.begin(), told.end(), '\n'), 1) << told;
  EXPECT_EQ(told.rfind("overdue tick ", 0), 0u) << told;
  ASSERT_EQ(Surety("run tick").rc, 0);
  CliResult ok = Surety("check --alert");
  EXPECT_EQ(ok.rc, 0) << ok.out;
  EXPECT_EQ(Surety("check --alert").rc, 0);
  told = lines();
  EXPECT_EQ(std::count(told.begin(), told.end(), '\n'), 2) << told;
  EXPECT_NE(told.find("\nrecovery tick "), std::string::npos) << told;
  // --quiet: nothing printed while OK.
  CliResult quiet = Shell(Line("--quiet check") + " 2>&1");
  EXPECT_EQ(quiet.rc, 0);
  EXPECT_EQ(quiet.out, "");
}

TEST_F(HealthE2E, MetricsPassPromtoolAndAreWrittenAtomically) {
  WriteConfig(R"(
[jobs.bad]
command = ["false"]
schedule = "daily"
[jobs."with\"quote"]
command = ["true"]
schedule = "hourly"
)");
  (void)Surety("run bad");
  const std::string file = dir_ + "/surety.prom";
  CliResult written = Surety("metrics --output " + file);
  ASSERT_EQ(written.rc, 0) << written.out;
  const std::string text = Shell("cat " + testing_util::ShellQuote(file)).out;
  EXPECT_NE(text.find("surety_job_health{job=\"bad\",health=\"failing\"} 1"), std::string::npos)
      << text;
  EXPECT_NE(text.find("surety_job_last_result{job=\"bad\",result=\"failed\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("surety_job_recorded_runs{job=\"bad\",result=\"failed\"} 1"),
            std::string::npos);
  EXPECT_NE(text.find("job=\"with\\\"quote\""), std::string::npos) << text;
  CliResult promtool =
      Shell("promtool check metrics < " + testing_util::ShellQuote(file) + " 2>&1");
  EXPECT_EQ(promtool.rc, 0) << "promtool (scripts/setup.sh installs it) said: " << promtool.out;
}

// `surety serve` on anything but loopback needs a token, and a token file
// that others can read, or that holds a short secret, is refused: each
// with what to do instead, before anything listens.
TEST_F(HealthE2E, ServeRefusesToExposeHealthWithoutAGoodToken) {
  WriteConfig("[jobs.a]\ncommand = [\"true\"]\nschedule = \"daily\"\n");
  CliResult open = Surety("serve 0.0.0.0:0");
  EXPECT_EQ(open.rc, 2);
  EXPECT_NE(open.out.find("refusing to serve on 0.0.0.0:0 without a token"), std::string::npos)
      << open.out;
  const std::string token = dir_ + "/token";
  std::ofstream(token) << "0123456789abcdefghij\n";
  Shell("chmod 644 " + testing_util::ShellQuote(token));
  CliResult readable = Surety("serve 0.0.0.0:0 --token-file " + testing_util::ShellQuote(token));
  EXPECT_EQ(readable.rc, 2);
  EXPECT_NE(readable.out.find("chmod 600"), std::string::npos) << readable.out;
  std::ofstream(token) << "short\n";
  Shell("chmod 600 " + testing_util::ShellQuote(token));
  CliResult weak = Surety("serve 0.0.0.0:0 --token-file " + testing_util::ShellQuote(token));
  EXPECT_EQ(weak.rc, 2);
  EXPECT_NE(weak.out.find("at least 16"), std::string::npos) << weak.out;
  CliResult missing = Shell(std::string(SURETY_BINARY) + " --config " +
                            testing_util::ShellQuote(dir_ + "/missing.toml") + " serve 2>&1");
  EXPECT_EQ(missing.rc, 2);
  EXPECT_NE(missing.out.find("no job file at"), std::string::npos) << missing.out;
  CliResult bad = Surety("daemon --listen example.org:80");
  EXPECT_EQ(bad.rc, 2);
  EXPECT_NE(bad.out.find("not an IP address"), std::string::npos) << bad.out;
}

}  // namespace
}  // namespace surety
