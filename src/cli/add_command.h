// `surety add NAME --schedule SPEC [options] -- CMD ARGS...`: one job
// appended to the job file in one line, as cron needs one line.
//
// For: the command table (cli.cc). The job is written as a [jobs.NAME]
// table at the end of the job file (the last --config, else the default
// one); the rest of the file is left byte for byte as it was, comments and
// layout included. The new file is loaded with the loader before it
// replaces the old one, atomically and with the old file's mode, so a job
// that would not load is never written. Then the job and its next three
// starts are shown; a running daemon sees the file change and reloads it.
//
// Thread-safety: one command, one thread.
#pragma once

#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/job_commands.h"

namespace surety {

struct AddOptions {
  std::string name;
  std::vector<std::string> command;  // after --
  std::vector<std::string> schedule;
  std::string description, timeout, randomized_delay, retry_delay, user, working_directory;
  std::string overlap, verify_path, verify_min_size, on_boot, interval;
  std::vector<std::string> alert;
  int retries = -1;  // -1: not given
  bool persistent = false;
  bool shell = false;  // the command is one shell string
  bool dry_run = false;
};
int RunAdd(const GlobalOptions& g, const AddOptions& o, Services& sv);

// The [jobs.NAME] table `o` describes, as TOML text (each value quoted as
// the job file reads it back).
std::string AddedJobText(const AddOptions& o);

}  // namespace surety
