#include "cli/health_commands.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>

#include "alert/alert_policy.h"
#include "alert/outbox.h"
#include "base/strings.h"
#include "cli/job_load.h"
#include "cli/job_page.h"
#include "cli/status_page.h"
#include "os/data_file.h"
#include "os/state_dir.h"
#include "os/system.h"
#include "runner/runner.h"
#include "sched/health.h"
#include "sched/schedule.h"
#include "time/timespan.h"
#include "time/timestamp.h"

namespace surety {

std::string HeartbeatPath(const std::string& state_dir) { return state_dir + "/daemon.json"; }

namespace {

constexpr RunResult kAllResults[] = {
    RunResult::kSuccess,      RunResult::kWarning, RunResult::kAlreadyDone,
    RunResult::kSkipped,      RunResult::kFailed,  RunResult::kPreflightFailed,
    RunResult::kVerifyFailed, RunResult::kTimeout, RunResult::kInterrupted};
constexpr Health kAllHealth[] = {Health::kOk,      Health::kPending, Health::kRunning,
                                 Health::kStuck,   Health::kWarning, Health::kFailing,
                                 Health::kOverdue, Health::kBroken};

// One job as status, check and metrics see it.
struct JobView {
  std::string name;
  const JobSpec* spec = nullptr;      // null when broken
  std::optional<std::string> broken;  // "file:line:col: message"
  JobSummary runs;
  HealthReport health;
  std::optional<Instant> next;    // the next elapse (without the random delay)
  std::vector<RunRecord> recent;  // newest first (the status page only)
};

// Everything the three commands read, read once.
struct Facts {
  std::unique_ptr<Loaded> loaded;
  Instant now;
  std::vector<JobView> jobs;
  // The job file's errors outside every job (nothing in it can be trusted).
  std::vector<std::string> global_errors;
  bool have_state = false;  // the state directory is known
  std::string state_dir;
  Status history;  // why the history could not be read, or ok
  // The daemon's last heartbeat, when a daemon has run on this state
  // directory and not stopped cleanly (it removes the file).
  std::optional<Instant> heartbeat;
  // Why when jobs were first seen could not be written down: a job that
  // never runs would then look new at every look, never overdue.
  Status first_seen;
  int undelivered = 0;  // outbox entries that failed at least once
  std::string undelivered_alerts;
  // history.db files found damaged and set aside (the runs before then are
  // only in them): every reading says so until a person removes them.
  std::vector<std::string> damaged_histories;
};

LastOutcome OutcomeOf(const RunRecord& r) {
  const std::string_view note = kOperatorStopNote;
  if (r.result == RunResult::kInterrupted && r.message.size() >= note.size() &&
      r.message.compare(r.message.size() - note.size(), note.size(), note) == 0)
    return LastOutcome::kOperatorStopped;  // a Ctrl-C on a manual run
  switch (r.result) {
    case RunResult::kSuccess:
    case RunResult::kAlreadyDone:
      return LastOutcome::kGood;
    case RunResult::kWarning:
      return LastOutcome::kWarning;
    case RunResult::kSkipped:
    case RunResult::kRunning:
      return LastOutcome::kNone;
    default:
      return LastOutcome::kFailure;
  }
}

// When surety first saw each job: STATE_DIR/first-seen.json, written when a
// job is new to it (best effort: a read-only state directory keeps the
// answer in memory). A job new to the file that has runs was there at its
// newest run already.
std::map<std::string, Instant> FirstSeen(const std::string& state_dir,
                                         const std::vector<JobView>& jobs, Instant now,
                                         Services& sv, Status& written) {
  const std::string path = state_dir + "/first-seen.json";
  std::map<std::string, Instant> seen;
  if (auto text = sv.fs->ReadFile(path); text.ok()) {
    auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_object())
      for (const auto& [name, v] : j.items())
        if (v.is_number_integer()) seen[name] = Instant{Micros{v.get<int64_t>()}};
  }
  bool changed = false;
  for (const JobView& v : jobs) {
    if (seen.count(v.name)) continue;
    Instant t = now;
    if (v.runs.last && v.runs.last->started_at < t) t = v.runs.last->started_at;
    seen[v.name] = t;
    changed = true;
  }
  if (changed) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [name, t] : seen) j[name] = t.time_since_epoch().count();
    written = WriteFileAtomic(path, j.dump(1) + "\n", 0600, /*durable=*/false);
  }
  return seen;
}

// The next elapse of `job` after `now`: its calendar schedules, an
// interval after the last start, on_boot after the boot.
std::optional<Instant> NextElapse(const JobSpec& job, const JobSummary& runs, Instant now,
                                  const CalendarEvalContext& eval) {
  std::optional<Instant> best;
  auto consider = [&](Instant t) {
    if (t > now && (!best || t < *best)) best = t;
  };
  if (!job.schedule.empty())
    for (Instant t : NextCalendarElapses(job, now, 1, eval)) consider(t);
  if (job.interval) {
    const Micros span{static_cast<int64_t>(job.interval->usec)};
    Instant from = runs.last ? runs.last->started_at : now;
    if (job.interval_from == IntervalFrom::kFinish && runs.last && runs.last->finished_at)
      from = *runs.last->finished_at;
    consider(std::max(from + span, now + Micros{1}));
  }
  if (job.on_boot) consider(BootInstant() + Micros{static_cast<int64_t>(job.on_boot->usec)});
  return best;
}

