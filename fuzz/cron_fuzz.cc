// cron_fuzz: the fuzz target of the cron converter (time/cron.h).
//
// For arbitrary bytes:
//  1. LooksLikeCron() and CronToCalendar() never crash (ASan and UBSan watch
//     memory and arithmetic), and CronToCalendar() fails only with
//     kInvalidArgument and a message.
//  2. Every spec it returns parses as a calendar spec and is already in
//     systemd's normalized form (formats to the identical text); it returns
//     one or two.
// A violated property prints the input and traps.
//
// Build and run: docs/fuzzing.md.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "time/calendar_spec.h"
#include "time/cron.h"

namespace {

[[noreturn]] void Fail(std::string_view what, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "cron_fuzz: %.*s\n  input: %s\n  %s\n", static_cast<int>(what.size()),
               what.data(), surety::QuoteForMessage(input, 400).c_str(), detail.c_str());
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace surety;
  static ZoneDb* zones = new ZoneDb();
  static CalendarParseContext* ctx = [] {
    auto* c = new CalendarParseContext;
    c->tzname[0] = c->tzname[1] = "UTC";
    c->zones = zones;
    return c;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)LooksLikeCron(text);
  auto specs = CronToCalendar(text);
  if (!specs.ok()) {
    if (specs.status().code() != StatusCode::kInvalidArgument || specs.status().message().empty())
      Fail("refused without kInvalidArgument and a reason", text, specs.status().message());
    return 0;
  }
  if (specs->empty() || specs->size() > 2)
    Fail("not one or two specs", text, std::to_string(specs->size()));
  for (const std::string& s : *specs) {
    auto parsed = ParseCalendarSpec(s, *ctx);
    if (!parsed.ok())
      Fail("a spec that does not parse", text, s + ": " + parsed.status().message());
    const std::string normalized = FormatCalendarSpec(*parsed, *ctx);
    if (normalized != s) Fail("a spec not in normalized form", text, s + " -> " + normalized);
  }
  return 0;
}
