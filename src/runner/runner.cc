#include "runner/runner.h"

#include <algorithm>
#include <cmath>

#include "checks/checks.h"

namespace surety {

namespace {

constexpr Micros kPreflightRecheck{std::chrono::seconds(10)};
// A preflight command gets what is left of preflight.wait, but at least this.
constexpr Micros kMinPreflightCommandTimeout{std::chrono::seconds(30)};
// How often a run with overlap = "wait" tries the job lock again.
constexpr Micros kLockRetry{std::chrono::milliseconds(100)};
constexpr Micros kForever = Micros::max();
// A wait a person at a terminal is told about: one longer than a moment.
constexpr Micros kTellWaitAfter{std::chrono::seconds(1)};

Micros Finite(const Timespan& s) {
  return Micros{static_cast<int64_t>(std::min<uint64_t>(s.usec, INT64_MAX))};
}
// timeout: "infinity" (and 0) means no timeout, as TimeoutStartSec=.
Micros TimeoutMicros(const Timespan& s) { return s.infinite() ? Micros{0} : Finite(s); }
// kill_grace, lock_wait, preflight.wait: "infinity" means wait as long as
// it takes (kForever).
Micros WaitMicros(const Timespan& s) { return s.infinite() ? kForever : Finite(s); }

// What an attempt that was stopped (timeout, stop request) ended with:
// a signal, or an exit status of its own after SIGTERM.
std::string StoppedWith(const CommandOutcome& o) {
  if (o.signal != 0) return "stopped with SIG" + SignalName(o.signal);
  return "stopped with SIGTERM and exited with status " + std::to_string(o.exit_code);
}

// Whether `r` is a record the reaper marked interrupted (its runner died).
// Older versions of surety worded the message differently.
bool Reaped(const RunRecord& r) {
  return r.result == RunResult::kInterrupted &&
         (r.message == DeadRunnerMessage(r.owner_pid) ||
          (r.message.rfind("the runner ", 0) == 0 &&
           r.message.find("marked interrupted") != std::string::npos));
}

// The runs of `job` other than run `self` that the reaper marked
// interrupted and nobody has told about, oldest first: those newer than the
// newest run that did its work (it held the job's lock, and told about the
// dead runs before it at its end). Skipped runs, runs still going, runs
// whose preflight failed and runs stopped early did not; they are passed
// over, however many there are (a job every minute, skipped for an hour by
// what a killed runner left running).
std::vector<RunRecord> DeadRunsToTell(HistoryStore& history, const std::string& job, int64_t self) {
  std::vector<RunRecord> out;
  for (int window : {20, 2000}) {
    auto recent = history.Recent(job, window);
    if (!recent.ok()) return out;
    out.clear();
    bool stopped = false;
    for (const RunRecord& r : *recent) {
      if (r.id == self && self > 0) continue;
      if (Reaped(r)) {
        if (!r.alert_status.empty()) {
          stopped = true;  // told, and so were the ones before it
          break;
        }
        out.push_back(r);
        continue;
      }
      const bool did_its_work =
          r.result != RunResult::kSkipped && r.result != RunResult::kRunning &&
          r.result != RunResult::kPreflightFailed && r.result != RunResult::kInterrupted;
      if (did_its_work) {
        stopped = true;
        break;
      }
    }
    if (stopped || static_cast<int>(recent->size()) < window) break;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

int64_t ElapsedMs(Instant from, Instant to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

}  // namespace

std::string AlreadyDoneReason(const JobSpec& job, const CommandOutcome& o) {
  if (o.kind == CommandOutcome::Kind::kExited) {
    if (!job.already_done_output.empty() &&
        (o.saw_watched || o.output_tail.find(job.already_done_output) != std::string::npos))
      return "the output contained \"" + job.already_done_output + "\" (already_done_output)";
    if (job.already_done_exit_status.HasCode(o.exit_code))
      return "exit status " + std::to_string(o.exit_code) + " is in already_done_exit_status";
  }
  if (o.kind == CommandOutcome::Kind::kSignaled && !o.core_dumped &&
      job.already_done_exit_status.HasSignal(o.signal))
    return "signal SIG" + SignalName(o.signal) + " is in already_done_exit_status";
  return "";
}

LogLevel RunResultLogLevel(RunResult result) {
  switch (result) {
    case RunResult::kFailed:
    case RunResult::kPreflightFailed:
    case RunResult::kVerifyFailed:
    case RunResult::kTimeout:
      return LogLevel::kError;
    case RunResult::kWarning:
    case RunResult::kInterrupted:
      return LogLevel::kWarning;
    default:
      return LogLevel::kInfo;
  }
}

RunResult ClassifyOutcome(const JobSpec& job, const CommandOutcome& o) {
  switch (o.kind) {
    case CommandOutcome::Kind::kInterrupted:
      return RunResult::kInterrupted;
    case CommandOutcome::Kind::kTimedOut:
      return RunResult::kTimeout;
    case CommandOutcome::Kind::kSpawnFailed:
      return RunResult::kFailed;
    case CommandOutcome::Kind::kExited: {
      const int c = o.exit_code;
      // Anywhere in the output: the runner watches the whole stream for it.
      const bool output_says_done =
          !job.already_done_output.empty() &&
          (o.saw_watched || o.output_tail.find(job.already_done_output) != std::string::npos);
      if (job.already_done_exit_status.HasCode(c) || output_says_done)
        return RunResult::kAlreadyDone;
      if (c == 0 || job.success_exit_status.HasCode(c)) return RunResult::kSuccess;
      if (job.warning_exit_status.HasCode(c)) return RunResult::kWarning;
      return RunResult::kFailed;
    }
    case CommandOutcome::Kind::kSignaled: {
      if (o.core_dumped) return RunResult::kFailed;  // systemd: a core dump is never clean
      const int s = o.signal;
      if (job.already_done_exit_status.HasSignal(s)) return RunResult::kAlreadyDone;
      if (job.success_exit_status.HasSignal(s)) return RunResult::kSuccess;
      if (job.warning_exit_status.HasSignal(s)) return RunResult::kWarning;
      return RunResult::kFailed;
    }
  }
  return RunResult::kFailed;
}

Micros RetryDelay(const JobSpec& job, int retry) {
  double base =
      job.retry_delay.infinite() ? 0.0 : static_cast<double>(Finite(job.retry_delay).count());
  double d = base * std::pow(job.retry_backoff, std::max(0, retry - 1));
  double cap =
      job.retry_delay_max.infinite() ? 9.0e15 : static_cast<double>(job.retry_delay_max.usec);
  d = std::min(d, cap);
  return Micros{static_cast<int64_t>(d)};
}

std::map<std::string, std::string> ParseEnvironmentFile(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    size_t b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line[b] == '#' || line[b] == ';') continue;
    line = line.substr(b);
    if (line.rfind("export ", 0) == 0) line = line.substr(7);
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0) continue;
    std::string key = line.substr(0, eq);
    while (!key.empty() && (key.back() == ' ' || key.back() == '\t')) key.pop_back();
    std::string value = line.substr(eq + 1);
    value.erase(0, std::min(value.find_first_not_of(" \t"), value.size()));
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    out[key] = value;
  }
  return out;
}

RunReport RunJob(const JobSpec& job, const Config& config, const RunRequest& request,
                 RunnerDeps& d) {
  const Instant started = d.clock.Now();
  RunRecord rec;
  rec.job = job.name;
  rec.trigger = request.trigger;
  rec.host = d.host;
  rec.started_at = started;
  if (d.fill_owner) d.fill_owner(rec);

  // Sends `event` about `record` to every alert of the job; returns what
  // goes into the record's alert_status. A failed delivery is logged, never
  // more.
  // `pings_only`: only the healthchecks-style alerts, which want a ping on
  // every good run (their service reports a check down when pings stop).
  auto deliver = [&](const RunRecord& record, const std::string& event, bool pings_only = false) {
    AlertEnv aenv{d.http, d.commands,
                  [&](Micros m) {
                    if (d.pause)
                      d.pause(m);
                    else
                      d.sleep(m);
                  },
                  d.base_env};
    const std::string id = std::to_string(record.id);
    std::string status;
    for (const auto& name : job.alert) {
      auto it = config.alerts.find(name);
      if (it == config.alerts.end()) continue;
      if (pings_only && it->second.kind != "healthchecks") continue;
      Status s = DeliverAlert(it->second, record, event, aenv);
      std::string one = s.ok() ? "sent" : "failed: " + s.message();
      status += (status.empty() ? "" : "; ") + it->second.Describe() + ": " + one;
      if (s.ok())
        d.log.Info("alert_sent",
                   {{"job", job.name}, {"run_id", id}, {"alert", name}, {"alert_event", event}});
      else
        d.log.Error("alert_failed", {{"job", job.name},
                                     {"run_id", id},
                                     {"alert", name},
                                     {"alert_event", event},
                                     {"error", s.message()}});
    }
    return status;
  };

  // 1. Record the run before anything else.
  std::optional<RunResult> previous;
  if (d.history) {
    // Only alerts need the previous result (recovery), and reading it folds
    // the run journal into history.db: a job without alerts does not pay it.
    if (!job.alert.empty()) {
      if (d.owner_alive) (void)d.history->ReapDead(d.owner_alive, started);
      if (auto last = d.history->LastResult(job.name); last.ok()) previous = *last;
    }
    auto id = d.history->BeginRun(rec);
    if (id.ok()) {
      rec.id = *id;
    } else {
      d.log.Error("history_write_failed", {{"job", job.name}, {"error", id.status().message()}});
    }
  }
  const std::string run_id = std::to_string(rec.id);
  d.log.Info("run_started", {{"job", job.name}, {"run_id", run_id}, {"trigger", rec.trigger}});
  // A stop request (SIGTERM/SIGINT) can arrive at any stage; a command
  // that saw it reports it, and the runner checks before every next stage,
  // so a job told to stop never starts.
  auto stopped = [&] { return d.stop_requested && d.stop_requested(); };

  // Set once this run holds the job's lock.
  bool holding_lock = false;

  // A run whose runner died (kill -9, power loss) could not alert: the
  // reaper marked it interrupted. Its failure is told after this run has
  // done its work (never delaying the job or its record), before this run's
  // own alert, else a "recovery" would be the first anyone heard of it.
  // Told once: under the job's lock (a runner that cannot take it at once
  // leaves the telling to the one that holds it), and only from a history
  // that folded (else the record written back could be older than the
  // journal's).
  auto tell_dead_run = [&] {
    if (!d.history || job.alert.empty()) return;
    std::optional<Result<JobLock>> held;
    if (!holding_lock) {
      // The lock only if there is something to tell; then read again under it.
      if (DeadRunsToTell(*d.history, job.name, rec.id).empty()) return;
      const std::string lock_dir = JoinPath(d.state_dir, "locks");
      if (!d.fs.MakeDirs(lock_dir, 0700).ok()) return;
      held = d.locker.TryLock(JoinPath(lock_dir, job.name + ".lock"));
      if (!held->ok()) return;
    }
    std::vector<RunRecord> dead = DeadRunsToTell(*d.history, job.name, rec.id);
    if (dead.empty() || !d.history->FoldStatus().ok()) return;
    for (RunRecord& old : dead) {
      old.alert_status = deliver(old, "failure");
      if (Status s = d.history->FinishRun(old, job.keep_runs); !s.ok())
        d.log.Error(
            "history_write_failed",
            {{"job", job.name}, {"run_id", std::to_string(old.id)}, {"error", s.message()}});
    }
  };

  auto finish = [&](RunResult result, std::string message) -> RunReport {
    const Instant end = d.clock.Now();
    rec.result = result;
    rec.message = std::move(message);
    rec.finished_at = end;
    rec.duration_ms = ElapsedMs(started, end);
    if (d.history && rec.id == 0) {
      // The start could not be recorded (a full disk, the journal locked
      // too long): record the whole run now, if the history has recovered.
      if (auto id = d.history->BeginRun(rec); id.ok()) {
        rec.id = *id;
        d.log.Info("run_recorded_late",
                   {{"job", job.name},
                    {"run_id", std::to_string(rec.id)},
                    {"note",
                     "the start could not be recorded, so the job ran with SURETY_RUN_ID=0 "
                     "and earlier lines say run_id=0"}});
      }
    }
    if (d.history && rec.id > 0) {
      if (Status s = d.history->FinishRun(rec, job.keep_runs); !s.ok())
        d.log.Error(
            "history_write_failed",
            {{"job", job.name}, {"run_id", std::to_string(rec.id)}, {"error", s.message()}});
    }
    d.log.Log(RunResultLogLevel(result), "run_finished",
              {{"job", job.name},
               {"run_id", std::to_string(rec.id)},
               {"attempt", std::to_string(rec.attempts)},
               {"result", std::string(RunResultName(result))},
               {"duration_ms", std::to_string(rec.duration_ms)},
               {"message", rec.message}});
    // 9. Alert. A failed delivery is logged and recorded, never changes the result.
    tell_dead_run();
    std::string event = AlertEventFor(result, previous);
    if (!job.alert.empty()) {
      if (!event.empty())
        rec.alert_status = deliver(rec, event);
      else if (IsGoodResult(result))
        rec.alert_status = deliver(rec, "success", /*pings_only=*/true);
      if (!rec.alert_status.empty() && d.history && rec.id > 0)
        (void)d.history->FinishRun(rec, job.keep_runs);
    }
    return RunReport{rec, RunResultExitStatus(result)};
  };

  // Environment: inherited, then environment_file, then environment.
  std::map<std::string, std::string> env = d.base_env;
  if (!job.environment_file.empty()) {
    auto text = d.fs.ReadFile(job.environment_file);
    if (!text.ok())
      return finish(RunResult::kPreflightFailed,
                    "cannot read environment_file: " + text.status().message());
    for (auto& [k, v] : ParseEnvironmentFile(*text)) env[k] = v;
  }
  for (const auto& [k, v] : job.environment) env[k] = v;
  env["SURETY_JOB"] = job.name;
  env["SURETY_RUN_ID"] = run_id;
  env["SURETY_TRIGGER"] = rec.trigger;

  std::optional<uint32_t> uid, gid;
  if (!job.user.empty() || !job.group.empty()) {
    auto ids = d.resolve_ids(job.user, job.group);
    if (!ids.ok()) return finish(RunResult::kPreflightFailed, ids.status().message());
    uid = ids->first;
    gid = ids->second;
  }

  // 2. Preflight, re-checked until preflight.wait runs out.
  bool told_preflight_wait = false;
  if (!job.preflight.empty()) {
    CheckEnv cenv{d.fs, d.net, d.commands, env, job.working_directory, uid, gid};
    const Micros wait = WaitMicros(job.preflight.wait);
    while (true) {
      if (wait != kForever && wait.count() > 0) {
        const Micros left = wait - (d.clock.Now() - started);
        cenv.preflight_command_timeout = std::max(left, kMinPreflightCommandTimeout);
      }
      CheckResult c = RunPreflight(job.preflight, cenv);
      if (stopped())
        return finish(RunResult::kInterrupted, "stopped during preflight: " + c.message);
      if (c.ok) break;
      Micros left = wait == kForever ? kForever : wait - (d.clock.Now() - started);
      if (left.count() <= 0) return finish(RunResult::kPreflightFailed, c.message);
      d.log.Warn("preflight_waiting",
                 {{"job", job.name}, {"run_id", run_id}, {"reason", c.message}});
      if (d.terminal && !told_preflight_wait) {
        *d.terminal << job.name << ": waiting for the preflight: " << c.message
                    << " (checking again every "
                    << FormatTimespan(Timespan{static_cast<uint64_t>(kPreflightRecheck.count())})
                    << (wait == kForever ? ", for as long as it takes"
                                         : ", for up to " + FormatTimespan(job.preflight.wait))
                    << ")\n";
        d.terminal->flush();
        told_preflight_wait = true;
      }
      if (!d.sleep(std::min(left, kPreflightRecheck)))
        return finish(RunResult::kInterrupted, "stopped while waiting for preflight: " + c.message);
    }
  }

  // 3. Lock: one run of a job at a time.
  const std::string lock_dir = JoinPath(d.state_dir, "locks");
  const std::string lock_path = JoinPath(lock_dir, job.name + ".lock");
  if (Status s = d.fs.MakeDirs(lock_dir, 0700); !s.ok())
    return finish(RunResult::kPreflightFailed, "cannot create the lock directory: " + s.message() +
                                                   " (is state_dir writable by this user?)");
  // overlap = "wait": try again every 100 ms until lock_wait has passed,
  // through the injected sleep, so a stop request ends the wait.
  const Micros lock_wait = job.overlap == Overlap::kWait ? WaitMicros(job.lock_wait) : Micros{0};
  const Instant lock_from = d.clock.Now();
  Result<JobLock> lock = d.locker.TryLock(lock_path);
  bool told_lock_wait = false;
  while (!lock.ok() && lock.status().code() == StatusCode::kBusy) {
    const Micros waited = d.clock.Now() - lock_from;
    if (lock_wait != kForever && waited >= lock_wait) break;
    if (d.terminal && !told_lock_wait && waited >= kTellWaitAfter) {
      *d.terminal << job.name << ": waiting for the previous run to finish (overlap = \"wait\""
                  << (lock_wait == kForever ? ", for as long as it takes"
                                            : ", for up to " + FormatTimespan(job.lock_wait))
                  << ")\n";
      d.terminal->flush();
      told_lock_wait = true;
    }
    const Micros pause =
        lock_wait == kForever ? kLockRetry : std::min(kLockRetry, lock_wait - waited);
    if (!d.sleep(pause))
      return finish(RunResult::kInterrupted, "stopped while waiting for the previous run to end");
    lock = d.locker.TryLock(lock_path);
  }
  if (!lock.ok()) {
    if (lock.status().code() == StatusCode::kBusy)
      return finish(RunResult::kSkipped,
                    job.overlap == Overlap::kWait
                        ? "still running after waiting " + FormatTimespan(job.lock_wait) +
                              " for the previous run"
                        : "the previous run is still running (overlap = \"skip\")");
    return finish(RunResult::kPreflightFailed,
                  "cannot take the job lock: " + lock.status().message());
  }
  holding_lock = true;
  if (stopped()) return finish(RunResult::kInterrupted, "stopped before the command started");

  // The artifact path is expanded once, at run start, and so are the
  // arguments of a list command, with the same instant: the file the
  // command writes and the file verify checks have the same name, even
  // when the run starts a second before midnight. A shell command is left
  // as written (its `date +%F` is the shell's); it has $SURETY_ARTIFACT.
  const std::string artifact =
      job.verify.path.empty() ? "" : ExpandArtifactPath(job.verify.path, started, d.local);
  if (!artifact.empty()) env["SURETY_ARTIFACT"] = artifact;

  // 4-6. Execute, classify, retry.
  CommandSpec spec;
  spec.argv = job.command.argv;
  if (!job.command.shell) {
    for (std::string& arg : spec.argv) {
      if (arg.find('%') != std::string::npos) arg = ExpandArtifactPath(arg, started, d.local);
    }
  }
  spec.env = env;
  spec.working_directory = job.working_directory;
  spec.uid = uid;
  spec.gid = gid;
  spec.timeout = TimeoutMicros(job.timeout);
  spec.kill_grace = WaitMicros(job.kill_grace);
  // The job's processes hold the lock too: if this runner is killed, the
  // next run still sees the job running until its last process is gone.
  spec.inherit_fd = lock->fd();
  // A stop request that is still pending (it came during work that runs no
  // command) is honoured before the job starts, not by killing it after.
  spec.not_if_stopped = true;
  spec.watch_for = job.already_done_output;
  spec.line_prefix = request.output_prefix;
  RunResult result = RunResult::kFailed;
  std::string message;
  for (int attempt = 1;; ++attempt) {
    rec.attempts = attempt;
    d.log.Debug("attempt_started",
                {{"job", job.name}, {"run_id", run_id}, {"attempt", std::to_string(attempt)}});
    CommandOutcome o = d.commands.Run(spec);
    if (o.kind == CommandOutcome::Kind::kInterrupted && !o.started && attempt > 1) {
      // A retry that a stop request kept from starting: the record keeps
      // what the last attempt that ran left (its output, exit status, why).
      rec.attempts = attempt - 1;
      result = RunResult::kInterrupted;
      message += "; stopped before retrying";
      break;
    }
    result = ClassifyOutcome(job, o);
    rec.output_tail = o.output_tail;
    rec.exit_code.reset();
    rec.signal.reset();
    const bool stopped_attempt =
        o.kind == CommandOutcome::Kind::kTimedOut || o.kind == CommandOutcome::Kind::kInterrupted;
    if (o.kind == CommandOutcome::Kind::kExited || (stopped_attempt && o.started && o.signal == 0))
      rec.exit_code = o.exit_code;
    if (o.signal != 0) rec.signal = SignalName(o.signal);
    switch (o.kind) {
      case CommandOutcome::Kind::kExited:
        message = "exited with status " + std::to_string(o.exit_code);
        break;
      case CommandOutcome::Kind::kSignaled:
        message =
            "killed by signal " + SignalName(o.signal) + (o.core_dumped ? " (core dumped)" : "");
        break;
      case CommandOutcome::Kind::kTimedOut:
        message = "timed out after " + FormatTimespan(job.timeout) + "; the process tree was " +
                  StoppedWith(o);
        break;
      case CommandOutcome::Kind::kInterrupted:
        message = o.started ? "surety was told to stop, so the job was " + StoppedWith(o)
                            : "stopped before the command started";
        if (!o.started) rec.attempts = attempt - 1;  // this attempt never began
        break;
      case CommandOutcome::Kind::kSpawnFailed:
        message = "could not start: " + o.error;
        break;
    }
    if (result == RunResult::kFailed && !o.output_tail.empty())
      message += ": " + LastOutputLine(o.output_tail);
    if (result == RunResult::kAlreadyDone)
      message += "; already done: " + AlreadyDoneReason(job, o);
    // A failed attempt is a warning: the run's own end says whether it failed.
    d.log.Log(std::min(RunResultLogLevel(result), LogLevel::kWarning), "attempt_finished",
              {{"job", job.name},
               {"run_id", run_id},
               {"attempt", std::to_string(attempt)},
               {"result", std::string(RunResultName(result))},
               {"detail", message}});
    bool retryable = result == RunResult::kFailed || result == RunResult::kTimeout;
    if (!retryable || attempt > job.retries) break;
    if (d.stop_requested && d.stop_requested()) {
      result = RunResult::kInterrupted;
      message += "; stopped before retrying";
      break;
    }
    Micros delay = RetryDelay(job, attempt);
    d.log.Warn("retry_scheduled",
               {{"job", job.name},
                {"run_id", run_id},
                {"attempt", std::to_string(attempt + 1)},
                {"delay", FormatTimespan(Timespan{static_cast<uint64_t>(delay.count())})}});
    if (!d.sleep(delay)) {
      result = RunResult::kInterrupted;
      message += "; stopped while waiting to retry";
      break;
    }
  }

  // 7. Verify the artifact of a run that did its work.
  if ((result == RunResult::kSuccess || result == RunResult::kWarning) && !job.verify.empty()) {
    std::optional<uint64_t> previous_size;
    if (d.history && job.verify.max_shrink) {
      // The newest good run that left a measured artifact: an already_done
      // run has none, and must not switch the check off.
      if (auto last = d.history->LastArtifact(job.name); last.ok() && last->has_value())
        previous_size = (*last)->artifact_size;
    }
    CheckEnv cenv{d.fs, d.net, d.commands, env, job.working_directory, uid, gid};
    VerifyOutcome v = RunVerify(job.verify, artifact, started, previous_size, cenv);
    rec.artifact_size = v.artifact_size;
    rec.artifact_path = v.artifact_path;
    if (stopped())
      return finish(RunResult::kInterrupted, "stopped during verification: " + v.check.message);
    if (!v.check.ok) return finish(RunResult::kVerifyFailed, v.check.message);
    message += "; artifact verified";
  }
  return finish(result, message);
}

}  // namespace surety
