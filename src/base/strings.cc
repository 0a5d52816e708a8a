#include "base/strings.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>

namespace surety {

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && EqualsIgnoreCase(s.substr(s.size() - suffix.size()), suffix);
}

std::string FileNameWord(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '.' || c == '_' || c == '-') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string SystemErrorText(int err) {
  return std::strerror(err);
}  // NOLINT: glibc's is thread-safe

std::string QuoteForMessage(std::string_view s, size_t max_len) {
  std::string out;
  size_t n = s.size() > max_len ? max_len : s.size();
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (n < s.size()) out += "... (" + std::to_string(s.size()) + " bytes)";
  return out;
}

std::optional<std::string> ClosestMatch(const std::string& word,
                                        const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: a swap of two neighbours ("alret")
  // counts as one edit, like an insertion, deletion or substitution.
  auto distance = [](const std::string& a, const std::string& b) {
    const size_t n = b.size() + 1;
    std::vector<size_t> d((a.size() + 1) * n);
    auto at = [&](size_t i, size_t j) -> size_t& { return d[i * n + j]; };
    for (size_t i = 0; i <= a.size(); ++i) at(i, 0) = i;
    for (size_t j = 0; j <= b.size(); ++j) at(0, j) = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      for (size_t j = 1; j <= b.size(); ++j) {
        const bool same = AsciiLower(a[i - 1]) == AsciiLower(b[j - 1]);
        at(i, j) =
            std::min({at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + (same ? 0 : 1)});
        if (i > 1 && j > 1 && AsciiLower(a[i - 1]) == AsciiLower(b[j - 2]) &&
            AsciiLower(a[i - 2]) == AsciiLower(b[j - 1]))
          at(i, j) = std::min(at(i, j), at(i - 2, j - 2) + 1);
      }
    }
    return at(a.size(), b.size());
  };
  std::optional<std::string> best;
  if (word.size() > 64) return best;  // no key is that long; and the table is quadratic
  size_t best_d = 0;
  for (const auto& c : candidates) {
    size_t d = distance(word, c);
    size_t limit = std::max<size_t>(1, std::min<size_t>(3, c.size() / 3));
    if (d <= limit && (!best || d < best_d)) {
      best = c;
      best_d = d;
    }
  }
  return best;
}

bool IsAllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsAsciiDigit);
}

std::optional<uint32_t> ParseNumericId(std::string_view text) {
  if (!IsAllDigits(text) || text.size() > 10) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) v = v * 10 + static_cast<uint64_t>(c - '0');
  if (v >= 4294967295ULL || v == 65535) return std::nullopt;
  return static_cast<uint32_t>(v);
}

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string Hex64(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace surety
