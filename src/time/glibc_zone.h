// GlibcZone: a local time zone as glibc 2.36 evaluates it — from a TZif
// file, from a POSIX rule, or from both.
//
// For: the answers systemd gets from localtime() and, through it, mktime().
// glibc's model of a zone is a list of transitions (from a TZif file) and a
// rule for every instant from the last transition on (the file's footer, or
// the TZ value itself when it is no file); GlibcZone re-derives glibc's
// tzfile.c over that model:
//  * before the first transition, or in a file without any, the first
//    standard-time type of the file (never its footer);
//  * at and after the last transition, the footer rule with its own offsets
//    and names (posix_tz.h computes it per UTC year);
//  * a TZ daylight zone without rules ("CET-1CEST") takes the transitions of
//    the tz database's `posixrules` file moved to the given offsets, and past
//    that file's last transition the file's footer — on Debian New York's,
//    with New York's offsets and names.
// The bytes of a file come from the caller (ZoneDb reads them); Zone wraps a
// GlibcZone into what the rest of surety uses.
//
// Not for: files with leap-second records (the "right/" zones); FromTzif()
// refuses them and Zone falls back to cctz.
//
// Thread-safety: immutable after construction and may be shared; the
// abbreviations it hands out live as long as it does.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "time/posix_tz.h"

namespace surety {

class GlibcZone {
 public:
  struct Answer {
    int32_t offset;  // seconds east of UTC
    bool isdst;
    const char* abbr;  // owned by this GlibcZone
  };

  // A zone run by the rules of `tz` alone (a TZ value that is no file).
  explicit GlibcZone(PosixTz tz);
  // The zone of a TZif file, or null where glibc would not read it (not TZif,
  // damaged) or where surety does not (leap seconds, transitions out of
  // order).
  static std::unique_ptr<GlibcZone> FromTzif(std::string_view tzif);
  // The zone glibc builds for a daylight zone without rules from the bytes of
  // the posixrules TZif file. `rule_dstoff` is what glibc's static of that
  // name holds when it builds the zone: 0 at a process's first setup, the
  // user's daylight offset (tz.offset[1]) at every later one (see
  // glibc_zone.cc). Null when glibc would not use the file (not TZif,
  // damaged, fewer than two types), or when the moved transitions come out
  // of order; the caller then uses GlibcZone(tz).
  // REQUIRES: tz.wants_default_rules.
  static std::unique_ptr<GlibcZone> WithDefaultRules(const PosixTz& tz, std::string_view tzif,
                                                     int32_t rule_dstoff);

  GlibcZone(const GlibcZone&) = delete;
  GlibcZone& operator=(const GlibcZone&) = delete;

  Answer At(int64_t unix_seconds) const;

  // Every instant in (from, to] at which At() may change, ascending; At() is
  // constant between consecutive ones.
  std::vector<int64_t> ChangesBetween(int64_t from, int64_t to) const;

  // At(from) as (from, answer), then (t, At(t)) for every t in (from, to] of
  // ChangesBetween(): the same as calling At() there, only cheaper.
  struct Change {
    int64_t at;
    Answer answer;
  };
  std::vector<Change> ChangesWithAnswers(int64_t from, int64_t to) const;

  // tzname[] as glibc leaves it after tzset().
  const std::string& tzname(int i) const { return tzname_[i ? 1 : 0]; }
  // Whether systemd leaves out the "(in UTC)" lines (glibc's `timezone == 0
  // && daylight == 0`) for the instants of today: after the last transition
  // of a file glibc takes both from the footer rule, before it from the file.
  bool utc_like() const { return utc_like_; }
  // True if the zone has transitions of its own (a file's or posixrules').
  bool has_transitions() const { return !transitions_.empty(); }

 private:
  GlibcZone() = default;
  Answer FromRule(int64_t unix_seconds) const;

  struct Transition {
    int64_t at;
    size_t type;  // index into types_
  };
  std::vector<Transition> transitions_;
  std::vector<Answer> types_;
  Answer before_ = {0, false, ""};  // before the first transition
  // The rule from the last transition on: a file's footer, posixrules'
  // footer, or (rule_only_) the TZ value for every instant.
  PosixTz rule_;
  bool has_rule_ = false;
  bool rule_only_ = false;
  std::string chars_;  // a file's abbreviations, NUL-separated
  std::string tzname_[2];
  bool utc_like_ = false;
};

}  // namespace surety
