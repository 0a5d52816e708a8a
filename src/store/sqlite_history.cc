// SqliteHistory: HistoryStore over one SQLite connection (history_store.h).
//
// Every write is one short transaction (BEGIN IMMEDIATE, so a writer takes the
// write lock up front and waits in the busy handler instead of failing half
// way); every read is one statement, hence one consistent snapshot. Prepared
// statements are cached per store and reset (bindings cleared) after each use
// so that no read transaction stays open between calls.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "store/history_store.h"
#include "store/run_journal.h"
#include "store/sqlite_vfs.h"

namespace surety {

namespace {

// Migration N (1-based) takes a database from user_version N-1 to N. Never
// edit a migration that has shipped: add a new one.
constexpr std::array<const char*, 3> kMigrations = {
    // 1: the runs table. Times are microseconds since the Unix epoch (UTC);
    // NULL stands for an absent optional. output_tail is a BLOB because a
    // child's output need not be UTF-8.
    R"sql(
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job TEXT NOT NULL,
  trigger_kind TEXT NOT NULL,
  host TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  duration_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  exit_code INTEGER,
  signal TEXT,
  result TEXT NOT NULL,
  message TEXT NOT NULL,
  output_tail BLOB NOT NULL,
  artifact_size INTEGER,
  artifact_path TEXT NOT NULL,
  alert_status TEXT NOT NULL,
  owner_pid INTEGER NOT NULL,
  owner_boot_id TEXT NOT NULL,
  owner_start_time INTEGER NOT NULL
);
CREATE INDEX runs_by_job ON runs (job, id DESC);
CREATE INDEX runs_running ON runs (id) WHERE result = 'running';
)sql",
    // 2: each record's number within its job (1, 2, 3, ...), so that
    // retention is a range delete on the index instead of counting 1,000
    // index entries per run. runs_by_job is rebuilt on (job, seq); within a
    // job, seq and id grow together.
    R"sql(
ALTER TABLE runs ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET seq = numbered.n
  FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY job ORDER BY id) AS n FROM runs) AS numbered
  WHERE runs.id = numbered.id;
DROP INDEX runs_by_job;
CREATE UNIQUE INDEX runs_by_job ON runs (job, seq);
)sql",
    // 3: how far the run journal has been folded: the journal's gen and the
    // offset after the last entry applied, written in the fold's
    // transaction, so a fold repeated after a crash skips what it applied.
    R"sql(
CREATE TABLE journal_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  gen TEXT NOT NULL,
  folded_to INTEGER NOT NULL
);
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(kMigrations.size());

// Column order of every SELECT of whole records (ReadRecord).
#define SURETY_RUN_COLUMNS                                                                   \
  "id, job, trigger_kind, host, started_at, finished_at, duration_ms, attempts, exit_code, " \
  "signal, result, message, output_tail, artifact_size, artifact_path, alert_status, "       \
  "owner_pid, owner_boot_id, owner_start_time"

// The same without the output tail (an empty blob in its place).
#define SURETY_RUN_COLUMNS_NO_TAIL                                                           \
  "id, job, trigger_kind, host, started_at, finished_at, duration_ms, attempts, exit_code, " \
  "signal, result, message, X'', artifact_size, artifact_path, alert_status, "               \
  "owner_pid, owner_boot_id, owner_start_time"

enum Stmt : size_t {
  kBegin,
  kCommit,
  kRollback,
  kInsert,
  kUpdate,
  kRecent,
  kRecentAll,
  kRecentStarts,
  kLastResult,
  kLastGood,
  kLastArtifact,
  kRunning,
  kInterrupt,
  kRetain,
  kJobs,
  kUpsert,
  kOwnerOf,
  kFindByOwner,
  kMaxId,
  kFoldedTo,
  kSetFoldedTo,
  kRetainCandidates,
  kDeleteRun,
  kSumLast,
  kSumCounted,
  kSumGood,
  kSumRunning,
  kSumCounts,
  kPage,
  kPageNoTail,
  kStmtCount,
};

