// End-to-end tests of `surety daemon` through the real binary, with real
// processes and real time on seconds schedules (a few seconds per test): it
// fires on time, catches a persistent job up exactly once, reloads on SIGHUP
// (keeping the running set when the new file is bad), stops on SIGTERM
// without orphans, records skipped overlaps, reaps zombies as PID 1 of a PID
// namespace, and publishes its plan for `surety next`.
//
// Each test runs the daemon in a temporary directory with its stderr in a
// file and polls that log (logfmt events) with deadlines instead of sleeping
// fixed times; a deadline only bounds how long a broken daemon is waited
// for. How late the daemon fires is measured by bench/daemon_bench.sh
// (lateness p50/p99/max): here a run must only start at or after its due
// time and well within its period. TearDown kills every daemon a test
// started and every process below it, even after a failed assertion.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace surety {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using testing_util::Shell;
using testing_util::ShellQuote;
using testing_util::WaitFor;

// ---------------------------------------------------------------------------
// Time, logs and processes.

int64_t WallMicrosNow() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Microseconds since the epoch of an RFC 3339 UTC time such as
// "2026-11-22T04:18:38Z" or "2026-11-22T04:18:38.000614Z".
std::optional<int64_t> ParseUtcMicros(const std::string& s) {
  int y, mo, d, h, mi, sec, n = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
    return std::nullopt;
  size_t i = static_cast<size_t>(n);
  int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    int digits = 0;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i)
      if (digits < 6) frac = frac * 10 + (s[i] - '0'), ++digits;
    for (; digits < 6; ++digits) frac *= 10;
  }
  if (i + 1 != s.size() || s[i] != 'Z') return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm)) * 1'000'000 + frac;
}

int64_t MustParse(const std::string& s) {
  auto t = ParseUtcMicros(s);
  EXPECT_TRUE(t.has_value()) << "not an RFC 3339 UTC time: '" << s << "'";
  return t.value_or(0);
}

// One logfmt event: time=… level=… event=… key=value key="quoted value".
using Event = std::map<std::string, std::string>;

Event ParseLogfmt(const std::string& line) {
  Event e;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    size_t eq = line.find('=', i);
    if (eq == std::string::npos) break;
    std::string key = line.substr(i, eq - i);
    std::string value;
    i = eq + 1;
    if (i < line.size() && line[i] == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          char c = line[++i];
          value += c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
        } else {
          value += line[i];
        }
      }
      ++i;
    } else {
      size_t sp = line.find(' ', i);
      if (sp == std::string::npos) sp = line.size();
      value = line.substr(i, sp - i);
      i = sp;
    }
    e[key] = value;
  }
  return e;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A process as /proc/PID/stat shows it; `start` (clock ticks after boot)
// tells a process from a later one that reuses its pid.
struct Proc {
  int pid = 0;
  int ppid = 0;
  char state = 0;
  unsigned long long start = 0;
};

std::optional<Proc> ReadProc(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 > stat.size()) return std::nullopt;
  std::istringstream rest(stat.substr(paren + 2));
  Proc p;
  p.pid = pid;
  rest >> p.state >> p.ppid;
  std::string skip;
  for (int field = 5; field < 22; ++field) rest >> skip;  // fields 5..21
  rest >> p.start;                                        // field 22: starttime
  if (!rest) return std::nullopt;
  return p;
}

std::vector<Proc> AllProcs() {
  std::vector<Proc> out;
  DIR* d = opendir("/proc");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    if (auto p = ReadProc(static_cast<int>(pid))) out.push_back(*p);
  }
  closedir(d);
  return out;
}

// Every process whose parent chain leads to `root` (root itself excluded).
std::vector<Proc> DescendantsOf(int root) {
  std::map<int, std::vector<Proc>> children;
  for (const Proc& p : AllProcs()) children[p.ppid].push_back(p);
  std::vector<Proc> out;
  std::vector<int> todo = {root};
  while (!todo.empty()) {
    int p = todo.back();
    todo.pop_back();
    for (const Proc& c : children[p]) {
      out.push_back(c);
      todo.push_back(c.pid);
    }
  }
  return out;
}

// True while the very process `p` (not a later one with its pid) exists and
// has not exited (a zombie has).
bool StillRunning(const Proc& p) {
  auto now = ReadProc(p.pid);
  return now && now->start == p.start && now->state != 'Z';
}

std::string CmdLine(int pid) {
  std::string s = ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  std::replace(s.begin(), s.end(), '\0', ' ');
  return s;
}

// Living processes (other than this test) whose command line mentions `text`.
std::vector<std::string> ProcessesMentioning(const std::string& text) {
  std::vector<std::string> out;
  for (const Proc& p : AllProcs()) {
    if (p.pid == getpid() || p.state == 'Z') continue;
    std::string cmd = CmdLine(p.pid);
    if (cmd.find(text) != std::string::npos)
      out.push_back(std::to_string(p.pid) + " " + p.state + " " + cmd);
  }
  return out;
}

// The pid as seen from its own (innermost) PID namespace.
int InnermostPid(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("NSpid:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    int last = 0, v;
    while (fields >> v) last = v;
    return last;
  }
  return 0;
}

std::string Describe(const std::vector<Proc>& procs) {
  std::string out;
  for (const Proc& p : procs)
    out += std::to_string(p.pid) + " (ppid " + std::to_string(p.ppid) + ", " + p.state + ") " +
           CmdLine(p.pid) + "\n";
  return out;
}

// ---------------------------------------------------------------------------

class DaemonE2E : public testing::Test {
 protected:
  // One started `surety daemon` (or `unshare … surety daemon`).
  struct Daemon {
    pid_t pid = -1;
    std::string log;
    bool reaped = false;
    int exit = -1;  // exit status, or 128 + signal
  };

