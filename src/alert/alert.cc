#include "alert/alert.h"

#include <cassert>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "base/strings.h"
#include "time/civil_names.h"
#include "time/timestamp.h"
#include "time/zone.h"

namespace surety {

namespace {

constexpr int kAttempts = 3;
constexpr Micros kFirstRetryDelay = std::chrono::seconds(1);
constexpr Micros kHttpTimeout = std::chrono::seconds(10);
constexpr Micros kCommandTimeout = std::chrono::minutes(1);
constexpr size_t kNtfyTailBytes = 1500;  // ntfy keeps messages under 4 KB

using Json = nlohmann::ordered_json;

std::string Dump(const Json& j) {
  // Output tails are arbitrary bytes: invalid UTF-8 becomes U+FFFD instead of
  // an exception.
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// What happened, as a verb phrase after "job db …".
std::string Verb(const RunRecord& record, AlertEvent event) {
  if (event == AlertEvent::kFailure) {
    switch (record.result) {
      case RunResult::kPreflightFailed:
        return "failed preflight";
      case RunResult::kVerifyFailed:
        return "failed verification";
      case RunResult::kTimeout:
        return "timed out";
      case RunResult::kInterrupted:
        return "was interrupted";
      default:
        return "failed";
    }
  }
  switch (event) {
    case AlertEvent::kRecovery:
      return "recovered";
    case AlertEvent::kOverdue:
      return "is overdue";
    case AlertEvent::kStuck:
      return "is stuck";
    case AlertEvent::kBroken:
      return "is broken";
    case AlertEvent::kWarning:
      return "ended with a warning";
    case AlertEvent::kReminder:
      return "still needs attention";
    default:
      return "reported " + std::string(AlertEventName(event));
  }
}

// Header values and one-line texts must not carry line breaks.
std::string OneLine(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

// "job db failed on host".
std::string Headline(const RunRecord& record, AlertEvent event) {
  return OneLine("job " + record.job + " " + Verb(record, event) + " on " + record.host);
}

// "surety: job db failed on host: message".
std::string Summary(const RunRecord& record, AlertEvent event) {
  std::string s = "surety: " + Headline(record, event);
  if (!record.message.empty()) s += ": " + OneLine(record.message);
  return s;
}

// The last `max_bytes` of `s`, starting at a line boundary when cut.
std::string Tail(const std::string& s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::string t = s.substr(s.size() - max_bytes);
  size_t nl = t.find('\n');
  if (nl != std::string::npos && nl + 1 < t.size()) t.erase(0, nl + 1);
  return t;
}

std::string Rfc5322Date(Instant t) {
  WallFields w = UtcWall(std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count());
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04lld %02d:%02d:%02d +0000",
                std::string(WeekdayAbbr(w.weekday % 7)).c_str(), w.day,
                std::string(MonthAbbr((w.month + 11) % 12 + 1)).c_str(),
                static_cast<long long>(w.year), w.hour, w.minute, w.second);
  return buf;
}

// sendmail -t reads the message up to a line holding a single dot.
std::string DotSafe(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    std::string_view line(text.data() + start,
                          (end == std::string::npos ? text.size() : end) - start);
    if (line == "." || line == ".\r") out += '.';
    out += line;
    if (end == std::string::npos) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::string EmailMessage(const AlertSpec& alert, const RunRecord& record, AlertEvent event,
                         const std::string& idempotency_key) {
  std::string from = alert.from.empty() ? "surety@" + record.host : alert.from;
  std::string m;
  m += "To: " + OneLine(alert.to) + "\n";
  m += "From: " + OneLine(from) + "\n";
  m += "Subject: [surety] " + Headline(record, event) + "\n";
  m += "Date: " + Rfc5322Date(record.finished_at.value_or(record.started_at)) + "\n";
  m += "MIME-Version: 1.0\n";
  m += "Content-Type: text/plain; charset=utf-8\n";
  m += "Content-Transfer-Encoding: 8bit\n";
  m += "Auto-Submitted: auto-generated\n";
  // The same delivery tried again carries the same Message-ID: mail
  // software drops the repeat.
  if (!idempotency_key.empty()) {
    std::string id;
    for (char c : idempotency_key)
      id += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '.';
    m += "Message-ID: <" + id + "@surety>\n";
  }
  m += "\n";
  std::string body;
  body += "job:         " + record.job + "\n";
  body += "event:       " + std::string(AlertEventName(event)) + "\n";
  body += "result:      " + std::string(RunResultName(record.result)) + "\n";
  body += "message:     " + OneLine(record.message) + "\n";
  body += "host:        " + record.host + "\n";
  body += "trigger:     " + std::string(TriggerName(record.trigger)) + "\n";
  body += "run id:      " + std::to_string(record.id) + "\n";
  body += "started at:  " + FormatRfc3339(record.started_at) + "\n";
  if (record.finished_at) body += "finished at: " + FormatRfc3339(*record.finished_at) + "\n";
  body += "duration:    " + std::to_string(record.duration_ms) + " ms\n";
  body += "attempts:    " + std::to_string(record.attempts) + "\n";
  if (record.exit_code) body += "exit code:   " + std::to_string(*record.exit_code) + "\n";
  if (record.signal) body += "signal:      " + *record.signal + "\n";
  if (!record.artifact_path.empty()) body += "artifact:    " + record.artifact_path + "\n";
  if (record.artifact_size) {
    body += "artifact size: " + std::to_string(*record.artifact_size) + " bytes\n";
  }
  if (!record.output_tail.empty()) {
    body += "\nlast output:\n" + record.output_tail;
    if (record.output_tail.back() != '\n') body += '\n';
  }
  m += DotSafe(body);
  return m;
}

// A healthchecks URL with `endpoint` ("/fail", "/start", or "" for the
// URL itself) added to its path, which goes before a query string
// (?create=1) or fragment; trailing slashes are dropped.
std::string HealthchecksUrl(const std::string& base, std::string_view endpoint) {
  std::string url = base;
  std::string query;
  if (size_t q = url.find_first_of("?#"); q != std::string::npos) {
    query = url.substr(q);
    url.erase(q);
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url + std::string(endpoint) + query;
}

// syslog's priorities, as journald reads PRIORITY.
constexpr int kPriorityErr = 3;
constexpr int kPriorityWarning = 4;
constexpr int kPriorityInfo = 6;

// One journal entry for `event` about `record`: what `journalctl
// SURETY_JOB=db` finds. Never a secret: a journal alert has none, and the
// record holds none.
JournalWriter::Fields JournalFields(const AlertSpec& alert, const RunRecord& record,
                                    AlertEvent event, const std::string& idempotency_key) {
  const std::string result(RunResultName(record.result));
  std::string message = "surety: " + record.job + " " + result;
  if (!record.message.empty()) message += ": " + record.message;
  const int priority = event == AlertEvent::kFailure          ? kPriorityErr
                       : record.result == RunResult::kWarning ? kPriorityWarning
                                                              : kPriorityInfo;
  JournalWriter::Fields f;
  f.emplace_back("MESSAGE", OneLine(message));
  f.emplace_back("PRIORITY", std::to_string(priority));
  f.emplace_back("SYSLOG_IDENTIFIER", alert.identifier.empty() ? "surety" : alert.identifier);
  f.emplace_back("SURETY_JOB", record.job);
  f.emplace_back("SURETY_RESULT", result);
  f.emplace_back("SURETY_EVENT", std::string(AlertEventName(event)));
  f.emplace_back("SURETY_RUN_ID", std::to_string(record.id));
  if (record.exit_code) f.emplace_back("SURETY_EXIT_CODE", std::to_string(*record.exit_code));
  f.emplace_back("SURETY_HOST", record.host);
  if (!idempotency_key.empty()) f.emplace_back("SURETY_IDEMPOTENCY_KEY", idempotency_key);
  f.emplace_back("SURETY_STARTED_AT", FormatRfc3339(record.started_at));
  f.emplace_back("SURETY_MESSAGE", record.message);
  return f;
}

// One HTTP POST to `url`, which is alert.url or made from it.
Status PostTo(const AlertSpec& alert, HttpPoster& http, const std::string& url,
              const std::string& content_type, const std::string& body, Micros timeout) {
  Result<int> code = http.Post(url, content_type, body, timeout);
  if (!code.ok()) {
    // Not always a connection failure: a server may accept and never answer.
    return Status::Error(StatusCode::kIoError, alert.Describe() + ": no answer: " +
                                                   Redact(code.status().message(), alert.url));
  }
  if (*code < 200 || *code >= 300) {
    return Status::Error(StatusCode::kIoError,
                         alert.Describe() + ": HTTP " + std::to_string(*code));
  }
  return Status::Ok();
}

// One HTTP delivery attempt.
Status PostOnce(const AlertSpec& alert, const std::string& url, const std::string& content_type,
                const std::string& body, AlertEnv& env) {
  return PostTo(alert, env.http, url, content_type, body, kHttpTimeout);
}

Status RunOnce(const AlertSpec& alert, const CommandSpec& spec, AlertEnv& env) {
  CommandOutcome o = env.commands.Run(spec);
  std::string failure = DescribeFailure(o);
  if (failure.empty()) return Status::Ok();
  std::string what = alert.kind == AlertKind::kEmail ? "sendmail " : "command ";
  return Status::Error(StatusCode::kIoError,
                       alert.Describe() + ": " + what + Redact(failure, alert.url));
}

}  // namespace

std::string Redact(std::string message, const std::string& url) {
  auto replace_all = [&message](const std::string& secret) {
    if (secret.size() < 2) return;
    for (size_t pos = 0; (pos = message.find(secret, pos)) != std::string::npos;) {
      message.replace(pos, secret.size(), "<redacted>");
      pos += 10;
    }
  };
  replace_all(url);
  size_t scheme = url.find("://");
  size_t authority = scheme == std::string::npos ? 0 : scheme + 3;
  size_t path = url.find_first_of("/?#", authority);
  if (path != std::string::npos) {
    replace_all(url.substr(path));
    // Apart too: a URL made from this one puts an endpoint between them
    // (healthchecks' /fail and /start go before the ?query).
    size_t query = url.find_first_of("?#", path);
    if (query != std::string::npos) {
      replace_all(url.substr(path, query - path));
      replace_all(url.substr(query));
    }
  }
  size_t at = url.find('@', authority);
  if (at != std::string::npos && (path == std::string::npos || at < path)) {
    replace_all(url.substr(authority, at - authority));
  }
  return message;
}

std::string_view AlertEventName(AlertEvent event) {
  switch (event) {
    case AlertEvent::kFailure:
      return "failure";
    case AlertEvent::kRecovery:
      return "recovery";
    case AlertEvent::kSuccess:
      return "success";
    case AlertEvent::kOverdue:
      return "overdue";
    case AlertEvent::kStuck:
      return "stuck";
    case AlertEvent::kBroken:
      return "broken";
    case AlertEvent::kWarning:
      return "warning";
    case AlertEvent::kReminder:
      return "reminder";
  }
  return "failure";
}

std::string IdempotencyKey(const RunRecord& record, AlertEvent event, const std::string& alert) {
  // A run that never got an id is named by its start instead.
  const std::string run = record.id > 0
                              ? std::to_string(record.id)
                              : "t" + std::to_string(record.started_at.time_since_epoch().count());
  return record.host + "/" + record.job + "/" + run + "/" + std::string(AlertEventName(event)) +
         "/" + alert;
}

std::optional<AlertEvent> AlertEventFromName(std::string_view name) {
  for (AlertEvent e :
       {AlertEvent::kFailure, AlertEvent::kRecovery, AlertEvent::kSuccess, AlertEvent::kOverdue,
        AlertEvent::kStuck, AlertEvent::kBroken, AlertEvent::kWarning, AlertEvent::kReminder})
    if (AlertEventName(e) == name) return e;
  return std::nullopt;
}

std::string RunRecordJson(const RunRecord& record, std::optional<AlertEvent> event,
                          const std::string& idempotency_key) {
  Json j;
  j["id"] = record.id;
  j["job"] = record.job;
  j["trigger"] = TriggerName(record.trigger);
  j["host"] = record.host;
  j["started_at"] = FormatRfc3339(record.started_at);
  j["finished_at"] = record.finished_at ? Json(FormatRfc3339(*record.finished_at)) : Json();
  j["duration_ms"] = record.duration_ms;
  j["attempts"] = record.attempts;
  j["exit_code"] = record.exit_code ? Json(*record.exit_code) : Json();
  j["signal"] = record.signal ? Json(*record.signal) : Json();
  j["result"] = std::string(RunResultName(record.result));
  j["message"] = record.message;
  j["output_tail"] = record.output_tail;
  j["artifact_path"] = record.artifact_path;
  j["artifact_size"] = record.artifact_size ? Json(*record.artifact_size) : Json();
  if (event) j["event"] = AlertEventName(*event);
  if (!idempotency_key.empty()) j["idempotency_key"] = idempotency_key;
  return Dump(j);
}

std::map<std::string, std::string> RunRecordEnv(const RunRecord& record, AlertEvent event,
                                                const std::string& idempotency_key) {
  std::map<std::string, std::string> env;
  env["SURETY_JOB"] = record.job;
  env["SURETY_RESULT"] = std::string(RunResultName(record.result));
  env["SURETY_EXIT_CODE"] = record.exit_code ? std::to_string(*record.exit_code) : "";
  env["SURETY_SIGNAL"] = record.signal.value_or("");
  env["SURETY_MESSAGE"] = record.message;
  env["SURETY_RUN_ID"] = std::to_string(record.id);
  env["SURETY_STARTED_AT"] = FormatRfc3339(record.started_at);
  env["SURETY_FINISHED_AT"] = record.finished_at ? FormatRfc3339(*record.finished_at) : "";
  env["SURETY_DURATION_MS"] = std::to_string(record.duration_ms);
  env["SURETY_ATTEMPTS"] = std::to_string(record.attempts);
  env["SURETY_HOST"] = record.host;
  env["SURETY_TRIGGER"] = TriggerName(record.trigger);
  env["SURETY_EVENT"] = AlertEventName(event);
  if (!idempotency_key.empty()) env["SURETY_IDEMPOTENCY_KEY"] = idempotency_key;
  return env;
}

Status PingRunStart(const AlertSpec& alert, const RunRecord& record, HttpPoster& http,
                    Micros timeout) {
  assert(alert.kind == AlertKind::kHealthchecks);
  if (alert.url.empty()) return Status::Invalid(alert.Describe() + ": no url configured");
  const std::string url = HealthchecksUrl(alert.url, "/start");
  const std::string body = OneLine("surety: job " + record.job + " started on " + record.host) +
                           " (run " + std::to_string(record.id) + ")\n";
  return PostTo(alert, http, url, "text/plain; charset=utf-8", body, timeout);
}

std::optional<AlertEvent> AlertEventFor(RunResult result, std::optional<RunResult> previous) {
  if (IsFailureResult(result)) return AlertEvent::kFailure;
  if (IsGoodResult(result) && previous && IsFailureResult(*previous)) return AlertEvent::kRecovery;
  return std::nullopt;
}

Status DeliverAlert(const AlertSpec& alert, const RunRecord& record, AlertEvent event,
                    AlertEnv& env, const std::string& idempotency_key) {
  // Configuration problems fail at once: retrying cannot fix them.
  std::function<Status()> attempt;
  if (AlertKindPostsToUrl(alert.kind) && alert.url.empty()) {
    return Status::Invalid(alert.Describe() + ": no url configured");
  }
  switch (alert.kind) {
    case AlertKind::kWebhook: {
      std::string body = RunRecordJson(record, event, idempotency_key);
      attempt = [&, body] { return PostOnce(alert, alert.url, "application/json", body, env); };
      break;
    }
    case AlertKind::kSlack: {
      Json j;
      j["text"] = Summary(record, event);
      std::string body = Dump(j);
      attempt = [&, body] { return PostOnce(alert, alert.url, "application/json", body, env); };
      break;
    }
    case AlertKind::kNtfy: {
      std::string body = "surety: " + Headline(record, event) + "\n";
      if (!record.message.empty()) body += record.message + "\n";
      if (!record.output_tail.empty()) body += "\n" + Tail(record.output_tail, kNtfyTailBytes);
      attempt = [&, body] {
        return PostOnce(alert, alert.url, "text/plain; charset=utf-8", body, env);
      };
      break;
    }
    case AlertKind::kHealthchecks: {
      // A good run (success, recovery) pings the URL, anything else its
      // /fail endpoint.
      const bool good = event == AlertEvent::kRecovery || event == AlertEvent::kSuccess;
      std::string url = HealthchecksUrl(alert.url, good ? "" : "/fail");
      attempt = [&, url] {
        return PostOnce(alert, url, "text/plain; charset=utf-8", record.output_tail, env);
      };
      break;
    }
    case AlertKind::kEmail: {
      if (alert.to.empty()) return Status::Invalid(alert.Describe() + ": no recipients (to)");
      CommandSpec spec;
      spec.argv = {alert.sendmail, "-t"};
      spec.env = env.base_env;
      spec.stdin_data = EmailMessage(alert, record, event, idempotency_key);
      spec.timeout = kCommandTimeout;
      spec.stream_output = false;
      spec.tail_bytes = 4096;
      attempt = [&, spec] { return RunOnce(alert, spec, env); };
      break;
    }
    case AlertKind::kExec: {
      if (alert.command.empty()) return Status::Invalid(alert.Describe() + ": no command");
      CommandSpec spec;
      spec.argv = alert.command.argv;
      spec.env = env.base_env;
      for (auto& [k, v] : RunRecordEnv(record, event, idempotency_key)) spec.env[k] = v;
      spec.stdin_data = RunRecordJson(record, event, idempotency_key);
      spec.timeout = kCommandTimeout;
      spec.stream_output = false;
      spec.tail_bytes = 4096;
      attempt = [&, spec] { return RunOnce(alert, spec, env); };
      break;
    }
    case AlertKind::kJournal: {
      JournalWriter::Fields fields = JournalFields(alert, record, event, idempotency_key);
      attempt = [&, fields] {
        Status s = env.journal.Send(fields);
        if (s.ok()) return s;
        return Status::Error(s.code(), alert.Describe() + ": " + s.message());
      };
      break;
    }
  }
  if (!attempt) return Status::Invalid(alert.Describe() + ": unknown alert kind");

  Status last;
  Micros delay = kFirstRetryDelay;
  for (int i = 1; i <= kAttempts; ++i) {
    last = attempt();
    if (last.ok()) return last;
    if (i < kAttempts) {
      if (env.sleep) env.sleep(delay);
      delay *= 2;
    }
  }
  return last;
}

}  // namespace surety
