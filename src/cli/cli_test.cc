// End-to-end CLI cases as data: {args, environment, stdout, exit status}, run
// in-process with a fixed clock.
//
// Expected stdout of `calendar` and `timespan` rows is what systemd-analyze
// 252 printed for the same arguments and environment, e.g.
//   env -i TZ=:Europe/Berlin LC_ALL=C systemd-analyze calendar
//       --base-time=@1711846800 daily bogus '*:0/20'
// Its "From now:" lines depend on the oracle's clock, so rows compare without
// them unless the row says otherwise (then the clock is fixed and the
// relative text is checked as `systemd-analyze timestamp -- -20min` prints
// it). Exit statuses follow cli.h (systemd-analyze uses 1 for usage errors,
// surety 2).
#include "cli/cli.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "os/fake_journal.h"
#include "os/file_system.h"
#include "os/lock.h"
#include "os/net.h"
#include "os/process.h"
#include "test_util.h"

namespace surety {
namespace {

using testing_util::RunSurety;
using testing_util::WithoutFromNow;

enum class Match {
  kStdoutWithoutFromNow,  // stdout equals `out` once "From now:" lines go
  kStdoutExact,           // stdout equals `out` byte for byte
  kStdoutContains,        // every line of `out` occurs somewhere in stdout
};

struct CliCase {
  const char* name;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;
  std::string out;
  int rc;
  Match match = Match::kStdoutWithoutFromNow;
  int64_t now_s = 1763780400;  // the fake clock, seconds since the epoch
};

const std::map<std::string, std::string> kBerlin = {{"TZ", ":Europe/Berlin"}, {"LC_ALL", "C"}};

const std::map<std::string, std::string> kCLocale = {{"LC_ALL", "C"}};
const std::map<std::string, std::string> kChatham = {{"TZ", ":Pacific/Chatham"}};

const std::vector<CliCase>& Cases() {
  static const std::vector<CliCase> cases = {
      {"CalendarInvalidSpecInTheMiddle",
       {"calendar", "--base-time=@1711846800", "daily", "bogus", "*:0/20"},
       kBerlin,
       "  Original form: daily\n"
       "Normalized form: *-*-* 00:00:00\n"
       "    Next elapse: Mon 2024-04-01 00:00:00 CEST\n"
       "       (in UTC): Sun 2024-03-31 22:00:00 UTC\n"
       "\n"
       "\n"
       "  Original form: *:0/20\n"
       "Normalized form: *-*-* *:00/20:00\n"
       "    Next elapse: Sun 2024-03-31 03:20:00 CEST\n"
       "       (in UTC): Sun 2024-03-31 01:20:00 UTC\n",
       1},
      {"CalendarOnlyInvalidSpecsPrintOnlySeparators",
       {"calendar", "--base-time=@1711846800", "--", "*-*-* 12:00 ", " daily"},
       kBerlin,
       "\n",
       1,
       Match::kStdoutExact},
      {"CalendarIterationsSkipTheDstGap",
       {"calendar", "--base-time=@1711846800", "--iterations=3", "*-*-* 02:30", "Mon..Fri 9:00"},
       kBerlin,
       "  Original form: *-*-* 02:30\n"
       "Normalized form: *-*-* 02:30:00\n"
       "    Next elapse: Mon 2024-04-01 02:30:00 CEST\n"
       "       (in UTC): Mon 2024-04-01 00:30:00 UTC\n"
       "       Iter. #2: Tue 2024-04-02 02:30:00 CEST\n"
       "       (in UTC): Tue 2024-04-02 00:30:00 UTC\n"
       "       Iter. #3: Wed 2024-04-03 02:30:00 CEST\n"
       "       (in UTC): Wed 2024-04-03 00:30:00 UTC\n"
       "\n"
       "  Original form: Mon..Fri 9:00\n"
       "Normalized form: Mon..Fri *-*-* 09:00:00\n"
       "    Next elapse: Mon 2024-04-01 09:00:00 CEST\n"
       "       (in UTC): Mon 2024-04-01 07:00:00 UTC\n"
       "       Iter. #2: Tue 2024-04-02 09:00:00 CEST\n"
       "       (in UTC): Tue 2024-04-02 07:00:00 UTC\n"
       "       Iter. #3: Wed 2024-04-03 09:00:00 CEST\n"
       "       (in UTC): Wed 2024-04-03 07:00:00 UTC\n",
       0},
      {"CalendarInNewYorkResumesAfterTheGap",
       {"calendar", "--base-time=@1710052200", "--iterations=2", "hourly"},
       {{"TZ", ":America/New_York"}, {"LC_ALL", "C"}},
       "  Original form: hourly\n"
       "Normalized form: *-*-* *:00:00\n"
       "    Next elapse: Sun 2024-03-10 03:00:00 EDT\n"
       "       (in UTC): Sun 2024-03-10 07:00:00 UTC\n"
       "       Iter. #2: Sun 2024-03-10 04:00:00 EDT\n"
       "       (in UTC): Sun 2024-03-10 08:00:00 UTC\n",
       0},
      {"CalendarInUtcHasNoInUtcLinesAndEpochSpecsElapseOnce",
       {"calendar", "--base-time=@1700000000", "--iterations=2", "weekly", "@1700000001"},
       {{"TZ", "UTC"}, {"LC_ALL", "C"}},
       "  Original form: weekly\n"
       "Normalized form: Mon *-*-* 00:00:00\n"
       "    Next elapse: Mon 2023-11-20 00:00:00 UTC\n"
       "       Iter. #2: Mon 2023-11-27 00:00:00 UTC\n"
       "\n"
       "  Original form: @1700000001\n"
       "Normalized form: 2023-11-14 22:13:21 UTC\n"
       "    Next elapse: Tue 2023-11-14 22:13:21 UTC\n",
       0},
      {"CalendarWithEmptyTzPrintsUtcAndKeepsTheSpecZone",
       {"calendar", "--base-time=@1700000000", "daily Asia/Kolkata"},
       {{"TZ", ""}, {"LC_ALL", "C"}},
       "  Original form: daily Asia/Kolkata\n"
       "Normalized form: *-*-* 00:00:00 Asia/Kolkata\n"
       "    Next elapse: Wed 2023-11-15 18:30:00 UTC\n",
       0},
      {"CalendarIterationCapFailsOnlyThatSpec",
       {"calendar", "--base-time=@1727531100", "hourly", "*:50", "daily"},
       {{"TZ", ":Pacific/Chatham"}, {"LC_ALL", "C"}},
       "  Original form: hourly\n"
       "Normalized form: *-*-* *:00:00\n"
       "    Next elapse: Sun 2024-09-29 04:00:00 +1345\n"
       "       (in UTC): Sat 2024-09-28 14:15:00 UTC\n"
       "\n"
       "\n"
       "  Original form: daily\n"
       "Normalized form: *-*-* 00:00:00\n"
       "    Next elapse: Mon 2024-09-30 00:00:00 +1345\n"
       "       (in UTC): Sun 2024-09-29 10:15:00 UTC\n",
       1},
      {"CalendarFromNowUsesTheClock",
       {"calendar", "--iterations=2", "*:0/20"},
       kBerlin,
       "  Original form: *:0/20\n"
       "Normalized form: *-*-* *:00/20:00\n"
       "    Next elapse: Sun 2024-03-31 03:20:00 CEST\n"
       "       (in UTC): Sun 2024-03-31 01:20:00 UTC\n"
       "       From now: 20min left\n"
       "       Iter. #2: Sun 2024-03-31 03:40:00 CEST\n"
       "       (in UTC): Sun 2024-03-31 01:40:00 UTC\n"
       "       From now: 40min left\n",
       0,
       Match::kStdoutExact,
       1711846800},
      {"CalendarBaseBeyondTheYear9999FailsTheSearch",
       {"calendar", "--base-time=@253402214400", "daily"},
       kBerlin,
       "",
       1,
       Match::kStdoutExact},
      {"TimespanUsesUsInTheCLocale",
       {"timespan", "5min 30s", "1.5ms"},
       {{"LC_ALL", "C"}},
       "Original: 5min 30s\n"
       "      us: 330000000\n"
       "   Human: 5min 30s\n"
       "\n"
       "Original: 1.5ms\n"
       "      us: 1500\n"
       "   Human: 1.500ms\n",
       0,
       Match::kStdoutExact},
      {"TimespanUsesMuInAUtf8Locale",
       {"timespan", "5min 30s", "1.5ms"},
       {{"LC_ALL", "C.UTF-8"}},
       "Original: 5min 30s\n"
       "      \xce\xbcs: 330000000\n"
       "   Human: 5min 30s\n"
       "\n"
       "Original: 1.5ms\n"
       "      \xce\xbcs: 1500\n"
       "   Human: 1.500ms\n",
       0,
       Match::kStdoutExact},
      {"TimespanLangAloneSelectsUtf8",
       {"timespan", "1us"},
       {{"LANG", "C.UTF-8"}},
       "Original: 1us\n      \xce\xbcs: 1\n   Human: 1us\n",
       0,
       Match::kStdoutExact},
      {"TimespanLcAllOverridesLang",
       {"timespan", "1us"},
       {{"LC_ALL", "C"}, {"LANG", "C.UTF-8"}},
       "Original: 1us\n      us: 1\n   Human: 1us\n",
       0,
       Match::kStdoutExact},
      {"TimespanLcCtypeSelectsUtf8",
       {"timespan", "1us"},
       {{"LC_CTYPE", "C.UTF-8"}},
       "Original: 1us\n      \xce\xbcs: 1\n   Human: 1us\n",
       0,
       Match::kStdoutExact},
      {"TimespanStopsAtTheFirstBadSpan",
       {"timespan", "1h", "bad", "7s"},
       {{"LC_ALL", "C"}},
       "Original: 1h\n      us: 3600000000\n   Human: 1h\n\n",
       1,
       Match::kStdoutExact},
      {"TimespanInfinityAndZero",
       {"timespan", "infinity", "0"},
       {{"LC_ALL", "C"}},
       "Original: infinity\n"
       "      us: 18446744073709551615\n"
       "   Human: infinity\n"
       "\n"
       "Original: 0\n"
       "      us: 0\n"
       "   Human: 0\n",
       0,
       Match::kStdoutExact},
      // surety's own interface (no oracle): help, version, usage errors.
      {"HelpListsTheCommands",
       {"--help"},
       {},
       "calendar\ntimespan\nRun 'surety COMMAND --help'",
       0,
       Match::kStdoutContains},
      {"CalendarHelpShowsExamples",
       {"calendar", "--help"},
       {},
       "Examples:\nsurety calendar daily\n--iterations\n--base-time",
       0,
       Match::kStdoutContains},
      {"TimespanHelpShowsExamples",
       {"timespan", "--help"},
       {},
       "Examples:\nsurety timespan '5min 30s'",
       0,
       Match::kStdoutContains},
      {"VersionPrintsTheVersion", {"--version"}, {}, "surety 0.1.0\n", 0, Match::kStdoutExact},
      {"UnknownCommandIsAUsageError", {"frobnicate"}, {}, "", 2, Match::kStdoutExact},
      {"MissingSpecIsAUsageError", {"calendar"}, kBerlin, "", 2, Match::kStdoutExact},
      {"MissingSpanIsAUsageError", {"timespan"}, {}, "", 2, Match::kStdoutExact},
      {"UnparsableBaseTimeIsAUsageError",
       {"calendar", "--base-time=9999-12-31 00:00:00 UTC", "daily"},
       kBerlin,
       "",
       2,
       Match::kStdoutExact},
  };
  return cases;
}

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string::npos) nl = s.size();
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

TEST(Cli, CasesPrintWhatSystemdAnalyzePrints) {
  for (const auto& c : Cases()) {
    SCOPED_TRACE(c.name);
    auto r = RunSurety(c.args, MapEnv(c.env), Instant{Micros{c.now_s * 1000000}});
    EXPECT_EQ(r.rc, c.rc) << "stderr:\n" << r.err;
    switch (c.match) {
      case Match::kStdoutWithoutFromNow:
        EXPECT_EQ(WithoutFromNow(r.out), WithoutFromNow(c.out));
        break;
      case Match::kStdoutExact:
        EXPECT_EQ(r.out, c.out);
        break;
      case Match::kStdoutContains:
        for (const auto& line : Lines(c.out))
          EXPECT_NE(r.out.find(line), std::string::npos) << "missing '" << line << "' in\n"
                                                         << r.out;
        break;
    }
  }
}

TEST(Cli, ErrorsNameTheBadInputOnStderr) {
  auto cal = RunSurety({"calendar", "--base-time=@1711846800", "daily", "bogus"}, MapEnv(kBerlin));
  EXPECT_NE(cal.err.find("Failed to parse calendar specification 'bogus': Invalid argument"),
            std::string::npos)
      << cal.err;
  auto span = RunSurety({"timespan", "1h", "bad", "7s"}, MapEnv(kCLocale));
  EXPECT_NE(span.err.find("Failed to parse time span 'bad': Invalid argument"), std::string::npos)
      << span.err;
  EXPECT_EQ(span.err.find("'7s'"), std::string::npos) << span.err;
  auto cap = RunSurety({"calendar", "--base-time=@1727531100", "*:50"}, MapEnv(kChatham));
  EXPECT_NE(cap.err.find("Failed to determine next elapse for '*:50': "
                         "Resource deadlock avoided"),
            std::string::npos)
      << cap.err;
}

TEST(Cli, CalendarJsonListsNormalizedFormsAndElapses) {
  auto r = RunSurety({"calendar", "--json", "--base-time=@1711846800", "--iterations=2", "*:0/20",
                      "bogus", "*-02-30"},
                     MapEnv(kBerlin));
  EXPECT_EQ(r.rc, 1);
  auto json = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_array()) << r.out;
  ASSERT_EQ(json.size(), 3u) << r.out;
  EXPECT_EQ(json[0]["spec"], "*:0/20");
  EXPECT_EQ(json[0]["normalized"], "*-*-* *:00/20:00");
  EXPECT_EQ(json[0]["next"], nlohmann::json({"2024-03-31T01:20:00Z", "2024-03-31T01:40:00Z"}));
  EXPECT_FALSE(json[0].contains("error"));
  EXPECT_EQ(json[1]["spec"], "bogus");
  EXPECT_TRUE(json[1]["error"].is_string());
  EXPECT_FALSE(json[1].contains("normalized"));
  EXPECT_EQ(json[2]["normalized"], "*-02-30 00:00:00");
  EXPECT_EQ(json[2]["next"], nlohmann::json::array());
}