  void SetUp() override {
    char tmpl[] = "/tmp/surety-daemon-e2e-XXXXXX";
    char* made = mkdtemp(tmpl);
    ASSERT_NE(made, nullptr);
    dir_ = made;
    config_ = dir_ + "/surety.toml";
  }

  void TearDown() override {
    for (auto& d : daemons_) KillTree(*d);
    // Anything left that still mentions our directory (a runner, a job's shell).
    for (int round = 0; round < 3; ++round) {
      bool any = false;
      for (const Proc& p : AllProcs()) {
        if (p.pid == getpid() || p.state == 'Z') continue;
        if (CmdLine(p.pid).find(dir_) == std::string::npos) continue;
        kill(p.pid, SIGKILL);
        any = true;
      }
      if (!any) break;
      std::this_thread::sleep_for(100ms);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Writes the job file atomically: [settings] with our state_dir, then `jobs`.
  void WriteConfig(const std::string& jobs) {
    std::string tmp = config_ + ".tmp";
    {
      std::ofstream out(tmp);
      out << "[settings]\nstate_dir = \"" << dir_ << "/state\"\n" << jobs;
    }
    fs::rename(tmp, config_);
  }

  Daemon& Start(const std::vector<std::string>& extra = {}, const std::string& log_name = "",
                bool in_pid_namespace = false) {
    auto d = std::make_unique<Daemon>();
    d->log = dir_ + "/" +
             (log_name.empty() ? "daemon" + std::to_string(daemons_.size()) + ".log" : log_name);
    std::vector<std::string> argv;
    if (in_pid_namespace) argv = {"unshare", "--pid", "--fork", "--mount-proc"};
    argv.insert(argv.end(), {SURETY_BINARY, "--config", config_, "daemon"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    std::vector<char*> cargv;
    cargv.reserve(argv.size() + 1);
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    int fd = open(d->log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(fd, 0) << d->log;
    pid_t pid = fork();
    if (pid == 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
      int devnull = open("/dev/null", O_RDONLY);
      if (devnull >= 0) dup2(devnull, STDIN_FILENO);
      setpgid(0, 0);
      execvp(cargv[0], cargv.data());
      _exit(127);
    }
    close(fd);
    EXPECT_GT(pid, 0) << "fork failed";
    d->pid = pid;
    d->reaped = pid <= 0;  // never signal pid -1 (everything) or 0 (our group)
    daemons_.push_back(std::move(d));
    return *daemons_.back();
  }

  // Every event the daemon (and the runners it started) logged so far.
  static std::vector<Event> Events(const Daemon& d) {
    std::vector<Event> out;
    std::istringstream in(ReadFile(d.log));
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind("time=", 0) != 0) continue;
      Event e = ParseLogfmt(line);
      if (e.count("event")) out.push_back(std::move(e));
    }
    return out;
  }

  // Events named `name`, of `job` if given. The daemon's run_started carries
  // pid= and due=; the runner's own run_started (same name) carries run_id=.
  static std::vector<Event> Select(const Daemon& d, const std::string& name,
                                   const std::string& job = "") {
    std::vector<Event> out;
    for (auto& e : Events(d)) {
      if (e["event"] != name || (!job.empty() && e["job"] != job)) continue;
      if (name == "run_started" && !e.count("due")) continue;
      out.push_back(e);
    }
    return out;
  }
  static size_t Count(const Daemon& d, const std::string& name, const std::string& job = "") {
    return Select(d, name, job).size();
  }

  // Waits until `name` (of `job`) was logged at least `n` times.
  bool WaitForEvent(const Daemon& d, const std::string& name, size_t n = 1,
                    const std::string& job = "", milliseconds limit = 10s) {
    return WaitFor([&] { return Count(d, name, job) >= n; }, limit);
  }

  // The exit status once the process ended within `limit` (128 + signal if
  // it was killed), nullopt if it still runs.
  std::optional<int> WaitExit(Daemon& d, milliseconds limit) {
    if (!d.reaped) {
      WaitFor(
          [&] {
            int status = 0;
            if (waitpid(d.pid, &status, WNOHANG) != d.pid) return false;
            d.reaped = true;
            d.exit = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return true;
          },
          limit);
    }
    if (!d.reaped) return std::nullopt;
    return d.exit;
  }

  static void Signal(const Daemon& d, int sig) {
    if (!d.reaped && d.pid > 0) kill(d.pid, sig);
  }

  // SIGTERM, then the exit status (nullopt if it did not stop within 15 s).
  std::optional<int> Stop(Daemon& d) {
    Signal(d, SIGTERM);
    return WaitExit(d, 15s);
  }

  // Kills everything below the daemon first (so that it, a subreaper, still
  // collects them), then the daemon.
  void KillTree(Daemon& d) {
    if (d.reaped) return;
    for (int round = 0; round < 3; ++round) {
      auto below = DescendantsOf(d.pid);
      if (below.empty()) break;
      for (const Proc& p : below) kill(p.pid, SIGKILL);
      std::this_thread::sleep_for(50ms);
    }
    Signal(d, SIGKILL);
    (void)WaitExit(d, 5s);
  }

  // The job's shell once it wrote its pid to job.pid and runs below the
  // daemon with its runner and its `sleep` (three processes at least).
  std::optional<Proc> JobBelow(const Daemon& d) {
    int pid = std::atoi(ReadFile(dir_ + "/job.pid").c_str());
    auto below = DescendantsOf(d.pid);
    if (pid <= 0 || below.size() < 3) return std::nullopt;
    for (const Proc& p : below)
      if (p.pid == pid) return p;
    return std::nullopt;
  }

  nlohmann::json History(const std::string& job) {
    auto r = Shell(std::string(SURETY_BINARY) + " --config " + ShellQuote(config_) + " history " +
                   job + " --json --limit 1000 2>/dev/null");
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j.is_discarded() ? nlohmann::json::array() : j;
  }

  nlohmann::json Next(const std::string& job) {
    auto r = Shell(std::string(SURETY_BINARY) + " --config " + ShellQuote(config_) + " next " +
                   job + " --json 2>/dev/null");
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j.is_discarded() ? nlohmann::json::array() : j;
  }

  static size_t CountRuns(const nlohmann::json& history, const std::string& key,
                          const std::string& value) {
    size_t n = 0;
    for (const auto& r : history)
      if (r[key] == value) ++n;
    return n;
  }

  // The daemon's log, for failure messages.
  static std::string Log(const Daemon& d) { return "--- daemon log ---\n" + ReadFile(d.log); }

  std::string dir_, config_;
  std::vector<std::unique_ptr<Daemon>> daemons_;
};

// ---------------------------------------------------------------------------

TEST_F(DaemonE2E, FiresOnTime) {
  WriteConfig(R"(
[jobs.tick]
command = ["true"]
schedule = "*:*:0/2"
accuracy = "1us"
)");
  Daemon& d = Start();
  ASSERT_TRUE(WaitForEvent(d, "run_exited", 3, "tick", 15s)) << Log(d);
  ASSERT_EQ(Stop(d), 0) << Log(d);

  auto started = Select(d, "run_started", "tick");
  ASSERT_GE(started.size(), 3u) << Log(d);
  std::vector<int64_t> dues;
  for (auto& e : started) {
    int64_t at = MustParse(e["time"]), due = MustParse(e["due"]);
    EXPECT_EQ(e["trigger"], "schedule");
    EXPECT_GE(at, due) << "started before its due time: " << e["time"] << " due " << e["due"];
    // Less than one period late, so each start belongs to its own slot; how
    // late exactly is bench/daemon_bench.sh's figure, not a test's.
    EXPECT_LT(at - due, 2'000'000)
        << "started a whole period late: " << e["time"] << " due " << e["due"];
    EXPECT_EQ(due % 2'000'000, 0) << "*:*:0/2 elapses on even seconds only: " << e["due"];
    dues.push_back(due);
  }
  for (size_t i = 1; i < dues.size(); ++i)
    EXPECT_EQ(dues[i] - dues[i - 1], 2'000'000) << "a slot was skipped or fired twice\n" << Log(d);

  auto h = History("tick");
  EXPECT_EQ(CountRuns(h, "trigger", "schedule"), h.size()) << h.dump(1);
  EXPECT_GE(CountRuns(h, "result", "success"), 3u) << h.dump(1);
  EXPECT_LE(h.size(), started.size()) << "runs recorded that the daemon never started\n"
                                      << h.dump(1);
}

// Jobs run side by side write to the daemon's one stdout: each line of a
// job's output is labelled with its job, and a run that fails is logged at
// level error while the daemon's own events stay at info.
TEST_F(DaemonE2E, JobOutputIsLabelledAndFailuresAreErrors) {
  WriteConfig(R"(
[jobs.talker]
command = "echo first line; echo second line"
schedule = "*:*:0/1"
accuracy = "1us"
[jobs.broken]
command = "echo going down >&2; exit 3"
schedule = "*:*:0/1"
accuracy = "1us"
)");
  Daemon& d = Start();
  ASSERT_TRUE(WaitForEvent(d, "run_exited", 1, "talker", 15s)) << Log(d);
  ASSERT_TRUE(WaitForEvent(d, "run_exited", 1, "broken", 15s)) << Log(d);
  ASSERT_EQ(Stop(d), 0) << Log(d);
  const std::string log = Log(d);
  EXPECT_NE(log.find("\n[talker] first line\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\n[talker] second line\n"), std::string::npos) << log;
  EXPECT_NE(log.find("\n[broken] going down\n"), std::string::npos) << log;
  EXPECT_EQ(log.find("\nfirst line"), std::string::npos) << "an unlabelled line\n" << log;
  bool failure_is_error = false;
  for (auto& e : Select(d, "run_finished", "broken"))
    failure_is_error = failure_is_error || (e["result"] == "failed" && e["level"] == "error");
  EXPECT_TRUE(failure_is_error) << log;
  for (auto& e : Select(d, "run_started", "talker")) EXPECT_EQ(e["level"], "info");
}

TEST_F(DaemonE2E, PersistentCatchUpExactlyOnce) {
  WriteConfig(R"(
[jobs.p]
command = ["true"]
schedule = "*:*:0/2"
persistent = true
accuracy = "1us"
[jobs.np]
command = ["true"]
schedule = "*:*:0/2"
accuracy = "1us"
)");
  Daemon& first = Start({}, "first.log");
  ASSERT_TRUE(WaitForEvent(first, "run_exited", 1, "p", 10s)) << Log(first);
  ASSERT_TRUE(WaitForEvent(first, "run_exited", 1, "np", 10s)) << Log(first);
  ASSERT_EQ(Stop(first), 0) << Log(first);
  // A persistent job that never ran counts from the daemon's start: no catch-up.
  for (auto& e : Select(first, "run_started")) EXPECT_EQ(e["trigger"], "schedule") << Log(first);
  int64_t last_due = 0;
  for (auto& e : Select(first, "run_started", "p"))
    last_due = std::max(last_due, MustParse(e["due"]));

  // Let at least two slots pass with no daemon running.
  int64_t wait_until = last_due + 4'000'000 + 300'000;
  while (WallMicrosNow() < wait_until)
    std::this_thread::sleep_for(std::chrono::microseconds(wait_until - WallMicrosNow()));

  Daemon& second = Start({}, "second.log");
  auto schedule_runs = [&](const std::string& job) {
    size_t n = 0;
    for (auto& e : Select(second, "run_started", job))
      if (e["trigger"] == "schedule") ++n;
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return schedule_runs("p") >= 2 && schedule_runs("np") >= 2; }, 20s))
      << Log(second);
  ASSERT_EQ(Stop(second), 0) << Log(second);

  auto p = Select(second, "run_started", "p");
  ASSERT_FALSE(p.empty()) << Log(second);
  EXPECT_EQ(p[0]["trigger"], "catchup") << Log(second);
  size_t catchups = 0;
  for (auto& e : p) catchups += e["trigger"] == "catchup";
  EXPECT_EQ(catchups, 1u) << "one catch-up for all missed slots, never one per slot\n"
                          << Log(second);
  auto ready = Select(second, "daemon_ready");
  ASSERT_EQ(ready.size(), 1u) << Log(second);
  // The catch-up is due at start-up (not at the next slot), and starts then.
  const int64_t catchup_due = MustParse(p[0]["due"]), catchup_at = MustParse(p[0]["time"]);
  EXPECT_LE(catchup_due, MustParse(ready[0]["time"])) << "the catch-up is not due at start-up\n"
                                                      << Log(second);
  EXPECT_GE(catchup_at, catchup_due) << Log(second);
  EXPECT_LT(catchup_at - catchup_due, 2'000'000) << "the catch-up started a whole period late\n"
                                                 << Log(second);
  for (auto& e : Select(second, "run_started", "np"))
    EXPECT_EQ(e["trigger"], "schedule") << "a non-persistent job never catches up\n" << Log(second);

  auto hp = History("p");
  EXPECT_EQ(CountRuns(hp, "trigger", "catchup"), 1u) << hp.dump(1);
  EXPECT_EQ(CountRuns(History("np"), "trigger", "catchup"), 0u);
}

TEST_F(DaemonE2E, ReloadGoodAndBad) {
  const std::string a = R"(
[jobs.a]
command = ["true"]
schedule = "*:*:0/1"
accuracy = "1us"
)";
  const std::string b = R"(
[jobs.b]
command = ["true"]
schedule = "*:*:0/1"
accuracy = "1us"
)";
  WriteConfig(a);
  Daemon& d = Start();
  ASSERT_TRUE(WaitForEvent(d, "daemon_ready")) << Log(d);

  WriteConfig(a + b);
  Signal(d, SIGHUP);
  ASSERT_TRUE(WaitForEvent(d, "reloaded")) << Log(d);
  auto reloaded = Select(d, "reloaded")[0];
  EXPECT_EQ(reloaded["added"], "1") << Log(d);
  EXPECT_EQ(reloaded["removed"], "0") << Log(d);
  EXPECT_EQ(reloaded["jobs"], "2") << Log(d);
  ASSERT_TRUE(WaitForEvent(d, "run_started", 1, "b")) << "the added job never fired\n" << Log(d);

  // Line 14 of the new file has an unterminated string.
  WriteConfig(a + b + "[jobs.c]\ncommand = \"true\nschedule = \"*:*:0/1\"\n");
  Signal(d, SIGHUP);
  ASSERT_TRUE(WaitForEvent(d, "reload_failed")) << Log(d);
  EXPECT_EQ(Count(d, "reloaded"), 1u) << Log(d);
  auto errors = Select(d, "config_error");
  ASSERT_FALSE(errors.empty()) << Log(d);
  EXPECT_EQ(errors[0]["detail"].rfind(config_ + ":14:", 0), 0u) << Log(d);

  // The old set keeps running.
  size_t a_runs = Count(d, "run_started", "a"), b_runs = Count(d, "run_started", "b");
  EXPECT_TRUE(WaitFor(
      [&] {
        return Count(d, "run_started", "a") >= a_runs + 2 &&
               Count(d, "run_started", "b") >= b_runs + 2;
      },
      15s))
      << "jobs stopped firing after a failed reload\n"
      << Log(d);
  EXPECT_EQ(Count(d, "run_started", "c"), 0u);
  EXPECT_EQ(Stop(d), 0) << Log(d);
}

