#include "job/config_loader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "base/byte_size.h"
#include "base/strings.h"
#include "os/process.h"

namespace surety {

std::string Diagnostic::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  return out + ": " + message;
}

std::string DefaultConfigPath(const Env& env, bool root) {
  if (auto p = env.Get("SURETY_CONFIG"); p && !p->empty()) return *p;
  if (root) return "/etc/surety/surety.toml";
  if (auto x = env.Get("XDG_CONFIG_HOME"); x && !x->empty()) return *x + "/surety/surety.toml";
  return env.Get("HOME").value_or("") + "/.config/surety/surety.toml";
}

std::string DefaultStateDir(const Env& env, bool root) {
  if (root) return "/var/lib/surety";
  if (auto x = env.Get("XDG_STATE_HOME"); x && !x->empty()) return *x + "/surety";
  return env.Get("HOME").value_or("") + "/.local/state/surety";
}

std::optional<std::string> ClosestMatch(const std::string& word,
                                        const std::vector<std::string>& candidates) {
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t sub = prev[j - 1] + (AsciiLower(a[i - 1]) == AsciiLower(b[j - 1]) ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  std::optional<std::string> best;
  size_t best_d = 0;
  for (const auto& c : candidates) {
    size_t d = distance(word, c);
    size_t limit = std::max<size_t>(1, std::min<size_t>(3, c.size() / 3));
    if (d <= limit && (!best || d < best_d)) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

namespace {

constexpr int kMaxIncludeDepth = 8;

// The merged view of all files: tables merge key by key, anything else is
// replaced by the later file's value. Leaves point into the parsed documents.
struct MNode {
  const toml::node* node = nullptr;  // leaf or array (nullptr for a table)
  toml::source_region where;         // of the key that introduced it
  std::map<std::string, MNode> children;
  bool is_table = false;
};

void Merge(MNode& into, const toml::table& t) {
  into.is_table = true;
  for (auto&& [k, v] : t) {
    MNode& child = into.children[std::string(k.str())];
    child.where = k.source();
    if (const toml::table* sub = v.as_table()) {
      if (!child.is_table) child = MNode{nullptr, k.source(), {}, true};
      Merge(child, *sub);
    } else {
      child.node = &v;
      child.is_table = false;
      child.children.clear();
    }
  }
}

class Loader {
 public:
  Loader(const LoadContext& ctx, LoadResult& out) : ctx_(ctx), out_(out) {
    parse_ctx_.tzname[0] = ctx.local.tzname(0);
    parse_ctx_.tzname[1] = ctx.local.tzname(1);
    parse_ctx_.zones = &ctx.zones;
  }

  void ReadFile(const std::string& path, int depth, const toml::source_region* from) {
    if (depth > kMaxIncludeDepth) {
      Error(from, "includes nested more than " + std::to_string(kMaxIncludeDepth) +
                      " deep (an include cycle?) at " + path);
      return;
    }
    if (std::count(files_.begin(), files_.end(), path) > 0) {
      Error(from, "'" + path + "' is included twice (an include cycle?)");
      return;
    }
    auto text = ctx_.fs.ReadFile(path);
    if (!text.ok()) {
      Diagnostic d{path, 0, 0, "cannot read the job file: " + text.status().message()};
      if (from) d = At(*from, "cannot read included file " + path + ": " + text.status().message());
      out_.errors.push_back(d);
      return;
    }
    files_.push_back(path);
    try {
      docs_.push_back(std::make_unique<toml::table>(toml::parse(*text, path)));
    } catch (const toml::parse_error& e) {
      out_.errors.push_back(Diagnostic{path, static_cast<int>(e.source().begin.line),
                                       static_cast<int>(e.source().begin.column),
                                       "TOML syntax error: " + std::string(e.description())});
      return;
    }
    const toml::table& doc = *docs_.back();
    Merge(root_, doc);
    if (const toml::node* inc = doc.get("include")) {
      std::vector<std::pair<std::string, toml::source_region>> patterns;
      if (inc->is_string()) {
        patterns.emplace_back(inc->as_string()->get(), inc->source());
      } else if (const toml::array* arr = inc->as_array()) {
        for (const auto& el : *arr) {
          if (el.is_string())
            patterns.emplace_back(el.as_string()->get(), el.source());
          else
            Error(&el.source(), "include: expected a string (a path or glob)");
        }
      } else {
        Error(&inc->source(), "include: expected a list of paths or globs");
      }
      for (const auto& [pattern, where] : patterns) {
        std::string full = JoinPath(DirName(path), pattern);
        auto matches = ctx_.fs.Glob(full);
        bool has_glob = pattern.find_first_of("*?[") != std::string::npos;
        if (matches.empty() && !has_glob) {
          Error(&where, "include: no such file " + full);
          continue;
        }
        for (const auto& m : matches) ReadFile(m, depth + 1, &where);
      }
    }
  }

  void Build() {
    Config cfg;
    cfg.files = files_;
    CheckKeys(root_, {"include", "settings", "defaults", "alerts", "jobs"}, "");
    if (const MNode* s = Child(root_, "settings", true)) {
      CheckKeys(*s, {"state_dir", "host"}, "settings");
      cfg.settings.state_dir = String(s, "state_dir", "settings").value_or("");
      cfg.settings.host = String(s, "host", "settings").value_or("");
    }
    if (cfg.settings.state_dir.empty())
      cfg.settings.state_dir = DefaultStateDir(ctx_.env, ctx_.running_as_root);
    if (cfg.settings.host.empty()) cfg.settings.host = ctx_.hostname;

    if (const MNode* alerts = Child(root_, "alerts", true)) {
      for (const auto& [name, node] : alerts->children) {
        if (!node.is_table) {
          Error(&node.where, "alerts." + name + ": expected a table [alerts." + name + "]");
          continue;
        }
        cfg.alerts[name] = BuildAlert(name, node);
      }
    }
    const MNode* defaults = Child(root_, "defaults", true);
    if (defaults) CheckJobKeys(*defaults, "defaults");
    if (const MNode* jobs = Child(root_, "jobs", true)) {
      for (const auto& [name, node] : jobs->children) {
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
        JobSpec job = BuildJob(name, merged, cfg);
        cfg.jobs[name] = std::move(job);
      }
    }
    if (cfg.jobs.empty() && out_.errors.empty())
      out_.warnings.push_back(Diagnostic{files_.empty() ? "" : files_.front(), 0, 0,
                                         "no jobs defined (add a [jobs.NAME] table)"});
    if (out_.errors.empty()) out_.config = std::move(cfg);
  }

 private:
  static bool ValidJobName(const std::string& n) {
    if (n.empty() || n.size() > 100) return false;
    if (!(std::isalnum(static_cast<unsigned char>(n[0])))) return false;
    return std::all_of(n.begin(), n.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
  }

  static void MergeNodes(MNode& into, const MNode& from) {
    for (const auto& [k, v] : from.children) {
      MNode& c = into.children[k];
      if (v.is_table && c.is_table) {
        MergeNodes(c, v);
      } else {
        c = v;
      }
    }
  }

  Diagnostic At(const toml::source_region& r, std::string message) const {
    std::string file = r.path ? *r.path : (files_.empty() ? "" : files_.front());
    return Diagnostic{file, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column),
                      std::move(message)};
  }
  void Error(const toml::source_region* r, std::string message) {
    if (r)
      out_.errors.push_back(At(*r, std::move(message)));
    else
      out_.errors.push_back(Diagnostic{files_.empty() ? "" : files_.front(), 0, 0, message});
  }
  void Warn(const toml::source_region* r, std::string message) {
    if (r) out_.warnings.push_back(At(*r, std::move(message)));
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

  const MNode* Child(const MNode& t, const std::string& key, bool want_table) {
    auto it = t.children.find(key);
    if (it == t.children.end()) return nullptr;
    if (want_table && !it->second.is_table) {
      Error(&it->second.where, key + ": expected a table, e.g. [" + key + "]");
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
    return n->as_string()->get();
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

  std::optional<Timespan> Span(const MNode* t, const std::string& key, const std::string& ctx) {
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return std::nullopt;
    std::string text;
    if (n->is_string()) {
      text = n->as_string()->get();
    } else if (n->is_integer() && n->as_integer()->get() >= 0) {
      text = std::to_string(n->as_integer()->get());
    } else {
      Error(&n->source(), Key(ctx, key) +
                              ": expected a time span such as \"30s\", \"5min\", "
                              "\"1h 30min\" or \"infinity\"");
      return std::nullopt;
    }
    auto span = ParseTimespan(text);
    if (!span.ok()) {
      Error(&n->source(), Key(ctx, key) + ": invalid time span \"" + QuoteForMessage(text) +
                              "\" (" + span.status().message() +
                              "); write e.g. \"30s\", \"5min\", \"1h 30min\", \"2d\"");
      return std::nullopt;
    }
    return *span;
  }

  std::vector<std::string> StringList(const MNode* t, const std::string& key,
                                      const std::string& ctx) {
    std::vector<std::string> out;
    const toml::node* n = Leaf(t, key, ctx);
    if (!n) return out;
    if (n->is_string()) return {n->as_string()->get()};
    const toml::array* arr = n->as_array();
    if (!arr) {
      Error(&n->source(), Key(ctx, key) + ": expected a list of strings, e.g. [\"a\", \"b\"]");
      return out;
    }
    for (const auto& el : *arr) {
      if (!el.is_string()) {
        Error(&el.source(), Key(ctx, key) + ": expected a string in the list");
        continue;
      }
      out.push_back(el.as_string()->get());
    }
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
    static const std::vector<std::string> kKinds = {"webhook",      "slack",   "email", "ntfy",
                                                    "healthchecks", "journal", "exec"};
    CheckKeys(t, {"kind", "url", "url_file", "url_env", "to", "from", "command", "sendmail"}, ctx);
    AlertSpec a;
    a.name = name;
    auto kind = String(&t, "kind", ctx);
    if (!kind) {
      Error(&t.where, ctx + ": missing 'kind'; one of " + Join(kKinds));
    } else if (std::find(kKinds.begin(), kKinds.end(), *kind) == kKinds.end()) {
      std::string msg = ctx + ".kind: unknown alert kind '" + *kind + "'";
      if (auto m = ClosestMatch(*kind, kKinds)) msg += "; did you mean '" + *m + "'?";
      Error(&Leaf(&t, "kind", ctx)->source(), msg + " (known: " + Join(kKinds) + ")");
    } else {
      a.kind = *kind;
    }
    // The URL is a secret: inline, from a protected file, or from the environment.
    int sources = 0;
    if (auto u = String(&t, "url", ctx)) {
      a.url = *u;
      ++sources;
    }
    if (auto f = String(&t, "url_file", ctx)) {
      ++sources;
      const toml::node* n = Leaf(&t, "url_file", ctx);
      auto info = ctx_.fs.Stat(*f);
      if (!info.ok() || !info->exists) {
        Error(&n->source(), ctx + ".url_file: " + *f + " does not exist");
      } else if (info->mode & 0004) {
        Error(&n->source(),
              ctx + ".url_file: " + *f + " is world-readable; it holds a secret: chmod o-r " + *f);
      } else if (auto content = ctx_.fs.ReadFile(*f); !content.ok()) {
        Error(&n->source(), ctx + ".url_file: cannot read " + *f);
      } else {
        std::string s = *content;
        while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' '))
          s.pop_back();
        a.url = s;
      }
    }
    if (auto e = String(&t, "url_env", ctx)) {
      ++sources;
      auto v = ctx_.env.Get(*e);
      if (!v || v->empty())
        Error(&Leaf(&t, "url_env", ctx)->source(),
              ctx + ".url_env: the environment variable " + *e + " is not set");
      else
        a.url = *v;
    }
    if (sources > 1) Error(&t.where, ctx + ": give the URL once: url, url_file or url_env");
    a.to = String(&t, "to", ctx).value_or("");
    a.from = String(&t, "from", ctx).value_or("");
    a.command = CommandOf(&t, "command", ctx);
    if (auto s = String(&t, "sendmail", ctx)) a.sendmail = *s;
    bool needs_url =
        a.kind == "webhook" || a.kind == "slack" || a.kind == "ntfy" || a.kind == "healthchecks";
    if (needs_url && sources == 0)
      Error(&t.where, ctx + ": a " + a.kind + " alert needs url, url_file or url_env");
    if (a.kind == "email" && a.to.empty())
      Error(&t.where, ctx + ": an email alert needs 'to' (the recipients)");
    if (a.kind == "exec" && a.command.empty())
      Error(&t.where, ctx + ": an exec alert needs 'command'");
    return a;
  }

  JobSpec BuildJob(const std::string& name, const MNode& t, const Config& cfg) {
    const std::string ctx = "jobs." + name;
    JobSpec j;
    j.name = name;
    j.description = String(&t, "description", ctx).value_or("");
    j.command = CommandOf(&t, "command", ctx);
    if (j.command.empty() && !t.children.count("command"))
      Error(&t.where, ctx +
                          ": missing 'command' (what to run), e.g. command = [\"pg_dump\", "
                          "\"-f\", \"/backups/db.dump\", \"app\"]");
    j.schedule_text = StringList(&t, "schedule", ctx);
    if (const toml::node* n = Leaf(&t, "schedule", ctx)) {
      for (const auto& text : j.schedule_text) {
        auto spec = ParseCalendarSpec(text, parse_ctx_);
        if (!spec.ok()) {
          Error(&n->source(), ctx + ".schedule: invalid calendar spec \"" + QuoteForMessage(text) +
                                  "\": " + spec.status().message() +
                                  " (check it with: surety calendar '" + QuoteForMessage(text) +
                                  "')");
          continue;
        }
        j.schedule.push_back(*spec);
      }
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
    if (auto v = Span(&t, "timeout", ctx)) j.timeout = *v;
    if (auto v = Span(&t, "kill_grace", ctx)) j.kill_grace = *v;
    if (auto v = String(&t, "overlap", ctx)) {
      if (*v == "skip")
        j.overlap = Overlap::kSkip;
      else if (*v == "wait")
        j.overlap = Overlap::kWait;
      else
        Error(&Leaf(&t, "overlap", ctx)->source(),
              ctx + ".overlap: expected \"skip\" or \"wait\", not \"" + *v + "\"");
    }
    if (auto v = Span(&t, "lock_wait", ctx)) {
      j.lock_wait = *v;
      if (j.overlap != Overlap::kWait)
        Warn(&Leaf(&t, "lock_wait", ctx)->source(),
             ctx + ".lock_wait has no effect unless overlap = \"wait\"");
    }
    if (auto v = Int(&t, "retries", ctx, 0, 100)) j.retries = static_cast<int>(*v);
    if (auto v = Span(&t, "retry_delay", ctx)) j.retry_delay = *v;
    if (auto v = Span(&t, "retry_delay_max", ctx)) j.retry_delay_max = *v;
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
    CheckExitOverlap(t, ctx, j);
    if (const MNode* env = Child(t, "environment", true)) {
      for (const auto& [k, v] : env->children) {
        if (v.is_table || !v.node->is_string()) {
          Error(&v.where, ctx + ".environment." + k + ": expected a string value");
          continue;
        }
        j.environment[k] = v.node->as_string()->get();
      }
    }
    j.environment_file = String(&t, "environment_file", ctx).value_or("");
    j.working_directory = String(&t, "working_directory", ctx).value_or("");
    j.user = String(&t, "user", ctx).value_or("");
    j.group = String(&t, "group", ctx).value_or("");
    if ((!j.user.empty() || !j.group.empty()) && !ctx_.running_as_root)
      Warn(&t.where, ctx + ": user/group only take effect when surety runs as root");
    j.grace = Span(&t, "grace", ctx);
    j.alert = StringList(&t, "alert", ctx);
    if (const toml::node* n = Leaf(&t, "alert", ctx)) {
      std::vector<std::string> known;
      for (const auto& [k, v] : cfg.alerts) known.push_back(k);
      for (const auto& a : j.alert) {
        if (cfg.alerts.count(a)) continue;
        std::string msg = ctx + ".alert: no alert named '" + a + "'";
        if (auto m = ClosestMatch(a, known))
          msg += "; did you mean '" + *m + "'?";
        else
          msg += "; define it as [alerts." + a + "]";
        Error(&n->source(), msg);
      }
    }
    if (auto v = Int(&t, "keep_runs", ctx, 1, 10'000'000)) j.keep_runs = static_cast<int>(*v);
    if (const MNode* p = Child(t, "preflight", true)) BuildPreflight(*p, ctx + ".preflight", j);
    if (const MNode* v = Child(t, "verify", true)) BuildVerify(*v, ctx + ".verify", j);
    if (j.schedule.empty() && !j.on_boot && !j.on_startup && !j.interval && j.schedule_text.empty())
      Warn(&t.where, ctx +
                         ": no schedule, on_boot, on_startup or interval: the job runs only "
                         "when started by hand (surety run " +
                         name + ")");
    return j;
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
    for (int c : j.already_done_exit_status.codes) {
      if (c == 0 || j.success_exit_status.HasCode(c) || j.warning_exit_status.HasCode(c))
        Error(where("already_done_exit_status"),
              ctx + ".already_done_exit_status: exit status " + std::to_string(c) +
                  " is already a success or warning code; list it in only one class");
    }
  }

  void BuildPreflight(const MNode& t, const std::string& ctx, JobSpec& j) {
    PreflightSpec& p = j.preflight;
    if (const MNode* fs = Child(t, "free_space", true)) {
      CheckKeys(*fs, {"path", "min"}, ctx + ".free_space");
      auto path = String(fs, "path", ctx + ".free_space");
      auto min = ByteSize(fs, "min", ctx + ".free_space");
      if (!path || !min)
        Error(&fs->where, ctx +
                              ".free_space: needs path and min, e.g. { path = \"/backups\", "
                              "min = \"5G\" }");
      else
        p.free_space = PreflightSpec::FreeSpace{*path, *min};
    }
    p.reachable = StringList(&t, "reachable", ctx);
    for (const auto& r : p.reachable) {
      if (r.rfind("tcp://", 0) != 0 || r.find(':', 6) == std::string::npos)
        Error(&Leaf(&t, "reachable", ctx)->source(),
              ctx + ".reachable: \"" + r + "\" should look like \"tcp://host:port\"");
    }
    p.files = StringList(&t, "files", ctx);
    p.command = CommandOf(&t, "command", ctx);
    if (auto w = Span(&t, "wait", ctx)) p.wait = *w;
  }

  void BuildVerify(const MNode& t, const std::string& ctx, JobSpec& j) {
    VerifySpec& v = j.verify;
    v.path = String(&t, "path", ctx).value_or("");
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
      }
      if (!f || !(*f >= 0.0 && *f <= 1.0))
        Error(&n->source(), ctx +
                                ".max_shrink: expected a percentage such as \"50%\" (or a "
                                "fraction 0.0-1.0)");
      else
        v.max_shrink = f;
    }
    v.command = CommandOf(&t, "command", ctx);
    if ((v.min_size || v.fresh || v.max_shrink) && v.path.empty())
      Error(&t.where, ctx + ": min_size, fresh and max_shrink need 'path' (the artifact)");
  }

  const LoadContext& ctx_;
  LoadResult& out_;
  CalendarParseContext parse_ctx_;
  std::vector<std::string> files_;
  std::vector<std::unique_ptr<toml::table>> docs_;
  MNode root_;
  std::set<const MNode*> tables_reported_;  // by Leaf(), so each only once
};

}  // namespace

LoadResult LoadConfig(const std::vector<std::string>& paths, const LoadContext& ctx) {
  LoadResult out;
  Loader loader(ctx, out);
  for (const auto& p : paths) loader.ReadFile(p, 0, nullptr);
  if (out.errors.empty()) loader.Build();
  return out;
}

}  // namespace surety
