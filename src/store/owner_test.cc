// Owner identity tests (the /proc/PID/stat parsing is os/proc_test.cc): the
// real check against this process, a pid that does not exist, a zombie, and this
// pid with another start time or boot id (a reused pid, a reboot).
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "os/proc.h"
#include "store/history_store.h"

namespace surety {
namespace {

std::string ReadFile(const std::string& path) {
  std::string text;
  if (FILE* f = fopen(path.c_str(), "r")) {
    char buf[1024];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    fclose(f);
  }
  return text;
}

TEST(ProcessOwnerAlive, ThisProcessIsAlive) {
  RunRecord r;
  FillOwner(r);
  EXPECT_EQ(r.owner_pid, getpid());
  EXPECT_EQ(r.owner_boot_id.size(), 36u) << r.owner_boot_id;  // a UUID, newline stripped
  EXPECT_GT(r.owner_start_time, 0u);
  EXPECT_TRUE(ProcessOwnerAlive(r));
}

TEST(ProcessOwnerAlive, APidThatDoesNotExistIsDead) {
  RunRecord r;
  FillOwner(r);
  r.owner_pid = INT_MAX;  // above any pid_max
  EXPECT_FALSE(ProcessOwnerAlive(r));
  r.owner_pid = 0;  // no owner recorded
  EXPECT_FALSE(ProcessOwnerAlive(r));
  r.owner_pid = -1;
  EXPECT_FALSE(ProcessOwnerAlive(r));
}

TEST(ProcessOwnerAlive, ThisPidWithAnotherStartTimeIsDead) {
  RunRecord r;
  FillOwner(r);
  r.owner_start_time += 1;  // the pid was reused by a later process
  EXPECT_FALSE(ProcessOwnerAlive(r));
}

TEST(ProcessOwnerAlive, ThisPidWithAnotherBootIdIsDead) {
  RunRecord r;
  FillOwner(r);
  r.owner_boot_id = "00000000-0000-0000-0000-000000000000";  // recorded before a reboot
  EXPECT_FALSE(ProcessOwnerAlive(r));
}

// A child whose comm has spaces and parentheses reports its own identity,
// which is alive while it runs, dead once it is a zombie and after it is reaped.
TEST(ProcessOwnerAlive, AChildIsAliveThenDeadAsZombieAndAfterReaping) {
  int to_parent[2];
  int to_child[2];
  ASSERT_EQ(pipe(to_parent), 0);
  ASSERT_EQ(pipe(to_child), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(to_parent[0]);
    close(to_child[1]);
    prctl(PR_SET_NAME, "x) (y z", 0, 0, 0);
    RunRecord me;
    FillOwner(me);
    (void)!write(to_parent[1], &me.owner_start_time, sizeof me.owner_start_time);
    char c;
    (void)!read(to_child[0], &c, 1);  // exit when told
    _exit(0);
  }
  close(to_parent[1]);
  close(to_child[0]);
  // However the test ends, the child does not outlive it.
  struct Reaper {
    pid_t pid;
    bool reaped = false;
    ~Reaper() {
      if (reaped) return;
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  } reaper{pid};
  RunRecord child;
  FillOwner(child);
  const uint64_t parent_start = child.owner_start_time;
  child.owner_pid = pid;
  ASSERT_EQ(read(to_parent[0], &child.owner_start_time, sizeof child.owner_start_time),
            static_cast<ssize_t>(sizeof child.owner_start_time));
  EXPECT_GE(child.owner_start_time, parent_start);
  EXPECT_TRUE(ProcessOwnerAlive(child));

  close(to_child[1]);  // the child exits; do not reap it yet
  const std::string stat_path = "/proc/" + std::to_string(pid) + "/stat";
  bool zombie = false;
  for (int i = 0; i < 500 && !zombie; ++i) {
    std::optional<ProcInfo> stat = ParseProcStat(ReadFile(stat_path));
    zombie = stat && stat->state == 'Z';
    if (!zombie) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(zombie);
  EXPECT_FALSE(ProcessOwnerAlive(child));

  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  reaper.reaped = true;
  EXPECT_FALSE(ProcessOwnerAlive(child));
  close(to_parent[0]);
}

}  // namespace
}  // namespace surety
