#include "job/text_scan.h"

#include <cctype>

namespace surety {

std::string ScanProblem::Message() const {
  if (kind == Kind::kTooDeep) return TooDeepMessage();
  return "a character outside ASCII outside a string or comment: TOML keys are plain ASCII "
         "(A-Za-z0-9_-); quote the key (\"name\" = ...) or the value";
}

std::string TooDeepMessage() {
  return "keys nested more than " + std::to_string(kMaxTableDepth) +
         " levels deep (a [table] header or dotted key with that many parts); a job "
         "file needs at most 4, as in [jobs.NAME.preflight.free_space]";
}

std::optional<ScanProblem> ScanBeforeParsing(std::string_view text) {
  int line = 1, col = 1;
  int parts = 1;
  bool need_start = true;
  int start_line = 1, start_col = 1;
  // The last character before this one on the line, blanks aside: a quote
  // opens a string only where TOML expects a key or a value (after `=`,
  // `[`, `,`, `{`, `.` or at the start of a line). Elsewhere (`3"…`) the
  // parser does not read a string either, so neither does the scan.
  char prev = '\n';
  size_t i = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // a byte order mark is allowed
  auto advance = [&](size_t n) {
    for (; n > 0 && i < text.size(); --n, ++i) {
      if (text[i] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
  };
  while (i < text.size()) {
    const char c = text[i];
    if (need_start && c != ' ' && c != '\t' && c != '\r') {
      start_line = line;
      start_col = col;
      need_start = false;
    }
    if (c == '#') {
      while (i < text.size() && text[i] != '\n') advance(1);
      continue;
    }
    const bool opens_string =
        prev == '\n' || prev == '=' || prev == '[' || prev == ',' || prev == '{' || prev == '.';
    if (c != ' ' && c != '\t' && c != '\r') prev = c;
    if ((c == '"' || c == '\'') && opens_string) {
      const std::string_view triple = c == '"' ? "\"\"\"" : "'''";
      const bool multi = text.substr(i, 3) == triple;
      advance(multi ? 3 : 1);
      while (i < text.size()) {
        if (c == '"' && text[i] == '\\') {
          advance(2);
        } else if (multi ? text.substr(i, 3) == triple : text[i] == c) {
          advance(multi ? 3 : 1);
          break;
        } else if (!multi && text[i] == '\n') {
          break;  // unterminated: the parser reports it
        } else {
          advance(1);
        }
      }
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80)
      return ScanProblem{ScanProblem::Kind::kNonAscii, line, col};
    if (c == '.') {
      if (++parts > kMaxTableDepth)
        return ScanProblem{ScanProblem::Kind::kTooDeep, start_line, start_col};
    } else if (c == '=' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '\n') {
      parts = 1;
      need_start = true;
    }
    advance(1);
  }
  return std::nullopt;
}

std::string_view LineOf(std::string_view text, int n) {
  size_t at = 0;
  for (int i = 1; i < n; ++i) {
    at = text.find('\n', at);
    if (at == std::string_view::npos) return {};
    ++at;
  }
  const size_t end = text.find('\n', at);
  return text.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
}

std::string UnquotedValueHint(std::string_view line) {
  auto trim = [](std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
      v.remove_suffix(1);
    return v;
  };
  const size_t eq = line.find('=');
  if (eq == std::string_view::npos) return "";
  const std::string_view key = trim(line.substr(0, eq));
  std::string_view value = line.substr(eq + 1);
  if (const size_t hash = value.find('#'); hash != std::string_view::npos)
    value = value.substr(0, hash);
  value = trim(value);
  if (key.empty() || value.empty()) return "";
  for (char c : key)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
      return "";
  const char first = value.front();
  if (first == '"' || first == '\'' || first == '[' || first == '{') return "";
  if (value == "true" || value == "false") return "";
  bool has_letter = false;
  for (char c : value) has_letter = has_letter || std::isalpha(static_cast<unsigned char>(c));
  if (!has_letter) return "";
  std::string quoted(value);
  for (size_t i = 0; i < quoted.size(); ++i)
    if (quoted[i] == '"' || quoted[i] == '\\') quoted.insert(i++, 1, '\\');
  return "; text values are quoted in TOML: " + std::string(key) + " = \"" + quoted + "\"";
}

}  // namespace surety