// Reads the facts; nullptr after printing why when the command cannot go
// on at all (an unknown job named). `with_counts`: runs by result (metrics).
std::unique_ptr<Facts> Gather(const GlobalOptions& g, Services& sv,
                              const std::vector<std::string>& only, bool with_counts,
                              bool secrets = false, Micros busy_timeout = std::chrono::seconds(10),
                              int recent_runs = 0) {
  auto f = std::make_unique<Facts>();
  f->now = sv.clock.Now();
  // The state directory is created if missing: when each job was first
  // seen must be written down from the first look on.
  f->loaded = Load(g, sv, LoadFor{.secrets = secrets, .state = PinState::kCreate, .scoped = true});
  const LoadResult& r = f->loaded->result;
  const Config* cfg = r.config ? &*r.config : nullptr;
  // The jobs: every job that loaded, and every broken one.
  std::map<std::string, JobView> views;
  if (cfg) {
    for (const auto& [name, job] : cfg->jobs) views[name] = JobView{name, &job, {}, {}, {}, {}, {}};
  } else {
    for (const Diagnostic& e : r.errors)
      if (e.job.empty()) f->global_errors.push_back(e.ToString());
    // Nothing can be trusted: every job the file names is broken by them.
    for (const auto& [name, alerts] : r.job_alerts) views[name].name = name;
  }
  for (const auto& [name, errors] : r.broken) {
    views[name].name = name;
    views[name].spec = nullptr;
    views[name].broken = errors.front().ToString();
  }
  for (auto& [name, v] : views)
    if (!cfg && !v.broken)
      v.broken = "the job file has errors: " + (f->global_errors.empty()
                                                    ? std::string("see surety validate")
                                                    : f->global_errors.front());
  if (!only.empty()) {
    std::map<std::string, JobView> chosen;
    for (const std::string& name : only) {
      auto it = views.find(name);
      if (it == views.end()) {
        if (cfg)
          (void)FindJob(*cfg, name, sv);  // says so, with the closest name
        else
          sv.err << "error: no job named '" << name << "'\n";
        return nullptr;
      }
      chosen.insert(*it);
    }
    views = std::move(chosen);
  }
  // The state directory: the one Load() pinned, or (the file has errors
  // elsewhere) the one [settings] names, if it had none.
  if (cfg) {
    f->have_state = true;
    f->state_dir = cfg->settings.state_dir;
  } else if (r.settings) {
    if (auto pinned = PinStateDir(r.settings->state_dir, false, RunningAsRoot()); pinned.ok()) {
      f->have_state = true;
      f->state_dir = pinned->real_path;
    }
  }
  std::vector<std::string> names;
  names.reserve(views.size());
  for (const auto& [name, v] : views) names.push_back(name);
  if (f->have_state) {
    const bool any = [&] {
      for (const char* file : {"/history.db", "/history.journal"})
        if (auto st = sv.fs->Stat(f->state_dir + file); st.ok() && st->exists) return true;
      return false;
    }();
    if (any) {
      SqliteHistoryOptions options;
      options.busy_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(busy_timeout);
      options.read_only_ok = true;
      auto history = OpenStateHistory(f->state_dir, options);
      (void)history->ReapDead(ProcessOwnerAlive, f->now);
      auto sums = history->Summaries(names, with_counts);
      if (sums.ok()) {
        for (auto& [name, s] : *sums) views[name].runs = std::move(s);
        if (recent_runs > 0)
          for (auto& [name, v] : views)
            if (auto runs = history->Recent(name, recent_runs); runs.ok())
              v.recent = std::move(*runs);
        WarnIfUnfolded(*history, sv);
      } else {
        f->history = sums.status();
      }
    }
    for (const std::string& path : sv.fs->Glob(HistoryPath(f->state_dir) + ".damaged-*")) {
      const bool side_file = path.ends_with("-wal") || path.ends_with("-shm");
      if (!side_file) f->damaged_histories.push_back(path);
    }
    if (auto text = sv.fs->ReadFile(HeartbeatPath(f->state_dir)); text.ok()) {
      auto j = nlohmann::json::parse(*text, nullptr, false);
      if (j.is_object() && j["heartbeat_us"].is_number_integer())
        f->heartbeat = Instant{Micros{j["heartbeat_us"].get<int64_t>()}};
      else
        f->heartbeat = Instant{};  // unreadable: as old as can be
    }
    Outbox outbox(f->state_dir, DefaultDataFiles());
    if (auto pending = outbox.Pending(); pending.ok()) {
      std::set<std::string> alerts;
      for (const OutboxEntry& e : *pending)
        if (e.attempts > 0 && (only.empty() || views.count(e.record.job))) {
          ++f->undelivered;
          alerts.insert(e.alert);
        }
      for (const auto& a : alerts)
        f->undelivered_alerts += (f->undelivered_alerts.empty() ? "" : ", ") + a;
    }
  }
  std::map<std::string, Instant> first_seen;
  std::vector<JobView> list;
  list.reserve(views.size());
  for (auto& [name, v] : views) list.push_back(std::move(v));
  if (f->have_state) first_seen = FirstSeen(f->state_dir, list, f->now, sv, f->first_seen);
  MktimeState mk;
  CalendarEvalContext eval{f->loaded->local.get(), &f->loaded->zones, &mk};
  const Instant boot = BootInstant();
  for (JobView& v : list) {
    HealthInput in;
    in.job = v.spec;
    in.broken = v.broken;
    if (v.runs.last) in.runs.last_start = v.runs.last->started_at;
    if (v.runs.last_counted) {
      in.runs.last_outcome = OutcomeOf(*v.runs.last_counted);
      in.runs.last_finish = v.runs.last_counted->finished_at;
      in.runs.last_message = v.runs.last_counted->message;
    }
    if (v.runs.running)
      in.runs.running =
          JobRunFacts::Running{v.runs.running->started_at, ProcessOwnerAlive(*v.runs.running)};
    auto seen = first_seen.find(v.name);
    in.first_seen = seen != first_seen.end() ? seen->second : f->now;
    in.now = f->now;
    in.boot = boot;
    in.eval = eval;
    v.health = EvaluateHealth(in);
    if (v.spec) v.next = NextElapse(*v.spec, v.runs, f->now, eval);
  }
  f->jobs = std::move(list);
  return f;
}

