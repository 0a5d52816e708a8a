#include "cli/job_commands.h"

#include <nlohmann/json.hpp>
#include <ostream>

#include "alert/alert.h"
#include "alert/outbox.h"
#include "base/strings.h"
#include "daemon/daemon.h"
#include "job/config_loader.h"
#include "os/file_system.h"
#include "os/log.h"
#include "os/process.h"
#include "os/state_dir.h"
#include "os/system.h"
#include "runner/runner.h"
#include "sched/random_delay.h"
#include "sched/schedule.h"
#include "store/history_store.h"
#include "store/run_journal.h"
#include "time/timespan.h"
#include "time/timestamp.h"

namespace surety {

namespace {

struct Loaded {
  ZoneDb zones;
  std::shared_ptr<const Zone> local;
  LoadResult result;
  // Why the state directory could not be opened (PinState::kCreate), when
  // it could not; the run goes on without its record then.
  Status state_dir_status;
};

// What a command needs of the state directory: nothing (validate), the one
// there is (reads), or one created if missing (run).
enum class PinState { kNone, kExisting, kCreate };

// What a command needs of the job file beyond the file itself.
struct LoadFor {
  bool show_warnings = false;  // print them on stderr (validate, as text)
  // Resolve alert URLs (url_file, url_env): the commands that alert or
  // check that they could (run, validate).
  bool secrets = true;
  // Look up the user and group names, to warn about unknown ones: only
  // validate shows that warning, so only it pays for the lookups.
  bool accounts = false;
  // Check what only matters before a run (validate): schedules that never
  // elapse again, programs that are not on the job's PATH.
  bool lint = false;
  PinState state = PinState::kNone;
};

std::unique_ptr<Loaded> Load(const GlobalOptions& g, Services& sv, LoadFor want = {}) {
  auto l = std::make_unique<Loaded>();
  l->local = l->zones.LocalFromTz(sv.env.Get("TZ"));
  std::vector<std::string> paths = g.configs;
  if (paths.empty()) {
    paths.push_back(DefaultConfigPath(sv.env, RunningAsRoot()));
    // No job file yet: say where surety looked and how to start, rather
    // than a bare "No such file or directory".
    if (auto st = sv.fs->Stat(paths[0]); st.ok() && !st->exists) {
      l->result.errors.push_back(
          Diagnostic{paths[0], 0, 0, "there is no job file here (the default path surety reads)"});
      sv.err << "error: " << l->result.errors.back().ToString() << '\n'
             << MissingJobFileHelp(paths[0]);
      return l;
    }
  }
  LoadContext ctx{*sv.fs, sv.env, l->zones, *l->local, RunningAsRoot(), HostName()};
  ctx.resolve_secrets = want.secrets;
  if (want.lint) {
    ctx.now = sv.clock.Now();
    ctx.check_programs = true;
    ctx.read_environment_files = true;
  }
  if (want.accounts) {
    ctx.user_exists = [](const std::string& name) { return LookupUser(name).ok(); };
    ctx.group_exists = [](const std::string& name) { return LookupGroup(name).ok(); };
  }
  l->result = LoadConfig(paths, ctx);
  // From here on the state directory is the one opened and checked, by its
  // real path (os/state_dir.h): a symlink swapped after the check cannot
  // send the history or the locks elsewhere.
  if (l->result.config && want.state != PinState::kNone) {
    std::string& dir = l->result.config->settings.state_dir;
    auto pinned = PinStateDir(dir, want.state == PinState::kCreate, RunningAsRoot());
    if (pinned.ok()) {
      dir = pinned->real_path;
    } else if (pinned.status().code() == StatusCode::kInvalidArgument) {
      const auto& files = l->result.config->files;
      l->result.errors.push_back(
          Diagnostic{files.empty() ? dir : files.front(), 0, 0, pinned.status().message()});
      l->result.config.reset();
    } else if (want.state == PinState::kCreate || pinned.status().code() != StatusCode::kNotFound) {
      l->state_dir_status = pinned.status();
    }
  }
  if (want.show_warnings)
    for (const auto& w : l->result.warnings) sv.err << "warning: " << w.ToString() << '\n';
  for (const auto& e : l->result.errors) sv.err << "error: " << e.ToString() << '\n';
  return l;
}

// The history of the state directory (pinned by Load()).
// `read_only_ok`: a reader (history, next) that may not write the state
// directory still reads it.
Result<std::unique_ptr<HistoryStore>> OpenHistory(const Config& cfg, bool read_only_ok) {
  // Many runs may start in the same second: wait for the database rather
  // than lose a record.
  SqliteHistoryOptions options;
  options.busy_timeout = std::chrono::seconds(60);
  // The job does not wait long for its start record: the finish writes it.
  options.begin_wait = std::chrono::seconds(10);
  options.read_only_ok = read_only_ok;
  return OpenStateHistory(cfg.settings.state_dir, options);
}

// Whether any run was ever recorded in the state directory (history.db or
// the run journal exists). Reading a history that does not exist would
// create history.db, or fail when the state directory is missing.
bool HistoryExists(const Config& cfg, Services& sv) {
  auto exists = [&](const std::string& path) {
    auto st = sv.fs->Stat(path);
    return st.ok() && st->exists;
  };
  return exists(HistoryPath(cfg.settings.state_dir)) || exists(JournalPath(cfg.settings.state_dir));
}

// Says on stderr that a read showed history.db with the unfolded journal
// merged in, because the journal could not be folded; and, louder, that
// history.db was found damaged and set aside.
void WarnIfUnfolded(const HistoryStore& history, Services& sv) {
  if (Status s = history.Recovery(); !s.ok()) sv.err << "error: " << s.message() << '\n';
  if (Status s = history.FoldStatus(); !s.ok())
    sv.err << "warning: the run journal could not be folded into history.db, so this shows "
              "both, merged in memory (nothing was written): "
           << s.message() << '\n';
}

// JSON text for stdout. Strings that are not UTF-8 (job output, names read
// from files) become U+FFFD instead of making dump() throw.
std::string JsonText(const nlohmann::json& j, int indent = 2) {
  return j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string CutUtf8(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

LogFormat FormatOf(const GlobalOptions& g) {
  return g.log_format == "json" ? LogFormat::kJson : LogFormat::kLogfmt;
}

// Whether a person runs the command at a terminal and asked nothing of the
// logs: then `surety run` speaks in sentences and logs only problems.
bool Interactive(const GlobalOptions& g, const Services& sv) {
  return sv.err_is_terminal && g.log_format.empty() && g.log_level.empty() && !g.quiet;
}

// The minimum log level: --quiet, --log-level, else info (warning for an
// interactive `surety run`, which ends with its own summary line).
LogLevel LevelOf(const GlobalOptions& g, bool interactive) {
  if (g.quiet) return LogLevel::kError;
  if (auto l = LogLevelFromName(g.log_level)) return *l;
  return interactive ? LogLevel::kWarning : LogLevel::kInfo;
}

// "db: success in 1.2s, run 7 — exited with status 0; artifact verified",
// coloured by result on a terminal.
std::string SummaryLine(const RunRecord& r, bool colour) {
  const char* on = "";
  if (colour) {
    switch (r.result) {
      case RunResult::kSuccess:
      case RunResult::kAlreadyDone:
        on = "\033[32m";
        break;
      case RunResult::kWarning:
      case RunResult::kSkipped:
      case RunResult::kInterrupted:
        on = "\033[33m";
        break;
      default:
        on = "\033[1;31m";
    }
  }
  std::string line = r.job + ": " + on + std::string(RunResultName(r.result)) +
                     (colour ? "\033[0m" : "") + " in " +
                     FormatTimespan(Timespan{static_cast<uint64_t>(r.duration_ms) * 1000}, 1000);
  if (r.attempts > 1) line += " after " + std::to_string(r.attempts) + " attempts";
  if (r.id > 0) line += ", run " + std::to_string(r.id);
  if (!r.message.empty()) line += " — " + r.message;
  return line + "\n";
}

// Rows of cells as text columns, each as wide as its widest cell (in UTF-8
// code points), two spaces apart; the last column is not padded.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  auto width = [](const std::string& s) {
    size_t n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  };
  std::vector<size_t> widths;
  for (const auto& row : rows)
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], width(row[i]));
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

const JobSpec* FindJob(const Config& cfg, const std::string& name, Services& sv) {
  auto it = cfg.jobs.find(name);
  if (it != cfg.jobs.end()) return &it->second;
  std::vector<std::string> names;
  for (const auto& [k, v] : cfg.jobs) names.push_back(k);
  sv.err << "error: no job named '" << name << "'";
  if (auto m = ClosestMatch(name, names)) sv.err << "; did you mean '" << *m << "'?";
  sv.err << "\njobs in " << (cfg.files.empty() ? "the job file" : cfg.files.front()) << ": ";
  for (size_t i = 0; i < names.size(); ++i) sv.err << (i ? ", " : "") << names[i];
  sv.err << '\n';
  return nullptr;
}

}  // namespace

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

