// RealCommandRunner with real processes: /bin/sh scripts, each well under 2 s.
// A test that must act while a job runs (stop us, read our stdout) waits for
// the state it needs (the job's pid file, the job reaped) instead of
// sleeping; how long a run takes is asserted only against limits an order
// of magnitude away from normal, or the product's own timers as lower bounds.
#include "os/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "os/clock.h"
#include "test_util.h"

namespace surety {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing_util::WaitFor;
using testing_util::WaitForFile;
using testing_util::WaitForPidFile;
using Kind = CommandOutcome::Kind;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/surety-process-test-XXXXXX";
    char* made = mkdtemp(tmpl);
    EXPECT_NE(made, nullptr);
    path_ = made ? made : "/tmp";
  }
  ~TempDir() {
    std::string cmd = "rm -rf '" + path_ + "'";
    if (std::system(cmd.c_str()) != 0) ADD_FAILURE() << "cannot remove " << path_;
  }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::vector<pid_t> ReadPids(const std::string& file) {
  std::ifstream in(file);
  std::vector<pid_t> pids;
  int pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

std::string ReadAll(const std::string& path) {
  std::string out;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

// True if the process is gone and reaped (kill() succeeds on a zombie).
bool Gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Waits until the job whose pid `pid_file` names (`echo $$ > FILE`) has
// ended and the runner has reaped it (it is our child); false if the job
// never wrote its pid, or was not reaped within `limit`.
bool WaitUntilReaped(const std::string& pid_file, milliseconds limit = seconds(10)) {
  std::optional<pid_t> pid;
  return WaitFor([&] { return (pid = testing_util::ReadPidFile(pid_file)).has_value(); }, limit) &&
         WaitFor([&] { return Gone(*pid); }, limit);
}

// Children of this process, zombies included, from /proc.
std::set<pid_t> OurChildren() {
  std::set<pid_t> out;
  DIR* dir = opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = readdir(dir)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0) continue;
    std::string stat = ReadAll("/proc/" + std::string(e->d_name) + "/stat");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream rest(stat.substr(paren + 1));
    char state;
    int ppid;
    if (rest >> state >> ppid && ppid == getpid()) out.insert(pid);
  }
  closedir(dir);
  return out;
}

CommandSpec Sh(const std::string& script) {
  CommandSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.env = {{"PATH", "/usr/bin:/bin"}};
  spec.stream_output = false;
  spec.kill_grace = milliseconds(200);
  return spec;
}

// Puts `fd` (which it takes) on our fd 1 until Restore() or the end of
// the scope: a test's own stdout for the command's output to be copied to.
class StdoutAs {
 public:
  explicit StdoutAs(int fd) : saved_(dup(1)) {
    std::fflush(stdout);
    EXPECT_EQ(dup2(fd, 1), 1);
    close(fd);
  }
  ~StdoutAs() { Restore(); }
  void Restore() {
    if (saved_ < 0) return;
    dup2(saved_, 1);
    close(saved_);
    saved_ = -1;
  }
  StdoutAs(const StdoutAs&) = delete;
  StdoutAs& operator=(const StdoutAs&) = delete;

 private:
  int saved_;
};

// A pseudo-terminal: {master, slave}; {-1, -1} (nothing left open) if one
// cannot be had.
std::pair<int, int> OpenPty() {
  int master = posix_openpt(O_RDWR | O_NOCTTY);
  if (master < 0) return {-1, -1};
  int slave =
      grantpt(master) == 0 && unlockpt(master) == 0 ? open(ptsname(master), O_RDWR | O_NOCTTY) : -1;
  if (slave < 0) {
    close(master);
    return {-1, -1};
  }
  return {master, slave};
}

class RealCommandRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override { children_before_ = OurChildren(); }
  void TearDown() override {
    // Nothing a test started is left behind, not even a zombie.
    EXPECT_EQ(OurChildren(), children_before_);
  }

  RealClock clock_;
  RealCommandRunner runner_{clock_};
  TempDir dir_;
  std::set<pid_t> children_before_;
};

TEST_F(RealCommandRunnerTest, ExitCodes) {
  CommandOutcome ok = runner_.Run(Sh("exit 0"));
  EXPECT_EQ(ok.kind, Kind::kExited);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_GT(ok.pid, 0);
  EXPECT_TRUE(ok.error.empty());

  CommandOutcome three = runner_.Run(Sh("exit 3"));
  EXPECT_EQ(three.kind, Kind::kExited);
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_EQ(three.signal, 0);
}