constexpr std::array<const char*, kStmtCount> kSql = {
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    // ?1..?18 in the order of BindRecord.
    "INSERT INTO runs (job, trigger_kind, host, started_at, finished_at, duration_ms, attempts, "
    "exit_code, signal, result, message, output_tail, artifact_size, artifact_path, "
    "alert_status, owner_pid, owner_boot_id, owner_start_time, seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "(SELECT COALESCE(MAX(seq), 0) + 1 FROM runs WHERE job = ?1)) RETURNING seq",
    // ?1 (the job) is bound but not set: a record never moves to another job.
    "UPDATE runs SET trigger_kind = ?2, host = ?3, started_at = ?4, finished_at = ?5, "
    "duration_ms = ?6, attempts = ?7, exit_code = ?8, signal = ?9, result = ?10, message = ?11, "
    "output_tail = ?12, artifact_size = ?13, artifact_path = ?14, alert_status = ?15, "
    "owner_pid = ?16, owner_boot_id = ?17, owner_start_time = ?18 WHERE id = ?19",
    "SELECT " SURETY_RUN_COLUMNS " FROM runs WHERE job = ?1 ORDER BY seq DESC LIMIT ?2",
    // Every job's: newest first by id (the order runs were handed their ids).
    "SELECT " SURETY_RUN_COLUMNS " FROM runs ORDER BY id DESC LIMIT ?2",
    "SELECT id, trigger_kind, started_at, finished_at FROM runs WHERE job = ?1"
    " ORDER BY seq DESC LIMIT ?2",
    // The previous meaningful result: running and skipped records say
    // nothing about whether the job works.
    "SELECT result FROM runs WHERE job = ?1 AND result NOT IN ('running', 'skipped')"
    " ORDER BY seq DESC LIMIT 1",
    "SELECT " SURETY_RUN_COLUMNS
    " FROM runs WHERE job = ?1 AND finished_at IS NOT NULL"
    " AND result IN ('success', 'warning', 'already_done') ORDER BY seq DESC LIMIT 1",
    // What max_shrink compares against (IsArtifactRecord).
    "SELECT " SURETY_RUN_COLUMNS
    " FROM runs WHERE job = ?1 AND finished_at IS NOT NULL AND artifact_size IS NOT NULL"
    " AND result IN ('success', 'warning') ORDER BY seq DESC LIMIT 1",
    // What ReapDead needs of a running record, no more: every statement is
    // compiled anew by each `surety run`, at ~3 µs per column.
    "SELECT id, job, started_at, owner_pid, owner_boot_id, owner_start_time"
    " FROM runs WHERE result = 'running' ORDER BY id",
    "UPDATE runs SET result = 'interrupted', finished_at = ?2, duration_ms = ?3, message = ?4"
    " WHERE id = ?1 AND result = 'running'",
    // Deletes the records of the job older than its ?2 newest, except the
    // ones still running: a range of runs_by_job, so the cost is the rows
    // deleted (plus old running ones), not the rows kept.
    "DELETE FROM runs WHERE job = ?1 AND result <> 'running'"
    " AND seq <= (SELECT MAX(seq) FROM runs WHERE job = ?1) - ?2",
    // DISTINCT job would read the whole index; this skips from one name to
    // the next, one index seek per job.
    "WITH RECURSIVE names(job) AS ("
    " SELECT MIN(job) FROM runs"
    " UNION ALL"
    " SELECT (SELECT MIN(job) FROM runs WHERE job > names.job) FROM names"
    " WHERE names.job IS NOT NULL)"
    " SELECT job FROM names WHERE job IS NOT NULL",
    // A journal entry (?1..?18 as BindRecord, ?19 its id): inserted, or
    // replacing the record with its id, except that a running snapshot
    // never replaces a finished one (a fold replayed after a crash).
    "INSERT INTO runs (job, trigger_kind, host, started_at, finished_at, duration_ms, attempts, "
    "exit_code, signal, result, message, output_tail, artifact_size, artifact_path, "
    "alert_status, owner_pid, owner_boot_id, owner_start_time, id, seq) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
    "(SELECT COALESCE(MAX(seq), 0) + 1 FROM runs WHERE job = ?1)) "
    "ON CONFLICT (id) DO UPDATE SET trigger_kind = excluded.trigger_kind, host = excluded.host, "
    "started_at = excluded.started_at, finished_at = excluded.finished_at, "
    "duration_ms = excluded.duration_ms, attempts = excluded.attempts, "
    "exit_code = excluded.exit_code, signal = excluded.signal, result = excluded.result, "
    "message = excluded.message, output_tail = excluded.output_tail, "
    "artifact_size = excluded.artifact_size, artifact_path = excluded.artifact_path, "
    "alert_status = excluded.alert_status "
    "WHERE excluded.result <> 'running' OR runs.result = 'running'",
    "SELECT job, owner_pid, owner_boot_id, owner_start_time FROM runs WHERE id = ?1",
    "SELECT id FROM runs WHERE job = ?1 AND owner_pid = ?2 AND owner_boot_id = ?3"
    " AND owner_start_time = ?4 AND started_at = ?5",
    // The highest id ever stored: retention may have deleted the newest.
    "SELECT MAX(COALESCE((SELECT MAX(id) FROM runs), 0),"
    " COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'runs'), 0))",
    "SELECT folded_to FROM journal_state WHERE id = 1 AND gen = ?1",
    "INSERT INTO journal_state (id, gen, folded_to) VALUES (1, ?1, ?2)"
    " ON CONFLICT (id) DO UPDATE SET gen = excluded.gen, folded_to = excluded.folded_to",
    // What retention would delete, with the owners, so a record whose
    // runner is still alive can be spared.
    "SELECT id, owner_pid, owner_boot_id, owner_start_time FROM runs WHERE job = ?1"
    " AND result <> 'running' AND seq <= (SELECT MAX(seq) FROM runs WHERE job = ?1) - ?2",
    "DELETE FROM runs WHERE id = ?1",
    // Summaries(): the newest record, the newest that counts, the newest
    // good one, every running one, and the records by result.
    "SELECT " SURETY_RUN_COLUMNS_NO_TAIL " FROM runs WHERE job = ?1 ORDER BY seq DESC LIMIT 1",
    "SELECT " SURETY_RUN_COLUMNS_NO_TAIL
    " FROM runs WHERE job = ?1 AND result NOT IN ('running', 'skipped') ORDER BY seq DESC LIMIT 1",
    "SELECT " SURETY_RUN_COLUMNS_NO_TAIL
    " FROM runs WHERE job = ?1 AND finished_at IS NOT NULL"
    " AND result IN ('success', 'warning', 'already_done') ORDER BY seq DESC LIMIT 1",
    "SELECT " SURETY_RUN_COLUMNS_NO_TAIL " FROM runs WHERE result = 'running' ORDER BY id",
    "SELECT job, result, COUNT(*) FROM runs GROUP BY job, result",
    // Page(): a range of runs_by_job.
    "SELECT " SURETY_RUN_COLUMNS " FROM runs WHERE job = ?1 ORDER BY seq DESC LIMIT ?2 OFFSET ?3",
    "SELECT " SURETY_RUN_COLUMNS_NO_TAIL
    " FROM runs WHERE job = ?1 ORDER BY seq DESC LIMIT ?2 OFFSET ?3",
};
#undef SURETY_RUN_COLUMNS

int64_t ToMicros(Instant t) { return static_cast<int64_t>(t.time_since_epoch().count()); }
Instant FromMicros(int64_t us) { return Instant{Micros{us}}; }

