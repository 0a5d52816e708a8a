#include "sched/schedule.h"

#include <gtest/gtest.h>

#include "time/timestamp.h"

namespace surety {
namespace {

class ScheduleTest : public testing::Test {
 protected:
  ScheduleTest() {
    pc_.tzname[0] = local_->tzname(0);
    pc_.tzname[1] = local_->tzname(1);
    pc_.zones = &zones_;
  }
  // "2026-03-29 01:30:00" in the local zone (Europe/Berlin).
  Instant At(const std::string& text) {
    TimestampContext tc{Instant{}, local_.get(), &zones_, &state_};
    auto t = ParseTimestamp(text, tc);
    EXPECT_TRUE(t.ok()) << text;
    return *t;
  }
  std::string Show(Instant t) { return FormatTimestamp(t, *local_); }
  JobSpec Job(std::vector<std::string> specs) {
    JobSpec j;
    j.name = "db";
    for (const auto& s : specs) {
      auto p = ParseCalendarSpec(s, pc_);
      EXPECT_TRUE(p.ok()) << s;
      j.schedule.push_back(*p);
    }
    return j;
  }
  ScheduleContext Ctx(Instant now, Instant start) {
    return ScheduleContext{now, start, start - Micros{std::chrono::hours(1)},
                           CalendarEvalContext{local_.get(), &zones_, &state_}, nullptr};
  }

