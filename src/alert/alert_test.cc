#include "alert/alert.h"

#include <gtest/gtest.h>

#include <deque>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "os/fake_journal.h"
#include "os/fake_process.h"
#include "time/zone.h"

namespace surety {
namespace {

using std::chrono::seconds;

constexpr const char* kSecretUrl = "https://hooks.example.com/services/T000/B000/s3cr3tT0ken";

Instant UtcAt(int64_t year, int month, int day, int hour, int minute, int second) {
  return Instant{seconds{CivilSecondsAsUtc(year, month, day, hour, minute, second)}};
}

// Records every request; answers from a script (200 once it runs out).
class FakeHttpPoster final : public HttpPoster {
 public:
  struct Request {
    std::string url, content_type, body;
    Micros timeout;
  };
  Result<int> Post(const std::string& url, const std::string& content_type, const std::string& body,
                   Micros timeout) override {
    requests.push_back({url, content_type, body, timeout});
    if (answers.empty()) return 200;
    Result<int> r = answers.front();
    answers.pop_front();
    return r;
  }
  std::deque<Result<int>> answers;
  std::vector<Request> requests;
};

using FakeCommandRunner = ScriptedCommandRunner;

RunRecord FailedRecord() {
  RunRecord r;
  r.id = 42;
  r.job = "db";
  r.trigger = Trigger::kSchedule;
  r.host = "host1";
  r.started_at = UtcAt(2026, 11, 22, 3, 4, 5);
  r.finished_at = UtcAt(2026, 11, 22, 3, 5, 35) + std::chrono::milliseconds(500);
  r.duration_ms = 90500;
  r.attempts = 2;
  r.exit_code = 1;
  r.result = RunResult::kFailed;
  r.message = "exited with status 1";
  r.output_tail = "dumping\npg_dump: error: connection refused\n";
  return r;
}

AlertSpec Alert(const std::string& kind, const std::string& url = kSecretUrl) {
  AlertSpec a;
  a.name = "ops";
  a.kind = AlertKindFromName(kind).value();
  a.url = url;
  return a;
}

class AlertTest : public ::testing::Test {
 protected:
  AlertTest()
      : env_{http_,
             journal_,
             commands_,
             [this](Micros d) { sleeps_.push_back(d); },
             {{"PATH", "/usr/bin:/bin"}, {"LANG", "C.UTF-8"}}} {}

  Status Deliver(const AlertSpec& alert, AlertEvent event = AlertEvent::kFailure) {
    return DeliverAlert(alert, record_, event, env_);
  }

  FakeHttpPoster http_;
  RecordingJournalWriter journal_;
  FakeCommandRunner commands_;
  std::vector<Micros> sleeps_;
  AlertEnv env_;
  RunRecord record_ = FailedRecord();
};

// --- the record as JSON and environment -----------------------------------

TEST(RunRecordJson, HasExactlyTheDesignFields) {
  nlohmann::json got = nlohmann::json::parse(RunRecordJson(FailedRecord(), AlertEvent::kFailure));
  nlohmann::json want = {
      {"id", 42},
      {"job", "db"},
      {"trigger", "schedule"},
      {"host", "host1"},
      {"started_at", "2026-11-22T03:04:05Z"},
      {"finished_at", "2026-11-22T03:05:35Z"},
      {"duration_ms", 90500},
      {"attempts", 2},
      {"exit_code", 1},
      {"signal", nullptr},
      {"result", "failed"},
      {"message", "exited with status 1"},
      {"output_tail", "dumping\npg_dump: error: connection refused\n"},
      {"artifact_path", ""},
      {"artifact_size", nullptr},
      {"event", "failure"},
  };
  EXPECT_EQ(got, want) << got.dump(2);
}

TEST(RunRecordJson, KeepsTheDocumentedFieldOrder) {
  nlohmann::ordered_json got =
      nlohmann::ordered_json::parse(RunRecordJson(FailedRecord(), AlertEvent::kFailure));
  std::vector<std::string> keys;
  for (auto it = got.begin(); it != got.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "job", "trigger", "host", "started_at",
                                            "finished_at", "duration_ms", "attempts", "exit_code",
                                            "signal", "result", "message", "output_tail",
                                            "artifact_path", "artifact_size", "event"}));
}

