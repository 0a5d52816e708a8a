// JobFileFixture: the end-to-end tests' scratch state directory and job
// file, and `surety` run on them through the real binary.
//
// Each test gets a new directory under /tmp with a job file whose
// [settings] state_dir lies inside it; TearDown kills every runner a test
// started and did not wait for (a test that failed half-way), then removes
// the directory. Not thread-safe (one test at a time, as gtest runs them).
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "test_util.h"

namespace surety::testing_util {

class JobFileFixture : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/surety-e2e-XXXXXX";
    dir_ = mkdtemp(tmpl);
    config_ = dir_ + "/surety.toml";
  }
  void TearDown() override {
    for (pid_t pid : runners_) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    runners_.clear();
    std::filesystem::remove_all(dir_);
  }

  // Writes the job file: the state directory, then `jobs` (TOML).
  void WriteConfig(const std::string& jobs) {
    std::ofstream(config_) << "[settings]\nstate_dir = \"" << dir_ << "/state\"\n" << jobs;
  }
  // `surety --config JOBFILE ARGS` as a shell command line.
  std::string Line(const std::string& args) {
    return std::string(SURETY_BINARY) + " --config " + ShellQuote(config_) + " " + args;
  }
  // Runs `surety ARGS` with the test's job file; stdout+stderr captured.
  CliResult Surety(const std::string& args) { return Shell(Line(args) + " 2>&1"); }
  nlohmann::json History(const std::string& job) {
    return nlohmann::json::parse(Shell(Line("history " + job + " --json") + " 2>/dev/null").out);
  }
  // Starts `surety run JOB` in the background; returns its pid. With a
  // `log` path, its stdout and stderr go to that file (else to ours).
  pid_t StartRun(const char* job, const std::string& log = "") {
    pid_t pid = fork();
    if (pid == 0) {
      if (!log.empty()) {
        int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0) _exit(126);
      }
      execl(SURETY_BINARY, SURETY_BINARY, "--config", config_.c_str(), "run", job,
            static_cast<char*>(nullptr));
      _exit(127);
    }
    EXPECT_GT(pid, 0) << "fork failed";
    if (pid > 0) runners_.insert(pid);
    return pid;
  }
  // Waits for a runner StartRun started; its exit status, or -1 if a signal
  // ended it.
  int WaitRun(pid_t pid) {
    int status = 0;
    pid_t got;
    do {
      got = waitpid(pid, &status, 0);
    } while (got < 0 && errno == EINTR);
    runners_.erase(pid);
    EXPECT_EQ(got, pid) << "not a runner of this test";
    return got == pid && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // Whether some process holds the lock of job `job` (state/locks/JOB.lock),
  // asked with flock(LOCK_NB): a lock found free is taken for a moment, so
  // ask only when a run that holds it cannot be starting.
  bool JobLockHeld(const std::string& job) {
    const std::string path = dir_ + "/state/locks/" + job + ".lock";
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;  // no run ever took it
    bool held = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return held;
  }

  std::string dir_, config_;
  std::set<pid_t> runners_;  // started by StartRun, not waited for yet
};

}  // namespace surety::testing_util
