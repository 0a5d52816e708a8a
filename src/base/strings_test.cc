#include "base/strings.h"

#include <gtest/gtest.h>

#include "base/status.h"

namespace surety {

TEST(Strings, CaseInsensitiveComparisons) {
  EXPECT_TRUE(EqualsIgnoreCase("UtC", "utc"));
  EXPECT_FALSE(EqualsIgnoreCase("utc", "ut"));
  EXPECT_TRUE(EndsWithIgnoreCase("daily uTc", " UTC"));
  EXPECT_FALSE(EndsWithIgnoreCase("TC", " UTC"));
  EXPECT_TRUE(StartsWithIgnoreCase("Monday", "mon"));
}

TEST(Strings, QuoteForMessageEscapesAndTruncates) {
  EXPECT_EQ(QuoteForMessage(std::string("a\0b\n", 4)), "a\\x00b\\x0a");
  std::string big(1000, 'x');
  std::string q = QuoteForMessage(big, 10);
  EXPECT_EQ(q, "xxxxxxxxxx... (1000 bytes)");
}

TEST(Status, ResultHoldsValueOrError) {
  Result<int> good = 5;
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 5);
  Result<int> bad = Status::Error(StatusCode::kOutOfRange, "too big");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(bad.status().ErrnoText(), "Numerical result out of range");
}

TEST(ClosestMatch, FindsNearKeysOnly) {
  std::vector<std::string> keys = {"schedule", "timeout", "retries"};
  EXPECT_EQ(ClosestMatch("schedul", keys), "schedule");
  // A swap of neighbours is one edit, even in a short word.
  EXPECT_EQ(ClosestMatch("alret", {"alert", "command"}), "alert");
  EXPECT_EQ(ClosestMatch("fial", {"fail", "db"}), "fail");
  EXPECT_EQ(ClosestMatch(std::string(100000, 'x'), keys), std::nullopt);
  EXPECT_EQ(ClosestMatch("Timeout", keys), "timeout");
  EXPECT_EQ(ClosestMatch("banana", keys), std::nullopt);
}

TEST(ParseNumericId, ValidIdsOnlyAndNeverAWrapAroundToRoot) {
  EXPECT_EQ(ParseNumericId("0"), 0u);
  EXPECT_EQ(ParseNumericId("1000"), 1000u);
  EXPECT_EQ(ParseNumericId("4294967294"), 4294967294u);
  EXPECT_EQ(ParseNumericId("4294967295"), std::nullopt);            // (uid_t)-1
  EXPECT_EQ(ParseNumericId("4294967296"), std::nullopt);            // wrapped to 0 before
  EXPECT_EQ(ParseNumericId("65535"), std::nullopt);                 // the 16-bit -1
  EXPECT_EQ(ParseNumericId("99999999999999999999"), std::nullopt);  // threw before
  EXPECT_EQ(ParseNumericId("postgres"), std::nullopt);
  EXPECT_EQ(ParseNumericId(""), std::nullopt);
  EXPECT_EQ(ParseNumericId("-1"), std::nullopt);
  EXPECT_EQ(ParseNumericId("12a"), std::nullopt);
  EXPECT_TRUE(IsAllDigits("007"));
  EXPECT_FALSE(IsAllDigits(""));
  EXPECT_FALSE(IsAllDigits("1 "));
}

TEST(Fnv1a64, MatchesThePublishedVectors) {
  EXPECT_EQ(Hex64(Fnv1a64("")), "cbf29ce484222325");
  EXPECT_EQ(Hex64(Fnv1a64("a")), "af63dc4c8601ec8c");
  EXPECT_EQ(Hex64(Fnv1a64("foobar")), "85944171f73967e8");
}

}  // namespace surety
