// The daemon's decisions with a fake clock and a fake system: which runs it
// starts and when, and what it does on a clock jump, a new local zone, a
// reload that removes or changes jobs while they run, overlap = "wait",
// on_boot, a stop request, and what it tells systemd. No process is started
// and no time passes but the fake clock's.
#include "daemon/daemon.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "store/memory_history.h"

namespace surety {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// 2025-11-22 00:00:00 UTC, a Saturday.
constexpr Instant kT0{seconds(1'763'769'600)};

class FakeDaemonSystem final : public DaemonSystem {
 public:
  struct Start {
    std::vector<std::string> argv;
    Instant at;
    int pid;
  };
  explicit FakeDaemonSystem(const FakeClock& clock) : clock_(clock) {}

  Result<int> StartRun(const std::vector<std::string>& argv,
                       const std::map<std::string, std::string>&) override {
    starts.push_back({argv, clock_.Now(), next_pid});
    return next_pid++;
  }
  void SignalRun(int pid, int sig) override { signals.emplace_back(pid, sig); }
  int KillAllDescendants() override {
    ++kill_alls;
    return 0;
  }
  int CountDescendants() override { return descendants; }
  unsigned CpuCount() override { return 2; }
  std::vector<Reaped> ReapChildren() override {
    std::vector<Reaped> out;
    out.swap(exited);
    return out;
  }
  void Notify(const std::string& state) override { notified.push_back(state); }
  std::optional<Micros> WatchdogInterval() override { return watchdog; }
  Instant BootInstant() override { return boot; }
  std::string MachineId() override { return "0123456789abcdef0123456789abcdef"; }
  std::string BootId() override { return "fedcba9876543210fedcba9876543210"; }
  std::string SelfExecutable() override { return "/usr/bin/surety"; }
  int Pid() override { return 42; }
  uint32_t Uid() override { return 0; }
  bool RunningAsRoot() override { return true; }
  std::string HostName() override { return "host1"; }
  void BecomeSubreaper() override {}
  bool RaiseSchedulingPriority() override { return false; }
  Result<std::string> PinStateDir(const std::string& path) override { return path; }
  std::unique_ptr<HistoryStore> OpenHistory(const std::string&) override {
    return std::make_unique<MemoryHistory>();
  }
  bool OwnerAlive(const RunRecord&) override { return false; }
  bool OutboxPending(const std::string&) override { return outbox_pending; }
  Status WriteFile(const std::string& path, const std::string& content) override {
    files[path] = content;
    return Status::Ok();
  }
  void RemoveFile(const std::string& path) override { files.erase(path); }

  // The job each run started was for (the word after "--tag-output").
  static std::string JobOf(const Start& s) {
    auto it = std::find(s.argv.begin(), s.argv.end(), "--tag-output");
    return it != s.argv.end() && it + 1 != s.argv.end() ? *(it + 1) : "";
  }
  static std::string TriggerOf(const Start& s) { return s.argv.back(); }
  std::vector<Start> StartsOf(const std::string& job) const {
    std::vector<Start> out;
    for (const auto& s : starts)
      if (JobOf(s) == job) out.push_back(s);
    return out;
  }

  std::vector<Start> starts;
  std::vector<std::pair<int, int>> signals;
  std::vector<Reaped> exited;  // what the next ReapChildren() returns
  std::vector<std::string> notified;
  std::map<std::string, std::string> files;
  std::optional<Micros> watchdog;
  Instant boot = kT0 - hours(1);
  int next_pid = 1000;
  int kill_alls = 0;
  int descendants = 0;  // what CountDescendants() says
  bool outbox_pending = false;

 private:
  const FakeClock& clock_;
};

class DaemonTest : public testing::Test {
 protected:
  void WriteJobs(const std::string& jobs) {
    fs_.AddFile("/etc/surety/surety.toml", "[settings]\nstate_dir = \"/var/lib/surety\"\n" + jobs);
  }
  Daemon& Start() {
    options_.configs = {"/etc/surety/surety.toml"};
    daemon_ = std::make_unique<Daemon>(options_, clock_, env_, fs_, log_, system_);
    EXPECT_TRUE(daemon_->Start()) << logs_.str();
    return *daemon_;
  }
  // Lets time pass as the event loop would: to each wake-up up to `until`,
  // calling OnTimer() there.
  void RunUntil(Instant until) {
    for (int guard = 0; guard < 100000; ++guard) {
      auto wake = daemon_->wake();
      if (!wake || *wake > until) break;
      if (*wake > clock_.Now()) clock_.Set(*wake);
      daemon_->OnTimer();
    }
    if (clock_.Now() < until) clock_.Set(until);
  }
  // A run ends: the next SIGCHLD reaps it.
  void Exit(int pid, int code = 0) {
    system_.exited.push_back(Reaped{pid, code, 0});
    daemon_->OnSignal(SIGCHLD);
  }

  FakeClock clock_{kT0};
  MapEnv env_{{{"TZ", "UTC"}, {"PATH", "/usr/bin:/bin"}}};
  FakeFileSystem fs_;
  std::ostringstream logs_;
  Logger log_{logs_, clock_};
  FakeDaemonSystem system_{clock_};
  DaemonOptions options_;
  std::unique_ptr<Daemon> daemon_;
};

TEST_F(DaemonTest, StartsEachRunAtItsTimeThroughSuretyRun) {
  WriteJobs("[jobs.tick]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n");
  Daemon& d = Start();
  EXPECT_EQ(d.DueOf("tick"), kT0 + seconds(10));
  EXPECT_LE(d.wake(), kT0 + seconds(10));
  RunUntil(kT0 + seconds(35));
  auto starts = system_.StartsOf("tick");
  ASSERT_EQ(starts.size(), 3u) << logs_.str();
  for (size_t i = 0; i < starts.size(); ++i) {
    EXPECT_EQ(starts[i].at, kT0 + seconds(10 * (i + 1)));
    EXPECT_EQ(FakeDaemonSystem::TriggerOf(starts[i]), "--trigger=schedule");
  }
  // The run is given the job set the daemon validated, not the job file.
  ASSERT_GE(starts[0].argv.size(), 3u);
  const std::string jobset = starts[0].argv[2];
  EXPECT_EQ(jobset.rfind("/var/lib/surety/jobset-", 0), 0u) << jobset;
  EXPECT_EQ(starts[0].argv,
            (std::vector<std::string>{"/usr/bin/surety", "--config", jobset, "--log-format",
                                      "logfmt", "--log-level", "info", "run", "--tag-output",
                                      "tick", "--trigger=schedule"}));
  ASSERT_EQ(system_.files.count(jobset), 1u);
  EXPECT_NE(system_.files[jobset].find("[jobs.tick]"), std::string::npos);
}

// Measured: one typo added to the job file while the daemon ran made every
// scheduled run of every job fail (each `surety run` re-read the file). The
// runs now read the job set the daemon validated; a bad reload keeps it.
TEST_F(DaemonTest, AnEditedJobFileNeverReachesTheRunsUntilItIsValid) {
  WriteJobs("[jobs.a]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n");
  Daemon& d = Start();
  WriteJobs(
      "[jobs.a]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n"
      "[jobs.new]\ncommand = [\"true\"]\nschedule = \"Mon 25:00\"\n");
  d.OnSignal(SIGHUP);
  EXPECT_NE(logs_.str().find("event=reload_failed"), std::string::npos) << logs_.str();
  EXPECT_NE(logs_.str().find("event=job_broken job=new"), std::string::npos) << logs_.str();
  RunUntil(kT0 + seconds(25));
  auto starts = system_.StartsOf("a");
  ASSERT_EQ(starts.size(), 2u) << logs_.str();
  const std::string jobset = starts[1].argv[2];
  ASSERT_EQ(system_.files.count(jobset), 1u);
  EXPECT_EQ(system_.files[jobset].find("new"), std::string::npos) << "the broken job reached a run";

  // Fixed, the reload takes: a new job set file, the old one kept for the
  // runs that may still read it.
  WriteJobs(
      "[jobs.a]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n"
      "[jobs.new]\ncommand = [\"true\"]\nschedule = \"Mon 23:00\"\n");
  d.OnSignal(SIGHUP);
  RunUntil(kT0 + seconds(35));
  starts = system_.StartsOf("a");
  ASSERT_EQ(starts.size(), 3u);
  const std::string own = starts[2].argv[2];
  EXPECT_NE(own, jobset);
  // Its own file holds job a alone; the whole set beside it has the new job.
  ASSERT_EQ(own.substr(own.size() - 7), "-a.toml");
  EXPECT_EQ(system_.files[own].find("[jobs.new]"), std::string::npos);
  EXPECT_NE(system_.files[own].find("[jobs.a]"), std::string::npos);
  const std::string set = own.substr(0, own.size() - 7) + ".toml";
  EXPECT_NE(system_.files[set].find("[jobs.new]"), std::string::npos);
  EXPECT_EQ(system_.files.count(jobset), 1u);
}

// At start-up an error inside one job keeps that job alone from running.
TEST_F(DaemonTest, ABrokenJobAtStartUpStopsNoOtherJob) {
  WriteJobs(
      "[jobs.a]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n"
      "[jobs.new]\ncommand = [\"true\"]\nschedule = \"Mon 25:00\"\n");
  Daemon& d = Start();
  EXPECT_EQ(d.DueOf("a"), kT0 + seconds(10));
  EXPECT_FALSE(d.DueOf("new"));
  EXPECT_NE(logs_.str().find("level=error event=job_broken job=new"), std::string::npos)
      << logs_.str();
}

TEST_F(DaemonTest, TellsSystemdItIsReadyStoppingAndAlive) {
  WriteJobs("[jobs.a]\ncommand = [\"true\"]\nschedule = \"daily\"\n");
  system_.watchdog = seconds(30);
  Daemon& d = Start();
  ASSERT_FALSE(system_.notified.empty());
  EXPECT_EQ(system_.notified[0], "READY=1\nSTATUS=scheduling 1 jobs");
  EXPECT_EQ(d.tick(), seconds(15)) << "WATCHDOG=1 at half the interval";
  d.OnTick();
  EXPECT_EQ(system_.notified.back(), "WATCHDOG=1");
  d.OnSignal(SIGTERM);
  EXPECT_EQ(system_.notified.back(), "STOPPING=1");
  EXPECT_TRUE(d.stopped()) << "nothing ran: it stops at once";
}

// The wall clock jumps. Forward past an elapse: the job runs once at once
// (not once per slot missed), then at its next elapse after now. Back
// before its last run: the last trigger, now in the future, is pulled back
// to now, so the job does not stall until the clock catches up.
TEST_F(DaemonTest, AClockJumpRecomputesEveryJob) {
  WriteJobs("[jobs.hourly]\ncommand = [\"true\"]\nschedule = \"hourly\"\naccuracy = \"1us\"\n");
  Daemon& d = Start();
  RunUntil(kT0 + hours(1));
  ASSERT_EQ(system_.starts.size(), 1u);
  EXPECT_EQ(d.DueOf("hourly"), kT0 + hours(2));

  clock_.Set(kT0 + hours(5) + minutes(30));  // forward
  d.OnClockChange();
  EXPECT_EQ(d.DueOf("hourly"), kT0 + hours(2)) << "the passed elapse is due at once";
  d.OnTimer();
  EXPECT_EQ(system_.starts.size(), 2u);
  EXPECT_EQ(d.DueOf("hourly"), kT0 + hours(6));

  clock_.Set(kT0 - hours(3) + minutes(10));  // back, before both runs
  d.OnClockChange();
  EXPECT_EQ(d.DueOf("hourly"), kT0 - hours(2));
  RunUntil(kT0 - hours(2));
  EXPECT_EQ(system_.starts.size(), 3u);
}

// /etc/localtime replaced (here: the zone the daemon reads changes): a job
// at 02:30 local is due at 02:30 of the new zone.
TEST_F(DaemonTest, ANewLocalZoneMovesLocalSchedules) {
  WriteJobs("[jobs.night]\ncommand = [\"true\"]\nschedule = \"02:30\"\naccuracy = \"1us\"\n");
  Daemon& d = Start();
  EXPECT_EQ(d.DueOf("night"), kT0 + hours(2) + minutes(30));
  env_.Set("TZ", "Europe/Berlin");  // UTC+1 in November
  d.OnZoneChange();
  EXPECT_EQ(d.DueOf("night"), kT0 + hours(1) + minutes(30));
}

// SIGHUP with a job removed and one changed while both run: the running
// runs are left alone and still reaped; the changed job is recomputed; the
// removed one starts no more.
TEST_F(DaemonTest, AReloadWhileJobsRunLeavesTheirRunsAlone) {
  WriteJobs(
      "[jobs.gone]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n"
      "[jobs.changed]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n");
  Daemon& d = Start();
  RunUntil(kT0 + seconds(10));
  ASSERT_EQ(system_.starts.size(), 2u);
  const int gone_pid = system_.StartsOf("gone")[0].pid;
  const int changed_pid = system_.StartsOf("changed")[0].pid;
  WriteJobs("[jobs.changed]\ncommand = [\"true\"]\nschedule = \"*:*:0/30\"\naccuracy = \"1us\"\n");
  d.OnSignal(SIGHUP);
  EXPECT_NE(logs_.str().find("event=reloaded jobs=1 added=0 changed=1 removed=1"),
            std::string::npos)
      << logs_.str();
  EXPECT_EQ(d.DueOf("gone"), std::nullopt);
  EXPECT_EQ(d.DueOf("changed"), kT0 + seconds(30));
  EXPECT_EQ(d.RunnersOf("changed"), std::vector<int>{changed_pid}) << "its run was forgotten";
  EXPECT_TRUE(system_.signals.empty()) << "a reload must not signal running runs";
  Exit(gone_pid);
  Exit(changed_pid);
  EXPECT_TRUE(d.RunnersOf("changed").empty());
  RunUntil(kT0 + seconds(60));
  EXPECT_EQ(system_.StartsOf("gone").size(), 1u);
  EXPECT_EQ(system_.StartsOf("changed").size(), 3u);  // at 10 s, then 30 s and 60 s
}

TEST_F(DaemonTest, ABadReloadKeepsTheRunningJobSet) {
  WriteJobs("[jobs.a]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n");
  Daemon& d = Start();
  WriteJobs("[jobs.a]\ncommand = [\"true\"]\nschedule = \"Mon 25:00\"\n");
  d.OnSignal(SIGHUP);
  EXPECT_NE(logs_.str().find("event=reload_failed"), std::string::npos) << logs_.str();
  EXPECT_EQ(d.DueOf("a"), kT0 + seconds(10));
}

// overlap = "wait": one run may wait behind the running one; a third is
// not started (the daemon logs it) rather than piling up.
TEST_F(DaemonTest, OverlapWaitStartsOneWaiterAndNoMore) {
  WriteJobs(
      "[jobs.slow]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n"
      "overlap = \"wait\"\nlock_wait = \"1h\"\n");
  Daemon& d = Start();
  RunUntil(kT0 + seconds(30));
  EXPECT_EQ(system_.StartsOf("slow").size(), 2u);
  EXPECT_EQ(d.RunnersOf("slow").size(), 2u);
  EXPECT_NE(logs_.str().find("event=run_not_started job=slow reason=\"a run is already waiting\""),
            std::string::npos)
      << logs_.str();
  Exit(system_.StartsOf("slow")[0].pid);
  RunUntil(kT0 + seconds(40));
  EXPECT_EQ(system_.StartsOf("slow").size(), 3u) << "a place to wait was free again";
}

// on_boot: once, boot + span after the boot, with trigger boot.
TEST_F(DaemonTest, OnBootRunsOnceAfterTheBoot) {
  system_.boot = kT0 - seconds(30);
  WriteJobs("[jobs.boot]\ncommand = [\"true\"]\non_boot = \"2min\"\naccuracy = \"1us\"\n");
  Daemon& d = Start();
  EXPECT_EQ(d.DueOf("boot"), kT0 + seconds(90));
  RunUntil(kT0 + hours(5));
  auto starts = system_.StartsOf("boot");
  ASSERT_EQ(starts.size(), 1u);
  EXPECT_EQ(starts[0].at, kT0 + seconds(90));
  EXPECT_EQ(FakeDaemonSystem::TriggerOf(starts[0]), "--trigger=boot");
  EXPECT_EQ(d.DueOf("boot"), std::nullopt);
}

// SIGTERM: running runs get the whole grace to finish (a run that ends
// meanwhile does not move the deadline; it used to); then each runner is
// told to stop, gets its job's kill_grace, and only then is everything
// killed — once — and the daemon waits until nothing is left below it.
TEST_F(DaemonTest, AStopGivesRunningRunsTheGraceToFinishThenStopsThem) {
  WriteJobs(
      "[jobs.a]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n"
      "[jobs.b]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n"
      "kill_grace = \"20s\"\n");
  options_.shutdown_grace = seconds(10);
  Daemon& d = Start();
  RunUntil(kT0 + seconds(10));
  ASSERT_EQ(system_.starts.size(), 2u);
  clock_.Set(kT0 + seconds(11));
  d.OnSignal(SIGTERM);
  EXPECT_TRUE(system_.signals.empty()) << "runs were stopped at once, not given the grace";
  EXPECT_EQ(d.wake(), kT0 + seconds(21));
  clock_.Set(kT0 + seconds(12));
  Exit(system_.starts[0].pid);
  EXPECT_EQ(d.wake(), kT0 + seconds(21)) << "a run that ended moved the grace deadline";
  EXPECT_FALSE(d.stopped());

  RunUntil(kT0 + seconds(21));  // the grace is over: the runner left is told to stop
  ASSERT_EQ(system_.signals.size(), 1u);
  EXPECT_EQ(system_.signals[0], std::make_pair(system_.starts[1].pid, SIGTERM));
  EXPECT_EQ(d.wake(), kT0 + seconds(21 + 20 + 5)) << "b's kill_grace and a margin";
  EXPECT_EQ(system_.kill_alls, 0);

  system_.descendants = 1;  // killed, but not gone yet
  RunUntil(kT0 + seconds(46));
  EXPECT_EQ(system_.kill_alls, 1);
  Exit(system_.starts[1].pid);
  EXPECT_FALSE(d.stopped()) << "stopped while a killed process was still there";
  system_.descendants = 0;
  RunUntil(kT0 + seconds(47));
  EXPECT_TRUE(d.stopped());
  EXPECT_EQ(system_.starts.size(), 2u) << "a run was started while stopping";
}

// A second stop request does not wait for the rest of the grace.
TEST_F(DaemonTest, ASecondStopRequestSkipsToTheNextStep) {
  WriteJobs("[jobs.a]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n");
  options_.shutdown_grace = minutes(5);
  Daemon& d = Start();
  RunUntil(kT0 + seconds(10));
  d.OnSignal(SIGTERM);
  EXPECT_TRUE(system_.signals.empty());
  d.OnSignal(SIGTERM);
  EXPECT_EQ(system_.signals.size(), 1u) << "the second SIGTERM stops the runs now";
  d.OnSignal(SIGINT);
  EXPECT_EQ(system_.kill_alls, 1) << "the third kills what is left";
}

// --leave-runs: the daemon exits at once and touches no run (an upgrade
// must not kill a backup that is running).
TEST_F(DaemonTest, LeaveRunsExitsAtOnceWithoutTouchingRuns) {
  WriteJobs("[jobs.a]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n");
  options_.leave_runs = true;
  Daemon& d = Start();
  RunUntil(kT0 + seconds(10));
  ASSERT_EQ(system_.starts.size(), 1u);
  d.OnSignal(SIGTERM);
  EXPECT_TRUE(d.stopped());
  EXPECT_TRUE(system_.signals.empty());
  EXPECT_EQ(system_.kill_alls, 0);
}

// Overload: 30 jobs due in the same second with max_running = 4. Four
// start; the rest wait in the order they came due, one place per job, and
// start as places free up, each delay logged.
TEST_F(DaemonTest, AtMostMaxRunningRunsAtOnceTheRestInDueOrder) {
  std::string jobs;
  for (int i = 0; i < 30; ++i) {
    char name[8];
    std::snprintf(name, sizeof name, "j%02d", i);
    jobs += std::string("[jobs.") + name +
            "]\ncommand = [\"true\"]\nschedule = \"*:*:0/10\"\naccuracy = \"1us\"\n";
  }
  fs_.AddFile("/etc/surety/surety.toml",
              "[settings]\nstate_dir = \"/var/lib/surety\"\nmax_running = 4\n" + jobs);
  options_.configs = {"/etc/surety/surety.toml"};
  daemon_ = std::make_unique<Daemon>(options_, clock_, env_, fs_, log_, system_);
  ASSERT_TRUE(daemon_->Start()) << logs_.str();
  RunUntil(kT0 + seconds(10));
  ASSERT_EQ(system_.starts.size(), 4u);
  EXPECT_EQ(FakeDaemonSystem::JobOf(system_.starts[0]), "j00");
  EXPECT_EQ(FakeDaemonSystem::JobOf(system_.starts[3]), "j03");
  RunUntil(kT0 + seconds(20));  // all due again: none is queued twice
  EXPECT_EQ(system_.starts.size(), 4u);
  clock_.Set(kT0 + seconds(21));
  Exit(system_.starts[1].pid);
  ASSERT_EQ(system_.starts.size(), 5u);
  EXPECT_EQ(FakeDaemonSystem::JobOf(system_.starts[4]), "j04") << "not in due order";
  EXPECT_NE(logs_.str().find("event=run_delayed job=j04 delay_ms=11000"), std::string::npos)
      << logs_.str();
  size_t queued = 0;
  for (size_t at = logs_.str().find("event=run_queued"); at != std::string::npos;
       at = logs_.str().find("event=run_queued", at + 1))
    ++queued;
  // 26 waited from the first second; at the next, the 4 running ones came
  // due again and joined the end of the queue; the 26 were not queued twice.
  EXPECT_EQ(queued, 30u);
  EXPECT_EQ(DefaultMaxRunning(2), 8u);
  EXPECT_EQ(DefaultMaxRunning(16), 64u);
}

// Alerts the runs could not deliver wait in the outbox: while it holds
// any, the daemon starts one `surety outbox --drain` a minute, never two at
// once, without waking otherwise.
TEST_F(DaemonTest, APendingOutboxIsDrainedOnceAMinuteByAProcessOfItsOwn) {
  WriteJobs("[jobs.night]\ncommand = [\"true\"]\nschedule = \"02:30\"\n");
  system_.outbox_pending = true;
  Daemon& d = Start();
  ASSERT_EQ(system_.starts.size(), 1u);
  ASSERT_GE(system_.starts[0].argv.size(), 3u);
  EXPECT_EQ(system_.starts[0].argv,
            (std::vector<std::string>{"/usr/bin/surety", "--config", system_.starts[0].argv[2],
                                      "--log-format", "logfmt", "--log-level", "info", "outbox",
                                      "--drain"}));
  EXPECT_LE(d.wake(), kT0 + minutes(1));
  RunUntil(kT0 + minutes(1));
  EXPECT_EQ(system_.starts.size(), 1u) << "a second drain while the first runs";
  Exit(system_.starts[0].pid, 1);
  RunUntil(kT0 + minutes(2));
  EXPECT_EQ(system_.starts.size(), 2u);
  Exit(system_.starts[1].pid);
  system_.outbox_pending = false;
  RunUntil(kT0 + minutes(3));
  EXPECT_EQ(system_.starts.size(), 2u);
  EXPECT_GE(d.wake(), kT0 + hours(2) + minutes(30)) << "an empty outbox wakes nobody";
}

// The heartbeat file (surety check reads it) is written at start and at
// every tick, and removed on a clean stop; once a minute, when a job has
// alerts, the tick starts `surety --quiet check --alert`, never two at once.
TEST_F(DaemonTest, TicksWriteTheHeartbeatAndCheckHealthOnceAMinute) {
  WriteJobs(
      "[alerts.log]\nkind = \"exec\"\ncommand = [\"true\"]\n"
      "[jobs.night]\ncommand = [\"true\"]\nschedule = \"02:30\"\nalert = [\"log\"]\n");
  Daemon& d = Start();
  ASSERT_TRUE(d.tick());
  EXPECT_LE(*d.tick(), std::chrono::microseconds(std::chrono::seconds(30)));
  ASSERT_EQ(system_.files.count("/var/lib/surety/daemon.json"), 1u);
  EXPECT_NE(system_.files["/var/lib/surety/daemon.json"].find("\"heartbeat_us\":"),
            std::string::npos);
  auto checks = [&] {
    size_t n = 0;
    for (const auto& s : system_.starts)
      if (std::find(s.argv.begin(), s.argv.end(), "--alert") != s.argv.end()) ++n;
    return n;
  };
  clock_.Set(kT0 + seconds(30));
  d.OnTick();
  ASSERT_EQ(checks(), 1u);
  const auto& argv = system_.starts.back().argv;
  EXPECT_EQ(std::vector<std::string>(argv.end() - 3, argv.end()),
            (std::vector<std::string>{"--quiet", "check", "--alert"}));
  // The job file, not the job set: a job an edit broke is told too.
  EXPECT_EQ(argv[2], "/etc/surety/surety.toml");
  EXPECT_NE(system_.files["/var/lib/surety/daemon.json"].find(
                std::to_string((kT0 + seconds(30)).time_since_epoch().count())),
            std::string::npos)
      << "the heartbeat was not renewed";
  clock_.Set(kT0 + minutes(2));
  d.OnTick();
  EXPECT_EQ(checks(), 1u) << "a second check while the first runs";
  Exit(system_.starts.back().pid);
  clock_.Set(kT0 + minutes(2) + seconds(30));
  d.OnTick();
  EXPECT_EQ(checks(), 2u);
  d.Finish();
  EXPECT_EQ(system_.files.count("/var/lib/surety/daemon.json"), 0u);
}

// --check-every sets how often health is evaluated; the tick follows it.
TEST_F(DaemonTest, CheckEverySetsTheHealthChecksPeriod) {
  WriteJobs(
      "[alerts.log]\nkind = \"exec\"\ncommand = [\"true\"]\n"
      "[jobs.night]\ncommand = [\"true\"]\nschedule = \"02:30\"\nalert = [\"log\"]\n");
  options_.check_every = seconds(2);
  Daemon& d = Start();
  ASSERT_TRUE(d.tick());
  EXPECT_EQ(*d.tick(), Micros{seconds(2)});
  size_t checks = 0;
  for (int i = 1; i <= 5; ++i) {
    clock_.Set(kT0 + seconds(2 * i));
    d.OnTick();
    if (system_.starts.size() > checks) {
      ++checks;
      Exit(system_.starts.back().pid);
    }
  }
  EXPECT_EQ(checks, 5u);
}

// --listen: `surety serve ADDR:PORT --daemon-pid PID` starts with the
// daemon, is started again (at a tick, 10 s on at the earliest) when it
// dies, said at level error, and is told to stop with the daemon.
TEST_F(DaemonTest, ListenRunsTheServerBesideTheSchedulerAndRestartsIt) {
  WriteJobs("[jobs.night]\ncommand = [\"true\"]\nschedule = \"02:30\"\n");
  options_.listen = "127.0.0.1:9724";
  Daemon& d = Start();
  auto servers = [&] {
    std::vector<FakeDaemonSystem::Start> out;
    for (const auto& s : system_.starts)
      if (std::find(s.argv.begin(), s.argv.end(), "serve") != s.argv.end()) out.push_back(s);
    return out;
  };
  ASSERT_EQ(servers().size(), 1u);
  const std::vector<std::string> argv = servers()[0].argv;
  EXPECT_EQ(std::vector<std::string>(argv.end() - 4, argv.end()),
            (std::vector<std::string>{"serve", "127.0.0.1:9724", "--daemon-pid", "42"}));
  clock_.Set(kT0 + seconds(30));
  d.OnTick();
  EXPECT_EQ(servers().size(), 1u) << "a second server while the first runs";
  Exit(servers()[0].pid, 1);
  EXPECT_NE(logs_.str().find("level=error event=server_exited"), std::string::npos) << logs_.str();
  clock_.Set(kT0 + seconds(60));
  d.OnTick();
  ASSERT_EQ(servers().size(), 2u);
  const int pid = servers()[1].pid;
  d.OnSignal(SIGTERM);
  EXPECT_NE(std::find(system_.signals.begin(), system_.signals.end(), std::make_pair(pid, SIGTERM)),
            system_.signals.end());
  EXPECT_FALSE(d.stopped()) << "a daemon started now would find the port taken";
  Exit(pid, 0);
  EXPECT_TRUE(d.stopped());
  const std::string logs = logs_.str();
  EXPECT_EQ(logs.find("server_exited", logs.find("event=stopping")), std::string::npos)
      << "a server stopped with the daemon is no error";
}

// A server that does not go within 3 s of the stop request is killed.
TEST_F(DaemonTest, AServerThatWillNotStopIsKilled) {
  WriteJobs("[jobs.night]\ncommand = [\"true\"]\nschedule = \"02:30\"\n");
  options_.listen = "127.0.0.1:9724";
  Daemon& d = Start();
  const int pid = system_.starts.back().pid;
  d.OnSignal(SIGTERM);
  RunUntil(kT0 + seconds(2));
  EXPECT_FALSE(d.stopped());
  RunUntil(kT0 + seconds(4));
  EXPECT_TRUE(d.stopped());
  EXPECT_NE(std::find(system_.signals.begin(), system_.signals.end(), std::make_pair(pid, SIGKILL)),
            system_.signals.end());
}

}  // namespace
}  // namespace surety
