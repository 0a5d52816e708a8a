// Differential test of the zone adapter against the C library's real
// mktime() and localtime().
//
// systemd computes next elapses with glibc's mktime(); our zone adapter
// re-derives that search on top of cctz (or, for a TZ value that is a POSIX
// rule, on posix_tz.h). This test replays long random sequences of mktime()
// calls — in-range and out-of-range fields, every DST hint, times inside
// gaps and overlaps — through both and requires identical instants,
// normalized fields and DST flags; then it converts random instants with
// both localtime_r() and Zone::ToWall() and requires the same fields, offset
// and abbreviation. The zones are chosen for their odd rules, and the TZ
// rule strings for glibc's corners. The C library runs in a forked child
// with TZ set there, so this process's environment is never touched.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>

#include "time/zone.h"

namespace surety {
namespace {

// Runs in the child with TZ=`tz`: returns the number of mismatches.
int CompareInChild(const std::string& tz, uint32_t seed, int calls, int first_year, int last_year) {
  setenv("TZ", tz.c_str(), 1);
  tzset();
  ZoneDb zones;
  const std::shared_ptr<const Zone> zone = zones.LocalFromTz(tz);
  MktimeState state;  // a fresh process: glibc's remembered offset is 0
  state.Tzset();      // and the tzset() above
  std::mt19937 rng(seed);
  // Centre the random walk on years with transitions.
  std::uniform_int_distribution<int> year(first_year, last_year), month(0, 13), day(-1, 33),
      hour(-1, 25), minute(-2, 61), second(-2, 61), dst(-1, 1), near(0, 3);
  int mismatches = 0;
  struct tm prev {};
  bool have_prev = false;
  for (int i = 0; i < calls; ++i) {
    struct tm in {};
    if (have_prev && near(rng) != 0) {
      // Stay close to the last answer: walk the hours around transitions.
      in = prev;
      in.tm_hour += hour(rng) % 3 - 1;
      in.tm_min = minute(rng);
    } else {
      in.tm_year = year(rng) - 1900;
      in.tm_mon = month(rng);
      in.tm_mday = day(rng);
      in.tm_hour = hour(rng);
      in.tm_min = minute(rng);
    }
    in.tm_sec = second(rng);
    in.tm_isdst = dst(rng);
    struct tm real = in;
    time_t rt = mktime(&real);
    WallFields w;
    w.year = in.tm_year + 1900;
    w.month = in.tm_mon + 1;
    w.day = in.tm_mday;
    w.hour = in.tm_hour;
    w.minute = in.tm_min;
    w.second = in.tm_sec;
    w.isdst = in.tm_isdst;
    int64_t et = zone->Mktime(w, state);
    bool same = et == rt && w.year == real.tm_year + 1900 && w.month == real.tm_mon + 1 &&
                w.day == real.tm_mday && w.hour == real.tm_hour && w.minute == real.tm_min &&
                w.second == real.tm_sec && w.isdst == real.tm_isdst;
    if (!same && mismatches++ < 5) {
      std::fprintf(stderr,
                   "%s: mktime(%d-%02d-%02d %02d:%02d:%02d isdst=%d) real=%ld "
                   "isdst=%d ours=%ld isdst=%d\n",
                   tz.c_str(), in.tm_year + 1900, in.tm_mon + 1, in.tm_mday, in.tm_hour, in.tm_min,
                   in.tm_sec, in.tm_isdst, static_cast<long>(rt), real.tm_isdst,
                   static_cast<long>(et), w.isdst);
    }
    prev = real;
    have_prev = true;
  }
  // localtime(): random instants over the same years, and the seconds around
  // the instants the mktime() walk found.
  const int64_t lo = CivilSecondsAsUtc(first_year, 1, 1, 0, 0, 0);
  const int64_t hi = CivilSecondsAsUtc(last_year + 1, 1, 1, 0, 0, 0);
  std::uniform_int_distribution<int64_t> instant(lo, hi);
  for (int i = 0; i < calls; ++i) {
    const time_t t = static_cast<time_t>(instant(rng));
    struct tm real {};
    localtime_r(&t, &real);
    const WallFields w = zone->ToWall(t);
    bool same = w.year == real.tm_year + 1900 && w.month == real.tm_mon + 1 &&
                w.day == real.tm_mday && w.hour == real.tm_hour && w.minute == real.tm_min &&
                w.second == real.tm_sec && w.isdst == real.tm_isdst && w.gmtoff == real.tm_gmtoff &&
                w.weekday == real.tm_wday && w.yearday == real.tm_yday &&
                std::strcmp(w.abbr, real.tm_zone) == 0;
    if (!same && mismatches++ < 5) {
      std::fprintf(stderr, "%s: localtime(%ld) real=%ld %s isdst=%d ours=%ld %s isdst=%d\n",
                   tz.c_str(), static_cast<long>(t), static_cast<long>(real.tm_gmtoff),
                   real.tm_zone, real.tm_isdst, static_cast<long>(w.gmtoff), w.abbr, w.isdst);
    }
  }
  return mismatches;
}

struct OracleCase {
  const char* tz;  // the TZ value
  int first_year, last_year;
};

class MktimeOracle : public testing::TestWithParam<OracleCase> {};

TEST_P(MktimeOracle, MatchesGlibcOnRandomSequences) {
  const OracleCase c = GetParam();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int bad = CompareInChild(c.tz, 12345, 20000, c.first_year, c.last_year);
    _exit(bad > 100 ? 100 : bad);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "mismatches with TZ=" << c.tz;
}

std::string CaseName(const testing::TestParamInfo<OracleCase>& param) {
  std::string n = std::to_string(param.index) + "_";
  for (const char* p = param.param.tz; *p; ++p) {
    const char c = *p;
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    n += plain ? c : '_';
  }
  return n;
}

INSTANTIATE_TEST_SUITE_P(
    Zones, MktimeOracle,
    testing::Values(
        OracleCase{":America/New_York", 1995, 2040}, OracleCase{":Europe/Berlin", 1995, 2040},
        OracleCase{":Australia/Lord_Howe", 1995, 2040}, OracleCase{":Pacific/Chatham", 1995, 2040},
        OracleCase{":America/Santiago", 1995, 2040}, OracleCase{":Asia/Kolkata", 1995, 2040},
        OracleCase{":Europe/Dublin", 1995, 2040}, OracleCase{":Africa/Casablanca", 1995, 2040},
        OracleCase{":America/Sao_Paulo", 1995, 2040}, OracleCase{":Africa/Cairo", 1995, 2040},
        OracleCase{":Pacific/Apia", 1995, 2040}, OracleCase{":America/St_Johns", 1995, 2040},
        OracleCase{":Europe/London", 1995, 2040}, OracleCase{":Asia/Tehran", 1995, 2040},
        OracleCase{":Australia/Sydney", 1995, 2040}, OracleCase{":UTC", 1995, 2040}),
    CaseName);

// TZ values that are POSIX rules (posix_tz.h): both hemispheres, offsets
// with minutes, Julian days, change times past 24 h or negative, negative
// DST, daylight time all year, the posixrules file (and its end in 2037),
// glibc's counting of years up to 1970, and strings glibc reads only partly.
INSTANTIATE_TEST_SUITE_P(
    PosixRules, MktimeOracle,
    testing::Values(OracleCase{"CET-1CEST,M3.5.0,M10.5.0/3", 1966, 2045},
                    OracleCase{"EST5EDT,M3.2.0,M11.1.0", 1966, 2045},
                    OracleCase{"AEST-10AEDT,M10.1.0,M4.1.0/3", 1966, 2045},
                    OracleCase{"NZST-12NZDT,M9.5.0,M4.1.0/3", 1966, 2045},
                    OracleCase{"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", 1966, 2045},
                    OracleCase{"IST-1GMT0,M10.5.0,M3.5.0/1", 1966, 2045},
                    OracleCase{"<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", 1966, 2045},
                    OracleCase{"XXX3YYY,J60/25,J300/-1", 1966, 2045},
                    OracleCase{"XXX3YYY,59/2:30:15,299", 1966, 2045},
                    OracleCase{"<+00>0<+02>-2,0/0,J365/25", 1966, 2045},
                    OracleCase{"<+03>-3", 1966, 2045}, OracleCase{"<-0330>3:30", 1966, 2045},
                    OracleCase{"UTC0", 1966, 2045}, OracleCase{"IST", 1966, 2045},
                    OracleCase{"CET-1CEST", 1966, 2045}, OracleCase{"XXX3YYY", 2030, 2045},
                    OracleCase{"EST5EDT,J0", 1966, 2045}, OracleCase{"EST5 EDT", 1966, 2045},
                    OracleCase{"EST5EDT,M3.2,M11.1.0", 1966, 2045},
                    OracleCase{"EST5,M3.2.0,M11.1.0", 1966, 2045},
                    OracleCase{"XXX+25:99:99", 1966, 2045}),
    CaseName);

}  // namespace
}  // namespace surety
