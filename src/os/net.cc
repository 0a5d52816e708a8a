#include "os/net.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>

#include "base/strings.h"

namespace surety {

namespace {

// Owns one socket for the duration of one connection attempt.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Owns a getaddrinfo() answer.
class AddrInfo {
 public:
  AddrInfo() = default;
  AddrInfo(const AddrInfo&) = delete;
  AddrInfo& operator=(const AddrInfo&) = delete;
  ~AddrInfo() {
    if (list_) ::freeaddrinfo(list_);
  }
  addrinfo** out() { return &list_; }
  const addrinfo* get() const { return list_; }

 private:
  addrinfo* list_ = nullptr;
};

// "127.0.0.1:22", "[::1]:22".
std::string AddressText(const addrinfo* ai) {
  char buf[INET6_ADDRSTRLEN] = "?";
  int port = 0;
  if (ai->ai_family == AF_INET) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
    ::inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf);
    port = ntohs(sin->sin_port);
    return std::string(buf) + ":" + std::to_string(port);
  }
  if (ai->ai_family == AF_INET6) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
    ::inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf);
    port = ntohs(sin6->sin6_port);
    return "[" + std::string(buf) + "]:" + std::to_string(port);
  }
  return "address of family " + std::to_string(ai->ai_family);
}

std::string FormatTimeout(Micros timeout) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

using SteadyClock = std::chrono::steady_clock;

// One non-blocking connect to `ai`, waiting at most until `deadline`.
// Returns 0 on success, an errno value, or ETIMEDOUT.
int ConnectOne(const addrinfo* ai, SteadyClock::time_point deadline) {
  Socket sock(
      ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol));
  if (sock.get() < 0) return errno;
  if (::connect(sock.get(), ai->ai_addr, ai->ai_addrlen) == 0) return 0;
  if (errno != EINPROGRESS && errno != EINTR) return errno;
  for (;;) {
    auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return ETIMEDOUT;
    pollfd pfd{sock.get(), POLLOUT, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), INT32_MAX)));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return ETIMEDOUT;
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
  }
}

}  // namespace

Status RealConnector::Connect(const std::string& host, int port, Micros timeout) {
  if (port < 1 || port > 65535) {
    return Status::Invalid("port " + std::to_string(port) + " is not in 1-65535");
  }
  if (host.empty()) return Status::Invalid("empty host name");

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  AddrInfo addrs;
  const std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, addrs.out());
  if (rc != 0) {
    std::string why = rc == EAI_SYSTEM ? SystemErrorText(errno) : ::gai_strerror(rc);
    return Status::Error(StatusCode::kNotFound, "cannot resolve " + host + ": " + why);
  }

  const auto deadline = SteadyClock::now() + timeout;
  std::string errors;
  int tried = 0;
  for (const addrinfo* ai = addrs.get(); ai; ai = ai->ai_next) {
    ++tried;
    int err = ConnectOne(ai, deadline);
    if (err == 0) return Status::Ok();
    if (!errors.empty()) errors += "; ";
    errors += AddressText(ai) + ": ";
    errors +=
        err == ETIMEDOUT ? "no answer within " + FormatTimeout(timeout) : SystemErrorText(err);
    if (SteadyClock::now() >= deadline) break;
  }
  if (tried == 0) {
    return Status::Error(StatusCode::kNotFound, "cannot resolve " + host + ": no addresses");
  }
  return Status::Error(StatusCode::kIoError, errors);
}

}  // namespace surety
