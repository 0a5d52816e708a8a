// The recipes in examples/recipes/ run for real: restic and borg back up a
// temporary tree into a real repository, through the real binary, with the
// recipe's own command, exit tiers and verify command (read from the
// recipe, with only its paths pointed into the test's directory). Each
// recipe must
//   - record success, with its verify command run;
//   - record `warning` (and exit 0) when the tool's user cannot read a
//     source file: restic exits 3, borg 1;
//   - record `verify_failed` (exit 4) once the repository's data is damaged,
//     even though the backup itself still succeeds (both tools write new
//     data without reading back the old).
// The jobs run as `nobody` (surety run stays root and starts the command and
// the verify command as that user), so that a root-owned file of mode 0000
// is unreadable to the tool: root would read it anyway. Everything else the
// tool touches (source, repository, cache) belongs to nobody. Needs root,
// restic and borg (scripts/setup.sh installs them).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "job_file_fixture.h"

namespace surety {
namespace {

using testing_util::CliResult;
using testing_util::JobFileFixture;
using testing_util::Shell;
using testing_util::ShellQuote;

std::string Read(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

// Replaces the one occurrence of `from` in `text`; fails the test if there
// is none (the recipe changed under the test).
void ReplaceOnce(std::string& text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  ASSERT_NE(at, std::string::npos) << "the recipe no longer holds: " << from;
  text.replace(at, from.size(), to);
}

class RecipesE2E : public JobFileFixture {
 protected:
  void SetUp() override {
    JobFileFixture::SetUp();
    if (geteuid() != 0) GTEST_SKIP() << "runs the job as nobody: needs root";
    // nobody must reach the work directory below the test's directory;
    // the state directory stays root's alone.
    chmod(dir_.c_str(), 0755);
    work_ = dir_ + "/work";
    src_ = work_ + "/src";
    repo_ = work_ + "/repo";
    env_file_ = dir_ + "/tool.env";
    std::filesystem::create_directories(src_);
    std::ofstream(src_ + "/notes.txt") << "what a restore must bring back\n";
    // A file big enough to get a data pack (restic) or segment (borg) of
    // its own, so that damaging the largest file hits file data.
    ASSERT_EQ(Shell("head -c 300000 /dev/urandom > " + ShellQuote(src_ + "/blob.bin")).rc, 0);
  }

  // The environment file the job reads (root's, 0600, as the recipe asks).
  void WriteEnvFile(const std::string& text) {
    std::ofstream(env_file_) << text;
    chmod(env_file_.c_str(), 0600);
  }

  // Hands the work tree to nobody, then (optionally) adds a source file
  // nobody cannot read: root's, mode 0000.
  void GiveToNobody() { ASSERT_EQ(Shell("chown -R nobody:nogroup " + ShellQuote(work_)).rc, 0); }
  void AddUnreadableFile() {
    const std::string f = src_ + "/secret.key";
    std::ofstream(f) << "root only\n";
    ASSERT_EQ(chmod(f.c_str(), 0000), 0);
  }

  // The recipe `name`, made to run here: without its [settings] (the
  // fixture sets the state directory), as nobody, with no retries (a
  // failure must not wait minutes), its paths replaced by the test's.
  std::string Recipe(const std::string& name, const std::string& env_path,
                     const std::string& sources) {
    std::string text = Read(std::string(SURETY_SOURCE_DIR) + "/examples/recipes/" + name + ".toml");
    ReplaceOnce(text, "[settings]\nstate_dir = \"/var/lib/surety\"\n", "");
    ReplaceOnce(text, "[jobs." + name + "]\n", "[jobs." + name + "]\nuser = \"nobody\"\n");
    ReplaceOnce(text, "retries = 2", "retries = 0");
    ReplaceOnce(text, "environment_file = \"" + env_path + "\"",
                "environment_file = \"" + env_file_ + "\"");
    ReplaceOnce(text, sources, "\"" + src_ + "\"");
    return text;
  }

  // `surety run JOB`: its exit status; the newest history record.
  nlohmann::json Run(const std::string& job, int want_rc) {
    CliResult r = Surety("run " + job);
    EXPECT_EQ(r.rc, want_rc) << r.out;
    auto h = History(job);
    EXPECT_FALSE(h.empty()) << r.out;
    return h.empty() ? nlohmann::json::object() : h[0];
  }

  // Overwrites 32 bytes in the middle of `file`, keeping its size: a bit
  // rot that no tool notices until it reads the data back.
  static void Damage(const std::string& file) {
    ASSERT_EQ(Shell("printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of=" + ShellQuote(file) +
                    " bs=1 seek=$(( $(stat -c %s " + ShellQuote(file) +
                    ") / 2 )) conv=notrunc status=none")
                  .rc,
              0);
  }

  std::string work_, src_, repo_, env_file_;
};

// --- restic ------------------------------------------------------------

class RecipesResticE2E : public RecipesE2E {
 protected:
  void SetUp() override {
    RecipesE2E::SetUp();
    if (IsSkipped()) return;
    ASSERT_EQ(Shell("command -v restic").rc, 0) << "restic is needed (scripts/setup.sh)";
    const std::string password = work_ + "/restic.password";
    std::ofstream(password) << "correct horse battery staple\n";
    chmod(password.c_str(), 0600);
    WriteEnvFile("RESTIC_REPOSITORY=" + repo_ + "\nRESTIC_PASSWORD_FILE=" + password +
                 "\nRESTIC_CACHE_DIR=" + work_ + "/cache\n");
    CliResult init = Shell("env $(cat " + ShellQuote(env_file_) + ") restic init -q 2>&1");
    ASSERT_EQ(init.rc, 0) << init.out;
    GiveToNobody();
    WriteConfig("\n" + Recipe("restic", "/etc/surety/restic.env", R"("/etc", "/home", "/srv")"));
  }
};

TEST_F(RecipesResticE2E, BacksUpAndChecksTheRepository) {
  auto rec = Run("restic", 0);
  EXPECT_EQ(rec["result"], "success") << rec.dump(1);
  EXPECT_EQ(rec["exit_code"], 0) << rec.dump(1);
  EXPECT_NE(rec["message"].get<std::string>().find("artifact verified"), std::string::npos)
      << "the verify command (restic check) ran\n"
      << rec.dump(1);
  CliResult snaps =
      Shell("env $(cat " + ShellQuote(env_file_) + ") restic snapshots --tag surety --json 2>&1");
  ASSERT_EQ(snaps.rc, 0) << snaps.out;
  EXPECT_EQ(nlohmann::json::parse(snaps.out).size(), 1u) << snaps.out;
}

TEST_F(RecipesResticE2E, AnUnreadableSourceFileIsAWarning) {
  AddUnreadableFile();
  auto rec = Run("restic", 0);
  EXPECT_EQ(rec["result"], "warning") << rec.dump(1);
  EXPECT_EQ(rec["exit_code"], 3) << "restic: snapshot made, some files unreadable\n" << rec.dump(1);
  EXPECT_NE(rec["message"].get<std::string>().find("artifact verified"), std::string::npos)
      << rec.dump(1);
}

TEST_F(RecipesResticE2E, ADamagedRepositoryFailsVerification) {
  ASSERT_EQ(Run("restic", 0)["result"], "success");
  // Every pack: `check --read-data-subset 5%` reads one pack at random of
  // the two this repository has, and its structure check loads the trees.
  int packs = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(repo_ + "/data"))
    if (e.is_regular_file()) {
      Damage(e.path().string());
      ++packs;
    }
  ASSERT_GT(packs, 0);
  auto rec = Run("restic", 4);
  EXPECT_EQ(rec["result"], "verify_failed") << rec.dump(1);
  EXPECT_EQ(rec["exit_code"], 0) << "the backup itself succeeded\n" << rec.dump(1);
}

// --- borg --------------------------------------------------------------

class RecipesBorgE2E : public RecipesE2E {
 protected:
  void SetUp() override {
    RecipesE2E::SetUp();
    if (IsSkipped()) return;
    ASSERT_EQ(Shell("command -v borg").rc, 0) << "borg is needed (scripts/setup.sh)";
    WriteEnvFile("BORG_REPO=" + repo_ + "\nBORG_PASSPHRASE=correct-horse-battery-staple\n" +
                 "BORG_BASE_DIR=" + work_ + "/borg\n");
    CliResult init = Shell("set -a; . " + ShellQuote(env_file_) + "; borg init -e repokey 2>&1");
    ASSERT_EQ(init.rc, 0) << init.out;
    GiveToNobody();
    WriteConfig("\n" + Recipe("borg", "/etc/surety/borg.env", R"("/etc", "/home", "/srv")"));
  }
};

TEST_F(RecipesBorgE2E, BacksUpAndChecksTheRepository) {
  auto rec = Run("borg", 0);
  EXPECT_EQ(rec["result"], "success") << rec.dump(1);
  EXPECT_EQ(rec["exit_code"], 0) << rec.dump(1);
  EXPECT_NE(rec["message"].get<std::string>().find("artifact verified"), std::string::npos)
      << "the verify command (borg check) ran\n"
      << rec.dump(1);
  CliResult list = Shell("set -a; . " + ShellQuote(env_file_) + "; borg list --short 2>&1");
  ASSERT_EQ(list.rc, 0) << list.out;
  EXPECT_NE(list.out.find('-'), std::string::npos) << "one archive, named HOST-DATE\n" << list.out;
}

TEST_F(RecipesBorgE2E, AnUnreadableSourceFileIsAWarning) {
  AddUnreadableFile();
  auto rec = Run("borg", 0);
  EXPECT_EQ(rec["result"], "warning") << rec.dump(1);
  EXPECT_EQ(rec["exit_code"], 1) << "borg: archive made, with warnings\n" << rec.dump(1);
  EXPECT_NE(rec["message"].get<std::string>().find("artifact verified"), std::string::npos)
      << rec.dump(1);
}

TEST_F(RecipesBorgE2E, ADamagedRepositoryFailsVerification) {
  ASSERT_EQ(Run("borg", 0)["result"], "success");
  // The largest segment holds blob.bin's chunks. The next `borg create`
  // finds them in its chunk cache and does not read them; `borg check`
  // reads every segment and its checksums no longer match.
  std::string largest;
  uintmax_t size = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(repo_ + "/data"))
    if (e.is_regular_file() && e.file_size() > size) {
      size = e.file_size();
      largest = e.path().string();
    }
  ASSERT_GT(size, 300000u) << largest;
  Damage(largest);
  // The archive name has one-second resolution: the next run needs a new one.
  sleep(1);
  auto rec = Run("borg", 4);
  EXPECT_EQ(rec["result"], "verify_failed") << rec.dump(1);
  EXPECT_EQ(rec["exit_code"], 0) << "the backup itself succeeded\n" << rec.dump(1);
}

}  // namespace
}  // namespace surety