TEST_F(RealCommandRunnerTest, DeathBySignalIsSignaled) {
  CommandOutcome o = runner_.Run(Sh("kill -SEGV $$"));
  EXPECT_EQ(o.kind, Kind::kSignaled);
  EXPECT_EQ(o.signal, SIGSEGV);  // core_dumped depends on the core limit
}

TEST_F(RealCommandRunnerTest, MissingBinaryIsSpawnFailure127) {
  CommandSpec spec = Sh("");
  spec.argv = {"surety-no-such-binary", "--flag"};
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kSpawnFailed);
  EXPECT_EQ(o.exit_code, 127);
  EXPECT_EQ(o.error, "cannot execute 'surety-no-such-binary': No such file or directory");
}

TEST_F(RealCommandRunnerTest, BinaryIsLookedUpInTheSpecPath) {
  CommandSpec spec = Sh("");
  spec.argv = {"true"};
  spec.env = {{"PATH", "/nonexistent:/usr/bin:/bin"}};
  EXPECT_EQ(runner_.Run(spec).kind, Kind::kExited);

  spec.env = {{"PATH", "/nonexistent"}};  // true is not found there
  EXPECT_EQ(runner_.Run(spec).kind, Kind::kSpawnFailed);
}

TEST_F(RealCommandRunnerTest, NonExecutableFileIsSpawnFailure126) {
  std::string script = dir_.File("script.sh");
  std::ofstream(script) << "#!/bin/sh\nexit 0\n";
  chmod(script.c_str(), 0644);
  CommandSpec spec = Sh("");
  spec.argv = {script};
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kSpawnFailed);
  EXPECT_EQ(o.exit_code, 126);
  EXPECT_EQ(o.error, "cannot execute '" + script + "': Permission denied");
}

TEST_F(RealCommandRunnerTest, BadWorkingDirectoryIsSpawnFailure) {
  CommandSpec spec = Sh("exit 0");
  spec.working_directory = "/nonexistent/surety-dir";
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kSpawnFailed);
  EXPECT_EQ(o.error,
            "cannot change to working directory '/nonexistent/surety-dir': No such file or "
            "directory");
}

TEST_F(RealCommandRunnerTest, WorkingDirectoryIsUsed) {
  CommandSpec spec = Sh("pwd");
  spec.working_directory = "/usr";
  EXPECT_EQ(runner_.Run(spec).output_tail, "/usr\n");
}

TEST_F(RealCommandRunnerTest, EnvironmentIsExactlyTheSpec) {
  CommandSpec spec = Sh("");
  spec.argv = {"env"};
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"FOO", "bar baz"}};
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kExited);
  EXPECT_EQ(o.output_tail, "FOO=bar baz\nPATH=/usr/bin:/bin\n");
}

TEST_F(RealCommandRunnerTest, StdinDataIsDelivered) {
  CommandSpec spec = Sh("cat");
  spec.stdin_data = "hello\nworld";
  EXPECT_EQ(runner_.Run(spec).output_tail, "hello\nworld");

  spec = Sh("wc -c");
  spec.stdin_data = std::string(300000, 'x');  // more than a pipe buffer
  EXPECT_EQ(runner_.Run(spec).output_tail, "300000\n");
}

TEST_F(RealCommandRunnerTest, StdinIsDevNullWithoutData) {
  CommandOutcome o = runner_.Run(Sh("cat; echo end"));
  EXPECT_EQ(o.output_tail, "end\n");
}

TEST_F(RealCommandRunnerTest, StdinDataTheChildNeverReadsDoesNotHang) {
  CommandSpec spec = Sh("exit 4");
  spec.stdin_data = std::string(1 << 20, 'x');
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kExited);
  EXPECT_EQ(o.exit_code, 4);
}

TEST_F(RealCommandRunnerTest, StdoutAndStderrAreInterleavedInOrder) {
  CommandOutcome o = runner_.Run(Sh("echo one; echo two >&2; echo three"));
  EXPECT_EQ(o.output_tail, "one\ntwo\nthree\n");
}

TEST_F(RealCommandRunnerTest, TailKeepsExactlyTheLastBytesOfALargeOutput) {
  // 100000 lines of 10 bytes: 1 000 000 bytes.
  CommandSpec spec = Sh("seq -f %09g 0 99999");
  spec.tail_bytes = 1000;
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kExited);
  std::string expected;
  for (int i = 99900; i < 100000; ++i) {
    char line[16];
    std::snprintf(line, sizeof line, "%09d\n", i);
    expected += line;
  }
  EXPECT_EQ(o.output_tail, expected);

  spec.tail_bytes = 0;
  EXPECT_EQ(runner_.Run(spec).output_tail, "");
}

