// Loading the job file: TOML → validated Config values.
//
// For: `surety validate`, `surety run`, the daemon's (re)load. Reads every
// --config file in order (later files override earlier ones key by key, like
// systemd drop-ins), follows `include = [...]` globs (relative to the file
// that names them; included files override the includer; a file is read
// once however often it is named, and including a file that is still being
// read is a cycle), applies [defaults] to every job, and validates
// everything at once so one pass reports every problem — also the problems
// of the files that parsed when another could not be read or parsed.
//
// Only regular files of at most 16 MiB are read. Relative paths in a file
// (url_file, environment_file, state_dir) are relative to that file's
// directory. As root, a job file that anyone but root could change is an
// error: its commands would run as root.
//
// Every diagnostic names file:line:col, says what is wrong and what would be
// right ("unknown key 'schedul'; did you mean 'schedule'?"). Secrets come
// from inline values, files that must not be world-readable, or the
// environment, and never appear in a diagnostic.
//
// How: JobFiles (job_files.h) reads and merges the files, the builders
// (build_settings.h, build_alerts.h, build_jobs.h) read the merged view
// through TomlValues (toml_values.h), and every step reports into one
// DiagnosticSink (diagnostic_sink.h); docs/architecture.md lists the files.
//
// Thread-safety: a pure function of its inputs and the injected OS.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "job/diagnostic.h"
#include "job/job_spec.h"
#include "os/env.h"
#include "os/file_system.h"
#include "time/zone.h"

namespace surety {

// Errors and warnings come in file order (SortInFileOrder); each names the
// job it belongs to, if any (Diagnostic::job).
//
// An error inside [jobs.X] breaks X alone: `usable` still holds every other
// job. An error anywhere else — a file that cannot be read or parsed,
// [settings], [defaults] (every job inherits it), an alert — is global:
// nothing is usable. Either way `errors` lists everything, and what could
// be built is kept for telling someone (a run recorded as failed, an
// alert): the state directory when [settings] had no error, the alerts,
// each job's alert list.
struct LoadResult {
  std::optional<Config> config;  // set when there are no errors at all
  // Set when no error is outside a job: every job without errors (a broken
  // job is in `broken`, not here).
  std::optional<Config> usable;
  std::map<std::string, std::vector<Diagnostic>> broken;       // job → its errors, in file order
  std::optional<Settings> settings;                            // when [settings] had no error
  std::map<std::string, AlertSpec> alerts;                     // as far as they were read
  std::map<std::string, std::vector<std::string>> job_alerts;  // job → its alert list
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;
};

struct LoadContext {
  const FileSystem& fs;
  const Env& env;
  ZoneDb& zones;
  const Zone& local;  // for schedules without a zone
  bool running_as_root = false;
  std::string hostname;
  // Read url_file and check url_env. Commands that send no alerts (history,
  // next) leave it off: they neither read secrets nor fail for want of the
  // daemon's environment.
  bool resolve_secrets = true;
  // Whether a user or group name exists on this host (validate warns about
  // one that does not); unset: not checked.
  std::function<bool(const std::string&)> user_exists{}, group_exists{};
  // Now, to warn about a schedule that never elapses again (validate, the
  // daemon); unset: not checked.
  std::optional<Instant> now{};
  // Whether to check that each command's program (of a list command: the
  // job's, preflight's, verify's) is an executable file on the job's PATH,
  // as `surety run` will look it up (validate). A missing one is
  // an error; a warning when the job has an environment_file (which may set
  // another PATH).
  bool check_programs = false;
  // Whether to read each job's environment_file and warn about lines that
  // are not KEY=VALUE (by number, never their text) — the run would ignore
  // them (validate, the daemon).
  bool read_environment_files = false;
};

// The PATH a job's commands are looked up in when neither the job's
// environment nor surety's own environment sets one.
inline constexpr const char* kDefaultJobPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The files to read when no --config is given: $SURETY_CONFIG, else
// /etc/surety/surety.toml for root, else $XDG_CONFIG_HOME/surety/surety.toml
// (~/.config/surety/surety.toml).
std::string DefaultConfigPath(const Env& env, bool running_as_root);

// What to tell a person whose default job file (`path`, from
// DefaultConfigPath) does not exist: how to choose another file, and a
// short annotated job file to start from (the error itself says where
// surety looked).
std::string MissingJobFileHelp(const std::string& path);

// The state directory when [settings] does not name one: /var/lib/surety
// for root, else $XDG_STATE_HOME/surety (~/.local/state/surety).
std::string DefaultStateDir(const Env& env, bool running_as_root);

LoadResult LoadConfig(const std::vector<std::string>& paths, const LoadContext& ctx);

}  // namespace surety
