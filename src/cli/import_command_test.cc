// `surety import crontab` as a command, in-process: where the crontabs come
// from (files, /etc/crontab's user column, `crontab -l`), what goes to
// stdout and stderr, the exit statuses, and --output.
#include "cli/import_command.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "os/fake_process.h"
#include "os/file_system.h"

namespace surety {
namespace {

struct Outcome {
  int rc = 0;
  std::string out, err;
};

class ImportCommandTest : public testing::Test {
 protected:
  Outcome Run(const std::vector<std::string>& args, FileSystem* fs = nullptr) {
    FakeClock clock(Instant{Micros{1763780400000000}});
    std::ostringstream out, err;
    Services sv{clock, env_, out, err, fs ? fs : &fs_, &commands_};
    Outcome o;
    o.rc = RunCli(args, sv);
    o.out = out.str();
    o.err = err.str();
    return o;
  }

  FakeFileSystem fs_;
  ScriptedCommandRunner commands_;
  MapEnv env_{{{"TZ", ":Europe/Berlin"}, {"PATH", "/usr/bin:/bin"}, {"HOME", "/home/alice"}}};
};

TEST_F(ImportCommandTest, PrintsTheJobFileAndExitsZeroWhenEveryLineImports) {
  fs_.AddFile("/home/alice/cron.txt", "MAILTO=alice@example.com\n0 2 * * * /usr/bin/backup\n");
  const Outcome o = Run({"import", "crontab", "/home/alice/cron.txt"});
  EXPECT_EQ(o.rc, 0) << o.err;
  EXPECT_EQ(o.err, "");
  EXPECT_NE(o.out.find("[jobs.backup]\ncommand = \"/usr/bin/backup\"\n"), std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("[alerts.mail-alice-example-com]\nkind = \"email\""), std::string::npos);
  EXPECT_TRUE(commands_.specs.empty());  // no crontab -l
}

TEST_F(ImportCommandTest, RefusedLinesGoToStderrAndTheRestToStdout) {
  fs_.AddFile("/home/alice/cron.txt", "0 2 * * * /bin/a\n0 2 L * * /bin/b\n0 3 * * * /bin/c\n");
  const Outcome o = Run({"import", "crontab", "/home/alice/cron.txt"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_EQ(o.err.rfind("/home/alice/cron.txt:2: cron day-of-month field `L`", 0), 0u) << o.err;
  EXPECT_NE(o.err.find("1 line was not imported; the job file has the other 2 jobs"),
            std::string::npos)
      << o.err;
  EXPECT_NE(o.out.find("[jobs.a]"), std::string::npos);
  EXPECT_NE(o.out.find("[jobs.c]"), std::string::npos);
}

TEST_F(ImportCommandTest, EtcCrontabHasAUserColumnAndSystemSaysSoForAnyFile) {
  const std::string text = "0 2 * * * root /usr/bin/backup\n";
  fs_.AddFile("/etc/crontab", text);
  fs_.AddFile("/tmp/copy", text);
  const Outcome etc = Run({"import", "crontab", "/etc/crontab"});
  EXPECT_EQ(etc.rc, 0) << etc.err;
  EXPECT_NE(etc.out.find("command = \"/usr/bin/backup\"\n"), std::string::npos) << etc.out;
  EXPECT_NE(etc.out.find("user = \"root\"\n"), std::string::npos) << etc.out;
  // Elsewhere the same line runs `root /usr/bin/backup`, unless --system.
  const Outcome copy = Run({"import", "crontab", "/tmp/copy"});
  EXPECT_NE(copy.out.find("command = \"root /usr/bin/backup\"\n"), std::string::npos);
  const Outcome system = Run({"import", "crontab", "--system", "/tmp/copy"});
  EXPECT_NE(system.out.find("user = \"root\"\n"), std::string::npos) << system.out;
}

TEST_F(ImportCommandTest, WithoutAFileItReadsCrontabMinusL) {
  commands_.outcomes.push_back(Exited(0, "@hourly /usr/bin/sync-mail\n"));
  const Outcome o = Run({"import", "crontab"});
  EXPECT_EQ(o.rc, 0) << o.err;
  ASSERT_EQ(commands_.specs.size(), 1u);
  EXPECT_EQ(commands_.specs[0].argv, (std::vector<std::string>{"crontab", "-l"}));
  EXPECT_EQ(commands_.specs[0].env.at("PATH"), "/usr/bin:/bin");
  EXPECT_FALSE(commands_.specs[0].stream_output);
  EXPECT_NE(o.out.find("from crontab -l."), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("# crontab -l:1: @hourly /usr/bin/sync-mail\n[jobs.sync-mail]"),
            std::string::npos)
      << o.out;
}

TEST_F(ImportCommandTest, ACrontabThatCannotBeReadIsAUsageError) {
  commands_.outcomes.push_back(Exited(1, "no crontab for alice\n"));
  const Outcome none = Run({"import", "crontab"});
  EXPECT_EQ(none.rc, 2);
  EXPECT_EQ(none.out, "");
  EXPECT_NE(none.err.find("crontab -l exited with status 1: no crontab for alice"),
            std::string::npos)
      << none.err;

  fs_.AddFile("/home/alice/cron.txt", "0 2 * * * /bin/a\n");
  fs_.AddFifo("/home/alice/fifo");
  const Outcome missing =
      Run({"import", "crontab", "/home/alice/cron.txt", "/home/alice/nope", "/home/alice/fifo"});
  EXPECT_EQ(missing.rc, 2);
  EXPECT_EQ(missing.out, "");  // nothing half-done
  EXPECT_NE(missing.err.find("cannot read /home/alice/nope"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("cannot read /home/alice/fifo"), std::string::npos) << missing.err;
}

TEST_F(ImportCommandTest, OnlyCrontabsCanBeImported) {
  EXPECT_EQ(Run({"import"}).rc, 2);
  const Outcome o = Run({"import", "fstab", "/etc/fstab"});
  EXPECT_EQ(o.rc, 2);
  EXPECT_NE(o.err.find("fstab"), std::string::npos) << o.err;
  EXPECT_EQ(Run({"import", "crontab", "--force"}).rc, 2);  // --force needs --output
  const Outcome help = Run({"import", "--help"});
  EXPECT_EQ(help.rc, 0);
  EXPECT_NE(help.out.find("Exit status: 0 every line imported"), std::string::npos) << help.out;
}

TEST_F(ImportCommandTest, OutputIsWrittenOnceAndReplacedOnlyWithForce) {
  char tmpl[] = "/tmp/surety-import-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  const std::string crontab = dir + "/cron.txt", out = dir + "/jobs.toml";
  std::ofstream(crontab) << "0 2 * * * /bin/a\n";
  RealFileSystem real;
  const Outcome first = Run({"import", "crontab", crontab, "--output", out}, &real);
  EXPECT_EQ(first.rc, 0) << first.err;
  EXPECT_EQ(first.out, "");
  std::stringstream written;
  written << std::ifstream(out).rdbuf();
  EXPECT_NE(written.str().find("[jobs.a]"), std::string::npos);
  EXPECT_EQ(std::filesystem::status(out).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);

  std::ofstream(crontab) << "0 3 * * * /bin/b\n";
  const Outcome again = Run({"import", "crontab", crontab, "--output", out}, &real);
  EXPECT_EQ(again.rc, 2);
  EXPECT_NE(again.err.find(out + " exists; give --force to replace it"), std::string::npos)
      << again.err;
  std::stringstream kept;
  kept << std::ifstream(out).rdbuf();
  EXPECT_EQ(kept.str(), written.str());

  const Outcome forced = Run({"import", "crontab", crontab, "--output", out, "--force"}, &real);
  EXPECT_EQ(forced.rc, 0) << forced.err;
  std::stringstream replaced;
  replaced << std::ifstream(out).rdbuf();
  EXPECT_NE(replaced.str().find("[jobs.b]"), std::string::npos);
  // No temporary file left beside it.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 2);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace surety
