// The embedded scheduler: `surety daemon`.
//
// For: containers and hosts without systemd. One process, one thread, one
// event loop (os/event_loop.h): it computes every job's next due time with
// systemd's timer semantics (sched/schedule.h), sleeps until the earliest
// (coalesced within each job's accuracy), and starts each due run as
// `surety run JOB --trigger=…` so scheduled runs get every guarantee of the
// runner. It reacts at once to clock jumps and time-zone changes
// (recompute), SIGHUP (reload; a bad file is reported and the running set is
// kept), SIGTERM/SIGINT (stop scheduling, give running jobs shutdown_grace,
// then stop them; exit 0 with no orphans), and reaps every child — also as
// PID 1 in a container. docs/daemon.md describes the semantics and where they
// deliberately differ from systemd.
//
// Thread-compatible: run by one thread.
#pragma once

#include <string>
#include <vector>

#include "os/clock.h"
#include "os/env.h"
#include "os/file_system.h"
#include "os/log.h"
#include "sched/schedule.h"
#include "store/history_store.h"

namespace surety {

struct DaemonOptions {
  std::vector<std::string> configs;  // passed on to every `surety run`
  std::string log_format = "logfmt";
  std::string log_level = "info";  // passed on to every `surety run`
  Micros shutdown_grace{std::chrono::seconds(10)};
};

// What the run history says about a job when a scheduler (re)learns it:
// last start/finish, and — for persistent jobs only, like systemd's stamp
// file — the last scheduled trigger (now, when it never ran).
JobHistoryFacts FactsFromHistory(const JobSpec& job, HistoryStore* history, Instant now);

// Runs until SIGTERM/SIGINT. Returns the process exit status (0 after a
// clean shutdown, 2 when the job file cannot be loaded at start).
int RunDaemon(const DaemonOptions& options, const Clock& clock, const Env& env, FileSystem& fs,
              Logger& log);

}  // namespace surety
