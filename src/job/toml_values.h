// TomlValues: typed reads of the merged job file, each reporting what is
// wrong with the value it reads, at the value.
//
// For: the builders (build_*.h), which turn the merged view (merged_view.h)
// into Config values. Each read takes a table (nullptr: absent, nothing to
// read), a key and the table's dotted name for messages ("jobs.db",
// "jobs.db.verify"), and returns the value, or nothing: absent, or wrong
// and reported ("jobs.db.timeout: invalid time span \"5mins\" (…); write
// e.g. \"30s\", …"). No read throws or asserts on what a file says. Not for:
// rules between keys (a job's command and its verify.path; the builders
// check those) or reading files (job_files.h).
//
// Ownership: borrows the sink and the map of file directories (JobFiles::
// dirs()), which must outlive it. Thread-safety: one load, one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "job/diagnostic_sink.h"
#include "job/job_spec.h"
#include "job/merged_view.h"
#include "job/toml.h"
#include "time/timespan.h"

namespace surety {

class TomlValues {
 public:
  // `dirs`: each file's directory by the file's name (JobFiles::dirs()),
  // which relative paths in it are relative to.
  TomlValues(DiagnosticSink& diags, const std::map<std::string, std::string>& dirs)
      : diags_(diags), dirs_(dirs) {}
  TomlValues(const TomlValues&) = delete;
  TomlValues& operator=(const TomlValues&) = delete;

  // Reports every key of `t` not in `allowed`, with the closest allowed
  // one ("did you mean 'schedule'?") or, if none is close, all of them.
  void CheckKeys(const MNode& t, const std::vector<std::string>& allowed, const std::string& ctx);

  // The table or value under `key` of `t`; with `want_table`, a value there
  // is reported and gives nullptr like a missing key.
  const MNode* Child(const MNode& t, const std::string& key, bool want_table,
                     const std::string& ctx = "");
  // The value under `key`; a table there is reported (once, however often
  // the key is looked up) and gives nullptr like a missing key.
  const toml::node* Leaf(const MNode* t, const std::string& key, const std::string& ctx);

  // A string without NUL characters.
  std::optional<std::string> String(const MNode* t, const std::string& key, const std::string& ctx);
  // A non-empty path; a relative one is made relative to the directory of
  // the file that says it (like an include), not to where surety runs.
  std::optional<std::string> Path(const MNode* t, const std::string& key, const std::string& ctx);
  // A string that, if not empty, must be an absolute path: surety checks
  // it (or the job starts in it) from wherever surety was started. A
  // relative one is reported and returned as written.
  std::optional<std::string> AbsolutePath(const MNode* t, const std::string& key,
                                          const std::string& ctx);
  std::optional<bool> Bool(const MNode* t, const std::string& key, const std::string& ctx);
  // A whole number from `lo` to `hi`.
  std::optional<int64_t> Int(const MNode* t, const std::string& key, const std::string& ctx,
                             int64_t lo, int64_t hi);
  // A time span as systemd writes it ("30s", "1h 30min"), or a whole number
  // of seconds. "infinity" only where it means something (kAllowed: no
  // timeout, never SIGKILL, wait as long as it takes).
  enum class Infinity { kRefused, kAllowed };
  std::optional<Timespan> Span(const MNode* t, const std::string& key, const std::string& ctx,
                               Infinity infinity = Infinity::kRefused);
  // A size: "500M", "5G", or a number of bytes.
  std::optional<uint64_t> ByteSize(const MNode* t, const std::string& key, const std::string& ctx);
  // A string or a list of strings, each with its node (for positions); a
  // bad element is reported and left out.
  std::vector<std::pair<std::string, const toml::node*>> StringNodes(const MNode* t,
                                                                     const std::string& key,
                                                                     const std::string& ctx);
  // A command: a non-empty argument list of strings (run directly) or a
  // non-blank string (run through /bin/sh -c). Empty when absent or wrong.
  Command CommandOf(const MNode* t, const std::string& key, const std::string& ctx);
  // Exit statuses and signals as systemd's SuccessExitStatus= reads them: a
  // number 0-255, or a string of words, each an exit status (a number or a
  // name such as TEMPFAIL) or else a signal (SIGPIPE). One value or a list.
  ExitStatusSet ExitSet(const MNode* t, const std::string& key, const std::string& ctx);

  // Reports that `n`, the value of `what`, holds a NUL character.
  void NulError(const toml::node& n, const std::string& what);
  // Reports that `path`, the value of `what` at `n`, is relative where an
  // absolute path is needed.
  void NotAbsolute(const toml::node& n, const std::string& what, const std::string& path);

 private:
  std::string RelativeToFile(const toml::node& n, const std::string& path) const;

  DiagnosticSink& diags_;
  const std::map<std::string, std::string>& dirs_;
  std::set<const MNode*> tables_reported_;  // by Leaf(), so each only once
};

// The exit status a word names: "0"-"255" or one of systemd's names
// ("TEMPFAIL" is 75); -1 for anything else.
int ExitCodeFromWord(const std::string& word);

// "a, b, c", for messages that list the names allowed.
std::string CommaList(const std::vector<std::string>& names);

bool HasNul(std::string_view s);

}  // namespace surety
