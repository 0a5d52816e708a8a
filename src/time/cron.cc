#include "time/cron.h"

#include <array>
#include <cstdint>
#include <optional>

#include "base/strings.h"
#include "time/civil_names.h"

namespace surety {

namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"jan", "feb", "mar", "apr", "may", "jun",
                                                          "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"sun", "mon", "tue", "wed",
                                                       "thu", "fri", "sat"};
// Calendar specs count Monday as the first day.
constexpr std::string_view CalendarDay(size_t monday_first) {
  return WeekdayAbbr(static_cast<int>((monday_first + 1) % 7));
}

enum class Kind { kMinute, kHour, kDayOfMonth, kMonth, kDayOfWeek };

struct FieldDef {
  Kind kind;
  const char* name;  // for messages
  int lo, hi;        // as written; the weekday field takes 0..7
};

constexpr FieldDef kFields[] = {
    {Kind::kMinute, "minute", 0, 59},           {Kind::kHour, "hour", 0, 23},
    {Kind::kDayOfMonth, "day-of-month", 1, 31}, {Kind::kMonth, "month", 1, 12},
    {Kind::kDayOfWeek, "day-of-week", 0, 7},
};

// The values a field allows (bit v for value v), and whether its text starts
// with '*' — which is what cron asks to decide between AND and OR of the day
// fields.
struct Field {
  uint64_t bits = 0;
  bool star = false;
};

Status Refuse(const FieldDef& def, std::string_view text, const std::string& why) {
  return Status::Invalid("cron " + std::string(def.name) + " field `" + std::string(text) +
                         "`: " + why);
}

std::string Two(int v) { return (v < 10 ? "0" : "") + std::to_string(v); }

// What to say about a token that is neither a number nor a name.
std::string Unknown(const FieldDef& def, std::string_view token) {
  const std::string t(token);
  if (t == "?") return "`?` is Quartz syntax, not cron's; cron writes `*`";
  if (t.find('#') != std::string::npos) {
    // "D#N": the N-th weekday D of the month, which is day D within days
    // 7N-6..7N.
    const size_t hash = t.find('#');
    int day = -1, nth = -1;
    if (hash == 1 && IsAsciiDigit(t[0]) && t.size() == 3 && IsAsciiDigit(t[2])) {
      day = t[0] - '0';
      nth = t[2] - '0';
    }
    std::string why = "`#` (the n-th weekday of the month) is Quartz syntax, not cron's";
    if (def.kind == Kind::kDayOfWeek && day >= 0 && day <= 7 && nth >= 1 && nth <= 5) {
      why += "; a calendar spec says it with days: `" +
             std::string(CalendarDay(static_cast<size_t>((day + 6) % 7))) + " *-*-" +
             Two(7 * nth - 6) + ".." + Two(std::min(7 * nth, 31)) + "`";
    }
    return why;
  }
  if (t == "L" || t == "l") {
    if (def.kind == Kind::kDayOfMonth)
      return "`L` (the last day of the month) is Quartz syntax, not cron's; a calendar spec "
             "says it with `~`: `*-*~01`";
    return "`L` (the last day) is Quartz syntax, not cron's";
  }
  if (!t.empty() && (t.back() == 'L' || t.back() == 'l'))
    return "`" + t + "` (the last such weekday of the month) is Quartz syntax, not cron's";
  if (!t.empty() && (t.back() == 'W' || t.back() == 'w'))
    return "`W` (the nearest weekday) is Quartz syntax, not cron's, and has no calendar "
           "equivalent";
  if (def.kind == Kind::kMonth) return "`" + t + "` is not a month: write 1-12 or jan-dec";
  if (def.kind == Kind::kDayOfWeek)
    return "`" + t + "` is not a weekday: write 0-7 (0 and 7 are Sunday) or sun-sat";
  return "`" + t + "` is not a number";
}

// One value: decimal digits, or a month or weekday name where the field has
// names. nullopt if the token is neither.
std::optional<int> Value(const FieldDef& def, std::string_view token) {
  if (token.empty()) return std::nullopt;
  if (IsAsciiDigit(token[0])) {
    int v = 0;
    for (char c : token) {
      if (!IsAsciiDigit(c)) return std::nullopt;
      v = v * 10 + (c - '0');
      if (v > 1000) return v;  // out of range anyway; stops the overflow
    }
    return v;
  }
  if (def.kind == Kind::kMonth) {
    for (size_t i = 0; i < kMonthNames.size(); ++i)
      if (EqualsIgnoreCase(token, kMonthNames[i])) return static_cast<int>(i) + 1;
  }
  if (def.kind == Kind::kDayOfWeek) {
    for (size_t i = 0; i < kDayNames.size(); ++i)
      if (EqualsIgnoreCase(token, kDayNames[i])) return static_cast<int>(i);
  }
  return std::nullopt;
}