bool DaemonStale(const Facts& f) {
  return f.heartbeat && f.now - *f.heartbeat > Micros{std::chrono::seconds(kHeartbeatStaleSeconds)};
}

nlohmann::json JsonTime(const std::optional<Instant>& t) {
  return t ? nlohmann::json(FormatRfc3339(*t)) : nlohmann::json(nullptr);
}

nlohmann::json JobJson(const JobView& v) {
  nlohmann::json j = {
      {"job", v.name},
      {"health", HealthName(v.health.health)},
      {"detail", v.health.detail},
      {"check_status", HealthCheckStatus(v.health.health)},
      {"next", JsonTime(v.next)},
      {"last_start",
       JsonTime(v.runs.last ? std::optional<Instant>(v.runs.last->started_at) : std::nullopt)},
      {"last_result", v.runs.last_counted
                          ? nlohmann::json(RunResultName(v.runs.last_counted->result))
                          : nlohmann::json(nullptr)},
      {"last_finish",
       JsonTime(v.runs.last_counted ? v.runs.last_counted->finished_at : std::nullopt)},
      {"last_success",
       JsonTime(v.runs.last_good ? std::optional<Instant>(v.runs.last_good->started_at)
                                 : std::nullopt)},
      {"running_since", JsonTime(v.runs.running ? std::optional<Instant>(v.runs.running->started_at)
                                                : std::nullopt)},
      {"expected", JsonTime(v.health.expected)},
      {"deadline", JsonTime(v.health.deadline)},
      {"next_deadline", JsonTime(v.health.next_deadline)},
      {"never_ran", v.health.never_ran},
      {"late_s", static_cast<double>(v.health.late.count()) / 1e6}};
  j["broken"] = v.broken ? nlohmann::json(*v.broken) : nlohmann::json(nullptr);
  return j;
}

const char* Colour(Health h) {
  switch (HealthCheckStatus(h)) {
    case 2:
      return "\033[1;31m";
    case 1:
      return "\033[1;33m";
    default:
      return h == Health::kOk ? "\033[32m" : "";
  }
}

