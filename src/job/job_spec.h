// JobSpec and Config: the job file as values.
//
// For: everything after loading — the runner, the scheduler, exporters —
// reads these plain values and never the TOML. Every duration is already a
// Timespan, every schedule already a parsed CalendarSpec, every secret
// already resolved (and never printed). See docs/job-file.md for the keys.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "time/calendar_spec.h"
#include "time/timespan.h"

namespace surety {

// A command: an argv run directly, or a string run through /bin/sh -c.
struct Command {
  std::vector<std::string> argv;
  bool shell = false;  // written as a string: argv is {"/bin/sh", "-c", TEXT}
  bool empty() const { return argv.empty(); }
  // "pg_dump -Fc …" for messages (not for the shell).
  std::string Display() const;
};

// Exit statuses and signals that form one class (success, warning, …), as
// systemd's SuccessExitStatus= reads them: numbers 0-255 or exit names are
// codes, SIGNAL names are signals.
struct ExitStatusSet {
  std::set<int> codes;
  std::set<int> signals;
  bool empty() const { return codes.empty() && signals.empty(); }
  bool HasCode(int c) const { return codes.count(c) > 0; }
  bool HasSignal(int s) const { return signals.count(s) > 0; }
};

struct PreflightSpec {
  struct FreeSpace {
    std::string path;
    uint64_t min_bytes = 0;
  };
  std::optional<FreeSpace> free_space;
  std::vector<std::string> reachable;  // "tcp://host:port"
  std::vector<std::string> files;      // must exist and be readable
  Command command;                     // must exit 0
  Timespan wait;                       // keep re-checking this long; infinite(): forever
  bool empty() const {
    return !free_space && reachable.empty() && files.empty() && command.empty();
  }
};

struct VerifySpec {
  std::string path;  // strftime pattern, expanded at run start (local time)
  std::optional<uint64_t> min_size;
  bool fresh = false;                // modified after the run started
  std::optional<double> max_shrink;  // fraction 0..1 of the previous good size
  Command command;                   // "{path}" replaced by the expanded path
  bool empty() const { return path.empty() && command.empty(); }
};

// What a job needs beyond the tight sandbox of an exported systemd service
// (`surety export systemd`, docs/export-systemd.md). Each key loosens
// exactly one thing, and the export says what it loosened. The daemon and
// `surety run` by hand do not sandbox; only exported units read these.
struct SandboxSpec {
  std::vector<std::string> write;  // more writable paths (ReadWritePaths=)
  bool read_home = false;          // /home, /root, /run/user readable (ProtectHome=read-only)
  bool read_any_file = false;      // read every file whatever its owner (CAP_DAC_READ_SEARCH)
  bool network = true;             // false: PrivateNetwork=yes, no IP sockets
  bool devices = false;            // the host's devices (PrivateDevices=no)
  bool docker = false;             // talk to the Docker daemon's socket
  bool write_execute = false;      // JIT compilers (MemoryDenyWriteExecute=no)
  bool resources = false;          // nice, ionice, setrlimit (the @resources system calls)
  std::vector<std::string> capabilities;  // CAP_… kept in the bounding set
  bool empty() const {
    return write.empty() && !read_home && !read_any_file && network && !devices && !docker &&
           !write_execute && !resources && capabilities.empty();
  }
};

enum class Overlap { kSkip, kWait };

// Why a run started: by hand, at its time, to catch up a persistent slot
// missed while nothing ran, or after the boot (on_boot, on_startup).
enum class Trigger { kManual, kSchedule, kCatchup, kBoot };
// "manual", "schedule", "catchup", "boot": in run records, logs, --trigger.
std::string_view TriggerName(Trigger trigger);
std::optional<Trigger> TriggerFromName(std::string_view name);
enum class IntervalFrom { kStart, kFinish };

// Time spans: Timespan::kInfinity (infinite()) appears only where it means
// something — timeout (no timeout), kill_grace (never SIGKILL), lock_wait
// (wait as long as it takes) and preflight.wait (re-check forever); the
// loader refuses "infinity" for every other span. Paths (environment_file,
// and Settings::state_dir) are absolute or as written; relative ones were
// resolved against the job file's directory.
struct JobSpec {
  std::string name;
  std::string description;
  Command command;
  std::vector<std::string> schedule_text;  // as written, for messages/export
  std::vector<CalendarSpec> schedule;
  bool persistent = false;
  Timespan randomized_delay;
  bool fixed_random_delay = false;
  Timespan accuracy{60'000'000};  // systemd's default AccuracySec=1min
  std::optional<Timespan> on_boot, on_startup, interval;
  IntervalFrom interval_from = IntervalFrom::kStart;
  Timespan timeout{Timespan::kInfinity};
  Timespan kill_grace{30'000'000};
  Overlap overlap = Overlap::kSkip;
  Timespan lock_wait;
  int retries = 0;
  Timespan retry_delay{30'000'000};
  double retry_backoff = 2.0;
  Timespan retry_delay_max{3600'000'000};
  ExitStatusSet success_exit_status;  // 0 is always success
  ExitStatusSet warning_exit_status;
  ExitStatusSet already_done_exit_status;
  std::string already_done_output;
  std::map<std::string, std::string> environment;
  std::string environment_file;
  std::string working_directory;
  std::string user, group;
  std::optional<Timespan> grace;
  std::vector<std::string> alert;
  // Alerts on health (surety check --alert): a reminder this often while a
  // bad state lasts (0: none), and whether a `warning` is worth an alert.
  Timespan repeat{24ull * 3600 * 1'000'000};
  bool alert_warnings = false;
  PreflightSpec preflight;
  VerifySpec verify;
  SandboxSpec sandbox;
  int keep_runs = 1000;  // history retention
};

// One alert destination. Secrets (url, token, …) are resolved at load time
// from inline values, files (which must not be world-readable) or the
// environment; Describe() never includes them.
// Where an alert goes (design.md: alert kinds).
enum class AlertKind { kWebhook, kSlack, kEmail, kNtfy, kHealthchecks, kJournal, kExec };
// "webhook", "slack", "email", "ntfy", "healthchecks", "journal", "exec".
std::string_view AlertKindName(AlertKind kind);
std::optional<AlertKind> AlertKindFromName(std::string_view name);
// Every kind, in the order messages list them.
inline constexpr AlertKind kAllAlertKinds[] = {
    AlertKind::kWebhook,      AlertKind::kSlack,   AlertKind::kEmail, AlertKind::kNtfy,
    AlertKind::kHealthchecks, AlertKind::kJournal, AlertKind::kExec};
// The kinds that POST to a URL (and so need url, url_file or url_env).
bool AlertKindPostsToUrl(AlertKind kind);

struct AlertSpec {
  std::string name;
  AlertKind kind = AlertKind::kWebhook;
  std::string url;  // secret; an http(s) URL for webhook, slack, ntfy, healthchecks
  // Where the URL came from, when not inline: the file (absolute) or the
  // environment variable named. Not secrets; the resolved job file
  // (job_file_writer.h) names them instead of the URL.
  std::string url_file, url_env;
  std::string to;  // email recipients
  std::string from;
  Command command;  // exec
  std::string sendmail = "/usr/sbin/sendmail";
  std::string identifier = "surety";  // journal: SYSLOG_IDENTIFIER
  std::string Describe() const;       // "webhook ops" — no secrets
};

struct Settings {
  std::string state_dir;
  std::string host;  // defaults to the machine's hostname
  // The most runs the daemon starts at once (the rest wait their turn);
  // 0: its default (daemon.h DefaultMaxRunning).
  int max_running = 0;
};

struct Config {
  Settings settings;
  std::map<std::string, AlertSpec> alerts;
  std::map<std::string, JobSpec> jobs;
  std::vector<std::string> files;  // every file read, in order
};

// A preflight `reachable` address: "tcp://host:port" or "tcp://[v6]:port".
struct TcpTarget {
  std::string host;  // without brackets
  int port = 0;
  std::string display;  // "nas.local:22", "[::1]:22"
};
// Parses "tcp://host:port" and "tcp://[v6addr]:port", nothing else: no user
// info, no path, no query, a port of 1-65535. The job file loader and the
// check share it, so that what validate accepts is what the check can use.
std::optional<TcpTarget> ParseTcpUrl(std::string_view url);

}  // namespace surety
