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
// Daemon holds the decisions and is driven from outside: RunDaemon() wires
// it to the real event loop and system; tests drive it with a fake clock and
// a fake DaemonSystem (daemon_system.h), calling the same On…() methods the
// loop calls.
//
// Thread-compatible: run by one thread.
#pragma once

#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/daemon_system.h"
#include "job/config_loader.h"
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
  // On SIGTERM/SIGINT: how long running runs get to finish before they are
  // told to stop.
  Micros shutdown_grace{std::chrono::seconds(10)};
  // On SIGTERM/SIGINT, exit at once and leave running runs to finish on
  // their own (a restart or an upgrade must not kill a backup).
  bool leave_runs = false;
  // How often every job's health is evaluated and told (`surety check
  // --alert`, when any job has alerts).
  Micros check_every{std::chrono::minutes(1)};
  // --listen: `surety serve ADDR:PORT` runs beside the scheduler, as a
  // child restarted when it dies; empty: none.
  std::string listen;
  std::string token_file;  // passed on to it
};

// How many runs the daemon starts at once when [settings] max_running does
// not say: four per processor, at least 8 — backups mostly wait on disks
// and networks, yet 500 runs at once on 2 cores starve everything, the
// daemon included.
size_t DefaultMaxRunning(unsigned cpus);

// What the run history says about a job when a scheduler (re)learns it:
// last start/finish, and — for persistent jobs only, like systemd's stamp
// file — the last scheduled trigger (now, when it never ran).
JobHistoryFacts FactsFromHistory(const JobSpec& job, HistoryStore* history, Instant now);

class Daemon {
 public:
  Daemon(const DaemonOptions& options, const Clock& clock, const Env& env, FileSystem& fs,
         Logger& log, DaemonSystem& system);
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Loads the job file and plans every job; false (logged) when it cannot
  // be loaded. Then says READY=1.
  bool Start();

  // What the loop calls, one event at a time.
  void OnTimer();          // the instant wake() named has come
  void OnSignal(int sig);  // SIGHUP, SIGTERM, SIGINT, SIGCHLD
  void OnClockChange();    // the wall clock jumped
  void OnZoneChange();     // /etc/localtime was replaced
  void OnTick();           // the heartbeat and watchdog tick

  // When the loop should call OnTimer() next; nullopt: only for a signal.
  std::optional<Instant> wake() const { return wake_; }
  // How often OnTick() is wanted: the heartbeat's period (kHeartbeatEvery),
  // or half the watchdog's interval if that is shorter.
  std::optional<Micros> tick() const { return tick_; }
  // True once the daemon has stopped: the loop ends.
  bool stopped() const { return stopped_; }
  // Cleans up after the loop ended (next.json).
  void Finish();

  // For tests: when a job is next due (nullopt: never), and its runs.
  std::optional<Instant> DueOf(const std::string& job) const;
  std::vector<int> RunnersOf(const std::string& job) const;

 private:
  struct JobState {
    JobHistoryFacts facts;
    std::optional<Due> due;
    std::vector<int> runners;  // pids of `surety run` children
    Instant window_end;        // due->when + accuracy
  };

  bool Load(bool initial);
  JobHistoryFacts Facts(const JobSpec& job);
  ScheduleContext Context();
  void Reschedule();
  void Recompute(const std::string& name, JobState& st, const ScheduleContext& ctx);
  void RecomputeOne(const std::string& name);
  void Arm();
  void Fire(const std::string& name, JobState& st, Trigger trigger, Instant now);
  void Reap();
  size_t Running() const;
  void BeginShutdown(int sig);
  void StopRuns();
  void KillAll();
  void MaybeFinishStopping();
  void StartQueued();
  void MaybeDrainOutbox();
  void Start(const std::string& name, JobState& st, Trigger trigger, Instant due);
  void MaybeWriteNextFile();
  void WriteNextFile();

  const DaemonOptions& opt_;
  const Clock& clock_;
  const Env& env_;
  FileSystem& fs_;
  Logger& log_;
  DaemonSystem& sys_;
  // `surety [--config F]... --log-format L --log-level V`: what every
  // process the daemon starts begins with.
  std::vector<std::string> GlobalArgv(const std::vector<std::string>& configs);
  void SetRunArgv(const std::vector<std::string>& configs);
  void WriteHeartbeat();
  void MaybeCheckHealth();
  void MaybeStartServer();
  void UseJobSet(const Config& next);

  std::vector<std::string> run_argv_;  // up to and including "run --tag-output"
  // The job set file the runs are given (UseJobSet), and the one before.
  std::string jobset_path_, old_jobset_path_;
  // Each job's own file of that set (what its runs read), and the files of
  // the set before.
  std::map<std::string, std::string> job_files_;
  std::vector<std::string> old_job_files_;
  std::map<std::string, std::string> run_env_;
  std::mt19937_64 rng_;
  ZoneDb zones_;
  std::shared_ptr<const Zone> local_;
  MktimeState mktime_;
  Config config_;
  std::unique_ptr<HistoryStore> history_;
  std::map<std::string, JobState> jobs_;
  std::map<int, std::string> orphans_;               // runners of removed jobs
  std::unordered_map<int, std::string> runner_job_;  // every runner's job, by pid
  std::set<std::pair<Instant, std::string>> order_;  // due time → job
  std::multiset<Instant> window_ends_;               // due + accuracy
  bool next_file_dirty_ = false;
  Instant last_next_write_;
  Instant start_, boot_;
  std::array<uint8_t, 16> machine_id_{};
  uint64_t phase_ = 0;
  bool as_root_ = false;
  uint32_t uid_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;
  enum class Phase { kDraining, kStopping, kKilling };
  Phase stop_phase_ = Phase::kDraining;
  Instant kill_deadline_;
  // Runs that came due while max_running ran, oldest first.
  struct Queued {
    std::string job;
    Trigger trigger;
    Instant due;
  };
  std::deque<Queued> queue_;
  size_t max_running_ = 0;
  // The outbox drain (`surety outbox --drain`): its pid while it runs, and
  // when to look at the outbox next.
  int drain_pid_ = 0;
  int check_pid_ = 0;   // the running `surety check --alert`, if any
  int server_pid_ = 0;  // the running `surety serve` (--listen), if any
  Instant next_server_start_;
  Instant server_deadline_;  // stopping: SIGKILL to the server after this
  Instant next_health_check_;
  Instant next_drain_check_;
  bool outbox_pending_ = false;
  std::optional<Instant> wake_;
  std::optional<Micros> tick_;
  bool watchdog_ = false;  // systemd asked for WATCHDOG=1 pings
};

// Runs until SIGTERM/SIGINT. Returns the process exit status (0 after a
// clean shutdown, 2 when the job file cannot be loaded at start).
int RunDaemon(const DaemonOptions& options, const Clock& clock, const Env& env, FileSystem& fs,
              Logger& log);

}  // namespace surety
