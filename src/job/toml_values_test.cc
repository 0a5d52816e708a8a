#include "job/toml_values.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace surety {
namespace {

// Each case reads `v` from a one-line document "v = VALUE" in
// /etc/surety/a.toml, as the key "t.v".
class TomlValuesTest : public testing::Test {
 protected:
  const MNode& Doc(std::string_view text) {
    docs_.push_back(toml::parse(text, std::string_view("/etc/surety/a.toml")));
    roots_.emplace_back();
    EXPECT_TRUE(MergeTable(roots_.back(), docs_.back(), diags_));
    return roots_.back();
  }
  const MNode* Value(const std::string& value) { return &Doc("v = " + value + "\n"); }
  // The errors reported since the last call, as "line:col: message".
  std::vector<std::string> Errors() {
    std::vector<std::string> out;
    for (const Diagnostic& d : diags_.TakeErrors())
      out.push_back(std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message);
    return out;
  }
  std::string OneError() {
    auto errors = Errors();
    EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    return errors.empty() ? "" : errors[0];
  }

  DiagnosticSink diags_;
  std::map<std::string, std::string> dirs_{{"/etc/surety/a.toml", "/etc/surety"}};
  TomlValues values_{diags_, dirs_};
  std::list<toml::table> docs_;  // the views point into them
  std::list<MNode> roots_;
};

TEST_F(TomlValuesTest, SpansAreSystemdTimeSpansAndInfinityOnlyWhereAllowed) {
  using Infinity = TomlValues::Infinity;
  const struct {
    std::string value;
    Infinity infinity;
    std::optional<uint64_t> usec;  // nullopt: an error
    std::string error;
  } cases[] = {
      {"\"30s\"", Infinity::kRefused, 30'000'000, ""},
      {"90", Infinity::kRefused, 90'000'000, ""},
      {"\"1h 30min\"", Infinity::kRefused, 5400'000'000, ""},
      {"0", Infinity::kRefused, 0, ""},
      {"\"infinity\"", Infinity::kAllowed, Timespan::kInfinity, ""},
      {"\"infinity\"", Infinity::kRefused, std::nullopt,
       "1:5: t.v: \"infinity\" has no meaning here; give a finite time span such as \"30s\" or "
       "\"1h\" (only timeout, kill_grace, lock_wait and preflight.wait may be infinite)"},
      {"-1", Infinity::kRefused, std::nullopt,
       "1:5: t.v: expected a time span such as \"30s\", \"5min\" or \"1h 30min\""},
      {"true", Infinity::kAllowed, std::nullopt,
       "1:5: t.v: expected a time span such as \"30s\", \"5min\" or \"1h 30min\" or "
       "\"infinity\""},
      {"1.5", Infinity::kRefused, std::nullopt,
       "1:5: t.v: expected a time span such as \"30s\", \"5min\" or \"1h 30min\""},
  };
  for (const auto& c : cases) {
    auto span = values_.Span(Value(c.value), "v", "t", c.infinity);
    if (c.usec) {
      ASSERT_TRUE(span) << c.value;
      EXPECT_EQ(span->usec, *c.usec) << c.value;
      EXPECT_TRUE(Errors().empty()) << c.value;
    } else {
      EXPECT_FALSE(span) << c.value;
      EXPECT_EQ(OneError(), c.error) << c.value;
    }
  }
  EXPECT_FALSE(values_.Span(Value("\"5mins\""), "v", "t"));
  EXPECT_EQ(OneError().rfind("1:5: t.v: invalid time span \"5mins\" (", 0), 0u);
  EXPECT_FALSE(values_.Span(Value("1"), "missing", "t"));  // absent: nothing to report
  EXPECT_FALSE(values_.Span(nullptr, "v", "t"));
  EXPECT_TRUE(Errors().empty());
}

TEST_F(TomlValuesTest, ScalarsSayWhatTheyExpected) {
  EXPECT_EQ(values_.Int(Value("3"), "v", "t", 0, 100), 3);
  EXPECT_EQ(values_.Int(Value("101"), "v", "t", 0, 100), std::nullopt);
  EXPECT_EQ(OneError(), "1:5: t.v: expected a whole number from 0 to 100");
  EXPECT_EQ(values_.Int(Value("\"3\""), "v", "t", 1, 10), std::nullopt);
  EXPECT_EQ(OneError(), "1:5: t.v: expected a whole number from 1 to 10");

  EXPECT_EQ(values_.Bool(Value("true"), "v", "t"), true);
  EXPECT_EQ(values_.Bool(Value("1"), "v", "t"), std::nullopt);
  EXPECT_EQ(OneError(), "1:5: t.v: expected true or false");

  EXPECT_EQ(values_.String(Value("\"x\""), "v", "t"), "x");
  EXPECT_EQ(values_.String(Value("[\"x\"]"), "v", "t"), std::nullopt);
  EXPECT_EQ(OneError(), "1:5: t.v: expected a string, e.g. v = \"...\"");
  EXPECT_EQ(values_.String(Value("\"a\\u0000b\""), "v", "t"), std::nullopt);
  EXPECT_EQ(OneError(),
            "1:5: t.v: contains a NUL character (\\u0000), which cannot be passed to a program or "
            "be part of a path");

  EXPECT_EQ(values_.ByteSize(Value("\"5G\""), "v", "t"), uint64_t{5} << 30);
  EXPECT_EQ(values_.ByteSize(Value("100"), "v", "t"), 100u);
  for (const char* bad : {"\"x\"", "-1", "1.5"}) {
    EXPECT_EQ(values_.ByteSize(Value(bad), "v", "t"), std::nullopt) << bad;
    EXPECT_EQ(OneError(), "1:5: t.v: expected a size such as \"500M\", \"5G\" or a number of bytes")
        << bad;
  }
}

TEST_F(TomlValuesTest, PathsAreRelativeToTheirFileOrMustBeAbsolute) {
  EXPECT_EQ(values_.Path(Value("\"ops.url\""), "v", "t"), "/etc/surety/ops.url");
  EXPECT_EQ(values_.Path(Value("\"/run/ops.url\""), "v", "t"), "/run/ops.url");
  EXPECT_EQ(values_.Path(Value("\"\""), "v", "t"), std::nullopt);
  EXPECT_EQ(OneError(), "1:5: t.v: the path is empty");

  EXPECT_EQ(values_.AbsolutePath(Value("\"/backups\""), "v", "t"), "/backups");
  EXPECT_TRUE(Errors().empty());
  EXPECT_EQ(values_.AbsolutePath(Value("\"backups\""), "v", "t"), "backups");  // as written
  EXPECT_EQ(OneError(),
            "1:5: t.v: \"backups\" is relative; give an absolute path (surety checks it from "
            "wherever it was started, not from the job's working_directory)");
}

TEST_F(TomlValuesTest, CommandsAreArgumentListsOrShellStrings) {
  const struct {
    std::string value;
    std::vector<std::string> argv;  // empty: an error
    bool shell;
    std::string error;
  } cases[] = {
      {"[\"pg_dump\", \"-Fc\"]", {"pg_dump", "-Fc"}, false, ""},
      {"\"tar -czf x.tgz /etc\"", {"/bin/sh", "-c", "tar -czf x.tgz /etc"}, true, ""},
      {"\" \\t\"", {}, false, "1:5: t.v: the command is empty"},
      {"[]",
       {},
       false,
       "1:5: t.v: expected a command: an argument list such as [\"pg_dump\", \"-Fc\", \"app\"] "
       "or a shell string"},
      {"5",
       {},
       false,
       "1:5: t.v: expected a command: an argument list such as [\"pg_dump\", \"-Fc\", \"app\"] "
       "or a shell string"},
      {"[\"a\", 1]", {}, false, "1:11: t.v: every argument must be a string"},
      {"[\"\", \"x\"]", {}, false, "1:5: t.v: the program name is empty"},
      {"[\"a\\u0000\"]",
       {},
       false,
       "1:6: t.v: contains a NUL character (\\u0000), which cannot be passed to a program or be "
       "part of a path"},
  };
  for (const auto& c : cases) {
    const Command command = values_.CommandOf(Value(c.value), "v", "t");
    EXPECT_EQ(command.argv, c.argv) << c.value;
    EXPECT_EQ(command.shell, c.shell) << c.value;
    if (c.error.empty())
      EXPECT_TRUE(Errors().empty()) << c.value;
    else
      EXPECT_EQ(OneError(), c.error) << c.value;
  }
}

TEST_F(TomlValuesTest, ExitSetsReadLikeSuccessExitStatus) {
  const ExitStatusSet set =
      values_.ExitSet(Value("[0, \"TEMPFAIL  SIGPIPE\", 256, \"BOGUS\", 1.5]"), "v", "t");
  EXPECT_EQ(set.codes, (std::set<int>{0, 75}));
  EXPECT_EQ(set.signals, (std::set<int>{SIGPIPE}));
  EXPECT_EQ(Errors(), (std::vector<std::string>{
                          "1:30: t.v: exit status 256 is outside 0..255",
                          "1:35: t.v: 'BOGUS' is neither an exit status (0-255 or a name such as "
                          "TEMPFAIL) nor a signal (such as SIGPIPE)",
                          "1:44: t.v: expected exit statuses (0-255, names like \"TEMPFAIL\") or "
                          "signal names (\"SIGPIPE\")",
                      }));
  EXPECT_TRUE(values_.ExitSet(Value("3"), "v", "t").HasCode(3));  // one value, not a list
}

TEST_F(TomlValuesTest, ExitCodeFromWordKnowsNumbersAndSystemdsNames) {
  const std::pair<std::string, int> cases[] = {
      {"0", 0},         {"255", 255},   {"075", 75},    {"256", -1},      {"0255", -1},
      {"TEMPFAIL", 75}, {"SUCCESS", 0}, {"CONFIG", 78}, {"tempfail", -1}, {"SIGPIPE", -1},
      {"", -1},         {"-1", -1},     {"1x", -1},
  };
  for (const auto& [word, code] : cases) EXPECT_EQ(ExitCodeFromWord(word), code) << word;
}

TEST_F(TomlValuesTest, StringListsKeepEachElementsPlace) {
  auto list = values_.StringNodes(Value("[\"a\", 2, \"c\"]"), "v", "t");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].first, "a");
  EXPECT_EQ(list[1].first, "c");
  EXPECT_EQ(list[1].second->source().begin.column, 14u);
  EXPECT_EQ(OneError(), "1:11: t.v: expected a string in the list");
  auto one = values_.StringNodes(Value("\"a\""), "v", "t");
  ASSERT_EQ(one.size(), 1u);
  EXPECT_TRUE(values_.StringNodes(Value("1"), "v", "t").empty());
  EXPECT_EQ(OneError(), "1:5: t.v: expected a list of strings, e.g. [\"a\", \"b\"]");
}

