// The run journal: STATE_DIR/history.journal, an append-only file in which
// `surety run` records its run, instead of writing history.db itself.
//
// For: a runner that records a durable run without paying SQLite's
// per-process cost. Opening history.db, rebuilding the index of its
// write-ahead log and compiling statements cost a short-lived runner ~0.8 ms,
// more than everything else it does; appending a line costs a few system
// calls. The guarantees stay: the start entry is written (into the page cache,
// not flushed, as history.db's start record was) before the command starts;
// the finish entry is flushed (fdatasync) before FinishRun returns.
//
// Readers see every run: before any read, the history folds the journal into
// history.db in one transaction under the journal's lock, then truncates it
// (journaled_history.cc). Folding is idempotent (an entry is an upsert by run
// id), so a crash between the commit and the truncation loses nothing.
//
// File format (version 1):
//   header  a fixed kJournalHeaderSize-byte line: "SURETY-JOURNAL 1
//           boot=<boot id> next=<19 digits> gen=<16 hex digits>", padded,
//           '\n'. `gen` names this journal's contents: a fold records in
//           history.db, in its transaction, the gen and the offset it
//           folded to, and empties the journal under a new gen, so a fold
//           repeated after a crash skips what was applied.
//   entry   "<16 hex digits> <payload>\n": the digits are the FNV-1a 64 hash
//           of the payload, so a line torn by a power cut is recognised;
//           the payload is the whole run record (every field, tab-separated,
//           with \\ \t \n \r escaped and \N for an absent value) plus the
//           job's keep_runs. A later entry of a run replaces an earlier one.
//
// Run ids come from the header's `next`. Within one boot the page cache is
// coherent, so a header written in this boot is right whether or not it has
// reached the disk; a header from another boot may be stale after a power
// cut, and then the next id is recomputed from history.db after folding.
//
// Thread-safety: the functions here are pure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/run_record.h"

namespace surety {

inline constexpr size_t kJournalHeaderSize = 128;
inline constexpr int kJournalVersion = 1;

// STATE_DIR/history.journal.
inline std::string JournalPath(const std::string& state_dir) {
  return state_dir + "/history.journal";
}

struct JournalHeader {
  int version = kJournalVersion;
  std::string boot_id;
  int64_t next_id = 1;
  uint64_t gen = 0;
};

// Exactly kJournalHeaderSize bytes. A boot id longer than 36 characters is
// cut (Linux's is 36).
std::string EncodeJournalHeader(const JournalHeader& header);
// The header at the start of `text`, if `text` starts with a whole, valid
// version-1 layout (whatever its version number says: the caller refuses
// versions it does not know). `next` above kMaxJournalId is invalid.
std::optional<JournalHeader> ParseJournalHeader(std::string_view text);
// The version number of a journal that starts with the magic word, read
// before anything else of the header: a newer surety may lay out the rest
// differently, and its journal must be refused, not taken for a damaged one.
std::optional<int> JournalVersion(std::string_view text);
inline constexpr int64_t kMaxJournalId = int64_t{1} << 62;

struct JournalEntry {
  RunRecord record;
  int keep_runs = 0;  // the job's retention when the entry was written; 0: none
};

// One line, '\n' included.
std::string EncodeJournalEntry(const JournalEntry& entry);
// One line without its '\n'; nullopt when it is damaged or not an entry.
// `unnumbered_ok`: an id of 0 is accepted (a spooled run that never got an
// id, history_store.h SpoolRun); the journal itself never holds one.
std::optional<JournalEntry> ParseJournalEntry(std::string_view line, bool unnumbered_ok = false);

struct ParsedJournal {
  std::optional<int> version;  // JournalVersion()
  std::optional<JournalHeader> header;
  std::vector<JournalEntry> entries;  // in file order
  std::vector<uint64_t> ends;         // the file offset after each entry's line
  int damaged = 0;                    // lines that failed their hash or did not parse (dropped)
};
// A whole journal file. A last line without '\n' (a torn append) counts as
// damaged.
ParsedJournal ParseJournal(std::string_view text);

// What a fold hands to history.db: the entries not folded before, the
// journal's gen and the offset after each entry (see the file format).
struct JournalBatch {
  std::string gen;  // hex; empty for a journal without a valid header
  std::vector<JournalEntry> entries;
  std::vector<uint64_t> ends;
};
std::string JournalGenText(uint64_t gen);

}  // namespace surety
