#include "base/status.h"

namespace surety {

std::string_view Status::ErrnoText() const {
  switch (code_) {
    case StatusCode::kOk:
      return "Success";
    case StatusCode::kInvalidArgument:
      return "Invalid argument";
    case StatusCode::kOutOfRange:
      return "Numerical result out of range";
    case StatusCode::kTooMany:
      return "No buffer space available";
    case StatusCode::kNotFound:
      return "No such file or directory";
    case StatusCode::kDeadlock:
      return "Resource deadlock avoided";
    case StatusCode::kIoError:
      return "Input/output error";
    case StatusCode::kBusy:
      return "Device or resource busy";
    case StatusCode::kInternal:
      return "Internal error";
    case StatusCode::kCorrupt:
      return "Bad message";
  }
  return "Unknown error";
}

}  // namespace surety
