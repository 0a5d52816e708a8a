// End-to-end tests of `surety run` / `surety history` through the real
// binary, with real processes, real time (a few seconds at most) and a real
// SQLite history in a temporary state directory: every result of the design's
// table is reached for real.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "test_util.h"

namespace surety {
namespace {

namespace fs = std::filesystem;
using testing_util::Shell;
using testing_util::ShellQuote;

class RunE2E : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/surety-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl);
    config_ = dir_ + "/surety.toml";
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteConfig(const std::string& jobs) {
    std::ofstream(config_) << "[settings]\nstate_dir = \"" << dir_ << "/state\"\n" << jobs;
  }
  // `surety --config JOBFILE ARGS` as a shell command line.
  std::string Line(const std::string& args) {
    return std::string(SURETY_BINARY) + " --config " + ShellQuote(config_) + " " + args;
  }
  // Runs `surety ARGS` with the test's job file; stdout+stderr captured.
  testing_util::CliResult Surety(const std::string& args) { return Shell(Line(args) + " 2>&1"); }
  nlohmann::json History(const std::string& job) {
    return nlohmann::json::parse(Shell(Line("history " + job + " --json") + " 2>/dev/null").out);
  }
  // Starts `surety run JOB` in the background; returns its pid.
  pid_t StartRun(const char* job) {
    pid_t pid = fork();
    if (pid == 0) {
      execl(SURETY_BINARY, SURETY_BINARY, "--config", config_.c_str(), "run", job,
            static_cast<char*>(nullptr));
      _exit(127);
    }
    return pid;
  }
  bool Alive(const std::string& pid_file) {
    std::ifstream in(pid_file);
    int pid = 0;
    if (!(in >> pid) || pid <= 0) return false;
    return kill(pid, 0) == 0;
  }

  std::string dir_, config_;
};

TEST_F(RunE2E, EveryResultOfTheDesignTableIsReached) {
  WriteConfig(R"(
[jobs.ok]
command = ["true"]
[jobs.warn]
command = "exit 1"
warning_exit_status = [1]
[jobs.done]
command = "echo 'backup already exists'; exit 1"
already_done_output = "already exists"
[jobs.bad]
command = "echo failing >&2; exit 7"
[jobs.pre]
command = ["true"]
[jobs.pre.preflight]
files = ["/nonexistent/creds"]
[jobs.ver]
command = ["true"]
[jobs.ver.verify]
path = "/nonexistent/artifact-%Y"
)");
  struct Case {
    const char* job;
    int exit;
    const char* result;
  } cases[] = {{"ok", 0, "success"}, {"warn", 0, "warning"},         {"done", 0, "already_done"},
               {"bad", 1, "failed"}, {"pre", 3, "preflight_failed"}, {"ver", 4, "verify_failed"}};
  for (const auto& c : cases) {
    auto r = Surety(std::string("run ") + c.job);
    EXPECT_EQ(r.rc, c.exit) << c.job << "\n" << r.out;
    auto h = History(c.job);
    ASSERT_EQ(h.size(), 1u) << c.job;
    EXPECT_EQ(h[0]["result"], c.result) << c.job;
    for (const char* field :
         {"id", "job", "trigger", "host", "started_at", "finished_at", "duration_ms", "attempts",
          "exit_code", "signal", "result", "message", "output_tail"})
      EXPECT_TRUE(h[0].contains(field)) << field;
  }
  auto bad = History("bad");
  EXPECT_EQ(bad[0]["exit_code"], 7);
  EXPECT_NE(bad[0]["output_tail"].get<std::string>().find("failing"), std::string::npos);
}

TEST_F(RunE2E, TimeoutStopsTheWholeTreeWithNoSurvivors) {
  WriteConfig("[jobs.hang]\ncommand = \"trap '' TERM; (trap '' TERM; sleep 30) & echo $! > " +
              dir_ + "/child.pid; sleep 30\"\ntimeout = \"500ms\"\nkill_grace = \"300ms\"\n");
  auto start = std::chrono::steady_clock::now();
  auto r = Surety("run hang");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.rc, 5) << r.out;
  EXPECT_LT(took, std::chrono::seconds(10));
  EXPECT_FALSE(Alive(dir_ + "/child.pid")) << "a grandchild survived the timeout";
  auto h = History("hang");
  EXPECT_EQ(h[0]["result"], "timeout");
  EXPECT_EQ(h[0]["signal"], "KILL");
}

