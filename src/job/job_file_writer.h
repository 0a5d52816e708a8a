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
#include <string_view>

#include "job/job_spec.h"

namespace surety {

// `config` as a job file. Loading it (LoadConfig) gives back `config`:
// job_file_writer_test.cc checks every key.
std::string WriteJobFile(const Config& config);

// `text` as a TOML basic string, quotes included, written by the toml++
// writer WriteJobFile uses: `"`, `\` and control characters escaped, on one
// line, other UTF-8 as it is. For writers of job files that put comments
// between the keys (surety import crontab), and so cannot hand toml++ a
// whole table. Also right for a key that is not bare.
// REQUIRES: `text` is valid UTF-8 (else toml++ escapes its non-ASCII bytes
// one by one, which changes the string).
std::string TomlString(std::string_view text);

}  // namespace surety
