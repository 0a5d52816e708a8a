// Job health: is a job broken, stuck, failing, overdue — or fine?
//
// For: every place that judges a job — `surety status`, `surety check`
// (Nagios exit statuses), `surety metrics`, the daemon's alerts and the
// status page all call EvaluateHealth(), so they cannot disagree. The rules
// are docs/health.md's, in
// order, the first that holds: broken, stuck, failing, overdue, warning,
// running, pending, ok.
//
// Not for: reading anything. The caller gathers the facts — the job's
// definition (or why it failed to load), what the history says of its runs,
// when surety first saw it, now and the boot time — and maps its run results
// to LastOutcome (store/ is not a dependency of sched/). Elapses are
// computed exactly as `surety next` computes them (NextCalendarElapses()),
// without the random delay, which is part of the slack instead.
//
// Thread-safety: pure functions of their arguments; EvaluateHealth() mutates
// only the MktimeState and ZoneDb in `eval`, as NextElapse() does.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "base/instant.h"
#include "job/job_spec.h"
#include "time/calendar_spec.h"

namespace surety {

enum class Health { kOk, kPending, kRunning, kStuck, kWarning, kFailing, kOverdue, kBroken };

// "ok", "pending", "running", "stuck", "warning", "failing", "overdue",
// "broken".
std::string_view HealthName(Health health);
std::optional<Health> HealthFromName(std::string_view name);

// The Nagios plugin status `surety check` exits with: broken, stuck, failing
// and overdue → 2 (CRITICAL), warning → 1 (WARNING), the rest → 0 (OK).
// (UNKNOWN, 3, is the caller's: facts it could not read.)
int HealthCheckStatus(Health health);

// How the last run that counts ended. Callers skip `skipped` runs and runs
// still going.
enum class LastOutcome {
  kNone,     // no finished run
  kGood,     // success, already_done
  kWarning,  // warning
  kFailure,  // failed, timeout, preflight_failed, verify_failed, interrupted
  // interrupted by an operator: neither failing nor warning, unless the
  // caller is configured to map it to kFailure.
  kOperatorStopped,
};

// What the history says of one job.
struct JobRunFacts {
  // The newest run of any trigger and result, running ones included.
  std::optional<Instant> last_start;
  LastOutcome last_outcome = LastOutcome::kNone;
  // The finish of that last counted run.
  std::optional<Instant> last_finish;
  // That run's record message ("exited with status 1: …"), quoted in the
  // detail of a failing or warning job; may be empty.
  std::string last_message;
  struct Running {
    Instant started;
    bool runner_alive = true;
  };
  // The newest run still recorded as running, if any.
  std::optional<Running> running;
};

struct HealthInput {
  const JobSpec* job = nullptr;  // REQUIRES: non-null unless `broken`
  // "file:line:col: message" when the job's own definition failed to load.
  std::optional<std::string> broken;
  JobRunFacts runs;
  // The first time surety saw this job; elapses before it are not the job's
  // fault.
  Instant first_seen;
  Instant now;
  Instant boot;  // the kernel's boot, for on_boot
  // For calendar elapses and for the instants in `detail` (eval.local).
  CalendarEvalContext eval;
};

struct HealthReport {
  Health health = Health::kOk;
  // One sentence for people: "no run started since the Fri 2026-03-06
  // 00:00:00 UTC elapse; 29min 59s past its deadline". Instants are in
  // eval.local. Holds no job-file contents besides the broken message and
  // no run output besides the last run's record message.
  std::string detail;
  // E_k*: the latest elapse at or after first_seen whose deadline has
  // passed, when there is one (also when the job is not overdue).
  std::optional<Instant> expected;
  std::optional<Instant> deadline;  // its D_k* = E_k* + slack
  // When the job becomes overdue (or, when it already is, overdue for a
  // later elapse) if no run starts before: the deadline of the first elapse
  // after the newest start, or after E_k*. nullopt when no elapse is coming
  // (manual-only jobs, a run in progress of an interval_from = "finish"
  // job, a schedule that has ended).
  std::optional<Instant> next_deadline;
  bool never_ran = false;  // no run at all, running ones included
  Micros late{0};          // now − D_k* when overdue
};

// grace when the job sets none: healthchecks.io's default.
inline constexpr Micros kDefaultGrace{std::chrono::hours(1)};

// randomized_delay (its maximum, also with fixed_random_delay) + accuracy
// + grace (kDefaultGrace when unset): how long after an elapse a start is
// still on time.
Micros HealthSlack(const JobSpec& job);

// The longest a run of `job` can legitimately be recorded as running,
// margin included; nullopt when unbounded (an infinite timeout, kill_grace,
// lock_wait or preflight.wait). See docs/health.md.
std::optional<Micros> LongestRun(const JobSpec& job);

HealthReport EvaluateHealth(const HealthInput& in);

}  // namespace surety
