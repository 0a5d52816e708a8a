// End-to-end tests of how `surety run` stops, through the real binary with
// real processes and a few seconds of real time: a stop request (SIGTERM)
// at every stage of the pipeline ends the run as `interrupted` and never
// starts the job, a runner killed with SIGKILL takes its job down with it,
// and whatever of the job survives still holds the job's lock.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "job_file_fixture.h"
#include "test_util.h"

namespace surety {
namespace {

namespace fs = std::filesystem;
using testing_util::Shell;
using testing_util::ShellQuote;

class RunStopE2E : public testing_util::JobFileFixture {
 protected:
  // Waits (up to 5 s) until `path` exists.
  bool WaitForFile(const std::string& path) {
    for (int i = 0; i < 500; ++i) {
      if (fs::exists(path)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  int PidIn(const std::string& path) {
    std::ifstream in(path);
    int pid = 0;
    in >> pid;
    return pid;
  }
  // Waits (up to 5 s) until process `pid` is gone. An earlier test may have
  // made this process a child subreaper: orphans then become our zombies,
  // which are reaped here and count as gone.
  static bool Exists(int pid) {
    (void)waitpid(pid, nullptr, WNOHANG);  // ECHILD unless it was re-parented to us
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!std::getline(stat, text)) return false;
    size_t paren = text.rfind(')');
    return paren != std::string::npos && paren + 2 < text.size() && text[paren + 2] != 'Z';
  }
  bool Gone(int pid) {
    for (int i = 0; i < 500; ++i) {
      if (pid <= 0 || !Exists(pid)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  // SIGTERM to the runner `pid`; returns its exit status (-1 if signalled).
  int TermAndWait(pid_t pid) {
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

TEST_F(RunStopE2E, SigtermDuringAPreflightCommandNeverStartsTheJob) {
  WriteConfig("[jobs.pf]\ncommand = \"touch " + dir_ + "/ran\"\n[jobs.pf.preflight]\n" +
              "command = [\"sh\", \"-c\", \"touch " + dir_ + "/checking; sleep 3\"]\n" +
              "wait = \"30s\"\n");
  pid_t runner = StartRun("pf");
  ASSERT_TRUE(WaitForFile(dir_ + "/checking"));
  EXPECT_EQ(TermAndWait(runner), 6);
  EXPECT_FALSE(fs::exists(dir_ + "/ran")) << "the job ran after it was told to stop";
  EXPECT_EQ(History("pf")[0]["result"], "interrupted");
}

TEST_F(RunStopE2E, SigtermWhileWaitingForThePreviousRunNeverStartsTheJob) {
  WriteConfig("[jobs.hold]\ncommand = \"touch " + dir_ + "/started-$SURETY_RUN_ID; sleep 3\"\n" +
              "overlap = \"wait\"\nlock_wait = \"20s\"\n");
  pid_t first = StartRun("hold");
  ASSERT_TRUE(WaitForFile(dir_ + "/started-1"));
  pid_t second = StartRun("hold");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(TermAndWait(second), 6);
  EXPECT_FALSE(fs::exists(dir_ + "/started-2")) << "the waiting run started its job";
  EXPECT_EQ(TermAndWait(first), 6);
  auto h = History("hold");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["result"], "interrupted");
  EXPECT_NE(h[0]["message"].get<std::string>().find("waiting for the previous run"),
            std::string::npos)
      << h[0]["message"];
}

TEST_F(RunStopE2E, SigtermDuringTheVerifyCommandIsInterruptedNotVerifyFailed) {
  WriteConfig("[jobs.ver]\ncommand = [\"touch\", \"" + dir_ + "/artifact\"]\n[jobs.ver.verify]\n" +
              "path = \"" + dir_ + "/artifact\"\ncommand = [\"sh\", \"-c\", \"touch " + dir_ +
              "/verifying; sleep 3\"]\n");
  pid_t runner = StartRun("ver");
  ASSERT_TRUE(WaitForFile(dir_ + "/verifying"));
  EXPECT_EQ(TermAndWait(runner), 6);
  EXPECT_EQ(History("ver")[0]["result"], "interrupted");
}

TEST_F(RunStopE2E, KilledRunnerTakesItsJobDownWithIt) {
  WriteConfig("[jobs.long]\ncommand = \"echo $$ > " + dir_ + "/job.pid; exec sleep 30\"\n");
  pid_t runner = StartRun("long");
  ASSERT_TRUE(WaitForFile(dir_ + "/job.pid"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const int job = PidIn(dir_ + "/job.pid");
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  EXPECT_TRUE(Gone(job)) << "the job outlived its runner";
}

TEST_F(RunStopE2E, SurvivorsOfAKilledRunnerStillHoldTheJobLock) {
  // The shell dies with the runner; its background child does not, and the
  // next run must not overlap it.
  WriteConfig("[jobs.bg]\ncommand = \"sleep 2 & echo $! > " + dir_ + "/bg.pid; wait\"\n");
  pid_t runner = StartRun("bg");
  ASSERT_TRUE(WaitForFile(dir_ + "/bg.pid"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const int survivor = PidIn(dir_ + "/bg.pid");
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  ASSERT_TRUE(Exists(survivor)) << "the background child should still be running";
  auto next = Surety("run bg");
  EXPECT_EQ(next.rc, 75) << next.out;
  ASSERT_TRUE(Gone(survivor));
  fs::remove(dir_ + "/bg.pid");
  auto after = Surety("run bg");
  EXPECT_EQ(after.rc, 0) << after.out;
}

TEST_F(RunStopE2E, AKilledRunnersFailureIsAlertedOnceByTheNextRun) {
  WriteConfig("[alerts.log]\nkind = \"exec\"\ncommand = \"echo $SURETY_EVENT $SURETY_RUN_ID >> " +
              dir_ + "/alerts\"\n[jobs.j]\ncommand = \"test -e " + dir_ +
              "/second && exit 0; echo $$ > " + dir_ + "/job.pid; exec sleep 30\"\n" +
              "alert = [\"log\"]\n");
  pid_t runner = StartRun("j");
  ASSERT_TRUE(WaitForFile(dir_ + "/job.pid"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  ASSERT_TRUE(Gone(PidIn(dir_ + "/job.pid")));
  std::ofstream(dir_ + "/second") << "";
  auto second = Surety("run j");
  EXPECT_EQ(second.rc, 0) << second.out;
  auto third = Surety("run j");
  EXPECT_EQ(third.rc, 0) << third.out;
  EXPECT_EQ(Shell("cat " + ShellQuote(dir_ + "/alerts")).out, "failure 1\nrecovery 2\n");
  auto h = History("j");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[2]["result"], "interrupted");
}

// An HTTP server on 127.0.0.1 that answers every request with 200, the
// first one only after `delay` (WaitForRequest() tells when it has come).
class SlowHttpServer {
 public:
  // `on_first` runs when the first request arrives, before the delay.
  explicit SlowHttpServer(std::chrono::milliseconds delay, std::function<void()> on_first = {})
      : delay_(delay), on_first_(std::move(on_first)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (bool first = true;; first = false) {
        int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (c < 0) return;
        if (first) {
          if (on_first_) on_first_();
          accepted_ = true;
          std::this_thread::sleep_for(delay_);
        }
        Answer(c);
      }
    });
  }
  ~SlowHttpServer() {
    ::shutdown(fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    ::close(fd_);
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  bool WaitForRequest() {
    for (int i = 0; i < 500 && !accepted_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return accepted_;
  }

 private:
  // Reads the whole request (headers, then Content-Length bytes: closing
  // with unread data would reset the connection) and answers 200.
  static void Answer(int c) {
    std::string req;
    char buf[8192];
    while (true) {
      size_t end = req.find("\r\n\r\n");
      if (end != std::string::npos) {
        size_t cl = req.find("Content-Length: ");
        size_t want = cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
        if (req.size() >= end + 4 + want) break;
      }
      ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
    }
    const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)::send(c, reply, sizeof reply - 1, MSG_NOSIGNAL);
    ::close(c);
  }

  std::chrono::milliseconds delay_;
  std::function<void()> on_first_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> accepted_{false};
  std::thread thread_;
};

// A SIGTERM that arrives while the runner runs no command (here: while it
// waits for the run journal's lock to record the start) waits in the queue;
// the job must not start, only to be killed.
TEST_F(RunStopE2E, SigtermWhileNoCommandRunsNeverStartsTheJob) {
  WriteConfig("[jobs.j]\ncommand = \"touch " + dir_ + "/ran-$SURETY_RUN_ID\"\n");
  ASSERT_EQ(Surety("run j").rc, 0);  // creates the journal
  int holder = ::open((dir_ + "/state/history.journal").c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(holder, 0);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);
  pid_t runner = StartRun("j");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // it waits for the lock
  kill(runner, SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ::close(holder);  // the start is recorded, then the stop is seen
  int status = 0;
  waitpid(runner, &status, 0);
  EXPECT_EQ(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 6);
  EXPECT_FALSE(fs::exists(dir_ + "/ran-2")) << "the job started after the stop request";
  auto h = History("j");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["result"], "interrupted");
  EXPECT_EQ(h[0]["message"], "stopped before the command started");
}

// Telling about a run whose runner was killed takes as long as the alert
// does (here 1.5 s): it comes after the next run's job, never before it.
TEST_F(RunStopE2E, ADeadRunIsToldAfterTheNextRunsJob) {
  std::atomic<bool> job_had_run{false};
  SlowHttpServer hook(std::chrono::milliseconds(1500),
                      [&] { job_had_run = fs::exists(dir_ + "/ran"); });
  WriteConfig("[alerts.hook]\nkind = \"webhook\"\nurl = \"" + hook.Url() +
              "\"\n[jobs.j]\ncommand = \"test -e " + dir_ + "/second && touch " + dir_ +
              "/ran && exit 0; echo $$ > " + dir_ + "/job.pid; exec sleep 30\"\n" +
              "alert = [\"hook\"]\n");
  pid_t first = StartRun("j");
  ASSERT_TRUE(WaitForFile(dir_ + "/job.pid"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  kill(first, SIGKILL);
  waitpid(first, nullptr, 0);
  ASSERT_TRUE(Gone(PidIn(dir_ + "/job.pid")));
  std::ofstream(dir_ + "/second") << "";
  auto second = Surety("run j");
  EXPECT_EQ(second.rc, 0) << second.out;
  ASSERT_TRUE(hook.WaitForRequest()) << "the dead run was not told";
  EXPECT_TRUE(job_had_run) << "the dead run was told before the job ran";
  auto h = History("j");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["result"], "success");
  EXPECT_EQ(h[1]["result"], "interrupted");
  EXPECT_NE(h[1]["alert_status"].get<std::string>().find("sent"), std::string::npos) << h.dump();
}

TEST_F(RunStopE2E, TimedOutJobThatExitsOnSigtermKeepsItsExitStatus) {
  WriteConfig("[jobs.to]\ncommand = \"trap 'exit 0' TERM; sleep 30 & wait\"\n" +
              std::string("timeout = \"500ms\"\n"));
  auto r = Surety("run to");
  EXPECT_EQ(r.rc, 5) << r.out;
  auto h = History("to");
  EXPECT_EQ(h[0]["result"], "timeout");
  EXPECT_EQ(h[0]["exit_code"], 0);
  EXPECT_NE(h[0]["message"].get<std::string>().find("exited with status 0"), std::string::npos)
      << h[0]["message"];
}

}  // namespace
}  // namespace surety