// Measured before: a typo added to the job file under a running daemon
// (no reload) made every scheduled run of every job fail with exit 2 before
// it was recorded, because each `surety run` re-read the file. The runs
// now read the job set the daemon validated: every job keeps running and
// being recorded, and `surety check` names the broken job.
TEST_F(DaemonE2E, ATypoAddedUnderTheDaemonStopsNoRun) {
  const std::string jobs = R"(
[jobs.a]
command = ["true"]
schedule = "*:*:0/1"
accuracy = "1us"
[jobs.b]
command = ["true"]
schedule = "*:*:0/1"
accuracy = "1us"
)";
  WriteConfig(jobs);
  Daemon& d = Start();
  ASSERT_TRUE(WaitForEvent(d, "daemon_ready")) << Log(d);
  WriteConfig(jobs + "[jobs.new]\ncommand = [\"true\"]\nschedule = \"Mon 25:00\"\n");
  auto finished_ok = [&](const std::string& job) {
    size_t n = 0;
    for (auto& e : Select(d, "run_finished", job))
      if (e["result"] == "success") ++n;
    return n;
  };
  const size_t a0 = finished_ok("a"), b0 = finished_ok("b");
  EXPECT_TRUE(
      WaitFor([&] { return finished_ok("a") >= a0 + 2 && finished_ok("b") >= b0 + 2; }, 15s))
      << "runs stopped succeeding after the job file broke\n"
      << Log(d);
  EXPECT_EQ(Count(d, "config_error"), 0u) << "a run re-read the edited file\n" << Log(d);
  // The history has them, read through the edited file (job a is fine).
  auto history = Shell(std::string(SURETY_BINARY) + " --config " + ShellQuote(config_) +
                       " history a --json 2>/dev/null");
  ASSERT_EQ(history.rc, 0);
  EXPECT_GE(nlohmann::json::parse(history.out).size(), a0 + 2);
  auto check =
      Shell(std::string(SURETY_BINARY) + " --config " + ShellQuote(config_) + " check 2>/dev/null");
  EXPECT_EQ(check.rc, 2) << check.out;
  EXPECT_NE(check.out.find("new broken"), std::string::npos) << check.out;
  EXPECT_EQ(Stop(d), 0) << Log(d);
}