TEST(Cli, TimespanJsonListsMicrosecondsAndHumanForms) {
  auto r = RunSurety({"timespan", "--json", "90", "1.5ms"}, MapEnv(kCLocale));
  EXPECT_EQ(r.rc, 0);
  auto json = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_array()) << r.out;
  EXPECT_EQ(json, nlohmann::json::parse(R"([
      {"span": "90", "usec": 90000000, "human": "1min 30s"},
      {"span": "1.5ms", "usec": 1500, "human": "1.500ms"}])"));
}

}  // namespace
}  // namespace surety

namespace surety {
namespace {

// The table builds only the command on the line; help and errors must not
// notice: the top-level help lists every command, a command's help works
// after global options, and a mistyped command is still an error that exits 2.
// main() prepares the process for `run` (signals blocked, subreaper) on the
// command word, which must be found behind the global options the daemon
// puts first.
TEST(Cli, CommandWordSkipsGlobalOptionsAndTheirValues) {
  EXPECT_EQ(CommandWord({"run", "db"}), "run");
  EXPECT_EQ(CommandWord({"--config", "a.toml", "--config", "b.toml", "--log-format", "json", "run",
                         "db", "--trigger=schedule"}),
            "run");
  EXPECT_EQ(CommandWord({"--config=a.toml", "--log-format=json", "history", "run"}), "history");
  EXPECT_EQ(CommandWord({"--config", "run"}), "");
  EXPECT_EQ(CommandWord({"--help"}), "");
  EXPECT_EQ(CommandWord({}), "");
}

TEST(Cli, OnlyTheNamedCommandIsBuiltAndHelpStillListsThemAll) {
  auto top = RunSurety({"--help"}, MapEnv(kCLocale));
  EXPECT_EQ(top.rc, 0);
  for (const char* name : {"validate", "run", "daemon", "next", "history", "calendar", "timespan"})
    EXPECT_NE(top.out.find(std::string("  ") + name + " "), std::string::npos) << name;

  auto run_help =
      RunSurety({"--config", "x.toml", "--log-format=json", "run", "--help"}, MapEnv(kCLocale));
  EXPECT_EQ(run_help.rc, 0);
  EXPECT_NE(run_help.out.find("Usage: surety run [OPTIONS] JOB"), std::string::npos)
      << run_help.out;

  auto typo = RunSurety({"--log-format", "json", "histroy", "db"}, MapEnv(kCLocale));
  EXPECT_EQ(typo.rc, 2);
  EXPECT_NE(typo.err.find("unknown command 'histroy'; did you mean 'history'?"), std::string::npos)
      << typo.err;
  // Before, `surety rn db` said only "The following arguments were not
  // expected: db rn".
  auto rn = RunSurety({"rn", "db"}, MapEnv(kCLocale));
  EXPECT_EQ(rn.rc, 2);
  EXPECT_NE(rn.err.find("unknown command 'rn'; did you mean 'run'?"), std::string::npos) << rn.err;
  auto far = RunSurety({"backup", "db"}, MapEnv(kCLocale));
  EXPECT_EQ(far.rc, 2);
  EXPECT_NE(far.err.find("unknown command 'backup'\n"), std::string::npos) << far.err;

  auto level = RunSurety({"--log-level", "loud", "run", "db"}, MapEnv(kCLocale));
  EXPECT_EQ(level.rc, 2);
  EXPECT_NE(level.err.find("--log-level"), std::string::npos) << level.err;

  auto bad_value = RunSurety({"history", "db", "--limit", "abc"}, MapEnv(kCLocale));
  EXPECT_EQ(bad_value.rc, 2);
  EXPECT_NE(bad_value.err.find("Run 'surety history --help' for usage."), std::string::npos)
      << bad_value.err;

  auto missing_job = RunSurety({"run"}, MapEnv(kCLocale));
  EXPECT_EQ(missing_job.rc, 2);
  EXPECT_NE(missing_job.err.find("JOB is required"), std::string::npos) << missing_job.err;
}

// `surety history` (and the other job commands) in-process on a real job
// file in a fresh directory whose state directory does not exist yet.
class CliHistory : public testing::Test {
 protected:
  void SetUp() override {
    // A stop request another test of this process provoked must not stop
    // the runs this one starts in-process.
    ClearStopRequestForTesting();
    char pattern[] = "/tmp/surety-cli-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    config_ = dir_ + "/surety.toml";
    std::ofstream(config_) << "[settings]\nstate_dir = \"" << dir_
                           << "/state\"\n[jobs.backup]\ncommand = [\"true\"]\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  RealClock clock_;
  testing_util::CliResult Run(const std::vector<std::string>& args) {
    FakeClock clock(Instant{Micros{1763780400000000}});
    MapEnv env(kCLocale);
    std::ostringstream out, err;
    RealFileSystem fs;
    Services sv{clock, env, out, err, &fs};
    testing_util::CliResult r;
    r.rc = RunCli(args, sv);
    r.out = out.str();
    r.err = err.str();
    return r;
  }
  std::string dir_, config_;
};

// Each --config takes one value wherever it stands. Before, after the
// command word it took every following word too, so `history --config F
// db` said "JOB is required".
TEST_F(CliHistory, ConfigTakesExactlyOneValueSoTheJobNameIsKept) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--config", config_, "history", "backup"},
           {"history", "--config", config_, "backup"},
           {"history", "--config=" + config_, "backup"},
           {"history", "--config", config_, "--config", config_, "backup", "--limit", "3"},
           {"history", "backup", "--config", config_}}) {
    auto r = Run(args);
    EXPECT_EQ(r.rc, 0) << args[1] << "\n" << r.err;
    EXPECT_EQ(r.out, "no runs of backup recorded yet (surety run backup)\n") << r.err;
  }
  // Without a job: every job's runs (the job file's path is not a job).
  auto none = Run({"history", "--config", config_});
  EXPECT_EQ(none.rc, 0) << none.err;
  EXPECT_EQ(none.out.rfind("no runs recorded yet in ", 0), 0u) << none.out;
}

