// Timestamp tests: parsing with a fixed "now" and printing, checked against
// systemd 252.
//
// "now" is 2026-11-22 03:00:00 UTC (Sun 04:00 CET) and the local zone
// Europe/Berlin. Parse rows were run one per process through the oracle
// on that day, e.g.
//   LC_ALL=C TZ=:Europe/Berlin systemd-analyze timestamp -- 'yesterday'
// and its "UNIX seconds:" line copied; rejections print the errno text.
// Relative forms were checked through the "From now:" line. Relative texts
// come from `systemd-analyze timestamp -- +SPAN` / `-SPAN`.
#include "time/timestamp.h"

#include <gtest/gtest.h>

#include <string>

namespace surety {
namespace {

constexpr int64_t kSec = 1000000;
constexpr int64_t kMin = 60 * kSec, kHour = 60 * kMin, kDay = 24 * kHour, kWeek = 7 * kDay,
                  kMonth = 2629800 * kSec, kYear = 31557600 * kSec;
constexpr int64_t kNow = 1795316400 * kSec;  // 2026-11-22 03:00:00 UTC

class TimestampEnv {
 public:
  explicit TimestampEnv(const std::string& tz = ":Europe/Berlin")
      : local_(zones_.LocalFromTz(tz)) {}

  // Parses as one fresh systemd-analyze process would.
  Result<Instant> Parse(std::string_view text, int64_t now_us = kNow) {
    MktimeState mktime;
    TimestampContext ctx{Instant{Micros{now_us}}, local_.get(), &zones_, &mktime};
    return ParseTimestamp(text, ctx);
  }
  const Zone& local() const { return *local_; }

