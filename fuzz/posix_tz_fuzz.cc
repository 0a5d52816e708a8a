// posix_tz_fuzz: the fuzz target of glibc's zone model (time/posix_tz.h,
// time/glibc_zone.h) — TZ values and TZif files, the two inputs surety reads
// the way glibc does.
//
// The first byte picks the reading of the rest:
//  * even: a TZ value. ParsePosixTz() never crashes; the zone it makes
//    answers At() at instants derived from the input; ChangesWithAnswers()
//    over two years agrees with At() at each change; a Zone built on it
//    answers ToWall() and Mktime() (which must return an instant whose wall
//    time reads back as the normalized fields).
//  * odd: the bytes of a TZif file. FromTzif() and WithDefaultRules() never
//    crash; a zone they accept answers At() and ChangesWithAnswers().
// ASan and UBSan watch memory and arithmetic. A violated property prints the
// input and traps.
//
// Build and run: docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "time/glibc_zone.h"
#include "time/zone.h"

namespace {

[[noreturn]] void Fail(std::string_view what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "posix_tz_fuzz: %.*s\n  input: %s\n  %s\n", static_cast<int>(what.size()),
               what.data(), surety::QuoteForMessage(input, 400).c_str(), detail.c_str());
  __builtin_trap();
}

uint64_t Hash(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

bool Same(const surety::GlibcZone::Answer& a, const surety::GlibcZone::Answer& b) {
  return a.offset == b.offset && a.isdst == b.isdst && std::string_view(a.abbr) == b.abbr;
}

void CheckChanges(const surety::GlibcZone& z, int64_t from, std::string_view input) {
  const int64_t to = from + 2 * 366 * 86400;
  int64_t last = from - 1;
  for (const auto& c : z.ChangesWithAnswers(from, to)) {
    if (c.at <= last || c.at > to) Fail("changes out of order", input, std::to_string(c.at));
    if (!Same(c.answer, z.At(c.at)))
      Fail("a change that At() contradicts", input, std::to_string(c.at));
    last = c.at;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace surety;
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view body = input.substr(1);
  const uint64_t h = Hash(input);
  // 1900 to 2200, where the calendar and the period tables live.
  const int64_t t = -2208988800 + static_cast<int64_t>(h % 9467280000ull);
  if (data[0] % 2 == 0) {
    const std::string text(body.substr(0, body.find('\0')));
    PosixTz tz = ParsePosixTz(text);
    auto rules = std::make_shared<const GlibcZone>(tz);
    (void)rules->At(t);
    CheckChanges(*rules, t, input);
    std::shared_ptr<const Zone> zone = Zone::FromRules(text, rules);
    const WallFields w = zone->ToWall(t);
    MktimeState state;
    state.tzsets = 2;  // set up for good: ToWall() answers as mktime() then does
    state.offset = static_cast<int64_t>(h >> 48) % 100000 - 50000;
    WallFields fields = w;
    fields.isdst = static_cast<int>((h >> 8) % 3) - 1;
    fields.minute += static_cast<int>((h >> 16) % 181) - 90;
    const int64_t back = zone->Mktime(fields, state);
    if (back != -1) {
      const WallFields again = zone->ToWall(back);
      if (again.year != fields.year || again.month != fields.month || again.day != fields.day ||
          again.hour != fields.hour || again.minute != fields.minute ||
          again.second != fields.second)
        Fail("mktime() fields that do not read back", input, std::to_string(back));
    }
  } else {
    if (auto z = GlibcZone::FromTzif(body)) {
      (void)z->At(t);
      CheckChanges(*z, t, input);
    }
    PosixTz tz = ParsePosixTz("XXX3YYY");
    if (auto z = GlibcZone::WithDefaultRules(tz, body, static_cast<int32_t>(h % 7200))) {
      (void)z->At(t);
      CheckChanges(*z, t, input);
    }
  }
  return 0;
}
