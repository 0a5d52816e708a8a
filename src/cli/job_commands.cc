#include "cli/job_commands.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "alert/alert.h"
#include "alert/outbox.h"
#include "base/strings.h"
#include "cli/job_load.h"
#include "cli/serve_command.h"
#include "daemon/daemon.h"
#include "job/config_loader.h"
#include "os/file_system.h"
#include "os/http_server.h"
#include "os/log.h"
#include "os/process.h"
#include "os/state_dir.h"
#include "os/stop_signal.h"
#include "os/system.h"
#include "runner/runner.h"
#include "sched/random_delay.h"
#include "sched/schedule.h"
#include "store/history_store.h"
#include "store/run_journal.h"
#include "time/timespan.h"
#include "time/timestamp.h"

namespace surety {

std::map<std::string, std::string> ProcessEnvironment(const Env& env, const JobSpec& job) {
  std::map<std::string, std::string> out;
  // The job inherits a conventional environment; surety's own variables aside.
  for (const char* k :
       {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR"}) {
    if (auto v = env.Get(k)) out[k] = *v;
  }
  if (!out.count("PATH")) out["PATH"] = kDefaultJobPath;
  // A job run as another user gets that user's identity, as systemd's
  // User= gives it, not ours: a backup tool run as postgres reads
  // ~postgres/.pgpass, not root's. An unknown user fails the run later
  // (preflight_failed); its environment does not matter then.
  if (!job.user.empty()) {
    if (auto u = LookupUser(job.user); u.ok()) {
      out["HOME"] = u->home.empty() ? "/" : u->home;
      out["USER"] = u->name;
      out["LOGNAME"] = u->name;
      if (u->shell.empty())
        out.erase("SHELL");  // ours is not the user's
      else
        out["SHELL"] = u->shell;
    }
  }
  return out;
}

int RunValidate(const GlobalOptions& g, const ValidateOptions& o, Services& sv) {
  auto l = Load(g, sv, LoadFor{.show_warnings = !o.json, .accounts = true, .lint = true});
  const LoadResult& r = l->result;
  if (o.json) {
    nlohmann::json j;
    j["ok"] = r.errors.empty();
    auto diags = [](const std::vector<Diagnostic>& v) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& d : v)
        a.push_back(
            {{"file", d.file}, {"line", d.line}, {"column", d.column}, {"message", d.message}});
      return a;
    };
    j["errors"] = diags(r.errors);
    j["warnings"] = diags(r.warnings);
    if (r.config) {
      j["jobs"] = nlohmann::json::array();
      for (const auto& [name, job] : r.config->jobs) j["jobs"].push_back(name);
      j["files"] = r.config->files;
    }
    sv.out << JsonText(j) << '\n';
  }
  if (!r.errors.empty()) {
    if (!o.json)
      sv.err << r.errors.size() << (r.errors.size() == 1 ? " error" : " errors")
             << " in the job file\n";
    return 2;
  }
  if (!o.json) {
    const Config& c = *r.config;
    sv.out << (c.files.empty() ? "" : c.files.front()) << ": OK — " << c.jobs.size()
           << (c.jobs.size() == 1 ? " job" : " jobs") << ", " << c.alerts.size()
           << (c.alerts.size() == 1 ? " alert" : " alerts");
    if (c.files.size() > 1) sv.out << " (" << c.files.size() << " files)";
    sv.out << "; state in " << c.settings.state_dir << '\n';
  }
  return 0;
}

