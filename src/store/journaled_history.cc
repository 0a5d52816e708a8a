// JournaledHistory: the history of a state directory (history_store.h).
// Runs are appended to STATE_DIR/history.journal (run_journal.h); every read
// first folds the journal into STATE_DIR/history.db, which is opened on first
// need, so `surety run` of a job without alerts never opens it.
//
// Locking: the journal's flock(LOCK_EX) covers an append (and the id it
// takes), a whole fold (read, SQLite transaction, header update,
// truncation) and a fold followed by reaping dead runners. The fold takes
// SQLite's write lock while holding the journal's; nothing takes them the
// other way round. Waiting for the journal's lock is bounded by the same
// busy timeout as SQLite's.
//
// A read whose fold fails (a full disk, the lock held too long) still
// answers: history.db as it is, with the journal's entries merged in memory
// (FoldStatus() says why), and writes nothing.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "os/data_file.h"
#include "os/proc.h"
#include "os/system.h"
#include "store/history_store.h"
#include "store/run_journal.h"

namespace surety {

namespace {

// Past this size a runner folds the journal itself after recording its run,
// so that it stays small when nothing reads the history for weeks.
constexpr uint64_t kFoldThreshold = 256 * 1024;
constexpr uint64_t kHeaderSize = kJournalHeaderSize;

// Every byte of `file` before `limit`.
Result<std::string> ReadAll(DataFile& file, uint64_t limit) {
  std::string text;
  char buf[16384];
  for (uint64_t off = 0; off < limit;) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(limit - off, sizeof buf));
    auto n = file.ReadAt(off, buf, want);
    if (!n.ok()) return n.status();
    if (*n == 0) break;
    text.append(buf, *n);
    off += *n;
  }
  return text;
}

// The first bytes of `file` (its header), as many as there are.
Result<std::string> ReadHead(DataFile& file, size_t n) {
  std::string head(n, '\0');
  auto got = file.ReadAt(0, head.data(), n);
  if (!got.ok()) return got.status();
  head.resize(*got);
  return head;
}

// Holds the journal's lock for a scope.
class JournalLock {
 public:
  JournalLock() = default;
  JournalLock(const JournalLock&) = delete;
  JournalLock& operator=(const JournalLock&) = delete;
  ~JournalLock() { Release(); }

  // Waits up to `timeout`, polling with a pause that grows from 50 µs to
  // 20 ms: a held lock is usually free again within microseconds, and a
  // thousand runners started in the same second must not take the processor
  // from the one holding it by polling every millisecond. (flock has no
  // timed wait; a blocking one would wait forever on a stopped holder.)
  Status Take(DataFile& file, std::chrono::milliseconds timeout) {
    Release();
    // The time slept is summed rather than read from a clock: the store
    // reads no clock of its own, and the attempts themselves take
    // microseconds.
    const int64_t budget_us = static_cast<int64_t>(timeout.count()) * 1000;
    int64_t slept_us = 0;
    int64_t pause_us = 50;
    for (;;) {
      auto taken = file.TryLock();
      if (!taken.ok()) return taken.status();
      if (*taken) {
        file_ = &file;
        return Status::Ok();
      }
      if (slept_us >= budget_us) {
        return Status::Error(StatusCode::kBusy,
                             file.path() +
                                 ": another surety process held the run journal's lock for " +
                                 std::to_string(timeout.count()) + " ms");
      }
      pause_us = std::min(pause_us, budget_us - slept_us + 1);
      SleepFor(Micros{pause_us});
      slept_us += pause_us;
      pause_us = std::min<int64_t>(pause_us * 2, 20000);
    }
  }
  void Release() {
    if (file_) file_->Unlock();
    file_ = nullptr;
  }

 private:
  DataFile* file_ = nullptr;
};

class JournaledHistory final : public HistoryStore {
 public:
  JournaledHistory(const std::string& state_dir, const SqliteHistoryOptions& options)
      : db_path_(HistoryPath(state_dir)),
        journal_path_(JournalPath(state_dir)),
        state_dir_(state_dir),
        spool_dir_(state_dir + "/spool"),
        options_(options),
        files_(options.files ? *options.files : DefaultDataFiles()) {}
  ~JournaledHistory() override { CloseJournal(); }
  JournaledHistory(const JournaledHistory&) = delete;
  JournaledHistory& operator=(const JournaledHistory&) = delete;

