// Pure scheduling: when is a job next due, with systemd's timer semantics.
//
// For: `surety daemon` and `surety next`. Given a job, what is known of its
// past (last trigger, last finish), the daemon's start, the boot time and
// "now", NextDue() says when the job should next start and why (trigger
// schedule, catchup or boot) — exactly as systemd's timer enter_waiting()
// computes it (systemd-semantics.md §4.3, §4.6, §4.7):
//   * calendar values: next elapse after the last trigger (or after the
//     daemon's start when the job never triggered); past elapses are moved to
//     the daemon's start ("rebase"), so a persistent job whose slot passed
//     while the daemon was down runs once at start-up — never once per missed
//     slot — with trigger catchup;
//   * on_boot / on_startup: once, boot time / daemon start + span;
//   * interval: from the last start (or finish), the daemon's start at first;
//   * the random delay (fresh per computation, or the fixed per-machine
//     offset) is added after the minimum of all values.
// No clock is read and nothing sleeps here; the daemon applies accuracy
// coalescing (random_delay.h) when it arms its timer.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "base/instant.h"
#include "job/job_spec.h"
#include "time/calendar_spec.h"

namespace surety {

struct JobHistoryFacts {
  std::optional<Instant> last_trigger;  // start of the last scheduled run (persisted)
  std::optional<Instant> last_start;    // start of the last run of any kind
  std::optional<Instant> last_finish;   // end of the last run of any kind
  bool boot_done = false;               // on_boot already fired in this daemon
  bool startup_done = false;            // on_startup already fired in this daemon
};

struct ScheduleContext {
  Instant now;
  Instant daemon_start;
  Instant boot;  // kernel boot time as an absolute instant
  CalendarEvalContext eval;
  // The delay to add for this computation: a fixed offset or a fresh draw in
  // [0, span). Called once per NextDue() when randomized_delay is non-zero.
  std::function<uint64_t(const JobSpec&)> random_delay_usec;
};

struct Due {
  Instant when;     // including the random delay
  Instant nominal;  // without it
  Trigger trigger;  // schedule, catchup or boot
};

// nullopt: the job has no value that can elapse any more (like a timer that
// is "elapsed"); it runs only when started by hand.
std::optional<Due> NextDue(const JobSpec& job, const JobHistoryFacts& facts,
                           const ScheduleContext& ctx);

// The next `count` nominal calendar elapses after `after` (for `surety next`).
std::vector<Instant> NextCalendarElapses(const JobSpec& job, Instant after, int count,
                                         const CalendarEvalContext& eval);

// What a reload changes: jobs added, removed, and those whose timer
// settings changed (they are recomputed; unchanged ones keep their state,
// including a drawn random delay). Running runs are never touched.
struct ReloadDiff {
  std::vector<std::string> added, removed, changed, unchanged;
};
ReloadDiff DiffJobs(const std::map<std::string, JobSpec>& before,
                    const std::map<std::string, JobSpec>& after);

}  // namespace surety
