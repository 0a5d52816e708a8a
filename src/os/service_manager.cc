#include "os/service_manager.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace surety {

// The sd_notify protocol: one datagram to the AF_UNIX socket named by
// $NOTIFY_SOCKET ("@name" is in the abstract namespace). Written here rather
// than linking libsystemd, which would load a dozen more libraries into
// every `surety run`.
void NotifySystemd(const std::string& state) {
  const char* path = getenv("NOTIFY_SOCKET");  // NOLINT: src/os reads the environment
  if (!path || !*path) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  size_t len = strlen(path);
  if (len >= sizeof addr.sun_path) return;
  memcpy(addr.sun_path, path, len);
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  (void)sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr),
               addr_len);
  close(fd);
}

std::optional<Micros> WatchdogInterval() {
  const char* usec = getenv("WATCHDOG_USEC");  // NOLINT
  if (!usec || !*usec) return std::nullopt;
  if (const char* pid = getenv("WATCHDOG_PID"); pid && *pid && strtol(pid, nullptr, 10) != getpid())
    return std::nullopt;
  long long v = strtoll(usec, nullptr, 10);  // saturates on overflow; no exception
  if (v <= 0) return std::nullopt;
  return Micros{v};
}

}  // namespace surety
