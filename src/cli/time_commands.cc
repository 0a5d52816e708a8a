#include "cli/time_commands.h"

#include <algorithm>
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
  te.parse_ctx.mktime = &te.mktime;
}

// systemd 252 prints these blocks through its table formatter: the value
// column is as wide as its widest cell, a cell's further lines are indented
// under the first, and trailing blanks disappear when the cell is padded —
// that is, when it is narrower than the column. A cell at least as wide as
// every other keeps them.
struct Row {
  std::string label, value;
};

std::string RenderRows(const std::vector<Row>& rows) {
  // The widest cell other than a given one: the widest, or the second
  // widest for the widest cell itself.
  size_t first = 0, second = 0;
  const Row* widest = nullptr;
  for (const Row& r : rows) {
    if (!widest || r.value.size() > first) {
      second = first;
      first = r.value.size();
      widest = &r;
    } else {
      second = std::max(second, r.value.size());
    }
  }
  std::string out;
  for (const Row& r : rows) {
    const size_t others = &r == widest ? second : first;
    const bool keep_blanks = r.value.size() >= others;
    std::vector<std::string> lines;
    size_t start = 0;
    while (true) {
      size_t nl = r.value.find('\n', start);
      std::string line =
          r.value.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!keep_blanks || nl != std::string::npos)
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
      lines.push_back(line);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    while (lines.size() > 1 && lines.back().empty()) lines.pop_back();
    out += r.label;
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) out += "\n" + std::string(r.label.size(), ' ');
      out += lines[i];
    }
    out += '\n';
  }
  return out;
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
    std::vector<Row> rows;
    rows.reserve(2 + 3 * static_cast<size_t>(std::min(opt.iterations, 1000000u)));
    if (normalized != text) rows.push_back({"  Original form: ", text});
    rows.push_back({"Normalized form: ", normalized});
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
        if (it == 0) rows.push_back({"    Next elapse: ", "never"});
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
      rows.push_back({label, FormatTimestamp(t, *te.local)});
      if (show_utc) rows.push_back({"       (in UTC): ", FormatTimestampUtc(t)});
      rows.push_back({"       From now: ", FormatRelative(t, now)});
      n = t;
    }
    if (!opt.json && !failed) sv.out << RenderRows(rows);
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
    sv.out << RenderRows({{"Original: ", text},
                          {std::string("      ") + mu + "s: ", std::to_string(span->usec)},
                          {"   Human: ", FormatTimespan(*span)}});
    if (i + 1 < opt.spans.size()) sv.out << '\n';
  }
  if (opt.json) sv.out << json.dump(2) << '\n';
  return 0;
}

}  // namespace surety
