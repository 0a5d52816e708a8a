// `surety export systemd|cron|kubernetes`, `surety install` and `surety
// uninstall`: the job file written for the scheduler a host already has.
//
// For: the command table (cli.cc). The writers are in export/; this file
// loads the job file, picks the jobs, writes or prints the files, measures
// each service with `systemd-analyze security` when it is installed, and
// for install/uninstall talks to systemctl.
//
// Test hooks (docs/export-systemd.md): SURETY_SYSTEMCTL names the program
// used as systemctl and skips the check that systemd is PID 1, so that
// install can be tested on a machine without systemd.
//
// Thread-safety: one command, one thread.
#pragma once

#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/job_commands.h"

namespace surety {

struct ExportOptions {
  std::string target;  // systemd, cron, kubernetes
  std::vector<std::string> jobs;
  std::string output;  // systemd: a directory; cron, kubernetes: a file; empty: stdout
  bool user = false;   // systemd: units for `systemctl --user`
  std::string check_every = "5min";
  bool no_check = false;           // systemd: without surety-check.{service,timer}
  bool system = false;             // cron: /etc/cron.d format
  bool allow_approximate = false;  // cron, kubernetes
  std::string image = "surety:latest";
  std::string namespace_name = "default";
};
int RunExport(const GlobalOptions& g, const ExportOptions& o, Services& sv);

struct InstallOptions {
  std::vector<std::string> jobs;
  bool user = false;
  bool dry_run = false;
  std::string unit_dir;  // default: /etc/systemd/system or ~/.config/systemd/user
  std::string check_every = "5min";
  bool force = false;  // replace or remove units changed since they were installed
};
int RunInstall(const GlobalOptions& g, const InstallOptions& o, Services& sv);
int RunUninstall(const GlobalOptions& g, const InstallOptions& o, Services& sv);

}  // namespace surety