// Without --config and without a job file where surety looks by default, a
// new user is told where it looked and given a job file to start from.
TEST_F(CliHistory, AMissingDefaultJobFileSaysWhereItLookedAndHowToStart) {
  FakeClock clock(Instant{Micros{1763780400000000}});
  MapEnv env({{"SURETY_CONFIG", dir_ + "/none.toml"}, {"LC_ALL", "C"}});
  std::ostringstream out, err;
  RealFileSystem fs;
  Services sv{clock, env, out, err, &fs};
  EXPECT_EQ(RunCli({"validate"}, sv), 2);
  const std::string e = err.str();
  EXPECT_NE(e.find("error: " + dir_ + "/none.toml: there is no job file here"), std::string::npos)
      << e;
  EXPECT_NE(e.find("[jobs.etc]"), std::string::npos) << e;
  EXPECT_NE(e.find("surety validate && surety run etc"), std::string::npos) << e;
}

// `surety history` without a job: the latest runs of every job, with the
// job and the trigger, in columns that fit their widest value.
TEST_F(CliHistory, WithoutAJobItShowsEveryJobsLatestRuns) {
  std::ofstream(config_, std::ios::app) << "[jobs.a-much-longer-name]\ncommand = [\"false\"]\n";
  RealCommandRunner commands(clock_);
  RealLocker locker;
  RealConnector net;
  auto http = MakeCurlPoster();
  RecordingJournalWriter journal;
  auto run = [&](const std::string& job) {
    MapEnv env(kCLocale);
    std::ostringstream out, err;
    RealFileSystem fs;
    Services sv{clock_, env, out, err, &fs, &commands, &locker, &net, http.get(), &journal};
    return RunCli({"--config", config_, "run", job, "--trigger", "schedule"}, sv);
  };
  EXPECT_EQ(run("backup"), 0);
  EXPECT_EQ(run("a-much-longer-name"), 1);
  auto r = Run({"--config", config_, "history"});
  EXPECT_EQ(r.rc, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.rfind("ID  JOB                 STARTED", 0), 0u) << r.out;
  EXPECT_NE(header.find(" TRIGGER "), std::string::npos) << r.out;
  EXPECT_EQ(first.rfind("2   a-much-longer-name  ", 0), 0u) << r.out;
  EXPECT_NE(first.find(" failed "), std::string::npos) << r.out;
  EXPECT_NE(first.find(" schedule "), std::string::npos) << r.out;
  EXPECT_EQ(second.rfind("1   backup              ", 0), 0u) << r.out;
  // The EXIT column holds a signal name without running into TRY.
  EXPECT_EQ(header.find("EXIT") + 4 < header.find("TRY"), true);
}

