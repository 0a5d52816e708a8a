// The status page's page per job, `/jobs/NAME` of `surety serve` (and
// `daemon --listen`): the job's health as the overview shows it, a chart of
// its runs' durations and one of its verified artifact's size over time
// (marking warnings, failures and a shrink past `verify.max_shrink`), its
// run history a page at a time (result, trigger, attempts, duration, exit,
// artifact, message, the end of the output), the alerts sent about it with
// their delivery outcome, and its definition as surety resolved it, with
// secrets redacted.
//
// For: serve_command.cc, from health_commands.cc's TakeJobPage. Plain HTML
// with inline SVG (svg_chart.h); the stylesheet and /surety.js (times in
// the viewer's zone, refresh when something changed) are optional extras:
// the tables and charts are all there without them.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "alert/outbox.h"
#include "cli/status_page.h"
#include "job/job_spec.h"
#include "store/run_record.h"

namespace surety {

// Runs in one page of the history table, and runs the charts draw.
inline constexpr int kJobPageRuns = 25;
inline constexpr int kJobChartRuns = 200;
// How much of each run's output tail the table shows (the end of it).
inline constexpr size_t kJobPageTailBytes = 4096;
// Deliveries listed.
inline constexpr size_t kJobPageDeliveries = 30;

struct JobPage {
  Instant now;
  std::string state;                     // the reading's state token (StatusPage::state)
  StatusPageJob job;                     // health, schedule, next/last, as on the overview
  int page = 0;                          // 0: the newest runs
  bool older = false;                    // a further page exists
  std::vector<RunRecord> runs;           // this page's, newest first, with output tails
  std::vector<RunRecord> chart;          // the newest kJobChartRuns, newest first, no tails
  std::optional<double> max_shrink;      // the job's verify.max_shrink
  bool verifies_artifact = true;         // the job has a verify.path
  std::string definition;                // the resolved job as TOML, secrets redacted
  std::vector<DeliveryNote> deliveries;  // newest first
  std::string history_problem;           // why the history could not be read, or empty
  std::vector<std::string> problems;     // the service's own (StatusPage::problems)
};

std::string RenderJobPage(const JobPage& page);

// What the job page shows of a job's definition: a job file holding only
// this job and the alerts it names, every value resolved, with environment
// values and inline alert URLs replaced by "(redacted)". Files named
// (url_file, environment_file) are shown by name, never read.
std::string RedactedDefinition(const Config& config, const std::string& job);

// The page's address: "/jobs/NAME" with NAME percent-encoded.
std::string JobPagePath(const std::string& job);

}  // namespace surety