TEST_F(RealCommandRunnerTest, StreamsOutputToOurStdout) {
  std::string file = dir_.File("stdout");
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  StdoutAs redirect(fd);
  CommandSpec spec = Sh("echo streamed; echo err >&2");
  spec.stream_output = true;
  CommandOutcome o = runner_.Run(spec);
  redirect.Restore();
  EXPECT_EQ(ReadAll(file), "streamed\nerr\n");
  EXPECT_EQ(o.output_tail, "streamed\nerr\n");
}

// The daemon's runs share one stdout: each line is labelled with its job,
// also a line the job wrote in pieces, and one without a final newline.
TEST_F(RealCommandRunnerTest, EachCopiedLineGetsTheLinePrefix) {
  std::string file = dir_.File("stdout");
  int fd = open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  StdoutAs redirect(fd);
  CommandSpec spec = Sh("echo one; printf 'tw'; sleep 0.1; printf 'o\\nthree'");
  spec.stream_output = true;
  spec.line_prefix = "[db] ";
  CommandOutcome o = runner_.Run(spec);
  redirect.Restore();
  EXPECT_EQ(ReadAll(file), "[db] one\n[db] two\n[db] three");
  EXPECT_EQ(o.output_tail, "one\ntwo\nthree") << "the record keeps the job's own output";
}

// Our stdout is a pipe nobody reads until the job has been stopped: the
// timeout still fires (before, the copy to stdout blocked and the job ran
// until the reader woke), and the output still arrives once it reads.
TEST_F(RealCommandRunnerTest, AStuckReaderOfOurStdoutDoesNotHoldUpTheTimeout) {
  const std::string pid_file = dir_.File("job.pid");
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  StdoutAs redirect(p[1]);
  std::string got;
  bool stopped_unread = false;
  std::thread reader([&] {
    // Broken, the runner waits for us: give up after 10 s and read.
    stopped_unread = WaitUntilReaped(pid_file);
    char buf[65536];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  });
  CommandSpec spec = Sh("echo $$ > " + pid_file +
                        "; head -c 300000 /dev/zero | tr '\\0' x; echo; echo END; sleep 30");
  spec.stream_output = true;
  spec.timeout = milliseconds(500);
  spec.kill_grace = milliseconds(500);
  CommandOutcome o = runner_.Run(spec);
  redirect.Restore();  // the reader sees EOF once no copy of the pipe is left
  reader.join();
  close(p[0]);
  EXPECT_EQ(o.kind, Kind::kTimedOut);
  EXPECT_TRUE(stopped_unread) << "the timeout waited for the reader";
  EXPECT_EQ(got.size(), 300000u + 5u) << "output lost";
  EXPECT_EQ(o.output_tail.substr(o.output_tail.size() - 5), "\nEND\n");
}

// Our stdout is a terminal nobody reads (a paused ssh session): a terminal
// reports room for any output at all, and a blocking write then waits for
// all of it. The timeout must still fire while nobody reads.
TEST_F(RealCommandRunnerTest, AStuckTerminalOnOurStdoutDoesNotHoldUpTheTimeout) {
  const std::string pid_file = dir_.File("job.pid");
  auto [master, slave] = OpenPty();
  ASSERT_GE(slave, 0);
  StdoutAs redirect(slave);
  size_t got = 0;
  std::atomic<bool> done{false};
  bool stopped_unread = false;
  std::thread reader([&] {
    stopped_unread = WaitUntilReaped(pid_file);  // broken: gives up after 10 s
    char buf[65536];
    pollfd pfd{master, POLLIN, 0};
    while (!done || poll(&pfd, 1, 0) > 0) {
      if (poll(&pfd, 1, 50) > 0) {
        ssize_t n = read(master, buf, sizeof buf);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
    }
  });
  CommandSpec spec =
      Sh("echo $$ > " + pid_file + "; head -c 2000000 /dev/zero | tr '\\0' x; sleep 30");
  spec.stream_output = true;
  spec.timeout = milliseconds(500);
  spec.kill_grace = milliseconds(500);
  CommandOutcome o = runner_.Run(spec);
  redirect.Restore();
  done = true;
  reader.join();
  close(master);
  EXPECT_EQ(o.kind, Kind::kTimedOut);
  EXPECT_TRUE(stopped_unread) << "the timeout waited for the terminal";
  EXPECT_GT(got, 0u);
}

// A reader a little slower than the job: what it has taken must not pile up
// in memory (before, every byte streamed stayed in the buffer).
TEST_F(RealCommandRunnerTest, StreamingToASlowReaderUsesBoundedMemory) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  StdoutAs redirect(p[1]);
  size_t got = 0;
  std::thread reader([&] {
    char buf[16384];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0) {
      got += static_cast<size_t>(n);
      std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
  });
  std::ofstream("/proc/self/clear_refs") << "5";  // resets VmHWM, the peak RSS
  auto peak_kib = [] {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return 0L;
  };
  const long before = peak_kib();
  CommandSpec spec = Sh("head -c 67108864 /dev/zero");
  spec.stream_output = true;
  CommandOutcome o = runner_.Run(spec);
  const long after = peak_kib();
  redirect.Restore();
  reader.join();
  close(p[0]);
  EXPECT_EQ(o.kind, Kind::kExited);
  EXPECT_EQ(got, 67108864u) << "output lost";
  EXPECT_LT(after - before, 16 * 1024) << "peak RSS grew by " << (after - before) << " KiB";
}

