#include "time/glibc_zone.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace surety {

namespace {

// One TZif type record.
struct TzifType {
  int32_t offset = 0;
  bool isdst = false;
  size_t abbr = 0;  // index into the abbreviation bytes
  bool isstd = false;
  bool isut = false;
};

struct Tzif {
  std::vector<int64_t> transitions;
  std::vector<uint8_t> type_of;  // per transition
  std::vector<TzifType> types;
  std::string chars;  // the abbreviations, NUL-separated
  size_t leaps = 0;
  std::optional<std::string> footer;
};

int64_t BigEndian(std::string_view b, size_t at, size_t width) {
  uint64_t v = 0;
  for (size_t k = 0; k < width; ++k) v = (v << 8) | static_cast<unsigned char>(b[at + k]);
  if (width == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

// Reads a TZif file as glibc's __tzfile_read() does: the 64-bit block of a
// version 2+ file with its footer, else the 32-bit block. nullopt where glibc
// gives up.
std::optional<Tzif> ReadTzif(std::string_view b) {
  constexpr size_t kHeader = 44;
  size_t pos = 0;
  size_t width = 4;
  while (true) {
    if (b.size() - pos < kHeader || b.substr(pos, 4) != "TZif") return std::nullopt;
    const char version = b[pos + 4];
    auto count = [&](size_t at) { return static_cast<size_t>(BigEndian(b, pos + at, 4)); };
    const size_t isut = count(20), isstd = count(24), leaps = count(28), times = count(32),
                 types = count(36), chars = count(40);
    if (isstd > types || isut > types) return std::nullopt;
    // Far beyond any real file; keeps the size arithmetic below exact.
    if (times > (1u << 20) || types > 256 || chars > (1u << 16) || leaps > (1u << 16))
      return std::nullopt;
    pos += kHeader;
    const size_t body =
        times * (width + 1) + types * 6 + chars + leaps * (width + 4) + isstd + isut;
    if (b.size() - pos < body) return std::nullopt;
    if (width == 4 && version != '\0') {
      pos += body;
      width = 8;
      continue;
    }
    Tzif z;
    z.leaps = leaps;
    for (size_t i = 0; i < times; ++i)
      z.transitions.push_back(BigEndian(b, pos + i * width, width));
    pos += times * width;
    for (size_t i = 0; i < times; ++i) {
      const auto idx = static_cast<uint8_t>(b[pos + i]);
      if (idx >= types) return std::nullopt;
      z.type_of.push_back(idx);
    }
    pos += times;
    for (size_t i = 0; i < types; ++i) {
      TzifType t;
      t.offset = static_cast<int32_t>(BigEndian(b, pos, 4));
      const auto isdst = static_cast<unsigned char>(b[pos + 4]);
      t.abbr = static_cast<unsigned char>(b[pos + 5]);
      if (isdst > 1 || t.abbr > chars) return std::nullopt;
      t.isdst = isdst == 1;
      z.types.push_back(t);
      pos += 6;
    }
    z.chars = std::string(b.substr(pos, chars)) + '\0';
    pos += chars + leaps * (width + 4);
    for (size_t i = 0; i < isstd; ++i) z.types[i].isstd = b[pos + i] != 0;
    pos += isstd;
    for (size_t i = 0; i < isut; ++i) z.types[i].isut = b[pos + i] != 0;
    pos += isut;
    if (width == 8) {
      // glibc wants at least "\n" and one more byte; the last byte (the
      // closing newline) is never part of the rule.
      const size_t rest = b.size() - pos;
      if (rest < 2) return std::nullopt;
      if (b[pos] == '\n') {
        std::string footer(b.substr(pos + 1, rest - 2));
        footer.resize(std::strlen(footer.c_str()));  // glibc reads a C string
        if (!footer.empty()) z.footer = std::move(footer);
      }
    }
    return z;
  }
}

// Transitions in increasing order, as every real file has them; glibc does
// not check, and what its search makes of a damaged file is not worth
// imitating.
template <typename T, typename At>
bool Increasing(const std::vector<T>& v, At at) {
  for (size_t i = 1; i < v.size(); ++i)
    if (at(v[i]) <= at(v[i - 1])) return false;
  return true;
}

}  // namespace

GlibcZone::GlibcZone(PosixTz tz) : rule_(std::move(tz)), has_rule_(true), rule_only_(true) {
  tzname_[0] = rule_.name[0];
  tzname_[1] = rule_.name[1];
  utc_like_ = rule_.offset[0] == 0 && rule_.offset[1] == 0;
}

std::unique_ptr<GlibcZone> GlibcZone::FromTzif(std::string_view tzif) {
  std::optional<Tzif> file = ReadTzif(tzif);
  if (!file || file->types.empty() || file->leaps > 0 ||
      !Increasing(file->transitions, [](int64_t t) { return t; }))
    return nullptr;
  std::unique_ptr<GlibcZone> z(new GlibcZone());
  z->chars_ = std::move(file->chars);
  for (const TzifType& t : file->types)
    z->types_.push_back(Answer{t.offset, t.isdst, z->chars_.c_str() + t.abbr});
  for (size_t i = 0; i < file->transitions.size(); ++i)
    z->transitions_.push_back(Transition{file->transitions[i], file->type_of[i]});
  // Before the first transition: the first standard-time type, or the first
  // type if all are daylight time.
  z->before_ = z->types_[0];
  for (const Answer& a : z->types_) {
    if (!a.isdst) {
      z->before_ = a;
      break;
    }
  }
  if (file->footer) {
    z->rule_ = ParsePosixTz(*file->footer);
    z->has_rule_ = true;
  }
  // tzname[]: the latest standard and daylight names among the transitions.
  bool have[2] = {false, false};
  for (size_t i = z->transitions_.size(); i-- > 0 && !(have[0] && have[1]);) {
    const Answer& a = z->types_[z->transitions_[i].type];
    const int k = a.isdst ? 1 : 0;
    if (!have[k]) {
      z->tzname_[k] = a.abbr;
      have[k] = true;
    }
  }
  if (!have[0]) z->tzname_[0] = z->chars_.substr(0, z->chars_.find('\0'));  // the first name
  if (!have[1]) z->tzname_[1] = z->tzname_[0];
  // "(in UTC)" lines: after the last transition glibc's `timezone` and
  // `daylight` come from the footer; before it, or without one, from the
  // latest standard-time offset and whether any transition is to daylight
  // time (Debian's glibc 2.36, with the fix of glibc bug 29951).
  if (z->has_rule_ && !z->transitions_.empty()) {
    z->utc_like_ = z->rule_.offset[0] == 0 && z->rule_.offset[1] == 0;
  } else {
    int32_t std_offset = z->types_[0].offset;
    bool any_dst = false;
    for (size_t i = z->transitions_.size(); i-- > 0;) {
      const Answer& a = z->types_[z->transitions_[i].type];
      any_dst = any_dst || a.isdst;
    }
    for (size_t i = z->transitions_.size(); i-- > 0;) {
      const Answer& a = z->types_[z->transitions_[i].type];
      if (!a.isdst) {
        std_offset = a.offset;
        break;
      }
    }
    z->utc_like_ = std_offset == 0 && !any_dst;
  }
  return z;
}

std::unique_ptr<GlibcZone> GlibcZone::WithDefaultRules(const PosixTz& tz, std::string_view tzif,
                                                       int32_t rule_dstoff) {
  std::optional<Tzif> file = ReadTzif(tzif);
  if (!file || file->types.size() < 2) return nullptr;
  // The file's standard offset, from its latest standard-time transition
  // (glibc's rule_stdoff), and whether it has daylight time at all.
  int32_t file_std = file->types[0].offset;
  for (size_t i = file->transitions.size(); i-- > 0;) {
    const TzifType& type = file->types[file->type_of[i]];
    if (!type.isdst) {
      file_std = type.offset;
      break;
    }
  }
  bool file_has_dst = false;
  for (const TzifType& type : file->types) file_has_dst = file_has_dst || type.isdst;
  std::unique_ptr<GlibcZone> z(new GlibcZone());
  z->tzname_[0] = tz.name[0];
  z->tzname_[1] = tz.name[1];
  // glibc's `daylight` stays set by the file's daylight types.
  z->utc_like_ = tz.offset[0] == 0 && !file_has_dst;
  z->types_ = {Answer{tz.offset[0], false, z->tzname_[0].c_str()},
               Answer{tz.offset[1], true, z->tzname_[1].c_str()}};
  z->before_ = z->types_[0];
  // Each transition is moved as glibc's __tzfile_default() moves it: one in
  // UT not at all; one in local wall time that follows daylight time by the
  // user's daylight offset less glibc's rule_dstoff; any other by the user's
  // standard offset less the file's. Debian's glibc 2.36 (with the fix of
  // glibc bug 29951) no longer derives rule_dstoff from a file with
  // transitions: it holds what the previous setup left — 0 at a process's
  // first, the user's daylight offset at every later one, where such a
  // transition therefore does not move. (Checked with TZ=CET-1CEST, Debian's
  // posixrules being New York: daylight time from 13:00 UTC on the US start
  // day, 07:00 + 6 h; standard time from 08:00 UTC on the US end day after
  // one tzset(), from 06:00 after two.)
  bool isdst = false;
  for (size_t i = 0; i < file->transitions.size(); ++i) {
    const TzifType& type = file->types[file->type_of[i]];
    int64_t at = file->transitions[i];
    if (type.isut) {
      // in UT already
    } else if (isdst && !type.isstd) {
      at += tz.offset[1] - rule_dstoff;
    } else {
      at += tz.offset[0] - file_std;
    }
    isdst = type.isdst;
    z->transitions_.push_back(Transition{at, type.isdst ? size_t{1} : size_t{0}});
  }
  // Moved transitions could come out of order only for offsets no real file
  // and TZ value have (they are months apart); see Increasing().
  if (!Increasing(z->transitions_, [](const Transition& t) { return t.at; })) return nullptr;
  // Past the last transition glibc evaluates the file's footer, with the
  // footer's own offsets and names. (A footer that itself lacks rules would
  // make glibc reload the file mid-conversion; zic never writes one.)
  if (file->footer) {
    z->rule_ = ParsePosixTz(*file->footer);
    z->has_rule_ = true;
  }
  return z;
}

GlibcZone::Answer GlibcZone::FromRule(int64_t unix_seconds) const {
  const int dst = PosixTzIsDaylight(rule_, unix_seconds) ? 1 : 0;
  return Answer{rule_.offset[dst], dst == 1, rule_.name[dst].c_str()};
}

GlibcZone::Answer GlibcZone::At(int64_t unix_seconds) const {
  if (rule_only_) return FromRule(unix_seconds);
  if (transitions_.empty() || unix_seconds < transitions_.front().at) return before_;
  if (unix_seconds >= transitions_.back().at) {
    return has_rule_ ? FromRule(unix_seconds) : types_[transitions_.back().type];
  }
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), unix_seconds,
                             [](int64_t t, const Transition& tr) { return t < tr.at; });
  return types_[(it - 1)->type];
}

