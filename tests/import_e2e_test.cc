// `surety import crontab` through the real binary: a sample crontab with a
// line cron-to-calendar cannot convert. What it prints must pass `surety
// validate`, stderr must name the bad line, and the exit status must be 1;
// `surety next` must then show a job at cron's time.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "test_util.h"

namespace surety {
namespace {

using testing_util::Shell;
using testing_util::ShellQuote;

class ImportE2E : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/surety-import-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Read(const std::string& path) {
    std::stringstream s;
    s << std::ifstream(path).rdbuf();
    return s.str();
  }
  std::string dir_;
};

TEST_F(ImportE2E, ImportsASampleCrontabThatValidatesAndTellsItsBadLine) {
  const std::string crontab = dir_ + "/alice.cron", jobs = dir_ + "/jobs.toml",
                    err = dir_ + "/err.txt";
  std::ofstream(crontab) << "# alice's jobs\n"
                            "MAILTO=alice@example.com\n"
                            "CRON_TZ=Asia/Tokyo\n"
                            "PATH=/usr/local/bin:/usr/bin:/bin\n"
                            "\n"
                            "# nightly dump\n"
                            "30 2 * * * pg_dump -f /backups/db-$(date +\\%F).dump app\n"
                            "0 0 1,15 * 5 /usr/local/bin/report.sh\n"
                            "0 4 L * * /usr/local/bin/monthly.sh\n"
                            "@reboot /usr/local/bin/warm-cache\n"
                            "*/10 * * * * mail -s 'ping' alice%hello%world\n";
  const auto run = Shell("cd " + ShellQuote(dir_) + " && " + SURETY_BINARY +
                         " import crontab alice.cron > jobs.toml 2> err.txt");
  EXPECT_EQ(run.rc, 1);
  const std::string told = Read(err);
  EXPECT_NE(told.find("alice.cron:9: cron day-of-month field `L`"), std::string::npos) << told;
  EXPECT_NE(told.find("1 line was not imported; the job file has the other 4 jobs"),
            std::string::npos)
      << told;
  const std::string file = Read(jobs);
  EXPECT_NE(file.find("# alice.cron:9: not imported: 0 4 L * * /usr/local/bin/monthly.sh"),
            std::string::npos)
      << file;

  // As root, a job file must be root's and not writable by others: the
  // shell's redirection made it so.
  const auto valid =
      Shell(std::string(SURETY_BINARY) + " --config " + ShellQuote(jobs) + " validate 2>&1");
  EXPECT_EQ(valid.rc, 0) << valid.out << file;
  EXPECT_NE(valid.out.find("OK — 4 jobs, 1 alert"), std::string::npos) << valid.out;

  // The jobs run at cron's times, in the crontab's zone.
  const auto next = Shell("TZ=UTC " + std::string(SURETY_BINARY) + " --config " + ShellQuote(jobs) +
                          " next pg_dump --json 2>&1");
  EXPECT_EQ(next.rc, 0) << next.out;
  EXPECT_NE(next.out.find("\"next\": \""), std::string::npos) << next.out;
  EXPECT_NE(next.out.find("T17:30:00Z\""), std::string::npos) << next.out;  // 02:30 in Tokyo
}

TEST_F(ImportE2E, OutputRefusesToReplaceAFileWithoutForce) {
  const std::string crontab = dir_ + "/c", jobs = dir_ + "/jobs.toml";
  std::ofstream(crontab) << "0 2 * * * /bin/true\n";
  const std::string line = std::string(SURETY_BINARY) + " import crontab " + ShellQuote(crontab) +
                           " --output " + ShellQuote(jobs);
  EXPECT_EQ(Shell(line + " 2>&1").rc, 0);
  const auto again = Shell(line + " 2>&1");
  EXPECT_EQ(again.rc, 2);
  EXPECT_NE(again.out.find("exists; give --force to replace it"), std::string::npos) << again.out;
  EXPECT_EQ(Shell(line + " --force 2>&1").rc, 0);
  EXPECT_EQ(Shell(std::string(SURETY_BINARY) + " --config " + ShellQuote(jobs) + " validate").rc,
            0);
}

}  // namespace
}  // namespace surety
