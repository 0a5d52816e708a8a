#include "job/config_loader.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace surety {
namespace {

class ConfigLoaderTest : public testing::Test {
 protected:
  LoadResult Load(const std::string& text, std::vector<std::string> extra_paths = {}) {
    fs_.AddFile("/etc/surety/surety.toml", text);
    std::vector<std::string> paths = {"/etc/surety/surety.toml"};
    paths.insert(paths.end(), extra_paths.begin(), extra_paths.end());
    LoadContext ctx{fs_, env_, zones_, *local_, true, "host1"};
    return LoadConfig(paths, ctx);
  }
  std::string Errors(const LoadResult& r) {
    std::string out;
    for (const auto& e : r.errors) out += e.ToString() + "\n";
    return out;
  }

  FakeFileSystem fs_;
  MapEnv env_;
  ZoneDb zones_;
  std::shared_ptr<const Zone> local_ = zones_.LocalFromTz(std::string(":Europe/Berlin"));
};

TEST_F(ConfigLoaderTest, LoadsEveryKeyOfTheDesignExample) {
  fs_.AddFile("/etc/surety/ops.url", "https://hooks.example/secret\n", 0600);
  auto r = Load(R"(
[settings]
state_dir = "/var/lib/surety"

[defaults]
alert = ["ops"]

[alerts.ops]
kind = "webhook"
url_file = "/etc/surety/ops.url"

[jobs.db]
description = "nightly database dump"
command = ["pg_dump", "-Fc", "-f", "/backups/db-%Y-%m-%d.dump", "app"]
schedule = "*-*-* 02:30"
persistent = true
randomized_delay = "5m"
fixed_random_delay = true
accuracy = "1m"
timeout = "2h"
kill_grace = "30s"
overlap = "wait"
lock_wait = "30s"
retries = 3
retry_delay = "30s"
retry_backoff = 2.0
success_exit_status = [0]
warning_exit_status = [1]
already_done_exit_status = [3]
already_done_output = "already exists"
environment = { PGHOST = "localhost" }
working_directory = "/var/backups"
grace = "1h"

[jobs.db.preflight]
free_space = { path = "/backups", min = "5G" }
reachable = ["tcp://nas.local:22"]
files = ["/etc/backup/creds"]
command = ["mountpoint", "-q", "/backups"]
wait = "10m"

[jobs.db.verify]
path = "/backups/db-%Y-%m-%d.dump"
min_size = "1M"
fresh = true
max_shrink = "50%"
command = ["pg_restore", "--list", "{path}"]
)");
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  ASSERT_TRUE(r.config);
  const JobSpec& j = r.config->jobs.at("db");
  EXPECT_EQ(j.command.argv.size(), 5u);
  ASSERT_EQ(j.schedule.size(), 1u);
  EXPECT_TRUE(j.persistent);
  EXPECT_EQ(j.randomized_delay.usec, 300'000'000u);
  EXPECT_EQ(j.timeout.usec, 7200'000'000u);
  EXPECT_EQ(j.overlap, Overlap::kWait);
  EXPECT_EQ(j.retries, 3);
  EXPECT_TRUE(j.warning_exit_status.HasCode(1));
  EXPECT_TRUE(j.already_done_exit_status.HasCode(3));
  EXPECT_EQ(j.environment.at("PGHOST"), "localhost");
  ASSERT_TRUE(j.preflight.free_space);
  EXPECT_EQ(j.preflight.free_space->min_bytes, 5ull << 30);
  EXPECT_EQ(j.preflight.wait.usec, 600'000'000u);
  EXPECT_EQ(*j.verify.min_size, 1u << 20);
  EXPECT_DOUBLE_EQ(*j.verify.max_shrink, 0.5);
  EXPECT_EQ(j.alert, std::vector<std::string>{"ops"});  // from [defaults]
  EXPECT_EQ(r.config->alerts.at("ops").url, "https://hooks.example/secret");
  EXPECT_EQ(r.config->settings.host, "host1");
}

TEST_F(ConfigLoaderTest, UnknownKeySuggestsTheClosestOneWithPosition) {
  auto r = Load("[jobs.db]\ncommand = \"true\"\nschedul = \"daily\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].file, "/etc/surety/surety.toml");
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[0].column, 1);
  EXPECT_NE(r.errors[0].message.find("did you mean 'schedule'?"), std::string::npos);
}

TEST_F(ConfigLoaderTest, InvalidCalendarSpecGivesTheParserReason) {
  auto r = Load("[jobs.db]\ncommand = \"true\"\nschedule = \"Fri..Mon 02:00\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].message.find("wrap"), std::string::npos) << r.errors[0].message;
  EXPECT_NE(r.errors[0].message.find("surety calendar"), std::string::npos);
}

TEST_F(ConfigLoaderTest, BadTimespanAndWrongTypesAreErrors) {
  auto r =
      Load("[jobs.db]\ncommand = \"true\"\ntimeout = \"5mins\"\nretries = \"3\"\npersistent = 1\n");
  EXPECT_EQ(r.errors.size(), 3u) << Errors(r);
  EXPECT_FALSE(r.config);
}

TEST_F(ConfigLoaderTest, UnknownAlertNameIsAnError) {
  auto r = Load(
      "[alerts.ops]\nkind = \"exec\"\ncommand = [\"true\"]\n"
      "[jobs.db]\ncommand = \"true\"\nalert = [\"opz\"]\n");
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_NE(r.errors[0].message.find("did you mean 'ops'?"), std::string::npos);
}

TEST_F(ConfigLoaderTest, WarningCodeThatIsAlsoSuccessIsAnError) {
  auto r = Load(
      "[jobs.db]\ncommand = \"true\"\nsuccess_exit_status = [0, 1]\n"
      "warning_exit_status = [1]\n");
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_NE(r.errors[0].message.find("also a success code"), std::string::npos);
  auto zero = Load("[jobs.db]\ncommand = \"true\"\nwarning_exit_status = [0]\n");
  EXPECT_EQ(zero.errors.size(), 1u) << Errors(zero);
}

TEST_F(ConfigLoaderTest, ExitStatusesAcceptNamesAndSignalsLikeSystemd) {
  auto r = Load("[jobs.db]\ncommand = \"true\"\nsuccess_exit_status = [\"TEMPFAIL SIGPIPE\", 9]\n");
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  const auto& s = r.config->jobs.at("db").success_exit_status;
  EXPECT_TRUE(s.HasCode(75));
  EXPECT_TRUE(s.HasCode(9));  // a number is an exit status, never SIGKILL
  EXPECT_TRUE(s.HasSignal(13));
  auto bad = Load("[jobs.db]\ncommand = \"true\"\nsuccess_exit_status = [\"sigkill\"]\n");
  EXPECT_EQ(bad.errors.size(), 1u);
}

TEST_F(ConfigLoaderTest, WorldReadableSecretFileIsRefusedWithoutPrintingTheSecret) {
  fs_.AddFile("/etc/surety/ops.url", "https://hooks.example/SECRET", 0644);
  auto r = Load("[alerts.ops]\nkind = \"webhook\"\nurl_file = \"/etc/surety/ops.url\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_NE(r.errors[0].message.find("world-readable"), std::string::npos);
  EXPECT_EQ(Errors(r).find("SECRET"), std::string::npos);
}

TEST_F(ConfigLoaderTest, LaterConfigFilesOverrideKeyByKey) {
  fs_.AddFile("/etc/surety/override.toml", "[jobs.db]\ntimeout = \"1h\"\n");
  auto r = Load("[jobs.db]\ncommand = \"true\"\ntimeout = \"2h\"\nretries = 2\n",
                {"/etc/surety/override.toml"});
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  EXPECT_EQ(r.config->jobs.at("db").timeout.usec, 3600'000'000u);
  EXPECT_EQ(r.config->jobs.at("db").retries, 2);
}

// A --config file named again wins over the ones between, like any later
// --config (it is read once: its errors are not reported twice).
TEST_F(ConfigLoaderTest, AConfigFileNamedAgainOverridesTheFilesBetween) {
  fs_.AddFile("/etc/surety/daily.toml", "[jobs.db]\ncommand = \"true\"\nschedule = \"daily\"\n");
  fs_.AddFile("/etc/surety/hourly.toml", "[jobs.db]\nschedule = \"hourly\"\n");
  LoadContext root{fs_, env_, zones_, *local_, true, "host1"};
  auto r = LoadConfig(
      {"/etc/surety/daily.toml", "/etc/surety/hourly.toml", "/etc/surety/daily.toml"}, root);
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  EXPECT_EQ(r.config->jobs.at("db").schedule_text, std::vector<std::string>{"daily"});
  EXPECT_EQ(r.config->files.size(), 2u);
}

TEST_F(ConfigLoaderTest, IncludesAreRelativeToTheIncludingFile) {
  fs_.AddFile("/etc/surety/jobs.d/a.toml", "[jobs.a]\ncommand = \"true\"\n");
  fs_.AddFile("/etc/surety/jobs.d/b.toml", "[jobs.b]\ncommand = \"true\"\n");
  auto r = Load("include = [\"jobs.d/*.toml\"]\n");
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  EXPECT_EQ(r.config->jobs.size(), 2u);
  EXPECT_EQ(r.config->files.size(), 3u);
}

TEST_F(ConfigLoaderTest, MissingIncludeAndSyntaxErrorsNameTheFile) {
  auto missing = Load("include = [\"nope.toml\"]\n");
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_NE(missing.errors[0].message.find("/etc/surety/nope.toml"), std::string::npos);
  auto syntax = Load("[jobs.db\ncommand = \"true\"\n");
  ASSERT_EQ(syntax.errors.size(), 1u);
  EXPECT_EQ(syntax.errors[0].line, 1);
  EXPECT_NE(syntax.errors[0].message.find("TOML syntax error"), std::string::npos);
}

TEST_F(ConfigLoaderTest, MissingCommandAndBadJobNameAreErrors) {
  auto r = Load("[jobs.db]\nschedule = \"daily\"\n[jobs.\"bad name\"]\ncommand = \"true\"\n");
  EXPECT_EQ(r.errors.size(), 2u) << Errors(r);
}

TEST_F(ConfigLoaderTest, ShellStringRunsThroughBinSh) {
  auto r = Load("[jobs.db]\ncommand = \"pg_dump app | zstd > /b/db.zst\"\n");
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  EXPECT_EQ(r.config->jobs.at("db").command.argv,
            (std::vector<std::string>{"/bin/sh", "-c", "pg_dump app | zstd > /b/db.zst"}));
}

TEST_F(ConfigLoaderTest, DefaultPathsFollowTheDesign) {
  MapEnv env;
  env.Set("HOME", "/home/u");
  EXPECT_EQ(DefaultConfigPath(env, true), "/etc/surety/surety.toml");
  EXPECT_EQ(DefaultConfigPath(env, false), "/home/u/.config/surety/surety.toml");
  env.Set("SURETY_CONFIG", "/tmp/x.toml");
  EXPECT_EQ(DefaultConfigPath(env, false), "/tmp/x.toml");
  EXPECT_EQ(DefaultStateDir(env, true), "/var/lib/surety");
  EXPECT_EQ(DefaultStateDir(env, false), "/home/u/.local/state/surety");
}

}  // namespace
}  // namespace surety

namespace surety {
namespace {

// A key written as a table where a value belongs is one error, not one per
// look-up, and a `command` table is not also reported as missing.
TEST_F(ConfigLoaderTest, ATableWhereAValueBelongsIsReportedOnce) {
  auto r = Load("[jobs.x]\ncommand.a = 1\nschedule.b = 2\nalert.c = 3\n");
  std::vector<std::string> errors;
  for (const auto& e : r.errors) errors.push_back(e.ToString());
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_NE(errors[0].find("jobs.x.command: expected a value, not a table"), std::string::npos);
  EXPECT_NE(errors[1].find("jobs.x.schedule: expected a value, not a table"), std::string::npos);
  EXPECT_NE(errors[2].find("jobs.x.alert: expected a value, not a table"), std::string::npos);
}

}  // namespace
}  // namespace surety

namespace surety {
namespace {

std::string Messages(const std::vector<Diagnostic>& ds) {
  std::string out;
  for (const auto& d : ds) out += d.ToString() + "\n";
  return out;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string Repeat(const std::string& part, const std::string& sep, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? sep : "") + part;
  return out;
}

// 35,000 levels of [x.x.x…] or x.x.x… = 1 used to overflow the stack in
// Merge() (and, further on, inside toml++ itself).
TEST_F(ConfigLoaderTest, DeeplyNestedTablesAreAnErrorNotACrash) {
  auto header = Load("[jobs.a]\ncommand = \"true\"\n[" + Repeat("x", ".", 35000) + "]\n");
  ASSERT_EQ(header.errors.size(), 1u) << Errors(header);
  EXPECT_EQ(header.errors[0].ToString().rfind("/etc/surety/surety.toml:3:2: keys nested more "
                                              "than 64 levels deep",
                                              0),
            0u)
      << Errors(header);
  EXPECT_FALSE(header.config);

  auto dotted = Load("a = 1\n  " + Repeat("x", ".", 35000) + " = 1\n");
  ASSERT_EQ(dotted.errors.size(), 1u) << Errors(dotted);
  EXPECT_EQ(dotted.errors[0].line, 2);
  EXPECT_EQ(dotted.errors[0].column, 3);

  // Each part below the limit, together above it: Merge() stops there.
  auto both = Load("[" + Repeat("y", ".", 40) + "]\n" + Repeat("z", ".", 40) + " = 1\n");
  ASSERT_EQ(both.errors.size(), 2u) << Errors(both);  // "unknown key 'y'" (line 1), then:
  EXPECT_EQ(both.errors[1].line, 2);
  EXPECT_TRUE(Contains(both.errors[1].message, "nested more than 64 levels")) << Errors(both);

  // Dots inside strings and comments are not key parts.
  auto strings =
      Load("[jobs.a]\ncommand = \"" + Repeat("x", ".", 100) + "\" # " + Repeat("y", ".", 100) +
           "\ndescription = '''\n" + Repeat("z", ".", 100) + "'''\n");
  EXPECT_TRUE(strings.errors.empty()) << Errors(strings);
}

// fuzz/config_fuzz.cc found a bare key "ϋ" (U+03CB) driving toml++ 3.3 into
// __builtin_unreachable(); TOML allows no character outside ASCII outside
// strings and comments, so none reaches the parser.
TEST_F(ConfigLoaderTest, NonAsciiOutsideStringsIsAnErrorBeforeParsing) {
  auto key = Load("[jobs.a]\ncommand = [\"true\"]\n  \xCF\x8B = 1\n");
  ASSERT_EQ(key.errors.size(), 1u) << Errors(key);
  EXPECT_EQ(key.errors[0].line, 3);
  EXPECT_EQ(key.errors[0].column, 3);
  EXPECT_TRUE(Contains(key.errors[0].message, "outside ASCII")) << Errors(key);
  EXPECT_TRUE(Contains(key.errors[0].message, "quote the key")) << Errors(key);

  // After a value a quote opens no string, for the parser nor the scan (the
  // second finding of config_fuzz).
  auto after_value = Load(
      "[settings]\nstate_dir = 3\"/v\xEF\xBB\xBD"
      "ar\n");
  ASSERT_FALSE(after_value.errors.empty());
  EXPECT_TRUE(Contains(after_value.errors[0].message, "outside ASCII")) << Errors(after_value);

  // A bare key is ASCII: [jobs.café] is an error. Non-ASCII in strings and
  // comments, and a leading byte order mark, are fine.
  auto bare = Load("[jobs.caf\xC3\xA9]\ncommand = [\"true\"]\n");
  EXPECT_FALSE(bare.errors.empty());
  auto quoted = Load(
      "\xEF\xBB\xBF[jobs.\"cafe\"]\n"
      "command = [\"echo\", \"caf\xC3\xA9\"] # d\xC3\xA9j\xC3\xA0\n"
      "description = '''\xCF\x8B'''\n");
  EXPECT_TRUE(quoted.errors.empty()) << Errors(quoted);
}

TEST_F(ConfigLoaderTest, OnlyRegularFilesOfAtMost16MiBAreRead) {
  fs_.AddFifo("/etc/surety/jobs.d/fifo.toml");
  fs_.AddFile("/etc/surety/jobs.d/ok.toml", "[jobs.ok]\ncommand = \"true\"\n");
  auto fifo = Load("include = [\"jobs.d/*.toml\"]\n");
  ASSERT_EQ(fifo.errors.size(), 1u) << Errors(fifo);
  EXPECT_EQ(fifo.errors[0].ToString(),
            "/etc/surety/surety.toml:1:12: include: cannot read '/etc/surety/jobs.d/fifo.toml': "
            "a FIFO, not a regular file");

  fs_.AddFile("/etc/surety/huge.toml", std::string((16 << 20) + 1, '#'));
  auto huge = Load("[jobs.a]\ncommand = \"true\"\n", {"/etc/surety/huge.toml"});
  ASSERT_EQ(huge.errors.size(), 1u) << Errors(huge);
  EXPECT_EQ(huge.errors[0].ToString(),
            "/etc/surety/huge.toml: cannot read the job file: cannot read "
            "'/etc/surety/huge.toml': larger than 16777216 bytes (a job file is at most 16 MiB)");
}

TEST_F(ConfigLoaderTest, InfinityOnlyWhereItMeansSomething) {
  auto ok = Load(
      "[jobs.a]\ncommand = \"true\"\ntimeout = \"infinity\"\nkill_grace = \"infinity\"\n"
      "overlap = \"wait\"\nlock_wait = \"infinity\"\n[jobs.a.preflight]\nwait = \"infinity\"\n");
  ASSERT_TRUE(ok.errors.empty()) << Errors(ok);
  const JobSpec& j = ok.config->jobs.at("a");
  EXPECT_TRUE(j.timeout.infinite());
  EXPECT_TRUE(j.kill_grace.infinite());
  EXPECT_TRUE(j.lock_wait.infinite());
  EXPECT_TRUE(j.preflight.wait.infinite());
  EXPECT_EQ(j.timeout.usec, Timespan::kInfinity);

  const std::vector<std::string> refused = {
      "retry_delay", "retry_delay_max", "randomized_delay", "accuracy",
      "on_boot",     "on_startup",      "interval",         "grace"};
  for (const auto& key : refused) {
    auto r =
        Load("[jobs.a]\ncommand = \"true\"\nschedule = \"daily\"\n" + key + " = \"infinity\"\n");
    ASSERT_EQ(r.errors.size(), 1u) << key << "\n" << Errors(r);
    EXPECT_EQ(r.errors[0].line, 4);
    EXPECT_TRUE(Contains(r.errors[0].message,
                         "jobs.a." + key + ": \"infinity\" has no meaning here; give a finite"))
        << r.errors[0].message;
  }
}

TEST_F(ConfigLoaderTest, OneBrokenFileDoesNotHideTheOtherFilesErrors) {
  fs_.AddFile("/etc/surety/jobs.d/a.toml", "[jobs.a\ncommand = \"true\"\n");
  fs_.AddFile("/etc/surety/jobs.d/b.toml", "[jobs.b]\ncommand = \"true\"\ntimeout = \"5mins\"\n");
  fs_.AddFile("/etc/surety/jobs.d/c.toml", "x");
  fs_.SetReadable("/etc/surety/jobs.d/c.toml", false);
  auto r = Load("include = [\"jobs.d/*.toml\"]\n[jobs.main]\ncommand = \"true\"\nretries = -1\n");
  std::string all = Errors(r);
  ASSERT_EQ(r.errors.size(), 4u) << all;
  EXPECT_TRUE(Contains(all, "/etc/surety/jobs.d/a.toml:1:8: TOML syntax error")) << all;
  EXPECT_TRUE(Contains(all, "/etc/surety/jobs.d/b.toml:3:11: jobs.b.timeout")) << all;
  EXPECT_TRUE(Contains(all, "Permission denied")) << all;
  EXPECT_TRUE(Contains(all, "/etc/surety/surety.toml:4:11: jobs.main.retries")) << all;
  EXPECT_FALSE(r.config);

  // The broken file may define the alert or the command: no guesses.
  fs_.AddFile("/etc/surety/alerts.toml", "[alerts.ops\n");
  auto cascade = Load("[jobs.a]\nalert = [\"ops\"]\n", {"/etc/surety/alerts.toml"});
  ASSERT_EQ(cascade.errors.size(), 1u) << Errors(cascade);
  EXPECT_TRUE(Contains(cascade.errors[0].message, "TOML syntax error"));
}

TEST_F(ConfigLoaderTest, ASignalInTwoExitClassesIsAnError) {
  auto r = Load(
      "[jobs.a]\ncommand = \"true\"\nsuccess_exit_status = [\"SIGPIPE\"]\n"
      "warning_exit_status = [\"SIGPIPE\"]\nalready_done_exit_status = [\"SIGPIPE SIGHUP\"]\n");
  ASSERT_EQ(r.errors.size(), 2u) << Errors(r);
  EXPECT_EQ(r.errors[0].ToString(),
            "/etc/surety/surety.toml:4:23: jobs.a.warning_exit_status: signal SIGPIPE is also a "
            "success signal; list it in only one of the two");
  EXPECT_EQ(r.errors[1].line, 5);
  EXPECT_TRUE(Contains(r.errors[1].message, "signal SIGPIPE is already a success or warning"));
  auto distinct = Load(
      "[jobs.a]\ncommand = \"true\"\nsuccess_exit_status = [\"SIGPIPE\"]\n"
      "warning_exit_status = [\"SIGHUP\"]\n");
  EXPECT_TRUE(distinct.errors.empty()) << Errors(distinct);
}

TEST_F(ConfigLoaderTest, JournalAlertsNeedNoUrlAndDefaultToTheIdentifierSurety) {
  auto r = Load(
      "[alerts.log]\nkind = \"journal\"\n"
      "[jobs.a]\ncommand = \"true\"\nschedule = \"daily\"\nalert = [\"log\"]\n");
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  for (const auto& w : r.warnings) ADD_FAILURE() << w.ToString();
  const AlertSpec& a = r.config->alerts.at("log");
  EXPECT_EQ(a.kind, AlertKind::kJournal);
  EXPECT_EQ(a.identifier, "surety");
  EXPECT_TRUE(a.url.empty());
}

TEST_F(ConfigLoaderTest, JournalAlertsTakeAnIdentifier) {
  auto r = Load("[alerts.log]\nkind = \"journal\"\nidentifier = \"backup-db_2.x\"\n");
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  EXPECT_EQ(r.config->alerts.at("log").identifier, "backup-db_2.x");
}

// It becomes SYSLOG_IDENTIFIER: a space, a colon or a bracket would make
// syslog's "IDENT[PID]: message" ambiguous.
TEST_F(ConfigLoaderTest, AJournalIdentifierMustBeAShortToken) {
  const std::vector<std::string> bads = {"\"\"",
                                         "\"two words\"",
                                         "\"db:\"",
                                         "\"x[1]\"",
                                         "\"tab\\there\"",
                                         "\"caf\\u00e9\"",
                                         "\"" + std::string(65, 'a') + "\""};
  for (const std::string& bad : bads) {
    auto r = Load("[alerts.log]\nkind = \"journal\"\nidentifier = " + bad + "\n");
    ASSERT_EQ(r.errors.size(), 1u) << bad << Errors(r);
    EXPECT_EQ(
        r.errors[0].ToString().rfind("/etc/surety/surety.toml:3:14: alerts.log.identifier: '", 0),
        0u)
        << r.errors[0].ToString();
    EXPECT_TRUE(Contains(r.errors[0].message,
                         "' is not a short token: 1 to 64 letters, digits, '.', '_' or '-'"))
        << r.errors[0].message;
  }
  auto wrong_type = Load("[alerts.log]\nkind = \"journal\"\nidentifier = 7\n");
  ASSERT_EQ(wrong_type.errors.size(), 1u) << Errors(wrong_type);
  EXPECT_EQ(wrong_type.errors[0].line, 3);
}

TEST_F(ConfigLoaderTest, ASelfIncludeIsACycleAtOnce) {
  auto r = Load("include = [\"./surety.toml\"]\n[jobs.a]\ncommand = \"true\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].ToString(),
            "/etc/surety/surety.toml:1:12: include cycle: /etc/surety/surety.toml -> "
            "/etc/surety/./surety.toml (a file may not include itself, directly or through "
            "others); remove this include or narrow the glob");

  fs_.AddFile("/etc/surety/b.toml", "include = \"c.toml\"\n");
  fs_.AddFile("/etc/surety/c.toml", "include = [\"b.toml\"]\n");
  auto loop = Load("include = [\"b.toml\"]\n");
  ASSERT_EQ(loop.errors.size(), 1u) << Errors(loop);
  EXPECT_TRUE(Contains(loop.errors[0].ToString(),
                       "/etc/surety/c.toml:1:12: include cycle: /etc/surety/b.toml -> "
                       "/etc/surety/c.toml -> /etc/surety/b.toml"))
      << Errors(loop);
}

TEST_F(ConfigLoaderTest, AFileIncludedTwiceIsReadOnce) {
  // A diamond: both include the common file.
  fs_.AddFile("/etc/surety/common.toml", "[alerts.ops]\nkind = \"exec\"\ncommand = [\"true\"]\n");
  fs_.AddFile("/etc/surety/jobs.d/a.toml",
              "include = [\"../common.toml\"]\n[jobs.a]\ncommand = \"true\"\nalert = [\"ops\"]\n");
  fs_.AddFile("/etc/surety/jobs.d/b.toml",
              "include = [\"../common.toml\"]\n[jobs.b]\ncommand = \"true\"\nalert = [\"ops\"]\n");
  // And a file named explicitly that the glob matches too.
  auto r = Load("include = [\"jobs.d/a.toml\", \"jobs.d/*.toml\"]\n");
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  EXPECT_EQ(r.config->jobs.size(), 2u);
  EXPECT_EQ(
      r.config->files,
      (std::vector<std::string>{"/etc/surety/surety.toml", "/etc/surety/jobs.d/a.toml",
                                "/etc/surety/jobs.d/../common.toml", "/etc/surety/jobs.d/b.toml"}));
}

TEST_F(ConfigLoaderTest, AnIncludeGlobMatchingNothingIsAWarning) {
  auto r = Load("include = [\"jobs.d/*.toml\"]\n[jobs.a]\ncommand = \"true\"\n");
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  ASSERT_TRUE(r.config);
  ASSERT_EQ(r.warnings.size(), 2u) << Messages(r.warnings);  // and "no schedule"
  EXPECT_EQ(r.warnings[0].ToString(),
            "/etc/surety/surety.toml:1:12: include: \"jobs.d/*.toml\" matches no file "
            "(/etc/surety/jobs.d/*.toml)");
}

TEST_F(ConfigLoaderTest, SecretUrlsMustBeUrlsInProtectedFiles) {
  auto empty = Load("[alerts.ops]\nkind = \"webhook\"\nurl = \"\"\n");
  ASSERT_EQ(empty.errors.size(), 1u) << Errors(empty);
  EXPECT_EQ(empty.errors[0].ToString(),
            "/etc/surety/surety.toml:3:7: alerts.ops.url: the value is empty; a webhook alert "
            "needs an http:// or https:// URL");

  auto not_url = Load("[alerts.ops]\nkind = \"slack\"\nurl = \"not a SECRET url\"\n");
  ASSERT_EQ(not_url.errors.size(), 1u) << Errors(not_url);
  EXPECT_TRUE(Contains(not_url.errors[0].message,
                       "alerts.ops.url: the value is not an http:// or https:// URL"));
  EXPECT_FALSE(Contains(Errors(not_url), "SECRET"));

  fs_.AddFile("/etc/surety/empty.url", "\n", 0600);
  auto empty_file = Load("[alerts.ops]\nkind = \"ntfy\"\nurl_file = \"/etc/surety/empty.url\"\n");
  ASSERT_EQ(empty_file.errors.size(), 1u) << Errors(empty_file);
  EXPECT_TRUE(Contains(empty_file.errors[0].message,
                       "alerts.ops.url_file: the content of /etc/surety/empty.url is empty"));

  fs_.AddFile("/etc/surety/ops.url", "https://hc-ping.com/SECRET", 0602);
  auto writable = Load("[alerts.ops]\nkind = \"healthchecks\"\nurl_file = \"ops.url\"\n");
  ASSERT_EQ(writable.errors.size(), 1u) << Errors(writable);
  EXPECT_EQ(writable.errors[0].message,
            "alerts.ops.url_file: /etc/surety/ops.url is world-writable (mode 0602); anyone "
            "could replace the secret: chmod o-w /etc/surety/ops.url");

  fs_.AddFile("/etc/surety/ops.url", "https://hc-ping.com/SECRET", 0600);
  fs_.SetStatError(
      "/etc/surety/ops.url",
      Status::Error(StatusCode::kIoError, "cannot stat '/etc/surety/ops.url': Permission denied"));
  auto denied = Load("[alerts.ops]\nkind = \"healthchecks\"\nurl_file = \"ops.url\"\n");
  ASSERT_EQ(denied.errors.size(), 1u) << Errors(denied);
  EXPECT_EQ(denied.errors[0].message,
            "alerts.ops.url_file: cannot stat '/etc/surety/ops.url': Permission denied");

  auto missing = Load("[alerts.ops]\nkind = \"webhook\"\nurl_file = \"nope.url\"\n");
  ASSERT_EQ(missing.errors.size(), 1u) << Errors(missing);
  EXPECT_EQ(missing.errors[0].message, "alerts.ops.url_file: /etc/surety/nope.url does not exist");
}

TEST_F(ConfigLoaderTest, AsRootAJobFileOthersCanChangeIsAnError) {
  fs_.AddFile("/etc/surety/jobs.d/a.toml", "[jobs.a]\ncommand = \"true\"\n", 0664);
  fs_.AddFile("/etc/surety/jobs.d/b.toml", "[jobs.b]\ncommand = \"true\"\n", 0644);
  fs_.SetOwner("/etc/surety/jobs.d/b.toml", 1000);
  fs_.AddFile("/etc/surety/surety.toml", "include = [\"jobs.d/*.toml\"]\n", 0646);
  LoadContext root{fs_, env_, zones_, *local_, true, "host1"};
  auto r = LoadConfig({"/etc/surety/surety.toml"}, root);
  ASSERT_EQ(r.errors.size(), 3u) << Errors(r);
  EXPECT_EQ(r.errors[0].ToString(),
            "/etc/surety/surety.toml: writable by everyone (mode 0646); surety runs as root and "
            "would run any command written here: chmod go-w /etc/surety/surety.toml");
  EXPECT_EQ(r.errors[1].ToString(),
            "/etc/surety/jobs.d/a.toml: writable by its group (mode 0664); surety runs as root "
            "and would run any command written here: chmod go-w /etc/surety/jobs.d/a.toml");
  EXPECT_EQ(r.errors[2].ToString(),
            "/etc/surety/jobs.d/b.toml: owned by uid 1000, not root; surety runs as root and "
            "would run any command its owner writes here: chown root /etc/surety/jobs.d/b.toml");

  LoadContext user{fs_, env_, zones_, *local_, false, "host1"};
  auto unprivileged = LoadConfig({"/etc/surety/surety.toml"}, user);
  EXPECT_TRUE(unprivileged.errors.empty()) << Errors(unprivileged);
}

TEST_F(ConfigLoaderTest, AsRootADirectoryAboveAJobFileThatOthersCanChangeIsAnError) {
  fs_.AddFile("/etc/surety/jobs.d/a.toml", "[jobs.a]\ncommand = \"true\"\n", 0644);
  fs_.AddFile("/etc/surety/surety.toml", "include = [\"jobs.d/*.toml\"]\n", 0644);
  fs_.SetDirectory("/etc/surety/jobs.d", 0777);
  fs_.SetDirectory("/etc/surety", 0755, 1000);
  LoadContext root{fs_, env_, zones_, *local_, true, "host1"};
  auto r = LoadConfig({"/etc/surety/surety.toml"}, root);
  ASSERT_EQ(r.errors.size(), 2u) << Errors(r);
  EXPECT_EQ(r.errors[0].ToString(),
            "/etc/surety/surety.toml: the directory /etc/surety is owned by uid 1000, not root "
            "(chown root /etc/surety): its owner or group could replace this job file, and "
            "surety runs its commands as root");
  EXPECT_EQ(r.errors[1].ToString(),
            "/etc/surety/jobs.d/a.toml: the directory /etc/surety/jobs.d is writable by "
            "everyone (mode 0777; chmod go-w /etc/surety/jobs.d): its owner or group could "
            "replace this job file, and surety runs its commands as root");

  // A sticky directory (like /tmp) is fine: others cannot replace root's files there.
  fs_.SetDirectory("/etc/surety/jobs.d", 01777);
  fs_.SetDirectory("/etc/surety", 0775);
  auto sticky = LoadConfig({"/etc/surety/surety.toml"}, root);
  ASSERT_EQ(sticky.errors.size(), 1u) << Errors(sticky);
  EXPECT_TRUE(Contains(sticky.errors[0].message, "/etc/surety is writable by its group (mode 0775"))
      << Errors(sticky);

  LoadContext user{fs_, env_, zones_, *local_, false, "host1"};
  EXPECT_TRUE(LoadConfig({"/etc/surety/surety.toml"}, user).errors.empty());
}

// A job file named through a symlink in a directory others can write:
// its relative paths resolve there, so that directory must be safe too.
// With real symlinks (the fake file system resolves none): a job file
// named through a link in a directory everyone may write, and a state_dir
// that is a link into a directory another user owns. Both are checked above
// the name and above the real path.
TEST_F(ConfigLoaderTest, AsRootSymlinkedJobFilesAndStateDirsAreCheckedOnBothPaths) {
  char tmpl[] = "/tmp/surety-loader-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  RealFileSystem real;
  LoadContext root{real, env_, zones_, *local_, true, "host1"};
  auto errors_of = [&](const std::string& path) { return Errors(LoadConfig({path}, root)); };

  ASSERT_EQ(mkdir((dir + "/safe").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir + "/drop").c_str(), 0777), 0);
  ASSERT_EQ(chmod((dir + "/drop").c_str(), 0777), 0);  // past the umask
  std::ofstream(dir + "/safe/jobs.toml") << "[jobs.a]\ncommand = \"true\"\n";
  ASSERT_EQ(symlink((dir + "/safe/jobs.toml").c_str(), (dir + "/drop/link.toml").c_str()), 0);
  EXPECT_FALSE(Contains(errors_of(dir + "/safe/jobs.toml"), "writable by everyone"));
  EXPECT_TRUE(Contains(errors_of(dir + "/drop/link.toml"),
                       "the directory " + dir + "/drop is writable by everyone"))
      << errors_of(dir + "/drop/link.toml");

