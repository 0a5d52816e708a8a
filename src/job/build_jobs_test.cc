#include "job/build_jobs.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace surety {
namespace {

TEST(BuildJobs, AJobNameIsLettersDigitsDashUnderscoreAndDot) {
  for (const std::string& name :
       std::vector<std::string>{"db", "a.b-c_d", "9x", "DB2", std::string(100, 'a')})
    EXPECT_TRUE(ValidJobName(name)) << name;
  for (const std::string& name : std::vector<std::string>{
           "", "-x", ".x", "_x", "a b", "a/b", "caf\xC3\xA9", "a=b", std::string(101, 'a')})
    EXPECT_FALSE(ValidJobName(name)) << name;
}

}  // namespace
}  // namespace surety
