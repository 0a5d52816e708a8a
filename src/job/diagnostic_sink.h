// DiagnosticSink: where every step of loading the job file reports its
// errors and warnings, and the rules for what is reported.
//
// For: the loader's steps (job_files.h, toml_values.h, the builders), which
// report at toml++ source positions or at a file as a whole. The sink
//  - places a toml++ region as file:line:col;
//  - reports a problem in [defaults] once, where it is, however many jobs
//    inherit the value (DefaultsScope, JobScope, NoteDefaultsPlace);
//  - tags each diagnostic found while one job is built with that job's name
//    and counts the job's errors (JobScope, JobHasErrors), so that a caller
//    can tell which job a problem belongs to.
// Not for: deciding what a diagnostic means for the Config (LoadConfig
// does), or sorting them (SortInFileOrder in diagnostic.h).
//
// Ownership: owns the diagnostics until TakeErrors()/TakeWarnings().
// Thread-safety: one load, one thread.
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "job/diagnostic.h"
#include "job/toml.h"

namespace surety {

class DiagnosticSink {
 public:
  DiagnosticSink() = default;
  DiagnosticSink(const DiagnosticSink&) = delete;
  DiagnosticSink& operator=(const DiagnosticSink&) = delete;

  // The file to name when a region has no file name, and for Error(nullptr):
  // the first file read. Empty until one is.
  void set_fallback_file(std::string file) { fallback_file_ = std::move(file); }

  // `message` at the start of `where`.
  Diagnostic At(const toml::source_region& where, std::string message) const;

  void Error(const toml::source_region& where, std::string message);
  void Warn(const toml::source_region& where, std::string message);
  // An error at `where`, if any; nullptr: the fallback file as a whole.
  void Error(const toml::source_region* where, std::string message);
  // A diagnostic placed by the caller (a file as a whole, no file at all).
  void Error(Diagnostic d) { Emit(true, std::move(d)); }
  void Warn(Diagnostic d) { Emit(false, std::move(d)); }

  // Marks a place in [defaults]: a job's diagnostic there is one the
  // defaults may already have reported.
  void NoteDefaultsPlace(const toml::source_region& where);

  // While one lives, [defaults] is checked on its own: what is found is
  // reported and remembered, so that no job inheriting it reports it again.
  class DefaultsScope {
   public:
    explicit DefaultsScope(DiagnosticSink& sink);
    ~DefaultsScope();
    DefaultsScope(const DefaultsScope&) = delete;
    DefaultsScope& operator=(const DefaultsScope&) = delete;

   private:
    DiagnosticSink& sink_;
  };

  // While one lives, job `name` is built: what is found is tagged with the
  // name and counted as the job's. A diagnostic at a place in [defaults]
  // that [defaults] already reported, or that an earlier job reported with
  // the same message (its job name aside), is counted but not listed again.
  // REQUIRES: no other scope lives.
  class JobScope {
   public:
    JobScope(DiagnosticSink& sink, std::string name);
    ~JobScope();
    JobScope(const JobScope&) = delete;
    JobScope& operator=(const JobScope&) = delete;

   private:
    DiagnosticSink& sink_;
  };

  // Whether an error was found while job `name` was built, listed or not (an
  // error in a value it inherits from [defaults] counts for every job).
  bool JobHasErrors(const std::string& name) const;

  bool has_errors() const { return !errors_.empty(); }
  const std::vector<Diagnostic>& errors() const { return errors_; }
  const std::vector<Diagnostic>& warnings() const { return warnings_; }
  std::vector<Diagnostic> TakeErrors() { return std::move(errors_); }
  std::vector<Diagnostic> TakeWarnings() { return std::move(warnings_); }

 private:
  using Place = std::tuple<std::string, int, int>;  // file, line, column
  enum class Scope { kNone, kDefaults, kJob };

  void Emit(bool error, Diagnostic d);

  std::string fallback_file_;
  std::vector<Diagnostic> errors_, warnings_;
  Scope scope_ = Scope::kNone;
  std::string job_;  // in Scope::kJob
  std::map<std::string, int> job_errors_;
  std::set<Place> defaults_places_, defaults_reported_;
  std::set<std::pair<Place, std::string>> defaults_seen_;  // by place and job-free message
};

}  // namespace surety
