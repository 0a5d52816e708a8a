// End-to-end tests of `surety run` / `surety history` through the real
// binary, with real processes, real time (a few seconds at most) and a real
// SQLite history in a temporary state directory: every result of the design's
// table is reached for real.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "job_file_fixture.h"
#include "test_util.h"

namespace surety {
namespace {

namespace fs = std::filesystem;
using testing_util::ProcessRunning;
using testing_util::ReadPidFile;
using testing_util::Shell;
using testing_util::ShellQuote;
using testing_util::WaitForPidFile;

class RunE2E : public testing_util::JobFileFixture {};

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

// Started with stdin, stdout or stderr closed (a careless cron line, a
// daemon that closed them): before, the run journal was opened as fd 1 or
// 2, and the job's output or the log lines overwrote earlier records.
TEST_F(RunE2E, ClosedStandardDescriptorsLoseNoRecord) {
  WriteConfig("[jobs.out]\ncommand = \"echo JOB-OUTPUT-LINE; echo second\"\n");
  ASSERT_EQ(Shell(Line("run out") + " >/dev/null 2>&1").rc, 0);
  EXPECT_EQ(Shell(Line("run out") + " >&- 2>/dev/null").rc, 0);
  EXPECT_EQ(Shell(Line("run out") + " >/dev/null 2>&-").rc, 0);
  EXPECT_EQ(Shell(Line("run out") + " <&- >&- 2>&-").rc, 0);
  auto h = History("out");
  ASSERT_EQ(h.size(), 4u) << h.dump();
  for (const auto& run : h) {
    EXPECT_EQ(run["result"], "success");
    EXPECT_EQ(run["output_tail"], "JOB-OUTPUT-LINE\nsecond\n");
  }
}

// The job and its grandchild both ignore SIGTERM, so only the SIGKILL after
// kill_grace ends them. child.pid is written once the shell ignores SIGTERM
// and the grandchild exists (it inherits the ignored SIGTERM): without it
// the timeout came before the job was set up, and "nothing survived" would
// prove nothing.
TEST_F(RunE2E, TimeoutStopsTheWholeTreeWithNoSurvivors) {
  WriteConfig("[jobs.hang]\ncommand = \"trap '' TERM; (trap '' TERM; sleep 30) & echo $! > " +
              dir_ + "/child.pid; sleep 30\"\ntimeout = \"1s\"\nkill_grace = \"300ms\"\n");
  auto start = std::chrono::steady_clock::now();
  auto r = Surety("run hang");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.rc, 5) << r.out;
  EXPECT_LT(took, std::chrono::seconds(20)) << "the timeout did not stop the 30 s job";
  std::optional<pid_t> child = ReadPidFile(dir_ + "/child.pid");
  ASSERT_TRUE(child.has_value()) << "the job never started its grandchild\n" << r.out;
  EXPECT_FALSE(ProcessRunning(*child)) << "a grandchild survived the timeout";
  auto h = History("hang");
  EXPECT_EQ(h[0]["result"], "timeout");
  EXPECT_EQ(h[0]["signal"], "KILL");
}

// The first run's job runs until the test lets it end; the second run comes
// while it provably holds the job's lock.
TEST_F(RunE2E, OverlappingRunIsSkippedWithSeventyFive) {
  WriteConfig("[jobs.slow]\ncommand = \"echo $$ > " + dir_ + "/job.pid; i=0; while [ ! -e " + dir_ +
              "/release ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done\"\n");
  pid_t first = StartRun("slow");
  ASSERT_GT(first, 0);
  ASSERT_TRUE(WaitForPidFile(dir_ + "/job.pid")) << "the first run's job never started";
  ASSERT_TRUE(JobLockHeld("slow")) << "the first run's job runs without the job's lock";
  auto second = Surety("run slow");
  EXPECT_EQ(second.rc, 75) << second.out;
  std::ofstream(dir_ + "/release") << "";
  EXPECT_EQ(WaitRun(first), 0);
  auto h = History("slow");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0]["result"], "skipped");  // newest first: the second run started last
  EXPECT_EQ(h[1]["result"], "success");
}

