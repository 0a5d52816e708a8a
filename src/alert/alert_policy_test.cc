#include "alert/alert_policy.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace surety {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// 2026-03-06 00:00:00 UTC.
constexpr Instant kT0{seconds{1772755200}};

// One (job, sink) as the daemon sees it: the state stored between
// evaluations, an injected clock, and every event sent.
class AlertPolicyTest : public testing::Test {
 protected:
  struct Sent {
    AlertEvent event;
    Health about;
    int reminder;
    std::string key;
    Instant at;
  };

  // Evaluates at the clock's now with `health`; returns the event sent, if
  // any.
  std::optional<AlertEvent> Eval(Health health) {
    const AlertDecision d = DecideAlert(state_, health, now_, settings_, {"h1", "db", "ops"});
    state_ = d.next;
    if (d.event) {
      sent_.push_back({*d.event, d.about, d.reminder, d.key, now_});
      EXPECT_FALSE(d.key.empty());
    } else {
      EXPECT_TRUE(d.key.empty());
    }
    return d.event;
  }
  // Evaluates every `step` from now (exclusive) up to now + span
  // (inclusive) with an unchanged health; returns how many events went out.
  size_t EvalFor(Health health, Micros span, Micros step = minutes(1)) {
    const size_t before = sent_.size();
    const Instant end = now_ + span;
    while (now_ + step <= end) {
      now_ += step;
      Eval(health);
    }
    return sent_.size() - before;
  }
  // A daemon restart: the state goes through its file.
  void Restart() { state_ = AlertedState::FromText(state_.ToText()); }

  AlertPolicySettings settings_;
  AlertedState state_;
  Instant now_ = kT0;
  std::vector<Sent> sent_;
};

TEST_F(AlertPolicyTest, EachChangeIntoABadStateAlertsOnceNamingIt) {
  const struct {
    Health health;
    AlertEvent event;
  } rows[] = {
      {Health::kFailing, AlertEvent::kFailure},
      {Health::kOverdue, AlertEvent::kOverdue},
      {Health::kStuck, AlertEvent::kStuck},
      {Health::kBroken, AlertEvent::kBroken},
  };
  for (const auto& row : rows) {
    state_ = {};
    sent_.clear();
    EXPECT_EQ(Eval(Health::kOk), std::nullopt);
    now_ += minutes(1);
    EXPECT_EQ(Eval(row.health), row.event) << HealthName(row.health);
    EXPECT_EQ(sent_.back().about, row.health);
    EXPECT_EQ(state_.health, row.health);
    EXPECT_EQ(state_.since, now_);
    EXPECT_EQ(state_.last_sent, now_);
    EXPECT_EQ(EvalFor(row.health, hours(23)), 0u) << HealthName(row.health);
  }
}

TEST_F(AlertPolicyTest, PendingRunningAndOkNeverAlert) {
  for (Health h : {Health::kPending, Health::kRunning, Health::kOk, Health::kPending}) {
    EXPECT_EQ(EvalFor(h, hours(72), minutes(5)), 0u) << HealthName(h);
  }
  EXPECT_EQ(state_, AlertedState{});
}

TEST_F(AlertPolicyTest, WarningAlertsOnlyWhenAsked) {
  EXPECT_EQ(EvalFor(Health::kWarning, hours(72)), 0u);
  EXPECT_EQ(state_, AlertedState{});

  settings_.warnings = true;
  now_ += minutes(1);
  EXPECT_EQ(Eval(Health::kWarning), AlertEvent::kWarning);
  EXPECT_EQ(Eval(Health::kWarning), std::nullopt);
  now_ += minutes(1);
  EXPECT_EQ(Eval(Health::kOk), AlertEvent::kRecovery);
  EXPECT_EQ(sent_.back().about, Health::kWarning);
}

TEST_F(AlertPolicyTest, AWarningAlertedThenNoLongerAskedForRecovers) {
  settings_.warnings = true;
  EXPECT_EQ(Eval(Health::kWarning), AlertEvent::kWarning);
  settings_.warnings = false;  // the job file changed
  now_ += minutes(1);
  EXPECT_EQ(Eval(Health::kWarning), AlertEvent::kRecovery);
  EXPECT_EQ(EvalFor(Health::kWarning, hours(48)), 0u);
}

TEST_F(AlertPolicyTest, FailingToWarningIsARecoveryWhenWarningsDoNotAlert) {
  // As AlertEventFor() has it for runs: a warning after a failure recovers.
  EXPECT_EQ(Eval(Health::kFailing), AlertEvent::kFailure);
  now_ += minutes(1);
  EXPECT_EQ(Eval(Health::kWarning), AlertEvent::kRecovery);
  now_ += minutes(1);
  EXPECT_EQ(Eval(Health::kOk), std::nullopt);
}