  Result<int64_t> BeginRun(const RunRecord& record) override {
    JournalLock lock;
    const auto wait = options_.begin_wait.count() > 0 ? options_.begin_wait : AppendWait();
    if (Status s = LockCurrentJournal(lock, wait); !s.ok()) return s;
    auto read_head = ReadHead(*file_, kJournalHeaderSize);
    if (!read_head.ok()) return read_head.status();
    const std::string_view head = *read_head;
    if (auto version = JournalVersion(head); version && *version > kJournalVersion)
      return Newer(*version);
    std::optional<JournalHeader> header = ParseJournalHeader(head);
    const std::string& boot = CurrentBootId();
    int64_t id = 0;
    uint64_t gen = header ? header->gen : files_.Random();
    if (header && !boot.empty() && header->boot_id == boot) {
      id = header->next_id;
    } else {
      // First run of this boot (or a new or damaged journal): the header may
      // have lost an update to a power cut. Fold (which also moves `next`
      // past every id stored), then continue after history.db's ids.
      auto db = Db();
      if (!db.ok()) return db.status();
      if (Status s = FoldLocked(); !s.ok()) return s;
      auto max = (*db)->MaxId();
      if (!max.ok()) return max.status();
      id = std::max(*max + 1, header ? header->next_id : 1);
      // The fold may have given the journal a new gen.
      if (auto again = ReadHead(*file_, kJournalHeaderSize); again.ok())
        if (auto now = ParseJournalHeader(*again)) gen = now->gen;
    }
    if (id >= kMaxJournalId) {
      return Status::Error(StatusCode::kIoError,
                           journal_path_ + ": run ids are exhausted (next id " +
                               std::to_string(id) + "); move history.db and the journal aside");
    }
    JournalHeader next{kJournalVersion, boot, id + 1, gen};
    if (Status s = file_->WriteAt(0, EncodeJournalHeader(next)); !s.ok()) return s;
    JournalEntry entry{record, 0};
    entry.record.id = id;
    if (auto appended = AppendLocked(entry); !appended.ok()) return appended.status();
    return id;
  }

  Status FinishRun(const RunRecord& record, int keep_runs) override {
    uint64_t size = 0;
    std::vector<std::string> adopted;
    {
      JournalLock lock;
      if (Status s = LockCurrentJournal(lock, AppendWait()); !s.ok()) return s;
      auto appended = AppendLocked(JournalEntry{record, keep_runs});
      if (!appended.ok() && appended.status().code() == StatusCode::kIoError &&
          !record.output_tail.empty()) {
        // A full disk: the output tail is most of the entry, and the result
        // matters more. Without it the entry may still fit (the last block
        // of the journal has room), and the run keeps its own result
        // instead of being reaped as `interrupted` later.
        RunRecord compact = record;
        compact.output_tail.clear();
        compact.message += " [output tail not recorded: " + appended.status().message() + "]";
        if (auto again = AppendLocked(JournalEntry{compact, keep_runs}); again.ok())
          appended = again;
      }
      if (!appended.ok()) return appended.status();
      size = *appended;
      // Runs an earlier runner had to spool join the journal now, with the
      // lock held; their files go once the flush below has succeeded.
      adopted = AdoptSpoolLocked();
    }
    // Other runners may append meanwhile; their lines are flushed too. A
    // failed flush is reported: the record is written, but not durable.
    if (Status s = file_->Sync(); !s.ok()) return s;
    RemoveAdopted(adopted);
    // The record is safe; folding is housekeeping, and a failure here is
    // retried by the next reader — but said (FoldStatus), or the journal
    // would grow without bound with nobody the wiser.
    if (size > kFoldThreshold) {
      fold_status_ = Fold();
      if (fold_status_.code() == StatusCode::kCorrupt && SetAside(fold_status_))
        fold_status_ = Fold();
    }
    return Status::Ok();
  }

