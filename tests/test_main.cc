#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "test_util.h"

namespace surety::testing_util {

std::string TestDataDir() { return std::string(SURETY_SOURCE_DIR) + "/tests/data"; }

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

CliResult Shell(const std::string& command) {
  CliResult r;
  FILE* p = popen(command.c_str(), "r");
  if (!p) {
    r.rc = -1;
    return r;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  return r;
}

bool HaveSystemdAnalyze() {
  static const bool have = Shell("command -v systemd-analyze >/dev/null 2>&1").rc == 0;
  return have;
}

}  // namespace surety::testing_util

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
