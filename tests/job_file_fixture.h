// JobFileFixture: the end-to-end tests' scratch state directory and job
// file, and `surety` run on them through the real binary.
//
// Each test gets a new directory under /tmp with a job file whose
// [settings] state_dir lies inside it; TearDown removes it. Not thread-safe
// (one test at a time, as gtest runs them).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
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
  void TearDown() override { std::filesystem::remove_all(dir_); }

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

  std::string dir_, config_;
};

}  // namespace surety::testing_util
