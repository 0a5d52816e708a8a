// Shell completion, generated from the command table: `surety completion
// bash|zsh|fish` walks the CLI11 App that `surety --help` describes (every
// command, its options, which of them take a value, its positional
// arguments) and prints a script for that shell, so the completions can
// never drift from the program. The build writes all three and the package
// installs them (CMakeLists.txt, docs/install.md).
//
// What completes to what:
//   - command names, and each command's long options (hidden ones are not
//     offered, but their values are still skipped over);
//   - a positional argument named JOB: the job names of the job file, which
//     the script asks `surety [--config F...] completion --jobs` for (the
//     --config options on the line are passed on; errors never reach the
//     terminal);
//   - a value checked by CLI::IsMember: that set (read from the validator's
//     description, "{a,b,c}");
//   - a value whose type name is FILE: file names;
//   - anything else: nothing.
//
// For: cli.cc (the `completion` command) and its tests. Pure: no I/O but
// PrintJobNames().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace surety {

struct GlobalOptions;
struct Services;

enum class Shell { kBash, kZsh, kFish };

// `surety completion [SHELL] [--jobs]`.
struct CompletionOptions {
  std::string shell;  // bash, zsh or fish
  bool jobs = false;  // print the job names instead (what the scripts ask)
};

// "bash", "zsh", "fish"; nullopt for anything else.
std::optional<Shell> ShellNamed(std::string_view name);

// What the value of an option or a positional argument completes to.
enum class ValueKind { kNone, kChoices, kJob, kFile };

struct CompletionArg {
  // An option's names as typed ("--trigger", "-q"); a positional's name
  // ("JOB").
  std::vector<std::string> names;
  std::string description;   // one short line
  bool takes_value = false;  // always true for a positional
  bool hidden = false;       // in no help group: not offered
  bool repeatable = false;   // an option given more than once (--config)
  // A positional: how many words it takes (a vector takes every one left).
  int max_words = 1;
  ValueKind kind = ValueKind::kNone;
  std::vector<std::string> choices;  // kChoices
};

struct CompletionCommand {
  std::string name;  // empty for the program itself
  std::string description;
  bool hidden = false;
  // Whether its parent's options are accepted after it (CLI11 fallthrough).
  bool inherits = false;
  std::vector<CompletionArg> options;
  std::vector<CompletionArg> positionals;
  std::vector<CompletionCommand> commands;
};

// The App as the completion scripts see it.
CompletionCommand DescribeForCompletion(const CLI::App& app);

// The completion script of `shell` for the program `app` describes (its
// name is the App's name: "surety").
std::string CompletionScript(const CLI::App& app, Shell shell);

// `surety completion --jobs`: every job name of the job file, one a line,
// broken jobs included. Prints nothing else, even when the job file is
// missing or has errors; returns 0 when the file loaded (in part), else 1.
int PrintJobNames(const GlobalOptions& g, Services& sv);

}  // namespace surety
