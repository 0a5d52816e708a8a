// `surety export systemd|cron|kubernetes`, `install` and `uninstall`
// through the real binary: the units of every example job file pass
// `systemd-analyze verify` and score at most 2.0 on `systemd-analyze
// security --offline=true`; what cron cannot express is refused (or
// approximated when allowed, and said); Kubernetes manifests parse and hold
// the fields a CronJob needs (tests/export/check_kubernetes.py); install
// writes, enables and later removes exactly its own units (a fake systemctl
// records what it is asked: there is no systemd as PID 1 in CI).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "job_file_fixture.h"

namespace surety {
namespace {

using testing_util::CliResult;
using testing_util::HaveSystemdAnalyze;
using testing_util::JobFileFixture;
using testing_util::Shell;
using testing_util::ShellQuote;

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(std::string(SURETY_SOURCE_DIR) + "/examples"))
    if (e.path().extension() == ".toml") files.push_back(e.path().string());
  return files;
}

class ExportE2E : public JobFileFixture {
 protected:
  std::string Units() { return dir_ + "/units"; }
};

TEST_F(ExportE2E, EveryExampleExportsUnitsSystemdVerifiesAndScoresAtMostTwo) {
  ASSERT_TRUE(HaveSystemdAnalyze()) << "systemd-analyze is needed (scripts/setup.sh installs it)";
  int services = 0;
  for (const auto& example : ExampleFiles()) {
    SCOPED_TRACE(example);
    std::filesystem::remove_all(Units());
    CliResult r = Shell(std::string(SURETY_BINARY) + " --config " + ShellQuote(example) +
                        " export systemd --output " + Units() + " 2>&1");
    ASSERT_EQ(r.rc, 0) << r.out;
    for (const auto& e : std::filesystem::directory_iterator(Units())) {
      const std::string unit = e.path().string();
      CliResult v = Shell("systemd-analyze verify --man=no " + ShellQuote(unit) + " 2>&1");
      EXPECT_EQ(v.rc, 0) << unit << "\n" << v.out;
      EXPECT_EQ(v.out, "") << unit;
      if (e.path().extension() != ".service") continue;
      ++services;
      CliResult s =
          Shell("systemd-analyze security --offline=true --no-pager " + ShellQuote(unit) + " 2>&1");
      std::smatch m;
      ASSERT_TRUE(
          std::regex_search(s.out, m, std::regex(R"(Overall exposure level for \S+: ([0-9.]+))")))
          << s.out;
      const double score = std::stod(m[1]);
      EXPECT_LE(score, 2.0) << unit << "\n" << Read(unit);
      // The export said the same score.
      const std::string name = e.path().filename().string();
      EXPECT_NE(r.out.find(name + ": exposure " + m[1].str()), std::string::npos)
          << name << " " << m[1] << "\n"
          << r.out;
    }
  }
  EXPECT_GE(services, 8);
}