// ---------------------------------------------------------------------------
// The smoke alarm through a real daemon: its health checks, its HTTP server,
// and a local webhook receiver that writes down every alert it gets.

// `GET path` from 127.0.0.1:port: the status code and the body.
std::pair<int, std::string> HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    if (fd >= 0) close(fd);
    return {0, ""};
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\n\r\n";
  (void)!write(fd, request.data(), request.size());
  std::string out;
  char buf[8192];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fd);
  int code = 0;
  std::sscanf(out.c_str(), "HTTP/%*s %d", &code);
  const size_t body = out.find("\r\n\r\n");
  return {code, body == std::string::npos ? "" : out.substr(body + 4)};
}

constexpr const char* kReceiver = R"(import http.server, json, os, sys
out, port_file = sys.argv[1], sys.argv[2]
class Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            j = json.loads(body)
            line = "%s %s\n" % (j.get("event"), j.get("job"))
        except ValueError:
            line = "unreadable\n"
        with open(out, "a") as f:
            f.write(line)
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
)";

// A job fails for several runs, recovers, is broken by an edit and mended,
// under a daemon that checks health every second and serves HTTP: its
// webhook hears exactly one alert per change of state (failure, recovery,
// broken, recovery), however many runs and checks each state lasts, and the
// server shows each state as it is.
TEST_F(DaemonE2E, EachChangeOfHealthReachesTheWebhookOnce) {
  const std::string received = dir_ + "/received", port_file = dir_ + "/receiver.port";
  { std::ofstream(dir_ + "/receiver.py") << kReceiver; }
  Shell("python3 " + ShellQuote(dir_ + "/receiver.py") + " " + ShellQuote(received) + " " +
        ShellQuote(port_file) + " >/dev/null 2>&1 &");
  ASSERT_TRUE(WaitFor([&] { return fs::exists(port_file); }, 10s)) << "no webhook receiver";
  const std::string hook_port = ReadFile(port_file);
  const std::string fail_flag = dir_ + "/fail";
  auto jobs = [&](const std::string& tick_schedule) {
    return "[alerts.hook]\nkind = \"webhook\"\nurl = \"http://127.0.0.1:" + hook_port +
           "/hook\"\n"
           "[jobs.tick]\ncommand = [\"sh\", \"-c\", \"test ! -e " +
           fail_flag + "\"]\nschedule = \"" + tick_schedule +
           "\"\naccuracy = \"1ms\"\ngrace = \"5s\"\nalert = [\"hook\"]\n"
           "[jobs.other]\ncommand = [\"true\"]\nschedule = \"*:*:*\"\naccuracy = \"1ms\"\n";
  };
  WriteConfig(jobs("*:*:*"));
  Daemon& d = Start({"--listen", "127.0.0.1:0", "--check-every", "1s"});
  ASSERT_TRUE(WaitForEvent(d, "serving")) << Log(d);
  const std::string address = Select(d, "serving")[0]["address"];
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  auto told = [&] { return fs::exists(received) ? ReadFile(received) : std::string(); };
  auto results = [&](const std::string& job, const std::string& result) {
    size_t n = 0;
    for (auto& e : Select(d, "run_finished", job))
      if (e["result"] == result) ++n;
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return results("tick", "success") >= 1; }, 10s)) << Log(d);
  EXPECT_EQ(HttpGet(port, "/healthz"), std::make_pair(200, std::string("ok\n")));

  // Failing: three failed runs and a few checks, one alert.
  std::ofstream(fail_flag) << "";
  ASSERT_TRUE(WaitFor([&] { return results("tick", "failed") >= 3; }, 15s)) << Log(d);
  std::this_thread::sleep_for(1500ms);  // a check or more
  EXPECT_EQ(told(), "failure tick\n") << Log(d);
  auto [code, status] = HttpGet(port, "/status.json");
  EXPECT_EQ(code, 200);
  EXPECT_NE(status.find("\"health\": \"failing\""), std::string::npos) << status;
  EXPECT_NE(
      HttpGet(port, "/metrics").second.find("surety_job_health{job=\"tick\",health=\"failing\"} 1"),
      std::string::npos);
  // The status page shows it too, in a word, with its failed runs in the strip.
  auto [page_code, page] = HttpGet(port, "/");
  EXPECT_EQ(page_code, 200);
  EXPECT_NE(page.find("<tr id=\"job-tick\">"), std::string::npos) << page;
  EXPECT_NE(page.find("<span class=\"health bad\">failing</span>"), std::string::npos) << page;
  EXPECT_NE(page.find("<span class=\"bad\" title=\"failed "), std::string::npos) << page;

  // Recovered: one recovery.
  fs::remove(fail_flag);
  const size_t ok0 = results("tick", "success");
  ASSERT_TRUE(WaitFor([&] { return results("tick", "success") >= ok0 + 2; }, 10s)) << Log(d);
  std::this_thread::sleep_for(1500ms);
  EXPECT_EQ(told(), "failure tick\nrecovery tick\n") << Log(d);

  // Broken by an edit: the daemon keeps the set it validated (tick keeps
  // running), the health check tells `broken` once, and the other job
  // never notices.
  WriteConfig(jobs("Mon 25:00"));
  kill(d.pid, SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return told().find("broken tick") != std::string::npos; }, 10s))
      << told() << Log(d);
  const size_t other0 = results("other", "success");
  ASSERT_TRUE(WaitFor([&] { return results("other", "success") >= other0 + 2; }, 10s)) << Log(d);
  EXPECT_EQ(told(), "failure tick\nrecovery tick\nbroken tick\n") << Log(d);
  EXPECT_NE(HttpGet(port, "/status.json").second.find("\"health\": \"broken\""), std::string::npos);

  // Mended: one recovery, and quiet after it.
  WriteConfig(jobs("*:*:*"));
  kill(d.pid, SIGHUP);
  ASSERT_TRUE(WaitFor([&] { return told().size() > 40; }, 10s)) << told() << Log(d);
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(told(), "failure tick\nrecovery tick\nbroken tick\nrecovery tick\n") << Log(d);
  EXPECT_EQ(HttpGet(port, "/healthz").first, 200);
  EXPECT_EQ(Stop(d), 0) << Log(d);
}

