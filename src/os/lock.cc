// RealLocker: flock(2) on a lock file; JobLock owns the descriptor.
#include "os/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <utility>

#include "base/strings.h"

namespace surety {

namespace {

constexpr auto kRetryInterval = std::chrono::milliseconds(75);

Status BusyStatus(const std::string& path) {
  return Status::Error(StatusCode::kBusy,
                       "lock file '" + path + "' is held by another run of this job");
}

}  // namespace

JobLock::JobLock(JobLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

JobLock& JobLock::operator=(JobLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

JobLock::~JobLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock with the open file description
}

Result<JobLock> RealLocker::TryLock(const std::string& path) {
  int fd;
  do {
    // O_NOFOLLOW: a symlink planted where the lock file goes is refused,
    // never followed to create or truncate a file someone else chose.
    fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int err = errno;
    return Status::Error(err == ENOENT ? StatusCode::kNotFound : StatusCode::kIoError,
                         "cannot open lock file '" + path + "': " + SystemErrorText(err));
  }
  int rc;
  do {
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
    int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) return BusyStatus(path);
    return Status::Error(StatusCode::kIoError,
                         "cannot lock '" + path + "': " + SystemErrorText(err));
  }
  return Make(fd);
}

Result<JobLock> RealLocker::Lock(const std::string& path, Micros wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    Result<JobLock> lock = TryLock(path);
    if (lock.ok() || lock.status().code() != StatusCode::kBusy) return lock;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return Status::Error(StatusCode::kBusy, lock.status().message() + " (waited " +
                                                  std::to_string(wait.count() / 1000) + " ms)");
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(kRetryInterval, deadline - now));
  }
}

}  // namespace surety