TEST(RunRecordJson, SignalArtifactAndMissingValues) {
  RunRecord r = FailedRecord();
  r.exit_code.reset();
  r.signal = "KILL";
  r.finished_at.reset();
  r.result = RunResult::kTimeout;
  r.artifact_path = "/backups/db-2026-11-22.dump";
  r.artifact_size = uint64_t{5} << 32;
  nlohmann::json got = nlohmann::json::parse(RunRecordJson(r, AlertEvent::kRecovery));
  EXPECT_TRUE(got["exit_code"].is_null());
  EXPECT_EQ(got["signal"], "KILL");
  EXPECT_TRUE(got["finished_at"].is_null());
  EXPECT_EQ(got["result"], "timeout");
  EXPECT_EQ(got["artifact_path"], "/backups/db-2026-11-22.dump");
  EXPECT_EQ(got["artifact_size"], uint64_t{5} << 32);
  EXPECT_EQ(got["event"], "recovery");
}

TEST(RunRecordJson, InvalidUtf8OutputDoesNotThrow) {
  RunRecord r = FailedRecord();
  r.output_tail = std::string("bad \xff\xfe bytes \"quoted\"\n\x01", 23);
  std::string text;
  ASSERT_NO_THROW(text = RunRecordJson(r, AlertEvent::kFailure));
  nlohmann::json got = nlohmann::json::parse(text);
  EXPECT_EQ(got["output_tail"], "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes \"quoted\"\n\x01");
}

TEST(RunRecordEnv, HasEveryVariable) {
  RunRecord r = FailedRecord();
  std::map<std::string, std::string> want = {
      {"SURETY_JOB", "db"},
      {"SURETY_RESULT", "failed"},
      {"SURETY_EXIT_CODE", "1"},
      {"SURETY_SIGNAL", ""},
      {"SURETY_MESSAGE", "exited with status 1"},
      {"SURETY_RUN_ID", "42"},
      {"SURETY_STARTED_AT", "2026-11-22T03:04:05Z"},
      {"SURETY_FINISHED_AT", "2026-11-22T03:05:35Z"},
      {"SURETY_DURATION_MS", "90500"},
      {"SURETY_ATTEMPTS", "2"},
      {"SURETY_HOST", "host1"},
      {"SURETY_TRIGGER", "schedule"},
      {"SURETY_EVENT", "failure"},
  };
  EXPECT_EQ(RunRecordEnv(r, AlertEvent::kFailure), want);

  r.exit_code.reset();
  r.signal = "TERM";
  r.finished_at.reset();
  auto env = RunRecordEnv(r, AlertEvent::kFailure);
  EXPECT_EQ(env["SURETY_EXIT_CODE"], "");
  EXPECT_EQ(env["SURETY_SIGNAL"], "TERM");
  EXPECT_EQ(env["SURETY_FINISHED_AT"], "");
}

// --- event names ---------------------------------------------------------------

TEST(AlertEventName, RoundTripsEveryEvent) {
  const std::pair<AlertEvent, const char*> names[] = {
      {AlertEvent::kFailure, "failure"}, {AlertEvent::kRecovery, "recovery"},
      {AlertEvent::kSuccess, "success"}, {AlertEvent::kOverdue, "overdue"},
      {AlertEvent::kStuck, "stuck"},     {AlertEvent::kBroken, "broken"},
      {AlertEvent::kWarning, "warning"}, {AlertEvent::kReminder, "reminder"},
  };
  for (const auto& [event, name] : names) {
    EXPECT_EQ(AlertEventName(event), name);
    EXPECT_EQ(AlertEventFromName(name), event) << name;
  }
  EXPECT_EQ(AlertEventFromName("failing"), std::nullopt);  // a health, not an event
  EXPECT_EQ(AlertEventFromName(""), std::nullopt);
}

// --- which event a run raises -------------------------------------------------