// Resets a cached statement and clears its bindings (which may point into a
// caller's RunRecord) when the use ends.
class StmtUse {
 public:
  explicit StmtUse(sqlite3_stmt* stmt) : stmt_(stmt) {}
  ~StmtUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

int BindText(sqlite3_stmt* s, int index, std::string_view text) {
  return sqlite3_bind_text64(s, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

int BindBlob(sqlite3_stmt* s, int index, std::string_view bytes) {
  // A null pointer would bind NULL, not an empty blob.
  const char* data = bytes.empty() ? "" : bytes.data();
  return sqlite3_bind_blob64(s, index, data, bytes.size(), SQLITE_STATIC);
}

// Binds every field but id as ?1..?18. The record must outlive the step.
int BindRecord(sqlite3_stmt* s, const RunRecord& r) {
  int rc = SQLITE_OK;
  auto check = [&rc](int result) {
    if (rc == SQLITE_OK) rc = result;
  };
  check(BindText(s, 1, r.job));
  check(BindText(s, 2, TriggerName(r.trigger)));  // static text: SQLITE_STATIC holds
  check(BindText(s, 3, r.host));
  check(sqlite3_bind_int64(s, 4, ToMicros(r.started_at)));
  check(r.finished_at ? sqlite3_bind_int64(s, 5, ToMicros(*r.finished_at))
                      : sqlite3_bind_null(s, 5));
  check(sqlite3_bind_int64(s, 6, r.duration_ms));
  check(sqlite3_bind_int(s, 7, r.attempts));
  check(r.exit_code ? sqlite3_bind_int(s, 8, *r.exit_code) : sqlite3_bind_null(s, 8));
  check(r.signal ? BindText(s, 9, *r.signal) : sqlite3_bind_null(s, 9));
  check(BindText(s, 10, RunResultName(r.result)));
  check(BindText(s, 11, r.message));
  check(BindBlob(s, 12, r.output_tail));
  check(r.artifact_size ? sqlite3_bind_int64(s, 13, static_cast<int64_t>(*r.artifact_size))
                        : sqlite3_bind_null(s, 13));
  check(BindText(s, 14, r.artifact_path));
  check(BindText(s, 15, r.alert_status));
  check(sqlite3_bind_int(s, 16, r.owner_pid));
  check(BindText(s, 17, r.owner_boot_id));
  check(sqlite3_bind_int64(s, 18, static_cast<int64_t>(r.owner_start_time)));
  return rc;
}

std::string ColumnText(sqlite3_stmt* s, int col) {
  const auto* text = sqlite3_column_text(s, col);
  if (text == nullptr) return "";
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(s, col)));
}

std::string ColumnBlob(sqlite3_stmt* s, int col) {
  const void* blob = sqlite3_column_blob(s, col);
  if (blob == nullptr) return "";
  return std::string(static_cast<const char*>(blob),
                     static_cast<size_t>(sqlite3_column_bytes(s, col)));
}

bool ColumnNull(sqlite3_stmt* s, int col) { return sqlite3_column_type(s, col) == SQLITE_NULL; }

class SqliteHistory final : public SqliteHistoryStore {
 public:
  // Takes ownership of `db`, even a handle whose open failed.
  SqliteHistory(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteHistory() override {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }
  SqliteHistory(const SqliteHistory&) = delete;
  SqliteHistory& operator=(const SqliteHistory&) = delete;

  Status Configure(const SqliteHistoryOptions& options);
  Status Migrate();
  Status LimitPages(int64_t max_page_count);

  Result<int64_t> BeginRun(const RunRecord& record) override;
  Status FinishRun(const RunRecord& record, int keep_runs) override;
  Result<std::vector<RunRecord>> Recent(const std::string& job, int limit) override;
  Result<std::vector<RunRecord>> RecentStarts(const std::string& job, int limit) override;
  Result<std::vector<RunRecord>> Page(const std::string& job, int skip, int limit,
                                      bool tails) override;
  Result<std::optional<RunResult>> LastResult(const std::string& job) override;
  Result<std::optional<RunRecord>> LastGood(const std::string& job) override;
  Result<std::optional<RunRecord>> LastArtifact(const std::string& job) override;
  Result<std::map<std::string, JobSummary>> Summaries(const std::vector<std::string>& jobs,
                                                      bool with_counts) override;
  Result<int> ReapDead(const OwnerAlive& alive, Instant now) override;
  Status ApplyRetention(const std::string& job, int keep) override;
  Result<std::vector<std::string>> Jobs() override;
  // A bare database has no spool: that is the journaled store's.
  Status SpoolRun(const RunRecord&, int) override {
    return Status::Error(StatusCode::kInternal, "a bare history database has no spool");
  }
  Status Apply(const JournalBatch& batch, const OwnerAlive& alive) override;
  Result<int64_t> MaxId() override;

 private:
  // The id an entry is stored under: its own; or the id its run was stored
  // under at an earlier fold; or, when a record of another runner has its
  // id, `fresh`.
  Result<int64_t> IdFor(const RunRecord& record, int64_t highest, int64_t fresh);
  // Retention that spares finished records whose runner is alive.
  Status RetainSparing(const std::string& job, int keep, const OwnerAlive& alive);
  // The id of the record of the same run (job, owner, start), if stored.
  Result<std::optional<int64_t>> FindByOwner(const RunRecord& record);
  Result<int64_t> QueryMaxId();
  // The Status for SQLite result code `rc` while `doing` something. Must be
  // called before anything else touches the connection (sqlite3_errmsg).
  Status Error(int rc, std::string_view doing) const;
  Result<sqlite3_stmt*> Prepare(Stmt id);
  // Runs `body` (returning Status) inside BEGIN IMMEDIATE … COMMIT; rolls
  // back if the body or the commit fails.
  template <typename Body>
  Status InWriteTransaction(std::string_view doing, Body&& body);
  void RollbackIfOpen();
  // Executes SQL without result rows (several statements allowed).
  Status Exec(const char* sql, std::string_view doing);
  // The retention delete; inside a write transaction.
  Status Retain(const std::string& job, int keep);
  // The first column of the first row of a one-off query.
  Result<std::string> QueryText(const char* sql, std::string_view doing);
  Result<int> UserVersion();
  // The one record a query on ?1 = job returns, if any.
  Result<std::optional<RunRecord>> ReadOne(Stmt id, const std::string& job, std::string_view doing);
  // Steps a bound statement and appends every row as a RunRecord.
  Status ReadRecords(sqlite3_stmt* s, std::string_view doing, std::vector<RunRecord>& out);

  sqlite3* db_;
  std::string path_;
  bool read_only_ = false;  // opened read-only for a reader (read_only_ok)
  std::array<sqlite3_stmt*, kStmtCount> stmts_{};
  // The record this store began last, and its number within its job: when
  // that number is at most keep_runs, the job cannot have more records than
  // that, and FinishRun skips the retention delete (and its compilation).
  int64_t begun_id_ = 0;
  int64_t begun_seq_ = 0;
};

Status SqliteHistory::Error(int rc, std::string_view doing) const {
  std::string detail = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_FULL) {
    return Status::Error(StatusCode::kIoError, "disk full while writing history.db (" + path_ +
                                                   "): " + std::string(doing) + " failed (" +
                                                   detail + "); free some space");
  }
  std::string message = path_ + ": " + std::string(doing) + ": " + detail;
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
    message += " (another surety process held the database too long)";
  if (int err = db_ != nullptr ? sqlite3_system_errno(db_) : 0;
      err != 0 && ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CANTOPEN))
    message += " (" + std::generic_category().message(err) + ")";
  const bool damaged = (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
  return Status::Error(damaged ? StatusCode::kCorrupt : StatusCode::kIoError, std::move(message));
}

Result<sqlite3_stmt*> SqliteHistory::Prepare(Stmt id) {
  if (stmts_[id] == nullptr) {
    int rc = sqlite3_prepare_v3(db_, kSql[id], -1, SQLITE_PREPARE_PERSISTENT, &stmts_[id], nullptr);
    if (rc != SQLITE_OK) return Error(rc, "preparing a statement");
  }
  return stmts_[id];
}

void SqliteHistory::RollbackIfOpen() {
  // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL).
  if (sqlite3_get_autocommit(db_) != 0) return;
  if (auto s = Prepare(kRollback); s.ok()) {
    StmtUse use(*s);
    sqlite3_step(use.get());
  }
}

template <typename Body>
Status SqliteHistory::InWriteTransaction(std::string_view doing, Body&& body) {
  {
    auto begin = Prepare(kBegin);
    if (!begin.ok()) return begin.status();
    StmtUse use(*begin);
    if (int rc = sqlite3_step(use.get()); rc != SQLITE_DONE) return Error(rc, doing);
  }
  Status status = body();
  if (!status.ok()) {
    RollbackIfOpen();
    return status;
  }
  auto commit = Prepare(kCommit);
  if (!commit.ok()) {
    RollbackIfOpen();
    return commit.status();
  }
  {
    StmtUse use(*commit);
    if (int rc = sqlite3_step(use.get()); rc != SQLITE_DONE) status = Error(rc, doing);
  }
  if (!status.ok()) RollbackIfOpen();
  return status;
}

Status SqliteHistory::Exec(const char* sql, std::string_view doing) {
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return Error(rc, doing);
  return Status::Ok();
}

Result<std::string> SqliteHistory::QueryText(const char* sql, std::string_view doing) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr);
  if (rc != SQLITE_OK) return Error(rc, doing);
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
  rc = sqlite3_step(stmt.get());
  if (rc == SQLITE_ROW) return ColumnText(stmt.get(), 0);
  if (rc == SQLITE_DONE) return std::string();
  return Error(rc, doing);
}

