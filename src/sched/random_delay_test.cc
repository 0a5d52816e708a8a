#include "sched/random_delay.h"

#include <gtest/gtest.h>

namespace surety {
namespace {

// Reference values measured against live systemd 252 timers
// (systemd-semantics.md §4.7).
TEST(FixedRandomDelay, MatchesSystemdForKnownMachineIds) {
  auto id = *ParseId128("0123456789abcdef0123456789abcdef");
  constexpr uint64_t kHour = 3600'000'000ULL;
  EXPECT_EQ(FixedRandomDelay(id, true, 0, "foo.timer", kHour), 1'488'774'685ULL);
  EXPECT_EQ(FixedRandomDelay(id, true, 0, "bar.timer", kHour), 1'807'400'415ULL);
  EXPECT_EQ(FixedRandomDelay(id, false, 1000, "foo.timer", kHour), 1'908'603'430ULL);
  std::array<uint8_t, 16> zero{};
  EXPECT_EQ(FixedRandomDelay(zero, true, 0, "foo.timer", kHour), 1'363'155'487ULL);
  EXPECT_EQ(FixedRandomDelay(id, true, 0, "foo.timer", 0), 0u);
}

TEST(SipHash24, MatchesTheReferenceVector) {
  // The SipHash paper's test: key 00..0f, message 00..0e → a129ca6149be45e5.
  std::array<uint8_t, 16> key;
  for (int i = 0; i < 16; ++i) key[static_cast<size_t>(i)] = static_cast<uint8_t>(i);
  uint8_t msg[15];
  for (int i = 0; i < 15; ++i) msg[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(SipHash24(key, msg, 15), 0xa129ca6149be45e5ULL);
}

TEST(ParseId128, AcceptsHexWithDashesAndRejectsGarbage) {
  EXPECT_TRUE(ParseId128("3d1219c7-0123-4567-89ab-cdef01234567\n"));
  EXPECT_FALSE(ParseId128("xyz"));
  EXPECT_FALSE(ParseId128("0123"));
}

TEST(CoalescedWakeup, PrefersTheMinuteGridShiftedByTheBootPhase) {
  const int64_t kSec = 1'000'000;
  // Window [120 s, 180 s] with phase 2.092062 s → 122.092062 s... the latest
  // minute-grid point below the window end: 120 s + p.
  EXPECT_EQ(CoalescedWakeup(120 * kSec, 180 * kSec, 2'092'062), 122 * kSec + 92'062);
  // A 1 µs window fires at its start.
  EXPECT_EQ(CoalescedWakeup(5 * kSec, 5 * kSec + 1, 2'092'062), 5 * kSec);
  // A 250 ms window (AccuracySec=0) lands on the 250 ms grid.
  int64_t w = CoalescedWakeup(10 * kSec, 10 * kSec + 250'000, 2'092'062);
  EXPECT_GE(w, 10 * kSec);
  EXPECT_LE(w, 10 * kSec + 250'000);
  EXPECT_EQ(w % 250'000, 92'062);
}

}  // namespace
}  // namespace surety