TEST(AlertEventFor, Table) {
  using R = RunResult;
  const std::optional<RunResult> none;
  struct Row {
    RunResult result;
    std::optional<RunResult> previous;
    const char* event;
  } rows[] = {
      {R::kFailed, none, "failure"},
      {R::kFailed, R::kSuccess, "failure"},
      {R::kFailed, R::kFailed, "failure"},
      {R::kPreflightFailed, none, "failure"},
      {R::kVerifyFailed, R::kSuccess, "failure"},
      {R::kTimeout, none, "failure"},
      {R::kInterrupted, none, "failure"},
      {R::kSuccess, none, ""},
      {R::kSuccess, R::kSuccess, ""},
      {R::kSuccess, R::kWarning, ""},
      {R::kSuccess, R::kSkipped, ""},
      {R::kSuccess, R::kFailed, "recovery"},
      {R::kSuccess, R::kPreflightFailed, "recovery"},
      {R::kSuccess, R::kVerifyFailed, "recovery"},
      {R::kSuccess, R::kTimeout, "recovery"},
      {R::kSuccess, R::kInterrupted, "recovery"},
      {R::kWarning, R::kFailed, "recovery"},
      {R::kWarning, none, ""},
      {R::kAlreadyDone, R::kTimeout, "recovery"},
      {R::kAlreadyDone, R::kSuccess, ""},
      {R::kSkipped, R::kFailed, ""},
      {R::kSkipped, none, ""},
      {R::kRunning, R::kFailed, ""},
  };
  for (const Row& row : rows) {
    const auto got = AlertEventFor(row.result, row.previous);
    EXPECT_EQ(got ? std::string(AlertEventName(*got)) : "", row.event)
        << RunResultName(row.result) << " after "
        << (row.previous ? RunResultName(*row.previous) : "nothing");
  }
}

// --- webhook ----------------------------------------------------------------

TEST_F(AlertTest, WebhookPostsTheRecordAsJson) {
  ASSERT_TRUE(Deliver(Alert("webhook")).ok());
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].url, kSecretUrl);
  EXPECT_EQ(http_.requests[0].content_type, "application/json");
  EXPECT_EQ(http_.requests[0].body, RunRecordJson(record_, AlertEvent::kFailure));
  EXPECT_GT(http_.requests[0].timeout, Micros(0));
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(AlertTest, AnyTwoHundredIsSuccess) {
  http_.answers = {204};
  EXPECT_TRUE(Deliver(Alert("webhook")).ok());
  EXPECT_EQ(http_.requests.size(), 1u);
}

TEST_F(AlertTest, RetriesTwiceWithOneThenTwoSeconds) {
  http_.answers = {500, 502, 200};
  EXPECT_TRUE(Deliver(Alert("webhook")).ok());
  EXPECT_EQ(http_.requests.size(), 3u);
  EXPECT_EQ(sleeps_, (std::vector<Micros>{seconds(1), seconds(2)}));
}

TEST_F(AlertTest, GivesUpAfterThreeAttemptsWithTheLastError) {
  http_.answers = {503, 503, 500};
  Status st = Deliver(Alert("webhook"));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "webhook ops: HTTP 500");
  EXPECT_EQ(http_.requests.size(), 3u);
  EXPECT_EQ(sleeps_, (std::vector<Micros>{seconds(1), seconds(2)}));
}

TEST_F(AlertTest, RedirectsAndInformationalAnswersAreFailures) {
  http_.answers = {302, 301, 100};
  Status st = Deliver(Alert("webhook"));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "webhook ops: HTTP 100");
  EXPECT_EQ(http_.requests.size(), 3u);
}

TEST_F(AlertTest, TransportErrorNeverShowsTheUrl) {
  const std::string err = std::string("Failed to connect to ") + kSecretUrl +
                          " port 443: Connection refused (path /services/T000/B000/s3cr3tT0ken)";
  http_.answers = {Status::Error(StatusCode::kIoError, err),
                   Status::Error(StatusCode::kIoError, err),
                   Status::Error(StatusCode::kIoError, err)};
  Status st = Deliver(Alert("webhook"));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message().rfind("webhook ops: no answer: ", 0), 0u) << st.message();
  EXPECT_EQ(st.message().find(kSecretUrl), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("s3cr3tT0ken"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("Connection refused"), std::string::npos) << st.message();
  EXPECT_EQ(http_.requests.size(), 3u);
}

