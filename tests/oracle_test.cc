// Randomized differential test against the live `systemd-analyze calendar`
// (systemd 252). A deterministic generator (std::mt19937, fixed seeds) builds
// about 600 specs from the grammar of docs/systemd-semantics §1 — weekday
// lists and ranges, dates with `*`, lists, ranges, repetitions and `~`, times
// with repetitions and fractional seconds, shorthands, zone suffixes — and
// about 20% deliberate near-miss invalid inputs. Specs are batched into one
// systemd-analyze run per (TZ, base time, iterations) group; surety runs the
// same command line in-process. Stdout must match byte for byte once the
// "From now:" lines (wall-clock dependent) are dropped, and both must agree on
// whether the exit status is zero. Skipped, loudly, without systemd-analyze.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "test_util.h"
#include "time/cctz.h"

namespace surety {
namespace {

using testing_util::DropFromNow;

using testing_util::CliResult;
using testing_util::RunSurety;
using testing_util::ShellQuote;

constexpr uint32_t kSeed = 20261122;
constexpr int kGroups = 100;
constexpr int kSpecsPerGroup = 6;
constexpr int kNearMissPercent = 20;

constexpr const char* kZones[] = {
    "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Chatham",
    "America/Santiago", "Asia/Kolkata",  "Europe/Dublin",       "UTC"};

// A reproducible random source. Unlike std::uniform_int_distribution (whose
// algorithm the standard leaves open), the sequence is the same everywhere.
class Rng {
 public:
  explicit Rng(uint32_t seed) : gen_(seed) {}
  // REQUIRES: lo <= hi, hi - lo < 2^32.
  int64_t Int(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(gen_() % static_cast<uint64_t>(hi - lo + 1));
  }
  int Small(int lo, int hi) { return static_cast<int>(Int(lo, hi)); }
  bool Chance(int percent) { return Int(0, 99) < percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&options)[N]) {
    return options[static_cast<size_t>(Int(0, static_cast<int64_t>(N) - 1))];
  }

 private:
  std::mt19937 gen_;
};

std::string Padded(int64_t v, int width) {
  std::string s = std::to_string(v);
  const size_t w = static_cast<size_t>(width);
  return s.size() < w ? std::string(w - s.size(), '0') + s : s;
}

// Builds calendar specs from the grammar. Values are drawn from windows that
// make elapses likely near the base times used (years 2018–2040, hours biased
// to the small hours where DST transitions happen), so most specs exercise
// the search rather than printing "never".
class SpecGenerator {
 public:
  explicit SpecGenerator(Rng& rng) : rng_(rng) {}

  // A spec built from the grammar; valid by construction except for the
  // occasional value that fails systemd's validation (equally worth testing).
  std::string Spec() {
    if (rng_.Chance(8)) return Shorthand() + ZoneSuffix(25);
    if (rng_.Chance(3)) return "@" + std::to_string(rng_.Int(0, 2200000000)) + ZoneSuffix(30);
    std::string s;
    const bool weekdays = rng_.Chance(30);
    const bool date = rng_.Chance(60);
    const bool time = !date || rng_.Chance(80);
    if (weekdays) s += Weekdays();
    if (date) s += (s.empty() ? "" : " ") + Date();
    if (time) s += (s.empty() ? "" : " ") + Time();
    return s + ZoneSuffix(28);
  }