namespace {

// Runs `job` of `cfg` (or records it refused: request.refused) with the
// real OS, history and outbox of cfg's state directory. `state_dir_status`:
// why that directory could not be opened, if it could not.
RunReport RunWithServices(const JobSpec& job, const Config& cfg, const RunRequest& request,
                          const Status& state_dir_status, const Zone& local, bool interactive,
                          const GlobalOptions& g, Services& sv) {
  Logger log(sv.err, sv.clock, FormatOf(g), LevelOf(g, interactive));
  std::unique_ptr<HistoryStore> history;
  if (!state_dir_status.ok())  // the job still runs: the backup matters more than its record
    log.Error("history_unavailable", {{"job", job.name}, {"error", state_dir_status.message()}});
  else if (auto opened = OpenHistory(cfg, false); opened.ok())
    history = std::move(opened.value());
  else
    log.Error("history_unavailable", {{"job", job.name}, {"error", opened.status().message()}});
  Outbox outbox(cfg.settings.state_dir, DefaultDataFiles());
  RunnerDeps deps{sv.clock,
                  *sv.fs,
                  *sv.commands,
                  *sv.locker,
                  *sv.net,
                  history.get(),
                  *sv.http,
                  *sv.journal,
                  log,
                  local,
                  [](Micros d) { return SleepUnlessStopped(d); },
                  [] { return StopRequested(); },
                  [](const std::string& user,
                     const std::string& group) -> Result<std::pair<uint32_t, uint32_t>> {
                    uint32_t uid = 0, gid = 0;
                    if (!user.empty()) {
                      auto u = LookupUser(user);
                      if (!u.ok()) return u.status();
                      uid = u->uid;
                      gid = u->gid;
                    }
                    if (!group.empty()) {
                      auto gr = LookupGroup(group);
                      if (!gr.ok()) return gr.status();
                      gid = *gr;
                    }
                    return std::make_pair(uid, gid);
                  },
                  ProcessEnvironment(sv.env, job),
                  cfg.settings.host,
                  cfg.settings.state_dir,
                  ProcessOwnerAlive,
                  FillOwner,
                  [](Micros d) { SleepFor(d); },
                  interactive ? &sv.err : nullptr,
                  &outbox,
                  [] { return StopSignal(); }};
  return RunJob(job, cfg, request, deps);
}

// The job file has errors that keep job `name` from running (its own, or
// global ones): the run is still recorded, as failed with the first error,
// and alerted, whenever the state directory is known — a timer that starts
// `surety run` every night must not fail in silence. Exit 2.
int RefuseRun(const Loaded& l, const GlobalOptions& g, const RunOptions& o, Services& sv) {
  const LoadResult& r = l.result;
  auto broken = r.broken.find(o.job);
  const std::vector<Diagnostic>& errors = broken != r.broken.end() ? broken->second : r.errors;
  if (errors.empty()) return 2;
  std::string why = "the job file has errors, so the job did not run: " + errors.front().ToString();
  if (errors.size() > 1)
    why += " (and " + std::to_string(errors.size() - 1) + " more; surety validate lists them)";
  if (!r.settings) {
    sv.err << "error: this failed run of " << o.job
           << " cannot be recorded: the state directory is unknown while [settings] has errors\n";
    return 2;
  }
  Config cfg;
  cfg.settings = *r.settings;
  auto pinned = PinStateDir(cfg.settings.state_dir, true, RunningAsRoot());
  if (!pinned.ok()) {
    sv.err << "error: this failed run of " << o.job
           << " cannot be recorded: " << pinned.status().message() << '\n';
    return 2;
  }
  cfg.settings.state_dir = pinned->real_path;
  cfg.alerts = r.alerts;
  JobSpec job;
  job.name = o.job;
  if (auto a = r.job_alerts.find(o.job); a != r.job_alerts.end())
    for (const std::string& name : a->second)
      if (cfg.alerts.count(name)) job.alert.push_back(name);
  RunRequest request{TriggerFromName(o.trigger).value_or(Trigger::kManual),
                     o.tag_output ? "[" + job.name + "] " : "", why};
  const bool interactive = Interactive(g, sv);
  RunReport report = RunWithServices(job, cfg, request, Status::Ok(), *l.local, interactive, g, sv);
  if (interactive) sv.err << SummaryLine(report.record, true) << std::flush;
  return 2;
}

}  // namespace

int RunRun(const GlobalOptions& g, const RunOptions& o, Services& sv) {
  auto l = Load(g, sv, LoadFor{.state = PinState::kCreate, .scoped = true});
  const LoadResult& r = l->result;
  const bool known = r.broken.count(o.job) > 0 || r.job_alerts.count(o.job) > 0;
  if (!r.config || (r.broken.count(o.job) > 0)) return known ? RefuseRun(*l, g, o, sv) : 2;
  const Config& cfg = *r.config;
  const JobSpec* job = FindJob(cfg, o.job, sv);
  if (!job) return 2;
  const bool interactive = Interactive(g, sv);
  RunRequest request{TriggerFromName(o.trigger).value_or(Trigger::kManual),
                     o.tag_output ? "[" + job->name + "] " : "", ""};
  RunReport report =
      RunWithServices(*job, cfg, request, l->state_dir_status, *l->local, interactive, g, sv);
  if (interactive) sv.err << SummaryLine(report.record, true) << std::flush;
  return report.exit_status;
}

