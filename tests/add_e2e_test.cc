// `surety add`: one line adds a job; the rest of the job file stays byte
// for byte, a job that would not load is never written, and the job added
// runs its command exactly as given.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "job_file_fixture.h"

namespace surety {
namespace {

using testing_util::CliResult;
using testing_util::JobFileFixture;

std::string Read(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

class AddE2E : public JobFileFixture {
 protected:
  void SetUp() override {
    JobFileFixture::SetUp();
    WriteConfig(R"(
# Our jobs. This comment, the blank lines and the odd spacing stay.

[jobs.old]
command   = ["true"]    # kept as written
schedule = "weekly"
)");
    before_ = Read(config_);
    chmod(config_.c_str(), 0640);
  }
  size_t Files() {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir_), {}));
  }
  std::string before_;
};

TEST_F(AddE2E, AppendsTheJobKeepsTheRestAndShowsItsNextStarts) {
  const size_t files = Files();
  CliResult r = Surety(
      "add etc --schedule '*-*-* 03:00' --timeout 10min --description 'the /etc archive' -- tar "
      "czf /tmp/etc.tgz /etc");
  ASSERT_EQ(r.rc, 0) << r.out;
  const std::string after = Read(config_);
  ASSERT_EQ(after.compare(0, before_.size(), before_), 0) << after;
  EXPECT_EQ(after.substr(before_.size()),
            "\n[jobs.etc]\ndescription = \"the /etc archive\"\ncommand = [\"tar\", \"czf\", "
            "\"/tmp/etc.tgz\", \"/etc\"]\nschedule = \"*-*-* 03:00\"\ntimeout = \"10min\"\n");
  EXPECT_NE(r.out.find("Adding to " + config_), std::string::npos) << r.out;
  // Its next three starts: three times at 03:00.
  size_t at = 0;
  int shown = 0;
  while ((at = r.out.find("03:00:00", at)) != std::string::npos) {
    ++shown;
    ++at;
  }
  EXPECT_GE(shown, 3) << r.out;
  EXPECT_EQ(Surety("validate").rc, 0);
  struct stat st {};
  ASSERT_EQ(stat(config_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u) << "the file keeps its mode";
  EXPECT_EQ(Files(), files) << "no temporary file left";
}

TEST_F(AddE2E, AJobThatWouldNotLoadIsNeverWritten) {
  const size_t files = Files();
  CliResult bad = Surety("add etc --schedule 'every night' -- true");
  EXPECT_EQ(bad.rc, 2) << bad.out;
  EXPECT_NE(bad.out.find(config_ + ":"), std::string::npos) << "the error names the job file\n"
                                                            << bad.out;
  EXPECT_EQ(bad.out.find(".surety-add."), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("nothing was changed"), std::string::npos) << bad.out;
  EXPECT_EQ(Read(config_), before_);
  EXPECT_EQ(Files(), files);

  CliResult unknown_alert = Surety("add etc --schedule daily --alert nosuch -- true");
  EXPECT_EQ(unknown_alert.rc, 2) << unknown_alert.out;
  EXPECT_EQ(Read(config_), before_);

  CliResult again = Surety("add old --schedule daily -- true");
  EXPECT_EQ(again.rc, 2) << again.out;
  EXPECT_EQ(Read(config_), before_);

  CliResult name = Surety("add 'a b' --schedule daily -- true");
  EXPECT_EQ(name.rc, 2) << name.out;
  EXPECT_NE(name.out.find("is not a job name"), std::string::npos) << name.out;

  CliResult dry = Surety("add etc --dry-run --schedule daily -- true");
  EXPECT_EQ(dry.rc, 0) << dry.out;
  EXPECT_NE(dry.out.find("Would add to"), std::string::npos) << dry.out;
  EXPECT_EQ(Read(config_), before_);
  EXPECT_EQ(Files(), files);
}

TEST_F(AddE2E, TheCommandRunsExactlyAsGiven) {
  CliResult r = Surety(
      R"(add quote -- sh -c 'for a in "$@"; do echo "[$a]"; done' x 'a"b' 'c\d' 'tab	here' '$HOME')");
  ASSERT_EQ(r.rc, 0) << r.out;
  CliResult run = Surety("run quote");
  EXPECT_EQ(run.rc, 0) << run.out;
  // (A command's % fields are strftime's, as in every job: none here.)
  EXPECT_NE(run.out.find("[a\"b]\n[c\\d]\n[tab\there]\n[$HOME]\n"), std::string::npos) << run.out;

  CliResult shell = Surety("add piped --shell -- 'echo one | tr o 0'");
  ASSERT_EQ(shell.rc, 0) << shell.out;
  EXPECT_NE(Surety("run piped").out.find("0ne"), std::string::npos);
}

}  // namespace
}  // namespace surety
