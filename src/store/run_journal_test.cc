// Run journal format tests: every field and every byte round-trips, absent
// and empty values stay distinct, a line torn or altered anywhere is counted
// as damaged and never misread, the header keeps its fixed size, and the
// version-1 bytes are pinned by a checked-in journal
// (tests/data/journal/history-v1.journal).
#include "store/run_journal.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

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

// ---------------------------------------------------------------------------
// The checked-in version-1 journal. Round trips cannot tell an encoder and a
// decoder that changed together; this file was written by the version-1
// encoder, and every journal on disk looks like it. Its contents, written
// out here, must stay what the file says: a failure means the format
// changed, which needs a new version and a migration, never a new file
// (tests/data/journal/README.md).

std::string FixturePath() { return testing_util::TestDataDir() + "/journal/history-v1.journal"; }

std::string ReadFixture() {
  std::ifstream in(FixturePath(), std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

const JournalHeader kFixtureHeader{1, "dd5fccba-acb3-4983-b81a-9f5589853c1e", 5,
                                   0x5eed0f1a2b3c4d5eULL};

Instant At(int64_t micros) { return Instant{Micros{micros}}; }

// The whole entries of the file, in file order.
std::vector<JournalEntry> FixtureEntries() {
  std::vector<JournalEntry> out;
  // Run 1 of db, scheduled: its start entry (running; every optional
  // absent, keep_runs 0), then its finish entry (every optional but the
  // signal present; the output has a tab, newlines, a carriage return,
  // backslashes, a literal \N and bytes that are not UTF-8).
  RunRecord r;
  r.id = 1;
  r.job = "db";
  r.trigger = Trigger::kSchedule;
  r.host = "backup-1";
  r.started_at = At(1763780400000123);  // 2025-11-22T03:00:00.000123Z
  r.duration_ms = 0;
  r.attempts = 1;
  r.result = RunResult::kRunning;
  r.owner_pid = 4242;
  r.owner_boot_id = "dd5fccba-acb3-4983-b81a-9f5589853c1e";
  r.owner_start_time = 987654;
  out.push_back({r, 0});
  r.finished_at = At(1763780461500456);
  r.duration_ms = 61500;
  r.exit_code = 0;
  r.result = RunResult::kSuccess;
  r.message = "exit status 0";
  r.output_tail = "dumped 3 tables:\tusers\\orders\r\ncaf\xe9 \xff\xfe\\N\n";
  r.artifact_size = 1048576;
  r.artifact_path = "/backups/db-2025-11-22.dump";
  r.alert_status = "";
  out.push_back({r, 30});

  // Run 2 of web-logs, a catch-up killed by its timeout: no exit status, a
  // signal, the message with escapes of its own, a backslash-N that is text
  // (not the absent marker), and two alerts.
  RunRecord t;
  t.id = 2;
  t.job = "web-logs";
  t.trigger = Trigger::kCatchup;
  t.host = "backup-1";
  t.started_at = At(1763784000000000);
  t.finished_at = At(1763791200250000);
  t.duration_ms = 7200250;
  t.attempts = 2;
  t.signal = "KILL";
  t.result = RunResult::kTimeout;
  t.message = "timed out after 2h\tand was killed with KILL\nlast line: \\N \\t";
  t.output_tail = "rsync: [sender] \xc3\x28 bad name\r\n\\\\server\\share\n";
  t.alert_status = "webhook ops: sent; email oncall: failed: 550 mailbox unavailable";
  t.owner_pid = 5151;
  t.owner_boot_id = "dd5fccba-acb3-4983-b81a-9f5589853c1e";
  t.owner_start_time = 1000001;
  out.push_back({t, 7});

  // Run 3 of db, started by hand: its start entry (running), then its
  // finish (failed with exit status 7; a signal that is present but empty,
  // written as an empty field, not as the absent marker).
  RunRecord m;
  m.id = 3;
  m.job = "db";
  m.trigger = Trigger::kManual;
  m.host = "backup-1";
  m.started_at = At(1763866800000000);
  m.attempts = 1;
  m.result = RunResult::kRunning;
  m.owner_pid = 6060;
  m.owner_boot_id = "0b6f6a0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
  m.owner_start_time = 42;
  out.push_back({m, 0});
  m.finished_at = At(1763866802000000);
  m.duration_ms = 2000;
  m.exit_code = 7;
  m.signal = "";
  m.result = RunResult::kFailed;
  m.message = "exit status 7: pg_dump: error: connection refused";
  m.output_tail = "pg_dump: error: connection refused\n";
  out.push_back({m, 30});
  return out;
}

// The last line of the file: the start of run 4, torn after kTornBytes
// bytes (a runner killed in the middle of its append), no newline.
JournalEntry TornEntry() {
  RunRecord b;
  b.id = 4;
  b.job = "web-logs";
  b.trigger = Trigger::kBoot;
  b.host = "backup-1";
  b.started_at = At(1763870400000000);
  b.attempts = 1;
  b.owner_pid = 7;
  b.owner_boot_id = "0b6f6a0e-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
  b.owner_start_time = 99;
  return {b, 0};
}
constexpr size_t kTornBytes = 60;

TEST(RunJournalFixture, TheCheckedInVersion1JournalParsesToItsRecords) {
  const std::string text = ReadFixture();
  ASSERT_FALSE(text.empty()) << "cannot read " << FixturePath();
  ParsedJournal p = ParseJournal(text);
  EXPECT_EQ(p.version, 1);
  ASSERT_TRUE(p.header.has_value());
  EXPECT_EQ(p.header->version, kFixtureHeader.version);
  EXPECT_EQ(p.header->boot_id, kFixtureHeader.boot_id);
  EXPECT_EQ(p.header->next_id, kFixtureHeader.next_id);
  EXPECT_EQ(p.header->gen, kFixtureHeader.gen);
  const std::vector<JournalEntry> want = FixtureEntries();
  ASSERT_EQ(p.entries.size(), want.size())
      << "lines of the file that no longer parse are counted as damaged: " << p.damaged;
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE("entry " + std::to_string(i) + " (run " + std::to_string(want[i].record.id) + ")");
    ExpectSame(p.entries[i].record, want[i].record);
    EXPECT_EQ(p.entries[i].keep_runs, want[i].keep_runs);
  }
  EXPECT_EQ(p.damaged, 1) << "the torn last line";
  ASSERT_EQ(p.ends.size(), want.size());
  EXPECT_EQ(p.ends.back(), text.size() - kTornBytes) << "the torn line starts after the last end";
}

TEST(RunJournalFixture, TodaysEncoderWritesTheCheckedInBytes) {
  std::string encoded = EncodeJournalHeader(kFixtureHeader);
  for (const JournalEntry& e : FixtureEntries()) encoded += EncodeJournalEntry(e);
  encoded += EncodeJournalEntry(TornEntry()).substr(0, kTornBytes);
  const std::string file = ReadFixture();
  ASSERT_FALSE(file.empty()) << "cannot read " << FixturePath();
  size_t at = 0;
  while (at < encoded.size() && at < file.size() && encoded[at] == file[at]) ++at;
  EXPECT_TRUE(at == encoded.size() && at == file.size())
      << "the encoder no longer writes version 1 as " << FixturePath() << " has it: first "
      << "difference at byte " << at << " of " << file.size()
      << "\n  file:    " << testing::PrintToString(file.substr(at > 40 ? at - 40 : 0, 80))
      << "\n  encoder: " << testing::PrintToString(encoded.substr(at > 40 ? at - 40 : 0, 80));
}

}  // namespace
}  // namespace surety
