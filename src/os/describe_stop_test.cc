// How a stopped command is described: one wording everywhere, and never
// "stopped with SIGTERM" when SIGKILL was needed.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>

#include "os/process.h"

namespace surety {
namespace {

CommandOutcome Stopped(CommandOutcome::Kind kind, int signal, int exit_code, bool killed) {
  CommandOutcome o;
  o.kind = kind;
  o.signal = signal;
  o.exit_code = exit_code;
  o.sigkill_sent = killed;
  return o;
}

TEST(DescribeStop, SaysWhatItTookToStopTheTree) {
  using K = CommandOutcome::Kind;
  EXPECT_EQ(DescribeStop(Stopped(K::kTimedOut, SIGTERM, 0, false)), "stopped with SIGTERM");
  EXPECT_EQ(DescribeStop(Stopped(K::kTimedOut, 0, 3, false)),
            "stopped with SIGTERM and exited with status 3");
  // The main process died of SIGTERM, but a descendant ignored it: the
  // description used to say SIGTERM alone.
  EXPECT_EQ(DescribeStop(Stopped(K::kTimedOut, SIGTERM, 0, true)),
            "stopped with SIGTERM, then SIGKILL after kill_grace (something ignored SIGTERM)");
  // DescribeFailure said "timed out and was killed with 0" for a job that
  // exited by itself after SIGTERM.
  EXPECT_EQ(DescribeFailure(Stopped(K::kTimedOut, 0, 3, false)),
            "timed out and was stopped with SIGTERM and exited with status 3");
  EXPECT_EQ(DescribeFailure(Stopped(K::kInterrupted, SIGTERM, 0, false)),
            "was interrupted and stopped with SIGTERM");
}

// For real: a child that ignores SIGTERM keeps the tree alive past the
// grace, and the outcome says SIGKILL was needed although the main process
// itself died of SIGTERM.
TEST(DescribeStop, ADescendantThatIgnoresSigtermIsReportedAsNeedingSigkill) {
  RealClock clock;
  RealCommandRunner runner(clock);
  CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", "sh -c 'trap \"\" TERM; sleep 30' & sleep 30"};
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.stream_output = false;
  spec.timeout = std::chrono::milliseconds(200);
  spec.kill_grace = std::chrono::milliseconds(300);
  CommandOutcome o = runner.Run(spec);
  EXPECT_EQ(o.kind, CommandOutcome::Kind::kTimedOut);
  EXPECT_TRUE(o.sigkill_sent);
  EXPECT_NE(DescribeStop(o).find("then SIGKILL"), std::string::npos) << DescribeStop(o);
}

}  // namespace
}  // namespace surety