// At a terminal, `surety run` ends with one line in words, and the
// structured log shows only problems unless asked; elsewhere (cron, the
// daemon) every event is logged and there is no summary line.
TEST_F(CliHistory, ATerminalGetsASummaryLineInsteadOfInfoEvents) {
  RealCommandRunner commands(clock_);
  RealLocker locker;
  RealConnector net;
  auto http = MakeCurlPoster();
  RecordingJournalWriter journal;
  auto run = [&](bool terminal, std::vector<std::string> global) {
    MapEnv env(kCLocale);
    std::ostringstream out, err;
    RealFileSystem fs;
    Services sv{clock_,  env,  out,        err,      &fs,     &commands,
                &locker, &net, http.get(), &journal, terminal};
    global.insert(global.begin(), {"--config", config_});
    global.insert(global.end(), {"run", "backup"});
    EXPECT_EQ(RunCli(global, sv), 0);
    return err.str();
  };
  std::string at_terminal = run(true, {});
  EXPECT_NE(at_terminal.find("backup: \033[32msuccess\033[0m in "), std::string::npos)
      << at_terminal;
  EXPECT_NE(at_terminal.find(", run 1 — exited with status 0\n"), std::string::npos) << at_terminal;
  EXPECT_EQ(at_terminal.find("event="), std::string::npos) << at_terminal;

  std::string piped = run(false, {});
  EXPECT_NE(piped.find("level=info event=run_finished job=backup"), std::string::npos) << piped;
  EXPECT_EQ(piped.find("success in"), std::string::npos) << piped;

  std::string asked = run(true, {"--log-level", "info"});
  EXPECT_NE(asked.find("event=run_finished"), std::string::npos) << asked;
  EXPECT_EQ(asked.find("success in"), std::string::npos) << asked;

  EXPECT_EQ(run(true, {"--quiet"}), "");
  EXPECT_EQ(run(false, {"-q"}), "");
}

