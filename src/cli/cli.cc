#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>
#include <sstream>

#include "cli/time_commands.h"

namespace surety {

namespace {

constexpr const char* kVersion = "0.1.0";

constexpr const char* kOverview =
    R"(surety runs scheduled jobs - above all backups - so that you can be sure of them.

It reads schedules exactly as systemd does (OnCalendar=, time zones, DST),
and runs every job through one hardened runner that records and checks
each run.
)";

constexpr const char* kCalendarHelp = R"(
Prints the normalized form of each calendar specification and when it next
elapses, line for line as `systemd-analyze calendar` does (same TZ, same
output), so a schedule can be checked before it is deployed.

Grammar (see systemd.time(7)):
  [WEEKDAYS] [YEAR-]MONTH-DAY [HOUR:MINUTE[:SECOND]] [TIMEZONE]
  WEEKDAYS  Mon,Wed  Mon..Fri  (full or 3-letter names, any case)
  values    *  5  1,15  1..5  0/15  10..50/10     ~ counts days back
            from the end of the month: *-*~01 is the last day
  shorthands minutely hourly daily weekly monthly quarterly
            semiannually yearly
  TIMEZONE  UTC or an IANA name such as Europe/Berlin

Examples:
  surety calendar daily
  surety calendar --iterations=5 'Mon..Fri *-*-* 02:30'
  surety calendar --base-time='2025-03-30 01:30:00' '*-*-* 02:30 Europe/Berlin'
  TZ=America/New_York surety calendar 'Sat *-*~07..01 03:00'

Exit status: 0 when every spec is valid, 1 otherwise (the other specs are
still shown), 2 for usage errors.)";

constexpr const char* kTimespanHelp = R"(
Parses each time span and prints it in microseconds and in normalized form,
line for line as `systemd-analyze timespan` does. Spans are what timeouts,
delays and accuracies take in the job file.

Units: us ms s min h d w M(onth) y, with long forms (seconds, minutes,
hours, days, weeks, months, years); terms add up; a bare number is seconds;
`infinity` means no limit.

Examples:
  surety timespan '5min 30s' 1h30m '2 weeks' 100ms infinity
  surety timespan --json 90

Exit status: 0 when all spans parse, 1 at the first one that does not.)";

struct Subcommand {
  const char* name;
  const char* summary;
  std::function<CLI::App*(CLI::App&, std::function<int()>*)> setup;
};

}  // namespace

int RunCli(const std::vector<std::string>& args, Services& sv) {
  CLI::App app(kOverview, "surety");
  app.set_version_flag("--version", std::string("surety ") + kVersion);
  app.require_subcommand(0, 1);
  app.footer(
      "Run 'surety COMMAND --help' for a command's options and examples.\n"
      "Documentation: docs/ in the source tree.");

  std::function<int()> action;

  CalendarOptions cal;
  auto* c = app.add_subcommand("calendar", "Normalize calendar specs and show their next elapses");
  c->footer(kCalendarHelp);
  c->add_option("--iterations", cal.iterations, "Show this many next elapses (default 1)")
      ->check(CLI::Range(1u, 1000000u));
  c->add_option("--base-time", cal.base_time,
                "Compute from this instant instead of now: "
                "'2025-03-30 01:30:00', '... UTC', '... Europe/Berlin', "
                "@EPOCH, today, tomorrow, +5min");
  c->add_flag("--json", cal.json, "Print a JSON array for scripts");
  c->add_option("SPEC", cal.specs, "Calendar specifications")->required();
  c->callback([&] { action = [&] { return RunCalendar(cal, sv); }; });

  TimespanOptions ts;
  auto* t = app.add_subcommand("timespan", "Parse time spans and show them normalized");
  t->footer(kTimespanHelp);
  t->add_flag("--json", ts.json, "Print a JSON array for scripts");
  t->add_option("SPAN", ts.spans, "Time spans")->required();
  t->callback([&] { action = [&] { return RunTimespan(ts, sv); }; });

  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    sv.out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp& e) {
    sv.out << app.help("", CLI::AppFormatMode::All);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    sv.out << e.what() << '\n';
    return 0;
  } catch (const CLI::ParseError& e) {
    // --help on a subcommand arrives here as CallForHelp of that subcommand.
    if (e.get_exit_code() == 0) {
      for (auto* sub : app.get_subcommands()) {
        sv.out << sub->help();
        return 0;
      }
      sv.out << app.help();
      return 0;
    }
    sv.err << "surety: " << e.what() << "\nRun 'surety --help' for usage.\n";
    return 2;
  }
  if (!action) {
    sv.out << app.help();
    return 2;
  }
  return action();
}

}  // namespace surety
