// Zone and ZoneDb: what a TZ value means, and civil times as data in zones
// that are rules. The conversions themselves are compared with glibc in
// mktime_oracle_test.cc.
#include "time/zone.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace surety {
namespace {

int64_t Utc(int y, int mo, int d, int h, int mi) { return CivilSecondsAsUtc(y, mo, d, h, mi, 0); }

TEST(Zone, RuleZoneLooksUpCivilTimesAsData) {
  ZoneDb zones;
  auto z = zones.LocalFromTz(std::string("CET-1CEST,M3.5.0,M10.5.0/3"));
  auto gap = z->Lookup(cctz::civil_second(2025, 3, 30, 2, 30, 0));
  EXPECT_EQ(gap.kind, Zone::CivilKind::kSkipped);
  EXPECT_EQ(gap.pre, Utc(2025, 3, 30, 1, 30));
  EXPECT_EQ(gap.trans, Utc(2025, 3, 30, 1, 0));
  EXPECT_EQ(gap.post, Utc(2025, 3, 30, 0, 30));
  auto overlap = z->Lookup(cctz::civil_second(2025, 10, 26, 2, 30, 0));
  EXPECT_EQ(overlap.kind, Zone::CivilKind::kRepeated);
  EXPECT_EQ(overlap.pre, Utc(2025, 10, 26, 0, 30));
  EXPECT_EQ(overlap.trans, Utc(2025, 10, 26, 1, 0));
  EXPECT_EQ(overlap.post, Utc(2025, 10, 26, 1, 30));
  auto unique = z->Lookup(cctz::civil_second(2025, 6, 1, 12, 0, 0));
  EXPECT_EQ(unique.kind, Zone::CivilKind::kUnique);
  EXPECT_EQ(unique.pre, Utc(2025, 6, 1, 10, 0));
}

TEST(ZoneDb, TzValuesAreFilesFirstThenRules) {
  ZoneDb zones;
  // A file of the tz database, with or without ':'.
  EXPECT_EQ(zones.LocalFromTz(std::string("EST5EDT"))->tzname(1), "EDT");
  EXPECT_FALSE(zones.LocalFromTz(std::string("EST5EDT"))->fixed());
  EXPECT_EQ(zones.LocalFromTz(std::string(":Europe/Berlin"))->tzname(0), "CET");
  // An absolute path is a file too.
  EXPECT_EQ(zones.LocalFromTz(std::string("/usr/share/zoneinfo/Asia/Tokyo"))->ToWall(0).hour, 9);
  // A rule.
  auto eu = zones.LocalFromTz(std::string("CET-1CEST,M3.5.0,M10.5.0/3"));
  EXPECT_EQ(eu->ToWall(Utc(2025, 6, 1, 0, 0)).hour, 2);
  EXPECT_STREQ(eu->ToWall(Utc(2025, 6, 1, 0, 0)).abbr, "CEST");
  EXPECT_FALSE(eu->IsUtcLike());
  // A rule without daylight time is a fixed zone.
  auto plus3 = zones.LocalFromTz(std::string("<+03>-3"));
  EXPECT_TRUE(plus3->fixed());
  EXPECT_EQ(plus3->fixed_offset(), 10800);
  EXPECT_EQ(plus3->tzname(0), "+03");
  // What glibc cannot read: UTC under the name it read.
  auto ist = zones.LocalFromTz(std::string("IST"));
  EXPECT_TRUE(ist->IsUtcLike());
  EXPECT_STREQ(ist->ToWall(0).abbr, "IST");
  // TZ=":" and TZ="" are UTC.
  EXPECT_TRUE(zones.LocalFromTz(std::string(":"))->IsUtcLike());
  EXPECT_EQ(zones.LocalFromTz(std::string(""))->tzname(0), "UTC");
}

TEST(ZoneDb, DaylightZoneWithoutRulesTakesThePosixrulesFile) {
  // Debian's posixrules is America/New_York: TZ=CET-1CEST changes on the US
  // dates (glibc: 2025-03-15 12:00 UTC is 14:00 CEST), and past the file's
  // last transition (2037) it is New York time under New York's names.
  ZoneDb zones;
  auto z = zones.LocalFromTz(std::string("CET-1CEST"));
  WallFields w = z->ToWall(Utc(2025, 3, 15, 12, 0));
  EXPECT_EQ(w.hour, 14);
  EXPECT_STREQ(w.abbr, "CEST");
  w = z->ToWall(Utc(2025, 11, 5, 12, 0));
  EXPECT_EQ(w.hour, 13);
  EXPECT_STREQ(w.abbr, "CET");
  w = z->ToWall(Utc(2040, 3, 15, 12, 0));
  EXPECT_EQ(w.hour, 8);
  EXPECT_STREQ(w.abbr, "EDT");
  EXPECT_EQ(z->tzname(0), "CET");
  EXPECT_FALSE(z->IsUtcLike());
}

}  // namespace
}  // namespace surety
