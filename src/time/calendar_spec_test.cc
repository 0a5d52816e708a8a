// CalendarSpec tests: three tables checked against systemd 252.
//
// Every expected value below was produced by the installed oracle, e.g.
//   LC_ALL=C TZ=:Europe/Berlin systemd-analyze calendar
//       --base-time=@1711846800 --iterations=3 -- '*:0/20'
// ("(in UTC)" lines copied as RFC 3339; the local wall time is in the
// comment). Errors were checked the same way: systemd-analyze prints the
// errno text (Invalid argument / Numerical result out of range / No buffer
// space available).
#include "time/calendar_spec.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "time/timestamp.h"
#include "time/zone.h"

namespace surety {
namespace {

// Parsing with a process-local zone as glibc would see it with TZ=`tz`.
class ParseEnv {
 public:
  explicit ParseEnv(const std::string& tz) : local_(zones_.LocalFromTz(tz)) {
    ctx_.tzname[0] = local_->tzname(0);
    ctx_.tzname[1] = local_->tzname(1);
    ctx_.zones = &zones_;
  }
  const CalendarParseContext& ctx() const { return ctx_; }
  const Zone* local() const { return local_.get(); }
  ZoneDb* zones() { return &zones_; }

  // The normalized text, or "error: <errno text>".
  std::string Normalize(std::string_view text) const {
    auto spec = ParseCalendarSpec(text, ctx_);
    if (!spec.ok()) return "error: " + std::string(spec.status().ErrnoText());
    return FormatCalendarSpec(*spec, ctx_);
  }

