// JobBuilder: one job's merged table (its own keys over [defaults]) →
// JobSpec, one group of keys at a time.
//
// For: BuildJobs (build_jobs.h), which calls Build() once for [defaults]
// on its own and once for each job. Every key is read through TomlValues,
// so each wrong value is reported where it is written; then the rules
// between keys: exit statuses in one class only, lock_wait with overlap,
// retry_delay_max not below retry_delay, verify's keys that need its path,
// and for a whole job its command, its schedule, and (with
// LoadContext::check_programs) that each list command's program is on the
// job's PATH. Not for: deciding which diagnostics are listed or whose they
// are (the DiagnosticSink's scopes, set by the caller).
//
// Ownership: borrows the BuildContext's parts and the alerts, which must
// outlive it. Thread-safety: one load, one thread.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "job/build_context.h"
#include "job/job_spec.h"
#include "job/merged_view.h"
#include "time/calendar_spec.h"

namespace surety {

class JobBuilder {
 public:
  // `alerts`: the alerts defined, which a job's `alert` names must be.
  JobBuilder(const BuildContext& b, const std::map<std::string, AlertSpec>& alerts);
  JobBuilder(const JobBuilder&) = delete;
  JobBuilder& operator=(const JobBuilder&) = delete;

  // The keys a job (and [defaults]) may have.
  static const std::vector<std::string>& Keys();
  // Reports the keys of `t` (and of its preflight and verify tables) that
  // a job may not have; `ctx` names `t` ("jobs.db", "defaults").
  void CheckKeys(const MNode& t, const std::string& ctx);

  // The job `name` from table `t`, named `ctx` in messages. `whole_job`:
  // false for [defaults] on its own, where only each value is checked (a
  // job adds the rest: its command, its schedule, …).
  JobSpec Build(const std::string& name, const std::string& ctx, const MNode& t, bool whole_job);

 private:
  // The groups of keys, in the order Build() reads them (which is the
  // order of diagnostics at one place).

  // description, command; for a whole job, that there is a command.
  void ReadCommand(const MNode& t, const std::string& ctx, bool whole_job, JobSpec& j);
  // schedule and the timer keys: persistent, randomized_delay,
  // fixed_random_delay, accuracy, on_boot, on_startup, interval,
  // interval_from.
  void ReadSchedule(const MNode& t, const std::string& ctx, JobSpec& j);
  // How each run is run: timeout, kill_grace, overlap, lock_wait, retries,
  // retry_delay, retry_delay_max, retry_backoff.
  void ReadProcessKeys(const MNode& t, const std::string& ctx, bool whole_job, JobSpec& j);
  // The exit-status classes (success, warning, already done) and
  // already_done_output; for a whole job, a status in one class only.
  void ReadExitClasses(const MNode& t, const std::string& ctx, bool whole_job, JobSpec& j);
  // What the command starts with: environment, environment_file,
  // working_directory, user, group.
  void ReadEnvironment(const MNode& t, const std::string& ctx, JobSpec& j);
  // What follows a run: grace, alert (names of [alerts.*]), keep_runs.
  void ReadReporting(const MNode& t, const std::string& ctx, JobSpec& j);
  // [jobs.NAME.preflight] and [jobs.NAME.verify].
  void BuildPreflight(const MNode& t, const std::string& ctx, JobSpec& j);
  void BuildVerify(const MNode& t, const std::string& ctx, bool whole_job, JobSpec& j);
  // [jobs.NAME.sandbox]: what an exported systemd service may do beyond
  // its sandbox.
  void BuildSandbox(const MNode& t, const std::string& ctx, JobSpec& j);
  // A whole job only: each list command's program (check_programs), and
  // keys that do nothing without a schedule.
  void CheckWholeJob(const std::string& name, const MNode& t, const std::string& ctx,
                     const JobSpec& j);

  void CheckExitOverlap(const MNode& t, const std::string& ctx, const JobSpec& j);
  void CheckEnvironmentFile(const toml::node& n, const std::string& what, const std::string& path);
  void WarnIfNeverElapses(const toml::node& n, const std::string& what, const std::string& text,
                          const CalendarSpec& spec);
  void CheckProgram(const toml::node* n, const std::string& what, const Command& c,
                    const JobSpec& j);
  bool Executable(const std::string& path) const;

  const LoadContext& load_;
  const JobFiles& files_;
  DiagnosticSink& diags_;
  TomlValues& values_;
  const std::map<std::string, AlertSpec>& alerts_;
  CalendarParseContext parse_ctx_;
};

}  // namespace surety