  Result<std::vector<RunRecord>> RecentOnce(const std::string& job, int limit) {
    auto db = Synced();
    if (!db.ok()) return db.status();
    auto runs = (*db)->Recent(job, limit);
    if (!runs.ok() || fold_status_.ok()) return runs;
    return Merged(std::move(*runs), job, limit);
  }
  Result<std::vector<RunRecord>> RecentStartsOnce(const std::string& job, int limit) {
    auto db = Synced();
    if (!db.ok()) return db.status();
    auto runs = (*db)->RecentStarts(job, limit);
    if (!runs.ok() || fold_status_.ok()) return runs;
    std::vector<RunRecord> merged = Merged(std::move(*runs), job, limit);
    for (RunRecord& r : merged) r = StartOnly(r);
    return merged;
  }
  Result<std::vector<RunRecord>> PageOnce(const std::string& job, int skip, int limit, bool tails) {
    auto db = Synced();
    if (!db.ok()) return db.status();
    if (fold_status_.ok()) return (*db)->Page(job, skip, limit, tails);
    // The journal could not fold: its entries merged in, as Recent() does.
    skip = std::max(skip, 0);
    auto runs = (*db)->Page(job, 0, skip + std::max(limit, 1), tails);
    if (!runs.ok()) return runs.status();
    std::vector<RunRecord> merged = Merged(std::move(*runs), job, skip + std::max(limit, 1));
    const auto dropped = std::min<std::ptrdiff_t>(skip, std::ssize(merged));
    merged.erase(merged.begin(), merged.begin() + dropped);
    if (!tails)
      for (RunRecord& r : merged) r.output_tail.clear();
    return merged;
  }
  Result<std::optional<RunResult>> LastResultOnce(const std::string& job) {
    auto db = Synced();
    if (!db.ok()) return db.status();
    if (!fold_status_.ok()) {
      auto found = FindMerged(*db, job, [](const RunRecord& r) {
        return r.result != RunResult::kRunning && r.result != RunResult::kSkipped;
      });
      if (!found.ok()) return found.status();
      if (*found) return std::optional<RunResult>((*found)->result);
    }
    return (*db)->LastResult(job);
  }
  Result<std::optional<RunRecord>> LastGoodOnce(const std::string& job) {
    auto db = Synced();
    if (!db.ok()) return db.status();
    if (!fold_status_.ok()) {
      auto found = FindMerged(*db, job, [](const RunRecord& r) {
        return r.finished_at.has_value() && IsGoodResult(r.result);
      });
      if (!found.ok() || *found) return found;
    }
    return (*db)->LastGood(job);
  }
  Result<std::optional<RunRecord>> LastArtifactOnce(const std::string& job) {
    auto db = Synced();
    if (!db.ok()) return db.status();
    if (!fold_status_.ok()) {
      auto found = FindMerged(*db, job, IsArtifactRecord);
      if (!found.ok() || *found) return found;
    }
    return (*db)->LastArtifact(job);
  }
  Result<int> ReapDeadOnce(const OwnerAlive& alive, Instant now) {
    auto db = Db();
    if (!db.ok()) return db.status();
    // Reads that cannot fold mark dead runners in memory, as of now.
    reap_ = ReapAs{alive, now};
    // With the journal locked throughout: a runner that appends its finish
    // and exits between the fold and the reap would otherwise be marked
    // interrupted (until the next fold repaired it).
    JournalLock lock;
    fold_status_ = OpenJournal(false);
    if (fold_status_.ok() && file_) {
      fold_status_ = LockCurrentJournal(lock, options_.busy_timeout);
      if (fold_status_.ok()) fold_status_ = FoldLocked();
    }
    // Nothing is written when the fold failed: the runs the journal holds
    // may have finished, and reads merge them in memory.
    if (!fold_status_.ok()) return fold_status_;
    return (*db)->ReapDead(alive, now);
  }
  Status ApplyRetentionOnce(const std::string& job, int keep) {
    auto db = Synced();
    if (!db.ok()) return db.status();
    if (!fold_status_.ok()) return fold_status_;  // a write: only on a folded history
    return (*db)->ApplyRetention(job, keep);
  }
  Result<std::vector<std::string>> JobsOnce() {
    auto db = Synced();
    if (!db.ok()) return db.status();
    auto jobs = (*db)->Jobs();
    if (!jobs.ok() || fold_status_.ok()) return jobs;
    for (const RunRecord& r : pending_) jobs->push_back(r.job);
    std::sort(jobs->begin(), jobs->end());
    jobs->erase(std::unique(jobs->begin(), jobs->end()), jobs->end());
    return jobs;
  }
  Result<std::vector<RunRecord>> Recent(const std::string& job, int limit) override {
    return Recovering([&] { return RecentOnce(job, limit); });
  }
  Result<std::vector<RunRecord>> RecentStarts(const std::string& job, int limit) override {
    return Recovering([&] { return RecentStartsOnce(job, limit); });
  }
  Result<std::vector<RunRecord>> Page(const std::string& job, int skip, int limit,
                                      bool tails) override {
    return Recovering([&] { return PageOnce(job, skip, limit, tails); });
  }
  Result<std::optional<RunResult>> LastResult(const std::string& job) override {
    return Recovering([&] { return LastResultOnce(job); });
  }
  Result<std::optional<RunRecord>> LastGood(const std::string& job) override {
    return Recovering([&] { return LastGoodOnce(job); });
  }
  Result<std::optional<RunRecord>> LastArtifact(const std::string& job) override {
    return Recovering([&] { return LastArtifactOnce(job); });
  }
  Result<std::map<std::string, JobSummary>> Summaries(const std::vector<std::string>& jobs,
                                                      bool with_counts) override {
    return Recovering([&]() -> Result<std::map<std::string, JobSummary>> {
      auto db = Synced();
      if (!db.ok()) return db.status();
      // The journal merged in memory: from the merged reads.
      if (!fold_status_.ok()) return HistoryStore::Summaries(jobs, with_counts);
      return (*db)->Summaries(jobs, with_counts);
    });
  }
  Result<int> ReapDead(const OwnerAlive& alive, Instant now) override {
    return Recovering([&] { return ReapDeadOnce(alive, now); });
  }
  Status ApplyRetention(const std::string& job, int keep) override {
    return Recovering([&] { return ApplyRetentionOnce(job, keep); });
  }
  Result<std::vector<std::string>> Jobs() override {
    return Recovering([&] { return JobsOnce(); });
  }
  Status FoldStatus() const override { return fold_status_; }
  Status Recovery() const override { return recovery_; }

