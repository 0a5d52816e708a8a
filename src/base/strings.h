// Small string helpers shared by every module. ASCII only, locale-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace surety {

bool IsAsciiDigit(char c);
char AsciiLower(char c);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix);
bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix);
// Quotes a user-supplied string for an error message, escaping control bytes
// and shortening anything over `max_len` bytes so a 1 MB input never floods a
// terminal.
std::string QuoteForMessage(std::string_view s, size_t max_len = 200);

// True when `s` is one or more ASCII digits and nothing else.
bool IsAllDigits(std::string_view s);

// A user or group given by number ("1000"): the id, when `text` is all
// digits and a valid id — 0 to 4294967294, but not 65535 (both are "-1" to
// some interfaces; systemd refuses them too). nullopt otherwise: a name, or
// a number no user can have (which must never wrap around to root's 0).
std::optional<uint32_t> ParseNumericId(std::string_view text);

// The closest candidate within a small edit distance (case-insensitive; a
// swap of two neighbouring letters is one edit), for "did you mean".
std::optional<std::string> ClosestMatch(const std::string& word,
                                        const std::vector<std::string>& candidates);

// `text` as one word of a file name (job and alert names): letters,
// digits, '.', '_' and '-' as they are, every other byte as %XX.
std::string FileNameWord(std::string_view text);

// 64-bit FNV-1a of `bytes`: a cheap fingerprint (the run journal's line
// check, the names of the daemon's job set files, install's record of the
// units it wrote). Not for security.
uint64_t Fnv1a64(std::string_view bytes);
// `h` as 16 lower-case hex digits.
std::string Hex64(uint64_t h);

// The C library's text for an errno value: "No such file or directory".
std::string SystemErrorText(int err);

}  // namespace surety
