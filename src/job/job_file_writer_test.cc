// The resolved job file loads back into the Config it was written from:
// every key of every job and alert, checked one by one (a writer that
// dropped a key would still write the same text twice, so idempotence alone
// proves little).
#include "job/job_file_writer.h"

#include <gtest/gtest.h>

#include "job/config_loader.h"
#include "job/toml.h"

namespace surety {
namespace {

class JobFileWriterTest : public testing::Test {
 protected:
  LoadResult Load(const std::string& path, const std::string& text) {
    fs_.AddFile(path, text, 0600);  // as the daemon writes it
    LoadContext ctx{fs_, env_, zones_, *local_, true, "host1"};
    return LoadConfig({path}, ctx);
  }
  static std::string Errors(const LoadResult& r) {
    std::string out;
    for (const auto& e : r.errors) out += e.ToString() + "\n";
    return out;
  }
  // Loads `text`, writes it, loads what was written: both Configs.
  std::pair<Config, Config> RoundTrip(const std::string& text) {
    LoadResult first = Load("/etc/surety/surety.toml", text);
    EXPECT_TRUE(first.config) << Errors(first);
    if (!first.config) return {};
    written_ = WriteJobFile(*first.config);
    LoadResult second = Load("/var/lib/surety/jobset.toml", written_);
    EXPECT_TRUE(second.config) << Errors(second) << written_;
    EXPECT_TRUE(second.warnings.empty()) << second.warnings.front().ToString() << "\n" << written_;
    if (!second.config) return {};
    return {*first.config, *second.config};
  }

