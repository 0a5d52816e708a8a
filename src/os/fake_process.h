// ScriptedCommandRunner: the CommandRunner tests use instead of processes.
//
// Records every CommandSpec it is given and answers with scripted outcomes
// (exit 0 once the script has run out); with a FakeClock it also lets each
// command take one second. Thread-compatible.
#pragma once

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "os/clock.h"
#include "os/process.h"

namespace surety {

class ScriptedCommandRunner final : public CommandRunner {
 public:
  CommandOutcome Run(const CommandSpec& spec) override {
    specs.push_back(spec);
    if (clock) clock->Advance(Micros{std::chrono::seconds(1)});
    if (outcomes.empty()) return CommandOutcome{};
    CommandOutcome o = outcomes.front();
    outcomes.pop_front();
    return o;
  }
  std::deque<CommandOutcome> outcomes;
  std::vector<CommandSpec> specs;
  FakeClock* clock = nullptr;  // advanced by one second per command when set
};

// An outcome of a command that exited with `code` after printing `output`.
inline CommandOutcome Exited(int code, std::string output = "") {
  CommandOutcome o;
  o.kind = CommandOutcome::Kind::kExited;
  o.exit_code = code;
  o.output_tail = std::move(output);
  return o;
}

}  // namespace surety
