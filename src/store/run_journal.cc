// Encoding and parsing of the run journal (run_journal.h).
#include "store/run_journal.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <utility>

#include "base/strings.h"

namespace surety {

namespace {

constexpr std::string_view kMagic = "SURETY-JOURNAL ";
constexpr size_t kBootIdWidth = 36;
constexpr int kFields = 20;
constexpr std::string_view kAbsent = "\\N";

void AppendEscaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

// The inverse of AppendEscaped; nullopt on an unknown escape.
std::optional<std::string> Unescape(std::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\') {
      out += field[i];
      continue;
    }
    if (++i == field.size()) return std::nullopt;
    switch (field[i]) {
      case '\\':
        out += '\\';
        break;
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

template <typename Int>
bool ParseInt(std::string_view text, Int& out) {
  if (text.empty()) return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

template <typename Int>
std::string IntText(Int v) {
  std::array<char, 24> buf{};
  auto [ptr, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  (void)ec;
  return std::string(buf.data(), ptr);
}

int64_t ToMicros(Instant t) { return static_cast<int64_t>(t.time_since_epoch().count()); }

}  // namespace

std::string EncodeJournalHeader(const JournalHeader& header) {
  std::string boot = header.boot_id.substr(0, kBootIdWidth);
  std::array<char, kJournalHeaderSize + 1> buf{};
  std::snprintf(buf.data(), buf.size(), "%.*s%d boot=%-36s next=%019lld gen=%016llx",
                static_cast<int>(kMagic.size()), kMagic.data(), header.version, boot.c_str(),
                static_cast<long long>(header.next_id),
                static_cast<unsigned long long>(header.gen));
  std::string out(buf.data());
  out.resize(kJournalHeaderSize - 1, ' ');
  out += '\n';
  return out;
}

std::optional<JournalHeader> ParseJournalHeader(std::string_view text) {
  if (text.size() < kJournalHeaderSize || text[kJournalHeaderSize - 1] != '\n' ||
      text.substr(0, kMagic.size()) != kMagic)
    return std::nullopt;
  std::string_view rest = text.substr(kMagic.size(), kJournalHeaderSize - 1 - kMagic.size());
  JournalHeader h;
  size_t space = rest.find(' ');
  if (space == std::string_view::npos || !ParseInt(rest.substr(0, space), h.version))
    return std::nullopt;
  rest.remove_prefix(space + 1);
  if (rest.substr(0, 5) != "boot=" || rest.size() < 5 + kBootIdWidth + 1) return std::nullopt;
  std::string_view boot = rest.substr(5, kBootIdWidth);
  while (!boot.empty() && boot.back() == ' ') boot.remove_suffix(1);
  h.boot_id = std::string(boot);
  rest.remove_prefix(5 + kBootIdWidth);
  if (rest.substr(0, 6) != " next=" || rest.size() < 6 + 19 + 5 + 16) return std::nullopt;
  if (!ParseInt(rest.substr(6, 19), h.next_id) || h.next_id < 1 || h.next_id > kMaxJournalId)
    return std::nullopt;
  rest.remove_prefix(6 + 19);
  if (rest.substr(0, 5) != " gen=") return std::nullopt;
  std::string_view gen = rest.substr(5, 16);
  for (char c : gen)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  auto [ptr, ec] = std::from_chars(gen.data(), gen.data() + gen.size(), h.gen, 16);
  if (ec != std::errc() || ptr != gen.data() + gen.size()) return std::nullopt;
  rest.remove_prefix(5 + 16);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  if (!rest.empty()) return std::nullopt;
  return h;
}

std::optional<int> JournalVersion(std::string_view text) {
  if (text.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  std::string_view rest = text.substr(kMagic.size(), 12);
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  int version = 0;
  if (digits == 0 || !ParseInt(rest.substr(0, digits), version)) return std::nullopt;
  return version;
}

std::string EncodeJournalEntry(const JournalEntry& entry) {
  const RunRecord& r = entry.record;
  std::string payload;
  payload.reserve(256 + r.output_tail.size() + r.message.size());
  bool first = true;
  auto field = [&](std::string_view value) {
    if (!first) payload += '\t';
    first = false;
    AppendEscaped(payload, value);
  };
  auto absent = [&] {
    if (!first) payload += '\t';
    first = false;
    payload += kAbsent;
  };
  field(IntText(r.id));
  field(r.job);
  field(TriggerName(r.trigger));
  field(r.host);
  field(IntText(ToMicros(r.started_at)));
  r.finished_at ? field(IntText(ToMicros(*r.finished_at))) : absent();
  field(IntText(r.duration_ms));
  field(IntText(r.attempts));
  r.exit_code ? field(IntText(*r.exit_code)) : absent();
  r.signal ? field(*r.signal) : absent();
  field(RunResultName(r.result));
  field(r.message);
  field(r.output_tail);
  r.artifact_size ? field(IntText(*r.artifact_size)) : absent();
  field(r.artifact_path);
  field(r.alert_status);
  field(IntText(r.owner_pid));
  field(r.owner_boot_id);
  field(IntText(r.owner_start_time));
  field(IntText(entry.keep_runs));

  std::array<char, 17> hash{};
  std::snprintf(hash.data(), hash.size(), "%016llx",
                static_cast<unsigned long long>(Fnv1a64(payload)));
  std::string line;
  line.reserve(payload.size() + 18);
  line.append(hash.data(), 16);
  line += ' ';
  line += payload;
  line += '\n';
  return line;
}

std::optional<JournalEntry> ParseJournalEntry(std::string_view line, bool unnumbered_ok) {
  if (line.size() < 17 || line[16] != ' ') return std::nullopt;
  for (size_t i = 0; i < 16; ++i)  // exactly as written: lower-case hex
    if (!((line[i] >= '0' && line[i] <= '9') || (line[i] >= 'a' && line[i] <= 'f')))
      return std::nullopt;
  uint64_t hash = 0;
  auto [ptr, ec] = std::from_chars(line.data(), line.data() + 16, hash, 16);
  if (ec != std::errc() || ptr != line.data() + 16) return std::nullopt;
  std::string_view payload = line.substr(17);
  if (Fnv1a64(payload) != hash) return std::nullopt;

  std::array<std::string_view, kFields> f;
  int n = 0;
  for (size_t start = 0;;) {
    size_t tab = payload.find('\t', start);
    if (n == kFields) return std::nullopt;
    f[static_cast<size_t>(n++)] = payload.substr(start, tab - start);
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  if (n != kFields) return std::nullopt;

  JournalEntry e;
  RunRecord& r = e.record;
  bool ok = true;
  auto text = [&](std::string_view in, std::string& out) {
    auto v = Unescape(in);
    if (!v)
      ok = false;
    else
      out = std::move(*v);
  };
  auto micros = [&](std::string_view in) {
    int64_t us = 0;
    if (!ParseInt(in, us)) ok = false;
    return Instant{Micros{us}};
  };
  if (!ParseInt(f[0], r.id) || r.id < (unnumbered_ok ? 0 : 1) || r.id > kMaxJournalId)
    return std::nullopt;
  text(f[1], r.job);
  std::string trigger;
  text(f[2], trigger);
  // A trigger a newer surety wrote reads as manual rather than losing the run.
  r.trigger = TriggerFromName(trigger).value_or(Trigger::kManual);
  text(f[3], r.host);
  r.started_at = micros(f[4]);
  if (f[5] != kAbsent) r.finished_at = micros(f[5]);
  if (!ParseInt(f[6], r.duration_ms) || !ParseInt(f[7], r.attempts)) return std::nullopt;
  if (f[8] != kAbsent) {
    int code = 0;
    if (!ParseInt(f[8], code)) return std::nullopt;
    r.exit_code = code;
  }
  if (f[9] != kAbsent) {
    std::string sig;
    text(f[9], sig);
    r.signal = std::move(sig);
  }
  std::optional<RunResult> result = RunResultFromName(f[10]);
  if (!result) return std::nullopt;
  r.result = *result;
  text(f[11], r.message);
  text(f[12], r.output_tail);
  if (f[13] != kAbsent) {
    uint64_t size = 0;
    if (!ParseInt(f[13], size)) return std::nullopt;
    r.artifact_size = size;
  }
  text(f[14], r.artifact_path);
  text(f[15], r.alert_status);
  if (!ParseInt(f[16], r.owner_pid)) return std::nullopt;
  text(f[17], r.owner_boot_id);
  if (!ParseInt(f[18], r.owner_start_time) || !ParseInt(f[19], e.keep_runs)) return std::nullopt;
  if (!ok || r.job.empty()) return std::nullopt;
  return e;
}

ParsedJournal ParseJournal(std::string_view text) {
  ParsedJournal out;
  out.version = JournalVersion(text);
  out.header = ParseJournalHeader(text);
  size_t pos = out.header ? kJournalHeaderSize : 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) {  // a torn last append
      ++out.damaged;
      break;
    }
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;  // the separator written after a torn append
    if (auto e = ParseJournalEntry(line)) {
      out.entries.push_back(std::move(*e));
      out.ends.push_back(pos);
    } else {
      ++out.damaged;
    }
  }
  return out;
}

std::string JournalGenText(uint64_t gen) {
  std::array<char, 17> buf{};
  std::snprintf(buf.data(), buf.size(), "%016llx", static_cast<unsigned long long>(gen));
  return std::string(buf.data(), 16);
}

}  // namespace surety
