#include "sched/health.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>
#include <vector>

#include "sched/schedule.h"
#include "time/timespan.h"
#include "time/timestamp.h"

namespace surety {

namespace {

constexpr Micros kOneMicro{1};
// How many elapses EvaluateHealth() steps through from t to find E_k* of an
// overdue job before it bisects instead (about 17 h of a minutely job).
constexpr int kChainSteps = 1000;
// LastBefore(): the window it starts with when no gap between elapses is
// known, and how far it steps along the chain before it bisects instead.
constexpr Micros kFirstWindow{std::chrono::hours(1)};
constexpr int kGallopSteps = 16;

// What a run may take besides its attempts, as the runner and checks spend
// it (docs/runner.md; sched/ cannot include runner/ or checks/):
// a preflight round after preflight.wait ran out (its command may take
// 5 min, each reachable address 5 s), the copy of a job's output to a slow
// reader after it exited (5 min at most per attempt), the verify command
// (1 h), and a margin for recording and scheduling.
constexpr Micros kPreflightCommandLimit{std::chrono::minutes(5)};
constexpr Micros kConnectLimit{std::chrono::seconds(5)};
constexpr Micros kOutputDrainLimit{std::chrono::minutes(5)};
constexpr Micros kVerifyCommandLimit{std::chrono::hours(1)};
constexpr Micros kRunMargin{std::chrono::minutes(1)};

// a + b, or nullopt when the sum would pass kMaxSpan (then unbounded).
std::optional<Micros> AddBounded(std::optional<Micros> a, Micros b) {
  if (!a || b >= kMaxSpan || *a >= kMaxSpan - b) return std::nullopt;
  return *a + b;
}

std::string Ts(Instant t, const HealthInput& in) { return FormatTimestamp(t, *in.eval.local); }

std::string Span(Micros m) {
  return FormatTimespan(Timespan{static_cast<uint64_t>(std::max(m, Micros{0}).count())}, 1'000'000);
}

// The job's elapses E_1 < E_2 < …: its calendar schedules (as `surety next`
// computes them), and the single elapses of `interval` and `on_boot`, which
// depend on the history and so are fixed once per evaluation.
class Elapses {
 public:
  Elapses(const JobSpec& job, const CalendarEvalContext& eval, std::vector<Instant> singles)
      : job_(job), eval_(eval), singles_(std::move(singles)) {}

  // The first elapse strictly after `after`.
  std::optional<Instant> After(Instant after) const {
    std::optional<Instant> best;
    std::vector<Instant> cal = NextCalendarElapses(job_, after, 1, eval_);
    if (!cal.empty()) best = cal.front();
    for (Instant s : singles_)
      if (s > after && (!best || s < *best)) best = s;
    return best;
  }

  // The last elapse in (lo, x], by bisection over After(): about
  // log2((x − lo) / 1 µs) ≤ 64 calls however many elapses lie between.
  // After() grows with its argument except in a DST overlap, where
  // NextElapse() judges "after" on wall-clock fields: from inside the
  // repeated hour it answers the hour's second occurrence, which systemd's
  // chain of elapses (each computed after the previous) skips. Bisection may
  // land there, so callers use it only where stepping along the chain is
  // too long.
  std::optional<Instant> LastIn(Instant lo, Instant x) const {
    if (x <= lo) return std::nullopt;
    std::optional<Instant> found = After(lo);
    if (!found || *found > x) return std::nullopt;
    Instant hi = x;  // After(hi) > x always
    while (hi - lo > kOneMicro) {
      const Instant mid = lo + (hi - lo) / 2;
      std::optional<Instant> e = After(mid);
      if (e && *e <= x) {
        lo = mid;
        found = e;
      } else {
        hi = mid;
      }
    }
    return found;
  }

  // The same, searching back from x: windows (x − w, x] with w from `w0`,
  // four times larger each time, until one holds an elapse; then along the
  // chain to the last one ≤ x. With w0 near the gap between elapses that is
  // a handful of After() calls where LastIn() makes about 45 for a year;
  // past kGallopSteps steps of the chain LastIn() finishes the search. The
  // answer is LastIn()'s except in a DST overlap (see there): both give the
  // last elapse at or before x of the chain they walk.
  std::optional<Instant> LastBefore(Instant lo, Instant x, Micros w0) const {
    if (x <= lo) return std::nullopt;
    Micros w = std::max(w0, kOneMicro);
    for (;;) {
      const Instant y = x - lo > w ? x - w : lo;
      std::optional<Instant> e = After(y);
      if (e && *e > lo && *e <= x) {
        for (int i = 0; i < kGallopSteps; ++i) {
          const std::optional<Instant> n = After(*e);
          if (!n || *n > x) return e;
          e = n;
        }
        const std::optional<Instant> rest = LastIn(*e, x);
        return rest ? rest : e;
      }
      if (y == lo) return std::nullopt;
      w = w < kMaxSpan / 4 ? w * 4 : kMaxSpan;
    }
  }