 private:
  ZoneDb zones_;
  std::shared_ptr<const Zone> local_;
};

struct ParseRow {
  const char* text;
  int64_t usec;
};

const ParseRow kValid[] = {
    // Epoch seconds: a time span, so fractions truncate.
    {"@1700000000", 1700000000 * kSec},
    {"@1700000000.123456", 1700000000 * kSec + 123456},
    {"@1700000000.1234567", 1700000000 * kSec + 123456},
    {"@1h", 3600 * kSec},
    {"@0", 0},
    // Relative to now.
    {"now", kNow},
    {"+0", kNow},
    {"+5min", kNow + 300 * kSec},
    {"+1h30min", kNow + 5400 * kSec},
    {"-1h", kNow - 3600 * kSec},
    {"2 days ago", kNow - 2 * kDay},
    {"1h  ago", kNow - 3600 * kSec},
    {"5 ago", kNow - 5 * kSec},
    {"3h left", kNow + 3 * kHour},
    {"-56y", kNow - 56 * kYear},
    {"+1000y", kNow + 1000 * kYear},
    // Days: local midnight, or UTC midnight with the suffix.
    {"today", 1795302000 * kSec},
    {"yesterday", 1795215600 * kSec},
    {"tomorrow", 1795388400 * kSec},
    {"today UTC", 1795305600 * kSec},
    // Dates and times; a missing date is today, a missing time midnight.
    {"2024-07-01 12:00:00", 1719828000 * kSec},
    {"2024-07-01 12:00", 1719828000 * kSec},
    {"2024-07-01", 1719784800 * kSec},
    {"24-07-01", 1719784800 * kSec},
    {"24-07-01 12:00", 1719828000 * kSec},
    {"24-07-01 12:00:01", 1719828001 * kSec},
    {"2024-1-1 1:2:3", 1704067323 * kSec},
    {"12:34", 1795347240 * kSec},
    {"12:34:56", 1795347296 * kSec},
    {"Nov 22 10:00:00", 1795338000 * kSec},
    {"1970-01-01 01:00:00", 0},
    {"9999-12-30 23:59:59", 253402210799 * kSec},
    // Fractions: six digits, the seventh rounds.
    {"12:34:56.5", 1795347296 * kSec + 500000},
    {"2023-11-17 10:00:00.123456", 1700211600 * kSec + 123456},
    {"2023-11-17 10:00:00.1234565", 1700211600 * kSec + 123457},
    {"2023-11-17 10:00:00.1234564", 1700211600 * kSec + 123456},
    // A weekday that agrees with the date.
    {"Fri 2023-11-17 10:00:00", 1700211600 * kSec},
    {"friday 2023-11-17", 1700175600 * kSec},
    {"Fri 2023-11-17", 1700175600 * kSec},
    {"Sun 12:00", 1795345200 * kSec},
    // Zone suffixes: UTC in any case, the local abbreviations.
    {"2024-01-01 12:00 UTC", 1704110400 * kSec},
    {"2024-01-01 12:00 utc", 1704110400 * kSec},
    {"9999-12-30 23:59:59 UTC", 253402214399 * kSec},
    {"2024-07-01 12:00 CEST", 1719828000 * kSec},
    {"2024-07-01 12:00:00 cest", 1719828000 * kSec},
    {"2024-01-01 12:00 CEST", 1704103200 * kSec},  // DST pinned: 11:00 CET
    // Lenient dates, DST gap and overlap as glibc's mktime() resolves them.
    {"2012-02-30", 1330556400 * kSec},
    {"2012-02-30 12:00", 1330599600 * kSec},
    {"2023-02-29 00:00:00", 1677625200 * kSec},
    {"23:59:60", 1795388400 * kSec},
    {"2024-03-31 02:30:00", 1711848600 * kSec},  // 03:30 CEST
    {"2024-10-27 02:30:00", 1729992600 * kSec},  // 02:30 CET
};

TEST(Timestamp, ParsesLikeSystemd) {
  TimestampEnv env;
  for (const auto& row : kValid) {
    auto t = env.Parse(row.text);
    ASSERT_TRUE(t.ok()) << "'" << row.text << "': " << t.status().message();
    EXPECT_EQ(t->time_since_epoch().count(), row.usec)
        << "'" << row.text << "' gave " << FormatTimestamp(*t, env.local());
  }
}

TEST(Timestamp, LocalAbbreviationThatIsAlsoAZoneFile) {
  // "CET" is both tzname[0] of Europe/Berlin and a zone file. systemd 252's
  // library evaluates it with TZ=CET, where it is again the local standard
  // abbreviation, so DST is pinned off. (systemd-analyze itself fails on any
  // suffix that names a zone file, a 252 bug; the oracle values are those of
  // `TZ=:Europe/Berlin systemd-analyze timestamp '2024-01-01 12:00'` and of
  // glibc mktime(2024-07-01 12:00, isdst=0) in Europe/Berlin.)
  TimestampEnv env;
  auto winter = env.Parse("2024-01-01 12:00 CET");
  ASSERT_TRUE(winter.ok()) << winter.status().message();
  EXPECT_EQ(winter->time_since_epoch().count(), 1704106800 * kSec);
  auto summer = env.Parse("2024-07-01 12:00 CET");
  ASSERT_TRUE(summer.ok()) << summer.status().message();
  EXPECT_EQ(summer->time_since_epoch().count(), 1719831600 * kSec);
}

TEST(Timestamp, IanaZoneSuffixIsEvaluatedInThatZone) {
  // systemd-analyze 252 rejects IANA suffixes (a bug); its library reads the
  // text in that zone, which is what TZ=:Asia/Kolkata systemd-analyze
  // timestamp '2024-01-01 12:00' / 'today' print.
  TimestampEnv env;
  auto t = env.Parse("2024-01-01 12:00 Asia/Kolkata");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->time_since_epoch().count(), 1704090600 * kSec);
  auto today = env.Parse("today Asia/Kolkata");
  ASSERT_TRUE(today.ok()) << today.status().message();
  EXPECT_EQ(today->time_since_epoch().count(), 1795285800 * kSec);
}

// Bug: "@SPAN" was capped at 9999-12-30 23:59:59 UTC like the other forms,
// so `surety calendar --base-time=@253402214400 daily` failed to parse the
// base (exit 2) where systemd-analyze accepts it and then fails the search
// ("Failed to determine next elapse for 'daily': Invalid argument", exit 1).
TEST(Timestamp, EpochFormHasNoYear9999Limit) {
  TimestampEnv env;
  auto t = env.Parse("@253402214400");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->time_since_epoch().count(), 253402214400 * kSec);
  auto inf = env.Parse("@infinity");
  ASSERT_TRUE(inf.ok()) << inf.status().message();
  EXPECT_EQ(*inf, Instant::max());
}