  // The state directory: a link (in a safe directory) to one below a
  // directory owned by someone else, who could rename it and re-point it.
  ASSERT_EQ(mkdir((dir + "/owned").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((dir + "/owned/state").c_str(), 0700), 0);
  ASSERT_EQ(chown((dir + "/owned").c_str(), 65534, 65534), geteuid() == 0 ? 0 : -1);
  ASSERT_EQ(symlink((dir + "/owned/state").c_str(), (dir + "/safe/state").c_str()), 0);
  std::ofstream(dir + "/safe/s.toml")
      << "[settings]\nstate_dir = \"" << dir << "/safe/state\"\n[jobs.a]\ncommand = \"true\"\n";
  const std::string text = errors_of(dir + "/safe/s.toml");
  if (geteuid() == 0) {  // only root can give the directory away (CI runs as root)
    EXPECT_TRUE(Contains(
        text, "the directory " + dir + "/owned above " + dir + "/safe/state is owned by uid 65534"))
        << text;
  }
  std::filesystem::remove_all(dir);
}

TEST_F(ConfigLoaderTest, AsRootTheStateDirectoryMustBeRootsAlone) {
  fs_.SetDirectory("/srv/state", 0777);
  auto open = Load("[settings]\nstate_dir = \"/srv/state\"\n");
  ASSERT_EQ(open.errors.size(), 1u) << Errors(open);
  EXPECT_EQ(open.errors[0].ToString(),
            "/etc/surety/surety.toml:2:13: settings.state_dir: /srv/state is writable by everyone "
            "(mode 0777; chmod go-w /srv/state): whoever can change it can forge the run history "
            "or remove a job's lock");
  // Sticky is not enough for the state directory itself (others could
  // create the journal or a lock first), but is for the ones above it.
  fs_.SetDirectory("/srv/state", 01777);
  EXPECT_EQ(Load("[settings]\nstate_dir = \"/srv/state\"\n").errors.size(), 1u);
  fs_.SetDirectory("/srv/state", 0700, 65534);
  EXPECT_TRUE(Contains(Errors(Load("[settings]\nstate_dir = \"/srv/state\"\n")),
                       "/srv/state is owned by uid 65534, not root"));
  // Not created yet: the directories above it count.
  fs_.SetDirectory("/srv/state", 0700);
  fs_.SetDirectory("/srv", 0775);
  EXPECT_TRUE(Contains(
      Errors(Load("[settings]\nstate_dir = \"/srv/new/state\"\n")),
      "settings.state_dir: the directory /srv above /srv/new/state is writable by its group"));
  fs_.SetDirectory("/srv", 01777);
  EXPECT_TRUE(Load("[settings]\nstate_dir = \"/srv/state\"\n").errors.empty());

  LoadContext user{fs_, env_, zones_, *local_, false, "host1"};
  fs_.SetDirectory("/srv/state", 0777, 1000);
  fs_.AddFile("/etc/surety/surety.toml", "[settings]\nstate_dir = \"/srv/state\"\n");
  EXPECT_TRUE(LoadConfig({"/etc/surety/surety.toml"}, user).errors.empty());
}

TEST_F(ConfigLoaderTest, AsRootASecretFileOnlyRootCanChangeIsRequired) {
  const std::string alert = "[alerts.ops]\nkind = \"webhook\"\nurl_file = \"ops.url\"\n";
  fs_.AddFile("/etc/surety/ops.url", "https://hooks.example/SECRET", 0600);
  fs_.SetOwner("/etc/surety/ops.url", 1000);
  auto owned = Load(alert);
  ASSERT_EQ(owned.errors.size(), 1u) << Errors(owned);
  EXPECT_EQ(owned.errors[0].message,
            "alerts.ops.url_file: /etc/surety/ops.url can be changed by someone other than root "
            "(owned by uid 1000), who could then redirect the alerts: chown root "
            "/etc/surety/ops.url && chmod g-w /etc/surety/ops.url");
  EXPECT_FALSE(Contains(Errors(owned), "SECRET"));

  fs_.AddFile("/etc/surety/ops.url", "https://hooks.example/SECRET", 0660);
  auto group = Load(alert);
  ASSERT_EQ(group.errors.size(), 1u) << Errors(group);
  EXPECT_TRUE(Contains(group.errors[0].message, "(mode 0660)")) << Errors(group);

  fs_.AddFile("/etc/surety/ops.url", "https://hooks.example/SECRET", 0640);
  EXPECT_TRUE(Load(alert).errors.empty());

  fs_.AddFile("/etc/surety/ops.url", "https://hooks.example/SECRET", 0660);
  fs_.SetOwner("/etc/surety/ops.url", 1000);
  LoadContext user{fs_, env_, zones_, *local_, false, "host1"};
  fs_.AddFile("/etc/surety/surety.toml", alert, 0644);
  EXPECT_TRUE(LoadConfig({"/etc/surety/surety.toml"}, user).errors.empty())
      << "a user's own secret file may be theirs";
}

TEST_F(ConfigLoaderTest, AValueWhereATableBelongsNamesTheWholeKey) {
  auto r =
      Load("[jobs.a]\ncommand = \"true\"\nenvironment = \"x\"\npreflight = { free_space = 5 }\n");
  ASSERT_EQ(r.errors.size(), 2u) << Errors(r);
  EXPECT_EQ(r.errors[0].ToString(),
            "/etc/surety/surety.toml:3:1: jobs.a.environment: expected a table, e.g. a section "
            "[jobs.a.environment] or an inline table environment = { ... }");
  EXPECT_TRUE(Contains(r.errors[1].message, "jobs.a.preflight.free_space: expected a table"))
      << Errors(r);
}

TEST_F(ConfigLoaderTest, AnInlineUrlInAFileEveryoneCanReadIsAWarning) {
  const std::string text =
      "[alerts.ops]\nkind = \"slack\"\nurl = \"https://hooks.slack.com/services/T0/B0/SECRET\"\n";
  auto readable = Load(text);
  ASSERT_TRUE(readable.errors.empty()) << Errors(readable);
  EXPECT_TRUE(Contains(Messages(readable.warnings),
                       "/etc/surety/surety.toml:3:7: alerts.ops.url: the URL is a secret, but "
                       "/etc/surety/surety.toml is readable by everyone (mode 0644); move it to "
                       "url_file (mode 0600) or url_env, or chmod o-r /etc/surety/surety.toml"))
      << Messages(readable.warnings);
  EXPECT_FALSE(Contains(Messages(readable.warnings), "SECRET"));

  fs_.AddFile("/etc/surety/surety.toml", text, 0640);
  LoadContext root{fs_, env_, zones_, *local_, true, "host1"};
  auto closed = LoadConfig({"/etc/surety/surety.toml"}, root);
  EXPECT_FALSE(Contains(Messages(closed.warnings), "the URL is a secret"));
}

// surety checks these paths from wherever it was started: a relative one
// would pass from one directory and fail from another.
TEST_F(ConfigLoaderTest, PathsSuretyChecksOrStartsInMustBeAbsolute) {
  auto r = Load(
      "[jobs.a]\ncommand = \"true\"\nworking_directory = \"art\"\n"
      "[jobs.a.preflight]\nfiles = [\"/etc/passwd\", \"envfile\"]\n"
      "free_space = { path = \"backups\", min = \"1G\" }\n"
      "[jobs.a.verify]\npath = \"rel.bin\"\n");
  ASSERT_EQ(r.errors.size(), 4u) << Errors(r);
  EXPECT_EQ(r.errors[0].ToString(),
            "/etc/surety/surety.toml:3:21: jobs.a.working_directory: \"art\" is relative; give an "
            "absolute path (surety checks it from wherever it was started, not from the job's "
            "working_directory)");
  EXPECT_TRUE(Contains(Errors(r), "jobs.a.preflight.files: \"envfile\" is relative"));
  EXPECT_TRUE(Contains(Errors(r), "jobs.a.preflight.free_space.path: \"backups\" is relative"));
  EXPECT_TRUE(Contains(Errors(r), "jobs.a.verify.path: \"rel.bin\" is relative"));
}

// validate accepts only what the check can use: before, a port out of
// range passed validate and failed every run as "malformed address".
TEST_F(ConfigLoaderTest, ReachableAddressesAreCheckedAsTheCheckReadsThem) {
  for (const char* bad : {"tcp://nas.local:99999", "tcp://nas.local:0", "tcp://:22",
                          "tcp://nas.local:22/x", "tcp://user@nas:22", "tcp://[::1:22"}) {
    auto r = Load(std::string("[jobs.a]\ncommand = \"true\"\n[jobs.a.preflight]\nreachable = [\"") +
                  bad + "\"]\n");
    ASSERT_EQ(r.errors.size(), 1u) << bad << "\n" << Errors(r);
    EXPECT_TRUE(Contains(r.errors[0].message, "should look like \"tcp://host:port\"")) << Errors(r);
  }
  for (const char* good : {"tcp://nas.local:22", "tcp://10.0.0.1:5432", "tcp://[::1]:22"}) {
    auto r = Load(std::string("[jobs.a]\ncommand = \"true\"\n[jobs.a.preflight]\nreachable = [\"") +
                  good + "\"]\n");
    EXPECT_TRUE(r.errors.empty()) << good << "\n" << Errors(r);
  }
}

TEST_F(ConfigLoaderTest, AsRootAnUnknownUserOrGroupIsAWarning) {
  fs_.AddFile("/etc/surety/surety.toml",
              "[jobs.a]\ncommand = \"true\"\nuser = \"nosuchuser\"\ngroup = \"backup\"\n");
  LoadContext root{fs_, env_, zones_, *local_, true, "host1"};
  root.user_exists = [](const std::string& n) { return n == "postgres"; };
  root.group_exists = [](const std::string& n) { return n == "backup"; };
  auto r = LoadConfig({"/etc/surety/surety.toml"}, root);
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  EXPECT_TRUE(Contains(Messages(r.warnings),
                       "/etc/surety/surety.toml:3:8: jobs.a.user: no user 'nosuchuser' on this "
                       "host; every run will end preflight_failed until there is"))
      << Messages(r.warnings);
  EXPECT_FALSE(Contains(Messages(r.warnings), "no group"));
}

TEST_F(ConfigLoaderTest, MailAddressesMayNotHoldLineBreaks) {
  auto r = Load("[alerts.mail]\nkind = \"email\"\nto = \"ops@example.com\\nBcc: x@evil\"\n");
  ASSERT_EQ(r.errors.size(), 1u) << Errors(r);
  EXPECT_EQ(r.errors[0].ToString(),
            "/etc/surety/surety.toml:3:6: alerts.mail.to: control characters (a line break?) "
            "are not allowed in a mail header; separate addresses with commas");
  EXPECT_TRUE(Load("[alerts.mail]\nkind = \"email\"\nto = \"a@x, b@y\"\n").errors.empty());
}

TEST_F(ConfigLoaderTest, EnvironmentFilesNamesAndNulBytesAreChecked) {
  fs_.AddFile("/etc/default/db", "PGPASSWORD=x\n", 0644);
  auto readable = Load("[jobs.a]\ncommand = \"true\"\nenvironment_file = \"/etc/default/db\"\n");
  ASSERT_TRUE(readable.errors.empty()) << Errors(readable);
  EXPECT_TRUE(Contains(Messages(readable.warnings),
                       "/etc/surety/surety.toml:3:20: jobs.a.environment_file: /etc/default/db "
                       "is world-readable (mode 0644); it usually holds passwords: chmod o-r "
                       "/etc/default/db"))
      << Messages(readable.warnings);

  fs_.AddFile("/etc/default/db", "PGPASSWORD=x\n", 0660);
  auto writable = Load("[jobs.a]\ncommand = \"true\"\nenvironment_file = \"/etc/default/db\"\n");
  ASSERT_EQ(writable.errors.size(), 1u) << Errors(writable);
  EXPECT_TRUE(Contains(writable.errors[0].message, "can be changed by someone other than root"));

  auto names = Load(
      "[jobs.a]\ncommand = \"true\"\n[jobs.a.environment]\n\"\" = \"x\"\n\"A=B\" = \"x\"\n"
      "\"A\\u0000B\" = \"x\"\nOK = \"fine\"\nV = \"a\\u0000b\"\n");
  ASSERT_EQ(names.errors.size(), 4u) << Errors(names);
  for (size_t i = 0; i < 3; ++i)
    EXPECT_TRUE(Contains(names.errors[i].message, "not a valid variable name")) << Errors(names);
  EXPECT_EQ(names.errors[0].line, 4);  // in the order of the file
  EXPECT_EQ(names.errors[1].line, 5);
  EXPECT_EQ(names.errors[2].line, 6);
  EXPECT_TRUE(Contains(names.errors[3].message, "jobs.a.environment.V: contains a NUL"));

  auto argv = Load("[jobs.a]\ncommand = [\"rm\", \"-rf\", \"/tmp/x\\u0000/\"]\n");
  ASSERT_EQ(argv.errors.size(), 1u) << Errors(argv);
  EXPECT_EQ(argv.errors[0].ToString(),
            "/etc/surety/surety.toml:2:25: jobs.a.command: contains a NUL character (\\u0000), "
            "which cannot be passed to a program or be part of a path");
  auto shell = Load("[jobs.a]\ncommand = \"echo \\u0000\"\n");
  EXPECT_EQ(shell.errors.size(), 1u) << Errors(shell);
}

TEST_F(ConfigLoaderTest, ImpossibleAndNoOpCombinations) {
  auto verify = Load(
      "[jobs.a]\ncommand = \"true\"\nschedule = \"daily\"\n[jobs.a.verify]\n"
      "command = [\"pg_restore\", \"--list\", \"{path}\"]\n");
  ASSERT_EQ(verify.errors.size(), 1u) << Errors(verify);
  EXPECT_EQ(verify.errors[0].ToString(),
            "/etc/surety/surety.toml:5:11: jobs.a.verify.command uses {path} but there is no "
            "'path' (the artifact) to put there");

  auto wait = Load("[jobs.a]\ncommand = \"true\"\nschedule = \"daily\"\noverlap = \"wait\"\n");
  ASSERT_TRUE(wait.errors.empty()) << Errors(wait);
  ASSERT_EQ(wait.warnings.size(), 1u) << Messages(wait.warnings);
  EXPECT_TRUE(Contains(wait.warnings[0].ToString(),
                       "surety.toml:4:11: jobs.a.overlap: \"wait\" without lock_wait does not "
                       "wait"))
      << Messages(wait.warnings);
  auto wait0 = Load(
      "[jobs.a]\ncommand = \"true\"\nschedule = \"daily\"\noverlap = \"wait\"\nlock_wait = 0\n");
  ASSERT_EQ(wait0.warnings.size(), 1u) << Messages(wait0.warnings);
  EXPECT_EQ(wait0.warnings[0].line, 5);

  auto retry = Load(
      "[jobs.a]\ncommand = \"true\"\nschedule = \"daily\"\nretry_delay = \"10min\"\n"
      "retry_delay_max = \"1min\"\n");
  ASSERT_EQ(retry.errors.size(), 1u) << Errors(retry);
  EXPECT_EQ(retry.errors[0].ToString(),
            "/etc/surety/surety.toml:5:19: jobs.a.retry_delay_max (1min) is shorter than "
            "retry_delay (10min), so every retry would wait retry_delay_max; raise "
            "retry_delay_max or lower retry_delay");
  auto over_default = Load("[jobs.a]\ncommand = \"true\"\nretry_delay = \"2h\"\n");
  ASSERT_EQ(over_default.errors.size(), 1u) << Errors(over_default);
  EXPECT_TRUE(Contains(over_default.errors[0].message, "(1h, the default)"));

  auto persistent = Load("[jobs.a]\ncommand = \"true\"\npersistent = true\n");
  ASSERT_TRUE(persistent.errors.empty()) << Errors(persistent);
  EXPECT_TRUE(Contains(Messages(persistent.warnings),
                       "surety.toml:3:14: jobs.a.persistent has no effect without 'schedule'"))
      << Messages(persistent.warnings);
}

TEST_F(ConfigLoaderTest, ABadListElementIsReportedWhereItIs) {
  auto schedule =
      Load("[jobs.a]\ncommand = \"true\"\nschedule = [\n  \"daily\",\n  \"Fri..Mon 02:00\",\n]\n");
  ASSERT_EQ(schedule.errors.size(), 1u) << Errors(schedule);
  EXPECT_EQ(schedule.errors[0].line, 5);
  EXPECT_EQ(schedule.errors[0].column, 3);

  auto reachable = Load(
      "[jobs.a]\ncommand = \"true\"\n[jobs.a.preflight]\nreachable = [\n  \"tcp://a:1\",\n"
      "  \"nas.local\",\n]\n");
  ASSERT_EQ(reachable.errors.size(), 1u) << Errors(reachable);
  EXPECT_EQ(reachable.errors[0].line, 6);
  EXPECT_EQ(reachable.errors[0].column, 3);
}

TEST_F(ConfigLoaderTest, AnErrorInDefaultsIsReportedOnceWhereItIs) {
  auto r = Load(
      "[defaults]\ntimeout = \"5mins\"\nalert = [\"nope\"]\nsuccess_exit_status = [1]\n"
      "warning_exit_status = [1]\n"
      "[jobs.a]\ncommand = \"true\"\n[jobs.b]\ncommand = \"true\"\n[jobs.c]\n"
      "command = \"true\"\n");
  ASSERT_EQ(r.errors.size(), 3u) << Errors(r);
  EXPECT_EQ(r.errors[0].line, 2);
  EXPECT_EQ(r.errors[0].message.rfind("defaults.timeout: invalid time span", 0), 0u) << Errors(r);
  EXPECT_EQ(r.errors[1].line, 3);
  EXPECT_EQ(r.errors[1].message.rfind("defaults.alert: no alert named 'nope'", 0), 0u);
  EXPECT_EQ(r.errors[2].line, 5);  // a combination: reported for the first job only
  EXPECT_TRUE(Contains(r.errors[2].message, "exit status 1 is also a success code"));

  // With no job at all, [defaults] is still checked.
  auto alone = Load("[defaults]\nretries = \"3\"\n");
  ASSERT_EQ(alone.errors.size(), 1u) << Errors(alone);
  EXPECT_EQ(alone.errors[0].message.rfind("defaults.retries:", 0), 0u);
}

// Each diagnostic names the job whose checks found it, and none for what
// lies outside every job: the seam for letting a broken [jobs.X] disable X
// alone. A problem in [defaults] that the first job inheriting it finds is
// that job's; the jobs after it do not list it again.
TEST_F(ConfigLoaderTest, DiagnosticsNameTheJobTheyBelongTo) {
  auto r = Load(R"(
[settings]
state_dir = 5
[defaults]
timeout = "bogus"
persistent = true
[alerts.ops]
kind = "webhok"
[jobs.a]
command = "true"
retries = -1
[jobs.b]
command = "true"
schedule = "daily"
[jobs."bad name"]
command = "true"
[jobs.c]
comand = "true"
)");
  // "[job] line: message", the message cut after its key.
  auto tagged = [](const std::vector<Diagnostic>& list) {
    std::vector<std::string> out;
    for (const Diagnostic& d : list)
      out.push_back("[" + d.job + "] " + std::to_string(d.line) + ": " +
                    d.message.substr(0, d.message.find_first_of(": ")));
    return out;
  };
  EXPECT_EQ(tagged(r.errors), (std::vector<std::string>{
                                  "[] 3: settings.state_dir",
                                  "[] 5: defaults.timeout",
                                  "[] 8: alerts.ops.kind",
                                  "[a] 11: jobs.a.retries",
                                  "[bad name] 15: jobs.bad",
                                  "[c] 17: jobs.c",
                                  "[c] 18: jobs.c.comand",
                              }))
      << Errors(r);
  EXPECT_EQ(tagged(r.warnings), (std::vector<std::string>{
                                    "[a] 6: jobs.a.persistent",  // [defaults]' persistent
                                    "[a] 9: jobs.a",
                                    "[c] 17: jobs.c",
                                }))
      << Messages(r.warnings);
  EXPECT_FALSE(r.config);  // for now, any error still means no Config
}

TEST_F(ConfigLoaderTest, MaxShrinkAcceptsTheIntegerFractionsZeroAndOne) {
  auto zero =
      Load("[jobs.a]\ncommand = \"true\"\n[jobs.a.verify]\npath = \"/b\"\nmax_shrink = 0\n");
  ASSERT_TRUE(zero.errors.empty()) << Errors(zero);
  EXPECT_DOUBLE_EQ(*zero.config->jobs.at("a").verify.max_shrink, 0.0);
  auto one = Load("[jobs.a]\ncommand = \"true\"\n[jobs.a.verify]\npath = \"/b\"\nmax_shrink = 1\n");
  ASSERT_TRUE(one.errors.empty()) << Errors(one);
  EXPECT_DOUBLE_EQ(*one.config->jobs.at("a").verify.max_shrink, 1.0);
  auto two = Load("[jobs.a]\ncommand = \"true\"\n[jobs.a.verify]\npath = \"/b\"\nmax_shrink = 2\n");
  EXPECT_EQ(two.errors.size(), 1u) << Errors(two);
}

TEST_F(ConfigLoaderTest, RelativePathsAreRelativeToTheFileThatSaysThem) {
  fs_.AddFile("/etc/surety/ops.url", "https://hooks.example/x", 0600);
  fs_.AddFile("/etc/surety/jobs.d/a.toml",
              "[jobs.a]\ncommand = \"true\"\nenvironment_file = \"a.env\"\n");
  auto r = Load(
      "include = [\"jobs.d/*.toml\"]\n[settings]\nstate_dir = \"state\"\n"
      "[alerts.ops]\nkind = \"webhook\"\nurl_file = \"ops.url\"\n"
      "[defaults]\nenvironment_file = \"../default/common.env\"\n[jobs.b]\ncommand = \"true\"\n");
  ASSERT_TRUE(r.errors.empty()) << Errors(r);
  EXPECT_EQ(r.config->settings.state_dir, "/etc/surety/state");
  EXPECT_EQ(r.config->alerts.at("ops").url, "https://hooks.example/x");
  EXPECT_EQ(r.config->jobs.at("a").environment_file, "/etc/surety/jobs.d/a.env");
  EXPECT_EQ(r.config->jobs.at("b").environment_file, "/etc/surety/../default/common.env");
}

// The same, on the real file system: a symlink is the same file, a FIFO
// matched by a glob does not hang, and a relative --config still gives
// absolute paths.
class ConfigLoaderRealFsTest : public testing::Test {
 protected:
  ConfigLoaderRealFsTest() {
    char tmpl[] = "/tmp/surety-loader-test-XXXXXX";
    char* made = mkdtemp(tmpl);
    EXPECT_NE(made, nullptr);
    dir_ = made ? made : "/tmp";
  }
  ~ConfigLoaderRealFsTest() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "cannot remove " << dir_;
  }
  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << content;
  }
  LoadResult Load(const std::vector<std::string>& paths) {
    // Not as root: the files belong to whoever runs the tests.
    LoadContext ctx{fs_, env_, zones_, *local_, false, "host1"};
    return LoadConfig(paths, ctx);
  }

