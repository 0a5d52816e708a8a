// /proc/PID/stat parsing as a table, and this process as /proc shows it.
#include "os/proc.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <string>

#include "os/system.h"

namespace surety {
namespace {

// Fields 4..21 of a real stat line, then starttime (22) and more.
constexpr const char kMiddle[] = " 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 ";
constexpr const char kTail[] = " 12345678 456 18446744073709551615 1 1 0 0 0 0 0 0 0 0 17 1 0 0\n";

std::string StatLine(const std::string& comm, char state, const std::string& start) {
  return "4242 (" + comm + ") " + std::string(1, state) + kMiddle + start + kTail;
}

TEST(ParseProcStat, ParsesStateAndStartTime) {
  struct Row {
    std::string comm;
    char state;
    const char* start;
    uint64_t expected;
  };
  const Row rows[] = {
      {"surety", 'S', "98765", 98765},
      {"surety run db", 'R', "1", 1},                    // spaces shift naive field counts
      {"a) (b) c", 'S', "424242", 424242},               // ')' inside comm: last ')' counts
      {")))", 'D', "18446744073709551615", UINT64_MAX},  // comm of only parentheses
      {"", 'Z', "7", 7},
  };
  for (const Row& row : rows) {
    std::optional<ProcInfo> stat = ParseProcStat(StatLine(row.comm, row.state, row.start));
    ASSERT_TRUE(stat.has_value()) << row.comm;
    EXPECT_EQ(stat->state, row.state) << row.comm;
    EXPECT_EQ(stat->start_time, row.expected) << row.comm;
    EXPECT_EQ(stat->pid, 4242) << row.comm;
    EXPECT_EQ(stat->ppid, 1) << row.comm;
    EXPECT_EQ(stat->pgid, 1234) << row.comm;
  }
  // starttime as the very last field, with and without a newline.
  std::string last = "1 (x) S" + std::string(kMiddle) + "55";
  ASSERT_TRUE(ParseProcStat(last).has_value());
  EXPECT_EQ(ParseProcStat(last)->start_time, 55u);
  EXPECT_EQ(ParseProcStat(last + "\n")->start_time, 55u);
}

TEST(ParseProcStat, RejectsMalformedText) {
  const std::string bad[] = {
      "",
      "4242 surety S 1 2 3",                               // no parentheses
      "4242 (surety S 1 2 3",                              // unclosed
      "4242 (surety) S 1 2 3",                             // too few fields
      StatLine("x", 'S', "12x"),                           // not a number
      StatLine("x", 'S', "-5"),                            // negative
      StatLine("x", 'S', "99999999999999999999999"),       // overflow
      "4242 (x) SS" + std::string(kMiddle) + "1" + kTail,  // state is one letter
  };
  for (const std::string& text : bad) EXPECT_FALSE(ParseProcStat(text).has_value()) << text;
}

TEST(ReadProcStat, ThisProcess) {
  auto me = ReadProcStat(getpid());
  ASSERT_TRUE(me.has_value());
  EXPECT_EQ(me->pid, getpid());
  EXPECT_EQ(me->ppid, getppid());
  EXPECT_EQ(me->pgid, getpgrp());
  EXPECT_GT(me->start_time, 0u);
  EXPECT_EQ(ReadProcStat(INT_MAX), std::nullopt);
}

TEST(ProcessIdentity, ThisProcessStillRunsAndAnotherStartTimeDoesNot) {
  ProcessIdentity me = SelfIdentity();
  EXPECT_EQ(me.pid, getpid());
  EXPECT_EQ(me.boot_id.size(), 36u) << me.boot_id;
  EXPECT_TRUE(StillRunning(me));
  ProcessIdentity reused = me;
  reused.start_time += 1;
  EXPECT_FALSE(StillRunning(reused));
  ProcessIdentity other_boot = me;
  other_boot.boot_id = "00000000-0000-0000-0000-000000000000";
  EXPECT_FALSE(StillRunning(other_boot));
  EXPECT_FALSE(StillRunning(ProcessIdentity{}));
}

}  // namespace
}  // namespace surety

namespace surety {
namespace {

// A numeric user that no account can have is an error, never another user:
// "4294967296" used to wrap around to uid 0, root.
TEST(LookupUser, AnIdNoAccountCanHaveIsNotFoundNotRoot) {
  auto wrapped = LookupUser("4294967296");
  EXPECT_FALSE(wrapped.ok());
  EXPECT_EQ(wrapped.status().message(), "'4294967296' is not a valid user id");
  EXPECT_FALSE(LookupUser("99999999999999999999").ok());
  EXPECT_FALSE(LookupGroup("4294967296").ok());
  auto root = LookupUser("0");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->uid, 0u);
}

}  // namespace
}  // namespace surety
