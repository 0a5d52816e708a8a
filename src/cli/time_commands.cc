#include "cli/time_commands.h"

#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <vector>

#include "base/strings.h"
#include "time/calendar_spec.h"
#include "time/timespan.h"
#include "time/timestamp.h"

namespace surety {

namespace {

struct TimeEnv {
  ZoneDb zones;
  std::shared_ptr<const Zone> local;
  MktimeState mktime;  // one process's glibc memory, shared like systemd's
  CalendarParseContext parse_ctx;
};

void InitTimeEnv(TimeEnv& te, const Env& env) {
  te.local = te.zones.LocalFromTz(env.Get("TZ"));
  te.parse_ctx.tzname[0] = te.local->tzname(0);
  te.parse_ctx.tzname[1] = te.local->tzname(1);
  te.parse_ctx.zones = &te.zones;
}

// systemd 252 prints these lines through its table formatter: trailing
// blanks are dropped and further lines are indented under the first.
std::string Cell(const std::string& label, const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    lines.push_back(line);
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  while (lines.size() > 1 && lines.back().empty()) lines.pop_back();
  std::string out = label;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += "\n" + std::string(label.size(), ' ');
    out += lines[i];
  }
  return out + "\n";
}

std::string Detail(const Status& s) {
  return std::string(s.ErrnoText()) + (s.message().empty() ? "" : " (" + s.message() + ")");
}

// systemd's time_parsing_hint(): say when the text is another kind of time.
void Hints(std::string_view text, bool calendar, bool timestamp, bool timespan, TimeEnv& te,
           Services& sv) {
  if (calendar && ParseCalendarSpec(text, te.parse_ctx).ok())
    sv.err << "Hint: this expression is a valid calendar specification. Use "
              "'surety calendar \""
           << QuoteForMessage(text) << "\"' instead?\n";
  if (timestamp) {
    MktimeState scratch = te.mktime;
    TimestampContext tc{sv.clock.Now(), te.local.get(), &te.zones, &scratch};
    if (ParseTimestamp(text, tc).ok())
      sv.err << "Hint: this expression is a valid timestamp. Use 'surety "
                "calendar --base-time=\""
             << QuoteForMessage(text) << "\"' for it instead?\n";
  }
  if (timespan && ParseTimespan(text).ok())
    sv.err << "Hint: this expression is a valid timespan. Use 'surety "
              "timespan \""
           << QuoteForMessage(text) << "\"' instead?\n";
}

}  // namespace

int RunCalendar(const CalendarOptions& opt, Services& sv) {
  TimeEnv te;
  InitTimeEnv(te, sv.env);
  Instant now = sv.clock.Now();
  Instant base = now;
  if (opt.base_time) {
    TimestampContext tc{now, te.local.get(), &te.zones, &te.mktime};
    auto parsed = ParseTimestamp(*opt.base_time, tc);
    if (!parsed.ok()) {
      sv.err << "Failed to parse --base-time='" << QuoteForMessage(*opt.base_time)
             << "': " << Detail(parsed.status())
             << "\nExamples: --base-time='2025-03-30 01:30:00', "
                "--base-time='2025-03-30 01:30 UTC', --base-time=@1700000000, "
                "--base-time='tomorrow'\n";
      return 2;
    }
    // systemd reads an infinite base as "no base": compute from now.
    if (*parsed != Instant::max()) base = *parsed;
  }
  const bool show_utc = !te.local->IsUtcLike();
  CalendarEvalContext ec{te.local.get(), &te.zones, &te.mktime};
  int ret = 0;
  nlohmann::json json = nlohmann::json::array();
  for (size_t i = 0; i < opt.specs.size(); ++i) {
    const std::string& text = opt.specs[i];
    nlohmann::json entry = {{"spec", text}};
    if (i > 0 && !opt.json) sv.out << '\n';
    auto spec = ParseCalendarSpec(text, te.parse_ctx);
    if (!spec.ok()) {
      sv.err << "Failed to parse calendar specification '" << QuoteForMessage(text)
             << "': " << Detail(spec.status()) << '\n';
      Hints(text, false, true, true, te, sv);
      entry["error"] = spec.status().message();
      json.push_back(entry);
      ret = 1;
      continue;
    }
    std::string normalized = FormatCalendarSpec(*spec, te.parse_ctx);
    entry["normalized"] = normalized;
    entry["next"] = nlohmann::json::array();
    // Like systemd 252 (which fills a table and prints it at the end), a spec
    // whose computation fails prints nothing on stdout.
    std::ostringstream block;
    if (normalized != text) block << Cell("  Original form: ", text);
    block << "Normalized form: " << normalized << '\n';
    bool failed = false;
    Instant n = base;
    for (unsigned it = 0; it < opt.iterations; ++it) {
      auto next = NextElapse(*spec, n, ec);
      if (!next.ok()) {
        sv.err << "Failed to determine next elapse for '" << QuoteForMessage(text)
               << "': " << Detail(next.status()) << '\n';
        entry["error"] = next.status().message();
        ret = 1;
        failed = true;
        break;
      }
      if (!next->has_value()) {
        if (it == 0) block << "    Next elapse: never\n";
        break;
      }
      Instant t = **next;
      if (opt.json) entry["next"].push_back(FormatRfc3339(t));
      std::string label = "    Next elapse: ";
      if (it > 0) {
        std::string num = std::to_string(it + 1);
        int pad = num.size() < 8 ? 8 - static_cast<int>(num.size()) : 0;
        label = std::string(static_cast<size_t>(pad), ' ') + "Iter. #" + num + ": ";
      }
      block << label << FormatTimestamp(t, *te.local) << '\n';
      if (show_utc) block << "       (in UTC): " << FormatTimestampUtc(t) << '\n';
      block << "       From now: " << FormatRelative(t, now) << '\n';
      n = t;
    }
    if (!opt.json && !failed) sv.out << block.str();
    json.push_back(entry);
  }
  if (opt.json) sv.out << json.dump(2) << '\n';
  return ret;
}

int RunTimespan(const TimespanOptions& opt, Services& sv) {
  TimeEnv te;
  InitTimeEnv(te, sv.env);
  const char* mu = sv.env.Utf8Locale() ? "\xce\xbc" : "u";
  nlohmann::json json = nlohmann::json::array();
  for (size_t i = 0; i < opt.spans.size(); ++i) {
    const std::string& text = opt.spans[i];
    auto span = ParseTimespan(text);
    if (!span.ok()) {
      sv.err << "Failed to parse time span '" << QuoteForMessage(text)
             << "': " << Detail(span.status()) << '\n';
      Hints(text, true, true, false, te, sv);
      if (opt.json) sv.out << json.dump(2) << '\n';
      return 1;
    }
    if (opt.json) {
      json.push_back({{"span", text}, {"usec", span->usec}, {"human", FormatTimespan(*span)}});
      continue;
    }
    sv.out << Cell("Original: ", text);
    sv.out << "      " << mu << "s: " << span->usec << '\n';
    sv.out << "   Human: " << FormatTimespan(*span) << '\n';
    if (i + 1 < opt.spans.size()) sv.out << '\n';
  }
  if (opt.json) sv.out << json.dump(2) << '\n';
  return 0;
}

}  // namespace surety