TEST_F(AlertTest, UserInfoInTheUrlIsRedactedToo) {
  const std::string url = "https://alice:pa55word@example.com/hook";
  const Status denied = Status::Error(StatusCode::kIoError, "login alice:pa55word denied");
  http_.answers = {denied, denied, denied};
  Status st = Deliver(Alert("webhook", url));
  EXPECT_NE(st.message().find("login <redacted> denied"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("pa55word"), std::string::npos) << st.message();
}

TEST_F(AlertTest, NoSecretInAnyHttpFailureMessage) {
  for (const char* kind : {"webhook", "slack", "ntfy", "healthchecks"}) {
    http_.requests.clear();
    http_.answers = {500, Status::Error(StatusCode::kIoError, std::string("bad ") + kSecretUrl),
                     Status::Error(StatusCode::kIoError, std::string("bad ") + kSecretUrl)};
    Status st = Deliver(Alert(kind));
    EXPECT_FALSE(st.ok()) << kind;
    EXPECT_EQ(st.message().rfind(std::string(kind) + " ops: ", 0), 0u) << st.message();
    EXPECT_EQ(st.message().find("s3cr3tT0ken"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("hooks.example.com/services"), std::string::npos) << st.message();
  }
}

TEST_F(AlertTest, MissingUrlFailsWithoutPosting) {
  Status st = Deliver(Alert("webhook", ""));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "webhook ops: no url configured");
  EXPECT_TRUE(http_.requests.empty());
  EXPECT_TRUE(sleeps_.empty());
}

// --- slack, ntfy, healthchecks ----------------------------------------------

TEST_F(AlertTest, SlackPostsOneTextLine) {
  ASSERT_TRUE(Deliver(Alert("slack")).ok());
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].content_type, "application/json");
  EXPECT_EQ(http_.requests[0].body,
            R"({"text":"surety: job db failed on host1: exited with status 1"})");
}

TEST_F(AlertTest, SlackNamesTheKindOfFailureAndRecovery) {
  record_.result = RunResult::kVerifyFailed;
  record_.message = "artifact is 12K, expected at least 1M";
  ASSERT_TRUE(Deliver(Alert("slack")).ok());
  record_.result = RunResult::kSuccess;
  record_.message = "";
  ASSERT_TRUE(Deliver(Alert("slack"), AlertEvent::kRecovery).ok());
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(
      http_.requests[0].body,
      R"({"text":"surety: job db failed verification on host1: artifact is 12K, expected at least 1M"})");
  EXPECT_EQ(http_.requests[1].body, R"({"text":"surety: job db recovered on host1"})");
}

TEST_F(AlertTest, NtfyPostsPlainTextWithATitleLine) {
  ASSERT_TRUE(Deliver(Alert("ntfy", "https://ntfy.sh/s3cr3t-topic")).ok());
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].url, "https://ntfy.sh/s3cr3t-topic");
  EXPECT_EQ(http_.requests[0].content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(http_.requests[0].body,
            "surety: job db failed on host1\n"
            "exited with status 1\n"
            "\n"
            "dumping\npg_dump: error: connection refused\n");
}

TEST_F(AlertTest, NtfyKeepsOnlyTheEndOfLongOutput) {
  record_.output_tail.clear();
  for (int i = 0; i < 1000; ++i) record_.output_tail += "line " + std::to_string(i) + "\n";
  ASSERT_TRUE(Deliver(Alert("ntfy")).ok());
  const std::string& body = http_.requests.at(0).body;
  EXPECT_LT(body.size(), 2000u);
  EXPECT_NE(body.find("\nline 999\n"), std::string::npos);
  EXPECT_EQ(body.find("line 0\n"), std::string::npos);
}

TEST_F(AlertTest, HealthchecksPingsFailForFailures) {
  ASSERT_TRUE(Deliver(Alert("healthchecks", "https://hc-ping.com/1234-abcd")).ok());
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].url, "https://hc-ping.com/1234-abcd/fail");
  EXPECT_EQ(http_.requests[0].body, record_.output_tail);
}

TEST_F(AlertTest, HealthchecksPingsTheUrlForRecovery) {
  record_.result = RunResult::kSuccess;
  ASSERT_TRUE(
      Deliver(Alert("healthchecks", "https://hc-ping.com/1234-abcd/"), AlertEvent::kRecovery).ok());
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].url, "https://hc-ping.com/1234-abcd");
}

