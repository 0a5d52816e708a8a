// Fd: owns one file descriptor; and the small descriptor helpers the process
// code shares.
//
// For: src/os only (spawning, the supervisor, the stop signals). Move-only;
// closes on destruction.
//
// Thread-compatible.
#pragma once

#include <utility>

namespace surety {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  void Reset();

 private:
  int fd_ = -1;
};

// Moves fd above 2 so that dup2() onto 0..2 in a child always clears
// close-on-exec (dup2(fd, fd) would not). Takes fd; returns the new one.
int AboveStdio(int fd);

// A close-on-exec pipe, both ends above 2; false (errno set) on failure.
bool MakePipe(Fd* read_end, Fd* write_end);

void SetNonBlocking(int fd);

}  // namespace surety
