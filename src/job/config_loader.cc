#include "job/config_loader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <string_view>
#include <tuple>

#include "base/byte_size.h"
#include "base/strings.h"
#include "job/diagnostic_sink.h"
#include "job/job_files.h"
#include "job/merged_view.h"
#include "job/text_scan.h"
#include "job/toml.h"
#include "job/toml_values.h"
#include "job/trust.h"
#include "os/process.h"

namespace surety {

std::string DefaultConfigPath(const Env& env, bool root) {
  if (auto p = env.Get("SURETY_CONFIG"); p && !p->empty()) return *p;
  if (root) return "/etc/surety/surety.toml";
  if (auto x = env.Get("XDG_CONFIG_HOME"); x && !x->empty()) return *x + "/surety/surety.toml";
  return env.Get("HOME").value_or("") + "/.config/surety/surety.toml";
}

std::string MissingJobFileHelp(const std::string& path) {
  return "--config FILE or $SURETY_CONFIG name another job file than " + path +
         ".\n"
         "A job file is TOML and needs only a job. To start, write this to " +
         path +
         ":\n"
         "\n"
         "  # Back up /etc every night, and prove the archive is there.\n"
         "  [jobs.etc]\n"
         "  command = [\"tar\", \"-czf\", \"/var/backups/etc-%Y-%m-%d.tar.gz\", \"/etc\"]\n"
         "  schedule = \"*-*-* 02:30\"     # systemd's OnCalendar= syntax\n"
         "  persistent = true            # run at start-up if the machine was off at 02:30\n"
         "  timeout = \"30min\"            # then the whole process tree is stopped\n"
         "\n"
         "  [jobs.etc.verify]\n"
         "  path = \"/var/backups/etc-%Y-%m-%d.tar.gz\"\n"
         "  min_size = \"10K\"\n"
         "\n"
         "then run: surety validate && surety run etc && surety history\n"
         "Every key is described in docs/job-file.md; examples/ has more.\n";
}

std::string DefaultStateDir(const Env& env, bool root) {
  if (root) return "/var/lib/surety";
  if (auto x = env.Get("XDG_STATE_HOME"); x && !x->empty()) return *x + "/surety";
  return env.Get("HOME").value_or("") + "/.local/state/surety";
}

namespace {

constexpr uint64_t kMaxSecretFileBytes = uint64_t{64} << 10;

// http:// or https:// and something after it: what libcurl will be asked
// to POST to.
bool IsHttpUrl(const std::string& url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.size() > scheme.size() && StartsWithIgnoreCase(url, scheme)) return true;
  }
  return false;
}

class Loader {
 public:
  Loader(const LoadContext& ctx, const JobFiles& files, DiagnosticSink& diags, TomlValues& values)
      : ctx_(ctx), files_(files), diags_(diags), values_(values) {
    parse_ctx_.tzname[0] = ctx.local.tzname(0);
    parse_ctx_.tzname[1] = ctx.local.tzname(1);
    parse_ctx_.zones = &ctx.zones;
  }

