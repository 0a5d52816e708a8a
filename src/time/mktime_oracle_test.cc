// Differential test of Zone::Mktime against the C library's real mktime().
//
// systemd computes next elapses with glibc's mktime(); our zone adapter
// re-derives that search on top of cctz. This test replays long random
// sequences of mktime() calls — in-range and out-of-range fields, every DST
// hint, times inside gaps and overlaps — through both and requires identical
// instants, normalized fields and DST flags, in zones chosen for their odd
// rules. The real mktime() runs in a forked child with TZ set there, so this
// process's environment is never touched.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>

#include "time/zone.h"

namespace surety {
namespace {

// Runs in the child: returns the number of mismatches.
int CompareInChild(const std::string& zone_name, uint32_t seed, int calls) {
  setenv("TZ", (":" + zone_name).c_str(), 1);
  tzset();
  auto zone = Zone::Load(zone_name);
  if (!zone.ok()) return 1000;
  MktimeState state;  // a fresh process: glibc's remembered offset is 0
  std::mt19937 rng(seed);
  // Centre the random walk on years with transitions.
  std::uniform_int_distribution<int> year(1995, 2040), month(0, 13), day(-1, 33), hour(-1, 25),
      minute(-2, 61), second(-2, 61), dst(-1, 1), near(0, 3);
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
    int64_t et = (*zone)->Mktime(w, state);
    bool same = et == rt && w.year == real.tm_year + 1900 && w.month == real.tm_mon + 1 &&
                w.day == real.tm_mday && w.hour == real.tm_hour && w.minute == real.tm_min &&
                w.second == real.tm_sec && w.isdst == real.tm_isdst;
    if (!same && mismatches++ < 5) {
      std::fprintf(stderr,
                   "%s: mktime(%d-%02d-%02d %02d:%02d:%02d isdst=%d) real=%ld "
                   "isdst=%d ours=%ld isdst=%d\n",
                   zone_name.c_str(), in.tm_year + 1900, in.tm_mon + 1, in.tm_mday, in.tm_hour,
                   in.tm_min, in.tm_sec, in.tm_isdst, static_cast<long>(rt), real.tm_isdst,
                   static_cast<long>(et), w.isdst);
    }
    prev = real;
    have_prev = true;
  }
  return mismatches;
}

class MktimeOracle : public testing::TestWithParam<const char*> {};

TEST_P(MktimeOracle, MatchesGlibcOnRandomSequences) {
  std::string zone = GetParam();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    int bad = CompareInChild(zone, 12345, 20000);
    _exit(bad > 100 ? 100 : bad);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "mismatches in " << zone;
}

INSTANTIATE_TEST_SUITE_P(Zones, MktimeOracle,
                         testing::Values("America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
                                         "Pacific/Chatham", "America/Santiago", "Asia/Kolkata",
                                         "Europe/Dublin", "Africa/Casablanca", "America/Sao_Paulo",
                                         "Africa/Cairo", "Pacific/Apia", "America/St_Johns",
                                         "Europe/London", "Asia/Tehran", "Australia/Sydney", "UTC"),
                         [](const testing::TestParamInfo<const char*>& param) {
                           std::string n = param.param;
                           for (char& c : n)
                             if (c == '/') c = '_';
                           return n;
                         });

}  // namespace
}  // namespace surety
