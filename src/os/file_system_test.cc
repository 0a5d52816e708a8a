#include "os/file_system.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

namespace surety {
namespace {

class RealFileSystemTest : public ::testing::Test {
 protected:
  RealFileSystemTest() {
    char tmpl[] = "/tmp/surety-fs-test-XXXXXX";
    char* made = mkdtemp(tmpl);
    EXPECT_NE(made, nullptr);
    dir_ = made ? made : "/tmp";
  }
  ~RealFileSystemTest() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "cannot remove " << dir_;
  }
  std::string Write(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  RealFileSystem fs_;
  std::string dir_;
};

TEST_F(RealFileSystemTest, ReadsAWholeFile) {
  std::string content(200000, 'a');
  content += std::string("\0b", 2);
  std::string path = Write("data", content);
  Result<std::string> read = fs_.ReadFile(path);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, content);
}

TEST_F(RealFileSystemTest, ReadErrorsNameThePath) {
  std::string missing = dir_ + "/missing";
  Result<std::string> read = fs_.ReadFile(missing);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(read.status().message(), "cannot read '" + missing + "': No such file or directory");

  Result<std::string> dir = fs_.ReadFile(dir_);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().message(), "cannot read '" + dir_ + "': Is a directory");
}

TEST_F(RealFileSystemTest, StatReportsTypeSizeModeAndMtime) {
  std::string path = Write("f", "12345");
  chmod(path.c_str(), 0640);
  timespec times[2] = {{1700000000, 123456789}, {1700000000, 123456789}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  Result<FileInfo> info = fs_.Stat(path);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->exists);
  EXPECT_TRUE(info->is_regular);
  EXPECT_FALSE(info->is_directory);
  EXPECT_EQ(info->size, 5u);
  EXPECT_EQ(info->mode, 0640u);
  EXPECT_EQ(info->mtime.time_since_epoch(), Micros{1700000000123456});

  Result<FileInfo> dir = fs_.Stat(dir_);
  ASSERT_TRUE(dir.ok());
  EXPECT_TRUE(dir->is_directory);

  Result<FileInfo> missing = fs_.Stat(dir_ + "/nope/deeper");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->exists);
}

TEST_F(RealFileSystemTest, StatReportsTheOwner) {
  Result<FileInfo> info = fs_.Stat(Write("owned", "x"));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->uid, static_cast<uint32_t>(geteuid()));
  EXPECT_EQ(info->gid, static_cast<uint32_t>(getegid()));
}

TEST_F(RealFileSystemTest, ReadRegularFileReadsThroughSymlinksWithTheOpenFilesInfo) {
  std::string path = Write("job.toml", "[jobs.a]\n");
  chmod(path.c_str(), 0640);
  ASSERT_EQ(symlink(path.c_str(), (dir_ + "/link.toml").c_str()), 0);
  Result<FileContent> read = fs_.ReadRegularFile(dir_ + "/link.toml", 1 << 20);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_EQ(read->data, "[jobs.a]\n");
  EXPECT_TRUE(read->info.is_regular);
  EXPECT_EQ(read->info.mode, 0640u);  // the target's, not the link's
  EXPECT_EQ(read->info.uid, static_cast<uint32_t>(geteuid()));
  EXPECT_EQ(read->info.size, 9u);
}

// `--config /dev/zero` used to eat memory and a FIFO (or an include glob
// matching one) used to hang the loader.
TEST_F(RealFileSystemTest, ReadRegularFileRefusesFifosDevicesAndDirectoriesWithoutBlocking) {
  std::string fifo = dir_ + "/fifo.toml";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  auto start = std::chrono::steady_clock::now();
  Result<FileContent> read = fs_.ReadRegularFile(fifo, 1 << 20);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(), "cannot read '" + fifo + "': a FIFO, not a regular file");

  Result<FileContent> zero = fs_.ReadRegularFile("/dev/zero", 1 << 20);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(),
            "cannot read '/dev/zero': a character device, not a regular file");

  Result<FileContent> dir = fs_.ReadRegularFile(dir_, 1 << 20);
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("a directory, not a regular file"), std::string::npos);

  Result<FileContent> missing = fs_.ReadRegularFile(dir_ + "/missing", 1 << 20);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(RealFileSystemTest, ReadRegularFileCapsTheSize) {
  std::string path = Write("big", std::string(100, 'x'));
  Result<FileContent> over = fs_.ReadRegularFile(path, 99);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(over.status().message(), "cannot read '" + path + "': larger than 99 bytes");
  Result<FileContent> exact = fs_.ReadRegularFile(path, 100);
  ASSERT_TRUE(exact.ok());
  EXPECT_EQ(exact->data.size(), 100u);
}

