#include "os/lock.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

#include "test_util.h"

namespace surety {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class RealLockerTest : public ::testing::Test {
 protected:
  RealLockerTest() {
    char tmpl[] = "/tmp/surety-lock-test-XXXXXX";
    char* made = mkdtemp(tmpl);
    EXPECT_NE(made, nullptr);
    dir_ = made ? made : "/tmp";
    path_ = dir_ + "/job.lock";
  }
  ~RealLockerTest() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "cannot remove " << dir_;
  }

  RealLocker locker_;
  std::string dir_;
  std::string path_;
};

TEST_F(RealLockerTest, SecondTryLockIsBusyAndNamesTheFile) {
  // Each TryLock opens its own file description, so this conflicts even
  // within one process.
  Result<JobLock> first = locker_.TryLock(path_);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(first->held());
  Result<JobLock> second = locker_.TryLock(path_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy);
  EXPECT_NE(second.status().message().find(path_), std::string::npos) << second.status().message();
}

TEST_F(RealLockerTest, ReleasedOnDestruction) {
  {
    Result<JobLock> lock = locker_.TryLock(path_);
    ASSERT_TRUE(lock.ok());
  }
  EXPECT_TRUE(locker_.TryLock(path_).ok());
}

TEST_F(RealLockerTest, MoveTransfersOwnership) {
  Result<JobLock> lock = locker_.TryLock(path_);
  ASSERT_TRUE(lock.ok());
  JobLock moved = std::move(*lock);
  EXPECT_TRUE(moved.held());
  EXPECT_FALSE(lock->held());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_FALSE(locker_.TryLock(path_).ok());
  JobLock assigned;
  assigned = std::move(moved);
  EXPECT_TRUE(assigned.held());
  EXPECT_FALSE(locker_.TryLock(path_).ok());
  assigned = JobLock();  // releases
  EXPECT_TRUE(locker_.TryLock(path_).ok());
}

TEST_F(RealLockerTest, LockFileIsCreatedPrivate) {
  ASSERT_TRUE(locker_.TryLock(path_).ok());
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(RealLockerTest, MissingDirectoryIsAnErrorNamingThePath) {
  std::string path = dir_ + "/no-such-dir/job.lock";
  Result<JobLock> lock = locker_.TryLock(path);
  ASSERT_FALSE(lock.ok());
  EXPECT_NE(lock.status().code(), StatusCode::kBusy);
  EXPECT_NE(lock.status().message().find(path), std::string::npos);
}

// Lock() returns only once the holder has released, and then with the lock
// (well before its 30 s wait is over). The 300 ms look while the lock is
// still held gives a Lock() that returns early a chance to show it; a slow
// machine can only hide such a bug, not fail a correct Lock().
TEST_F(RealLockerTest, LockWaitsUntilTheHolderReleases) {
  Result<JobLock> held = locker_.TryLock(path_);
  ASSERT_TRUE(held.ok());
  std::atomic<bool> released{false}, returned{false};
  bool returned_after_release = false;
  Result<JobLock> lock = Status::Error(StatusCode::kBusy, "not called");
  std::chrono::steady_clock::time_point returned_at;
  std::thread waiter([&] {
    lock = locker_.Lock(path_, seconds(30));
    returned_at = std::chrono::steady_clock::now();
    returned_after_release = released;
    returned = true;
  });
  EXPECT_FALSE(testing_util::WaitFor([&] { return returned.load(); }, milliseconds(300)))
      << "Lock() returned while the lock was held";
  const auto released_at = std::chrono::steady_clock::now();
  released = true;
  *held = JobLock();
  waiter.join();
  ASSERT_TRUE(lock.ok()) << lock.status().message();
  EXPECT_TRUE(returned_after_release) << "Lock() returned while the lock was held";
  EXPECT_LT(returned_at - released_at, seconds(20)) << "Lock() did not notice the release";
}

TEST_F(RealLockerTest, LockGivesUpAfterTheWait) {
  Result<JobLock> held = locker_.TryLock(path_);
  ASSERT_TRUE(held.ok());
  auto begin = std::chrono::steady_clock::now();
  Result<JobLock> lock = locker_.Lock(path_, milliseconds(200));
  auto took = std::chrono::steady_clock::now() - begin;
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kBusy);
  EXPECT_GE(took, milliseconds(200)) << "gave up before the wait was over";
  EXPECT_LT(took, seconds(10)) << "kept waiting long after the 200 ms wait";
}

TEST_F(RealLockerTest, LockHeldByAKilledProcessIsFreeAgain) {
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(ready[0]);
    RealLocker locker;
    Result<JobLock> lock = locker.TryLock(path_);
    char c = lock.ok() ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1) _exit(2);
    for (;;) pause();
  }
  close(ready[1]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  close(ready[0]);
  ASSERT_EQ(c, 'y');
  EXPECT_EQ(locker_.TryLock(path_).status().code(), StatusCode::kBusy);
  kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_TRUE(locker_.TryLock(path_).ok());
}

}  // namespace
}  // namespace surety