struct RejectRow {
  const char* text;
  StatusCode code;
};

constexpr StatusCode kEinval = StatusCode::kInvalidArgument;
constexpr StatusCode kErange = StatusCode::kOutOfRange;

const RejectRow kInvalid[] = {
    {"", kEinval},
    {" ", kEinval},
    {"garbage", kEinval},
    {"now ", kEinval},
    {"Now", kEinval},
    {"TODAY", kEinval},
    {"+", kEinval},
    {"-", kEinval},
    {"ago", kEinval},
    {" ago", kEinval},
    {"-1h ago", kEinval},
    {"24:00:00", kEinval},
    {"12:60", kEinval},
    {"2024-13-01", kEinval},
    {"2023-11-17 10:00:00.", kEinval},
    {"Sat 2023-11-17 10:00:00", kEinval},
    {"Mon 12:00", kEinval},
    {"2024-01-01T12:00:00", kEinval},
    {"2024-01-01 12:00Z", kEinval},
    {"2024-01-01 12:00 +01:00", kEinval},
    // Before 1970 or after 9999-12-30 23:59:59 UTC.
    {"1969-12-31 23:59:59", kEinval},
    {"9999-12-31 23:59:59", kEinval},
    {"-60y", kEinval},
    {"60y ago", kEinval},
    {"+8000y", kEinval},
    {"8000y left", kEinval},
    // Spans that overflow.
    {"+585000y", kErange},
    {"@18446744073709", kErange},
};

TEST(Timestamp, RejectsNearMissesWithSystemdsErrno) {
  TimestampEnv env;
  for (const auto& row : kInvalid) {
    auto t = env.Parse(row.text);
    ASSERT_FALSE(t.ok()) << "accepted '" << row.text << "' as " << FormatTimestamp(*t, env.local());
    EXPECT_EQ(t.status().code(), row.code) << "'" << row.text << "': " << t.status().ErrnoText();
  }
}

struct FormatRow {
  const char* tz;
  int64_t usec;
  const char* text;
};

// From the oracle's "Normalized form:" lines (systemd-analyze timestamp).
const FormatRow kFormats[] = {
    {":Europe/Berlin", 1700000000 * kSec, "Tue 2023-11-14 23:13:20 CET"},
    {":Europe/Berlin", 1700000000 * kSec + 999999, "Tue 2023-11-14 23:13:20 CET"},
    {":Europe/Berlin", 1719828000 * kSec, "Mon 2024-07-01 12:00:00 CEST"},
    {":Europe/Berlin", 253402214399 * kSec, "Fri 9999-12-31 00:59:59 CET"},
    {":Asia/Kolkata", 1704090600 * kSec, "Mon 2024-01-01 12:00:00 IST"},
    {":Australia/Lord_Howe", 1728142140 * kSec, "Sun 2024-10-06 01:59:00 +1030"},
    {":Australia/Lord_Howe", 1728142200 * kSec, "Sun 2024-10-06 02:30:00 +11"},
    {":America/New_York", 1710053940 * kSec, "Sun 2024-03-10 01:59:00 EST"},
    {":America/New_York", 1710054000 * kSec, "Sun 2024-03-10 03:00:00 EDT"},
    {":UTC", 1700000000 * kSec, "Tue 2023-11-14 22:13:20 UTC"},
};