// A reader of our stdout that takes nothing holds the runner, once the job
// is gone, for the stall limit and no longer; the rest of the output is
// dropped from the copy, and the tail still has the end.
TEST_F(RealCommandRunnerTest, AStuckReaderIsGivenUpAfterTheStallLimit) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  StdoutAs redirect(p[1]);
  CommandSpec spec = Sh("head -c 300000 /dev/zero; echo the-end");
  spec.stream_output = true;
  spec.output_stall_limit = milliseconds(300);
  auto begin = std::chrono::steady_clock::now();
  CommandOutcome o = runner_.Run(spec);
  auto took = std::chrono::steady_clock::now() - begin;
  redirect.Restore();
  close(p[0]);
  EXPECT_EQ(o.kind, Kind::kExited);
  EXPECT_LT(took, std::chrono::seconds(20)) << "held for the default 30 s stall limit";
  EXPECT_NE(o.output_tail.find("the-end"), std::string::npos);
}

// A reader that keeps taking a little is given the rest for the drain limit
// in all, not for ever.
TEST_F(RealCommandRunnerTest, ASlowReaderIsGivenUpAfterTheDrainLimit) {
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  std::atomic<bool> done{false};
  std::thread reader([&] {
    char buf[512];
    while (!done) {
      if (read(p[0], buf, sizeof buf) <= 0) break;
      std::this_thread::sleep_for(milliseconds(20));
    }
  });
  StdoutAs redirect(p[1]);
  CommandSpec spec = Sh("head -c 900000 /dev/zero");  // less than waits for a reader: exits at once
  spec.stream_output = true;
  spec.output_drain_limit = milliseconds(500);
  auto begin = std::chrono::steady_clock::now();
  CommandOutcome o = runner_.Run(spec);
  auto took = std::chrono::steady_clock::now() - begin;
  redirect.Restore();
  done = true;
  close(p[0]);
  reader.join();
  EXPECT_EQ(o.kind, Kind::kExited);
  EXPECT_LT(took, std::chrono::seconds(20)) << "held for the default 5 min drain limit";
}

