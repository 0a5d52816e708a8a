// MNode: the merged view of every job file read, and the rule that merges
// them.
//
// For: JobFiles (job_files.h), which merges each parsed file over the files
// before it, and the job builder, which lays each job's own keys over
// [defaults]. The rule is systemd's for drop-ins: tables merge key by key;
// anything else (a value, an array) is replaced by the later one. Not for:
// reading values out of it (toml_values.h).
//
// Ownership: an MNode's leaves point into the parsed toml::table documents
// it was merged from, which must outlive it. Thread-safety: plain values.
#pragma once

#include <map>
#include <string>

#include "job/diagnostic_sink.h"
#include "job/toml.h"

namespace surety {

struct MNode {
  const toml::node* node = nullptr;  // a leaf or an array (nullptr for a table)
  toml::source_region where;         // of the key that introduced it
  std::map<std::string, MNode> children;
  bool is_table = false;
};

// Merges parsed table `t` over `into` (made a table if it was not). false
// when tables nest deeper than kMaxTableDepth (text_scan.h): reported into
// `diags` at the key, once, and the merge stops there.
bool MergeTable(MNode& into, const toml::table& t, DiagnosticSink& diags);

// Lays `from`'s children over `into`'s by the same rule.
void MergeNodes(MNode& into, const MNode& from);

}  // namespace surety
