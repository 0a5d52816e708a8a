// CronToCalendar: tables of conversions and refusals, and a test by meaning:
// for about 2,000 generated cron expressions, the next 50 elapses of the
// converted calendar specs (NextElapse) must be the next 50 times an
// independent cron matcher, written here, accepts.
#include "time/cron.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "time/calendar_spec.h"
#include "time/timestamp.h"
#include "time/zone.h"

namespace surety {
namespace {

struct Row {
  const char* cron;
  std::vector<std::string> specs;
};

const Row kConversions[] = {
    {"0 2 * * *", {"*-*-* 02:00:00"}},
    {"30 4 * * *", {"*-*-* 04:30:00"}},
    {"* * * * *", {"*-*-* *:*:00"}},
    {"*/15 * * * *", {"*-*-* *:00/15:00"}},
    {"5/20 * * * *", {"*-*-* *:05/20:00"}},      // "N/S": from N to the end
    {"5/25 * * * *", {"*-*-* *:05..55/25:00"}},  // does not wrap onto 05
    {"0-30/10 * * * *", {"*-*-* *:00..30/10:00"}},
    {"0 9-17 * * mon-fri", {"Mon..Fri *-*-* 09..17:00:00"}},
    {"0 9-17 * * 1-5", {"Mon..Fri *-*-* 09..17:00:00"}},
    {"0 8,12 * * 6,0", {"Sat,Sun *-*-* 08,12:00:00"}},
    {"0 8 * * 7", {"Sun *-*-* 08:00:00"}},  // Sunday is 7 too
    {"0 8 * * 5-7", {"Fri..Sun *-*-* 08:00:00"}},
    {"0 8 * * 0,1", {"Mon,Sun *-*-* 08:00:00"}},
    {"0 0 1 */3 *", {"*-01/3-01 00:00:00"}},
    {"0 0 1 */5 *", {"*-01..11/5-01 00:00:00"}},  // 13 - 1 is no multiple of 5
    {"0 */10 * * *", {"*-*-* 00..20/10:00:00"}},  // nor is 24 of 10
    {"0 0 1 jan,JUL *", {"*-01,07-01 00:00:00"}},
    {"0 0 29 2 *", {"*-02-29 00:00:00"}},
    {"15 10 1-3,10,20-31 * *", {"*-*-01..03,10,20..31 10:15:00"}},
    {"0 0 1,2 * *", {"*-*-01,02 00:00:00"}},
    {"0 12 */2 * *", {"*-*-01..31/2 12:00:00"}},  // months differ in length
    // Both day fields restricted: cron runs when either matches.
    {"0 0 1,15 * 1", {"*-*-01,15 00:00:00", "Mon *-*-* 00:00:00"}},
    {"0 0 1-7 * fri", {"*-*-01..07 00:00:00", "Fri *-*-* 00:00:00"}},
    // A day field that starts with '*' is unrestricted to cron: both must match.
    {"0 0 */2 * 1", {"Mon *-*-01..31/2 00:00:00"}},
    {"0 0 1 * *", {"*-*-01 00:00:00"}},
    {"0 0 * * */2", {"Tue,Thu,Sat,Sun *-*-* 00:00:00"}},
    // Either field covering every day makes every day.
    {"0 0 1-31 * 1", {"*-*-* 00:00:00"}},
    {"0 0 5 * 0-7", {"*-*-* 00:00:00"}},
    {"@yearly", {"*-01-01 00:00:00"}},
    {"@annually", {"*-01-01 00:00:00"}},
    {"@monthly", {"*-*-01 00:00:00"}},
    {"@weekly", {"Sun *-*-* 00:00:00"}},
    {"@daily", {"*-*-* 00:00:00"}},
    {"@midnight", {"*-*-* 00:00:00"}},
    {"@HOURLY", {"*-*-* *:00:00"}},
    {"  0\t2  *  *  *  ", {"*-*-* 02:00:00"}},
};

TEST(CronToCalendar, ConvertsToNormalizedSpecs) {
  for (const Row& row : kConversions) {
    SCOPED_TRACE(row.cron);
    auto got = CronToCalendar(row.cron);
    ASSERT_TRUE(got.ok()) << got.status().message();
    EXPECT_EQ(*got, row.specs);
  }
}

struct Refusal {
  const char* cron;
  const char* says;  // a part of the message
};

const Refusal kRefusals[] = {
    {"0 2 L * *", "`L` (the last day of the month) is Quartz syntax"},
    {"0 2 L * *", "`*-*~01`"},
    {"0 2 15W * *", "`W` (the nearest weekday)"},
    {"0 2 LW * *", "`W`"},
    {"0 2 * * 5L", "`5L` (the last such weekday of the month)"},
    {"0 2 * * 1#2", "`Mon *-*-08..14`"},
    {"0 2 ? * 1", "`?` is Quartz syntax"},
    {"@reboot", "@reboot runs once when the machine starts"},
    {"@fortnightly", "unknown cron nickname `@fortnightly`"},
    {"0 0 2 * * *", "this has 6"},
    {"0 0 2 * * * 2025", "this has 7"},
    {"0 2 * *", "this has 4"},
    {"60 2 * * *", "`60` is out of range: the minute goes from 0 to 59"},
    {"0 24 * * *", "the hour goes from 0 to 23"},
    {"0 0 0 * *", "the day-of-month goes from 1 to 31"},
    {"0 0 32 * *", "the day-of-month goes from 1 to 31"},
    {"0 0 * 13 *", "the month goes from 1 to 12"},
    {"0 0 * * 8", "(0 and 7 are Sunday)"},
    {"0 0 * foo *", "`foo` is not a month"},
    {"0 0 * * funday", "`funday` is not a weekday"},
    {"0 0 * mon *", "`mon` is not a month"},
    {"x 0 * * *", "`x` is not a number"},
    {"0 22-2 * * *", "goes downwards"},
    {"0 22-2 * * *", "`22-23,0-2`"},
    {"*/0 * * * *", "a step of 0 never advances"},
    {"*/ * * * *", "`/` needs a step"},
    {"*/x * * * *", "the step `x` is not a number"},
    {"1,,2 * * * *", "an empty list item"},
    {"-5 * * * *", "`-5` is not a number"},
};

TEST(CronToCalendar, RefusesWithAReason) {
  for (const Refusal& r : kRefusals) {
    SCOPED_TRACE(r.cron);
    auto got = CronToCalendar(r.cron);
    ASSERT_FALSE(got.ok()) << (got.ok() ? (*got)[0] : "");
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(got.status().message().find(r.says), std::string::npos) << got.status().message();
  }
}

TEST(CronToCalendar, LooksLikeCron) {
  for (const char* yes : {"0 2 * * *", "*/5 * * * mon-fri", "@daily", "@reboot", "0 0 2 * * *",
                          "0 2 L * ?", "0 2 * * 1#2", "0 2 15W * *"}) {
    EXPECT_TRUE(LooksLikeCron(yes)) << yes;
  }
  for (const char* no :
       {"daily", "*-*-* 02:00", "Mon..Fri 02:30", "0 2 * *", "@", "@1700000000", "1 2 3 4 5 6 7 8",
        "0 2 * * * Europe/Berlin", "0 2:00 * * *", "0 2 * * monday"}) {
    EXPECT_FALSE(LooksLikeCron(no)) << no;
  }
}

// --- By meaning -----------------------------------------------------------

// An independent reading of a cron field, written for this test: the set of
// values, and whether the text starts with '*'.
struct Set {
  std::array<bool, 64> has{};
  bool star = false;
};

int NameOrNumber(const std::string& t, int kind) {
  static const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                  "jul", "aug", "sep", "oct", "nov", "dec"};
  static const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  std::string l = t;
  for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (kind == 3)
    for (int i = 0; i < 12; ++i)
      if (l == kMonths[i]) return i + 1;
  if (kind == 4)
    for (int i = 0; i < 7; ++i)
      if (l == kDays[i]) return i;
  return std::stoi(t);
}

Set ReadField(const std::string& text, int kind) {
  static const int kLo[] = {0, 0, 1, 1, 0}, kHi[] = {59, 23, 31, 12, 7};
  Set s;
  s.star = text[0] == '*';
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    int step = 1;
    if (size_t slash = item.find('/'); slash != std::string::npos) {
      step = std::stoi(item.substr(slash + 1));
      item = item.substr(0, slash);
      if (item != "*" && item.find('-') == std::string::npos)
        item += "-" + std::to_string(kHi[kind]);
    }
    int a = kLo[kind], b = kHi[kind];
    if (item != "*") {
      size_t dash = item.find('-');
      a = NameOrNumber(item.substr(0, dash), kind);
      b = dash == std::string::npos ? a : NameOrNumber(item.substr(dash + 1), kind);
    }
    for (int v = a; v <= b; v += step) s.has[static_cast<size_t>(v)] = true;
    start = comma + 1;
  }
  if (kind == 4 && s.has[7]) s.has[0] = true;
  return s;
}

