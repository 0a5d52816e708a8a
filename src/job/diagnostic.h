// Diagnostic: one problem the job file loader found, at its place.
//
// For: LoadResult (config_loader.h), which lists them for `surety validate`
// and every command that loads the job file; DiagnosticSink
// (diagnostic_sink.h) collects them while loading. Not for: run-time
// problems, which are run records.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <vector>

namespace surety {

struct Diagnostic {
  std::string file;  // as named (on the command line or in an include)
  int line = 0;      // 1-based; 0: the file as a whole
  int column = 0;
  std::string message;
  // The job ("db" for [jobs.db]) whose checks found it; empty for a problem
  // outside every job: a file, [settings], [alerts.*], [defaults] on its own.
  std::string job{};
  std::string ToString() const;  // "file:line:col: message"
};

// Sorts `list` the way a person reads the files: file by file, in the order
// each first appears in `list` (the order they were read), then by line and
// column. Stable: problems at one place keep the order they were found in.
void SortInFileOrder(std::vector<Diagnostic>& list);

}  // namespace surety