  // A deliberately invalid input close to a valid one.
  std::string NearMiss() {
    const std::string n = std::to_string(rng_.Small(1, 9));
    const std::string h = Padded(rng_.Small(0, 23), 2);
    switch (rng_.Small(0, 35)) {
      case 0:
        return "*:*/" + n;  // cron style
      case 1:
        return "*-*-*/" + n + " " + h + ":00";
      case 2: {  // wrapping range
        int a = rng_.Small(1, 6);
        return std::string(kDayShort[a]) + ".." + kDayShort[rng_.Small(0, a - 1)] + " " + h + ":00";
      }
      case 3:
        return std::string(rng_.Pick(kDayLong)) + ".. " + h + ":00";  // open
      case 4:
        return "Mon.Tue " + h + ":00";
      case 5:
        return std::string(rng_.Pick(kDayLong)) + "s " + h + ":00";
      case 6:
        return std::string(rng_.Pick(kDayShort)) + h + ":00";
      case 7:
        return Spec() + " ";  // trailing blank
      case 8:
        return " " + Spec();  // leading blank
      case 9:
        return Date() + " " + Time() + "  Europe/Berlin";  // two blanks
      case 10:
        return Date() + "\t" + Time();  // TAB separator
      case 11:
        return rng_.Pick(kLoneTimes);
      case 12:
        return "*-*-* 24:" + Padded(rng_.Small(0, 59), 2);
      case 13:
        return "*-*-* " + h + ":60";
      case 14:
        return "*-*-* " + h + ":00:60";
      case 15:
        return "*-13-" + Padded(rng_.Small(1, 28), 2);
      case 16:
        return "*-" + Padded(rng_.Small(1, 12), 2) + "-" + rng_.Pick(kBadDays);
      case 17:
        return "*:" + Padded(rng_.Small(0, 59), 2) + "/0";  // ERANGE
      case 18:
        return "*:" + std::to_string(rng_.Small(1, 30)) + "/" +
               std::to_string(rng_.Small(59 - 29, 59));  // too big
      case 19:
        return "*:" + std::to_string(rng_.Small(30, 59)) + ".." +
               std::to_string(rng_.Small(0, 29));  // reversed
      case 20:
        return "*-*~" + std::to_string(rng_.Small(29, 31));
      case 21:
        return "*-*~" + std::to_string(rng_.Small(4, 9)) + "," + std::to_string(rng_.Small(26, 28));
      case 22:
        return "2016~11-" + Padded(rng_.Small(1, 28), 2);
      case 23:
        return "2000-03-05.23 00:00:00";
      case 24:
        return Time() + " Europe/berlin";
      case 25:
        return Time() + " Mars/Olympus_Mons";
      case 26:
        return h + ":00 " + rng_.Pick(kOffsets);
      case 27:
        return "2025-0" + n + "-01T" + h + ":00:00";
      case 28:
        return "00:00:" + n + ".";
      case 29:
        return "00:00:00.0..00." + n;
      case 30:
        return std::string(rng_.Pick(kShorthands)) + rng_.Pick(kShorthandTails);
      case 31:
        return "@" + n + "." + n;
      case 32:
        return rng_.Chance(50) ? "100-01-01" : "2200-01-01 " + h + ":00";
      case 33:
        return rng_.Chance(50) ? "00:00:18446744073709551615" : "00:00:2300";
      case 34: {  // ENOBUFS
        std::string s = "*:0";
        for (int i = 0; i < 241; ++i) s += "," + std::to_string(i % 60);
        return s;
      }
      default:
        return rng_.Chance(50) ? "Mon..Wed..Fri" : "Mo " + h + ":00";
    }
  }

 private:
  static constexpr const char* kDayLong[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                             "Friday", "Saturday", "Sunday"};
  static constexpr const char* kDayShort[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr const char* kShorthands[] = {
      "minutely",      "hourly",     "daily",      "monthly",   "weekly",
      "yearly",        "annually",   "anually",    "quarterly", "semiannually",
      "semi-annually", "biannually", "bi-annually"};
  static constexpr const char* kShorthandTails[] = {" 12:00", ",daily", " ", " Mon"};
  static constexpr const char* kLoneTimes[] = {"7",   "12:", ":00",  "12:00:", "1:2:3:4",
                                               "UTC", "",    "test", "12 : 00"};
  static constexpr const char* kBadDays[] = {"00", "32", "0", "99"};
  static constexpr const char* kOffsets[] = {"+0100", "-05:00", "Z", "+01", "UTC+1"};
  static constexpr const char* kZoneSuffixes[] = {" UTC",
                                                  " utc",
                                                  " uTc",
                                                  " Europe/Berlin",
                                                  " America/New_York",
                                                  " Asia/Kolkata",
                                                  " Australia/Lord_Howe",
                                                  " Pacific/Chatham",
                                                  " America/Santiago",
                                                  " Europe/Dublin",
                                                  " Etc/UTC",
                                                  " GMT",
                                                  " EST5EDT",
                                                  " Etc/GMT-14",
                                                  " Asia/Tokyo",
                                                  " Europe/London",
                                                  " CET",
                                                  " CEST",
                                                  " EST",
                                                  " EDT",
                                                  " IST",
                                                  " BST",
                                                  " +1345",
                                                  " -03",
                                                  " +1030",
                                                  " NZDT"};

  std::string Cased(std::string word) {
    switch (rng_.Small(0, 5)) {
      case 0:
        for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        break;
      case 1:
        for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        break;
      default:
        break;
    }
    return word;
  }

  std::string Shorthand() { return Cased(rng_.Pick(kShorthands)); }

  std::string ZoneSuffix(int percent) {
    return rng_.Chance(percent) ? rng_.Pick(kZoneSuffixes) : "";
  }

  std::string Day(int i) { return Cased(rng_.Chance(40) ? kDayLong[i] : kDayShort[i]); }

  std::string Weekdays() {
    std::string s;
    const int n = rng_.Chance(60) ? 1 : rng_.Small(2, 3);
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += ",";
      const int a = rng_.Small(0, 6);
      if (a < 6 && rng_.Chance(35)) {
        s += Day(a) + (rng_.Chance(80) ? ".." : "-") + Day(rng_.Small(a + 1, 6));
      } else {
        s += Day(a);
      }
    }
    if (rng_.Chance(5)) s += ",";
    return s;
  }

