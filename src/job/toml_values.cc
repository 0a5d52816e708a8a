#include "job/toml_values.h"

#include <algorithm>

#include "base/byte_size.h"
#include "base/strings.h"
#include "os/file_system.h"
#include "os/process.h"

namespace surety {
namespace {

std::string DottedKey(const std::string& ctx, const std::string& key) {
  return ctx.empty() ? key : ctx + "." + key;
}

}  // namespace

int ExitCodeFromWord(const std::string& w) {
  if (!w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return IsAsciiDigit(c); })) {
    if (w.size() > 3) return -1;
    int v = 0;
    for (char c : w) v = v * 10 + (c - '0');
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

std::string CommaList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& s : names) out += (out.empty() ? "" : ", ") + s;
  return out;
}

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

void TomlValues::CheckKeys(const MNode& t, const std::vector<std::string>& allowed,
                           const std::string& ctx) {
  for (const auto& [k, v] : t.children) {
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string msg = DottedKey(ctx, k) + ": unknown key '" + k + "'";
    if (auto m = ClosestMatch(k, allowed))
      msg += "; did you mean '" + *m + "'?";
    else
      msg += "; known keys here: " + CommaList(allowed);
    diags_.Error(v.where, msg);
  }
}

const MNode* TomlValues::Child(const MNode& t, const std::string& key, bool want_table,
                               const std::string& ctx) {
  auto it = t.children.find(key);
  if (it == t.children.end()) return nullptr;
  if (want_table && !it->second.is_table) {
    const std::string full = DottedKey(ctx, key);
    diags_.Error(it->second.where, full + ": expected a table, e.g. a section [" + full +
                                       "] or an inline table " + key + " = { ... }");
    return nullptr;
  }
  return &it->second;
}

const toml::node* TomlValues::Leaf(const MNode* t, const std::string& key, const std::string& ctx) {
  if (!t) return nullptr;
  auto it = t->children.find(key);
  if (it == t->children.end()) return nullptr;
  if (it->second.is_table) {
    if (tables_reported_.insert(&it->second).second)
      diags_.Error(it->second.where, DottedKey(ctx, key) + ": expected a value, not a table");
    return nullptr;
  }
  return it->second.node;
}

std::optional<std::string> TomlValues::String(const MNode* t, const std::string& key,
                                              const std::string& ctx) {
  const toml::node* n = Leaf(t, key, ctx);
  if (!n) return std::nullopt;
  if (!n->is_string()) {
    diags_.Error(n->source(),
                 DottedKey(ctx, key) + ": expected a string, e.g. " + key + " = \"...\"");
    return std::nullopt;
  }
  if (HasNul(n->as_string()->get())) {
    NulError(*n, DottedKey(ctx, key));
    return std::nullopt;
  }
  return n->as_string()->get();
}

void TomlValues::NulError(const toml::node& n, const std::string& what) {
  diags_.Error(n.source(), what +
                               ": contains a NUL character (\\u0000), which cannot be passed to a "
                               "program or be part of a path");
}

// A relative path in a job file is relative to the directory of the file
// that says it (like an include), not to wherever surety happens to run.
std::string TomlValues::RelativeToFile(const toml::node& n, const std::string& path) const {
  if (path.empty() || path.front() == '/' || !n.source().path) return path;
  auto it = dirs_.find(*n.source().path);
  return it == dirs_.end() ? path : JoinPath(it->second, path);
}

std::optional<std::string> TomlValues::Path(const MNode* t, const std::string& key,
                                            const std::string& ctx) {
  auto s = String(t, key, ctx);
  if (!s) return s;
  const toml::node* n = Leaf(t, key, ctx);
  if (s->empty()) {
    diags_.Error(n->source(), DottedKey(ctx, key) + ": the path is empty");
    return std::nullopt;
  }
  return RelativeToFile(*n, *s);
}

std::optional<bool> TomlValues::Bool(const MNode* t, const std::string& key,
                                     const std::string& ctx) {
  const toml::node* n = Leaf(t, key, ctx);
  if (!n) return std::nullopt;
  if (!n->is_boolean()) {
    diags_.Error(n->source(), DottedKey(ctx, key) + ": expected true or false");
    return std::nullopt;
  }
  return n->as_boolean()->get();
}

std::optional<int64_t> TomlValues::Int(const MNode* t, const std::string& key,
                                       const std::string& ctx, int64_t lo, int64_t hi) {
  const toml::node* n = Leaf(t, key, ctx);
  if (!n) return std::nullopt;
  if (!n->is_integer() || n->as_integer()->get() < lo || n->as_integer()->get() > hi) {
    diags_.Error(n->source(), DottedKey(ctx, key) + ": expected a whole number from " +
                                  std::to_string(lo) + " to " + std::to_string(hi));
    return std::nullopt;
  }
  return n->as_integer()->get();
}

