#include "cli/add_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ostream>
#include <sstream>

#include "cli/job_load.h"
#include "job/build_jobs.h"
#include "job/config_loader.h"
#include "job/job_file_writer.h"
#include "os/system.h"

namespace surety {

namespace {

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

}  // namespace

std::string AddedJobText(const AddOptions& o) {
  std::ostringstream t;
  t << "[jobs." << o.name << "]\n";
  if (!o.description.empty()) t << "description = " << TomlString(o.description) << "\n";
  if (o.shell) {
    std::string line;
    for (const auto& a : o.command) line += (line.empty() ? "" : " ") + a;
    t << "command = " << TomlString(line) << "\n";
  } else {
    t << "command = [";
    for (size_t i = 0; i < o.command.size(); ++i) t << (i ? ", " : "") << TomlString(o.command[i]);
    t << "]\n";
  }
  if (o.schedule.size() == 1) {
    t << "schedule = " << TomlString(o.schedule[0]) << "\n";
  } else if (!o.schedule.empty()) {
    t << "schedule = [";
    for (size_t i = 0; i < o.schedule.size(); ++i)
      t << (i ? ", " : "") << TomlString(o.schedule[i]);
    t << "]\n";
  }
  if (o.persistent) t << "persistent = true\n";
  auto put = [&](const char* key, const std::string& value) {
    if (!value.empty()) t << key << " = " << TomlString(value) << "\n";
  };
  put("randomized_delay", o.randomized_delay);
  put("on_boot", o.on_boot);
  put("interval", o.interval);
  put("timeout", o.timeout);
  put("overlap", o.overlap);
  if (o.retries >= 0) t << "retries = " << o.retries << "\n";
  put("retry_delay", o.retry_delay);
  put("user", o.user);
  put("working_directory", o.working_directory);
  if (!o.alert.empty()) {
    t << "alert = [";
    for (size_t i = 0; i < o.alert.size(); ++i) t << (i ? ", " : "") << TomlString(o.alert[i]);
    t << "]\n";
  }
  if (!o.verify_path.empty() || !o.verify_min_size.empty()) {
    t << "\n[jobs." << o.name << ".verify]\n";
    put("path", o.verify_path);
    put("min_size", o.verify_min_size);
    if (!o.verify_path.empty()) t << "fresh = true\n";
  }
  return t.str();
}

int RunAdd(const GlobalOptions& g, const AddOptions& o, Services& sv) {
  if (!ValidJobName(o.name)) {
    sv.err << "surety add: `" << o.name
           << "` is not a job name: letters, digits, '-', '_' and '.', starting with a letter "
              "or digit\n";
    return 2;
  }
  if (o.command.empty()) {
    sv.err << "surety add: no command; put it after --, e.g. surety add db --schedule daily -- "
              "pg_dump -f /backups/db.dump app\n";
    return 2;
  }
  const std::string path =
      g.configs.empty() ? DefaultConfigPath(sv.env, RunningAsRoot()) : g.configs.back();
  std::string old;
  struct stat st {};
  const bool exists = stat(path.c_str(), &st) == 0;
  if (exists) {
    auto text = sv.fs->ReadFile(path);
    if (!text.ok()) {
      sv.err << "surety add: cannot read " << path << ": " << text.status().message() << "\n";
      return 2;
    }
    old = *text;
  }
  const std::string job = AddedJobText(o);
  std::string updated = old;
  if (!updated.empty() && updated.back() != '\n') updated += '\n';
  if (!updated.empty()) updated += '\n';
  updated += job;

  // The new file is loaded next to the old one (includes resolve alike)
  // before it replaces it.
  const std::string candidate = path + ".surety-add." + std::to_string(getpid());
  const uint32_t mode = exists ? (st.st_mode & 07777) : 0644;
  if (auto w = WriteFileAtomic(candidate, updated, mode, false); !w.ok()) {
    sv.err << "surety add: cannot write next to " << path << ": " << w.message() << "\n";
    return 2;
  }
  GlobalOptions with = g;
  if (with.configs.empty())
    with.configs.push_back(candidate);
  else
    with.configs.back() = candidate;
  std::ostringstream errors;
  Services quiet{sv.clock,          sv.env,    sv.out, errors,  sv.fs,
                 sv.commands,       sv.locker, sv.net, sv.http, sv.journal,
                 sv.err_is_terminal};
  auto loaded = Load(with, quiet, LoadFor{.secrets = false, .state = PinState::kNone});
  bool ok = loaded->result.config.has_value();
  if (ok && !old.empty()) {
    // The job must be new: a second [jobs.NAME] would be a TOML error
    // already, but a job from an include would be replaced silently.
    std::ostringstream before_err;
    Services before_sv{sv.clock,          sv.env,    sv.out, before_err, sv.fs,
                       sv.commands,       sv.locker, sv.net, sv.http,    sv.journal,
                       sv.err_is_terminal};
    auto before = Load(g, before_sv, LoadFor{.secrets = false, .state = PinState::kNone});
    if (before->result.usable && before->result.usable->jobs.count(o.name)) {
      errors << "surety add: the job " << o.name << " exists already; edit it in " << path << "\n";
      ok = false;
    }
  }
  if (!ok) {
    RemoveFile(candidate);
    sv.err << Replace(errors.str(), candidate, path);
    sv.err << "surety add: nothing was changed; the job would have been:\n\n" << job;
    return 2;
  }
  sv.out << (o.dry_run ? "Would add to " : "Adding to ") << path << ":\n\n" << job << "\n";
  if (!o.schedule.empty() || !o.on_boot.empty() || !o.interval.empty()) {
    NextOptions next;
    next.jobs = {o.name};
    next.count = 3;
    std::ostringstream next_err;
    Services next_sv{sv.clock,          sv.env,    sv.out, next_err, sv.fs,
                     sv.commands,       sv.locker, sv.net, sv.http,  sv.journal,
                     sv.err_is_terminal};
    (void)RunNext(with, next, next_sv);
  }
  if (o.dry_run) {
    RemoveFile(candidate);
    sv.out << "\nDry run: " << path << " was not changed.\n";
    return 0;
  }
  if (rename(candidate.c_str(), path.c_str()) != 0) {
    RemoveFile(candidate);
    sv.err << "surety add: cannot replace " << path << "\n";
    return 2;
  }
  if (exists && RunningAsRoot()) (void)chown(path.c_str(), st.st_uid, st.st_gid);
  sv.out << "\nRun it now with: surety" << (g.configs.empty() ? "" : " --config " + path) << " run "
         << o.name << "\n"
         << "A running daemon sees the file change and schedules it.\n";
  return 0;
}

}  // namespace surety
