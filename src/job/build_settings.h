// BuildSettings: [settings] of the merged job files → Settings.
//
// For: LoadConfig. Fills in the defaults (DefaultStateDir(), the host
// name) and, as root, checks that the state directory and the directories
// above it, above its real path too, are root's alone (trust.h): whoever
// can change it can forge the history or remove a job's lock. Not for:
// creating the state directory (the store does, when it first writes).
//
// Thread-safety: one load, one thread.
#pragma once

#include "job/build_context.h"
#include "job/job_spec.h"
#include "job/merged_view.h"

namespace surety {

Settings BuildSettings(const MNode& root, const BuildContext& b);

}  // namespace surety
