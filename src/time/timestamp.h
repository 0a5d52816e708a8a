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

#include <string>
#include <string_view>

#include "base/status.h"
#include "os/clock.h"
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
// RFC 3339 in UTC with second resolution: "2026-11-23T00:00:00Z".
std::string FormatRfc3339(Instant t);

}  // namespace surety
