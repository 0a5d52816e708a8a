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
#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "store/history_store.h"
#include "store/run_journal.h"

namespace surety {

namespace {

// Past this size a runner folds the journal itself after recording its run,
// so that it stays small when nothing reads the history for weeks.
constexpr off_t kFoldThreshold = 256 * 1024;
constexpr off_t kHeaderSize = static_cast<off_t>(kJournalHeaderSize);

// A new journal gen: random, so a journal recreated or restored never
// reuses one that history.db remembers.
uint64_t NewGen() {
  uint64_t gen = 0;
  while (::getrandom(&gen, sizeof gen, 0) != static_cast<ssize_t>(sizeof gen)) {
  }
  return gen;
}

Status IoError(const std::string& doing, const std::string& path, int err) {
  std::string message = doing + " " + path + ": " + SystemErrorText(err);
  if (err == ENOSPC || err == EDQUOT) message += "; free some space";
  return Status::Error(StatusCode::kIoError, std::move(message));
}

Status WriteAll(int fd, std::string_view bytes, off_t offset, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot write", path, errno);
    if (n == 0) return IoError("cannot write", path, EIO);
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  return Status::Ok();
}

Result<std::string> ReadAll(int fd, off_t limit, const std::string& path) {
  std::string text;
  char buf[16384];
  for (off_t off = 0; off < limit;) {
    const size_t want = static_cast<size_t>(std::min<off_t>(limit - off, sizeof buf));
    ssize_t n = ::pread(fd, buf, want, off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return IoError("cannot read", path, errno);
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    off += n;
  }
  return text;
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
  Status Take(int fd, std::chrono::milliseconds timeout, const std::string& path) {
    Release();
    // The time slept is summed rather than read from a clock: the store
    // reads no clock of its own, and the attempts themselves take
    // microseconds.
    const int64_t budget_ns = static_cast<int64_t>(timeout.count()) * 1000000;
    int64_t slept_ns = 0;
    long pause_ns = 50000;
    for (;;) {
      if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        fd_ = fd;
        return Status::Ok();
      }
      if (errno == EINTR) continue;
      if (errno != EWOULDBLOCK) return IoError("cannot lock", path, errno);
      if (slept_ns >= budget_ns) {
        return Status::Error(StatusCode::kBusy,
                             path + ": another surety process held the run journal's lock for " +
                                 std::to_string(timeout.count()) + " ms");
      }
      pause_ns = static_cast<long>(std::min<int64_t>(pause_ns, budget_ns - slept_ns + 1));
      timespec pause{0, pause_ns};
      ::nanosleep(&pause, nullptr);
      slept_ns += pause_ns;
      pause_ns = std::min(pause_ns * 2, 20000000L);
    }
  }
  void Release() {
    if (fd_ >= 0) ::flock(fd_, LOCK_UN);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

class JournaledHistory final : public HistoryStore {
 public:
  JournaledHistory(const std::string& state_dir, const SqliteHistoryOptions& options)
      : db_path_(HistoryPath(state_dir)),
        journal_path_(JournalPath(state_dir)),
        state_dir_(state_dir),
        options_(options) {}
  ~JournaledHistory() override { CloseJournal(); }
  JournaledHistory(const JournaledHistory&) = delete;
  JournaledHistory& operator=(const JournaledHistory&) = delete;

  Result<int64_t> BeginRun(const RunRecord& record) override {
    JournalLock lock;
    if (Status s = LockCurrentJournal(lock, AppendWait()); !s.ok()) return s;
    char raw[kJournalHeaderSize];
    ssize_t n;
    do n = ::pread(fd_, raw, sizeof raw, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) return IoError("cannot read", journal_path_, errno);
    const std::string_view head(raw, static_cast<size_t>(n));
    if (auto version = JournalVersion(head); version && *version > kJournalVersion)
      return Newer(*version);
    std::optional<JournalHeader> header = ParseJournalHeader(head);
    const std::string& boot = CurrentBootId();
    int64_t id = 0;
    uint64_t gen = header ? header->gen : NewGen();
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
      do n = ::pread(fd_, raw, sizeof raw, 0);
      while (n < 0 && errno == EINTR);
      if (auto now = ParseJournalHeader(std::string_view(raw, n > 0 ? static_cast<size_t>(n) : 0)))
        gen = now->gen;
    }
    if (id >= kMaxJournalId) {
      return Status::Error(StatusCode::kIoError,
                           journal_path_ + ": run ids are exhausted (next id " +
                               std::to_string(id) + "); move history.db and the journal aside");
    }
    JournalHeader next{kJournalVersion, boot, id + 1, gen};
    if (Status s = WriteAll(fd_, EncodeJournalHeader(next), 0, journal_path_); !s.ok()) return s;
    JournalEntry entry{record, 0};
    entry.record.id = id;
    if (auto appended = AppendLocked(entry); !appended.ok()) return appended.status();
    return id;
  }

  Status FinishRun(const RunRecord& record, int keep_runs) override {
    off_t size = 0;
    {
      JournalLock lock;
      if (Status s = LockCurrentJournal(lock, AppendWait()); !s.ok()) return s;
      auto appended = AppendLocked(JournalEntry{record, keep_runs});
      if (!appended.ok()) return appended.status();
      size = *appended;
    }
    // Other runners may append meanwhile; their lines are flushed too.
    int rc;
    do rc = ::fdatasync(fd_);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) return IoError("cannot flush", journal_path_, errno);
    // The record is safe; folding is housekeeping, and a failure here is
    // retried by the next reader.
    if (size > kFoldThreshold) (void)Fold();
    return Status::Ok();
  }

  Result<std::vector<RunRecord>> Recent(const std::string& job, int limit) override {
    auto db = Synced();
    if (!db.ok()) return db.status();
    return (*db)->Recent(job, limit);
  }
  Result<std::vector<RunRecord>> RecentStarts(const std::string& job, int limit) override {
    auto db = Synced();
    if (!db.ok()) return db.status();
    return (*db)->RecentStarts(job, limit);
  }
  Result<std::optional<RunResult>> LastResult(const std::string& job) override {
    auto db = Synced();
    if (!db.ok()) return db.status();
    return (*db)->LastResult(job);
  }
  Result<std::optional<RunRecord>> LastGood(const std::string& job) override {
    auto db = Synced();
    if (!db.ok()) return db.status();
    return (*db)->LastGood(job);
  }
  Result<int> ReapDead(const OwnerAlive& alive, Instant now) override {
    auto db = Db();
    if (!db.ok()) return db.status();
    // With the journal locked throughout: a runner that appends its finish
    // and exits between the fold and the reap would otherwise be marked
    // interrupted (until the next fold repaired it).
    JournalLock lock;
    if (Status s = OpenJournal(false); !s.ok()) return s;
    if (fd_ >= 0) {
      if (Status s = LockCurrentJournal(lock, options_.busy_timeout); !s.ok()) return s;
      if (Status s = FoldLocked(); !s.ok()) return s;
    }
    return (*db)->ReapDead(alive, now);
  }
  Status ApplyRetention(const std::string& job, int keep) override {
    auto db = Synced();
    if (!db.ok()) return db.status();
    return (*db)->ApplyRetention(job, keep);
  }
  Result<std::vector<std::string>> Jobs() override {
    auto db = Synced();
    if (!db.ok()) return db.status();
    return (*db)->Jobs();
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

  void CloseJournal() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Opens the journal; `create`: create it if missing (and make its
  // directory entry durable). Without `create`, a missing journal leaves
  // fd_ at -1.
  Status OpenJournal(bool create) {
    if (fd_ >= 0) return Status::Ok();
    fd_ = ::open(journal_path_.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd_ >= 0) return Status::Ok();
    if (errno != ENOENT) return IoError("cannot open", journal_path_, errno);
    if (!create) return Status::Ok();
    fd_ = ::open(journal_path_.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_CREAT | O_EXCL, 0600);
    if (fd_ < 0 && errno == EEXIST) return OpenJournal(false);
    if (fd_ < 0) return IoError("cannot create", journal_path_, errno);
    // The finish entry's fdatasync covers the file, not its name.
    int dir = ::open(state_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = dir < 0 ? -1 : ::fsync(dir);
    const int err = errno;
    if (dir >= 0) ::close(dir);
    if (rc != 0) {
      // Remove it (it is empty): the next attempt creates it again and syncs
      // the directory then, instead of using a name that may not be durable.
      CloseJournal();
      (void)::unlink(journal_path_.c_str());
      return IoError("cannot flush the directory", state_dir_, err);
    }
    return Status::Ok();
  }

  // True when fd_ is still the file named journal_path_ (it may have been
  // deleted or replaced since it was opened, e.g. under the daemon).
  bool IsCurrent() const {
    struct stat mine {
    }, named{};
    return ::fstat(fd_, &mine) == 0 && mine.st_nlink > 0 &&
           ::stat(journal_path_.c_str(), &named) == 0 && mine.st_ino == named.st_ino &&
           mine.st_dev == named.st_dev;
  }

  // Opens (creating) the journal and takes its lock, on the file that has
  // the journal's name while the lock is held.
  Status LockCurrentJournal(JournalLock& lock, std::chrono::milliseconds wait) {
    for (int attempt = 0; attempt < 4; ++attempt) {
      if (Status s = OpenJournal(true); !s.ok()) return s;
      if (Status s = lock.Take(fd_, wait, journal_path_); !s.ok()) return s;
      if (IsCurrent()) return Status::Ok();
      lock.Release();
      CloseJournal();
    }
    return Status::Error(StatusCode::kIoError,
                         journal_path_ + " keeps being replaced while surety opens it");
  }

  // Appends one entry at the end (after the header); returns the new size.
  // With the lock held.
  Result<off_t> AppendLocked(const JournalEntry& entry) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return IoError("cannot stat", journal_path_, errno);
    if (st.st_size > 0) {
      char head[32];
      const ssize_t n = ::pread(fd_, head, sizeof head, 0);
      if (auto version = JournalVersion(std::string_view(head, n > 0 ? static_cast<size_t>(n) : 0));
          version && *version > kJournalVersion)
        return Newer(*version);
    }
    if (st.st_size < kHeaderSize) {
      // A journal created (or emptied) since this store last wrote a
      // header: give it one, from no boot, so the next BeginRun checks the
      // ids against history.db.
      JournalHeader fresh{kJournalVersion, "", std::min(entry.record.id + 1, kMaxJournalId),
                          NewGen()};
      if (Status s = WriteAll(fd_, EncodeJournalHeader(fresh), 0, journal_path_); !s.ok()) return s;
      st.st_size = kHeaderSize;
    }
    const off_t end = st.st_size;
    std::string line;
    if (end > kHeaderSize) {
      // An append torn by a crash would swallow this line: end it first.
      char last = '\n';
      if (::pread(fd_, &last, 1, end - 1) == 1 && last != '\n') line += '\n';
    }
    line += EncodeJournalEntry(entry);
    if (Status s = WriteAll(fd_, line, end, journal_path_); !s.ok()) {
      // Leave no partial line behind.
      (void)::ftruncate(fd_, end);
      return s;
    }
    return end + static_cast<off_t>(line.size());
  }

  Result<SqliteHistoryStore*> Db() {
    if (!db_) {
      auto db = OpenSqliteStore(db_path_, options_);
      if (!db.ok()) return db.status();
      db_ = std::move(db.value());
    }
    return db_.get();
  }

  // history.db with every journal entry folded in.
  Result<SqliteHistoryStore*> Synced() {
    auto db = Db();
    if (!db.ok()) return db.status();
    if (Status s = Fold(); !s.ok()) return s;
    return db;
  }

  Status Fold() {
    if (fd_ >= 0 && !IsCurrent()) CloseJournal();
    if (Status s = OpenJournal(false); !s.ok()) return s;
    if (fd_ < 0) return Status::Ok();
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return IoError("cannot stat", journal_path_, errno);
    if (st.st_size <= kHeaderSize) {
      // Nothing to fold, unless it is a newer surety's journal.
      auto head = ReadAll(fd_, st.st_size, journal_path_);
      if (!head.ok()) return head.status();
      if (auto version = JournalVersion(*head); version && *version > kJournalVersion)
        return Newer(*version);
      return Status::Ok();
    }
    auto db = Db();
    if (!db.ok()) return db.status();
    JournalLock lock;
    if (Status s = LockCurrentJournal(lock, options_.busy_timeout); !s.ok()) return s;
    return FoldLocked();
  }

  // Moves every entry into history.db (which records this gen and how far
  // it got, in the same transaction), then empties the journal and gives it
  // a new gen and a `next` past every id stored. The truncation is flushed
  // before the new header is written: on disk there is never a new gen over
  // old entries, which would make them look unfolded. With the lock held and
  // db_ open.
  Status FoldLocked() {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return IoError("cannot stat", journal_path_, errno);
    auto text = ReadAll(fd_, st.st_size, journal_path_);
    if (!text.ok()) return text.status();
    ParsedJournal parsed = ParseJournal(*text);
    if (parsed.version && *parsed.version > kJournalVersion) return Newer(*parsed.version);
    const off_t keep = parsed.header ? kHeaderSize : 0;
    if (static_cast<off_t>(text->size()) <= keep) return Status::Ok();
    JournalBatch batch;
    if (parsed.header) batch.gen = JournalGenText(parsed.header->gen);
    batch.entries = std::move(parsed.entries);
    batch.ends = std::move(parsed.ends);
    if (Status s = db_->Apply(batch, ProcessOwnerAlive); !s.ok()) return s;
    auto max = db_->MaxId();
    if (!max.ok()) return max.status();
    // Damaged lines were torn by a crash before they were flushed (nothing
    // was promised for them) or damaged on disk: either way unreadable.
    if (::ftruncate(fd_, 0) != 0) return IoError("cannot truncate", journal_path_, errno);
    int rc;
    do rc = ::fdatasync(fd_);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) return IoError("cannot flush", journal_path_, errno);
    JournalHeader fresh{
        kJournalVersion, parsed.header ? parsed.header->boot_id : "",
        std::min(std::max(parsed.header ? parsed.header->next_id : 1, *max + 1), kMaxJournalId),
        NewGen()};
    // Lost to a power cut, it leaves an empty journal: the next run checks
    // its id against history.db.
    return WriteAll(fd_, EncodeJournalHeader(fresh), 0, journal_path_);
  }

  std::string db_path_;
  std::string journal_path_;
  std::string state_dir_;
  SqliteHistoryOptions options_;
  int fd_ = -1;
  std::unique_ptr<SqliteHistoryStore> db_;
};

}  // namespace

std::unique_ptr<HistoryStore> OpenStateHistory(const std::string& state_dir,
                                               const SqliteHistoryOptions& options) {
  return std::make_unique<JournaledHistory>(state_dir, options);
}

}  // namespace surety
