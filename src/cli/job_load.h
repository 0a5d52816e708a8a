// What the job commands share: loading the job file (and pinning its state
// directory), opening the history, and the terminal's formatting helpers.
//
// For: the files of src/cli only (job_commands.cc, health_commands.cc).
// Thread-safety: one command, one thread.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/job_commands.h"
#include "job/config_loader.h"
#include "os/log.h"
#include "store/history_store.h"
#include "time/zone.h"

namespace surety {

struct Loaded {
  ZoneDb zones;
  std::shared_ptr<const Zone> local;
  LoadResult result;
  // Why the state directory could not be opened (PinState::kCreate), when
  // it could not; the run goes on without its record then.
  Status state_dir_status;
};

// What a command needs of the state directory: nothing (validate), the one
// there is (reads), or one created if missing (run).
enum class PinState { kNone, kExisting, kCreate };

// What a command needs of the job file beyond the file itself.
struct LoadFor {
  bool show_warnings = false;  // print them on stderr (validate, as text)
  // Resolve alert URLs (url_file, url_env): the commands that alert or
  // check that they could (run, validate).
  bool secrets = true;
  // Look up the user and group names, to warn about unknown ones: only
  // validate shows that warning, so only it pays for the lookups.
  bool accounts = false;
  // Check what only matters before a run (validate): schedules that never
  // elapse again, programs that are not on the job's PATH.
  bool lint = false;
  PinState state = PinState::kNone;
  // Go on with the jobs that loaded when the only errors are inside other
  // jobs (LoadResult::usable): one broken job does not stop its
  // neighbours. The errors are still printed.
  bool scoped = false;
};

// Loads the job file for a command: prints its errors (and, when asked,
// warnings) on stderr; the state directory pinned as `want` says.
std::unique_ptr<Loaded> Load(const GlobalOptions& g, Services& sv, LoadFor want = {});

// The history of the state directory (pinned by Load()). `read_only_ok`:
// a reader that may not write the state directory still reads it.
Result<std::unique_ptr<HistoryStore>> OpenHistory(const Config& cfg, bool read_only_ok);

// Whether any run was ever recorded in the state directory.
bool HistoryExists(const Config& cfg, Services& sv);

// Says on stderr that a read merged an unfolded journal, or found
// history.db damaged.
void WarnIfUnfolded(const HistoryStore& history, Services& sv);

std::string JsonText(const nlohmann::json& j, int indent = 2);
// At most `max` bytes of `text`, cut at a UTF-8 character boundary.
std::string CutUtf8(const std::string& text, size_t max);
LogFormat FormatOf(const GlobalOptions& g);
// Whether a person watches (stderr is a terminal, and not --quiet).
bool Interactive(const GlobalOptions& g, const Services& sv);
LogLevel LevelOf(const GlobalOptions& g, bool interactive);
// The one line a terminal gets when a run ends.
std::string SummaryLine(const RunRecord& r, bool colour);
// Rows as columns padded to their widest cell; the first row is the header.
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);
// The job named `name`, or nullptr after saying on stderr that there is
// none (with the closest name and the list).
const JobSpec* FindJob(const Config& cfg, const std::string& name, Services& sv);

}  // namespace surety