  Status SpoolRun(const RunRecord& record, int keep_runs) override {
    if (Status s = files_.MakeDirectory(spool_dir_); !s.ok()) return s;
    const std::string path =
        spool_dir_ + "/" + std::to_string(record.started_at.time_since_epoch().count()) + "-" +
        std::to_string(record.owner_pid) + "-" + JournalGenText(files_.Random()) + ".run";
    auto file = files_.Create(path);
    if (!file.ok()) return file.status();
    Status s = (*file)->WriteAt(0, EncodeJournalEntry(JournalEntry{record, keep_runs}));
    if (s.ok()) s = (*file)->Sync();
    if (s.ok()) s = files_.SyncDirectory(spool_dir_);
    if (!s.ok()) {
      file->reset();
      (void)files_.Remove(path);  // a torn record is worth nothing
    }
    return s;
  }

 private:
  Status Newer(int version) const {
    return Status::Error(StatusCode::kIoError,
                         journal_path_ + " was written by a newer surety (journal version " +
                             std::to_string(version) + "); this surety knows version " +
                             std::to_string(kJournalVersion) +
                             " and leaves it untouched: "
                             "upgrade surety");
  }

  // An append waits longer than a fold may hold the lock (a fold waits up to
  // the busy timeout for history.db), so a fold never makes a runner lose
  // its record.
  std::chrono::milliseconds AppendWait() const {
    return 2 * options_.busy_timeout + std::chrono::seconds(1);
  }

  void CloseJournal() { file_.reset(); }

  // Opens the journal; `create`: create it if missing (and make its
  // directory entry durable). Without `create`, a missing journal leaves
  // file_ null.
  Status OpenJournal(bool create) {
    if (file_) return Status::Ok();
    auto opened = files_.Open(journal_path_);
    if (!opened.ok()) return opened.status();
    file_ = std::move(*opened);
    if (file_ || !create) return Status::Ok();
    auto created = files_.Create(journal_path_);
    if (!created.ok()) {
      // Another runner created it first.
      if (auto again = files_.Open(journal_path_); again.ok() && *again) {
        file_ = std::move(*again);
        return Status::Ok();
      }
      return created.status();
    }
    file_ = std::move(*created);
    // The finish entry's fdatasync covers the file, not its name.
    if (Status s = files_.SyncDirectory(state_dir_); !s.ok()) {
      // Remove it (it is empty): the next attempt creates it again and syncs
      // the directory then, instead of using a name that may not be durable.
      CloseJournal();
      (void)files_.Remove(journal_path_);
      return s;
    }
    return Status::Ok();
  }

  // True when file_ is still the file named journal_path_ (it may have been
  // deleted or replaced since it was opened, e.g. under the daemon).
  bool IsCurrent() const { return file_ && file_->IsCurrent(); }