// check --alert: tells each job's alerts when its health changes (into
// broken, stuck, failing or overdue, back, and a reminder every day while
// it lasts), as alert/alert_policy.h decides, from the state kept per job
// and alert in STATE_DIR/alert-state/ — so a check every few minutes, or a
// daemon restarted, repeats nothing. A failed run and the first good run
// after it are the runner's to tell (it does, with the run): those events
// are not sent twice. Each delivery goes through the outbox first.
// Returns the number of deliveries that failed.
int SendHealthAlerts(const Facts& f, const GlobalOptions& g, Services& sv) {
  const LoadResult& r = f.loaded->result;
  Logger log(sv.err, sv.clock, FormatOf(g), LevelOf(g, false));
  if (!f.have_state) {
    log.Error("health_alerts_not_sent", {{"error", "the state directory is unknown"}});
    return 1;
  }
  const std::map<std::string, AlertSpec>& alerts = r.config ? r.config->alerts : r.alerts;
  const std::string host =
      r.config ? r.config->settings.host : (r.settings ? r.settings->host : std::string());
  const std::string dir = f.state_dir + "/alert-state";
  if (Status s = sv.fs->MakeDirs(dir, 0700); !s.ok()) {
    log.Error("health_alerts_not_sent", {{"error", s.message()}});
    return 1;
  }
  Outbox outbox(f.state_dir, DefaultDataFiles());
  AlertEnv aenv{*sv.http, *sv.journal, *sv.commands, [](Micros d) { SleepFor(d); },
                ProcessEnvironment(sv.env, JobSpec{})};
  int failed = 0;
  for (const JobView& v : f.jobs) {
    std::vector<std::string> sinks;
    if (v.spec)
      sinks = v.spec->alert;
    else if (auto it = r.job_alerts.find(v.name); it != r.job_alerts.end())
      sinks = it->second;
    for (const std::string& name : sinks) {
      auto spec = alerts.find(name);
      if (spec == alerts.end()) continue;
      const std::string path = dir + "/" + FileNameWord(v.name) + "." + FileNameWord(name);
      std::string line;
      if (auto text = sv.fs->ReadFile(path); text.ok()) line = *text;
      while (!line.empty() && line.back() == '\n') line.pop_back();
      AlertPolicySettings settings;
      if (v.spec) {
        settings.repeat = Micros{static_cast<int64_t>(v.spec->repeat.usec)};
        settings.warnings = v.spec->alert_warnings;
      }
      const AlertDecision d = DecideAlert(AlertedState::FromText(line), v.health.health, f.now,
                                          settings, {host, v.name, name});
      const bool runners =
          d.event && (*d.event == AlertEvent::kFailure ||
                      (*d.event == AlertEvent::kRecovery && d.about == Health::kFailing));
      if (d.event && !runners) {
        // The record the receiver gets: the job's newest run (or a bare one
        // for a job that never ran), with the health's sentence as message.
        RunRecord rec = v.runs.last ? *v.runs.last : RunRecord{};
        rec.job = v.name;
        if (rec.host.empty()) rec.host = host;
        if (!v.runs.last) {
          rec.started_at = f.now;
          rec.result = RunResult::kFailed;
        }
        rec.message = std::string(HealthName(v.health.health)) + ": " + v.health.detail;
        OutboxEntry entry{"", d.key, name, *d.event, 0, f.now, rec};
        if (auto put = outbox.Put(entry); put.ok()) entry.path = *put;
        Status s = DeliverEntry(&outbox, spec->second, entry, aenv, f.now);
        if (DeliveredElsewhere(s)) {
          // A run of the job draining its outbox took it first: it sends it.
        } else if (s.ok()) {
          log.Info("alert_sent", {{"job", v.name},
                                  {"alert", name},
                                  {"alert_event", std::string(AlertEventName(*d.event))},
                                  {"health", std::string(HealthName(v.health.health))}});
        } else {
          ++failed;
          log.Error("alert_failed", {{"job", v.name},
                                     {"alert", name},
                                     {"alert_event", std::string(AlertEventName(*d.event))},
                                     {"error", s.message()}});
        }
      }
      if (Status s = WriteFileAtomic(path, d.next.ToText() + "\n", 0600, /*durable=*/true);
          !s.ok()) {
        ++failed;
        log.Error("alert_state_unwritable", {{"job", v.name}, {"error", s.message()}});
      }
    }
  }
  return failed;
}