  RealFileSystem fs_;
  MapEnv env_;
  ZoneDb zones_;
  std::shared_ptr<const Zone> local_ = zones_.LocalFromTz(std::string(":Europe/Berlin"));
  std::string dir_;
};

TEST_F(ConfigLoaderRealFsTest, ASymlinkToAnIncludingFileIsACycle) {
  ASSERT_EQ(mkdir((dir_ + "/jobs.d").c_str(), 0755), 0);
  Write("surety.toml", "include = [\"jobs.d/*.toml\"]\n[jobs.a]\ncommand = \"true\"\n");
  ASSERT_EQ(symlink("../surety.toml", (dir_ + "/jobs.d/loop.toml").c_str()), 0);
  auto r = Load({dir_ + "/surety.toml"});
  ASSERT_EQ(r.errors.size(), 1u) << Messages(r.errors);
  EXPECT_TRUE(Contains(r.errors[0].message,
                       "include cycle: " + dir_ + "/surety.toml -> " + dir_ + "/jobs.d/loop.toml"))
      << Messages(r.errors);
}

TEST_F(ConfigLoaderRealFsTest, AGlobMatchingAFifoIsAnErrorNotAHang) {
  ASSERT_EQ(mkdir((dir_ + "/jobs.d").c_str(), 0755), 0);
  ASSERT_EQ(mkfifo((dir_ + "/jobs.d/pipe.toml").c_str(), 0600), 0);
  Write("jobs.d/a.toml", "[jobs.a]\ncommand = \"true\"\n");
  Write("surety.toml", "include = [\"jobs.d/*.toml\"]\n");
  auto r = Load({dir_ + "/surety.toml"});
  ASSERT_EQ(r.errors.size(), 1u) << Messages(r.errors);
  EXPECT_TRUE(Contains(r.errors[0].message, "a FIFO, not a regular file")) << Messages(r.errors);
  auto dev = Load({"/dev/zero"});
  ASSERT_EQ(dev.errors.size(), 1u) << Messages(dev.errors);
  EXPECT_EQ(dev.errors[0].ToString(),
            "/dev/zero: cannot read the job file: cannot read '/dev/zero': a character device, "
            "not a regular file");
}

TEST_F(ConfigLoaderRealFsTest, ARelativeConfigPathGivesAbsolutePaths) {
  Write("surety.toml", "[settings]\nstate_dir = \"state\"\n[jobs.a]\ncommand = \"true\"\n");
  char cwd[4096];
  ASSERT_NE(getcwd(cwd, sizeof cwd), nullptr);
  ASSERT_EQ(chdir("/tmp"), 0);
  std::string rel = dir_.substr(std::string("/tmp/").size()) + "/surety.toml";
  auto r = Load({rel});
  ASSERT_EQ(chdir(cwd), 0);
  ASSERT_TRUE(r.errors.empty()) << Messages(r.errors);
  EXPECT_EQ(r.config->settings.state_dir, dir_ + "/state");
  EXPECT_EQ(r.config->files, std::vector<std::string>{rel});
}

}  // namespace
}  // namespace surety

