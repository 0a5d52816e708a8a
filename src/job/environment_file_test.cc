#include "job/environment_file.h"

#include <gtest/gtest.h>

namespace surety {
namespace {

TEST(ParseEnvironmentFile, ReadsSystemdStyleLines) {
  auto env = ParseEnvironmentFile("A=1\n  # c\n\nexport B='x y'\nC = 3\n");
  EXPECT_EQ(env.vars.size(), 3u);
  EXPECT_EQ(env.vars["B"], "x y");
  EXPECT_EQ(env.vars["C"], "3");
  EXPECT_TRUE(env.problems.empty());
}

// A malformed line used to be dropped in silence: the job then ran without
// the variable (a backup tool without its password) and nobody knew why.
// It is reported by its number, never by its text, which may be a secret.
TEST(ParseEnvironmentFile, AMalformedLineIsReportedByNumberWithoutItsText) {
  auto env = ParseEnvironmentFile("A=1\nPASSWORD hunter2\n=x\nPASS WORD=hunter2\nB=2\n");
  EXPECT_EQ(env.vars.size(), 2u);
  ASSERT_EQ(env.problems.size(), 3u);
  EXPECT_EQ(env.problems[0], "line 2: not KEY=VALUE (ignored)");
  EXPECT_EQ(env.problems[1], "line 3: not KEY=VALUE (ignored)");
  EXPECT_EQ(env.problems[2], "line 4: not KEY=VALUE (ignored)");
  for (const auto& p : env.problems) EXPECT_EQ(p.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace surety