TEST_F(AlertTest, HealthchecksPingsEveryGoodRunAndKeepsTheQueryLast) {
  record_.result = RunResult::kSuccess;
  ASSERT_TRUE(
      Deliver(Alert("healthchecks", "https://hc.example/ping/abc?create=1"), AlertEvent::kSuccess)
          .ok());
  record_.result = RunResult::kFailed;
  ASSERT_TRUE(Deliver(Alert("healthchecks", "https://hc.example/ping/abc?create=1")).ok());
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(http_.requests[0].url, "https://hc.example/ping/abc?create=1");
  EXPECT_EQ(http_.requests[1].url, "https://hc.example/ping/abc/fail?create=1");
}

// The token sits before the query, and /fail goes between them: an error
// that names the URL it tried must lose the token all the same.
TEST_F(AlertTest, HealthchecksFailureNeverShowsTheTokenBeforeAQuery) {
  const std::string url = "https://hc.example/ping/s3cr3tT0ken?create=1";
  const Status err = Status::Error(StatusCode::kIoError,
                                   "cannot POST https://hc.example/ping/s3cr3tT0ken/fail?create=1");
  http_.answers = {err, err, err};
  Status st = Deliver(Alert("healthchecks", url));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("s3cr3tT0ken"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("https://hc.example"), std::string::npos) << st.message();
}

// --- healthchecks: the start of a run ------------------------------------------

TEST_F(AlertTest, StartPingPostsOnceToStartBeforeTheQuery) {
  record_.result = RunResult::kRunning;
  ASSERT_TRUE(PingRunStart(Alert("healthchecks", "https://hc.example/ping/abc/?create=1"), record_,
                           http_, seconds(5))
                  .ok());
  ASSERT_TRUE(PingRunStart(Alert("healthchecks", "https://hc-ping.com/1234-abcd"), record_, http_,
                           seconds(3))
                  .ok());
  ASSERT_EQ(http_.requests.size(), 2u);
  EXPECT_EQ(http_.requests[0].url, "https://hc.example/ping/abc/start?create=1");
  EXPECT_EQ(http_.requests[0].timeout, seconds(5));
  EXPECT_EQ(http_.requests[0].body, "surety: job db started on host1 (run 42)\n");
  EXPECT_EQ(http_.requests[1].url, "https://hc-ping.com/1234-abcd/start");
  EXPECT_EQ(http_.requests[1].timeout, seconds(3));
}

