// Outbox: alerts written down before they are sent, so that none dies with
// its runner.
//
// For: the runner (every delivery), `surety outbox --drain` (the daemon
// starts it while the outbox holds anything) and, later, `surety check
// --alert`. Each delivery — one event about one run to one alert — is a file
// in STATE_DIR/outbox, written and flushed before the first attempt and
// removed once it was delivered. A runner killed mid-delivery (kill -9), or
// a delivery that failed, leaves the file; whoever drains the outbox next
// sends it again. Deliveries are therefore at least once: each carries an
// idempotency key (alert.h IdempotencyKey) a receiver can drop a repeat by.
// An entry still undelivered a week after its first attempt is given up,
// loudly (the caller logs it).
//
// File: one line of JSON (key, alert, event, attempts, first_attempt_at),
// then the run record as a run-journal line (store/run_journal.h).
//
// Thread-compatible: one Outbox per thread; several processes may share a
// directory (a file is delivered by whoever drains it, possibly twice).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "base/instant.h"
#include "base/status.h"
#include "os/data_file.h"
#include "store/run_record.h"

namespace surety {

struct OutboxEntry {
  std::string path;  // set by Put() and Pending()
  std::string key;   // IdempotencyKey()
  std::string alert;
  AlertEvent event = AlertEvent::kFailure;
  int attempts = 0;
  Instant first_attempt_at;
  RunRecord record;
};

// One delivery as the delivery log keeps it (Outbox::NoteDelivery).
struct DeliveryNote {
  Instant at;
  std::string job;
  int64_t run_id = 0;
  std::string alert;
  AlertEvent event = AlertEvent::kFailure;
  std::string key;
  bool sent = false;
  std::string error;  // when not sent
};

// How long an undelivered entry is tried before it is given up.
inline constexpr Micros kOutboxGiveUpAfter{std::chrono::hours(24 * 7)};

class Outbox {
 public:
  Outbox(const std::string& state_dir, DataFiles& files);

  // Writes `entry` durably (file and directory flushed); its path.
  Result<std::string> Put(OutboxEntry entry);
  // The entry was delivered (or given up): its file goes.
  Status Remove(const std::string& path);
  // Rewrites `entry` with one more attempt counted.
  Status CountAttempt(OutboxEntry& entry);
  // Every entry, oldest first; only those of `job` when given. Files that
  // cannot be read as entries are skipped (and left for a person).
  Result<std::vector<OutboxEntry>> Pending(const std::optional<std::string>& job = std::nullopt);

  // Opens entry `path` and takes its lock without waiting: the open file,
  // whose lock lasts until it is closed. nullptr when the entry is gone
  // (delivered meanwhile) or another process holds it (delivering it now):
  // so that no two processes deliver one entry at once (a run draining its
  // job's entries while `check --alert` sends the one it just wrote).
  Result<std::unique_ptr<DataFile>> Claim(const std::string& path);

  // The delivery log: every delivery's outcome, sent or failed, one JSON
  // line each in STATE_DIR/deliveries/JOB.log (kept to about 2 x 256 KiB
  // per job: a full log becomes JOB.log.1, replacing the one before).
  // Appended under the file's lock, so concurrent runners interleave whole
  // lines.
  Status NoteDelivery(const DeliveryNote& note);
  // A job's recorded deliveries, newest first, at most `limit`. Lines that
  // cannot be read are skipped.
  Result<std::vector<DeliveryNote>> Deliveries(const std::string& job, size_t limit);

 private:
  Status Write(const std::string& path, const OutboxEntry& entry, bool create);
  std::string LogPath(const std::string& job) const;
  std::string dir_;      // STATE_DIR/outbox
  std::string log_dir_;  // STATE_DIR/deliveries
  DataFiles& files_;
};

// Delivers `entry` to `alert` once (DeliverAlert's own quick retries
// included) and settles its file: removed when delivered, one more attempt
// counted when not, all under the entry's lock (Claim). Either way the
// outcome goes into the delivery log
// (Outbox::NoteDelivery) as of `now`. An entry without a path (its file
// could not be written) is delivered all the same. `outbox` may be null
// then (nothing is settled or noted).
Status DeliverEntry(Outbox* outbox, const AlertSpec& alert, OutboxEntry& entry, AlertEnv& env,
                    Instant now);
// Whether DeliverEntry() left the entry alone because another process is
// delivering it (or just did): nothing failed, nothing is to be counted.
bool DeliveredElsewhere(const Status& s);

// What DrainOutbox() did with each entry.
struct DrainReport {
  int delivered = 0;
  int failed = 0;                     // kept for the next drain
  int given_up = 0;                   // older than kOutboxGiveUpAfter, or its alert is gone
  std::vector<std::string> problems;  // one line each, for the log
};

// Delivers every pending entry (of `job`, when given) once — DeliverAlert's
// own few quick retries included — removing each that went out, counting an
// attempt on each that did not, giving up those that are too old or whose
// alert no longer exists. Entries whose key is in `skip_keys` (those the
// caller sends itself) are left alone.
DrainReport DrainOutbox(Outbox& outbox, const std::map<std::string, AlertSpec>& alerts,
                        AlertEnv& env, Instant now,
                        const std::optional<std::string>& job = std::nullopt,
                        const std::set<std::string>& skip_keys = {});

}  // namespace surety