TEST_F(AlertPolicyTest, FromOneBadStateToAnotherAlertsTheNewOne) {
  EXPECT_EQ(Eval(Health::kFailing), AlertEvent::kFailure);
  const Instant failing_since = now_;
  EXPECT_EQ(EvalFor(Health::kFailing, hours(2)), 0u);
  now_ += minutes(1);
  EXPECT_EQ(Eval(Health::kOverdue), AlertEvent::kOverdue);
  EXPECT_EQ(state_.health, Health::kOverdue);
  EXPECT_EQ(state_.since, now_);  // a new episode: its reminders count from here
  EXPECT_NE(state_.since, failing_since);
  EXPECT_NE(sent_[0].key, sent_[1].key);
  now_ += minutes(1);
  EXPECT_EQ(Eval(Health::kStuck), AlertEvent::kStuck);
  now_ += minutes(1);
  EXPECT_EQ(Eval(Health::kRunning), AlertEvent::kRecovery);
  EXPECT_EQ(sent_.back().about, Health::kStuck);
  EXPECT_EQ(sent_.size(), 4u);
}

TEST_F(AlertPolicyTest, BackToOkRunningOrPendingSendsExactlyOneRecovery) {
  for (Health fine : {Health::kOk, Health::kRunning, Health::kPending}) {
    state_ = {};
    sent_.clear();
    EXPECT_EQ(Eval(Health::kOverdue), AlertEvent::kOverdue);
    now_ += minutes(1);
    EXPECT_EQ(Eval(fine), AlertEvent::kRecovery) << HealthName(fine);
    EXPECT_EQ(sent_.back().about, Health::kOverdue);
    EXPECT_EQ(state_, AlertedState{});
    EXPECT_EQ(EvalFor(fine, hours(72)), 0u) << HealthName(fine);
    Restart();
    EXPECT_EQ(EvalFor(fine, hours(1)), 0u) << HealthName(fine);
  }
}

TEST_F(AlertPolicyTest, AnUnchangedStateEvaluatedOftenIsNeverRepeated) {
  EXPECT_EQ(Eval(Health::kBroken), AlertEvent::kBroken);
  // `check --alert` every 5 minutes, and a daemon evaluating every second.
  EXPECT_EQ(EvalFor(Health::kBroken, hours(23) + minutes(55), minutes(5)), 0u);
  EXPECT_EQ(EvalFor(Health::kBroken, minutes(4) + seconds(59), seconds(1)), 0u);
  // The same instant evaluated twice.
  EXPECT_EQ(Eval(Health::kBroken), std::nullopt);
}

TEST_F(AlertPolicyTest, RemindersGoOutAtExactMultiplesOfRepeat) {
  now_ += seconds(17);  // an episode that does not begin on a whole minute
  EXPECT_EQ(Eval(Health::kOverdue), AlertEvent::kOverdue);
  const Instant since = now_;
  EXPECT_EQ(EvalFor(Health::kOverdue, hours(72) + minutes(30), seconds(1)), 3u);
  ASSERT_EQ(sent_.size(), 4u);
  for (int n = 1; n <= 3; ++n) {
    const Sent& s = sent_[static_cast<size_t>(n)];
    EXPECT_EQ(s.event, AlertEvent::kReminder);
    EXPECT_EQ(s.about, Health::kOverdue);
    EXPECT_EQ(s.reminder, n);
    EXPECT_EQ(s.at, since + hours(24) * n) << n;
  }
  EXPECT_EQ(sent_[2].key, "h1/db/overdue/1772755217000000/reminder-2/ops");
}

TEST_F(AlertPolicyTest, ARepeatOfOneHourRemindsHourly) {
  settings_.repeat = hours(1);
  EXPECT_EQ(Eval(Health::kStuck), AlertEvent::kStuck);
  EXPECT_EQ(EvalFor(Health::kStuck, hours(5), minutes(7)), 4u);  // 1h..4h; 5h is not on the grid
  EXPECT_EQ(sent_.back().reminder, 4);
  EXPECT_EQ(sent_.back().at,
            kT0 + hours(4) + minutes(5));  // 35 × 7 min: the first evaluation past 4h
}

TEST_F(AlertPolicyTest, EvaluationsThatSkipMultiplesSendOneReminder) {
  EXPECT_EQ(Eval(Health::kFailing), AlertEvent::kFailure);
  now_ += hours(24 * 3) + minutes(10);  // the host was down for three days
  EXPECT_EQ(Eval(Health::kFailing), AlertEvent::kReminder);
  EXPECT_EQ(sent_.back().reminder, 3);
  EXPECT_EQ(sent_.back().key, "h1/db/failing/1772755200000000/reminder-3/ops");
  EXPECT_EQ(EvalFor(Health::kFailing, hours(23)), 0u);
  EXPECT_EQ(EvalFor(Health::kFailing, hours(1)), 1u);
  EXPECT_EQ(sent_.back().reminder, 4);
}

