// Crontab lines and Kubernetes CronJobs for a job set: each runs
// `surety run JOB --trigger=schedule`, so the runner's guarantees apply.
//
// For: `surety export cron` and `surety export kubernetes`. What cron (and a
// CronJob, which reads cron's fields) cannot express is refused with the job
// and the reason — seconds, `~`, years, several zones in one job, a
// randomized delay, catch-up after downtime (`persistent`), an interval —
// unless the caller allows approximations, which widen the schedule and say
// how. Never silently approximated. docs/export-cron.md and
// docs/export-kubernetes.md.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "job/job_spec.h"

namespace surety {

struct CronTarget {
  std::string surety_binary;         // absolute path, or "surety" in a container
  std::vector<std::string> configs;  // job files for --config
  bool system = false;               // /etc/cron.d format: a user column ("root")
  bool allow_approximate = false;
  // The scheduler runs a missed start late (a CronJob's
  // startingDeadlineSeconds): `persistent` needs no approximation.
  bool catches_up = false;
};

// The crontab entries of one job.
struct CronJobLines {
  std::string job;
  std::string zone;                         // one zone for all its lines; "" = the local zone
  std::vector<std::string> fields;          // "30 2 * * *", or "@reboot"
  std::vector<std::string> commands;        // the command of each line (a shell command)
  std::vector<std::string> approximations;  // what --allow-approximate widened
};

// The job's lines, or kInvalidArgument naming the job and what cron cannot
// do. A job run only by hand has no lines.
Result<CronJobLines> CronLinesFor(const JobSpec& job, const CronTarget& target);

// A whole crontab for `jobs` (from CronLinesFor), local-zone jobs first,
// then each zone under its CRON_TZ= line. `%` is escaped as cron needs.
std::string FormatCrontab(const std::vector<CronJobLines>& jobs, const CronTarget& target,
                          const std::string& source);

struct KubernetesTarget {
  std::string image;
  std::string namespace_name;
  std::string state_claim = "surety-state";  // the PersistentVolumeClaim of the history
  bool allow_approximate = false;
};

// A Secret with `job_file` (the resolved job file, its state_dir the
// volume's mount), one batch/v1 CronJob per job with a schedule, the state
// volume's claim and a Deployment + Service running `surety serve` for
// metrics. kInvalidArgument as CronLinesFor, or for on_boot/on_startup
// (a cluster has no boot).
Result<std::string> KubernetesManifests(const Config& config, const std::vector<std::string>& jobs,
                                        const std::string& job_file,
                                        const KubernetesTarget& target);

// `s` as a single-quoted POSIX shell word.
std::string ShellWord(const std::string& s);

}  // namespace surety
