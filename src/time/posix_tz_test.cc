// ParsePosixTz and the Posix* functions: glibc's reading of TZ values that
// are POSIX rules. The answers in these tables were checked against glibc 2.36
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

}  // namespace
}  // namespace surety
