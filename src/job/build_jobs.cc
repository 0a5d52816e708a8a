#include "job/build_jobs.h"

#include <algorithm>
#include <cctype>

#include "job/job_builder.h"
#include "job/text_scan.h"

namespace surety {
namespace {

// Marks every place in [defaults], down to array elements, so that a job
// that inherits a value reports a problem there only once.
void NoteDefaultsPlaces(const toml::node& n, int depth, DiagnosticSink& diags) {
  diags.NoteDefaultsPlace(n.source());
  if (const toml::array* arr = n.as_array(); arr && depth < kMaxTableDepth) {
    for (const auto& el : *arr) NoteDefaultsPlaces(el, depth + 1, diags);
  }
}
void NoteDefaultsPlaces(const MNode& t, DiagnosticSink& diags) {
  for (const auto& [k, v] : t.children) {
    diags.NoteDefaultsPlace(v.where);
    if (v.is_table)
      NoteDefaultsPlaces(v, diags);
    else if (v.node)
      NoteDefaultsPlaces(*v.node, 0, diags);
  }
}

}  // namespace

bool ValidJobName(const std::string& n) {
  if (n.empty() || n.size() > 100) return false;
  if (!(std::isalnum(static_cast<unsigned char>(n[0])))) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

std::map<std::string, JobSpec> BuildJobs(const MNode& root,
                                         const std::map<std::string, AlertSpec>& alerts,
                                         const BuildContext& b) {
  std::map<std::string, JobSpec> jobs;
  JobBuilder builder(b, alerts);
  const MNode* defaults = b.values.Child(root, "defaults", true);
  if (defaults) {
    builder.CheckKeys(*defaults, "defaults");
    // Every value in [defaults] is checked once, here, and reported at
    // its own place; the jobs that inherit it do not repeat the report.
    NoteDefaultsPlaces(*defaults, b.diags);
    DiagnosticSink::DefaultsScope scope(b.diags);
    (void)builder.Build("", "defaults", *defaults, /*whole_job=*/false);
  }
  const MNode* table = b.values.Child(root, "jobs", true);
  if (!table) return jobs;
  for (const auto& [name, node] : table->children) {
    // What is found from here on is this job's (Diagnostic::job).
    DiagnosticSink::JobScope scope(b.diags, name);
    if (!node.is_table) {
      b.diags.Error(node.where, "jobs." + name + ": expected a table [jobs." + name + "]");
      continue;
    }
    if (!ValidJobName(name)) {
      b.diags.Error(node.where, "jobs." + name +
                                    ": a job name may contain only letters, digits, '-', '_' "
                                    "and '.', and must start with a letter or digit");
      continue;
    }
    MNode merged;
    merged.is_table = true;
    merged.where = node.where;
    if (defaults) MergeNodes(merged, *defaults);
    MergeNodes(merged, node);
    builder.CheckKeys(node, "jobs." + name);
    jobs[name] = builder.Build(name, "jobs." + name, merged, /*whole_job=*/true);
  }
  return jobs;
}

}  // namespace surety
