#include "sched/health.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sched/schedule.h"
#include "time/timestamp.h"

namespace surety {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Timespan Span(Micros m) { return Timespan{static_cast<uint64_t>(m.count())}; }

// Every instant is UTC (the local zone); schedules may name zones of their
// own. Jobs get accuracy 1s, as the worked examples of docs/health.md.
class HealthTest : public testing::Test {
 protected:
  HealthTest() {
    pc_.tzname[0] = local_->tzname(0);
    pc_.tzname[1] = local_->tzname(1);
    pc_.zones = &zones_;
  }
  // "2026-03-05 00:10:00" in UTC.
  Instant At(const std::string& text) {
    TimestampContext tc{Instant{}, local_.get(), &zones_, &state_};
    auto t = ParseTimestamp(text, tc);
    EXPECT_TRUE(t.ok()) << text;
    return t.ok() ? *t : Instant{};
  }
  JobSpec Job(std::vector<std::string> specs, std::optional<Micros> grace = hours(1)) {
    JobSpec j;
    j.name = "db";
    j.accuracy = Span(seconds(1));
    if (grace) j.grace = Span(*grace);
    for (const auto& s : specs) {
      auto p = ParseCalendarSpec(s, pc_);
      EXPECT_TRUE(p.ok()) << s;
      if (p.ok()) j.schedule.push_back(*p);
      j.schedule_text.push_back(s);
    }
    return j;
  }
  // Seen since 2026-01-01, booted then too; no runs.
  HealthInput In(const JobSpec& job, const std::string& now) {
    HealthInput in;
    in.job = &job;
    in.first_seen = At("2026-01-01 00:00:00");
    in.boot = At("2026-01-01 00:00:00");
    in.now = At(now);
    in.eval = CalendarEvalContext{local_.get(), &zones_, &state_};
    return in;
  }
  // A finished run, the last one.
  void Ran(HealthInput& in, const std::string& start, LastOutcome outcome = LastOutcome::kGood) {
    in.runs.last_start = At(start);
    in.runs.last_finish = At(start) + minutes(1);
    in.runs.last_outcome = outcome;
  }
  std::string Show(std::optional<Instant> t) {
    return t ? FormatTimestamp(*t, *local_) : std::string("none");
  }

  ZoneDb zones_;
  std::shared_ptr<const Zone> local_ = zones_.LocalFromTz(std::string(":UTC"));
  MktimeState state_;
  CalendarParseContext pc_;
};

// --- the worked examples of health-semantics.md, one test each -------------

TEST_F(HealthTest, WorkedDailyRanYesterdayIsOk) {
  JobSpec j = Job({"daily"});
  HealthInput in = In(j, "2026-03-06 00:30:00");
  Ran(in, "2026-03-05 00:10:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.expected), "Thu 2026-03-05 00:00:00 UTC");  // k* = 03-05, run at 00:10 ≥ E
  EXPECT_EQ(Show(r.deadline), "Thu 2026-03-05 01:00:01 UTC");
  EXPECT_EQ(Show(r.next_deadline), "Fri 2026-03-06 01:00:01 UTC");
  EXPECT_EQ(r.late, Micros{0});
  EXPECT_FALSE(r.never_ran);
  EXPECT_EQ(r.detail, "last run started Thu 2026-03-05 00:10:00 UTC");
}

TEST_F(HealthTest, WorkedDailyWithoutTodaysRunIsOverdue) {
  JobSpec j = Job({"daily"});
  HealthInput in = In(j, "2026-03-06 01:30:00");
  Ran(in, "2026-03-05 00:10:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Fri 2026-03-06 00:00:00 UTC");
  EXPECT_EQ(Show(r.deadline), "Fri 2026-03-06 01:00:01 UTC");
  EXPECT_EQ(r.late, minutes(29) + seconds(59));  // "by 30 min": the deadline is 1 s later
  EXPECT_EQ(Show(r.next_deadline), "Sat 2026-03-07 01:00:01 UTC");
  EXPECT_FALSE(r.never_ran);
  EXPECT_EQ(r.detail,
            "no run started since the Fri 2026-03-06 00:00:00 UTC elapse; 29min 59s past its "
            "deadline");
  EXPECT_EQ(HealthCheckStatus(r.health), 2);
}

TEST_F(HealthTest, WorkedRunInsideTheWindowCounts) {
  JobSpec j = Job({"daily"});
  HealthInput in = In(j, "2026-03-06 01:30:00");
  Ran(in, "2026-03-06 00:59:00");  // after 03-05 00:10: the newest is what counts
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.expected), "Fri 2026-03-06 00:00:00 UTC");
  EXPECT_EQ(r.late, Micros{0});
  EXPECT_EQ(Show(r.next_deadline), "Sat 2026-03-07 01:00:01 UTC");
}

