#include "export/crontab_import.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "base/strings.h"
#include "job/config_loader.h"
#include "job/job_file_writer.h"
#include "os/env.h"
#include "os/file_system.h"
#include "time/calendar_spec.h"
#include "time/cron.h"

namespace surety {

namespace {

bool Blank(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimBlanks(std::string_view s) {
  while (!s.empty() && Blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && Blank(s.back())) s.remove_suffix(1);
  return s;
}

// The length of the UTF-8 character starting at s[i], or 0 when the bytes
// there are not one (a stray continuation byte, an overlong form, a
// surrogate, beyond U+10FFFF, cut short).
size_t Utf8Length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xe0) == 0xc0) {
    n = 2;
    cp = c & 0x1fu;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    cp = c & 0x0fu;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3fu);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

bool ValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8Length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// `s` made fit for a TOML comment: control characters (but tab) and bytes
// that are not UTF-8 as \xNN, so a comment keeps saying what the crontab
// said and still parses.
std::string CommentText(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8Length(s, i);
    const auto c = static_cast<unsigned char>(s[i]);
    if (n == 0 || (n == 1 && ((c < 0x20 && c != '\t') || c == 0x7f))) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  return out;
}

// A TOML key: bare when it can be, else quoted.
std::string TomlKey(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsAsciiDigit(c) || c == '_' ||
           c == '-';
  });
  return bare ? std::string(key) : TomlString(key);
}

