// Atomic writes of small files: WriteFileAtomic replaces, WriteNewFileAtomic
// never does, and neither leaves its temporary file behind.
#include "os/system.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace surety {
namespace {

class AtomicWriteTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/surety-write-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Read(const std::string& path) {
    std::stringstream s;
    s << std::ifstream(path).rdbuf();
    return s.str();
  }
  size_t Entries() {
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir_), {}));
  }
  std::string dir_;
};

TEST_F(AtomicWriteTest, WriteNewFileAtomicCreatesButNeverReplaces) {
  const std::string path = dir_ + "/jobs.toml";
  ASSERT_TRUE(WriteNewFileAtomic(path, "first\n", 0600).ok());
  EXPECT_EQ(Read(path), "first\n");
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);

  Status again = WriteNewFileAtomic(path, "second\n", 0600);
  EXPECT_FALSE(again.ok());
  EXPECT_EQ(again.message(), path + " exists; it was left as it was");
  EXPECT_EQ(Read(path), "first\n");
  EXPECT_EQ(Entries(), 1u);  // no temporary file left

  // Not through a symlink either, even a dangling one.
  const std::string link = dir_ + "/link";
  std::filesystem::create_symlink(dir_ + "/nowhere", link);
  EXPECT_FALSE(WriteNewFileAtomic(link, "x", 0600).ok());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/nowhere"));

  Status missing = WriteNewFileAtomic(dir_ + "/no/such/dir/f", "x", 0600);
  EXPECT_FALSE(missing.ok());
}

TEST_F(AtomicWriteTest, WriteFileAtomicReplaces) {
  const std::string path = dir_ + "/state.json";
  ASSERT_TRUE(WriteFileAtomic(path, "old", 0644).ok());
  ASSERT_TRUE(WriteFileAtomic(path, "new", 0644).ok());
  EXPECT_EQ(Read(path), "new");
  EXPECT_EQ(Entries(), 1u);
}

// `--output /dev/null` once turned /dev/null into a regular file: a rename
// replaces whatever has the name. A device, a pipe or a directory is left
// alone and the write refused.
TEST_F(AtomicWriteTest, WriteFileAtomicNeverReplacesADeviceOrAPipe) {
  const std::string fifo = dir_ + "/pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  Status s = WriteFileAtomic(fifo, "x", 0644);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("is not a regular file"), std::string::npos) << s.message();
  EXPECT_TRUE(std::filesystem::is_fifo(fifo));
  EXPECT_FALSE(WriteFileAtomic("/dev/null", "x", 0644).ok());
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
  EXPECT_FALSE(WriteFileAtomic(dir_, "x", 0644).ok());
  EXPECT_EQ(Entries(), 1u);  // no temporary file left
}

}  // namespace
}  // namespace surety