Result<int> SqliteHistory::UserVersion() {
  auto text = QueryText("PRAGMA user_version", "reading the schema version");
  if (!text.ok()) return text.status();
  // A number SQLite wrote; anything else is a damaged database.
  int version = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), version);
  if (!text->empty() && (ec != std::errc() || end != text->data() + text->size()))
    return Status::Error(StatusCode::kIoError, "unreadable schema version '" + *text + "'");
  return version;
}

Status SqliteHistory::Configure(const SqliteHistoryOptions& options) {
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, static_cast<int>(options.busy_timeout.count()));
  if (sqlite3_db_readonly(db_, "main") == 1) {
    if (!options.read_only_ok)
      return Status::Error(StatusCode::kIoError,
                           "cannot write history database " + path_ + ": it opened read-only");
    read_only_ = true;  // a reader: nothing to set up, nothing to migrate
    return Status::Ok();
  }
  // A new database gets 1 KiB pages: a run rewrites a few small rows, and
  // every page it touches is a frame in the log that is written, fsynced and
  // read back by the next process's recovery; with 4 KiB pages `surety run`
  // took ~0.2 ms longer. A database that exists keeps its page size (it
  // cannot change in WAL mode), so this is a no-op for it.
  if (Status s = Exec("PRAGMA page_size = 1024", "choosing the page size"); !s.ok()) return s;
  // Switching a new database to WAL needs an exclusive lock, and SQLite
  // answers SQLITE_BUSY at once, without the busy handler, while another
  // process is creating the same database. Wait for it as the busy timeout
  // would (no clock: the sleeps add up to the timeout).
  constexpr int kRetryMs = 5;
  Result<std::string> mode = std::string();
  for (int64_t waited = 0;; waited += kRetryMs) {
    mode = QueryText("PRAGMA journal_mode = WAL", "switching to WAL journal mode");
    const bool busy = (sqlite3_errcode(db_) & 0xff) == SQLITE_BUSY;
    if (mode.ok() || !busy || waited >= options.busy_timeout.count()) break;
    sqlite3_sleep(kRetryMs);
  }
  if (!mode.ok()) return mode.status();
  if (*mode != "wal") {
    return Status::Error(StatusCode::kIoError,
                         path_ + ": cannot use a write-ahead log (journal mode stays '" + *mode +
                             "'); is the state directory on a network file system?");
  }
  if (Status s = Exec("PRAGMA synchronous = FULL", "setting synchronous = FULL"); !s.ok()) return s;
  // Checkpoints happen when the log grows (every 64 pages), not each time
  // a short-lived `surety run` closes the database: that saves two fsyncs per
  // run without weakening durability (the log is synced at every commit).
  sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
  // …and the log stays small, so the next process's recovery of the
  // wal-index (which reads the whole log) stays cheap.
  sqlite3_wal_autocheckpoint(db_, 64);
  return Status::Ok();
}

