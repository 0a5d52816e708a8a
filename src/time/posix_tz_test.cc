// ParsePosixTz and GlibcRuleZone: glibc's reading of TZ values that name no
// zone file. The answers in these tables were checked against glibc 2.36
// (`TZ=VALUE date -d @T '+%F %T %Z %z'`); the randomized comparison with the
// real localtime() and mktime() is in mktime_oracle_test.cc.
#include "time/posix_tz.h"

#include <gtest/gtest.h>

#include <string>

#include "time/zone.h"

namespace surety {
namespace {

using Day = PosixTzRule::Day;

struct RuleRow {
  Day kind;
  int month, week, day;
  int32_t secs;
};

struct ParseRow {
  const char* text;
  const char* std_name;
  int32_t std_offset;
  const char* dst_name;
  int32_t dst_offset;
  RuleRow start, end;
  bool wants_default_rules;
};

constexpr RuleRow kNone{Day::kZeroBased, 0, 0, 0, 0};
constexpr RuleRow kUsStart{Day::kMonthWeekDay, 3, 2, 0, 7200};
constexpr RuleRow kUsEnd{Day::kMonthWeekDay, 11, 1, 0, 7200};

const ParseRow kParseRows[] = {
    // The common forms.
    {"CET-1CEST,M3.5.0,M10.5.0/3", "CET", 3600, "CEST", 7200,
     RuleRow{Day::kMonthWeekDay, 3, 5, 0, 7200}, RuleRow{Day::kMonthWeekDay, 10, 5, 0, 10800},
     false},
    {"EST5EDT,M3.2.0,M11.1.0", "EST", -18000, "EDT", -14400, kUsStart, kUsEnd, false},
    {"AEST-10AEDT,M10.1.0,M4.1.0/3", "AEST", 36000, "AEDT", 39600,
     RuleRow{Day::kMonthWeekDay, 10, 1, 0, 7200}, RuleRow{Day::kMonthWeekDay, 4, 1, 0, 10800},
     false},
    {"<+03>-3", "+03", 10800, "+03", 10800, kNone, kNone, false},
    {"<-0330>3:30", "-0330", -12600, "-0330", -12600, kNone, kNone, false},
    {"IST-5:30", "IST", 19800, "IST", 19800, kNone, kNone, false},
    {"UTC0", "UTC", 0, "UTC", 0, kNone, kNone, false},
    {"EST5", "EST", -18000, "EST", -18000, kNone, kNone, false},
    {"<+1030>-10:30<+11>-11,M10.1.0,M4.1.0", "+1030", 37800, "+11", 39600,
     RuleRow{Day::kMonthWeekDay, 10, 1, 0, 7200}, RuleRow{Day::kMonthWeekDay, 4, 1, 0, 7200},
     false},
    // Julian days, both counts, and times of day past 24 h or negative.
    {"XXX3YYY,J60/25,J300/-1", "XXX", -10800, "YYY", -7200, RuleRow{Day::kJulian, 0, 0, 60, 90000},
     RuleRow{Day::kJulian, 0, 0, 300, -3600}, false},
    {"XXX3YYY,59/2:30:15,299", "XXX", -10800, "YYY", -7200,
     RuleRow{Day::kZeroBased, 0, 0, 59, 9015}, RuleRow{Day::kZeroBased, 0, 0, 299, 7200}, false},
    {"EST5EDT,M3.2.0/-1:30,M11.1.0/+26", "EST", -18000, "EDT", -14400,
     RuleRow{Day::kMonthWeekDay, 3, 2, 0, -5400}, RuleRow{Day::kMonthWeekDay, 11, 1, 0, 93600},
     false},
    {"EST5EDT4:30,M3.2.0,M11.1.0", "EST", -18000, "EDT", -16200, kUsStart, kUsEnd, false},
    // Offsets are clamped to 24:59:59.
    {"XXX+25:99:99", "XXX", -(24 * 3600 + 59 * 60 + 59), "XXX", -(24 * 3600 + 59 * 60 + 59), kNone,
     kNone, false},
    // A daylight zone without rules: the posixrules file first, the US rules
    // without it.
    {"CET-1CEST", "CET", 3600, "CEST", 7200, kUsStart, kUsEnd, true},
    {"XXX3YYY,", "XXX", -10800, "YYY", -7200, kUsStart, kUsEnd, true},
    // What glibc cannot read stays as far as it got.
    {"IST", "IST", 0, "", 0, kNone, kNone, false},
    {"5", "", 0, "", 0, kNone, kNone, false},
    {"AB5", "", 0, "", 0, kNone, kNone, false},
    {"<AB>5", "", 0, "", 0, kNone, kNone, false},
    {"EST 5", "EST", 0, "", 0, kNone, kNone, false},
    {"EST5 EDT", "EST", -18000, "", 0, kNone, kNone, false},
    {"EST5,M3.2.0,M11.1.0", "EST", -18000, "", 0, kUsStart, kUsEnd, false},
    {"EST5EDT,M3.2,M11.1.0", "EST", -18000, "EDT", -14400, RuleRow{Day::kMonthWeekDay, 3, 2, 0, 0},
     kNone, false},
    {"EST5EDT,M13.1.0,M11.1.0", "EST", -18000, "EDT", -14400,
     RuleRow{Day::kMonthWeekDay, 13, 1, 0, 0}, kNone, false},
    {"EST5EDT,J0", "EST", -18000, "EDT", -14400, RuleRow{Day::kJulian, 0, 0, 0, 0}, kNone, false},
    {"EST5EDT,366,300", "EST", -18000, "EDT", -14400, kNone, kNone, false},
    {"EST5EDT,M3.2.0x,M11.1.0", "EST", -18000, "EDT", -14400,
     RuleRow{Day::kMonthWeekDay, 3, 2, 0, 0}, kNone, false},
    // An empty time of day keeps the default 02:00; sscanf skips blanks.
    {"EST5EDT,M3.2.0/,M11.1.0/ 3", "EST", -18000, "EDT", -14400, kUsStart,
     RuleRow{Day::kMonthWeekDay, 11, 1, 0, 10800}, false},
};

void ExpectRule(const PosixTzRule& got, const RuleRow& want, const char* which) {
  SCOPED_TRACE(which);
  EXPECT_EQ(got.kind, want.kind);
  EXPECT_EQ(got.month, want.month);
  EXPECT_EQ(got.week, want.week);
  EXPECT_EQ(got.day, want.day);
  EXPECT_EQ(got.secs, want.secs);
}

TEST(PosixTz, ParsesAsGlibcDoesIncludingWhatItCannotRead) {
  for (const ParseRow& row : kParseRows) {
    SCOPED_TRACE(std::string("TZ=") + row.text);
    PosixTz tz = ParsePosixTz(row.text);
    EXPECT_EQ(tz.name[0], row.std_name);
    EXPECT_EQ(tz.offset[0], row.std_offset);
    EXPECT_EQ(tz.name[1], row.dst_name);
    EXPECT_EQ(tz.offset[1], row.dst_offset);
    ExpectRule(tz.rule[0], row.start, "start rule");
    ExpectRule(tz.rule[1], row.end, "end rule");
    EXPECT_EQ(tz.wants_default_rules, row.wants_default_rules);
  }
}

TEST(PosixTz, SixteenBitNumbersWrapAsSscanfReadsThem) {
  // "%hu" of "-1" is 65535 and of 70000 is 4464; the hour is then clamped.
  EXPECT_EQ(ParsePosixTz("XXX3YYY+-1").offset[1], -(24 * 3600));
  EXPECT_EQ(ParsePosixTz("XXX3YYY,M3.2.0/70000,M11.1.0").rule[0].secs, 4464 * 3600);
}

int64_t Utc(int y, int mo, int d, int h, int mi) { return CivilSecondsAsUtc(y, mo, d, h, mi, 0); }

TEST(PosixTz, ChangeInstantsOfRealRules) {
  const PosixTz eu = ParsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_EQ(PosixTzChange(eu, 0, 2025), Utc(2025, 3, 30, 1, 0));
  EXPECT_EQ(PosixTzChange(eu, 1, 2025), Utc(2025, 10, 26, 1, 0));
  // A fifth Sunday that does not exist is the last one.
  EXPECT_EQ(PosixTzChange(eu, 0, 2026), Utc(2026, 3, 29, 1, 0));
  const PosixTz us = ParsePosixTz("EST5EDT,M3.2.0,M11.1.0");
  EXPECT_EQ(PosixTzChange(us, 0, 2025), Utc(2025, 3, 9, 7, 0));
  EXPECT_EQ(PosixTzChange(us, 1, 2025), Utc(2025, 11, 2, 6, 0));
  // Jn never counts February 29; n does.
  const PosixTz julian = ParsePosixTz("XXX3YYY,J60/0,59/0");
  EXPECT_EQ(PosixTzChange(julian, 0, 2024), Utc(2024, 3, 1, 3, 0));
  EXPECT_EQ(PosixTzChange(julian, 1, 2024), Utc(2024, 2, 29, 2, 0));
  EXPECT_EQ(PosixTzChange(julian, 0, 2025), Utc(2025, 3, 1, 3, 0));
  EXPECT_EQ(PosixTzChange(julian, 1, 2025), Utc(2025, 3, 1, 2, 0));
  // glibc counts every year up to 1970 from 1970-01-01.
  EXPECT_EQ(PosixTzChange(julian, 0, 1969), PosixTzChange(julian, 0, 1970));
  EXPECT_EQ(PosixTzChange(julian, 0, 1968), Utc(1970, 3, 1, 3, 0) + 86400);  // 1968 is leap
}

TEST(PosixTz, DaylightTimeInBothHemispheres) {
  const PosixTz eu = ParsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3");
  EXPECT_FALSE(PosixTzIsDaylight(eu, Utc(2025, 3, 30, 0, 59) + 59));
  EXPECT_TRUE(PosixTzIsDaylight(eu, Utc(2025, 3, 30, 1, 0)));
  EXPECT_TRUE(PosixTzIsDaylight(eu, Utc(2025, 10, 26, 0, 59)));
  EXPECT_FALSE(PosixTzIsDaylight(eu, Utc(2025, 10, 26, 1, 0)));
  const PosixTz au = ParsePosixTz("AEST-10AEDT,M10.1.0,M4.1.0/3");
  EXPECT_TRUE(PosixTzIsDaylight(au, Utc(2025, 1, 15, 0, 0)));
  EXPECT_FALSE(PosixTzIsDaylight(au, Utc(2025, 6, 15, 0, 0)));
  EXPECT_TRUE(PosixTzIsDaylight(au, Utc(2025, 12, 31, 23, 0)));
  // 2025-04-06 03:00 AEDT = 2025-04-05 16:00 UTC.
  EXPECT_TRUE(PosixTzIsDaylight(au, Utc(2025, 4, 5, 15, 59)));
  EXPECT_FALSE(PosixTzIsDaylight(au, Utc(2025, 4, 5, 16, 0)));
}

TEST(PosixTz, UnreadableRulesStillDecideDaylightTime) {
  // glibc (checked with date): TZ='EST5 EDT' reads as EST with an unnamed
  // daylight time at UTC+0 that lasts all year but the first five hours of
  // January 1 (UTC); TZ='EST5EDT,J0' starts daylight time on January 1.
  GlibcRuleZone odd(ParsePosixTz("EST5 EDT"));
  EXPECT_EQ(odd.At(1750000000).offset, 0);
  EXPECT_STREQ(odd.At(1750000000).abbr, "");
  EXPECT_EQ(odd.At(Utc(2025, 1, 1, 1, 0)).offset, -18000);
  EXPECT_STREQ(odd.At(Utc(2025, 1, 1, 1, 0)).abbr, "EST");
  GlibcRuleZone j0(ParsePosixTz("EST5EDT,J0"));
  EXPECT_STREQ(j0.At(1750000000).abbr, "EST");
  EXPECT_STREQ(j0.At(Utc(2025, 1, 1, 2, 0)).abbr, "EDT");
}

TEST(GlibcRuleZone, TznameAndUtcLikeAsTzsetLeavesThem) {
  GlibcRuleZone eu(ParsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3"));
  EXPECT_EQ(eu.tzname(0), "CET");
  EXPECT_EQ(eu.tzname(1), "CEST");
  EXPECT_FALSE(eu.utc_like());
  EXPECT_TRUE(GlibcRuleZone(ParsePosixTz("UTC0")).utc_like());
  EXPECT_TRUE(GlibcRuleZone(ParsePosixTz("IST")).utc_like());
  // Daylight time at UTC+0 still counts as `daylight`.
  EXPECT_FALSE(GlibcRuleZone(ParsePosixTz("GMT0BST,M3.5.0/1,M10.5.0")).utc_like());
}

TEST(GlibcRuleZone, ChangesBetweenListsEveryChange) {
  GlibcRuleZone eu(ParsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3"));
  const int64_t from = Utc(2025, 1, 1, 0, 0) - 1;
  const auto changes = eu.ChangesBetween(from, Utc(2026, 1, 1, 0, 0) - 1);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0], Utc(2025, 1, 1, 0, 0));  // a year start, where glibc re-reads the rule
  EXPECT_EQ(changes[1], Utc(2025, 3, 30, 1, 0));
  EXPECT_EQ(changes[2], Utc(2025, 10, 26, 1, 0));
}

// A TZif version 2 file with the given transitions (instant, type) and types
// (offset, isdst, abbreviation index, isstd, isut), abbreviations and footer.
struct FileType {
  int32_t offset;
  bool isdst;
  int abbr;
  bool isstd, isut;
};

std::string Be(int64_t v, int width) {
  std::string s;
  for (int k = width - 1; k >= 0; --k) s += static_cast<char>((v >> (8 * k)) & 0xff);
  return s;
}

std::string MakeTzif(const std::vector<std::pair<int64_t, int>>& transitions,
                     const std::vector<FileType>& types, const std::string& chars,
                     const std::string& footer) {
  auto header = [&](size_t times) {
    std::string h = "TZif2" + std::string(15, '\0');
    const auto n = static_cast<int64_t>(types.size());
    h += Be(n, 4) + Be(n, 4) + Be(0, 4) + Be(static_cast<int64_t>(times), 4) + Be(n, 4) +
         Be(static_cast<int64_t>(chars.size()), 4);
    return h;
  };
  auto body = [&](bool wide) {
    std::string b;
    for (const auto& t : transitions) b += Be(t.first, wide ? 8 : 4);
    for (const auto& t : transitions) b += static_cast<char>(t.second);
    for (const FileType& t : types)
      b += Be(t.offset, 4) + static_cast<char>(t.isdst) + static_cast<char>(t.abbr);
    b += chars;
    for (const FileType& t : types) b += static_cast<char>(t.isstd);
    for (const FileType& t : types) b += static_cast<char>(t.isut);
    return b;
  };
  return header(transitions.size()) + body(false) + header(transitions.size()) + body(true) + "\n" +
         footer + "\n";
}

TEST(GlibcRuleZone, DefaultRulesMoveTheFilesTransitionsToTheGivenOffsets) {
  // A posixrules file at UTC-5/-4 (daylight 2020-03-08 07:00 to 2020-11-01
  // 06:00 UTC), transitions in local wall time. For TZ=XXX-1YYY (UTC+1/+2)
  // glibc moves the start by the user's standard offset less the file's,
  // +1 - -5 = +6 h, and leaves the end, which follows daylight time, where
  // it is (see WithDefaultRules; checked with TZ=CET-1CEST on Debian, whose
  // posixrules is New York: 13:00 and 06:00 UTC).
  const int64_t start = Utc(2020, 3, 8, 7, 0), end = Utc(2020, 11, 1, 6, 0);
  const std::string file = MakeTzif(
      {{start, 1}, {end, 0}}, {{-18000, false, 0, false, false}, {-14400, true, 4, false, false}},
      std::string("EST\0EDT\0", 8), "EST5EDT,M3.2.0,M11.1.0");
  PosixTz tz = ParsePosixTz("XXX-1YYY");
  ASSERT_TRUE(tz.wants_default_rules);
  auto z = GlibcRuleZone::WithDefaultRules(tz, file, tz.offset[1]);
  ASSERT_NE(z, nullptr);
  const int64_t shift = 6 * 3600;
  EXPECT_STREQ(z->At(start + shift - 1).abbr, "XXX");
  EXPECT_EQ(z->At(start + shift - 1).offset, 3600);
  EXPECT_STREQ(z->At(start + shift).abbr, "YYY");
  EXPECT_EQ(z->At(start + shift).offset, 7200);
  EXPECT_STREQ(z->At(end - 1).abbr, "YYY");
  // At the last transition and after it, the file's footer rules with its
  // own offsets and names.
  EXPECT_STREQ(z->At(end).abbr, "EST");
  EXPECT_EQ(z->At(end).offset, -18000);
  EXPECT_STREQ(z->At(Utc(2021, 6, 1, 0, 0)).abbr, "EDT");
  EXPECT_EQ(z->tzname(0), "XXX");
  EXPECT_EQ(z->tzname(1), "YYY");
  EXPECT_FALSE(z->utc_like());

  // At a process's first setup glibc's rule_dstoff is still 0: the end moves
  // by the whole daylight offset, +2 h (TZ=CET-1CEST: 08:00 UTC).
  auto first = GlibcRuleZone::WithDefaultRules(tz, file, 0);
  ASSERT_NE(first, nullptr);
  EXPECT_STREQ(first->At(start + shift).abbr, "YYY");
  EXPECT_STREQ(first->At(end + 7200 - 1).abbr, "YYY");
  EXPECT_STREQ(first->At(end + 7200).abbr, "EST");

  // A transition given in UT does not move; one given in standard time moves
  // by the standard offsets even when it follows daylight time.
  const std::string flagged = MakeTzif(
      {{start, 1}, {end, 0}}, {{-18000, false, 0, true, false}, {-14400, true, 4, true, true}},
      std::string("EST\0EDT\0", 8), "EST5EDT,M3.2.0,M11.1.0");
  auto f = GlibcRuleZone::WithDefaultRules(tz, flagged, tz.offset[1]);
  ASSERT_NE(f, nullptr);
  EXPECT_STREQ(f->At(start - 1).abbr, "XXX");
  EXPECT_STREQ(f->At(start).abbr, "YYY");
  EXPECT_STREQ(f->At(end + shift - 1).abbr, "YYY");
  EXPECT_STREQ(f->At(end + shift).abbr, "EST");
}

TEST(GlibcRuleZone, DefaultRulesRefuseWhatGlibcRefuses) {
  PosixTz tz = ParsePosixTz("CET-1CEST");
  EXPECT_EQ(GlibcRuleZone::WithDefaultRules(tz, "", 0), nullptr);
  EXPECT_EQ(GlibcRuleZone::WithDefaultRules(tz, "not a zone file", 0), nullptr);
  // One type only.
  EXPECT_EQ(
      GlibcRuleZone::WithDefaultRules(
          tz, MakeTzif({}, {{0, false, 0, false, false}}, std::string("UTC\0", 4), "UTC0"), 0),
      nullptr);
  // A transition naming a type that does not exist.
  EXPECT_EQ(GlibcRuleZone::WithDefaultRules(
                tz,
                MakeTzif({{0, 5}}, {{0, false, 0, false, false}, {3600, true, 0, false, false}},
                         std::string("UTC\0", 4), "UTC0"),
                0),
            nullptr);
  // Cut short.
  const std::string good =
      MakeTzif({{0, 1}}, {{0, false, 0, false, false}, {3600, true, 0, false, false}},
               std::string("UTC\0", 4), "UTC0");
  EXPECT_NE(GlibcRuleZone::WithDefaultRules(tz, good, 0), nullptr);
  EXPECT_EQ(GlibcRuleZone::WithDefaultRules(tz, good.substr(0, good.size() - 8), 0), nullptr);
}

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
