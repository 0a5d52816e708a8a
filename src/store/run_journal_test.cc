// Run journal format tests: every field and every byte round-trips, absent
// and empty values stay distinct, a line torn or altered anywhere is counted
// as damaged and never misread, and the header keeps its fixed size.
#include "store/run_journal.h"

#include <gtest/gtest.h>

#include <string>

namespace surety {
namespace {

RunRecord FullRecord() {
  RunRecord r;
  r.id = 123456789012LL;
  r.job = "db\tbackup";
  r.trigger = Trigger::kCatchup;
  r.host = "host-\\a";
  r.started_at = Instant{Micros{1763780400123456}};
  r.finished_at = Instant{Micros{1763780460654321}};
  r.duration_ms = 60531;
  r.attempts = 3;
  r.exit_code = -1;
  r.signal = "";
  r.result = RunResult::kVerifyFailed;
  r.message = "line one\nline two\r\n\\N";
  r.output_tail = std::string("bin\0ary\xff\xfe\t\\t\n", 15);
  r.artifact_size = 18446744073709551615ULL;
  r.artifact_path = "/srv/backup/db-2026-11-22.sql.gz";
  r.alert_status = "webhook: sent";
  r.owner_pid = 4194304;
  r.owner_boot_id = "dd5fccba-acb3-4983-b81a-9f5589853c1e";
  r.owner_start_time = 987654321;
  return r;
}

void ExpectSame(const RunRecord& a, const RunRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.job, b.job);
  EXPECT_EQ(a.trigger, b.trigger);
  EXPECT_EQ(a.host, b.host);
  EXPECT_EQ(a.started_at, b.started_at);
  EXPECT_EQ(a.finished_at, b.finished_at);
  EXPECT_EQ(a.duration_ms, b.duration_ms);
  EXPECT_EQ(a.attempts, b.attempts);
  EXPECT_EQ(a.exit_code, b.exit_code);
  EXPECT_EQ(a.signal, b.signal);
  EXPECT_EQ(a.result, b.result);
  EXPECT_EQ(a.message, b.message);
  EXPECT_EQ(a.output_tail, b.output_tail);
  EXPECT_EQ(a.artifact_size, b.artifact_size);
  EXPECT_EQ(a.artifact_path, b.artifact_path);
  EXPECT_EQ(a.alert_status, b.alert_status);
  EXPECT_EQ(a.owner_pid, b.owner_pid);
  EXPECT_EQ(a.owner_boot_id, b.owner_boot_id);
  EXPECT_EQ(a.owner_start_time, b.owner_start_time);
}

TEST(RunJournal, EveryFieldRoundTripsIncludingArbitraryBytes) {
  JournalEntry e{FullRecord(), 1000};
  std::string line = EncodeJournalEntry(e);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one entry is one line";
  auto back = ParseJournalEntry(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value());
  ExpectSame(back->record, e.record);
  EXPECT_EQ(back->keep_runs, 1000);
}

TEST(RunJournal, AbsentAndEmptyValuesStayDistinct) {
  RunRecord r = FullRecord();
  r.finished_at.reset();
  r.exit_code.reset();
  r.signal.reset();
  r.artifact_size.reset();
  r.result = RunResult::kRunning;
  r.message = "\\N";  // the text of the absent marker, as a value
  r.output_tail.clear();
  std::string line = EncodeJournalEntry(JournalEntry{r, 0});
  auto back = ParseJournalEntry(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value());
  ExpectSame(back->record, r);

  r.signal = "";
  line = EncodeJournalEntry(JournalEntry{r, 0});
  back = ParseJournalEntry(std::string_view(line).substr(0, line.size() - 1));
  ASSERT_TRUE(back.has_value());
  ASSERT_TRUE(back->record.signal.has_value());
  EXPECT_EQ(*back->record.signal, "");
}

TEST(RunJournal, EveryResultRoundTrips) {
  for (RunResult result :
       {RunResult::kRunning, RunResult::kSuccess, RunResult::kWarning, RunResult::kAlreadyDone,
        RunResult::kSkipped, RunResult::kFailed, RunResult::kPreflightFailed,
        RunResult::kVerifyFailed, RunResult::kTimeout, RunResult::kInterrupted}) {
    RunRecord r = FullRecord();
    r.result = result;
    std::string line = EncodeJournalEntry(JournalEntry{r, 0});
    auto back = ParseJournalEntry(std::string_view(line).substr(0, line.size() - 1));
    ASSERT_TRUE(back.has_value()) << RunResultName(result);
    EXPECT_EQ(back->record.result, result);
  }
}

TEST(RunJournal, AnyChangedOrMissingByteMakesTheLineDamaged) {
  std::string line = EncodeJournalEntry(JournalEntry{FullRecord(), 7});
  std::string_view body(line.data(), line.size() - 1);
  for (size_t cut = 0; cut < body.size(); ++cut)
    EXPECT_FALSE(ParseJournalEntry(body.substr(0, cut)).has_value()) << "cut at " << cut;
  for (size_t i = 0; i < body.size(); ++i) {
    std::string flipped(body);
    flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
    EXPECT_FALSE(ParseJournalEntry(flipped).has_value()) << "byte " << i;
  }
}

TEST(RunJournal, ALineWithAValidHashButBadFieldsIsRejected) {
  // The hash only says the bytes are whole; the fields must parse too.
  auto with_payload = [](const std::string& payload) {
    uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : payload) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    return std::string(hex) + " " + payload;
  };
  std::string good = EncodeJournalEntry(JournalEntry{FullRecord(), 1});
  std::string payload = good.substr(17, good.size() - 18);
  ASSERT_TRUE(ParseJournalEntry(with_payload(payload)).has_value());
  EXPECT_FALSE(ParseJournalEntry(with_payload(payload + "\textra")).has_value());
  EXPECT_FALSE(ParseJournalEntry(with_payload("0\tjob")).has_value());
  std::string bad_result = payload;
  bad_result.replace(bad_result.find("verify_failed"), 13, "exploded");
  EXPECT_FALSE(ParseJournalEntry(with_payload(bad_result)).has_value());
  std::string bad_escape = payload;
  bad_escape.replace(bad_escape.find("host-"), 5, "h\\q");
  EXPECT_FALSE(ParseJournalEntry(with_payload(bad_escape)).has_value());
}

