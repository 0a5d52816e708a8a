// Spawn: what a started program gets, and how a start that fails says so.
#include "os/spawn.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

namespace surety {
namespace {

int WaitFor(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(Spawn, AProgramRunsInItsOwnProcessGroupWithTheGivenEnvironment) {
  char path[] = "/tmp/surety-spawn-XXXXXX";
  int out = mkstemp(path);
  ASSERT_GE(out, 0);
  SpawnRequest r;
  r.argv = {"sh", "-c", "echo \"$GREETING\"; test $(ps -o pgid= -p $$) -eq $$"};
  r.env = {{"PATH", "/usr/bin:/bin"}, {"GREETING", "hello"}};
  r.stdout_fd = out;
  Spawned s = Spawn(r);
  ASSERT_TRUE(s.ok()) << s.error;
  ASSERT_GT(s.pid, 0);
  EXPECT_EQ(WaitFor(s.pid), 0) << "not the leader of its own process group";
  close(out);
  char buf[64] = {};
  int in = open(path, O_RDONLY);
  ASSERT_GT(read(in, buf, sizeof buf - 1), 0);
  close(in);
  unlink(path);
  EXPECT_EQ(std::string(buf), "hello\n");
}

TEST(Spawn, AFailedStartSaysWhyWithTheShellsExitStatus) {
  SpawnRequest missing;
  missing.argv = {"surety-no-such-program"};
  missing.env = {{"PATH", "/usr/bin:/bin"}};
  Spawned s = Spawn(missing);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.exit_code, 127);
  EXPECT_EQ(s.error, "cannot execute 'surety-no-such-program': No such file or directory");

  SpawnRequest bad_dir;
  bad_dir.argv = {"true"};
  bad_dir.env = {{"PATH", "/usr/bin:/bin"}};
  bad_dir.working_directory = "/nonexistent/dir";
  s = Spawn(bad_dir);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.exit_code, 200);
  EXPECT_NE(s.error.find("/nonexistent/dir"), std::string::npos) << s.error;

  SpawnRequest empty;
  s = Spawn(empty);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.exit_code, 127);
}

}  // namespace
}  // namespace surety
