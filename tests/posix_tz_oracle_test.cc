// Differential tests of `surety calendar` against `systemd-analyze calendar`
// (systemd 252) with TZ set to POSIX rule strings ("CET-1CEST,M3.5.0,
// M10.5.0/3", "<+03>-3", "CET-1CEST", ...), which glibc evaluates itself.
//
// Three tests: the recorded table tests/data/vectors/posix-tz-systemd252.jsonl
// (runs everywhere; where systemd-analyze is installed and disagrees with a
// recording, the live answer decides); the same cases against the live
// systemd-analyze; and randomly generated rule strings — both hemispheres,
// offsets with minutes, negative DST, Julian days, change times past 24 h or
// negative, no rules at all — with base times around their changes, against
// the live systemd-analyze. The live tests are skipped, saying so, without
// systemd-analyze.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"
#include "time/posix_tz.h"
#include "time/zone.h"

namespace surety {
namespace {

using testing_util::DropFromNow;

using testing_util::RunSurety;
using testing_util::ShellQuote;

struct Record {
  std::string tz, base, spec, stdout_text;
  int iterations = 1;
  int rc = 0;
};

std::vector<Record> ReadRecords() {
  std::vector<Record> out;
  std::ifstream in(testing_util::TestDataDir() + "/vectors/posix-tz-systemd252.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    auto v = nlohmann::json::parse(line);
    out.push_back(Record{v["tz"], v["base"], v["spec"], v["stdout"], v["iterations"], v["rc"]});
  }
  return out;
}

struct Output {
  std::string out;
  int rc = 0;
};

std::vector<std::string> CalendarArgs(const std::string& base, int iterations,
                                      const std::vector<std::string>& specs) {
  std::vector<std::string> args = {"calendar", "--base-time=" + base,
                                   "--iterations=" + std::to_string(iterations), "--"};
  args.insert(args.end(), specs.begin(), specs.end());
  return args;
}

Output Live(const std::string& tz, const std::vector<std::string>& args) {
  std::string cmd = "LC_ALL=C TZ=" + ShellQuote(tz) + " systemd-analyze --no-pager";
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  auto r = testing_util::Shell(cmd + " 2>/dev/null");
  return Output{DropFromNow(r.out), r.rc};
}

Output Surety(const std::string& tz, const std::vector<std::string>& args) {
  auto r = RunSurety(args, MapEnv({{"TZ", tz}, {"LC_ALL", "C"}}));
  return Output{DropFromNow(r.out), r.rc};
}

std::string Reproduce(const std::string& tz, const std::vector<std::string>& args) {
  std::string cmd = "LC_ALL=C TZ=" + ShellQuote(tz) + " systemd-analyze";
  for (const auto& a : args) cmd += " " + ShellQuote(a);
  return cmd;
}

TEST(PosixTzOracle, RecordedRunsMatch) {
  const std::vector<Record> records = ReadRecords();
  ASSERT_EQ(records.size(), 318u) << "tests/data/vectors/posix-tz-systemd252.jsonl";
  int mismatches = 0, live_decided = 0;
  for (const Record& rec : records) {
    const auto args = CalendarArgs(rec.base, rec.iterations, {rec.spec});
    const Output got = Surety(rec.tz, args);
    std::string got_text = testing_util::WithoutFromNow(got.out);
    bool ok = got_text == rec.stdout_text && (got.rc != 0) == (rec.rc != 0);
    if (!ok && testing_util::HaveSystemdAnalyze()) {
      const Output live = Live(rec.tz, args);
      if (testing_util::WithoutFromNow(live.out) == got_text && (live.rc != 0) == (got.rc != 0)) {
        ok = true;
        ++live_decided;
      }
    }
    if (!ok && ++mismatches <= 10) {
      ADD_FAILURE() << Reproduce(rec.tz, args) << "\n--- recorded (rc " << rec.rc << ")\n"
                    << rec.stdout_text << "\n--- surety (rc " << got.rc << ")\n"
                    << got_text;
    }
  }
  EXPECT_EQ(mismatches, 0);
  RecordProperty("live_decided", live_decided);
}

TEST(PosixTzOracle, RecordedCasesMatchLiveSystemdAnalyze) {
  if (!testing_util::HaveSystemdAnalyze()) GTEST_SKIP() << "systemd-analyze is not installed";
  // One run per TZ and base time with all its specs, as systemd-analyze
  // evaluates them in one process.
  std::map<std::pair<std::string, std::string>, std::vector<std::string>> groups;
  std::map<std::pair<std::string, std::string>, int> iterations;
  for (const Record& rec : ReadRecords()) {
    groups[{rec.tz, rec.base}].push_back(rec.spec);
    iterations[{rec.tz, rec.base}] = rec.iterations;
  }
  ASSERT_FALSE(groups.empty());
  for (const auto& [key, specs] : groups) {
    const auto args = CalendarArgs(key.second, iterations[key], specs);
    const Output live = Live(key.first, args);
    const Output got = Surety(key.first, args);
    EXPECT_EQ(got.out, live.out) << Reproduce(key.first, args);
    EXPECT_EQ(got.rc != 0, live.rc != 0) << Reproduce(key.first, args);
  }
}

// A reproducible random source (the algorithm of std::uniform_int_distribution
// differs between standard libraries; this does not).
class Rng {
 public:
  explicit Rng(uint32_t seed) : gen_(seed) {}
  int Int(int lo, int hi) {
    return lo + static_cast<int>(gen_() % static_cast<uint32_t>(hi - lo + 1));
  }
  bool Chance(int percent) { return Int(0, 99) < percent; }