// One attempt, no pause: the job is waiting.
TEST_F(AlertTest, StartPingIsNeverRetried) {
  http_.answers = {500};
  Status st = PingRunStart(Alert("healthchecks"), record_, http_, seconds(5));
  EXPECT_EQ(st.message(), "healthchecks ops: HTTP 500");
  const std::string url = "https://hc.example/ping/s3cr3tT0ken?create=1";
  http_.answers = {Status::Error(StatusCode::kIoError,
                                 "timed out: https://hc.example/ping/s3cr3tT0ken/start?create=1")};
  st = PingRunStart(Alert("healthchecks", url), record_, http_, seconds(5));
  EXPECT_EQ(st.message().rfind("healthchecks ops: no answer: timed out: https://hc.example", 0), 0u)
      << st.message();
  EXPECT_EQ(st.message().find("s3cr3tT0ken"), std::string::npos) << st.message();
  EXPECT_EQ(http_.requests.size(), 2u);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(AlertTest, StartPingWithoutAUrlFailsWithoutPosting) {
  Status st = PingRunStart(Alert("healthchecks", ""), record_, http_, seconds(5));
  EXPECT_EQ(st.message(), "healthchecks ops: no url configured");
  EXPECT_TRUE(http_.requests.empty());
}

// --- email --------------------------------------------------------------------

TEST_F(AlertTest, EmailHandsAnRfc5322MessageToSendmail) {
  AlertSpec a = Alert("email", "");
  a.to = "ops@example.com";
  ASSERT_TRUE(Deliver(a).ok());
  ASSERT_EQ(commands_.specs.size(), 1u);
  const CommandSpec& got = commands_.specs[0];
  EXPECT_EQ(got.argv, (std::vector<std::string>{"/usr/sbin/sendmail", "-t"}));
  EXPECT_EQ(got.env, env_.base_env);
  EXPECT_FALSE(got.stream_output);
  EXPECT_GT(got.timeout, Micros(0));
  ASSERT_TRUE(got.stdin_data.has_value());
  EXPECT_EQ(*got.stdin_data,
            "To: ops@example.com\n"
            "From: surety@host1\n"
            "Subject: [surety] job db failed on host1\n"
            "Date: Sun, 22 Nov 2026 03:05:35 +0000\n"
            "MIME-Version: 1.0\n"
            "Content-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n"
            "Auto-Submitted: auto-generated\n"
            "\n"
            "job:         db\n"
            "event:       failure\n"
            "result:      failed\n"
            "message:     exited with status 1\n"
            "host:        host1\n"
            "trigger:     schedule\n"
            "run id:      42\n"
            "started at:  2026-11-22T03:04:05Z\n"
            "finished at: 2026-11-22T03:05:35Z\n"
            "duration:    90500 ms\n"
            "attempts:    2\n"
            "exit code:   1\n"
            "\n"
            "last output:\n"
            "dumping\n"
            "pg_dump: error: connection refused\n");
  EXPECT_TRUE(http_.requests.empty());
}

TEST_F(AlertTest, EmailUsesTheConfiguredSendmailAndFrom) {
  AlertSpec a = Alert("email", "");
  a.to = "ops@example.com, dba@example.com";
  a.from = "backups@example.com";
  a.sendmail = "/usr/local/bin/msmtp";
  ASSERT_TRUE(Deliver(a).ok());
  const CommandSpec& got = commands_.specs.at(0);
  EXPECT_EQ(got.argv, (std::vector<std::string>{"/usr/local/bin/msmtp", "-t"}));
  EXPECT_EQ(got.stdin_data->rfind("To: ops@example.com, dba@example.com\n"
                                  "From: backups@example.com\n",
                                  0),
            0u);
}

TEST_F(AlertTest, EmailHeadersCannotBeInjectedAndALoneDotCannotEndTheMessage) {
  AlertSpec a = Alert("email", "");
  a.to = "ops@example.com\nBcc: evil@example.com";
  record_.output_tail = "before\n.\nafter\n";
  ASSERT_TRUE(Deliver(a).ok());
  const std::string& msg = *commands_.specs.at(0).stdin_data;
  EXPECT_EQ(msg.find("\nBcc:"), std::string::npos);
  EXPECT_NE(msg.find("\nbefore\n..\nafter\n"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("\n.\n"), std::string::npos);
}

TEST_F(AlertTest, EmailFailureIsRetriedAndReported) {
  AlertSpec a = Alert("email", "");
  a.to = "ops@example.com";
  commands_.outcomes = {Exited(75, "sendmail: cannot connect\n"), Exited(75),
                        Exited(75, "sendmail: queue full\n")};
  Status st = Deliver(a);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "email ops: sendmail exited with status 75: sendmail: queue full");
  EXPECT_EQ(commands_.specs.size(), 3u);
  EXPECT_EQ(sleeps_, (std::vector<Micros>{seconds(1), seconds(2)}));
}

TEST_F(AlertTest, EmailWithoutRecipientsFailsAtOnce) {
  Status st = Deliver(Alert("email", ""));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "email ops: no recipients (to)");
  EXPECT_TRUE(commands_.specs.empty());
}

// --- exec ---------------------------------------------------------------------

TEST_F(AlertTest, ExecGetsTheRecordInItsEnvironmentAndOnStdin) {
  AlertSpec a = Alert("exec", "");
  a.command.argv = {"/usr/local/bin/page-oncall", "--urgent"};
  env_.base_env["SURETY_JOB"] = "stale";
  ASSERT_TRUE(Deliver(a).ok());
  ASSERT_EQ(commands_.specs.size(), 1u);
  const CommandSpec& got = commands_.specs[0];
  EXPECT_EQ(got.argv, a.command.argv);
  std::map<std::string, std::string> want = RunRecordEnv(record_, AlertEvent::kFailure);
  want["PATH"] = "/usr/bin:/bin";
  want["LANG"] = "C.UTF-8";
  EXPECT_EQ(got.env, want);
  EXPECT_EQ(got.stdin_data, RunRecordJson(record_, AlertEvent::kFailure));
  EXPECT_FALSE(got.stream_output);
}