  // One value of a field; `two_digit` prints years as systemd's YY form.
  std::string Value(int v, int width, bool two_digit) {
    if (two_digit) return Padded(v % 100, 2);
    return rng_.Chance(75) ? Padded(v, width) : std::to_string(v);
  }

  // `start[..stop][/repeat]` with values in [lo, hi]; repetitions are drawn
  // so that most items pass validation (start + repeat <= field maximum).
  std::string Item(int lo, int hi, int width, bool two_digit) {
    const int kind = rng_.Small(0, 9);
    if (kind <= 4 || lo == hi) return Value(rng_.Small(lo, hi), width, two_digit);
    const int a = rng_.Small(lo, (lo + hi) / 2);
    if (kind <= 6) {
      return Value(a, width, two_digit) + ".." + Value(rng_.Small(a + 1, hi), width, two_digit);
    }
    const std::string repeat = "/" + std::to_string(rng_.Small(1, std::max(1, (hi - a) / 2)));
    if (kind <= 8) return Value(a, width, two_digit) + repeat;
    return Value(a, width, two_digit) + ".." + Value(rng_.Small(a + 1, hi), width, two_digit) +
           repeat;
  }

  std::string Component(int lo, int hi, int width, int star_percent, bool two_digit = false) {
    if (rng_.Chance(star_percent)) return "*";
    std::string s = Item(lo, hi, width, two_digit);
    const int more = rng_.Chance(75) ? 0 : rng_.Small(1, 2);
    for (int i = 0; i < more; ++i) s += "," + Item(lo, hi, width, two_digit);
    return s;
  }

  std::string Year() { return Component(2018, 2040, 4, 45, /*two_digit=*/rng_.Chance(10)); }

  // Day items counted back from the month's end (`~`); systemd lowers the
  // bound by 3 for each further item, so lists stay short and small.
  std::string LastDays() {
    auto one = [&](int max) {
      if (rng_.Chance(15)) {
        const int start = rng_.Small(3, 8);
        return Padded(start, 2) + "/" + std::to_string(rng_.Small(1, start - 1));
      }
      const int a = rng_.Small(1, max);
      if (rng_.Chance(20)) return std::to_string(a) + ".." + std::to_string(rng_.Small(a, max));
      return rng_.Chance(50) ? Padded(a, 2) : std::to_string(a);
    };
    std::string s = one(rng_.Chance(85) ? 7 : 28);
    if (rng_.Chance(20)) s += "," + one(10);
    return s;
  }

