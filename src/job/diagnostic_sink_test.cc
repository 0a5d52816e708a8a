#include "job/diagnostic_sink.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace surety {
namespace {

toml::source_region Region(const std::string& file, unsigned line, unsigned column) {
  toml::source_region r;
  r.begin = {line, column};
  r.end = r.begin;
  if (!file.empty()) r.path = std::make_shared<const std::string>(file);
  return r;
}

std::vector<std::string> Strings(const std::vector<Diagnostic>& list) {
  std::vector<std::string> out;
  for (const Diagnostic& d : list) out.push_back(d.ToString() + " [" + d.job + "]");
  return out;
}

TEST(DiagnosticSink, PlacesRegionsAndFallsBackToTheFirstFile) {
  DiagnosticSink sink;
  sink.Error(nullptr, "before any file");
  sink.set_fallback_file("/etc/surety/surety.toml");
  sink.Error(Region("inc.toml", 2, 5), "in a file");
  sink.Error(Region("", 3, 1), "a region without a file");
  sink.Error(nullptr, "the first file as a whole");
  sink.Warn(Region("inc.toml", 4, 1), "a warning");
  sink.Error(Diagnostic{"", 0, 0, "placed by the caller"});
  EXPECT_EQ(Strings(sink.errors()), (std::vector<std::string>{
                                        ": before any file []",
                                        "inc.toml:2:5: in a file []",
                                        "/etc/surety/surety.toml:3:1: a region without a file []",
                                        "/etc/surety/surety.toml: the first file as a whole []",
                                        ": placed by the caller []",
                                    }));
  EXPECT_EQ(Strings(sink.warnings()), (std::vector<std::string>{"inc.toml:4:1: a warning []"}));
  EXPECT_TRUE(sink.has_errors());
  EXPECT_EQ(sink.TakeErrors().size(), 5u);
}

// The seam for per-job error scoping: what a job's checks find names the
// job, what is found outside every job names none, and the sink can say
// which jobs had errors.
TEST(DiagnosticSink, AJobScopeTagsWhatItsChecksFindAndCountsItsErrors) {
  DiagnosticSink sink;
  sink.Error(Region("a.toml", 1, 1), "global");
  {
    DiagnosticSink::JobScope scope(sink, "db");
    sink.Error(Region("a.toml", 5, 1), "jobs.db.timeout: bad");
    sink.Warn(Region("a.toml", 6, 1), "jobs.db.persistent: no effect");
  }
  {
    DiagnosticSink::JobScope scope(sink, "web");
    sink.Warn(Region("a.toml", 9, 1), "jobs.web: no schedule");
  }
  sink.Error(Region("a.toml", 20, 1), "after the jobs");
  EXPECT_EQ(Strings(sink.errors()), (std::vector<std::string>{
                                        "a.toml:1:1: global []",
                                        "a.toml:5:1: jobs.db.timeout: bad [db]",
                                        "a.toml:20:1: after the jobs []",
                                    }));
  EXPECT_EQ(Strings(sink.warnings()), (std::vector<std::string>{
                                          "a.toml:6:1: jobs.db.persistent: no effect [db]",
                                          "a.toml:9:1: jobs.web: no schedule [web]",
                                      }));
  EXPECT_TRUE(sink.JobHasErrors("db"));
  EXPECT_FALSE(sink.JobHasErrors("web"));  // a warning is no error
  EXPECT_FALSE(sink.JobHasErrors(""));
}

TEST(DiagnosticSink, AProblemInDefaultsIsListedOnceButCountsForEveryJob) {
  DiagnosticSink sink;
  const toml::source_region timeout = Region("a.toml", 2, 11);
  const toml::source_region persistent = Region("a.toml", 3, 1);
  sink.NoteDefaultsPlace(timeout);
  sink.NoteDefaultsPlace(persistent);
  {
    DiagnosticSink::DefaultsScope scope(sink);
    sink.Error(timeout, "defaults.timeout: bad");
  }
  for (const std::string job : {"a", "b"}) {
    DiagnosticSink::JobScope scope(sink, job);
    sink.Error(timeout, "jobs." + job + ".timeout: bad");  // reported by [defaults]
    sink.Warn(persistent, "jobs." + job + ".persistent has no effect");
    sink.Error(Region("a.toml", 10, 1), "jobs." + job + ": its own");
  }
  EXPECT_EQ(Strings(sink.errors()), (std::vector<std::string>{
                                        "a.toml:2:11: defaults.timeout: bad []",
                                        "a.toml:10:1: jobs.a: its own [a]",
                                        "a.toml:10:1: jobs.b: its own [b]",
                                    }));
  // First found by job a: listed once, as a's.
  EXPECT_EQ(Strings(sink.warnings()),
            (std::vector<std::string>{"a.toml:3:1: jobs.a.persistent has no effect [a]"}));
  EXPECT_TRUE(sink.JobHasErrors("a"));
  EXPECT_TRUE(sink.JobHasErrors("b"));
}

TEST(DiagnosticSink, AnotherMessageAtAPlaceInDefaultsIsListedToo) {
  DiagnosticSink sink;
  const toml::source_region overlap = Region("a.toml", 4, 1);
  sink.NoteDefaultsPlace(overlap);
  {
    DiagnosticSink::JobScope scope(sink, "a");
    sink.Warn(overlap, "jobs.a.overlap: one thing");
  }
  {
    DiagnosticSink::JobScope scope(sink, "b");
    sink.Warn(overlap, "jobs.b.overlap: one thing");
    sink.Warn(overlap, "jobs.b.overlap: another thing");
  }
  EXPECT_EQ(Strings(sink.warnings()), (std::vector<std::string>{
                                          "a.toml:4:1: jobs.a.overlap: one thing [a]",
                                          "a.toml:4:1: jobs.b.overlap: another thing [b]",
                                      }));
}

}  // namespace
}  // namespace surety