Status SqliteHistory::Migrate() {
  auto newer = [this](int version) {
    return Status::Error(StatusCode::kIoError, "history.db was written by a newer surety (schema " +
                                                   std::to_string(version) +
                                                   "); this surety knows schema " +
                                                   std::to_string(kSchemaVersion) + " and leaves " +
                                                   path_ + " untouched: upgrade surety");
  };
  auto version = UserVersion();
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion) return newer(*version);
  if (read_only_ && *version < kSchemaVersion)
    return Status::Error(StatusCode::kIoError,
                         path_ +
                             " needs an upgrade of its schema, which a reader that may not "
                             "write it cannot make; run surety once as its owner");
  while (*version < kSchemaVersion) {
    Status s = InWriteTransaction("migrating the schema", [&]() -> Status {
      // Another process may have migrated while we waited for the lock.
      version = UserVersion();
      if (!version.ok()) return version.status();
      if (*version >= kSchemaVersion) return Status::Ok();
      const int next = *version + 1;
      std::string doing = "migrating the schema to version " + std::to_string(next);
      if (Status e = Exec(kMigrations[static_cast<size_t>(*version)], doing); !e.ok()) return e;
      std::string bump = "PRAGMA user_version = " + std::to_string(next);
      if (Status e = Exec(bump.c_str(), doing); !e.ok()) return e;
      version = next;
      return Status::Ok();
    });
    if (!s.ok()) return s;
    if (*version > kSchemaVersion) return newer(*version);
  }
  return Status::Ok();
}

Status SqliteHistory::LimitPages(int64_t max_page_count) {
  std::string sql = "PRAGMA max_page_count = " + std::to_string(max_page_count);
  auto set = QueryText(sql.c_str(), "limiting the database size");
  return set.status();
}

Status SqliteHistory::ReadRecords(sqlite3_stmt* s, std::string_view doing,
                                  std::vector<RunRecord>& out) {
  for (;;) {
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return Status::Ok();
    if (rc != SQLITE_ROW) return Error(rc, doing);
    RunRecord r;
    r.id = sqlite3_column_int64(s, 0);
    r.job = ColumnText(s, 1);
    r.trigger = TriggerFromName(ColumnText(s, 2)).value_or(Trigger::kManual);
    r.host = ColumnText(s, 3);
    r.started_at = FromMicros(sqlite3_column_int64(s, 4));
    if (!ColumnNull(s, 5)) r.finished_at = FromMicros(sqlite3_column_int64(s, 5));
    r.duration_ms = sqlite3_column_int64(s, 6);
    r.attempts = sqlite3_column_int(s, 7);
    if (!ColumnNull(s, 8)) r.exit_code = sqlite3_column_int(s, 8);
    if (!ColumnNull(s, 9)) r.signal = ColumnText(s, 9);
    std::string result = ColumnText(s, 10);
    std::optional<RunResult> parsed = RunResultFromName(result);
    if (!parsed) {
      return Status::Error(StatusCode::kIoError, path_ + ": run " + std::to_string(r.id) +
                                                     " has an unknown result '" + result + "'");
    }
    r.result = *parsed;
    r.message = ColumnText(s, 11);
    r.output_tail = ColumnBlob(s, 12);
    if (!ColumnNull(s, 13)) r.artifact_size = static_cast<uint64_t>(sqlite3_column_int64(s, 13));
    r.artifact_path = ColumnText(s, 14);
    r.alert_status = ColumnText(s, 15);
    r.owner_pid = sqlite3_column_int(s, 16);
    r.owner_boot_id = ColumnText(s, 17);
    r.owner_start_time = static_cast<uint64_t>(sqlite3_column_int64(s, 18));
    out.push_back(std::move(r));
  }
}

Result<int64_t> SqliteHistory::BeginRun(const RunRecord& record) {
  int64_t id = 0;
  // The start of a run is written without fsync (synchronous=NORMAL): it is
  // in the OS's cache at once, so a killed runner is still detected, and a
  // power cut that loses it also ended the run. The end of a run (FinishRun)
  // is durable once it returns.
  (void)Exec("PRAGMA synchronous = NORMAL", "relaxing synchronous for the run start");
  Status s = InWriteTransaction("recording the start of a run", [&]() -> Status {
    auto insert = Prepare(kInsert);
    if (!insert.ok()) return insert.status();
    StmtUse use(*insert);
    if (int rc = BindRecord(use.get(), record); rc != SQLITE_OK)
      return Error(rc, "recording the start of a run");
    int rc = sqlite3_step(use.get());
    if (rc != SQLITE_ROW) return Error(rc, "recording the start of a run");
    const int64_t seq = sqlite3_column_int64(use.get(), 0);
    if (rc = sqlite3_step(use.get()); rc != SQLITE_DONE)
      return Error(rc, "recording the start of a run");
    id = sqlite3_last_insert_rowid(db_);
    begun_id_ = id;
    begun_seq_ = seq;
    return Status::Ok();
  });
  (void)Exec("PRAGMA synchronous = FULL", "restoring synchronous = FULL");
  if (!s.ok()) return s;
  return id;
}

Status SqliteHistory::FinishRun(const RunRecord& record, int keep_runs) {
  constexpr std::string_view kDoing = "recording the end of a run";
  return InWriteTransaction(kDoing, [&]() -> Status {
    auto update = Prepare(kUpdate);
    if (!update.ok()) return update.status();
    StmtUse use(*update);
    int rc = BindRecord(use.get(), record);
    if (rc == SQLITE_OK) rc = sqlite3_bind_int64(use.get(), 19, record.id);
    if (rc != SQLITE_OK) return Error(rc, kDoing);
    if (rc = sqlite3_step(use.get()); rc != SQLITE_DONE) return Error(rc, kDoing);
    if (sqlite3_changes(db_) == 0) {
      return Status::Error(StatusCode::kNotFound,
                           path_ + ": no run " + std::to_string(record.id) + " to finish");
    }
    if (keep_runs <= 0) return Status::Ok();
    // (A runner that began meanwhile has a higher number and trims instead.)
    if (record.id == begun_id_ && begun_seq_ <= keep_runs) return Status::Ok();
    return Retain(record.job, keep_runs);
  });
}