// `text` as a name surety accepts for a job or an alert: lower case
// letters, digits, '_' and '-', starting with a letter or digit, at most
// 40 characters; empty when nothing of it is left.
std::string NameWord(std::string_view text) {
  std::string out;
  for (char c : text) {
    const char l = AsciiLower(c);
    if ((l >= 'a' && l <= 'z') || IsAsciiDigit(l) || l == '_') {
      out += l;
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && (out.front() == '-' || out.front() == '_')) out.erase(out.begin());
  if (out.size() > 40) out.resize(40);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && Blank(s[i])) ++i;
    const size_t start = i;
    while (i < s.size() && !Blank(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string_view BaseName(std::string_view word) {
  const size_t slash = word.rfind('/');
  return slash == std::string_view::npos ? word : word.substr(slash + 1);
}

// The program a shell command runs, as a name: the base name of its first
// word without an extension (`/usr/local/bin/backup.sh` → `backup`), past
// variable assignments, wrappers that run another program (nice, flock,
// timeout, …) and leading steps such as `cd /srv &&` or `test -x F ||`; an
// interpreter's script (`python3 /opt/sync.py` → `sync`), and run-parts'
// directory (`run-parts /etc/cron.daily` → `cron-daily`).
std::string NameFromCommand(std::string_view command) {
  static const std::set<std::string_view> kWrappers = {
      "nice", "ionice", "nohup",  "chronic", "cronic", "exec",   "time",
      "sudo", "env",    "setsid", "timeout", "flock",  "command"};
  static const std::set<std::string_view> kSteps = {"cd", "test", "[", "[[", "true", ":", "sleep"};
  // Named after the script they run, when there is one.
  static const std::set<std::string_view> kInterpreters = {"sh",   "bash", "perl",   "php",
                                                           "ruby", "node", "Rscript"};
  const std::vector<std::string_view> w = Words(command);
  auto is_assignment = [](std::string_view word) {
    const size_t eq = word.find('=');
    if (eq == std::string_view::npos || eq == 0) return false;
    return std::all_of(word.begin(), word.begin() + static_cast<std::ptrdiff_t>(eq), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsAsciiDigit(c) || c == '_';
    });
  };
  auto is_separator = [](std::string_view word) {
    return word == "&&" || word == "||" || word == ";" || word.ends_with(';');
  };
  std::string_view program;
  for (size_t i = 0; i < w.size() && program.empty(); ++i) {
    std::string_view word = w[i];
    while (!word.empty() && (word.front() == '(' || word.front() == '{' || word.front() == '"' ||
                             word.front() == '\''))
      word.remove_prefix(1);
    if (word.empty() || is_assignment(word) || is_separator(word)) continue;
    const std::string_view base = BaseName(word);
    if (kSteps.count(base)) {
      while (i + 1 < w.size() && !is_separator(w[i])) ++i;
      continue;
    }
    if (kInterpreters.count(base) || base.starts_with("python")) {
      while (i + 1 < w.size() && w[i + 1].starts_with('-')) ++i;
      if (i + 1 < w.size() && !is_separator(w[i + 1])) continue;  // its script
      program = base;
      break;
    }
    if (kWrappers.count(base)) {
      // Its options and their values (numbers, spans), and flock's lock file.
      bool lock_file = base == "flock";
      while (i + 1 < w.size()) {
        const std::string_view next = w[i + 1];
        if (next.starts_with('-') || IsAsciiDigit(next.front()) || is_assignment(next)) {
          ++i;
        } else if (lock_file) {
          lock_file = false;
          ++i;
        } else {
          break;
        }
      }
      continue;
    }
    if (base == "run-parts") {
      // Named after its directory: /etc/cron.daily → cron-daily.
      for (size_t k = i + 1; k < w.size() && w[k] != "&&" && w[k] != "||" && w[k] != ";"; ++k) {
        if (w[k].starts_with('-')) {
          if (is_separator(w[k])) break;
          continue;
        }
        std::string_view dir = w[k];
        while (!dir.empty() &&
               (dir.back() == '/' || dir.back() == ';' || dir.back() == '"' || dir.back() == '\''))
          dir.remove_suffix(1);
        if (std::string name = NameWord(BaseName(dir)); !name.empty()) return name;
        break;
      }
    }
    program = base;
  }
  if (program.empty() && !w.empty()) program = BaseName(w.front());
  if (const size_t dot = program.rfind('.'); dot != std::string_view::npos && dot > 0)
    program = program.substr(0, dot);
  std::string name = NameWord(program);
  return name.empty() ? "job" : name;
}

// `base`, or base-2, base-3, … : the first one not in `taken`, which then
// holds it.
std::string Unique(const std::string& base, std::set<std::string>& taken) {
  std::string name = base;
  for (int n = 2; taken.count(name); ++n) name = base + "-" + std::to_string(n);
  taken.insert(name);
  return name;
}

// A variable assignment line, as cron reads one: NAME = VALUE, the name a
// word without blanks or '=' (or quoted), blanks around '=' allowed, the
// value trimmed and one pair of matching quotes around it removed.
std::optional<std::pair<std::string, std::string>> Assignment(std::string_view s) {
  size_t i = 0;
  std::string name;
  if (s.front() == '"' || s.front() == '\'') {
    const size_t close = s.find(s.front(), 1);
    if (close == std::string_view::npos) return std::nullopt;
    name = std::string(s.substr(1, close - 1));
    i = close + 1;
  } else {
    while (i < s.size() && !Blank(s[i]) && s[i] != '=') ++i;
    name = std::string(s.substr(0, i));
  }
  while (i < s.size() && Blank(s[i])) ++i;
  if (i >= s.size() || s[i] != '=' || name.empty()) return std::nullopt;
  std::string_view value = TrimBlanks(s.substr(i + 1));
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front())
    value = value.substr(1, value.size() - 2);
  return std::pair{name, std::string(value)};
}

// A command line of cron split by its `%` rule: the command, and the text
// cron writes to its standard input (nullopt: no `%`).
struct PercentSplit {
  std::string command;
  std::optional<std::string> input;
};

PercentSplit SplitPercent(std::string_view text) {
  PercentSplit out;
  bool escaped = false;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (escaped) {
      escaped = false;
      if (c == '%') {
        out.command.back() = '%';  // `\%` is a `%`
        continue;
      }
      out.command += c;  // any other backslash stays
      continue;
    }
    if (c == '%') break;
    escaped = c == '\\';
    out.command += c;
  }
  if (i == text.size()) return out;
  // The input: `\%` is a `%`, every other `%` a line break, any other
  // backslash kept; a line break is added when the text does not end in one.
  std::string input;
  escaped = false;
  bool need_newline = false;
  for (++i; i < text.size(); ++i) {
    char c = text[i];
    if (escaped) {
      if (c != '%') input += '\\';
    } else if (c == '%') {
      c = '\n';
    }
    escaped = c == '\\';
    if (!escaped) input += c;
    need_newline = c != '\n';
  }
  if (escaped) input += '\\';
  if (need_newline) input += '\n';
  out.input = std::move(input);
  return out;
}