TEST_F(RealFileSystemTest, CanonicalPathResolvesSymlinksAndDots) {
  std::string path = Write("real.toml", "");
  ASSERT_EQ(mkdir((dir_ + "/sub").c_str(), 0755), 0);
  ASSERT_EQ(symlink(path.c_str(), (dir_ + "/sub/alias.toml").c_str()), 0);
  Result<std::string> real = fs_.CanonicalPath(path);
  ASSERT_TRUE(real.ok());
  EXPECT_EQ(*fs_.CanonicalPath(dir_ + "/sub/alias.toml"), *real);
  EXPECT_EQ(*fs_.CanonicalPath(dir_ + "/sub/.././/real.toml"), *real);
  Result<std::string> missing = fs_.CanonicalPath(dir_ + "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(RealFileSystemTest, Readable) {
  EXPECT_TRUE(fs_.Readable(Write("r", "x")));
  EXPECT_FALSE(fs_.Readable(dir_ + "/missing"));
}

TEST_F(RealFileSystemTest, FreeBytesIsNonZeroAndErrorsNameThePath) {
  Result<uint64_t> free = fs_.FreeBytes(dir_);
  ASSERT_TRUE(free.ok());
  EXPECT_GT(*free, 0u);
  Result<uint64_t> missing = fs_.FreeBytes(dir_ + "/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find(dir_ + "/missing"), std::string::npos);
}

TEST_F(RealFileSystemTest, GlobIsSortedAndEmptyWithoutMatch) {
  Write("b.tar", "");
  Write("a.tar", "");
  Write("C.tar", "");
  Write("a.txt", "");
  Write(".hidden.tar", "");
  std::vector<std::string> tars = fs_.Glob(dir_ + "/*.tar");
  EXPECT_EQ(tars, (std::vector<std::string>{dir_ + "/C.tar", dir_ + "/a.tar", dir_ + "/b.tar"}));
  EXPECT_EQ(fs_.Glob(dir_ + "/?.t*").size(), 4u);
  EXPECT_TRUE(fs_.Glob(dir_ + "/*.zip").empty());
  EXPECT_TRUE(fs_.Glob(dir_ + "/missing/*").empty());
}

TEST_F(RealFileSystemTest, MakeDirsIsMkdirP) {
  std::string deep = dir_ + "/a/b/c";
  ASSERT_TRUE(fs_.MakeDirs(deep, 0700).ok());
  Result<FileInfo> info = fs_.Stat(deep);
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->is_directory);
  EXPECT_EQ(info->mode, 0700u);
  EXPECT_TRUE(fs_.MakeDirs(deep, 0700).ok());        // already there
  EXPECT_TRUE(fs_.MakeDirs(deep + "/", 0700).ok());  // trailing slash

  std::string file = Write("file", "x");
  Status blocked = fs_.MakeDirs(file + "/sub", 0700);
  ASSERT_FALSE(blocked.ok());
  EXPECT_NE(blocked.message().find(file), std::string::npos) << blocked.message();
}

TEST(FakeFileSystemTest, FilesAndImpliedDirectories) {
  FakeFileSystem fs;
  Instant mtime{Micros{1700000000000000}};
  fs.AddFile("/etc/surety/jobs/a.job", "content", 0600, mtime);
  Result<std::string> read = fs.ReadFile("/etc/surety/jobs/a.job");
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, "content");

  Result<FileInfo> info = fs.Stat("/etc/surety/jobs/a.job");
  ASSERT_TRUE(info.ok());
  EXPECT_TRUE(info->is_regular);
  EXPECT_EQ(info->size, 7u);
  EXPECT_EQ(info->mode, 0600u);
  EXPECT_EQ(info->mtime, mtime);

  Result<FileInfo> dir = fs.Stat("/etc/surety");
  ASSERT_TRUE(dir.ok());
  EXPECT_TRUE(dir->is_directory);
  EXPECT_FALSE(fs.Stat("/etc/sure")->exists);  // a prefix, not a directory

  fs.Remove("/etc/surety/jobs/a.job");
  EXPECT_FALSE(fs.Stat("/etc/surety/jobs/a.job")->exists);
}

