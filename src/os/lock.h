// JobLock: the per-job lock that makes overlapping runs skip or wait.
//
// A flock(2) on a file in the state directory: the kernel releases it when
// the holder dies, however it dies (kill -9, power loss), so a crashed run
// never leaves a stale lock behind. Move-only RAII owner.
#pragma once

#include <string>

#include "base/status.h"
#include "os/clock.h"

namespace surety {

class JobLock {
 public:
  JobLock() = default;
  JobLock(JobLock&& other) noexcept;
  JobLock& operator=(JobLock&& other) noexcept;
  JobLock(const JobLock&) = delete;
  JobLock& operator=(const JobLock&) = delete;
  ~JobLock();

  bool held() const { return fd_ >= 0; }
  // The locked descriptor, for a child that keeps the lock held while it
  // lives (CommandSpec::inherit_fd); -1 when not held.
  int fd() const { return fd_; }

 private:
  friend class Locker;
  explicit JobLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Takes locks. An interface so runner tests can simulate a held lock.
class Locker {
 public:
  virtual ~Locker() = default;
  // Tries once; kBusy if another process holds it.
  virtual Result<JobLock> TryLock(const std::string& path) = 0;
  // Retries until `wait` has passed; kBusy if still held.
  virtual Result<JobLock> Lock(const std::string& path, Micros wait) = 0;

 protected:
  static JobLock Make(int fd) { return JobLock(fd); }
};

class RealLocker final : public Locker {
 public:
  Result<JobLock> TryLock(const std::string& path) override;
  Result<JobLock> Lock(const std::string& path, Micros wait) override;
};

}  // namespace surety