  ZoneDb zones_;
  std::shared_ptr<const Zone> local_ = zones_.LocalFromTz(std::string(":Europe/Berlin"));
  MktimeState state_;
  CalendarParseContext pc_;
};

TEST_F(ScheduleTest, FirstElapseAfterDaemonStart) {
  JobSpec j = Job({"*-*-* 02:30"});
  Instant start = At("2026-06-01 12:00:00");
  auto due = NextDue(j, {}, Ctx(start, start));
  ASSERT_TRUE(due);
  EXPECT_EQ(Show(due->when), "Tue 2026-06-02 02:30:00 CEST");
  EXPECT_EQ(due->trigger, Trigger::kSchedule);
}

TEST_F(ScheduleTest, PersistentMissedSlotsCatchUpExactlyOnceAtStart) {
  JobSpec j = Job({"*-*-* 02:30"});
  j.persistent = true;
  Instant start = At("2026-06-05 12:00:00");
  JobHistoryFacts facts;
  facts.last_trigger = At("2026-06-01 02:30:00");  // four nights missed
  auto due = NextDue(j, facts, Ctx(start, start));
  ASSERT_TRUE(due);
  EXPECT_EQ(due->when, start);
  EXPECT_EQ(due->trigger, Trigger::kCatchup);
  // After the catch-up run triggered at start, the next is the next night.
  facts.last_trigger = start;
  auto next = NextDue(j, facts, Ctx(start + Micros{1000}, start));
  EXPECT_EQ(Show(next->when), "Sat 2026-06-06 02:30:00 CEST");
  EXPECT_EQ(next->trigger, Trigger::kSchedule);
}

TEST_F(ScheduleTest, SeveralSpecsTakeTheEarliest) {
  JobSpec j = Job({"*-*-* 02:30", "Sat 01:00"});
  Instant start = At("2026-06-05 12:00:00");  // a Friday
  EXPECT_EQ(Show(NextDue(j, {}, Ctx(start, start))->when), "Sat 2026-06-06 01:00:00 CEST");
}

TEST_F(ScheduleTest, DstGapDaySkipsAsSystemdDoes) {
  JobSpec j = Job({"*-*-* 02:30"});
  Instant start = At("2026-03-28 12:00:00");  // spring forward on the 29th
  EXPECT_EQ(Show(NextDue(j, {}, Ctx(start, start))->when), "Mon 2026-03-30 02:30:00 CEST");
}

TEST_F(ScheduleTest, RandomDelayIsAddedAfterTheMinimum) {
  JobSpec j = Job({"*-*-* 02:30"});
  j.randomized_delay = Timespan{600'000'000};
  Instant start = At("2026-06-01 12:00:00");
  auto ctx = Ctx(start, start);
  ctx.random_delay_usec = [](const JobSpec&) { return uint64_t{123'000'000}; };
  auto due = NextDue(j, {}, ctx);
  EXPECT_EQ(Show(due->nominal), "Tue 2026-06-02 02:30:00 CEST");
  EXPECT_EQ(Show(due->when), "Tue 2026-06-02 02:32:03 CEST");
}

TEST_F(ScheduleTest, IntervalCountsFromLastStartOrFinish) {
  JobSpec j;
  j.name = "poll";
  j.interval = Timespan{3600'000'000};
  Instant start = At("2026-06-01 12:00:00");
  EXPECT_EQ(Show(NextDue(j, {}, Ctx(start, start))->when), "Mon 2026-06-01 13:00:00 CEST");
  JobHistoryFacts f;
  f.last_start = At("2026-06-01 13:00:00");
  f.last_finish = At("2026-06-01 13:20:00");
  EXPECT_EQ(Show(NextDue(j, f, Ctx(start, start))->when), "Mon 2026-06-01 14:00:00 CEST");
  j.interval_from = IntervalFrom::kFinish;
  EXPECT_EQ(Show(NextDue(j, f, Ctx(start, start))->when), "Mon 2026-06-01 14:20:00 CEST");
}

TEST_F(ScheduleTest, OnBootAndOnStartupFireOnce) {
  JobSpec j;
  j.name = "boot";
  j.on_startup = Timespan{60'000'000};
  Instant start = At("2026-06-01 12:00:00");
  auto due = NextDue(j, {}, Ctx(start, start));
  EXPECT_EQ(Show(due->when), "Mon 2026-06-01 12:01:00 CEST");
  EXPECT_EQ(due->trigger, Trigger::kBoot);
  JobHistoryFacts f;
  f.startup_done = true;
  EXPECT_FALSE(NextDue(j, f, Ctx(start, start)));
}

TEST_F(ScheduleTest, NoValuesMeansManualOnly) {
  JobSpec j;
  j.name = "manual";
  Instant start = At("2026-06-01 12:00:00");
  EXPECT_FALSE(NextDue(j, {}, Ctx(start, start)));
  JobSpec past = Job({"2020-01-01 00:00"});
  EXPECT_FALSE(NextDue(past, {}, Ctx(start, start)));
}

TEST_F(ScheduleTest, ClockJumpBackwardsPullsTheLastTriggerBackToNow) {
  // The wall clock went back an hour after a run at 12:00:05. systemd pulls
  // the last trigger back to now, so the timer keeps its rhythm instead of
  // stalling for an hour.
  JobSpec j = Job({"*:*:0/5"});
  Instant start = At("2026-06-01 11:00:00");
  JobHistoryFacts f;
  f.last_trigger = At("2026-06-01 12:00:05");
  auto due = NextDue(j, f, Ctx(At("2026-06-01 11:00:00"), start));
  EXPECT_EQ(Show(due->when), "Mon 2026-06-01 11:00:05 CEST");
  // A forward jump needs nothing special: the next slot after the last
  // trigger is in the past and runs at once (rebased to the daemon start).
  auto fwd = NextDue(j, f, Ctx(At("2026-06-01 15:00:00"), start));
  EXPECT_EQ(Show(fwd->when), "Mon 2026-06-01 12:00:10 CEST");
}

// The clock went back to before the daemon even started: the daemon's
// start, now in the future, must not hold every run back until the clock
// reaches it again (it did: elapses were "rebased" to the start).
TEST_F(ScheduleTest, ClockJumpBackBeforeTheDaemonStartedDoesNotStallTheJob) {
  JobSpec j = Job({"hourly"});
  Instant start = At("2026-06-01 12:00:00");
  auto due = NextDue(j, {}, Ctx(At("2026-06-01 09:10:00"), start));
  ASSERT_TRUE(due);
  EXPECT_EQ(Show(due->when), "Mon 2026-06-01 10:00:00 CEST");
  EXPECT_EQ(due->trigger, Trigger::kSchedule);
}

TEST_F(ScheduleTest, NextCalendarElapsesListsNominalTimes) {
  JobSpec j = Job({"Mon..Fri 02:30"});
  auto v = NextCalendarElapses(j, At("2026-06-05 12:00:00"), 3,
                               CalendarEvalContext{local_.get(), &zones_, &state_});
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(Show(v[0]), "Mon 2026-06-08 02:30:00 CEST");
  EXPECT_EQ(Show(v[2]), "Wed 2026-06-10 02:30:00 CEST");
}

TEST_F(ScheduleTest, ReloadDiffSeparatesAddedRemovedChangedAndUnchanged) {
  std::map<std::string, JobSpec> before, after;
  before["keep"] = Job({"daily"});
  before["retime"] = Job({"daily"});
  before["gone"] = Job({"hourly"});
  after["keep"] = Job({"daily"});
  after["keep"].command.argv = {"other", "command"};  // not a timer setting
  after["retime"] = Job({"daily"});
  after["retime"].schedule_text = {"*-*-* 03:00"};
  after["new"] = Job({"weekly"});
  ReloadDiff d = DiffJobs(before, after);
  EXPECT_EQ(d.added, std::vector<std::string>{"new"});
  EXPECT_EQ(d.removed, std::vector<std::string>{"gone"});
  EXPECT_EQ(d.changed, std::vector<std::string>{"retime"});
  EXPECT_EQ(d.unchanged, std::vector<std::string>{"keep"});
}

}  // namespace
}  // namespace surety
