// `surety status`, `surety check` and `surety metrics`: every job's health
// (sched/health.h) as a table, as a Nagios/Icinga plugin, and as Prometheus
// text exposition.
//
// All three read the same facts the same way (JobFacts in
// health_commands.cc): the job file (a broken job is `broken`), the
// history's summary of each job, when surety first saw each job
// (STATE_DIR/first-seen.json), the daemon's heartbeat (STATE_DIR/daemon.json)
// and the outbox (alerts that keep failing).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "cli/cli.h"
#include "cli/job_commands.h"

namespace surety {

struct StatusOptions {
  std::vector<std::string> jobs;  // empty: all
  bool json = false;
};
int RunStatus(const GlobalOptions& g, const StatusOptions& o, Services& sv);

struct CheckOptions {
  std::vector<std::string> jobs;  // empty: all
  bool json = false;
  bool alert = false;
};
// Exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (the plugin API).
int RunCheck(const GlobalOptions& g, const CheckOptions& o, Services& sv);

struct MetricsOptions {
  std::string output;  // empty: stdout
};
int RunMetrics(const GlobalOptions& g, const MetricsOptions& o, Services& sv);

// One look at every job's health, for `surety serve`: the texts its
// endpoints answer with, all from one reading of the facts.
struct HealthSnapshot {
  std::string metrics;      // what `surety metrics` writes
  std::string status_json;  // what `surety check --json` writes
  int check_status = 3;     // check's exit status: 0 OK … 3 UNKNOWN
  std::string check_line;   // check's summary line
  // Why the service itself is not working (/healthz): the job file has
  // global errors, the history cannot be read, the daemon's heartbeat is
  // stale (or, with expect_daemon, missing). Job health is not among them.
  std::vector<std::string> service_problems;
  std::string status_html;  // the status page (status_page.h)
  std::string state;        // what /state answers (StatusPage::state)
  // What /state?job=NAME answers: the token of each job's page (JobPage::state).
  std::map<std::string, std::string> job_states;
};
// How many of each job's last runs the status page shows.
inline constexpr int kStatusPageRuns = 14;
// `busy_timeout`: how long a reading waits for the history's lock.
Result<HealthSnapshot> TakeHealthSnapshot(const GlobalOptions& g, Services& sv, bool expect_daemon,
                                          Micros busy_timeout);

// The status page's page of one job (job_page.h), `page_number` pages of
// runs back (0: the newest); kNotFound when the job file has no such job.
// Reads the job file, one page of the job's runs and the last
// kJobChartRuns runs (without output tails) and its delivery log: bounded
// work however long the history.
Result<std::string> TakeJobPage(const GlobalOptions& g, Services& sv, const std::string& job,
                                int page_number, Micros busy_timeout);

// The daemon's heartbeat file in a state directory, and how old it may be
// before `check` says the daemon stopped.
std::string HeartbeatPath(const std::string& state_dir);
inline constexpr int kHeartbeatStaleSeconds = 120;

}  // namespace surety