int RunRun(const GlobalOptions& g, const RunOptions& o, Services& sv) {
  auto l = Load(g, sv, LoadFor{.state = PinState::kCreate});
  if (!l->result.config) return 2;
  const Config& cfg = *l->result.config;
  const JobSpec* job = FindJob(cfg, o.job, sv);
  if (!job) return 2;
  const bool interactive = Interactive(g, sv);
  Logger log(sv.err, sv.clock, FormatOf(g), LevelOf(g, interactive));
  std::unique_ptr<HistoryStore> history;
  if (!l->state_dir_status.ok())  // the job still runs: the backup matters more than its record
    log.Error("history_unavailable",
              {{"job", job->name}, {"error", l->state_dir_status.message()}});
  else if (auto opened = OpenHistory(cfg, false); opened.ok())
    history = std::move(opened.value());
  else
    log.Error("history_unavailable", {{"job", job->name}, {"error", opened.status().message()}});
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
                  *l->local,
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
                  ProcessEnvironment(sv.env, *job),
                  cfg.settings.host,
                  cfg.settings.state_dir,
                  ProcessOwnerAlive,
                  FillOwner,
                  [](Micros d) { SleepFor(d); },
                  interactive ? &sv.err : nullptr,
                  &outbox};
  RunRequest request{TriggerFromName(o.trigger).value_or(Trigger::kManual),
                     o.tag_output ? "[" + job->name + "] " : ""};
  RunReport report = RunJob(*job, cfg, request, deps);
  if (interactive) sv.err << SummaryLine(report.record, true) << std::flush;
  return report.exit_status;
}

int RunHistory(const GlobalOptions& g, const HistoryOptions& o, Services& sv) {
  auto l = Load(g, sv, LoadFor{.secrets = false, .state = PinState::kExisting});
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

int RunOutbox(const GlobalOptions& g, const OutboxOptions& o, Services& sv) {
  auto l = Load(g, sv, LoadFor{.secrets = o.drain, .state = PinState::kExisting});
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
  DaemonOptions d;
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
  auto l = Load(g, sv, LoadFor{.secrets = false, .state = PinState::kExisting});
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
