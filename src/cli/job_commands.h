// `surety validate`, `surety run`, `surety history`.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/cli.h"

namespace surety {

struct JobSpec;

struct GlobalOptions {
  std::vector<std::string> configs;  // --config, in order
  std::string log_format;            // --log-format; empty: not given (logfmt)
  std::string log_level;             // --log-level; empty: not given
  bool quiet = false;                // --quiet: errors only
};

struct ValidateOptions {
  bool json = false;
};
int RunValidate(const GlobalOptions& g, const ValidateOptions& o, Services& sv);

struct RunOptions {
  std::string job;
  std::string trigger = "manual";
  // Each line of the job's output is labelled with the job (the daemon's
  // runs: their output interleaves on one stream).
  bool tag_output = false;
};
int RunRun(const GlobalOptions& g, const RunOptions& o, Services& sv);
// The environment a job of `surety run` starts from, before its
// environment_file, environment and SURETY_* variables: a conventional set
// inherited from `env`; with `user =`, that user's HOME, USER and LOGNAME
// instead of ours (and not our SHELL).
std::map<std::string, std::string> ProcessEnvironment(const Env& env, const JobSpec& job);

struct HistoryOptions {
  std::string job;
  int limit = 20;
  bool json = false;
};
int RunHistory(const GlobalOptions& g, const HistoryOptions& o, Services& sv);

struct OutboxOptions {
  bool drain = false;
  bool json = false;
  bool sent = false;              // the delivery log instead of what waits
  std::vector<std::string> jobs;  // with sent: these jobs (empty: all)
  int limit = 20;
};
// `surety outbox`: the alerts written down but not delivered yet; --drain
// sends them.
int RunOutbox(const GlobalOptions& g, const OutboxOptions& o, Services& sv);

struct DaemonCliOptions {
  std::string shutdown_grace = "10s";
  bool leave_runs = false;
  std::string check_every = "1min";
  std::string listen;  // empty: no HTTP server
  std::optional<std::string> token_file;
};
int RunDaemonCommand(const GlobalOptions& g, const DaemonCliOptions& o, Services& sv);

struct NextOptions {
  std::vector<std::string> jobs;  // empty: all
  int count = 1;
  bool json = false;
};
int RunNext(const GlobalOptions& g, const NextOptions& o, Services& sv);

}  // namespace surety