TEST(FakeFileSystemTest, ErrorsNameThePath) {
  FakeFileSystem fs;
  Result<std::string> missing = fs.ReadFile("/missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "cannot read '/missing': No such file or directory");

  fs.AddFile("/secret", "x");
  fs.SetReadable("/secret", false);
  EXPECT_FALSE(fs.Readable("/secret"));
  EXPECT_EQ(fs.ReadFile("/secret").status().message(), "cannot read '/secret': Permission denied");
  fs.SetReadable("/secret", true);
  EXPECT_TRUE(fs.Readable("/secret"));
  EXPECT_FALSE(fs.Readable("/missing"));
}

TEST(FakeFileSystemTest, GlobWithinOneComponentSorted) {
  FakeFileSystem fs;
  fs.AddFile("/b/x2.tar", "");
  fs.AddFile("/b/x1.tar", "");
  fs.AddFile("/b/sub/x3.tar", "");
  fs.AddFile("/b/.x4.tar", "");
  EXPECT_EQ(fs.Glob("/b/*.tar"), (std::vector<std::string>{"/b/x1.tar", "/b/x2.tar"}));
  EXPECT_EQ(fs.Glob("/b/x?.tar"), (std::vector<std::string>{"/b/x1.tar", "/b/x2.tar"}));
  EXPECT_EQ(fs.Glob("/b/*/*.tar"), (std::vector<std::string>{"/b/sub/x3.tar"}));
  EXPECT_EQ(fs.Glob("/b/*"), (std::vector<std::string>{"/b/sub", "/b/x1.tar", "/b/x2.tar"}));
  EXPECT_TRUE(fs.Glob("/c/*").empty());
}

TEST(FakeFileSystemTest, FifosOwnersStatErrorsAndTheSizeCap) {
  FakeFileSystem fs;
  fs.AddFifo("/etc/surety/fifo.toml");
  Result<FileInfo> fifo = fs.Stat("/etc/surety/fifo.toml");
  ASSERT_TRUE(fifo.ok());
  EXPECT_TRUE(fifo->exists);
  EXPECT_FALSE(fifo->is_regular);
  EXPECT_EQ(fs.ReadRegularFile("/etc/surety/fifo.toml", 100).status().message(),
            "cannot read '/etc/surety/fifo.toml': a FIFO, not a regular file");

  fs.AddFile("/etc/surety/a.toml", "12345", 0640);
  fs.SetOwner("/etc/surety/a.toml", 1000);
  Result<FileContent> read = fs.ReadRegularFile("/etc/surety/a.toml", 5);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->data, "12345");
  EXPECT_EQ(read->info.uid, 1000u);
  EXPECT_EQ(read->info.mode, 0640u);
  EXPECT_EQ(fs.ReadRegularFile("/etc/surety/a.toml", 4).status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(fs.ReadRegularFile("/missing", 4).status().code(), StatusCode::kNotFound);

  fs.SetStatError("/etc/surety/a.toml", Status::Error(StatusCode::kIoError, "Permission denied"));
  EXPECT_EQ(fs.Stat("/etc/surety/a.toml").status().message(), "Permission denied");
  EXPECT_EQ(*fs.CanonicalPath("/etc//surety/./x/../a.toml"), "/etc/surety/a.toml");
}

TEST(FakeFileSystemTest, PathsAreComparedAfterNormalising) {
  FakeFileSystem fs;
  fs.AddFile("/etc/surety/common.toml", "x");
  EXPECT_EQ(*fs.ReadFile("/etc/surety/jobs.d/../common.toml"), "x");
  EXPECT_TRUE(fs.Stat("/etc//surety/./common.toml")->exists);
  EXPECT_TRUE(fs.Stat("/etc/surety/jobs.d/..")->is_directory);
  fs.SetReadable("/etc/./surety/common.toml", false);
  EXPECT_FALSE(fs.Readable("/etc/surety/common.toml"));
}

TEST(FakeFileSystemTest, FreeBytesAndMakeDirs) {
  FakeFileSystem fs;
  fs.SetFreeBytes(12345);
  EXPECT_EQ(*fs.FreeBytes("/anything"), 12345u);
  EXPECT_TRUE(fs.MakeDirs("/a/b", 0700).ok());
}

TEST(PathTest, JoinPath) {
  EXPECT_EQ(JoinPath("a/b", "c"), "a/b/c");
  EXPECT_EQ(JoinPath("a/b/", "c"), "a/b/c");
  EXPECT_EQ(JoinPath("/x", "/abs"), "/abs");
  EXPECT_EQ(JoinPath("", "c"), "c");
  EXPECT_EQ(JoinPath("a", ""), "a");
}

TEST(PathTest, DirName) {
  EXPECT_EQ(DirName("a/b/c"), "a/b");
  EXPECT_EQ(DirName("c"), ".");
  EXPECT_EQ(DirName("/c"), "/");
  EXPECT_EQ(DirName("/"), "/");
  EXPECT_EQ(DirName(""), ".");
  EXPECT_EQ(DirName("a/b/"), "a");
  EXPECT_EQ(DirName("a//b"), "a");
  EXPECT_EQ(DirName("//a"), "/");
}

TEST(PathTest, LexicallyNormal) {
  EXPECT_EQ(LexicallyNormal("/a/./b/../c"), "/a/c");
  EXPECT_EQ(LexicallyNormal("a//b/"), "a/b");
  EXPECT_EQ(LexicallyNormal("a/.."), ".");
  EXPECT_EQ(LexicallyNormal("../a"), "../a");
  EXPECT_EQ(LexicallyNormal("/../a"), "/a");
  EXPECT_EQ(LexicallyNormal("/"), "/");
  EXPECT_EQ(LexicallyNormal(""), ".");
}

}  // namespace
}  // namespace surety
