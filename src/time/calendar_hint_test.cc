// CalendarHint and ExplainInvalidCalendar: what `surety calendar` and the job
// file loader say about a spec that does not parse.
#include "time/calendar_hint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

namespace surety {
namespace {

// A parse context over a zone database, as a command builds it.
struct Context {
  explicit Context(std::string root = "/usr/share/zoneinfo") : zones(std::move(root)) {
    ctx.tzname[0] = ctx.tzname[1] = "UTC";
    ctx.zones = &zones;
  }
  ZoneDb zones;
  CalendarParseContext ctx;
};

struct Row {
  const char* spec;
  std::optional<std::string> hint;
};

TEST(CalendarHint, NamesTheMistake) {
  const Row rows[] = {
      // Zone suffixes the tz database does not have.
      {"daily Europe/Berln", "unknown time zone `Europe/Berln`; did you mean `Europe/Berlin`?"},
      {"*-*-* 02:30 America/New_Yrok",
       "unknown time zone `America/New_Yrok`; did you mean `America/New_York`?"},
      {"daily europe/berlin", "unknown time zone `europe/berlin`; did you mean `Europe/Berlin`?"},
      {"daily Berlin", "unknown time zone `Berlin`; did you mean `Europe/Berlin`?"},
      {"Mon..Fri 09:00 Asia/Tokio", "unknown time zone `Asia/Tokio`; did you mean `Asia/Tokyo`?"},
      // Nothing close: said without a guess.
      {"daily Mars/Olympus_Mons", "unknown time zone `Mars/Olympus_Mons`"},
      // Cron.
      {"0 2 * * *", "this looks like cron; the calendar spec is `*-*-* 02:00:00`"},
      {"*/15 9-17 * * mon-fri",
       "this looks like cron; the calendar spec is `Mon..Fri *-*-* 09..17:00/15:00`"},
      {"0 0 1,15 * 1",
       "this looks like cron; the calendar specs are `*-*-01,15 00:00:00` and "
       "`Mon *-*-* 00:00:00` (cron runs when either the day of the month or the weekday "
       "matches)"},
      {"@weekly", "this looks like cron; the calendar spec is `Sun *-*-* 00:00:00`"},
      {"@reboot",
       "this looks like cron, but cron's @reboot runs once when the machine starts, not at a "
       "time; no calendar spec says that"},
      // Nothing better to say than the parser.
      {"daily Mon", std::nullopt},
      {"Mon 25:00 Europe/Berlin", std::nullopt},  // the zone is fine
      {"*:*/5", std::nullopt},
      {"2025-13-01", std::nullopt},
      {"", std::nullopt},
  };
  Context c;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.spec);
    ASSERT_FALSE(ParseCalendarSpec(row.spec, c.ctx).ok()) << "a valid spec in the table";
    EXPECT_EQ(CalendarHint(row.spec, c.ctx), row.hint);
  }
}

TEST(CalendarHint, ExplainUsesTheHintOrElseTheParserReason) {
  Context c;
  EXPECT_EQ(ExplainInvalidCalendar("daily Europe/Berln", "expected a number", c.ctx),
            "unknown time zone `Europe/Berln`; did you mean `Europe/Berlin`?");
  EXPECT_EQ(ExplainInvalidCalendar("*:*/5", "unexpected character after a value", c.ctx),
            "unexpected character after a value");
}

TEST(CalendarHint, LeavesGlibcMemoryAlone) {
  Context c;
  MktimeState state;
  c.ctx.mktime = &state;
  (void)CalendarHint("daily Berlin", c.ctx);  // re-parses "daily"
  EXPECT_EQ(state.tzsets, 0);
}

// A zone database of our own: the names come from its tzdata.zi, and zones
// win ties over links.
class FakeZoneinfo : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/surety-zoneinfo-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(root_ + "/" + name) << text;
  }
  std::string root_;
};

TEST_F(FakeZoneinfo, SuggestsFromTzdataZi) {
  Write("tzdata.zi",
        "# version 2099z\n"
        "R X 2000 o - Ja 1 0 0 -\n"
        "Z Area/Alphaville 1 - +01\n"
        "Z Area/Betatown 2 - +02\n"
        "L Area/Alphaville Other/Alphavilla\n");
  Context c(root_);
  EXPECT_EQ(c.zones.KnownNames(),
            (std::vector<std::string>{"Area/Alphaville", "Area/Betatown", "Other/Alphavilla"}));
  // One edit from the zone and from the link: the zone wins.
  EXPECT_EQ(CalendarHint("daily Area/Alphavill", c.ctx),
            "unknown time zone `Area/Alphavill`; did you mean `Area/Alphaville`?");
  EXPECT_EQ(CalendarHint("daily Betatown", c.ctx),
            "unknown time zone `Betatown`; did you mean `Area/Betatown`?");
  EXPECT_EQ(CalendarHint("daily Area/Gammacity", c.ctx), "unknown time zone `Area/Gammacity`");
}

TEST_F(FakeZoneinfo, FallsBackToZoneTabs) {
  Write("zone1970.tab", "#codes\tcoordinates\tTZ\nXX\t+0000+00000\tArea/Alphaville\n");
  Write("zone.tab", "XX\t+0000+00000\tArea/Alphaville\nYY\t+0000+00000\tArea/Deltaport\tnote\n");
  Context c(root_);
  EXPECT_EQ(c.zones.KnownNames(),
            (std::vector<std::string>{"Area/Alphaville", "Area/Deltaport", "UTC"}));
  EXPECT_EQ(CalendarHint("daily Area/Deltaprot", c.ctx),
            "unknown time zone `Area/Deltaprot`; did you mean `Area/Deltaport`?");
}

TEST_F(FakeZoneinfo, NoListNoGuess) {
  Context c(root_);
  EXPECT_TRUE(c.zones.KnownNames().empty());
  EXPECT_EQ(CalendarHint("daily Area/Alphavill", c.ctx), "unknown time zone `Area/Alphavill`");
  EXPECT_EQ(CalendarHint("daily Alphavill", c.ctx), std::nullopt);
}

}  // namespace
}  // namespace surety