std::optional<Timespan> TomlValues::Span(const MNode* t, const std::string& key,
                                         const std::string& ctx, Infinity infinity) {
  const toml::node* n = Leaf(t, key, ctx);
  if (!n) return std::nullopt;
  std::string text;
  if (n->is_string()) {
    text = n->as_string()->get();
  } else if (n->is_integer() && n->as_integer()->get() >= 0) {
    text = std::to_string(n->as_integer()->get());
  } else {
    diags_.Error(n->source(), DottedKey(ctx, key) +
                                  ": expected a time span such as \"30s\", \"5min\" or "
                                  "\"1h 30min\"" +
                                  (infinity == Infinity::kAllowed ? " or \"infinity\"" : ""));
    return std::nullopt;
  }
  auto span = ParseTimespan(text);
  if (!span.ok()) {
    diags_.Error(n->source(), DottedKey(ctx, key) + ": invalid time span \"" +
                                  QuoteForMessage(text) + "\" (" + span.status().message() +
                                  "); write e.g. \"30s\", \"5min\", \"1h 30min\", \"2d\"");
    return std::nullopt;
  }
  if (span->infinite() && infinity == Infinity::kRefused) {
    diags_.Error(n->source(), DottedKey(ctx, key) +
                                  ": \"infinity\" has no meaning here; give a finite time span "
                                  "such as \"30s\" or \"1h\" (only timeout, kill_grace, lock_wait "
                                  "and preflight.wait may be infinite)");
    return std::nullopt;
  }
  return *span;
}

std::vector<std::pair<std::string, const toml::node*>> TomlValues::StringNodes(
    const MNode* t, const std::string& key, const std::string& ctx) {
  std::vector<std::pair<std::string, const toml::node*>> out;
  const toml::node* n = Leaf(t, key, ctx);
  if (!n) return out;
  std::vector<const toml::node*> items;
  if (n->is_string()) {
    items.push_back(n);
  } else if (const toml::array* arr = n->as_array()) {
    for (const auto& el : *arr) items.push_back(&el);
  } else {
    diags_.Error(n->source(),
                 DottedKey(ctx, key) + ": expected a list of strings, e.g. [\"a\", \"b\"]");
    return out;
  }
  for (const toml::node* el : items) {
    if (!el->is_string()) {
      diags_.Error(el->source(), DottedKey(ctx, key) + ": expected a string in the list");
      continue;
    }
    if (HasNul(el->as_string()->get())) {
      NulError(*el, DottedKey(ctx, key));
      continue;
    }
    out.emplace_back(el->as_string()->get(), el);
  }
  return out;
}

void TomlValues::NotAbsolute(const toml::node& n, const std::string& what,
                             const std::string& path) {
  diags_.Error(n.source(), what + ": \"" + QuoteForMessage(path) +
                               "\" is relative; give an absolute path (surety checks it from "
                               "wherever it was started, not from the job's working_directory)");
}
std::optional<std::string> TomlValues::AbsolutePath(const MNode* t, const std::string& key,
                                                    const std::string& ctx) {
  auto v = String(t, key, ctx);
  if (v && !v->empty() && v->front() != '/')
    NotAbsolute(*Leaf(t, key, ctx), DottedKey(ctx, key), *v);
  return v;
}

Command TomlValues::CommandOf(const MNode* t, const std::string& key, const std::string& ctx) {
  Command c;
  const toml::node* n = Leaf(t, key, ctx);
  if (!n) return c;
  if (n->is_string()) {
    const std::string& s = n->as_string()->get();
    if (s.find_first_not_of(" \t") == std::string::npos) {
      diags_.Error(n->source(), DottedKey(ctx, key) + ": the command is empty");
      return c;
    }
    if (HasNul(s)) {
      NulError(*n, DottedKey(ctx, key));
      return c;
    }
    c.argv = {"/bin/sh", "-c", s};
    c.shell = true;
    return c;
  }
  const toml::array* arr = n->as_array();
  if (!arr || arr->empty()) {
    diags_.Error(n->source(), DottedKey(ctx, key) +
                                  ": expected a command: an argument list such as "
                                  "[\"pg_dump\", \"-Fc\", \"app\"] or a shell string");
    return c;
  }
  for (const auto& el : *arr) {
    if (!el.is_string()) {
      diags_.Error(el.source(), DottedKey(ctx, key) + ": every argument must be a string");
      return Command{};
    }
    if (HasNul(el.as_string()->get())) {
      NulError(el, DottedKey(ctx, key));
      return Command{};
    }
    c.argv.push_back(el.as_string()->get());
  }
  if (c.argv[0].empty()) {
    diags_.Error(n->source(), DottedKey(ctx, key) + ": the program name is empty");
    return Command{};
  }
  return c;
}

ExitStatusSet TomlValues::ExitSet(const MNode* t, const std::string& key, const std::string& ctx) {
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
        diags_.Error(el->source(), DottedKey(ctx, key) + ": exit status " + std::to_string(v) +
                                       " is outside 0..255");
        continue;
      }
      set.codes.insert(static_cast<int>(v));
      continue;
    }
    if (!el->is_string()) {
      diags_.Error(el->source(), DottedKey(ctx, key) +
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
        diags_.Error(el->source(), DottedKey(ctx, key) + ": '" + w +
                                       "' is neither an exit status (0-255 or a name such as "
                                       "TEMPFAIL) nor a signal (such as SIGPIPE)");
      }
    }
  }
  return set;
}

std::optional<uint64_t> TomlValues::ByteSize(const MNode* t, const std::string& key,
                                             const std::string& ctx) {
  const toml::node* n = Leaf(t, key, ctx);
  if (!n) return std::nullopt;
  if (n->is_integer() && n->as_integer()->get() >= 0)
    return static_cast<uint64_t>(n->as_integer()->get());
  if (n->is_string()) {
    if (auto b = ParseByteSize(n->as_string()->get())) return b;
  }
  diags_.Error(n->source(), DottedKey(ctx, key) +
                                ": expected a size such as \"500M\", \"5G\" or a "
                                "number of bytes");
  return std::nullopt;
}

}  // namespace surety
