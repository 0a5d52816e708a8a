// CronToCalendar: the time fields of a crontab line as systemd calendar specs.
//
// For: telling someone who wrote cron syntax where a calendar spec was
// expected what to write instead (calendar_hint.h), and `surety import
// crontab`. Not for: running cron jobs, or reading whole crontab lines (the
// command, the user column of /etc/crontab and environment lines are the
// caller's).
//
// Input: the five fields of crontab(5) — minute hour day-of-month month
// day-of-week — separated by blanks, or one of @yearly, @annually, @monthly,
// @weekly, @daily, @midnight, @hourly. Each field is `*` or a comma list of
// `N`, `N-M`, `*/S`, `N-M/S` and `N/S` (N to the field's end, as the BSD
// crons read it; Vixie cron refuses it); months may be jan..dec, weekdays
// sun..sat (any case), and Sunday is 0 or 7. Values are checked against the
// field's range.
//
// Output: calendar specs in systemd's normalized form ("*-*-* 02:00:00"),
// whose union runs exactly when cron would (in a zone without DST changes;
// around them cron and systemd differ by design). Usually one spec. Two when
// both day fields are restricted: cron then runs when EITHER matches — the
// day of the month or the weekday — while a calendar spec requires both. As
// in Vixie cron and cronie, a day field counts as unrestricted when it
// starts with `*`, so `0 0 */2 * 1` runs on odd days that are Mondays (one
// spec), while `0 0 1-31/2 * 1` runs on odd days and on Mondays (two).
// Cron's @weekly is Sunday midnight, not systemd's Monday.
//
// Refused, with a reason saying why and what to write instead: Quartz and
// cronie extensions with no calendar equivalent or another meaning (`L`,
// `W`, `#`, `?`), @reboot (not a time), six- or seven-field expressions
// (seconds, years), values out of range, downward ranges, steps of 0.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "time/calendar_spec.h"

namespace surety {

// The calendar specs that run when `expression` does, or kInvalidArgument
// with a message that names the offending field.
Result<std::vector<std::string>> CronToCalendar(std::string_view expression);

// True if `text` has the shape of a cron time expression — five blank-
// separated fields of cron's characters, or an @word — whether or not
// CronToCalendar() accepts it. Cheap; used to decide whether to suggest.
bool LooksLikeCron(std::string_view text);

// The other way: a calendar spec as a crontab time expression, for `surety
// export cron` and `export kubernetes`. Exact or refused, never
// approximated: a spec cron cannot express — seconds other than :00, `~`
// (days from the month's end), a year, a zone abbreviation (CET) — is
// kInvalidArgument saying why. A spec restricting both the day of the month
// and the weekday (which cron would OR) gives the day fields for the day of
// the month and `weekdays` for the caller to test in the command.
struct CronExpression {
  std::string fields;    // "30 2 * * 1-5"
  std::string zone;      // "" (the local zone), "UTC" or an IANA name
  std::string weekdays;  // ISO weekday digits (1 = Monday) also required, e.g. "67"; "" for none
};
Result<CronExpression> CalendarToCron(const CalendarSpec& spec);

}  // namespace surety
