#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <functional>
#include <ostream>
#include <sstream>

#include "base/strings.h"
#include "cli/add_command.h"
#include "cli/completion.h"
#include "cli/export_command.h"
#include "cli/health_commands.h"
#include "cli/import_command.h"
#include "cli/job_commands.h"
#include "cli/serve_command.h"
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
  TZ=America/New_York surety calendar 'Sat *-*~01..07 03:00'

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

constexpr const char* kValidateHelp = R"(
Loads the job file (and every --config file and include) and checks all of
it: unknown keys (with the key you probably meant), types, time spans,
calendar specs (with the parser's reason), alert names, exit-status classes
that overlap, secrets in world-readable files. Every problem is reported as
FILE:LINE:COLUMN: what is wrong and what would be right.

Examples:
  surety validate
  surety validate --config /etc/surety/surety.toml --config ./override.toml
  surety validate --json

Exit status: 0 valid, 2 on any error.)";

constexpr const char* kRunHelp = R"(
Runs one job now through the hardened runner, exactly as a scheduled run:
record the run → preflight (re-checked until preflight.wait) → lock (overlap
skip/wait) → run with the timeout (which stops the whole process tree) →
classify the exit (success / warning / already done / failed) → retry →
verify the artifact → record the result → alert on failure.

The job's output is passed through to stdout; logs go to stderr. On a
terminal, surety says what it waits for (the lock, a preflight condition)
and ends with one line saying how the run went; structured log lines show
only warnings and errors there unless --log-level says otherwise. Elsewhere
(cron, systemd, the daemon) every event is logged at its level: failures
and timeouts at error, warnings and retries at warning, the rest at info.

Examples:
  surety run db
  surety run db --log-level=info             # every event, also on a terminal
  surety --quiet run db                      # errors only, no summary line
  surety run db --trigger=schedule --log-format=json

Exit status: 0 success, warning or already done; 75 skipped (already
running); 1 failed; 3 preflight failed; 4 verification failed; 5 timeout;
6 interrupted; 2 usage or configuration error.)";

constexpr const char* kHistoryHelp = R"(
Shows the recorded runs of a job, newest first; without a job, the latest
runs of every job (with a JOB column). Runs whose runner died (kill -9,
power loss) are shown as interrupted, never as running forever.

The table shows ID, STARTED (local time), DURATION, RESULT, EXIT (exit
status or SIG...), TRY (attempts), TRIGGER (manual, schedule, catchup,
boot) and MESSAGE; a run whose alert could not be delivered is marked. --json prints an array of run records: id, job,
trigger, host, started_at, finished_at (RFC 3339, UTC; null while running),
duration_ms, attempts, exit_code, signal, result, message, output_tail,
artifact_path, artifact_size, alert_status (docs/run-records.md).

Exit status: 0 (also when the job has no runs yet), 2 for a usage error,
an unknown job or a job file that does not load, 1 if the history cannot
be read.

Examples:
  surety history                 # the latest 20 runs of all jobs
  surety history db
  surety history db --limit 100
  surety history db --json | jq '.[0].result')";

// Everything the command table fills in.
struct Parsed {
  GlobalOptions global;
  ValidateOptions val;
  RunOptions run;
  DaemonCliOptions dmn;
  NextOptions nxt;
  HistoryOptions hist;
  CalendarOptions cal;
  TimespanOptions ts;
  OutboxOptions box;
  StatusOptions st;
  CheckOptions chk;
  MetricsOptions met;
  ServeOptions srv;
  ExportOptions exp;
  AddOptions add;
  InstallOptions inst;
  CompletionOptions comp;
  std::function<int()> action;
};

void AddValidate(CLI::App& app, Parsed& p, Services& sv) {
  auto* v = app.add_subcommand("validate", "Check the job file and report every problem");
  v->footer(kValidateHelp);
  v->add_flag("--json", p.val.json, "Print the diagnostics as JSON");
  v->callback([&] { p.action = [&] { return RunValidate(p.global, p.val, sv); }; });
}

