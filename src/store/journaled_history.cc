// JournaledHistory: the history of a state directory (history_store.h).
// Runs are appended to STATE_DIR/history.journal (run_journal.h); every read
// first folds the journal into STATE_DIR/history.db, which is opened on first
// need, so `surety run` of a job without alerts never opens it.
//
// Locking: the journal's flock(LOCK_EX) covers an append (and the id it
// takes) and a whole fold (read, SQLite transaction, truncation). The fold
// takes SQLite's write lock while holding the journal's; nothing takes them
// the other way round.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  return Status::Ok();
}

// Holds the journal's lock for a scope.
class JournalLock {
 public:
  explicit JournalLock(int fd) : fd_(fd) {
    int rc;
    do rc = ::flock(fd_, LOCK_EX);
    while (rc != 0 && errno == EINTR);
    error_ = rc == 0 ? 0 : errno;
  }
  ~JournalLock() {
    if (error_ == 0) ::flock(fd_, LOCK_UN);
  }
  JournalLock(const JournalLock&) = delete;
  JournalLock& operator=(const JournalLock&) = delete;
  int error() const { return error_; }

 private:
  int fd_;
  int error_ = 0;
};

class JournaledHistory final : public HistoryStore {
 public:
  JournaledHistory(const std::string& state_dir, const SqliteHistoryOptions& options)
      : db_path_(HistoryPath(state_dir)),
        journal_path_(JournalPath(state_dir)),
        state_dir_(state_dir),
        options_(options) {}
  ~JournaledHistory() override {
    if (fd_ >= 0) ::close(fd_);
  }
  JournaledHistory(const JournaledHistory&) = delete;
  JournaledHistory& operator=(const JournaledHistory&) = delete;

  Result<int64_t> BeginRun(const RunRecord& record) override {
    if (Status s = OpenJournal(true); !s.ok()) return s;
    JournalLock lock(fd_);
    if (lock.error() != 0) return IoError("cannot lock", journal_path_, lock.error());
    char raw[kJournalHeaderSize];
    ssize_t n;
    do n = ::pread(fd_, raw, sizeof raw, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) return IoError("cannot read", journal_path_, errno);
    std::optional<JournalHeader> header =
        ParseJournalHeader(std::string_view(raw, static_cast<size_t>(n)));
    if (header && header->version > kJournalVersion) return Newer(header->version);
    const std::string& boot = CurrentBootId();
    int64_t id = 0;
    if (header && !boot.empty() && header->boot_id == boot) {
      id = header->next_id;
    } else {
      // First run of this boot (or a new journal): the header may have lost
      // an update to a power cut. Fold, then continue after history.db's ids.
      auto db = Db();
      if (!db.ok()) return db.status();
      if (Status s = FoldLocked(); !s.ok()) return s;
      auto max = (*db)->MaxId();
      if (!max.ok()) return max.status();
      id = std::max(*max + 1, header ? header->next_id : 1);
    }
    JournalHeader next{kJournalVersion, boot, id + 1};
    if (Status s = WriteAll(fd_, EncodeJournalHeader(next), 0, journal_path_); !s.ok()) return s;
    JournalEntry entry{record, 0};
    entry.record.id = id;
    if (auto appended = AppendLocked(entry); !appended.ok()) return appended.status();
    return id;
  }

  Status FinishRun(const RunRecord& record, int keep_runs) override {
    if (Status s = OpenJournal(true); !s.ok()) return s;
    off_t size = 0;
    {
      JournalLock lock(fd_);
      if (lock.error() != 0) return IoError("cannot lock", journal_path_, lock.error());
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
    auto db = Synced();
    if (!db.ok()) return db.status();
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

  // Opens the journal once; `create`: create it if missing (and make its
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
    if (dir < 0) return IoError("cannot open", state_dir_, errno);
    int rc = ::fsync(dir);
    int err = errno;
    ::close(dir);
    if (rc != 0) return IoError("cannot flush", state_dir_, err);
    return Status::Ok();
  }

  // Appends one entry at the end (after the header); returns the new size.
  // With the lock held.
  Result<off_t> AppendLocked(const JournalEntry& entry) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return IoError("cannot stat", journal_path_, errno);
    off_t end = std::max<off_t>(st.st_size, static_cast<off_t>(kJournalHeaderSize));
    std::string line;
    if (st.st_size > static_cast<off_t>(kJournalHeaderSize)) {
      // An append torn by a crash would swallow this line: end it first.
      char last = '\n';
      if (::pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n') line += '\n';
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
    if (fd_ >= 0) {
      // A long-lived store (the daemon's): the journal may have been
      // deleted or replaced since it was opened.
      struct stat mine {
      }, named{};
      if (::fstat(fd_, &mine) != 0 || ::stat(journal_path_.c_str(), &named) != 0 ||
          mine.st_ino != named.st_ino || mine.st_dev != named.st_dev) {
        ::close(fd_);
        fd_ = -1;
      }
    }
    if (Status s = OpenJournal(false); !s.ok()) return s;
    if (fd_ < 0) return Status::Ok();
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return IoError("cannot stat", journal_path_, errno);
    if (st.st_size <= static_cast<off_t>(kJournalHeaderSize)) return Status::Ok();
    if (!db_) {
      auto db = Db();
      if (!db.ok()) return db.status();
    }
    JournalLock lock(fd_);
    if (lock.error() != 0) return IoError("cannot lock", journal_path_, lock.error());
    return FoldLocked();
  }

  // Moves every entry into history.db, then empties the journal (keeping
  // its header). With the lock held and db_ open.
  Status FoldLocked() {
    std::string text;
    char buf[65536];
    for (off_t off = 0;;) {
      ssize_t n = ::pread(fd_, buf, sizeof buf, off);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return IoError("cannot read", journal_path_, errno);
      if (n == 0) break;
      text.append(buf, static_cast<size_t>(n));
      off += n;
    }
    ParsedJournal parsed = ParseJournal(text);
    if (parsed.header && parsed.header->version > kJournalVersion)
      return Newer(parsed.header->version);
    const off_t keep = parsed.header ? static_cast<off_t>(kJournalHeaderSize) : 0;
    if (static_cast<off_t>(text.size()) <= keep) return Status::Ok();
    if (Status s = db_->Apply(parsed.entries); !s.ok()) return s;
    // Damaged lines were torn by a crash before they were flushed: no run
    // was promised to them.
    if (::ftruncate(fd_, keep) != 0) return IoError("cannot truncate", journal_path_, errno);
    return Status::Ok();
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
