// The hardened runner: one run of one job, start to finish.
//
// For: `surety run JOB` — and so for every scheduled, caught-up and manual
// run, since the daemon and exported timers start `surety run`. The pipeline
// (docs/runner.md), one stage each, every stage either ending the run or
// handing on to the next (runner.cc):
//   record running → ping healthchecks' /start → environment → preflight (re-checked until
//   preflight.wait) → lock (overlap skip/wait) → execute (timeout kills the
//   whole tree) → classify the exit (classify.h) → retry failed/timed-out
//   attempts with backoff → verify the artifact → finish the record → alert.
// Every OS effect goes through RunnerDeps, so each stage is tested with fakes.
//
// Thread-compatible: one run at a time per RunnerDeps.
#pragma once

#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>

#include "alert/alert.h"
#include "alert/outbox.h"
#include "job/job_spec.h"
#include "os/clock.h"
#include "os/file_system.h"
#include "os/journal.h"
#include "os/lock.h"
#include "os/log.h"
#include "os/net.h"
#include "os/process.h"
#include "runner/classify.h"
#include "store/history_store.h"
#include "store/run_record.h"
#include "time/zone.h"

namespace surety {

struct RunnerDeps {
  const Clock& clock;
  FileSystem& fs;
  CommandRunner& commands;
  Locker& locker;
  Connector& net;
  HistoryStore* history;  // may be null when the store could not be opened
  HttpPoster& http;
  JournalWriter& journal;
  Logger& log;
  const Zone& local;
  // Waits between preflight checks and retries; false if told to stop.
  std::function<bool(Micros)> sleep;
  // Whether the process was told to stop (SIGTERM/SIGINT) outside a command.
  std::function<bool()> stop_requested;
  // Resolves user/group names to ids (for running as another user).
  std::function<Result<std::pair<uint32_t, uint32_t>>(const std::string& user,
                                                      const std::string& group)>
      resolve_ids;
  std::map<std::string, std::string> base_env;  // the environment the job inherits
  std::string host;
  std::string state_dir;
  OwnerAlive owner_alive;
  std::function<void(RunRecord&)> fill_owner;
  // Pauses between alert delivery attempts, also after a stop request
  // (sleep would return at once then, and every retry would follow the
  // failure without a pause). Unset: sleep.
  std::function<void(Micros)> pause;
  // A person's terminal (stderr when it is one), told in words what a run
  // waits for when a wait takes more than a moment; null: nobody watches.
  std::ostream* terminal = nullptr;
  // Where each delivery is written down before it is tried (alert/outbox.h),
  // so that it survives the runner; null: alerts are sent without it.
  Outbox* outbox = nullptr;
  // The stop signal received (StopSignal()), 0 for none; unset: unknown. A
  // manual run an operator stopped with SIGINT (Ctrl-C) is recorded
  // interrupted but pages no one.
  std::function<int()> stop_signal = nullptr;
};

struct RunRequest {
  Trigger trigger = Trigger::kManual;
  // Written before each line of the job's output on our stdout (the
  // daemon's runs: "[db] "); empty: the output as the job wrote it.
  std::string output_prefix;
  // Not empty: the run cannot start, for this reason (the job file has
  // errors: "FILE:LINE:COL: …"). It is recorded as failed with it and
  // alerted like any failure; the command never runs.
  std::string refused;
};

// Ends the message of a manual run an operator stopped with SIGINT (no
// alert was sent; `surety status` does not count it as failing).
inline constexpr const char* kOperatorStopNote = "(stopped by the operator with SIGINT: no alert)";

struct RunReport {
  RunRecord record;
  int exit_status = 0;  // the design's table
};

RunReport RunJob(const JobSpec& job, const Config& config, const RunRequest& request,
                 RunnerDeps& deps);

}  // namespace surety