TEST_F(TomlValuesTest, UnknownKeysGetTheClosestKnownOneOrTheList) {
  const MNode& t = Doc("schedul = 1\nzzz = 2\ncommand = 3\n");
  values_.CheckKeys(t, {"command", "schedule"}, "jobs.a");
  EXPECT_EQ(Errors(), (std::vector<std::string>{
                          "1:1: jobs.a.schedul: unknown key 'schedul'; did you mean 'schedule'?",
                          "2:1: jobs.a.zzz: unknown key 'zzz'; known keys here: command, schedule",
                      }));
  EXPECT_EQ(CommaList({}), "");
  EXPECT_EQ(CommaList({"a"}), "a");
}

TEST_F(TomlValuesTest, ATableWhereAValueBelongsIsReportedOnceAndAValueWhereATableBelongs) {
  const MNode& t = Doc("[v]\nx = 1\n[w]\n[jobs]\ny = 1\n");
  EXPECT_EQ(values_.Leaf(&t, "v", "t"), nullptr);
  EXPECT_FALSE(values_.String(&t, "v", "t"));
  EXPECT_EQ(OneError(), "1:2: t.v: expected a value, not a table");
  EXPECT_NE(values_.Child(t, "w", true, "t"), nullptr);
  EXPECT_EQ(values_.Child(t.children.at("jobs"), "y", true, "jobs"), nullptr);
  EXPECT_EQ(OneError(),
            "5:1: jobs.y: expected a table, e.g. a section [jobs.y] or an inline table y = { ... "
            "}");
}

}  // namespace
}  // namespace surety