void AddRun(CLI::App& app, Parsed& p, Services& sv) {
  auto* r = app.add_subcommand("run", "Run a job now through the hardened runner");
  r->footer(kRunHelp);
  r->add_option("JOB", p.run.job, "The job's name ([jobs.NAME])")->required();
  r->add_option("--trigger", p.run.trigger, "Why it runs: manual, schedule, catchup or boot")
      ->check(CLI::IsMember({"manual", "schedule", "catchup", "boot"}));
  r->add_flag("--tag-output", p.run.tag_output,
              "Label each line of the job's output with the job (as the daemon's runs do)");
  r->callback([&] { p.action = [&] { return RunRun(p.global, p.run, sv); }; });
}

void AddDaemon(CLI::App& app, Parsed& p, Services& sv) {
  auto* dm = app.add_subcommand("daemon", "Run the embedded scheduler in the foreground");
  dm->footer(R"(
Schedules every job of the job file with systemd's timer semantics
(schedule/OnCalendar=, persistent catch-up, randomized_delay,
fixed_random_delay, accuracy, on_boot, on_startup, interval) and starts each
due run as 'surety run JOB --trigger=...', so scheduled runs get every
guarantee of the runner. For containers (works as PID 1) and hosts without
systemd; logs go to stderr.

Signals: SIGHUP reloads the job file (a bad file is reported and the running
set is kept). SIGTERM/SIGINT stop scheduling; running jobs get
--shutdown-grace to finish, then each is stopped by its own runner (SIGTERM
to its process tree, SIGKILL after its kill_grace; recorded interrupted);
what is left after that is killed, and the daemon exits 0. A second
SIGTERM skips to the next step. With --leave-runs the daemon exits at once
and running jobs finish on their own: a restart (an upgrade) then kills no
backup, and the next daemon, seeing their locks held, starts no second run.

At most [settings] max_running runs run at once (default: 4 per processor,
at least 8); runs due beyond that wait their turn in the order they came
due, each delay logged.

Health: every --check-every (1min) the daemon runs 'surety check --alert'
when any job has alerts, so a job that stops happening, hangs or breaks is
told without waiting for a run of it; STATE_DIR/daemon.json is its
heartbeat, which 'surety check' reads. With --listen it also runs 'surety
serve' on that address (restarted if it dies).

Examples:
  surety daemon --config /etc/surety/surety.toml
  surety daemon --config /etc/surety/surety.toml --listen 127.0.0.1:9724
  surety daemon --config examples/demo.toml --log-format=json)");
  dm->add_option("--shutdown-grace", p.dmn.shutdown_grace,
                 "How long running jobs get to finish on SIGTERM before they are stopped "
                 "(default 10s)");
  dm->add_flag("--leave-runs", p.dmn.leave_runs,
               "On SIGTERM, exit at once and let running jobs finish on their own");
  dm->add_option("--check-every", p.dmn.check_every,
                 "How often every job's health is evaluated and changes alerted, when any job "
                 "has alerts (default 1min)");
  dm->add_option("--listen", p.dmn.listen,
                 "Also serve the status pages, /metrics, /status.json and /healthz on ADDR:PORT "
                 "(loopback unless "
                 "told otherwise; see surety serve --help)");
  dm->add_option("--token-file", p.dmn.token_file,
                 "With --listen: require 'Authorization: Bearer TOKEN', the token in this file "
                 "(needed beyond loopback)")
      ->type_name("FILE");
  dm->callback([&] { p.action = [&] { return RunDaemonCommand(p.global, p.dmn, sv); }; });
}

void AddNext(CLI::App& app, Parsed& p, Services& sv) {
  auto* nx = app.add_subcommand("next", "Show when jobs run next (random delays included)");
  nx->footer(R"(
Shows each job's next start as the daemon computes it: calendar schedule,
persistent catch-up, interval, boot delays, and the fixed per-machine delay
of fixed_random_delay (a plain randomized_delay is drawn anew each time and
shown as a range). With a running daemon, its armed time is shown too.

Examples:
  surety next
  surety next db --count 5
  surety next --json)");
  nx->add_option("JOB", p.nxt.jobs, "Jobs to show (default: all)");
  nx->add_option("--count", p.nxt.count, "How many future starts (default 1)")
      ->check(CLI::Range(1, 10000));
  nx->add_flag("--json", p.nxt.json, "Print JSON for scripts");
  nx->callback([&] { p.action = [&] { return RunNext(p.global, p.nxt, sv); }; });
}