TEST_F(AlertPolicyTest, ARepeatOfZeroNeverReminds) {
  settings_.repeat = Micros{0};
  EXPECT_EQ(Eval(Health::kOverdue), AlertEvent::kOverdue);
  EXPECT_EQ(EvalFor(Health::kOverdue, hours(24 * 10), minutes(5)), 0u);
  now_ += minutes(1);
  EXPECT_EQ(Eval(Health::kOk), AlertEvent::kRecovery);
}

TEST_F(AlertPolicyTest, ARestartReloadsTheStateAndSendsNothingNew) {
  EXPECT_EQ(Eval(Health::kOverdue), AlertEvent::kOverdue);
  EXPECT_EQ(EvalFor(Health::kOverdue, hours(25)), 1u);  // reminder 1
  // Restart every 5 minutes for a day: only reminder 2, at its time.
  for (int i = 0; i < 12 * 24; ++i) {
    Restart();
    now_ += minutes(5);
    Eval(Health::kOverdue);
  }
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_[2].reminder, 2);
  EXPECT_EQ(sent_[2].at, kT0 + hours(48));
  Restart();
  now_ += minutes(5);
  EXPECT_EQ(Eval(Health::kOk), AlertEvent::kRecovery);
  Restart();
  EXPECT_EQ(EvalFor(Health::kOk, hours(24), minutes(5)), 0u);
}

TEST_F(AlertPolicyTest, KeysNameJobStateAndTheInstantTheStateBegan) {
  now_ += Micros{1};  // microseconds count
  EXPECT_EQ(Eval(Health::kFailing), AlertEvent::kFailure);
  EXPECT_EQ(sent_[0].key, "h1/db/failing/1772755200000001/failure/ops");
  now_ += minutes(3);
  EXPECT_EQ(Eval(Health::kOverdue), AlertEvent::kOverdue);
  EXPECT_EQ(sent_[1].key, "h1/db/overdue/1772755380000001/overdue/ops");
  now_ += minutes(3);
  EXPECT_EQ(Eval(Health::kOk), AlertEvent::kRecovery);
  // The recovery names the episode it ends.
  EXPECT_EQ(sent_[2].key, "h1/db/overdue/1772755380000001/recovery/ops");

  // Another sink, deciding from the same facts, gets its own keys.
  AlertDecision other = DecideAlert({}, Health::kFailing, now_, settings_, {"h1", "db", "mail"});
  EXPECT_EQ(other.key, "h1/db/failing/1772755560000001/failure/mail");
}

TEST_F(AlertPolicyTest, TheSameStoredStateGivesTheSameKeyTwice) {
  // A crash after the outbox write but before the state was stored: the next
  // evaluation decides the recovery or reminder again, under the same key.
  EXPECT_EQ(Eval(Health::kOverdue), AlertEvent::kOverdue);
  const AlertedState stored = state_;
  const AlertDecision a =
      DecideAlert(stored, Health::kOverdue, kT0 + hours(24), settings_, {"h1", "db", "ops"});
  const AlertDecision b = DecideAlert(stored, Health::kOverdue, kT0 + hours(24) + minutes(5),
                                      settings_, {"h1", "db", "ops"});
  EXPECT_EQ(a.event, AlertEvent::kReminder);
  EXPECT_EQ(a.key, b.key);
  const AlertDecision c =
      DecideAlert(stored, Health::kOk, kT0 + hours(1), settings_, {"h1", "db", "ops"});
  const AlertDecision e =
      DecideAlert(stored, Health::kOk, kT0 + hours(2), settings_, {"h1", "db", "ops"});
  EXPECT_EQ(c.event, AlertEvent::kRecovery);
  EXPECT_EQ(c.key, e.key);
}

TEST_F(AlertPolicyTest, AFlappingJobAlertsAndRecoversOnEveryFlap) {
  // Fails every other hour for two days, evaluated every minute.
  std::set<std::string> keys;
  for (int hour = 0; hour < 48; ++hour) {
    const Health h = hour % 2 == 0 ? Health::kFailing : Health::kOk;
    Eval(h);
    EvalFor(h, minutes(59));
    now_ += minutes(1);
  }
  ASSERT_EQ(sent_.size(), 48u);
  for (size_t i = 0; i < sent_.size(); ++i) {
    EXPECT_EQ(sent_[i].event, i % 2 == 0 ? AlertEvent::kFailure : AlertEvent::kRecovery) << i;
    EXPECT_EQ(sent_[i].at, kT0 + hours(static_cast<int>(i))) << i;
    keys.insert(sent_[i].key);
  }
  EXPECT_EQ(keys.size(), 48u);  // every alert and recovery its own
}