// The job sees its standard descriptors and the lock, nothing else of ours:
// no history journal, no signalfd, no pipe end of another run.
TEST_F(RealCommandRunnerTest, AJobGetsNoDescriptorBeyondStdioAndTheLock) {
  int lock = open(dir_.File("job.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  ASSERT_GE(lock, 0);
  int leaked = open("/dev/null", O_RDONLY);  // not close-on-exec: a library's leak
  ASSERT_GE(leaked, 0);
  CommandSpec spec = Sh("ls /proc/$$/fd");
  spec.inherit_fd = lock;
  CommandOutcome o = runner_.Run(spec);
  close(leaked);
  close(lock);
  ASSERT_EQ(o.kind, Kind::kExited) << o.output_tail;
  std::set<std::string> fds;
  std::istringstream in(o.output_tail);
  for (std::string fd; in >> fd;) fds.insert(fd);
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2", std::to_string(lock)})) << o.output_tail;
}

// A job stopped with SIGSTOP cannot act on SIGTERM: the timeout sends
// SIGCONT with it, so the job ends at SIGTERM instead of waiting for the
// SIGKILL at the end of kill_grace. (The timeout leaves the job ample time
// to stop itself first; a timeout before that would pass without testing.)
TEST_F(RealCommandRunnerTest, TheTimeoutWakesAStoppedJobSoItCanActOnSigterm) {
  CommandSpec spec = Sh("kill -STOP $$; sleep 30");
  spec.timeout = milliseconds(1000);
  spec.kill_grace = std::chrono::seconds(30);
  auto begin = std::chrono::steady_clock::now();
  CommandOutcome o = runner_.Run(spec);
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(o.kind, Kind::kTimedOut);
  EXPECT_EQ(o.signal, SIGTERM) << "needed SIGKILL: the stopped job never saw SIGTERM";
  EXPECT_LT(took, std::chrono::seconds(20));
}

// After the job is gone, a reader that does not read holds the runner about
// a second once it is told to stop (before: the stop was not seen, and the
// runner waited for the 30 s stall limit). It leaves StopRequested() clear.
TEST_F(RealCommandRunnerTest, AStopRequestCutsTheOutputDrainShort) {
  sigset_t old_mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &old_mask);
  ASSERT_TRUE(PrepareProcessForRunning().ok());
  ClearStopRequestForTesting();
  const std::string pid_file = dir_.File("job.pid");
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  StdoutAs redirect(p[1]);
  bool job_reaped = false;
  std::chrono::steady_clock::time_point stopped_at;
  std::thread killer([&] {
    // The stop comes once the job has ended and been reaped: the runner is
    // then only copying output.
    job_reaped = WaitUntilReaped(pid_file);
    stopped_at = std::chrono::steady_clock::now();
    ::kill(getpid(), SIGTERM);
  });
  // More than the pipe holds; exits at once.
  CommandSpec spec = Sh("echo $$ > " + pid_file + "; head -c 300000 /dev/zero");
  spec.stream_output = true;
  CommandOutcome o = runner_.Run(spec);
  auto ended_at = std::chrono::steady_clock::now();
  killer.join();
  redirect.Restore();
  close(p[0]);
  EXPECT_TRUE(job_reaped) << "the job did not end while nobody read its output";
  EXPECT_EQ(o.kind, Kind::kExited) << "the job had finished before the stop";
  auto took = ended_at - stopped_at;
  EXPECT_LT(took, seconds(10)) << "the drain ignored the stop request";
  // The product's own timer: the second starts when the runner sees the
  // stop, after we sent it (1 ms spare for its clock's microseconds).
  EXPECT_GE(took, milliseconds(999)) << "the drain gives the reader a second after the stop";
  EXPECT_TRUE(StopRequested());
  ClearStopRequestForTesting();
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  signal(SIGPIPE, SIG_DFL);
}

// Two unusual stdouts: a datagram socket (one message per send: a backlog
// sent at once would fail with EMSGSIZE) and a pseudo-terminal's master
// (opening it again would make a new terminal). Output reaches both.
TEST_F(RealCommandRunnerTest, OutputReachesADatagramSocketAndAPtyMaster) {
  {
    const std::string pid_file = dir_.File("job.pid");
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    StdoutAs redirect(sv[0]);
    size_t got = 0;
    std::atomic<bool> done{false};
    std::thread reader([&] {
      // A backlog builds up: the job writes all of its output (less than
      // the runner holds for a slow reader) and ends before we read.
      (void)WaitUntilReaped(pid_file);
      char buf[65536];
      pollfd pfd{sv[1], POLLIN, 0};
      // Until Run() has returned (it has then sent everything) and nothing
      // is left to read.
      while (true) {
        const bool last = done;
        if (poll(&pfd, 1, 50) > 0) {
          ssize_t n = recv(sv[1], buf, sizeof buf, 0);
          if (n <= 0) break;
          got += static_cast<size_t>(n);
        } else if (last) {
          break;
        }
      }
    });
    CommandSpec spec = Sh("echo $$ > " + pid_file + "; head -c 1000000 /dev/zero");
    spec.stream_output = true;
    CommandOutcome o = runner_.Run(spec);
    redirect.Restore();
    done = true;
    reader.join();
    close(sv[1]);
    EXPECT_EQ(o.kind, Kind::kExited);
    EXPECT_EQ(got, 1000000u) << "output lost on a datagram socket";
  }
  {
    auto [master, slave] = OpenPty();
    ASSERT_GE(slave, 0);
    StdoutAs redirect(dup(master));
    CommandSpec spec = Sh("echo hello");
    spec.stream_output = true;
    CommandOutcome o = runner_.Run(spec);
    redirect.Restore();
    char buf[64] = {};
    pollfd pfd{slave, POLLIN, 0};
    ssize_t n = poll(&pfd, 1, 10000) > 0 ? read(slave, buf, sizeof buf - 1) : -1;
    close(slave);
    close(master);
    EXPECT_EQ(o.kind, Kind::kExited);
    EXPECT_EQ(std::string(buf, n > 0 ? static_cast<size_t>(n) : 0).substr(0, 5), "hello");
  }
}

// already_done_output may be printed first and followed by more than the
// tail keeps (and split across reads): the whole stream is watched.
TEST_F(RealCommandRunnerTest, WatchedTextIsFoundAnywhereInTheOutput) {
  CommandSpec spec =
      Sh("printf 'already '; sleep 0.1; printf 'exists\\n'; "
         "head -c 200000 /dev/zero | tr '\\0' y; echo; exit 1");
  spec.watch_for = "already exists";
  CommandOutcome o = runner_.Run(spec);
  EXPECT_TRUE(o.saw_watched);
  EXPECT_EQ(o.output_tail.find("already"), std::string::npos) << "the tail still has it";
  spec.watch_for = "not there";
  EXPECT_FALSE(runner_.Run(spec).saw_watched);
}

// The timeouts of the tests below leave the job ample time to set itself up
// (start its children, ignore SIGTERM) before they fire; the pid files they
// write after that say it did, so a late start fails instead of passing as
// "nothing survived".
TEST_F(RealCommandRunnerTest, TimeoutKillsTheWholeTree) {
  std::string pids = dir_.File("pids");
  CommandSpec spec =
      Sh("sleep 30 & echo $! >> " + pids + "; sleep 30 & echo $! >> " + pids + "; wait");
  spec.timeout = milliseconds(1000);
  auto begin = std::chrono::steady_clock::now();
  CommandOutcome o = runner_.Run(spec);
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(o.kind, Kind::kTimedOut);
  EXPECT_EQ(o.signal, SIGTERM);
  EXPECT_GE(o.duration, milliseconds(1000));
  EXPECT_LT(took, seconds(20)) << "the tree's sleep 30 ran out instead";
  std::vector<pid_t> tree = ReadPids(pids);
  ASSERT_EQ(tree.size(), 2u) << "the job had not started its children by the timeout";
  for (pid_t pid : tree) EXPECT_TRUE(Gone(pid)) << pid;
  EXPECT_TRUE(Gone(o.pid));
}

TEST_F(RealCommandRunnerTest, ChildIgnoringSigtermIsKilledAfterTheGrace) {
  std::string pids = dir_.File("pids");
  CommandSpec spec = Sh("trap '' TERM; sleep 30 & echo $! > " + pids + "; wait");
  spec.timeout = milliseconds(1000);
  spec.kill_grace = milliseconds(200);
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kTimedOut);
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_GE(o.duration, milliseconds(1200)) << "killed before timeout + kill_grace";
  EXPECT_LT(o.duration, seconds(20)) << "the child's sleep 30 ran out instead";
  std::vector<pid_t> child = ReadPids(pids);
  ASSERT_EQ(child.size(), 1u) << "the job had not ignored SIGTERM by the timeout";
  EXPECT_TRUE(Gone(child[0])) << child[0];
}