TEST_F(DaemonE2E, InvalidFileAtStartExitsTwoAtOnce) {
  // Line 5, column 12: a calendar spec without quotes.
  WriteConfig("[jobs.x]\ncommand = \"true\"\nschedule = *:*:0/1\n");
  auto begin = steady_clock::now();
  Daemon& d = Start();
  auto rc = WaitExit(d, 10s);
  ASSERT_TRUE(rc.has_value()) << "the daemon kept running on an invalid file\n" << Log(d);
  EXPECT_EQ(*rc, 2) << Log(d);
  EXPECT_LT(steady_clock::now() - begin, 5s);
  auto errors = Select(d, "config_error");
  ASSERT_EQ(errors.size(), 1u) << Log(d);
  EXPECT_EQ(errors[0]["detail"].rfind(config_ + ":5:12: ", 0), 0u) << Log(d);
  EXPECT_EQ(Count(d, "daemon_ready"), 0u) << Log(d);
}

TEST_F(DaemonE2E, SigtermWithoutOrphans) {
  WriteConfig("[jobs.long]\ncommand = \"echo $$ > " + dir_ +
              "/job.pid; sleep 30\"\non_startup = \"100ms\"\naccuracy = \"1us\"\n");
  Daemon& d = Start({"--shutdown-grace=2s"});
  std::optional<Proc> job;
  ASSERT_TRUE(WaitFor([&] { return (job = JobBelow(d)).has_value(); }, 10s)) << Log(d);
  auto tree = DescendantsOf(d.pid);

  auto begin = steady_clock::now();
  auto rc = Stop(d);
  ASSERT_TRUE(rc.has_value()) << "the daemon did not stop\n" << Log(d);
  EXPECT_EQ(*rc, 0) << Log(d);
  EXPECT_LT(steady_clock::now() - begin, 5s);
  EXPECT_FALSE(StillRunning(*job)) << "the job survived the daemon";
  for (const Proc& p : tree) EXPECT_FALSE(StillRunning(p)) << "survived: " << Describe({p});
  EXPECT_EQ(ProcessesMentioning(dir_), std::vector<std::string>{});
  // The grace ran out (a sleep of 30 s does not finish in 2 s), the runner
  // stopped the job with SIGTERM, and nothing had to be killed.
  EXPECT_EQ(Count(d, "shutdown_grace_expired"), 1u) << Log(d);
  EXPECT_EQ(Count(d, "runs_killed"), 0u) << "the job stops on SIGTERM\n" << Log(d);
  EXPECT_EQ(Count(d, "daemon_stopped"), 1u) << Log(d);

  auto h = History("long");
  ASSERT_EQ(h.size(), 1u) << h.dump(1);
  EXPECT_EQ(h[0]["result"], "interrupted") << h.dump(1);
}

