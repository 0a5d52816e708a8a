// The command line: a table of subcommands over injected services.
//
// For: main() and the end-to-end tests, which run whole commands in-process
// with a fake clock, a fixed environment and string streams. Each subcommand
// has a one-line summary for `surety --help` and its own `--help` with
// examples. Exit statuses: 0 success, 1 the command's own failure (an
// invalid calendar spec, a failed job), 2 usage or configuration errors.
//
// Thread-compatible: one invocation at a time per Services.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "os/clock.h"
#include "os/env.h"

namespace surety {

class FileSystem;
class CommandRunner;
class Locker;
class Connector;
class HttpPoster;
class JournalWriter;

// The OS as the commands see it. The time commands need only the first four;
// the job commands need the rest (main() builds the real ones; tests may
// leave them null when a command does not use them).
struct Services {
  const Clock& clock;
  const Env& env;
  std::ostream& out;
  std::ostream& err;
  FileSystem* fs = nullptr;
  CommandRunner* commands = nullptr;
  Locker* locker = nullptr;
  Connector* net = nullptr;
  HttpPoster* http = nullptr;
  JournalWriter* journal = nullptr;
  // Whether stderr is a terminal: a person is watching, so `surety run`
  // says in words what it waits for and how the run ended.
  bool err_is_terminal = false;
};

// Runs `surety ARGS...` (args excludes the program name).
int RunCli(const std::vector<std::string>& args, Services& sv);

// The command named on a command line (without the program name): the first
// word that is neither a global option nor its value; empty when there is
// none. `surety --config F --log-format json run db` names "run".
std::string CommandWord(const std::vector<std::string>& args);

}  // namespace surety
