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

bool HasNul(const std::string& s) { return s.find('\0') != std::string::npos; }

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
  Loader(const LoadContext& ctx, const JobFiles& files, DiagnosticSink& diags)
      : ctx_(ctx), files_(files), diags_(diags) {
    parse_ctx_.tzname[0] = ctx.local.tzname(0);
    parse_ctx_.tzname[1] = ctx.local.tzname(1);
    parse_ctx_.zones = &ctx.zones;
  }

  Config Build() {
    Config cfg;
    cfg.files = files_.files();
    CheckKeys(files_.root(), {"include", "settings", "defaults", "alerts", "jobs"}, "");
    const MNode* settings = Child(files_.root(), "settings", true);
    if (const MNode* s = settings) {
      CheckKeys(*s, {"state_dir", "host"}, "settings");
      cfg.settings.state_dir = Path(s, "state_dir", "settings").value_or("");
      cfg.settings.host = String(s, "host", "settings").value_or("");
    }
    if (cfg.settings.state_dir.empty())
      cfg.settings.state_dir = DefaultStateDir(ctx_.env, ctx_.running_as_root);
    CheckStateDir(settings, cfg.settings.state_dir);
    if (cfg.settings.host.empty()) cfg.settings.host = ctx_.hostname;

    if (const MNode* alerts = Child(files_.root(), "alerts", true)) {
      for (const auto& [name, node] : alerts->children) {
        if (!node.is_table) {
          Error(&node.where, "alerts." + name + ": expected a table [alerts." + name + "]");
          continue;
        }
        cfg.alerts[name] = BuildAlert(name, node);
      }
    }
    const MNode* defaults = Child(files_.root(), "defaults", true);
    if (defaults) {
      CheckJobKeys(*defaults, "defaults");
      // Every value in [defaults] is checked once, here, and reported at
      // its own place; the jobs that inherit it do not repeat the report.
      CollectLocations(*defaults);
      DiagnosticSink::DefaultsScope scope(diags_);
      (void)BuildJob("", "defaults", *defaults, cfg, /*whole_job=*/false);
    }
    if (const MNode* jobs = Child(files_.root(), "jobs", true)) {
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
    const toml::node* n = settings ? Leaf(settings, "state_dir", "settings") : nullptr;
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

  static std::string Key(const std::string& ctx, const std::string& key) {
    return ctx.empty() ? key : ctx + "." + key;
  }

  void CheckKeys(const MNode& t, const std::vector<std::string>& allowed, const std::string& ctx) {
    for (const auto& [k, v] : t.children) {
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      std::string msg = Key(ctx, k) + ": unknown key '" + k + "'";
      if (auto m = ClosestMatch(k, allowed))
        msg += "; did you mean '" + *m + "'?";
      else
        msg += "; known keys here: " + Join(allowed);
      Error(&v.where, msg);
    }
  }

  static std::string Join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  }

  // The table under `key` of table `ctx` ("" for the top level).
  const MNode* Child(const MNode& t, const std::string& key, bool want_table,
                     const std::string& ctx = "") {
    auto it = t.children.find(key);
    if (it == t.children.end()) return nullptr;
    if (want_table && !it->second.is_table) {
      const std::string full = Key(ctx, key);
      Error(&it->second.where, full + ": expected a table, e.g. a section [" + full +
                                   "] or an inline table " + key + " = { ... }");
      return nullptr;
    }
    return &it->second;
  }

  // The value under `key`; a table there is reported (once, however often
  // the key is looked up) and gives nullptr like a missing key.
  const toml::node* Leaf(const MNode* t, const std::string& key, const std::string& ctx) {
    if (!t) return nullptr;
    auto it = t->children.find(key);
    if (it == t->children.end()) return nullptr;
    if (it->second.is_table) {
      if (tables_reported_.insert(&it->second).second)
        Error(&it->second.where, Key(ctx, key) + ": expected a value, not a table");
      return nullptr;
    }
    return it->second.node;
  }

  std::optional<std::string> String(const MNode* t, const std::string& key,
                                    const std::string& ctx) {
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return std::nullopt;
    if (!n->is_string()) {
      Error(&n->source(), Key(ctx, key) + ": expected a string, e.g. " + key + " = \"...\"");
      return std::nullopt;
    }
    if (HasNul(n->as_string()->get())) {
      NulError(*n, Key(ctx, key));
      return std::nullopt;
    }
    return n->as_string()->get();
  }

  void NulError(const toml::node& n, const std::string& what) {
    Error(&n.source(), what +
                           ": contains a NUL character (\\u0000), which cannot be passed to a "
                           "program or be part of a path");
  }

  // A relative path in a job file is relative to the directory of the file
  // that says it (like an include), not to wherever surety happens to run.
  std::string RelativeToFile(const toml::node& n, const std::string& path) const {
    if (path.empty() || path.front() == '/' || !n.source().path) return path;
    auto it = files_.dirs().find(*n.source().path);
    return it == files_.dirs().end() ? path : JoinPath(it->second, path);
  }

  std::optional<std::string> Path(const MNode* t, const std::string& key, const std::string& ctx) {
    auto s = String(t, key, ctx);
    if (!s) return s;
    const toml::node* n = Leaf(t, key, ctx);
    if (s->empty()) {
      Error(&n->source(), Key(ctx, key) + ": the path is empty");
      return std::nullopt;
    }
    return RelativeToFile(*n, *s);
  }

  std::optional<bool> Bool(const MNode* t, const std::string& key, const std::string& ctx) {
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return std::nullopt;
    if (!n->is_boolean()) {
      Error(&n->source(), Key(ctx, key) + ": expected true or false");
      return std::nullopt;
    }
    return n->as_boolean()->get();
  }

  std::optional<int64_t> Int(const MNode* t, const std::string& key, const std::string& ctx,
                             int64_t lo, int64_t hi) {
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return std::nullopt;
    if (!n->is_integer() || n->as_integer()->get() < lo || n->as_integer()->get() > hi) {
      Error(&n->source(), Key(ctx, key) + ": expected a whole number from " + std::to_string(lo) +
                              " to " + std::to_string(hi));
      return std::nullopt;
    }
    return n->as_integer()->get();
  }

  // `infinite_ok`: "infinity" means something for this key (no timeout,
  // never SIGKILL, wait as long as it takes); everywhere else it is refused.
  enum class Infinity { kRefused, kAllowed };
  std::optional<Timespan> Span(const MNode* t, const std::string& key, const std::string& ctx,
                               Infinity infinity = Infinity::kRefused) {
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return std::nullopt;
    std::string text;
    if (n->is_string()) {
      text = n->as_string()->get();
    } else if (n->is_integer() && n->as_integer()->get() >= 0) {
      text = std::to_string(n->as_integer()->get());
    } else {
      Error(&n->source(), Key(ctx, key) +
                              ": expected a time span such as \"30s\", \"5min\" or "
                              "\"1h 30min\"" +
                              (infinity == Infinity::kAllowed ? " or \"infinity\"" : ""));
      return std::nullopt;
    }
    auto span = ParseTimespan(text);
    if (!span.ok()) {
      Error(&n->source(), Key(ctx, key) + ": invalid time span \"" + QuoteForMessage(text) +
                              "\" (" + span.status().message() +
                              "); write e.g. \"30s\", \"5min\", \"1h 30min\", \"2d\"");
      return std::nullopt;
    }
    if (span->infinite() && infinity == Infinity::kRefused) {
      Error(&n->source(), Key(ctx, key) +
                              ": \"infinity\" has no meaning here; give a finite time span "
                              "such as \"30s\" or \"1h\" (only timeout, kill_grace, lock_wait "
                              "and preflight.wait may be infinite)");
      return std::nullopt;
    }
    return *span;
  }

  // A string or a list of strings, each with its own node (for positions).
  std::vector<std::pair<std::string, const toml::node*>> StringNodes(const MNode* t,
                                                                     const std::string& key,
                                                                     const std::string& ctx) {
    std::vector<std::pair<std::string, const toml::node*>> out;
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return out;
    std::vector<const toml::node*> items;
    if (n->is_string()) {
      items.push_back(n);
    } else if (const toml::array* arr = n->as_array()) {
      for (const auto& el : *arr) items.push_back(&el);
    } else {
      Error(&n->source(), Key(ctx, key) + ": expected a list of strings, e.g. [\"a\", \"b\"]");
      return out;
    }
    for (const toml::node* el : items) {
      if (!el->is_string()) {
        Error(&el->source(), Key(ctx, key) + ": expected a string in the list");
        continue;
      }
      if (HasNul(el->as_string()->get())) {
        NulError(*el, Key(ctx, key));
        continue;
      }
      out.emplace_back(el->as_string()->get(), el);
    }
    return out;
  }

  // A path surety itself checks (verify, preflight) or the job starts in:
  // relative, it would depend on the directory surety was started from.
  void NotAbsolute(const toml::node& n, const std::string& what, const std::string& path) {
    Error(&n.source(), what + ": \"" + QuoteForMessage(path) +
                           "\" is relative; give an absolute path (surety checks it from "
                           "wherever it was started, not from the job's working_directory)");
  }
  std::optional<std::string> AbsolutePath(const MNode* t, const std::string& key,
                                          const std::string& ctx) {
    auto v = String(t, key, ctx);
    if (v && !v->empty() && v->front() != '/') NotAbsolute(*Leaf(t, key, ctx), Key(ctx, key), *v);
    return v;
  }

  std::vector<std::string> StringList(const MNode* t, const std::string& key,
                                      const std::string& ctx) {
    std::vector<std::string> out;
    for (auto& [s, n] : StringNodes(t, key, ctx)) out.push_back(std::move(s));
    return out;
  }

  Command CommandOf(const MNode* t, const std::string& key, const std::string& ctx) {
    Command c;
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return c;
    if (n->is_string()) {
      const std::string& s = n->as_string()->get();
      if (s.find_first_not_of(" \t") == std::string::npos) {
        Error(&n->source(), Key(ctx, key) + ": the command is empty");
        return c;
      }
      if (HasNul(s)) {
        NulError(*n, Key(ctx, key));
        return c;
      }
      c.argv = {"/bin/sh", "-c", s};
      c.shell = true;
      return c;
    }
    const toml::array* arr = n->as_array();
    if (!arr || arr->empty()) {
      Error(&n->source(), Key(ctx, key) +
                              ": expected a command: an argument list such as "
                              "[\"pg_dump\", \"-Fc\", \"app\"] or a shell string");
      return c;
    }
    for (const auto& el : *arr) {
      if (!el.is_string()) {
        Error(&el.source(), Key(ctx, key) + ": every argument must be a string");
        return Command{};
      }
      if (HasNul(el.as_string()->get())) {
        NulError(el, Key(ctx, key));
        return Command{};
      }
      c.argv.push_back(el.as_string()->get());
    }
    if (c.argv[0].empty()) {
      Error(&n->source(), Key(ctx, key) + ": the program name is empty");
      return Command{};
    }
    return c;
  }

  ExitStatusSet ExitSet(const MNode* t, const std::string& key, const std::string& ctx) {
    ExitStatusSet set;
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return set;
    std::vector<const toml::node*> items;
    if (const toml::array* arr = n->as_array()) {
      for (const auto& el : *arr) items.push_back(&el);
    } else {
      items.push_back(n);
    }
    for (const toml::node* el : items) {
      if (el->is_integer()) {
        int64_t v = el->as_integer()->get();
        if (v < 0 || v > 255) {
          Error(&el->source(),
                Key(ctx, key) + ": exit status " + std::to_string(v) + " is outside 0..255");
          continue;
        }
        set.codes.insert(static_cast<int>(v));
        continue;
      }
      if (!el->is_string()) {
        Error(&el->source(), Key(ctx, key) +
                                 ": expected exit statuses (0-255, names like "
                                 "\"TEMPFAIL\") or signal names (\"SIGPIPE\")");
        continue;
      }
      // systemd: whitespace-separated words; each an exit status first, then a signal.
      std::string words = el->as_string()->get();
      size_t i = 0;
      while (i < words.size()) {
        size_t j = words.find_first_of(" \t", i);
        std::string w = words.substr(i, j == std::string::npos ? std::string::npos : j - i);
        i = j == std::string::npos ? words.size() : j + 1;
        if (w.empty()) continue;
        if (int code = ExitCodeFromWord(w); code >= 0) {
          set.codes.insert(code);
        } else if (int sig = SignalFromName(w); sig > 0) {
          set.signals.insert(sig);
        } else {
          Error(&el->source(), Key(ctx, key) + ": '" + w +
                                   "' is neither an exit status (0-255 or a name such as "
                                   "TEMPFAIL) nor a signal (such as SIGPIPE)");
        }
      }
    }
    return set;
  }

  static int ExitCodeFromWord(const std::string& w) {
    if (!w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return IsAsciiDigit(c); })) {
      if (w.size() > 3) return -1;
      int v = std::stoi(w);
      return v <= 255 ? v : -1;
    }
    static const std::map<std::string, int> kNames = {
        {"SUCCESS", 0},      {"FAILURE", 1},      {"INVALIDARGUMENT", 2}, {"NOTIMPLEMENTED", 3},
        {"NOPERMISSION", 4}, {"NOTINSTALLED", 5}, {"NOTCONFIGURED", 6},   {"NOTRUNNING", 7},
        {"USAGE", 64},       {"DATAERR", 65},     {"NOINPUT", 66},        {"NOUSER", 67},
        {"NOHOST", 68},      {"UNAVAILABLE", 69}, {"SOFTWARE", 70},       {"OSERR", 71},
        {"OSFILE", 72},      {"CANTCREAT", 73},   {"IOERR", 74},          {"TEMPFAIL", 75},
        {"PROTOCOL", 76},    {"NOPERM", 77},      {"CONFIG", 78}};
    auto it = kNames.find(w);
    return it == kNames.end() ? -1 : it->second;
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
    CheckKeys(t, JobKeys(), ctx);
    if (auto it = t.children.find("preflight"); it != t.children.end() && it->second.is_table)
      CheckKeys(it->second, {"free_space", "reachable", "files", "command", "wait"},
                ctx + ".preflight");
    if (auto it = t.children.find("verify"); it != t.children.end() && it->second.is_table)
      CheckKeys(it->second, {"path", "min_size", "fresh", "max_shrink", "command"},
                ctx + ".verify");
  }

  std::optional<uint64_t> ByteSize(const MNode* t, const std::string& key, const std::string& ctx) {
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return std::nullopt;
    if (n->is_integer() && n->as_integer()->get() >= 0)
      return static_cast<uint64_t>(n->as_integer()->get());
    if (n->is_string()) {
      if (auto b = ParseByteSize(n->as_string()->get())) return b;
    }
    Error(&n->source(), Key(ctx, key) +
                            ": expected a size such as \"500M\", \"5G\" or a "
                            "number of bytes");
    return std::nullopt;
  }

  AlertSpec BuildAlert(const std::string& name, const MNode& t) {
    const std::string ctx = "alerts." + name;
    static const std::vector<std::string> kKinds = {"webhook", "slack",        "email",
                                                    "ntfy",    "healthchecks", "exec"};
    CheckKeys(t, {"kind", "url", "url_file", "url_env", "to", "from", "command", "sendmail"}, ctx);
    AlertSpec a;
    a.name = name;
    auto kind = String(&t, "kind", ctx);
    if (!kind) {
      if (!t.children.count("kind"))
        Error(&t.where, ctx + ": missing 'kind'; one of " + Join(kKinds));
    } else if (*kind == "journal") {
      // The runner cannot deliver these yet; refusing them here beats
      // passing validate and failing at every run.
      Error(&Leaf(&t, "kind", ctx)->source(),
            ctx +
                ".kind: \"journal\" alerts are not supported yet; use kind = \"exec\" with "
                "command = [\"logger\", \"-t\", \"surety\"] or [\"systemd-cat\", \"-t\", "
                "\"surety\"] (both log the run record they read on standard input)");
    } else if (std::find(kKinds.begin(), kKinds.end(), *kind) == kKinds.end()) {
      std::string msg = ctx + ".kind: unknown alert kind '" + QuoteForMessage(*kind) + "'";
      if (auto m = ClosestMatch(*kind, kKinds)) msg += "; did you mean '" + *m + "'?";
      Error(&Leaf(&t, "kind", ctx)->source(), msg + " (known: " + Join(kKinds) + ")");
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
    if (auto u = String(&t, "url", ctx)) {
      a.url = *u;
      ++sources;
      const toml::node* n = Leaf(&t, "url", ctx);
      check_url(*n, "url", "the value");
      // The URL is a secret (a webhook's token is in it): in a file anyone
      // may read, it is no secret.
      if (const auto& file = n->source().path) {
        if (const FileInfo* info = files_.InfoOf(*file))
          if (auto readable = ReadableInlineSecret(*file, *info))
            Warn(&n->source(), ctx + ".url: " + *readable);
      }
    }
    if (auto f = Path(&t, "url_file", ctx)) {
      ++sources;
      const toml::node* n = Leaf(&t, "url_file", ctx);
      if (!ctx_.resolve_secrets) {
        // A command that sends no alerts does not read the secret.
      } else if (auto url = ReadSecretFile(*n, ctx + ".url_file", *f)) {
        a.url = *url;
        check_url(*n, "url_file", "the content of " + *f);
      }
    } else if (t.children.count("url_file")) {
      ++sources;
    }
    if (auto e = String(&t, "url_env", ctx)) {
      ++sources;
      auto v = ctx_.env.Get(*e);
      if (!ctx_.resolve_secrets) {
        // An interactive shell need not have the daemon's environment.
      } else if (!v || v->empty()) {
        Error(&Leaf(&t, "url_env", ctx)->source(),
              ctx + ".url_env: the environment variable " + *e + " is not set");
      } else {
        a.url = *v;
        check_url(*Leaf(&t, "url_env", ctx), "url_env", "the value of " + *e);
      }
    }
    if (sources > 1) Error(&t.where, ctx + ": give the URL once: url, url_file or url_env");
    a.to = String(&t, "to", ctx).value_or("");
    a.from = String(&t, "from", ctx).value_or("");
    // They become mail headers: a line break would start another header.
    for (const auto& [key, value] : {std::pair{"to", &a.to}, std::pair{"from", &a.from}}) {
      const std::string& v = *value;
      if (std::any_of(v.begin(), v.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        Error(&Leaf(&t, key, ctx)->source(),
              ctx + "." + key +
                  ": control characters (a line break?) are not allowed in a mail header; "
                  "separate addresses with commas");
    }
    a.command = CommandOf(&t, "command", ctx);
    if (auto s = String(&t, "sendmail", ctx)) a.sendmail = *s;
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
    j.description = String(&t, "description", ctx).value_or("");
    j.command = CommandOf(&t, "command", ctx);
    // A job file that could not be read may hold the command.
    if (whole_job && j.command.empty() && !t.children.count("command") && !files_.incomplete())
      Error(&t.where, ctx +
                          ": missing 'command' (what to run), e.g. command = [\"pg_dump\", "
                          "\"-f\", \"/backups/db.dump\", \"app\"]");
    for (const auto& [text, n] : StringNodes(&t, "schedule", ctx)) {
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
    j.persistent = Bool(&t, "persistent", ctx).value_or(false);
    if (auto v = Span(&t, "randomized_delay", ctx)) j.randomized_delay = *v;
    j.fixed_random_delay = Bool(&t, "fixed_random_delay", ctx).value_or(false);
    if (auto v = Span(&t, "accuracy", ctx)) j.accuracy = *v;
    j.on_boot = Span(&t, "on_boot", ctx);
    j.on_startup = Span(&t, "on_startup", ctx);
    j.interval = Span(&t, "interval", ctx);
    if (auto v = String(&t, "interval_from", ctx)) {
      if (*v == "start")
        j.interval_from = IntervalFrom::kStart;
      else if (*v == "finish")
        j.interval_from = IntervalFrom::kFinish;
      else
        Error(&Leaf(&t, "interval_from", ctx)->source(),
              ctx + ".interval_from: expected \"start\" or \"finish\"");
    }
    if (auto v = Span(&t, "timeout", ctx, Infinity::kAllowed)) j.timeout = *v;
    if (auto v = Span(&t, "kill_grace", ctx, Infinity::kAllowed)) j.kill_grace = *v;
    if (auto v = String(&t, "overlap", ctx)) {
      if (*v == "skip")
        j.overlap = Overlap::kSkip;
      else if (*v == "wait")
        j.overlap = Overlap::kWait;
      else
        Error(&Leaf(&t, "overlap", ctx)->source(),
              ctx + ".overlap: expected \"skip\" or \"wait\", not \"" + QuoteForMessage(*v) + "\"");
    }
    const auto lock_wait = Span(&t, "lock_wait", ctx, Infinity::kAllowed);
    if (lock_wait) {
      j.lock_wait = *lock_wait;
      if (whole_job && j.overlap != Overlap::kWait)
        Warn(&Leaf(&t, "lock_wait", ctx)->source(),
             ctx + ".lock_wait has no effect unless overlap = \"wait\"");
    }
    if (whole_job && j.overlap == Overlap::kWait && j.lock_wait.usec == 0) {
      if (!t.children.count("lock_wait"))
        Warn(&Leaf(&t, "overlap", ctx)->source(),
             ctx +
                 ".overlap: \"wait\" without lock_wait does not wait (lock_wait is 0): a run "
                 "that finds another one running ends skipped; set lock_wait, e.g. \"30min\" "
                 "or \"infinity\"");
      else if (lock_wait)
        Warn(&Leaf(&t, "lock_wait", ctx)->source(),
             ctx +
                 ".lock_wait: 0 with overlap = \"wait\" does not wait: a run that finds "
                 "another one running ends skipped; set e.g. \"30min\" or \"infinity\", or "
                 "use overlap = \"skip\"");
    }
    if (auto v = Int(&t, "retries", ctx, 0, 100)) j.retries = static_cast<int>(*v);
    auto retry_delay = Span(&t, "retry_delay", ctx);
    if (retry_delay) j.retry_delay = *retry_delay;
    auto retry_delay_max = Span(&t, "retry_delay_max", ctx);
    if (retry_delay_max) j.retry_delay_max = *retry_delay_max;
    if (whole_job && j.retry_delay_max.usec < j.retry_delay.usec &&
        (retry_delay || retry_delay_max)) {
      const toml::node* n = Leaf(&t, retry_delay_max ? "retry_delay_max" : "retry_delay", ctx);
      Error(&n->source(), ctx + ".retry_delay_max (" + FormatTimespan(j.retry_delay_max) +
                              (retry_delay_max ? "" : ", the default") +
                              ") is shorter than retry_delay (" + FormatTimespan(j.retry_delay) +
                              (retry_delay ? "" : ", the default") +
                              "), so every retry would wait retry_delay_max; raise "
                              "retry_delay_max or lower retry_delay");
    }
    if (const toml::node* n = Leaf(&t, "retry_backoff", ctx)) {
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
    j.success_exit_status = ExitSet(&t, "success_exit_status", ctx);
    j.warning_exit_status = ExitSet(&t, "warning_exit_status", ctx);
    j.already_done_exit_status = ExitSet(&t, "already_done_exit_status", ctx);
    j.already_done_output = String(&t, "already_done_output", ctx).value_or("");
    if (whole_job) CheckExitOverlap(t, ctx, j);
    if (const MNode* env = Child(t, "environment", true, ctx)) {
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
          NulError(*v.node, what);
          continue;
        }
        j.environment[k] = v.node->as_string()->get();
      }
    }
    if (auto f = Path(&t, "environment_file", ctx)) {
      j.environment_file = *f;
      CheckEnvironmentFile(*Leaf(&t, "environment_file", ctx), ctx + ".environment_file", *f);
    }
    j.working_directory = AbsolutePath(&t, "working_directory", ctx).value_or("");
    j.user = String(&t, "user", ctx).value_or("");
    j.group = String(&t, "group", ctx).value_or("");
    if ((!j.user.empty() || !j.group.empty()) && !ctx_.running_as_root)
      Warn(&Leaf(&t, j.user.empty() ? "group" : "user", ctx)->source(),
           ctx + ": user/group only take effect when surety runs as root");
    // A warning, not an error: the account may be created after the file.
    if (ctx_.running_as_root && !j.user.empty() && ctx_.user_exists && !ctx_.user_exists(j.user))
      if (const toml::node* n = Leaf(&t, "user", ctx))
        Warn(&n->source(), ctx + ".user: no user '" + QuoteForMessage(j.user) +
                               "' on this host; every run will end preflight_failed until "
                               "there is");
    if (ctx_.running_as_root && !j.group.empty() && ctx_.group_exists &&
        !ctx_.group_exists(j.group))
      if (const toml::node* n = Leaf(&t, "group", ctx))
        Warn(&n->source(), ctx + ".group: no group '" + QuoteForMessage(j.group) +
                               "' on this host; every run will end preflight_failed until "
                               "there is");
    j.grace = Span(&t, "grace", ctx);
    for (const auto& [a, n] : StringNodes(&t, "alert", ctx)) {
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
    if (auto v = Int(&t, "keep_runs", ctx, 1, 10'000'000)) j.keep_runs = static_cast<int>(*v);
    if (const MNode* p = Child(t, "preflight", true, ctx))
      BuildPreflight(*p, ctx + ".preflight", j);
    if (const MNode* v = Child(t, "verify", true, ctx))
      BuildVerify(*v, ctx + ".verify", j, whole_job);
    if (!whole_job) return j;
    if (ctx_.check_programs) {
      CheckProgram(Leaf(&t, "command", ctx), ctx + ".command", j.command, j);
      if (const MNode* p = Child(t, "preflight", true, ctx))
        CheckProgram(Leaf(p, "command", ctx + ".preflight"), ctx + ".preflight.command",
                     j.preflight.command, j);
      if (const MNode* v = Child(t, "verify", true, ctx))
        CheckProgram(Leaf(v, "command", ctx + ".verify"), ctx + ".verify.command", j.verify.command,
                     j);
    }
    const bool scheduled = !j.schedule.empty() || !j.schedule_text.empty();
    if (!scheduled && !j.on_boot && !j.on_startup && !j.interval)
      Warn(&t.where, ctx +
                         ": no schedule, on_boot, on_startup or interval: the job runs only "
                         "when started by hand (surety run " +
                         name + ")");
    if (j.persistent && !scheduled)
      Warn(&Leaf(&t, "persistent", ctx)->source(),
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
      const toml::node* n = Leaf(&t, key, ctx);
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
    if (const MNode* fs = Child(t, "free_space", true, ctx)) {
      CheckKeys(*fs, {"path", "min"}, ctx + ".free_space");
      auto path = AbsolutePath(fs, "path", ctx + ".free_space");
      auto min = ByteSize(fs, "min", ctx + ".free_space");
      if (!path || !min)
        Error(&fs->where, ctx +
                              ".free_space: needs path and min, e.g. { path = \"/backups\", "
                              "min = \"5G\" }");
      else
        p.free_space = PreflightSpec::FreeSpace{*path, *min};
    }
    for (const auto& [r, n] : StringNodes(&t, "reachable", ctx)) {
      p.reachable.push_back(r);
      if (!ParseTcpUrl(r))
        Error(&n->source(), ctx + ".reachable: \"" + QuoteForMessage(r) +
                                "\" should look like \"tcp://host:port\" or "
                                "\"tcp://[v6address]:port\", with a port of 1-65535");
    }
    for (auto& [f, n] : StringNodes(&t, "files", ctx)) {
      if (!f.empty() && f.front() != '/') NotAbsolute(*n, ctx + ".files", f);
      p.files.push_back(std::move(f));
    }
    p.command = CommandOf(&t, "command", ctx);
    if (auto w = Span(&t, "wait", ctx, Infinity::kAllowed)) p.wait = *w;
  }

  void BuildVerify(const MNode& t, const std::string& ctx, JobSpec& j, bool whole_job) {
    VerifySpec& v = j.verify;
    v.path = AbsolutePath(&t, "path", ctx).value_or("");
    v.min_size = ByteSize(&t, "min_size", ctx);
    v.fresh = Bool(&t, "fresh", ctx).value_or(false);
    if (const toml::node* n = Leaf(&t, "max_shrink", ctx)) {
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
    v.command = CommandOf(&t, "command", ctx);
    if (!whole_job) return;
    if ((v.min_size || v.fresh || v.max_shrink) && v.path.empty())
      Error(&t.where, ctx + ": min_size, fresh and max_shrink need 'path' (the artifact)");
    const bool uses_path =
        std::any_of(v.command.argv.begin(), v.command.argv.end(),
                    [](const std::string& a) { return a.find("{path}") != std::string::npos; });
    if (uses_path && v.path.empty())
      Error(&Leaf(&t, "command", ctx)->source(),
            ctx + ".command uses {path} but there is no 'path' (the artifact) to put there");
  }

  const LoadContext& ctx_;
  const JobFiles& files_;
  DiagnosticSink& diags_;
  CalendarParseContext parse_ctx_;
  std::set<const MNode*> tables_reported_;  // by Leaf(), so each only once
};

}  // namespace

LoadResult LoadConfig(const std::vector<std::string>& paths, const LoadContext& ctx) {
  DiagnosticSink diags;
  JobFiles files(ctx.fs, ctx.running_as_root, diags);
  for (const auto& p : paths) files.Read(p);
  // Even after a read or syntax error: the files that parsed are still
  // checked, so one broken file does not hide the problems of the others.
  Config cfg = Loader(ctx, files, diags).Build();
  LoadResult out;
  if (!diags.has_errors()) out.config = std::move(cfg);
  out.errors = diags.TakeErrors();
  out.warnings = diags.TakeWarnings();
  SortInFileOrder(out.errors);
  SortInFileOrder(out.warnings);
  return out;
}

}  // namespace surety