// Everything in the state directory is its owner's alone: the history holds
// every run's output. history.db, -wal and -shm used to be 0644 while the
// journal was 0600.
TEST_F(CliHistory, EveryStateFileIsOwnerOnly) {
  RealCommandRunner commands(clock_);
  RealLocker locker;
  RealConnector net;
  auto http = MakeCurlPoster();
  RecordingJournalWriter journal;
  MapEnv env(kCLocale);
  std::ostringstream out, err;
  RealFileSystem fs;
  Services sv{clock_, env, out, err, &fs, &commands, &locker, &net, http.get(), &journal};
  const mode_t old_umask = umask(022);
  EXPECT_EQ(RunCli({"--config", config_, "run", "backup"}, sv), 0) << err.str();
  EXPECT_EQ(Run({"--config", config_, "history"}).rc, 0);  // creates history.db
  umask(old_umask);
  const std::string state = dir_ + "/state";
  auto mode = [](const std::string& path) {
    struct stat st {};
    EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  };
  EXPECT_EQ(mode(state), 0700u);
  EXPECT_EQ(mode(state + "/locks"), 0700u);
  for (const char* f :
       {"history.db", "history.db-wal", "history.db-shm", "history.journal", "locks/backup.lock"}) {
    if (std::filesystem::exists(state + "/" + f)) {
      EXPECT_EQ(mode(state + "/" + f), 0600u) << f;
    }
  }
  EXPECT_TRUE(std::filesystem::exists(state + "/history.db"));
  EXPECT_TRUE(std::filesystem::exists(state + "/history.journal"));
}

