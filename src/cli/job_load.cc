// Loading the job file and the history for the job commands
// (cli/job_load.h).
#include "cli/job_load.h"

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

std::unique_ptr<Loaded> Load(const GlobalOptions& g, Services& sv, LoadFor want) {
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
  if (want.scoped && !l->result.config && l->result.usable) l->result.config = l->result.usable;
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
std::string JsonText(const nlohmann::json& j, int indent) {
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

}  // namespace surety
