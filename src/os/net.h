// Connector: TCP reachability for preflight checks.
//
// Thread-safety: RealConnector is thread-safe.
#pragma once

#include <string>

#include "base/status.h"
#include "os/clock.h"

namespace surety {

class Connector {
 public:
  virtual ~Connector() = default;
  // Opens and closes a TCP connection to host:port within `timeout`.
  virtual Status Connect(const std::string& host, int port, Micros timeout) = 0;
};

class RealConnector final : public Connector {
 public:
  Status Connect(const std::string& host, int port, Micros timeout) override;
};

}  // namespace surety