int RunHistory(const GlobalOptions& g, const HistoryOptions& o, Services& sv) {
  auto l = Load(g, sv, LoadFor{.secrets = false, .state = PinState::kExisting, .scoped = true});
  if (!l->result.config) return 2;
  const Config& cfg = *l->result.config;
  const bool all = o.job.empty();
  // A job no longer in the job file still shows the runs it left; a name
  // that is neither is a usage error, in JSON as in text.
  const bool known = all || cfg.jobs.count(o.job) > 0;
  std::vector<RunRecord> runs;
  if (HistoryExists(cfg, sv)) {
    auto history = OpenHistory(cfg, true);
    if (!history.ok()) {
      sv.err << "error: " << history.status().message() << '\n';
      return 1;
    }
    (void)(*history)->ReapDead(ProcessOwnerAlive, sv.clock.Now());
    auto recent = (*history)->Recent(o.job, o.limit);
    if (!recent.ok()) {
      sv.err << "error: " << recent.status().message() << '\n';
      return 1;
    }
    WarnIfUnfolded(**history, sv);
    runs = std::move(*recent);
  }
  if (runs.empty() && !known) {
    FindJob(cfg, o.job, sv);  // the did-you-mean error
    return 2;
  }
  if (o.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : runs) {
      // RunRecordJson replaces bytes that are not UTF-8 (job output).
      auto j = nlohmann::json::parse(RunRecordJson(r, std::nullopt), nullptr, false);
      if (j.is_discarded()) continue;
      // Which alerts were sent for the run and which failed (empty: none).
      j["alert_status"] = r.alert_status;  // JsonText() replaces bytes that are not UTF-8
      arr.push_back(j);
    }
    sv.out << JsonText(arr) << '\n';
    return 0;
  }
  if (runs.empty()) {
    if (all)
      sv.out << "no runs recorded yet in " << cfg.settings.state_dir
             << " (surety run JOB, or surety daemon)\n";
    else
      sv.out << "no runs of " << o.job << " recorded yet (surety run " << o.job << ")\n";
    return 0;
  }
  const Zone& local = *l->local;
  // Columns as wide as their widest value: an EXIT of SIGTERM or a long job
  // name never runs into the next column.
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"ID", "STARTED", "DURATION", "RESULT", "EXIT", "TRY", "TRIGGER", "MESSAGE"});
  if (all) rows.back().insert(rows.back().begin() + 1, "JOB");
  for (const auto& r : runs) {
    std::string exit = r.exit_code ? std::to_string(*r.exit_code)
                       : r.signal  ? "SIG" + *r.signal
                                   : "-";
    std::string dur =
        r.finished_at ? FormatTimespan(Timespan{static_cast<uint64_t>(r.duration_ms) * 1000}, 1000)
                      : "-";
    std::string msg = r.message;
    if (msg.size() > 120) msg = CutUtf8(msg, 117) + "...";
    if (r.alert_status.find("failed") != std::string::npos)
      msg += " [an alert failed: see alert_status in --json]";
    rows.push_back({std::to_string(r.id), FormatTimestamp(r.started_at, local), dur,
                    std::string(RunResultName(r.result)), exit, std::to_string(r.attempts),
                    std::string(TriggerName(r.trigger)), msg});
    if (all) rows.back().insert(rows.back().begin() + 1, r.job);
  }
  sv.out << FormatTable(rows);
  return 0;
}

