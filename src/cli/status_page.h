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
  // A digest of what the page shows that a run or a reload changes (each
  // job's health, last run and next run; not the relative times): what
  // /state answers, so /surety.js refreshes the page when it changes.
  std::string state;
  std::string summary;                // check's summary line
  std::vector<std::string> problems;  // the service's own (job file, history, daemon)
  std::vector<StatusPageJob> jobs;
};

// The whole page, UTF-8 HTML.
std::string RenderStatusPage(const StatusPage& page);

// The stylesheet the pages link to.
const std::string& StatusPageStylesheet();
// /surety.js, the one script the pages load (the CSP allows no other):
// shows each absolute time in the viewer's own zone (UTC stays on hover)
// and, polling /state every few seconds, fetches the page again and
// replaces its body when what it shows has changed. Without it the pages
// work the same, in UTC, with a meta refresh every 30 s.
const std::string& StatusPageScript();

// Shared by the overview and the job page.
// <!DOCTYPE html> up to and including <body>, with `title`; `state` is
// the page's state token, which /surety.js compares with what `state_url`
// answers.
std::string PageHead(const std::string& title, const std::string& state,
                     const std::string& state_url);
// "<time …>2h ago</time>" (the UTC time on hover), or a dash when none.
std::string RelativeTime(const std::optional<Instant>& t, Instant now);
// "<time class=abs …>2026-12-06 10:00:00 UTC</time>", which /surety.js
// shows in the viewer's zone.
std::string AbsoluteTime(Instant t);
// The service's own problems as a list (empty: nothing).
std::string ProblemList(const std::vector<std::string>& problems);
// A job's schedule lines as <code>, `between` them; "by hand" for none.
std::string ScheduleHtml(const std::vector<std::string>& schedule, const char* between);
// The colour class of a health word (good, warn, bad, quiet) and of a run
// result.
const char* HealthClass(const std::string& health);
const char* ResultClass(const std::string& result);

// `text` with &, <, >, " and ' as character references.
std::string HtmlEscape(const std::string& text);

}  // namespace surety
