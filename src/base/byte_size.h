// Byte sizes as people write them in the job file and read them in messages.
//
// For: preflight free space, artifact sizes (min_size), any size a job file
// names. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace surety {

// Parses "5G", "500M", "1.5T", "100k", "123" (bytes) with binary multiples
// K M G T P (also "k", "KiB", "KB", a plain "B"; a blank before the unit is
// allowed). Fractions round down to whole bytes; a fraction of a byte,
// negatives, overflow and anything else are nullopt.
std::optional<uint64_t> ParseByteSize(const std::string& text);
// "1.2G" style for messages: exact multiples as integers ("5G"), one
// decimal below 10 units ("1.2G"), rounded whole units above ("12K").
std::string FormatByteSize(uint64_t bytes);

}  // namespace surety
