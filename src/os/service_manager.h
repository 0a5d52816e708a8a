// The service manager's notification protocol (sd_notify), without libsystemd.
//
// For: `surety daemon` under systemd (Type=notify, WatchdogSec=): READY=1
// once it schedules, STOPPING=1 on a stop request, WATCHDOG=1 while it
// lives. A no-op when NOTIFY_SOCKET is unset.
//
// Thread-safety: thread-safe (one datagram per call).
#pragma once

#include <optional>
#include <string>

#include "os/clock.h"

namespace surety {

// systemd's sd_notify (READY=1, WATCHDOG=1, STATUS=…) when NOTIFY_SOCKET is
// set; a no-op otherwise. Returns the watchdog interval if one is asked for.
void NotifySystemd(const std::string& state);
std::optional<Micros> WatchdogInterval();

}  // namespace surety