// `command` run with `input` on its standard input, as one shell string:
// a here-document the shell takes as its own standard input first, so that
// the whole command (a list, a pipeline) reads it, as under cron.
std::string WithInput(const std::string& command, const std::string& input) {
  std::set<std::string_view> lines;
  for (size_t start = 0; start < input.size();) {
    size_t end = input.find('\n', start);
    if (end == std::string::npos) end = input.size();
    lines.insert(std::string_view(input).substr(start, end - start));
    start = end + 1;
  }
  std::string delimiter = "SURETY_INPUT";
  for (int n = 2; lines.count(delimiter); ++n) delimiter = "SURETY_INPUT_" + std::to_string(n);
  return "exec 0<<'" + delimiter + "'\n" + input + delimiter + "\n" + command;
}

// One job, as the job file will say it.
struct Job {
  std::string name;
  std::string command;
  std::vector<std::string> schedule;  // empty: @reboot
  std::string user;
  std::map<std::string, std::string> environment;
  std::string alert;                  // an [alerts.NAME], or none
  std::vector<std::string> comments;  // the crontab's, and the importer's notes, as "# …"
  std::string source;
  int line = 0;
  bool dropped = false;  // the loader refused it
};

// What the job file holds, in the order of the lines: a job, or a block of
// comments on its own.
struct Item {
  std::vector<std::string> comments;  // a block of its own, when job < 0
  int job = -1;                       // index into Importer::jobs_
};

struct Mail {
  std::string to, from;
  bool operator<(const Mail& o) const { return std::tie(to, from) < std::tie(o.to, o.from); }
};

class Importer {
 public:
  Importer(ZoneDb& zones, const Zone& local) : zones_(zones) {
    parse_ctx_.tzname[0] = local.tzname(0);
    parse_ctx_.tzname[1] = local.tzname(1);
    parse_ctx_.zones = &zones_;
  }

  void Read(const CrontabSource& source) {
    sources_.push_back(source.name);
    State st;
    std::vector<std::string> pending;  // comment lines not yet placed
    auto flush = [&] {
      if (!pending.empty()) items_.push_back(Item{std::move(pending), -1});
      pending.clear();
    };
    int number = 0;
    size_t start = 0;
    while (start < source.text.size()) {
      size_t end = source.text.find('\n', start);
      if (end == std::string::npos) end = source.text.size();
      const std::string_view raw = std::string_view(source.text).substr(start, end - start);
      start = end + 1;
      ++number;
      std::string_view line = raw;
      while (!line.empty() && Blank(line.front())) line.remove_prefix(1);
      if (line.empty()) {
        flush();
        continue;
      }
      if (line.front() == '#') {
        pending.push_back(CommentText(line));
        continue;
      }
      std::string why;
      if (line.find('\0') != std::string_view::npos) {
        why = "the line holds a NUL byte";
      } else if (line.back() == '\r') {
        why =
            "the line ends in a carriage return (a DOS line end), which cron would make part of "
            "the command; convert the file first (dos2unix)";
      } else if (!ValidUtf8(line)) {
        why = "the line is not UTF-8 text, which a job file must be";
      } else if (auto a = Assignment(line)) {
        flush();
        why = Assign(number, a->first, a->second, st);
        if (why.empty()) continue;
      } else {
        why = Entry(source, number, line, st, pending);
        if (why.empty()) continue;
      }
      Refuse(source.name, number, why);
      pending.push_back("# " + CommentText(source.name) + ":" + std::to_string(number) +
                        ": not imported: " + CommentText(raw));
      pending.push_back("#   " + CommentText(why));
      flush();
    }
    flush();
  }

  // Drops the jobs the loader refused (each refused in its turn, as a bug).
  void Drop(const std::map<std::string, std::vector<Diagnostic>>& broken) {
    for (Job& j : jobs_) {
      auto it = broken.find(j.name);
      if (it == broken.end() || j.dropped) continue;
      j.dropped = true;
      Refuse(j.source, j.line,
             "surety import made a job of it that the job file loader refuses (a bug of the "
             "importer; please report it): " +
                 it->second.front().message);
    }
    std::stable_sort(refused_.begin(), refused_.end(),
                     [&](const RefusedLine& a, const RefusedLine& b) {
                       const auto ia = std::find(sources_.begin(), sources_.end(), a.source);
                       const auto ib = std::find(sources_.begin(), sources_.end(), b.source);
                       return ia != ib ? ia < ib : a.line < b.line;
                     });
  }