// On SIGTERM a running job gets --shutdown-grace to finish; then its runner
// stops it; a job that ignores SIGTERM (and whose kill_grace is long) is
// killed at the next step, which a second SIGTERM brings forward. The
// daemon exits only once nothing is left below it (before, it exited once
// its runners were reaped, with the killed job still going away).
TEST_F(DaemonE2E, JobIgnoringSigtermIsKilledWhenTheShutdownGraceRunsOut) {
  WriteConfig("[jobs.stubborn]\ncommand = \"trap '' TERM; echo $$ > " + dir_ +
              "/job.pid; sleep 30\"\non_startup = \"100ms\"\naccuracy = \"1us\"\n"
              "kill_grace = \"1h\"\n");
  Daemon& d = Start({"--shutdown-grace=2s"});
  std::optional<Proc> job;
  ASSERT_TRUE(WaitFor([&] { return (job = JobBelow(d)).has_value(); }, 10s)) << Log(d);
  auto tree = DescendantsOf(d.pid);

  auto begin = steady_clock::now();
  Signal(d, SIGTERM);
  ASSERT_TRUE(WaitFor([&] { return Count(d, "shutdown_grace_expired") == 1; }, 15s)) << Log(d);
  EXPECT_GE(steady_clock::now() - begin, 1800ms) << "the job got less than --shutdown-grace";
  EXPECT_TRUE(StillRunning(*job)) << "the grace is for the job to finish: it was stopped";
  Signal(d, SIGTERM);  // do not wait the hour of kill_grace
  auto rc = WaitExit(d, 15s);
  ASSERT_TRUE(rc.has_value()) << "the daemon did not stop\n" << Log(d);
  EXPECT_EQ(*rc, 0) << Log(d);
  EXPECT_EQ(Count(d, "runs_killed"), 1u) << Log(d);
  EXPECT_FALSE(StillRunning(*job)) << "the job survived the daemon";
  for (const Proc& p : tree) EXPECT_FALSE(StillRunning(p)) << "survived: " << Describe({p});
  EXPECT_EQ(ProcessesMentioning(dir_), std::vector<std::string>{});

  auto h = History("stubborn");
  ASSERT_EQ(h.size(), 1u) << h.dump(1);
  EXPECT_EQ(h[0]["result"], "interrupted") << h.dump(1);
}