TEST_F(RunE2E, SigtermToTheRunnerIsForwardedAndRecordedInterrupted) {
  WriteConfig("[jobs.long]\ncommand = \"echo $$ > " + dir_ + "/job.pid; sleep 30\"\n");
  pid_t runner = StartRun("long");
  ASSERT_GT(runner, 0);
  std::optional<pid_t> job = WaitForPidFile(dir_ + "/job.pid");
  ASSERT_TRUE(job.has_value()) << "the job never started";
  kill(runner, SIGTERM);
  EXPECT_EQ(WaitRun(runner), 6);
  EXPECT_FALSE(ProcessRunning(*job)) << "the job outlived its runner's SIGTERM";
  EXPECT_EQ(History("long")[0]["result"], "interrupted");
}

TEST_F(RunE2E, KilledRunnerIsNeverShownRunningForever) {
  WriteConfig("[jobs.long]\ncommand = \"echo $$ > " + dir_ + "/job.pid; exec sleep 30\"\n");
  pid_t runner = StartRun("long");
  ASSERT_GT(runner, 0);
  ASSERT_TRUE(WaitForPidFile(dir_ + "/job.pid")) << "the job never started";
  kill(runner, SIGKILL);
  EXPECT_EQ(WaitRun(runner), -1);
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

// Each --config takes one value, also after the command word: before,
// `surety run --config F JOB` said "JOB is required".
TEST_F(RunE2E, ConfigAfterTheCommandWordTakesOneValue) {
  WriteConfig("[jobs.ok]\ncommand = [\"true\"]\n");
  const std::string bin = SURETY_BINARY;
  auto spaced = Shell(bin + " run --config " + ShellQuote(config_) + " ok 2>&1");
  EXPECT_EQ(spaced.rc, 0) << spaced.out;
  auto joined = Shell(bin + " run --config=" + ShellQuote(config_) + " ok 2>&1");
  EXPECT_EQ(joined.rc, 0) << joined.out;
  auto history = Shell(bin + " history --config " + ShellQuote(config_) + " ok --json");
  EXPECT_EQ(history.rc, 0);
  EXPECT_EQ(nlohmann::json::parse(history.out).size(), 2u);
}

// Before the first run there is no history: "no runs yet", exit 0, and `[]`
// in JSON. A name that is no job is exit 2 with the did-you-mean error in
// JSON too (before: the database error, exit 1; and `[]`, exit 0).
TEST_F(RunE2E, HistoryBeforeAnyRunAndOfAnUnknownJob) {
  WriteConfig("[jobs.backup]\ncommand = [\"true\"]\n");
  auto text = Shell(Line("history backup"));
  EXPECT_EQ(text.rc, 0);
  EXPECT_EQ(text.out, "no runs of backup recorded yet (surety run backup)\n");
  auto json = Shell(Line("history backup --json"));
  EXPECT_EQ(json.rc, 0);
  EXPECT_EQ(json.out, "[]\n");
  auto unknown = Shell(Line("history backups --json 2>&1"));
  EXPECT_EQ(unknown.rc, 2);
  EXPECT_NE(unknown.out.find("no job named 'backups'; did you mean 'backup'?"), std::string::npos)
      << unknown.out;
  ASSERT_EQ(Surety("run backup").rc, 0);
  unknown = Shell(Line("history backups --json 2>/dev/null"));
  EXPECT_EQ(unknown.rc, 2);
  EXPECT_EQ(unknown.out, "");
}

// A skipped run did nothing: failure, skip, success is still a recovery.
// Before, the success compared with the skip and sent nothing.
TEST_F(RunE2E, RecoveryAlertIsSentWhenASkippedRunFellBetween) {
  LocalHttpServer server;
  std::ofstream(dir_ + "/hook.url") << "http://127.0.0.1:" << server.port() << "/hook\n";
  fs::permissions(dir_ + "/hook.url", fs::perms::owner_read | fs::perms::owner_write);
  WriteConfig("[alerts.ops]\nkind = \"webhook\"\nurl_file = \"" + dir_ +
              "/hook.url\"\n[jobs.flaky]\ncommand = \"test ! -e " + dir_ +
              "/fail\"\nalert = [\"ops\"]\n");
  std::ofstream(dir_ + "/fail") << "";
  ASSERT_EQ(Surety("run flaky").rc, 1);
  EXPECT_EQ(nlohmann::json::parse(server.body())["event"], "failure");
  fs::remove(dir_ + "/fail");
  {
    // Another run holds the job's lock: this one is skipped.
    const std::string lock = dir_ + "/state/locks/flaky.lock";
    fs::create_directories(dir_ + "/state/locks");
    int fd = open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(flock(fd, LOCK_EX), 0);
    auto skipped = Surety("run flaky");
    close(fd);
    ASSERT_EQ(skipped.rc, 75) << skipped.out;
  }
  ASSERT_EQ(Surety("run flaky").rc, 0);
  auto body = nlohmann::json::parse(server.body());
  EXPECT_EQ(body["event"], "recovery") << body.dump();
  EXPECT_EQ(body["result"], "success");
}

// A state directory the runner cannot create: the history_unavailable log
// line says why (before: only the job's name).
TEST_F(RunE2E, AnUncreatableStateDirIsLoggedWithItsCause) {
  std::ofstream(dir_ + "/file") << "not a directory\n";
  std::ofstream(config_) << "[settings]\nstate_dir = \"" << dir_
                         << "/file/state\"\n[jobs.ok]\ncommand = [\"true\"]\n";
  auto r = Surety("run ok");
  EXPECT_NE(r.rc, 0);
  EXPECT_NE(
      r.out.find("event=history_unavailable job=ok error=\"state_dir " + dir_ + "/file/state: "),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Not a directory"), std::string::npos) << r.out;
}

// The brief's case: run as nobody, who may not create the state directory.
TEST_F(RunE2E, AStateDirNobodyMayCreateIsLoggedAsPermissionDenied) {
  if (geteuid() != 0 || Shell("command -v setpriv >/dev/null").rc != 0)
    GTEST_SKIP() << "needs root and setpriv";
  WriteConfig("[jobs.ok]\ncommand = [\"true\"]\n");
  fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                            fs::perms::others_read | fs::perms::others_exec);
  fs::permissions(config_, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                               fs::perms::others_read);
  auto r = Shell("setpriv --reuid=65534 --regid=65534 --clear-groups " + Line("run ok") + " 2>&1");
  EXPECT_NE(r.rc, 0);
  EXPECT_NE(r.out.find("event=history_unavailable job=ok error="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Permission denied"), std::string::npos) << r.out;
}

// `user =` gives the job that user's HOME, USER and LOGNAME, not root's,
// and not root's SHELL.
TEST_F(RunE2E, AJobRunAsAnotherUserSeesThatUsersHomeAndName) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to switch users";
  passwd* pw = getpwnam("nobody");
  if (pw == nullptr) GTEST_SKIP() << "no user nobody";
  const std::string home = pw->pw_dir;
  WriteConfig(
      "[jobs.as]\ncommand = \"echo HOME=$HOME USER=$USER LOGNAME=$LOGNAME "
      "SHELL=${SHELL-unset}\"\nuser = \"nobody\"\nworking_directory = \"/\"\n");
  auto r = Shell("env HOME=/root USER=root LOGNAME=root SHELL=/bin/rootshell " + Line("run as") +
                 " 2>&1");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("HOME=" + home + " USER=nobody LOGNAME=nobody SHELL="), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("/root"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("rootshell"), std::string::npos) << r.out;
}

// Job output need not be UTF-8, and it reaches log values (a failure's
// last line) and history's message and output_tail: every JSON log line
// and `history --json` must still be valid JSON.
TEST_F(RunE2E, OutputThatIsNotUtf8KeepsJsonLogsAndHistoryValid) {
  WriteConfig("[jobs.latin]\ncommand = \"printf 'caf\\\\351 \\\\377\\\\376 end\\\\n'; exit 3\"\n");
  auto logs = Shell(Line("--log-format=json run latin") + " 2>&1 >/dev/null");
  EXPECT_EQ(logs.rc, 1);
  std::istringstream lines(logs.out);
  int parsed = 0;
  bool saw_replacement = false;
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << "not JSON: " << line;
    ++parsed;
    saw_replacement = saw_replacement || line.find("\\ufffd") != std::string::npos;
  }
  EXPECT_GE(parsed, 3);
  EXPECT_TRUE(saw_replacement) << logs.out;
  auto history = Shell(Line("history latin --json"));
  EXPECT_EQ(history.rc, 0);
  auto h = nlohmann::json::parse(history.out, nullptr, false);
  ASSERT_FALSE(h.is_discarded()) << history.out;
  ASSERT_EQ(h.size(), 1u);
  EXPECT_NE(h[0]["output_tail"].get<std::string>().find("caf\xef\xbf\xbd \xef\xbf\xbd"),
            std::string::npos);
}

// On a full disk `surety history` still shows every run, and says that the
// journal could not be folded and why (before: it failed, exit 1). A run
// whose finish did not fit keeps its result, without its output tail (before:
// it stayed running and was later reaped as "the runner died").
TEST_F(RunE2E, HistoryStillWorksWhenTheDiskIsFull) {
  if (geteuid() != 0 || Shell("command -v unshare >/dev/null").rc != 0)
    GTEST_SKIP() << "needs root and unshare to mount a small tmpfs";
  WriteConfig(
      "[jobs.ok]\ncommand = [\"true\"]\n[jobs.big]\ncommand = \"head -c 30000 /dev/zero | tr "
      "'\\\\0' b; echo; exit 1\"\n");
  const std::string state = dir_ + "/state";
  fs::create_directories(state);
  // In a mount namespace of its own: the tmpfs goes away with the shell.
  std::ofstream(dir_ + "/full.sh")
      << "mount -t tmpfs -o size=256k,mode=0700 tmpfs " << state << " || exit 99\n"
      << Line("run ok") << " >/dev/null 2>&1 || exit 10\n"
      << Line("history ok") << " >/dev/null 2>&1 || exit 11\n"
      << Line("run big") << " >/dev/null 2>&1; test $? = 1 || exit 12\n"
      << "dd if=/dev/zero of=" << state << "/fill bs=1024 2>/dev/null\n"
      << Line("run big") << " >/dev/null 2>" << dir_ << "/run.err; echo $? >" << dir_ << "/run.rc\n"
      << Line("history big --json") << " >" << dir_ << "/full.json 2>" << dir_
      << "/full.err; echo $? >" << dir_ << "/full.rc\n"
      << "rm " << state << "/fill\n"
      << Line("history big --json") << " >" << dir_ << "/freed.json 2>" << dir_ << "/freed.err\n";
  auto r = Shell("unshare -m sh " + ShellQuote(dir_ + "/full.sh") + " 2>&1");
  if (r.rc == 99) GTEST_SKIP() << "cannot mount a tmpfs here: " << r.out;
  ASSERT_EQ(r.rc, 0) << r.out;
  auto slurp = [&](const std::string& name) {
    std::ifstream in(dir_ + "/" + name);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  EXPECT_EQ(slurp("run.rc"), "1\n") << slurp("run.err");
  EXPECT_EQ(slurp("full.rc"), "0\n") << slurp("full.err");
  EXPECT_NE(slurp("full.err").find("warning: the run journal could not be folded"),
            std::string::npos)
      << slurp("full.err");
  EXPECT_NE(slurp("full.err").find("disk full while writing history.db"), std::string::npos);
  auto full = nlohmann::json::parse(slurp("full.json"));
  ASSERT_EQ(full.size(), 2u) << full.dump();
  EXPECT_EQ(full[0]["result"], "failed");
  EXPECT_EQ(full[0]["exit_code"], 1);
  EXPECT_EQ(full[0]["output_tail"], "");
  EXPECT_NE(full[0]["message"].get<std::string>().find("[output tail not recorded: "),
            std::string::npos)
      << full[0]["message"];
  EXPECT_EQ(full[1]["output_tail"].get<std::string>().size(), 30001u);
  // With room again the journal is folded and nothing was lost.
  EXPECT_EQ(slurp("freed.err"), "");
  EXPECT_EQ(nlohmann::json::parse(slurp("freed.json")), full);
}

}  // namespace
}  // namespace surety
