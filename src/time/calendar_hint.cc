#include "time/calendar_hint.h"

#include <algorithm>
#include <vector>

#include "base/strings.h"
#include "time/cron.h"

namespace surety {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// Edits (insertions, deletions, substitutions, swaps of neighbours) that
// turn a into b; stops counting past `limit`.
size_t Distance(std::string_view a, std::string_view b, size_t limit) {
  const size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  std::vector<size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    for (size_t j = 1; j <= m; ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > limit) return limit + 1;
    prev2.swap(prev);
    prev.swap(cur);
  }
  return prev[m];
}

// The characters of a zone name, with at least one letter.
bool LooksLikeZone(std::string_view w) {
  if (w.empty() || w.size() > 64 || w.front() == '/') return false;
  bool letter = false;
  for (char c : w) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    letter = letter || alpha;
    if (!alpha && !IsAsciiDigit(c) && c != '_' && c != '+' && c != '-' && c != '/') return false;
  }
  return letter;
}

// The known name closest to `word`: compared whole and, for a word without
// an area ("Berlin"), with each name's last part. Ties go to the earlier
// name (zones come before links).
std::optional<std::string> Closest(std::string_view word, const std::vector<std::string>& names) {
  const std::string w = Lower(word);
  const bool has_area = w.find('/') != std::string::npos;
  const size_t limit = w.size() <= 4 ? 1 : (w.size() <= 10 ? 2 : 3);
  size_t best = limit + 1;
  const std::string* found = nullptr;
  for (const std::string& name : names) {
    const std::string n = Lower(name);
    size_t d = Distance(w, n, std::min(limit, best));
    if (!has_area) {
      const size_t slash = n.rfind('/');
      if (slash != std::string::npos)
        d = std::min(d, Distance(w, std::string_view(n).substr(slash + 1), std::min(limit, best)));
    }
    if (d < best) {
      best = d;
      found = &name;
    }
  }
  if (!found) return std::nullopt;
  return *found;
}

}  // namespace

std::optional<std::string> CalendarHint(std::string_view spec, const CalendarParseContext& ctx) {
  CalendarParseContext quiet = ctx;
  quiet.mktime = nullptr;

  if (LooksLikeCron(spec)) {
    auto specs = CronToCalendar(spec);
    if (!specs.ok()) return "this looks like cron, but " + specs.status().message();
    if (specs->size() == 1)
      return "this looks like cron; the calendar spec is `" + (*specs)[0] + "`";
    std::string out = "this looks like cron; the calendar specs are ";
    for (size_t i = 0; i < specs->size(); ++i) {
      if (i > 0) out += i + 1 == specs->size() ? " and " : ", ";
      out += "`" + (*specs)[i] + "`";
    }
    return out + " (cron runs when either the day of the month or the weekday matches)";
  }

  // A last word that was meant as a time zone.
  const size_t space = spec.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view word = spec.substr(space + 1), head = spec.substr(0, space);
  if (!LooksLikeZone(word) || quiet.zones->IsValidName(word)) return std::nullopt;
  const bool has_area = word.find('/') != std::string_view::npos;
  // Without an area ("daily Berlin") the word is only taken for a zone when
  // the rest is a valid spec and a zone name is close.
  if (!has_area && (head.empty() || !ParseCalendarSpec(head, quiet).ok())) return std::nullopt;
  const std::optional<std::string> close = Closest(word, quiet.zones->KnownNames());
  const std::string unknown = "unknown time zone `" + std::string(word) + "`";
  if (close) return unknown + "; did you mean `" + *close + "`?";
  if (has_area) return unknown;
  return std::nullopt;
}

std::string ExplainInvalidCalendar(std::string_view spec, std::string_view parse_error,
                                   const CalendarParseContext& ctx) {
  if (std::optional<std::string> hint = CalendarHint(spec, ctx)) return *hint;
  return std::string(parse_error);
}

}  // namespace surety
