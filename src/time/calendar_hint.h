// Calendar hints: for a calendar spec that does not parse, one sentence that
// names what the text probably meant.
//
// For: the error output of `surety calendar` and the job file loader's
// messages. The parser's own reasons describe the grammar ("expected a
// number"); these describe the mistake:
//  * cron syntax — "this looks like cron; the calendar spec is
//    `*-*-* 02:00:00`" (two specs when cron's day-of-month/weekday OR needs
//    them), or "this looks like cron, but ..." with why there is no spec
//    (cron.h);
//  * a zone suffix the tz database does not have — "unknown time zone
//    `Europe/Berln`; did you mean `Europe/Berlin`?", suggesting the closest
//    name (any case, a few edits, or the same city under its area), and no
//    suggestion when nothing is close.
// Not for: deciding whether a spec is valid (ParseCalendarSpec does).
//
// Thread-compatible: the list of zone names is read through the ZoneDb of the
// context, on the error path only, and cached there.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "time/calendar_spec.h"

namespace surety {

// The hint for `spec`, or nullopt when there is nothing better to say than the
// parser's reason. REQUIRES: ctx.zones non-null; spec failed to parse with
// ctx. Does not touch ctx.mktime (surety's own re-parses are no glibc calls).
std::optional<std::string> CalendarHint(std::string_view spec, const CalendarParseContext& ctx);

// What to tell the user about a spec that failed with `parse_error` (the
// Status message): the hint when there is one — it names the real cause —
// else parse_error itself.
std::string ExplainInvalidCalendar(std::string_view spec, std::string_view parse_error,
                                   const CalendarParseContext& ctx);

}  // namespace surety
