#include "job/job_spec.h"

#include "base/strings.h"

namespace surety {

std::string Command::Display() const {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) {
        if (c == '\'')
          out += "'\\''";
        else
          out += c;
      }
      out += '\'';
    }
  }
  return out;
}

std::string AlertSpec::Describe() const { return std::string(AlertKindName(kind)) + " " + name; }

namespace {

bool IsHostNameChar(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
         c == '.' || c == '_';
}

bool IsIpv6Char(char c) {
  return IsAsciiDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
         c == '.';
}

}  // namespace

std::string_view AlertKindName(AlertKind kind) {
  switch (kind) {
    case AlertKind::kWebhook:
      return "webhook";
    case AlertKind::kSlack:
      return "slack";
    case AlertKind::kEmail:
      return "email";
    case AlertKind::kNtfy:
      return "ntfy";
    case AlertKind::kHealthchecks:
      return "healthchecks";
    case AlertKind::kJournal:
      return "journal";
    case AlertKind::kExec:
      return "exec";
  }
  return "webhook";
}

std::optional<AlertKind> AlertKindFromName(std::string_view name) {
  for (AlertKind k : kAllAlertKinds)
    if (AlertKindName(k) == name) return k;
  return std::nullopt;
}

bool AlertKindPostsToUrl(AlertKind kind) {
  return kind == AlertKind::kWebhook || kind == AlertKind::kSlack || kind == AlertKind::kNtfy ||
         kind == AlertKind::kHealthchecks;
}

std::string_view TriggerName(Trigger trigger) {
  switch (trigger) {
    case Trigger::kManual:
      return "manual";
    case Trigger::kSchedule:
      return "schedule";
    case Trigger::kCatchup:
      return "catchup";
    case Trigger::kBoot:
      return "boot";
  }
  return "manual";
}

std::optional<Trigger> TriggerFromName(std::string_view name) {
  for (Trigger t : {Trigger::kManual, Trigger::kSchedule, Trigger::kCatchup, Trigger::kBoot})
    if (TriggerName(t) == name) return t;
  return std::nullopt;
}

std::optional<TcpTarget> ParseTcpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "tcp://";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  std::string_view rest = url.substr(kScheme.size());
  TcpTarget t;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return std::nullopt;
    std::string_view addr = rest.substr(1, close - 1);
    for (char c : addr)
      if (!IsIpv6Char(c)) return std::nullopt;
    if (addr.find(':') == std::string_view::npos) return std::nullopt;
    t.host = std::string(addr);
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest.front() != ':') return std::nullopt;
    port_text = rest.substr(1);
    t.display = "[" + t.host + "]";
  } else {
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::string_view host = rest.substr(0, colon);
    for (char c : host)
      if (!IsHostNameChar(c)) return std::nullopt;
    if (host.front() == '.' || host.front() == '-') return std::nullopt;
    t.host = std::string(host);
    port_text = rest.substr(colon + 1);
    t.display = t.host;
  }
  if (port_text.empty() || port_text.size() > 5) return std::nullopt;
  int port = 0;
  for (char c : port_text) {
    if (!IsAsciiDigit(c)) return std::nullopt;
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return std::nullopt;
  t.port = port;
  t.display += ":" + std::to_string(port);
  return t;
}

}  // namespace surety
