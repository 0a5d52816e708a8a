// JobFiles: reading the job files into one merged view.
//
// For: LoadConfig, which reads each --config file in order, then builds the
// Config from root(). Reading a file means:
//  - only a regular file (a symlink to one is fine) of at most 16 MiB is
//    read, so a FIFO cannot make `validate` hang;
//  - the text is scanned before toml++ parses it (text_scan.h); a syntax
//    error comes with a hint when a bare word is the likely cause;
//  - as root, the file and every directory above it, above its real path
//    and above the directory it was named in, are checked (trust.h);
//  - the file is merged over what came before (merged_view.h), then its
//    `include = [...]` paths and globs are read, relative to its
//    directory, in sorted order, depth first, so that included files
//    override their includer. A path without `*?[` must exist; a glob that
//    matches nothing is a warning; includes nest at most 8 deep;
//  - a file is read once, told apart by its real path, however often it is
//    named; including a file that is still being read is a cycle. A
//    --config file named again overrides what came between, as every later
//    --config does.
// A file that cannot be read or parsed is reported and marks the view
// incomplete(); the other files are still read. Not for: what the keys mean
// (the builders) or the file system itself (FileSystem, injected).
//
// Ownership: owns the parsed documents that root() points into; every MNode
// taken from root() lives no longer than this object. Borrows the file
// system and the sink. Thread-safety: one load, one thread.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "job/diagnostic_sink.h"
#include "job/merged_view.h"
#include "job/toml.h"
#include "os/file_system.h"

namespace surety {

class JobFiles {
 public:
  JobFiles(const FileSystem& fs, bool running_as_root, DiagnosticSink& diags);
  JobFiles(const JobFiles&) = delete;
  JobFiles& operator=(const JobFiles&) = delete;

  // Reads one --config file and, depth first, the files it includes.
  void Read(const std::string& path);

  // Everything read so far, merged.
  const MNode& root() const { return root_; }
  // Every file read, in order, as named.
  const std::vector<std::string>& files() const { return files_; }
  // For each file read (as named): its directory, made absolute where the
  // file system could; relative paths in the file are relative to it.
  const std::map<std::string, std::string>& dirs() const { return dirs_; }
  // What the file system said of file `file` (as named) when it was read;
  // nullptr for a file not read.
  const FileInfo* InfoOf(const std::string& file) const;
  // A file could not be read or parsed: what it may define is unknown, so
  // a job's missing command or an unknown alert name is not reported.
  bool incomplete() const { return incomplete_; }

 private:
  void Read(const std::string& path, int depth, const toml::source_region* from);
  void ReadIncludes(const toml::node& include, const std::string& dir, int depth);
  void CheckTrusted(const std::string& path, const FileInfo& info);
  void CheckTrustedDirs(const std::string& path, std::string dir);

  const FileSystem& fs_;
  const bool running_as_root_;
  DiagnosticSink& diags_;
  std::vector<std::string> files_;
  std::vector<std::unique_ptr<toml::table>> docs_;
  MNode root_;
  // Includes: the real paths of the files being read (and as named).
  std::vector<std::string> stack_, stack_names_;
  std::set<std::string> loaded_;  // real paths read or tried
  // The documents each file merged, its includes' after its own, in order.
  std::map<std::string, std::vector<const toml::table*>> subtree_docs_;
  std::map<std::string, FileInfo> infos_;    // of each file read, by the name given
  std::set<std::string> checked_dirs_;       // directories CheckTrustedDirs() looked at
  std::map<std::string, std::string> dirs_;  // file as named -> its absolute directory
  bool incomplete_ = false;
};

}  // namespace surety