namespace {

// `outbox --sent`: the delivery log of each job, merged, newest first.
int PrintDeliveries(const Config& cfg, Outbox& outbox, const OutboxOptions& o, const Zone& zone,
                    Services& sv) {
  std::vector<std::string> jobs = o.jobs;
  if (jobs.empty())
    for (const auto& [name, job] : cfg.jobs) jobs.push_back(name);
  for (const std::string& name : o.jobs)
    if (!FindJob(cfg, name, sv)) return 2;
  std::vector<DeliveryNote> all;
  const size_t limit = static_cast<size_t>(o.limit);
  for (const std::string& name : jobs) {
    auto notes = outbox.Deliveries(name, limit);
    if (!notes.ok()) {
      sv.err << "error: " << notes.status().message() << '\n';
      return 1;
    }
    all.insert(all.end(), notes->begin(), notes->end());
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const DeliveryNote& a, const DeliveryNote& b) { return a.at > b.at; });
  if (all.size() > limit) all.resize(limit);
  if (o.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const DeliveryNote& n : all) {
      nlohmann::json j = {{"at", FormatRfc3339(n.at)},
                          {"job", n.job},
                          {"run_id", n.run_id},
                          {"alert", n.alert},
                          {"event", AlertEventName(n.event)},
                          {"key", n.key},
                          {"sent", n.sent}};
      j["error"] = n.sent ? nlohmann::json(nullptr) : nlohmann::json(n.error);
      arr.push_back(j);
    }
    sv.out << JsonText(arr) << '\n';
    return 0;
  }
  if (all.empty()) {
    sv.out << "no alert was delivered or tried yet\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"WHEN", "JOB", "RUN", "EVENT", "ALERT", "OUTCOME"}};
  for (const DeliveryNote& n : all)
    rows.push_back({FormatTimestamp(n.at, zone), n.job, n.run_id ? std::to_string(n.run_id) : "-",
                    std::string(AlertEventName(n.event)), n.alert,
                    n.sent ? "sent" : "failed: " + n.error});
  sv.out << FormatTable(rows);
  return 0;
}

}  // namespace

int RunOutbox(const GlobalOptions& g, const OutboxOptions& o, Services& sv) {
  auto l = Load(g, sv, LoadFor{.secrets = o.drain, .state = PinState::kExisting, .scoped = true});
  if (!l->result.config) return 2;
  const Config& cfg = *l->result.config;
  Outbox outbox(cfg.settings.state_dir, DefaultDataFiles());
  Logger log(sv.err, sv.clock, FormatOf(g), LevelOf(g, false));
  if (o.drain) {
    AlertEnv aenv{*sv.http, *sv.journal, *sv.commands, [](Micros d) { SleepFor(d); },
                  ProcessEnvironment(sv.env, JobSpec{})};
    DrainReport report = DrainOutbox(outbox, cfg.alerts, aenv, sv.clock.Now());
    for (const std::string& problem : report.problems)
      log.Error("outbox_delivery_failed", {{"problem", problem}});
    log.Info("outbox_drained", {{"delivered", std::to_string(report.delivered)},
                                {"failed", std::to_string(report.failed)},
                                {"given_up", std::to_string(report.given_up)}});
    return report.failed > 0 || report.given_up > 0 ? 1 : 0;
  }
  if (o.sent) return PrintDeliveries(cfg, outbox, o, *l->local, sv);
  auto pending = outbox.Pending();
  if (!pending.ok()) {
    sv.err << "error: " << pending.status().message() << '\n';
    return 1;
  }
  if (o.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const OutboxEntry& e : *pending)
      arr.push_back({{"key", e.key},
                     {"alert", e.alert},
                     {"event", AlertEventName(e.event)},
                     {"attempts", e.attempts},
                     {"first_attempt_at", FormatRfc3339(e.first_attempt_at)},
                     {"job", e.record.job},
                     {"run_id", e.record.id}});
    sv.out << JsonText(arr) << '\n';
    return 0;
  }
  if (pending->empty()) {
    sv.out << "the outbox is empty: every alert was delivered\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"FIRST TRIED", "JOB", "RUN", "EVENT", "ALERT", "ATTEMPTS", "KEY"}};
  for (const OutboxEntry& e : *pending)
    rows.push_back({FormatTimestamp(e.first_attempt_at, *l->local), e.record.job,
                    std::to_string(e.record.id), std::string(AlertEventName(e.event)), e.alert,
                    std::to_string(e.attempts), e.key});
  sv.out << FormatTable(rows);
  return 0;
}