  std::string Date() {
    const std::string month = Component(1, 12, 2, 50);
    switch (rng_.Small(0, 9)) {
      case 0:
      case 1:
      case 2:
      case 3:
        return Year() + "-" + month + "-" + Component(1, 31, 2, 50);
      case 4:
      case 5:
        return month + "-" + Component(1, 31, 2, 40);
      case 6:
      case 7:
        return Year() + "-" + month + "~" + LastDays();
      case 8:
        return month + "~" + LastDays();
      default:  // one exact day, often a DST day
        return std::to_string(rng_.Small(2019, 2030)) + "-" + Padded(rng_.Pick(kDstMonths), 2) +
               "-" + Padded(rng_.Small(1, 31), 2);
    }
  }

  std::string Hours() {
    if (rng_.Chance(40)) return Padded(rng_.Small(0, 3), 2);  // DST changes here
    return Component(0, 23, 2, 35);
  }

  std::string Minutes() {
    if (rng_.Chance(25)) return Padded(rng_.Pick(kQuarters), 2);
    return Component(0, 59, 2, 30);
  }

  std::string SecondValue(int whole) {
    std::string s = rng_.Chance(70) ? Padded(whole, 2) : std::to_string(whole);
    if (rng_.Chance(25)) {
      s += ".";
      const int digits = rng_.Small(1, 8);
      for (int i = 0; i < digits; ++i) s += static_cast<char>('0' + rng_.Small(0, 9));
    }
    return s;
  }

  std::string Seconds() {
    if (rng_.Chance(15)) return "*";
    std::string s;
    const int n = rng_.Chance(80) ? 1 : 2;
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += ",";
      const int a = rng_.Small(0, 40);
      switch (rng_.Small(0, 5)) {
        case 0:
        case 1:
        case 2:
          s += SecondValue(a);
          break;
        case 3:
          s += SecondValue(a) + ".." + SecondValue(rng_.Small(a + 1, 59));
          break;
        case 4:
          s += SecondValue(a) + "/" + std::to_string(rng_.Small(1, 59 - a));
          break;
        default:
          s += SecondValue(a) + "/" + rng_.Pick(kFractionRepeats);
          break;
      }
    }
    return s;
  }

  std::string Time() {
    std::string s = Hours() + ":" + Minutes();
    if (rng_.Chance(60)) s += ":" + Seconds();
    return s;
  }

  static constexpr int kDstMonths[] = {3, 4, 9, 10, 11};
  static constexpr int kQuarters[] = {0, 15, 30, 45};
  static constexpr const char* kFractionRepeats[] = {"0.5", "1.5", "7.25", "2.000001", "0.0000005"};

  Rng& rng_;
};

// One systemd-analyze invocation: a TZ, a base time, an iteration count and
// the specs evaluated together (in one process, as systemd-analyze does).
struct Group {
  std::string tz;
  std::string base;
  int iterations = 1;
  std::vector<std::string> specs;
  int near_misses = 0;
};

std::string LocalForm(const cctz::civil_second& cs) {
  std::ostringstream s;
  s << Padded(cs.year(), 4) << "-" << Padded(cs.month(), 2) << "-" << Padded(cs.day(), 2) << " "
    << Padded(cs.hour(), 2) << ":" << Padded(cs.minute(), 2) << ":" << Padded(cs.second(), 2);
  return s.str();
}

cctz::time_point<cctz::seconds> FromUnix(int64_t seconds) {
  return cctz::time_point<cctz::seconds>(cctz::seconds(seconds));
}

std::string EpochForm(int64_t seconds, Rng& rng) {
  std::string s = "@" + std::to_string(seconds);
  if (rng.Chance(20)) s += "." + Padded(rng.Int(0, 999999), 6);
  return s;
}