 private:
  ZoneDb zones_;
  std::shared_ptr<const Zone> local_;
  CalendarParseContext ctx_;
};

struct NormalizeRow {
  const char* input;
  const char* normalized;
};

// Local zone Europe/Berlin (TZ=:Europe/Berlin) for all rows.
const NormalizeRow kValid[] = {
    // Weekdays: lists, ranges, legacy '-', any case, full names, runs.
    {"Sat,Thu,Mon-Wed,Sat-Sun", "Mon..Thu,Sat,Sun *-*-* 00:00:00"},
    {"mon..fri", "Mon..Fri *-*-* 00:00:00"},
    {"MONDAY,wednesday", "Mon,Wed *-*-* 00:00:00"},
    {"monDAY..wednesDAY", "Mon..Wed *-*-* 00:00:00"},
    {"mOn", "Mon *-*-* 00:00:00"},
    {"Thursday", "Thu *-*-* 00:00:00"},
    {"Tue-Thu", "Tue..Thu *-*-* 00:00:00"},
    {"Fri-Sun", "Fri..Sun *-*-* 00:00:00"},
    {"Mon-Tue,Fri", "Mon,Tue,Fri *-*-* 00:00:00"},
    {"Mon,Tue,Thu", "Mon,Tue,Thu *-*-* 00:00:00"},
    {"tue,THU..sat", "Tue,Thu..Sat *-*-* 00:00:00"},
    {"Sat..Sun,Wed", "Wed,Sat,Sun *-*-* 00:00:00"},
    {"Sun,Mon", "Mon,Sun *-*-* 00:00:00"},
    {"Mon..Sun", "*-*-* 00:00:00"},
    {"Wed,", "Wed *-*-* 00:00:00"},
    {"Wednesday, 12:00", "Wed *-*-* 12:00:00"},
    {"Monday..Friday 9:00", "Mon..Fri *-*-* 09:00:00"},
    {"Mon,Wed-Fri *-*-* 12:00", "Mon,Wed..Fri *-*-* 12:00:00"},
    {"Mon..Wed,Fri *-*-* 08:00", "Mon..Wed,Fri *-*-* 08:00:00"},
    {"Sun 12:00", "Sun *-*-* 12:00:00"},
    {"Mon,Sun 12-*-* 2,1:23", "Mon,Sun 2012-*-* 01,02:23:00"},
    // '*', lists, ranges, repetitions; sorting and duplicates.
    {"*-*-*", "*-*-* 00:00:00"},
    {"*-*-* *:*:*", "*-*-* *:*:*"},
    {"*:*:0/1", "*-*-* *:*:*"},
    {"*-*-* *:*:00", "*-*-* *:*:00"},
    {"1,2,3:*", "*-*-* 01,02,03:*:00"},
    {"3,1,2:00", "*-*-* 01,02,03:00:00"},
    {"1,1,1:00", "*-*-* 01:00:00"},
    {"*-*-* 2,1:23", "*-*-* 01,02:23:00"},
    {"*:5,10,15", "*-*-* *:05,10,15:00"},
    {"*-1..3,5-*", "*-01..03,05-* 00:00:00"},
    {"*-*-* 1..3:0..30/10:00", "*-*-* 01..03:00..30/10:00"},
    {"*:0/15", "*-*-* *:00/15:00"},
    {"0/2:00", "*-*-* 00/2:00:00"},
    {"*:20..39/5", "*-*-* *:20..35/5:00"},
    {"*:05..05", "*-*-* *:05:00"},
    {"*:05..10/6", "*-*-* *:05:00"},
    {"*:30/1", "*-*-* *:30/1:00"},
    {"*-01/2-01", "*-01/2-01 00:00:00"},
    {"1970..1975/2-*-*", "1970..1974/2-*-* 00:00:00"},
    {"*-*-* *:4,30:0/1,3,5", "*-*-* *:04,30:*"},
    // Dates: month-day, two-digit years, impossible but valid dates.
    {"*-1", "*-*-01 00:00:00"},
    {"03-05", "*-03-05 00:00:00"},
    {"10-15", "*-10-15 00:00:00"},
    {"2003-03-05", "2003-03-05 00:00:00"},
    {"12-10-15", "2012-10-15 00:00:00"},
    {"69-01-01", "2069-01-01 00:00:00"},
    {"70-01-01", "1970-01-01 00:00:00"},
    {"93..00-*-*", "1993..2000-*-* 00:00:00"},
    {"00..05-*-*", "2000..2005-*-* 00:00:00"},
    {"1970-01-01", "1970-01-01 00:00:00"},
    {"2199-12-31 23:59:59", "2199-12-31 23:59:59"},
    {"*-02-30", "*-02-30 00:00:00"},
    {"Fri 2190..2199-02-29", "Fri 2190..2199-02-29 00:00:00"},
    {"05:40", "*-*-* 05:40:00"},
    // '~' last days, including lists and a trailing blank.
    {"*-*~1", "*-*~01 00:00:00"},
    {"*-02~03", "*-02~03 00:00:00"},
    {"*-*~01..07", "*-*~01..07 00:00:00"},
    {"*-*~05,3 ", "*-*~03,05 00:00:00"},
    {"*-*~*", "*-*-* 00:00:00"},
    {"Mon 2017-05~01..07", "Mon 2017-05~01..07 00:00:00"},
    // Fractional seconds: six digits kept, the 7th rounds.
    {"2016-03-27 03:17:00.4200005", "2016-03-27 03:17:00.420001"},
    {"00:00:00.42000049999", "*-*-* 00:00:00.420000"},
    {"*-*-* 12:00:00.1234567", "*-*-* 12:00:00.123457"},
    {"*-*-* 12:00:00.9999999", "*-*-* 12:00:01"},
    {"*:*:0.9999995", "*-*-* *:*:01"},
    {"*:*:59.9999994", "*-*-* *:*:59.999999"},
    {"*:*:1.0000005", "*-*-* *:*:01.000001"},
    {"*-*-* 00:00:00.000001", "*-*-* 00:00:00.000001"},
    {"2024-02-29 12:00:00.5", "2024-02-29 12:00:00.500000"},
    {"00:00:1.0..3.8", "*-*-* 00:00:01..03"},
    {"*:*:1.5..3.7", "*-*-* *:*:01.500000..03.500000"},
    {"*:*:01.125..02.125", "*-*-* *:*:01.125000..02.125000"},
    {"*:*:0/0.5", "*-*-* *:*:00/0.500000"},
    {"00:00:01/2", "*-*-* 00:00:01/2"},
    {"05:40:23.4200004/3.1700005", "*-*-* 05:40:23.420000/3.170001"},
    {"2015-11-13 09:11:23.42/1.77", "2015-11-13 09:11:23.420000/1.770000"},
    // Every shorthand, any case.
    {"minutely", "*-*-* *:*:00"},
    {"hourly", "*-*-* *:00:00"},
    {"daily", "*-*-* 00:00:00"},
    {"DAILY", "*-*-* 00:00:00"},
    {"weekly", "Mon *-*-* 00:00:00"},
    {"monthly", "*-*-01 00:00:00"},
    {"quarterly", "*-01,04,07,10-01 00:00:00"},
    {"Quarterly", "*-01,04,07,10-01 00:00:00"},
    {"yearly", "*-01-01 00:00:00"},
    {"annually", "*-01-01 00:00:00"},
    {"anually", "*-01-01 00:00:00"},
    {"Anually", "*-01-01 00:00:00"},
    {"semiannually", "*-01,07-01 00:00:00"},
    {"SEMIANNUALLY", "*-01,07-01 00:00:00"},
    {"semi-annually", "*-01,07-01 00:00:00"},
    {"biannually", "*-01,07-01 00:00:00"},
    {"bi-annually", "*-01,07-01 00:00:00"},
    // Zone suffixes: UTC in any case, local abbreviations, IANA names.
    {"daily UTC", "*-*-* 00:00:00 UTC"},
    {"daily utc", "*-*-* 00:00:00 UTC"},
    {"daily uTc", "*-*-* 00:00:00 UTC"},
    {"Hourly UTC", "*-*-* *:00:00 UTC"},
    {"Weekly utc", "Mon *-*-* 00:00:00 UTC"},
    {"daily CET", "*-*-* 00:00:00 CET"},
    {"12:00 cest", "*-*-* 12:00:00 CEST"},
    {"daily Europe/Berlin", "*-*-* 00:00:00 Europe/Berlin"},
    {"*-*-* 12:00 America/New_York", "*-*-* 12:00:00 America/New_York"},
    {"*-*-* 12:00 Asia/Kolkata", "*-*-* 12:00:00 Asia/Kolkata"},
    {"weekly Pacific/Auckland", "Mon *-*-* 00:00:00 Pacific/Auckland"},
    {"*-*-* 00:00:00 Etc/UTC", "*-*-* 00:00:00 Etc/UTC"},
    {"daily Etc/GMT+5", "*-*-* 00:00:00 Etc/GMT+5"},
    {"weekly EST5EDT", "Mon *-*-* 00:00:00 EST5EDT"},
    {"minutely GMT", "*-*-* *:*:00 GMT"},
    {"*-*-* 00:00 posix/Europe/Berlin", "*-*-* 00:00:00 posix/Europe/Berlin"},
    // '@epoch': broken down in UTC, always printed as UTC.
    {"@1493187147", "2017-04-26 06:12:27 UTC"},
    {"@1493187147 UTC", "2017-04-26 06:12:27 UTC"},
    {"@0", "1970-01-01 00:00:00 UTC"},
    {"@ 5", "1970-01-01 00:00:05 UTC"},
    {"@5 Europe/Berlin", "1970-01-01 00:00:05 UTC"},
};

TEST(CalendarSpec, NormalizesValidSpecsLikeSystemd) {
  ParseEnv env(":Europe/Berlin");
  for (const auto& row : kValid) {
    EXPECT_EQ(env.Normalize(row.input), row.normalized) << "input '" << row.input << "'";
  }
}

TEST(CalendarSpec, NormalizationIsIdempotent) {
  ParseEnv env(":Europe/Berlin");
  for (const auto& row : kValid) {
    EXPECT_EQ(env.Normalize(row.normalized), row.normalized)
        << "normalized form of '" << row.input << "'";
  }
}

struct ZonedNormalizeRow {
  const char* tz;
  const char* input;
  const char* normalized;
};

// Abbreviations are the local zone's tzname[]; the same word may instead be
// an IANA zone file (CET under New York), or nothing at all (est in Berlin).
const ZonedNormalizeRow kLocalAbbreviations[] = {
    {":Europe/London", "12:00 gmt", "*-*-* 12:00:00 GMT"},
    {":Europe/London", "daily BST", "*-*-* 00:00:00 BST"},
    {":America/New_York", "daily est", "*-*-* 00:00:00 EST"},
    {":America/New_York", "daily EDT", "*-*-* 00:00:00 EDT"},
    {":America/New_York", "daily CET", "*-*-* 00:00:00 CET"},
    {":UTC", "12:00 gmt", "error: Invalid argument"},
    {":Europe/Berlin", "daily est", "error: Invalid argument"},
};

TEST(CalendarSpec, LocalZoneAbbreviationsDependOnTheLocalZone) {
  for (const auto& row : kLocalAbbreviations) {
    ParseEnv env(row.tz);
    EXPECT_EQ(env.Normalize(row.input), row.normalized)
        << "TZ=" << row.tz << " '" << row.input << "'";
  }
}

struct InvalidRow {
  std::string input;
  StatusCode code;
};

constexpr StatusCode kEinval = StatusCode::kInvalidArgument;
constexpr StatusCode kErange = StatusCode::kOutOfRange;
constexpr StatusCode kEnobufs = StatusCode::kTooMany;

std::string RepeatedList(int n) {
  std::string s = "*:1";
  for (int i = 1; i < n; ++i) s += ",1";
  return s;
}

const std::vector<InvalidRow>& InvalidSpecs() {
  static const std::vector<InvalidRow> rows = {
      // Empty, blank and junk.
      {"", kEinval},
      {" ", kEinval},
      {"test", kEinval},
      {"*", kEinval},
      {"~", kEinval},
      {"7", kEinval},
      {"UTC", kEinval},
      {" daily", kEinval},
      {"daily ", kEinval},
      {"12:00 ", kEinval},
      {"*-*-* 00:00:00 utc ", kEinval},
      {"121212:1:2", kEinval},
      {"2016- 11- 24 12: 30: 00", kEinval},
      {std::string("12:00\tUTC"), kEinval},
      // Weekdays.
      {"Mon..", kEinval},
      {"Fri..Mon", kEinval},
      {"Sun..Mon", kEinval},
      {"Mon..Wed..Fri", kEinval},
      {"Mon.Tue", kEinval},
      {"Mon,,Tue", kEinval},
      {"Mondays", kEinval},
      {"Monday12:00", kEinval},
      {"Mo", kEinval},
      // Shorthands stand alone.
      {"hourly,daily", kEinval},
      {"daily 12:00", kEinval},
      // Cron-style steps and other component syntax.
      {"*/5", kEinval},
      {"*:*/5", kEinval},
      {"*-*-*/2", kEinval},
      {"12:", kEinval},
      {":00", kEinval},
      {"12:00:", kEinval},
      {"1:2:3:4", kEinval},
      {"1.", kEinval},
      {"00:00:1.", kEinval},
      {"*:4,30:*,5", kEinval},
      {"2024-01-01T12:00:00", kEinval},
      // Out of bounds, repetitions that do not fit twice, reversed ranges.
      {"*:30/30", kEinval},
      {"*:1/59", kEinval},
      {"*:59/1", kEinval},
      {"23/1:00", kEinval},
      {"*-*-31/1", kEinval},
      {"00:00/60", kEinval},
      {"10..5:00", kEinval},
      {"12..1/2-*", kEinval},
      {"20..39/5:00", kEinval},
      {"24:00", kEinval},
      {"*:60", kEinval},
      {"*:*:60", kEinval},
      {"*-13-01", kEinval},
      {"*-*-32", kEinval},
      {"100-01-01", kEinval},
      {"1969-12-31", kEinval},
      {"2200-01-01", kEinval},
      {"*:*:2147", kEinval},
      {"00:00:00.0..00.9", kEinval},
      // '~'.
      {"*-*~9,26", kEinval},
      {"*-10~17,22..28", kEinval},
      {"*-02~29", kEinval},
      {"*~29", kEinval},
      {"*-*~5/5", kEinval},
      {"2016~11-22", kEinval},
      {"2016~02-01", kEinval},
      {"Sat *-*~07..01 03:00", kEinval},
      // Zones: wrong case, unknown, offsets, separators.
      {"daily  UTC", kEinval},
      {"*-*-* 12:00 Europe/berlin", kEinval},
      {"daily Mars/Olympus", kEinval},
      {"daily /Europe/Berlin", kEinval},
      {"12:00 +0100", kEinval},
      {"12:00 Z", kEinval},
      // '@epoch'.
      {"@1.5", kEinval},
      {"@-1", kEinval},
      {"@88588582097858858", kErange},
      // Numbers too large, zero repetitions.
      {"00:00:2300", kErange},
      {"*:*:2148", kErange},
      {"00:00:18446744073709551615", kErange},
      {"*:0/0", kErange},
      {"00:00:00/0.00000001", kErange},
      // 241 list items are fine (see below), the 242nd is one too many.
      {RepeatedList(242), kEnobufs},
  };
  return rows;
}

TEST(CalendarSpec, RejectsNearMissesWithSystemdsErrno) {
  ParseEnv env(":Europe/Berlin");
  for (const auto& row : InvalidSpecs()) {
    auto spec = ParseCalendarSpec(row.input, env.ctx());
    ASSERT_FALSE(spec.ok()) << "accepted '" << row.input << "' as '"
                            << FormatCalendarSpec(*spec, env.ctx()) << "'";
    EXPECT_EQ(spec.status().code(), row.code)
        << "'" << row.input << "': " << spec.status().ErrnoText() << " (" << spec.status().message()
        << ")";
  }
}

TEST(CalendarSpec, AcceptsExactly241ListItems) {
  ParseEnv env(":Europe/Berlin");
  EXPECT_EQ(env.Normalize(RepeatedList(241)), "*-*-* *:01:00");
  EXPECT_EQ(env.Normalize(RepeatedList(242)), "error: No buffer space available");
}

// ---------------------------------------------------------------------------
// Next elapses in real zones.

struct NextRow {
  const char* zone;  // the process's local zone, TZ=:zone
  int64_t base;      // --base-time=@base
  const char* spec;
  // Successive elapses (each searched strictly after the previous one), as
  // UTC RFC 3339, blank-separated; "never" ends the list; "EDEADLK" expects
  // the 1000-step cap.
  const char* expected;
};

const std::vector<NextRow>& NextRows() {
  static const std::vector<NextRow> rows = {
      // America/New_York: gap 2024-03-10 02:00→03:00, overlap 2024-11-03 01:xx.
      // 03-11, 03-12, 03-13 02:30 EDT
      {"America/New_York", 1710003600, "*-*-* 02:30",
       "2024-03-11T06:30:00Z 2024-03-12T06:30:00Z 2024-03-13T06:30:00Z"},
      // 03:00, 04:00, 05:00 EDT
      {"America/New_York", 1710052200, "hourly",
       "2024-03-10T07:00:00Z 2024-03-10T08:00:00Z 2024-03-10T09:00:00Z"},
      // 01:59 EST, 03:00 EDT, 03:01
      {"America/New_York", 1710053910, "minutely",
       "2024-03-10T06:59:00Z 2024-03-10T07:00:00Z 2024-03-10T07:01:00Z"},
      // 11-03 EDT, 11-04 EST, 11-05
      {"America/New_York", 1730563200, "*-*-* 01:30",
       "2024-11-03T05:30:00Z 2024-11-04T06:30:00Z 2024-11-05T06:30:00Z"},
      // 01:00 EDT, 02:00 EST, 03:00 EST
      {"America/New_York", 1730608200, "hourly",
       "2024-11-03T05:00:00Z 2024-11-03T07:00:00Z 2024-11-03T08:00:00Z"},
      // 01:30 EDT, 02:30 EST
      {"America/New_York", 1730609940, "*:30", "2024-11-03T05:30:00Z 2024-11-03T07:30:00Z"},
      // 01:00, 01:01, 01:02 EDT
      {"America/New_York", 1730609940, "minutely",
       "2024-11-03T05:00:00Z 2024-11-03T05:01:00Z 2024-11-03T05:02:00Z"},
      // from 01:59 EST: 02:00 EST
      {"America/New_York", 1730613540, "minutely",
       "2024-11-03T07:00:00Z 2024-11-03T07:01:00Z 2024-11-03T07:02:00Z"},
      // 2024, 2028, 2032
      {"America/New_York", 1614574800, "*-02-29",
       "2024-02-29T05:00:00Z 2028-02-29T05:00:00Z 2032-02-29T05:00:00Z"},
      {"America/New_York", 1704085200, "*-02-30", "never"},
      // 2023-02-28, 2024-02-29, …
      {"America/New_York", 1672549200, "*-02~01",
       "2023-02-28T05:00:00Z 2024-02-29T05:00:00Z 2025-02-28T05:00:00Z"},
      {"America/New_York", 1704085200, "Mon *-02-29",
       "2044-02-29T05:00:00Z 2072-02-29T05:00:00Z 2112-02-29T05:00:00Z"},
      // Europe/Berlin: gap 2024-03-31 02:00→03:00, overlap 2024-10-27 02:xx.
      // 03:20, 03:40, 04:00 CEST
      {"Europe/Berlin", 1711846800, "*:0/20",
       "2024-03-31T01:20:00Z 2024-03-31T01:40:00Z 2024-03-31T02:00:00Z"},
      // 03-31 skipped
      {"Europe/Berlin", 1711796400, "*-*-* 02:30",
       "2024-04-01T00:30:00Z 2024-04-02T00:30:00Z 2024-04-03T00:30:00Z"},
      // from 01:50 CET: 03:00 CEST
      {"Europe/Berlin", 1711846200, "*:0/15",
       "2024-03-31T01:00:00Z 2024-03-31T01:15:00Z 2024-03-31T01:30:00Z"},
      // 10-27 CEST, 10-28 CET
      {"Europe/Berlin", 1729936800, "*-*-* 02:30",
       "2024-10-27T00:30:00Z 2024-10-28T01:30:00Z 2024-10-29T01:30:00Z"},
      // 02:00 CEST, 03:00 CET, 04:00 CET
      {"Europe/Berlin", 1729985400, "hourly",
       "2024-10-27T00:00:00Z 2024-10-27T02:00:00Z 2024-10-27T03:00:00Z"},
      // from 02:50 CEST: 03:00 CET
      {"Europe/Berlin", 1729990200, "*:0/20",
       "2024-10-27T02:00:00Z 2024-10-27T02:20:00Z 2024-10-27T02:40:00Z"},
      // 2024-02-29, 2025-02-28, …
      {"Europe/Berlin", 1704063600, "*-02~01",
       "2024-02-28T23:00:00Z 2025-02-27T23:00:00Z 2026-02-27T23:00:00Z"},
      // 02-27, 02-26, 02-26
      {"Europe/Berlin", 1704063600, "*-02~03",
       "2024-02-26T23:00:00Z 2025-02-25T23:00:00Z 2026-02-25T23:00:00Z"},
      // skips short months
      {"Europe/Berlin", 1704063600, "*-*-31",
       "2024-01-30T23:00:00Z 2024-03-30T23:00:00Z 2024-05-30T22:00:00Z"},
      {"Europe/Berlin", 1704063600, "*-04-31", "never"},
      {"Europe/Berlin", 1704063600, "Fri 2190..2199-02-29", "never"},
      // 2199-12-31 23:00 CET
      {"Europe/Berlin", 7258107600, "*-12-31 23:00", "2199-12-31T22:00:00Z never"},
      {"Europe/Berlin", 7239621600, "yearly", "never"},
      {"Europe/Berlin", 7258114798, "minutely", "never"},
      {"Europe/Berlin", 1704063600, "Sat,Sun *-*-01..07 10:00",
       "2024-01-06T09:00:00Z 2024-01-07T09:00:00Z 2024-02-03T09:00:00Z"},
      {"Europe/Berlin", 1711846800, "Mon..Fri 9:00",
       "2024-04-01T07:00:00Z 2024-04-02T07:00:00Z 2024-04-03T07:00:00Z"},
      {"Europe/Berlin", 1700000000, "@1700000001", "2023-11-14T22:13:21Z never"},
      {"Europe/Berlin", 1700000000, "daily UTC", "2023-11-15T00:00:00Z 2023-11-16T00:00:00Z"},
      {"Europe/Berlin", 1700000000, "*-*-* 02:30 America/New_York",
       "2023-11-15T07:30:00Z 2023-11-16T07:30:00Z"},
      // Australia/Lord_Howe: 30-minute DST; gap 2024-10-06 02:00→02:30,
      // overlap 2024-04-07 01:30..02:00.
      // 01:59 +1030, 02:30 +11
      {"Australia/Lord_Howe", 1728142110, "minutely",
       "2024-10-05T15:29:00Z 2024-10-05T15:30:00Z 2024-10-05T15:31:00Z"},
      // 10-06 skipped
      {"Australia/Lord_Howe", 1728091800, "*-*-* 02:15",
       "2024-10-06T15:15:00Z 2024-10-07T15:15:00Z 2024-10-08T15:15:00Z"},
      // 01:20, 01:40, 02:40 +11
      {"Australia/Lord_Howe", 1728138600, "*:0/20",
       "2024-10-05T14:50:00Z 2024-10-05T15:10:00Z 2024-10-05T15:40:00Z"},
      // +11 once, then +1030
      {"Australia/Lord_Howe", 1712365200, "*-*-* 01:45",
       "2024-04-06T14:45:00Z 2024-04-07T15:15:00Z 2024-04-08T15:15:00Z"},
      // 01:40 +11, 02:00 +1030
      {"Australia/Lord_Howe", 1712413200, "*:0/20",
       "2024-04-06T14:40:00Z 2024-04-06T15:30:00Z 2024-04-06T15:50:00Z 2024-04-06T16:10:00Z"},
      // Pacific/Chatham (+1245/+1345): gap 2024-09-29 02:45→03:45, overlap
      // 2024-04-07 02:45..03:45.
      // 09-29 skipped
      {"Pacific/Chatham", 1727478900, "*-*-* 03:00",
       "2024-09-29T13:15:00Z 2024-09-30T13:15:00Z 2024-10-01T13:15:00Z"},
      // from 02:30: 04:00 +1345
      {"Pacific/Chatham", 1727531100, "hourly",
       "2024-09-28T14:15:00Z 2024-09-28T15:15:00Z 2024-09-28T16:15:00Z"},
      {"Pacific/Chatham", 1727531100, "*:50", "EDEADLK"},
      // +1345 once, then +1245
      {"Pacific/Chatham", 1712355300, "*-*-* 03:00",
       "2024-04-06T13:15:00Z 2024-04-07T14:15:00Z 2024-04-08T14:15:00Z"},
      // 03:00 +1345, 04:00 +1245
      {"Pacific/Chatham", 1712407500, "hourly",
       "2024-04-06T13:15:00Z 2024-04-06T15:15:00Z 2024-04-06T16:15:00Z 2024-04-06T17:15:00Z"},
      // America/Santiago: transitions at midnight; gap 2024-09-08 00:00→01:00,
      // overlap 2024-04-06 23:00..24:00.
      // 09-08 has no midnight
      {"America/Santiago", 1725724800, "daily",
       "2024-09-09T03:00:00Z 2024-09-10T03:00:00Z 2024-09-11T03:00:00Z"},
      // 01:00 -03
      {"America/Santiago", 1725766200, "hourly",
       "2024-09-08T04:00:00Z 2024-09-08T05:00:00Z 2024-09-08T06:00:00Z"},
      // -03 once, then -04
      {"America/Santiago", 1712415600, "*-*-* 23:30",
       "2024-04-07T02:30:00Z 2024-04-08T03:30:00Z 2024-04-09T03:30:00Z"},
      {"America/Santiago", 1712415600, "daily",
       "2024-04-07T04:00:00Z 2024-04-08T04:00:00Z 2024-04-09T04:00:00Z"},
      // 23:00 -03, 00:00 -04
      {"America/Santiago", 1712453400, "hourly",
       "2024-04-07T02:00:00Z 2024-04-07T04:00:00Z 2024-04-07T05:00:00Z"},
      // Asia/Kolkata: +0530, no DST.
      {"Asia/Kolkata", 1709965800, "*-*-* 02:30",
       "2024-03-09T21:00:00Z 2024-03-10T21:00:00Z 2024-03-11T21:00:00Z"},
      {"Asia/Kolkata", 1709015400, "*-02-29 09:15",
       "2024-02-29T03:45:00Z 2028-02-29T03:45:00Z 2032-02-29T03:45:00Z"},
      {"Asia/Kolkata", 1704047400, "Mon..Fri 9:30",
       "2024-01-01T04:00:00Z 2024-01-02T04:00:00Z 2024-01-03T04:00:00Z"},
      // 03:45, 04:00, 04:15 IST
      {"Asia/Kolkata", 1700000000, "*:0/15",
       "2023-11-14T22:15:00Z 2023-11-14T22:30:00Z 2023-11-14T22:45:00Z"},
      {"Asia/Kolkata", 1700000000, "*-*-* 12:00 UTC", "2023-11-15T12:00:00Z 2023-11-16T12:00:00Z"},
      {"Asia/Kolkata", 1700000000, "*-*-* 02:30 Europe/Berlin",
       "2023-11-15T01:30:00Z 2023-11-16T01:30:00Z 2023-11-17T01:30:00Z"},
      // 01-25, 01-27, 01-29
      {"Asia/Kolkata", 1704047400, "*-*~07/2",
       "2024-01-24T18:30:00Z 2024-01-26T18:30:00Z 2024-01-28T18:30:00Z"},
  };
  return rows;
}

// "2024-03-10T07:00:00Z" → microseconds since the epoch.
int64_t RfcMicros(const char* s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  EXPECT_EQ(std::sscanf(s, "%d-%d-%dT%d:%d:%dZ", &y, &mo, &d, &h, &mi, &sec), 6) << s;
  return CivilSecondsAsUtc(y, mo, d, h, mi, sec) * 1000000;
}

TEST(CalendarSpec, NextElapseInRealZonesMatchesSystemd) {
  for (const auto& row : NextRows()) {
    SCOPED_TRACE(std::string("TZ=:") + row.zone + " --base-time=@" + std::to_string(row.base) +
                 " '" + row.spec + "'");
    ParseEnv env(std::string(":") + row.zone);
    ASSERT_EQ(env.local()->name(), row.zone);
    auto spec = ParseCalendarSpec(row.spec, env.ctx());
    ASSERT_TRUE(spec.ok()) << spec.status().message();
    MktimeState mktime;  // one fresh process per systemd-analyze run
    CalendarEvalContext ec{env.local(), env.zones(), &mktime};
    Instant after{Micros{row.base * 1000000}};
    ASSERT_STRNE(row.expected, "");
    std::istringstream expected(row.expected);
    std::string want;
    for (int i = 1; expected >> want; ++i) {
      SCOPED_TRACE("iteration " + std::to_string(i));
      auto next = NextElapse(*spec, after, ec);
      if (want == "EDEADLK") {
        ASSERT_FALSE(next.ok());
        EXPECT_EQ(next.status().code(), StatusCode::kDeadlock);
        break;
      }
      ASSERT_TRUE(next.ok()) << next.status().message();
      if (want == "never") {
        EXPECT_FALSE(next->has_value()) << FormatRfc3339(**next);
        break;
      }
      ASSERT_TRUE(next->has_value()) << "never, want " << want;
      EXPECT_EQ((*next)->time_since_epoch().count(), RfcMicros(want.c_str()))
          << "got " << FormatRfc3339(**next) << " (" << FormatTimestamp(**next, *env.local())
          << "), want " << want;
      after = **next;
    }
  }
}

TEST(CalendarSpec, NextElapseIsStrictlyAfterTheBaseAtMicrosecondResolution) {
  // Oracle: TZ=:Europe/Berlin systemd-analyze calendar --iterations=3
  //   --base-time=@1700000000.25 '*:*:0/0.5' prints 23:13:20, 23:13:21 and
  //   23:13:21 CET: elapses at .5, 1.0 and 1.5 s past 23:13:20.
  ParseEnv env(":Europe/Berlin");
  auto spec = ParseCalendarSpec("*:*:0/0.5", env.ctx());
  ASSERT_TRUE(spec.ok());
  MktimeState mktime;
  CalendarEvalContext ec{env.local(), env.zones(), &mktime};
  auto next = NextElapse(*spec, Instant{Micros{1700000000250000}}, ec);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->time_since_epoch().count(), 1700000000500000);
  next = NextElapse(*spec, **next, ec);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->time_since_epoch().count(), 1700000001000000);
  next = NextElapse(*spec, **next, ec);
  ASSERT_TRUE(next.ok() && next->has_value());
  EXPECT_EQ((*next)->time_since_epoch().count(), 1700000001500000);
}

TEST(CalendarSpec, NextElapseRejectsBasesPastTheYear9999) {
  // Oracle: --base-time=@253402214399.000001 daily → "Failed to determine
  // next elapse for 'daily': Invalid argument"; --base-time='9999-12-30
  // 23:59:59 UTC' daily → "Next elapse: never".
  ParseEnv env(":Europe/Berlin");
  auto spec = ParseCalendarSpec("daily", env.ctx());
  ASSERT_TRUE(spec.ok());
  MktimeState mktime;
  CalendarEvalContext ec{env.local(), env.zones(), &mktime};
  auto next = NextElapse(*spec, Instant{Micros{253402214399000001}}, ec);
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(next.status().code(), StatusCode::kInvalidArgument);
  auto at_limit = NextElapse(*spec, Instant{Micros{253402214399000000}}, ec);
  ASSERT_TRUE(at_limit.ok());
  EXPECT_FALSE(at_limit->has_value());
}

}  // namespace
}  // namespace surety
