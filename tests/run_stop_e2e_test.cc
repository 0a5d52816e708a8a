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
#include <optional>
#include <string>
#include <thread>

#include "job_file_fixture.h"
#include "test_util.h"

namespace surety {
namespace {

namespace fs = std::filesystem;
using testing_util::ProcessRunning;
using testing_util::Shell;
using testing_util::ShellQuote;
using testing_util::WaitFor;
using testing_util::WaitForFile;
using testing_util::WaitForPidFile;

class RunStopE2E : public testing_util::JobFileFixture {
 protected:
  // Waits (up to 10 s) until the job process `pid` (never a runner: see
  // WaitRun) has stopped running. An earlier test may have made this
  // process a child subreaper: an orphan then becomes our zombie, reaped
  // here.
  static bool Gone(pid_t pid) {
    return WaitFor([&] {
      (void)waitpid(pid, nullptr, WNOHANG);  // ECHILD unless it was re-parented to us
      return !ProcessRunning(pid);
    });
  }
  // SIGTERM to the runner `pid`; returns its exit status (-1 if signalled).
  int TermAndWait(pid_t pid) {
    kill(pid, SIGTERM);
    return WaitRun(pid);
  }
  // True if process `pid` runs surety (it has exec'd: between fork and exec
  // it is a copy of this test, with our descriptors) and has `path` open.
  static bool SuretyHasOpen(pid_t pid, const std::string& path) {
    const std::string proc = "/proc/" + std::to_string(pid);
    std::error_code ec;
    if (fs::read_symlink(proc + "/exe", ec) != fs::canonical(SURETY_BINARY)) return false;
    for (const auto& fd : fs::directory_iterator(proc + "/fd", ec)) {
      std::error_code link_ec;
      if (fs::read_symlink(fd.path(), link_ec) == path) return true;
    }
    return false;
  }
};

TEST_F(RunStopE2E, SigtermDuringAPreflightCommandNeverStartsTheJob) {
  WriteConfig("[jobs.pf]\ncommand = \"touch " + dir_ + "/ran\"\n[jobs.pf.preflight]\n" +
              "command = [\"sh\", \"-c\", \"touch " + dir_ + "/checking; sleep 30\"]\n" +
              "wait = \"30s\"\n");
  pid_t runner = StartRun("pf");
  ASSERT_GT(runner, 0);
  ASSERT_TRUE(WaitForFile(dir_ + "/checking")) << "the preflight command never ran";
  EXPECT_EQ(TermAndWait(runner), 6);
  EXPECT_FALSE(fs::exists(dir_ + "/ran")) << "the job ran after it was told to stop";
  EXPECT_EQ(History("pf")[0]["result"], "interrupted");
}

// The second run has recorded its start (its run_started log line) and
// blocks SIGTERM from its first instruction on; with the job's lock held it
// can only be on its way to the lock wait or in it when the SIGTERM comes.
TEST_F(RunStopE2E, SigtermWhileWaitingForThePreviousRunNeverStartsTheJob) {
  WriteConfig("[jobs.hold]\ncommand = \"touch " + dir_ + "/started-$SURETY_RUN_ID; sleep 30\"\n" +
              "overlap = \"wait\"\nlock_wait = \"20s\"\n");
  pid_t first = StartRun("hold");
  ASSERT_GT(first, 0);
  ASSERT_TRUE(WaitForFile(dir_ + "/started-1")) << "the first run's job never started";
  const std::string log = dir_ + "/second.log";
  pid_t second = StartRun("hold", log);
  ASSERT_GT(second, 0);
  ASSERT_TRUE(WaitFor([&] {
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);)
      if (line.find("event=run_started") != std::string::npos &&
          line.find("run_id=2") != std::string::npos)
        return true;
    return false;
  })) << "the second run never recorded its start";
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
              "/verifying; sleep 30\"]\n");
  pid_t runner = StartRun("ver");
  ASSERT_GT(runner, 0);
  ASSERT_TRUE(WaitForFile(dir_ + "/verifying")) << "the verify command never ran";
  EXPECT_EQ(TermAndWait(runner), 6);
  EXPECT_EQ(History("ver")[0]["result"], "interrupted");
}