int RunDaemonCommand(const GlobalOptions& g, const DaemonCliOptions& o, Services& sv) {
  auto grace = ParseTimespan(o.shutdown_grace);
  if (!grace.ok() || grace->infinite()) {
    sv.err << "error: --shutdown-grace: expected a time span such as 10s or 1min\n";
    return 2;
  }
  auto check_every = ParseTimespan(o.check_every);
  if (!check_every.ok() || check_every->infinite() ||
      SpanMicros(*check_every) < std::chrono::seconds(1)) {
    sv.err << "error: --check-every: expected a time span of at least 1s, such as 1min\n";
    return 2;
  }
  DaemonOptions d;
  d.check_every = SpanMicros(*check_every);
  if (!o.listen.empty()) {
    // Said now, not by the server the daemon starts later.
    auto address = ParseListenAddress(o.listen);
    if (!address.ok()) {
      sv.err << "error: --listen: " << address.status().message() << '\n';
      return 2;
    }
    if (!address->loopback && !o.token_file) {
      sv.err << "error: --listen " << address->ToString()
             << " is not a loopback address: give --token-file too (see surety serve --help)\n";
      return 2;
    }
    if (o.token_file) {
      if (auto token = ReadTokenFile(*o.token_file, sv); !token.ok()) {
        sv.err << "error: " << token.status().message() << '\n';
        return 2;
      }
      d.token_file = *o.token_file;
      if (d.token_file.front() != '/') {
        if (auto abs = sv.fs->CanonicalPath(d.token_file); abs.ok()) d.token_file = *abs;
      }
    }
    if (Status s = ProbeListen(*address); !s.ok()) {
      sv.err << "error: --listen: " << s.message() << "; is another surety (or something else) "
             << "serving there?\n";
      return 2;
    }
    d.listen = o.listen;
  } else if (o.token_file) {
    sv.err << "error: --token-file needs --listen\n";
    return 2;
  }
  d.configs = g.configs;
  d.log_format = g.log_format.empty() ? "logfmt" : g.log_format;
  // The daemon's log is its output: info by default, on a terminal too.
  const LogLevel level = LevelOf(g, /*interactive=*/false);
  d.log_level = std::string(LogLevelName(level));
  d.shutdown_grace = SpanMicros(*grace);
  d.leave_runs = o.leave_runs;
  Logger log(sv.err, sv.clock, FormatOf(g), level);
  return RunDaemon(d, sv.clock, sv.env, *sv.fs, log);
}