namespace surety {
namespace {

class ConfigLintTest : public testing::Test {
 protected:
  LoadResult Load(const std::string& text) {
    fs_.AddFile("/etc/surety/surety.toml", text);
    LoadContext ctx{fs_, env_, zones_, *local_, true, "host1"};
    ctx.now = Instant{std::chrono::seconds(1'763'780'400)};  // 2025-11-22
    ctx.check_programs = true;
    ctx.read_environment_files = true;
    return LoadConfig({"/etc/surety/surety.toml"}, ctx);
  }
  static std::string All(const std::vector<Diagnostic>& v) {
    std::string out;
    for (const auto& d : v) out += d.ToString() + "\n";
    return out;
  }

  FakeFileSystem fs_;
  MapEnv env_{{{"PATH", "/usr/bin:/bin"}}};
  ZoneDb zones_;
  std::shared_ptr<const Zone> local_ = zones_.LocalFromTz(std::string("UTC"));
};

// `validate` passed a schedule whose only elapse was years ago: the job
// then never ran, and nothing said why.
// user = "4294967296" ran the job as root (the id wrapped around to 0);
// "99999999999999999999" aborted validate with an uncaught exception.
TEST_F(ConfigLintTest, AUserOrGroupIdNoAccountCanHaveIsAnError) {
  fs_.AddFile("/usr/bin/true", "", 0755);
  for (const std::string id : {"4294967296", "4294967295", "65535", "99999999999999999999"}) {
    auto r =
        Load("[jobs.x]\ncommand = [\"true\"]\nuser = \"" + id + "\"\ngroup = \"" + id + "\"\n");
    ASSERT_EQ(r.errors.size(), 2u) << id << "\n" << All(r.errors);
    EXPECT_EQ(r.errors[0].message,
              "jobs.x.user: " + id + " is not a valid user id (0 to 4294967294, not 65535)");
    EXPECT_EQ(r.errors[1].message,
              "jobs.x.group: " + id + " is not a valid group id (0 to 4294967294, not 65535)");
  }
  EXPECT_TRUE(Load("[jobs.x]\ncommand = [\"true\"]\nuser = \"4294967294\"\n").errors.empty());
}

TEST_F(ConfigLintTest, AScheduleThatNeverElapsesAgainIsAWarning) {
  fs_.AddFile("/usr/bin/true", "", 0755);
  auto r = Load(R"([jobs.old]
command = ["true"]
schedule = ["2020-01-01 00:00", "daily"]
)");
  EXPECT_TRUE(r.errors.empty()) << All(r.errors);
  ASSERT_EQ(r.warnings.size(), 1u) << All(r.warnings);
  EXPECT_EQ(Load("[jobs.new]\ncommand = [\"true\"]\nschedule = \"2030-01-01\"\n").warnings.size(),
            0u);
  EXPECT_EQ(r.warnings[0].line, 3);
  EXPECT_NE(r.warnings[0].message.find("\"2020-01-01 00:00\" never elapses again"),
            std::string::npos)
      << r.warnings[0].message;
}

// A program that is not on the PATH fails every run with "not found";
// validate now says so, where the command is.
TEST_F(ConfigLintTest, AProgramThatIsNotOnTheJobsPathIsAnError) {
  fs_.AddFile("/usr/bin/pg_dump", "", 0755);
  fs_.AddFile("/usr/bin/notes", "", 0644);  // not executable
  fs_.AddFile("/opt/tool/bin/restic", "", 0755);
  auto r = Load(R"([jobs.ok]
command = ["pg_dump", "app"]
[jobs.missing]
command = ["pg_dumpp", "app"]
[jobs.notexec]
command = ["notes"]
[jobs.absolute]
command = ["/usr/local/bin/backup.sh"]
[jobs.ownpath]
command = ["restic", "backup"]
environment = { PATH = "/opt/tool/bin" }
[jobs.shell]
command = "anything | at all"
[jobs.pre]
command = ["pg_dump"]
[jobs.pre.preflight]
command = ["mountpoint", "-q", "/backups"]
)");
  const std::string errors = All(r.errors);
  EXPECT_EQ(r.errors.size(), 4u) << errors;
  EXPECT_NE(errors.find(":4:11: jobs.missing.command: program 'pg_dumpp' is not on the job's PATH "
                        "(/usr/bin:/bin)"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("jobs.notexec.command: program 'notes'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("jobs.absolute.command: '/usr/local/bin/backup.sh' is not an executable "
                        "file"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find("jobs.pre.preflight.command: program 'mountpoint'"), std::string::npos)
      << errors;
  EXPECT_EQ(errors.find("jobs.ok"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("jobs.ownpath"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("jobs.shell"), std::string::npos) << errors;
}

TEST_F(ConfigLintTest, AMissingProgramIsOnlyAWarningWhenAnEnvironmentFileMaySetPath) {
  fs_.AddFile("/etc/default/backup", "PATH=/opt/tool/bin\n", 0600);
  auto r = Load(R"([jobs.tool]
command = ["restic", "backup"]
environment_file = "/etc/default/backup"
)");
  EXPECT_TRUE(r.errors.empty()) << All(r.errors);
  EXPECT_NE(All(r.warnings)
                .find(":2:11: jobs.tool.command: program 'restic' is not on the job's "
                      "PATH (/usr/bin:/bin); install it, give its absolute path, or set "
                      "PATH in the job's environment (unless its environment_file sets "
                      "another PATH)"),
            std::string::npos)
      << All(r.warnings);
}

// A line of an environment file that the run would ignore: validate says
// which, by number, without echoing it (it may be a password).
TEST_F(ConfigLintTest, MalformedEnvironmentFileLinesAreWarnedByNumber) {
  fs_.AddFile("/usr/bin/true", "", 0755);
  fs_.AddFile("/etc/default/db", "PGUSER=app\nPASSWORD hunter2\n", 0600);
  auto r = Load("[jobs.db]\ncommand = [\"true\"]\nenvironment_file = \"/etc/default/db\"\n");
  EXPECT_TRUE(r.errors.empty()) << All(r.errors);
  const std::string warnings = All(r.warnings);
  EXPECT_NE(warnings.find(":3:20: jobs.db.environment_file: /etc/default/db line 2: not "
                          "KEY=VALUE (ignored)"),
            std::string::npos)
      << warnings;
  EXPECT_EQ(warnings.find("hunter2"), std::string::npos) << warnings;
}

// Two schedules a new user writes: a crontab line, and a zone with a typo.
// Each error says what was meant, not what the grammar expected.
TEST_F(ConfigLintTest, CronSyntaxAndMisspeltZonesGetATeachingMessage) {
  fs_.AddFile("/usr/bin/true", "", 0755);
  auto r = Load(R"([jobs.cron]
command = ["true"]
schedule = "0 2 * * *"
[jobs.zone]
command = ["true"]
schedule = "daily Europe/Berln"
)");
  ASSERT_EQ(r.errors.size(), 2u) << All(r.errors);
  EXPECT_NE(r.errors[0].message.find("this looks like cron; the calendar spec is "
                                     "`*-*-* 02:00:00`"),
            std::string::npos)
      << r.errors[0].message;
  EXPECT_NE(r.errors[1].message.find("unknown time zone `Europe/Berln`; did you mean "
                                     "`Europe/Berlin`?"),
            std::string::npos)
      << r.errors[1].message;
}

// An unquoted time span is the commonest TOML mistake in a job file; the
// parser's own words ("expected digit, saw 'h'") do not say how to fix it.
TEST_F(ConfigLintTest, AnUnquotedValueGetsAHintToQuoteIt) {
  auto r = Load("[jobs.x]\ncommand = [\"true\"]\ntimeout = 1h   # two hours\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_NE(r.errors[0].message.find("; text values are quoted in TOML: timeout = \"1h\""),
            std::string::npos)
      << r.errors[0].message;
  r = Load("[jobs.x]\ncommand = [\"true\"]\nretries = 3x\n");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].message.find("retries = \"3x\""), std::string::npos);
  r = Load("[jobs.x]\ncommand = [\"true\"\n");  // not a bare value: no hint
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].message.find("quoted"), std::string::npos) << r.errors[0].message;
}

// validate listed problems grouped by key (jobs in name order, their keys in
// build order); a person fixes a file top to bottom.
TEST_F(ConfigLintTest, ProblemsAreListedInFileOrder) {
  fs_.AddFile("/usr/bin/true", "", 0755);
  auto r = Load(R"([jobs.b]
command = ["true"]
timeout = "soon"
[jobs.a]
command = ["true"]
retries = "x"
schedule = "Mon 25:00"
)");
  ASSERT_EQ(r.errors.size(), 3u) << All(r.errors);
  EXPECT_EQ(r.errors[0].line, 3);
  EXPECT_EQ(r.errors[1].line, 6);
  EXPECT_EQ(r.errors[2].line, 7);
}

// One typo in a new job used to stop every job (the daemon's runs re-read
// the file and failed with exit 2): an error inside [jobs.X] breaks X alone.
TEST_F(ConfigLoaderTest, AnErrorInsideAJobBreaksThatJobAlone) {
  auto r = Load(R"([settings]
state_dir = "/var/lib/surety"
[alerts.ops]
kind = "exec"
command = ["true"]
[jobs.db]
command = ["pg_dump"]
schedule = "daily"
alert = ["ops"]
[jobs.new]
command = ["true"]
schedule = "Mon 25:00"
alert = ["ops"]
[jobs."bad name"]
command = ["true"]
)");
  EXPECT_FALSE(r.config) << "errors remain errors";
  ASSERT_TRUE(r.usable) << Errors(r);
  EXPECT_EQ(r.usable->jobs.size(), 1u);
  EXPECT_EQ(r.usable->jobs.count("db"), 1u);
  ASSERT_EQ(r.broken.count("new"), 1u);
  EXPECT_EQ(r.broken.at("new").front().ToString().rfind("/etc/surety/surety.toml:12:", 0), 0u)
      << r.broken.at("new").front().ToString();
  EXPECT_EQ(r.broken.count("bad name"), 1u);
  EXPECT_EQ(r.broken.count("db"), 0u);
  ASSERT_TRUE(r.settings);
  EXPECT_EQ(r.settings->state_dir, "/var/lib/surety");
  EXPECT_EQ(r.job_alerts.at("new"), std::vector<std::string>{"ops"});
  EXPECT_EQ(r.alerts.count("ops"), 1u);
}

TEST_F(ConfigLoaderTest, AnErrorOutsideEveryJobIsGlobal) {
  const char* jobs = R"(
[jobs.db]
command = ["pg_dump"]
schedule = "daily"
)";
  for (const std::string& outside :
       {std::string("[settings]\nstate_dir = \"/var/lib/surety\"\nmax_running = 0\n"),
        std::string("[defaults]\ntimeout = \"soon\"\n"),
        std::string("[alerts.ops]\nkind = \"pager\"\n"), std::string("[jobs\n")}) {
    SCOPED_TRACE(outside);
    auto r = Load(outside + jobs);
    EXPECT_FALSE(r.errors.empty());
    EXPECT_FALSE(r.config);
    EXPECT_FALSE(r.usable) << "one job would run although its [defaults] or alerts are wrong";
  }
  auto r =
      Load("[settings]\nstate_dir = \"/var/lib/surety\"\nmax_running = 0\n" + std::string(jobs));
  EXPECT_FALSE(r.settings) << "a state directory from a [settings] with errors is not used";
}

}  // namespace
}  // namespace surety
