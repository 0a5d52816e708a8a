// journal_fuzz: the fuzz target of the run journal's parser.
//
// For arbitrary bytes:
//  1. ParseJournal() never crashes (ASan and UBSan watch memory and
//     arithmetic), whatever the header, lines, hashes and escapes.
//  2. Every entry it accepts encodes again to one line that parses back to
//     the same record: nothing read from a damaged file is misread.
//  3. The bytes as a record's message and output tail (any byte, NUL and
//     newline included) survive EncodeJournalEntry → ParseJournalEntry.
// A violated property prints the input and traps.
//
// Build and run: docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "store/run_journal.h"

namespace surety {
namespace {

[[noreturn]] void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "journal_fuzz: %s\ninput (%zu bytes):", what, input.size());
  for (char c : input) std::fprintf(stderr, " %02x", static_cast<unsigned char>(c));
  std::fprintf(stderr, "\n");
  __builtin_trap();
}

bool Same(const RunRecord& a, const RunRecord& b) {
  return a.id == b.id && a.job == b.job && a.trigger == b.trigger && a.host == b.host &&
         a.started_at == b.started_at && a.finished_at == b.finished_at &&
         a.duration_ms == b.duration_ms && a.attempts == b.attempts && a.exit_code == b.exit_code &&
         a.signal == b.signal && a.result == b.result && a.message == b.message &&
         a.output_tail == b.output_tail && a.artifact_size == b.artifact_size &&
         a.artifact_path == b.artifact_path && a.alert_status == b.alert_status &&
         a.owner_pid == b.owner_pid && a.owner_boot_id == b.owner_boot_id &&
         a.owner_start_time == b.owner_start_time;
}

std::optional<JournalEntry> Reparse(const JournalEntry& e) {
  std::string line = EncodeJournalEntry(e);
  if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) return {};
  return ParseJournalEntry(std::string_view(line).substr(0, line.size() - 1));
}

}  // namespace
}  // namespace surety

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace surety;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  ParsedJournal parsed = ParseJournal(input);
  for (const JournalEntry& e : parsed.entries) {
    std::optional<JournalEntry> again = Reparse(e);
    if (!again || !Same(again->record, e.record) || again->keep_runs != e.keep_runs)
      Fail("an accepted entry does not survive encoding again", input);
  }

  JournalEntry e;
  e.record.id = 1 + static_cast<int64_t>(size);
  e.record.job = "job";
  e.record.message = std::string(input);
  e.record.output_tail = std::string(input);
  e.record.signal = std::string(input.substr(0, input.size() / 2));
  std::optional<JournalEntry> back = Reparse(e);
  if (!back || !Same(back->record, e.record)) Fail("arbitrary bytes do not round-trip", input);
  return 0;
}
