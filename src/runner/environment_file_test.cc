#include "runner/environment_file.h"

#include <gtest/gtest.h>

namespace surety {
namespace {

TEST(ParseEnvironmentFile, ReadsSystemdStyleLines) {
  auto env = ParseEnvironmentFile("A=1\n  # c\n\nexport B='x y'\nC = 3\nbad line\n");
  EXPECT_EQ(env.size(), 3u);
  EXPECT_EQ(env["B"], "x y");
  EXPECT_EQ(env["C"], "3");
}

}  // namespace
}  // namespace surety