int RunNext(const GlobalOptions& g, const NextOptions& o, Services& sv) {
  auto l = Load(g, sv, LoadFor{.secrets = false, .state = PinState::kExisting, .scoped = true});
  if (!l->result.config) return 2;
  const Config& cfg = *l->result.config;
  std::vector<const JobSpec*> jobs;
  if (o.jobs.empty()) {
    for (const auto& [name, job] : cfg.jobs) jobs.push_back(&job);
  } else {
    for (const auto& name : o.jobs) {
      const JobSpec* j = FindJob(cfg, name, sv);
      if (!j) return 2;
      jobs.push_back(j);
    }
  }
  // What the daemon armed, if one runs with this state directory.
  nlohmann::json daemon_next;
  if (auto text = sv.fs->ReadFile(cfg.settings.state_dir + "/next.json"); text.ok()) {
    daemon_next = nlohmann::json::parse(*text, nullptr, false);
    if (daemon_next.is_discarded()) daemon_next = nullptr;
  }
  std::unique_ptr<HistoryStore> history;
  if (HistoryExists(cfg, sv)) {
    if (auto opened = OpenHistory(cfg, true); opened.ok()) history = std::move(*opened);
  }
  Instant now = sv.clock.Now();
  if (history) (void)history->ReapDead(ProcessOwnerAlive, now);
  MktimeState mk;
  CalendarEvalContext eval{l->local.get(), &l->zones, &mk};
  std::array<uint8_t, 16> machine{};
  if (auto id = ParseId128(MachineIdText())) machine = *id;
  uint64_t phase = 0;  // where this boot's coalesced wake-ups fall, as the daemon's
  if (auto id = ParseId128(BootIdText())) phase = BootPhase(*id);
  nlohmann::json out = nlohmann::json::array();
  for (const JobSpec* job : jobs) {
    JobHistoryFacts facts = FactsFromHistory(*job, history.get(), now);
    ScheduleContext ctx{now, now, BootInstant(), eval, nullptr};
    const uint64_t fixed = JobFixedRandomDelay(machine, RunningAsRoot(), CurrentUid(), *job);
    ctx.random_delay_usec = [&](const JobSpec&) { return fixed; };
    auto due = NextDue(*job, facts, ctx);
    std::vector<Instant> more;
    if (due && o.count > 1) more = NextCalendarElapses(*job, due->nominal, o.count - 1, eval);
    // Accuracy lets the daemon start a run up to that much past its due
    // time, at a moment it shares with other wake-ups (systemd's
    // AccuracySec=): the start lies in [due, due + window].
    const Micros window = AccuracyWindow(*job);
    const std::string window_text = FormatTimespan(Timespan{static_cast<uint64_t>(window.count())});
    nlohmann::json e = {{"job", job->name}};
    e["next"] = due ? nlohmann::json(FormatRfc3339(due->when)) : nlohmann::json(nullptr);
    e["start_by"] =
        due ? nlohmann::json(FormatRfc3339(due->when + window)) : nlohmann::json(nullptr);
    e["likely_start"] =
        due ? nlohmann::json(FormatRfc3339(CoalescedStart(*job, due->when, phase))) : nullptr;
    e["trigger"] = due ? nlohmann::json(TriggerName(due->trigger)) : nlohmann::json(nullptr);
    e["accuracy"] = window_text;
    e["random_delay_max"] = FormatTimespan(job->randomized_delay);
    e["fixed_random_delay"] = job->fixed_random_delay;
    nlohmann::json later = nlohmann::json::array();
    for (Instant t : more) later.push_back(FormatRfc3339(t + Micros{static_cast<int64_t>(fixed)}));
    e["then"] = later;
    if (daemon_next.is_object() && daemon_next["jobs"].contains(job->name))
      e["daemon"] = daemon_next["jobs"][job->name];
    out.push_back(e);
    if (o.json) continue;
    sv.out << job->name << ": ";
    if (!due) {
      sv.out << "not scheduled (no schedule, interval or boot delay that can still elapse); "
                "runs only with 'surety run "
             << job->name << "'\n";
      continue;
    }
    const std::string indent(job->name.size() + 2, ' ');
    sv.out << FormatTimestamp(due->when, *l->local) << " (" << FormatRelative(due->when, now)
           << ", trigger " << TriggerName(due->trigger) << ")";
    if (job->randomized_delay.usec > 0)
      sv.out << (job->fixed_random_delay
                     ? ", fixed delay " + FormatTimespan(Timespan{fixed}, 1000000) + " included"
                     : ", plus a random delay of up to " + FormatTimespan(job->randomized_delay));
    sv.out << '\n';
    for (Instant t : more)
      sv.out << indent << FormatTimestamp(t + Micros{static_cast<int64_t>(fixed)}, *l->local)
             << '\n';
    if (window >= Micros{std::chrono::seconds(1)})
      sv.out << indent << "each run starts within " << window_text
             << " of its time (accuracy), when the daemon wakes; next probably at "
             << FormatTimestamp(CoalescedStart(*job, due->when, phase), *l->local) << '\n';
    // A window as long as the time between runs merges runs: say so.
    if (auto two = NextCalendarElapses(*job, due->nominal, 2, eval); two.size() == 2) {
      const Micros period = two[1] - two[0];
      if (window >= period)
        sv.out << indent << "note: accuracy " << window_text
               << " is not shorter than the time between runs ("
               << FormatTimespan(Timespan{static_cast<uint64_t>(period.count())})
               << "), so runs start late and some times are passed over; set accuracy = \"1s\" "
                  "(or less) for runs on time\n";
    }
    if (e.contains("daemon") && e["daemon"].contains("next") && e["daemon"]["next"].is_string())
      sv.out << indent << "the running daemon has it at " << e["daemon"]["next"].get<std::string>()
             << '\n';
  }
  if (history) WarnIfUnfolded(*history, sv);
  if (o.json) sv.out << JsonText(out) << '\n';
  return 0;
}

}  // namespace surety