struct CronMatcher {
  Set f[5];
  // CronExpression::weekdays: ISO weekday digits a day must also be.
  std::string also_weekdays;
  explicit CronMatcher(const std::string& expr) {
    std::vector<std::string> w;
    size_t i = 0;
    while (i < expr.size()) {
      while (i < expr.size() && expr[i] == ' ') ++i;
      size_t j = i;
      while (j < expr.size() && expr[j] != ' ') ++j;
      if (j > i) w.push_back(expr.substr(i, j - i));
      i = j;
    }
    for (int k = 0; k < 5; ++k) f[k] = ReadField(w[static_cast<size_t>(k)], k);
  }
  // Vixie cron's rule for the days.
  bool DayMatches(const WallFields& d) const {
    const bool dom = f[2].has[static_cast<size_t>(d.day)];
    const bool dow = f[4].has[static_cast<size_t>(d.weekday)];
    const int iso = d.weekday == 0 ? 7 : d.weekday;
    if (!also_weekdays.empty() &&
        also_weekdays.find(static_cast<char>('0' + iso)) == std::string::npos)
      return false;
    return (f[2].star || f[4].star) ? (dom && dow) : (dom || dow);
  }
  // The next `count` times (UTC seconds) after `after`, day by day and
  // minute by minute within a matching day, until 2199.
  std::vector<int64_t> Next(int64_t after, size_t count) const {
    std::vector<int64_t> out;
    const int64_t end = CivilSecondsAsUtc(2200, 1, 1, 0, 0, 0);
    for (int64_t day = after / 86400 * 86400; day < end && out.size() < count; day += 86400) {
      const WallFields d = UtcWall(day);
      if (!f[3].has[static_cast<size_t>(d.month)] || !DayMatches(d)) continue;
      for (int m = 0; m < 24 * 60 && out.size() < count; ++m) {
        if (!f[1].has[static_cast<size_t>(m / 60)] || !f[0].has[static_cast<size_t>(m % 60)])
          continue;
        const int64_t t = day + m * 60;
        if (t > after) out.push_back(t);
      }
    }
    return out;
  }
};