Result<std::vector<RunRecord>> SqliteHistory::Recent(const std::string& job, int limit) {
  auto recent = Prepare(job.empty() ? kRecentAll : kRecent);
  if (!recent.ok()) return recent.status();
  StmtUse use(*recent);
  BindText(use.get(), 1, job);
  sqlite3_bind_int(use.get(), 2, limit <= 0 ? -1 : limit);  // LIMIT -1: no limit
  std::vector<RunRecord> out;
  if (Status s =
          ReadRecords(use.get(), "reading the history of " + (job.empty() ? "all jobs" : job), out);
      !s.ok())
    return s;
  return out;
}

Result<std::vector<RunRecord>> SqliteHistory::Page(const std::string& job, int skip, int limit,
                                                   bool tails) {
  auto page = Prepare(tails ? kPage : kPageNoTail);
  if (!page.ok()) return page.status();
  StmtUse use(*page);
  BindText(use.get(), 1, job);
  sqlite3_bind_int(use.get(), 2, std::max(limit, 1));
  sqlite3_bind_int(use.get(), 3, std::max(skip, 0));
  std::vector<RunRecord> out;
  if (Status s = ReadRecords(use.get(), "reading the history of " + job, out); !s.ok()) return s;
  return out;
}

Result<std::vector<RunRecord>> SqliteHistory::RecentStarts(const std::string& job, int limit) {
  auto starts = Prepare(kRecentStarts);
  if (!starts.ok()) return starts.status();
  StmtUse use(*starts);
  BindText(use.get(), 1, job);
  sqlite3_bind_int(use.get(), 2, limit <= 0 ? -1 : limit);
  std::vector<RunRecord> out;
  for (;;) {
    int rc = sqlite3_step(use.get());
    if (rc == SQLITE_DONE) return out;
    if (rc != SQLITE_ROW) return Error(rc, "reading the start times of " + job);
    RunRecord r;
    r.id = sqlite3_column_int64(use.get(), 0);
    r.job = job;
    r.trigger = TriggerFromName(ColumnText(use.get(), 1)).value_or(Trigger::kManual);
    r.started_at = FromMicros(sqlite3_column_int64(use.get(), 2));
    if (!ColumnNull(use.get(), 3)) r.finished_at = FromMicros(sqlite3_column_int64(use.get(), 3));
    out.push_back(std::move(r));
  }
}

Result<std::optional<RunResult>> SqliteHistory::LastResult(const std::string& job) {
  auto last = Prepare(kLastResult);
  if (!last.ok()) return last.status();
  StmtUse use(*last);
  BindText(use.get(), 1, job);
  int rc = sqlite3_step(use.get());
  if (rc == SQLITE_DONE) return std::optional<RunResult>();
  if (rc != SQLITE_ROW) return Error(rc, "reading the last result of " + job);
  std::string name = ColumnText(use.get(), 0);
  std::optional<RunResult> result = RunResultFromName(name);
  if (!result) {
    return Status::Error(StatusCode::kIoError, path_ + ": the last run of " + job +
                                                   " has an unknown result '" + name + "'");
  }
  return result;
}

Result<std::optional<RunRecord>> SqliteHistory::ReadOne(Stmt id, const std::string& job,
                                                        std::string_view doing) {
  auto stmt = Prepare(id);
  if (!stmt.ok()) return stmt.status();
  StmtUse use(*stmt);
  BindText(use.get(), 1, job);
  std::vector<RunRecord> out;
  if (Status s = ReadRecords(use.get(), doing, out); !s.ok()) return s;
  if (out.empty()) return std::optional<RunRecord>();
  return std::optional<RunRecord>(std::move(out.front()));
}

Result<std::optional<RunRecord>> SqliteHistory::LastGood(const std::string& job) {
  return ReadOne(kLastGood, job, "reading the last good run of " + job);
}

Result<std::optional<RunRecord>> SqliteHistory::LastArtifact(const std::string& job) {
  return ReadOne(kLastArtifact, job, "reading the last artifact of " + job);
}

