// surety's entry point: builds the real OS services once and hands them to
// the command table. Nothing else in the program reaches the environment,
// the clock, the file system or child processes except through these.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "alert/alert.h"
#include "cli/cli.h"
#include "os/clock.h"
#include "os/env.h"
#include "os/file_system.h"
#include "os/journal.h"
#include "os/lock.h"
#include "os/net.h"
#include "os/process.h"
#include "os/system.h"

int main(int argc, char** argv) {
  // Before anything is opened: with stdout closed (`surety run JOB >&-`) the
  // run journal would be opened as fd 1 and the job's output written into it.
  if (!surety::EnsureStandardDescriptors()) return 71;  // EX_OSERR
  std::ios::sync_with_stdio(false);
  std::vector<std::string> args(argv + 1, argv + argc);
  // Signals are read through a signalfd by the runner; block them before
  // anything else so a SIGTERM during start-up is not lost.
  // As the daemon starts it too: `surety --config F --log-format json run JOB`.
  if (surety::CommandWord(args) == "run") {
    if (auto s = surety::PrepareProcessForRunning(); !s.ok())
      std::cerr << "surety: " << s.message() << '\n';
  }
  surety::RealClock clock;
  surety::ProcessEnv env;
  surety::RealFileSystem fs;
  surety::RealCommandRunner commands(clock);
  surety::RealLocker locker;
  surety::RealConnector net;
  std::unique_ptr<surety::HttpPoster> http = surety::MakeCurlPoster();
  std::unique_ptr<surety::JournalWriter> journal = surety::MakeSdJournalWriter();
  surety::Services services{clock,
                            env,
                            std::cout,
                            std::cerr,
                            &fs,
                            &commands,
                            &locker,
                            &net,
                            http.get(),
                            journal.get(),
                            surety::IsTerminal(2)};
  int rc = surety::RunCli(args, services);
  std::cout.flush();
  return rc;
}
