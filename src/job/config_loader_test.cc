#include "job/config_loader.h"

#include <gtest/gtest.h>

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

TEST(ClosestMatch, FindsNearKeysOnly) {
  std::vector<std::string> keys = {"schedule", "timeout", "retries"};
  EXPECT_EQ(ClosestMatch("schedul", keys), "schedule");
  EXPECT_EQ(ClosestMatch("Timeout", keys), "timeout");
  EXPECT_EQ(ClosestMatch("banana", keys), std::nullopt);
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