// With no grace, SIGKILL follows SIGTERM at once: a job ignoring SIGTERM
// is not left to its sleep 30 (nor to a default grace).
TEST_F(RealCommandRunnerTest, ZeroGraceKillsRightAfterSigterm) {
  std::string ready = dir_.File("ready");
  CommandSpec spec = Sh("trap '' TERM; : > " + ready + "; sleep 30");
  spec.timeout = milliseconds(1000);
  spec.kill_grace = Micros{0};
  CommandOutcome o = runner_.Run(spec);
  ASSERT_TRUE(std::ifstream(ready).good()) << "the job had not ignored SIGTERM by the timeout";
  EXPECT_EQ(o.kind, Kind::kTimedOut);
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_LT(o.duration, seconds(10));
}

TEST_F(RealCommandRunnerTest, GrandchildEscapingWithSetsidIsKilledAndReaped) {
  std::string pid_file = dir_.File("pid");
  CommandSpec spec = Sh("setsid sleep 30 & echo $! > " + pid_file + "; exit 0");
  auto begin = std::chrono::steady_clock::now();
  CommandOutcome o = runner_.Run(spec);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, seconds(20)) << "waited for the escapee";
  EXPECT_EQ(o.kind, Kind::kExited);  // leftovers do not change the outcome
  EXPECT_EQ(o.exit_code, 0);
  std::vector<pid_t> pids = ReadPids(pid_file);
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_TRUE(Gone(pids[0]));
}

TEST_F(RealCommandRunnerTest, DoubleForkedDaemonIsKilledAndReaped) {
  std::string pid_file = dir_.File("pid");
  CommandSpec spec = Sh("(sleep 30 & echo $! > " + pid_file + "); exit 5");
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kExited);
  EXPECT_EQ(o.exit_code, 5);
  std::vector<pid_t> pids = ReadPids(pid_file);
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_TRUE(Gone(pids[0]));
}