// Generated expressions: every kind of item in every field.
class CronGenerator {
 public:
  explicit CronGenerator(uint32_t seed) : rng_(seed) {}
  std::string Expression() {
    std::string e;
    for (int k = 0; k < 5; ++k) e += (k ? " " : "") + Field(k);
    return e;
  }

 private:
  int Int(int lo, int hi) {
    return lo + static_cast<int>(rng_() % static_cast<uint32_t>(hi - lo + 1));
  }
  std::string Value(int k, int v) {
    static const char* kMonths[] = {"jan", "Feb", "MAR", "apr", "may", "jun",
                                    "jul", "aug", "sep", "oct", "nov", "dec"};
    static const char* kDays[] = {"sun", "Mon", "TUE", "wed", "thu", "fri", "sat"};
    if (k == 3 && Int(0, 4) == 0) return kMonths[v - 1];
    if (k == 4 && v < 7 && Int(0, 4) == 0) return kDays[v];
    return std::to_string(v);
  }
  std::string Item(int k) {
    static const int kLo[] = {0, 0, 1, 1, 0}, kHi[] = {59, 23, 31, 12, 7};
    const int lo = kLo[k], hi = kHi[k];
    switch (Int(0, 5)) {
      case 0:
        return "*/" + std::to_string(Int(1, hi - lo + 1));
      case 1: {
        const int a = Int(lo, hi), b = Int(a, hi);
        return Value(k, a) + "-" + Value(k, b);
      }
      case 2: {
        const int a = Int(lo, hi), b = Int(a, hi);
        return Value(k, a) + "-" + Value(k, b) + "/" + std::to_string(Int(1, 12));
      }
      case 3:
        return std::to_string(Int(lo, hi)) + "/" + std::to_string(Int(1, 12));
      default:
        return Value(k, Int(lo, hi));
    }
  }
  std::string Field(int k) {
    // Minutes and hours stay small lists so that elapses are not too dense
    // to tell apart; days get '*' often, so both day rules show up.
    const int star = k == 2 || k == 4 ? 45 : (k == 3 ? 60 : 20);
    if (Int(0, 99) < star) return "*";
    std::string f = Item(k);
    for (int n = Int(0, 2); n > 0; --n) f += "," + Item(k);
    return f;
  }
  std::mt19937 rng_;
};

