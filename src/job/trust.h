// Trust: who may change the files surety reads, as rules over what stat()
// said about them.
//
// For: the loader, which stats (or reads) each file and asks these rules
// what is wrong with it. A job file is a list of commands surety runs (as
// root, when it runs as root); whoever can change it, the directories above
// it, the state directory, an environment file or an alert's secret can run
// code as that user, forge the history, or read or redirect a secret. Not
// for: looking at the file system (the caller does, and passes the
// FileInfo) or placing the message (the caller knows the key it came from).
//
// Each rule returns what is wrong and how to fix it (chown, chmod), or
// nullopt when nothing is. Messages name paths and modes, never contents.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "os/file_system.h"

namespace surety {

// The rules surety applies only when it runs as root.

// A job file (or include) named `path`: not root's, writable by its group
// or everyone. Each is one problem.
std::vector<std::string> JobFileProblems(const std::string& path, const FileInfo& info);

// Directory `dir` above a job file: whoever can change its entries can put
// another file in the job file's place. It must be root's and writable by
// root alone, or sticky (like /tmp: others cannot rename or remove root's
// entries there).
std::optional<std::string> JobFileDirectoryProblem(const std::string& dir, const FileInfo& info);

// Directory `dir` on the way to the state directory `state_dir` (as
// written): the state directory itself (`itself`) must be root's and
// writable by root alone, sticky or not (others could create the journal
// or a lock first); a directory above it as for a job file.
std::optional<std::string> StateDirectoryProblem(const std::string& state_dir,
                                                 const std::string& dir, bool itself,
                                                 const FileInfo& info);

// The rules that hold for every user, and more for root.

// A file holding an alert's secret (url_file): neither readable nor
// writable by everyone; as root, not changeable by anyone but root (owner
// or group), who could redirect root's alerts.
std::optional<std::string> SecretFileProblem(const std::string& path, const FileInfo& info,
                                             bool as_root);

// An environment file (it usually holds passwords) that, as root, someone
// other than root could change: they could make a root job run their code
// (LD_PRELOAD=…). An error.
std::optional<std::string> EnvironmentFileProblem(const std::string& path, const FileInfo& info,
                                                  bool as_root);

// An environment file everyone may read. A warning, given only when
// EnvironmentFileProblem() found nothing.
std::optional<std::string> ReadableEnvironmentFile(const std::string& path, const FileInfo& info);

// A job file everyone may read that holds an inline secret (url = "…").
// A warning.
std::optional<std::string> ReadableInlineSecret(const std::string& file, const FileInfo& info);

}  // namespace surety