  // Opens (creating) the journal and takes its lock, on the file that has
  // the journal's name while the lock is held.
  Status LockCurrentJournal(JournalLock& lock, std::chrono::milliseconds wait) {
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (Status s = OpenJournal(true); !s.ok()) return s;
      if (Status s = lock.Take(*file_, wait); !s.ok()) return s;
      if (IsCurrent()) return Status::Ok();
      lock.Release();
      CloseJournal();
    }
    return Status::Error(StatusCode::kIoError,
                         journal_path_ + " keeps being replaced while surety opens it");
  }

  // Appends one entry at the end (after the header); returns the new size.
  // With the lock held.
  Result<uint64_t> AppendLocked(const JournalEntry& entry) {
    auto size = file_->Size();
    if (!size.ok()) return size.status();
    if (*size > 0) {
      auto head = ReadHead(*file_, 32);
      if (!head.ok()) return head.status();
      if (auto version = JournalVersion(*head); version && *version > kJournalVersion)
        return Newer(*version);
    }
    uint64_t end = *size;
    if (end < kHeaderSize) {
      // A journal created (or emptied) since this store last wrote a
      // header: give it one, from no boot, so the next BeginRun checks the
      // ids against history.db.
      JournalHeader fresh{kJournalVersion, "", std::min(entry.record.id + 1, kMaxJournalId),
                          files_.Random()};
      if (Status s = file_->WriteAt(0, EncodeJournalHeader(fresh)); !s.ok()) return s;
      end = kHeaderSize;
    }
    std::string line;
    if (end > kHeaderSize) {
      // An append torn by a crash would swallow this line: end it first.
      char last = '\n';
      if (auto n = file_->ReadAt(end - 1, &last, 1); n.ok() && *n == 1 && last != '\n')
        line += '\n';
    }
    line += EncodeJournalEntry(entry);
    if (Status s = file_->WriteAt(end, line); !s.ok()) {
      // Leave no partial line behind.
      (void)file_->Truncate(end);
      return s;
    }
    return end + line.size();
  }

  // Runs a read; when history.db turns out damaged (kCorrupt), sets it
  // aside, builds a new one from the journal and reads once more.
  template <typename Read>
  auto Recovering(Read read) -> decltype(read()) {
    auto result = read();
    if (StatusOf(result).code() != StatusCode::kCorrupt) return result;
    if (!SetAside(StatusOf(result))) return result;
    return read();
  }
  static const Status& StatusOf(const Status& s) { return s; }
  template <typename T>
  static const Status& StatusOf(const Result<T>& r) {
    return r.status();
  }

  // history.db cannot be read as a database (garbage in its header, pages
  // cut off, or emptied to 0 bytes): the history must not go on silently
  // without it, nor stop recording. The damaged file (and its -wal, -shm)
  // is moved aside under a new name, for `sqlite3 … .recover` to salvage
  // what it can; a new history.db is built from what the run journal holds;
  // Recovery() says so from then on. False when the file cannot be moved
  // (a read-only state directory).
  bool SetAside(const Status& why) {
    db_.reset();
    // Another process set it aside (and made a new one) since this one
    // opened it: the file now named history.db is not the damaged one.
    if (db_file_ && !db_file_->IsCurrent()) {
      db_file_.reset();
      return true;
    }
    db_file_.reset();
    const std::string aside = db_path_ + ".damaged-" + JournalGenText(files_.Random());
    if (!files_.Rename(db_path_, aside).ok()) return false;
    for (const char* suffix : {"-wal", "-shm"})
      (void)files_.Rename(db_path_ + suffix, aside + suffix);
    (void)files_.SyncDirectory(state_dir_);
    recovery_ = Status::Error(
        StatusCode::kCorrupt,
        db_path_ + " was damaged (" + why.message() + "); it was moved to " + aside +
            " and a new history built from the run journal: runs recorded before its last fold "
            "are only in the damaged file (sqlite3 " +
            aside + " .recover may salvage them)");
    return true;
  }

  // A new history.db, made whole under another name (schema, WAL mode) and
  // then moved into place unless another process got there first. SQLite
  // creating history.db in place would leave it empty for a moment, and an
  // empty history.db is a damaged one (Db()).
  Status CreateDb() {
    const std::string fresh = db_path_ + ".new-" + JournalGenText(files_.Random());
    SqliteHistoryOptions options = options_;
    options.create = true;
    Status built;
    {
      auto made = OpenSqliteStore(fresh, options);
      built = made.status();
    }  // closed: its log is folded into the file
    Result<bool> moved = false;
    if (built.ok()) moved = files_.RenameNew(fresh, db_path_);
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) (void)files_.Remove(fresh + suffix);
    if (!built.ok())
      return Status::Error(built.code(),
                           "cannot create " + db_path_ + " (" + built.message() + ")");
    if (!moved.ok()) return moved.status();
    return files_.SyncDirectory(state_dir_);
  }

  Result<SqliteHistoryStore*> Db() {
    if (db_) return db_.get();
    SqliteHistoryOptions existing = options_;
    existing.create = false;
    for (int attempt = 0; attempt < 8; ++attempt) {
      auto file = files_.Open(db_path_);
      if (!file.ok()) return file.status();
      if (!*file) {
        if (Status s = CreateDb(); !s.ok()) return s;
        continue;
      }
      // A history.db emptied to 0 bytes opens as an empty database: every
      // run it held would be gone without a word.
      if (auto size = (*file)->Size(); size.ok() && *size == 0) {
        db_file_ = std::move(*file);
        if (!SetAside(Status::Error(StatusCode::kCorrupt, "it was empty (0 bytes)")))
          return Status::Error(StatusCode::kCorrupt, db_path_ + " is empty (0 bytes)");
        continue;
      }
      auto db = OpenSqliteStore(db_path_, existing);
      if (!db.ok() && db.status().code() == StatusCode::kNotFound) continue;  // moved away
      if (!db.ok() && db.status().code() == StatusCode::kCorrupt) {
        db_file_ = std::move(*file);
        if (SetAside(db.status())) continue;
      }
      if (!db.ok()) return db.status();
      // Replaced while it was opened: open what is there now.
      if (!(*file)->IsCurrent()) continue;
      db_ = std::move(db.value());
      db_file_ = std::move(*file);
      return db_.get();
    }
    return Status::Error(StatusCode::kIoError,
                         db_path_ + " keeps being replaced while surety opens it");
  }

  // history.db with every journal entry folded in. When the fold fails (a
  // full disk, a lock held too long), history.db as it is, with
  // fold_status_ saying why and pending_ holding the journal's runs for the
  // read to merge in memory. A newer surety's journal is still refused.
  Result<SqliteHistoryStore*> Synced() {
    pending_.clear();
    auto db = Db();
    if (!db.ok()) return db.status();
    fold_status_ = Fold();
    if (fold_status_.code() == StatusCode::kCorrupt && SetAside(fold_status_)) {
      db = Db();
      if (!db.ok()) return db.status();
      fold_status_ = Fold();
    }
    if (fold_status_.ok()) return db;
    bool newer = false;
    if (Status s = LoadPending(newer); newer) {
      return s;
    } else if (!s.ok()) {
      fold_status_ =
          Status::Error(fold_status_.code(),
                        fold_status_.message() + "; nor could the journal be read: " + s.message());
    }
    return db;
  }

  // Reads the journal without its lock (a concurrent append is at worst a
  // torn last line, dropped) into pending_: one record per run, its latest
  // entry, except that a running entry never replaces a finished one (as a
  // fold stores them).
  // `newer`: the journal is a newer surety's (the error says so).
  Status LoadPending(bool& newer) {
    pending_.clear();
    if (!file_) return Status::Ok();
    auto size = file_->Size();
    if (!size.ok()) return size.status();
    auto text = ReadAll(*file_, *size);
    if (!text.ok()) return text.status();
    ParsedJournal parsed = ParseJournal(*text);
    if (parsed.version && *parsed.version > kJournalVersion) {
      newer = true;
      return Newer(*parsed.version);
    }
    StartIndex index;
    for (JournalEntry& e : parsed.entries) {
      RunRecord* same = index.Find(pending_, e.record);
      if (same == nullptr) {
        index.Add(pending_.size(), e.record);
        pending_.push_back(std::move(e.record));
      } else if (Supersedes(e.record, *same)) {
        *same = std::move(e.record);
      }
    }
    return Status::Ok();
  }

  // Finds a run's record in a vector by its start (SameRun), without
  // comparing every pair: a journal that could not be folded for weeks, or
  // `history --limit 1000000`, is long.
  class StartIndex {
   public:
    void Add(size_t at, const RunRecord& r) {
      by_start_.emplace(r.started_at.time_since_epoch().count(), at);
    }
    RunRecord* Find(std::vector<RunRecord>& records, const RunRecord& r) const {
      auto [from, to] = by_start_.equal_range(r.started_at.time_since_epoch().count());
      for (auto it = from; it != to; ++it)
        if (SameRun(records[it->second], r)) return &records[it->second];
      return nullptr;
    }

   private:
    std::unordered_multimap<int64_t, size_t> by_start_;
  };

  // The same run: one runner's entries share an id (or, once renumbered by
  // a fold, an owner) and a start.
  static bool SameRun(const RunRecord& a, const RunRecord& b) {
    return a.job == b.job && a.started_at == b.started_at &&
           (a.id == b.id ||
            (a.owner_pid != 0 && a.owner_pid == b.owner_pid && a.owner_boot_id == b.owner_boot_id &&
             a.owner_start_time == b.owner_start_time));
  }
  // Whether a later snapshot of a run replaces an earlier one.
  static bool Supersedes(const RunRecord& later, const RunRecord& earlier) {
    return later.result != RunResult::kRunning || earlier.result == RunResult::kRunning;
  }
  static RunRecord StartOnly(const RunRecord& r) {
    RunRecord out;
    out.id = r.id;
    out.job = r.job;
    out.trigger = r.trigger;
    out.started_at = r.started_at;
    out.finished_at = r.finished_at;
    return out;
  }

  // history.db's newest runs of a job (`from_db`, newest first, at most
  // `limit`) with pending_ merged in: an entry replaces the record of its
  // run, and runs only the journal holds come first (they began after
  // everything folded), newest first. Then dead runners are marked
  // interrupted in memory, as ReapDead would have.
  std::vector<RunRecord> Merged(std::vector<RunRecord> from_db, const std::string& job,
                                int limit) const {
    StartIndex index;
    for (size_t i = 0; i < from_db.size(); ++i) index.Add(i, from_db[i]);
    std::vector<RunRecord> newer;
    for (const RunRecord& e : pending_) {
      if (!job.empty() && e.job != job) continue;
      RunRecord* same = index.Find(from_db, e);
      if (same == nullptr) {
        newer.push_back(e);
      } else if (Supersedes(e, *same)) {
        const int64_t id = same->id;  // the id it is stored under
        *same = e;
        same->id = id;
      }
    }
    std::vector<RunRecord> out(newer.rbegin(), newer.rend());
    for (RunRecord& r : from_db) out.push_back(std::move(r));
    if (limit > 0 && out.size() > static_cast<size_t>(limit))
      out.resize(static_cast<size_t>(limit));
    if (reap_) {
      for (RunRecord& r : out) {
        // Records without an owner (RecentStarts) cannot be asked about.
        if (r.result != RunResult::kRunning || r.owner_pid == 0 || reap_->alive(r)) continue;
        r.result = RunResult::kInterrupted;
        r.finished_at = reap_->now;
        r.duration_ms = std::max<int64_t>(
            0, std::chrono::duration_cast<std::chrono::milliseconds>(reap_->now - r.started_at)
                   .count());
        r.message = DeadRunnerMessage(r.owner_pid);
      }
    }
    return out;
  }

  // The newest merged run of the job that `match`es, looking at the newest
  // kMergedScan runs; nullopt when none of them does (the caller then asks
  // history.db, whose answer the journal is unlikely to change).
  template <typename Match>
  Result<std::optional<RunRecord>> FindMerged(SqliteHistoryStore* db, const std::string& job,
                                              Match match) const {
    constexpr int kMergedScan = 100;
    auto runs = db->Recent(job, kMergedScan);
    if (!runs.ok()) return runs.status();
    for (RunRecord& r : Merged(std::move(*runs), job, 0))
      if (match(r)) return std::optional<RunRecord>(std::move(r));
    return std::optional<RunRecord>();
  }

  Status Fold() {
    if (file_ && !IsCurrent()) CloseJournal();
    const bool spooled = HasSpooledRuns();
    if (Status s = OpenJournal(/*create=*/spooled); !s.ok()) return s;
    if (!file_) return Status::Ok();
    auto size = file_->Size();
    if (!size.ok()) return size.status();
    if (*size <= kHeaderSize && !spooled) {
      // Nothing to fold, unless it is a newer surety's journal.
      auto head = ReadAll(*file_, *size);
      if (!head.ok()) return head.status();
      if (auto version = JournalVersion(*head); version && *version > kJournalVersion)
        return Newer(*version);
      return Status::Ok();
    }
    auto db = Db();
    if (!db.ok()) return db.status();
    JournalLock lock;
    if (Status s = LockCurrentJournal(lock, options_.busy_timeout); !s.ok()) return s;
    std::vector<std::string> adopted = AdoptSpoolLocked();
    Status folded = FoldLocked();
    if (folded.ok()) RemoveAdopted(adopted);  // now in history.db, flushed
    return folded;
  }

  // Moves every spooled run (SpoolRun) into the journal, with its lock
  // held: a run that never got an id gets the next one. Returns the files
  // whose runs were appended; they may be removed once the journal is
  // flushed (a crash before leaves both: the fold stores a run once).
  // Unreadable files are left for a person to look at.
  std::vector<std::string> AdoptSpoolLocked() {
    std::vector<std::string> adopted;
    auto names = files_.List(spool_dir_);
    if (!names.ok() || names->empty()) return adopted;
    for (const std::string& name : *names) {
      if (name.size() < 4 || name.compare(name.size() - 4, 4, ".run") != 0) continue;
      const std::string path = spool_dir_ + "/" + name;
      auto file = files_.Open(path);
      if (!file.ok() || !*file) continue;
      auto size = (*file)->Size();
      if (!size.ok()) continue;
      auto text = ReadAll(**file, *size);
      if (!text.ok()) continue;
      std::string_view line = *text;
      while (!line.empty() && line.back() == '\n') line.remove_suffix(1);
      std::optional<JournalEntry> entry = ParseJournalEntry(line, /*unnumbered_ok=*/true);
      if (!entry) continue;
      if (entry->record.id == 0) {
        auto id = NextIdLocked();
        if (!id.ok()) break;
        entry->record.id = *id;
      }
      if (!AppendLocked(*entry).ok()) break;
      adopted.push_back(path);
    }
    return adopted;
  }

  bool HasSpooledRuns() {
    auto names = files_.List(spool_dir_);
    return names.ok() && std::any_of(names->begin(), names->end(), [](const std::string& n) {
             return n.size() > 4 && n.compare(n.size() - 4, 4, ".run") == 0;
           });
  }

  void RemoveAdopted(const std::vector<std::string>& adopted) {
    if (adopted.empty()) return;
    for (const std::string& path : adopted) (void)files_.Remove(path);
    (void)files_.SyncDirectory(spool_dir_);
  }

  // The next id of the journal's header, taken (the header moves past it).
  // With the lock held.
  Result<int64_t> NextIdLocked() {
    auto head = ReadHead(*file_, kJournalHeaderSize);
    if (!head.ok()) return head.status();
    std::optional<JournalHeader> header = ParseJournalHeader(*head);
    int64_t id = header ? header->next_id : 1;
    if (auto db = Db(); db.ok())
      if (auto max = (*db)->MaxId(); max.ok()) id = std::max(id, *max + 1);
    if (id >= kMaxJournalId)
      return Status::Error(StatusCode::kIoError, journal_path_ + ": run ids are exhausted");
    JournalHeader next{kJournalVersion, header ? header->boot_id : "", id + 1,
                       header ? header->gen : files_.Random()};
    if (Status s = file_->WriteAt(0, EncodeJournalHeader(next)); !s.ok()) return s;
    return id;
  }

  // Moves every entry into history.db (which records this gen and how far
  // it got, in the same transaction), then empties the journal and gives it
  // a new gen and a `next` past every id stored. The truncation is flushed
  // before the new header is written: on disk there is never a new gen over
  // old entries, which would make them look unfolded. With the lock held and
  // db_ open.
  Status FoldLocked() {
    auto size = file_->Size();
    if (!size.ok()) return size.status();
    auto text = ReadAll(*file_, *size);
    if (!text.ok()) return text.status();
    ParsedJournal parsed = ParseJournal(*text);
    if (parsed.version && *parsed.version > kJournalVersion) return Newer(*parsed.version);
    const uint64_t keep = parsed.header ? kHeaderSize : 0;
    if (text->size() <= keep) return Status::Ok();
    JournalBatch batch;
    if (parsed.header) batch.gen = JournalGenText(parsed.header->gen);
    batch.entries = std::move(parsed.entries);
    batch.ends = std::move(parsed.ends);
    if (Status s = db_->Apply(batch, ProcessOwnerAlive); !s.ok()) return s;
    auto max = db_->MaxId();
    if (!max.ok()) return max.status();
    // Damaged lines were torn by a crash before they were flushed (nothing
    // was promised for them) or damaged on disk: either way unreadable.
    if (Status s = file_->Truncate(0); !s.ok()) return s;
    if (Status s = file_->Sync(); !s.ok()) return s;
    JournalHeader fresh{
        kJournalVersion, parsed.header ? parsed.header->boot_id : "",
        std::min(std::max(parsed.header ? parsed.header->next_id : 1, *max + 1), kMaxJournalId),
        files_.Random()};
    // Lost to a power cut, it leaves an empty journal: the next run checks
    // its id against history.db.
    return file_->WriteAt(0, EncodeJournalHeader(fresh));
  }

  std::string db_path_;
  std::string journal_path_;
  std::string state_dir_;
  std::string spool_dir_;  // runs that could not be journalled (SpoolRun)
  SqliteHistoryOptions options_;
  DataFiles& files_;
  std::unique_ptr<DataFile> file_;  // the journal, once opened
  std::unique_ptr<SqliteHistoryStore> db_;
  // history.db as opened with db_: tells whether it is still the file of
  // that name (SetAside).
  std::unique_ptr<DataFile> db_file_;
  // Why the last read could not fold (FoldStatus()), and what it merged.
  Status fold_status_;
  // What became of a damaged history.db (SetAside); ok when nothing did.
  Status recovery_;
  std::vector<RunRecord> pending_;
  // The last ReapDead()'s question and time, for reads that merge.
  struct ReapAs {
    OwnerAlive alive;
    Instant now;
  };
  std::optional<ReapAs> reap_;
};

}  // namespace

std::unique_ptr<HistoryStore> OpenStateHistory(const std::string& state_dir,
                                               const SqliteHistoryOptions& options) {
  return std::make_unique<JournaledHistory>(state_dir, options);
}

}  // namespace surety