// --leave-runs: the daemon exits at once and the running job finishes on
// its own, recorded as it ended (an upgrade kills no backup).
TEST_F(DaemonE2E, LeaveRunsLetsTheRunningJobFinish) {
  WriteConfig("[jobs.long]\ncommand = \"echo $$ > " + dir_ + "/job.pid; while [ ! -e " + dir_ +
              "/release ]; do sleep 0.05; done\"\non_startup = \"100ms\"\naccuracy = \"1us\"\n");
  Daemon& d = Start({"--leave-runs"});
  std::optional<Proc> job;
  ASSERT_TRUE(WaitFor([&] { return (job = JobBelow(d)).has_value(); }, 10s)) << Log(d);
  auto rc = Stop(d);
  ASSERT_TRUE(rc.has_value()) << Log(d);
  EXPECT_EQ(*rc, 0);
  EXPECT_TRUE(StillRunning(*job)) << "--leave-runs stopped the job";
  std::ofstream(dir_ + "/release") << "";
  ASSERT_TRUE(WaitFor([&] { return !StillRunning(*job); }, 10s));
  ASSERT_TRUE(WaitFor(
      [&] { return History("long").size() == 1 && History("long")[0]["result"] == "success"; },
      10s))
      << History("long").dump(1);
}

TEST_F(DaemonE2E, OverlapSkipIsRecorded) {
  // Each run that really starts appends "START_NS END_NS" to spans.txt.
  WriteConfig("[jobs.slow]\ncommand = 's=$(date +%s%N); sleep 2.5; echo \"$s $(date +%s%N)\" >> " +
              dir_ +
              "/spans.txt'\nschedule = \"*:*:0/1\"\noverlap = \"skip\"\naccuracy = \"1us\"\n");
  Daemon& d = Start();
  auto skipped = [&] {
    size_t n = 0;
    for (auto& e : Select(d, "run_exited", "slow")) n += e["exit"] == "75";
    return n;
  };
  auto spans = [&] {
    std::vector<std::pair<long long, long long>> out;
    std::istringstream in(ReadFile(dir_ + "/spans.txt"));
    long long s, e;
    while (in >> s >> e) out.emplace_back(s, e);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto succeeded = [&] {
    size_t n = 0;
    for (auto& e : Select(d, "run_finished", "slow")) n += e["result"] == "success";
    return n;
  };
  // Stopped right after a success was recorded, the run in flight (if any)
  // is still in its sleep: it ends interrupted or skipped, never half-recorded.
  ASSERT_TRUE(WaitFor([&] { return succeeded() >= 2 && skipped() >= 2; }, 30s)) << Log(d);
  ASSERT_EQ(Stop(d), 0) << Log(d);

  auto done = spans();
  for (size_t i = 1; i < done.size(); ++i)
    EXPECT_GE(done[i].first, done[i - 1].second)
        << "two runs of an overlap = skip job ran at the same time";

  auto h = History("slow");
  EXPECT_GE(CountRuns(h, "result", "skipped"), 2u) << h.dump(1);
  EXPECT_EQ(CountRuns(h, "result", "success"), done.size()) << h.dump(1);
  // started_at has whole seconds only: a success that started before the
  // previous one ended (by more than that rounding) is an overlap.
  std::vector<std::pair<int64_t, int64_t>> ok;  // start, duration (µs)
  for (const auto& r : h)
    if (r["result"] == "success")
      ok.emplace_back(MustParse(r["started_at"]), r["duration_ms"].get<int64_t>() * 1000);
  std::sort(ok.begin(), ok.end());
  for (size_t i = 1; i < ok.size(); ++i)
    EXPECT_GT(ok[i].first + 1'000'000, ok[i - 1].first + ok[i - 1].second)
        << "recorded successes overlap\n"
        << h.dump(1);
}

TEST_F(DaemonE2E, Pid1ReapsZombies) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to create a PID namespace";
  if (Shell("command -v unshare >/dev/null 2>&1").rc != 0)
    GTEST_SKIP() << "unshare (util-linux) is not installed";
  if (Shell("unshare --pid --fork --mount-proc true >/dev/null 2>&1").rc != 0)
    GTEST_SKIP() << "cannot create a PID namespace here (unshare --pid failed)";
  // orphans: a double-forked child outlives its shell (the runner, a
  // subreaper, collects it). escape: the job kills its own runner, so the
  // shell and its background child are re-parented to the daemon, PID 1.
  WriteConfig(R"(
[jobs.orphans]
command = "(sleep 0.2 &) ; exit 0"
schedule = "*:*:0/1"
accuracy = "1us"
[jobs.escape]
command = "sleep 0.3 & kill -KILL $PPID; sleep 0.1"
schedule = "*:*:0/2"
accuracy = "1us"
)");
  Daemon& ns = Start({}, "", /*in_pid_namespace=*/true);
  ASSERT_TRUE(WaitForEvent(ns, "daemon_ready")) << Log(ns);
  std::optional<Proc> daemon;
  for (const Proc& p : DescendantsOf(ns.pid))
    if (p.ppid == ns.pid) daemon = p;
  ASSERT_TRUE(daemon.has_value()) << Log(ns);
  EXPECT_EQ(InnermostPid(daemon->pid), 1) << "the daemon is not PID 1 of its namespace";
  ASSERT_TRUE(WaitForEvent(ns, "run_exited", 3, "orphans", 10s)) << Log(ns);
  ASSERT_TRUE(WaitForEvent(ns, "run_exited", 2, "escape", 10s)) << Log(ns);
  for (auto& e : Select(ns, "run_exited", "escape")) EXPECT_EQ(e["exit"], "SIGKILL") << Log(ns);

  // A zombie is normal for a moment; one still there a second later is not
  // being reaped.
  std::map<std::pair<int, unsigned long long>, steady_clock::time_point> first_seen;
  std::vector<std::string> lingering;
  auto end = steady_clock::now() + 2500ms;
  while (steady_clock::now() < end && lingering.empty()) {
    auto now = steady_clock::now();
    for (const Proc& p : DescendantsOf(ns.pid)) {
      if (p.state != 'Z') continue;
      auto [it, fresh] = first_seen.emplace(std::make_pair(p.pid, p.start), now);
      if (!fresh && now - it->second >= 1s)
        lingering.push_back(std::to_string(p.pid) + " (ppid " + std::to_string(p.ppid) + ")");
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(lingering, std::vector<std::string>{}) << "zombies nobody reaps\n" << Log(ns);

  // util-linux unshare blocks SIGTERM and does not forward it; like a
  // container runtime, signal the namespace's PID 1. unshare then exits with
  // the daemon's status.
  auto tree = DescendantsOf(ns.pid);
  kill(daemon->pid, SIGTERM);
  auto rc = WaitExit(ns, 15s);
  ASSERT_TRUE(rc.has_value()) << "the daemon did not stop\n" << Log(ns);
  EXPECT_EQ(*rc, 0) << Log(ns);
  EXPECT_EQ(Count(ns, "daemon_stopped"), 1u) << Log(ns);
  for (const Proc& p : tree) EXPECT_FALSE(StillRunning(p)) << "survived: " << Describe({p});
  EXPECT_EQ(ProcessesMentioning(dir_), std::vector<std::string>{});
}

TEST_F(DaemonE2E, NextShowsTheDaemonsPlan) {
  WriteConfig(R"(
[jobs.nightly]
command = ["true"]
schedule = "daily"
)");
  Daemon& d = Start();
  ASSERT_TRUE(WaitForEvent(d, "daemon_ready")) << Log(d);
  nlohmann::json next;
  ASSERT_TRUE(WaitFor(
      [&] {
        next = Next("nightly");
        return next.size() == 1 && next[0].contains("daemon");
      },
      10s))
      << next.dump(1) << "\n"
      << Log(d);
  const auto& plan = next[0]["daemon"];
  ASSERT_TRUE(plan.contains("next") && plan["next"].is_string()) << next.dump(1);
  EXPECT_GT(MustParse(plan["next"]), WallMicrosNow()) << next.dump(1);
  EXPECT_EQ(plan["next"], next[0]["next"]) << "the daemon and `surety next` disagree";
  EXPECT_EQ(plan["trigger"], "schedule") << next.dump(1);
  EXPECT_EQ(plan["running"], false) << next.dump(1);

  ASSERT_EQ(Stop(d), 0) << Log(d);
  EXPECT_FALSE(fs::exists(dir_ + "/state/next.json")) << "a stopped daemon left its plan behind";
  EXPECT_FALSE(Next("nightly")[0].contains("daemon"));
}

TEST_F(DaemonE2E, NextFollowsAReload) {
  WriteConfig("[jobs.nightly]\ncommand = [\"true\"]\nschedule = \"daily\"\n");
  Daemon& d = Start();
  ASSERT_TRUE(WaitForEvent(d, "daemon_ready")) << Log(d);
  // Reload at once (within a second of the plan written at start-up) with a
  // new schedule and a new job.
  WriteConfig(
      "[jobs.nightly]\ncommand = [\"true\"]\nschedule = \"2099-01-01 00:00:00 UTC\"\n"
      "[jobs.added]\ncommand = [\"true\"]\nschedule = \"2098-01-01 00:00:00 UTC\"\n");
  Signal(d, SIGHUP);
  ASSERT_TRUE(WaitForEvent(d, "reloaded")) << Log(d);
  nlohmann::json nightly, added;
  EXPECT_TRUE(WaitFor(
      [&] {
        nightly = Next("nightly");
        added = Next("added");
        return nightly.size() == 1 && nightly[0].contains("daemon") &&
               nightly[0]["daemon"]["next"] == "2099-01-01T00:00:00Z" && added.size() == 1 &&
               added[0].contains("daemon") && added[0]["daemon"]["next"] == "2098-01-01T00:00:00Z";
      },
      10s))
      << "next.json still shows the plan from before the reload\n"
      << nightly.dump(1) << "\n"
      << added.dump(1) << "\n"
      << ReadFile(dir_ + "/state/next.json") << Log(d);
  EXPECT_EQ(Stop(d), 0) << Log(d);
}

}  // namespace
}  // namespace surety