// The Prometheus text exposition of the facts (docs/metrics.md).
std::string MetricsText(const Facts& fr) {
  const Facts* f = &fr;
  std::ostringstream m;
  auto num = [](double v) {  // the shortest text that reads back as v
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    return ec == std::errc() ? std::string(buf, end) : std::string("NaN");
  };
  auto secs = [&](Instant t) {
    return num(static_cast<double>(t.time_since_epoch().count()) / 1e6);
  };
  auto label = [](const std::string& v) {
    std::string out;
    for (char c : v) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    return out;
  };
  auto family = [&](const char* name, const char* help) {
    m << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n";
  };
  family("surety_job_last_success_timestamp_seconds",
         "Start of the job's newest good run (success, warning, already_done).");
  for (const JobView& v : f->jobs)
    if (v.runs.last_good)
      m << "surety_job_last_success_timestamp_seconds{job=\"" << label(v.name) << "\"} "
        << secs(v.runs.last_good->started_at) << '\n';
  family("surety_job_last_run_timestamp_seconds", "Start of the job's newest run of any result.");
  for (const JobView& v : f->jobs)
    if (v.runs.last)
      m << "surety_job_last_run_timestamp_seconds{job=\"" << label(v.name) << "\"} "
        << secs(v.runs.last->started_at) << '\n';
  family("surety_job_last_run_duration_seconds", "Duration of the job's newest finished run.");
  for (const JobView& v : f->jobs)
    if (v.runs.last_counted)
      m << "surety_job_last_run_duration_seconds{job=\"" << label(v.name) << "\"} "
        << num(static_cast<double>(v.runs.last_counted->duration_ms) / 1000.0) << '\n';
  family("surety_job_last_result", "1 for the result of the job's newest finished run.");
  for (const JobView& v : f->jobs) {
    if (!v.runs.last_counted) continue;
    for (RunResult r : kAllResults)
      m << "surety_job_last_result{job=\"" << label(v.name) << "\",result=\"" << RunResultName(r)
        << "\"} " << (v.runs.last_counted->result == r ? 1 : 0) << '\n';
  }
  family("surety_job_recorded_runs", "Runs of the job in the retained history, by result.");
  for (const JobView& v : f->jobs)
    for (RunResult r : kAllResults) {
      auto it = v.runs.counts.find(r);
      m << "surety_job_recorded_runs{job=\"" << label(v.name) << "\",result=\"" << RunResultName(r)
        << "\"} " << (it == v.runs.counts.end() ? 0 : it->second) << '\n';
    }
  family("surety_job_next_run_timestamp_seconds", "The job's next expected elapse.");
  for (const JobView& v : f->jobs)
    if (v.next)
      m << "surety_job_next_run_timestamp_seconds{job=\"" << label(v.name) << "\"} "
        << secs(*v.next) << '\n';
  family("surety_job_health", "1 for the job's health (docs/health.md), 0 for the others.");
  for (const JobView& v : f->jobs)
    for (Health h : kAllHealth)
      m << "surety_job_health{job=\"" << label(v.name) << "\",health=\"" << HealthName(h) << "\"} "
        << (v.health.health == h ? 1 : 0) << '\n';
  family("surety_jobs", "Jobs the job file defines (broken ones included).");
  m << "surety_jobs " << f->jobs.size() << '\n';
  family("surety_job_file_valid", "1 when the job file loads without errors.");
  m << "surety_job_file_valid " << (f->loaded->result.errors.empty() ? 1 : 0) << '\n';
  if (f->heartbeat) {
    family("surety_daemon_heartbeat_timestamp_seconds", "The daemon's last heartbeat.");
    m << "surety_daemon_heartbeat_timestamp_seconds " << secs(*f->heartbeat) << '\n';
  }
  // Without a state directory (the job file cannot be read) nothing is
  // known of the daemon: no series, rather than a false "down".
  if (f->have_state) {
    family("surety_daemon_up", "1 when the daemon's heartbeat is younger than 2 minutes.");
    m << "surety_daemon_up " << (f->heartbeat && !DaemonStale(*f) ? 1 : 0) << '\n';
  }
  family("surety_history_readable", "1 when the run history could be read.");
  m << "surety_history_readable " << (f->history.ok() ? 1 : 0) << '\n';
  family("surety_history_damaged_files",
         "history.db files found damaged and set aside, still in the state directory: the "
         "runs before the damage are only in them.");
  m << "surety_history_damaged_files " << f->damaged_histories.size() << '\n';
  family("surety_metrics_generated_timestamp_seconds", "When these metrics were written.");
  m << "surety_metrics_generated_timestamp_seconds " << secs(f->now) << '\n';
  return m.str();
}

}  // namespace

int RunStatus(const GlobalOptions& g, const StatusOptions& o, Services& sv) {
  auto f = Gather(g, sv, o.jobs, false);
  if (!f) return 2;
  if (f->jobs.empty()) {
    if (o.json) {
      sv.out << "[]\n";
    } else {
      sv.out << "No jobs yet. Add one to the job file, e.g.\n\n"
                "  [jobs.backup]\n"
                "  command = [\"restic\", \"backup\", \"/srv\"]\n"
                "  schedule = \"daily\"\n\n"
                "then check it with 'surety validate' and start 'surety daemon'.\n";
    }
    return f->global_errors.empty() ? 0 : 2;
  }
  if (!f->history.ok())
    sv.err << "error: cannot read the history: " << f->history.message() << '\n';
  if (DaemonStale(*f))
    sv.err << "warning: the daemon's last heartbeat was " << FormatRelative(*f->heartbeat, f->now)
           << " (" << HeartbeatPath(f->state_dir) << "); is it still running?\n";
  if (!f->first_seen.ok())
    sv.err << "warning: cannot write down when jobs were first seen (" << f->first_seen.message()
           << "): a job that never runs would not show as overdue\n";
  if (f->undelivered > 0)
    sv.err << "warning: " << f->undelivered << " alert deliveries keep failing ("
           << f->undelivered_alerts << "); 'surety outbox' shows them\n";
  if (o.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const JobView& v : f->jobs) out.push_back(JobJson(v));
    sv.out << JsonText(out) << '\n';
    return f->history.ok() ? 0 : 1;
  }
  const bool colour = sv.err_is_terminal && !g.quiet && !sv.env.Get("NO_COLOR");
  const Zone& zone = *f->loaded->local;
  std::vector<std::vector<std::string>> rows = {
      {"NEXT", "LEFT", "LAST", "PASSED", "RESULT", "LAST SUCCESS", "HEALTH", "JOB"}};
  std::map<Health, int> by_health;
  for (const JobView& v : f->jobs) {
    ++by_health[v.health.health];
    const auto& last = v.runs.last;
    rows.push_back(
        {v.next ? FormatTimestamp(*v.next, zone) : "-",
         v.next ? FormatRelative(*v.next, f->now) : "-",
         last ? FormatTimestamp(last->started_at, zone) : "-",
         last ? FormatRelative(last->started_at, f->now) : "-",
         v.runs.last_counted ? std::string(RunResultName(v.runs.last_counted->result)) : "-",
         v.runs.last_good ? FormatRelative(v.runs.last_good->started_at, f->now) : "never",
         std::string(HealthName(v.health.health)), v.name});
  }
  std::string table = FormatTable(rows);
  if (colour) {
    // Colour the HEALTH word of each row (the table is laid out first, so
    // the escapes do not count as width).
    std::istringstream in(table);
    std::ostringstream coloured;
    std::string line;
    size_t i = 0;
    while (std::getline(in, line)) {
      if (i > 0 && i <= f->jobs.size()) {
        const JobView& v = f->jobs[i - 1];
        const std::string word(HealthName(v.health.health));
        const size_t at = line.rfind(word + " ");
        if (at != std::string::npos && *Colour(v.health.health))
          line = line.substr(0, at) + Colour(v.health.health) + word + "\033[0m" +
                 line.substr(at + word.size());
      }
      coloured << line << '\n';
      ++i;
    }
    table = coloured.str();
  }
  sv.out << table;
  if (sv.err_is_terminal) {
    sv.out << '\n' << f->jobs.size() << (f->jobs.size() == 1 ? " job" : " jobs");
    for (Health h : kAllHealth)
      if (by_health[h] > 0) sv.out << ", " << by_health[h] << ' ' << HealthName(h);
    sv.out << '\n';
    for (const JobView& v : f->jobs)
      if (HealthCheckStatus(v.health.health) > 0)
        sv.out << v.name << ": " << HealthName(v.health.health) << ": " << v.health.detail << '\n';
  }
  return f->history.ok() ? 0 : 1;
}

