// Logger tests: the timestamp of every line is the UTC time of the clock,
// to the microsecond, as gmtime_r() would give it (leap days, century
// years, the epoch, before the epoch); values are quoted and escaped.
#include "os/log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

namespace surety {
namespace {

std::string ExpectedTime(int64_t us) {
  std::time_t secs = static_cast<std::time_t>(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
  long long frac = us - static_cast<int64_t>(secs) * 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

std::string LoggedTime(int64_t us) {
  FakeClock clock(Instant{Micros{us}});
  std::ostringstream out;
  Logger log(out, clock);
  log.Info("e", {});
  std::string line = out.str();
  size_t start = line.find("time=") + 5;
  return line.substr(start, line.find(' ', start) - start);
}

TEST(Logger, TimestampsAreUtcToTheMicrosecond) {
  for (int64_t us : {int64_t{0}, int64_t{-1}, int64_t{951782400000000},  // 2000-02-29
                     int64_t{4107542399999999},                          // 2100-02-28T23:59:59
                     int64_t{1763780400123456}, int64_t{-2208988800000000}, int64_t{68256000000000},
                     int64_t{253402300799999999}})  // 9999-12-31T23:59:59.999999
    EXPECT_EQ(LoggedTime(us), ExpectedTime(us)) << us;
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> any(-62135596800000000, 253402300799999999);
  for (int i = 0; i < 20000; ++i) {
    int64_t us = any(rng);
    ASSERT_EQ(LoggedTime(us), ExpectedTime(us)) << us;
  }
}

TEST(Logger, LogfmtQuotesAndEscapesValues) {
  FakeClock clock;
  std::ostringstream out;
  Logger log(out, clock);
  log.Error("run_finished", {{"job", "db"}, {"message", "exit 1\n\"x\""}, {"empty", ""}});
  EXPECT_NE(out.str().find(" level=error event=run_finished job=db message=\"exit 1\\n\\\"x\\\"\" "
                           "empty=\"\"\n"),
            std::string::npos)
      << out.str();
}

TEST(Logger, JsonLinesGiveIdsAndCountsAsNumbers) {
  FakeClock clock(Instant{Micros{1763780400000000}});
  std::ostringstream out;
  Logger log(out, clock, LogFormat::kJson);
  log.Info("run_finished", {{"job", "42"},
                            {"run_id", "17"},
                            {"attempt", "2"},
                            {"duration_ms", "8"},
                            {"exit_code", "007"}});
  auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["run_id"], 17);
  EXPECT_EQ(j["attempt"], 2);
  EXPECT_EQ(j["duration_ms"], 8);
  EXPECT_EQ(j["job"], "42") << "a job name stays a string";
  EXPECT_EQ(j["exit_code"], "007") << "not a JSON number";
}

// Job output ends up in log values (a failure's last output line) and need
// not be UTF-8; every JSON line must still parse. Before, the bytes were
// copied as they came and the line was invalid JSON.
TEST(Logger, JsonLinesStayValidJsonForValuesThatAreNotUtf8) {
  FakeClock clock;
  std::ostringstream out;
  Logger log(out, clock, LogFormat::kJson);
  struct Case {
    std::string in, want;
  } cases[] = {
      {"plain", "plain"},
      {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
      {"latin-1 caf\xe9!", "latin-1 caf\xef\xbf\xbd!"},
      {"\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd"},
      {"cut \xe2\x82", "cut \xef\xbf\xbd\xef\xbf\xbd"},            // a truncated sequence
      {"\xc0\xaf overlong", "\xef\xbf\xbd\xef\xbf\xbd overlong"},  // an overlong '/'
      {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},    // a surrogate
      {"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},  // > U+10FFFF
      {"tab\there \x01", "tab\there \x01"},
  };
  for (const Case& c : cases) {
    out.str("");
    log.Error("attempt_finished", {{"job", "db"}, {"detail", c.in}});
    std::string line = out.str();
    ASSERT_FALSE(line.empty());
    line.pop_back();  // the newline
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "invalid JSON: " << line;
    EXPECT_EQ(j["detail"].get<std::string>(), c.want) << line;
    EXPECT_EQ(j["job"], "db");
  }
}

// logfmt shows a byte that is not UTF-8 as \xNN inside quotes, like a
// control byte, and leaves valid UTF-8 alone.
TEST(Logger, LogfmtEscapesBytesThatAreNotUtf8) {
  FakeClock clock;
  std::ostringstream out;
  Logger log(out, clock);
  log.Info("e", {{"detail", "bad\xff\xfe"}, {"name", "caf\xc3\xa9"}, {"cut", "x\xe2\x82"}});
  EXPECT_NE(out.str().find(" detail=\"bad\\xff\\xfe\" name=caf\xc3\xa9 cut=\"x\\xe2\\x82\"\n"),
            std::string::npos)
      << out.str();
}

}  // namespace
}  // namespace surety

namespace surety {
namespace {

TEST(Logger, EventsBelowTheMinimumLevelAreDropped) {
  FakeClock clock;
  std::ostringstream out;
  Logger log(out, clock, LogFormat::kLogfmt, LogLevel::kWarning);
  log.Debug("a", {});
  log.Info("b", {});
  log.Warn("c", {});
  log.Error("d", {});
  const std::string s = out.str();
  EXPECT_EQ(s.find("event=a"), std::string::npos);
  EXPECT_EQ(s.find("event=b"), std::string::npos);
  EXPECT_NE(s.find("level=warning event=c"), std::string::npos) << s;
  EXPECT_NE(s.find("level=error event=d"), std::string::npos) << s;
  log.set_min_level(LogLevel::kDebug);
  log.Debug("e", {});
  EXPECT_NE(out.str().find("level=debug event=e"), std::string::npos);
}

TEST(Logger, LevelNamesRoundTrip) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError})
    EXPECT_EQ(LogLevelFromName(LogLevelName(l)), l);
  EXPECT_EQ(LogLevelFromName("warn"), LogLevel::kWarning);
  EXPECT_EQ(LogLevelFromName("loud"), std::nullopt);
}

// A field named like one of the line's own keys used to repeat it: an
// alert_failed line carried "event" twice, and jq saw only the last one, so
// a monitor selecting event == "alert_failed" missed every failed alert.
TEST(Logger, EveryJsonLineHasUniqueKeys) {
  FakeClock clock;
  std::ostringstream out;
  Logger log(out, clock, LogFormat::kJson);
  log.Error("alert_failed", {{"event", "failure"}, {"time", "x"}, {"level", "y"}});
  std::string line = out.str();
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["event"], "alert_failed");
  EXPECT_EQ(j["level"], "error");
  EXPECT_EQ(j["field_event"], "failure");
  EXPECT_EQ(j["field_time"], "x");
  size_t count = 0;
  for (size_t at = line.find("\"event\""); at != std::string::npos;
       at = line.find("\"event\"", at + 1))
    ++count;
  EXPECT_EQ(count, 1u) << line;
}

}  // namespace
}  // namespace surety