  Config Build() {
    Config cfg;
    cfg.files = files_.files();
    values_.CheckKeys(files_.root(), {"include", "settings", "defaults", "alerts", "jobs"}, "");
    const MNode* settings = values_.Child(files_.root(), "settings", true);
    if (const MNode* s = settings) {
      values_.CheckKeys(*s, {"state_dir", "host"}, "settings");
      cfg.settings.state_dir = values_.Path(s, "state_dir", "settings").value_or("");
      cfg.settings.host = values_.String(s, "host", "settings").value_or("");
    }
    if (cfg.settings.state_dir.empty())
      cfg.settings.state_dir = DefaultStateDir(ctx_.env, ctx_.running_as_root);
    CheckStateDir(settings, cfg.settings.state_dir);
    if (cfg.settings.host.empty()) cfg.settings.host = ctx_.hostname;

    if (const MNode* alerts = values_.Child(files_.root(), "alerts", true)) {
      for (const auto& [name, node] : alerts->children) {
        if (!node.is_table) {
          Error(&node.where, "alerts." + name + ": expected a table [alerts." + name + "]");
          continue;
        }
        cfg.alerts[name] = BuildAlert(name, node);
      }
    }
    const MNode* defaults = values_.Child(files_.root(), "defaults", true);
    if (defaults) {
      CheckJobKeys(*defaults, "defaults");
      // Every value in [defaults] is checked once, here, and reported at
      // its own place; the jobs that inherit it do not repeat the report.
      CollectLocations(*defaults);
      DiagnosticSink::DefaultsScope scope(diags_);
      (void)BuildJob("", "defaults", *defaults, cfg, /*whole_job=*/false);
    }
    if (const MNode* jobs = values_.Child(files_.root(), "jobs", true)) {
      for (const auto& [name, node] : jobs->children) {
        // What is found from here on is this job's (Diagnostic::job).
        DiagnosticSink::JobScope scope(diags_, name);
        if (!node.is_table) {
          Error(&node.where, "jobs." + name + ": expected a table [jobs." + name + "]");
          continue;
        }
        if (!ValidJobName(name)) {
          Error(&node.where, "jobs." + name +
                                 ": a job name may contain only letters, digits, '-', '_' "
                                 "and '.', and must start with a letter or digit");
          continue;
        }
        MNode merged;
        merged.is_table = true;
        merged.where = node.where;
        if (defaults) MergeNodes(merged, *defaults);
        MergeNodes(merged, node);
        CheckJobKeys(node, "jobs." + name);
        cfg.jobs[name] = BuildJob(name, "jobs." + name, merged, cfg, /*whole_job=*/true);
      }
    }
    if (cfg.jobs.empty() && !diags_.has_errors())
      diags_.Warn(Diagnostic{files_.files().empty() ? "" : files_.files().front(), 0, 0,
                             "no jobs defined (add a [jobs.NAME] table)"});
    return cfg;
  }

 private:
  static bool ValidJobName(const std::string& n) {
    if (n.empty() || n.size() > 100) return false;
    if (!(std::isalnum(static_cast<unsigned char>(n[0])))) return false;
    return std::all_of(n.begin(), n.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
  }

  // As root, the state directory holds the history and the job locks:
  // whoever can change it can forge runs or remove a lock and overlap a
  // job. It must be root's alone, and so must the directories above it.
  void CheckStateDir(const MNode* settings, const std::string& state_dir) {
    if (!ctx_.running_as_root || state_dir.empty() || state_dir.front() != '/') return;
    const toml::node* n = settings ? values_.Leaf(settings, "state_dir", "settings") : nullptr;
    auto report = [&](const std::string& text) {
      if (n)
        Error(&n->source(), "settings.state_dir: " + text);
      else
        diags_.Error(Diagnostic{"", 0, 0, "state_dir: " + text});
    };
    std::set<std::string> seen;
    auto check_chain = [&](const std::string& path) {
      for (std::string dir = path;; dir = DirName(dir)) {
        const bool itself = dir == path;
        auto info = ctx_.fs.Stat(dir);
        if (info.ok() && info->exists && seen.insert(dir).second) {
          if (auto why = StateDirectoryProblem(state_dir, dir, itself, *info)) report(*why);
        }
        if (dir == "/" || dir == ".") break;
      }
    };
    check_chain(state_dir);
    // Through a symlink, the directories above the real one count too:
    // their owner could point the link elsewhere by renaming.
    std::string existing = state_dir, rest;
    while (existing != "/" && existing != ".") {
      auto info = ctx_.fs.Stat(existing);
      if (info.ok() && info->exists) break;
      const std::string parent = DirName(existing);
      rest =
          existing.substr(parent == "/" ? 1 : parent.size() + 1) + (rest.empty() ? "" : "/" + rest);
      existing = parent;
    }
    if (auto real = ctx_.fs.CanonicalPath(existing); real.ok()) {
      const std::string resolved = rest.empty() ? *real : JoinPath(*real, rest);
      if (resolved != LexicallyNormal(state_dir)) check_chain(resolved);
    }
  }

  void CollectLocations(const MNode& t) {
    for (const auto& [k, v] : t.children) {
      diags_.NoteDefaultsPlace(v.where);
      if (v.is_table)
        CollectLocations(v);
      else if (v.node)
        CollectLocations(*v.node, 0);
    }
  }
  void CollectLocations(const toml::node& n, int depth) {
    diags_.NoteDefaultsPlace(n.source());
    if (const toml::array* arr = n.as_array(); arr && depth < kMaxTableDepth) {
      for (const auto& el : *arr) CollectLocations(el, depth + 1);
    }
  }
  void Error(const toml::source_region* r, std::string message) {
    diags_.Error(r, std::move(message));
  }
  void Warn(const toml::source_region* r, std::string message) {
    diags_.Warn(*r, std::move(message));
  }

  static const std::vector<std::string>& JobKeys() {
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
                                               "alert",
                                               "preflight",
                                               "verify",
                                               "keep_runs"};
    return k;
  }