TEST_F(RealCommandRunnerTest, LeftoverIgnoringSigtermIsKilledAfterTheGrace) {
  std::string pid_file = dir_.File("pid");
  // The leftover writes its pid once it ignores SIGTERM; the main child
  // waits for that, so the SIGTERM cannot arrive before the trap.
  CommandSpec spec =
      Sh("sh -c 'trap \"\" TERM; echo $$ > " + pid_file + "; exec sleep 30' & while [ ! -s " +
         pid_file + " ]; do sleep 0.01; done; exit 0");
  spec.kill_grace = milliseconds(200);
  auto begin = std::chrono::steady_clock::now();
  CommandOutcome o = runner_.Run(spec);
  auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(o.kind, Kind::kExited);
  EXPECT_GE(took, milliseconds(200)) << "killed before kill_grace";
  EXPECT_LT(took, seconds(20)) << "waited for the leftover's sleep 30";
  std::vector<pid_t> pids = ReadPids(pid_file);
  ASSERT_EQ(pids.size(), 1u);
  EXPECT_TRUE(Gone(pids[0]));
}

TEST_F(RealCommandRunnerTest, RunsAsAnotherUserWhenRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root";
  CommandSpec spec = Sh("id -u; id -g; id -G");
  spec.uid = 65534;
  spec.gid = 65534;
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kExited);
  EXPECT_EQ(o.output_tail, "65534\n65534\n65534\n");
}

TEST_F(RealCommandRunnerTest, ChildStartsWithEmptyMaskAndDefaultDispositions) {
  // Make our own state dirty: SIGPIPE ignored, SIGUSR1 blocked.
  sigset_t usr1, old_mask;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &usr1, &old_mask);
  auto old_pipe = signal(SIGPIPE, SIG_IGN);
  CommandSpec spec = Sh("");
  spec.argv = {"grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status"};  // grep's own state
  CommandOutcome o = runner_.Run(spec);
  signal(SIGPIPE, old_pipe);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  EXPECT_EQ(o.output_tail, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

// The SIGTERM comes once the job runs. It latches StopRequested(), cleared
// at the end.
TEST_F(RealCommandRunnerTest, SigtermToUsInterruptsTheRun) {
  sigset_t old_mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &old_mask);
  ASSERT_TRUE(PrepareProcessForRunning().ok());  // blocks SIGTERM before the thread starts
  const std::string pid_file = dir_.File("job.pid");
  bool job_ran = false;
  std::thread killer([&] {
    job_ran = WaitForPidFile(pid_file).has_value();  // else stop it anyway
    ::kill(getpid(), SIGTERM);
  });
  CommandSpec spec = Sh("echo $$ > " + pid_file + "; exec sleep 30");
  auto begin = std::chrono::steady_clock::now();
  CommandOutcome o = runner_.Run(spec);
  auto took = std::chrono::steady_clock::now() - begin;
  killer.join();
  EXPECT_TRUE(job_ran) << "the job never started";
  EXPECT_EQ(o.kind, Kind::kInterrupted);
  EXPECT_EQ(o.signal, SIGTERM);
  EXPECT_TRUE(StopRequested());
  EXPECT_LT(took, seconds(20)) << "the job's sleep 30 ran out instead";
  EXPECT_TRUE(Gone(o.pid));
  // Leave the rest of the binary as it was (the SIGTERM has been consumed,
  // the stop request it latched is cleared).
  ClearStopRequestForTesting();
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  signal(SIGPIPE, SIG_DFL);
}

// A SIGTERM that came while no command ran stays pending (it is blocked):
// StopRequested() takes it off the queue, and a command that must not start
// after a stop request does not start.
TEST_F(RealCommandRunnerTest, APendingStopRequestIsTakenAndTheCommandNeverStarts) {
  sigset_t old_mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &old_mask);
  ASSERT_TRUE(PrepareProcessForRunning().ok());
  ClearStopRequestForTesting();
  EXPECT_FALSE(StopRequested());
  ::kill(getpid(), SIGTERM);  // blocked: pending until someone takes it
  TempDir dir;
  CommandSpec spec = Sh("touch " + dir.File("ran"));
  spec.not_if_stopped = true;
  CommandOutcome o = runner_.Run(spec);
  EXPECT_EQ(o.kind, Kind::kInterrupted);
  EXPECT_FALSE(o.started);
  EXPECT_EQ(o.pid, 0);
  EXPECT_FALSE(std::ifstream(dir.File("ran")).good()) << "the command ran after the stop request";
  EXPECT_TRUE(StopRequested());
  sigset_t pending;
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGTERM), 0) << "the SIGTERM is still queued";

  // A SIGINT is a stop request too, taken by StopRequested() alone.
  ClearStopRequestForTesting();
  ::kill(getpid(), SIGINT);
  EXPECT_TRUE(StopRequested());
  sigpending(&pending);
  EXPECT_EQ(sigismember(&pending, SIGINT), 0);
  ClearStopRequestForTesting();
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  signal(SIGPIPE, SIG_DFL);
}