TEST(RunJournal, HeaderHasAFixedSizeAndRoundTrips) {
  JournalHeader h{1, "dd5fccba-acb3-4983-b81a-9f5589853c1e", kMaxJournalId};
  std::string text = EncodeJournalHeader(h);
  ASSERT_EQ(text.size(), kJournalHeaderSize);
  EXPECT_EQ(text.back(), '\n');
  auto back = ParseJournalHeader(text);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->version, 1);
  EXPECT_EQ(back->boot_id, h.boot_id);
  EXPECT_EQ(back->next_id, h.next_id);

  JournalHeader empty_boot{1, "", 1};
  ASSERT_EQ(EncodeJournalHeader(empty_boot).size(), kJournalHeaderSize);
  EXPECT_EQ(ParseJournalHeader(EncodeJournalHeader(empty_boot))->boot_id, "");
  JournalHeader long_boot{1, std::string(80, 'b'), 5};
  ASSERT_EQ(EncodeJournalHeader(long_boot).size(), kJournalHeaderSize);

  EXPECT_FALSE(ParseJournalHeader(text.substr(0, kJournalHeaderSize - 1)).has_value());
  // An id so large that counting on would overflow is a damaged header.
  EXPECT_FALSE(ParseJournalHeader(EncodeJournalHeader(JournalHeader{1, "b", kMaxJournalId + 1})));
  EXPECT_EQ(JournalVersion(text), 1);
  EXPECT_EQ(JournalVersion("SURETY-JOURNAL 27 anything at all"), 27);
  EXPECT_FALSE(JournalVersion("SURETY-JOURNAL x").has_value());
  EXPECT_FALSE(JournalVersion("surety-journal 1").has_value());
  EXPECT_FALSE(ParseJournalHeader("").has_value());
  std::string zero = EncodeJournalHeader(JournalHeader{1, "b", 1});
  zero.replace(zero.find("next=") + 5, 19, std::string(19, '0'));
  EXPECT_FALSE(ParseJournalHeader(zero).has_value());
  JournalHeader newer{2, "b", 3};
  ASSERT_TRUE(ParseJournalHeader(EncodeJournalHeader(newer)).has_value());
  EXPECT_EQ(ParseJournalHeader(EncodeJournalHeader(newer))->version, 2);
}

TEST(RunJournal, AWholeFileWithATornTailAndAGarbageLine) {
  RunRecord a = FullRecord();
  a.id = 1;
  RunRecord b = FullRecord();
  b.id = 2;
  std::string second = EncodeJournalEntry(JournalEntry{b, 0});
  std::string text = EncodeJournalHeader(JournalHeader{1, "boot", 3}) +
                     EncodeJournalEntry(JournalEntry{a, 0}) + std::string(40, '\0') + "\n" + "\n" +
                     second + second.substr(0, second.size() / 2);
  ParsedJournal p = ParseJournal(text);
  ASSERT_TRUE(p.header.has_value());
  EXPECT_EQ(p.header->next_id, 3);
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].record.id, 1);
  EXPECT_EQ(p.entries[1].record.id, 2);
  EXPECT_EQ(p.damaged, 2);  // the NUL line and the torn half line
}

TEST(RunJournal, AFileWithoutAHeaderStillYieldsItsEntries) {
  RunRecord a = FullRecord();
  a.id = 5;
  ParsedJournal p = ParseJournal(EncodeJournalEntry(JournalEntry{a, 3}));
  EXPECT_FALSE(p.header.has_value());
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].keep_runs, 3);
  EXPECT_EQ(p.damaged, 0);
}

}  // namespace
}  // namespace surety
