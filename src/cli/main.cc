// surety's entry point: builds the real OS services once and hands them to
// the command table. Nothing else in the program touches the environment or
// the clock directly.
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "os/clock.h"
#include "os/env.h"

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  surety::RealClock clock;
  surety::ProcessEnv env;
  surety::Services services{clock, env, std::cout, std::cerr};
  std::vector<std::string> args(argv + 1, argv + argc);
  int rc = surety::RunCli(args, services);
  std::cout.flush();
  return rc;
}