TEST_F(AlertTest, ExecFailureNamesTheExitAndIsRetried) {
  AlertSpec a = Alert("exec", "");
  a.command.argv = {"page"};
  CommandOutcome spawn;
  spawn.kind = CommandOutcome::Kind::kSpawnFailed;
  spawn.error = "page: No such file or directory";
  commands_.outcomes = {spawn, spawn, Exited(3, "no pager\n")};
  Status st = Deliver(a);
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "exec ops: command exited with status 3: no pager");
  EXPECT_EQ(commands_.specs.size(), 3u);

  commands_.specs.clear();
  commands_.outcomes = {spawn, Exited(0)};
  EXPECT_TRUE(Deliver(a).ok());
  EXPECT_EQ(commands_.specs.size(), 2u);
}

TEST_F(AlertTest, ExecWithoutCommandFailsAtOnce) {
  Status st = Deliver(Alert("exec", ""));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "exec ops: no command");
  EXPECT_TRUE(commands_.specs.empty());
}

// --- journal --------------------------------------------------------------------

using Fields = JournalWriter::Fields;

TEST_F(AlertTest, JournalFailureIsOneErrEntryWithTheRunsFields) {
  AlertSpec a = Alert("journal", "");
  ASSERT_TRUE(DeliverAlert(a, record_, AlertEvent::kFailure, env_, "host1/db/42/failure/ops").ok());
  ASSERT_EQ(journal_.entries.size(), 1u);
  EXPECT_EQ(journal_.entries[0], (Fields{
                                     {"MESSAGE", "surety: db failed: exited with status 1"},
                                     {"PRIORITY", "3"},
                                     {"SYSLOG_IDENTIFIER", "surety"},
                                     {"SURETY_JOB", "db"},
                                     {"SURETY_RESULT", "failed"},
                                     {"SURETY_EVENT", "failure"},
                                     {"SURETY_RUN_ID", "42"},
                                     {"SURETY_EXIT_CODE", "1"},
                                     {"SURETY_HOST", "host1"},
                                     {"SURETY_IDEMPOTENCY_KEY", "host1/db/42/failure/ops"},
                                     {"SURETY_STARTED_AT", "2026-11-22T03:04:05Z"},
                                     {"SURETY_MESSAGE", "exited with status 1"},
                                 }));
  EXPECT_TRUE(http_.requests.empty());
  EXPECT_TRUE(commands_.specs.empty());
}

TEST_F(AlertTest, JournalRecoveryIsInfoUnderTheConfiguredIdentifier) {
  AlertSpec a = Alert("journal", "");
  a.identifier = "backups";
  record_.result = RunResult::kSuccess;
  record_.exit_code = 0;
  record_.message = "exited with status 0";
  ASSERT_TRUE(Deliver(a, AlertEvent::kRecovery).ok());
  ASSERT_EQ(journal_.entries.size(), 1u);
  EXPECT_EQ(journal_.entries[0], (Fields{
                                     {"MESSAGE", "surety: db success: exited with status 0"},
                                     {"PRIORITY", "6"},
                                     {"SYSLOG_IDENTIFIER", "backups"},
                                     {"SURETY_JOB", "db"},
                                     {"SURETY_RESULT", "success"},
                                     {"SURETY_EVENT", "recovery"},
                                     {"SURETY_RUN_ID", "42"},
                                     {"SURETY_EXIT_CODE", "0"},
                                     {"SURETY_HOST", "host1"},
                                     {"SURETY_STARTED_AT", "2026-11-22T03:04:05Z"},
                                     {"SURETY_MESSAGE", "exited with status 0"},
                                 }));
}

