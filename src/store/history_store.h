// HistoryStore: run records of a state directory.
//
// For: the runner (BeginRun before anything else, FinishRun at the end),
// `surety history`, status, check and metrics.
//
// Where they live: STATE_DIR/history.db (SQLite) holds every run; `surety
// run` appends its record to STATE_DIR/history.journal instead of opening
// the database (run_journal.h says why and how), and every read folds the
// journal into history.db first. OpenStateHistory() is that combination, and
// what every command uses; OpenSqliteHistory() is the database alone. This
// module is the only one that includes sqlite3.h.
//
// Durability: a finished record is on disk once FinishRun() has returned (a
// power cut after `surety run` exits loses nothing): the journal is
// fdatasync'ed, and history.db uses a WAL journal with synchronous=FULL.
// Concurrency: several runners and readers may use one state directory at
// once (the journal's lock, SQLite's busy timeout; each write is short).
// Schema changes go through numbered migrations recorded in PRAGMA
// user_version.
//
// Dead runners: a record left `running` by a runner that died (kill -9, power
// loss) is marked `interrupted` by ReapDead(), which every reading command
// calls first. A runner is dead when its pid no longer exists, or exists with
// another start time or boot id.
//
// Thread-safety: one HistoryStore per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "os/data_file.h"
#include "store/run_record.h"

namespace surety {

// Tells whether the process that owns a running record is still that
// process. Injected so tests can declare owners dead or alive. ReapDead
// fills only id, job, started_at and the owner_* fields of the record.
using OwnerAlive = std::function<bool(const RunRecord& record)>;

// What `status`, `check` and `metrics` need of one job (records without
// their output tails).
struct JobSummary {
  std::optional<RunRecord> last;          // the newest record, of any result
  std::optional<RunRecord> last_counted;  // the newest neither running nor skipped
  std::optional<RunRecord> running;       // the newest still running
  std::optional<RunRecord> last_good;     // the newest finished success/warning/already_done
  std::map<RunResult, int64_t> counts;    // records by result (when asked for)
};

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;

  // Inserts a record (result running) and returns its id.
  virtual Result<int64_t> BeginRun(const RunRecord& record) = 0;
  // Updates every field of the record with this id and, when keep_runs > 0,
  // applies the job's retention in the same transaction (one fsync for both;
  // with the journal, the fold applies it in its transaction).
  virtual Status FinishRun(const RunRecord& record, int keep_runs) = 0;
  Status FinishRun(const RunRecord& record) { return FinishRun(record, 0); }
  // Newest first. limit <= 0: all. An empty `job`: every job's runs.
  virtual Result<std::vector<RunRecord>> Recent(const std::string& job, int limit) = 0;
  // Newest first, like Recent(), but only id, job, trigger, started_at and
  // finished_at are filled: what the scheduler needs, without output tails.
  virtual Result<std::vector<RunRecord>> RecentStarts(const std::string& job, int limit) = 0;
  // One page of a job's runs, newest first: at most `limit` (> 0) records
  // after skipping the newest `skip`; without their output tails unless
  // `tails`. What the status page's job page reads, so its work stays
  // bounded however long the history. The default slices Recent() (for
  // fakes); the stores answer with one indexed query.
  virtual Result<std::vector<RunRecord>> Page(const std::string& job, int skip, int limit,
                                              bool tails);
  // The previous meaningful result, for recovery alerts: the result of the
  // job's newest record that is neither running nor skipped (a skipped run
  // did nothing, so a failure, a skip and a success is still a recovery).
  virtual Result<std::optional<RunResult>> LastResult(const std::string& job) = 0;
  // The newest finished record with a good result (success/warning/already_done):
  // when the job last did its work (the dead-man's switch, last success).
  virtual Result<std::optional<RunRecord>> LastGood(const std::string& job) = 0;
  // The newest finished success or warning record that has an artifact_size:
  // what `max_shrink` compares the next artifact against. Not LastGood(): an
  // already_done run verified nothing and has no size. The default scans
  // Recent() (for fakes); the stores answer with one indexed query.
  virtual Result<std::optional<RunRecord>> LastArtifact(const std::string& job);
  // JobSummary of each job in `jobs` (an entry for every one, empty when it
  // has no runs), in one read; `with_counts`: also count each job's records
  // by result (a scan of the whole history). The default reads Recent()
  // (for fakes); the stores answer with a few indexed queries per job.
  virtual Result<std::map<std::string, JobSummary>> Summaries(const std::vector<std::string>& jobs,
                                                              bool with_counts);
  // Marks running records whose owner is dead as interrupted; returns how many.
  virtual Result<int> ReapDead(const OwnerAlive& alive, Instant now) = 0;
  // Keeps the newest `keep` finished records of the job (and every running
  // one). Costs a read of at most `keep` index entries when nothing is due.
  virtual Status ApplyRetention(const std::string& job, int keep) = 0;
  // Every job name with at least one record.
  virtual Result<std::vector<std::string>> Jobs() = 0;
  // The last resort for a finished run that FinishRun (and, for a run
  // never recorded, BeginRun) could not store — the journal's lock held too
  // long, a write refused: the record goes alone into a file of its own in
  // STATE_DIR/spool (flushed), which the next run or read moves into the
  // history. An error when even that cannot be written (a full disk); the
  // caller must then say so loudly, with the record.
  virtual Status SpoolRun(const RunRecord& record, int keep_runs) = 0;
  // Why the last read could not fold the run journal into history.db (a
  // full disk, a lock held too long), or ok. Such a read does not fail: it
  // shows history.db with the journal's entries merged in memory (and dead
  // runners marked interrupted in memory), writing nothing; callers should
  // warn that they did. Only the journaled store (OpenStateHistory) folds.
  virtual Status FoldStatus() const { return Status::Ok(); }
  // Whether history.db was found damaged and set aside (and where it went,
  // and what was lost), or ok. Whoever holds this store must say it loudly.
  virtual Status Recovery() const { return Status::Ok(); }
};

