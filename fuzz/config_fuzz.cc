// config_fuzz: the job file loader under libFuzzer.
//
// The input is split at the first NUL byte into a job file and a second file
// it may include (`include = ["inc.toml"]`, `include = ["*.toml"]`); both
// live in a FakeFileSystem, so nothing touches the disk. For arbitrary bytes:
//  1. LoadConfig() never crashes, hangs or throws (toml++ errors, deep
//     nesting, huge numbers, bad UTF-8 all come back as diagnostics).
//  2. It either reports at least one error and no Config, or no error and a
//     Config in which every job has a name and a command.
//  3. Every error names a file that exists in the fake file system, and the
//     line and column are not negative.
// Loading as root and as a user are both tried (the checks differ).
// A violated property prints the input and traps.
//
// Build and run: docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "job/config_loader.h"
#include "os/env.h"
#include "os/file_system.h"
#include "time/zone.h"

namespace surety {
namespace {

[[noreturn]] void Violated(const char* property, std::string_view input) {
  std::fprintf(stderr, "config_fuzz: %s\ninput (%zu bytes): %.*s\n", property, input.size(),
               static_cast<int>(input.size()), input.data());
  __builtin_trap();
}

void Check(std::string_view input, bool root) {
  const size_t nul = input.find('\0');
  const std::string main_text(input.substr(0, nul));
  const std::string included(nul == std::string_view::npos ? "" : input.substr(nul + 1));

  FakeFileSystem fs;
  fs.AddFile("/etc/surety/surety.toml", main_text, 0600);
  fs.AddFile("/etc/surety/inc.toml", included, 0600);
  MapEnv env({{"HOME", "/root"}});
  static ZoneDb zones;
  static std::shared_ptr<const Zone> local = zones.LocalFromTz(std::string("UTC"));
  LoadContext ctx{fs, env, zones, *local, root, "fuzzhost"};
  // validate's account checks, numbers only (names would read the host's
  // user database): a user or group id of any size must parse, not throw.
  ctx.user_exists = [](const std::string& name) { return ParseNumericId(name).has_value(); };
  ctx.group_exists = ctx.user_exists;
  LoadResult r = LoadConfig({"/etc/surety/surety.toml"}, ctx);

  if (r.errors.empty() != r.config.has_value())
    Violated("a Config exactly when there is no error", input);
  for (const Diagnostic& d : r.errors) {
    if (d.line < 0 || d.column < 0) Violated("a diagnostic with a negative position", input);
    if (!d.file.empty() && d.file != "/etc/surety/surety.toml" && d.file != "/etc/surety/inc.toml")
      Violated("a diagnostic naming a file that does not exist", input);
  }
  if (r.config) {
    for (const auto& [name, job] : r.config->jobs) {
      if (name.empty() || job.name != name) Violated("a job without its name", input);
      if (job.command.empty()) Violated("a job without a command", input);
    }
  }
}

}  // namespace
}  // namespace surety

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  surety::Check(input, /*root=*/true);
  surety::Check(input, /*root=*/false);
  return 0;
}
