// BuildJobs: [defaults] and every [jobs.NAME] of the merged job files →
// JobSpec, each job in its own diagnostics scope.
//
// For: LoadConfig. [defaults] is checked once on its own, each value
// reported where it is written; then each job is its own keys laid over
// [defaults] (merged_view.h) and built by JobBuilder inside a
// DiagnosticSink::JobScope, so that whatever is found belongs to that job
// (Diagnostic::job, DiagnosticSink::JobHasErrors) and a problem inherited
// from [defaults] is listed once, not once per job. Not for: deciding what
// a job's errors mean for the Config (LoadConfig does: today any error
// means no Config).
//
// Thread-safety: one load, one thread.
#pragma once

#include <map>
#include <string>

#include "job/build_context.h"
#include "job/job_spec.h"
#include "job/merged_view.h"

namespace surety {

// `alerts`: the alerts defined, which a job's `alert` names must be. A job
// whose table is not a table, or whose name is not valid, is reported and
// left out.
std::map<std::string, JobSpec> BuildJobs(const MNode& root,
                                         const std::map<std::string, AlertSpec>& alerts,
                                         const BuildContext& b);

// Letters, digits, '-', '_' and '.', starting with a letter or digit; at
// most 100 characters.
bool ValidJobName(const std::string& name);

}  // namespace surety
