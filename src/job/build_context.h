// BuildContext: what the builders (build_settings.h, build_alerts.h,
// build_jobs.h) read from and report to while they turn the merged job
// files into a Config.
//
// For: passing one load's parts to each builder as one value. Not for:
// anything the builders share beyond that; each builder keeps its own rules.
//
// Ownership: borrows everything; LoadConfig owns it all for one load.
// Thread-safety: one load, one thread.
#pragma once

#include "job/config_loader.h"
#include "job/diagnostic_sink.h"
#include "job/job_files.h"
#include "job/toml_values.h"

namespace surety {

struct BuildContext {
  const LoadContext& load;  // the injected OS, the zone, who runs, what to check
  const JobFiles& files;    // the merged view, each file's directory and stat
  DiagnosticSink& diags;
  TomlValues& values;
};

}  // namespace surety