namespace {

// What check concludes from the facts: the plugin status (0..3), the jobs
// at fault ("db overdue") and every other problem, in order.
struct Verdict {
  int status = 0;
  std::vector<std::string> faults;
  std::vector<std::string> problems;
};

Verdict Judge(const Facts& f, int undelivered_now) {
  Verdict v;
  int& status = v.status;
  for (const JobView& j : f.jobs) {
    const int s = HealthCheckStatus(j.health.health);
    status = std::max(status, s);
    if (s > 0) v.faults.push_back(j.name + " " + std::string(HealthName(j.health.health)));
  }
  std::vector<std::string>& problems = v.problems;
  if (!f.global_errors.empty()) {
    status = 2;
    problems.push_back("the job file has errors: " + f.global_errors.front());
  }
  if (!f.history.ok()) {
    status = std::max(status, 3);
    problems.push_back("cannot read the history: " + f.history.message());
  }
  for (const std::string& path : f.damaged_histories) {
    // The runs before the damage are only in that file: a job that was
    // failing may look new and pending now. Someone must look.
    status = 2;
    problems.push_back("the history was found damaged and set aside as " + path +
                       "; runs recorded before then are only in that file, so a job's health "
                       "here may be wrong. Check the disk, recover what you need (sqlite3 " +
                       path +
                       " .recover), then delete it (and its -wal and -shm files) to clear this");
  }
  if (!f.first_seen.ok()) {
    status = std::max(status, 3);
    problems.push_back("cannot write down when jobs were first seen (" + f.first_seen.message() +
                       "), so a job that never runs would not be noticed");
  }
  if (DaemonStale(f)) {
    status = 2;
    problems.push_back("the daemon's last heartbeat was " + FormatRelative(*f.heartbeat, f.now));
  }
  if (undelivered_now > 0) {
    status = std::max(status, 1);
    problems.push_back(std::to_string(undelivered_now) + " health alerts could not be sent now");
  }
  if (f.undelivered > 0) {
    status = std::max(status, 1);
    problems.push_back(std::to_string(f.undelivered) + " alert deliveries failing (" +
                       f.undelivered_alerts + ")");
  }
  if (f.jobs.empty() && f.global_errors.empty()) {
    status = 3;
    problems.emplace_back("no jobs defined");
  }
  // UNKNOWN outranks nothing but OK: a CRITICAL job stays CRITICAL.
  if (status == 3 && std::any_of(f.jobs.begin(), f.jobs.end(), [](const JobView& j) {
        return HealthCheckStatus(j.health.health) == 2;
      }))
    status = 2;
  return v;
}

constexpr const char* kStatusWord[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

nlohmann::json CheckJson(const Facts& f, const Verdict& v) {
  nlohmann::json j = {{"status", v.status}, {"status_text", kStatusWord[v.status]}};
  j["problems"] = v.problems;
  nlohmann::json jobs = nlohmann::json::array();
  for (const JobView& job : f.jobs) jobs.push_back(JobJson(job));
  j["jobs"] = jobs;
  return j;
}

// The plugin's one summary line, with its performance data.
std::string CheckLine(const Facts& f, const Verdict& v) {
  std::map<Health, int> by_health;
  for (const JobView& j : f.jobs) ++by_health[j.health.health];
  std::string line = std::string("SURETY ") + kStatusWord[v.status] + " - ";
  if (!v.faults.empty()) {
    line += std::to_string(v.faults.size()) + " of " + std::to_string(f.jobs.size()) +
            " jobs at fault: ";
    for (size_t i = 0; i < v.faults.size(); ++i) line += (i ? ", " : "") + v.faults[i];
  } else if (v.problems.empty()) {
    line += std::to_string(f.jobs.size()) + (f.jobs.size() == 1 ? " job" : " jobs") + " OK";
  }
  for (size_t i = 0; i < v.problems.size(); ++i)
    line += (i == 0 && v.faults.empty() ? "" : "; ") + v.problems[i];
  // Performance data: how many jobs are in each health.
  line += " | jobs=" + std::to_string(f.jobs.size());
  for (Health h : kAllHealth)
    line += " " + std::string(HealthName(h)) + "=" + std::to_string(by_health[h]);
  return line;
}

}  // namespace

int RunCheck(const GlobalOptions& g, const CheckOptions& o, Services& sv) {
  auto f = Gather(g, sv, o.jobs, false, /*secrets=*/o.alert);
  if (!f) return 3;
  const int undelivered = o.alert ? SendHealthAlerts(*f, g, sv) : 0;
  const Verdict v = Judge(*f, undelivered);
  if (o.json) {
    sv.out << JsonText(CheckJson(*f, v)) << '\n';
    return v.status;
  }
  if (g.quiet && v.status == 0) return 0;  // --quiet: say something only when not OK
  sv.out << CheckLine(*f, v) << '\n';
  // Long output: a line per job at fault.
  for (const JobView& j : f->jobs)
    if (HealthCheckStatus(j.health.health) > 0)
      sv.out << j.name << ": " << HealthName(j.health.health) << ": " << j.health.detail << '\n';
  return v.status;
}

int RunMetrics(const GlobalOptions& g, const MetricsOptions& o, Services& sv) {
  auto f = Gather(g, sv, {}, true);
  if (!f) return 2;
  const std::string text = MetricsText(*f);
  if (o.output.empty()) {
    sv.out << text;
  } else if (Status s = WriteFileAtomic(o.output, text, 0644, /*durable=*/false); !s.ok()) {
    sv.err << "error: " << s.message() << '\n';
    return 1;
  }
  return f->history.ok() ? 0 : 1;
}

namespace {

StatusPageJob PageJobOf(const JobView& j, const Facts& f) {
  StatusPageJob pj;
  pj.name = j.name;
  pj.health = HealthName(j.health.health);
  pj.detail = j.broken ? *j.broken : j.health.detail;
  if (j.broken) pj.schedule = {"unknown: the job does not load"};
  if (!j.broken && !f.history.ok()) {
    // Without the history, "never ran" would be a guess: say so.
    pj.health = "unknown";
    pj.detail = "cannot read the history: " + f.history.message();
  }
  if (j.spec) {
    const JobSpec& spec = *j.spec;
    pj.description = spec.description;
    pj.schedule = spec.schedule_text;
    if (spec.interval)
      pj.schedule.push_back("every " + FormatTimespan(*spec.interval) +
                            (spec.interval_from == IntervalFrom::kFinish
                                 ? " after the last run finished"
                                 : " from the last run's start"));
    if (spec.on_boot) pj.schedule.push_back(FormatTimespan(*spec.on_boot) + " after boot");
    if (spec.on_startup)
      pj.schedule.push_back(FormatTimespan(*spec.on_startup) + " after the daemon starts");
  }
  pj.next = j.next;
  if (j.runs.last) pj.last_start = j.runs.last->started_at;
  if (j.runs.last_counted) pj.last_result = std::string(RunResultName(j.runs.last_counted->result));
  // The newest run still going (or skipped): its start with its own state,
  // not the result of the run before it.
  if (j.runs.last &&
      (j.runs.last->result == RunResult::kRunning || j.runs.last->result == RunResult::kSkipped))
    pj.last_result = std::string(RunResultName(j.runs.last->result));
  if (j.runs.last_good) pj.last_success = j.runs.last_good->started_at;
  for (const RunRecord& r : j.recent)
    pj.recent.push_back({std::string(RunResultName(r.result)), r.started_at, r.message});
  return pj;
}

// What a page shows of a job that a run, a reload or the passing of its
// schedule's time changes: its health, its newest run (id and result: a
// run that starts or finishes changes it) and its next run. Not the
// relative times, which the next refresh brings anyway.
std::string JobStateText(const JobView& j) {
  std::string text = j.name + '\0' + std::string(HealthName(j.health.health)) + '\0';
  if (j.runs.last)
    text += std::to_string(j.runs.last->id) + ':' +
            std::string(RunResultName(j.runs.last->result)) + ':' +
            std::to_string(j.runs.last->finished_at.has_value());
  text += '\0';
  if (j.next) text += std::to_string(j.next->time_since_epoch().count());
  return text + '\n';
}

// The service's own problems, which every page shows.
std::string ServiceStateText(const Facts& f) {
  std::string text;
  for (const std::string& e : f.global_errors) text += e + '\n';
  if (!f.history.ok()) text += f.history.message();
  return text;
}

// /state's token for the overview: every job's state.
std::string PageState(const Facts& f) {
  std::string text;
  for (const JobView& j : f.jobs) text += JobStateText(j);
  return Hex64(Fnv1a64(text + ServiceStateText(f)));
}

// /state?job=NAME's token for a job page: that job's state alone, so that
// the job page needs to read no other job.
std::string JobPageState(const JobView& j, const Facts& f) {
  return Hex64(Fnv1a64(JobStateText(j) + ServiceStateText(f)));
}

}  // namespace

Result<HealthSnapshot> TakeHealthSnapshot(const GlobalOptions& g, Services& sv, bool expect_daemon,
                                          Micros busy_timeout) {
  auto f = Gather(g, sv, {}, true, false, busy_timeout, kStatusPageRuns);
  if (!f) return Status::Error(StatusCode::kInternal, "cannot read the job file");
  const Verdict v = Judge(*f, 0);
  HealthSnapshot snap;
  StatusPage page;
  page.now = f->now;
  page.summary = CheckLine(*f, v);
  page.summary = page.summary.substr(0, page.summary.find(" | "));
  page.problems = v.problems;
  for (const JobView& j : f->jobs) page.jobs.push_back(PageJobOf(j, *f));
  page.state = snap.state = PageState(*f);
  for (const JobView& j : f->jobs) snap.job_states[j.name] = JobPageState(j, *f);
  snap.status_html = RenderStatusPage(page);
  snap.metrics = MetricsText(*f);
  snap.status_json = JsonText(CheckJson(*f, v)) + "\n";
  snap.check_status = v.status;
  snap.check_line = CheckLine(*f, v);
  // What /healthz answers: whether the service itself works, not whether
  // every job is healthy (a failing backup is the jobs' news, and restarting
  // the daemon over it would help nobody).
  if (!f->global_errors.empty())
    snap.service_problems.push_back("the job file has errors: " + f->global_errors.front());
  if (!f->history.ok())
    snap.service_problems.push_back("cannot read the history: " + f->history.message());
  if (DaemonStale(*f))
    snap.service_problems.push_back("the daemon's last heartbeat was " +
                                    FormatRelative(*f->heartbeat, f->now));
  else if (expect_daemon && f->have_state && !f->heartbeat)
    snap.service_problems.emplace_back("the daemon has written no heartbeat");
  return snap;
}

Result<std::string> TakeJobPage(const GlobalOptions& g, Services& sv, const std::string& job,
                                int page_number, Micros busy_timeout) {
  std::ostringstream said;
  Services quiet{sv.clock,  sv.env, sv.out,  said,       sv.fs, sv.commands,
                 sv.locker, sv.net, sv.http, sv.journal, false};
  // This job's facts alone: the work does not grow with the number of
  // jobs. Gather gives up only on a job it does not know.
  auto f = Gather(g, quiet, {job}, false, false, busy_timeout, 0);
  if (!f || f->jobs.size() != 1)
    return Status::Error(StatusCode::kNotFound, "no job named '" + job + "'");
  const JobView* view = &f->jobs.front();
  JobPage page;
  page.now = f->now;
  page.state = JobPageState(*view, *f);
  page.job = PageJobOf(*view, *f);
  page.problems = Judge(*f, 0).problems;  // the service's own, as on the overview
  page.page = std::max(page_number, 0);
  if (view->spec) {
    page.max_shrink = view->spec->verify.max_shrink;
    page.verifies_artifact = !view->spec->verify.path.empty();
    if (f->loaded->result.config)
      page.definition = RedactedDefinition(*f->loaded->result.config, job);
  } else {
    page.definition = "# not resolved: " + view->broken.value_or("the job has errors");
  }
  if (!f->history.ok()) page.history_problem = "cannot read the history: " + f->history.message();
  if (f->have_state && f->history.ok()) {
    SqliteHistoryOptions options;
    options.busy_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(busy_timeout);
    options.read_only_ok = true;
    auto history = OpenStateHistory(f->state_dir, options);
    // One more than a page: whether an older page exists.
    auto runs = history->Page(job, page.page * kJobPageRuns, kJobPageRuns + 1, /*tails=*/true);
    auto chart = history->Page(job, 0, kJobChartRuns, /*tails=*/false);
    if (!runs.ok() || !chart.ok()) {
      page.history_problem =
          "cannot read the history: " + (runs.ok() ? chart.status() : runs.status()).message();
    } else {
      page.older = runs->size() > static_cast<size_t>(kJobPageRuns);
      if (page.older) runs->pop_back();
      page.runs = std::move(*runs);
      page.chart = std::move(*chart);
    }
    Outbox outbox(f->state_dir, DefaultDataFiles());
    if (auto notes = outbox.Deliveries(job, kJobPageDeliveries); notes.ok())
      page.deliveries = std::move(*notes);
  }
  return RenderJobPage(page);
}

}  // namespace surety