// The union of the specs' next elapses after `after`.
std::optional<int64_t> NextOfAll(const std::vector<CalendarSpec>& specs, int64_t after,
                                 const CalendarEvalContext& ec) {
  std::optional<int64_t> best;
  for (const CalendarSpec& s : specs) {
    auto next = NextElapse(s, Instant{Micros{after * 1000000}}, ec);
    EXPECT_TRUE(next.ok()) << next.status().message();
    if (!next.ok() || !next->has_value()) continue;
    const int64_t t = (*next)->time_since_epoch().count() / 1000000;
    if (!best || t < *best) best = t;
  }
  return best;
}

// The first `count` elapses of the union of `specs` after `base`.
std::vector<int64_t> ElapsesOfAll(const std::vector<CalendarSpec>& specs, int64_t base,
                                  size_t count, const CalendarEvalContext& ec) {
  std::vector<int64_t> out;
  for (int64_t after = base; out.size() < count;) {
    auto t = NextOfAll(specs, after, ec);
    if (!t) break;
    out.push_back(*t);
    after = *t;
  }
  return out;
}

// The first elapse where two lists differ, in words.
std::string FirstDifference(const std::vector<int64_t>& got, const std::vector<int64_t>& want,
                            const char* got_name, const char* want_name) {
  auto when = [](const std::vector<int64_t>& v, size_t k) {
    return k < v.size() ? FormatRfc3339(Instant{Micros{v[k] * 1000000}}) : std::string("none");
  };
  for (size_t k = 0; k < std::max(got.size(), want.size()); ++k)
    if (k >= got.size() || k >= want.size() || got[k] != want[k])
      return "elapse " + std::to_string(k + 1) + ": " + got_name + " " + when(got, k) + ", " +
             want_name + " " + when(want, k);
  return "";
}

TEST(CronToCalendar, ConvertedSpecsRunWhenCronRuns) {
  ZoneDb zones;
  const std::shared_ptr<const Zone> utc = Zone::Utc();
  CalendarParseContext pc;
  pc.tzname[0] = pc.tzname[1] = "UTC";
  pc.zones = &zones;
  MktimeState mktime;
  CalendarEvalContext ec{utc.get(), &zones, &mktime};
  constexpr int kExpressions = 2000;
  constexpr size_t kElapses = 50;
  const int64_t bases[] = {CivilSecondsAsUtc(2025, 11, 22, 0, 0, 0),
                           CivilSecondsAsUtc(2024, 2, 28, 23, 59, 30),
                           CivilSecondsAsUtc(2031, 12, 31, 23, 0, 0)};
  int compared = 0, two_specs = 0, failures = 0;
  for (int i = 0; i < kExpressions && failures < 5; ++i) {
    CronGenerator gen(20261206 + static_cast<uint32_t>(i));
    const std::string expr = gen.Expression();
    auto converted = CronToCalendar(expr);
    ASSERT_TRUE(converted.ok()) << expr << ": " << converted.status().message();
    std::vector<CalendarSpec> specs;
    for (const std::string& text : *converted) {
      auto spec = ParseCalendarSpec(text, pc);
      ASSERT_TRUE(spec.ok()) << expr << " -> " << text << ": " << spec.status().message();
      // Already in systemd's normalized form.
      EXPECT_EQ(FormatCalendarSpec(*spec, pc), text) << expr;
      specs.push_back(*spec);
    }
    two_specs += converted->size() == 2;
    const int64_t base = bases[i % 3];
    const std::vector<int64_t> want = CronMatcher(expr).Next(base, kElapses);
    const std::vector<int64_t> got = ElapsesOfAll(specs, base, kElapses, ec);
    ++compared;
    if (got != want) {
      ++failures;
      ADD_FAILURE() << "cron '" << expr << "' as";
      for (const auto& t : *converted) ADD_FAILURE() << "  '" << t << "'";
      ADD_FAILURE() << FirstDifference(got, want, "calendar", "cron");
    }
  }
  EXPECT_EQ(compared, kExpressions);
  // The generator must exercise cron's OR of the day fields.
  EXPECT_GT(two_specs, kExpressions / 20);
}