// The first SIGINT makes the runner send SIGTERM, which the job's shell
// notes in `termed` and its child ignores; the second comes after that,
// during the 60 s grace, and must end the run with SIGKILL at once. (Sent
// without waiting, the two could merge into one pending signal.)
TEST_F(RealCommandRunnerTest, SecondStopSignalSkipsTheGrace) {
  sigset_t old_mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &old_mask);
  ASSERT_TRUE(PrepareProcessForRunning().ok());
  const std::string ready = dir_.File("ready"), pid_file = dir_.File("job.pid"),
                    termed = dir_.File("termed");
  bool job_ran = false, first_seen = false;
  std::thread killer([&] {
    job_ran = WaitForPidFile(pid_file).has_value();
    ::kill(getpid(), SIGINT);
    first_seen = WaitForFile(termed);
    ::kill(getpid(), SIGINT);
  });
  // The child ignores SIGTERM before the shell writes its pid; the shell's
  // `wait` returns on the trapped SIGTERM, and it waits again.
  CommandSpec spec = Sh("(trap '' TERM; : > " + ready + "; exec sleep 30) & while [ ! -e " + ready +
                        " ]; do sleep 0.01; done; trap ': > " + termed + "' TERM; echo $$ > " +
                        pid_file + "; wait; wait");
  spec.kill_grace = seconds(60);
  auto begin = std::chrono::steady_clock::now();
  CommandOutcome o = runner_.Run(spec);
  auto took = std::chrono::steady_clock::now() - begin;
  killer.join();
  EXPECT_TRUE(job_ran) << "the job never started";
  EXPECT_TRUE(first_seen) << "the job never got the SIGTERM of the first stop signal";
  EXPECT_EQ(o.kind, Kind::kInterrupted);
  EXPECT_EQ(o.signal, SIGKILL);
  EXPECT_LT(took, seconds(20)) << "the second stop signal waited for the grace";
  ClearStopRequestForTesting();
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  signal(SIGPIPE, SIG_DFL);
}

TEST(SignalNameTest, NamesWithoutSig) {
  EXPECT_EQ(SignalName(SIGTERM), "TERM");
  EXPECT_EQ(SignalName(SIGKILL), "KILL");
  EXPECT_EQ(SignalName(SIGIO), "IO");
  EXPECT_EQ(SignalName(SIGRTMIN + 2), "RTMIN+2");
  EXPECT_EQ(SignalName(SIGRTMIN), "RTMIN+0");
  EXPECT_EQ(SignalName(32), "32");  // reserved by glibc, no name
  EXPECT_EQ(SignalName(200), "200");
}

TEST(SignalNameTest, ParsesNamesCaseSensitively) {
  struct Case {
    const char* text;
    int sig;
  };
  const Case cases[] = {
      {"SIGTERM", SIGTERM},
      {"TERM", SIGTERM},
      {"KILL", SIGKILL},
      {"SIGHUP", SIGHUP},
      {"SIGRTMIN+2", SIGRTMIN + 2},
      {"RTMIN+3", SIGRTMIN + 3},
      {"RTMIN", SIGRTMIN},
      {"RTMAX", SIGRTMAX},
      {"SIGRTMAX-1", SIGRTMAX - 1},
      {"sigterm", 0},
      {"term", 0},
      {"Term", 0},
      {"9", 0},
      {"SIG", 0},
      {"", 0},
      {"SIGSIGTERM", 0},
      {"RTMIN+", 0},
      {"RTMIN+99", 0},
      {"RTMIN-1", 0},
      {"RTMIN+ 1", 0},
      {"TERM ", 0},
  };
  for (const Case& c : cases) EXPECT_EQ(SignalFromName(c.text), c.sig) << c.text;
  for (int sig = 1; sig <= SIGRTMAX; ++sig) {
    if (sig == 32 || sig == 33) continue;
    EXPECT_EQ(SignalFromName(SignalName(sig)), sig) << sig;
  }
}

}  // namespace
}  // namespace surety