// The message of a record ReapDead() marks interrupted. A runner that could
// not append its finish (even without its output tail: a full disk) leaves
// its record running too, and the reaper cannot tell the two apart.
std::string DeadRunnerMessage(int owner_pid);
// What LastArtifact() looks for: a finished success or warning record with
// an artifact_size.
bool IsArtifactRecord(const RunRecord& record);

// Where the history of a state directory lives: STATE_DIR/history.db.
inline std::string HistoryPath(const std::string& state_dir) { return state_dir + "/history.db"; }

struct JournalBatch;  // store/run_journal.h

// history.db as the journal folds into it.
class SqliteHistoryStore : public HistoryStore {
 public:
  // In one transaction: skips the entries this journal gen has folded
  // before (up to the offset recorded), stores each other entry (replacing
  // the record with its id, except that a running entry never replaces a
  // finished record), records the gen and offset folded to, and applies
  // each job's keep_runs, sparing finished records whose runner `alive`
  // says may still write (its alert update). An entry whose id belongs to
  // another runner's record (ids handed out twice) is stored under a new id.
  virtual Status Apply(const JournalBatch& batch, const OwnerAlive& alive) = 0;
  // The highest run id in the database; 0 when it has none.
  virtual Result<int64_t> MaxId() = 0;
};

struct SqliteHistoryOptions {
  // How long a write waits for another process's write to finish.
  std::chrono::milliseconds busy_timeout{10000};
  // How long BeginRun() waits for the run journal's lock; 0: as long as
  // FinishRun() (which outwaits any fold). A runner keeps it short: a job
  // is not held up for its start record, which FinishRun's caller can write
  // with the finish instead.
  std::chrono::milliseconds begin_wait{0};
  // PRAGMA max_page_count after opening (0: SQLite's default). Lets tests
  // make the "disk" fill up.
  int64_t max_page_count = 0;
  // A reader: a history.db this process may not write (a read-only state
  // directory, another user's files) is opened read-only — no migration,
  // the journal merged in memory — instead of refused.
  bool read_only_ok = false;
  // False: a missing database is not created (kNotFound). The state
  // directory's history builds a new history.db under another name and
  // moves it into place whole, so that no process ever meets a half-made
  // (empty) one.
  bool create = true;
  // How the run journal's file is opened, written and flushed (null: the
  // kernel's, DefaultDataFiles()). Lets tests make a write or an fdatasync
  // fail.
  DataFiles* files = nullptr;
};

// Opens (creating and migrating as needed) the SQLite database at `path`.
// The parent directory must exist. A database written by a newer surety
// (a higher schema number) is refused, never downgraded.
Result<std::unique_ptr<SqliteHistoryStore>> OpenSqliteStore(const std::string& path,
                                                            const SqliteHistoryOptions& options);
Result<std::unique_ptr<HistoryStore>> OpenSqliteHistory(const std::string& path,
                                                        const SqliteHistoryOptions& options);
Result<std::unique_ptr<HistoryStore>> OpenSqliteHistory(const std::string& path);

// The history of a state directory, as every surety command uses it: runs
// are recorded in the journal, reads fold the journal into history.db first.
// Opens nothing until first used. BeginRun creates the journal; the state
// directory must exist.
std::unique_ptr<HistoryStore> OpenStateHistory(const std::string& state_dir,
                                               const SqliteHistoryOptions& options);

// The real OwnerAlive: the owner's pid, start time and boot id still name a
// running process (os/proc.h StillRunning).
bool ProcessOwnerAlive(const RunRecord& record);
// This process's owner identity (pid, boot id, start time).
void FillOwner(RunRecord& record);

}  // namespace surety
