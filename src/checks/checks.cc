#include "checks/checks.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <string_view>
#include <utility>

#include "base/strings.h"
#include "time/timestamp.h"

namespace surety {

namespace {

constexpr Micros kConnectTimeout = std::chrono::seconds(5);
constexpr Micros kPreflightCommandTimeout = std::chrono::minutes(5);
// A verify command reads the whole artifact (pg_restore --list, restic
// check), so it gets longer than a preflight probe, but never forever.
constexpr Micros kVerifyCommandTimeout = std::chrono::hours(1);
constexpr size_t kCheckTailBytes = 8 * 1024;

CheckResult Fail(std::string message) { return CheckResult{false, std::move(message)}; }

CommandOutcome RunCheckCommand(std::vector<std::string> argv, Micros timeout, CheckEnv& env) {
  CommandSpec spec;
  spec.argv = std::move(argv);
  spec.env = env.command_env;
  spec.working_directory = env.working_directory;
  spec.uid = env.uid;
  spec.gid = env.gid;
  spec.stream_output = false;
  spec.timeout = timeout;
  spec.tail_bytes = kCheckTailBytes;
  return env.commands.Run(spec);
}

CheckResult CheckFreeSpace(const PreflightSpec::FreeSpace& fs, CheckEnv& env) {
  Result<uint64_t> free = env.fs.FreeBytes(fs.path);
  if (!free.ok()) return Fail("free space on " + fs.path + ": " + free.status().message());
  if (*free < fs.min_bytes) {
    return Fail("free space on " + fs.path + ": " + FormatByteSize(*free) + " available, " +
                FormatByteSize(fs.min_bytes) + " required");
  }
  return {};
}

CheckResult CheckReachable(const std::string& url, CheckEnv& env) {
  std::optional<TcpTarget> target = ParseTcpUrl(url);
  if (!target) {
    return Fail("reachable: malformed address '" + QuoteForMessage(url) +
                "' (expected tcp://host:port)");
  }
  Status st = env.net.Connect(target->host, target->port, kConnectTimeout);
  if (!st.ok()) {
    // The connector names the address it tried; when that is the address
    // as written, once is enough ("cannot reach 127.0.0.1:1: Connection
    // refused"). A name keeps the address it resolved to.
    std::string why = st.message();
    if (why.rfind(target->display + ": ", 0) == 0) why.erase(0, target->display.size() + 2);
    return Fail("cannot reach " + target->display + ": " + why);
  }
  return {};
}

CheckResult CheckFile(const std::string& path, CheckEnv& env) {
  Result<FileInfo> info = env.fs.Stat(path);
  if (!info.ok()) return Fail("cannot check file " + path + ": " + info.status().message());
  if (!info->exists) return Fail("missing file " + path);
  if (!env.fs.Readable(path)) return Fail("cannot read " + path);
  if (env.uid || env.gid) {
    // Readable by us (root) says little about the job's user: let the
    // kernel decide, with that user's rights.
    CommandOutcome o = RunCheckCommand({"test", "-r", path}, kConnectTimeout, env);
    if (o.kind != CommandOutcome::Kind::kExited || o.exit_code != 0)
      return Fail("cannot read " + path + " as the job's user");
  }
  return {};
}

CheckResult CheckCommand(const Command& command, CheckEnv& env) {
  const Micros limit = env.preflight_command_timeout > Micros{0}
                           ? std::min(env.preflight_command_timeout, kPreflightCommandTimeout)
                           : kPreflightCommandTimeout;
  CommandOutcome o = RunCheckCommand(command.argv, limit, env);
  std::string failure = DescribeFailure(o);
  if (!failure.empty()) return Fail("preflight command " + command.Display() + " " + failure);
  return {};
}

// "62%", "12.5%".
std::string Percent(double fraction) {
  double pct = fraction * 100.0;
  char buf[32];
  if (std::fabs(pct - std::round(pct)) < 0.05) {
    std::snprintf(buf, sizeof buf, "%.0f%%", pct);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f%%", pct);
  }
  return buf;
}

}  // namespace

CheckResult RunPreflight(const PreflightSpec& spec, CheckEnv& env) {
  CheckResult all;
  auto add = [&](const CheckResult& r) {
    if (r.ok) return;
    all.ok = false;
    all.message += (all.message.empty() ? "" : "; ") + r.message;
  };
  if (spec.free_space) add(CheckFreeSpace(*spec.free_space, env));
  for (const std::string& url : spec.reachable) add(CheckReachable(url, env));
  for (const std::string& path : spec.files) add(CheckFile(path, env));
  if (!spec.command.empty()) add(CheckCommand(spec.command, env));
  return all;
}

VerifyOutcome RunVerify(const VerifySpec& spec, const std::string& expanded_path,
                        Instant run_started, std::optional<uint64_t> previous_size, CheckEnv& env) {
  VerifyOutcome out;
  if (!spec.path.empty()) {
    Result<FileInfo> info = env.fs.Stat(expanded_path);
    if (!info.ok()) {
      out.check = Fail("cannot check artifact " + expanded_path + ": " + info.status().message());
      return out;
    }
    if (!info->exists) {
      out.check = Fail("artifact " + expanded_path + " does not exist");
      return out;
    }
    out.artifact_path = expanded_path;
    out.artifact_size = info->size;
    if (!info->is_regular) {
      out.check = Fail("artifact " + expanded_path + " is not a regular file");
      return out;
    }
    const uint64_t size = info->size;
    if (spec.min_size && size < *spec.min_size) {
      out.check = Fail("artifact " + expanded_path + " is " + FormatByteSize(size) +
                       ", expected at least " + FormatByteSize(*spec.min_size));
      return out;
    }
    if (spec.fresh && !(info->mtime > run_started)) {
      out.check =
          Fail("artifact " + expanded_path + " was last modified at " + FormatRfc3339(info->mtime) +
               ", before the run started at " + FormatRfc3339(run_started));
      return out;
    }
    if (spec.max_shrink && previous_size && *previous_size > 0) {
      const double prev = static_cast<double>(*previous_size);
      const double allowed = *spec.max_shrink;
      if (static_cast<double>(size) < prev * (1.0 - allowed)) {
        const double shrink = (prev - static_cast<double>(size)) / prev;
        out.check = Fail("artifact " + expanded_path + " shrank by " + Percent(shrink) +
                         " against the previous good run (" + Percent(allowed) + " allowed)");
        return out;
      }
    }
  }
  if (!spec.command.empty()) {
    std::vector<std::string> argv = spec.command.argv;
    for (std::string& arg : argv) {
      for (size_t pos = 0; (pos = arg.find("{path}", pos)) != std::string::npos;) {
        arg.replace(pos, 6, expanded_path);
        pos += expanded_path.size();
      }
    }
    Command shown{argv};
    CommandOutcome o = RunCheckCommand(std::move(argv), kVerifyCommandTimeout, env);
    std::string failure = DescribeFailure(o);
    if (!failure.empty()) {
      out.check = Fail("verify command " + shown.Display() + " " + failure);
      return out;
    }
  }
  return out;
}

}  // namespace surety
