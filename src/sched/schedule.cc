#include "sched/schedule.h"

#include <algorithm>

namespace surety {

namespace {

std::optional<Instant> EarliestCalendar(const JobSpec& job, Instant base,
                                        const CalendarEvalContext& eval) {
  std::optional<Instant> best;
  for (const auto& spec : job.schedule) {
    auto next = NextElapse(spec, base, eval);
    // systemd skips a value whose computation fails (never, EDEADLK).
    if (!next.ok() || !next->has_value()) continue;
    if (!best || **next < *best) best = **next;
  }
  return best;
}

}  // namespace

std::optional<Due> NextDue(const JobSpec& job, const JobHistoryFacts& facts,
                           const ScheduleContext& ctx) {
  std::optional<Due> best;
  auto consider = [&](Instant nominal, Trigger trigger) {
    if (!best || nominal < best->nominal) best = Due{nominal, nominal, trigger};
  };
  // A daemon start (or last trigger) in the future means the clock jumped
  // backwards: like systemd, count from now instead, so the timer does not
  // stall until the clock catches up again.
  const Instant start = std::min(ctx.daemon_start, ctx.now);
  if (!job.schedule.empty()) {
    Instant base = facts.last_trigger.value_or(start);
    if (base > ctx.now && facts.last_trigger) base = ctx.now;
    if (auto e = EarliestCalendar(job, base, ctx.eval)) {
      // Rebase: an elapse that passed before the daemon started is due at start.
      bool missed = *e < start;
      consider(std::max(*e, start), missed ? Trigger::kCatchup : Trigger::kSchedule);
    }
  }
  if (job.on_boot && !facts.boot_done) {
    Instant e = ctx.boot + SpanMicros(*job.on_boot);
    // Consumed when it already passed before we could run it in this boot.
    if (!(facts.last_trigger && e < ctx.now && *facts.last_trigger >= ctx.boot))
      consider(std::max(e, ctx.daemon_start), Trigger::kBoot);
  }
  if (job.on_startup && !facts.startup_done)
    consider(ctx.daemon_start + SpanMicros(*job.on_startup), Trigger::kBoot);
  if (job.interval) {
    std::optional<Instant> from =
        job.interval_from == IntervalFrom::kFinish ? facts.last_finish : facts.last_start;
    Instant base =
        from ? std::max(*from, ctx.daemon_start - SpanMicros(*job.interval)) : ctx.daemon_start;
    consider(base + SpanMicros(*job.interval), Trigger::kSchedule);
  }
  if (best && job.randomized_delay.usec > 0 && ctx.random_delay_usec)
    best->when = best->nominal + Micros{static_cast<int64_t>(ctx.random_delay_usec(job))};
  return best;
}

std::vector<Instant> NextCalendarElapses(const JobSpec& job, Instant after, int count,
                                         const CalendarEvalContext& eval) {
  std::vector<Instant> out;
  Instant base = after;
  for (int i = 0; i < count; ++i) {
    auto e = EarliestCalendar(job, base, eval);
    if (!e) break;
    out.push_back(*e);
    base = *e;
  }
  return out;
}

namespace {
bool SameTimer(const JobSpec& a, const JobSpec& b) {
  return a.schedule_text == b.schedule_text && a.persistent == b.persistent &&
         a.randomized_delay == b.randomized_delay && a.fixed_random_delay == b.fixed_random_delay &&
         a.accuracy == b.accuracy && a.interval == b.interval &&
         a.interval_from == b.interval_from && a.on_boot == b.on_boot &&
         a.on_startup == b.on_startup;
}
}  // namespace

ReloadDiff DiffJobs(const std::map<std::string, JobSpec>& before,
                    const std::map<std::string, JobSpec>& after) {
  ReloadDiff d;
  for (const auto& [name, job] : after) {
    auto it = before.find(name);
    if (it == before.end())
      d.added.push_back(name);
    else if (SameTimer(it->second, job))
      d.unchanged.push_back(name);
    else
      d.changed.push_back(name);
  }
  for (const auto& [name, job] : before)
    if (!after.count(name)) d.removed.push_back(name);
  return d;
}

}  // namespace surety
