// ExpandTimeFormat: every conversion, in the zone and across DST changes.
#include "time/time_format.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "time/timestamp.h"

namespace surety {
namespace {

Instant UtcAt(int64_t year, int month, int day, int hour, int minute, int second) {
  return Instant{std::chrono::seconds{CivilSecondsAsUtc(year, month, day, hour, minute, second)}};
}

class TimeFormat : public ::testing::Test {
 protected:
  void SetUp() override {
    auto z = zones_.Get("Europe/Berlin");
    ASSERT_TRUE(z.ok()) << z.status().message();
    berlin_ = *z;
  }
  ZoneDb zones_;
  std::shared_ptr<const Zone> berlin_;
};

TEST_F(TimeFormat, DesignExample) {
  EXPECT_EQ(ExpandTimeFormat("/backups/db-%Y-%m-%d.dump", UtcAt(2026, 11, 22, 1, 30, 0), *berlin_),
            "/backups/db-2026-11-22.dump");
}

TEST_F(TimeFormat, UsesTheZoneNotUtc) {
  // 23:30 UTC on the 21st is already the 22nd in Berlin.
  Instant t = UtcAt(2026, 11, 21, 23, 30, 0);
  EXPECT_EQ(ExpandTimeFormat("%F %T", t, *berlin_), "2026-11-22 00:30:00");
  EXPECT_EQ(ExpandTimeFormat("%F %T", t, *Zone::Utc()), "2026-11-21 23:30:00");
}

TEST_F(TimeFormat, SpringForwardInBerlin) {
  // 2026-03-29 01:00 UTC: 02:00 CET becomes 03:00 CEST.
  const std::string pattern = "%Y-%m-%d %H:%M:%S %Z %z %j %a %b %e %s";
  EXPECT_EQ(ExpandTimeFormat(pattern, UtcAt(2026, 3, 29, 0, 59, 59), *berlin_),
            "2026-03-29 01:59:59 CET +0100 088 Sun Mar 29 1774745999");
  EXPECT_EQ(ExpandTimeFormat(pattern, UtcAt(2026, 3, 29, 1, 0, 0), *berlin_),
            "2026-03-29 03:00:00 CEST +0200 088 Sun Mar 29 1774746000");
}

TEST_F(TimeFormat, FallBackInBerlinRepeatsTheHour) {
  // 2026-10-25 01:00 UTC: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
  const std::string pattern = "db-%F-%H%M-%Z%z.dump";
  EXPECT_EQ(ExpandTimeFormat(pattern, UtcAt(2026, 10, 25, 0, 30, 0), *berlin_),
            "db-2026-10-25-0230-CEST+0200.dump");
  EXPECT_EQ(ExpandTimeFormat(pattern, UtcAt(2026, 10, 25, 1, 30, 0), *berlin_),
            "db-2026-10-25-0230-CET+0100.dump");
  EXPECT_EQ(ExpandTimeFormat("%j %a", UtcAt(2026, 10, 25, 1, 30, 0), *berlin_), "298 Sun");
}

TEST_F(TimeFormat, EveryConversion) {
  Instant t = UtcAt(2009, 2, 3, 4, 5, 6) + std::chrono::milliseconds(999);
  const Zone& utc = *Zone::Utc();
  struct Row {
    const char* pattern;
    const char* expected;
  } rows[] = {
      {"%Y", "2009"},       {"%m", "02"},      {"%d", "03"},         {"%H", "04"},
      {"%M", "05"},         {"%S", "06"},      {"%y", "09"},         {"%j", "034"},
      {"%a", "Tue"},        {"%A", "Tuesday"}, {"%b", "Feb"},        {"%B", "February"},
      {"%h", "Feb"},        {"%e", " 3"},      {"%F", "2009-02-03"}, {"%T", "04:05:06"},
      {"%s", "1233633906"}, {"%Z", "UTC"},     {"%z", "+0000"},      {"%%", "%"},
      {"%%Y", "%Y"},        {"100%", "100%"},  {"%Q", "%Q"},         {"%E%O", "%E%O"},
      {"plain", "plain"},   {"", ""},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(ExpandTimeFormat(row.pattern, t, utc), row.expected) << row.pattern;
  }
}

TEST_F(TimeFormat, NegativeOffset) {
  auto ny = zones_.Get("America/New_York");
  ASSERT_TRUE(ny.ok());
  EXPECT_EQ(ExpandTimeFormat("%F %H %Z %z", UtcAt(2026, 1, 15, 3, 0, 0), **ny),
            "2026-01-14 22 EST -0500");
}

}  // namespace
}  // namespace surety