// Before any run the state directory does not exist: that is "no runs",
// not an error about the database (and reading creates nothing). A name
// that is not a job is a usage error in JSON too (before: `[]`, exit 0).
TEST_F(CliHistory, NoRunsYetIsNotAnErrorAndAnUnknownJobIsOneInJsonToo) {
  auto text = Run({"--config", config_, "history", "backup"});
  EXPECT_EQ(text.rc, 0) << text.err;
  EXPECT_EQ(text.out, "no runs of backup recorded yet (surety run backup)\n");
  EXPECT_EQ(text.err, "");
  auto json = Run({"--config", config_, "history", "backup", "--json"});
  EXPECT_EQ(json.rc, 0) << json.err;
  EXPECT_EQ(json.out, "[]\n");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/state"));

  for (bool as_json : {false, true}) {
    std::vector<std::string> args = {"--config", config_, "history", "backups"};
    if (as_json) args.push_back("--json");
    auto unknown = Run(args);
    EXPECT_EQ(unknown.rc, 2) << as_json;
    EXPECT_EQ(unknown.out, "") << as_json;
    EXPECT_NE(unknown.err.find("error: no job named 'backups'; did you mean 'backup'?"),
              std::string::npos)
        << unknown.err;
  }
  // The same once the state directory exists.
  std::filesystem::create_directories(dir_ + "/state");
  auto unknown = Run({"--config", config_, "history", "backups", "--json"});
  EXPECT_EQ(unknown.rc, 2);
  auto known = Run({"--config", config_, "history", "backup", "--json"});
  EXPECT_EQ(known.rc, 0) << known.err;
  EXPECT_EQ(known.out, "[]\n");
}

