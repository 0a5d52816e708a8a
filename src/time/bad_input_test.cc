// BadInput: hostile input to the time parsers ends in a clear error Status,
// quickly.
//
// Each case feeds one oversized or malformed text (a megabyte of digits or
// spaces, NUL bytes, numbers past 2^64, lists of ten thousand items, a
// hundred thousand ".." fragments) and checks the error code systemd 252
// would report (EINVAL → kInvalidArgument, ERANGE → kOutOfRange, ENOBUFS →
// kTooMany). Nothing here asserts a duration: the parsers are linear, and the
// whole suite runs in a few milliseconds; a case that suddenly takes long is
// a bug, not a flaky test. The last case checks that the CLI answers a huge
// spec with one short line on stderr.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "test_util.h"
#include "time/calendar_spec.h"
#include "time/timespan.h"
#include "time/timestamp.h"
#include "time/zone.h"

namespace surety {
namespace {

constexpr size_t kMegabyte = 1 << 20;

std::string Repeat(std::string_view piece, size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (size_t i = 0; i < times; ++i) out += piece;
  return out;
}

class BadInput : public testing::Test {
 protected:
  BadInput() : local_(zones_.LocalFromTz(":Europe/Berlin")) {
    ctx_.tzname[0] = local_->tzname(0);
    ctx_.tzname[1] = local_->tzname(1);
    ctx_.zones = &zones_;
  }

  StatusCode CalendarError(std::string_view text) {
    auto spec = ParseCalendarSpec(text, ctx_);
    EXPECT_FALSE(spec.ok()) << FormatCalendarSpec(*spec, ctx_).substr(0, 200);
    if (spec.ok()) return StatusCode::kOk;
    EXPECT_FALSE(spec.status().message().empty());
    return spec.status().code();
  }

  StatusCode TimespanError(std::string_view text) {
    auto span = ParseTimespan(text);
    EXPECT_FALSE(span.ok()) << span->usec;
    return span.ok() ? StatusCode::kOk : span.status().code();
  }

  StatusCode TimestampError(std::string_view text) {
    MktimeState state;
    // 2026-11-22 12:00:00 UTC.
    TimestampContext tc{Instant{Micros{1795348800000000}}, local_.get(), &zones_, &state};
    auto t = ParseTimestamp(text, tc);
    EXPECT_FALSE(t.ok()) << t->time_since_epoch().count();
    return t.ok() ? StatusCode::kOk : t.status().code();
  }

