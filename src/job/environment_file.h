// Environment files: KEY=VALUE lines a job's environment is read from.
//
// For: the runner's environment stage and `validate` (a job's
// `environment_file`, as systemd's EnvironmentFile= reads it: comments,
// blank lines, optional quotes, an optional `export`). A line that is none
// of these is reported by its number — never by its content, which may
// hold a password (`PASSWORD hunter2`) — and ignored.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace surety {

struct EnvironmentFile {
  std::map<std::string, std::string> vars;
  // "line 3: not KEY=VALUE (ignored)", one per line that is not: without
  // the line's text.
  std::vector<std::string> problems;
};

EnvironmentFile ParseEnvironmentFile(const std::string& text);

}  // namespace surety
