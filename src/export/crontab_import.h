// ImportCrontabs: crontab(5) files as a surety job file.
//
// For: `surety import crontab` (cli/import_command.h), which reads the
// files and prints what this makes of them. Each crontab line becomes one
// job that runs when cron would have run it:
//
//  - the five time fields or the @nickname become `schedule` through
//    CronToCalendar (two specs, a list, when cron would OR the day fields);
//    @reboot becomes `on_boot = "0"` (at the first start after the boot);
//  - CRON_TZ (else TZ) becomes the zone of every spec after it
//    (`*-*-* 02:00:00 Europe/Berlin`); TZ also stays in the environment;
//  - MAILTO becomes an email alert `[alerts.mail-…]` the jobs after it name
//    (MAILFROM its sender; `MAILTO=""`: no alert); every other variable
//    (SHELL, PATH, …) goes into the `environment` of the jobs after it;
//  - the command is a shell string, as cron runs it with /bin/sh -c, after
//    cron's `%` rule: `\%` is a `%`, the first other `%` ends the command
//    and the rest is its standard input, each further `%` a line break —
//    written as a here-document the shell reads first;
//  - a system crontab (/etc/crontab, /etc/cron.d/*) has a user column,
//    which becomes `user`; a spool file (/var/spool/cron/crontabs/NAME or
//    /var/spool/cron/NAME) is NAME's, and its jobs get user = NAME;
//  - job names come from the command's program (`backup.sh` → `backup`),
//    lower case, [a-z0-9_-], made unique with -2, -3, …;
//  - comments stay as TOML comments where they were; each job says the
//    file and line it came from.
//
// A line that cannot be converted (Quartz's L W # ?, fields out of range,
// too few fields or a sixth one, an unknown zone, text that is not UTF-8, a
// DOS line end) is refused with its file, line and reason, and the rest is
// still imported. The result is checked with the job file loader before
// it is returned: a job the loader would refuse is refused too, marked as a
// bug of the importer.
//
// Not for: running cron jobs, reading the files (the caller's), or the
// differences by design — overlap, missed runs, mailed output — which the
// output's header comment names (docs/import-crontab.md).
//
// Thread-safety: pure functions; the ZoneDb is the caller's, one call at a
// time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "job/diagnostic.h"
#include "time/zone.h"

namespace surety {

struct CrontabSource {
  std::string name;     // for messages and comments: the path, or "crontab -l"
  std::string text;     // the whole crontab
  bool system = false;  // a user column follows the time fields
  std::string owner;    // the user whose crontab it is, when known: user = owner
};

// A crontab line that was not imported, and why.
struct RefusedLine {
  std::string source;  // CrontabSource::name
  int line = 0;        // 1-based
  std::string reason;
  // "FILE:LINE: reason"
  std::string ToString() const;
};

struct CrontabImport {
  std::string job_file;              // TOML that LoadConfig reads without an error
  std::vector<std::string> jobs;     // the jobs' names, in the order of the lines
  std::vector<RefusedLine> refused;  // in the order of the sources and lines
};

// Whether `path` names a system crontab, whose lines have a user column:
// /etc/crontab, or a file under /etc/cron.d/.
bool IsSystemCrontabPath(std::string_view path);

// The user whose spool crontab `path` is: NAME of /var/spool/cron/crontabs/NAME
// (Debian's cron) or /var/spool/cron/NAME (cronie); nullopt otherwise.
std::optional<std::string> SpoolCrontabOwner(std::string_view path);

// The job file for `sources`, one after the other (names unique across all
// of them; each starts with cron's defaults: no zone, no MAILTO, no
// variables). `local` is the zone a spec without a zone means, for the
// loader's check. An error only when the loader refuses something outside
// the jobs (a bug: nothing is printed then).
Result<CrontabImport> ImportCrontabs(const std::vector<CrontabSource>& sources, ZoneDb& zones,
                                     const Zone& local);

// What the job file loader says about `text` as a job file on its own: its
// errors, in file order (none: it loads). Each names the job it is in, if
// any (Diagnostic::job).
std::vector<Diagnostic> JobFileTextErrors(const std::string& text, ZoneDb& zones,
                                          const Zone& local);

}  // namespace surety
