#include "cli/export_command.h"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <ostream>
#include <sstream>

#include "base/strings.h"
#include "cli/job_load.h"
#include "export/cron_export.h"
#include "export/systemd_units.h"
#include "job/job_file_writer.h"
#include "os/children.h"
#include "os/clock.h"
#include "os/process.h"
#include "os/system.h"
#include "time/timespan.h"

namespace surety {

namespace {

std::string Absolute(const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return std::filesystem::absolute(path).lexically_normal().string();
}

// The job file loaded for an export: every job valid (a unit must not be
// written for a job whose definition has an error), the jobs asked for.
struct Prepared {
  std::unique_ptr<Loaded> loaded;
  std::vector<std::string> jobs;
  std::vector<std::string> configs;  // absolute
  std::string binary;
};

bool Prepare(const GlobalOptions& g, const std::vector<std::string>& names, Services& sv,
             PinState state, Prepared& p) {
  p.loaded = Load(g, sv, LoadFor{.secrets = false, .state = state});
  if (!p.loaded->result.config) return false;
  const Config& cfg = *p.loaded->result.config;
  if (names.empty()) {
    for (const auto& [name, job] : cfg.jobs) p.jobs.push_back(name);
  } else {
    for (const auto& name : names) {
      if (!FindJob(cfg, name, sv)) return false;
      p.jobs.push_back(name);
    }
  }
  for (const auto& c : g.configs) p.configs.push_back(Absolute(c));
  if (p.configs.empty() && !cfg.files.empty()) p.configs.push_back(cfg.files.front());
  p.binary = SelfExecutable();
  return true;
}

// Runs a program to its end, its output kept (not shown).
CommandOutcome RunQuiet(const std::vector<std::string>& argv, Services& sv) {
  RealClock clock;
  RealCommandRunner local(clock);
  CommandRunner& runner = sv.commands ? *sv.commands : local;
  CommandSpec spec;
  spec.argv = argv;
  for (const char* v :
       {"PATH", "HOME", "USER", "LANG", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS"})
    if (auto value = sv.env.Get(v)) spec.env[v] = *value;
  if (!spec.env.count("PATH")) spec.env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin";
  spec.stream_output = false;
  spec.timeout = std::chrono::minutes(2);
  return runner.Run(spec);
}

// "1.9" from `systemd-analyze security --offline=true UNIT_FILE`, or why not.
std::string Exposure(const std::string& unit_path, Services& sv) {
  auto out =
      RunQuiet({"systemd-analyze", "security", "--offline=true", "--no-pager", unit_path}, sv);
  if (out.kind == CommandOutcome::Kind::kSpawnFailed)
    return "not measured (systemd-analyze is not installed)";
  const std::string key = "Overall exposure level for ";
  size_t at = out.output_tail.rfind(key);
  if (at == std::string::npos) return "not measured: " + LastOutputLine(out.output_tail);
  at = out.output_tail.find(": ", at);
  if (at == std::string::npos) return "not measured";
  const size_t end = out.output_tail.find_first_of(" \n", at + 2);
  return out.output_tail.substr(at + 2, end - at - 2);
}

struct SystemdSet {
  std::vector<JobUnits> jobs;
  std::vector<UnitFile> check;
};

bool MakeSystemdSet(const Prepared& p, bool user_manager, const std::string& check_every,
                    bool with_check, Services& sv, SystemdSet& set) {
  const Config& cfg = *p.loaded->result.config;
  UnitTarget target{p.binary, p.configs, user_manager};
  bool ok = true;
  for (const auto& name : p.jobs) {
    auto u = JobUnitsFor(cfg, cfg.jobs.at(name), target);
    if (!u.ok()) {
      sv.err << "surety export: " << u.status().message() << "\n";
      ok = false;
      continue;
    }
    set.jobs.push_back(std::move(*u));
    for (const auto& a : cfg.jobs.at(name).alert)
      if (auto it = cfg.alerts.find(a); it != cfg.alerts.end() && !it->second.url_env.empty())
        sv.err << "warning: job " << name << ": alert " << a << " reads its URL from $"
               << it->second.url_env
               << ", which a systemd service does not inherit from your shell; set it with "
                  "`systemctl edit surety-"
               << name << "` (Environment=), or use url_file\n";
  }
  if (with_check) {
    auto every = ParseTimespan(check_every);
    if (!every.ok() || every->infinite() || every->usec < 1'000'000) {
      sv.err << "surety export: --check-every " << check_every
             << ": expected a time span of at least 1s, such as 5min\n";
      return false;
    }
    set.check = CheckUnits(cfg, target, *every);
  }
  return ok;
}

std::vector<const UnitFile*> AllFiles(const SystemdSet& set) {
  std::vector<const UnitFile*> files;
  for (const auto& j : set.jobs) {
    files.push_back(&j.service);
    for (const auto& t : j.timer) files.push_back(&t);
  }
  for (const auto& c : set.check) files.push_back(&c);
  return files;
}

// What each service's sandbox allows beyond the default, and its score.
void Report(const SystemdSet& set, const std::string& dir, Services& sv) {
  for (const auto& j : set.jobs) {
    sv.err << j.service.name << ": exposure " << Exposure(dir + "/" + j.service.name, sv);
    if (j.timer.empty()) sv.err << " (no schedule: run it with systemctl start)";
    sv.err << "\n";
    for (const auto& l : j.loosened) sv.err << "  " << l.because << " loosened " << l.what << "\n";
  }
  if (!set.check.empty())
    sv.err << set.check[0].name << ": exposure " << Exposure(dir + "/" + set.check[0].name, sv)
           << "\n";
}

class TempDir {
 public:
  TempDir() {
    std::string t = "/tmp/surety-export-XXXXXX";
    if (mkdtemp(t.data())) path_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int ExportSystemd(const Prepared& p, const ExportOptions& o, Services& sv) {
  SystemdSet set;
  if (!MakeSystemdSet(p, o.user, o.check_every, !o.no_check, sv, set)) return 2;
  TempDir tmp;
  const std::string dir = o.output.empty() ? tmp.path() : o.output;
  if (!o.output.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
  }
  for (const UnitFile* f : AllFiles(set)) {
    if (auto st = WriteFileAtomic(dir + "/" + f->name, f->text, 0644, false); !st.ok()) {
      sv.err << "surety export: cannot write " << dir << "/" << f->name << ": " << st.message()
             << "\n";
      return 1;
    }
    if (o.output.empty())
      sv.out << "# ---- " << f->name << " ----\n" << f->text << "\n";
    else
      sv.err << "wrote " << dir << "/" << f->name << "\n";
  }
  Report(set, dir, sv);
  return 0;
}

int ExportCron(const Prepared& p, const ExportOptions& o, Services& sv) {
  const Config& cfg = *p.loaded->result.config;
  CronTarget target{p.binary, p.configs, o.system, o.allow_approximate};
  std::vector<CronJobLines> lines;
  int refused = 0;
  for (const auto& name : p.jobs) {
    auto l = CronLinesFor(cfg.jobs.at(name), target);
    if (!l.ok()) {
      sv.err << "surety export cron: " << l.status().message() << "\n";
      ++refused;
      continue;
    }
    for (const auto& a : l->approximations)
      sv.err << "surety export cron: job " << name << ": approximated: " << a << "\n";
    if (!l->fields.empty()) lines.push_back(std::move(*l));
  }
  if (refused) {
    sv.err << "surety export cron: " << refused << " job" << (refused == 1 ? "" : "s")
           << " cannot run from cron as written; nothing written\n";
    return 1;
  }
  const std::string text = FormatCrontab(lines, target, p.configs.empty() ? "" : p.configs[0]);
  if (o.output.empty()) {
    sv.out << text;
    return 0;
  }
  if (auto st = WriteFileAtomic(o.output, text, 0644, true); !st.ok()) {
    sv.err << "surety export cron: cannot write " << o.output << ": " << st.message() << "\n";
    return 1;
  }
  return 0;
}

int ExportKubernetes(const Prepared& p, const ExportOptions& o, Services& sv) {
  Config cfg = *p.loaded->result.config;
  // The job file as the pods read it: only these jobs, the history on the
  // claim's mount.
  Config in_pod = cfg;
  in_pod.settings.state_dir = "/var/lib/surety";
  in_pod.jobs.clear();
  for (const auto& name : p.jobs) in_pod.jobs[name] = cfg.jobs.at(name);
  KubernetesTarget target;
  target.image = o.image;
  target.namespace_name = o.namespace_name;
  target.allow_approximate = o.allow_approximate;
  auto text = KubernetesManifests(in_pod, p.jobs, WriteJobFile(in_pod), target);
  if (!text.ok()) {
    sv.err << "surety export kubernetes: " << text.status().message() << "\n";
    return 1;
  }
  for (const auto& [name, a] : in_pod.alerts)
    if (!a.url_file.empty())
      sv.err << "surety export kubernetes: alert " << name << " reads its URL from " << a.url_file
             << ": mount a Secret there in the CronJobs (docs/export-kubernetes.md)\n";
  if (o.output.empty()) {
    sv.out << *text;
    return 0;
  }
  // 0600: the manifests hold the job file, inline secrets included.
  if (auto st = WriteFileAtomic(o.output, *text, 0600, true); !st.ok()) {
    sv.err << "surety export kubernetes: cannot write " << o.output << ": " << st.message() << "\n";
    return 1;
  }
  return 0;
}

// ---- install / uninstall ----

constexpr const char* kManifest = ".surety-installed";

// Whether a unit file is still what install wrote.
std::string Digest(const std::string& text) { return Hex64(Fnv1a64(text)); }

// A name install writes: surety-NAME.service or .timer, in the unit
// directory itself.
bool UnitName(const std::string& name) {
  const bool suffix = (name.size() > 8 && name.compare(name.size() - 8, 8, ".service") == 0) ||
                      (name.size() > 6 && name.compare(name.size() - 6, 6, ".timer") == 0);
  return suffix && name.rfind("surety-", 0) == 0 && name.find("..") == std::string::npos &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
         });
}

// name → digest, one "NAME DIGEST" per line. A line naming anything but a
// unit install writes (a path, "..") is reported and ignored: uninstall
// removes files only in the unit directory.
std::map<std::string, std::string> ReadManifest(const std::string& dir, Services& sv) {
  std::map<std::string, std::string> m;
  auto text = sv.fs->ReadFile(dir + "/" + kManifest);
  if (!text.ok()) return m;
  std::istringstream in(*text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    std::istringstream words(line);
    std::string name, digest, extra;
    words >> name >> digest;
    if (name.empty() && digest.empty()) continue;
    if (!UnitName(name) || digest.empty() || (words >> extra)) {
      sv.err << "surety: " << dir << "/" << kManifest << ":" << number
             << ": not a unit surety installs; ignored\n";
      continue;
    }
    m[name] = digest;
  }
  return m;
}

struct Systemctl {
  std::string program;
  bool user = false;
  bool dry_run = false;
  Services& sv;
  bool Run(std::vector<std::string> args) {
    std::vector<std::string> argv = {program};
    if (user) argv.emplace_back("--user");
    argv.insert(argv.end(), args.begin(), args.end());
    std::string shown = "systemctl";
    for (size_t i = 1; i < argv.size(); ++i) shown += " " + argv[i];
    sv.out << (dry_run ? "would run: " : "run: ") << shown << "\n";
    if (dry_run) return true;
    auto out = RunQuiet(argv, sv);
    if (out.kind != CommandOutcome::Kind::kExited || out.exit_code != 0) {
      sv.err << "surety: `" << shown << "` failed: "
             << (out.output_tail.empty() ? DescribeFailure(out) : LastOutputLine(out.output_tail))
             << "\n";
      return false;
    }
    return true;
  }
};

// Where units go, and whether systemd runs there; an empty result has said why.
std::string UnitDirectory(const InstallOptions& o, Services& sv, const char* verb) {
  const bool fake = sv.env.Get("SURETY_SYSTEMCTL").has_value();
  if (!fake && access("/run/systemd/system", F_OK) != 0) {
    sv.err << "surety " << verb
           << ": systemd is not the service manager here (no /run/systemd/system), so there "
              "are no timers to "
           << (std::string(verb) == "install" ? "install" : "remove")
           << ".\n  Run the jobs with `surety daemon` instead (docs/daemon.md), or write the "
              "units for another machine with `surety export systemd --output DIR`.\n";
    return "";
  }
  if (!o.unit_dir.empty()) return o.unit_dir;
  if (!o.user) return "/etc/systemd/system";
  if (auto x = sv.env.Get("XDG_CONFIG_HOME"); x && !x->empty()) return *x + "/systemd/user";
  if (auto h = sv.env.Get("HOME"); h && !h->empty()) return *h + "/.config/systemd/user";
  sv.err << "surety " << verb << " --user: neither XDG_CONFIG_HOME nor HOME is set\n";
  return "";
}

void WarnAboutLinger(Services& sv) {
  const std::string user = sv.env.Get("USER").value_or("");
  if (user.empty() || access(("/var/lib/systemd/linger/" + user).c_str(), F_OK) == 0) return;
  sv.err << "note: lingering is off for " << user
         << ": your timers stop when you log out. Keep them running with\n  sudo loginctl "
            "enable-linger "
         << user << "\n";
}

}  // namespace

int RunExport(const GlobalOptions& g, const ExportOptions& o, Services& sv) {
  Prepared p;
  if (!Prepare(g, o.jobs, sv, PinState::kNone, p)) return 2;
  if (o.target == "systemd") return ExportSystemd(p, o, sv);
  if (o.target == "cron") return ExportCron(p, o, sv);
  return ExportKubernetes(p, o, sv);
}

int RunInstall(const GlobalOptions& g, const InstallOptions& o, Services& sv) {
  const std::string dir = UnitDirectory(o, sv, "install");
  if (dir.empty()) return 1;
  Prepared p;
  if (!Prepare(g, o.jobs, sv, o.dry_run ? PinState::kNone : PinState::kCreate, p)) return 2;
  if (!o.dry_run && !p.loaded->state_dir_status.ok()) {
    sv.err << "surety install: the state directory " << p.loaded->result.config->settings.state_dir
           << " cannot be used: " << p.loaded->state_dir_status.message() << "\n";
    return 1;
  }
  SystemdSet set;
  if (!MakeSystemdSet(p, o.user, o.check_every, true, sv, set)) return 2;
  auto manifest = ReadManifest(dir, sv);
  auto installed = manifest;

  // What changes, and what must not be touched.
  std::vector<std::pair<const UnitFile*, std::string>> writes;  // file, "new"/"changed"
  for (const UnitFile* f : AllFiles(set)) {
    auto old = sv.fs->ReadFile(dir + "/" + f->name);
    if (old.ok() && !manifest.count(f->name)) {
      sv.err << "surety install: " << dir << "/" << f->name
             << " exists and surety did not install it; remove it first\n";
      return 1;
    }
    if (old.ok() && Digest(*old) != manifest[f->name] && *old != f->text && !o.force) {
      sv.err << "surety install: " << dir << "/" << f->name
             << " was changed since surety installed it; keep your change in a drop-in "
                "(systemctl edit), or --force replaces it\n";
      return 1;
    }
    if (old.ok() && *old == f->text) continue;
    writes.emplace_back(f, old.ok() ? "changed" : "new");
  }
  // Units installed before for jobs no longer in the job file.
  std::vector<std::string> stale;
  if (o.jobs.empty()) {
    for (const auto& [name, digest] : manifest) {
      bool wanted = false;
      for (const UnitFile* f : AllFiles(set)) wanted = wanted || f->name == name;
      if (wanted) continue;
      auto old = sv.fs->ReadFile(dir + "/" + name);
      if (old.ok() && Digest(*old) != digest && !o.force) {
        sv.err << "surety install: " << dir << "/" << name
               << " belongs to a job no longer in the job file, but was changed since surety "
                  "installed it; kept (--force removes it)\n";
        continue;
      }
      stale.push_back(name);
    }
  }
  const std::string verb = o.dry_run ? "would " : "";
  for (const auto& [f, why] : writes)
    sv.out << verb << (why == "new" ? "create " : "update ") << dir << "/" << f->name << "\n";
  for (const auto& name : stale) sv.out << verb << "remove " << dir << "/" << name << "\n";

  Systemctl ctl{sv.env.Get("SURETY_SYSTEMCTL").value_or("systemctl"), o.user, o.dry_run, sv};
  std::vector<std::string> stale_timers;
  for (const auto& n : stale)
    if (n.size() > 6 && n.substr(n.size() - 6) == ".timer") stale_timers.push_back(n);
  if (!stale_timers.empty()) {
    std::vector<std::string> args = {"disable", "--now"};
    args.insert(args.end(), stale_timers.begin(), stale_timers.end());
    if (!ctl.Run(args)) return 1;
  }
  if (!o.dry_run) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    for (const auto& [f, why] : writes) {
      if (auto st = WriteFileAtomic(dir + "/" + f->name, f->text, 0644, true); !st.ok()) {
        sv.err << "surety install: cannot write " << dir << "/" << f->name << ": " << st.message()
               << "\n";
        return 1;
      }
      installed[f->name] = Digest(f->text);
    }
    for (const UnitFile* f : AllFiles(set)) installed[f->name] = Digest(f->text);
    for (const auto& name : stale) {
      RemoveFile(dir + "/" + name);
      installed.erase(name);
    }
    std::string text;
    for (const auto& [name, digest] : installed) text += name + " " + digest + "\n";
    if (auto st = WriteFileAtomic(dir + "/" + kManifest, text, 0644, true); !st.ok()) {
      sv.err << "surety install: cannot write " << dir << "/" << kManifest << ": " << st.message()
             << "\n";
      return 1;
    }
  }
  if (!ctl.Run({"daemon-reload"})) return 1;
  std::vector<std::string> enable = {"enable", "--now"};
  for (const auto& j : set.jobs)
    for (const auto& t : j.timer) enable.push_back(t.name);
  for (const auto& c : set.check)
    if (c.name.size() > 6 && c.name.substr(c.name.size() - 6) == ".timer") enable.push_back(c.name);
  if (!ctl.Run(enable)) return 1;
  if (!o.dry_run) Report(set, dir, sv);
  if (o.user) WarnAboutLinger(sv);
  sv.out << (o.dry_run ? "dry run: nothing changed\n" : "installed; see them with: systemctl ")
         << (o.dry_run ? ""
                       : (o.user ? "--user list-timers 'surety-*'\n" : "list-timers 'surety-*'\n"));
  return 0;
}

int RunUninstall(const GlobalOptions& g, const InstallOptions& o, Services& sv) {
  (void)g;
  const std::string dir = UnitDirectory(o, sv, "uninstall");
  if (dir.empty()) return 1;
  auto manifest = ReadManifest(dir, sv);
  if (manifest.empty()) {
    sv.out << "nothing to uninstall: surety installed no units in " << dir << "\n";
    return 0;
  }
  Systemctl ctl{sv.env.Get("SURETY_SYSTEMCTL").value_or("systemctl"), o.user, o.dry_run, sv};
  std::vector<std::string> timers = {"disable", "--now"};
  for (const auto& [name, digest] : manifest)
    if (name.size() > 6 && name.substr(name.size() - 6) == ".timer") timers.push_back(name);
  if (timers.size() > 2 && !ctl.Run(timers)) return 1;
  int kept = 0;
  std::map<std::string, std::string> left;
  for (const auto& [name, digest] : manifest) {
    const std::string path = dir + "/" + name;
    auto text = sv.fs->ReadFile(path);
    if (!text.ok()) continue;  // already gone
    if (Digest(*text) != digest && !o.force) {
      sv.err << "surety uninstall: " << path
             << " was changed since it was installed; kept (--force removes it)\n";
      left[name] = digest;
      ++kept;
      continue;
    }
    sv.out << (o.dry_run ? "would remove " : "remove ") << path << "\n";
    if (!o.dry_run) RemoveFile(path);
  }
  if (!o.dry_run) {
    if (left.empty()) {
      RemoveFile(dir + "/" + kManifest);
    } else {
      std::string text;
      for (const auto& [name, digest] : left) text += name + " " + digest + "\n";
      (void)WriteFileAtomic(dir + "/" + kManifest, text, 0644, true);
    }
  }
  if (!ctl.Run({"daemon-reload"})) return 1;
  return kept ? 1 : 0;
}

}  // namespace surety
