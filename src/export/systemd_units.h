// systemd units for a job set: per job a .timer with every scheduling key
// and a hardened .service that runs `surety run JOB --trigger=schedule`;
// and the check timer that runs `surety check --alert` without a daemon.
//
// For: `surety export systemd` and `surety install` (cli/export_command.cc).
// The guarantees stay in `surety run`: the service only starts it, so its
// timeout, retries, lock, verification and alerts apply exactly as under
// the daemon. Not for: writing the files or talking to systemd (the
// caller's), or the daemon's own unit (packaging/surety-daemon.service.in).
//
// The sandbox is as tight as the job allows (ProtectSystem=strict with
// ReadWritePaths= for the state directory and the artifact's directory, no
// capabilities, private /tmp, devices, users, IPC and mounts, kernel,
// namespace and system-call restrictions), so that every service scores at
// most 2.0 on `systemd-analyze security --offline=true`. What the job
// declares loosens it: paths under /home that it reads, email alerts
// (sendmail is set-gid), and each key of [jobs.NAME.sandbox]. Each
// loosening is returned as a value, saying which key loosened what.
// docs/export-systemd.md lists them.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "job/job_spec.h"
#include "time/timespan.h"

namespace surety {

// Where the units will run.
struct UnitTarget {
  std::string surety_binary;         // absolute path of surety
  std::vector<std::string> configs;  // absolute job files, for --config
  bool user_manager = false;         // `systemctl --user`: no User=/Group=
};

struct UnitFile {
  std::string name;  // "surety-db.service"
  std::string text;
};

// One thing a job's sandbox allows beyond the tight default.
struct Loosening {
  std::string because;  // "sandbox.docker = true", "alert mail (email)"
  std::string what;     // "PrivateUsers=no, ReadWritePaths=/run/docker.sock"
};

struct JobUnits {
  std::string job;
  UnitFile service;
  std::vector<UnitFile> timer;  // empty for a job run only by hand
  std::vector<Loosening> loosened;
};

// The units of `job` (of `config`). kInvalidArgument when the job asks for
// something a unit cannot do: `sandbox.network = false` while an alert or a
// preflight needs the network.
Result<JobUnits> JobUnitsFor(const Config& config, const JobSpec& job, const UnitTarget& target);

// surety-check.service and surety-check.timer: `surety check --alert` every
// `every`, so overdue, stuck and broken jobs are told with no daemon.
std::vector<UnitFile> CheckUnits(const Config& config, const UnitTarget& target, Timespan every);

// How long systemd lets the service run before it stops it: above the
// longest run `surety run` can take (timeout and kill grace per attempt,
// the retry delays, lock_wait and preflight.wait) plus 5 minutes, so that
// surety's own timeout always acts first. Infinity when any part is.
Timespan ServiceTimeout(const JobSpec& job);

// The directory an artifact pattern ("/backups/db-%Y/%m.dump") is written
// in, up to its first strftime field: "/backups". Empty for no pattern.
std::string ArtifactDirectory(const std::string& pattern);

// `value` quoted for a unit file's command line or list setting when it
// needs to be (spaces, quotes, backslashes, `$`, `%` escaped as `%%`).
std::string UnitWord(const std::string& value);

}  // namespace surety
