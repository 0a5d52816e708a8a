#include "job/config_loader.h"

#include <utility>

#include "job/build_alerts.h"
#include "job/build_context.h"
#include "job/build_jobs.h"
#include "job/build_settings.h"
#include "job/diagnostic_sink.h"
#include "job/job_files.h"
#include "job/toml_values.h"

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

LoadResult LoadConfig(const std::vector<std::string>& paths, const LoadContext& ctx) {
  DiagnosticSink diags;
  JobFiles files(ctx.fs, ctx.running_as_root, diags);
  for (const auto& p : paths) files.Read(p);
  // Even after a read or syntax error: the files that parsed are still
  // checked, so one broken file does not hide the problems of the others.
  TomlValues values(diags, files.dirs());
  const BuildContext b{ctx, files, diags, values};
  const MNode& root = files.root();
  Config cfg;
  cfg.files = files.files();
  values.CheckKeys(root, {"include", "settings", "defaults", "alerts", "jobs"}, "");
  const size_t errors_before_settings = diags.errors().size();
  cfg.settings = BuildSettings(root, b);
  const bool settings_ok = diags.errors().size() == errors_before_settings;
  cfg.alerts = BuildAlerts(root, b);
  cfg.jobs = BuildJobs(root, cfg.alerts, b);
  if (cfg.jobs.empty() && !diags.has_errors())
    diags.Warn(Diagnostic{cfg.files.empty() ? "" : cfg.files.front(), 0, 0,
                          "no jobs defined (add a [jobs.NAME] table)"});

  LoadResult out;
  bool global = false;
  for (const Diagnostic& e : diags.errors()) {
    if (e.job.empty())
      global = true;
    else
      out.broken[e.job].push_back(e);
  }
  for (const auto& [name, job] : cfg.jobs) {
    out.job_alerts[name] = job.alert;
    // Counted for the job but listed once, for the job that found it first.
    if (!global && diags.JobHasErrors(name) && !out.broken.count(name))
      out.broken[name].push_back(
          Diagnostic{cfg.files.empty() ? "" : cfg.files.front(), 0, 0,
                     "jobs." + name + ": has the error reported for another job above", name});
  }
  if (settings_ok) out.settings = cfg.settings;
  out.alerts = cfg.alerts;
  if (!diags.has_errors()) {
    out.config = cfg;
    out.usable = std::move(cfg);
  } else if (!global) {
    for (const auto& [name, errors] : out.broken) cfg.jobs.erase(name);
    out.usable = std::move(cfg);
  }
  out.errors = diags.TakeErrors();
  out.warnings = diags.TakeWarnings();
  for (auto& [name, errors] : out.broken) SortInFileOrder(errors);
  // Problems in the order a person reads the files: file by file, then by
  // line and column, not by key.
  SortInFileOrder(out.errors);
  SortInFileOrder(out.warnings);
  return out;
}

}  // namespace surety
