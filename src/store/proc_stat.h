// ProcStat: the fields of /proc/PID/stat that tell one process from another
// that later got the same pid.
//
// For: the owner identity of run records (owner.cc, ProcessOwnerAlive). Not a
// general /proc parser. Kept apart from owner.cc so the parsing can be tested
// on text without a process.
//
// Thread-safety: plain values and a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace surety {

struct ProcStat {
  char state = '?';         // field 3: R, S, D, Z (zombie), X (dead), …
  uint64_t start_time = 0;  // field 22: clock ticks after boot
};

// Parses the text of /proc/PID/stat. Field 2 (comm) is any 16 bytes in
// parentheses, spaces and ')' included, so fields are counted after the LAST
// ')'. nullopt when the text is malformed.
std::optional<ProcStat> ParseProcStat(std::string_view text);

}  // namespace surety
