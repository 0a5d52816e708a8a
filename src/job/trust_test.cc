#include "job/trust.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace surety {
namespace {

FileInfo Info(uint32_t mode, uint32_t uid = 0) {
  FileInfo info;
  info.exists = true;
  info.mode = mode;
  info.uid = uid;
  return info;
}

// One row: what stat() said, and what the rule answers (nullopt: nothing
// wrong).
struct Row {
  uint32_t mode;
  uint32_t uid;
  std::optional<std::string> problem;
};

std::string Describe(const Row& row) {
  return "mode " + std::to_string(row.mode) + " (decimal), uid " + std::to_string(row.uid);
}

// A row for a rule that also depends on whether surety runs as root.
struct RowAs {
  uint32_t mode;
  uint32_t uid;
  bool as_root;
  std::optional<std::string> problem;
};

std::string Describe(const RowAs& row) {
  return Describe(Row{row.mode, row.uid, row.problem}) + (row.as_root ? " as root" : "");
}

TEST(Trust, AJobFileMustBeRootsAndWritableByRootAlone) {
  const std::string p = "/etc/surety/a.toml";
  const std::string owner =
      "owned by uid 1000, not root; surety runs as root and would run any "
      "command its owner writes here: chown root " +
      p;
  auto writable = [&](const std::string& who, const std::string& mode) {
    return "writable by " + who + " (mode " + mode +
           "); surety runs as root and would run any command written here: chmod go-w " + p;
  };
  const struct {
    uint32_t mode, uid;
    std::vector<std::string> problems;
  } rows[] = {
      {0644, 0, {}},
      {0600, 0, {}},
      {0755, 0, {}},  // executable is fine
      {0664, 0, {writable("its group", "0664")}},
      {0646, 0, {writable("everyone", "0646")}},
      {0666, 0, {writable("everyone", "0666")}},
      {0644, 1000, {owner}},
      {0666, 1000, {owner, writable("everyone", "0666")}},
  };
  for (const auto& row : rows)
    EXPECT_EQ(JobFileProblems(p, Info(row.mode, row.uid)), row.problems) << row.mode;
}

TEST(Trust, ADirectoryAboveAJobFileMayBeStickyButMustBeRoots) {
  const std::string tail =
      ": its owner or group could replace this job file, and surety runs its commands as root";
  const Row rows[] = {
      {0755, 0, std::nullopt},
      {01777, 0, std::nullopt},  // like /tmp
      {01775, 0, std::nullopt},
      {0775, 0,
       "the directory /etc/surety is writable by its group (mode 0775; chmod go-w /etc/surety)" +
           tail},
      {0777, 0,
       "the directory /etc/surety is writable by everyone (mode 0777; chmod go-w /etc/surety)" +
           tail},
      {0755, 1000,
       "the directory /etc/surety is owned by uid 1000, not root (chown root /etc/surety)" + tail},
      {01777, 1000,
       "the directory /etc/surety is owned by uid 1000, not root (chown root /etc/surety)" + tail},
  };
  for (const Row& row : rows)
    EXPECT_EQ(JobFileDirectoryProblem("/etc/surety", Info(row.mode, row.uid)), row.problem)
        << Describe(row);
}

TEST(Trust, TheStateDirectoryMustBeRootsAloneAndTheOnesAboveItAtLeastSticky) {
  const std::string tail =
      ": whoever can change it can forge the run history or remove a job's lock";
  const Row itself[] = {
      {0700, 0, std::nullopt},
      {0755, 0, std::nullopt},
      {0777, 0, "/srv/state is writable by everyone (mode 0777; chmod go-w /srv/state)" + tail},
      // Sticky is not enough for the state directory itself: others could
      // create the journal or a lock first.
      {01777, 0, "/srv/state is writable by everyone (mode 1777; chmod go-w /srv/state)" + tail},
      {0700, 65534, "/srv/state is owned by uid 65534, not root (chown root /srv/state)" + tail},
  };
  for (const Row& row : itself)
    EXPECT_EQ(StateDirectoryProblem("/srv/state", "/srv/state", true, Info(row.mode, row.uid)),
              row.problem)
        << Describe(row);
  const Row above[] = {
      {0755, 0, std::nullopt},
      {01777, 0, std::nullopt},
      {0775, 0,
       "the directory /srv above /srv/new/state is writable by its group (mode 0775; chmod go-w "
       "/srv)" +
           tail},
      {0755, 1000,
       "the directory /srv above /srv/new/state is owned by uid 1000, not root (chown root /srv)" +
           tail},
  };
  for (const Row& row : above)
    EXPECT_EQ(StateDirectoryProblem("/srv/new/state", "/srv", false, Info(row.mode, row.uid)),
              row.problem)
        << Describe(row);
}

TEST(Trust, ASecretFileIsNotEveryonesAndAsRootOnlyRootsToChange) {
  const std::string p = "/etc/surety/ops.url";
  const std::string readable =
      p + " is world-readable (mode 0644); it holds a secret: chmod o-r " + p;
  const std::string writable =
      p + " is world-writable (mode 0602); anyone could replace the secret: chmod o-w " + p;
  auto changeable = [&](const std::string& why) {
    return p + " can be changed by someone other than root (" + why +
           "), who could then redirect the alerts: chown root " + p + " && chmod g-w " + p;
  };
  const RowAs rows[] = {
      {0600, 0, true, std::nullopt},
      {0640, 0, true, std::nullopt},
      {0600, 1000, false, std::nullopt},  // a user's own secret may be theirs
      {0660, 1000, false, std::nullopt},
      {0644, 0, true, readable},
      {0644, 1000, false, readable},
      {0602, 0, false, writable},
      {0606, 0, true, p + " is world-readable (mode 0606); it holds a secret: chmod o-r " + p},
      {0660, 0, true, changeable("mode 0660")},
      {0600, 1000, true, changeable("owned by uid 1000")},
      {0660, 1000, true, changeable("owned by uid 1000")},
  };
  for (const auto& row : rows)
    EXPECT_EQ(SecretFileProblem(p, Info(row.mode, row.uid), row.as_root), row.problem)
        << Describe(row);
}

TEST(Trust, AnEnvironmentFileOthersCanChangeIsAnErrorOnlyAsRoot) {
  const std::string p = "/etc/surety/db.env";
  auto changeable = [&](const std::string& why) {
    return p + " can be changed by someone other than root (" + why +
           "), who could then run code in this job as root: chown root " + p + " && chmod go-w " +
           p;
  };
  const RowAs rows[] = {
      {0600, 0, true, std::nullopt},
      {0644, 0, true, std::nullopt},  // readable is a warning (ReadableEnvironmentFile)
      {0620, 0, true, changeable("mode 0620")},
      {0602, 0, true, changeable("mode 0602")},
      {0600, 1000, true, changeable("owned by uid 1000")},
      {0666, 1000, false, std::nullopt},
  };
  for (const auto& row : rows)
    EXPECT_EQ(EnvironmentFileProblem(p, Info(row.mode, row.uid), row.as_root), row.problem)
        << Describe(row);
}

TEST(Trust, FilesEveryoneCanReadThatHoldSecretsAreWarnings) {
  EXPECT_EQ(ReadableEnvironmentFile("/e.env", Info(0644)),
            "/e.env is world-readable (mode 0644); it usually holds passwords: chmod o-r /e.env");
  EXPECT_EQ(ReadableEnvironmentFile("/e.env", Info(0640)), std::nullopt);
  EXPECT_EQ(ReadableEnvironmentFile("/e.env", Info(0600, 1000)), std::nullopt);
  EXPECT_EQ(ReadableInlineSecret("/etc/surety/surety.toml", Info(0644)),
            "the URL is a secret, but /etc/surety/surety.toml is readable by everyone (mode "
            "0644); move it to url_file (mode 0600) or url_env, or chmod o-r "
            "/etc/surety/surety.toml");
  EXPECT_EQ(ReadableInlineSecret("/etc/surety/surety.toml", Info(0640)), std::nullopt);
}

}  // namespace
}  // namespace surety
