// Environment files: KEY=VALUE lines a job's environment is read from.
//
// For: the runner's environment step (a job's `environment_file`, as
// systemd's EnvironmentFile= reads it: comments, blank lines, optional
// quotes, an optional `export`).
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>

namespace surety {

// Parses KEY=VALUE lines (comments, blank lines, optional quotes, "export").
std::map<std::string, std::string> ParseEnvironmentFile(const std::string& text);

}  // namespace surety
