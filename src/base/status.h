// Status and Result<T>: expected failures as values.
//
// For: bad input, I/O errors, busy locks, failed children — anything a caller
// must handle. Not for: programmer errors (those assert). No exception crosses
// a module boundary; a function that can fail returns Status or Result<T>.
//
// A Status carries a code and a human message that is ready to print ("file:
// line:col: what is wrong; what would be right"). It is a small value type,
// cheap to copy; thread-compatible.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace surety {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // malformed input (systemd: EINVAL)
  kOutOfRange,       // a number too large or zero where not allowed (ERANGE)
  kTooMany,          // too many list items (ENOBUFS)
  kNotFound,         // no such file, zone, job; or "never" for a schedule
  kDeadlock,         // an iteration cap was hit (EDEADLK)
  kIoError,
  kBusy,
  kInternal,
  kCorrupt,  // stored data that cannot be read as what it should be (EBADMSG)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(StatusCode code, std::string message) {
    assert(code != StatusCode::kOk);
    return Status(code, std::move(message));
  }
  static Status Invalid(std::string message) {
    return Error(StatusCode::kInvalidArgument, std::move(message));
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // The C library's text for the errno this code stands for, as systemd
  // prints it after "%m" ("Invalid argument").
  std::string_view ErrnoText() const;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T> holds either a T or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace surety