TEST_F(HealthTest, WorkedRandomizedDelayWidensTheWindow) {
  JobSpec j = Job({"daily"});
  j.randomized_delay = Span(hours(2));
  HealthInput in = In(j, "2026-03-06 02:30:00");
  Ran(in, "2026-03-05 01:40:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(HealthSlack(j), hours(3) + seconds(1));
  EXPECT_EQ(Show(r.expected), "Thu 2026-03-05 00:00:00 UTC");       // k* = 03-05
  EXPECT_EQ(Show(r.next_deadline), "Fri 2026-03-06 03:00:01 UTC");  // not reached
  EXPECT_EQ(r.late, Micros{0});
}

TEST_F(HealthTest, WorkedNewYorkSpringForwardDayIsSkipped) {
  // 02:30 does not exist in New York on 2026-03-08: systemd skips the day.
  JobSpec j = Job({"*-*-* 02:30 America/New_York"}, minutes(30));
  HealthInput in = In(j, "2026-03-08 09:00:00");
  Ran(in, "2026-03-07 07:31:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.expected), "Sat 2026-03-07 07:30:00 UTC");
  // The next elapse is 03-09 02:30 EDT, 06:30 UTC.
  EXPECT_EQ(Show(r.next_deadline), "Mon 2026-03-09 07:00:01 UTC");
  EXPECT_EQ(r.late, Micros{0});
}

TEST_F(HealthTest, WorkedNewYorkDayAfterSpringForwardIsOverdue) {
  JobSpec j = Job({"*-*-* 02:30 America/New_York"}, minutes(30));
  HealthInput in = In(j, "2026-03-09 07:10:00");
  Ran(in, "2026-03-07 07:31:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Mon 2026-03-09 06:30:00 UTC");  // an hour earlier in UTC
  EXPECT_EQ(Show(r.deadline), "Mon 2026-03-09 07:00:01 UTC");
  EXPECT_EQ(r.late, minutes(9) + seconds(59));
  EXPECT_FALSE(r.never_ran);
}

TEST_F(HealthTest, WorkedFailingOutranksAPunctualSchedule) {
  JobSpec j = Job({"hourly"}, minutes(5));
  HealthInput in = In(j, "2026-03-05 10:30:00");
  Ran(in, "2026-03-05 10:00:00", LastOutcome::kFailure);
  in.runs.last_message = "exited with status 1: pg_dump: connection refused";
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kFailing);
  EXPECT_EQ(Show(r.expected), "Thu 2026-03-05 10:00:00 UTC");  // punctual: answered
  EXPECT_EQ(r.late, Micros{0});
  EXPECT_EQ(r.detail,
            "the last run (finished Thu 2026-03-05 10:01:00 UTC) failed: exited with status 1: "
            "pg_dump: connection refused");
  EXPECT_EQ(HealthCheckStatus(r.health), 2);
}

TEST_F(HealthTest, WorkedNeverRanBeforeTheFirstDeadlineIsPending) {
  JobSpec j = Job({"daily"});
  HealthInput in = In(j, "2026-03-05 23:00:00");
  in.first_seen = At("2026-03-05 12:00:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kPending);
  EXPECT_TRUE(r.never_ran);
  EXPECT_FALSE(r.expected);  // no k* yet
  EXPECT_EQ(Show(r.next_deadline), "Fri 2026-03-06 01:00:01 UTC");
  EXPECT_EQ(r.late, Micros{0});
  EXPECT_EQ(HealthCheckStatus(r.health), 0);
}

TEST_F(HealthTest, WorkedNeverRanPastTheFirstDeadlineIsOverdue) {
  JobSpec j = Job({"daily"});
  HealthInput in = In(j, "2026-03-06 01:30:00");
  in.first_seen = At("2026-03-05 12:00:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_TRUE(r.never_ran);
  EXPECT_EQ(Show(r.expected), "Fri 2026-03-06 00:00:00 UTC");
  EXPECT_EQ(r.late, minutes(29) + seconds(59));
  EXPECT_EQ(r.detail,
            "never ran; the Fri 2026-03-06 00:00:00 UTC elapse is 29min 59s past its deadline");
}

TEST_F(HealthTest, WorkedRunnerAlivePastItsTimeoutIsStuck) {
  JobSpec j = Job({"daily"});
  j.timeout = Span(hours(2));
  j.kill_grace = Span(seconds(30));
  HealthInput in = In(j, "2026-03-06 03:00:00");
  in.runs.last_start = At("2026-03-06 00:00:00");
  in.runs.running = JobRunFacts::Running{At("2026-03-06 00:00:00"), true};
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kStuck);
  EXPECT_FALSE(r.never_ran);
  EXPECT_EQ(r.late, Micros{0});
  // timeout + kill_grace + the output drain's 5 min + 1 min margin.
  EXPECT_EQ(LongestRun(j), hours(2) + minutes(6) + seconds(30));
  EXPECT_EQ(r.detail,
            "running since Fri 2026-03-06 00:00:00 UTC (3h), longer than a run can take (2h 6min "
            "30s)");
  // Within that time the run is only running: it started at the elapse.
  in.now = At("2026-03-06 02:06:30");
  EXPECT_EQ(EvaluateHealth(in).health, Health::kRunning);
}

// --- beyond the table ------------------------------------------------------

TEST_F(HealthTest, LastDayOfMonthSpec) {
  JobSpec j = Job({"*-*~01 03:00"});  // the last day of every month
  HealthInput in = In(j, "2026-02-28 03:30:00");
  Ran(in, "2026-01-31 03:05:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.expected), "Sat 2026-01-31 03:00:00 UTC");
  EXPECT_EQ(Show(r.next_deadline), "Sat 2026-02-28 04:00:01 UTC");
  in.now = At("2026-02-28 05:00:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Sat 2026-02-28 03:00:00 UTC");
  EXPECT_EQ(r.late, minutes(59) + seconds(59));
  EXPECT_EQ(Show(r.next_deadline), "Tue 2026-03-31 04:00:01 UTC");
}

// Berlin falls back on 2026-10-25: 02:30 happens twice (00:30 UTC in CEST,
// 01:30 UTC in CET). systemd elapses once, at the first; a run then answers
// the day, and no second deadline follows at 02:00:01 UTC.
TEST_F(HealthTest, BerlinRepeatedHourElapsesOnce) {
  JobSpec j = Job({"*-*-* 02:30 Europe/Berlin"}, minutes(30));
  auto elapses = NextCalendarElapses(j, At("2026-10-24 12:00:00"), 2, In(j, "2026-10-24").eval);
  ASSERT_EQ(elapses.size(), 2u);
  EXPECT_EQ(Show(elapses[0]), "Sun 2026-10-25 00:30:00 UTC");
  EXPECT_EQ(Show(elapses[1]), "Mon 2026-10-26 01:30:00 UTC");

  HealthInput in = In(j, "2026-10-25 02:30:00");
  Ran(in, "2026-10-25 00:30:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.expected), "Sun 2026-10-25 00:30:00 UTC");
  EXPECT_EQ(Show(r.next_deadline), "Mon 2026-10-26 02:00:01 UTC");

  in.runs = {};
  Ran(in, "2026-10-24 00:30:00");
  in.now = At("2026-10-25 01:10:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Sun 2026-10-25 00:30:00 UTC");
  EXPECT_EQ(r.late, minutes(9) + seconds(59));
  // Past the second 02:30 too, the day's one elapse is still 00:30 UTC.
  in.now = At("2026-10-25 02:10:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Sun 2026-10-25 00:30:00 UTC");
  EXPECT_EQ(r.late, hours(1) + minutes(9) + seconds(59));
  EXPECT_EQ(Show(r.next_deadline), "Mon 2026-10-26 02:00:01 UTC");
}

// A fixed random delay is one offset per machine, which this pure function
// does not know: the window is its maximum, as for a fresh random delay.
TEST_F(HealthTest, FixedRandomDelayCountsItsMaximum) {
  JobSpec j = Job({"daily"}, minutes(10));
  j.randomized_delay = Span(minutes(30));
  j.fixed_random_delay = true;
  HealthInput in = In(j, "2026-03-06 00:35:00");
  Ran(in, "2026-03-05 00:20:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.next_deadline), "Fri 2026-03-06 00:40:01 UTC");
  in.now = At("2026-03-06 00:45:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Fri 2026-03-06 00:00:00 UTC");
  EXPECT_EQ(r.late, minutes(4) + seconds(59));
}

TEST_F(HealthTest, DeadRunnerIsStuckAtOnce) {
  JobSpec j = Job({"daily"});  // no timeout: only a dead runner makes it stuck
  HealthInput in = In(j, "2026-03-06 00:00:02");
  in.runs.last_start = At("2026-03-06 00:00:01");
  in.runs.running = JobRunFacts::Running{At("2026-03-06 00:00:01"), false};
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kStuck);
  EXPECT_FALSE(r.never_ran);
  EXPECT_EQ(r.late, Micros{0});
  EXPECT_EQ(r.detail,
            "the run started Fri 2026-03-06 00:00:01 UTC is recorded as running, but its runner "
            "is gone");
  EXPECT_EQ(HealthCheckStatus(r.health), 2);
}

// first_seen stays when a job's schedule changes; what counts is the new
// schedule's elapses after the last run.
TEST_F(HealthTest, JobEditedFromDailyToWeeklyIsJudgedByTheWeeklySchedule) {
  JobSpec weekly = Job({"weekly"});                    // Mondays 00:00
  HealthInput in = In(weekly, "2026-03-07 12:00:00");  // a Saturday
  Ran(in, "2026-03-05 00:10:00");                      // Thursday, 2 days ago
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.expected), "Mon 2026-03-02 00:00:00 UTC");
  EXPECT_EQ(Show(r.next_deadline), "Mon 2026-03-09 01:00:01 UTC");
  EXPECT_EQ(r.late, Micros{0});
  // Under the daily schedule the same history was overdue.
  JobSpec daily = Job({"daily"});
  in.job = &daily;
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Sat 2026-03-07 00:00:00 UTC");
  EXPECT_EQ(r.late, hours(11) - seconds(1));
}

TEST_F(HealthTest, ManualOnlyJobIsNeverOverdue) {
  JobSpec j = Job({});
  HealthInput in = In(j, "2026-03-06 00:00:00");
  in.first_seen = At("2025-01-01 00:00:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);  // not pending: it has no deadline, ever
  EXPECT_TRUE(r.never_ran);
  EXPECT_FALSE(r.expected);
  EXPECT_FALSE(r.next_deadline);
  EXPECT_EQ(r.detail, "manual only; never ran");
  Ran(in, "2025-02-01 00:00:00");  // a year ago
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_FALSE(r.never_ran);
  EXPECT_EQ(r.late, Micros{0});
  in.runs.last_outcome = LastOutcome::kFailure;
  EXPECT_EQ(EvaluateHealth(in).health, Health::kFailing);
  in.runs.last_outcome = LastOutcome::kWarning;
  EXPECT_EQ(EvaluateHealth(in).health, Health::kWarning);
}

TEST_F(HealthTest, IntervalJobIsDueAnIntervalAfterItsLastStart) {
  JobSpec j = Job({}, minutes(15));
  j.interval = Span(hours(1));
  HealthInput in = In(j, "2026-03-05 11:10:00");
  Ran(in, "2026-03-05 10:00:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.next_deadline), "Thu 2026-03-05 11:15:01 UTC");
  in.now = At("2026-03-05 11:30:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Thu 2026-03-05 11:00:00 UTC");
  EXPECT_EQ(r.late, minutes(14) + seconds(59));
  EXPECT_FALSE(r.next_deadline);  // no elapse follows until a run starts

  // interval_from = "finish": an hour after the finish at 10:40.
  j.interval_from = IntervalFrom::kFinish;
  in.runs.last_finish = At("2026-03-05 10:40:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.next_deadline), "Thu 2026-03-05 11:55:01 UTC");
  // A run in progress: the next elapse waits for its finish.
  in.runs.last_start = At("2026-03-05 11:20:00");
  in.runs.running = JobRunFacts::Running{At("2026-03-05 11:20:00"), true};
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kRunning);
  EXPECT_FALSE(r.next_deadline);
}

TEST_F(HealthTest, IntervalJobThatNeverRanCountsFromFirstSeen) {
  JobSpec j = Job({}, minutes(15));
  j.interval = Span(hours(1));
  HealthInput in = In(j, "2026-03-05 10:10:00");
  in.first_seen = At("2026-03-05 09:00:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kPending);
  EXPECT_TRUE(r.never_ran);
  EXPECT_EQ(Show(r.next_deadline), "Thu 2026-03-05 10:15:01 UTC");
  in.now = At("2026-03-05 10:20:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_TRUE(r.never_ran);
  EXPECT_EQ(Show(r.expected), "Thu 2026-03-05 10:00:00 UTC");
  EXPECT_EQ(r.late, minutes(4) + seconds(59));
}

TEST_F(HealthTest, OnBootIsDueAfterThisBoot) {
  JobSpec j = Job({});
  j.on_boot = Span(minutes(5));
  HealthInput in = In(j, "2026-03-06 09:10:00");
  in.boot = At("2026-03-06 08:00:00");
  Ran(in, "2026-03-05 08:05:00");  // in the previous boot
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Fri 2026-03-06 08:05:00 UTC");
  EXPECT_EQ(r.late, minutes(4) + seconds(59));
  EXPECT_FALSE(r.next_deadline);
  Ran(in, "2026-03-06 08:06:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.expected), "Fri 2026-03-06 08:05:00 UTC");
  // A boot elapse before first_seen is not the job's fault.
  in.runs = {};
  in.first_seen = At("2026-03-06 08:30:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kPending);
  EXPECT_FALSE(r.expected);
  EXPECT_TRUE(r.never_ran);
}

// on_startup counts from the daemon's start, which is not an input: it is
// left out, and a job with nothing else is judged as a manual one.
TEST_F(HealthTest, OnStartupOnlyIsNeverOverdue) {
  JobSpec j = Job({});
  j.on_startup = Span(minutes(1));
  HealthInput in = In(j, "2026-03-06 09:10:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_TRUE(r.never_ran);
  EXPECT_FALSE(r.next_deadline);
  EXPECT_EQ(r.detail, "on_startup only; never ran");
}

TEST_F(HealthTest, SchedulesInTwoZonesAreMerged) {
  // 09:00 in Tokyo is 00:00 UTC; 09:00 in New York (EDT in June) 13:00 UTC.
  JobSpec j = Job({"*-*-* 09:00 Asia/Tokyo", "*-*-* 09:00 America/New_York"});
  HealthInput in = In(j, "2026-06-10 13:30:00");
  Ran(in, "2026-06-10 00:05:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(Show(r.expected), "Wed 2026-06-10 00:00:00 UTC");
  EXPECT_EQ(Show(r.next_deadline), "Wed 2026-06-10 14:00:01 UTC");
  in.now = At("2026-06-10 14:30:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Wed 2026-06-10 13:00:00 UTC");
  EXPECT_EQ(r.late, minutes(29) + seconds(59));
  EXPECT_EQ(Show(r.next_deadline), "Thu 2026-06-11 01:00:01 UTC");
}

TEST_F(HealthTest, NeverRanFlag) {
  JobSpec j = Job({"daily"});
  HealthInput in = In(j, "2026-03-06 01:30:00");
  EXPECT_TRUE(EvaluateHealth(in).never_ran);  // overdue
  in.runs.running = JobRunFacts::Running{At("2026-03-06 01:29:00"), true};
  HealthReport r = EvaluateHealth(in);  // the first run, in progress
  EXPECT_FALSE(r.never_ran);
  EXPECT_EQ(r.health, Health::kRunning);
  in.runs = {};
  Ran(in, "2026-03-06 00:10:00");
  r = EvaluateHealth(in);
  EXPECT_FALSE(r.never_ran);
  EXPECT_EQ(r.health, Health::kOk);
  in.broken = "/etc/surety/jobs/db.toml:3:9: unknown key \"schedle\"";
  EXPECT_FALSE(EvaluateHealth(in).never_ran);  // told also when broken
}

TEST_F(HealthTest, InfiniteTimeoutIsNeverStuckByTime) {
  JobSpec j = Job({});
  ASSERT_TRUE(j.timeout.infinite());  // the default
  EXPECT_FALSE(LongestRun(j));
  HealthInput in = In(j, "2026-03-06 00:00:00");
  in.runs.last_start = At("2026-02-04 00:00:00");
  in.runs.running = JobRunFacts::Running{At("2026-02-04 00:00:00"), true};
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kRunning);  // 30 days
  EXPECT_EQ(r.detail, "running since Wed 2026-02-04 00:00:00 UTC");
  j.timeout = Span(hours(1));
  j.kill_grace = Timespan{Timespan::kInfinity};  // never SIGKILLed
  EXPECT_FALSE(LongestRun(j));
  EXPECT_EQ(EvaluateHealth(in).health, Health::kRunning);
}

TEST_F(HealthTest, BrokenOutranksEverything) {
  JobSpec j = Job({"daily"});
  HealthInput in = In(j, "2026-03-06 01:30:00");
  in.job = nullptr;  // the definition did not load
  in.broken = "/etc/surety/jobs/db.toml:3:9: unknown key \"schedle\"";
  in.runs.last_start = At("2026-03-01 00:00:00");
  in.runs.last_outcome = LastOutcome::kFailure;
  in.runs.running = JobRunFacts::Running{At("2026-03-01 00:00:00"), false};
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kBroken);
  EXPECT_EQ(r.detail,
            "the job's definition does not load: /etc/surety/jobs/db.toml:3:9: unknown key "
            "\"schedle\"");
  EXPECT_FALSE(r.expected);
  EXPECT_EQ(r.late, Micros{0});
  EXPECT_EQ(HealthCheckStatus(r.health), 2);
}

// --- the order of the rules and the stuck budget ---------------------------

TEST_F(HealthTest, RetriesAndWaitsWidenTheStuckBudget) {
  JobSpec j = Job({});
  j.timeout = Span(minutes(10));
  j.kill_grace = Span(seconds(30));
  j.retries = 2;
  j.retry_delay = Span(minutes(1));
  j.retry_backoff = 2;
  // 1 min margin + 3 × (10 min + 30 s + 5 min output drain) + 1 + 2 min.
  EXPECT_EQ(LongestRun(j), minutes(50) + seconds(30));
  j.retry_delay_max = Span(seconds(90));  // the second delay is capped
  EXPECT_EQ(LongestRun(j), minutes(50));
  j.overlap = Overlap::kWait;
  j.lock_wait = Span(minutes(20));
  EXPECT_EQ(LongestRun(j), minutes(70));
  j.preflight.files = {"/backups"};
  j.preflight.wait = Span(minutes(10));  // + the last preflight round's 5 min
  EXPECT_EQ(LongestRun(j), minutes(85));
  j.verify.command.argv = {"check", "{path}"};  // + the verify command's 1 h
  EXPECT_EQ(LongestRun(j), minutes(145));
  j.preflight.wait = Timespan{Timespan::kInfinity};
  EXPECT_FALSE(LongestRun(j));

  JobSpec k = Job({});
  k.timeout = Span(minutes(10));
  k.kill_grace = Span(seconds(30));
  k.retries = 2;
  k.retry_delay = Span(minutes(1));
  HealthInput in = In(k, "2026-03-06 00:50:30");
  in.runs.running = JobRunFacts::Running{At("2026-03-06 00:00:00"), true};
  EXPECT_EQ(EvaluateHealth(in).health, Health::kRunning);
  in.now = At("2026-03-06 00:50:31");
  EXPECT_EQ(EvaluateHealth(in).health, Health::kStuck);
}

TEST_F(HealthTest, RunningTooLongWithoutATimeoutBecomesOverdue) {
  JobSpec j = Job({"hourly"}, minutes(5));
  HealthInput in = In(j, "2026-03-06 00:30:00");
  in.runs.last_start = At("2026-03-06 00:00:00");
  in.runs.running = JobRunFacts::Running{At("2026-03-06 00:00:00"), true};
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kRunning);  // a run in progress counts as started
  EXPECT_EQ(Show(r.next_deadline), "Fri 2026-03-06 01:05:01 UTC");
  in.now = At("2026-03-06 03:00:00");
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);  // nothing started for 01:00 and 02:00
  EXPECT_EQ(Show(r.expected), "Fri 2026-03-06 02:00:00 UTC");
  EXPECT_EQ(r.late, minutes(54) + seconds(59));
}

TEST_F(HealthTest, WarningAndOperatorStops) {
  JobSpec j = Job({"daily"});
  HealthInput in = In(j, "2026-03-06 00:30:00");
  Ran(in, "2026-03-06 00:10:00", LastOutcome::kWarning);
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kWarning);
  EXPECT_EQ(HealthCheckStatus(r.health), 1);
  EXPECT_EQ(r.detail, "the last run (finished Fri 2026-03-06 00:11:00 UTC) ended with a warning");
  // Overdue outranks warning; failing outranks overdue.
  in.now = At("2026-03-07 01:30:00");
  EXPECT_EQ(EvaluateHealth(in).health, Health::kOverdue);
  in.runs.last_outcome = LastOutcome::kFailure;
  EXPECT_EQ(EvaluateHealth(in).health, Health::kFailing);
  // An operator's stop is neither failing nor warning.
  in.now = At("2026-03-06 00:30:00");
  in.runs.last_outcome = LastOutcome::kOperatorStopped;
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOk);
  EXPECT_EQ(r.detail, "last run started Fri 2026-03-06 00:10:00 UTC, stopped by an operator");
}

// A minutely job silent for a year: the last elapse is found by bisection,
// not by walking half a million elapses.
TEST_F(HealthTest, LongSilenceIsMeasuredExactly) {
  JobSpec j = Job({"minutely"}, minutes(5));
  HealthInput in = In(j, "2026-03-06 12:00:30");
  in.first_seen = At("2025-01-01 00:00:00");
  Ran(in, "2025-03-06 12:00:00");
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Fri 2026-03-06 11:55:00 UTC");
  EXPECT_EQ(r.late, seconds(29));
  EXPECT_EQ(Show(r.next_deadline), "Fri 2026-03-06 12:01:01 UTC");
}

TEST_F(HealthTest, ElapsesBeforeFirstSeenAreNotTheJobsFault) {
  JobSpec j = Job({"daily"});
  HealthInput in = In(j, "2026-03-06 00:30:00");
  in.first_seen = At("2026-03-05 00:00:01");  // just after an elapse
  HealthReport r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kPending);
  EXPECT_FALSE(r.expected);
  in.first_seen = At("2026-03-05 00:00:00");  // at it: the elapse counts
  r = EvaluateHealth(in);
  EXPECT_EQ(r.health, Health::kOverdue);
  EXPECT_EQ(Show(r.expected), "Thu 2026-03-05 00:00:00 UTC");
}

TEST_F(HealthTest, NamesRoundTripAndMapToCheckStatuses) {
  const std::pair<Health, int> all[] = {
      {Health::kOk, 0},      {Health::kPending, 0}, {Health::kRunning, 0}, {Health::kStuck, 2},
      {Health::kWarning, 1}, {Health::kFailing, 2}, {Health::kOverdue, 2}, {Health::kBroken, 2}};
  for (auto [h, status] : all) {
    EXPECT_EQ(HealthFromName(HealthName(h)), h) << HealthName(h);
    EXPECT_EQ(HealthCheckStatus(h), status) << HealthName(h);
  }
  EXPECT_EQ(HealthName(Health::kOverdue), "overdue");
  EXPECT_FALSE(HealthFromName("OK"));
  EXPECT_FALSE(HealthFromName(""));
}

// E_k* of a job that is not overdue is found by searching back from the
// newest start, a few look-ups (a bisection over the year took about 45,
// which made a simulated year of 1,000 jobs take minutes). Over a year of
// instants it is the elapse a walk along the whole chain from first_seen
// finds. (Zones without DST: in an overlap the two walks may differ, as
// docs/health.md says, in E_k* only.)
TEST_F(HealthTest, ExpectedElapseIsTheLastOfTheChainBeforeTheNewestStart) {
  for (const char* spec : {"*:0/15", "hourly", "daily", "Mon..Fri 02:30", "*-*~03 04:00",
                           "*-*-01 12:00 Asia/Tokyo", "Sat 09:00 Asia/Tokyo"}) {
    JobSpec j = Job({spec}, minutes(10));
    HealthInput in = In(j, "2026-01-01 00:00:00");
    const Micros slack = HealthSlack(j);
    std::vector<Instant> chain;
    for (Instant t = in.first_seen - Micros{1}; t < At("2027-02-01 00:00:00");) {
      std::vector<Instant> e = NextCalendarElapses(j, t, 1, in.eval);
      ASSERT_FALSE(e.empty()) << spec;
      chain.push_back(e[0]);
      t = e[0];
    }
    int checked = 0;
    for (size_t i = 0; i + 1 < chain.size(); i += chain.size() / 300 + 1) {
      const Instant start = chain[i] + seconds(1);
      for (Micros after :
           {Micros{seconds(1)}, slack, slack + seconds(2), (chain[i + 1] - chain[i]) / 2}) {
        in.now = start + after;
        if (in.now >= chain[i + 1] + slack) continue;  // overdue: not this search
        in.runs = {};
        in.runs.last_start = start;
        in.runs.last_finish = start + seconds(30);
        in.runs.last_outcome = LastOutcome::kGood;
        const Instant upto = std::min(in.now - slack, start);
        auto it = std::upper_bound(chain.begin(), chain.end(), upto);
        const std::optional<Instant> want =
            it == chain.begin() ? std::nullopt : std::optional<Instant>(*(it - 1));
        HealthReport r = EvaluateHealth(in);
        ASSERT_EQ(r.health, Health::kOk) << spec << " at " << Show(in.now);
        EXPECT_EQ(Show(r.expected), Show(want)) << spec << " at " << Show(in.now);
        ++checked;
      }
    }
    EXPECT_GT(checked, 10) << spec;
  }
}

}  // namespace
}  // namespace surety
