// Alerts: telling people when a run went wrong.
//
// For: the runner, after the run record is final. Each AlertSpec becomes a
// sink; Deliver() sends one event (the run record as JSON plus "event":
// "failure", "recovery", …). A failed delivery is retried briefly (3
// attempts, 1 s then 2 s apart, through the injected sleeper) and reported
// in the returned status (the caller logs it); it never changes the run's
// result. Also the runner's ping when a run starts (PingRunStart), which is
// no event: it is tried once and never written to the outbox.
//
// Thread-safety: one delivery at a time per sink.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "job/job_spec.h"
#include "os/journal.h"
#include "os/process.h"
#include "store/run_record.h"

namespace surety {

// Removes every trace of `url` from a message: the URL itself, and its user
// info and path (where tokens live) on their own, the path also without its
// query and the query without the path. Secrets shorter than two characters
// are left alone.
std::string Redact(std::string message, const std::string& url);

// What an alert tells: a run failed, the job recovered, a good run (a
// heartbeat for healthchecks-style pings) — the runner's events — and, from
// the alert policy on top of job health (alert_policy.h), the job became
// overdue, stuck, broken or (when the job asks) warning, or it still is
// (a reminder). A policy alert about a failing job is kFailure, its end
// kRecovery.
enum class AlertEvent {
  kFailure,
  kRecovery,
  kSuccess,
  kOverdue,
  kStuck,
  kBroken,
  kWarning,
  kReminder,
};
// "failure", "recovery", "success", "overdue", "stuck", "broken",
// "warning", "reminder": the "event" of the JSON body and $SURETY_EVENT.
std::string_view AlertEventName(AlertEvent event);
std::optional<AlertEvent> AlertEventFromName(std::string_view name);

// The run record as the JSON object the design specifies (RFC 3339 UTC
// times), plus "event" when one is given and "idempotency_key" when one is:
// deliveries are at least once, so a receiver may see one twice and drop
// the repeat by this key.
std::string RunRecordJson(const RunRecord& record, std::optional<AlertEvent> event,
                          const std::string& idempotency_key = "");

// The record as environment variables for exec alerts: SURETY_JOB,
// SURETY_RESULT, SURETY_EXIT_CODE, SURETY_SIGNAL, SURETY_MESSAGE,
// SURETY_RUN_ID, SURETY_STARTED_AT, SURETY_FINISHED_AT, SURETY_DURATION_MS,
// SURETY_ATTEMPTS, SURETY_HOST, SURETY_TRIGGER, SURETY_EVENT, and
// SURETY_IDEMPOTENCY_KEY when there is one.
std::map<std::string, std::string> RunRecordEnv(const RunRecord& record, AlertEvent event,
                                                const std::string& idempotency_key = "");

// The key that names one delivery — this event about this run to this
// alert — the same every time it is tried: "HOST/JOB/RUN_ID/EVENT/ALERT".
std::string IdempotencyKey(const RunRecord& record, AlertEvent event, const std::string& alert);

// Sends one HTTP POST. Injected so tests need no network.
class HttpPoster {
 public:
  virtual ~HttpPoster() = default;
  // Returns the HTTP status code, or an error status if nothing came back.
  virtual Result<int> Post(const std::string& url, const std::string& content_type,
                           const std::string& body, Micros timeout) = 0;
};
std::unique_ptr<HttpPoster> MakeCurlPoster();

// Pauses between delivery attempts. Injected so tests do not sleep.
using Sleeper = std::function<void(Micros)>;

struct AlertEnv {
  HttpPoster& http;
  JournalWriter& journal;
  CommandRunner& commands;
  Sleeper sleep;
  std::map<std::string, std::string> base_env;  // environment for exec/sendmail
};

// Delivers `event` for `record` to one destination, retrying briefly.
// Returns ok, or the last error (which never contains the secret URL):
// "webhook ops: HTTP 500", "slack ops: no answer: Failed to connect …".
//   webhook       POST RunRecordJson (application/json); 2xx is delivered
//   slack         POST {"text": "surety: job db failed on host: message"}
//   ntfy          POST plain text: a title line, the message, the output's end
//   healthchecks  POST the output tail to url/fail (url for "recovery")
//   email         `sendmail -t` with an RFC 5322 message on stdin
//   exec          alert.command with base_env + RunRecordEnv, and
//                 RunRecordJson on stdin
//   journal       one structured entry through env.journal: MESSAGE
//                 ("surety: db failed: exited with status 1"), PRIORITY (3
//                 failure, 4 a warning result, 6 otherwise),
//                 SYSLOG_IDENTIFIER (alert.identifier), SURETY_JOB,
//                 SURETY_RESULT, SURETY_EVENT, SURETY_RUN_ID,
//                 SURETY_EXIT_CODE (when there is one), SURETY_HOST,
//                 SURETY_IDEMPOTENCY_KEY (when given), SURETY_STARTED_AT,
//                 SURETY_MESSAGE
// Configuration errors (no url, no recipients, no command, unknown kind) are
// returned at once, without retrying.
Status DeliverAlert(const AlertSpec& alert, const RunRecord& record, AlertEvent event,
                    AlertEnv& env, const std::string& idempotency_key = "");

// Which event, if any, a finished run raises: failure for every bad result
// (failed, preflight_failed, verify_failed, timeout, interrupted), recovery
// for a good result after a bad previous one, nothing otherwise (skipped
// raises nothing).
std::optional<AlertEvent> AlertEventFor(RunResult result, std::optional<RunResult> previous);

// How long the runner's start pings may hold up a run, all of them together.
inline constexpr Micros kStartPingBudget = std::chrono::seconds(5);

// Tells a healthchecks alert that a run of `record.job` started: one POST
// to its URL's /start endpoint (before any ?query, as /fail), so that the
// service times the run and reports a run that started and never finished.
// One attempt within `timeout`: no retry, no outbox, no AlertEvent (a lost
// start ping costs only the timing). Returns ok or why not, without the
// URL's secrets ("healthchecks hc: HTTP 500").
// REQUIRES: alert.kind == AlertKind::kHealthchecks.
Status PingRunStart(const AlertSpec& alert, const RunRecord& record, HttpPoster& http,
                    Micros timeout);

}  // namespace surety
