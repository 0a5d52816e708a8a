#include "job/diagnostic.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace surety {
namespace {

std::vector<std::string> Strings(const std::vector<Diagnostic>& list) {
  std::vector<std::string> out;
  for (const Diagnostic& d : list) out.push_back(d.ToString());
  return out;
}

TEST(Diagnostic, ToStringNamesTheFileAndAPositionWhenThereIsOne) {
  EXPECT_EQ((Diagnostic{"a.toml", 3, 7, "bad"}.ToString()), "a.toml:3:7: bad");
  EXPECT_EQ((Diagnostic{"a.toml", 0, 0, "unreadable"}.ToString()), "a.toml: unreadable");
  EXPECT_EQ((Diagnostic{"", 0, 0, "state_dir: x"}.ToString()), ": state_dir: x");
  // The job it belongs to is data for the caller, not part of the text.
  EXPECT_EQ((Diagnostic{"a.toml", 1, 1, "bad", "db"}.ToString()), "a.toml:1:1: bad");
}

TEST(Diagnostic, SortInFileOrderKeepsTheFirstOrderOfFilesThenLinesAndColumns) {
  std::vector<Diagnostic> list = {
      {"b.toml", 9, 1, "b9"},   {"a.toml", 5, 3, "a5:3"}, {"b.toml", 2, 4, "b2"},
      {"a.toml", 5, 1, "a5:1"}, {"a.toml", 0, 0, "a"},    {"a.toml", 5, 3, "a5:3 again"},
  };
  SortInFileOrder(list);
  EXPECT_EQ(Strings(list), (std::vector<std::string>{
                               "b.toml:2:4: b2",
                               "b.toml:9:1: b9",
                               "a.toml: a",
                               "a.toml:5:1: a5:1",
                               "a.toml:5:3: a5:3",
                               "a.toml:5:3: a5:3 again",
                           }));
  std::vector<Diagnostic> none;
  SortInFileOrder(none);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace surety
