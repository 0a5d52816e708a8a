// Signal names as systemd spells them: "TERM", "RTMIN+2", without "SIG".
//
// For: exit-status classes in the job file (SuccessExitStatus=TERM), run
// records and messages ("killed by signal KILL"). Pure data: the numbers are
// Linux's.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

namespace surety {

// The name of a signal without "SIG" ("TERM"), or its number as text.
std::string SignalName(int sig);
// Parses "SIGTERM", "TERM", "SIGRTMIN+2" (case-sensitive, as systemd). 0 if not a signal.
int SignalFromName(const std::string& name);

}  // namespace surety