TEST_F(ExportE2E, TheTimerCarriesEverySchedulingKeyAndTheServiceTheRunner) {
  WriteConfig(R"(
[jobs.db]
description = "100% of the data"
command = ["true"]
schedule = ["*-*-* 02:30", "Sat 12:00 Europe/Berlin"]
persistent = true
randomized_delay = "10min"
fixed_random_delay = true
accuracy = "1s"
timeout = "1h"
retries = 2
retry_delay = "1min"
[jobs.db.verify]
path = "/srv/dumps/db-%Y.dump"
[jobs.sync]
command = ["true"]
on_boot = "15min"
on_startup = "1min"
interval = "1h"
interval_from = "finish"
[jobs.manual]
command = ["true"]
)");
  CliResult r = Surety("export systemd --output " + Units());
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string timer = Read(Units() + "/surety-db.timer");
  for (const char* line :
       {"OnCalendar=*-*-* 02:30\n", "OnCalendar=Sat 12:00 Europe/Berlin\n", "Persistent=yes\n",
        "RandomizedDelaySec=10min\n", "FixedRandomDelay=yes\n", "AccuracySec=1s\n",
        "WantedBy=timers.target\n"})
    EXPECT_NE(timer.find(line), std::string::npos) << line << timer;
  const std::string service = Read(Units() + "/surety-db.service");
  EXPECT_NE(service.find("ExecStart=" + std::string(SURETY_BINARY) + " --config " + config_ +
                         " run db --trigger=schedule\n"),
            std::string::npos)
      << service;
  for (const char* line :
       {"Type=oneshot\n", "SuccessExitStatus=75\n",
        "Description=surety job db: 100%% of the data\n",
        // 3 x (1h + 30s kill grace) + 1min + 2min of retry delays + 5min, in minutes.
        "TimeoutStartSec=3h 10min\n", "ProtectSystem=strict\n", "NoNewPrivileges=yes\n",
        "PrivateTmp=yes\n", "CapabilityBoundingSet=\n", "ProtectHome=yes\n"})
    EXPECT_NE(service.find(line), std::string::npos) << line << service;
  EXPECT_NE(service.find("ReadWritePaths=-" + dir_ + "/state -/srv/dumps\n"), std::string::npos)
      << service;
  const std::string sync = Read(Units() + "/surety-sync.timer");
  for (const char* line :
       {"OnBootSec=15min\n", "OnStartupSec=1min\n", "OnActiveSec=1h\n", "OnUnitInactiveSec=1h\n"})
    EXPECT_NE(sync.find(line), std::string::npos) << line << sync;
  EXPECT_FALSE(std::filesystem::exists(Units() + "/surety-manual.timer"));
  EXPECT_TRUE(std::filesystem::exists(Units() + "/surety-manual.service"));
  const std::string check = Read(Units() + "/surety-check.service");
  EXPECT_NE(check.find(" check --alert\n"), std::string::npos) << check;
  EXPECT_NE(Read(Units() + "/surety-check.timer").find("OnUnitActiveSec=5min\n"),
            std::string::npos);
}

TEST_F(ExportE2E, EachSandboxKeyLoosensOneThingAndSaysSo) {
  WriteConfig(R"(
[jobs.plain]
command = ["true"]
schedule = "daily"
[jobs.docker]
command = ["true"]
schedule = "daily"
[jobs.docker.sandbox]
docker = true
[jobs.jit]
command = ["true"]
schedule = "daily"
[jobs.jit.sandbox]
write_execute = true
devices = true
resources = true
[jobs.offline]
command = ["true"]
schedule = "daily"
[jobs.offline.sandbox]
network = false
)");
  CliResult r = Surety("export systemd --output " + Units());
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("sandbox.docker = true loosened PrivateUsers=no, "
                       "ReadWritePaths=/run/docker.sock"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("sandbox.write_execute = true loosened MemoryDenyWriteExecute=no"),
            std::string::npos);
  EXPECT_NE(Read(Units() + "/surety-jit.service").find("MemoryDenyWriteExecute=no\n"),
            std::string::npos);
  EXPECT_NE(Read(Units() + "/surety-jit.service").find("PrivateDevices=no\n"), std::string::npos);
  EXPECT_NE(Read(Units() + "/surety-jit.service").find("SystemCallFilter=~@privileged\n"),
            std::string::npos);
  EXPECT_NE(
      Read(Units() + "/surety-plain.service").find("SystemCallFilter=~@privileged @resources\n"),
      std::string::npos);
  EXPECT_NE(Read(Units() + "/surety-offline.service").find("PrivateNetwork=yes\n"),
            std::string::npos);
  const std::string plain = Read(Units() + "/surety-plain.service");
  EXPECT_NE(plain.find("PrivateUsers=yes\n"), std::string::npos);
  EXPECT_NE(plain.find("MemoryDenyWriteExecute=yes\n"), std::string::npos);
  // Nothing loosened the plain job: no line under its score.
  const size_t at = r.out.find("surety-plain.service: exposure");
  ASSERT_NE(at, std::string::npos) << r.out;
  const size_t next = r.out.find('\n', at);
  EXPECT_NE(r.out.compare(next + 1, 2, "  "), 0) << r.out;
}

