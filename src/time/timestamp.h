// Timestamps: parsing what `--base-time=` accepts, and printing instants the
// way systemd prints them.
//
// For: the CLI's time arguments and every human-readable instant surety
// prints ("Mon 2026-11-23 00:00:00 CET", "1 day 19h left").
//
// Parsing follows systemd 252's parse_timestamp(): "@EPOCH[.frac]",
// "now", "+SPAN", "-SPAN", "SPAN ago", "SPAN left", "today", "yesterday",
// "tomorrow", an optional weekday, "[YY]YY-MM-DD [HH:MM[:SS[.frac]]]",
// "HH:MM[:SS]", syslog-style "Mon DD HH:MM:SS", each optionally followed by
// " UTC", a local zone abbreviation, or an IANA zone name. (systemd 252's
// command line rejects the IANA suffix through a bug; surety accepts it.)
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/instant.h"
#include "base/status.h"
#include "time/zone.h"

namespace surety {

struct TimestampContext {
  Instant now;
  const Zone* local = nullptr;    // REQUIRES: non-null
  ZoneDb* zones = nullptr;        // REQUIRES: non-null
  MktimeState* mktime = nullptr;  // REQUIRES: non-null; updated as glibc's
};

Result<Instant> ParseTimestamp(std::string_view text, const TimestampContext& ctx);

// "Mon 2026-11-23 00:00:00 CET": second resolution, in `zone`.
std::string FormatTimestamp(Instant t, const Zone& zone);
// "Mon 2026-11-23 00:00:00 UTC".
std::string FormatTimestampUtc(Instant t);
// "1 day 19h left", "3min 5s ago", "now".
std::string FormatRelative(Instant t, Instant now);

// The same three appended to `out`.
void AppendTimestamp(std::string& out, Instant t, const Zone& zone);
void AppendTimestampUtc(std::string& out, Instant t);
void AppendRelative(std::string& out, Instant t, Instant now);

// The same three written to [p, end) for loops that print many (`surety
// calendar --iterations=N`): no allocation, no printf. Each returns the end
// of what it wrote, or nullptr when the room is too small — then [p, end)
// holds garbage and the caller retries with more. WriteRelative() never
// needs more than kRelativeMax bytes; the timestamps need about 40 plus the
// zone abbreviation.
inline constexpr std::ptrdiff_t kRelativeMax = 64;
char* WriteTimestamp(char* p, char* end, Instant t, const Zone& zone);
char* WriteTimestampUtc(char* p, char* end, Instant t);
char* WriteRelative(char* p, char* end, Instant t, Instant now);
// RFC 3339 in UTC with second resolution: "2026-11-23T00:00:00Z".
std::string FormatRfc3339(Instant t);

}  // namespace surety