 private:
  std::mt19937 gen_;
};

std::string Two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

// "5", "-5:30", "+10:45" for `east` seconds east of UTC (POSIX writes west).
std::string OffsetText(int east, Rng& rng) {
  const int west = -east;
  const int a = west < 0 ? -west : west;
  std::string s = west < 0 ? "-" : (rng.Chance(20) ? "+" : "");
  s += std::to_string(a / 3600);
  if (a % 3600 != 0 || rng.Chance(10)) s += ":" + Two(a % 3600 / 60);
  return s;
}

std::string Name(Rng& rng, int east) {
  if (rng.Chance(40)) {
    const int a = east < 0 ? -east : east;
    std::string s = std::string("<") + (east < 0 ? "-" : "+") + Two(a / 3600);
    if (a % 3600 != 0) s += Two(a % 3600 / 60);
    return s + ">";
  }
  std::string s;
  const int n = rng.Int(3, 5);
  for (int i = 0; i < n; ++i) s += static_cast<char>('A' + rng.Int(0, 25));
  return s;
}

std::string RuleText(Rng& rng) {
  std::string s;
  const int kind = rng.Int(0, 9);
  if (kind < 7) {
    s = "M" + std::to_string(rng.Int(1, 12)) + "." + std::to_string(rng.Int(1, 5)) + "." +
        std::to_string(rng.Int(0, 6));
  } else if (kind < 9) {
    s = "J" + std::to_string(rng.Int(1, 365));
  } else {
    s = std::to_string(rng.Int(0, 365));
  }
  if (rng.Chance(50)) {
    const int hour = rng.Int(-3, 27);
    s += "/" + std::to_string(hour);
    if (rng.Chance(30)) s += ":" + Two(rng.Int(0, 59));
  }
  return s;
}

std::string RandomTz(Rng& rng) {
  static constexpr int kMinutes[] = {0, 0, 0, 0, 30, 45};
  const int east =
      rng.Int(-12, 14) * 3600 + (rng.Int(0, 1) ? 1 : -1) * kMinutes[rng.Int(0, 5)] * 60;
  std::string tz = Name(rng, east) + OffsetText(east, rng);
  if (rng.Chance(15)) return tz;  // no daylight time
  int dst = east + 3600;
  const int shape = rng.Int(0, 9);
  if (shape == 7) dst = east + 1800;
  if (shape == 8) dst = east - 3600;  // negative DST
  if (shape == 9) dst = east + 7200;
  tz += Name(rng, dst);
  if (shape >= 7 || rng.Chance(20)) tz += OffsetText(dst, rng);
  if (rng.Chance(10)) return tz;  // no rules: glibc's posixrules
  return tz + "," + RuleText(rng) + "," + RuleText(rng);
}

std::string LocalForm(const WallFields& w) {
  return std::to_string(w.year) + "-" + Two(w.month) + "-" + Two(w.day) + " " + Two(w.hour) + ":" +
         Two(w.minute) + ":" + Two(w.second);
}

// A base time near one of the zone's changes between 2025 and 2028, as a
// local form or "@EPOCH"; anywhere in those years if there is none.
std::string BaseNearChange(const std::string& tz, Rng& rng) {
  ZoneDb zones;
  const auto zone = zones.LocalFromTz(tz);
  const int64_t from = CivilSecondsAsUtc(2025, 1, 1, 0, 0, 0);
  const int64_t to = CivilSecondsAsUtc(2028, 1, 1, 0, 0, 0);
  std::vector<int64_t> changes;
  for (int64_t t = from; t < to; t += 3600)
    if (zone->ToWall(t).gmtoff != zone->ToWall(t + 3600).gmtoff) changes.push_back(t + 3600);
  int64_t t = from + rng.Int(0, 3 * 365) * 86400;
  if (!changes.empty()) {
    static constexpr int kDeltas[] = {-7200, -3600, -1800, -1, 0, 1, 1800, 3600};
    t = changes[static_cast<size_t>(rng.Int(0, static_cast<int>(changes.size()) - 1))] +
        kDeltas[rng.Int(0, 7)];
  }
  if (rng.Chance(30)) return "@" + std::to_string(t);
  return LocalForm(zone->ToWall(t));
}

TEST(PosixTzOracle, RandomRuleStringsMatchLiveSystemdAnalyze) {
  if (!testing_util::HaveSystemdAnalyze()) GTEST_SKIP() << "systemd-analyze is not installed";
  uint32_t seed = 20261205;
  if (const char* s = std::getenv("SURETY_POSIX_TZ_SEED"))
    seed = static_cast<uint32_t>(std::atoi(s));
  constexpr int kGroups = 60;
  int failures = 0;
  for (int g = 0; g < kGroups && failures < 5; ++g) {
    Rng rng(seed + static_cast<uint32_t>(g));
    std::string tz = RandomTz(rng);
    const std::string base = BaseNearChange(tz, rng);
    if (rng.Chance(10)) tz = ":" + tz;
    std::vector<std::string> specs = {"*:0/30", "daily", "*-*-* 02:30", "Sun *-*-* 01:15",
                                      "*-*~01 23:30"};
    const PosixTz parsed = ParsePosixTz(tz[0] == ':' ? tz.substr(1) : tz);
    if (!parsed.name[1].empty() && parsed.name[1][0] >= 'A' && parsed.name[1][0] <= 'Z')
      specs.push_back("*-*-* 02:30 " + parsed.name[1]);
    const auto args = CalendarArgs(base, 4, specs);
    const Output live = Live(tz, args);
    const Output got = Surety(tz, args);
    if (got.out != live.out || (got.rc != 0) != (live.rc != 0)) {
      ++failures;
      ADD_FAILURE() << Reproduce(tz, args) << "\n--- systemd-analyze (rc " << live.rc << ")\n"
                    << live.out << "--- surety (rc " << got.rc << ")\n"
                    << got.out;
    }
  }
}

}  // namespace
}  // namespace surety