void AddStatus(CLI::App& app, Parsed& p, Services& sv) {
  auto* s = app.add_subcommand("status", "Show every job's next and last run, result and health");
  s->footer(R"(
One line per job, like systemctl list-timers: NEXT and LEFT (the next
elapse, without the random delay), LAST and PASSED (the newest run's
start), RESULT (the newest finished run's), LAST SUCCESS, HEALTH and JOB.
On a terminal a summary follows, with a sentence for each job at fault.

HEALTH is the first of these that holds (docs/health.md): broken (the
job's definition has an error), stuck (running past its longest possible
run, or its runner died), failing (the last run failed), overdue (no run
started since an elapse whose deadline — elapse + randomized_delay +
accuracy + grace, 1h by default — has passed), warning, running, pending
(new, first deadline not reached), ok.

Examples:
  surety status
  surety status db --json | jq '.[0].health'

Exit status: 0; 1 when the history cannot be read; 2 for an unknown job.)");
  s->add_option("JOB", p.st.jobs, "Jobs to show (default: all)");
  s->add_flag("--json", p.st.json, "Print every field as JSON");
  s->callback([&] { p.action = [&] { return RunStatus(p.global, p.st, sv); }; });
}

void AddCheck(CLI::App& app, Parsed& p, Services& sv) {
  auto* c = app.add_subcommand("check", "Nagios/Icinga plugin: are all jobs healthy?");
  c->footer(R"(
Prints one line — SURETY OK/WARNING/CRITICAL/UNKNOWN, the jobs at fault,
performance data — then a line per job at fault, and exits with the
plugin status: 0 OK, 1 WARNING (a job's last run was a warning, alert
deliveries keep failing), 2 CRITICAL (a job broken, stuck, failing or
overdue; the job file has errors; the daemon that ran here stopped
heart-beating), 3 UNKNOWN (the history cannot be read, no jobs). Never OK
when something could not be read.

Run it from your monitoring, or from a timer every few minutes: it catches
jobs that stopped happening even when nothing runs them any more.

With --alert it also tells each job's alerts when its health changes: into
broken, stuck or overdue (failed runs the runner tells itself), a reminder
every 24 h while that lasts, and one recovery when it ends. What was told
is kept in STATE_DIR/alert-state/, so running it every few minutes — or
the daemon, which runs it every minute — never repeats an alert; each
carries an idempotency key and goes through the outbox. With --quiet it
prints nothing while all is OK.

Examples:
  surety check
  surety check db --json
  surety --quiet check --alert       # from a timer every 5 minutes)");
  c->add_option("JOB", p.chk.jobs, "Jobs to check (default: all)");
  c->add_flag("--json", p.chk.json, "Print the status and every job as JSON");
  c->add_flag("--alert", p.chk.alert, "Alert on changes of health (broken, stuck, overdue)");
  c->callback([&] { p.action = [&] { return RunCheck(p.global, p.chk, sv); }; });
}

void AddMetrics(CLI::App& app, Parsed& p, Services& sv) {
  auto* m = app.add_subcommand("metrics", "Write Prometheus metrics of every job");
  m->footer(R"(
Prints Prometheus text exposition (docs/metrics.md): per job the last
success and last run times, duration, result, runs by result, next elapse
and health, and the daemon's heartbeat. With --output the file is replaced
atomically, as node_exporter's textfile collector needs.

Examples:
  surety metrics
  surety metrics --output /var/lib/prometheus/node-exporter/surety.prom)");
  m->add_option("--output", p.met.output, "Write to this file (atomically) instead of stdout")
      ->type_name("FILE");
  m->callback([&] { p.action = [&] { return RunMetrics(p.global, p.met, sv); }; });
}

void AddServe(CLI::App& app, Parsed& p, Services& sv) {
  auto* s = app.add_subcommand("serve",
                               "Serve every job's health over HTTP (status page, /metrics, ...)");
  // No blank line first: the hidden --daemon-pid leaves one of its own.
  s->footer(R"(Serves, until SIGTERM or SIGINT:
  /             the status page: every job's health, next and last runs
  /jobs/NAME    a job's page: its runs (?page=N goes back), charts of their
                duration and artifact size, alerts sent, its definition
                with secrets redacted (docs/status-page.md)
  /metrics      Prometheus text exposition, as 'surety metrics' prints it
  /status.json  every job's health, as 'surety check --json' prints it
  /healthz      200 "ok" while surety itself works: the job file loads, the
                history reads and (under 'surety daemon --listen') the
                daemon's heartbeat is fresh; else 503. Job health is not in
                it: a failing backup is news, not a reason to restart.
For hosts whose jobs run from systemd timers or cron; 'surety daemon
--listen ADDR:PORT' runs the same server beside its scheduler.

ADDR:PORT is "PORT" (loopback), "127.0.0.1:PORT", "[::1]:PORT", or
":PORT" / "0.0.0.0:PORT" for every interface; port 0 takes any free port
(the log's "serving" line says which, and a restarted server may get
another). Anything but loopback needs
--token-file: a file readable by its owner alone whose first line is a
secret of 16+ characters; every request but /healthz must then send
'Authorization: Bearer SECRET' (Prometheus: authorization.credentials_file).
Read-only: GET and HEAD only. One health reading at a time, shared by all
requests within a second and taken off the request threads, so many
clients cost what one does; one job page made at a time, each kept for a
second. Without --token-file, a request must name a loopback Host.

Examples:
  surety serve                     # 127.0.0.1:9724
  surety serve 127.0.0.1:9100
  surety serve :9724 --token-file /etc/surety/http-token)");
  s->add_option("ADDR:PORT", p.srv.address, "Where to listen (default 127.0.0.1:9724)");
  s->add_option("--token-file", p.srv.token_file,
                "Require 'Authorization: Bearer TOKEN' with the token in this file")
      ->type_name("FILE");
  s->add_option("--daemon-pid", p.srv.daemon_pid)->group("");  // set by the daemon
  s->callback([&] { p.action = [&] { return RunServe(p.global, p.srv, sv); }; });
}

void AddHistory(CLI::App& app, Parsed& p, Services& sv) {
  auto* h = app.add_subcommand("history", "Show recorded runs, newest first");
  h->footer(kHistoryHelp);
  h->add_option("JOB", p.hist.job, "The job's name (default: the latest runs of every job)");
  h->add_option("--limit", p.hist.limit, "How many runs (default 20)")
      ->check(CLI::Range(1, 1000000));
  h->add_flag("--json", p.hist.json, "Print run records as a JSON array");
  h->callback([&] { p.action = [&] { return RunHistory(p.global, p.hist, sv); }; });
}

void AddOutbox(CLI::App& app, Parsed& p, Services& sv) {
  auto* o = app.add_subcommand("outbox", "Show alerts not delivered yet; --drain sends them");
  o->footer(R"(
Every alert is written to the state directory's outbox before it is sent
and removed once it was delivered. A runner killed while sending, or a
receiver that was down, leaves it there; the next run of the job, the
daemon (every minute while the outbox holds anything) or this command with
--drain sends it again. Deliveries are at least once: each carries an
idempotency key (the webhook's "idempotency_key", $SURETY_IDEMPOTENCY_KEY,
the mail's Message-ID) a receiver can drop a repeat by. An alert still
undelivered a week after its first try is given up, with an error logged.

Every delivery's outcome, sent or failed, is also written down
(STATE_DIR/deliveries/, about 512 KiB per job at most): --sent shows them,
newest first, with the reason of each failure.

Examples:
  surety outbox
  surety outbox --drain
  surety outbox --json
  surety outbox --sent
  surety outbox --sent db --limit 50 --json

Exit status: 0; with --drain, 1 when some alert could not be delivered.)");
  o->add_flag("--drain", p.box.drain, "Send every alert waiting in the outbox");
  o->add_flag("--json", p.box.json, "Print as JSON");
  o->add_flag("--sent", p.box.sent,
              "Show the deliveries written down (sent and failed), newest first");
  o->add_option("JOB", p.box.jobs, "With --sent: only these jobs");
  o->add_option("--limit", p.box.limit, "With --sent: how many (default 20)")
      ->check(CLI::Range(1, 1000000));
  o->callback([&] { p.action = [&] { return RunOutbox(p.global, p.box, sv); }; });
}

void AddCalendar(CLI::App& app, Parsed& p, Services& sv) {
  auto* c = app.add_subcommand("calendar", "Normalize calendar specs and show their next elapses");
  c->footer(kCalendarHelp);
  c->add_option("--iterations", p.cal.iterations, "Show this many next elapses (default 1)")
      ->check(CLI::Range(0u, 1000000u));
  c->add_option("--base-time", p.cal.base_time,
                "Compute from this instant instead of now: "
                "'2025-03-30 01:30:00', '... UTC', '... Europe/Berlin', "
                "@EPOCH, today, tomorrow, +5min");
  c->add_flag("--json", p.cal.json, "Print a JSON array for scripts");
  c->add_option("SPEC", p.cal.specs, "Calendar specifications")->required();
  c->callback([&] { p.action = [&] { return RunCalendar(p.cal, sv); }; });
}

void AddTimespan(CLI::App& app, Parsed& p, Services& sv) {
  auto* t = app.add_subcommand("timespan", "Parse time spans and show them normalized");
  t->footer(kTimespanHelp);
  t->add_flag("--json", p.ts.json, "Print a JSON array for scripts");
  t->add_option("SPAN", p.ts.spans, "Time spans")->required();
  t->callback([&] { p.action = [&] { return RunTimespan(p.ts, sv); }; });
}

void AddExport(CLI::App& app, Parsed& p, Services& sv) {
  auto* e = app.add_subcommand(
      "export", "Write the job file for systemd timers, cron or Kubernetes CronJobs");
  e->require_subcommand(1);
  e->footer(R"(
Every exported schedule runs 'surety run JOB --trigger=schedule', so the
runner's lock, timeout, retries, verification, history and alerts apply
exactly as under 'surety daemon'.

  systemd     per job a .timer (OnCalendar=, Persistent=, RandomizedDelaySec=,
              FixedRandomDelay=, AccuracySec=, OnBootSec=, ...) and a hardened
              .service, plus surety-check.{service,timer} running
              'surety check --alert' (the dead-man's switch without a daemon).
              Each service's exposure (systemd-analyze security) is shown, with
              what the job's keys loosened ([jobs.NAME.sandbox]).
  cron        crontab lines; a schedule cron cannot express exactly (seconds,
              ~, several zones, randomized_delay, persistent, interval) is an
              error naming the job, unless --allow-approximate.
  kubernetes  a Secret with the job file, one batch/v1 CronJob per job, the
              history's volume claim and a 'surety serve' Deployment for
              /metrics.

Examples:
  surety export systemd --output /tmp/units
  surety export cron --system > /etc/cron.d/surety
  surety export kubernetes --image registry.example/surety:1 --namespace backup

Exit status: 0 written; 1 a job cannot be expressed (nothing written); 2
usage or job file error. docs/export-systemd.md, export-cron.md,
export-kubernetes.md.)");
  auto common = [&](CLI::App* c) {
    c->add_option("JOB", p.exp.jobs, "Jobs to export (default: all)");
    c->callback([&, c] {
      p.exp.target = c->get_name();
      p.action = [&] { return RunExport(p.global, p.exp, sv); };
    });
  };
  auto* sd = e->add_subcommand("systemd", "Hardened .service and .timer units per job");
  sd->add_option("--output", p.exp.output, "Write the units into this directory (default: print)");
  sd->add_flag("--user", p.exp.user, "Units for a user manager (systemctl --user)");
  sd->add_option("--check-every", p.exp.check_every,
                 "How often surety-check.timer runs 'surety check --alert' (default 5min)");
  sd->add_flag("--no-check", p.exp.no_check, "Without surety-check.service and .timer");
  common(sd);
  auto* cr = e->add_subcommand("cron", "Crontab lines running surety run");
  cr->add_option("--output", p.exp.output, "Write the crontab to this file (default: print)");
  cr->add_flag("--system", p.exp.system, "/etc/cron.d format, with a user column (root)");
  cr->add_flag("--allow-approximate", p.exp.allow_approximate,
               "Drop what cron cannot do (randomized_delay, persistent) and say so");
  common(cr);
  auto* k = e->add_subcommand("kubernetes", "batch/v1 CronJobs, the job file as a Secret");
  k->add_option("--output", p.exp.output, "Write the manifests to this file (default: print)");
  k->add_option("--image", p.exp.image, "The container image with surety (default surety:latest)");
  k->add_option("--namespace", p.exp.namespace_name, "The namespace (default: default)");
  k->add_flag("--allow-approximate", p.exp.allow_approximate,
              "Drop what a CronJob cannot do (randomized_delay) and say so");
  common(k);
}

void AddInstallCommands(CLI::App& app, Parsed& p, Services& sv, bool install) {
  auto* i = app.add_subcommand(install ? "install" : "uninstall",
                               install ? "Install and start systemd timers for the jobs"
                                       : "Remove the systemd units surety install wrote");
  i->footer(install ? R"(
Writes the units of 'surety export systemd' into /etc/systemd/system (with
--user: ~/.config/systemd/user), removes those of jobs no longer in the job
file, creates the state directory, runs systemctl daemon-reload and enables
and starts every timer, surety-check.timer included. Every change is shown;
--dry-run shows them and changes nothing. A unit file surety did not write is
never overwritten. Needs systemd as the service manager: without it, run
'surety daemon'. With --user, lingering must be on for timers to run while
you are logged out (loginctl enable-linger).

Examples:
  surety install --dry-run
  surety install
  surety install --user db)"
                    : R"(
Stops and disables the timers surety install started and removes exactly
the files it wrote (listed in .surety-installed beside them); a file changed
since is kept unless --force.

Examples:
  surety uninstall --dry-run
  surety uninstall)");
  if (install) i->add_option("JOB", p.inst.jobs, "Jobs to install (default: all)");
  i->add_flag("--user", p.inst.user, "The user's systemd manager (systemctl --user)");
  i->add_flag("--dry-run", p.inst.dry_run, "Show every change, make none");
  i->add_option("--unit-dir", p.inst.unit_dir, "Where the units go (default as above)");
  if (install)
    i->add_option("--check-every", p.inst.check_every,
                  "How often surety-check.timer runs (default 5min)");
  i->add_flag("--force", p.inst.force,
              "Also replace or remove units changed since they were installed");
  i->callback([&, install] {
    p.action = [&, install] {
      return install ? RunInstall(p.global, p.inst, sv) : RunUninstall(p.global, p.inst, sv);
    };
  });
}

void AddInstall(CLI::App& app, Parsed& p, Services& sv) { AddInstallCommands(app, p, sv, true); }
void AddUninstall(CLI::App& app, Parsed& p, Services& sv) { AddInstallCommands(app, p, sv, false); }

// `surety completion`: the script is made from every command, so it is
// made after the table (below).
int RunCompletion(const Parsed& p, Services& sv);

void AddCompletion(CLI::App& app, Parsed& p, Services& sv) {
  auto* c =
      app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  c->group("");  // the package installs the scripts: not in the command list
  c->footer(R"(
Prints a completion script for the shell, made from surety's own command
table: commands, options, the values of options that take one of a set
(--trigger, --log-level, ...), file names where a file is due, and the job
names of the job file where a JOB is due (read with the --config options on
the line, silently: a missing job file completes nothing).

The Debian package and `cmake --install` put the scripts where each shell
looks (with the prefix /usr):
  bash  share/bash-completion/completions/surety
  zsh   share/zsh/vendor-completions/_surety
  fish  share/fish/vendor_completions.d/surety.fish
For your own account instead, then open a new shell:
  surety completion bash > ~/.local/share/bash-completion/completions/surety
  surety completion zsh > ~/.zfunc/_surety   # ~/.zshrc: fpath=(~/.zfunc $fpath)
                                             #   before compinit
  surety completion fish > ~/.config/fish/completions/surety.fish
or a line in ~/.bashrc, or in ~/.zshrc after compinit:
  source <(surety completion bash)          # zsh: surety completion zsh

Exit status: 0; 2 for a usage error.)");
  auto* shell = c->add_option("SHELL", p.comp.shell, "bash, zsh or fish")
                    ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  // What the scripts call for the job names.
  c->add_flag("--jobs", p.comp.jobs, "Print the job names, one a line")->group("")->excludes(shell);
  c->callback([&] { p.action = [&] { return RunCompletion(p, sv); }; });
}
void AddImport(CLI::App& app, Parsed& p, Services& sv) { AddImportCommand(app, p.action, sv); }

void AddAdd(CLI::App& app, Parsed& p, Services& sv) {
  auto* a = app.add_subcommand("add", "Add a job to the job file in one line");
  a->footer(R"(
Appends a [jobs.NAME] table to the job file (the last --config, else the
default one) and leaves the rest of the file as it was, comments included.
The whole file is loaded first: a job that would not load (a bad schedule, a
time span, an unknown alert) is reported with what is wrong and nothing is
written. Then the job and its next three starts are shown. A running daemon
sees the file change and schedules the job; systemd users run 'surety
install' again.

The command goes after --, as an argv (no shell); with --shell it is one
shell command line instead.

Examples:
  surety add etc --schedule daily --timeout 10min -- tar czf /backups/etc.tgz /etc
  surety add db --schedule '*-*-* 02:30' --persistent --verify-path '/backups/db-%Y-%m-%d.dump'       -- pg_dump -Fc -f '/backups/db-%Y-%m-%d.dump' app
  surety add prune --schedule weekly --shell -- 'find /backups -mtime +30 -delete'
  surety add db --dry-run --schedule daily -- pg_dump app

Exit status: 0 added; 2 for a usage error, an invalid job or an existing one.)");
  a->add_option("NAME", p.add.name, "The job's name ([jobs.NAME])")->required();
  a->add_option("COMMAND", p.add.command, "The command and its arguments, after --");
  a->add_option("--schedule", p.add.schedule, "When it runs (OnCalendar=; repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  a->add_option("--description", p.add.description, "What the job is, for people");
  a->add_option("--timeout", p.add.timeout, "Stop it after this long, such as 2h");
  a->add_flag("--persistent", p.add.persistent, "Catch up a run missed while nothing ran");
  a->add_option("--randomized-delay", p.add.randomized_delay, "Spread the start over this span");
  a->add_option("--on-boot", p.add.on_boot, "Also run this long after boot");
  a->add_option("--interval", p.add.interval, "Run this long after the last run started");
  a->add_option("--retries", p.add.retries, "Extra attempts after a failure")
      ->check(CLI::Range(0, 100));
  a->add_option("--retry-delay", p.add.retry_delay, "Wait before the first retry");
  a->add_option("--overlap", p.add.overlap, "skip or wait when the last run still runs")
      ->check(CLI::IsMember({"skip", "wait"}));
  a->add_option("--user", p.add.user, "Run the command as this user");
  a->add_option("--working-directory", p.add.working_directory, "Run the command here");
  a->add_option("--alert", p.add.alert, "Alerts to tell ([alerts.NAME]; repeatable)")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  a->add_option("--verify-path", p.add.verify_path,
                "The artifact to check after each run (strftime fields allowed)");
  a->add_option("--verify-min-size", p.add.verify_min_size, "Its least size, such as 1M");
  a->add_flag("--shell", p.add.shell, "The command is one shell command line");
  a->add_flag("--dry-run", p.add.dry_run, "Show the job and its next starts, change nothing");
  a->callback([&] { p.action = [&] { return RunAdd(p.global, p.add, sv); }; });
}

// The command table, in the order `surety --help` lists it.
struct Command {
  const char* name;
  void (*add)(CLI::App&, Parsed&, Services&);
};
constexpr Command kCommands[] = {
    {"validate", AddValidate}, {"add", AddAdd},
    {"run", AddRun},           {"daemon", AddDaemon},
    {"status", AddStatus},     {"check", AddCheck},
    {"metrics", AddMetrics},   {"serve", AddServe},
    {"next", AddNext},         {"history", AddHistory},
    {"outbox", AddOutbox},     {"export", AddExport},
    {"install", AddInstall},   {"uninstall", AddUninstall},
    {"import", AddImport},     {"calendar", AddCalendar},
    {"timespan", AddTimespan}, {"completion", AddCompletion},
};

// The program's own options, which every command line has.
void AddRoot(CLI::App& app, Parsed& p) {
  app.set_version_flag("--version", std::string("surety ") + kVersion);
  app.require_subcommand(0, 1);
  app.footer(
      "Run 'surety COMMAND --help' for a command's options and examples.\n"
      "Shell completion: 'surety completion --help'.\n"
      "Documentation: docs/ in the source tree.");
  // Each --config takes exactly one value: a vector option otherwise takes
  // every word that follows, and `--config F run JOB` lost JOB to it.
  app.add_option("--config", p.global.configs,
                 "Job file to read (repeatable: later files override earlier ones key by "
                 "key). Default: $SURETY_CONFIG, /etc/surety/surety.toml as root, else "
                 "~/.config/surety/surety.toml")
      ->type_name("FILE")
      ->expected(1)
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--log-format", p.global.log_format,
                 "Structured log format on stderr (default logfmt)")
      ->check(CLI::IsMember({"logfmt", "json"}));
  app.add_option("--log-level", p.global.log_level,
                 "Log events at this level and above: debug, info, warning, error (default "
                 "info; warning when stderr is a terminal, with a summary line instead)")
      ->check(CLI::IsMember({"debug", "info", "warning", "error"}));
  app.add_flag("-q,--quiet", p.global.quiet, "Log errors only, and no summary line");
  app.fallthrough();
}

int RunCompletion(const Parsed& p, Services& sv) {
  if (p.comp.jobs) return PrintJobNames(p.global, sv);
  const std::optional<Shell> shell = ShellNamed(p.comp.shell);
  if (!shell) {
    sv.err << "surety: completion: name the shell: bash, zsh or fish\n"
              "Run 'surety completion --help' for usage.\n";
    return 2;
  }
  // Every command, as when the line names none.
  CLI::App all(kOverview, "surety");
  Parsed q;
  AddRoot(all, q);
  for (const Command& c : kCommands) c.add(all, q, sv);
  sv.out << CompletionScript(all, *shell);
  return 0;
}

}  // namespace

std::string CommandWord(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--config" || a == "--log-format" || a == "--log-level") {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    return a;
  }
  return "";
}

int RunCli(const std::vector<std::string>& args, Services& sv) {
  CLI::App app(kOverview, "surety");
  Parsed p;
  AddRoot(app, p);

  // Only the command on the line is built (each `surety run` is a process,
  // and building all seven cost ~0.1 ms); all of them when the line names
  // none of them, so that help and error messages know every command.
  const std::string word = CommandWord(args);
  bool known = false;
  for (const Command& c : kCommands) known = known || word == c.name;
  for (const Command& c : kCommands)
    if (!known || word == c.name) c.add(app, p, sv);

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
    // A mistyped command: say which one was meant.
    if (!known && !word.empty()) {
      std::vector<std::string> names;
      for (const Command& c : kCommands) names.emplace_back(c.name);
      sv.err << "surety: unknown command '" << word << "'";
      if (auto m = ClosestMatch(word, names)) sv.err << "; did you mean '" << *m << "'?";
      sv.err << "\nRun 'surety --help' for the list of commands.\n";
      return 2;
    }
    // Point at the help of the command the error is about.
    const std::string help = known ? "surety " + word + " --help" : "surety --help";
    sv.err << "surety: " << e.what() << "\nRun '" << help << "' for usage.\n";
    return 2;
  }
  if (!p.action) {
    sv.out << app.help();
    return 2;
  }
  return p.action();
}

}  // namespace surety
