#include "job/build_alerts.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "job/trust.h"

namespace surety {
namespace {

constexpr uint64_t kMaxSecretFileBytes = uint64_t{64} << 10;

// A journal alert's identifier: a short printable token, which syslog's
// "IDENT[PID]: message" lines and `journalctl -t IDENT` read unambiguously.
bool IsSyslogIdentifier(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

// http:// or https:// and something after it: what libcurl will be asked
// to POST to.
bool IsHttpUrl(const std::string& url) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.size() > scheme.size() && StartsWithIgnoreCase(url, scheme)) return true;
  }
  return false;
}

// The trimmed content of a file that holds a secret: a regular file that
// neither everyone may read (the secret would leak) nor everyone may write
// (anyone could redirect the alerts).
std::optional<std::string> ReadSecretFile(const toml::node& n, const std::string& what,
                                          const std::string& path, const BuildContext& b) {
  auto content = b.load.fs.ReadRegularFile(path, kMaxSecretFileBytes);
  if (!content.ok()) {
    if (content.status().code() == StatusCode::kNotFound)
      b.diags.Error(n.source(), what + ": " + path + " does not exist");
    else
      b.diags.Error(n.source(), what + ": " + content.status().message());
    return std::nullopt;
  }
  if (auto why = SecretFileProblem(path, content->info, b.load.running_as_root)) {
    b.diags.Error(n.source(), what + ": " + *why);
    return std::nullopt;
  }
  std::string s = std::move(content->data);
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  return s;
}