  std::string Render() const {
    std::string out;
    out += "# A job file made by `surety import crontab` from ";
    for (size_t i = 0; i < sources_.size(); ++i) out += (i ? ", " : "") + CommentText(sources_[i]);
    out +=
        ".\n"
        "# Check it with `surety validate --config FILE`; docs/import-crontab.md tells\n"
        "# how each line was read. Where surety keeps cron's behaviour, and where not:\n"
        "# - a run missed while the machine was off is not made up, as under cron\n"
        "#   (persistent = false; true makes surety catch it up);\n"
        "# - cron starts a run even while the last one still runs; surety skips it\n"
        "#   (its default overlap = \"skip\"; overlap = \"wait\" with a lock_wait queues it);\n"
        "# - cron mails a job's output; surety keeps the end of it in the run history\n"
        "#   and tells the MAILTO address (an email alert) when a run fails and when the\n"
        "#   job recovers;\n"
        "# - commands run with /bin/sh -c as cron wrote them; a job's environment is\n"
        "#   surety's (PATH, HOME, ...) plus the crontab's variables above its line;\n"
        "# - in the hour a DST change skips or repeats, cron and calendar specs differ.\n";
    for (const auto& [mail, name] : alerts_) {
      out += "\n[alerts." + name + "]\nkind = \"email\"\nto = " + TomlString(mail.to) + "\n";
      if (!mail.from.empty()) out += "from = " + TomlString(mail.from) + "\n";
    }
    for (const Item& item : items_) {
      if (item.job < 0) {
        out += "\n";
        for (const std::string& c : item.comments) out += c + "\n";
        continue;
      }
      const Job& j = jobs_[static_cast<size_t>(item.job)];
      if (j.dropped) {
        out += "\n# " + CommentText(j.source) + ":" + std::to_string(j.line) +
               ": not imported (the importer made a job the loader refuses)\n";
        continue;
      }
      out += "\n";
      for (const std::string& c : j.comments) out += c + "\n";
      out += "[jobs." + j.name + "]\n";
      out += "command = " + TomlString(j.command) + "\n";
      if (j.schedule.empty()) {
        out += "on_boot = \"0\"\n";
      } else if (j.schedule.size() == 1) {
        out += "schedule = " + TomlString(j.schedule[0]) + "\npersistent = false\n";
      } else {
        out += "schedule = [";
        for (size_t i = 0; i < j.schedule.size(); ++i)
          out += (i ? ", " : "") + TomlString(j.schedule[i]);
        out += "]\npersistent = false\n";
      }
      if (!j.user.empty()) out += "user = " + TomlString(j.user) + "\n";
      if (!j.environment.empty()) {
        out += "environment = { ";
        bool first = true;
        for (const auto& [k, v] : j.environment) {
          out += (first ? "" : ", ") + TomlKey(k) + " = " + TomlString(v);
          first = false;
        }
        out += " }\n";
      }
      if (!j.alert.empty()) out += "alert = [\"" + j.alert + "\"]\n";
    }
    return out;
  }

  std::vector<std::string> JobNames() const {
    std::vector<std::string> names;
    for (const Job& j : jobs_)
      if (!j.dropped) names.push_back(j.name);
    return names;
  }
  const std::vector<RefusedLine>& refused() const { return refused_; }

 private:
  // What cron knows at a line: the variables above it.
  struct State {
    std::map<std::string, std::string> environment;
    std::optional<std::string> mailto;  // nullopt: unset
    std::string mailfrom;
    std::string cron_tz, tz;  // as given
    int cron_tz_line = 0, tz_line = 0;
    bool cron_tz_ok = true, tz_ok = true;
  };

  void Refuse(const std::string& source, int line, std::string why) {
    refused_.push_back(RefusedLine{source, line, std::move(why)});
  }

  // Whether `zone` (a TZ value; one leading ':' dropped) can end a
  // calendar spec; empty when it can, else why not.
  std::string ZoneProblem(const std::string& zone) {
    auto spec = ParseCalendarSpec("*-*-* 00:00:00 " + zone, parse_ctx_);
    if (spec.ok() && spec->zone == zone) return "";
    if (spec.ok() && spec->utc && zone == "UTC") return "";
    return "`" + QuoteForMessage(zone) +
           "` is not a time zone name a calendar spec can end in (an IANA name such as "
           "Europe/Berlin, or UTC)";
  }