// A base time: a local "YYYY-MM-DD HH:MM:SS" or an "@EPOCH", anywhere in
// 1990–2037 (sometimes beyond 2038, where zones run on their POSIX rule), or
// within two hours of one of the zone's DST transitions — including local
// forms that name a wall-clock time inside the gap or the overlap.
std::string BaseTime(const std::string& zone_name, Rng& rng) {
  cctz::time_zone tz;
  if (!cctz::load_time_zone(zone_name, &tz)) ADD_FAILURE() << "cannot load " << zone_name;
  const int kind = rng.Small(0, 9);
  if (kind >= 6) {
    const auto year_start =
        cctz::convert(cctz::civil_second(rng.Small(2000, 2037), rng.Small(1, 12), 1), tz);
    cctz::time_zone::civil_transition trans;
    if (tz.next_transition(year_start, &trans)) {
      const int64_t at = tz.lookup(trans.to).trans.time_since_epoch().count();
      static constexpr int64_t kDeltas[] = {-7200, -3600, -1800, -1, 0, 1, 900, 1800, 3600};
      const int64_t t = at + rng.Pick(kDeltas);
      if (kind == 6) return EpochForm(t, rng);
      if (kind == 7) {  // a wall-clock time at the start of the gap or overlap
        return LocalForm(std::min(trans.from, trans.to) + rng.Int(0, 3599));
      }
      return LocalForm(cctz::convert(FromUnix(t), tz));
    }
  }
  const int64_t hi = rng.Chance(10) ? 4102444800 /* 2100 */ : 2145916800 /* 2038 */;
  const int64_t t = rng.Int(631152000 /* 1990 */, hi);
  if (kind % 2 == 0) return EpochForm(t, rng);
  return LocalForm(cctz::convert(FromUnix(t), tz));
}

std::vector<Group> MakeGroups(uint32_t seed) {
  std::vector<Group> groups;
  for (int g = 0; g < kGroups; ++g) {
    Rng rng(seed + static_cast<uint32_t>(g));
    SpecGenerator gen(rng);
    Group group;
    const std::string zone = kZones[static_cast<size_t>(g) % std::size(kZones)];
    group.tz = (g % 3 == 0 ? ":" : "") + zone;
    group.base = BaseTime(zone, rng);
    group.iterations = rng.Small(1, 6);
    for (int i = 0; i < kSpecsPerGroup; ++i) {
      if (rng.Chance(kNearMissPercent)) {
        group.specs.push_back(gen.NearMiss());
        ++group.near_misses;
      } else {
        group.specs.push_back(gen.Spec());
      }
    }
    groups.push_back(std::move(group));
  }
  return groups;
}

std::vector<std::string> CalendarArgs(const Group& g, const std::vector<std::string>& specs) {
  std::vector<std::string> args = {"calendar", "--base-time=" + g.base,
                                   "--iterations=" + std::to_string(g.iterations), "--"};
  args.insert(args.end(), specs.begin(), specs.end());
  return args;
}

// Quotes a word for /bin/sh only when it needs quoting, so that printed
// commands read like typed ones.
std::string Word(const std::string& s) {
  constexpr std::string_view kPlain =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=+./:@,";
  const bool plain = !s.empty() && s.find_first_not_of(kPlain) == std::string::npos;
  return plain ? s : ShellQuote(s);
}

std::string CommandLine(const std::string& program, const Group& g,
                        const std::vector<std::string>& specs) {
  std::string cmd = "LC_ALL=C TZ=";
  cmd += Word(g.tz);
  cmd += ' ';
  cmd += program;
  for (const auto& a : CalendarArgs(g, specs)) {
    cmd += ' ';
    cmd += Word(a);
  }
  return cmd;
}

struct Outcome {
  bool ok = false;
  std::string want, got;
  int want_rc = 0, got_rc = 0;
};

Outcome Compare(const Group& g, const std::vector<std::string>& specs) {
  Outcome o;
  CliResult live =
      testing_util::Shell(CommandLine("systemd-analyze --no-pager", g, specs) + " 2>/dev/null");
  MapEnv env({{"TZ", g.tz}, {"LC_ALL", "C"}});
  CliResult ours = RunSurety(CalendarArgs(g, specs), env);
  o.want = DropFromNow(live.out);
  o.got = DropFromNow(ours.out);
  o.want_rc = live.rc;
  o.got_rc = ours.rc;
  o.ok = o.want == o.got && (o.want_rc != 0) == (o.got_rc != 0);
  return o;
}

std::string Describe(const Group& g, const std::vector<std::string>& specs, const Outcome& o) {
  std::ostringstream s;
  s << "reproduce:\n  " << CommandLine("systemd-analyze", g, specs) << "\n  "
    << CommandLine(SURETY_BINARY, g, specs) << "\n--- systemd-analyze (rc " << o.want_rc << ")\n"
    << o.want << "--- surety (rc " << o.got_rc << ")\n"
    << o.got;
  return s.str();
}