  void CheckJobKeys(const MNode& t, const std::string& ctx) {
    values_.CheckKeys(t, JobKeys(), ctx);
    if (auto it = t.children.find("preflight"); it != t.children.end() && it->second.is_table)
      values_.CheckKeys(it->second, {"free_space", "reachable", "files", "command", "wait"},
                        ctx + ".preflight");
    if (auto it = t.children.find("verify"); it != t.children.end() && it->second.is_table)
      values_.CheckKeys(it->second, {"path", "min_size", "fresh", "max_shrink", "command"},
                        ctx + ".verify");
  }

  AlertSpec BuildAlert(const std::string& name, const MNode& t) {
    const std::string ctx = "alerts." + name;
    static const std::vector<std::string> kKinds = {"webhook", "slack",        "email",
                                                    "ntfy",    "healthchecks", "exec"};
    values_.CheckKeys(
        t, {"kind", "url", "url_file", "url_env", "to", "from", "command", "sendmail"}, ctx);
    AlertSpec a;
    a.name = name;
    auto kind = values_.String(&t, "kind", ctx);
    if (!kind) {
      if (!t.children.count("kind"))
        Error(&t.where, ctx + ": missing 'kind'; one of " + CommaList(kKinds));
    } else if (*kind == "journal") {
      // The runner cannot deliver these yet; refusing them here beats
      // passing validate and failing at every run.
      Error(&values_.Leaf(&t, "kind", ctx)->source(),
            ctx +
                ".kind: \"journal\" alerts are not supported yet; use kind = \"exec\" with "
                "command = [\"logger\", \"-t\", \"surety\"] or [\"systemd-cat\", \"-t\", "
                "\"surety\"] (both log the run record they read on standard input)");
    } else if (std::find(kKinds.begin(), kKinds.end(), *kind) == kKinds.end()) {
      std::string msg = ctx + ".kind: unknown alert kind '" + QuoteForMessage(*kind) + "'";
      if (auto m = ClosestMatch(*kind, kKinds)) msg += "; did you mean '" + *m + "'?";
      Error(&values_.Leaf(&t, "kind", ctx)->source(), msg + " (known: " + CommaList(kKinds) + ")");
    } else {
      a.kind = *kind;
    }
    const bool needs_url =
        a.kind == "webhook" || a.kind == "slack" || a.kind == "ntfy" || a.kind == "healthchecks";
    // The URL is a secret: inline, from a protected file, or from the
    // environment. It is checked but never printed.
    auto check_url = [&](const toml::node& where, const std::string& key,
                         const std::string& subject) {
      if (!needs_url) return;
      if (a.url.empty())
        Error(&where.source(), ctx + "." + key + ": " + subject + " is empty; a " + a.kind +
                                   " alert needs an http:// or https:// URL");
      else if (!IsHttpUrl(a.url))
        Error(&where.source(), ctx + "." + key + ": " + subject +
                                   " is not an http:// or https:// URL (it is a secret, so it is "
                                   "not shown)");
    };
    int sources = 0;
    if (auto u = values_.String(&t, "url", ctx)) {
      a.url = *u;
      ++sources;
      const toml::node* n = values_.Leaf(&t, "url", ctx);
      check_url(*n, "url", "the value");
      // The URL is a secret (a webhook's token is in it): in a file anyone
      // may read, it is no secret.
      if (const auto& file = n->source().path) {
        if (const FileInfo* info = files_.InfoOf(*file))
          if (auto readable = ReadableInlineSecret(*file, *info))
            Warn(&n->source(), ctx + ".url: " + *readable);
      }
    }
    if (auto f = values_.Path(&t, "url_file", ctx)) {
      ++sources;
      const toml::node* n = values_.Leaf(&t, "url_file", ctx);
      if (!ctx_.resolve_secrets) {
        // A command that sends no alerts does not read the secret.
      } else if (auto url = ReadSecretFile(*n, ctx + ".url_file", *f)) {
        a.url = *url;
        check_url(*n, "url_file", "the content of " + *f);
      }
    } else if (t.children.count("url_file")) {
      ++sources;
    }
    if (auto e = values_.String(&t, "url_env", ctx)) {
      ++sources;
      auto v = ctx_.env.Get(*e);
      if (!ctx_.resolve_secrets) {
        // An interactive shell need not have the daemon's environment.
      } else if (!v || v->empty()) {
        Error(&values_.Leaf(&t, "url_env", ctx)->source(),
              ctx + ".url_env: the environment variable " + *e + " is not set");
      } else {
        a.url = *v;
        check_url(*values_.Leaf(&t, "url_env", ctx), "url_env", "the value of " + *e);
      }
    }
    if (sources > 1) Error(&t.where, ctx + ": give the URL once: url, url_file or url_env");
    a.to = values_.String(&t, "to", ctx).value_or("");
    a.from = values_.String(&t, "from", ctx).value_or("");
    // They become mail headers: a line break would start another header.
    for (const auto& [key, value] : {std::pair{"to", &a.to}, std::pair{"from", &a.from}}) {
      const std::string& v = *value;
      if (std::any_of(v.begin(), v.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        Error(&values_.Leaf(&t, key, ctx)->source(),
              ctx + "." + key +
                  ": control characters (a line break?) are not allowed in a mail header; "
                  "separate addresses with commas");
    }
    a.command = values_.CommandOf(&t, "command", ctx);
    if (auto s = values_.String(&t, "sendmail", ctx)) a.sendmail = *s;
    if (needs_url && sources == 0)
      Error(&t.where, ctx + ": a " + a.kind + " alert needs url, url_file or url_env");
    if (a.kind == "email" && a.to.empty())
      Error(&t.where, ctx + ": an email alert needs 'to' (the recipients)");
    if (a.kind == "exec" && a.command.empty() && !t.children.count("command"))
      Error(&t.where, ctx + ": an exec alert needs 'command'");
    return a;
  }

  // The trimmed content of a file that holds a secret: a regular file that
  // neither everyone may read (the secret would leak) nor everyone may write
  // (anyone could redirect the alerts).
  std::optional<std::string> ReadSecretFile(const toml::node& n, const std::string& what,
                                            const std::string& path) {
    auto content = ctx_.fs.ReadRegularFile(path, kMaxSecretFileBytes);
    if (!content.ok()) {
      if (content.status().code() == StatusCode::kNotFound)
        Error(&n.source(), what + ": " + path + " does not exist");
      else
        Error(&n.source(), what + ": " + content.status().message());
      return std::nullopt;
    }
    if (auto why = SecretFileProblem(path, content->info, ctx_.running_as_root)) {
      Error(&n.source(), what + ": " + *why);
      return std::nullopt;
    }
    std::string s = std::move(content->data);
    while (!s.empty() &&
           (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
      s.pop_back();
    return s;
  }

  // `whole_job`: false for [defaults] on its own, where only each value is
  // checked (a job adds the rest: its command, its schedule, …).
  JobSpec BuildJob(const std::string& name, const std::string& ctx, const MNode& t,
                   const Config& cfg, bool whole_job) {
    JobSpec j;
    j.name = name;
    j.description = values_.String(&t, "description", ctx).value_or("");
    j.command = values_.CommandOf(&t, "command", ctx);
    // A job file that could not be read may hold the command.
    if (whole_job && j.command.empty() && !t.children.count("command") && !files_.incomplete())
      Error(&t.where, ctx +
                          ": missing 'command' (what to run), e.g. command = [\"pg_dump\", "
                          "\"-f\", \"/backups/db.dump\", \"app\"]");
    for (const auto& [text, n] : values_.StringNodes(&t, "schedule", ctx)) {
      j.schedule_text.push_back(text);
      auto spec = ParseCalendarSpec(text, parse_ctx_);
      if (!spec.ok()) {
        Error(&n->source(), ctx + ".schedule: invalid calendar spec \"" + QuoteForMessage(text) +
                                "\": " + spec.status().message() +
                                " (check it with: surety calendar '" + QuoteForMessage(text) +
                                "')");
        continue;
      }
      j.schedule.push_back(*spec);
      if (ctx_.now) WarnIfNeverElapses(*n, ctx + ".schedule", text, *spec);
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
        Error(&values_.Leaf(&t, "interval_from", ctx)->source(),
              ctx + ".interval_from: expected \"start\" or \"finish\"");
    }
    if (auto v = values_.Span(&t, "timeout", ctx, TomlValues::Infinity::kAllowed)) j.timeout = *v;
    if (auto v = values_.Span(&t, "kill_grace", ctx, TomlValues::Infinity::kAllowed))
      j.kill_grace = *v;
    if (auto v = values_.String(&t, "overlap", ctx)) {
      if (*v == "skip")
        j.overlap = Overlap::kSkip;
      else if (*v == "wait")
        j.overlap = Overlap::kWait;
      else
        Error(&values_.Leaf(&t, "overlap", ctx)->source(),
              ctx + ".overlap: expected \"skip\" or \"wait\", not \"" + QuoteForMessage(*v) + "\"");
    }
    const auto lock_wait = values_.Span(&t, "lock_wait", ctx, TomlValues::Infinity::kAllowed);
    if (lock_wait) {
      j.lock_wait = *lock_wait;
      if (whole_job && j.overlap != Overlap::kWait)
        Warn(&values_.Leaf(&t, "lock_wait", ctx)->source(),
             ctx + ".lock_wait has no effect unless overlap = \"wait\"");
    }
    if (whole_job && j.overlap == Overlap::kWait && j.lock_wait.usec == 0) {
      if (!t.children.count("lock_wait"))
        Warn(&values_.Leaf(&t, "overlap", ctx)->source(),
             ctx +
                 ".overlap: \"wait\" without lock_wait does not wait (lock_wait is 0): a run "
                 "that finds another one running ends skipped; set lock_wait, e.g. \"30min\" "
                 "or \"infinity\"");
      else if (lock_wait)
        Warn(&values_.Leaf(&t, "lock_wait", ctx)->source(),
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
      Error(&n->source(), ctx + ".retry_delay_max (" + FormatTimespan(j.retry_delay_max) +
                              (retry_delay_max ? "" : ", the default") +
                              ") is shorter than retry_delay (" + FormatTimespan(j.retry_delay) +
                              (retry_delay ? "" : ", the default") +
                              "), so every retry would wait retry_delay_max; raise "
                              "retry_delay_max or lower retry_delay");
    }
    if (const toml::node* n = values_.Leaf(&t, "retry_backoff", ctx)) {
      double b = n->is_floating_point() ? n->as_floating_point()->get()
                 : n->is_integer()      ? static_cast<double>(n->as_integer()->get())
                                        : -1;
      if (!(b >= 1.0 && b <= 100.0))
        Error(&n->source(), ctx +
                                ".retry_backoff: expected a number from 1.0 to 100.0 (the "
                                "factor each retry delay grows by)");
      else
        j.retry_backoff = b;
    }
    j.success_exit_status = values_.ExitSet(&t, "success_exit_status", ctx);
    j.warning_exit_status = values_.ExitSet(&t, "warning_exit_status", ctx);
    j.already_done_exit_status = values_.ExitSet(&t, "already_done_exit_status", ctx);
    j.already_done_output = values_.String(&t, "already_done_output", ctx).value_or("");
    if (whole_job) CheckExitOverlap(t, ctx, j);
    if (const MNode* env = values_.Child(t, "environment", true, ctx)) {
      for (const auto& [k, v] : env->children) {
        const std::string what = ctx + ".environment." + QuoteForMessage(k);
        if (!ValidEnvName(k)) {
          Error(&v.where, what +
                              ": not a valid variable name (it must be non-empty, without '=', "
                              "NUL or control characters)");
          continue;
        }
        if (v.is_table || !v.node->is_string()) {
          Error(&v.where, what + ": expected a string value");
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
      CheckEnvironmentFile(*values_.Leaf(&t, "environment_file", ctx), ctx + ".environment_file",
                           *f);
    }
    j.working_directory = values_.AbsolutePath(&t, "working_directory", ctx).value_or("");
    j.user = values_.String(&t, "user", ctx).value_or("");
    j.group = values_.String(&t, "group", ctx).value_or("");
    if ((!j.user.empty() || !j.group.empty()) && !ctx_.running_as_root)
      Warn(&values_.Leaf(&t, j.user.empty() ? "group" : "user", ctx)->source(),
           ctx + ": user/group only take effect when surety runs as root");
    // A warning, not an error: the account may be created after the file.
    if (ctx_.running_as_root && !j.user.empty() && ctx_.user_exists && !ctx_.user_exists(j.user))
      if (const toml::node* n = values_.Leaf(&t, "user", ctx))
        Warn(&n->source(), ctx + ".user: no user '" + QuoteForMessage(j.user) +
                               "' on this host; every run will end preflight_failed until "
                               "there is");
    if (ctx_.running_as_root && !j.group.empty() && ctx_.group_exists &&
        !ctx_.group_exists(j.group))
      if (const toml::node* n = values_.Leaf(&t, "group", ctx))
        Warn(&n->source(), ctx + ".group: no group '" + QuoteForMessage(j.group) +
                               "' on this host; every run will end preflight_failed until "
                               "there is");
    j.grace = values_.Span(&t, "grace", ctx);
    for (const auto& [a, n] : values_.StringNodes(&t, "alert", ctx)) {
      j.alert.push_back(a);
      // The alert may be defined in a file that could not be read.
      if (cfg.alerts.count(a) || files_.incomplete()) continue;
      std::vector<std::string> known;
      for (const auto& [k, v] : cfg.alerts) known.push_back(k);
      std::string msg = ctx + ".alert: no alert named '" + QuoteForMessage(a) + "'";
      if (auto m = ClosestMatch(a, known))
        msg += "; did you mean '" + *m + "'?";
      else
        msg += "; define it as [alerts." + a + "]";
      Error(&n->source(), msg);
    }
    if (auto v = values_.Int(&t, "keep_runs", ctx, 1, 10'000'000))
      j.keep_runs = static_cast<int>(*v);
    if (const MNode* p = values_.Child(t, "preflight", true, ctx))
      BuildPreflight(*p, ctx + ".preflight", j);
    if (const MNode* v = values_.Child(t, "verify", true, ctx))
      BuildVerify(*v, ctx + ".verify", j, whole_job);
    if (!whole_job) return j;
    if (ctx_.check_programs) {
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
      Warn(&t.where, ctx +
                         ": no schedule, on_boot, on_startup or interval: the job runs only "
                         "when started by hand (surety run " +
                         name + ")");
    if (j.persistent && !scheduled)
      Warn(&values_.Leaf(&t, "persistent", ctx)->source(),
           ctx +
               ".persistent has no effect without 'schedule': it catches up calendar runs "
               "missed while surety was not running");
    return j;
  }

  // systemd's rule, relaxed as in systemd 248: anything but '=' and NUL;
  // control characters are refused too, since they would break an exported
  // unit file and every log line.
  static bool ValidEnvName(const std::string& k) {
    if (k.empty()) return false;
    return std::none_of(k.begin(), k.end(), [](char c) {
      return c == '=' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
  }

  // A schedule whose every elapse lies in the past ("2020-01-01 00:00")
  // never starts the job again: almost always a mistake (a year typed
  // wrong), so validate says so.
  void WarnIfNeverElapses(const toml::node& n, const std::string& what, const std::string& text,
                          const CalendarSpec& spec) {
    MktimeState mktime;
    CalendarEvalContext eval{&ctx_.local, &ctx_.zones, &mktime};
    auto next = NextElapse(spec, *ctx_.now, eval);
    if (!next.ok() || next->has_value()) return;
    Warn(&n.source(), what + ": \"" + QuoteForMessage(text) +
                          "\" never elapses again (every time it names is in the past), so it "
                          "will never start the job; check it with: surety calendar '" +
                          QuoteForMessage(text) + "'");
  }

  // Whether `path` is a file someone may execute.
  bool Executable(const std::string& path) const {
    auto st = ctx_.fs.Stat(path);
    return st.ok() && st->exists && st->is_regular && (st->mode & 0111) != 0;
  }

  // The program of a list command must be found where `surety run` will
  // look for it: a command that cannot start fails every run.
  void CheckProgram(const toml::node* n, const std::string& what, const Command& c,
                    const JobSpec& j) {
    if (!n || c.empty() || c.shell) return;
    const std::string& program = c.argv[0];
    std::string path_var = kDefaultJobPath;
    if (auto it = j.environment.find("PATH"); it != j.environment.end())
      path_var = it->second;
    else if (auto ours = ctx_.env.Get("PATH"))
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
      Warn(&n->source(), msg + " (unless its environment_file sets another PATH)");
    else
      Error(&n->source(), msg);
  }

  // An environment file usually holds passwords (PGPASSWORD=…); as root,
  // whoever can write it can make a root job run their code (LD_PRELOAD=…).
  // A file that does not exist yet is the runner's to report.
  void CheckEnvironmentFile(const toml::node& n, const std::string& what, const std::string& path) {
    auto info = ctx_.fs.Stat(path);
    if (!info.ok()) {
      Error(&n.source(), what + ": " + info.status().message());
      return;
    }
    if (!info->exists) return;
    if (auto problem = EnvironmentFileProblem(path, *info, ctx_.running_as_root))
      Error(&n.source(), what + ": " + *problem);
    else if (auto readable = ReadableEnvironmentFile(path, *info))
      Warn(&n.source(), what + ": " + *readable);
  }

  void CheckExitOverlap(const MNode& t, const std::string& ctx, const JobSpec& j) {
    auto where = [&](const char* key) {
      const toml::node* n = values_.Leaf(&t, key, ctx);
      return n ? &n->source() : &t.where;
    };
    for (int c : j.warning_exit_status.codes) {
      if (c == 0 || j.success_exit_status.HasCode(c))
        Error(where("warning_exit_status"),
              ctx + ".warning_exit_status: exit status " + std::to_string(c) +
                  " is also a success code" +
                  (c == 0 ? " (0 always is)" : "; list it in only one of the two"));
    }
    for (int s : j.warning_exit_status.signals) {
      if (j.success_exit_status.HasSignal(s))
        Error(where("warning_exit_status"), ctx + ".warning_exit_status: signal SIG" +
                                                SignalName(s) +
                                                " is also a success signal; list it in only "
                                                "one of the two");
    }
    for (int c : j.already_done_exit_status.codes) {
      if (c == 0 || j.success_exit_status.HasCode(c) || j.warning_exit_status.HasCode(c))
        Error(where("already_done_exit_status"),
              ctx + ".already_done_exit_status: exit status " + std::to_string(c) +
                  " is already a success or warning code; list it in only one class");
    }
    for (int s : j.already_done_exit_status.signals) {
      if (j.success_exit_status.HasSignal(s) || j.warning_exit_status.HasSignal(s))
        Error(where("already_done_exit_status"),
              ctx + ".already_done_exit_status: signal SIG" + SignalName(s) +
                  " is already a success or warning signal; list it in only one class");
    }
  }

  void BuildPreflight(const MNode& t, const std::string& ctx, JobSpec& j) {
    PreflightSpec& p = j.preflight;
    if (const MNode* fs = values_.Child(t, "free_space", true, ctx)) {
      values_.CheckKeys(*fs, {"path", "min"}, ctx + ".free_space");
      auto path = values_.AbsolutePath(fs, "path", ctx + ".free_space");
      auto min = values_.ByteSize(fs, "min", ctx + ".free_space");
      if (!path || !min)
        Error(&fs->where, ctx +
                              ".free_space: needs path and min, e.g. { path = \"/backups\", "
                              "min = \"5G\" }");
      else
        p.free_space = PreflightSpec::FreeSpace{*path, *min};
    }
    for (const auto& [r, n] : values_.StringNodes(&t, "reachable", ctx)) {
      p.reachable.push_back(r);
      if (!ParseTcpUrl(r))
        Error(&n->source(), ctx + ".reachable: \"" + QuoteForMessage(r) +
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

  void BuildVerify(const MNode& t, const std::string& ctx, JobSpec& j, bool whole_job) {
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
        Error(&n->source(), ctx +
                                ".max_shrink: expected a percentage such as \"50%\" (or a "
                                "fraction 0.0-1.0)");
      else
        v.max_shrink = f;
    }
    v.command = values_.CommandOf(&t, "command", ctx);
    if (!whole_job) return;
    if ((v.min_size || v.fresh || v.max_shrink) && v.path.empty())
      Error(&t.where, ctx + ": min_size, fresh and max_shrink need 'path' (the artifact)");
    const bool uses_path =
        std::any_of(v.command.argv.begin(), v.command.argv.end(),
                    [](const std::string& a) { return a.find("{path}") != std::string::npos; });
    if (uses_path && v.path.empty())
      Error(&values_.Leaf(&t, "command", ctx)->source(),
            ctx + ".command uses {path} but there is no 'path' (the artifact) to put there");
  }

  const LoadContext& ctx_;
  const JobFiles& files_;
  DiagnosticSink& diags_;
  TomlValues& values_;
  CalendarParseContext parse_ctx_;
};

}  // namespace

LoadResult LoadConfig(const std::vector<std::string>& paths, const LoadContext& ctx) {
  DiagnosticSink diags;
  JobFiles files(ctx.fs, ctx.running_as_root, diags);
  for (const auto& p : paths) files.Read(p);
  // Even after a read or syntax error: the files that parsed are still
  // checked, so one broken file does not hide the problems of the others.
  TomlValues values(diags, files.dirs());
  Config cfg = Loader(ctx, files, diags, values).Build();
  LoadResult out;
  if (!diags.has_errors()) out.config = std::move(cfg);
  out.errors = diags.TakeErrors();
  out.warnings = diags.TakeWarnings();
  SortInFileOrder(out.errors);
  SortInFileOrder(out.warnings);
  return out;
}

}  // namespace surety
