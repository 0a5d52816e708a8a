// The real journal writer without journald: it must say so rather than
// drop the entry as libsystemd would. (This build machine has no journald;
// a test that sends for real would need /run/systemd/journal/socket.)
#include "os/journal.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace surety {
namespace {

TEST(IsJournalFieldName, Table) {
  for (const char* good : {"MESSAGE", "PRIORITY", "SURETY_RUN_ID", "A", "X9_"})
    EXPECT_TRUE(IsJournalFieldName(good)) << good;
  for (const char* bad :
       {"", "_PID", "9LIVES", "message", "SURETY-JOB", "SURETY JOB", "MESSAGE=", "\xc3\x84RGER"})
    EXPECT_FALSE(IsJournalFieldName(bad)) << bad;
  EXPECT_TRUE(IsJournalFieldName(std::string(64, 'A')));
  EXPECT_FALSE(IsJournalFieldName(std::string(65, 'A')));
}

class SdJournalWriterTest : public ::testing::Test {
 protected:
  SdJournalWriterTest() {
    char tmpl[] = "/tmp/surety-journal-test-XXXXXX";
    char* made = mkdtemp(tmpl);
    EXPECT_NE(made, nullptr);
    dir_ = made ? made : "/tmp";
  }
  ~SdJournalWriterTest() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(SdJournalWriterTest, NoJournaldIsAnErrorThatSaysSo) {
  const std::string socket = dir_ + "/socket";
  Status st = MakeSdJournalWriter(socket)->Send({{"MESSAGE", "hello"}});
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_EQ(st.message(), "cannot reach journald: " + socket +
                              ": No such file or directory; is systemd-journald running?");
}

TEST_F(SdJournalWriterTest, AFileThatIsNoSocketIsAnError) {
  const std::string socket = dir_ + "/socket";
  std::ofstream(socket) << "not a socket";
  Status st = MakeSdJournalWriter(socket)->Send({{"MESSAGE", "hello"}});
  EXPECT_EQ(st.message(),
            "cannot reach journald: " + socket + " is not a socket; is systemd-journald running?");
}

TEST_F(SdJournalWriterTest, RefusesAFieldJournaldWouldDrop) {
  Status st = MakeSdJournalWriter(dir_ + "/socket")->Send({{"MESSAGE", "x"}, {"_PID", "1"}});
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(st.message(), "not a journal field name: '_PID'");
}

}  // namespace
}  // namespace surety