TEST_F(RunStopE2E, KilledRunnerTakesItsJobDownWithIt) {
  WriteConfig("[jobs.long]\ncommand = \"echo $$ > " + dir_ + "/job.pid; exec sleep 30\"\n");
  pid_t runner = StartRun("long");
  ASSERT_GT(runner, 0);
  std::optional<pid_t> job = WaitForPidFile(dir_ + "/job.pid");
  ASSERT_TRUE(job.has_value()) << "the job never started";
  kill(runner, SIGKILL);
  EXPECT_EQ(WaitRun(runner), -1);
  EXPECT_TRUE(Gone(*job)) << "the job outlived its runner";
}

TEST_F(RunStopE2E, SurvivorsOfAKilledRunnerStillHoldTheJobLock) {
  // The shell dies with the runner; its background child does not (it runs
  // until the test creates `release`), and the next run must not overlap it.
  WriteConfig("[jobs.bg]\ncommand = \"(i=0; while [ ! -e " + dir_ +
              "/release ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done) & echo $! > " + dir_ +
              "/bg.pid; wait\"\n");
  pid_t runner = StartRun("bg");
  ASSERT_GT(runner, 0);
  std::optional<pid_t> survivor = WaitForPidFile(dir_ + "/bg.pid");
  ASSERT_TRUE(survivor.has_value()) << "the job never started its background child";
  kill(runner, SIGKILL);
  EXPECT_EQ(WaitRun(runner), -1);
  ASSERT_TRUE(ProcessRunning(*survivor)) << "the background child should still be running";
  EXPECT_TRUE(JobLockHeld("bg")) << "the survivor does not hold the job's lock";
  auto next = Surety("run bg");
  EXPECT_EQ(next.rc, 75) << next.out;
  std::ofstream(dir_ + "/release") << "";
  ASSERT_TRUE(Gone(*survivor));
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
  ASSERT_GT(runner, 0);
  std::optional<pid_t> job = WaitForPidFile(dir_ + "/job.pid");
  ASSERT_TRUE(job.has_value()) << "the job never started";
  kill(runner, SIGKILL);
  EXPECT_EQ(WaitRun(runner), -1);
  ASSERT_TRUE(Gone(*job)) << "the job outlived its runner";
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
  const std::string journal = dir_ + "/state/history.journal";
  int holder = ::open(journal.c_str(), O_RDWR | O_CLOEXEC);
  ASSERT_GE(holder, 0);
  ASSERT_EQ(::flock(holder, LOCK_EX), 0);
  pid_t runner = StartRun("j");
  ASSERT_GT(runner, 0);
  // Once it has the journal open it blocks SIGTERM (from its first
  // instruction on) and cannot record its start while we hold the lock.
  EXPECT_TRUE(WaitFor([&] { return SuretyHasOpen(runner, journal); }))
      << "the runner never opened the journal";
  kill(runner, SIGTERM);  // pending in the runner once kill() returns
  ::close(holder);        // the start is recorded, then the stop is seen
  EXPECT_EQ(WaitRun(runner), 6);
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
  ASSERT_GT(first, 0);
  std::optional<pid_t> job = WaitForPidFile(dir_ + "/job.pid");
  ASSERT_TRUE(job.has_value()) << "the job never started";
  kill(first, SIGKILL);
  EXPECT_EQ(WaitRun(first), -1);
  ASSERT_TRUE(Gone(*job)) << "the job outlived its runner";
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

// `trapped` is written once the job has its trap: without it the timeout
// came first and the job died of SIGTERM, which is another test.
TEST_F(RunStopE2E, TimedOutJobThatExitsOnSigtermKeepsItsExitStatus) {
  WriteConfig("[jobs.to]\ncommand = \"trap 'exit 0' TERM; : > " + dir_ +
              "/trapped; sleep 30 & wait\"\ntimeout = \"1s\"\n");
  auto r = Surety("run to");
  EXPECT_EQ(r.rc, 5) << r.out;
  ASSERT_TRUE(fs::exists(dir_ + "/trapped")) << "the timeout came before the job's trap\n" << r.out;
  auto h = History("to");
  EXPECT_EQ(h[0]["result"], "timeout");
  EXPECT_EQ(h[0]["exit_code"], 0);
  EXPECT_NE(h[0]["message"].get<std::string>().find("exited with status 0"), std::string::npos)
      << h[0]["message"];
}

}  // namespace
}  // namespace surety
