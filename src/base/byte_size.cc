// ParseByteSize / FormatByteSize: binary multiples.

#include "base/byte_size.h"

#include <cstdint>
#include <optional>
#include <string>

#include "base/strings.h"

namespace surety {

namespace {

__extension__ typedef unsigned __int128 U128;

constexpr uint64_t kMax = UINT64_MAX;
constexpr int kMaxFractionDigits = 18;

struct Unit {
  char letter;
  uint64_t multiplier;
};
constexpr Unit kUnits[] = {
    {'K', uint64_t{1} << 10}, {'M', uint64_t{1} << 20}, {'G', uint64_t{1} << 30},
    {'T', uint64_t{1} << 40}, {'P', uint64_t{1} << 50},
};

// The multiplier for a unit suffix: "", "B", "K", "k", "KB", "KiB", "kB",
// … "P", "PiB". nullopt for anything else.
std::optional<uint64_t> UnitMultiplier(const std::string& suffix) {
  if (suffix.empty() || suffix == "B") return uint64_t{1};
  char letter = suffix[0] == 'k' ? 'K' : suffix[0];
  std::string rest = suffix.substr(1);
  if (!rest.empty() && rest != "B" && rest != "iB") return std::nullopt;
  for (const Unit& u : kUnits)
    if (u.letter == letter) return u.multiplier;
  return std::nullopt;
}

}  // namespace

std::optional<uint64_t> ParseByteSize(const std::string& text) {
  size_t i = 0;
  const size_t n = text.size();

  // Integer part: at least one digit.
  uint64_t whole = 0;
  size_t start = i;
  while (i < n && IsAsciiDigit(text[i])) {
    auto digit = static_cast<uint64_t>(text[i] - '0');
    if (whole > (kMax - digit) / 10) return std::nullopt;
    whole = whole * 10 + digit;
    ++i;
  }
  if (i == start) return std::nullopt;

  // Optional fraction: "." followed by at least one digit.
  uint64_t fraction = 0;
  uint64_t fraction_scale = 1;
  if (i < n && text[i] == '.') {
    ++i;
    size_t fstart = i;
    while (i < n && IsAsciiDigit(text[i])) {
      if (i - fstart >= kMaxFractionDigits) return std::nullopt;
      fraction = fraction * 10 + static_cast<uint64_t>(text[i] - '0');
      fraction_scale *= 10;
      ++i;
    }
    if (i == fstart) return std::nullopt;
  }

  // Optional blanks, then the unit, then nothing.
  size_t blanks = i;
  while (i < n && text[i] == ' ') ++i;
  if (i > blanks && i == n) return std::nullopt;  // "5 "
  std::optional<uint64_t> multiplier = UnitMultiplier(text.substr(i));
  if (!multiplier) return std::nullopt;
  // A fraction of a byte is not a size.
  if (*multiplier == 1 && fraction != 0) return std::nullopt;

  U128 value = U128{whole} * *multiplier;
  value += U128{fraction} * *multiplier / fraction_scale;  // rounds down
  if (value > kMax) return std::nullopt;
  return static_cast<uint64_t>(value);
}

std::string FormatByteSize(uint64_t bytes) {
  if (bytes < 1024) return std::to_string(bytes) + "B";
  size_t u = 0;
  while (u + 1 < std::size(kUnits) && bytes >= kUnits[u + 1].multiplier) ++u;
  for (;; ++u) {
    const uint64_t m = kUnits[u].multiplier;
    const char letter = kUnits[u].letter;
    if (bytes % m == 0) return std::to_string(bytes / m) + letter;
    // Tenths of the unit, rounded half up.
    auto tenths = static_cast<uint64_t>((U128{bytes} * 10 + m / 2) / m);
    if (tenths < 100) {
      return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + letter;
    }
    auto rounded = static_cast<uint64_t>((U128{bytes} + m / 2) / m);
    if (rounded >= 1024 && u + 1 < std::size(kUnits)) continue;  // "1024K" → "1.0M"
    return std::to_string(rounded) + letter;
  }
}

}  // namespace surety