  ZoneDb zones_;
  std::shared_ptr<const Zone> local_;
  CalendarParseContext ctx_;
};

TEST_F(BadInput, MegabyteCalendarSpecsAreRejected) {
  EXPECT_EQ(CalendarError(std::string(kMegabyte, '1')), StatusCode::kOutOfRange);
  EXPECT_EQ(CalendarError(std::string(kMegabyte, 'x')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError(std::string(kMegabyte, '*')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError(Repeat("Mon,", kMegabyte / 4) + "x"), StatusCode::kInvalidArgument);
  // A megabyte of repeated weekdays is valid, as in systemd ("Mon," is).
  auto weekdays = ParseCalendarSpec(Repeat("Mon,", kMegabyte / 4), ctx_);
  ASSERT_TRUE(weekdays.ok()) << weekdays.status().message();
  EXPECT_EQ(FormatCalendarSpec(*weekdays, ctx_), "Mon *-*-* 00:00:00");
  // A megabyte-long last word is not looked up as a zone name.
  EXPECT_EQ(CalendarError("daily " + std::string(kMegabyte, 'a')), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError("daily Europe/" + Repeat("Berlin/", kMegabyte / 7)),
            StatusCode::kInvalidArgument);
}

TEST_F(BadInput, NulBytesAreRejected) {
  using namespace std::string_literals;
  EXPECT_EQ(CalendarError("daily\0"s), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError("\0daily"s), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError("*-*-* 00:00:00\0 UTC"s), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError(std::string(kMegabyte, '\0')), StatusCode::kInvalidArgument);
  EXPECT_EQ(TimespanError("5min\0 30s"s), StatusCode::kInvalidArgument);
  EXPECT_EQ(TimestampError("2026-11-22\0 12:00"s), StatusCode::kInvalidArgument);
}

TEST_F(BadInput, HugeNumbersAreOutOfRange) {
  EXPECT_EQ(CalendarError("99999999999999999999:00"), StatusCode::kOutOfRange);
  EXPECT_EQ(CalendarError("00:00:99999999999999999999"), StatusCode::kOutOfRange);
  EXPECT_EQ(CalendarError("00:00:18446744073709551615"), StatusCode::kOutOfRange);
  EXPECT_EQ(CalendarError("*-*-* 00:00:00/99999999999999999999"), StatusCode::kOutOfRange);
  EXPECT_EQ(CalendarError("2147483648-01-01"), StatusCode::kOutOfRange);
  EXPECT_EQ(CalendarError("*-*-* 00:00:" + std::string(kMegabyte, '9')), StatusCode::kOutOfRange);
  // In range for the parser, outside the fields' ranges.
  EXPECT_EQ(CalendarError("2147483647-01-01"), StatusCode::kInvalidArgument);
  // Rounds up to second 60.
  EXPECT_EQ(CalendarError("*-*-* 00:00:59." + std::string(kMegabyte, '9')),
            StatusCode::kInvalidArgument);
}

TEST_F(BadInput, LongListsAreCutOff) {
  // systemd refuses the 242nd item of a list with ENOBUFS.
  EXPECT_EQ(CalendarError("*:" + Repeat("1,", 9999) + "1"), StatusCode::kTooMany);
  EXPECT_EQ(CalendarError(Repeat("1,", 9999) + "1-01-01"), StatusCode::kTooMany);
  EXPECT_EQ(CalendarError("*:*:" + Repeat("1.5,", 9999) + "2"), StatusCode::kTooMany);
  // 241 items are fine, wherever they repeat.
  auto ok = ParseCalendarSpec("*:" + Repeat("1,", 240) + "1", ctx_);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(FormatCalendarSpec(*ok, ctx_), "*-*-* *:01:00");
}

TEST_F(BadInput, RangeFragmentsAreRejected) {
  EXPECT_EQ(CalendarError("*:1" + Repeat("..1", 100000)), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError("*:" + Repeat("..", 100000)), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError(Repeat("Mon..", 100000) + "Fri"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError("*:*:1" + Repeat(".1", 100000)), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError("*:" + Repeat("1/", 100000) + "1"), StatusCode::kInvalidArgument);
}

TEST_F(BadInput, MegabyteOfSpacesIsRejected) {
  const std::string spaces(kMegabyte, ' ');
  EXPECT_EQ(CalendarError(spaces), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError("daily" + spaces), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError(spaces + "daily"), StatusCode::kInvalidArgument);
  EXPECT_EQ(CalendarError("Mon" + spaces + "12:00 x"), StatusCode::kInvalidArgument);
  // Any run of blanks after the weekdays is fine (systemd-analyze calendar
  // 'Mon          12:00' → "Mon *-*-* 12:00:00").
  auto spaced = ParseCalendarSpec("Mon" + spaces + "12:00", ctx_);
  ASSERT_TRUE(spaced.ok()) << spaced.status().message();
  EXPECT_EQ(FormatCalendarSpec(*spaced, ctx_), "Mon *-*-* 12:00:00");
  EXPECT_EQ(TimespanError(spaces), StatusCode::kInvalidArgument);
  EXPECT_EQ(TimestampError(spaces), StatusCode::kInvalidArgument);
  EXPECT_EQ(TimestampError("2026-11-22" + spaces + "12:00 x"), StatusCode::kInvalidArgument);
}

TEST_F(BadInput, HugeTimespansAreRejected) {
  EXPECT_EQ(TimespanError(std::string(kMegabyte, '9')), StatusCode::kOutOfRange);
  EXPECT_EQ(TimespanError("1." + std::string(kMegabyte, '9') + "x"), StatusCode::kInvalidArgument);
  // 350,000 valid terms, then garbage: read once, rejected at the end.
  EXPECT_EQ(TimespanError(Repeat("1s ", 350000) + "x"), StatusCode::kInvalidArgument);
  // The sum reaches USEC_INFINITY.
  EXPECT_EQ(TimespanError(Repeat("100000y ", 100000)), StatusCode::kOutOfRange);
  EXPECT_EQ(TimespanError("18446744073709551615us"), StatusCode::kOutOfRange);
  // Like parse_sec(), N units are refused once N >= USEC_INFINITY / unit,
  // though 584542y < 2^64-1 µs: what FormatTimespan() prints for the largest
  // spans does not read back (found by fuzz/timespan_fuzz.cc; systemd 252
  // does the same).
  EXPECT_EQ(TimespanError("584542y"), StatusCode::kOutOfRange);
  auto largest = ParseTimespan("18446744073707s");
  ASSERT_TRUE(largest.ok());
  EXPECT_EQ(FormatTimespan(*largest), "584542y 2w 2d 20h 1min 47s");
  EXPECT_EQ(TimespanError(FormatTimespan(*largest)), StatusCode::kOutOfRange);
  EXPECT_EQ(TimestampError("+" + std::string(kMegabyte, '9')), StatusCode::kOutOfRange);
  EXPECT_EQ(TimestampError(std::string(kMegabyte, '9') + " ago"), StatusCode::kOutOfRange);
}

TEST_F(BadInput, EpochWithThirtyDigitsIsOutOfRange) {
  const std::string digits(30, '9');
  EXPECT_EQ(CalendarError("@" + digits), StatusCode::kOutOfRange);
  EXPECT_EQ(CalendarError("@-" + digits), StatusCode::kOutOfRange);
  EXPECT_EQ(CalendarError("@" + digits + " UTC"), StatusCode::kOutOfRange);
  EXPECT_EQ(TimestampError("@" + digits), StatusCode::kOutOfRange);
  EXPECT_EQ(CalendarError("@" + std::string(kMegabyte, '1')), StatusCode::kOutOfRange);
}

TEST_F(BadInput, CliAnswersAHugeSpecWithOneShortLine) {
  MapEnv env({{"TZ", ":Europe/Berlin"}, {"LC_ALL", "C"}});
  for (const std::string& huge : {std::string(kMegabyte, 'x'), std::string(kMegabyte, '1'),
                                  "*:" + Repeat("1,", 9999) + "1", std::string(kMegabyte, '\n')}) {
    auto r = testing_util::RunSurety({"calendar", huge}, env);
    EXPECT_EQ(r.rc, 1);
    EXPECT_TRUE(r.out.empty()) << r.out.substr(0, 200);
    EXPECT_LT(r.err.size(), 1024u) << r.err.substr(0, 300);
    ASSERT_FALSE(r.err.empty());
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err.substr(0, 300);
    EXPECT_NE(r.err.find("bytes)"), std::string::npos) << r.err.substr(0, 300);
  }
}

// Disabled until src/cli/time_commands.cc quotes the hint: a spec that fails
// as a calendar spec but reads as a time span (or timestamp) is echoed whole
// in the "Hint: ... valid timespan" line, 120 KB of stderr for "1s " x 40000.
TEST_F(BadInput, CliHintDoesNotEchoAHugeSpec) {
  MapEnv env({{"TZ", ":Europe/Berlin"}, {"LC_ALL", "C"}});
  auto r = testing_util::RunSurety({"calendar", Repeat("1s ", 40000)}, env);
  EXPECT_EQ(r.rc, 1);
  EXPECT_LT(r.err.size(), 1024u) << r.err.substr(0, 300);
}

}  // namespace
}  // namespace surety