// Calendar specs of every shape cron can hold, and some it cannot.
class CalendarGenerator {
 public:
  explicit CalendarGenerator(uint32_t seed) : rng_(seed) {}
  int Int(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  std::string Item(int lo, int hi) {
    const int a = Int(lo, hi), b = Int(a, hi);
    switch (Int(0, 4)) {
      case 0:
        return std::to_string(a) + ".." + std::to_string(b);
      case 1:
        return std::to_string(a) + "/" + std::to_string(Int(1, 12));
      case 2:
        return std::to_string(a) + ".." + std::to_string(b) + "/" + std::to_string(Int(1, 9));
      default:
        return std::to_string(a);
    }
  }
  std::string Component(int lo, int hi, int star_percent) {
    if (Int(0, 99) < star_percent) return "*";
    std::string c = Item(lo, hi);
    for (int n = Int(0, 2); n > 0; --n) c += "," + Item(lo, hi);
    return c;
  }
  std::string Spec() {
    static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    std::string s;
    if (Int(0, 99) < 45) {
      const int a = Int(0, 6), b = Int(a, 6);
      s = kDays[a];
      if (b > a) s += std::string(Int(0, 1) ? ".." : ",") + kDays[b];
      s += " ";
    }
    s += "*-" + Component(1, 12, 60) + "-" + Component(1, 31, 50);
    if (Int(0, 99) < 4) s += "~" + std::to_string(Int(1, 7));
    s += " " + Component(0, 23, 15) + ":" + Component(0, 59, 5);
    s += Int(0, 99) < 5 ? ":" + std::to_string(Int(1, 59)) : ":00";
    return s;
  }
  std::mt19937 rng_;
};

// `spec` with each repetition (a/r, a..b/r) written out as its values.
// systemd 252 evaluates a repetition with a carry bug at a month's end —
// after 2026-03-31 20:30, `*-*-* 0/5:30` next elapses on 04-01 at 05:30,
// not 00:30 — while the same values as a list elapse at 00:30, as cron
// does. The export follows the list (docs/export-cron.md).
CalendarSpec Expanded(CalendarSpec spec) {
  auto expand = [](CalendarComponent& c, int hi) {
    if (!c) return;
    std::vector<CalendarItem> out;
    for (const CalendarItem& it : *c) {
      if (it.repeat == 0) {
        out.push_back(it);
        continue;
      }
      const int stop = it.stop < 0 ? hi : it.stop;
      for (int v = it.start; v <= stop; v += it.repeat) out.push_back({v, -1, 0});
    }
    std::sort(out.begin(), out.end(),
              [](const CalendarItem& a, const CalendarItem& b) { return a.start < b.start; });
    c = out;
  };
  expand(spec.month, 12);
  expand(spec.day, 31);
  expand(spec.hour, 23);
  expand(spec.minute, 59);
  return spec;
}

// Export then import: a calendar spec written as cron (CalendarToCron), read
// back (CronToCalendar), runs at the same 50 next times; and cron's own
// reading of the exported line (the independent matcher, with the weekday
// test the export adds when both day fields are restricted) agrees.
TEST(CalendarToCron, ExportedLinesRunWhenTheSpecRunsAndReadBackTheSame) {
  ZoneDb zones;
  const std::shared_ptr<const Zone> utc = Zone::Utc();
  CalendarParseContext pc;
  pc.tzname[0] = pc.tzname[1] = "UTC";
  pc.zones = &zones;
  MktimeState mktime;
  CalendarEvalContext ec{utc.get(), &zones, &mktime};
  constexpr int kSpecs = 1500;
  constexpr size_t kElapses = 50;
  const int64_t bases[] = {CivilSecondsAsUtc(2025, 11, 22, 0, 0, 0),
                           CivilSecondsAsUtc(2028, 2, 28, 23, 59, 30)};
  int exported = 0, refused = 0, guarded = 0, failures = 0;
  for (int i = 0; i < kSpecs && failures < 5; ++i) {
    CalendarGenerator gen(7001 + static_cast<uint32_t>(i));
    const std::string text = gen.Spec();
    SCOPED_TRACE(text);
    auto spec = ParseCalendarSpec(text, pc);
    if (!spec.ok()) continue;  // the generator may write a spec systemd refuses
    auto cron = CalendarToCron(*spec);
    const bool expressible =
        text.find('~') == std::string::npos && text.substr(text.size() - 3) == ":00";
    if (!cron.ok()) {
      ++refused;
      EXPECT_FALSE(expressible) << cron.status().message();
      continue;
    }
    ASSERT_TRUE(expressible) << "exported as " << cron->fields;
    ++exported;
    guarded += !cron->weekdays.empty();
    const int64_t base = bases[i % 2];
    const std::vector<int64_t> want = ElapsesOfAll({Expanded(*spec)}, base, kElapses, ec);
    CronMatcher matcher(cron->fields);
    matcher.also_weekdays = cron->weekdays;
    const std::vector<int64_t> by_cron = matcher.Next(base, kElapses);
    auto back = CronToCalendar(cron->fields);
    ASSERT_TRUE(back.ok()) << cron->fields << ": " << back.status().message();
    std::vector<CalendarSpec> back_specs;
    for (const auto& b : *back) back_specs.push_back(*ParseCalendarSpec(b, pc));
    std::vector<int64_t> read_back;
    if (cron->weekdays.empty()) {
      read_back = ElapsesOfAll(back_specs, base, kElapses, ec);
    } else {
      read_back = want;  // the weekday test lives in the command, not in the fields
    }
    if (by_cron != want || read_back != want) {
      ++failures;
      ADD_FAILURE() << text << " exported as '" << cron->fields << "' weekdays '" << cron->weekdays
                    << "': " << (by_cron != want ? "cron" : "read back") << " disagrees";
      const auto& other = by_cron != want ? by_cron : read_back;
      ADD_FAILURE() << FirstDifference(want, other, "calendar", "other");
    }
  }
  EXPECT_GT(exported, kSpecs / 2);
  EXPECT_GT(refused, 10);
  EXPECT_GT(guarded, 50);
  std::printf("CalendarToCron: %d specs exported (%d with a weekday test), %d refused\n", exported,
              guarded, refused);
}

TEST(CalendarToCron, RefusalsSayWhy) {
  ZoneDb zones;
  CalendarParseContext pc;
  pc.tzname[0] = "CET";
  pc.tzname[1] = "CEST";
  pc.zones = &zones;
  const std::pair<const char*, const char*> rows[] = {
      {"*-*-* 02:00:30", "seconds"},
      {"*-*~01 03:00", "end of the month"},
      {"2027-*-* 03:00", "years"},
      {"*-*-* 03:00 CET", "abbreviation"},
  };
  for (const auto& [text, why] : rows) {
    SCOPED_TRACE(text);
    auto spec = ParseCalendarSpec(text, pc);
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    auto cron = CalendarToCron(*spec);
    ASSERT_FALSE(cron.ok());
    EXPECT_NE(cron.status().message().find(why), std::string::npos) << cron.status().message();
  }
  auto berlin = ParseCalendarSpec("Sat *-*-1..7 03:00 Europe/Berlin", pc);
  ASSERT_TRUE(berlin.ok());
  auto cron = CalendarToCron(*berlin);
  ASSERT_TRUE(cron.ok());
  EXPECT_EQ(cron->fields, "0 3 1-7 * *");
  EXPECT_EQ(cron->weekdays, "6");
  EXPECT_EQ(cron->zone, "Europe/Berlin");
  auto weekdays = ParseCalendarSpec("Mon..Fri,Sun *-*-* 02:30", pc);
  ASSERT_TRUE(weekdays.ok());
  EXPECT_EQ(CalendarToCron(*weekdays)->fields, "30 2 * * 0-5");
}

}  // namespace
}  // namespace surety