  FakeFileSystem fs_;
  MapEnv env_;
  ZoneDb zones_;
  std::shared_ptr<const Zone> local_ = zones_.LocalFromTz(std::string(":Europe/Berlin"));
  std::string written_;
};

void ExpectSameCommand(const Command& a, const Command& b) {
  EXPECT_EQ(a.argv, b.argv);
  EXPECT_EQ(a.shell, b.shell);
}

void ExpectSameExitSet(const ExitStatusSet& a, const ExitStatusSet& b) {
  EXPECT_EQ(a.codes, b.codes);
  EXPECT_EQ(a.signals, b.signals);
}

void ExpectSameJob(const JobSpec& a, const JobSpec& b) {
  SCOPED_TRACE("job " + a.name);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  ExpectSameCommand(a.command, b.command);
  EXPECT_EQ(a.schedule_text, b.schedule_text);
  EXPECT_EQ(a.schedule.size(), b.schedule.size());
  EXPECT_EQ(a.persistent, b.persistent);
  EXPECT_EQ(a.randomized_delay, b.randomized_delay);
  EXPECT_EQ(a.fixed_random_delay, b.fixed_random_delay);
  EXPECT_EQ(a.accuracy, b.accuracy);
  EXPECT_EQ(a.on_boot, b.on_boot);
  EXPECT_EQ(a.on_startup, b.on_startup);
  EXPECT_EQ(a.interval, b.interval);
  EXPECT_EQ(a.interval_from, b.interval_from);
  EXPECT_EQ(a.timeout, b.timeout);
  EXPECT_EQ(a.kill_grace, b.kill_grace);
  EXPECT_EQ(a.overlap, b.overlap);
  EXPECT_EQ(a.lock_wait, b.lock_wait);
  EXPECT_EQ(a.retries, b.retries);
  EXPECT_EQ(a.retry_delay, b.retry_delay);
  EXPECT_EQ(a.retry_backoff, b.retry_backoff);
  EXPECT_EQ(a.retry_delay_max, b.retry_delay_max);
  ExpectSameExitSet(a.success_exit_status, b.success_exit_status);
  ExpectSameExitSet(a.warning_exit_status, b.warning_exit_status);
  ExpectSameExitSet(a.already_done_exit_status, b.already_done_exit_status);
  EXPECT_EQ(a.already_done_output, b.already_done_output);
  EXPECT_EQ(a.environment, b.environment);
  EXPECT_EQ(a.environment_file, b.environment_file);
  EXPECT_EQ(a.working_directory, b.working_directory);
  EXPECT_EQ(a.user, b.user);
  EXPECT_EQ(a.group, b.group);
  EXPECT_EQ(a.grace, b.grace);
  EXPECT_EQ(a.repeat, b.repeat);
  EXPECT_EQ(a.alert_warnings, b.alert_warnings);
  EXPECT_EQ(a.alert, b.alert);
  EXPECT_EQ(a.keep_runs, b.keep_runs);
  EXPECT_EQ(a.preflight.free_space.has_value(), b.preflight.free_space.has_value());
  if (a.preflight.free_space && b.preflight.free_space) {
    EXPECT_EQ(a.preflight.free_space->path, b.preflight.free_space->path);
    EXPECT_EQ(a.preflight.free_space->min_bytes, b.preflight.free_space->min_bytes);
  }
  EXPECT_EQ(a.preflight.reachable, b.preflight.reachable);
  EXPECT_EQ(a.preflight.files, b.preflight.files);
  ExpectSameCommand(a.preflight.command, b.preflight.command);
  EXPECT_EQ(a.preflight.wait, b.preflight.wait);
  EXPECT_EQ(a.verify.path, b.verify.path);
  EXPECT_EQ(a.verify.min_size, b.verify.min_size);
  EXPECT_EQ(a.verify.fresh, b.verify.fresh);
  EXPECT_EQ(a.verify.max_shrink, b.verify.max_shrink);
  ExpectSameCommand(a.verify.command, b.verify.command);
  EXPECT_EQ(a.sandbox.write, b.sandbox.write);
  EXPECT_EQ(a.sandbox.read_home, b.sandbox.read_home);
  EXPECT_EQ(a.sandbox.read_any_file, b.sandbox.read_any_file);
  EXPECT_EQ(a.sandbox.network, b.sandbox.network);
  EXPECT_EQ(a.sandbox.devices, b.sandbox.devices);
  EXPECT_EQ(a.sandbox.docker, b.sandbox.docker);
  EXPECT_EQ(a.sandbox.write_execute, b.sandbox.write_execute);
  EXPECT_EQ(a.sandbox.resources, b.sandbox.resources);
  EXPECT_EQ(a.sandbox.capabilities, b.sandbox.capabilities);
}

// toml++ writes a string that starts with a newline as a multi-line
// string, and a reader drops that first newline: an argument "\n" came
// back as "" in the job set the daemon's runs read.
TEST_F(JobFileWriterTest, StringsThatStartWithANewlineLoadBackWhole) {
  auto [a, b] = RoundTrip(R"(
[jobs.nl]
schedule = "daily"
description = "\nsecond line"
command = ["printf", "\n", "\nx", "tab\there", "trailing\\"]
)");
  ASSERT_EQ(b.jobs.size(), 1u);
  EXPECT_EQ(b.jobs.at("nl").description, "\nsecond line");
  EXPECT_EQ(b.jobs.at("nl").command.argv,
            (std::vector<std::string>{"printf", "\n", "\nx", "tab\there", "trailing\\"}));
  EXPECT_EQ(a.jobs.at("nl").command.argv, b.jobs.at("nl").command.argv);
}

TEST_F(JobFileWriterTest, EveryKeyOfEveryJobAndAlertLoadsBackTheSame) {
  fs_.AddFile("/etc/surety/ops.url", "https://hooks.example/secret-token\n", 0600);
  fs_.AddFile("/etc/default/db", "PGHOST=db\n", 0600);
  env_.Set("NTFY_URL", "https://ntfy.example/topic");
  auto [a, b] = RoundTrip(R"(
[settings]
state_dir = "/var/lib/surety"
host = "backup-1"
max_running = 12

[defaults]
alert = ["ops"]
grace = "2h"

[alerts.ops]
kind = "webhook"
url_file = "ops.url"

[alerts.phone]
kind = "ntfy"
url_env = "NTFY_URL"

[alerts.inline]
kind = "slack"
url = "https://hooks.slack.example/T/B/x"

[alerts.mail]
kind = "email"
to = "ops@example.com"
from = "surety@example.com"
sendmail = "/usr/sbin/sendmail"

[alerts.log]
kind = "exec"
command = ["logger", "-t", "surety"]

[jobs.db]
description = "nightly \"database\" dump"
command = ["pg_dump", "-Fc", "-f", "/backups/db-%Y-%m-%d.dump", "app"]
schedule = ["*-*-* 02:30", "Sat 04:00 America/New_York"]
persistent = true
randomized_delay = "5m"
fixed_random_delay = true
accuracy = "1s"
timeout = "2h 30min"
kill_grace = "45s"
overlap = "wait"
lock_wait = "10min"
retries = 3
retry_delay = "30s"
retry_backoff = 1.5
retry_delay_max = "20min"
success_exit_status = [0, 24, "SIGPIPE"]
warning_exit_status = [1]
already_done_exit_status = ["3", "TEMPFAIL"]
already_done_output = "already exists"
environment = { PGHOST = "localhost", "WITH SPACE" = "a\tb" }
environment_file = "/etc/default/db"
working_directory = "/var/backups"
user = "postgres"
group = "postgres"
alert = ["ops", "phone", "inline", "mail", "log"]
repeat = "6h"
alert_warnings = true
keep_runs = 77

[jobs.db.preflight]
free_space = { path = "/backups", min = "5G" }
reachable = ["tcp://nas.local:22", "tcp://[::1]:5432"]
files = ["/etc/backup/creds"]
command = "mountpoint -q /backups && test -w /backups"
wait = "infinity"

[jobs.db.verify]
path = "/backups/db-%Y-%m-%d.dump"
min_size = "1M"
fresh = true
max_shrink = "50%"
command = ["pg_restore", "--list", "{path}"]

[jobs.db.sandbox]
write = ["/srv/dumps"]
read_home = true
read_any_file = true
network = false
devices = true
docker = true
write_execute = true
resources = true
capabilities = ["cap_sys_admin", "CAP_CHOWN"]

[jobs.sync]
command = "rsync -a /srv/ nas:/srv/"
on_boot = "15min"
on_startup = "1min"
interval = "1h"
interval_from = "finish"
timeout = "infinity"
kill_grace = "infinity"
alert = []
)");
  ASSERT_EQ(b.jobs.size(), 2u);
  EXPECT_EQ(a.settings.state_dir, b.settings.state_dir);
  EXPECT_EQ(b.settings.host, "backup-1");
  EXPECT_EQ(b.settings.max_running, 12);
  EXPECT_EQ(b.jobs.at("db").repeat, Timespan(6ull * 3600 * 1'000'000));
  EXPECT_TRUE(b.jobs.at("db").alert_warnings);
  EXPECT_EQ(b.jobs.at("sync").repeat, Timespan(24ull * 3600 * 1'000'000));
  for (const auto& [name, job] : a.jobs) ExpectSameJob(job, b.jobs.at(name));
  ASSERT_EQ(a.alerts.size(), b.alerts.size());
  for (const auto& [name, alert] : a.alerts) {
    SCOPED_TRACE("alert " + name);
    const AlertSpec& c = b.alerts.at(name);
    EXPECT_EQ(alert.kind, c.kind);
    EXPECT_EQ(alert.url, c.url);
    EXPECT_EQ(alert.to, c.to);
    EXPECT_EQ(alert.from, c.from);
    EXPECT_EQ(alert.sendmail, c.sendmail);
    ExpectSameCommand(alert.command, c.command);
  }
  // A secret from a file or the environment is named, never copied.
  EXPECT_EQ(written_.find("secret-token"), std::string::npos) << written_;
  EXPECT_EQ(written_.find("ntfy.example"), std::string::npos) << written_;
  EXPECT_NE(written_.find("url_file = \"/etc/surety/ops.url\""), std::string::npos) << written_;
  EXPECT_NE(written_.find("url_env = \"NTFY_URL\""), std::string::npos) << written_;
  // Written twice, the same text: a daemon reloading an unchanged file
  // finds the same job set.
  EXPECT_EQ(WriteJobFile(b), written_);
}

TEST_F(JobFileWriterTest, AJobWithOnlyItsDefaultsStaysWithItsDefaults) {
  auto [a, b] = RoundTrip(R"(
[settings]
state_dir = "/var/lib/surety"
[jobs.min]
command = ["true"]
schedule = "daily"
)");
  ASSERT_EQ(b.jobs.count("min"), 1u);
  ExpectSameJob(a.jobs.at("min"), b.jobs.at("min"));
  EXPECT_EQ(b.jobs.at("min").accuracy, Timespan(60'000'000));
  EXPECT_FALSE(b.jobs.at("min").grace.has_value());
}

TEST_F(JobFileWriterTest, TomlStringQuotesAnyTextAsOneBasicString) {
  const std::string texts[] = {"",
                               "plain",
                               "it's \"quoted\"",
                               "back\\slash \\n \\u0041",
                               "tab\there\nnew line\r\x01\x1f\x7f",
                               "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6",
                               "'''\"\"\"",
                               "key = \"value\" # not a comment"};
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    const std::string quoted = TomlString(text);
    ASSERT_GE(quoted.size(), 2u);
    EXPECT_EQ(quoted.front(), '"');
    EXPECT_EQ(quoted.back(), '"');
    EXPECT_EQ(quoted.find('\n'), std::string::npos);  // one line
    // As a value and as a key it reads back as the text.
    toml::table parsed;
    try {
      parsed = toml::parse("v = " + quoted + "\n" + quoted + " = 1\n");
    } catch (const toml::parse_error& e) {
      FAIL() << e.description() << "\n" << quoted;
    }
    EXPECT_EQ(parsed["v"].value_or(std::string("?")), text);
    EXPECT_TRUE(parsed.contains(text));
    if (text.empty()) continue;
    auto r = Load("/etc/surety/quoted.toml", "[jobs.q]\ncommand = " + quoted + "\n");
    ASSERT_TRUE(r.config) << Errors(r);
    EXPECT_EQ(r.config->jobs.at("q").command.argv.back(), text);
  }
  EXPECT_EQ(TomlString("a\"b\\c\td"), "\"a\\\"b\\\\c\\td\"");
}

}  // namespace
}  // namespace surety
