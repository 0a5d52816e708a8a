#include "runner/runner.h"

#include <signal.h>

#include <algorithm>
#include <ostream>
#include <set>

#include "checks/checks.h"
#include "job/environment_file.h"
#include "runner/dead_runs.h"
#include "time/time_format.h"
#include "time/timestamp.h"

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

// timeout: "infinity" (and 0) means no timeout, as TimeoutStartSec=.
Micros TimeoutMicros(const Timespan& s) { return s.infinite() ? Micros{0} : SpanMicros(s); }
// kill_grace, lock_wait, preflight.wait: "infinity" means wait as long as
// it takes (kForever).
Micros WaitMicros(const Timespan& s) { return s.infinite() ? kForever : SpanMicros(s); }

int64_t ElapsedMs(Instant from, Instant to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// How a stage ended the run: its result and the record's message.
struct Ending {
  RunResult result;
  std::string message;
};
// What a stage returns: an Ending, or nullopt to hand on to the next stage.
using StageResult = std::optional<Ending>;

// One run of one job: what the stages share, and one member function per
// stage. Each stage either ends the run (returns an Ending) or hands on
// (nullopt); Execute() calls them in order and Finish() records and alerts
// whatever the ending. A stage reads and writes only the fields below.
class JobRun {
 public:
  JobRun(const JobSpec& job, const Config& config, const RunRequest& request, RunnerDeps& d)
      : job_(job), config_(config), request_(request), d_(d), started_(d.clock.Now()) {}

  RunReport Execute() {
    BeginRecord();
    if (!request_.refused.empty()) return Finish(Ending{RunResult::kFailed, request_.refused});
    PingStart();
    for (StageResult (JobRun::*stage)() : {&JobRun::Environment, &JobRun::Preflight, &JobRun::Lock,
                                           &JobRun::RunCommand, &JobRun::Verify})
      if (StageResult end = (this->*stage)()) return Finish(std::move(*end));
    return Finish(Ending{result_, message_});
  }

 private:
  // What this run tells its alerts (OwnEvent).
  struct OwnAlert {
    AlertEvent event;
    bool pings_only;
  };
  // A dead run being told, and its outbox entries (WriteDownDeadRuns).
  struct DeadRun {
    RunRecord record;
    std::vector<OutboxEntry> entries;
  };

  // --- stages, in order ----------------------------------------------------

  // Record the run as running before anything else, so that a run that dies
  // on the way is still found (and reaped) afterwards.
  void BeginRecord() {
    rec_.job = job_.name;
    rec_.trigger = request_.trigger;
    rec_.host = d_.host;
    rec_.started_at = started_;
    if (d_.fill_owner) d_.fill_owner(rec_);
    if (d_.history) {
      // Only alerts need dead runs reaped (to tell them), and reaping folds
      // the run journal into history.db: a job without alerts does not pay
      // it. The result before this run is read when it ends (ReadPrevious).
      if (!job_.alert.empty() && d_.owner_alive)
        (void)d_.history->ReapDead(d_.owner_alive, started_);
      auto id = d_.history->BeginRun(rec_);
      if (id.ok())
        rec_.id = *id;
      else
        d_.log.Error("history_write_failed",
                     {{"job", job_.name}, {"error", id.status().message()}});
    }
    run_id_ = std::to_string(rec_.id);
    // The run's duration is the job's: a wait for the journal's lock to
    // write this start record (up to 10 s) is surety's, not the job's.
    timed_from_ = d_.clock.Now();
    d_.log.Info("run_started", {{"job", job_.name},
                                {"run_id", run_id_},
                                {"trigger", std::string(TriggerName(rec_.trigger))}});
  }

  // Healthchecks alerts hear that the run started (their /start
  // endpoint), so that their service times it and reports a run that
  // started and never finished. Best effort and quick: one attempt each, all
  // of them within kStartPingBudget, never retried nor written to the
  // outbox; a failure is a warning and changes nothing else. Their time is
  // surety's, not the job's: the duration counts from after them.
  void PingStart() {
    const Micros from = d_.clock.Monotonic();
    bool pinged = false;
    for (const auto& name : job_.alert) {
      auto it = config_.alerts.find(name);
      if (it == config_.alerts.end() || it->second.kind != AlertKind::kHealthchecks) continue;
      const AlertSpec& alert = it->second;
      pinged = true;
      const Micros left = kStartPingBudget - (d_.clock.Monotonic() - from);
      Status s =
          left.count() > 0
              ? PingRunStart(alert, rec_, d_.http, left)
              : Status::Error(
                    StatusCode::kIoError,
                    alert.Describe() +
                        ": not tried, the start pings before it "
                        "took all of their " +
                        FormatTimespan(Timespan{static_cast<uint64_t>(kStartPingBudget.count())}));
      if (s.ok())
        d_.log.Debug("alert_start_ping_sent",
                     {{"job", job_.name}, {"run_id", run_id_}, {"alert", name}});
      else
        d_.log.Warn(
            "alert_start_ping_failed",
            {{"job", job_.name}, {"run_id", run_id_}, {"alert", name}, {"error", s.message()}});
    }
    if (pinged) timed_from_ = d_.clock.Now();
  }

  // The job's environment: inherited, then environment_file, then
  // environment, then surety's own variables; the user and group to run as.
  StageResult Environment() {
    env_ = d_.base_env;
    if (!job_.environment_file.empty()) {
      auto text = d_.fs.ReadFile(job_.environment_file);
      if (!text.ok())
        return Ending{RunResult::kPreflightFailed,
                      "cannot read environment_file: " + text.status().message()};
      EnvironmentFile parsed = ParseEnvironmentFile(*text);
      for (const std::string& problem : parsed.problems)
        d_.log.Warn("environment_file_line_ignored", {{"job", job_.name},
                                                      {"run_id", run_id_},
                                                      {"file", job_.environment_file},
                                                      {"problem", problem}});
      for (auto& [k, v] : parsed.vars) env_[k] = v;
    }
    for (const auto& [k, v] : job_.environment) env_[k] = v;
    env_["SURETY_JOB"] = job_.name;
    env_["SURETY_RUN_ID"] = run_id_;
    env_["SURETY_TRIGGER"] = TriggerName(rec_.trigger);
    if (!job_.user.empty() || !job_.group.empty()) {
      auto ids = d_.resolve_ids(job_.user, job_.group);
      if (!ids.ok()) return Ending{RunResult::kPreflightFailed, ids.status().message()};
      uid_ = ids->first;
      gid_ = ids->second;
    }
    return std::nullopt;
  }

  // Every preflight check, re-checked until preflight.wait runs out.
  StageResult Preflight() {
    if (job_.preflight.empty()) return std::nullopt;
    CheckEnv cenv = CheckEnvironment();
    const Micros wait = WaitMicros(job_.preflight.wait);
    bool told = false;
    while (true) {
      if (wait != kForever && wait.count() > 0) {
        const Micros left = wait - (d_.clock.Now() - started_);
        cenv.preflight_command_timeout = std::max(left, kMinPreflightCommandTimeout);
      }
      CheckResult c = RunPreflight(job_.preflight, cenv);
      if (Stopped())
        return Ending{RunResult::kInterrupted, "stopped during preflight: " + c.message};
      if (c.ok) return std::nullopt;
      const Micros left = wait == kForever ? kForever : wait - (d_.clock.Now() - started_);
      if (left.count() <= 0) return Ending{RunResult::kPreflightFailed, c.message};
      d_.log.Warn("preflight_waiting",
                  {{"job", job_.name}, {"run_id", run_id_}, {"reason", c.message}});
      if (!told) {
        Tell("waiting for the preflight: " + c.message + " (checking again every " +
             FormatTimespan(Timespan{static_cast<uint64_t>(kPreflightRecheck.count())}) +
             (wait == kForever ? ", for as long as it takes"
                               : ", for up to " + FormatTimespan(job_.preflight.wait)) +
             ")");
        told = true;
      }
      if (!d_.sleep(std::min(left, kPreflightRecheck)))
        return Ending{RunResult::kInterrupted, "stopped while waiting for preflight: " + c.message};
    }
  }

  // One run of a job at a time: the job's lock, skipped or waited for as
  // overlap says.
  StageResult Lock() {
    const std::string lock_dir = JoinPath(d_.state_dir, "locks");
    const std::string lock_path = JoinPath(lock_dir, job_.name + ".lock");
    if (Status s = d_.fs.MakeDirs(lock_dir, 0700); !s.ok())
      return Ending{RunResult::kPreflightFailed,
                    "cannot create the lock directory: " + s.message() +
                        " (is state_dir writable by this user?)"};
    // overlap = "wait": try again every 100 ms until lock_wait has passed,
    // through the injected sleep, so a stop request ends the wait.
    const Micros lock_wait =
        job_.overlap == Overlap::kWait ? WaitMicros(job_.lock_wait) : Micros{0};
    const Instant lock_from = d_.clock.Now();
    Result<JobLock> lock = d_.locker.TryLock(lock_path);
    bool told = false;
    while (!lock.ok() && lock.status().code() == StatusCode::kBusy) {
      const Micros waited = d_.clock.Now() - lock_from;
      if (lock_wait != kForever && waited >= lock_wait) break;
      if (!told && waited >= kTellWaitAfter) {
        Tell(std::string("waiting for the previous run to finish (overlap = \"wait\"") +
             (lock_wait == kForever ? ", for as long as it takes"
                                    : ", for up to " + FormatTimespan(job_.lock_wait)) +
             ")");
        told = true;
      }
      const Micros pause =
          lock_wait == kForever ? kLockRetry : std::min(kLockRetry, lock_wait - waited);
      if (!d_.sleep(pause))
        return Ending{RunResult::kInterrupted, "stopped while waiting for the previous run to end"};
      lock = d_.locker.TryLock(lock_path);
    }
    if (!lock.ok()) {
      if (lock.status().code() == StatusCode::kBusy)
        return Ending{RunResult::kSkipped,
                      job_.overlap == Overlap::kWait
                          ? "still running after waiting " + FormatTimespan(job_.lock_wait) +
                                " for the previous run"
                          : "the previous run is still running (overlap = \"skip\")"};
      return Ending{RunResult::kPreflightFailed,
                    "cannot take the job lock: " + lock.status().message()};
    }
    lock_ = std::move(*lock);
    if (Stopped()) return Ending{RunResult::kInterrupted, "stopped before the command started"};
    return std::nullopt;
  }

  // Execute, classify and retry: attempts until one is not retryable or
  // the retries are spent. Hands on with the last attempt's result.
  StageResult RunCommand() {
    // The artifact path is expanded once, at run start, and so are the
    // arguments of a list command, with the same instant: the file the
    // command writes and the file verify checks have the same name, even
    // when the run starts a second before midnight. A shell command is
    // left as written (its `date +%F` is the shell's); it has
    // $SURETY_ARTIFACT.
    artifact_ =
        job_.verify.path.empty() ? "" : ExpandTimeFormat(job_.verify.path, started_, d_.local);
    if (!artifact_.empty()) env_["SURETY_ARTIFACT"] = artifact_;
    const CommandSpec spec = JobCommand();
    for (int attempt = 1;; ++attempt) {
      rec_.attempts = attempt;
      d_.log.Debug("attempt_started",
                   {{"job", job_.name}, {"run_id", run_id_}, {"attempt", std::to_string(attempt)}});
      CommandOutcome o = d_.commands.Run(spec);
      if (o.kind == CommandOutcome::Kind::kInterrupted && !o.started && attempt > 1) {
        // A retry that a stop request kept from starting: the record keeps
        // what the last attempt that ran left (its output, exit status, why).
        rec_.attempts = attempt - 1;
        return Ending{RunResult::kInterrupted, message_ + "; stopped before retrying"};
      }
      RecordAttempt(o);
      if (o.kind == CommandOutcome::Kind::kInterrupted && !o.started)
        rec_.attempts = attempt - 1;  // this attempt never began
      // A failed attempt is a warning: the run's own end says whether it failed.
      d_.log.Log(std::min(RunResultLogLevel(result_), LogLevel::kWarning), "attempt_finished",
                 {{"job", job_.name},
                  {"run_id", run_id_},
                  {"attempt", std::to_string(attempt)},
                  {"result", std::string(RunResultName(result_))},
                  {"detail", message_}});
      const bool retryable = result_ == RunResult::kFailed || result_ == RunResult::kTimeout;
      if (!retryable || attempt > job_.retries) return std::nullopt;
      if (Stopped()) return Ending{RunResult::kInterrupted, message_ + "; stopped before retrying"};
      const Micros delay = RetryDelay(job_, attempt);
      d_.log.Warn("retry_scheduled",
                  {{"job", job_.name},
                   {"run_id", run_id_},
                   {"attempt", std::to_string(attempt + 1)},
                   {"delay", FormatTimespan(Timespan{static_cast<uint64_t>(delay.count())})}});
      if (!d_.sleep(delay))
        return Ending{RunResult::kInterrupted, message_ + "; stopped while waiting to retry"};
    }
  }

  // Verify the artifact of a run that did its work.
  StageResult Verify() {
    if ((result_ != RunResult::kSuccess && result_ != RunResult::kWarning) || job_.verify.empty())
      return std::nullopt;
    std::optional<uint64_t> previous_size;
    if (d_.history && job_.verify.max_shrink) {
      // The newest good run that left a measured artifact: an already_done
      // run has none, and must not switch the check off.
      if (auto last = d_.history->LastArtifact(job_.name); last.ok() && last->has_value())
        previous_size = (*last)->artifact_size;
    }
    CheckEnv cenv = CheckEnvironment();
    VerifyOutcome v = RunVerify(job_.verify, artifact_, started_, previous_size, cenv);
    rec_.artifact_size = v.artifact_size;
    rec_.artifact_path = v.artifact_path;
    if (Stopped())
      return Ending{RunResult::kInterrupted, "stopped during verification: " + v.check.message};
    if (!v.check.ok) return Ending{RunResult::kVerifyFailed, v.check.message};
    message_ += "; artifact verified";
    return std::nullopt;
  }

  // Finish the record, then alert: the record first, so that an alert
  // that hangs or fails never costs the record. The alert is written down
  // in the outbox before the record, though: a runner killed from then on
  // leaves it to whoever drains the outbox next (a finished record is no
  // dead run, so nobody else would tell it).
  RunReport Finish(Ending end) {
    const Instant finished = d_.clock.Now();
    rec_.result = end.result;
    rec_.message = std::move(end.message);
    if (StoppedByTheOperator()) rec_.message += std::string(" ") + kOperatorStopNote;
    rec_.finished_at = finished;
    rec_.duration_ms = ElapsedMs(timed_from_, finished);
    std::vector<DeadRun> dead = WriteDownDeadRuns();
    // Read when the run ends, not when it starts: a run that finished while
    // this one waited for its lock or ran beside it (overlap = "wait",
    // "allow") is this one's previous.
    if (d_.history && !job_.alert.empty()) ReadPrevious();
    const std::optional<OwnAlert> own = OwnEvent();
    std::vector<OutboxEntry> written;
    if (own && rec_.id > 0) written = WriteDown(rec_, own->event, own->pings_only);
    SaveFinishedRecord();
    if (d_.history) {
      if (Status s = d_.history->Recovery(); !s.ok())
        d_.log.Error("history_damaged", {{"job", job_.name}, {"error", s.message()}});
      if (Status s = d_.history->FoldStatus(); !s.ok())
        d_.log.Error("history_fold_failed",
                     {{"job", job_.name},
                      {"error", s.message()},
                      {"note", "runs are kept in the journal until the history can take them"}});
    }
    d_.log.Log(RunResultLogLevel(rec_.result), "run_finished",
               {{"job", job_.name},
                {"run_id", std::to_string(rec_.id)},
                {"attempt", std::to_string(rec_.attempts)},
                {"result", std::string(RunResultName(rec_.result))},
                {"duration_ms", std::to_string(rec_.duration_ms)},
                {"message", rec_.message}});
    Alert(own, std::move(written), dead);
    return RunReport{rec_, RunResultExitStatus(rec_.result)};
  }

  // The job's result before this run (previous_), and whether it was told.
  void ReadPrevious() {
    if (auto last = d_.history->LastResult(job_.name); last.ok()) previous_ = *last;
    // An operator's Ctrl-C paged no one: what follows it is news.
    previous_told_ = previous_ != RunResult::kInterrupted || !PreviousStoppedByOperator();
    // history.db was damaged and rebuilt from the journal: the job's last
    // result may have gone with it. A good run then tells a recovery
    // rather than risk silence after a failure.
    previous_lost_ = !previous_ && !d_.history->Recovery().ok();
  }

  // Whether the job's newest finished run was stopped by the operator
  // (kOperatorStopNote): asked only when it was interrupted.
  bool PreviousStoppedByOperator() const {
    auto recent = d_.history->Recent(job_.name, 20);
    if (!recent.ok()) return false;
    for (const RunRecord& r : *recent) {
      if (r.result == RunResult::kRunning || r.result == RunResult::kSkipped) continue;
      return r.message.find(kOperatorStopNote) != std::string::npos;
    }
    return false;
  }

  // A manual run interrupted with SIGINT: a person pressed Ctrl-C on it.
  // It is recorded interrupted (and says so) but pages no one.
  bool StoppedByTheOperator() const {
    return rec_.result == RunResult::kInterrupted && rec_.trigger == Trigger::kManual &&
           d_.stop_signal && d_.stop_signal() == SIGINT;
  }

  // What this run tells its alerts: a failure (a change into failing) or a
  // recovery to all of them; a failure after a failure, and any other good
  // run, only to the healthchecks-style ones, whose service counts every
  // run (and reports a check down when pings stop). A job that keeps
  // failing is not news at every run: the others heard the first failure,
  // and hear a reminder every `repeat` from the health check.
  std::optional<OwnAlert> OwnEvent() const {
    if (job_.alert.empty()) return std::nullopt;
    if (StoppedByTheOperator()) return std::nullopt;
    if (std::optional<AlertEvent> event = AlertEventFor(rec_.result, previous_)) {
      const bool unchanged = *event == AlertEvent::kFailure && previous_ &&
                             IsFailureResult(*previous_) && previous_told_;
      return OwnAlert{*event, unchanged};
    }
    if (previous_lost_ && IsGoodResult(rec_.result)) return OwnAlert{AlertEvent::kRecovery, false};
    if (IsGoodResult(rec_.result)) return OwnAlert{AlertEvent::kSuccess, true};
    return std::nullopt;
  }

  // The alert stage: what earlier runners left in the outbox and dead runs
  // first (else a "recovery" would be the first anyone heard of them), then
  // this run's own event (`written`: its outbox entries, written before the
  // record). A failed delivery is logged and recorded, never changes the
  // result.
  void Alert(const std::optional<OwnAlert>& own, std::vector<OutboxEntry> written,
             std::vector<DeadRun>& dead) {
    std::set<std::string> sent_here;  // entries this run sends itself
    for (const OutboxEntry& e : written) sent_here.insert(e.key);
    for (const DeadRun& d : dead)
      for (const OutboxEntry& e : d.entries) sent_here.insert(e.key);
    DrainOwnOutbox(sent_here);
    SendToldDeadRuns(dead);
    if (!own) return;
    // Recorded late (its id was known only then): written down now.
    if (written.empty()) written = WriteDown(rec_, own->event, own->pings_only);
    rec_.alert_status = Send(rec_, own->event, written);
    if (!rec_.alert_status.empty() && d_.history && rec_.id > 0)
      (void)d_.history->FinishRun(rec_, job_.keep_runs);
  }

  // --- helpers of the stages ------------------------------------------------

  // A stop request (SIGTERM/SIGINT) can arrive at any stage; a command that
  // saw it reports it, and the stages check before each next step, so a job
  // told to stop never starts.
  bool Stopped() const { return d_.stop_requested && d_.stop_requested(); }

  // Says `what` on the terminal of a person watching, if there is one.
  void Tell(const std::string& what) {
    if (!d_.terminal) return;
    *d_.terminal << job_.name << ": " << what << '\n';
    d_.terminal->flush();
  }

  CheckEnv CheckEnvironment() {
    return CheckEnv{d_.fs, d_.net, d_.commands, env_, job_.working_directory, uid_, gid_};
  }

  CommandSpec JobCommand() const {
    CommandSpec spec;
    spec.argv = job_.command.argv;
    if (!job_.command.shell) {
      for (std::string& arg : spec.argv)
        if (arg.find('%') != std::string::npos) arg = ExpandTimeFormat(arg, started_, d_.local);
    }
    spec.env = env_;
    spec.working_directory = job_.working_directory;
    spec.uid = uid_;
    spec.gid = gid_;
    spec.timeout = TimeoutMicros(job_.timeout);
    spec.kill_grace = WaitMicros(job_.kill_grace);
    // The job's processes hold the lock too: if this runner is killed, the
    // next run still sees the job running until its last process is gone.
    spec.inherit_fd = lock_ ? lock_->fd() : -1;
    // A stop request that is still pending (it came during work that runs
    // no command) is honoured before the job starts, not by killing it after.
    spec.not_if_stopped = true;
    spec.watch_for = job_.already_done_output;
    spec.line_prefix = request_.output_prefix;
    return spec;
  }

  // What one attempt leaves in the record and in result_/message_.
  void RecordAttempt(const CommandOutcome& o) {
    result_ = ClassifyOutcome(job_, o);
    message_ = AttemptMessage(job_, o, result_);
    rec_.output_tail = o.output_tail;
    rec_.exit_code.reset();
    rec_.signal.reset();
    const bool stopped_attempt =
        o.kind == CommandOutcome::Kind::kTimedOut || o.kind == CommandOutcome::Kind::kInterrupted;
    if (o.kind == CommandOutcome::Kind::kExited || (stopped_attempt && o.started && o.signal == 0))
      rec_.exit_code = o.exit_code;
    if (o.signal != 0) rec_.signal = SignalName(o.signal);
    // A stop that needed SIGKILL says so, whatever ended the main process.
    if (o.sigkill_sent) rec_.signal = "KILL";
  }

  // The finished record reaches the history, or a spool file the next run
  // or read moves there, or — when neither can be written — the log, at
  // level error, with every field a person needs to know the run happened.
  void SaveFinishedRecord() {
    if (!d_.history) {
      LostRun("the history could not be opened");
      return;
    }
    Status saved = Status::Ok();
    if (rec_.id == 0) {
      // The start could not be recorded (a full disk, the journal locked
      // too long): record the whole run now, if the history has recovered.
      auto id = d_.history->BeginRun(rec_);
      if (id.ok()) {
        rec_.id = *id;
        d_.log.Info("run_recorded_late",
                    {{"job", job_.name},
                     {"run_id", std::to_string(rec_.id)},
                     {"note",
                      "the start could not be recorded, so the job ran with SURETY_RUN_ID=0 "
                      "and earlier lines say run_id=0"}});
      } else {
        saved = id.status();
      }
    }
    if (saved.ok() && rec_.id > 0) saved = d_.history->FinishRun(rec_, job_.keep_runs);
    if (saved.ok()) return;
    d_.log.Error(
        "history_write_failed",
        {{"job", job_.name}, {"run_id", std::to_string(rec_.id)}, {"error", saved.message()}});
    if (Status spooled = d_.history->SpoolRun(rec_, job_.keep_runs); spooled.ok()) {
      d_.log.Warn("run_spooled",
                  {{"job", job_.name},
                   {"run_id", std::to_string(rec_.id)},
                   {"note",
                    "the record waits in the state directory's spool; the next run or "
                    "read of the history adds it"}});
      return;
    } else {
      LostRun(saved.message() + "; nor could it be spooled: " + spooled.message());
    }
  }

  // The record could be stored nowhere: say everything about the run, so
  // the log holds what the history cannot.
  void LostRun(const std::string& why) {
    d_.log.Error("run_lost",
                 {{"job", job_.name},
                  {"run_id", std::to_string(rec_.id)},
                  {"started_at", FormatRfc3339(rec_.started_at)},
                  {"finished_at", rec_.finished_at ? FormatRfc3339(*rec_.finished_at) : ""},
                  {"trigger", std::string(TriggerName(rec_.trigger))},
                  {"result", std::string(RunResultName(rec_.result))},
                  {"exit_code", rec_.exit_code ? std::to_string(*rec_.exit_code) : ""},
                  {"message", rec_.message},
                  {"error", why}});
  }

  void SaveRecord(const RunRecord& record) {
    if (Status s = d_.history->FinishRun(record, job_.keep_runs); !s.ok())
      d_.log.Error(
          "history_write_failed",
          {{"job", job_.name}, {"run_id", std::to_string(record.id)}, {"error", s.message()}});
  }

  // Sends `event` about `record` to every alert of the job; returns what
  // goes into the record's alert_status. A failed delivery is logged, never
  // more. `pings_only`: only the healthchecks-style alerts, which want a
  // ping on every good run (their service reports a check down when pings
  // stop).
  AlertEnv MakeAlertEnv() {
    return AlertEnv{d_.http, d_.journal, d_.commands,
                    [this](Micros m) {
                      if (d_.pause)
                        d_.pause(m);
                      else
                        d_.sleep(m);
                    },
                    d_.base_env};
  }

  // Deliveries of this job an earlier runner could not finish (it was
  // killed, or the receiver was down) go out first, before this run's own.
  void DrainOwnOutbox(const std::set<std::string>& skip_keys) {
    if (!d_.outbox || job_.alert.empty()) return;
    AlertEnv aenv = MakeAlertEnv();
    DrainReport report =
        DrainOutbox(*d_.outbox, config_.alerts, aenv, d_.clock.Now(), job_.name, skip_keys);
    for (const std::string& problem : report.problems)
      d_.log.Error("outbox_delivery_failed", {{"job", job_.name}, {"problem", problem}});
    if (report.delivered > 0)
      d_.log.Info("outbox_delivered",
                  {{"job", job_.name}, {"delivered", std::to_string(report.delivered)}});
  }

  // One outbox entry per alert of the job that is to hear `event` about
  // `record`, each written and flushed before anything is sent: if this
  // runner dies now, whoever drains the outbox next sends it (at least
  // once; the key lets a receiver drop a repeat). An entry that cannot be
  // written (no outbox, a full disk) keeps an empty path and is still sent.
  std::vector<OutboxEntry> WriteDown(const RunRecord& record, AlertEvent event, bool pings_only) {
    std::vector<OutboxEntry> entries;
    for (const auto& name : job_.alert) {
      auto it = config_.alerts.find(name);
      if (it == config_.alerts.end()) continue;
      if (pings_only && it->second.kind != AlertKind::kHealthchecks) continue;
      OutboxEntry entry{"",    IdempotencyKey(record, event, name), name, event, 0, d_.clock.Now(),
                        record};
      if (d_.outbox) {
        if (auto path = d_.outbox->Put(entry); path.ok())
          entry.path = *path;
        else
          d_.log.Error("outbox_write_failed", {{"job", job_.name},
                                               {"run_id", std::to_string(record.id)},
                                               {"alert", name},
                                               {"error", path.status().message()}});
      }
      entries.push_back(std::move(entry));
    }
    return entries;
  }

  // Sends `event` about `record` to the alerts `entries` name; returns what
  // goes into the record's alert_status. A delivered entry leaves the
  // outbox; one that failed stays there for the next drain. A failed
  // delivery is logged, never more.
  std::string Send(const RunRecord& record, AlertEvent event, std::vector<OutboxEntry>& entries) {
    AlertEnv aenv = MakeAlertEnv();
    const std::string id = std::to_string(record.id);
    std::string status;
    for (OutboxEntry& entry : entries) {
      const AlertSpec& spec = config_.alerts.at(entry.alert);
      Status s = DeliverEntry(d_.outbox, spec, entry, aenv, d_.clock.Now());
      if (DeliveredElsewhere(s)) {
        // An outbox drain (of a later run, of the daemon) took it first.
        status += (status.empty() ? "" : "; ") + spec.Describe() + ": left to an outbox drain";
        continue;
      }
      std::string one = s.ok() ? "sent" : "failed: " + s.message();
      status += (status.empty() ? "" : "; ") + spec.Describe() + ": " + one;
      if (s.ok())
        d_.log.Info("alert_sent", {{"job", job_.name},
                                   {"run_id", id},
                                   {"alert", entry.alert},
                                   {"alert_event", std::string(AlertEventName(event))}});
      else
        d_.log.Error("alert_failed", {{"job", job_.name},
                                      {"run_id", id},
                                      {"alert", entry.alert},
                                      {"alert_event", std::string(AlertEventName(event))},
                                      {"error", s.message()}});
    }
    return status;
  }

  // A run whose runner died (kill -9, power loss) could not alert: the
  // reaper marked it interrupted. This run tells its failure, once: under
  // the job's telling lock (a runner that cannot take it at once leaves the
  // telling to the one that holds it), and only from a history that folded
  // (else the record written back could be older than the journal's). Not
  // under the job's lock: what a killed runner left running holds that one
  // (CommandSpec::inherit_fd), and the runs it skips meanwhile would leave
  // the dead run untold until the job next ran. The alerts
  // are written down in the outbox and the dead run marked told before this
  // run's own record (a runner killed after that would leave runs nobody
  // tells: they are older than a run that did its work); they are sent
  // after this run's work, with its own (SendToldDeadRuns).
  std::vector<DeadRun> WriteDownDeadRuns() {
    std::vector<DeadRun> out;
    if (!d_.history || job_.alert.empty()) return out;
    // The lock only if there is something to tell; then read again under it.
    if (DeadRunsToTell(*d_.history, job_.name, rec_.id).empty()) return out;
    const std::string lock_dir = JoinPath(d_.state_dir, "locks");
    if (!d_.fs.MakeDirs(lock_dir, 0700).ok()) return out;
    // "JOB.telling": never a job's lock file ("JOB.lock"), whatever the names.
    Result<JobLock> held = d_.locker.TryLock(JoinPath(lock_dir, job_.name + ".telling"));
    if (!held.ok()) return out;
    std::vector<RunRecord> dead = DeadRunsToTell(*d_.history, job_.name, rec_.id);
    if (dead.empty() || !d_.history->FoldStatus().ok()) return out;
    for (RunRecord& old : dead) {
      std::vector<OutboxEntry> entries = WriteDown(old, AlertEvent::kFailure, false);
      old.alert_status = "written to the outbox";
      SaveRecord(old);
      out.push_back(DeadRun{old, std::move(entries)});
    }
    return out;
  }
  void SendToldDeadRuns(std::vector<DeadRun>& dead) {
    for (DeadRun& d : dead) {
      d.record.alert_status = Send(d.record, AlertEvent::kFailure, d.entries);
      SaveRecord(d.record);
    }
  }

  // --- state ----------------------------------------------------------------

  const JobSpec& job_;
  const Config& config_;
  const RunRequest& request_;
  RunnerDeps& d_;
  const Instant started_;  // started_at: before anything, the artifact's "fresh" reference
  Instant timed_from_;     // where duration_ms counts from: after the start record
  RunRecord rec_;
  std::string run_id_;                 // rec_.id as text (0 until recorded)
  std::optional<RunResult> previous_;  // the job's result before this run
  bool previous_lost_ = false;         // unknown: the history was rebuilt after damage
  bool previous_told_ = true;          // false: previous_ was an operator's Ctrl-C
  std::map<std::string, std::string> env_;
  std::optional<uint32_t> uid_, gid_;
  std::optional<JobLock> lock_;            // held from the lock stage on
  std::string artifact_;                   // verify.path, expanded at run start
  RunResult result_ = RunResult::kFailed;  // of the last attempt
  std::string message_;                    // of the last attempt (and verify)
};

}  // namespace

RunReport RunJob(const JobSpec& job, const Config& config, const RunRequest& request,
                 RunnerDeps& deps) {
  return JobRun(job, config, request, deps).Execute();
}

}  // namespace surety
