// The job file as text: what the loader reads in the bytes themselves,
// before toml++ parses them and after it refuses them.
//
// For: job_files.cc, which scans every file before parsing it (so that
// input toml++ mishandles never reaches it) and, after a syntax error, looks
// at the offending line for the usual cause. Not for: anything about the
// parsed structure (merged_view.h, toml_values.h).
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace surety {

// How many dotted parts a key may have, and so how deep tables may nest: far
// more than a job file needs ([jobs.NAME.preflight.free_space] is 4). The
// scan, the merge and the checks after it recurse once per level.
inline constexpr int kMaxTableDepth = 64;

// What the scan before parsing refuses, and where (1-based).
struct ScanProblem {
  enum class Kind {
    kNonAscii,  // a byte outside ASCII outside strings and comments
    kTooDeep,   // a key with more than kMaxTableDepth dotted parts
  };
  Kind kind = Kind::kNonAscii;
  int line = 0, column = 0;
  // What is wrong and how to fix it, for a diagnostic at line:column.
  std::string Message() const;
};

// Finds, by a scan that skips strings and comments, the first of:
//  - a key with more than kMaxTableDepth dotted parts ("[a.b.c…]" or
//    "a.b.c… = 1"): toml++ recurses once per part and overflows the stack
//    somewhere past 100,000 parts; reported at the key's first character;
//  - a byte outside ASCII outside strings and comments. TOML allows none
//    there (bare keys are A-Za-z0-9_-): this says so plainly, with the fix,
//    where toml++ would say "expected keys, saw 'ϋ'" (and, before job/toml.h,
//    reached undefined behaviour on some of them).
// A leading UTF-8 byte order mark is allowed. nullopt: nothing to refuse.
std::optional<ScanProblem> ScanBeforeParsing(std::string_view text);

// The message for tables nested deeper than kMaxTableDepth, wherever that
// is found (by the scan, or by the merge of parsed tables).
std::string TooDeepMessage();

// Line `n` (1-based) of `text`, without its newline; empty past the end.
std::string_view LineOf(std::string_view text, int n);

// "; text values are quoted in TOML: timeout = \"1h\"" when `line` assigns a
// bare word that TOML cannot read as a value (`timeout = 1h`, `overlap =
// skip`), the usual cause of a syntax error on such a line; empty otherwise.
std::string UnquotedValueHint(std::string_view line);

}  // namespace surety