Result<int> InRange(const FieldDef& def, std::string_view text, std::string_view token) {
  auto v = Value(def, token);
  if (!v) return Refuse(def, text, Unknown(def, token));
  if (*v < def.lo || *v > def.hi) {
    return Refuse(def, text,
                  "`" + std::string(token) + "` is out of range: the " + def.name + " goes from " +
                      std::to_string(def.lo) + " to " + std::to_string(def.hi) +
                      (def.kind == Kind::kDayOfWeek ? " (0 and 7 are Sunday)" : ""));
  }
  return *v;
}

// One comma-separated item: `*`, `N`, `N-M`, with an optional `/S`.
Status ParseItem(const FieldDef& def, std::string_view text, std::string_view item, Field& f) {
  if (item.empty()) return Refuse(def, text, "an empty list item");
  std::string_view range = item, step_text;
  if (size_t slash = item.find('/'); slash != std::string_view::npos) {
    range = item.substr(0, slash);
    step_text = item.substr(slash + 1);
    if (step_text.empty()) return Refuse(def, text, "`/` needs a step after it");
  }
  int from = def.lo, to = def.hi;
  if (range == "*") {
    // the whole field
  } else if (size_t dash = range.find('-'); dash != std::string_view::npos && dash > 0) {
    auto a = InRange(def, text, range.substr(0, dash));
    if (!a.ok()) return a.status();
    auto b = InRange(def, text, range.substr(dash + 1));
    if (!b.ok()) return b.status();
    from = *a;
    to = *b;
    if (from > to) {
      return Refuse(def, text,
                    "the range `" + std::string(range) +
                        "` goes downwards; cron does not wrap around, so list both parts (`" +
                        std::to_string(from) + "-" + std::to_string(def.hi) + "," +
                        std::to_string(def.lo) + "-" + std::to_string(to) + "`)");
    }
  } else {
    auto a = InRange(def, text, range);
    if (!a.ok()) return a.status();
    from = *a;
    to = step_text.empty() ? from : def.hi;  // "N/S" runs to the field's end
  }
  int step = 1;
  if (!step_text.empty()) {
    auto s = Value(FieldDef{Kind::kMinute, def.name, 0, 0}, step_text);  // digits only
    if (!s) return Refuse(def, text, "the step `" + std::string(step_text) + "` is not a number");
    if (*s == 0) return Refuse(def, text, "a step of 0 never advances");
    step = *s;
  }
  for (int v = from; v <= to; v += step) f.bits |= uint64_t{1} << v;
  return Status::Ok();
}

Result<Field> ParseField(const FieldDef& def, std::string_view text) {
  Field f;
  f.star = !text.empty() && text[0] == '*';
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string_view item = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (Status s = ParseItem(def, text, item, f); !s.ok()) return s;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (def.kind == Kind::kDayOfWeek && (f.bits & (uint64_t{1} << 7))) {
    f.bits |= 1;  // 7 is Sunday too
    f.bits &= ~(uint64_t{1} << 7);
  }
  return f;
}

// A component of a calendar spec in systemd's normalized form: `*`, one
// progression `A..B/S`, else a list of values and ranges `A..B` of three or
// more. An open progression `A/S` only where it wraps back onto A: systemd
// rolls an open repetition past the field's end into the next unit at the
// overshoot, not at A (from 23:00, hours `00/10` next match 10:00 the next
// day, not 00:00), so `A/S` is written only for minutes, hours and months
// whose values, S apart, fill the field exactly (`00/15`, `05/20`), never
// for days of the month, whose field length varies.
std::string Component(uint64_t bits, int lo, int hi, bool fixed_length) {
  std::vector<int> v;
  for (int i = lo; i <= hi; ++i)
    if (bits & (uint64_t{1} << i)) v.push_back(i);
  if (static_cast<int>(v.size()) == hi - lo + 1) return "*";
  if (v.size() >= 3) {
    const int step = v[1] - v[0];
    bool progression = step >= 2;
    for (size_t i = 2; i < v.size() && progression; ++i) progression = v[i] - v[i - 1] == step;
    if (progression) {
      if (fixed_length && v.back() + step > hi && step * static_cast<int>(v.size()) == hi - lo + 1)
        return Two(v[0]) + "/" + std::to_string(step);
      return Two(v[0]) + ".." + Two(v.back()) + "/" + std::to_string(step);
    }
  }
  std::string out;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    auto add = [&](const std::string& s) {
      if (!out.empty()) out += ',';
      out += s;
    };
    if (j - i >= 2) {
      add(Two(v[i]) + ".." + Two(v[j]));
    } else {
      for (size_t k = i; k <= j; ++k) add(Two(v[k]));
    }
    i = j + 1;
  }
  return out;
}

