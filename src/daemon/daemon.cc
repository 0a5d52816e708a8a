#include "daemon/daemon.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "base/signal_names.h"
#include "base/strings.h"
#include "job/job_file_writer.h"
#include "os/event_loop.h"
#include "sched/random_delay.h"
#include "time/timespan.h"
#include "time/timestamp.h"

namespace surety {

namespace {

// How long the daemon waits for runs it told to stop, at most (a job whose
// kill_grace is longer, or infinite, is killed after this), and on top.
constexpr Micros kMaxStopWait{std::chrono::minutes(10)};
constexpr Micros kStopMargin{std::chrono::seconds(5)};
// After SIGKILL to everything: how long, and how often, to look for
// processes still going away.
constexpr Micros kKillWait{std::chrono::seconds(5)};
constexpr Micros kKillPoll{std::chrono::milliseconds(100)};
// How often the outbox is looked at, and drained while it holds anything.
constexpr Micros kDrainEvery{std::chrono::minutes(1)};
// How often the heartbeat file is rewritten (surety check: 2 min is stale).
constexpr Micros kHeartbeatEvery{std::chrono::seconds(30)};
// How soon a `surety serve` (--listen) that died is started again, at the
// earliest (MaybeStartServer).
constexpr Micros kServerRestartAfter{std::chrono::seconds(10)};
// How long a stopping daemon waits for its server to exit before SIGKILL.
constexpr Micros kServerStopWait{std::chrono::seconds(3)};

}  // namespace

Daemon::Daemon(const DaemonOptions& o, const Clock& clock, const Env& env, FileSystem& fs,
               Logger& log, DaemonSystem& system)
    : opt_(o),
      clock_(clock),
      env_(env),
      fs_(fs),
      log_(log),
      sys_(system),
      rng_(std::random_device{}()) {}

bool Daemon::Start() {
  local_ = zones_.LocalFromTz(env_.Get("TZ"));
  start_ = clock_.Now();
  boot_ = sys_.BootInstant();
  as_root_ = sys_.RunningAsRoot();
  uid_ = sys_.Uid();
  if (auto id = ParseId128(sys_.MachineId())) machine_id_ = *id;
  if (auto id = ParseId128(sys_.BootId())) phase_ = BootPhase(*id);
  sys_.BecomeSubreaper();
  // Every run is `surety [--config F]... --log-format L --log-level V run
  // --tag-output JOB --trigger=T` with a few variables of our environment:
  // its logs as ours, its output lines labelled with the job.
  SetRunArgv(opt_.configs);
  for (const char* k : {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR",
                        "SURETY_CONFIG", "XDG_CONFIG_HOME", "XDG_STATE_HOME"})
    if (auto v = env_.Get(k)) run_env_[k] = *v;
  if (!Load(true)) return false;
  max_running_ = config_.settings.max_running > 0
                     ? static_cast<size_t>(config_.settings.max_running)
                     : DefaultMaxRunning(sys_.CpuCount());
  // Runs started in the same second would otherwise delay the next starts:
  // a child runs first after fork, and every `surety run` competes with
  // us for the CPU. The children are reset to normal priority.
  const bool realtime = sys_.RaiseSchedulingPriority();
  // The first next.json (≈1 MB for 10,000 jobs) is written a second after
  // start-up rather than before the daemon is ready.
  last_next_write_ = clock_.Now();
  Reschedule();
  sys_.Notify("READY=1\nSTATUS=scheduling " + std::to_string(jobs_.size()) + " jobs");
  log_.Info("daemon_ready", {{"jobs", std::to_string(jobs_.size())},
                             {"priority", realtime ? "realtime" : "normal"},
                             {"config", config_.files.empty() ? "" : config_.files.front()}});
  // The tick: the watchdog's (half its interval) and the heartbeat's, which
  // `surety check` reads to tell a daemon that died from one that runs.
  watchdog_ = sys_.WatchdogInterval().has_value();
  tick_ = std::min(kHeartbeatEvery, opt_.check_every);
  if (auto watchdog = sys_.WatchdogInterval()) tick_ = std::min(*tick_, *watchdog / 2);
  WriteHeartbeat();
  MaybeStartServer();
  MaybeDrainOutbox();  // what the last daemon's runs could not deliver
  Arm();
  return true;
}

void Daemon::OnClockChange() {
  log_.Info("clock_changed", {});
  Reschedule();
}

void Daemon::OnZoneChange() {
  zones_ = ZoneDb();
  local_ = zones_.LocalFromTz(env_.Get("TZ"));
  log_.Info("timezone_changed", {{"zone", local_->name()}});
  if (Load(false)) Reschedule();
}

void Daemon::OnTick() {
  if (watchdog_) sys_.Notify("WATCHDOG=1");
  WriteHeartbeat();
  MaybeCheckHealth();
  MaybeStartServer();
}

// --listen: `surety serve ADDR:PORT --daemon-pid PID` as a process of its
// own, so that no client, however slow or many, can hold up the loop. It
// ends with the daemon (PR_SET_PDEATHSIG); one that died is started again
// at the next tick, and said at level error.
void Daemon::MaybeStartServer() {
  if (opt_.listen.empty() || stopping_ || server_pid_ != 0) return;
  const Instant now = clock_.Now();
  if (now < next_server_start_) return;
  next_server_start_ = now + kServerRestartAfter;
  std::vector<std::string> argv = GlobalArgv(opt_.configs);
  argv.insert(argv.end(), {"serve", opt_.listen, "--daemon-pid", std::to_string(sys_.Pid())});
  if (!opt_.token_file.empty()) argv.insert(argv.end(), {"--token-file", opt_.token_file});
  auto pid = sys_.StartRun(argv, run_env_);
  if (!pid.ok()) {
    log_.Error("server_not_started", {{"error", pid.status().message()}});
    return;
  }
  server_pid_ = *pid;
}

// Once a minute, when any job has alerts: `surety --quiet check --alert` on
// the job file, as a process of its own (the loop never waits for a
// receiver), so that a job that stops happening — or hangs, or breaks — is
// told without waiting for a run of it. What it told is kept in the state directory, so
// a restarted daemon repeats nothing.
void Daemon::MaybeCheckHealth() {
  const Instant now = clock_.Now();
  if (stopping_ || now < next_health_check_ || check_pid_ != 0) return;
  next_health_check_ = now + opt_.check_every;
  const bool any_alerts = std::any_of(config_.jobs.begin(), config_.jobs.end(),
                                      [](const auto& j) { return !j.second.alert.empty(); });
  if (!any_alerts) return;
  // The job file itself, not the job set the runs read: a job broken by an
  // edit (not in that set) must be told too.
  std::vector<std::string> argv = GlobalArgv(opt_.configs);
  argv.insert(argv.end(), {"--quiet", "check", "--alert"});
  auto pid = sys_.StartRun(argv, run_env_);
  if (!pid.ok()) {
    log_.Error("health_check_not_started", {{"error", pid.status().message()}});
    return;
  }
  check_pid_ = *pid;
}

// STATE_DIR/daemon.json: the daemon's pid and its last heartbeat. Removed
// on a clean stop; left behind, and growing old, when the daemon died.
void Daemon::WriteHeartbeat() {
  nlohmann::json j = {{"pid", sys_.Pid()},
                      {"started_at", FormatRfc3339(start_)},
                      {"heartbeat_at", FormatRfc3339(clock_.Now())},
                      {"heartbeat_us", clock_.Now().time_since_epoch().count()},
                      {"jobs", jobs_.size()}};
  (void)sys_.WriteFile(config_.settings.state_dir + "/daemon.json", j.dump() + "\n");
}

void Daemon::Finish() {
  sys_.RemoveFile(config_.settings.state_dir + "/next.json");
  sys_.RemoveFile(config_.settings.state_dir + "/daemon.json");
  // Runs left running (--leave-runs) read theirs at their start, long ago.
  for (const std::string* p : {&old_jobset_path_, &jobset_path_})
    if (!p->empty()) sys_.RemoveFile(*p);
  for (const std::string& p : old_job_files_) sys_.RemoveFile(p);
  for (const auto& [job, p] : job_files_) sys_.RemoveFile(p);
  log_.Info("daemon_stopped", {});
}

std::optional<Instant> Daemon::DueOf(const std::string& job) const {
  auto it = jobs_.find(job);
  if (it == jobs_.end() || !it->second.due) return std::nullopt;
  return it->second.due->when;
}

std::vector<int> Daemon::RunnersOf(const std::string& job) const {
  auto it = jobs_.find(job);
  return it == jobs_.end() ? std::vector<int>{} : it->second.runners;
}

std::vector<std::string> Daemon::GlobalArgv(const std::vector<std::string>& configs) {
  std::vector<std::string> argv = {sys_.SelfExecutable()};
  for (const auto& c : configs) argv.insert(argv.end(), {"--config", c});
  argv.insert(argv.end(), {"--log-format", opt_.log_format, "--log-level", opt_.log_level});
  return argv;
}

void Daemon::SetRunArgv(const std::vector<std::string>& configs) {
  run_argv_ = GlobalArgv(configs);
  run_argv_.insert(run_argv_.end(), {"run", "--tag-output"});
}

namespace {

// 64-bit FNV-1a: names a job set file after its content.
std::string ContentName(const std::string& text) { return Hex64(Fnv1a64(text)); }

}  // namespace

// The runs this daemon starts use the job set it validated, never a job
// file edited since: `next` is written to STATE_DIR/jobset-HASH.toml (the
// resolved job file, job_file_writer.h) and every `surety run` is given
// that file. The previous set's file stays while runs started with it may
// still read it; older ones go.
void Daemon::UseJobSet(const Config& next) {
  // Alerts whose URL comes from the environment need it in the runs'.
  for (const auto& [name, alert] : next.alerts)
    if (!alert.url_env.empty())
      if (auto v = env_.Get(alert.url_env)) run_env_[alert.url_env] = *v;
  const std::string text = WriteJobFile(next);
  const std::string base = next.settings.state_dir + "/jobset-" + ContentName(text);
  const std::string path = base + ".toml";
  if (path == jobset_path_) return;
  if (Status s = sys_.WriteFile(path, text); !s.ok()) {
    log_.Error("jobset_unwritable",
               {{"path", path},
                {"error", s.message()},
                {"action", "runs read the job file itself, as it is when each starts"}});
    SetRunArgv(opt_.configs);
    for (const auto& [job, p] : job_files_) sys_.RemoveFile(p);
    job_files_.clear();
    return;
  }
  // And one file per job, with the settings and that job's alerts only: a
  // run parses its own job, not all of them (with 500 jobs, 11.8 ms a run
  // from the whole set, 6.7 ms from the job file, less from its own).
  // The whole set is for what needs every job (the outbox drain).
  std::map<std::string, std::string> job_files;
  for (const auto& [name, job] : next.jobs) {
    Config one;
    one.settings = next.settings;
    for (const std::string& a : job.alert)
      if (auto it = next.alerts.find(a); it != next.alerts.end()) one.alerts.insert(*it);
    one.jobs.emplace(name, job);
    const std::string job_path = base + "-" + name + ".toml";
    if (Status s = sys_.WriteFile(job_path, WriteJobFile(one)); s.ok())
      job_files[name] = job_path;
    else  // the whole set serves it
      log_.Warn("jobset_unwritable", {{"path", job_path}, {"error", s.message()}});
  }
  if (!old_jobset_path_.empty()) sys_.RemoveFile(old_jobset_path_);
  for (const std::string& p : old_job_files_) sys_.RemoveFile(p);
  old_jobset_path_ = jobset_path_;
  old_job_files_.clear();
  for (const auto& [job, p] : job_files_) old_job_files_.push_back(p);
  jobset_path_ = path;
  job_files_ = std::move(job_files);
  SetRunArgv({path});
}

bool Daemon::Load(bool initial) {
  LoadContext ctx{fs_, env_, zones_, *local_, as_root_, sys_.HostName()};
  // A schedule that never elapses again is worth a warning here too; a
  // missing program is not checked: each run records it as failed.
  ctx.now = clock_.Now();
  ctx.read_environment_files = true;
  std::vector<std::string> paths = opt_.configs;
  if (paths.empty()) {
    paths.push_back(DefaultConfigPath(env_, as_root_));
    if (auto st = fs_.Stat(paths[0]); initial && st.ok() && !st->exists) {
      log_.Error("config_missing",
                 {{"path", paths[0]},
                  {"hint", "no job file there; 'surety validate' shows how to start one"}});
      return false;
    }
  }
  LoadResult r = LoadConfig(paths, ctx);
  for (const auto& w : r.warnings) log_.Warn("config_warning", {{"detail", w.ToString()}});
  // At start-up an error inside [jobs.X] keeps X alone from running; a
  // reload takes effect only when the whole file is valid (the running set,
  // which was, stays meanwhile).
  const bool usable = r.config || (initial && r.usable);
  if (!r.errors.empty()) {
    for (const auto& e : r.errors) log_.Error("config_error", {{"detail", e.ToString()}});
    if (!usable)
      log_.Error(initial ? "config_invalid" : "reload_failed",
                 {{"errors", std::to_string(r.errors.size())},
                  {"action", initial ? "not starting" : "keeping the running job set"}});
    for (const auto& [name, errors] : r.broken)
      log_.Error("job_broken",
                 {{"job", name},
                  {"detail", errors.front().ToString()},
                  {"action", usable ? "not scheduled; every other job is"
                                    : "the running job set keeps its last valid definition"}});
  }
  if (!usable) return false;
  Config next = std::move(r.config ? *r.config : *r.usable);
  if (!initial)
    max_running_ = next.settings.max_running > 0 ? static_cast<size_t>(next.settings.max_running)
                                                 : DefaultMaxRunning(sys_.CpuCount());
  // The state directory opened and checked once, then used by its real
  // path: a symlink swapped later cannot move the history (os/state_dir.h).
  auto pinned = sys_.PinStateDir(next.settings.state_dir);
  if (!pinned.ok()) {
    log_.Error(initial ? "config_invalid" : "reload_failed",
               {{"error", pinned.status().message()},
                {"action", initial ? "not starting" : "keeping the running job set"}});
    return false;
  }
  next.settings.state_dir = *pinned;
  UseJobSet(next);
  if (!history_ || next.settings.state_dir != config_.settings.state_dir) {
    history_ = sys_.OpenHistory(next.settings.state_dir);
  }
  if (auto reaped = history_->ReapDead(
          [this](const RunRecord& rec) { return sys_.OwnerAlive(rec); }, clock_.Now());
      !reaped.ok())
    log_.Error("history_unavailable", {{"error", reaped.status().message()}});
  ReloadDiff diff = DiffJobs(config_.jobs, next.jobs);
  std::map<std::string, JobState> states;
  for (const auto& [name, job] : next.jobs) {
    auto old = jobs_.find(name);
    if (old != jobs_.end())
      states[name] = std::move(old->second);
    else
      states[name] = JobState{Facts(job), std::nullopt, {}, Instant{}};
  }
  // A removed job's running run is left alone and still reaped.
  for (const auto& name : diff.removed)
    for (int pid : jobs_[name].runners) orphans_[pid] = name;
  jobs_ = std::move(states);
  config_ = std::move(next);
  if (!initial)
    log_.Info("reloaded", {{"jobs", std::to_string(jobs_.size())},
                           {"added", std::to_string(diff.added.size())},
                           {"changed", std::to_string(diff.changed.size())},
                           {"removed", std::to_string(diff.removed.size())}});
  return true;
}

JobHistoryFacts Daemon::Facts(const JobSpec& job) {
  return FactsFromHistory(job, history_.get(), clock_.Now());
}

ScheduleContext Daemon::Context() {
  ScheduleContext ctx{clock_.Now(), start_, boot_,
                      CalendarEvalContext{local_.get(), &zones_, &mktime_}, nullptr};
  ctx.random_delay_usec = [this](const JobSpec& job) -> uint64_t {
    uint64_t span = job.randomized_delay.usec;
    if (span == 0) return 0;
    if (job.fixed_random_delay) return JobFixedRandomDelay(machine_id_, as_root_, uid_, job);
    return std::uniform_int_distribution<uint64_t>(0, span - 1)(rng_);
  };
  return ctx;
}

// Recomputes every job (start, reload, clock or zone change).
void Daemon::Reschedule() {
  if (stopping_) return;
  ScheduleContext ctx = Context();
  order_.clear();
  window_ends_.clear();
  for (auto& [name, st] : jobs_) {
    st.due.reset();
    Recompute(name, st, ctx);
  }
  Arm();
}

// Recomputes one job and updates the ordered due sets.
void Daemon::Recompute(const std::string& name, JobState& st, const ScheduleContext& ctx) {
  if (st.due) {
    order_.erase({st.due->when, name});
    if (auto w = window_ends_.find(st.window_end); w != window_ends_.end()) window_ends_.erase(w);
  }
  const JobSpec& job = config_.jobs.at(name);
  next_file_dirty_ = true;
  st.due = NextDue(job, st.facts, ctx);
  if (!st.due) return;
  st.window_end = st.due->when + AccuracyWindow(job);
  order_.insert({st.due->when, name});
  window_ends_.insert(st.window_end);
}

void Daemon::RecomputeOne(const std::string& name) {
  auto it = jobs_.find(name);
  if (it == jobs_.end() || stopping_) return;
  ScheduleContext ctx = Context();
  Recompute(name, it->second, ctx);
}

// One wake-up for everything: the earliest due time, coalesced within the
// tightest accuracy window (sd-event's rule).
void Daemon::Arm() {
  // Stopping: the one wake-up left is the end of the shutdown grace, which
  // a run that ends meanwhile must not move.
  if (stopping_) return;
  std::optional<Instant> wake;
  if (!order_.empty()) {
    int64_t a = order_.begin()->first.time_since_epoch().count();
    int64_t b = std::max(a, window_ends_.begin()->time_since_epoch().count());
    wake = Instant{Micros{CoalescedWakeup(a, b, phase_)}};
  }
  // While the outbox holds alerts, look again in a minute.
  if (outbox_pending_ && (!wake || next_drain_check_ < *wake)) wake = next_drain_check_;
  MaybeWriteNextFile();
  // A write held back by the once-a-second limit is done a second later.
  if (next_file_dirty_) {
    Instant deferred = last_next_write_ + Micros{1'000'000};
    if (!wake || deferred < *wake) wake = deferred;
  }
  wake_ = wake;
}

void Daemon::OnTimer() {
  if (stopping_) {
    if (Running() == 0) {  // only the server is left to go
      MaybeFinishStopping();
      return;
    }
    if (stop_phase_ == Phase::kDraining)
      StopRuns();
    else if (stop_phase_ == Phase::kStopping)
      KillAll();
    else
      Reap();  // looks again at what is left below us
    return;
  }
  Instant now = clock_.Now();
  std::vector<std::string> due;
  for (auto it = order_.begin(); it != order_.end() && it->first <= now; ++it)
    due.push_back(it->second);
  MaybeDrainOutbox();
  ScheduleContext ctx = Context();
  for (const auto& name : due) {
    JobState& st = jobs_.at(name);
    Fire(name, st, st.due->trigger, now);
    Recompute(name, st, ctx);
  }
  Arm();
}

void Daemon::Fire(const std::string& name, JobState& st, Trigger trigger, Instant now) {
  const JobSpec& job = config_.jobs.at(name);
  st.facts.last_trigger = now;
  st.facts.last_start = now;
  if (trigger == Trigger::kBoot) {
    if (job.on_boot) st.facts.boot_done = true;
    if (job.on_startup) st.facts.startup_done = true;
  }
  // overlap = wait: at most one runner waits behind the running one.
  if (job.overlap == Overlap::kWait && st.runners.size() >= 2) {
    log_.Warn("run_not_started", {{"job", name}, {"reason", "a run is already waiting"}});
    return;
  }
  // At most max_running runs at once: the rest wait their turn, in the
  // order they came due, one place per job (a job due again while it waits
  // is not queued twice).
  if (Running() >= max_running_) {
    if (std::none_of(queue_.begin(), queue_.end(),
                     [&](const Queued& q) { return q.job == name; })) {
      queue_.push_back(Queued{name, trigger, st.due ? st.due->when : now});
      log_.Warn("run_queued", {{"job", name},
                               {"running", std::to_string(Running())},
                               {"max_running", std::to_string(max_running_)},
                               {"queued", std::to_string(queue_.size())}});
    }
    return;
  }
  Start(name, st, trigger, st.due ? st.due->when : now);
}

// Alerts a runner could not deliver (it was killed; the receiver was down)
// wait in the outbox: once a minute, while it holds any, a drain is started
// — one at a time, as a process of its own, so that a slow receiver never
// holds up the loop.
void Daemon::MaybeDrainOutbox() {
  const Instant now = clock_.Now();
  if (stopping_ || now < next_drain_check_) return;
  next_drain_check_ = now + kDrainEvery;
  outbox_pending_ = sys_.OutboxPending(config_.settings.state_dir);
  if (!outbox_pending_ || drain_pid_ != 0) return;
  std::vector<std::string> argv = run_argv_;
  argv.resize(argv.size() - 2);  // up to the global options: drop "run --tag-output"
  argv.insert(argv.end(), {"outbox", "--drain"});
  auto pid = sys_.StartRun(argv, run_env_);
  if (!pid.ok()) {
    log_.Error("outbox_drain_not_started", {{"error", pid.status().message()}});
    return;
  }
  drain_pid_ = *pid;
  log_.Info("outbox_drain_started", {{"pid", std::to_string(*pid)}});
}

void Daemon::StartQueued() {
  while (!queue_.empty() && Running() < max_running_) {
    Queued q = std::move(queue_.front());
    queue_.pop_front();
    auto it = jobs_.find(q.job);
    if (it == jobs_.end()) continue;  // removed by a reload meanwhile
    const Micros late = clock_.Now() - q.due;
    log_.Warn("run_delayed", {{"job", q.job},
                              {"delay_ms", std::to_string(late.count() / 1000)},
                              {"reason", "max_running runs were running"}});
    Start(q.job, it->second, q.trigger, q.due);
  }
}

void Daemon::Start(const std::string& name, JobState& st, Trigger trigger, Instant due) {
  std::vector<std::string> argv = run_argv_;
  if (auto own = job_files_.find(name); own != job_files_.end()) {
    argv = GlobalArgv({own->second});
    argv.insert(argv.end(), {"run", "--tag-output"});
  }
  argv.insert(argv.end(), {name, "--trigger=" + std::string(TriggerName(trigger))});
  auto pid = sys_.StartRun(argv, run_env_);
  if (!pid.ok()) {
    log_.Error("run_not_started", {{"job", name}, {"error", pid.status().message()}});
    return;
  }
  st.runners.push_back(*pid);
  runner_job_[*pid] = name;
  log_.Info("run_started", {{"job", name},
                            {"trigger", std::string(TriggerName(trigger))},
                            {"pid", std::to_string(*pid)},
                            {"due", FormatRfc3339(due)}});
}

void Daemon::OnSignal(int sig) {
  switch (sig) {
    case SIGCHLD:
      Reap();
      break;
    case SIGHUP:
      log_.Info("reloading", {});
      if (Load(false)) Reschedule();
      break;
    case SIGTERM:
    case SIGINT:
      BeginShutdown(sig);
      break;
    default:
      break;
  }
}

void Daemon::Reap() {
  Instant now = clock_.Now();
  bool any = false;
  for (const Reaped& r : sys_.ReapChildren()) {
    orphans_.erase(r.pid);
    if (r.pid == drain_pid_) {
      drain_pid_ = 0;
      continue;
    }
    if (r.pid == check_pid_) {
      check_pid_ = 0;
      continue;
    }
    if (r.pid == server_pid_) {
      server_pid_ = 0;
      if (!stopping_)
        log_.Error(
            "server_exited",
            {{"pid", std::to_string(r.pid)},
             {"exit", r.signal ? "SIG" + SignalName(r.signal) : std::to_string(r.exit_code)},
             {"action",
              "started again at the next tick, in about " +
                  FormatTimespan(Timespan{static_cast<uint64_t>(
                      std::max(kServerRestartAfter, tick_.value_or(kHeartbeatEvery)).count())})}});
      continue;
    }
    auto owner = runner_job_.find(r.pid);
    if (owner == runner_job_.end()) continue;
    const std::string name = owner->second;
    runner_job_.erase(owner);
    auto job = jobs_.find(name);  // gone when the job was removed by a reload
    if (job == jobs_.end()) continue;
    JobState& st = job->second;
    auto it = std::find(st.runners.begin(), st.runners.end(), r.pid);
    if (it == st.runners.end()) continue;
    st.runners.erase(it);
    st.facts.last_finish = now;
    next_file_dirty_ = true;
    any = true;
    if (config_.jobs.at(name).interval) RecomputeOne(name);
    // The runner logged how the run went; a runner that died of a signal
    // or could not read the job file (exit 2) could not, so we say it.
    const bool runner_failed = r.signal != 0 || r.exit_code == 2;
    log_.Log(runner_failed ? LogLevel::kError : LogLevel::kInfo, "run_exited",
             {{"job", name},
              {"pid", std::to_string(r.pid)},
              {"exit", r.signal ? "SIG" + SignalName(r.signal) : std::to_string(r.exit_code)}});
  }
  if (stopping_) {
    MaybeFinishStopping();
    return;
  }
  StartQueued();
  if (any) Arm();
}

size_t Daemon::Running() const {
  size_t n = orphans_.size();
  for (const auto& [name, st] : jobs_) n += st.runners.size();
  return n;
}

// Stopping, in phases. kDraining: nothing new starts; running runs get
// shutdown_grace to finish. kStopping: each runner is told to stop (it stops
// its job's tree with the job's own kill sequence and records the run
// interrupted); they get the longest kill_grace among them and a margin.
// kKilling: SIGKILL to every descendant; the daemon waits (5 s at most)
// until none is left, so that a restarted daemon finds no job still dying.
// A second stop request moves to the next phase at once.
void Daemon::BeginShutdown(int sig) {
  if (stopping_) {
    log_.Warn("stop_requested_again", {{"signal", SignalName(sig)}});
    if (stop_phase_ == Phase::kDraining)
      StopRuns();
    else if (stop_phase_ == Phase::kStopping)
      KillAll();
    return;
  }
  stopping_ = true;
  queue_.clear();  // what waited for a place does not start now
  if (server_pid_ != 0) {
    sys_.SignalRun(server_pid_, SIGTERM);
    server_deadline_ = clock_.Now() + kServerStopWait;
  }
  const size_t running = Running();
  log_.Info(
      "stopping",
      {{"signal", SignalName(sig)},
       {"running", std::to_string(running)},
       {"grace", FormatTimespan(Timespan{static_cast<uint64_t>(opt_.shutdown_grace.count())})},
       {"runs", opt_.leave_runs ? "left running" : "given the grace to finish"}});
  sys_.Notify("STOPPING=1");
  if (opt_.leave_runs) {
    // Runs left running are their own processes with their own locks; a
    // daemon started again sees them held and starts no second run. The
    // server goes with the daemon (PR_SET_PDEATHSIG).
    stopped_ = true;
    return;
  }
  if (running == 0) {
    MaybeFinishStopping();  // at once, or once the server is gone
    return;
  }
  stop_phase_ = Phase::kDraining;
  wake_ = clock_.Now() + opt_.shutdown_grace;
}

void Daemon::StopRuns() {
  stop_phase_ = Phase::kStopping;
  Micros longest{0};
  for (auto& [name, st] : jobs_) {
    for (int pid : st.runners) sys_.SignalRun(pid, SIGTERM);
    if (!st.runners.empty()) {
      const Timespan grace = config_.jobs.at(name).kill_grace;
      longest = std::max(longest, grace.infinite() ? kMaxStopWait : SpanMicros(grace));
    }
  }
  for (auto& [pid, name] : orphans_) sys_.SignalRun(pid, SIGTERM);
  const Micros wait = std::min(longest, kMaxStopWait) + kStopMargin;
  log_.Warn("shutdown_grace_expired",
            {{"running", std::to_string(Running())},
             {"action", "told every run to stop; SIGKILL in " +
                            FormatTimespan(Timespan{static_cast<uint64_t>(wait.count())})}});
  wake_ = clock_.Now() + wait;
}

void Daemon::KillAll() {
  stop_phase_ = Phase::kKilling;
  const int killed = sys_.KillAllDescendants();
  log_.Warn("runs_killed", {{"killed", std::to_string(killed)}});
  kill_deadline_ = clock_.Now() + kKillWait;
  // SIGCHLD reaps them; the daemon ends once nothing is left below it.
  Reap();
  MaybeFinishStopping();
}

void Daemon::MaybeFinishStopping() {
  if (!stopping_ || Running() != 0) return;
  if (stop_phase_ == Phase::kKilling && sys_.CountDescendants() > 0 &&
      clock_.Now() < kill_deadline_) {
    wake_ = std::min(kill_deadline_, clock_.Now() + kKillPoll);  // look again soon
    return;
  }
  // The server (--listen) was told to stop: a daemon started right after
  // must find its port free.
  if (server_pid_ != 0) {
    if (clock_.Now() < server_deadline_) {
      wake_ = std::min(server_deadline_, clock_.Now() + kKillPoll);
      return;
    }
    sys_.SignalRun(server_pid_, SIGKILL);
  }
  stopped_ = true;
}

// next.json is for `surety next` and status: written at most once a
// second (10,000 jobs make ~1 MB), not fsynced (it is recomputed anyway).
void Daemon::MaybeWriteNextFile() {
  Instant now = clock_.Now();
  if (!next_file_dirty_ || now - last_next_write_ < Micros{1'000'000}) return;
  WriteNextFile();
  last_next_write_ = now;
  next_file_dirty_ = false;
}

void Daemon::WriteNextFile() {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, st] : jobs_) {
    nlohmann::json e = {{"running", !st.runners.empty()}};
    if (st.due) {
      e["next"] = FormatRfc3339(st.due->when);
      e["nominal"] = FormatRfc3339(st.due->nominal);
      e["trigger"] = TriggerName(st.due->trigger);
    } else {
      e["next"] = nullptr;
    }
    j[name] = e;
  }
  nlohmann::json doc = {
      {"written_at", FormatRfc3339(clock_.Now())}, {"pid", sys_.Pid()}, {"jobs", j}};
  (void)sys_.WriteFile(config_.settings.state_dir + "/next.json", doc.dump(1) + "\n");
}

