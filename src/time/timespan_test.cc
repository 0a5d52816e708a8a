// Timespan tests: parse, reject and format tables checked against systemd 252.
//
// Every row was run through the oracle, e.g.
//   LC_ALL=C systemd-analyze timespan -- '300ms20s 5day'
// ("us:" gives the parsed value, "Human:" the formatted one; a rejection
// prints the errno text: Invalid argument / Numerical result out of range).
#include "time/timespan.h"

#include <gtest/gtest.h>

#include <string>

namespace surety {
namespace {

struct ParseRow {
  std::string text;
  uint64_t usec;
};

const ParseRow kValid[] = {
    // Every unit spelling.
    {"5us", 5},
    {"5usec", 5},
    {"5\xc2\xb5s", 5},  // U+00B5 MICRO SIGN
    {"5\xce\xbcs", 5},  // U+03BC GREEK SMALL LETTER MU
    {"5ms", 5000},
    {"5msec", 5000},
    {"5s", 5000000},
    {"5sec", 5000000},
    {"5second", 5000000},
    {"5seconds", 5000000},
    {"5m", 300000000},
    {"5min", 300000000},
    {"5minute", 300000000},
    {"5minutes", 300000000},
    {"5h", 18000000000},
    {"5hr", 18000000000},
    {"5hour", 18000000000},
    {"5hours", 18000000000},
    {"5d", 432000000000},
    {"5day", 432000000000},
    {"5days", 432000000000},
    {"5w", 3024000000000},
    {"5week", 3024000000000},
    {"5weeks", 3024000000000},
    {"5M", 13149000000000},
    {"5month", 13149000000000},
    {"5months", 13149000000000},
    {"5y", 157788000000000},
    {"5year", 157788000000000},
    {"5years", 157788000000000},
    // Sums, bare numbers (seconds), blanks.
    {"1h 30min", 5400000000},
    {"1h30min", 5400000000},
    {"1.5h", 5400000000},
    {"90min", 5400000000},
    {"300ms20s 5day", 432020300000},
    {"1y 12month", 63115200000000},
    {"1y1month1w1d1h1min1s1ms1us", 34882261001001},
    {"5", 5000000},
    {"0", 0},
    {"5 6", 11000000},
    {"1 2 3", 6000000},
    {"1 h 1", 3601000000},
    {"5 s", 5000000},
    {"  5s  ", 5000000},
    {"5s\t6s", 11000000},
    {"\t5s\n", 5000000},
    {"+5s", 5000000},
    // Fractions truncate at the microsecond.
    {"2.5", 2500000},
    {".5", 500000},
    {".22s", 220000},
    {"3.1s.2", 3300000},
    {"3.1 .2", 3300000},
    {"0.5ms", 500},
    {"1.5us", 1},
    {"0.9us", 0},
    {"1.123456789s", 1123456},
    // Large values and infinity.
    {"1y 1us", 31557600000001},
    {"584541y", 18446711061600000000u},
    {"9223372036854775807us", 9223372036854775807u},
    {"infinity", Timespan::kInfinity},
    {" infinity ", Timespan::kInfinity},
};

TEST(Timespan, ParsesLikeSystemd) {
  for (const auto& row : kValid) {
    auto span = ParseTimespan(row.text);
    ASSERT_TRUE(span.ok()) << "'" << row.text << "': " << span.status().message();
    EXPECT_EQ(span->usec, row.usec) << "'" << row.text << "'";
  }
}

struct RejectRow {
  std::string text;
  StatusCode code;
};

constexpr StatusCode kEinval = StatusCode::kInvalidArgument;
constexpr StatusCode kErange = StatusCode::kOutOfRange;

const RejectRow kInvalid[] = {
    // Unknown or wrongly cased units, and what is left after a unit.
    {"5mon", kEinval},
    {"5mins", kEinval},
    {"5secs", kEinval},
    {"1hrs", kEinval},
    {"1H", kEinval},
    {"1D", kEinval},
    {"1 S", kEinval},
    {"1ns", kEinval},
    {"1nsec", kEinval},
    {"m", kEinval},
    {"5 m s", kEinval},
    {"Infinity", kEinval},
    {"infinity 5s", kEinval},
    {"5s infinity", kEinval},
    // Number syntax.
    {"1e3", kEinval},
    {"0x10", kEinval},
    {"1.", kEinval},
    {"1.s", kEinval},
    {"3.+1", kEinval},
    {".", kEinval},
    {"12.34.56", kEinval},
    {"1h,30min", kEinval},
    {"01:30", kEinval},
    {"+-5", kEinval},
    {"++5", kEinval},
    // Empty and blank.
    {"", kEinval},
    {" ", kEinval},
    // Negative numbers, even zero, and totals that reach infinity.
    {"-0", kErange},
    {"-5s", kErange},
    {"5s -1s", kErange},
    {"584542y", kErange},
    {"18446744073709551615", kErange},
    {"18446744073709551614us", kErange},
};

TEST(Timespan, RejectsNearMissesWithSystemdsErrno) {
  for (const auto& row : kInvalid) {
    auto span = ParseTimespan(row.text);
    ASSERT_FALSE(span.ok()) << "accepted '" << row.text << "' as " << span->usec;
    EXPECT_EQ(span.status().code(), row.code)
        << "'" << row.text << "': " << span.status().ErrnoText();
  }
}

struct FormatRow {
  uint64_t usec;
  const char* human;
};

const FormatRow kFormats[] = {
    {0, "0"},
    {1, "1us"},
    {500, "500us"},
    {999, "999us"},
    {1000, "1ms"},
    {1001, "1.001ms"},
    {1500, "1.500ms"},
    {999999, "999.999ms"},
    {220000, "220ms"},
    {1000000, "1s"},
    {1000001, "1.000001s"},
    {1123456, "1.123456s"},
    {1500000, "1.500000s"},
    {2500000, "2.500000s"},
    {3300000, "3.300000s"},
    {12345678, "12.345678s"},
    {55500000, "55.500000s"},
    {59999999, "59.999999s"},
    {60000000, "1min"},
    {60500000, "1min 500ms"},
    {61500000, "1min 1.500000s"},
    {3599999999, "59min 59.999999s"},
    {3600000000, "1h"},
    {3600500000, "1h 500ms"},
    {3601000000, "1h 1s"},
    {5400000000, "1h 30min"},
    {86399000000, "23h 59min 59s"},
    {86400000001, "1d 1us"},
    {432020300000, "5d 20.300000s"},
    {604800000000, "1w"},
    {3024000000000, "1month 4d 13h 30min"},
    {2629800000000, "1month"},
    {13149000000000, "5month"},
    {31557599999999, "11month 4w 2d 10h 29min 59.999999s"},
    {31557600000000, "1y"},
    {31557600000001, "1y 1us"},
    {34882261001001, "1y 1month 1w 1d 1h 1min 1.001001s"},
    {63115200000000, "2y"},
    {94694400000000, "3y 6h"},
    {1844674407370955161, "58454y 2month 1w 6d 20h 36min 10.955161s"},
    {9223372036854775807, "292271y 1w 1d 10h 54.775807s"},
    {18446711061600000000u, "584541y"},
    {Timespan::kInfinity, "infinity"},
};

TEST(Timespan, FormatsLikeSystemd) {
  for (const auto& row : kFormats) {
    EXPECT_EQ(FormatTimespan(Timespan{row.usec}), row.human) << row.usec << "us";
  }
}

TEST(Timespan, FormattedSpansParseBackToTheSameValue) {
  for (const auto& row : kFormats) {
    auto span = ParseTimespan(row.human);
    ASSERT_TRUE(span.ok()) << "'" << row.human << "': " << span.status().message();
    EXPECT_EQ(span->usec, row.usec) << "'" << row.human << "'";
  }
}

TEST(Timespan, BareNumbersUseTheGivenDefaultUnit) {
  // What a setting in milliseconds would read; units still win.
  auto ms = ParseTimespanWithUnit("5", 1000);
  ASSERT_TRUE(ms.ok());
  EXPECT_EQ(ms->usec, 5000u);
  auto mixed = ParseTimespanWithUnit("5 2s", 1000);
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->usec, 2005000u);
}

}  // namespace
}  // namespace surety