 private:
  const JobSpec& job_;
  const CalendarEvalContext& eval_;
  std::vector<Instant> singles_;
};

// The single elapses: interval (from the newest start, or from the last
// finish with interval_from = "finish"; from first_seen when the job never
// ran) and on_boot (this boot's, if at or after first_seen). on_startup is
// left out: it counts from the daemon's start, which is no fact of the
// job's history, and counting it from the boot would call a job overdue
// whenever the daemon started later than the boot.
std::vector<Instant> SingleElapses(const HealthInput& in, std::optional<Instant> newest_start) {
  const JobSpec& job = *in.job;
  std::vector<Instant> out;
  if (job.interval) {
    const Micros span = SpanMicros(*job.interval);
    std::optional<Instant> from = newest_start;
    bool known = true;
    if (job.interval_from == IntervalFrom::kFinish) {
      // A run in progress: the next elapse is after its finish, unknown yet.
      // Otherwise the finish of the last counted run, or the start of a
      // newer uncounted (skipped) one, which ended as it began.
      known = !in.runs.running;
      from = in.runs.last_finish;
      if (newest_start && (!from || *newest_start > *from)) from = newest_start;
    }
    if (known) {
      Instant e = from ? *from + span : in.first_seen + span;
      if (e < in.first_seen) e = in.first_seen + span;  // ran only before first_seen
      out.push_back(e);
    }
  }
  if (job.on_boot) {
    const Instant e = in.boot + SpanMicros(*job.on_boot);
    if (e >= in.first_seen) out.push_back(e);
  }
  return out;
}

}  // namespace

std::string_view HealthName(Health health) {
  switch (health) {
    case Health::kOk:
      return "ok";
    case Health::kPending:
      return "pending";
    case Health::kRunning:
      return "running";
    case Health::kStuck:
      return "stuck";
    case Health::kWarning:
      return "warning";
    case Health::kFailing:
      return "failing";
    case Health::kOverdue:
      return "overdue";
    case Health::kBroken:
      return "broken";
  }
  return "ok";
}

std::optional<Health> HealthFromName(std::string_view name) {
  for (Health h : {Health::kOk, Health::kPending, Health::kRunning, Health::kStuck,
                   Health::kWarning, Health::kFailing, Health::kOverdue, Health::kBroken})
    if (HealthName(h) == name) return h;
  return std::nullopt;
}

int HealthCheckStatus(Health health) {
  switch (health) {
    case Health::kBroken:
    case Health::kStuck:
    case Health::kFailing:
    case Health::kOverdue:
      return 2;
    case Health::kWarning:
      return 1;
    case Health::kOk:
    case Health::kPending:
    case Health::kRunning:
      return 0;
  }
  return 0;
}

Micros HealthSlack(const JobSpec& job) {
  const Micros grace = job.grace ? SpanMicros(*job.grace) : kDefaultGrace;
  std::optional<Micros> s = AddBounded(SpanMicros(job.randomized_delay), SpanMicros(job.accuracy));
  s = AddBounded(s, grace);
  return s.value_or(kMaxSpan);
}

std::optional<Micros> LongestRun(const JobSpec& job) {
  // timeout "infinity" (or 0: no timeout either, as the runner reads it)
  // and kill_grace "infinity" let an attempt run for ever.
  if (job.timeout.infinite() || job.timeout.usec == 0 || job.kill_grace.infinite())
    return std::nullopt;
  std::optional<Micros> total = kRunMargin;
  if (job.overlap == Overlap::kWait) {
    if (job.lock_wait.infinite()) return std::nullopt;
    total = AddBounded(total, SpanMicros(job.lock_wait));
  }
  if (!job.preflight.empty()) {
    if (job.preflight.wait.infinite()) return std::nullopt;
    total = AddBounded(total, SpanMicros(job.preflight.wait));
    total = AddBounded(total, kPreflightCommandLimit);
    total = AddBounded(total, kConnectLimit * static_cast<int64_t>(job.preflight.reachable.size()));
  }
  const Micros attempt = SpanMicros(job.timeout) + SpanMicros(job.kill_grace) + kOutputDrainLimit;
  for (int n = 0; n <= job.retries && total; ++n) total = AddBounded(total, attempt);
  // The delay before retry n: retry_delay × backoff^(n−1), capped by
  // retry_delay_max (the runner's RetryDelay()).
  const double base =
      job.retry_delay.infinite() ? 0.0 : static_cast<double>(SpanMicros(job.retry_delay).count());
  const double cap = static_cast<double>(SpanMicros(job.retry_delay_max).count());
  for (int n = 1; n <= job.retries && total; ++n) {
    const double d = std::min(base * std::pow(job.retry_backoff, n - 1), cap);
    total = AddBounded(total, Micros{static_cast<int64_t>(d)});
  }
  if (!job.verify.command.empty()) total = AddBounded(total, kVerifyCommandLimit);
  return total;
}

HealthReport EvaluateHealth(const HealthInput& in) {
  HealthReport r;
  const JobRunFacts& runs = in.runs;
  std::optional<Instant> newest_start = runs.last_start;
  if (runs.running && (!newest_start || runs.running->started > *newest_start))
    newest_start = runs.running->started;
  r.never_ran = !newest_start;

  // 1. broken
  if (in.broken) {
    r.health = Health::kBroken;
    r.detail = "the job's definition does not load: " + *in.broken;
    return r;
  }
  assert(in.job != nullptr);
  const JobSpec& job = *in.job;

  // The schedule, for every rule below: overdue needs it, the others report
  // expected and next_deadline too.
  const bool manual_only = job.schedule.empty() && !job.interval && !job.on_boot;
  bool overdue = false;
  if (!manual_only) {
    const Micros slack = HealthSlack(job);
    const Elapses elapses(job, in.eval, SingleElapses(in, newest_start));
    const Instant before_first_seen = in.first_seen - kOneMicro;
    // The efficient rule: t, the first elapse after the newest start (at or
    // after first_seen), is the earliest elapse no run answered. The job is
    // overdue iff its deadline has passed; then E_k* ≥ t.
    Instant base = before_first_seen;
    if (newest_start && *newest_start > base) base = *newest_start;
    const std::optional<Instant> t = elapses.After(base);
    // (slack ≤ kMaxSpan: instants plus or minus it cannot overflow.)
    overdue = t && *t + slack <= in.now;
    // k*: the last elapse at or after first_seen with E + slack ≤ now.
    const Instant last_due = in.now - slack;
    std::optional<Instant> k;
    if (overdue) {
      // Step along the elapses from t, as systemd's chain goes; past
      // kChainSteps (a long silence of a frequent job) bisect the rest.
      k = t;
      int steps = 0;
      for (; steps < kChainSteps; ++steps) {
        std::optional<Instant> n = elapses.After(*k);
        if (!n || *n > last_due) break;
        k = n;
      }
      if (steps == kChainSteps) {
        if (std::optional<Instant> b = elapses.LastIn(*k, last_due)) k = b;
      }
    } else {
      // Not overdue: the newest start answered k*, so E_k* ≤ that start.
      Instant upto = last_due;
      if (newest_start && *newest_start < upto) upto = *newest_start;
      // E_k* lies a gap or so before t: start looking that far back.
      k = elapses.LastBefore(before_first_seen, upto, t ? *t - upto : kFirstWindow);
    }
    if (k) {
      r.expected = *k;
      r.deadline = *k + slack;
    }
    const std::optional<Instant> next = overdue ? elapses.After(*k) : t;
    if (next) r.next_deadline = *next + slack;
    if (overdue) r.late = in.now - *r.deadline;
  }

  // 2. stuck
  if (runs.running) {
    const Instant started = runs.running->started;
    if (!runs.running->runner_alive) {
      r.health = Health::kStuck;
      r.detail =
          "the run started " + Ts(started, in) + " is recorded as running, but its runner is gone";
      return r;
    }
    const std::optional<Micros> longest = LongestRun(job);
    if (longest && in.now - started > *longest) {
      r.health = Health::kStuck;
      r.detail = "running since " + Ts(started, in) + " (" + Span(in.now - started) +
                 "), longer than a run can take (" + Span(*longest) + ")";
      return r;
    }
  }

  const std::string last_finish =
      runs.last_finish ? " (finished " + Ts(*runs.last_finish, in) + ")" : "";
  const std::string last_message = runs.last_message.empty() ? "" : ": " + runs.last_message;
  // 3. failing
  if (runs.last_outcome == LastOutcome::kFailure) {
    r.health = Health::kFailing;
    r.detail = "the last run" + last_finish + " failed" + last_message;
    return r;
  }
  // 4. overdue
  if (overdue) {
    r.health = Health::kOverdue;
    r.detail = (r.never_ran ? "never ran; the " + Ts(*r.expected, in) + " elapse is "
                            : "no run started since the " + Ts(*r.expected, in) + " elapse; ") +
               Span(r.late) + " past its deadline";
    return r;
  }
  // 5. warning
  if (runs.last_outcome == LastOutcome::kWarning) {
    r.health = Health::kWarning;
    r.detail = "the last run" + last_finish + " ended with a warning" + last_message;
    return r;
  }
  // 6. running
  if (runs.running) {
    r.health = Health::kRunning;
    r.detail = "running since " + Ts(runs.running->started, in);
    return r;
  }
  // 7. pending: no k* yet, and no run either (a manual-only job has no k*
  // ever, and is ok).
  if (!manual_only && !r.expected && r.never_ran) {
    r.health = Health::kPending;
    r.detail = r.next_deadline ? "never ran; nothing due before " + Ts(*r.next_deadline, in)
                               : "never ran; the schedule has no elapse left";
    return r;
  }
  // 8. ok
  r.health = Health::kOk;
  if (manual_only) r.detail = job.on_startup ? "on_startup only; " : "manual only; ";
  if (r.never_ran)
    r.detail += "never ran";
  else
    r.detail += "last run started " + Ts(*newest_start, in);
  if (runs.last_outcome == LastOutcome::kOperatorStopped) r.detail += ", stopped by an operator";
  return r;
}

}  // namespace surety
