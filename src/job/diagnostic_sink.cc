#include "job/diagnostic_sink.h"

#include <cassert>

namespace surety {

Diagnostic DiagnosticSink::At(const toml::source_region& where, std::string message) const {
  return Diagnostic{where.path ? *where.path : fallback_file_, static_cast<int>(where.begin.line),
                    static_cast<int>(where.begin.column), std::move(message)};
}

void DiagnosticSink::Error(const toml::source_region& where, std::string message) {
  Emit(true, At(where, std::move(message)));
}

void DiagnosticSink::Error(const toml::source_region* where, std::string message) {
  if (where)
    Error(*where, std::move(message));
  else
    Emit(true, Diagnostic{fallback_file_, 0, 0, std::move(message)});
}

void DiagnosticSink::Warn(const toml::source_region& where, std::string message) {
  Emit(false, At(where, std::move(message)));
}

void DiagnosticSink::NoteDefaultsPlace(const toml::source_region& where) {
  const Diagnostic d = At(where, "");
  defaults_places_.insert({d.file, d.line, d.column});
}

DiagnosticSink::DefaultsScope::DefaultsScope(DiagnosticSink& sink) : sink_(sink) {
  assert(sink_.scope_ == Scope::kNone);
  sink_.scope_ = Scope::kDefaults;
}
DiagnosticSink::DefaultsScope::~DefaultsScope() { sink_.scope_ = Scope::kNone; }

DiagnosticSink::JobScope::JobScope(DiagnosticSink& sink, std::string name) : sink_(sink) {
  assert(sink_.scope_ == Scope::kNone);
  sink_.scope_ = Scope::kJob;
  sink_.job_ = std::move(name);
}
DiagnosticSink::JobScope::~JobScope() {
  sink_.scope_ = Scope::kNone;
  sink_.job_.clear();
}

bool DiagnosticSink::JobHasErrors(const std::string& name) const {
  return job_errors_.count(name) > 0;
}

void DiagnosticSink::Emit(bool error, Diagnostic d) {
  const Place place{d.file, d.line, d.column};
  if (scope_ == Scope::kDefaults) {
    defaults_reported_.insert(place);
  } else if (scope_ == Scope::kJob) {
    d.job = job_;
    if (error) ++job_errors_[job_];
    if (defaults_places_.count(place)) {
      if (defaults_reported_.count(place)) return;
      // Every job inheriting the value finds the same problem, each naming
      // itself: "jobs.a.persistent …", "jobs.b.persistent …". Once is enough.
      const std::string self = "jobs." + job_;
      std::string key = d.message;
      for (size_t at = key.find(self); at != std::string::npos; at = key.find(self, at + 1))
        key.replace(at, self.size(), "jobs.*");
      if (!defaults_seen_.insert({place, key}).second) return;
    }
  }
  (error ? errors_ : warnings_).push_back(std::move(d));
}

}  // namespace surety
