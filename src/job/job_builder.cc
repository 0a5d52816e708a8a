#include "job/job_builder.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "base/strings.h"
#include "job/environment_file.h"
#include "job/trust.h"
#include "os/process.h"
#include "time/calendar_hint.h"
#include "time/calendar_spec.h"
#include "time/timespan.h"

namespace surety {
namespace {

// systemd's rule, relaxed as in systemd 248: anything but '=' and NUL;
// control characters are refused too, since they would break an exported
// unit file and every log line.
bool ValidEnvName(const std::string& k) {
  if (k.empty()) return false;
  return std::none_of(k.begin(), k.end(), [](char c) {
    return c == '=' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

}  // namespace

JobBuilder::JobBuilder(const BuildContext& b, const std::map<std::string, AlertSpec>& alerts)
    : load_(b.load), files_(b.files), diags_(b.diags), values_(b.values), alerts_(alerts) {
  parse_ctx_.tzname[0] = load_.local.tzname(0);
  parse_ctx_.tzname[1] = load_.local.tzname(1);
  parse_ctx_.zones = &load_.zones;
}

const std::vector<std::string>& JobBuilder::Keys() {
  static const std::vector<std::string> k = {"description",
                                             "command",
                                             "schedule",
                                             "persistent",
                                             "randomized_delay",
                                             "fixed_random_delay",
                                             "accuracy",
                                             "on_boot",
                                             "on_startup",
                                             "interval",
                                             "interval_from",
                                             "timeout",
                                             "kill_grace",
                                             "overlap",
                                             "lock_wait",
                                             "retries",
                                             "retry_delay",
                                             "retry_backoff",
                                             "retry_delay_max",
                                             "success_exit_status",
                                             "warning_exit_status",
                                             "already_done_exit_status",
                                             "already_done_output",
                                             "environment",
                                             "environment_file",
                                             "working_directory",
                                             "user",
                                             "group",
                                             "grace",
                                             "repeat",
                                             "alert_warnings",
                                             "alert",
                                             "preflight",
                                             "verify",
                                             "sandbox",
                                             "keep_runs"};
  return k;
}

void JobBuilder::CheckKeys(const MNode& t, const std::string& ctx) {
  values_.CheckKeys(t, Keys(), ctx);
  if (auto it = t.children.find("preflight"); it != t.children.end() && it->second.is_table)
    values_.CheckKeys(it->second, {"free_space", "reachable", "files", "command", "wait"},
                      ctx + ".preflight");
  if (auto it = t.children.find("verify"); it != t.children.end() && it->second.is_table)
    values_.CheckKeys(it->second, {"path", "min_size", "fresh", "max_shrink", "command"},
                      ctx + ".verify");
  if (auto it = t.children.find("sandbox"); it != t.children.end() && it->second.is_table)
    values_.CheckKeys(it->second,
                      {"write", "read_home", "read_any_file", "network", "devices", "docker",
                       "write_execute", "resources", "capabilities"},
                      ctx + ".sandbox");
}

JobSpec JobBuilder::Build(const std::string& name, const std::string& ctx, const MNode& t,
                          bool whole_job) {
  JobSpec j;
  j.name = name;
  ReadCommand(t, ctx, whole_job, j);
  ReadSchedule(t, ctx, j);
  ReadProcessKeys(t, ctx, whole_job, j);
  ReadExitClasses(t, ctx, whole_job, j);
  ReadEnvironment(t, ctx, j);
  ReadReporting(t, ctx, j);
  if (const MNode* p = values_.Child(t, "preflight", true, ctx))
    BuildPreflight(*p, ctx + ".preflight", j);
  if (const MNode* v = values_.Child(t, "verify", true, ctx))
    BuildVerify(*v, ctx + ".verify", whole_job, j);
  if (const MNode* s = values_.Child(t, "sandbox", true, ctx))
    BuildSandbox(*s, ctx + ".sandbox", j);
  if (whole_job) CheckWholeJob(name, t, ctx, j);
  return j;
}

void JobBuilder::ReadCommand(const MNode& t, const std::string& ctx, bool whole_job, JobSpec& j) {
  j.description = values_.String(&t, "description", ctx).value_or("");
  j.command = values_.CommandOf(&t, "command", ctx);
  // A job file that could not be read may hold the command.
  if (whole_job && j.command.empty() && !t.children.count("command") && !files_.incomplete())
    diags_.Error(t.where, ctx +
                              ": missing 'command' (what to run), e.g. command = [\"pg_dump\", "
                              "\"-f\", \"/backups/db.dump\", \"app\"]");
}

void JobBuilder::ReadSchedule(const MNode& t, const std::string& ctx, JobSpec& j) {
  for (const auto& [text, n] : values_.StringNodes(&t, "schedule", ctx)) {
    j.schedule_text.push_back(text);
    auto spec = ParseCalendarSpec(text, parse_ctx_);
    if (!spec.ok()) {
      // The parser says what the grammar expected; the hint, when there is
      // one, what was meant (cron syntax, a misspelt zone).
      diags_.Error(n->source(),
                   ctx + ".schedule: invalid calendar spec \"" + QuoteForMessage(text) +
                       "\": " + ExplainInvalidCalendar(text, spec.status().message(), parse_ctx_) +
                       " (check it with: surety calendar '" + QuoteForMessage(text) + "')");
      continue;
    }
    j.schedule.push_back(*spec);
    if (load_.now) WarnIfNeverElapses(*n, ctx + ".schedule", text, *spec);
  }
  j.persistent = values_.Bool(&t, "persistent", ctx).value_or(false);
  if (auto v = values_.Span(&t, "randomized_delay", ctx)) j.randomized_delay = *v;
  j.fixed_random_delay = values_.Bool(&t, "fixed_random_delay", ctx).value_or(false);
  if (auto v = values_.Span(&t, "accuracy", ctx)) j.accuracy = *v;
  j.on_boot = values_.Span(&t, "on_boot", ctx);
  j.on_startup = values_.Span(&t, "on_startup", ctx);
  j.interval = values_.Span(&t, "interval", ctx);
  if (auto v = values_.String(&t, "interval_from", ctx)) {
    if (*v == "start")
      j.interval_from = IntervalFrom::kStart;
    else if (*v == "finish")
      j.interval_from = IntervalFrom::kFinish;
    else
      diags_.Error(values_.Leaf(&t, "interval_from", ctx)->source(),
                   ctx + ".interval_from: expected \"start\" or \"finish\"");
  }
}

void JobBuilder::ReadProcessKeys(const MNode& t, const std::string& ctx, bool whole_job,
                                 JobSpec& j) {
  if (auto v = values_.Span(&t, "timeout", ctx, TomlValues::Infinity::kAllowed)) j.timeout = *v;
  if (auto v = values_.Span(&t, "kill_grace", ctx, TomlValues::Infinity::kAllowed))
    j.kill_grace = *v;
  if (auto v = values_.String(&t, "overlap", ctx)) {
    if (*v == "skip")
      j.overlap = Overlap::kSkip;
    else if (*v == "wait")
      j.overlap = Overlap::kWait;
    else
      diags_.Error(
          values_.Leaf(&t, "overlap", ctx)->source(),
          ctx + ".overlap: expected \"skip\" or \"wait\", not \"" + QuoteForMessage(*v) + "\"");
  }
  const auto lock_wait = values_.Span(&t, "lock_wait", ctx, TomlValues::Infinity::kAllowed);
  if (lock_wait) {
    j.lock_wait = *lock_wait;
    if (whole_job && j.overlap != Overlap::kWait)
      diags_.Warn(values_.Leaf(&t, "lock_wait", ctx)->source(),
                  ctx + ".lock_wait has no effect unless overlap = \"wait\"");
  }
  if (whole_job && j.overlap == Overlap::kWait && j.lock_wait.usec == 0) {
    if (!t.children.count("lock_wait"))
      diags_.Warn(values_.Leaf(&t, "overlap", ctx)->source(),
                  ctx +
                      ".overlap: \"wait\" without lock_wait does not wait (lock_wait is 0): a run "
                      "that finds another one running ends skipped; set lock_wait, e.g. \"30min\" "
                      "or \"infinity\"");
    else if (lock_wait)
      diags_.Warn(values_.Leaf(&t, "lock_wait", ctx)->source(),
                  ctx +
                      ".lock_wait: 0 with overlap = \"wait\" does not wait: a run that finds "
                      "another one running ends skipped; set e.g. \"30min\" or \"infinity\", or "
                      "use overlap = \"skip\"");
  }
  if (auto v = values_.Int(&t, "retries", ctx, 0, 100)) j.retries = static_cast<int>(*v);
  auto retry_delay = values_.Span(&t, "retry_delay", ctx);
  if (retry_delay) j.retry_delay = *retry_delay;
  auto retry_delay_max = values_.Span(&t, "retry_delay_max", ctx);
  if (retry_delay_max) j.retry_delay_max = *retry_delay_max;
  if (whole_job && j.retry_delay_max.usec < j.retry_delay.usec &&
      (retry_delay || retry_delay_max)) {
    const toml::node* n =
        values_.Leaf(&t, retry_delay_max ? "retry_delay_max" : "retry_delay", ctx);
    diags_.Error(n->source(),
                 ctx + ".retry_delay_max (" + FormatTimespan(j.retry_delay_max) +
                     (retry_delay_max ? "" : ", the default") + ") is shorter than retry_delay (" +
                     FormatTimespan(j.retry_delay) + (retry_delay ? "" : ", the default") +
                     "), so every retry would wait retry_delay_max; raise "
                     "retry_delay_max or lower retry_delay");
  }
  if (const toml::node* n = values_.Leaf(&t, "retry_backoff", ctx)) {
    double b = n->is_floating_point() ? n->as_floating_point()->get()
               : n->is_integer()      ? static_cast<double>(n->as_integer()->get())
                                      : -1;
    if (!(b >= 1.0 && b <= 100.0))
      diags_.Error(n->source(), ctx +
                                    ".retry_backoff: expected a number from 1.0 to 100.0 (the "
                                    "factor each retry delay grows by)");
    else
      j.retry_backoff = b;
  }
}

void JobBuilder::ReadExitClasses(const MNode& t, const std::string& ctx, bool whole_job,
                                 JobSpec& j) {
  j.success_exit_status = values_.ExitSet(&t, "success_exit_status", ctx);
  j.warning_exit_status = values_.ExitSet(&t, "warning_exit_status", ctx);
  j.already_done_exit_status = values_.ExitSet(&t, "already_done_exit_status", ctx);
  j.already_done_output = values_.String(&t, "already_done_output", ctx).value_or("");
  if (whole_job) CheckExitOverlap(t, ctx, j);
}

void JobBuilder::ReadEnvironment(const MNode& t, const std::string& ctx, JobSpec& j) {
  if (const MNode* env = values_.Child(t, "environment", true, ctx)) {
    for (const auto& [k, v] : env->children) {
      const std::string what = ctx + ".environment." + QuoteForMessage(k);
      if (!ValidEnvName(k)) {
        diags_.Error(v.where, what +
                                  ": not a valid variable name (it must be non-empty, without '=', "
                                  "NUL or control characters)");
        continue;
      }
      if (v.is_table || !v.node->is_string()) {
        diags_.Error(v.where, what + ": expected a string value");
        continue;
      }
      if (HasNul(v.node->as_string()->get())) {
        values_.NulError(*v.node, what);
        continue;
      }
      j.environment[k] = v.node->as_string()->get();
    }
  }
  if (auto f = values_.Path(&t, "environment_file", ctx)) {
    j.environment_file = *f;
    CheckEnvironmentFile(*values_.Leaf(&t, "environment_file", ctx), ctx + ".environment_file", *f);
  }
  j.working_directory = values_.AbsolutePath(&t, "working_directory", ctx).value_or("");
  j.user = values_.String(&t, "user", ctx).value_or("");
  j.group = values_.String(&t, "group", ctx).value_or("");
  // A number is an id as it is, with no lookup at run time: one no account
  // can have (4294967296 wraps around to root's 0) is refused here.
  for (const char* key : {"user", "group"}) {
    const std::string& value = std::string(key) == "user" ? j.user : j.group;
    if (IsAllDigits(value) && !ParseNumericId(value))
      if (const toml::node* n = values_.Leaf(&t, key, ctx))
        diags_.Error(n->source(), ctx + "." + key + ": " + value + " is not a valid " + key +
                                      " id (0 to 4294967294, not 65535)");
  }
  if ((!j.user.empty() || !j.group.empty()) && !load_.running_as_root)
    diags_.Warn(values_.Leaf(&t, j.user.empty() ? "group" : "user", ctx)->source(),
                ctx + ": user/group only take effect when surety runs as root");
  // A warning, not an error: the account may be created after the file.
  if (load_.running_as_root && !j.user.empty() && load_.user_exists && !load_.user_exists(j.user))
    if (const toml::node* n = values_.Leaf(&t, "user", ctx))
      diags_.Warn(n->source(), ctx + ".user: no user '" + QuoteForMessage(j.user) +
                                   "' on this host; every run will end preflight_failed until "
                                   "there is");
  if (load_.running_as_root && !j.group.empty() && load_.group_exists &&
      !load_.group_exists(j.group))
    if (const toml::node* n = values_.Leaf(&t, "group", ctx))
      diags_.Warn(n->source(), ctx + ".group: no group '" + QuoteForMessage(j.group) +
                                   "' on this host; every run will end preflight_failed until "
                                   "there is");
}

void JobBuilder::ReadReporting(const MNode& t, const std::string& ctx, JobSpec& j) {
  j.grace = values_.Span(&t, "grace", ctx);
  if (auto v = values_.Span(&t, "repeat", ctx)) j.repeat = *v;
  j.alert_warnings = values_.Bool(&t, "alert_warnings", ctx).value_or(false);
  for (const auto& [a, n] : values_.StringNodes(&t, "alert", ctx)) {
    j.alert.push_back(a);
    // The alert may be defined in a file that could not be read.
    if (alerts_.count(a) || files_.incomplete()) continue;
    std::vector<std::string> known;
    for (const auto& [k, v] : alerts_) known.push_back(k);
    std::string msg = ctx + ".alert: no alert named '" + QuoteForMessage(a) + "'";
    if (auto m = ClosestMatch(a, known))
      msg += "; did you mean '" + *m + "'?";
    else
      msg += "; define it as [alerts." + a + "]";
    diags_.Error(n->source(), msg);
  }
  if (auto v = values_.Int(&t, "keep_runs", ctx, 1, 10'000'000)) j.keep_runs = static_cast<int>(*v);
}

void JobBuilder::CheckWholeJob(const std::string& name, const MNode& t, const std::string& ctx,
                               const JobSpec& j) {
  if (load_.check_programs) {
    CheckProgram(values_.Leaf(&t, "command", ctx), ctx + ".command", j.command, j);
    if (const MNode* p = values_.Child(t, "preflight", true, ctx))
      CheckProgram(values_.Leaf(p, "command", ctx + ".preflight"), ctx + ".preflight.command",
                   j.preflight.command, j);
    if (const MNode* v = values_.Child(t, "verify", true, ctx))
      CheckProgram(values_.Leaf(v, "command", ctx + ".verify"), ctx + ".verify.command",
                   j.verify.command, j);
  }
  const bool scheduled = !j.schedule.empty() || !j.schedule_text.empty();
  if (!scheduled && !j.on_boot && !j.on_startup && !j.interval)
    diags_.Warn(t.where, ctx +
                             ": no schedule, on_boot, on_startup or interval: the job runs only "
                             "when started by hand (surety run " +
                             name + ")");
  if (j.persistent && !scheduled)
    diags_.Warn(values_.Leaf(&t, "persistent", ctx)->source(),
                ctx +
                    ".persistent has no effect without 'schedule': it catches up calendar runs "
                    "missed while surety was not running");
}

// A schedule whose every elapse lies in the past ("2020-01-01 00:00")
// never starts the job again: almost always a mistake (a year typed
// wrong), so validate says so.
void JobBuilder::WarnIfNeverElapses(const toml::node& n, const std::string& what,
                                    const std::string& text, const CalendarSpec& spec) {
  MktimeState mktime;
  CalendarEvalContext eval{&load_.local, &load_.zones, &mktime};
  auto next = NextElapse(spec, *load_.now, eval);
  if (!next.ok() || next->has_value()) return;
  diags_.Warn(n.source(), what + ": \"" + QuoteForMessage(text) +
                              "\" never elapses again (every time it names is in the past), so it "
                              "will never start the job; check it with: surety calendar '" +
                              QuoteForMessage(text) + "'");
}

// Whether `path` is a file someone may execute.
bool JobBuilder::Executable(const std::string& path) const {
  auto st = load_.fs.Stat(path);
  return st.ok() && st->exists && st->is_regular && (st->mode & 0111) != 0;
}

// The program of a list command must be found where `surety run` will
// look for it: a command that cannot start fails every run.
void JobBuilder::CheckProgram(const toml::node* n, const std::string& what, const Command& c,
                              const JobSpec& j) {
  if (!n || c.empty() || c.shell) return;
  const std::string& program = c.argv[0];
  std::string path_var = kDefaultJobPath;
  if (auto it = j.environment.find("PATH"); it != j.environment.end())
    path_var = it->second;
  else if (auto ours = load_.env.Get("PATH"))
    path_var = *ours;
  std::string msg;
  if (program.find('/') != std::string::npos) {
    if (Executable(program)) return;
    msg = what + ": '" + QuoteForMessage(program) +
          "' is not an executable file; every run would fail to start it";
  } else {
    size_t from = 0;
    while (from <= path_var.size()) {
      size_t colon = path_var.find(':', from);
      if (colon == std::string::npos) colon = path_var.size();
      std::string dir = path_var.substr(from, colon - from);
      if (dir.empty()) dir = ".";
      if (Executable(dir + "/" + program)) return;
      from = colon + 1;
    }
    msg = what + ": program '" + QuoteForMessage(program) + "' is not on the job's PATH (" +
          QuoteForMessage(path_var) +
          "); install it, give its absolute path, or set PATH in the job's environment";
  }
  if (!j.environment_file.empty() && !j.environment.count("PATH"))
    diags_.Warn(n->source(), msg + " (unless its environment_file sets another PATH)");
  else
    diags_.Error(n->source(), msg);
}

// An environment file usually holds passwords (PGPASSWORD=…); as root,
// whoever can write it can make a root job run their code (LD_PRELOAD=…).
// A file that does not exist yet is the runner's to report.
void JobBuilder::CheckEnvironmentFile(const toml::node& n, const std::string& what,
                                      const std::string& path) {
  auto info = load_.fs.Stat(path);
  if (!info.ok()) {
    diags_.Error(n.source(), what + ": " + info.status().message());
    return;
  }
  if (!info->exists) return;
  if (auto problem = EnvironmentFileProblem(path, *info, load_.running_as_root))
    diags_.Error(n.source(), what + ": " + *problem);
  else if (auto readable = ReadableEnvironmentFile(path, *info))
    diags_.Warn(n.source(), what + ": " + *readable);
  if (!load_.read_environment_files) return;
  auto text = load_.fs.ReadFile(path);
  if (!text.ok()) return;  // the run reports it, with the reason
  for (const std::string& problem : ParseEnvironmentFile(*text).problems)
    diags_.Warn(n.source(), what + ": " + path + " " + problem);
}

void JobBuilder::CheckExitOverlap(const MNode& t, const std::string& ctx, const JobSpec& j) {
  auto where = [&](const char* key) {
    const toml::node* n = values_.Leaf(&t, key, ctx);
    return n ? &n->source() : &t.where;
  };
  for (int c : j.warning_exit_status.codes) {
    if (c == 0 || j.success_exit_status.HasCode(c))
      diags_.Error(where("warning_exit_status"),
                   ctx + ".warning_exit_status: exit status " + std::to_string(c) +
                       " is also a success code" +
                       (c == 0 ? " (0 always is)" : "; list it in only one of the two"));
  }
  for (int s : j.warning_exit_status.signals) {
    if (j.success_exit_status.HasSignal(s))
      diags_.Error(where("warning_exit_status"), ctx + ".warning_exit_status: signal SIG" +
                                                     SignalName(s) +
                                                     " is also a success signal; list it in only "
                                                     "one of the two");
  }
  for (int c : j.already_done_exit_status.codes) {
    if (c == 0 || j.success_exit_status.HasCode(c) || j.warning_exit_status.HasCode(c))
      diags_.Error(where("already_done_exit_status"),
                   ctx + ".already_done_exit_status: exit status " + std::to_string(c) +
                       " is already a success or warning code; list it in only one class");
  }
  for (int s : j.already_done_exit_status.signals) {
    if (j.success_exit_status.HasSignal(s) || j.warning_exit_status.HasSignal(s))
      diags_.Error(where("already_done_exit_status"),
                   ctx + ".already_done_exit_status: signal SIG" + SignalName(s) +
                       " is already a success or warning signal; list it in only one class");
  }
}

void JobBuilder::BuildPreflight(const MNode& t, const std::string& ctx, JobSpec& j) {
  PreflightSpec& p = j.preflight;
  if (const MNode* fs = values_.Child(t, "free_space", true, ctx)) {
    values_.CheckKeys(*fs, {"path", "min"}, ctx + ".free_space");
    auto path = values_.AbsolutePath(fs, "path", ctx + ".free_space");
    auto min = values_.ByteSize(fs, "min", ctx + ".free_space");
    if (!path || !min)
      diags_.Error(fs->where, ctx +
                                  ".free_space: needs path and min, e.g. { path = \"/backups\", "
                                  "min = \"5G\" }");
    else
      p.free_space = PreflightSpec::FreeSpace{*path, *min};
  }
  for (const auto& [r, n] : values_.StringNodes(&t, "reachable", ctx)) {
    p.reachable.push_back(r);
    if (!ParseTcpUrl(r))
      diags_.Error(n->source(), ctx + ".reachable: \"" + QuoteForMessage(r) +
                                    "\" should look like \"tcp://host:port\" or "
                                    "\"tcp://[v6address]:port\", with a port of 1-65535");
  }
  for (auto& [f, n] : values_.StringNodes(&t, "files", ctx)) {
    if (!f.empty() && f.front() != '/') values_.NotAbsolute(*n, ctx + ".files", f);
    p.files.push_back(std::move(f));
  }
  p.command = values_.CommandOf(&t, "command", ctx);
  if (auto w = values_.Span(&t, "wait", ctx, TomlValues::Infinity::kAllowed)) p.wait = *w;
}

void JobBuilder::BuildVerify(const MNode& t, const std::string& ctx, bool whole_job, JobSpec& j) {
  VerifySpec& v = j.verify;
  v.path = values_.AbsolutePath(&t, "path", ctx).value_or("");
  v.min_size = values_.ByteSize(&t, "min_size", ctx);
  v.fresh = values_.Bool(&t, "fresh", ctx).value_or(false);
  if (const toml::node* n = values_.Leaf(&t, "max_shrink", ctx)) {
    std::optional<double> f;
    if (n->is_string()) {
      std::string s = n->as_string()->get();
      if (!s.empty() && s.back() == '%') {
        try {
          size_t used = 0;
          double pct = std::stod(s.substr(0, s.size() - 1), &used);
          if (used == s.size() - 1) f = pct / 100.0;
        } catch (...) {
        }
      }
    } else if (n->is_floating_point()) {
      f = n->as_floating_point()->get();
    } else if (n->is_integer() && (n->as_integer()->get() == 0 || n->as_integer()->get() == 1)) {
      f = static_cast<double>(n->as_integer()->get());  // the fractions 0 and 1
    }
    if (!f || !(*f >= 0.0 && *f <= 1.0))
      diags_.Error(n->source(), ctx +
                                    ".max_shrink: expected a percentage such as \"50%\" (or a "
                                    "fraction 0.0-1.0)");
    else
      v.max_shrink = f;
  }
  v.command = values_.CommandOf(&t, "command", ctx);
  if (!whole_job) return;
  if ((v.min_size || v.fresh || v.max_shrink) && v.path.empty())
    diags_.Error(t.where, ctx + ": min_size, fresh and max_shrink need 'path' (the artifact)");
  const bool uses_path =
      std::any_of(v.command.argv.begin(), v.command.argv.end(),
                  [](const std::string& a) { return a.find("{path}") != std::string::npos; });
  if (uses_path && v.path.empty())
    diags_.Error(values_.Leaf(&t, "command", ctx)->source(),
                 ctx + ".command uses {path} but there is no 'path' (the artifact) to put there");
}

void JobBuilder::BuildSandbox(const MNode& t, const std::string& ctx, JobSpec& j) {
  SandboxSpec& s = j.sandbox;
  for (auto& [path, n] : values_.StringNodes(&t, "write", ctx)) {
    if (!path.empty() && path.front() != '/') values_.NotAbsolute(*n, ctx + ".write", path);
    s.write.push_back(std::move(path));
  }
  s.read_home = values_.Bool(&t, "read_home", ctx).value_or(false);
  s.read_any_file = values_.Bool(&t, "read_any_file", ctx).value_or(false);
  s.network = values_.Bool(&t, "network", ctx).value_or(true);
  s.devices = values_.Bool(&t, "devices", ctx).value_or(false);
  s.docker = values_.Bool(&t, "docker", ctx).value_or(false);
  s.write_execute = values_.Bool(&t, "write_execute", ctx).value_or(false);
  s.resources = values_.Bool(&t, "resources", ctx).value_or(false);
  for (auto& [cap, n] : values_.StringNodes(&t, "capabilities", ctx)) {
    std::string upper = cap;
    for (char& c : upper)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (upper.rfind("CAP_", 0) != 0) upper = "CAP_" + upper;
    const bool word = upper.size() > 4 && std::all_of(upper.begin() + 4, upper.end(), [](char c) {
                        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                      });
    if (!word) {
      diags_.Error(n->source(), ctx + ".capabilities: `" + cap +
                                    "` is not a capability name; write one such as "
                                    "\"CAP_DAC_READ_SEARCH\" (capabilities(7))");
      continue;
    }
    s.capabilities.push_back(std::move(upper));
  }
}

}  // namespace surety
