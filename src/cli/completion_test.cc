// The completion scripts: what the generator reads from a CLI11 App, what
// `surety completion` makes of the real command table, the job names it
// hands the scripts, and (in bash, which every machine has) how a made
// script completes a command tree deeper than surety's own. The installed
// scripts of all three shells are completed for real by
// tests/install/check_completion.sh.
#include "cli/completion.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "os/file_system.h"
#include "test_util.h"

namespace surety {
namespace {

using testing::ElementsAre;
using testing::HasSubstr;
using testing::Not;
using testing_util::CliResult;
using testing_util::RunSurety;
using testing_util::ShellQuote;

// A small program with every kind of argument: a choice, a file, a hidden
// option, a repeatable one, a JOB, a command with commands of its own.
struct Toy {
  CLI::App app{"toy", "toy"};
  std::string mode, file, job, hidden, shell;
  std::vector<std::string> configs, jobs;
  bool json = false;

  Toy() {
    app.add_option("--config", configs, "Job file to read (repeatable)")
        ->type_name("FILE")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    app.add_option("--mode", mode, "How. Said at length")->check(CLI::IsMember({"fast", "slow"}));
    app.fallthrough();
    auto* run = app.add_subcommand("run", "Run one job");
    run->add_option("JOB", job, "The job")->required();
    run->add_option("--out", file, "Where to")->type_name("FILE");
    run->add_option("--secret", hidden)->group("");
    run->add_flag("--json", json, "As JSON");
    auto* show = app.add_subcommand("show", "Show jobs");
    show->add_option("JOB", jobs, "Jobs");
    auto* ex = app.add_subcommand("export", "Export things");
    auto* sys = ex->add_subcommand("systemd", "As units");
    sys->add_option("SHELL", shell, "A shell")->check(CLI::IsMember({"bash", "zsh"}));
    app.add_subcommand("secret", "Not shown")->group("");
  }
};

// The option (or command) of that name; an empty one, and a failure, if
// there is none.
CompletionArg OptionOf(const CompletionCommand& c, const std::string& name) {
  for (const auto& o : c.options)
    for (const auto& n : o.names)
      if (n == name) return o;
  ADD_FAILURE() << "no option " << name << " in '" << c.name << "'";
  return {};
}

CompletionCommand CommandOf(const CompletionCommand& c, const std::string& name) {
  for (const auto& sub : c.commands)
    if (sub.name == name) return sub;
  ADD_FAILURE() << "no command " << name << " in '" << c.name << "'";
  return {};
}

TEST(CompletionTest, DescribesTheAppTree) {
  Toy toy;
  const CompletionCommand root = DescribeForCompletion(toy.app);
  EXPECT_EQ(root.name, "toy");
  ASSERT_EQ(root.commands.size(), 4u);
  EXPECT_TRUE(root.inherits);

  const CompletionArg config = OptionOf(root, "--config");
  EXPECT_TRUE(config.takes_value);
  EXPECT_TRUE(config.repeatable);
  EXPECT_EQ(config.kind, ValueKind::kFile);
  EXPECT_EQ(config.description, "Job file to read");

  const CompletionArg mode = OptionOf(root, "--mode");
  EXPECT_EQ(mode.kind, ValueKind::kChoices);
  EXPECT_THAT(mode.choices, ElementsAre("fast", "slow"));
  EXPECT_EQ(mode.description, "How");

  const CompletionArg help = OptionOf(root, "--help");
  EXPECT_FALSE(help.takes_value);
  EXPECT_THAT(help.names, ElementsAre("-h", "--help"));

  const CompletionCommand run = CommandOf(root, "run");
  EXPECT_FALSE(run.hidden);
  ASSERT_EQ(run.positionals.size(), 1u);
  EXPECT_EQ(run.positionals[0].kind, ValueKind::kJob);
  EXPECT_EQ(run.positionals[0].max_words, 1);
  EXPECT_TRUE(OptionOf(run, "--secret").hidden);
  EXPECT_TRUE(OptionOf(run, "--secret").takes_value);
  EXPECT_FALSE(OptionOf(run, "--json").takes_value);
  EXPECT_EQ(OptionOf(run, "--out").kind, ValueKind::kFile);

  const CompletionCommand show = CommandOf(root, "show");
  ASSERT_EQ(show.positionals.size(), 1u);
  EXPECT_EQ(show.positionals[0].max_words, 0);  // every word left

  const CompletionCommand sys = CommandOf(CommandOf(root, "export"), "systemd");
  ASSERT_EQ(sys.positionals.size(), 1u);
  EXPECT_THAT(sys.positionals[0].choices, ElementsAre("bash", "zsh"));
  EXPECT_TRUE(CommandOf(root, "secret").hidden);
}

// The set is read from the validator's description: every word offered
// must be one the validator accepts, and it must be the whole set.
TEST(CompletionTest, ChoicesAreWhatTheValidatorAccepts) {
  Toy toy;
  const CompletionArg mode = OptionOf(DescribeForCompletion(toy.app), "--mode");
  ASSERT_FALSE(mode.choices.empty());
  const CLI::Validator& v = *toy.app.get_option("--mode")->get_validator();
  for (const auto& c : mode.choices) EXPECT_EQ(v(c), "") << c;
  EXPECT_NE(v(std::string("medium")), "");
}

TEST(CompletionTest, ShellNames) {
  EXPECT_EQ(ShellNamed("bash"), Shell::kBash);
  EXPECT_EQ(ShellNamed("zsh"), Shell::kZsh);
  EXPECT_EQ(ShellNamed("fish"), Shell::kFish);
  EXPECT_EQ(ShellNamed("tcsh"), std::nullopt);
}

TEST(CompletionTest, EveryPlaceholderIsFilledIn) {
  Toy toy;
  for (Shell s : {Shell::kBash, Shell::kZsh, Shell::kFish}) {
    const std::string script = CompletionScript(toy.app, s);
    EXPECT_THAT(script, Not(HasSubstr("@FN@")));
    EXPECT_THAT(script, Not(HasSubstr("@PROG@")));
    EXPECT_THAT(script, Not(HasSubstr("@CONFIG@")));
    EXPECT_THAT(script, Not(HasSubstr("@JOBS@")));
    EXPECT_THAT(script, Not(HasSubstr("@TABLES@")));
    EXPECT_NE(script.find("completion --jobs"), std::string::npos);
    // Hidden things are never offered.
    EXPECT_THAT(script, Not(HasSubstr("Not shown")));
  }
}

// zsh's _arguments must know every option that may stand after a command,
// hidden and inherited ones too, or it takes their values for arguments;
// it offers only the command's own. (Completed for real, on a terminal, by
// tests/install/check_completion.sh.)
TEST(CompletionTest, ZshKnowsWhatItDoesNotOffer) {
  Toy toy;
  const std::string zsh = CompletionScript(toy.app, Shell::kZsh);
  const size_t run = zsh.find("\n_toy_cmd_run() {\n");
  ASSERT_NE(run, std::string::npos);
  const std::string body = zsh.substr(run, zsh.find("\n}\n", run) - run);
  EXPECT_NE(body.find("'--out=[Where to]:out:_files'"), std::string::npos) << body;
  EXPECT_NE(body.find("'!--secret=[]:secret:_message -e value secret'"), std::string::npos) << body;
  EXPECT_NE(body.find("'!*--config=[Job file to read]:config:_files'"), std::string::npos) << body;
  EXPECT_NE(body.find("'1:job:_toy_jobs'"), std::string::npos) << body;
  // Options after the command are the command's.
  EXPECT_NE(zsh.find("_arguments -C -s -S -A '-*'"), std::string::npos);
}

// The made bash script, sourced in a bash that completes one line: what
// it offers, one word a line.
std::string BashComplete(const std::string& script, const std::vector<std::string>& words,
                         const std::string& program = "toy") {
  char tmpl[] = "/tmp/surety-completion-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  std::ofstream(dir + "/script.bash") << script;
  std::string array;
  for (const auto& w : words) array += " " + ShellQuote(w);
  const std::string body = "source " + ShellQuote(dir + "/script.bash") + "; COMP_WORDS=(" + array +
                           "); COMP_CWORD=" + std::to_string(words.size() - 1) + "; _" + program +
                           "; for w in \"${COMPREPLY[@]}\"; do echo \"$w\"; done";
  CliResult r = testing_util::Shell("bash --norc -c " + ShellQuote(body) + " 2>&1");
  std::filesystem::remove_all(dir);
  return r.out;
}

TEST(CompletionTest, BashCompletesANestedTree) {
  Toy toy;
  const std::string script = CompletionScript(toy.app, Shell::kBash);
  EXPECT_EQ(BashComplete(script, {"toy", ""}), "run\nshow\nexport\n");
  EXPECT_EQ(BashComplete(script, {"toy", "--mode", ""}), "fast\nslow\n");
  EXPECT_EQ(BashComplete(script, {"toy", "--mode", "=", "s"}), "slow\n");
  EXPECT_EQ(BashComplete(script, {"toy", "--mode", "f", "e"}), "export\n");
  EXPECT_EQ(BashComplete(script, {"toy", "export", ""}), "systemd\n");
  EXPECT_EQ(BashComplete(script, {"toy", "export", "systemd", "z"}), "zsh\n");
  // The option of the parent holds after the command (CLI11 fallthrough),
  // so its value is skipped: "x" is no positional argument.
  EXPECT_EQ(BashComplete(script, {"toy", "export", "--config", "x", "systemd", "b"}), "bash\n");
  EXPECT_EQ(BashComplete(script, {"toy", "run", "--h"}), "--help\n");
  EXPECT_EQ(BashComplete(script, {"toy", "run", "--j"}), "--json\n");
  // The hidden option is not offered, but its value is skipped.
  EXPECT_EQ(BashComplete(script, {"toy", "run", "--s"}), "");
  // run takes one JOB: after it, the options.
  EXPECT_EQ(BashComplete(script, {"toy", "run", "db", "--secret", "v", "--o"}), "--out\n");
  EXPECT_EQ(BashComplete(script, {"toy", "run", "db", ""}), "--help\n--out\n--json\n");
  // A hidden command is not offered, but completes once typed.
  EXPECT_EQ(BashComplete(script, {"toy", "sec"}), "");
}

// The real command table, completed by the script it makes.
TEST(CompletionTest, SuretyCompletionOffersEveryCommandAndItsChoices) {
  CliResult help = RunSurety({"--help"}, MapEnv());
  CliResult bash = RunSurety({"completion", "bash"}, MapEnv());
  ASSERT_EQ(bash.rc, 0) << bash.err;
  const std::string& script = bash.out;
  // The commands `surety --help` lists, and only them, in its order.
  std::istringstream lines(help.out);
  std::string line, listed;
  bool on = false;
  while (std::getline(lines, line)) {
    if (line == "Subcommands:") {
      on = true;
    } else if (on && line.empty()) {
      break;
    } else if (on && line.size() > 2 && line[2] != ' ') {
      listed += line.substr(2, line.find(' ', 2) - 2) + "\n";
    }
  }
  ASSERT_FALSE(listed.empty());
  EXPECT_EQ(BashComplete(script, {"surety", ""}, "surety"), listed);
  EXPECT_THAT(listed, Not(HasSubstr("completion")));

  // Each option whose values are a set, with the set its IsMember holds.
  EXPECT_EQ(BashComplete(script, {"surety", "run", "--trigger", ""}, "surety"),
            "manual\nschedule\ncatchup\nboot\n");
  EXPECT_EQ(BashComplete(script, {"surety", "--log-format", ""}, "surety"), "logfmt\njson\n");
  EXPECT_EQ(BashComplete(script, {"surety", "--log-level", ""}, "surety"),
            "debug\ninfo\nwarning\nerror\n");
  // The root's options hold after the command too.
  EXPECT_EQ(BashComplete(script, {"surety", "status", "--log-level", "w"}, "surety"), "warning\n");
  EXPECT_EQ(BashComplete(script, {"surety", "completion", ""}, "surety"), "bash\nzsh\nfish\n");
  // Files where a file is due.
  const std::string file = testing_util::TestDataDir();
  const std::string typed = file.substr(0, file.size() - 2);
  for (const std::vector<std::string>& words :
       {std::vector<std::string>{"surety", "--config", typed},
        {"surety", "metrics", "--output", typed},
        {"surety", "serve", "--token-file", typed},
        {"surety", "daemon", "--token-file", typed}}) {
    EXPECT_THAT(BashComplete(script, words, "surety"), HasSubstr(file + "\n")) << words[1];
  }
  // The hidden option of serve takes a value, which is skipped over: the
  // address is still due after it.
  EXPECT_EQ(BashComplete(script, {"surety", "serve", "--daemon-pid", "1", ""}, "surety"), "");
  EXPECT_EQ(BashComplete(script, {"surety", "serve", ":9724", ""}, "surety"),
            "--help\n--token-file\n");

  // zsh and fish from the same table.
  for (const char* shell : {"zsh", "fish"}) {
    CliResult r = RunSurety({"completion", shell}, MapEnv());
    EXPECT_EQ(r.rc, 0) << shell;
    EXPECT_NE(r.out.find("manual schedule catchup boot"), std::string::npos) << shell;
    EXPECT_NE(r.out.find("completion --jobs"), std::string::npos) << shell;
  }
}

// Every JOB argument completes to the job names the program gives.
TEST(CompletionTest, SuretyJobArgumentsCompleteToJobNames) {
  const std::string script = RunSurety({"completion", "bash"}, MapEnv()).out;
  char tmpl[] = "/tmp/surety-completion-bin-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  // A stand-in for the program: prints two job names when asked as the
  // scripts ask, with the --config it was given.
  std::ofstream(dir + "/surety")
      << "#!/bin/sh\n"
         "[ \"$1 $2 $3 $4\" = \"--config /j.toml completion --jobs\" ] && echo db && echo "
         "backup\n";
  chmod((dir + "/surety").c_str(), 0755);
  const std::string bin = dir + "/surety";
  for (const char* command : {"run", "next", "status", "check", "history", "outbox"}) {
    EXPECT_EQ(BashComplete(script, {bin, "--config", "/j.toml", command, ""}, "surety"),
              "db\nbackup\n")
        << command;
  }
  EXPECT_EQ(BashComplete(script, {bin, "--config=/j.toml", "status", "db", "b"}, "surety"),
            "backup\n");
  EXPECT_EQ(BashComplete(script, {bin, "run", "--config", "/j.toml", "d"}, "surety"), "db\n");
  // run takes one job only.
  EXPECT_EQ(BashComplete(script, {bin, "--config", "/j.toml", "run", "db", "b"}, "surety"), "");
  std::filesystem::remove_all(dir);
}

TEST(CompletionTest, SuretyCompletionNeedsAShell) {
  CliResult none = RunSurety({"completion"}, MapEnv());
  EXPECT_EQ(none.rc, 2);
  EXPECT_THAT(none.err, HasSubstr("bash, zsh or fish"));
  EXPECT_EQ(RunSurety({"completion", "tcsh"}, MapEnv()).rc, 2);
  EXPECT_EQ(RunSurety({"completion", "bash", "--jobs"}, MapEnv()).rc, 2);
  CliResult help = RunSurety({"completion", "--help"}, MapEnv());
  EXPECT_EQ(help.rc, 0);
  EXPECT_THAT(help.out, HasSubstr("share/bash-completion/completions/surety"));
  // Hidden from the command list, but the root's help says where it is.
  EXPECT_THAT(RunSurety({"--help"}, MapEnv()).out, HasSubstr("surety completion --help"));
}

class CompletionJobNamesTest : public testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/surety-jobnames-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  CliResult Complete(const std::vector<std::string>& args,
                     const std::map<std::string, std::string>& env = {}) {
    FakeClock clock(Instant{Micros{1763780400000000}});
    MapEnv menv(env);
    RealFileSystem fs;
    std::ostringstream out, err;
    Services sv{clock, menv, out, err, &fs};
    CliResult r;
    r.rc = RunCli(args, sv);
    r.out = out.str();
    r.err = err.str();
    return r;
  }
  std::string dir_;
};

TEST_F(CompletionJobNamesTest, EveryJobBrokenOnesToo) {
  const std::string config = dir_ + "/surety.toml";
  std::ofstream(config) << "[settings]\nstate_dir = \"" << dir_
                        << "/state\"\n"
                           "[jobs.db]\ncommand = \"true\"\nschedule = \"daily\"\n"
                           "[jobs.backup-home]\ncommand = \"true\"\nschedule = \"daily\"\n"
                           "[jobs.broken]\ncommand = \"true\"\nschedule = \"bogus\"\n";
  CliResult r = Complete({"--config", config, "completion", "--jobs"});
  EXPECT_EQ(r.out, "backup-home\nbroken\ndb\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.rc, 0);
  // From $SURETY_CONFIG too, as every command reads it.
  EXPECT_EQ(Complete({"completion", "--jobs"}, {{"SURETY_CONFIG", config}}).out,
            "backup-home\nbroken\ndb\n");
}

TEST_F(CompletionJobNamesTest, NothingAtAllWithoutAJobFile) {
  CliResult r = Complete({"--config", dir_ + "/missing.toml", "completion", "--jobs"});
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.rc, 1);
  // Nor from $SURETY_CONFIG.
  r = Complete({"completion", "--jobs"}, {{"SURETY_CONFIG", dir_ + "/missing.toml"}});
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
  std::ofstream(dir_ + "/bad.toml") << "[jobs.db\n";
  r = Complete({"--config", dir_ + "/bad.toml", "completion", "--jobs"});
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "");
}

}  // namespace
}  // namespace surety