AlertSpec BuildAlert(const std::string& name, const MNode& t, const BuildContext& b) {
  const std::string ctx = "alerts." + name;
  // What a job file may name.
  static const std::vector<std::string> kKinds = [] {
    std::vector<std::string> names;
    for (AlertKind k : kAllAlertKinds) names.emplace_back(AlertKindName(k));
    return names;
  }();
  b.values.CheckKeys(
      t, {"kind", "url", "url_file", "url_env", "to", "from", "command", "sendmail", "identifier"},
      ctx);
  AlertSpec a;
  a.name = name;
  std::optional<AlertKind> known;  // unset: missing or wrong, and said so
  auto kind = b.values.String(&t, "kind", ctx);
  if (!kind) {
    if (!t.children.count("kind"))
      b.diags.Error(t.where, ctx + ": missing 'kind'; one of " + CommaList(kKinds));
  } else if (std::find(kKinds.begin(), kKinds.end(), *kind) == kKinds.end()) {
    std::string msg = ctx + ".kind: unknown alert kind '" + QuoteForMessage(*kind) + "'";
    if (auto m = ClosestMatch(*kind, kKinds)) msg += "; did you mean '" + *m + "'?";
    b.diags.Error(b.values.Leaf(&t, "kind", ctx)->source(),
                  msg + " (known: " + CommaList(kKinds) + ")");
  } else {
    known = AlertKindFromName(*kind);
    if (known) a.kind = *known;
  }
  const bool needs_url = known && AlertKindPostsToUrl(*known);
  const std::string kind_name(known ? AlertKindName(*known) : "");
  // The URL is a secret: inline, from a protected file, or from the
  // environment. It is checked but never printed.
  auto check_url = [&](const toml::node& where, const std::string& key,
                       const std::string& subject) {
    if (!needs_url) return;
    if (a.url.empty())
      b.diags.Error(where.source(), ctx + "." + key + ": " + subject + " is empty; a " + kind_name +
                                        " alert needs an http:// or https:// URL");
    else if (!IsHttpUrl(a.url))
      b.diags.Error(where.source(),
                    ctx + "." + key + ": " + subject +
                        " is not an http:// or https:// URL (it is a secret, so it is "
                        "not shown)");
  };
  int sources = 0;
  if (auto u = b.values.String(&t, "url", ctx)) {
    a.url = *u;
    ++sources;
    const toml::node* n = b.values.Leaf(&t, "url", ctx);
    check_url(*n, "url", "the value");
    // The URL is a secret (a webhook's token is in it): in a file anyone
    // may read, it is no secret.
    if (const auto& file = n->source().path) {
      if (const FileInfo* info = b.files.InfoOf(*file))
        if (auto readable = ReadableInlineSecret(*file, *info))
          b.diags.Warn(n->source(), ctx + ".url: " + *readable);
    }
  }
  if (auto f = b.values.Path(&t, "url_file", ctx)) {
    ++sources;
    a.url_file = *f;
    const toml::node* n = b.values.Leaf(&t, "url_file", ctx);
    if (!b.load.resolve_secrets) {
      // A command that sends no alerts does not read the secret.
    } else if (auto url = ReadSecretFile(*n, ctx + ".url_file", *f, b)) {
      a.url = *url;
      check_url(*n, "url_file", "the content of " + *f);
    }
  } else if (t.children.count("url_file")) {
    ++sources;
  }
  if (auto e = b.values.String(&t, "url_env", ctx)) {
    ++sources;
    a.url_env = *e;
    auto v = b.load.env.Get(*e);
    if (!b.load.resolve_secrets) {
      // An interactive shell need not have the daemon's environment.
    } else if (!v || v->empty()) {
      b.diags.Error(b.values.Leaf(&t, "url_env", ctx)->source(),
                    ctx + ".url_env: the environment variable " + *e + " is not set");
    } else {
      a.url = *v;
      check_url(*b.values.Leaf(&t, "url_env", ctx), "url_env", "the value of " + *e);
    }
  }
  if (sources > 1) b.diags.Error(t.where, ctx + ": give the URL once: url, url_file or url_env");
  a.to = b.values.String(&t, "to", ctx).value_or("");
  a.from = b.values.String(&t, "from", ctx).value_or("");
  // They become mail headers: a line break would start another header.
  for (const auto& [key, value] : {std::pair{"to", &a.to}, std::pair{"from", &a.from}}) {
    const std::string& v = *value;
    if (std::any_of(v.begin(), v.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
      b.diags.Error(b.values.Leaf(&t, key, ctx)->source(),
                    ctx + "." + key +
                        ": control characters (a line break?) are not allowed in a mail header; "
                        "separate addresses with commas");
  }
  a.command = b.values.CommandOf(&t, "command", ctx);
  if (auto s = b.values.String(&t, "sendmail", ctx)) a.sendmail = *s;
  if (auto id = b.values.String(&t, "identifier", ctx)) {
    if (IsSyslogIdentifier(*id))
      a.identifier = *id;
    else
      b.diags.Error(b.values.Leaf(&t, "identifier", ctx)->source(),
                    ctx + ".identifier: '" + QuoteForMessage(*id) +
                        "' is not a short token: 1 to 64 letters, digits, '.', '_' or '-' (it "
                        "becomes the entry's SYSLOG_IDENTIFIER, as `journalctl -t` shows it)");
  }
  if (needs_url && sources == 0)
    b.diags.Error(t.where, ctx + ": a " + kind_name + " alert needs url, url_file or url_env");
  if (known == AlertKind::kEmail && a.to.empty())
    b.diags.Error(t.where, ctx + ": an email alert needs 'to' (the recipients)");
  if (known == AlertKind::kExec && a.command.empty() && !t.children.count("command"))
    b.diags.Error(t.where, ctx + ": an exec alert needs 'command'");
  return a;
}

}  // namespace

std::map<std::string, AlertSpec> BuildAlerts(const MNode& root, const BuildContext& b) {
  std::map<std::string, AlertSpec> alerts;
  const MNode* table = b.values.Child(root, "alerts", true);
  if (!table) return alerts;
  for (const auto& [name, node] : table->children) {
    if (!node.is_table) {
      b.diags.Error(node.where, "alerts." + name + ": expected a table [alerts." + name + "]");
      continue;
    }
    alerts[name] = BuildAlert(name, node, b);
  }
  return alerts;
}

}  // namespace surety