// A run that ended in a warning result is a warning in the journal, whether
// it recovers the job or is a plain success; a run killed by a signal has no
// exit code, and so no SURETY_EXIT_CODE; MESSAGE stays one line.
TEST_F(AlertTest, JournalWarningResultIsAWarningEntry) {
  record_.result = RunResult::kWarning;
  record_.exit_code.reset();
  record_.signal = "PIPE";
  record_.message = "killed by signal PIPE\nsecond line";
  ASSERT_TRUE(Deliver(Alert("journal", ""), AlertEvent::kRecovery).ok());
  ASSERT_TRUE(Deliver(Alert("journal", ""), AlertEvent::kSuccess).ok());
  ASSERT_EQ(journal_.entries.size(), 2u);
  EXPECT_EQ(journal_.entries[0],
            (Fields{
                {"MESSAGE", "surety: db warning: killed by signal PIPE second line"},
                {"PRIORITY", "4"},
                {"SYSLOG_IDENTIFIER", "surety"},
                {"SURETY_JOB", "db"},
                {"SURETY_RESULT", "warning"},
                {"SURETY_EVENT", "recovery"},
                {"SURETY_RUN_ID", "42"},
                {"SURETY_HOST", "host1"},
                {"SURETY_STARTED_AT", "2026-11-22T03:04:05Z"},
                {"SURETY_MESSAGE", "killed by signal PIPE\nsecond line"},
            }));
  EXPECT_EQ(journal_.entries[1][1], (std::pair<std::string, std::string>{"PRIORITY", "4"}));
  EXPECT_EQ(journal_.entries[1][5],
            (std::pair<std::string, std::string>{"SURETY_EVENT", "success"}));
}

// Every field name is one journald takes.
TEST_F(AlertTest, JournalFieldNamesAreValid) {
  ASSERT_TRUE(Deliver(Alert("journal", ""), AlertEvent::kFailure).ok());
  ASSERT_EQ(journal_.entries.size(), 1u);
  for (const auto& [name, value] : journal_.entries[0])
    EXPECT_TRUE(IsJournalFieldName(name)) << name;
}

// No journald (a container, a machine without systemd): a failed delivery
// that says why, retried like any other and then left to the outbox.
TEST_F(AlertTest, JournalUnreachableIsAFailedDeliveryWithTheReason) {
  journal_.answer = Status::Error(
      StatusCode::kIoError,
      "cannot reach journald: /run/systemd/journal/socket: No such file or directory; is "
      "systemd-journald running?");
  Status st = Deliver(Alert("journal", ""));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "journal ops: cannot reach journald: /run/systemd/journal/socket: No such file or "
            "directory; is systemd-journald running?");
  EXPECT_EQ(journal_.entries.size(), 3u);
  EXPECT_EQ(sleeps_, (std::vector<Micros>{seconds(1), seconds(2)}));
}

// --- the rest -----------------------------------------------------------------

// A kind this build does not know (a newer job file's, say) fails at once,
// without retries.
TEST_F(AlertTest, AnUnknownKindFailsAtOnce) {
  AlertSpec a = Alert("webhook");
  a.kind = static_cast<AlertKind>(99);
  Status st = Deliver(a);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("unknown alert kind"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("s3cr3t"), std::string::npos);
  EXPECT_TRUE(http_.requests.empty());
  EXPECT_TRUE(journal_.entries.empty());
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(AlertTest, WorksWithoutASleeper) {
  env_.sleep = nullptr;
  http_.answers = {500, 500, 500};
  EXPECT_FALSE(Deliver(Alert("webhook")).ok());
  EXPECT_EQ(http_.requests.size(), 3u);
}

}  // namespace
}  // namespace surety

namespace surety {
namespace {

// The HTTP poster redacts libcurl's error text with Redact too; a URL that
// is part of "<redacted>" itself must not make it loop.
TEST(Redact, ReplacesEveryOccurrenceAndStopsWhenTheSecretIsInTheMarker) {
  EXPECT_EQ(Redact("could not reach https://h.example/T0KEN (https://h.example/T0KEN)",
                   "https://h.example/T0KEN"),
            "could not reach <redacted> (<redacted>)");
  EXPECT_EQ(Redact("red; red", "red"), "<redacted>; <redacted>");
  EXPECT_EQ(Redact("path /T0KEN leaked", "https://h.example/T0KEN"), "path <redacted> leaked");
  // A URL made from this one (an endpoint before the query) loses the path
  // and the query apart.
  EXPECT_EQ(Redact("https://h.example/T0KEN/fail?key=K3Y", "https://h.example/T0KEN?key=K3Y"),
            "https://h.example<redacted>/fail<redacted>");
}

}  // namespace
}  // namespace surety