  // A variable assignment; empty when it was taken, else why not.
  std::string Assign(int number, const std::string& name, const std::string& value, State& st) {
    if (std::any_of(name.begin(), name.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }) ||
        name.find('=') != std::string::npos)
      return "`" + QuoteForMessage(name) +
             "` is not a variable name a job's environment can hold (no '=' or control "
             "characters)";
    if (name == "MAILTO") {
      st.mailto = value;
      if (std::any_of(value.begin(), value.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        st.mailto.reset();
        return "MAILTO holds a control character, which a mail header cannot";
      }
      return "";
    }
    if (name == "MAILFROM") {
      st.mailfrom = value;
      return "";
    }
    if (name == "CRON_TZ" || name == "TZ") {
      std::string zone = value;
      if (zone.starts_with(':')) zone.erase(0, 1);
      std::string problem = zone.empty() ? "" : ZoneProblem(zone);
      if (name == "CRON_TZ") {
        st.cron_tz = zone;
        st.cron_tz_line = number;
        st.cron_tz_ok = problem.empty();
      } else {
        st.tz = zone;
        st.tz_line = number;
        st.tz_ok = problem.empty();
        st.environment[name] = value;  // the job's programs read it too
      }
      if (!problem.empty())
        return name + "=" + QuoteForMessage(value) + ": " + problem +
               "; the jobs below it with a time are not imported";
      return "";
    }
    st.environment[name] = value;
    return "";
  }

  // A job line; empty when it became a job, else why not.
  std::string Entry(const CrontabSource& source, int number, std::string_view line, State& st,
                    std::vector<std::string>& pending) {
    std::vector<std::string> notes;
    std::string_view rest = line;
    if (rest.front() == '-') {  // cronie: do not log the run to syslog
      rest.remove_prefix(1);
      notes.emplace_back(
          "# cron's leading `-` (no syslog line for the run) dropped: surety records every run");
    }
    const std::vector<std::string_view> w = Words(rest);
    const size_t time_words = !w.empty() && w.front().starts_with('@') ? 1 : 5;
    const size_t need = time_words + (source.system ? 1 : 0) + 1;
    if (w.size() < need) {
      if (w.size() < time_words)
        return "not a job line: cron's five time fields (minute hour day-of-month month "
               "day-of-week) or an @nickname, then " +
               std::string(source.system ? "the user and " : "") + "the command";
      if (source.system && w.size() == time_words)
        return "no user and no command after the time (a system crontab names the user first)";
      return "no command after the " + std::string(source.system ? "user" : "time");
    }
    // Cron would read a sixth time field (Quartz's seconds or year) as the
    // start of the command, or as the user: a command no one meant.
    if (time_words == 5 && w[5].find_first_not_of("0123456789*,-/?") == std::string_view::npos)
      return "`" + std::string(w[5]) +
             "` after the five time fields looks like a sixth one (seconds or a year, as Quartz "
             "writes them), which cron does not have: it would run `" +
             QuoteForMessage(
                 TrimBlanks(rest.substr(static_cast<size_t>(w[5].data() - rest.data())))) +
             "`";
    const std::string_view last_time = w[time_words - 1];
    const std::string time(
        rest.substr(0, static_cast<size_t>(last_time.data() - rest.data()) + last_time.size()));
    std::string user = source.owner;
    std::string_view after = w[time_words - 1];
    if (source.system) {
      user = std::string(w[time_words]);
      after = w[time_words];
    }
    std::string_view command_text =
        rest.substr(static_cast<size_t>(after.data() - rest.data()) + after.size());
    while (!command_text.empty() && Blank(command_text.front())) command_text.remove_prefix(1);

    std::vector<std::string> schedule;
    if (!EqualsIgnoreCase(time, "@reboot")) {
      auto specs = CronToCalendar(time);
      if (!specs.ok()) return specs.status().message();
      schedule = std::move(*specs);
      // An empty CRON_TZ is none: then TZ says.
      const bool cron_tz = !st.cron_tz.empty() || !st.cron_tz_ok;
      const std::string& zone = cron_tz ? st.cron_tz : st.tz;
      const bool ok = cron_tz ? st.cron_tz_ok : st.tz_ok;
      const int zone_line = cron_tz ? st.cron_tz_line : st.tz_line;
      if (!ok)
        return std::string(cron_tz ? "CRON_TZ" : "TZ") + " of line " + std::to_string(zone_line) +
               " is not a time zone a calendar spec can end in";
      if (!zone.empty())
        for (std::string& s : schedule) s += " " + zone;
    }

    PercentSplit split = SplitPercent(command_text);
    if (TrimBlanks(split.command).empty()) return "no command before cron's `%` (its input)";
    Job j;
    j.source = source.name;
    j.line = number;
    j.schedule = std::move(schedule);
    j.user = user;
    j.environment = st.environment;
    j.name = Unique(NameFromCommand(split.command), names_);
    if (split.input) {
      j.command = WithInput(split.command, *split.input);
      notes.emplace_back(
          "# cron's `%` input: the here-document is the command's standard input, as under cron");
    } else {
      j.command = split.command;
    }
    if (auto shell = st.environment.find("SHELL");
        shell != st.environment.end() && shell->second != "/bin/sh")
      notes.push_back("# cron ran this with SHELL=" + CommentText(shell->second) +
                      "; surety runs a command string with /bin/sh -c");
    if (j.schedule.empty())
      notes.emplace_back("# @reboot: on_boot = \"0\" runs it once a boot, when surety first can");
    if (st.mailto && !st.mailto->empty()) {
      const Mail mail{*st.mailto, st.mailfrom};
      auto it = alerts_.find(mail);
      if (it == alerts_.end()) {
        std::string base = NameWord(*st.mailto);
        it = alerts_.emplace(mail, Unique("mail-" + (base.empty() ? "to" : base), alert_names_))
                 .first;
      }
      j.alert = it->second;
    }
    j.comments = std::move(pending);
    pending.clear();
    j.comments.push_back("# " + CommentText(source.name) + ":" + std::to_string(number) + ": " +
                         CommentText(line));
    for (std::string& n : notes) j.comments.push_back(std::move(n));
    items_.push_back(Item{{}, static_cast<int>(jobs_.size())});
    jobs_.push_back(std::move(j));
    return "";
  }