TEST_F(AlertPolicyTest, AStoredStateThatNeverAlertsIsEmpty) {
  state_ = AlertedState{Health::kOk, kT0, kT0};  // not something DecideAlert stores
  EXPECT_EQ(Eval(Health::kOk), std::nullopt);
  EXPECT_EQ(state_, AlertedState{});
}

TEST_F(AlertPolicyTest, AClockThatWentBackSendsNoReminder) {
  EXPECT_EQ(Eval(Health::kOverdue), AlertEvent::kOverdue);
  now_ -= hours(30);
  EXPECT_EQ(Eval(Health::kOverdue), std::nullopt);
  now_ = kT0 + hours(24);
  EXPECT_EQ(Eval(Health::kOverdue), AlertEvent::kReminder);
}

// --- the stored line --------------------------------------------------------

TEST(AlertedState, RoundTripsThroughOneLine) {
  const AlertedState states[] = {
      {},
      {Health::kOverdue, kT0, kT0 + hours(48)},
      {Health::kFailing, kT0 + Micros{1}, kT0 + Micros{1}},
      {Health::kStuck, Instant{}, Instant{}},
      {Health::kBroken, kT0, kT0},
      {Health::kWarning, kT0, kT0 + hours(1)},
  };
  for (const AlertedState& s : states) {
    const std::string line = s.ToText();
    EXPECT_EQ(line.find('\n'), std::string::npos) << line;
    EXPECT_EQ(AlertedState::FromText(line), s) << line;
    EXPECT_EQ(AlertedState::FromText(line + "\n"), s) << line;
  }
  EXPECT_EQ(AlertedState{}.ToText(), R"({"alerted":null})");
  EXPECT_EQ((AlertedState{Health::kOverdue, kT0, kT0 + hours(24)}.ToText()),
            R"({"alerted":"overdue","since_us":1772755200000000,"sent_us":1772841600000000})");
}

TEST(AlertedState, GarbageIsTheEmptyState) {
  const char* lines[] = {
      "",
      "\n",
      "garbage",
      "{",
      R"({"alerted":"overdue","since_us":1772755200000000)",  // truncated
      R"([])",
      R"(null)",
      R"(42)",
      R"({})",
      R"({"alerted":7,"since_us":1,"sent_us":1})",
      R"({"alerted":"late","since_us":1,"sent_us":1})",
      R"({"alerted":"ok","since_us":1,"sent_us":1})",
      R"({"alerted":"running","since_us":1,"sent_us":1})",
      R"({"alerted":"pending","since_us":1,"sent_us":1})",
      R"({"alerted":"overdue"})",
      R"({"alerted":"overdue","since_us":1})",
      R"({"alerted":"overdue","since_us":"1","sent_us":1})",
      R"({"alerted":"overdue","since_us":1.5,"sent_us":2})",
      R"({"alerted":"overdue","since_us":-1,"sent_us":1})",
      R"({"alerted":"overdue","since_us":2,"sent_us":1})",  // sent before it began
      R"({"alerted":"overdue","since_us":1,"sent_us":18446744073709551615})",
      R"({"alerted":"overdue","since_us":-9223372036854775808,"sent_us":1})",
      R"({"alerted":"overdue","since_us":1e300,"sent_us":1})",
      R"({"alerted":"overdue","since_us":1,"sent_us":1} trailing)",
      R"({"alerted":"overdue","since_us":1,"sent_us":1}{})",
      "\xff\xfe{\"alerted\":\"overdue\"}",
  };
  for (const char* line : lines) {
    EXPECT_EQ(AlertedState::FromText(line), AlertedState{}) << line;
  }
  // Unknown extra keys are fine: a later version may add some.
  EXPECT_EQ(AlertedState::FromText(R"({"alerted":"broken","since_us":5,"sent_us":6,"x":1})"),
            (AlertedState{Health::kBroken, Instant{Micros{5}}, Instant{Micros{6}}}));
}

TEST(AlertedState, AGarbageStateFileMeansOneAlertAgainNeverSilence) {
  const AlertedState s = AlertedState::FromText("\x01\x02 not a state");
  const AlertDecision d = DecideAlert(s, Health::kOverdue, kT0, {}, {"h", "db", "ops"});
  EXPECT_EQ(d.event, AlertEvent::kOverdue);
}

}  // namespace
}  // namespace surety
