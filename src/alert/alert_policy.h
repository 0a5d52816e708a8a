// Alert policy: which alert, if any, a job's health calls for now.
//
// For: every place that alerts on health (the daemon's periodic evaluation,
// `surety check --alert`), once per (job, alert sink) per evaluation. The
// caller computes the job's health with EvaluateHealth() (sched/health.h),
// loads what it last alerted for this pair (AlertedState, one line in a small
// file in the state directory), calls DecideAlert(), puts the event (if any)
// into the outbox under the returned idempotency key, then stores the
// returned state. The rules (docs/health.md, "Alert policy"):
//   * a change into broken, stuck, failing or overdue (warning too, when the
//     job asks for warnings) alerts once, naming the state; so does a change
//     from one such state to another (failing → overdue);
//   * the change back to anything else (ok, running, pending, and warning
//     when warnings do not alert) sends exactly one recovery;
//   * while a bad state lasts, a reminder goes out at every whole multiple of
//     `repeat` after the state began (one for each multiple an evaluation
//     reaches: evaluations that skip multiples, say while the host was down,
//     send one reminder, numbered by the multiple reached);
//   * nothing else: an unchanged state evaluated again, however often, after
//     however many restarts, sends nothing.
//
// Not for: computing health, delivering, or reading and writing the state
// file (the caller does all three). The state only changes when DecideAlert()
// says so; persisting it is what makes a restart quiet.
//
// Crash window: the caller writes the outbox entry before the state. A crash
// between the two repeats the decision at the next evaluation: with the same
// key for a recovery or a reminder (their keys depend only on the stored
// state), with a new `since`, hence a new key, for an alert into a new state.
//
// Thread-safety: pure functions of their arguments.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "alert/alert.h"
#include "base/instant.h"
#include "sched/health.h"

namespace surety {

// The job's settings that shape its alerts.
struct AlertPolicySettings {
  // A reminder this often while a bad state lasts; zero or less: never.
  Micros repeat{std::chrono::hours(24)};
  // Whether `warning` alerts (and its end recovers); otherwise a warning
  // counts as fine.
  bool warnings = false;
};

// The default `repeat`.
inline constexpr Micros kDefaultAlertRepeat{std::chrono::hours(24)};

// What was last alerted for one (job, alert sink). Empty (health nullopt)
// when nothing bad was alerted since the last recovery, or ever.
struct AlertedState {
  // The bad state last alerted: broken, stuck, failing, overdue or warning.
  std::optional<Health> health;
  // When that state began: the evaluation that first saw it. Names its
  // episode in idempotency keys.
  Instant since;
  // When its alert or latest reminder was sent.
  Instant last_sent;

  // One line of JSON, no newline:
  //   {"alerted":"overdue","since_us":1772758801000000,"sent_us":1772845201000000}
  //   {"alerted":null}
  // Instants are microseconds since the Unix epoch, UTC, so that keys made
  // from a reloaded state are the keys made before.
  std::string ToText() const;
  // The state ToText() wrote. Anything else — garbage, a truncated line, a
  // health that is never alerted, instants out of order or out of range —
  // gives the empty state: the worst that does is one alert again for a
  // job that is still bad, never a silent one.
  static AlertedState FromText(std::string_view line);

  friend bool operator==(const AlertedState&, const AlertedState&) = default;
};

// Whom an alert is about and for: names in the idempotency key.
struct AlertSubject {
  std::string_view host;
  std::string_view job;
  std::string_view alert;  // the sink's name
};

struct AlertDecision {
  // What to send now; nullopt: nothing.
  std::optional<AlertEvent> event;
  // The state the event is about: the new bad state, the one a reminder
  // recalls, or the one a recovery ends. Meaningless without an event.
  Health about = Health::kOk;
  // 1, 2, … for a reminder: the whole multiples of `repeat` since `about`
  // began. 0 otherwise.
  int reminder = 0;
  // The event's idempotency key, the same whoever decides it from the same
  // stored state: "HOST/JOB/STATE/SINCE_US/EVENT/ALERT", with EVENT the
  // event's name ("overdue", "failure", "recovery", …) and "reminder-N" for
  // reminder N. STATE and SINCE_US name the episode (for a recovery, the
  // one that ended). Empty without an event.
  std::string key;
  // The state to store, also when nothing is sent.
  AlertedState next;
};

// The event that announces a change into `health`: failing → kFailure,
// overdue → kOverdue, stuck → kStuck, broken → kBroken, warning →
// kWarning; nullopt for ok, pending and running.
std::optional<AlertEvent> AlertEventForHealth(Health health);

// Whether `health` alerts under `settings`: broken, stuck, failing and
// overdue always, warning when settings.warnings.
bool HealthAlerts(Health health, const AlertPolicySettings& settings);

// What to send for a job whose health is `health` at `now`, given what was
// last alerted (`last`, as stored). The returned `next` is to be stored.
AlertDecision DecideAlert(const AlertedState& last, Health health, Instant now,
                          const AlertPolicySettings& settings, const AlertSubject& subject);

}  // namespace surety