// The daemon's environment holds the alert URL; an interactive shell does
// not, and a url_file may be root's alone. Commands that send no alerts
// do not need the secret: they work, and read no secret file.
TEST_F(CliHistory, CommandsThatSendNoAlertsDoNotNeedTheAlertSecrets) {
  std::ofstream(config_) << "[settings]\nstate_dir = \"" << dir_
                         << "/state\"\n[alerts.ops]\nkind = \"ntfy\"\nurl_env = \"NTFY_URL\"\n"
                         << "[alerts.hook]\nkind = \"webhook\"\nurl_file = \"missing.url\"\n"
                         << "[jobs.backup]\ncommand = [\"true\"]\nschedule = \"daily\"\n"
                         << "alert = [\"ops\", \"hook\"]\n";
  auto history = Run({"--config", config_, "history", "backup"});
  EXPECT_EQ(history.rc, 0) << history.err;
  EXPECT_EQ(history.err, "");
  auto next = Run({"--config", config_, "next", "backup"});
  EXPECT_EQ(next.rc, 0) << next.err;
  // Commands that alert, or check that they could, still insist.
  auto validate = Run({"--config", config_, "validate"});
  EXPECT_EQ(validate.rc, 2);
  EXPECT_NE(validate.err.find("the environment variable NTFY_URL is not set"), std::string::npos)
      << validate.err;
  EXPECT_NE(validate.err.find("missing.url does not exist"), std::string::npos) << validate.err;
}

}  // namespace
}  // namespace surety