TEST(Timestamp, FormatsInTheGivenZone) {
  for (const auto& row : kFormats) {
    TimestampEnv env(row.tz);
    EXPECT_EQ(FormatTimestamp(Instant{Micros{row.usec}}, env.local()), row.text)
        << row.tz << " " << row.usec;
  }
}

TEST(Timestamp, FormatsInUtc) {
  EXPECT_EQ(FormatTimestampUtc(Instant{Micros{1700000000 * kSec + 999999}}),
            "Tue 2023-11-14 22:13:20 UTC");
  EXPECT_EQ(FormatTimestampUtc(Instant{Micros{1711846800 * kSec}}), "Sun 2024-03-31 01:00:00 UTC");
  EXPECT_EQ(FormatTimestampUtc(Instant{Micros{0}}), "Thu 1970-01-01 00:00:00 UTC");
  EXPECT_EQ(FormatRfc3339(Instant{Micros{1700000000 * kSec + 999999}}), "2023-11-14T22:13:20Z");
}

struct RelativeRow {
  int64_t delta_us;  // t - now
  const char* text;
};

// Oracle: `systemd-analyze timestamp -- +SPAN` (left) and `-SPAN` (ago).
// The oracle's own clock moves a few microseconds on, so "left" rows sit one
// microsecond below a boundary and "ago" rows exactly on it.
const RelativeRow kRelative[] = {
    {3 * kYear + 5 * kMonth + kHour, "3 years 5 months left"},
    {-(3 * kYear + 5 * kMonth + kHour), "3 years 5 months ago"},
    {-2 * kYear, "2 years 0 months ago"},
    {-(kYear + kDay), "1 year 0 months ago"},
    {-kYear, "1 year 0 months ago"},
    {kYear - 1, "11 months 30 days left"},
    {kMonth + 2 * kDay + kHour, "1 month 2 days left"},
    {-(2 * kMonth + kHour), "2 months 0 days ago"},
    {-kMonth, "1 month 0 days ago"},
    {kMonth - 1, "4 weeks 2 days left"},
    {kWeek + kDay + kHour, "1 week 1 day left"},
    {-(3 * kWeek + 6 * kDay + kHour), "3 weeks 6 days ago"},
    {-kWeek, "1 week 0 days ago"},
    {kWeek - 1, "6 days left"},
    {2 * kDay + kHour, "2 days left"},
    {-2 * kDay, "2 days ago"},
    {2 * kDay - 1, "1 day 23h left"},
    {25 * kHour + 30 * kMin, "1 day 1h left"},
    {-25 * kHour, "1 day 1h ago"},
    {25 * kHour - 1, "24h left"},
    {-24 * kHour, "24h ago"},
    {6 * kHour + 30 * kMin, "6h left"},
    {-6 * kHour, "6h ago"},
    {6 * kHour - 1, "5h 59min left"},
    {kHour + kMin + 30 * kSec, "1h 1min left"},
    {-kHour, "1h 0min ago"},
    {kHour - 1, "59min left"},
    {5 * kMin + 30 * kSec, "5min left"},
    {-5 * kMin, "5min ago"},
    {5 * kMin - 1, "4min 59s left"},
    {kMin + 1500000, "1min 1s left"},
    {-kMin, "1min 0s ago"},
    {kMin - 1, "59s left"},
    {1500000, "1s left"},
    {-kSec, "1s ago"},
    {kSec - 1, "999ms left"},
    {1500, "1ms left"},
    {-1000, "1ms ago"},
    {999, "999us left"},
    {-500, "500us ago"},
    {1, "1us left"},
    {0, "now"},
};

TEST(Timestamp, FormatsRelativeTimesLikeSystemd) {
  const Instant now{Micros{kNow}};
  for (const auto& row : kRelative) {
    EXPECT_EQ(FormatRelative(now + Micros{row.delta_us}, now), row.text)
        << "delta " << row.delta_us << "us";
  }
}

}  // namespace
}  // namespace surety
