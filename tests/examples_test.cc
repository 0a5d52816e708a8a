// Every job file in examples/ is one a user copies first: each must pass
// `surety validate` as shipped, with no error and no warning, so that an
// example never falls behind a rule the loader gained since it was written.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "test_util.h"

namespace surety {
namespace {

using testing_util::Shell;
using testing_util::ShellQuote;

std::vector<std::string> ExampleFiles() {
  std::vector<std::string> files;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(SURETY_SOURCE_DIR) + "/examples"))
    if (e.path().extension() == ".toml") files.push_back(e.path().string());
  return files;
}

TEST(Examples, EveryExampleJobFileValidatesWithoutWarnings) {
  const auto files = ExampleFiles();
  ASSERT_FALSE(files.empty()) << "no job file in examples/";
  for (const auto& f : files) {
    auto r = Shell(std::string(SURETY_BINARY) + " --config " + ShellQuote(f) + " validate 2>&1");
    EXPECT_EQ(r.rc, 0) << f << "\n" << r.out;
    EXPECT_EQ(r.out.find("warning"), std::string::npos) << f << "\n" << r.out;
    EXPECT_NE(r.out.find(": OK"), std::string::npos) << f << "\n" << r.out;
  }
}

}  // namespace
}  // namespace surety
