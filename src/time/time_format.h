// ExpandTimeFormat: strftime's conversions at one instant in one zone.
//
// For: artifact paths (`verify.path = "/backups/db-%Y-%m-%d.dump"`) and the
// arguments of a list command, expanded at run start with one instant, so
// that the file the command writes and the file verify checks have the same
// name. In-process and in the C locale, with the zone adapter's fields (no
// TZ juggling, no locale): %Y %m %d %H %M %S %y %j %a %A %b %B %h %e %F %T
// %s %Z %z %%. Any other conversion is left as written.
//
// Thread-safety: a pure function of its arguments.
#pragma once

#include <string>

#include "base/instant.h"
#include "time/zone.h"

namespace surety {

std::string ExpandTimeFormat(const std::string& pattern, Instant when, const Zone& zone);

}  // namespace surety
