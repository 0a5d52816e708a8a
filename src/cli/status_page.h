// The status page `surety serve` (and `daemon --listen`) answers at `/`:
// every job with its health (a colour and a word, readable without colour),
// its schedule, next run, last run and last success (relative, with the
// UTC time on hover), and a strip of its last runs coloured by result (the
// message of each run that did not simply succeed on hover).
//
// For: serve_command.cc, from a health reading (health_commands.cc fills
// StatusPage). Plain HTML and one stylesheet (/surety.css): no script, so
// the strict Content-Security-Policy holds and the tables work without
// JavaScript; the page reloads itself every 30 s (meta refresh). Every value
// is escaped; nothing secret is in StatusPage to render (no environment, no
// alert URL).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "base/instant.h"

namespace surety {

struct StatusPageRun {
  std::string result;  // "success", "failed", ... (run_record.h names)
  Instant started;
  std::string message;
};

struct StatusPageJob {
  std::string name;
  std::string description;
  std::string health;  // ok, pending, running, stuck, warning, failing, overdue, broken
  std::string detail;  // the health's reason in a sentence
  std::vector<std::string> schedule;  // as written in the job file
  std::optional<Instant> next, last_start, last_success;
  std::string last_result;
  std::vector<StatusPageRun> recent;  // newest first
};

struct StatusPage {
  Instant now;
  std::string summary;                // check's summary line
  std::vector<std::string> problems;  // the service's own (job file, history, daemon)
  std::vector<StatusPageJob> jobs;
};

// The whole page, UTF-8 HTML.
std::string RenderStatusPage(const StatusPage& page);

// The stylesheet the page links to.
const std::string& StatusPageStylesheet();

// `text` with &, <, >, " and ' as character references.
std::string HtmlEscape(const std::string& text);

}  // namespace surety