// Cron weekdays (bit 0 = Sunday) as systemd writes them: "Mon..Fri",
// "Mon,Sun", "Tue,Wed", ... (runs of three or more with "..").
std::string Weekdays(uint64_t cron_bits) {
  bool on[7];
  for (int d = 0; d < 7; ++d) on[d] = (cron_bits >> ((d + 1) % 7)) & 1;  // Monday first
  std::string out;
  for (int d = 0; d < 7;) {
    if (!on[d]) {
      ++d;
      continue;
    }
    int e = d;
    while (e + 1 < 7 && on[e + 1]) ++e;
    auto add = [&](int k) {
      if (!out.empty()) out += ',';
      out += CalendarDay(static_cast<size_t>(k));
    };
    if (e - d >= 2) {
      add(d);
      out += "..";
      out += CalendarDay(static_cast<size_t>(e));
    } else {
      for (int k = d; k <= e; ++k) add(k);
    }
    d = e + 1;
  }
  return out;
}

std::vector<std::string_view> SplitBlanks(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

struct Nickname {
  std::string_view word;
  std::string_view fields;
};
constexpr Nickname kNicknames[] = {
    {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

}  // namespace

Result<std::vector<std::string>> CronToCalendar(std::string_view expression) {
  const std::vector<std::string_view> words = SplitBlanks(expression);
  if (words.size() == 1 && words[0].starts_with('@')) {
    if (EqualsIgnoreCase(words[0], "@reboot")) {
      return Status::Invalid(
          "cron's @reboot runs once when the machine starts, not at a time; no calendar spec "
          "says that");
    }
    for (const Nickname& n : kNicknames)
      if (EqualsIgnoreCase(words[0], n.word)) return CronToCalendar(n.fields);
    return Status::Invalid("unknown cron nickname `" + std::string(words[0]) +
                           "`: cron knows @yearly, @annually, @monthly, @weekly, @daily, "
                           "@midnight, @hourly and @reboot");
  }
  if (words.size() != 5) {
    std::string why =
        "cron has five time fields (minute hour day-of-month month day-of-week); "
        "this has " +
        std::to_string(words.size());
    if (words.size() == 6 || words.size() == 7)
      why += " — a seconds or a year field is Quartz syntax, not cron's";
    return Status::Invalid(why);
  }
  Field f[5];
  for (size_t i = 0; i < 5; ++i) {
    auto field = ParseField(kFields[i], words[i]);
    if (!field.ok()) return field.status();
    f[i] = *field;
  }
  const std::string time =
      " " + Component(f[1].bits, 0, 23, true) + ":" + Component(f[0].bits, 0, 59, true) + ":00";
  const std::string month = Component(f[3].bits, 1, 12, true);
  auto spec = [&](uint64_t weekdays, uint64_t days) {
    std::string s;
    if (weekdays != 0x7f) s = Weekdays(weekdays) + " ";
    return s + "*-" + month + "-" + Component(days, 1, 31, false) + time;
  };
  constexpr uint64_t kAllDays = ((uint64_t{1} << 32) - 1) & ~uint64_t{1};  // 1..31
  const uint64_t dom = f[2].bits, dow = f[4].bits;
  // Cron runs on days that match both day fields when either starts with
  // '*', and on days that match either when neither does.
  if (f[2].star || f[4].star || dow == 0x7f || dom == kAllDays) {
    if (!f[2].star && !f[4].star) return std::vector<std::string>{spec(0x7f, kAllDays)};
    return std::vector<std::string>{spec(dow, dom)};
  }
  return std::vector<std::string>{spec(0x7f, dom), spec(dow, kAllDays)};
}

bool LooksLikeCron(std::string_view text) {
  const std::vector<std::string_view> words = SplitBlanks(text);
  if (words.size() == 1 && words[0].size() > 1 && words[0][0] == '@') {
    for (char c : words[0].substr(1))
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    return true;
  }
  if (words.size() < 5 || words.size() > 7) return false;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  for (std::string_view w : words) {
    for (size_t i = 0; i < w.size();) {
      const char c = w[i];
      if (letter(c)) {
        // Letters come as names (three) or as Quartz's L, W and LW.
        size_t j = i;
        while (j < w.size() && letter(w[j])) ++j;
        const std::string_view run = w.substr(i, j - i);
        if (run.size() != 3 && !EqualsIgnoreCase(run, "L") && !EqualsIgnoreCase(run, "W") &&
            !EqualsIgnoreCase(run, "LW"))
          return false;
        i = j;
        continue;
      }
      if (!IsAsciiDigit(c) && c != '*' && c != ',' && c != '-' && c != '/' && c != '?' && c != '#')
        return false;
      ++i;
    }
  }
  return true;
}

namespace {

// One component of a calendar spec as a cron field over lo..hi.
Result<std::string> CronField(const CalendarComponent& c, int lo, int hi, const char* name) {
  if (!c) return std::string("*");
  std::string out;
  for (const CalendarItem& it : *c) {
    const int stop = it.stop < 0 ? (it.repeat ? hi : it.start) : it.stop;
    if (it.start < lo || stop > hi || it.start > stop)
      return Status::Invalid(std::string("the ") + name + " " + std::to_string(it.start) +
                             " is outside cron's " + std::to_string(lo) + "-" + std::to_string(hi));
    std::string item;
    if (it.repeat && it.start == lo && stop == hi)
      item = "*";
    else if (stop == it.start)
      item = std::to_string(it.start);
    else
      item = std::to_string(it.start) + "-" + std::to_string(stop);
    if (it.repeat > 1 || (it.repeat == 1 && item == "*")) item += "/" + std::to_string(it.repeat);
    out += (out.empty() ? "" : ",") + item;
  }
  return out;
}

}  // namespace

Result<CronExpression> CalendarToCron(const CalendarSpec& spec) {
  if (spec.seconds_us.size() != 1 || spec.seconds_us[0].start != 0 ||
      spec.seconds_us[0].stop != -1 || spec.seconds_us[0].repeat != 0)
    return Status::Invalid("it runs at seconds other than :00, and cron counts whole minutes");
  if (spec.end_of_month)
    return Status::Invalid("`~` counts days from the end of the month, which cron cannot");
  if (spec.year) return Status::Invalid("it names years, which cron cannot");
  if (spec.local_dst >= 0)
    return Status::Invalid("it ends in a zone abbreviation; write an IANA zone or UTC instead");
  CronExpression out;
  auto minute = CronField(spec.minute, 0, 59, "minute");
  if (!minute.ok()) return minute.status();
  auto hour = CronField(spec.hour, 0, 23, "hour");
  if (!hour.ok()) return hour.status();
  auto day = CronField(spec.day, 1, 31, "day");
  if (!day.ok()) return day.status();
  auto month = CronField(spec.month, 1, 12, "month");
  if (!month.ok()) return month.status();
  std::string weekday = "*";
  const bool some_days = spec.weekdays >= 0 && (spec.weekdays & 0x7f) != 0x7f;
  if (some_days) {
    // Cron numbers Sunday 0; calendar bit 0 is Monday.
    uint64_t cron_bits = 0;
    for (int b = 0; b < 7; ++b)
      if (spec.weekdays & (1 << b)) cron_bits |= uint64_t{1} << ((b + 1) % 7);
    std::string list;
    for (int v = 0; v <= 6;) {
      if (!(cron_bits & (uint64_t{1} << v))) {
        ++v;
        continue;
      }
      int w = v;
      while (w + 1 <= 6 && (cron_bits & (uint64_t{1} << (w + 1)))) ++w;
      list += (list.empty() ? "" : ",") + std::to_string(v);
      if (w > v) list += (w == v + 1 ? "," : "-") + std::to_string(w);
      v = w + 1;
    }
    if (*day == "*") {
      weekday = list;
    } else {
      // Both restricted: cron would run on either; the weekday is tested.
      for (int b = 0; b < 7; ++b)
        if (spec.weekdays & (1 << b)) out.weekdays += static_cast<char>('1' + b);
    }
  }
  out.fields = *minute + " " + *hour + " " + *day + " " + *month + " " + weekday;
  if (spec.utc)
    out.zone = "UTC";
  else
    out.zone = spec.zone;
  return out;
}

}  // namespace surety