Result<std::map<std::string, JobSummary>> SqliteHistory::Summaries(
    const std::vector<std::string>& jobs, bool with_counts) {
  std::map<std::string, JobSummary> out;
  for (const std::string& job : jobs) {
    JobSummary& sum = out[job];
    for (auto [stmt, field] :
         {std::pair{kSumLast, &JobSummary::last}, std::pair{kSumCounted, &JobSummary::last_counted},
          std::pair{kSumGood, &JobSummary::last_good}}) {
      auto one = ReadOne(stmt, job, "summing up the runs of " + job);
      if (!one.ok()) return one.status();
      sum.*field = std::move(*one);
    }
  }
  {
    auto select = Prepare(kSumRunning);
    if (!select.ok()) return select.status();
    StmtUse use(*select);
    std::vector<RunRecord> running;
    if (Status s = ReadRecords(use.get(), "reading running records", running); !s.ok()) return s;
    for (RunRecord& r : running)
      if (auto it = out.find(r.job); it != out.end()) it->second.running = std::move(r);
  }
  if (with_counts) {
    auto select = Prepare(kSumCounts);
    if (!select.ok()) return select.status();
    StmtUse use(*select);
    for (;;) {
      int rc = sqlite3_step(use.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Error(rc, "counting runs by result");
      auto it = out.find(ColumnText(use.get(), 0));
      auto result = RunResultFromName(ColumnText(use.get(), 1));
      if (it != out.end() && result)
        it->second.counts[*result] = sqlite3_column_int64(use.get(), 2);
    }
  }
  return out;
}

Result<int> SqliteHistory::ReapDead(const OwnerAlive& alive, Instant now) {
  std::vector<RunRecord> running;
  {
    auto select = Prepare(kRunning);
    if (!select.ok()) return select.status();
    StmtUse use(*select);
    for (;;) {
      int rc = sqlite3_step(use.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Error(rc, "reading running records");
      RunRecord r;
      r.id = sqlite3_column_int64(use.get(), 0);
      r.job = ColumnText(use.get(), 1);
      r.started_at = FromMicros(sqlite3_column_int64(use.get(), 2));
      r.owner_pid = sqlite3_column_int(use.get(), 3);
      r.owner_boot_id = ColumnText(use.get(), 4);
      r.owner_start_time = static_cast<uint64_t>(sqlite3_column_int64(use.get(), 5));
      running.push_back(std::move(r));
    }
  }
  // Ask about owners outside any transaction: alive() may take its time.
  std::vector<RunRecord> dead;
  for (RunRecord& r : running)
    if (!alive(r)) dead.push_back(std::move(r));
  if (dead.empty()) return 0;

  constexpr std::string_view kDoing = "marking dead runs interrupted";
  int reaped = 0;
  Status s = InWriteTransaction(kDoing, [&]() -> Status {
    auto update = Prepare(kInterrupt);
    if (!update.ok()) return update.status();
    for (const RunRecord& r : dead) {
      StmtUse use(update.value());
      const int64_t duration_ms = std::max<int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(now - r.started_at).count());
      const std::string message = DeadRunnerMessage(r.owner_pid);
      sqlite3_bind_int64(use.get(), 1, r.id);
      sqlite3_bind_int64(use.get(), 2, ToMicros(now));
      sqlite3_bind_int64(use.get(), 3, duration_ms);
      BindText(use.get(), 4, message);
      if (int rc = sqlite3_step(use.get()); rc != SQLITE_DONE) return Error(rc, kDoing);
      // 0 when the runner finished (or another reader reaped) meanwhile.
      reaped += sqlite3_changes(db_);
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return reaped;
}

Status SqliteHistory::Retain(const std::string& job, int keep) {
  auto retain = Prepare(kRetain);
  if (!retain.ok()) return retain.status();
  StmtUse use(*retain);
  BindText(use.get(), 1, job);
  sqlite3_bind_int(use.get(), 2, keep);
  if (int rc = sqlite3_step(use.get()); rc != SQLITE_DONE) return Error(rc, "deleting old runs");
  return Status::Ok();
}

Status SqliteHistory::ApplyRetention(const std::string& job, int keep) {
  if (keep <= 0) {
    return Status::Invalid("history retention must keep at least 1 run of " + job + " (got " +
                           std::to_string(keep) + ")");
  }
  // A write transaction that deletes nothing writes nothing (no fsync).
  return InWriteTransaction("deleting old runs", [&] { return Retain(job, keep); });
}

Result<std::vector<std::string>> SqliteHistory::Jobs() {
  auto jobs = Prepare(kJobs);
  if (!jobs.ok()) return jobs.status();
  StmtUse use(*jobs);
  std::vector<std::string> out;
  for (;;) {
    int rc = sqlite3_step(use.get());
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) return Error(rc, "listing jobs");
    out.push_back(ColumnText(use.get(), 0));
  }
  return out;
}

Result<int64_t> SqliteHistory::QueryMaxId() {
  auto max = Prepare(kMaxId);
  if (!max.ok()) return max.status();
  StmtUse use(*max);
  if (int rc = sqlite3_step(use.get()); rc != SQLITE_ROW) return Error(rc, "reading the last id");
  return sqlite3_column_int64(use.get(), 0);
}

Result<int64_t> SqliteHistory::MaxId() { return QueryMaxId(); }

Result<std::optional<int64_t>> SqliteHistory::FindByOwner(const RunRecord& r) {
  auto find = Prepare(kFindByOwner);
  if (!find.ok()) return find.status();
  StmtUse use(*find);
  BindText(use.get(), 1, r.job);
  sqlite3_bind_int(use.get(), 2, r.owner_pid);
  BindText(use.get(), 3, r.owner_boot_id);
  sqlite3_bind_int64(use.get(), 4, static_cast<int64_t>(r.owner_start_time));
  sqlite3_bind_int64(use.get(), 5, ToMicros(r.started_at));
  int rc = sqlite3_step(use.get());
  if (rc == SQLITE_ROW) return std::optional<int64_t>(sqlite3_column_int64(use.get(), 0));
  if (rc != SQLITE_DONE) return Error(rc, "folding the run journal");
  return std::optional<int64_t>();
}

Result<int64_t> SqliteHistory::IdFor(const RunRecord& r, int64_t highest, int64_t fresh) {
  bool taken = false;
  {
    auto owner = Prepare(kOwnerOf);
    if (!owner.ok()) return owner.status();
    StmtUse use(*owner);
    sqlite3_bind_int64(use.get(), 1, r.id);
    int rc = sqlite3_step(use.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Error(rc, "folding the run journal");
    if (rc == SQLITE_ROW) {
      if (ColumnText(use.get(), 0) == r.job && sqlite3_column_int(use.get(), 1) == r.owner_pid &&
          ColumnText(use.get(), 2) == r.owner_boot_id &&
          static_cast<uint64_t>(sqlite3_column_int64(use.get(), 3)) == r.owner_start_time)
        return r.id;
      taken = true;
    }
  }
  // A free id above every id ever stored is a new run: the usual case, and
  // the only one that needs no search.
  if (!taken && r.id > highest) return r.id;
  // The run may have been stored under another id at an earlier fold.
  auto found = FindByOwner(r);
  if (!found.ok()) return found.status();
  if (found->has_value()) return **found;
  return taken ? fresh : r.id;
}

Status SqliteHistory::RetainSparing(const std::string& job, int keep, const OwnerAlive& alive) {
  std::vector<RunRecord> candidates;
  {
    auto select = Prepare(kRetainCandidates);
    if (!select.ok()) return select.status();
    StmtUse use(*select);
    BindText(use.get(), 1, job);
    sqlite3_bind_int(use.get(), 2, keep);
    for (;;) {
      int rc = sqlite3_step(use.get());
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return Error(rc, "deleting old runs");
      RunRecord r;
      r.id = sqlite3_column_int64(use.get(), 0);
      r.job = job;
      r.owner_pid = sqlite3_column_int(use.get(), 1);
      r.owner_boot_id = ColumnText(use.get(), 2);
      r.owner_start_time = static_cast<uint64_t>(sqlite3_column_int64(use.get(), 3));
      candidates.push_back(std::move(r));
    }
  }
  auto del = Prepare(kDeleteRun);
  if (!del.ok()) return del.status();
  for (const RunRecord& r : candidates) {
    // Its runner may still append the alert update: deleting the record
    // now would make that update a new record. The next fold trims it.
    if (alive && alive(r)) continue;
    StmtUse use(*del);
    sqlite3_bind_int64(use.get(), 1, r.id);
    if (int rc = sqlite3_step(use.get()); rc != SQLITE_DONE) return Error(rc, "deleting old runs");
  }
  return Status::Ok();
}

Status SqliteHistory::Apply(const JournalBatch& batch, const OwnerAlive& alive) {
  constexpr std::string_view kDoing = "folding the run journal";
  return InWriteTransaction(kDoing, [&]() -> Status {
    // What this journal gen has folded before (a fold repeated after a
    // crash between its commit and the journal's truncation).
    uint64_t folded_to = 0;
    if (!batch.gen.empty()) {
      auto state = Prepare(kFoldedTo);
      if (!state.ok()) return state.status();
      StmtUse use(*state);
      BindText(use.get(), 1, batch.gen);
      int rc = sqlite3_step(use.get());
      if (rc == SQLITE_ROW)
        folded_to = static_cast<uint64_t>(sqlite3_column_int64(use.get(), 0));
      else if (rc != SQLITE_DONE)
        return Error(rc, kDoing);
    }
    auto highest = QueryMaxId();
    if (!highest.ok()) return highest.status();
    // A renumbered run gets an id above everything stored and everything
    // the journal has handed out, so it cannot collide again.
    int64_t next_fresh = *highest;
    for (const JournalEntry& e : batch.entries) next_fresh = std::max(next_fresh, e.record.id);
    ++next_fresh;
    // Each job's retention as its newest entry that states one (start
    // entries carry 0).
    std::vector<std::pair<std::string, int>> keep;
    // One run's entries share an id and an owner; two runs may share an id
    // (handed out twice) but never an owner.
    using RunKey = std::tuple<int64_t, std::string, int, std::string, uint64_t>;
    std::map<RunKey, int64_t> stored_as;
    uint64_t last_end = folded_to;
    for (size_t i = 0; i < batch.entries.size(); ++i) {
      const JournalEntry& e = batch.entries[i];
      const uint64_t end = i < batch.ends.size() ? batch.ends[i] : 0;
      if (end != 0 && end <= folded_to) continue;  // applied by an earlier fold
      last_end = std::max(last_end, end);
      RunRecord r = e.record;
      RunKey key{r.id, r.job, r.owner_pid, r.owner_boot_id, r.owner_start_time};
      if (auto it = stored_as.find(key); it != stored_as.end()) {
        r.id = it->second;
      } else {
        auto id = IdFor(r, *highest, next_fresh);
        if (!id.ok()) return id.status();
        if (*id == next_fresh) ++next_fresh;
        stored_as[key] = *id;
        r.id = *id;
      }
      auto upsert = Prepare(kUpsert);
      if (!upsert.ok()) return upsert.status();
      StmtUse use(*upsert);
      int rc = BindRecord(use.get(), r);
      if (rc == SQLITE_OK) rc = sqlite3_bind_int64(use.get(), 19, r.id);
      if (rc != SQLITE_OK) return Error(rc, kDoing);
      if (rc = sqlite3_step(use.get()); rc != SQLITE_DONE) return Error(rc, kDoing);
      if (e.keep_runs <= 0) continue;
      auto k =
          std::find_if(keep.begin(), keep.end(), [&](const auto& p) { return p.first == r.job; });
      if (k == keep.end())
        keep.emplace_back(r.job, e.keep_runs);
      else
        k->second = e.keep_runs;
    }
    if (!batch.gen.empty()) {
      auto set = Prepare(kSetFoldedTo);
      if (!set.ok()) return set.status();
      StmtUse use(*set);
      BindText(use.get(), 1, batch.gen);
      sqlite3_bind_int64(use.get(), 2, static_cast<int64_t>(last_end));
      if (int rc = sqlite3_step(use.get()); rc != SQLITE_DONE) return Error(rc, kDoing);
    }
    for (const auto& [job, n] : keep)
      if (Status s = RetainSparing(job, n, alive); !s.ok()) return s;
    return Status::Ok();
  });
}

}  // namespace

Result<std::unique_ptr<HistoryStore>> OpenSqliteHistory(const std::string& path) {
  return OpenSqliteHistory(path, SqliteHistoryOptions{});
}

Result<std::unique_ptr<HistoryStore>> OpenSqliteHistory(const std::string& path,
                                                        const SqliteHistoryOptions& options) {
  auto store = OpenSqliteStore(path, options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<HistoryStore>(std::move(store.value()));
}

Result<std::unique_ptr<SqliteHistoryStore>> OpenSqliteStore(const std::string& path,
                                                            const SqliteHistoryOptions& options) {
  // Never through a symlink; the VFS keeps the files 0600 (sqlite_vfs.h).
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | (options.create ? SQLITE_OPEN_CREATE : 0) |
                               SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                           SuretyVfsName());
  if (db == nullptr) {
    return Status::Error(StatusCode::kIoError,
                         "cannot open history database " + path + ": out of memory");
  }
  auto store = std::make_unique<SqliteHistory>(db, path);
  if (rc != SQLITE_OK) {
    std::string message = "cannot open history database " + path + ": " + sqlite3_errmsg(db);
    const int err = sqlite3_system_errno(db);
    if (err != 0) message += " (" + std::generic_category().message(err) + ")";
    const bool missing = !options.create && (rc & 0xff) == SQLITE_CANTOPEN && err == ENOENT;
    return Status::Error(missing ? StatusCode::kNotFound : StatusCode::kIoError,
                         std::move(message));
  }
  if (Status s = store->Configure(options); !s.ok()) return s;
  if (Status s = store->Migrate(); !s.ok()) return s;
  if (options.max_page_count > 0) {
    if (Status s = store->LimitPages(options.max_page_count); !s.ok()) return s;
  }
  return std::unique_ptr<SqliteHistoryStore>(std::move(store));
}

}  // namespace surety
