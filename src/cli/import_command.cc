#include "cli/import_command.h"

#include <CLI/CLI.hpp>
#include <memory>
#include <ostream>

#include "export/crontab_import.h"
#include "job/config_loader.h"
#include "os/file_system.h"
#include "os/process.h"
#include "os/system.h"
#include "time/zone.h"

namespace surety {

namespace {

// A crontab larger than this is no crontab.
constexpr uint64_t kMaxCrontabBytes = 16 << 20;

constexpr const char* kImportHelp = R"(
Reads crontabs and prints a job file with one job per crontab line, each
scheduled when cron would have run it (docs/import-crontab.md):

  time fields, @daily ...  schedule (calendar specs: `surety calendar`); a
                           list of two when cron ORs the day fields
  @reboot                  on_boot = "0"
  CRON_TZ=, TZ=            the zone of the specs below (TZ also stays in
                           the environment)
  MAILTO=, MAILFROM=       an email alert the jobs below name (MAILTO="":
                           none); it tells failures and recoveries, where
                           cron mailed every output
  other variables          the environment of the jobs below
  the command              a /bin/sh -c string; cron's % input becomes a
                           here-document
  user column              user = (/etc/crontab, /etc/cron.d/*, --system)
  comments                 kept, with the file and line of every job

Jobs are named after their program (backup.sh -> backup, then backup-2).
A line that cannot be converted (L, W, # or ? fields, too few fields, an
unknown zone) is reported on stderr as FILE:LINE: reason, and the others
are still printed. The job file is checked with surety's own loader
before it is printed.

Examples:
  surety import crontab                       # your crontab (crontab -l)
  surety import crontab /etc/crontab /etc/cron.d/*
  surety import crontab --system ./root.cron --output /etc/surety/jobs.toml
  surety import crontab > jobs.toml; surety validate --config jobs.toml

Exit status: 0 every line imported, 1 some line refused (the rest is
printed), 2 usage errors (a file that cannot be read, crontab -l failing,
--output exists without --force).)";

// The invoking user's crontab, from `crontab -l`.
Result<std::string> ReadOwnCrontab(Services& sv) {
  if (!sv.commands) return Status::Error(StatusCode::kInternal, "cannot run crontab -l here");
  CommandSpec spec;
  spec.argv = {"crontab", "-l"};
  spec.env["PATH"] = sv.env.Get("PATH").value_or(kDefaultJobPath);
  for (const char* name : {"HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_MESSAGES"})
    if (auto v = sv.env.Get(name)) spec.env[name] = *v;
  spec.stream_output = false;
  spec.tail_bytes = kMaxCrontabBytes + 1;
  spec.timeout = std::chrono::seconds(60);
  spec.kill_grace = std::chrono::seconds(5);
  const CommandOutcome outcome = sv.commands->Run(spec);
  if (outcome.kind != CommandOutcome::Kind::kExited || outcome.exit_code != 0)
    return Status::Error(StatusCode::kIoError, "crontab -l " + DescribeFailure(outcome));
  if (outcome.output_tail.size() > kMaxCrontabBytes)
    return Status::Error(StatusCode::kIoError, "crontab -l printed more than 16 MiB");
  return outcome.output_tail;
}

Status WriteOutput(const ImportOptions& o, const std::string& text, Services& sv) {
  if (!o.force && sv.fs) {
    auto st = sv.fs->Stat(o.output);
    if (st.ok() && st->exists)
      return Status::Invalid(o.output + " exists; give --force to replace it");
  }
  // Owner only: a crontab's variables may hold passwords.
  return o.force ? WriteFileAtomic(o.output, text, 0600) : WriteNewFileAtomic(o.output, text, 0600);
}

}  // namespace

int RunImport(const ImportOptions& o, Services& sv) {
  std::vector<CrontabSource> sources;
  bool unreadable = false;
  if (o.files.empty()) {
    auto text = ReadOwnCrontab(sv);
    if (!text.ok()) {
      sv.err << "surety: " << text.status().message() << '\n';
      return 2;
    }
    sources.push_back(CrontabSource{"crontab -l", std::move(*text), o.system, ""});
  }
  for (const std::string& path : o.files) {
    Result<FileContent> content =
        sv.fs ? sv.fs->ReadRegularFile(path, kMaxCrontabBytes)
              : Result<FileContent>(Status::Error(StatusCode::kInternal, "no file system"));
    if (!content.ok()) {
      sv.err << "surety: cannot read " << path << ": " << content.status().message() << '\n';
      unreadable = true;
      continue;
    }
    sources.push_back(CrontabSource{path, std::move(content->data),
                                    o.system || IsSystemCrontabPath(path),
                                    SpoolCrontabOwner(path).value_or("")});
  }
  if (unreadable) return 2;

  ZoneDb zones;
  const std::shared_ptr<const Zone> local = zones.LocalFromTz(sv.env.Get("TZ"));
  auto imported = ImportCrontabs(sources, zones, *local);
  if (!imported.ok()) {
    sv.err << "surety: " << imported.status().message() << '\n';
    return 1;
  }
  for (const RefusedLine& r : imported->refused) sv.err << r.ToString() << '\n';
  if (o.output.empty()) {
    sv.out << imported->job_file;
  } else if (Status s = WriteOutput(o, imported->job_file, sv); !s.ok()) {
    sv.err << "surety: " << s.message() << '\n';
    return 2;
  }
  if (imported->refused.empty()) return 0;
  const size_t n = imported->refused.size();
  sv.err << "surety: " << n << (n == 1 ? " line was" : " lines were")
         << " not imported; the job file has the other " << imported->jobs.size()
         << (imported->jobs.size() == 1 ? " job" : " jobs") << '\n';
  return 1;
}

void AddImportCommand(CLI::App& app, std::function<int()>& action, Services& sv) {
  // The options live as long as the command table: its callbacks own them.
  auto o = std::make_shared<ImportOptions>();
  auto* im = app.add_subcommand("import", "Make a job file from crontabs");
  im->footer(kImportHelp);
  im->add_option("KIND", o->kind, "What to import: crontab")
      ->required()
      ->check(CLI::IsMember({"crontab"}));
  im->add_option("FILE", o->files,
                 "Crontabs to read (default: yours, from crontab -l); /etc/crontab and "
                 "/etc/cron.d/* have a user column");
  im->add_flag("--system", o->system,
               "Every FILE has a user column after the time fields, as /etc/crontab has");
  auto* output = im->add_option(
      "--output", o->output, "Write the job file here (atomically, mode 0600) instead of stdout");
  im->add_flag("--force", o->force, "With --output: replace a file that exists")->needs(output);
  im->callback([o, &action, &sv] { action = [o, &sv] { return RunImport(*o, sv); }; });
}

}  // namespace surety
