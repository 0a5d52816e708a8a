#include "export/systemd_units.h"

#include <algorithm>
#include <set>
#include <sstream>

namespace surety {

namespace {

constexpr uint64_t kSecond = 1'000'000;

bool UnderHome(const std::string& path) {
  for (const char* home : {"/home", "/root", "/run/user"}) {
    const std::string h = home;
    if (path == h || path.rfind(h + "/", 0) == 0) return true;
  }
  return false;
}

// A Description= or comment: one line, `%` doubled (a unit specifier).
std::string UnitText(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') c = ' ';
    if (c == '%') out += '%';
    out += c;
  }
  // A trailing backslash would continue the line into the next setting.
  while (!out.empty() && out.back() == '\\') out.pop_back();
  return out;
}

std::string Span(Timespan t) { return t.infinite() ? "infinity" : FormatTimespan(t); }

uint64_t Add(uint64_t a, uint64_t b) {
  return a > Timespan::kInfinity - b ? Timespan::kInfinity : a + b;
}

// The settings that make up the sandbox, in the order they are written.
// A setting's value may be empty ("CapabilityBoundingSet=").
struct Sandbox {
  std::string protect_home = "yes";
  bool private_users = true;
  bool private_devices = true;
  bool private_network = false;
  bool no_new_privileges = true;
  bool memory_deny_write_execute = true;
  bool setuid_calls = false;
  bool resource_calls = false;  // nice, ionice, setrlimit
  std::set<std::string> capabilities;
  std::vector<std::string> read_write;  // in order, without repeats
  void Writable(const std::string& path) {
    if (path.empty()) return;
    const std::string p = "-" + path;
    if (std::find(read_write.begin(), read_write.end(), p) == read_write.end())
      read_write.push_back(p);
  }
};

// A path in a list setting (ReadWritePaths=): quoted when it holds a
// blank, `%` doubled (a specifier); `$` is not special there.
std::string PathWord(const std::string& path) {
  std::string out;
  for (char c : path) {
    if (c == '%') out += '%';
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return path.find_first_of(" \t\"\\") == std::string::npos ? out : "\"" + out + "\"";
}

void WriteSandbox(std::ostringstream& o, const Sandbox& s) {
  o << "# The sandbox (docs/export-systemd.md).\n";
  o << "ProtectSystem=strict\n";
  if (!s.read_write.empty()) {
    o << "ReadWritePaths=";
    for (size_t i = 0; i < s.read_write.size(); ++i)
      o << (i ? " " : "") << PathWord(s.read_write[i]);
    o << "\n";
  }
  o << "ProtectHome=" << s.protect_home << "\n";
  o << "PrivateTmp=yes\n";
  o << "PrivateDevices=" << (s.private_devices ? "yes" : "no") << "\n";
  if (!s.private_devices) o << "DevicePolicy=auto\n";
  o << "PrivateMounts=yes\n";
  o << "PrivateIPC=yes\n";
  o << "PrivateUsers=" << (s.private_users ? "yes" : "no") << "\n";
  if (s.private_network) o << "PrivateNetwork=yes\n";
  o << "NoNewPrivileges=" << (s.no_new_privileges ? "yes" : "no") << "\n";
  o << "CapabilityBoundingSet=";
  bool first = true;
  for (const auto& c : s.capabilities) {
    o << (first ? "" : " ") << c;
    first = false;
  }
  o << "\n";
  o << "ProtectKernelTunables=yes\n"
       "ProtectKernelModules=yes\n"
       "ProtectKernelLogs=yes\n"
       "ProtectControlGroups=yes\n"
       "ProtectClock=yes\n"
       "ProtectHostname=yes\n"
       "ProtectProc=invisible\n"
       "RestrictNamespaces=yes\n"
       "RestrictRealtime=yes\n"
       "RestrictSUIDSGID=yes\n"
       "LockPersonality=yes\n";
  o << "MemoryDenyWriteExecute=" << (s.memory_deny_write_execute ? "yes" : "no") << "\n";
  o << "RemoveIPC=yes\n"
       "KeyringMode=private\n"
       "UMask=0077\n";
  if (s.private_network)
    o << "RestrictAddressFamilies=AF_UNIX\nIPAddressDeny=any\n";
  else
    o << "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6\n";
  o << "SystemCallArchitectures=native\n"
       "SystemCallFilter=@system-service\n"
       "SystemCallFilter=~@privileged"
    << (s.resource_calls ? "" : " @resources") << "\n";
  if (s.setuid_calls) o << "SystemCallFilter=@setuid\n";
  o << "SystemCallErrorNumber=EPERM\n";
}

std::string ExecLine(const UnitTarget& t, const std::vector<std::string>& args) {
  std::string line = UnitWord(t.surety_binary);
  for (const auto& c : t.configs) line += " --config " + UnitWord(c);
  for (const auto& a : args) line += " " + UnitWord(a);
  return line;
}

bool AnyEmail(const Config& config, const std::vector<std::string>& alerts) {
  for (const auto& a : alerts)
    if (auto it = config.alerts.find(a);
        it != config.alerts.end() && it->second.kind == AlertKind::kEmail)
      return true;
  return false;
}

// sendmail hands mail to the MTA through a set-gid program (postfix's
// postdrop): the service must let it gain that group and write the spool.
// exim's is set-uid root and then changes user, which also needs
// sandbox.capabilities = ["CAP_SETUID", "CAP_SETGID"] (docs/export-systemd.md).
void AllowSendmail(Sandbox& s, std::vector<Loosening>& why, const std::string& because) {
  s.no_new_privileges = false;
  s.private_users = false;
  for (const char* spool : {"/var/spool/postfix/maildrop", "/var/spool/exim4", "/var/log/exim4"})
    s.Writable(spool);
  why.push_back({because,
                 "NoNewPrivileges=no, PrivateUsers=no, ReadWritePaths= the mail spool (sendmail "
                 "hands mail over through a set-gid program)"});
}

}  // namespace

std::string UnitWord(const std::string& value) {
  const bool plain = !value.empty() && std::none_of(value.begin(), value.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\\' || c == ';' ||
           static_cast<unsigned char>(c) < 0x20;
  });
  std::string out;
  if (!plain) out += '"';
  for (char c : value) {
    switch (c) {
      case '%':
        out += "%%";
        break;
      case '$':
        out += "$$";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  if (!plain) out += '"';
  return out;
}

std::string ArtifactDirectory(const std::string& pattern) {
  if (pattern.empty()) return "";
  const size_t field = pattern.find('%');
  const std::string fixed = pattern.substr(0, field);
  const size_t slash = fixed.rfind('/');
  if (slash == std::string::npos) return "";
  return slash == 0 ? "/" : fixed.substr(0, slash);
}

Timespan ServiceTimeout(const JobSpec& job) {
  if (job.timeout.infinite() || job.kill_grace.infinite() || job.preflight.wait.infinite() ||
      job.lock_wait.infinite())
    return Timespan{Timespan::kInfinity};
  const uint64_t attempts = static_cast<uint64_t>(job.retries) + 1;
  uint64_t total = 0;
  for (uint64_t i = 0; i < attempts; ++i)
    total = Add(total, Add(job.timeout.usec, job.kill_grace.usec));
  double delay = static_cast<double>(job.retry_delay.usec);
  for (int i = 0; i < job.retries; ++i) {
    const double capped = std::min(delay, static_cast<double>(job.retry_delay_max.usec));
    total = Add(total, static_cast<uint64_t>(capped));
    delay *= job.retry_backoff;
  }
  total = Add(total, job.preflight.wait.usec);
  total = Add(total, job.lock_wait.usec);
  total = Add(total, 300 * kSecond);
  // Rounded up to a whole minute, for a reader.
  const uint64_t minute = 60 * kSecond;
  if (total != Timespan::kInfinity && total % minute) total = Add(total, minute - total % minute);
  return Timespan{total};
}

namespace {

// Why `path` cannot be given to a unit, or "".
std::string BadPath(const std::string& path) {
  for (char c : path)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return "it holds a control character";
  if (path.find("/../") != std::string::npos || path.find("/./") != std::string::npos ||
      path.find("//") != std::string::npos ||
      (path.size() >= 3 && path.compare(path.size() - 3, 3, "/..") == 0))
    return "it is not normalized (., .. or //), which systemd ignores";
  return "";
}

// Directories whose whole tree a job must not be given to write as a side
// effect of where its artifact lies.
bool SystemDirectory(const std::string& dir) {
  for (const char* d : {"/", "/etc", "/usr", "/boot", "/bin", "/sbin", "/lib", "/lib64", "/var",
                        "/proc", "/sys", "/dev", "/run", "/home", "/root", "/opt", "/srv", "/tmp"})
    if (dir == d) return true;
  return false;
}

}  // namespace

Result<JobUnits> JobUnitsFor(const Config& config, const JobSpec& job, const UnitTarget& target) {
  JobUnits u;
  u.job = job.name;
  if (job.name == "check")
    return Status::Invalid(
        "job check: its units would be surety-check.service and .timer, which are the "
        "dead-man's switch's; rename the job");
  if (target.user_manager && (!job.user.empty() || !job.group.empty()))
    return Status::Invalid("job " + job.name + ": user/group = \"" + job.user + job.group +
                           "\", but a user manager runs every job as its own user; remove "
                           "them, or install for the system manager");
  const std::string artifact_dir = ArtifactDirectory(job.verify.path);
  if (!artifact_dir.empty() && SystemDirectory(artifact_dir))
    return Status::Invalid("job " + job.name + ": verify.path " + job.verify.path +
                           " lies directly in " + artifact_dir +
                           ", which the unit would make writable; keep artifacts in a directory "
                           "of their own, or list it in sandbox.write to allow it");
  std::vector<std::pair<std::string, std::string>> writable = {
      {config.settings.state_dir, "state_dir"}, {artifact_dir, "verify.path"}};
  for (const auto& w : job.sandbox.write) writable.emplace_back(w, "sandbox.write");
  for (const auto& [path, what] : writable)
    if (std::string why = BadPath(path); !why.empty())
      return Status::Invalid("job " + job.name + ": " + what + " " + path + ": " + why);
  const std::string base = "surety-" + job.name;
  Sandbox s;

  // What it needs to write: the state directory (history, locks, outbox)
  // and the artifact's directory.
  s.Writable(config.settings.state_dir);
  s.Writable(ArtifactDirectory(job.verify.path));
  for (const auto& w : job.sandbox.write) s.Writable(w);
  if (!job.sandbox.write.empty()) {
    std::string list;
    for (const auto& w : job.sandbox.write) list += (list.empty() ? "" : " ") + w;
    u.loosened.push_back({"sandbox.write", "ReadWritePaths=" + list});
  }

  // What it reads under /home: the job file, the state directory, its files.
  std::vector<std::pair<std::string, std::string>> reads;  // path, what it is
  for (const auto& c : target.configs) reads.emplace_back(c, "the job file");
  for (const auto& f : config.files) reads.emplace_back(f, "the job file");
  for (const auto& a : job.alert)
    if (auto it = config.alerts.find(a); it != config.alerts.end() && !it->second.url_file.empty())
      reads.emplace_back(it->second.url_file, "alert " + a + "'s url_file");
  reads.emplace_back(target.surety_binary, "surety itself");
  reads.emplace_back(config.settings.state_dir, "state_dir");
  reads.emplace_back(job.verify.path, "verify.path");
  reads.emplace_back(job.environment_file, "environment_file");
  reads.emplace_back(job.working_directory, "working_directory");
  for (const auto& f : job.preflight.files) reads.emplace_back(f, "preflight.files");
  if (job.preflight.free_space) reads.emplace_back(job.preflight.free_space->path, "free_space");
  if (!job.command.shell && !job.command.argv.empty() && job.command.argv[0].front() == '/')
    reads.emplace_back(job.command.argv[0], "command");
  for (const auto& w : job.sandbox.write) reads.emplace_back(w, "sandbox.write");
  for (const auto& [path, what] : reads) {
    if (!path.empty() && UnderHome(path)) {
      s.protect_home = "read-only";
      u.loosened.push_back(
          {what + " " + path, "ProtectHome=read-only (it is under /home, /root or /run/user)"});
      break;
    }
  }

  // Each key of [jobs.NAME.sandbox].
  const SandboxSpec& want = job.sandbox;
  if (want.read_home && s.protect_home == "yes") {
    s.protect_home = "read-only";
    u.loosened.push_back({"sandbox.read_home = true", "ProtectHome=read-only"});
  }
  if (want.read_any_file) {
    s.protect_home = "read-only";
    s.private_users = false;
    s.capabilities.insert("CAP_DAC_READ_SEARCH");
    u.loosened.push_back({"sandbox.read_any_file = true",
                          "CapabilityBoundingSet=CAP_DAC_READ_SEARCH, PrivateUsers=no, "
                          "ProtectHome=read-only"});
  }
  if (!want.network) {
    for (const auto& a : job.alert) {
      auto it = config.alerts.find(a);
      if (it != config.alerts.end() && AlertKindPostsToUrl(it->second.kind))
        return Status::Invalid("job " + job.name + ": sandbox.network = false, but its alert " + a +
                               " (" + std::string(AlertKindName(it->second.kind)) +
                               ") posts to a URL; remove the alert or allow the network");
    }
    if (!job.preflight.reachable.empty())
      return Status::Invalid(
          "job " + job.name +
          ": sandbox.network = false, but preflight.reachable needs the network");
    s.private_network = true;
  }
  if (want.devices) {
    s.private_devices = false;
    u.loosened.push_back({"sandbox.devices = true", "PrivateDevices=no, DevicePolicy=auto"});
  }
  if (want.docker) {
    s.private_users = false;
    s.Writable("/run/docker.sock");
    u.loosened.push_back(
        {"sandbox.docker = true", "PrivateUsers=no, ReadWritePaths=/run/docker.sock"});
  }
  if (want.resources) {
    s.resource_calls = true;
    u.loosened.push_back({"sandbox.resources = true",
                          "SystemCallFilter= without ~@resources (nice, ionice, setrlimit)"});
  }
  if (want.write_execute) {
    s.memory_deny_write_execute = false;
    u.loosened.push_back({"sandbox.write_execute = true", "MemoryDenyWriteExecute=no"});
  }
  if (!want.capabilities.empty()) {
    std::string list;
    for (const auto& c : want.capabilities) {
      s.capabilities.insert(c);
      list += (list.empty() ? "" : " ") + c;
      // Changing ids takes the system calls as well as the capability.
      if (c == "CAP_SETUID" || c == "CAP_SETGID") {
        s.setuid_calls = true;
        s.private_users = false;
      }
    }
    u.loosened.push_back({"sandbox.capabilities", "CapabilityBoundingSet=" + list});
  }

  // `user =`: surety run stays root (the history is root's, as under the
  // daemon) and starts the command as that user.
  if ((!job.user.empty() || !job.group.empty()) && !target.user_manager) {
    s.private_users = false;
    s.setuid_calls = true;
    s.capabilities.insert("CAP_SETUID");
    s.capabilities.insert("CAP_SETGID");
    u.loosened.push_back(
        {job.user.empty() ? "group = \"" + job.group + "\"" : "user = \"" + job.user + "\"",
         "CapabilityBoundingSet=CAP_SETUID CAP_SETGID, PrivateUsers=no, "
         "SystemCallFilter=@setuid (surety run starts the command as " +
             (job.user.empty() ? "group " + job.group : job.user) + ")"});
  }
  if (AnyEmail(config, job.alert)) AllowSendmail(s, u.loosened, "an email alert");

  std::ostringstream svc;
  svc << "# Made by `surety export systemd` for the job " << job.name
      << ". Edit the job file and export again\n# instead of editing this unit.\n";
  svc << "[Unit]\n";
  svc << "Description=surety job " << job.name;
  if (!job.description.empty()) svc << ": " << UnitText(job.description);
  svc << "\nDocumentation=man:surety(1)\n";
  svc << "After=network-online.target\nWants=network-online.target\n\n";
  svc << "[Service]\n";
  svc << "Type=oneshot\n";
  svc << "ExecStart=" << ExecLine(target, {"run", job.name, "--trigger=schedule"}) << "\n";
  svc << "# 75: the job was already running (overlap = \"skip\"); not a failure.\n";
  svc << "SuccessExitStatus=75\n";
  svc << "# surety run enforces the job's timeout; this is only a backstop above it.\n";
  svc << "TimeoutStartSec=" << Span(ServiceTimeout(job)) << "\n";
  // On stop, SIGTERM goes to surety run alone, which stops the job's tree
  // itself (kill_grace, recorded interrupted); SIGKILL to all after that.
  svc << "KillMode=mixed\n";
  svc << "TimeoutStopSec="
      << Span(job.kill_grace.infinite() ? job.kill_grace
                                        : Timespan{Add(job.kill_grace.usec, 30 * kSecond)})
      << "\n";
  if (target.user_manager && !job.user.empty())
    svc << "# user = \"" << UnitText(job.user) << "\": a user manager runs as its user.\n";
  svc << "SyslogIdentifier=surety-" << job.name << "\n";
  WriteSandbox(svc, s);
  u.service = {base + ".service", svc.str()};

  const bool timed = !job.schedule_text.empty() || job.on_boot || job.on_startup || job.interval;
  if (timed) {
    std::ostringstream tm;
    tm << "# Made by `surety export systemd` for the job " << job.name << ".\n";
    tm << "[Unit]\n";
    tm << "Description=surety schedule of job " << job.name;
    if (!job.description.empty()) tm << ": " << UnitText(job.description);
    tm << "\nDocumentation=man:surety(1)\n\n";
    tm << "[Timer]\n";
    for (const auto& spec : job.schedule_text) tm << "OnCalendar=" << UnitText(spec) << "\n";
    if (!job.schedule_text.empty() && job.persistent) tm << "Persistent=yes\n";
    if (job.on_boot) tm << "OnBootSec=" << Span(*job.on_boot) << "\n";
    if (job.on_startup) tm << "OnStartupSec=" << Span(*job.on_startup) << "\n";
    if (job.interval) {
      // The first run an interval after the timer starts, as the daemon's
      // "from its start when it has not run".
      tm << "OnActiveSec=" << Span(*job.interval) << "\n";
      tm << (job.interval_from == IntervalFrom::kStart ? "OnUnitActiveSec=" : "OnUnitInactiveSec=")
         << Span(*job.interval) << "\n";
    }
    if (job.randomized_delay.usec)
      tm << "RandomizedDelaySec=" << Span(job.randomized_delay) << "\n";
    if (job.fixed_random_delay) tm << "FixedRandomDelay=yes\n";
    tm << "AccuracySec=" << Span(job.accuracy) << "\n";
    tm << "Unit=" << base << ".service\n\n";
    tm << "[Install]\nWantedBy=timers.target\n";
    u.timer.push_back({base + ".timer", tm.str()});
  }
  return u;
}

std::vector<UnitFile> CheckUnits(const Config& config, const UnitTarget& target, Timespan every) {
  Sandbox s;
  std::vector<Loosening> why;
  s.Writable(config.settings.state_dir);
  bool home = UnderHome(config.settings.state_dir) || UnderHome(target.surety_binary) ||
              std::any_of(target.configs.begin(), target.configs.end(), UnderHome) ||
              std::any_of(config.files.begin(), config.files.end(), UnderHome);
  for (const auto& [name, a] : config.alerts) home = home || UnderHome(a.url_file);
  if (home) s.protect_home = "read-only";
  bool email = false;
  for (const auto& [name, a] : config.alerts) email = email || a.kind == AlertKind::kEmail;
  if (email) AllowSendmail(s, why, "an email alert");

  std::ostringstream svc;
  svc << "# Made by `surety export systemd`: the dead-man's switch without a daemon.\n";
  svc << "[Unit]\n";
  svc << "Description=surety check: tell overdue, stuck, failing and broken jobs\n";
  svc << "Documentation=man:surety(1)\n";
  svc << "After=network-online.target\nWants=network-online.target\n\n";
  svc << "[Service]\n";
  svc << "Type=oneshot\n";
  svc << "ExecStart=" << ExecLine(target, {"check", "--alert"}) << "\n";
  svc << "# 1 and 2 (a job WARNING or CRITICAL) are told through the alerts; 3\n";
  svc << "# (UNKNOWN: check could not see) leaves this unit failed.\n";
  svc << "SuccessExitStatus=1 2\n";
  svc << "TimeoutStartSec=5min\n";
  svc << "SyslogIdentifier=surety-check\n";
  WriteSandbox(svc, s);

  std::ostringstream tm;
  tm << "# Made by `surety export systemd`.\n";
  tm << "[Unit]\n";
  tm << "Description=surety check every " << Span(every) << "\n";
  tm << "Documentation=man:surety(1)\n\n";
  tm << "[Timer]\n";
  tm << "OnActiveSec=1min\n";
  tm << "OnUnitActiveSec=" << Span(every) << "\n";
  tm << "AccuracySec=10s\n";
  tm << "Unit=surety-check.service\n\n";
  tm << "[Install]\nWantedBy=timers.target\n";
  return {{"surety-check.service", svc.str()}, {"surety-check.timer", tm.str()}};
}

}  // namespace surety