TEST(LiveOracle, RandomizedSpecsMatchSystemdAnalyze) {
  if (!testing_util::HaveSystemdAnalyze()) {
    GTEST_SKIP() << "systemd-analyze not installed: live oracle comparison skipped";
  }
  // SURETY_ORACLE_SEED explores other seeds; the default set is what CI runs.
  uint32_t seed = kSeed;
  if (const char* s = std::getenv("SURETY_ORACLE_SEED")) {
    seed = static_cast<uint32_t>(std::strtoul(s, nullptr, 10));
  }
  const std::vector<Group> groups = MakeGroups(seed);
  int specs = 0, near_misses = 0, printed = 0, mismatched_groups = 0;
  for (const Group& g : groups) {
    specs += static_cast<int>(g.specs.size());
    near_misses += g.near_misses;
    const Outcome o = Compare(g, g.specs);
    if (o.ok) continue;
    ++mismatched_groups;
    // Narrow it down: which specs differ on their own? (A difference that
    // only shows in the batch comes from glibc's mktime() memory, which one
    // process carries from spec to spec.)
    bool narrowed = false;
    for (const std::string& spec : g.specs) {
      const Outcome single = Compare(g, {spec});
      if (single.ok) continue;
      narrowed = true;
      ADD_FAILURE() << "mismatch for '" << spec << "' (TZ=" << g.tz << ")\n"
                    << Describe(g, {spec}, single);
    }
    if (!narrowed) {
      ADD_FAILURE() << "mismatch only in the batch (TZ=" << g.tz << ")\n"
                    << Describe(g, g.specs, o);
    }
    if (++printed >= 10) {
      ADD_FAILURE() << "stopping after 10 mismatching groups";
      break;
    }
  }
  EXPECT_EQ(mismatched_groups, 0);
  EXPECT_EQ(specs, kGroups * kSpecsPerGroup);
  // The generator must keep producing a useful mix.
  EXPECT_GT(near_misses, specs / 8);
  EXPECT_LT(near_misses, specs / 3);
  RecordProperty("specs", specs);
  RecordProperty("near_misses", near_misses);
}

// Mismatches that other seeds found (SURETY_ORACLE_SEED=31000…230000, step
// 1000), reduced by hand. They stay here, failing, until surety matches
// systemd again.
const Group kPinned[] = {
    // systemd prints "Original form:" through its table code, which drops
    // the trailing blanks of a cell only when it pads it, i.e. when the text
    // is narrower than the widest cell of the column (here the 27 columns of
    // "Mon 2027-01-04 00:00:00 UTC"). A date-only spec may end in blanks
    // (seeds 31000, 86000, 169000).
    {"UTC", "@1763769600", 1, {"2027-*-* ", "Mon  ", "*-*-*  "}},
    {"Pacific/Chatham", "2026-04-05 03:15:00", 6, {"2027-*-* "}},
    {"UTC", "@1763769600", 1, {"Mon 2027-*-*" + std::string(14, ' ')}},
    {"UTC", "@1763769600", 1, {"Mon 2027-*-*" + std::string(15, ' ')}},
    {"America/Santiago", "@829193407", 4, {"friday..Sat,fri..Saturday *-06,04,06..7-* "}},
    // Not pinned: glibc's tzname[] is process state that every conversion
    // rewrites, so systemd matches a local-abbreviation suffix against the
    // abbreviations of the last instant it converted ("12:00 LMT" is valid
    // in New York right after an 1850 date was converted). surety uses the
    // zone's current abbreviations — a documented deviation
    // (docs/time-engine.md), found by seeds 60000, 176000 and 178000.
};

TEST(LiveOracle, PinnedCasesFromOtherSeedsMatchSystemdAnalyze) {
  if (!testing_util::HaveSystemdAnalyze()) {
    GTEST_SKIP() << "systemd-analyze not installed: live oracle comparison skipped";
  }
  for (const Group& g : kPinned) {
    const Outcome o = Compare(g, g.specs);
    EXPECT_TRUE(o.ok) << "mismatch (TZ=" << g.tz << ")\n" << Describe(g, g.specs, o);
  }
}

}  // namespace
}  // namespace surety
