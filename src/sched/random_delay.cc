#include "sched/random_delay.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace surety {

namespace {

uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

uint64_t Load64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void Round(uint64_t& v0, uint64_t& v1, uint64_t& v2, uint64_t& v3) {
  v0 += v1;
  v1 = Rotl(v1, 13);
  v1 ^= v0;
  v0 = Rotl(v0, 32);
  v2 += v3;
  v3 = Rotl(v3, 16);
  v3 ^= v2;
  v0 += v3;
  v3 = Rotl(v3, 21);
  v3 ^= v0;
  v2 += v1;
  v1 = Rotl(v1, 17);
  v1 ^= v2;
  v2 = Rotl(v2, 32);
}

// The key systemd uses for FixedRandomDelay= (timer.c).
constexpr std::array<uint8_t, 16> kTimerKey = {0x51, 0x0a, 0xdb, 0x76, 0x29, 0x51, 0x42, 0xc2,
                                               0x80, 0x35, 0xea, 0xe6, 0x8e, 0x3a, 0x37, 0xbd};

}  // namespace

uint64_t SipHash24(const std::array<uint8_t, 16>& key, const uint8_t* data, size_t len) {
  const uint64_t k0 = Load64(key.data()), k1 = Load64(key.data() + 8);
  uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
  uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
  uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
  uint64_t v3 = 0x7465646279746573ULL ^ k1;
  size_t full = len - len % 8;
  for (size_t i = 0; i < full; i += 8) {
    uint64_t m = Load64(data + i);
    v3 ^= m;
    Round(v0, v1, v2, v3);
    Round(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t b = static_cast<uint64_t>(len) << 56;
  for (size_t i = 0; i < len % 8; ++i) b |= static_cast<uint64_t>(data[full + i]) << (8 * i);
  v3 ^= b;
  Round(v0, v1, v2, v3);
  Round(v0, v1, v2, v3);
  v0 ^= b;
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) Round(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

std::optional<std::array<uint8_t, 16>> ParseId128(const std::string& text) {
  std::array<uint8_t, 16> id{};
  int n = 0;
  for (char c : text) {
    if (c == '-' || c == '\n' || c == ' ') continue;
    int v;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      return std::nullopt;
    if (n >= 32) return std::nullopt;
    id[static_cast<size_t>(n / 2)] =
        static_cast<uint8_t>(id[static_cast<size_t>(n / 2)] | (n % 2 ? v : v << 4));
    ++n;
  }
  if (n != 32) return std::nullopt;
  return id;
}

uint64_t FixedRandomDelay(const std::array<uint8_t, 16>& machine_id, bool system_manager,
                          uint32_t uid, const std::string& unit_name, uint64_t span_usec) {
  if (span_usec == 0) return 0;
  std::string msg(reinterpret_cast<const char*>(machine_id.data()), 16);
  msg += static_cast<char>(system_manager ? 1 : 0);
  for (int i = 0; i < 4; ++i) msg += static_cast<char>((uid >> (8 * i)) & 0xff);
  msg += unit_name;
  uint64_t r = SipHash24(kTimerKey, reinterpret_cast<const uint8_t*>(msg.data()), msg.size());
  return r % span_usec;
}

uint64_t BootPhase(const std::array<uint8_t, 16>& boot_id) {
  uint64_t lo = Load64(boot_id.data()), hi = Load64(boot_id.data() + 8);
  return (lo ^ hi) % 60'000'000ULL;
}

int64_t CoalescedWakeup(int64_t a, int64_t b, uint64_t phase) {
  if (b <= a + 1) return a;
  for (int64_t g : {60'000'000LL, 10'000'000LL, 1'000'000LL, 250'000LL}) {
    int64_t c = (b / g) * g + static_cast<int64_t>(phase % static_cast<uint64_t>(g));
    if (c >= b) c -= g;
    if (c >= a) return c;
  }
  return b;
}

Micros AccuracyWindow(const JobSpec& job) {
  // systemd: AccuracySec=0 is 250 ms.
  return job.accuracy.usec == 0 ? Micros{250'000} : SpanMicros(job.accuracy);
}

Instant CoalescedStart(const JobSpec& job, Instant due, uint64_t phase) {
  const int64_t a = due.time_since_epoch().count();
  const int64_t b = (due + AccuracyWindow(job)).time_since_epoch().count();
  return Instant{Micros{CoalescedWakeup(a, b, phase)}};
}

uint64_t JobFixedRandomDelay(const std::array<uint8_t, 16>& machine_id, bool as_root, uint32_t uid,
                             const JobSpec& job) {
  if (!job.fixed_random_delay || job.randomized_delay.usec == 0) return 0;
  return FixedRandomDelay(machine_id, as_root, uid, "surety-" + job.name + ".timer",
                          job.randomized_delay.usec);
}

}  // namespace surety