size_t DefaultMaxRunning(unsigned cpus) { return std::max<size_t>(8, size_t{4} * cpus); }

JobHistoryFacts FactsFromHistory(const JobSpec& job, HistoryStore* history, Instant now) {
  JobHistoryFacts f;
  if (history) {
    if (auto runs = history->RecentStarts(job.name, 50); runs.ok()) {
      for (const auto& r : *runs) {
        if (!f.last_start) f.last_start = r.started_at;
        if (!f.last_finish && r.finished_at) f.last_finish = r.finished_at;
        if (!f.last_trigger && r.trigger != Trigger::kManual) f.last_trigger = r.started_at;
      }
    }
  }
  // Only a persistent timer remembers its last trigger across restarts; a
  // persistent job that never ran counts from now (systemd creates the stamp
  // file at first start), so it does not catch up.
  if (!job.persistent)
    f.last_trigger.reset();
  else if (!f.last_trigger)
    f.last_trigger = now;
  return f;
}

int RunDaemon(const DaemonOptions& options, const Clock& clock, const Env& env, FileSystem& fs,
              Logger& log) {
  RealDaemonSystem system;
  Daemon daemon(options, clock, env, fs, log, system);
  if (!daemon.Start()) return 2;
  EventLoop loop;
  // After every event: the timer where the daemon wants it (armed anew:
  // a timer that fired is disarmed), or the end.
  auto sync = [&] {
    if (daemon.stopped()) {
      loop.Stop();
      return;
    }
    if (Status s = loop.ArmAt(daemon.wake()); !s.ok())
      log.Error("timer_failed", {{"error", s.message()}});
  };
  EventLoop::Handlers h;
  h.on_timer = [&] {
    daemon.OnTimer();
    sync();
  };
  h.on_clock_change = [&] {
    daemon.OnClockChange();
    sync();
  };
  h.on_zone_change = [&] {
    daemon.OnZoneChange();
    sync();
  };
  h.on_signal = [&](int sig) {
    daemon.OnSignal(sig);
    sync();
  };
  if (Status s = loop.Open(h); !s.ok()) {
    log.Error("daemon_failed", {{"error", s.message()}});
    return 1;
  }
  sync();
  Status s = loop.Run(daemon.tick().value_or(Micros{0}), [&] { daemon.OnTick(); });
  if (!s.ok()) {
    log.Error("daemon_failed", {{"error", s.message()}});
    return 1;
  }
  daemon.Finish();
  return 0;
}

}  // namespace surety