  ZoneDb& zones_;
  CalendarParseContext parse_ctx_;
  std::vector<std::string> sources_;
  std::vector<Item> items_;
  std::vector<Job> jobs_;
  // "check" is taken from the start: `surety export systemd` names the
  // dead-man's switch's units surety-check.
  std::set<std::string> names_{"check"}, alert_names_;
  std::map<Mail, std::string> alerts_;
  std::vector<RefusedLine> refused_;
};

}  // namespace

std::string RefusedLine::ToString() const {
  return source + ":" + std::to_string(line) + ": " + reason;
}

bool IsSystemCrontabPath(std::string_view path) {
  const std::string p = LexicallyNormal(std::string(path));
  return p == "/etc/crontab" || (p.starts_with("/etc/cron.d/") && p.size() > 12);
}

std::optional<std::string> SpoolCrontabOwner(std::string_view path) {
  const std::string p = LexicallyNormal(std::string(path));
  for (std::string_view dir : {"/var/spool/cron/crontabs/", "/var/spool/cron/"}) {
    if (!p.starts_with(dir)) continue;
    const std::string name = p.substr(dir.size());
    if (name.empty() || name.find('/') != std::string::npos || name == "crontabs")
      return std::nullopt;
    return name;
  }
  return std::nullopt;
}

std::vector<Diagnostic> JobFileTextErrors(const std::string& text, ZoneDb& zones,
                                          const Zone& local) {
  static const char* kPath = "/surety-import/surety.toml";
  FakeFileSystem fs;
  fs.AddFile(kPath, text, 0600);
  const MapEnv env;
  LoadContext ctx{fs, env, zones, local, /*running_as_root=*/false, "localhost"};
  ctx.resolve_secrets = false;
  return LoadConfig({kPath}, ctx).errors;
}

Result<CrontabImport> ImportCrontabs(const std::vector<CrontabSource>& sources, ZoneDb& zones,
                                     const Zone& local) {
  Importer importer(zones, local);
  for (const CrontabSource& s : sources) importer.Read(s);
  CrontabImport out;
  // A job the loader refuses is a bug here; it is dropped and told, so that
  // what is printed always loads. Once is enough: dropping a job cannot
  // break another.
  for (int round = 0; round < 2; ++round) {
    out.job_file = importer.Render();
    std::vector<Diagnostic> errors = JobFileTextErrors(out.job_file, zones, local);
    if (errors.empty()) break;
    std::map<std::string, std::vector<Diagnostic>> broken;
    for (const Diagnostic& d : errors) {
      if (d.job.empty() || round == 1)
        return Status::Error(StatusCode::kInternal,
                             "surety import made a job file its own loader refuses (a bug; "
                             "please report it): " +
                                 d.ToString());
      broken[d.job].push_back(d);
    }
    importer.Drop(broken);
  }
  out.jobs = importer.JobNames();
  out.refused = importer.refused();
  return out;
}

}  // namespace surety