TEST_F(RunE2E, OverlappingRunIsSkippedWithSeventyFive) {
  WriteConfig("[jobs.slow]\ncommand = \"sleep 2\"\n");
  pid_t first = StartRun("slow");
  ASSERT_GE(first, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto second = Surety("run slow");
  EXPECT_EQ(second.rc, 75) << second.out;
  int status = 0;
  waitpid(first, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  auto h = History("slow");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["result"], "skipped");  // newest first: the second run started last
  EXPECT_EQ(h[1]["result"], "success");
}

TEST_F(RunE2E, SigtermToTheRunnerIsForwardedAndRecordedInterrupted) {
  WriteConfig("[jobs.long]\ncommand = \"echo $$ > " + dir_ + "/job.pid; sleep 30\"\n");
  pid_t runner = StartRun("long");
  ASSERT_GE(runner, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(runner, SIGTERM);
  int status = 0;
  waitpid(runner, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 6);
  EXPECT_FALSE(Alive(dir_ + "/job.pid"));
  EXPECT_EQ(History("long")[0]["result"], "interrupted");
}

TEST_F(RunE2E, KilledRunnerIsNeverShownRunningForever) {
  WriteConfig("[jobs.long]\ncommand = \"sleep 3\"\n");
  pid_t runner = StartRun("long");
  ASSERT_GE(runner, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  kill(runner, SIGKILL);
  waitpid(runner, nullptr, 0);
  auto h = History("long");
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0]["result"], "interrupted");
  EXPECT_NE(h[0]["message"].get<std::string>().find("died"), std::string::npos);
}

// A one-request-at-a-time HTTP server on 127.0.0.1 that records bodies.
class LocalHttpServer {
 public:
  LocalHttpServer() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    listen(fd_, 4);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LocalHttpServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  std::string body() {
    std::lock_guard<std::mutex> l(mu_);
    return body_;
  }

 private:
  void Serve() {
    while (true) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      size_t need = std::string::npos;
      while (true) {
        ssize_t n = read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
        size_t hdr = req.find("\r\n\r\n");
        if (hdr != std::string::npos && need == std::string::npos) {
          size_t cl = req.find("Content-Length: ");
          if (cl == std::string::npos) cl = req.find("content-length: ");
          size_t len = cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
          need = hdr + 4 + len;
        }
        if (need != std::string::npos && req.size() >= need) break;
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        size_t hdr = req.find("\r\n\r\n");
        body_ = hdr == std::string::npos ? "" : req.substr(hdr + 4);
      }
      const char* resp = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)!write(c, resp, strlen(resp));
      close(c);
    }
  }
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::string body_;
};

TEST_F(RunE2E, FailureWebhookReachesALocalHttpServer) {
  LocalHttpServer server;
  std::ofstream(dir_ + "/hook.url") << "http://127.0.0.1:" << server.port() << "/hook\n";
  fs::permissions(dir_ + "/hook.url", fs::perms::owner_read | fs::perms::owner_write);
  WriteConfig("[alerts.ops]\nkind = \"webhook\"\nurl_file = \"" + dir_ +
              "/hook.url\"\n[jobs.bad]\ncommand = \"exit 9\"\nalert = [\"ops\"]\n");
  auto r = Surety("run bad");
  EXPECT_EQ(r.rc, 1) << r.out;
  auto body = nlohmann::json::parse(server.body());
  EXPECT_EQ(body["job"], "bad");
  EXPECT_EQ(body["result"], "failed");
  EXPECT_EQ(body["event"], "failure");
  EXPECT_EQ(body["exit_code"], 9);
  EXPECT_EQ(r.out.find(std::to_string(server.port())), std::string::npos)
      << "the secret URL leaked into the logs";
}

TEST_F(RunE2E, ValidateReportsFileLineColumnAndExitsTwo) {
  WriteConfig("[jobs.db]\ncommand = \"true\"\nschedul = \"daily\"\n");
  auto r = Surety("validate");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find(config_ + ":5:1:"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did you mean 'schedule'?"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace surety
