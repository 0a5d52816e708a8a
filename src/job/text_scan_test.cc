#include "job/text_scan.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace surety {
namespace {

std::string Repeat(const std::string& part, const std::string& sep, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += (i ? sep : "") + part;
  return out;
}

struct ScanCase {
  std::string text;
  std::optional<ScanProblem::Kind> kind;  // nullopt: nothing refused
  int line = 0, column = 0;
};

TEST(TextScan, AcceptsWhatTomlAllowsOutsideStrings) {
  const std::vector<std::string> fine = {
      "",
      "a = 1\n",
      "\xEF\xBB\xBF[jobs.a]\ncommand = \"true\"\n",  // a leading byte order mark
      "x = \"caf\xC3\xA9\"\n",
      "# d\xC3\xA9j\xC3\xA0\n",
      "x = 1 # \xCF\x8B\n",
      "x = '''\n\xCF\x8B'''\n",
      "x = \"\"\"\n\xCF\x8B\"\"\"\n",
      "x = \"a\\\"\xCF\x8B\"\n",  // an escaped quote does not end the string
      "[\"caf\xC3\xA9\"]\n",      // a quoted key
      Repeat("a", ".", kMaxTableDepth) + " = 1\n",
      "[" + Repeat("a", ".", kMaxTableDepth) + "]\n",
      Repeat("a", ".", 40) + " = 1\n" + Repeat("b", ".", 40) + " = 1\n",
      "x = \"" + Repeat("x", ".", 100) + "\"\n",
      "x = 1 # " + Repeat("y", ".", 100) + "\n",
  };
  for (const std::string& text : fine) {
    auto problem = ScanBeforeParsing(text);
    EXPECT_FALSE(problem) << "refused: " << text << " at " << problem->line << ":"
                          << problem->column;
  }
}

TEST(TextScan, RefusesNonAsciiAndDeepKeysWhereTheyStart) {
  using Kind = ScanProblem::Kind;
  const std::vector<ScanCase> cases = {
      {"  \xCF\x8B = 1\n", Kind::kNonAscii, 1, 3},
      {"[jobs.a]\ncommand = [\"true\"]\n  \xCF\x8B = 1\n", Kind::kNonAscii, 3, 3},
      {"[jobs.caf\xC3\xA9]\n", Kind::kNonAscii, 1, 10},
      // After a value a quote opens no string, for the parser nor the scan.
      {"x = 3\"/v\xEF\xBB\xBD\"\n", Kind::kNonAscii, 1, 9},
      // A literal string knows no escapes: 'a\' ends at its second quote.
      {"x = 'a\\'\xCF\x8B'\n", Kind::kNonAscii, 1, 9},
      // An unterminated string ends at its line; the parser reports it.
      {"x = \"abc\n\xCF\x8B = 1\n", Kind::kNonAscii, 2, 1},
      // A byte order mark only at the very start.
      {"a = 1\n\xEF\xBB\xBF", Kind::kNonAscii, 2, 1},
      {Repeat("a", ".", kMaxTableDepth + 1) + " = 1\n", Kind::kTooDeep, 1, 1},
      {"a = 1\n  " + Repeat("x", ".", 35000) + " = 1\n", Kind::kTooDeep, 2, 3},
      {"[jobs.a]\n[" + Repeat("x", ".", 35000) + "]\n", Kind::kTooDeep, 2, 2},
      {"x = { " + Repeat("y", ".", kMaxTableDepth + 1) + " = 1 }\n", Kind::kTooDeep, 1, 7},
  };
  for (const ScanCase& c : cases) {
    auto problem = ScanBeforeParsing(c.text);
    ASSERT_TRUE(problem) << c.text.substr(0, 80);
    EXPECT_EQ(problem->kind, *c.kind) << c.text.substr(0, 80);
    EXPECT_EQ(problem->line, c.line) << c.text.substr(0, 80);
    EXPECT_EQ(problem->column, c.column) << c.text.substr(0, 80);
  }
}

TEST(TextScan, MessagesSayWhatIsWrongAndTheFix) {
  const ScanProblem non_ascii{ScanProblem::Kind::kNonAscii, 1, 1};
  EXPECT_NE(non_ascii.Message().find("outside ASCII"), std::string::npos);
  EXPECT_NE(non_ascii.Message().find("quote the key"), std::string::npos);
  const ScanProblem deep{ScanProblem::Kind::kTooDeep, 1, 1};
  EXPECT_EQ(deep.Message(), TooDeepMessage());
  EXPECT_EQ(TooDeepMessage().rfind("keys nested more than 64 levels deep", 0), 0u);
}

TEST(TextScan, LineOfCountsFromOne) {
  EXPECT_EQ(LineOf("a\nb\nc", 1), "a");
  EXPECT_EQ(LineOf("a\nb\nc", 2), "b");
  EXPECT_EQ(LineOf("a\nb\nc", 3), "c");
  EXPECT_EQ(LineOf("a\nb\nc", 4), "");
  EXPECT_EQ(LineOf("a\n", 2), "");
  EXPECT_EQ(LineOf("a\r\nb", 1), "a\r");
  EXPECT_EQ(LineOf("", 1), "");
}

TEST(TextScan, UnquotedValueHintQuotesABareWordAssigned) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"timeout = 1h", "; text values are quoted in TOML: timeout = \"1h\""},
      {"overlap = skip # comment", "; text values are quoted in TOML: overlap = \"skip\""},
      {"  timeout\t=\t1h 30min  \r", "; text values are quoted in TOML: timeout = \"1h 30min\""},
      {"jobs.a.timeout = 5min", "; text values are quoted in TOML: jobs.a.timeout = \"5min\""},
      {"path = a\"b\\c", "; text values are quoted in TOML: path = \"a\\\"b\\\\c\""},
      // Near misses: nothing to hint.
      {"timeout = \"1h\"", ""},
      {"timeout = '1h'", ""},
      {"persistent = true", ""},
      {"retries = 3", ""},
      {"x = [a]", ""},
      {"x = {a = 1}", ""},
      {"[jobs.a]", ""},
      {"a b = c", ""},
      {"= c", ""},
      {"x = # c", ""},
      {"", ""},
  };
  for (const auto& [line, hint] : cases) EXPECT_EQ(UnquotedValueHint(line), hint) << line;
}

}  // namespace
}  // namespace surety