TEST_F(ExportE2E, NoNetworkWithAnAlertThatPostsIsRefused) {
  WriteConfig(R"(
[alerts.hook]
kind = "webhook"
url = "https://hooks.example/x"
[jobs.offline]
command = ["true"]
schedule = "daily"
alert = ["hook"]
[jobs.offline.sandbox]
network = false
)");
  CliResult r = Surety("export systemd --output " + Units());
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("job offline: sandbox.network = false, but its alert hook (webhook) posts "
                       "to a URL"),
            std::string::npos)
      << r.out;
}

TEST_F(ExportE2E, CronRefusesWhatItCannotExpressAndApproximatesOnlyWhenAllowed) {
  WriteConfig(R"(
[jobs.nightly]
command = ["true"]
schedule = "*-*-* 02:30"
[jobs.firstsat]
command = ["true"]
schedule = "Sat *-*-1..7 03:00 Europe/Berlin"
[jobs.boot]
command = ["true"]
on_boot = "2min"
[jobs.spread]
command = ["true"]
schedule = "daily"
randomized_delay = "1h"
[jobs.seconds]
command = ["true"]
schedule = "*-*-* 02:30:15"
)");
  CliResult r = Surety("export cron");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("job spread: randomized_delay = 1h has no cron equivalent"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("job seconds: schedule `*-*-* 02:30:15`: it runs at seconds other than :00"),
            std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("SHELL=/bin/sh"), std::string::npos) << "nothing is written on a refusal";

  CliResult ok = Surety("export cron nightly firstsat boot");
  ASSERT_EQ(ok.rc, 0) << ok.out;
  const std::string run = std::string(SURETY_BINARY) + " --config " + config_ + " run ";
  EXPECT_NE(ok.out.find("\n30 2 * * * " + run + "nightly --trigger=schedule\n"), std::string::npos)
      << ok.out;
  EXPECT_NE(ok.out.find("\n@reboot sleep 120 && " + run + "boot --trigger=schedule\n"),
            std::string::npos)
      << ok.out;
  EXPECT_NE(ok.out.find("\nCRON_TZ=Europe/Berlin\n"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("\n0 3 1-7 * * [ -n \"$(TZ=Europe/Berlin date +\\%u | grep -x '[6]')\" ] "
                        "&& " +
                        run + "firstsat --trigger=schedule\n"),
            std::string::npos)
      << ok.out;

  CliResult wide = Surety("export cron --allow-approximate --system spread");
  ASSERT_EQ(wide.rc, 0) << wide.out;
  EXPECT_NE(wide.out.find("# approximated: randomized_delay 1h dropped"), std::string::npos)
      << wide.out;
  EXPECT_NE(wide.out.find("\n0 0 * * * root " + run + "spread --trigger=schedule\n"),
            std::string::npos)
      << wide.out;
}

// Export then import: the crontab `export cron` writes, read back by
// `import crontab`, gives jobs that elapse when the originals do.
TEST_F(ExportE2E, ExportedCrontabImportsBackToTheSameSchedules) {
  WriteConfig(R"(
[jobs.weekdays]
command = ["true"]
schedule = "Mon..Fri *-*-* 02:30"
[jobs.quarter]
command = ["true"]
schedule = "*:0/15"
[jobs.twice]
command = ["true"]
schedule = ["*-*-1,15 04:00", "Sun *-*-* 23:59"]
[jobs.berlin]
command = ["true"]
schedule = "*-01,07-1 06:00 Europe/Berlin"
)");
  const std::string crontab = dir_ + "/exported.cron";
  ASSERT_EQ(Surety("export cron --output " + crontab).rc, 0);
  const std::string imported = dir_ + "/imported.toml";
  CliResult imp = Shell(std::string(SURETY_BINARY) + " import crontab " + ShellQuote(crontab) +
                        " --output " + ShellQuote(imported) + " 2>&1");
  ASSERT_EQ(imp.rc, 0) << imp.out;
  // Imported jobs are named after the program (surety, surety-2, ...); the
  // command says which original each runs.
  std::string text = Read(imported);
  text = std::regex_replace(text, std::regex(R"(state_dir = [^\n]*\n)"), "");
  std::ofstream(imported) << "[settings]\nstate_dir = \"" << dir_ << "/state2\"\n" << text;
  auto next = [&](const std::string& config) {
    CliResult r = Shell(std::string(SURETY_BINARY) + " --config " + ShellQuote(config) +
                        " next --count 30 --json 2>/dev/null");
    EXPECT_EQ(r.rc, 0) << config;
    return nlohmann::json::parse(r.out, nullptr, false);
  };
  auto original = next(config_), back = next(imported);
  ASSERT_TRUE(original.is_array() && back.is_array());
  const std::string loaded = Read(imported);
  std::map<std::string, std::string> runs;  // imported job -> the original it runs
  const std::regex job_and_command(
      R"re(\[jobs\.([a-z0-9_-]+)\]\ncommand = "[^"]* run ([a-z]+) )re");
  for (auto it = std::sregex_iterator(loaded.begin(), loaded.end(), job_and_command);
       it != std::sregex_iterator(); ++it)
    runs[(*it)[1]] = (*it)[2];
  // A job with two schedules became two lines, so two imported jobs: the
  // union of their elapses is the original's.
  auto times = [](const nlohmann::json& row) {
    std::vector<std::string> t = {row["next"].get<std::string>()};
    for (const auto& x : row["then"]) t.push_back(x.get<std::string>());
    return t;
  };
  std::map<std::string, std::vector<std::string>> union_of;
  for (const auto& b : back) {
    auto& u = union_of[runs[b["job"].get<std::string>()]];
    for (auto& t : times(b)) u.push_back(t);
  }
  int compared = 0;
  for (const auto& o : original) {
    const std::string job = o["job"];
    auto want = times(o);
    auto got = union_of[job];
    std::sort(got.begin(), got.end());
    got.erase(std::unique(got.begin(), got.end()), got.end());
    got.resize(std::min(got.size(), want.size()));
    EXPECT_EQ(got, want) << job;
    ++compared;
  }
  EXPECT_EQ(compared, 4) << loaded;
}

// The weekday test an exported line carries runs in a real shell, with the
// real date: it lets the run through on the days named and only on them.
TEST_F(ExportE2E, TheWeekdayTestOfAnExportedLineHoldsOnTheDaysNamed) {
  WriteConfig(R"(
[jobs.firstsat]
command = ["true"]
schedule = "Sat *-*-1..7 03:00"
)");
  CliResult ok = Surety("export cron");
  ASSERT_EQ(ok.rc, 0) << ok.out;
  ASSERT_NE(ok.out.find("[ -n \"$(date +\\%u | grep -x '[6]')\" ]"), std::string::npos) << ok.out;
  for (const auto& [date, want] : std::vector<std::pair<std::string, int>>{
           {"2026-12-05", 0}, {"2026-12-06", 1}, {"2026-12-04", 1}}) {
    // The test with `date` fixed to a day (and cron's \% as %).
    const std::string test =
        "date() { command date -d " + date + " \"$@\"; }; [ -n \"$(date +%u | grep -x '[6]')\" ]";
    EXPECT_EQ(Shell("sh -c " + ShellQuote(test)).rc, want) << date;
  }
}

TEST_F(ExportE2E, KubernetesManifestsParseAndHoldEveryField) {
  WriteConfig(R"(
[jobs.db]
command = ["pg_dump", "app"]
schedule = "*-*-* 02:30 Europe/Berlin"
persistent = true
timeout = "1h"
[jobs.sync]
command = ["true"]
schedule = "*:0/15"
overlap = "wait"
[jobs.manual]
command = ["true"]
)");
  const std::string out = dir_ + "/k8s.yaml";
  CliResult r = Surety(
      "export kubernetes --image registry.example/surety:1 --namespace backup --output " + out);
  ASSERT_EQ(r.rc, 0) << r.out;
  CliResult check = Shell("python3 " + std::string(SURETY_SOURCE_DIR) +
                          "/tests/export/check_kubernetes.py " + ShellQuote(out) + " 2>&1");
  EXPECT_EQ(check.rc, 0) << check.out;
  EXPECT_NE(check.out.find("ok: 2 CronJobs"), std::string::npos) << check.out;

  WriteConfig(R"(
[jobs.spread]
command = ["true"]
schedule = "daily"
randomized_delay = "1h"
)");
  CliResult refused = Surety("export kubernetes");
  EXPECT_EQ(refused.rc, 1);
  EXPECT_NE(refused.out.find("job spread: randomized_delay"), std::string::npos) << refused.out;
}

// What an attack pass found, each refused with the job and the reason.
TEST_F(ExportE2E, UnitsThatWouldOpenTooMuchOrNeverWorkAreRefused) {
  const std::pair<const char*, const char*> rows[] = {
      {"[jobs.check]\ncommand = [\"true\"]\n", "job check: its units would be surety-check"},
      {"[jobs.a]\ncommand = [\"true\"]\n[jobs.a.verify]\npath = \"/%Y.dump\"\n",
       "lies directly in /, which the unit would make writable"},
      {"[jobs.a]\ncommand = [\"true\"]\n[jobs.a.verify]\npath = \"/etc/passwd\"\n",
       "lies directly in /etc"},
      {"[jobs.a]\ncommand = [\"true\"]\n[jobs.a.sandbox]\nwrite = [\"/srv/../etc\"]\n",
       "is not normalized"},
  };
  for (const auto& [jobs, why] : rows) {
    SCOPED_TRACE(jobs);
    WriteConfig(jobs);
    CliResult r = Surety("export systemd --output " + Units());
    EXPECT_EQ(r.rc, 2) << r.out;
    EXPECT_NE(r.out.find(why), std::string::npos) << r.out;
  }
  WriteConfig("[jobs.a]\ncommand = [\"true\"]\nuser = \"nobody\"\n");
  CliResult user = Surety("export systemd --user --output " + Units());
  EXPECT_EQ(user.rc, 2) << user.out;
  EXPECT_NE(user.out.find("a user manager runs every job as its own user"), std::string::npos)
      << user.out;
  // A group alone is a change of ids too.
  WriteConfig("[jobs.a]\ncommand = [\"true\"]\ngroup = \"nogroup\"\n");
  CliResult group = Surety("export systemd --output " + Units());
  EXPECT_EQ(group.rc, 0) << group.out;
  EXPECT_NE(group.out.find("group = \"nogroup\" loosened CapabilityBoundingSet=CAP_SETUID"),
            std::string::npos)
      << group.out;
  EXPECT_NE(Read(Units() + "/surety-a.service").find("SystemCallFilter=@setuid\n"),
            std::string::npos);
  // Two jobs that Kubernetes would name alike.
  WriteConfig(
      "[jobs.DB_x]\ncommand = [\"true\"]\nschedule = \"daily\"\n[jobs.db-x]\ncommand = "
      "[\"true\"]\nschedule = \"daily\"\n");
  CliResult k8s = Surety("export kubernetes");
  EXPECT_EQ(k8s.rc, 1) << k8s.out;
  EXPECT_NE(k8s.out.find("both become the CronJob surety-db-x"), std::string::npos) << k8s.out;
}

// A state directory with a blank, `$` and `%` in ReadWritePaths=: quoted,
// `%` doubled, `$` as it is (only ExecStart= expands it).
TEST_F(ExportE2E, PathsInTheSandboxAreQuotedForTheirSetting) {
  const std::string state = dir_ + "/st ate $HOME 100%";
  std::ofstream(config_) << "[settings]\nstate_dir = \"" << state
                         << "\"\n[jobs.a]\ncommand = [\"true\"]\nschedule = \"daily\"\n";
  CliResult r = Surety("export systemd --output " + Units());
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string unit = Read(Units() + "/surety-a.service");
  EXPECT_NE(unit.find("ReadWritePaths=\"-" + dir_ + "/st ate $HOME 100%%\"\n"), std::string::npos)
      << unit;
  CliResult v = Shell("systemd-analyze verify --man=no " +
                      ShellQuote(Units() + "/surety-a.service") + " 2>&1");
  EXPECT_EQ(v.rc, 0) << v.out;
}

// A fake systemctl that records its arguments, one call per line.
class InstallE2E : public ExportE2E {
 protected:
  void SetUp() override {
    ExportE2E::SetUp();
    fake_ = dir_ + "/systemctl";
    std::ofstream(fake_) << "#!/bin/sh\necho \"$*\" >> " << dir_ << "/systemctl.log\n";
    chmod(fake_.c_str(), 0755);
  }
  CliResult Install(const std::string& args) {
    return Shell("SURETY_SYSTEMCTL=" + fake_ + " " + Line(args + " --unit-dir " + Units()) +
                 " 2>&1");
  }
  std::string Calls() {
    std::string calls = Read(dir_ + "/systemctl.log");
    std::filesystem::remove(dir_ + "/systemctl.log");
    return calls;
  }
  std::string fake_;
};

TEST_F(InstallE2E, InstallWritesEnablesAndUninstallRemovesExactlyItsOwn) {
  WriteConfig(R"(
[jobs.db]
command = ["true"]
schedule = "daily"
[jobs.web]
command = ["true"]
schedule = "hourly"
)");
  CliResult dry = Install("install --dry-run");
  ASSERT_EQ(dry.rc, 0) << dry.out;
  EXPECT_NE(dry.out.find("would create " + Units() + "/surety-db.timer"), std::string::npos)
      << dry.out;
  EXPECT_NE(dry.out.find("would run: systemctl enable --now surety-db.timer surety-web.timer "
                         "surety-check.timer"),
            std::string::npos)
      << dry.out;
  EXPECT_FALSE(std::filesystem::exists(Units())) << "a dry run changes nothing";
  EXPECT_EQ(Calls(), "");

  CliResult r = Install("install");
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(Calls(),
            "daemon-reload\nenable --now surety-db.timer surety-web.timer "
            "surety-check.timer\n");
  EXPECT_TRUE(std::filesystem::is_directory(dir_ + "/state")) << "install creates the state dir";
  for (const char* f : {"surety-db.service", "surety-db.timer", "surety-web.service",
                        "surety-web.timer", "surety-check.service", "surety-check.timer"})
    EXPECT_TRUE(std::filesystem::exists(Units() + "/" + f)) << f;

  // Again: nothing to write.
  CliResult again = Install("install");
  ASSERT_EQ(again.rc, 0) << again.out;
  EXPECT_EQ(again.out.find("create "), std::string::npos) << again.out;
  EXPECT_EQ(again.out.find("update "), std::string::npos) << again.out;
  (void)Calls();

  // web leaves the job file: its units go, db's stay.
  WriteConfig(R"(
[jobs.db]
command = ["true"]
schedule = "daily"
)");
  std::ofstream(Units() + "/someone-else.service") << "[Service]\nExecStart=/bin/true\n";
  CliResult shrink = Install("install");
  ASSERT_EQ(shrink.rc, 0) << shrink.out;
  EXPECT_NE(shrink.out.find("remove " + Units() + "/surety-web.timer"), std::string::npos)
      << shrink.out;
  EXPECT_EQ(Calls(),
            "disable --now surety-web.timer\ndaemon-reload\nenable --now "
            "surety-db.timer surety-check.timer\n");
  EXPECT_FALSE(std::filesystem::exists(Units() + "/surety-web.service"));

  // A unit changed by hand is kept by uninstall, and said so.
  std::ofstream(Units() + "/surety-db.service", std::ios::app) << "# local edit\n";
  CliResult un = Install("uninstall");
  EXPECT_EQ(un.rc, 1) << un.out;
  EXPECT_NE(un.out.find("surety-db.service was changed since it was installed; kept"),
            std::string::npos)
      << un.out;
  EXPECT_EQ(Calls(), "disable --now surety-check.timer surety-db.timer\ndaemon-reload\n");
  EXPECT_TRUE(std::filesystem::exists(Units() + "/surety-db.service"));
  EXPECT_FALSE(std::filesystem::exists(Units() + "/surety-db.timer"));
  CliResult forced = Install("uninstall --force");
  EXPECT_EQ(forced.rc, 0) << forced.out;
  EXPECT_FALSE(std::filesystem::exists(Units() + "/surety-db.service"));
  EXPECT_FALSE(std::filesystem::exists(Units() + "/.surety-installed"));
  EXPECT_TRUE(std::filesystem::exists(Units() + "/someone-else.service"));
}

// The manifest names what uninstall removes: a line naming a path outside
// the unit directory is refused, never followed.
TEST_F(InstallE2E, ATamperedManifestRemovesNothingOutsideTheUnitDirectory) {
  WriteConfig("[jobs.db]\ncommand = [\"true\"]\nschedule = \"daily\"\n");
  ASSERT_EQ(Install("install").rc, 0);
  const std::string victim = dir_ + "/victim";
  std::ofstream(victim) << "keep me\n";
  for (const char* cmd : {"install", "uninstall --force"}) {
    // Four good lines, then three bad ones (install writes the manifest
    // anew without them).
    std::ofstream(Units() + "/.surety-installed", std::ios::app)
        << "../victim 0000\n/etc/passwd 0000\nsurety-../../victim.timer 0000\n";
    CliResult r = Install(cmd);
    for (const char* line : {":5: not a unit", ":6: not a unit", ":7: not a unit"})
      EXPECT_NE(r.out.find(line), std::string::npos) << line << "\n" << r.out;
    EXPECT_EQ(r.out.find("victim"), std::string::npos) << r.out;
    EXPECT_TRUE(std::filesystem::exists(victim)) << cmd;
  }
  EXPECT_EQ(Calls().find("victim"), std::string::npos);
}

// A unit changed by hand is not overwritten by the next install either.
TEST_F(InstallE2E, AnEditedUnitIsKeptUnlessForced) {
  WriteConfig("[jobs.db]\ncommand = [\"true\"]\nschedule = \"daily\"\n");
  ASSERT_EQ(Install("install").rc, 0);
  std::ofstream(Units() + "/surety-db.service", std::ios::app) << "Environment=X=1\n";
  WriteConfig("[jobs.db]\ncommand = [\"true\"]\nschedule = \"hourly\"\ntimeout = \"1h\"\n");
  CliResult r = Install("install");
  EXPECT_EQ(r.rc, 1) << r.out;
  EXPECT_NE(r.out.find("surety-db.service was changed since surety installed it"),
            std::string::npos)
      << r.out;
  EXPECT_NE(Read(Units() + "/surety-db.service").find("Environment=X=1"), std::string::npos);
  CliResult forced = Install("install --force");
  EXPECT_EQ(forced.rc, 0) << forced.out;
  EXPECT_EQ(Read(Units() + "/surety-db.service").find("Environment=X=1"), std::string::npos);
}

TEST_F(InstallE2E, AUnitSuretyDidNotWriteIsNeverOverwritten) {
  WriteConfig(R"(
[jobs.db]
command = ["true"]
schedule = "daily"
)");
  std::filesystem::create_directories(Units());
  std::ofstream(Units() + "/surety-db.service") << "[Service]\nExecStart=/bin/true\n";
  CliResult r = Install("install");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("surety-db.service exists and surety did not install it"), std::string::npos)
      << r.out;
  EXPECT_EQ(Read(Units() + "/surety-db.service"), "[Service]\nExecStart=/bin/true\n");
}

// Without systemd as PID 1 (as in CI) install and uninstall stop and point
// to the daemon; with it, they get past that check (shown by --dry-run).
TEST_F(InstallE2E, WithoutSystemdInstallSaysToRunTheDaemon) {
  const bool systemd = std::filesystem::exists("/run/systemd/system");
  WriteConfig("[jobs.db]\ncommand = [\"true\"]\nschedule = \"daily\"\n");
  CliResult r = Surety("install --dry-run --unit-dir " + Units());
  EXPECT_EQ(r.rc, systemd ? 0 : 1) << r.out;
  EXPECT_EQ(r.out.find("systemd is not the service manager here") != std::string::npos, !systemd)
      << r.out;
  EXPECT_EQ(r.out.find("surety daemon") != std::string::npos, !systemd) << r.out;
  CliResult u = Surety("uninstall --dry-run --unit-dir " + Units());
  EXPECT_EQ(u.rc, systemd ? 0 : 1) << u.out;
}

}  // namespace
}  // namespace surety
