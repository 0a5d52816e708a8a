// GlibcZone: glibc's evaluation of a zone from a rule, a TZif file or both.
// Expectations were checked against glibc 2.36 (`TZ=VALUE date -d @T`, and
// for the posixrules cases a TZDIR holding a hand-made posixrules file); the
// randomized comparison with the real localtime() and mktime() is in
// mktime_oracle_test.cc.
#include "time/glibc_zone.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "time/zone.h"

namespace surety {
namespace {

int64_t Utc(int y, int mo, int d, int h, int mi) { return CivilSecondsAsUtc(y, mo, d, h, mi, 0); }

TEST(GlibcZone, UnreadableRulesStillDecideDaylightTime) {
  // glibc (checked with date): TZ='EST5 EDT' reads as EST with an unnamed
  // daylight time at UTC+0 that lasts all year but the first five hours of
  // January 1 (UTC); TZ='EST5EDT,J0' starts daylight time on January 1.
  GlibcZone odd(ParsePosixTz("EST5 EDT"));
  EXPECT_EQ(odd.At(1750000000).offset, 0);
  EXPECT_STREQ(odd.At(1750000000).abbr, "");
  EXPECT_EQ(odd.At(Utc(2025, 1, 1, 1, 0)).offset, -18000);
  EXPECT_STREQ(odd.At(Utc(2025, 1, 1, 1, 0)).abbr, "EST");
  GlibcZone j0(ParsePosixTz("EST5EDT,J0"));
  EXPECT_STREQ(j0.At(1750000000).abbr, "EST");
  EXPECT_STREQ(j0.At(Utc(2025, 1, 1, 2, 0)).abbr, "EDT");
}

TEST(GlibcZone, TznameAndUtcLikeAsTzsetLeavesThem) {
  GlibcZone eu(ParsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3"));
  EXPECT_EQ(eu.tzname(0), "CET");
  EXPECT_EQ(eu.tzname(1), "CEST");
  EXPECT_FALSE(eu.utc_like());
  EXPECT_TRUE(GlibcZone(ParsePosixTz("UTC0")).utc_like());
  EXPECT_TRUE(GlibcZone(ParsePosixTz("IST")).utc_like());
  // Daylight time at UTC+0 still counts as `daylight`.
  EXPECT_FALSE(GlibcZone(ParsePosixTz("GMT0BST,M3.5.0/1,M10.5.0")).utc_like());
}

TEST(GlibcZone, ChangesBetweenListsEveryChange) {
  GlibcZone eu(ParsePosixTz("CET-1CEST,M3.5.0,M10.5.0/3"));
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

TEST(GlibcZone, DefaultRulesMoveTheFilesTransitionsToTheGivenOffsets) {
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
  auto z = GlibcZone::WithDefaultRules(tz, file, tz.offset[1]);
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
  auto first = GlibcZone::WithDefaultRules(tz, file, 0);
  ASSERT_NE(first, nullptr);
  EXPECT_STREQ(first->At(start + shift).abbr, "YYY");
  EXPECT_STREQ(first->At(end + 7200 - 1).abbr, "YYY");
  EXPECT_STREQ(first->At(end + 7200).abbr, "EST");

  // A transition given in UT does not move; one given in standard time moves
  // by the standard offsets even when it follows daylight time.
  const std::string flagged = MakeTzif(
      {{start, 1}, {end, 0}}, {{-18000, false, 0, true, false}, {-14400, true, 4, true, true}},
      std::string("EST\0EDT\0", 8), "EST5EDT,M3.2.0,M11.1.0");
  auto f = GlibcZone::WithDefaultRules(tz, flagged, tz.offset[1]);
  ASSERT_NE(f, nullptr);
  EXPECT_STREQ(f->At(start - 1).abbr, "XXX");
  EXPECT_STREQ(f->At(start).abbr, "YYY");
  EXPECT_STREQ(f->At(end + shift - 1).abbr, "YYY");
  EXPECT_STREQ(f->At(end + shift).abbr, "EST");
}

TEST(GlibcZone, DefaultRulesRefuseWhatGlibcRefuses) {
  PosixTz tz = ParsePosixTz("CET-1CEST");
  EXPECT_EQ(GlibcZone::WithDefaultRules(tz, "", 0), nullptr);
  EXPECT_EQ(GlibcZone::WithDefaultRules(tz, "not a zone file", 0), nullptr);
  // One type only.
  EXPECT_EQ(
      GlibcZone::WithDefaultRules(
          tz, MakeTzif({}, {{0, false, 0, false, false}}, std::string("UTC\0", 4), "UTC0"), 0),
      nullptr);
  // A transition naming a type that does not exist.
  EXPECT_EQ(GlibcZone::WithDefaultRules(
                tz,
                MakeTzif({{0, 5}}, {{0, false, 0, false, false}, {3600, true, 0, false, false}},
                         std::string("UTC\0", 4), "UTC0"),
                0),
            nullptr);
  // Cut short.
  const std::string good =
      MakeTzif({{0, 1}}, {{0, false, 0, false, false}, {3600, true, 0, false, false}},
               std::string("UTC\0", 4), "UTC0");
  EXPECT_NE(GlibcZone::WithDefaultRules(tz, good, 0), nullptr);
  EXPECT_EQ(GlibcZone::WithDefaultRules(tz, good.substr(0, good.size() - 8), 0), nullptr);
}

TEST(GlibcZone, ChangesWithAnswersAgreeWithAt) {
  // Every kind of zone: a rule, a file with a footer, posixrules.
  ZoneDb zones;
  std::vector<std::unique_ptr<GlibcZone>> cases;
  cases.push_back(std::make_unique<GlibcZone>(ParsePosixTz("AEST-10AEDT,M10.1.0,M4.1.0/3")));
  cases.push_back(std::make_unique<GlibcZone>(ParsePosixTz("<+03>-3")));
  for (const char* file : {"/usr/share/zoneinfo/Europe/Berlin", "/usr/share/zoneinfo/Africa/Accra",
                           "/usr/share/zoneinfo/UTC"}) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes(1 << 16, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<size_t>(in.gcount()));
    auto z = GlibcZone::FromTzif(bytes);
    ASSERT_NE(z, nullptr) << file;
    cases.push_back(std::move(z));
  }
  const int64_t from = Utc(1960, 1, 1, 0, 0), to = Utc(2060, 1, 1, 0, 0);
  for (size_t c = 0; c < cases.size(); ++c) {
    SCOPED_TRACE("case " + std::to_string(c));
    const auto& z = cases[c];
    const auto changes = z->ChangesWithAnswers(from, to);
    ASSERT_FALSE(changes.empty());
    EXPECT_EQ(changes[0].at, from);
    auto same = [](const GlibcZone::Answer& a, const GlibcZone::Answer& b) {
      return a.offset == b.offset && a.isdst == b.isdst && std::string(a.abbr) == b.abbr;
    };
    // Each change answers what At() answers there ...
    for (size_t i = 0; i < changes.size(); ++i) {
      if (i > 0) {
        EXPECT_LT(changes[i - 1].at, changes[i].at);
      }
      EXPECT_TRUE(same(changes[i].answer, z->At(changes[i].at))) << changes[i].at;
    }
    // ... and at every instant where At() may change, and a second before
    // each, the latest change at or before it answers what At() does.
    size_t k = 0;
    for (int64_t at : z->ChangesBetween(from, to)) {
      for (int64_t t : {at - 1, at}) {
        while (k + 1 < changes.size() && changes[k + 1].at <= t) ++k;
        while (k > 0 && changes[k].at > t) --k;
        EXPECT_TRUE(same(changes[k].answer, z->At(t))) << t;
      }
    }
  }
}

}  // namespace
}  // namespace surety
