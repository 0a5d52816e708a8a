// PinStateDir: the directory it checks is the one it opened, and what it
// returns is that directory's real path; as root, a directory others own or
// may write is refused, there and above it.
#include "os/state_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace surety {
namespace {

class PinStateDirTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/surety-statedir-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(PinStateDirTest, CreatesAMissingDirectoryOwnerOnlyAndReturnsItsRealPath) {
  auto pinned = PinStateDir(dir_ + "/a/b/state", /*create=*/true, geteuid() == 0);
  ASSERT_TRUE(pinned.ok()) << pinned.status().message();
  EXPECT_TRUE(pinned->created);
  EXPECT_EQ(pinned->real_path, dir_ + "/a/b/state");
  struct stat st {};
  ASSERT_EQ(stat(pinned->real_path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto missing = PinStateDir(dir_ + "/none", /*create=*/false, false);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

// The path named holds a symlink; what is used afterwards does not: once
// pinned, swapping the link changes nothing.
TEST_F(PinStateDirTest, ASymlinkedStateDirIsUsedByItsRealPath) {
  ASSERT_EQ(mkdir((dir_ + "/real").c_str(), 0700), 0);
  ASSERT_EQ(symlink((dir_ + "/real").c_str(), (dir_ + "/link").c_str()), 0);
  auto pinned = PinStateDir(dir_ + "/link", false, geteuid() == 0);
  ASSERT_TRUE(pinned.ok()) << pinned.status().message();
  EXPECT_EQ(pinned->real_path, dir_ + "/real");
}

// As root: a state directory someone else owns — which a swapped symlink in
// a sticky directory could point at — is refused, by what was opened.
TEST_F(PinStateDirTest, AsRootADirectoryAnotherUserOwnsIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "ownership rules apply to root only";
  const std::string theirs = dir_ + "/theirs";
  ASSERT_EQ(mkdir(theirs.c_str(), 0700), 0);
  ASSERT_EQ(chown(theirs.c_str(), 65534, 65534), 0);
  ASSERT_EQ(symlink(theirs.c_str(), (dir_ + "/state").c_str()), 0);
  auto pinned = PinStateDir(dir_ + "/state", true, true);
  ASSERT_FALSE(pinned.ok());
  EXPECT_EQ(pinned.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pinned.status().message().find("is owned by uid 65534"), std::string::npos)
      << pinned.status().message();

  const std::string open = dir_ + "/open";
  ASSERT_EQ(mkdir(open.c_str(), 0700), 0);
  ASSERT_EQ(chmod(open.c_str(), 0777), 0);
  auto writable = PinStateDir(open, false, true);
  ASSERT_FALSE(writable.ok());
  EXPECT_NE(writable.status().message().find("may be written by others (mode 0777)"),
            std::string::npos)
      << writable.status().message();

  // Above the state directory: world-writable without the sticky bit is
  // refused (anyone could rename the state directory away); sticky is fine.
  const std::string parent = dir_ + "/parent";
  ASSERT_EQ(mkdir(parent.c_str(), 0755), 0);
  ASSERT_EQ(mkdir((parent + "/state").c_str(), 0700), 0);
  ASSERT_EQ(chmod(parent.c_str(), 0777), 0);
  EXPECT_FALSE(PinStateDir(parent + "/state", false, true).ok());
  ASSERT_EQ(chmod(parent.c_str(), 01777), 0);
  EXPECT_TRUE(PinStateDir(parent + "/state", false, true).ok());
}

}  // namespace
}  // namespace surety
