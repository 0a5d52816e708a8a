// `surety calendar` on specs that do not parse: stdout and the exit status
// stay systemd-analyze's (checked live where it is installed), and stderr
// says what the text probably meant.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_util.h"

namespace surety {
namespace {

using testing_util::RunSurety;

struct Case {
  const char* spec;
  const char* err;  // a part of stderr
};

TEST(CalendarErrors, SayWhatTheSpecProbablyMeant) {
  const Case cases[] = {
      {"daily Europe/Berln",
       "Failed to parse calendar specification 'daily Europe/Berln': Invalid argument "
       "(unknown time zone `Europe/Berln`; did you mean `Europe/Berlin`?)"},
      {"0 2 * * *",
       "Failed to parse calendar specification '0 2 * * *': Invalid argument (this looks like "
       "cron; the calendar spec is `*-*-* 02:00:00`)"},
      {"0 2 L * *", "this looks like cron, but cron day-of-month field `L`"},
      {"*:*/5", "(unexpected character in the time)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.spec);
    const std::vector<std::string> args = {"calendar", "--base-time=2025-06-01 00:00", "--",
                                           c.spec};
    auto r = RunSurety(args, MapEnv({{"TZ", "UTC"}, {"LC_ALL", "C"}}));
    EXPECT_EQ(r.rc, 1);
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(c.err), std::string::npos) << r.err;
    if (testing_util::HaveSystemdAnalyze()) {
      std::string cmd = "LC_ALL=C TZ=UTC systemd-analyze";
      for (const auto& a : args) cmd += " " + testing_util::ShellQuote(a);
      auto live = testing_util::Shell(cmd + " 2>/dev/null");
      EXPECT_EQ(r.out, live.out);
      EXPECT_EQ(r.rc != 0, live.rc != 0);
    }
  }
}

TEST(CalendarErrors, JsonCarriesTheExplanation) {
  auto r = RunSurety({"calendar", "--json", "--", "0 2 * * *"},
                     MapEnv({{"TZ", "UTC"}, {"LC_ALL", "C"}}));
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("this looks like cron; the calendar spec is `*-*-* 02:00:00`"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace surety
