// The resolved job file: a Config written back as TOML that the loader
// reads into the same Config.
//
// For: the daemon, which hands the runs it starts the job set it validated
// (a file in the state directory that `surety run` loads instead of the job
// file a person may be editing), and anything that shows a job as surety
// resolved it. Everything is explicit: [defaults] applied, paths absolute,
// every key with its value (defaults included), durations in systemd's
// notation, a shell command as its string. An alert's URL is written as
// its source — `url_file`, `url_env`, or the inline `url` it was — so that
// no secret read from a file or the environment is copied anywhere.
// Not for: reproducing a person's file (comments, layout and [defaults]
// are gone).
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include "job/job_spec.h"

namespace surety {

// `config` as a job file. Loading it (LoadConfig) gives back `config`:
// job_file_writer_test.cc checks every key.
std::string WriteJobFile(const Config& config);

}  // namespace surety
