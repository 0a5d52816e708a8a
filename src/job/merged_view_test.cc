#include "job/merged_view.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "job/text_scan.h"

namespace surety {
namespace {

toml::table Parse(std::string_view text, std::string_view path) { return toml::parse(text, path); }

// What an MNode holds, flattened: "a.b=1" per leaf, "a.t={}" per empty
// table, in key order.
void Flatten(const MNode& n, const std::string& prefix, std::vector<std::string>& out) {
  if (n.is_table && n.children.empty() && !prefix.empty()) out.push_back(prefix + "={}");
  for (const auto& [k, v] : n.children) {
    const std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_table) {
      Flatten(v, key, out);
    } else {
      std::string value;
      if (v.node->is_integer()) value = std::to_string(v.node->as_integer()->get());
      if (v.node->is_string()) value = v.node->as_string()->get();
      if (v.node->is_array()) value = "[" + std::to_string(v.node->as_array()->size()) + "]";
      out.push_back(key + "=" + value);
    }
  }
}

std::vector<std::string> Flat(const MNode& n) {
  std::vector<std::string> out;
  Flatten(n, "", out);
  return out;
}

TEST(MergedView, LaterFilesMergeTablesKeyByKeyAndReplaceEverythingElse) {
  const toml::table first = Parse(
      "x = 1\nlist = [1, 2, 3]\n[jobs.a]\ncommand = \"old\"\ntimeout = \"1h\"\n"
      "[jobs.b]\ncommand = \"b\"\n[s]\nt = { u = 1 }\n",
      "first.toml");
  const toml::table second =
      Parse("list = [4]\n[jobs.a]\ncommand = \"new\"\n[jobs.c]\ncommand = \"c\"\n[s]\nt = 2\n",
            "second.toml");
  DiagnosticSink diags;
  MNode root;
  ASSERT_TRUE(MergeTable(root, first, diags));
  ASSERT_TRUE(MergeTable(root, second, diags));
  EXPECT_EQ(Flat(root),
            (std::vector<std::string>{"jobs.a.command=new", "jobs.a.timeout=1h", "jobs.b.command=b",
                                      "jobs.c.command=c", "list=[1]", "s.t=2", "x=1"}));
  // A key's place is where the file that set it last says it.
  EXPECT_EQ(*root.children.at("jobs").children.at("a").children.at("command").where.path,
            "second.toml");
  EXPECT_EQ(*root.children.at("x").where.path, "first.toml");
  // A value replaced by a table becomes the table.
  MNode over;
  const toml::table value = Parse("t = 1\n", "a.toml");
  const toml::table table = Parse("[t]\nu = 2\n", "b.toml");
  ASSERT_TRUE(MergeTable(over, value, diags));
  ASSERT_TRUE(MergeTable(over, table, diags));
  EXPECT_EQ(Flat(over), (std::vector<std::string>{"t.u=2"}));
  EXPECT_TRUE(diags.errors().empty());
}

TEST(MergedView, MergeNodesLaysAJobOverTheDefaults) {
  DiagnosticSink diags;
  // The view points into the documents: they live as long as it does.
  const toml::table defaults_doc =
      Parse("timeout = \"1h\"\nalert = [\"ops\"]\nverify = { min_size = 1 }\n", "d");
  const toml::table job_doc = Parse("timeout = \"2h\"\nverify = { path = \"/p\" }\n", "j");
  MNode defaults, job;
  ASSERT_TRUE(MergeTable(defaults, defaults_doc, diags));
  ASSERT_TRUE(MergeTable(job, job_doc, diags));
  MNode merged;
  merged.is_table = true;
  MergeNodes(merged, defaults);
  MergeNodes(merged, job);
  EXPECT_EQ(Flat(merged), (std::vector<std::string>{"alert=[1]", "timeout=2h", "verify.min_size=1",
                                                    "verify.path=/p"}));
  // The defaults themselves are unchanged.
  EXPECT_EQ(Flat(defaults),
            (std::vector<std::string>{"alert=[1]", "timeout=1h", "verify.min_size=1"}));
}

TEST(MergedView, TablesNestedTooDeepAreOneErrorAndStopTheMerge) {
  std::string deep;
  for (int i = 0; i <= kMaxTableDepth; ++i) deep += (i ? "." : "") + std::string("y");
  DiagnosticSink diags;
  MNode root;
  EXPECT_FALSE(MergeTable(root, Parse("[" + deep + "]\n", "deep.toml"), diags));
  ASSERT_EQ(diags.errors().size(), 1u);
  EXPECT_EQ(diags.errors()[0].ToString(),
            "deep.toml:1:" + std::to_string(2 * kMaxTableDepth + 2) + ": " + TooDeepMessage());
}

}  // namespace
}  // namespace surety
