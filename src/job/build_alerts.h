// BuildAlerts: every [alerts.NAME] of the merged job files → AlertSpec.
//
// For: LoadConfig. Checks each alert's kind and the keys that kind needs,
// and resolves its URL, a secret, from the one place it is given: inline
// (a warning when everyone may read the job file), a url_file (which must
// be protected, trust.h) or the environment (url_env). With
// LoadContext::resolve_secrets off, neither url_file nor url_env is read.
// A URL never appears in a diagnostic. Not for: delivering alerts (the
// alert module).
//
// Thread-safety: one load, one thread.
#pragma once

#include <map>
#include <string>

#include "job/build_context.h"
#include "job/job_spec.h"
#include "job/merged_view.h"

namespace surety {

std::map<std::string, AlertSpec> BuildAlerts(const MNode& root, const BuildContext& b);

}  // namespace surety
