#include "cli/time_commands.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>
#include <vector>

#include "base/strings.h"
#include "time/calendar_hint.h"
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

// One row of such a table, appended to `out`; `others` is the width of the
// widest other cell of the value column.
void RenderRow(std::string& out, const Row& r, size_t others) {
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
  for (const Row& r : rows) RenderRow(out, r, &r == widest ? second : first);
  return out;
}

// The rows of `surety calendar` after the normalized form: written through
// a cursor into one buffer that grows as needed, one write at the end.
class Rows {
 public:
  explicit Rows(size_t expected) : size_(std::max<size_t>(expected, 4096)), buf_(new char[size_]) {}
  void Clear() {
    len_ = 0;
    widest_ = 0;
  }
  // "LABEL" + what `write(p, end)` writes (see WriteTimestamp()) + newline.
  // The label is at most 17 bytes.
  template <typename Write>
  void Cell(std::string_view label, Write write) {
    for (size_t room = 128;; room *= 2) {
      char* p = Room(room);
      char* const end = p + room - 1;  // the newline's place
      std::memcpy(p, label.data(), label.size());
      char* const begin = p + label.size();
      if (char* e = write(begin, end)) {
        widest_ = std::max(widest_, static_cast<size_t>(e - begin));
        *e++ = '\n';
        len_ = static_cast<size_t>(e - buf_.get());
        return;
      }
    }
  }
  std::string_view view() const { return {buf_.get(), len_}; }
  // The widest cell written.
  size_t widest() const { return widest_; }

 private:
  char* Room(size_t n) {
    if (size_ - len_ < n) {
      size_ = std::max(2 * size_, len_ + n);
      std::unique_ptr<char[]> bigger(new char[size_]);
      std::memcpy(bigger.get(), buf_.get(), len_);
      buf_ = std::move(bigger);
    }
    return buf_.get() + len_;
  }
  size_t size_;
  std::unique_ptr<char[]> buf_;
  size_t len_ = 0;
  size_t widest_ = 0;
};

// The labels of iterations 2, 3, ...: "       Iter. #2: ", the number
// right-aligned in eight columns, counted up in place.
class IterationLabels {
 public:
  std::string_view Next() {
    if (++number_ >= 100000000) {  // past eight digits the label grows
      wide_ = "Iter. #" + std::to_string(number_) + ": ";
      return wide_;
    }
    size_t i = 14;  // the last digit
    while (buf_[i] == '9') buf_[i--] = '0';
    if (buf_[i] == '#') {  // one digit more: "Iter. #" moves left
      std::memmove(buf_ + i - 7, buf_ + i - 6, 7);
      buf_[i] = '1';
    } else {
      ++buf_[i];
    }
    return {buf_, sizeof buf_};
  }

 private:
  uint64_t number_ = 1;
  char buf_[17] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', 'I', 't',
                   'e', 'r', '.', ' ', '#', '1', ':', ' '};
  std::string wide_;
};

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
  Rows rows(128 * static_cast<size_t>(std::min(opt.iterations, 100000u)));  // reused
  int ret = 0;
  nlohmann::json json = nlohmann::json::array();
  for (size_t i = 0; i < opt.specs.size(); ++i) {
    const std::string& text = opt.specs[i];
    nlohmann::json entry = {{"spec", text}};
    if (i > 0 && !opt.json) sv.out << '\n';
    auto spec = ParseCalendarSpec(text, te.parse_ctx);
    if (!spec.ok()) {
      // The parser's reason, or what the text probably meant (cron syntax,
      // a misspelt zone) when that is clear.
      const std::string why = ExplainInvalidCalendar(text, spec.status().message(), te.parse_ctx);
      sv.err << "Failed to parse calendar specification '" << QuoteForMessage(text)
             << "': " << spec.status().ErrnoText() << " (" << why << ")\n";
      Hints(text, false, true, true, te, sv);
      entry["error"] = why;
      json.push_back(entry);
      ret = 1;
      continue;
    }
    std::string normalized = FormatCalendarSpec(*spec, te.parse_ctx);
    entry["normalized"] = normalized;
    entry["next"] = nlohmann::json::array();
    // Like systemd 252 (which fills a table and prints it at the end), a spec
    // whose computation fails prints nothing on stdout. The rows after the
    // normalized form are rendered as they are computed: systemd's table
    // changes only cells with trailing blanks or line breaks, which
    // timestamps never have. The rows above them need only the width of the
    // widest.
    rows.Clear();
    bool failed = false;
    Instant n = base;
    IterationLabels labels;
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
        if (it == 0) {
          rows.Cell("    Next elapse: ", [](char* p, char* end) {
            constexpr std::string_view kNever = "never";
            return end - p < 5 ? nullptr : std::copy(kNever.begin(), kNever.end(), p);
          });
        }
        break;
      }
      const Instant t = **next;
      if (opt.json) entry["next"].push_back(FormatRfc3339(t));
      rows.Cell(it == 0 ? std::string_view("    Next elapse: ") : labels.Next(),
                [&](char* p, char* end) { return WriteTimestamp(p, end, t, *te.local); });
      if (show_utc) {
        rows.Cell("       (in UTC): ",
                  [&](char* p, char* end) { return WriteTimestampUtc(p, end, t); });
      }
      rows.Cell("       From now: ",
                [&](char* p, char* end) { return WriteRelative(p, end, t, now); });
      n = t;
    }
    if (!opt.json && !failed) {
      std::string head;
      const bool original = normalized != text;
      if (original) {
        RenderRow(head, {"  Original form: ", text}, std::max(rows.widest(), normalized.size()));
      }
      RenderRow(head, {"Normalized form: ", normalized},
                std::max(rows.widest(), original ? text.size() : 0));
      sv.out.write(head.data(), static_cast<std::streamsize>(head.size()));
      sv.out.write(rows.view().data(), static_cast<std::streamsize>(rows.view().size()));
    }
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