std::vector<int64_t> GlibcZone::ChangesBetween(int64_t from, int64_t to) const {
  std::vector<int64_t> out;
  auto add = [&](int64_t t) {
    if (t > from && t <= to) out.push_back(t);
  };
  for (const Transition& tr : transitions_) add(tr.at);
  const bool rule_used = rule_only_ || (has_rule_ && !transitions_.empty());
  if (rule_used) {
    // The rule answers from the last transition on, year by year.
    int64_t first = UtcYearOf(from);
    if (!rule_only_) first = std::max(first, UtcYearOf(transitions_.back().at));
    for (int64_t year = first; year <= UtcYearOf(to); ++year) {
      const int64_t begin = UtcYearStart(year), end = UtcYearStart(year + 1);
      add(begin);
      for (int which = 0; which < 2; ++which) {
        const int64_t c = PosixTzChange(rule_, which, year);
        if (c >= begin && c < end) add(c);
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<GlibcZone::Change> GlibcZone::ChangesWithAnswers(int64_t from, int64_t to) const {
  std::vector<Change> out = {Change{from, At(from)}};
  if (!rule_only_) {
    // The transitions up to the last, each with its own type; At() answers
    // the last one from the rule, if there is one.
    for (size_t i = 0; i < transitions_.size(); ++i) {
      const Transition& tr = transitions_[i];
      if (tr.at <= from || tr.at > to) continue;
      const bool last = i + 1 == transitions_.size();
      out.push_back(Change{tr.at, last && has_rule_ ? FromRule(tr.at) : types_[tr.type]});
    }
    if (!has_rule_ || transitions_.empty()) return out;
  }
  // The rule's changes, year by year, from the last transition on.
  const int64_t rule_from = rule_only_ ? from : std::max(from, transitions_.back().at);
  std::vector<int64_t> at;
  for (int64_t year = UtcYearOf(rule_from); year <= UtcYearOf(to); ++year) {
    const int64_t begin = UtcYearStart(year), end = UtcYearStart(year + 1);
    at.clear();
    at.push_back(begin);
    for (int which = 0; which < 2; ++which) {
      const int64_t c = PosixTzChange(rule_, which, year);
      if (c >= begin && c < end) at.push_back(c);
    }
    std::sort(at.begin(), at.end());
    for (int64_t t : at)
      if (t > rule_from && t <= to && t > out.back().at) out.push_back(Change{t, FromRule(t)});
  }
  return out;
}

}  // namespace surety
