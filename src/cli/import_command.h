// `surety import crontab [FILE...]`: crontabs as a job file.
//
// For: moving jobs from cron to surety. Reads each FILE (default: the
// invoking user's crontab, from `crontab -l`), converts it with
// ImportCrontabs (export/crontab_import.h) and prints the job file on
// stdout, or writes it to --output atomically (never over a file that
// exists, unless --force). Lines that could not be converted are told on
// stderr as FILE:LINE: reason; the rest is still written.
//
// Not for: installing the result or removing the crontab: that stays a
// person's decision once they have read the job file.
//
// Exit status: 0 every line imported, 1 some line refused (or the importer
// made a job file its loader refuses, which is a bug), 2 usage errors: a
// file that cannot be read, `crontab -l` failing, --output existing.
//
// Thread-compatible: one invocation at a time per Services.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace CLI {
class App;
}

namespace surety {

struct ImportOptions {
  std::string kind;                // what to import: "crontab"
  std::vector<std::string> files;  // empty: `crontab -l`
  bool system = false;             // every file has a user column
  std::string output;              // empty: stdout
  bool force = false;              // --output may replace a file
};
int RunImport(const ImportOptions& o, Services& sv);

// Adds `import` to the command table's `app`; when it is the command
// given, `action` runs it.
void AddImportCommand(CLI::App& app, std::function<int()>& action, Services& sv);

}  // namespace surety
