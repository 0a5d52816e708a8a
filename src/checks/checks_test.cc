#include "checks/checks.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "os/fake_process.h"
#include "os/net.h"
#include "time/zone.h"

namespace surety {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

Instant UtcAt(int64_t year, int month, int day, int hour, int minute, int second) {
  return Instant{seconds{CivilSecondsAsUtc(year, month, day, hour, minute, second)}};
}

// Answers Connect() from a table; records every call.
class FakeConnector final : public Connector {
 public:
  struct Call {
    std::string host;
    int port;
    Micros timeout;
  };
  Status Connect(const std::string& host, int port, Micros timeout) override {
    calls.push_back({host, port, timeout});
    auto it = errors.find(host + ":" + std::to_string(port));
    if (it != errors.end()) return Status::Error(StatusCode::kIoError, it->second);
    return Status::Ok();
  }
  std::map<std::string, std::string> errors;  // "host:port" → message
  std::vector<Call> calls;
};

using FakeCommandRunner = ScriptedCommandRunner;

// A FakeFileSystem whose Stat/FreeBytes can be made to fail, and which can
// report a path as a directory.
class FaultyFileSystem final : public FileSystem {
 public:
  explicit FaultyFileSystem(FakeFileSystem& base) : base_(base) {}
  Result<std::string> ReadFile(const std::string& p) const override { return base_.ReadFile(p); }
  Result<FileInfo> Stat(const std::string& p) const override {
    if (stat_fails) return Status::Error(StatusCode::kIoError, "Input/output error");
    if (p == directory) {
      FileInfo info;
      info.exists = true;
      info.is_directory = true;
      info.size = 4096;
      return info;
    }
    return base_.Stat(p);
  }
  bool Readable(const std::string& p) const override { return base_.Readable(p); }
  Result<uint64_t> FreeBytes(const std::string& p) const override {
    if (free_fails) return Status::Error(StatusCode::kIoError, "No such file or directory");
    return base_.FreeBytes(p);
  }
  std::vector<std::string> Glob(const std::string& p) const override { return base_.Glob(p); }
  Status MakeDirs(const std::string& p, uint32_t mode) override { return base_.MakeDirs(p, mode); }

  bool stat_fails = false;
  bool free_fails = false;
  std::string directory;

 private:
  FakeFileSystem& base_;
};

class ChecksTest : public ::testing::Test {
 protected:
  ChecksTest()
      : faulty_(fs_), env_{faulty_, net_, commands_, {{"PATH", "/usr/bin"}}, "/srv", {}, {}} {}

  FakeFileSystem fs_;
  FaultyFileSystem faulty_;
  FakeConnector net_;
  FakeCommandRunner commands_;
  CheckEnv env_;
};

// --- preflight ------------------------------------------------------------

TEST_F(ChecksTest, EmptyPreflightPasses) {
  CheckResult r = RunPreflight(PreflightSpec{}, env_);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.message, "");
  EXPECT_TRUE(commands_.specs.empty());
}

TEST_F(ChecksTest, FreeSpaceEnough) {
  fs_.SetFreeBytes(uint64_t{5} << 30);
  PreflightSpec spec;
  spec.free_space = PreflightSpec::FreeSpace{"/backups", uint64_t{5} << 30};
  EXPECT_TRUE(RunPreflight(spec, env_).ok);
}

TEST_F(ChecksTest, FreeSpaceTooLittle) {
  fs_.SetFreeBytes(1288490189);  // 1.2 GiB
  PreflightSpec spec;
  spec.free_space = PreflightSpec::FreeSpace{"/backups", uint64_t{5} << 30};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "free space on /backups: 1.2G available, 5G required");
}

TEST_F(ChecksTest, FreeSpaceUnknownFails) {
  faulty_.free_fails = true;
  PreflightSpec spec;
  spec.free_space = PreflightSpec::FreeSpace{"/backups", 1};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "free space on /backups: No such file or directory");
}

TEST_F(ChecksTest, ReachableConnectsWithFiveSecondTimeout) {
  PreflightSpec spec;
  spec.reachable = {"tcp://nas.local:22", "tcp://[::1]:5432", "tcp://10.0.0.1:65535"};
  EXPECT_TRUE(RunPreflight(spec, env_).ok);
  ASSERT_EQ(net_.calls.size(), 3u);
  EXPECT_EQ(net_.calls[0].host, "nas.local");
  EXPECT_EQ(net_.calls[0].port, 22);
  EXPECT_EQ(net_.calls[0].timeout, seconds(5));
  EXPECT_EQ(net_.calls[1].host, "::1");
  EXPECT_EQ(net_.calls[1].port, 5432);
  EXPECT_EQ(net_.calls[2].host, "10.0.0.1");
  EXPECT_EQ(net_.calls[2].port, 65535);
}

TEST_F(ChecksTest, UnreachableNamesHostPortAndError) {
  net_.errors["nas.local:22"] = "192.168.1.5:22: Connection refused";
  PreflightSpec spec;
  spec.reachable = {"tcp://nas.local:22"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "cannot reach nas.local:22: 192.168.1.5:22: Connection refused");
}

TEST_F(ChecksTest, UnreachableIpv6IsBracketed) {
  net_.errors["::1:22"] = "timed out";
  PreflightSpec spec;
  spec.reachable = {"tcp://[::1]:22"};
  EXPECT_EQ(RunPreflight(spec, env_).message, "cannot reach [::1]:22: timed out");
}

TEST_F(ChecksTest, MalformedReachableAddressesFailWithoutConnecting) {
  const char* bad[] = {
      "nas.local:22",        // no scheme
      "udp://nas.local:22",  // wrong scheme
      "TCP://nas.local:22",  // scheme is lower case
      "tcp://nas.local",     // no port
      "tcp://nas.local:",    // empty port
      "tcp://:22",           // no host
      "tcp://nas.local:0",   // port out of range
      "tcp://nas.local:65536",
      "tcp://nas.local:022x",
      "tcp://nas.local:-1",
      "tcp://nas.local:22/",   // path
      "tcp://nas.local:22?x",  // query
      "tcp://user@nas:22",     // user info
      "tcp://nas local:22",    // blank in host
      "tcp://::1:22",          // IPv6 needs brackets
      "tcp://[::1]",           // no port
      "tcp://[]:22",
      "tcp://[nas]:22",
      "tcp://[::1]22",
      "tcp://-nas:22",
      "",
  };
  for (const char* url : bad) {
    PreflightSpec spec;
    spec.reachable = {url};
    CheckResult r = RunPreflight(spec, env_);
    EXPECT_FALSE(r.ok) << url;
    EXPECT_NE(r.message.find("malformed address"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("expected tcp://host:port"), std::string::npos) << r.message;
  }
  EXPECT_TRUE(net_.calls.empty());
}

TEST_F(ChecksTest, MalformedAddressIsQuotedSafely) {
  PreflightSpec spec;
  spec.reachable = {"tcp://a\nb:1"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_EQ(r.message, "reachable: malformed address 'tcp://a\\x0ab:1' (expected tcp://host:port)");
}

TEST_F(ChecksTest, FilesMustExist) {
  PreflightSpec spec;
  spec.files = {"/etc/backup/creds"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "missing file /etc/backup/creds");
}

TEST_F(ChecksTest, FilesMustBeReadable) {
  fs_.AddFile("/etc/backup/creds", "secret", 0600);
  fs_.SetReadable("/etc/backup/creds", false);
  PreflightSpec spec;
  spec.files = {"/etc/backup/creds"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "cannot read /etc/backup/creds");
}

// A person fixing a failed preflight fixes everything at once: each failed
// condition is reported, not only the first (the others used to stay
// hidden until the next run).
TEST_F(ChecksTest, EveryFailedConditionIsReported) {
  fs_.SetFreeBytes(uint64_t{1} << 30);
  net_.errors["nas.local:22"] = "192.168.1.5:22: Connection refused";
  commands_.outcomes = {Exited(1)};
  PreflightSpec spec;
  spec.free_space = PreflightSpec::FreeSpace{"/backups", uint64_t{5} << 30};
  spec.reachable = {"tcp://nas.local:22"};
  spec.files = {"/etc/backup/creds"};
  spec.command.argv = {"mountpoint", "-q", "/backups"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message,
            "free space on /backups: 1G available, 5G required; cannot reach nas.local:22: "
            "192.168.1.5:22: Connection refused; missing file /etc/backup/creds; preflight "
            "command mountpoint -q /backups exited with status 1");
}

TEST_F(ChecksTest, FilesPresentAndReadablePass) {
  fs_.AddFile("/etc/backup/creds", "secret", 0600);
  fs_.AddFile("/etc/backup/key", "k", 0600);
  PreflightSpec spec;
  spec.files = {"/etc/backup/creds", "/etc/backup/key"};
  EXPECT_TRUE(RunPreflight(spec, env_).ok);
}

TEST_F(ChecksTest, FilesAreCheckedWithTheRightsOfTheJobsUser) {
  fs_.AddFile("/etc/backup/creds", "secret", 0600);  // readable by root, not by uid 1000
  env_.uid = 1000;
  env_.gid = 1000;
  commands_.outcomes = {Exited(1)};
  PreflightSpec spec;
  spec.files = {"/etc/backup/creds"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "cannot read /etc/backup/creds as the job's user");
  ASSERT_EQ(commands_.specs.size(), 1u);
  EXPECT_EQ(commands_.specs[0].argv, (std::vector<std::string>{"test", "-r", "/etc/backup/creds"}));
  EXPECT_EQ(commands_.specs[0].uid, 1000u);
}

TEST_F(ChecksTest, CheckCommandsRunAsTheJobsUser) {
  env_.uid = 1000;
  env_.gid = 1001;
  PreflightSpec spec;
  spec.command.argv = {"mountpoint", "-q", "/backups"};
  EXPECT_TRUE(RunPreflight(spec, env_).ok);
  ASSERT_EQ(commands_.specs.size(), 1u);
  EXPECT_EQ(commands_.specs[0].uid, 1000u);
  EXPECT_EQ(commands_.specs[0].gid, 1001u);
}

TEST_F(ChecksTest, FileStatErrorFails) {
  faulty_.stat_fails = true;
  PreflightSpec spec;
  spec.files = {"/etc/backup/creds"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "cannot check file /etc/backup/creds: Input/output error");
}

TEST_F(ChecksTest, CommandGetsEnvironmentDirectoryAndTimeout) {
  PreflightSpec spec;
  spec.command.argv = {"mountpoint", "-q", "/backups"};
  EXPECT_TRUE(RunPreflight(spec, env_).ok);
  ASSERT_EQ(commands_.specs.size(), 1u);
  const CommandSpec& got = commands_.specs[0];
  EXPECT_EQ(got.argv, (std::vector<std::string>{"mountpoint", "-q", "/backups"}));
  EXPECT_EQ(got.env, (std::map<std::string, std::string>{{"PATH", "/usr/bin"}}));
  EXPECT_EQ(got.working_directory, "/srv");
  EXPECT_FALSE(got.stream_output);
  EXPECT_EQ(got.timeout, minutes(5));
}

TEST_F(ChecksTest, CommandNonZeroExitNamesCodeAndLastLine) {
  commands_.outcomes.push_back(Exited(32, "checking\n/backups is not a mountpoint\n\n"));
  PreflightSpec spec;
  spec.command.argv = {"mountpoint", "-q", "/backups"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message,
            "preflight command mountpoint -q /backups exited with status 32: "
            "/backups is not a mountpoint");
}

TEST_F(ChecksTest, CommandNonZeroExitWithoutOutput) {
  commands_.outcomes.push_back(Exited(1));
  PreflightSpec spec;
  spec.command.argv = {"false"};
  EXPECT_EQ(RunPreflight(spec, env_).message, "preflight command false exited with status 1");
}

TEST_F(ChecksTest, CommandKilledBySignal) {
  CommandOutcome o;
  o.kind = CommandOutcome::Kind::kSignaled;
  o.signal = 9;
  commands_.outcomes.push_back(o);
  PreflightSpec spec;
  spec.command.argv = {"probe"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.message, "preflight command probe was killed by signal " + SignalName(9));
}

TEST_F(ChecksTest, CommandTimedOut) {
  CommandOutcome o;
  o.kind = CommandOutcome::Kind::kTimedOut;
  o.signal = 15;
  commands_.outcomes.push_back(o);
  PreflightSpec spec;
  spec.command.argv = {"probe"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.message.find("preflight command probe timed out"), std::string::npos) << r.message;
}

TEST_F(ChecksTest, CommandThatCannotStart) {
  CommandOutcome o;
  o.kind = CommandOutcome::Kind::kSpawnFailed;
  o.exit_code = 127;
  o.error = "probe: No such file or directory";
  commands_.outcomes.push_back(o);
  PreflightSpec spec;
  spec.command.argv = {"probe"};
  EXPECT_EQ(RunPreflight(spec, env_).message,
            "preflight command probe could not be started: probe: No such file or directory");
}

TEST_F(ChecksTest, ChecksRunInOrderAndEveryOneRuns) {
  fs_.SetFreeBytes(100);
  PreflightSpec spec;
  spec.free_space = PreflightSpec::FreeSpace{"/backups", 1024};
  spec.reachable = {"tcp://nas.local:22"};
  spec.files = {"/missing"};
  spec.command.argv = {"true"};
  CheckResult r = RunPreflight(spec, env_);
  EXPECT_EQ(r.message,
            "free space on /backups: 100B available, 1K required; missing file /missing");
  EXPECT_EQ(net_.calls.size(), 1u);
  EXPECT_EQ(commands_.specs.size(), 1u);

  fs_.SetFreeBytes(2048);
  net_.errors["nas.local:22"] = "refused";
  EXPECT_EQ(RunPreflight(spec, env_).message,
            "cannot reach nas.local:22: refused; missing file /missing");

  net_.errors.clear();
  EXPECT_EQ(RunPreflight(spec, env_).message, "missing file /missing");

  fs_.AddFile("/missing", "");
  EXPECT_TRUE(RunPreflight(spec, env_).ok);
  EXPECT_EQ(commands_.specs.size(), 4u);
}

// --- verification ----------------------------------------------------------

class VerifyTest : public ChecksTest {
 protected:
  const Instant started_ = UtcAt(2026, 11, 22, 2, 30, 0);
  const std::string path_ = "/backups/db-2026-11-22.dump";

  void AddArtifact(size_t size, Instant mtime) {
    fs_.Remove(path_);
    fs_.AddFile(path_, std::string(size, 'x'), 0640, mtime);
  }
  VerifyOutcome Verify(const VerifySpec& spec, std::optional<uint64_t> previous = {}) {
    return RunVerify(spec, path_, started_, previous, env_);
  }
  VerifySpec Spec() {
    VerifySpec spec;
    spec.path = "/backups/db-%Y-%m-%d.dump";
    return spec;
  }
};

TEST_F(VerifyTest, EmptySpecPasses) {
  VerifyOutcome v = RunVerify(VerifySpec{}, "", started_, {}, env_);
  EXPECT_TRUE(v.check.ok);
  EXPECT_FALSE(v.artifact_size);
  EXPECT_EQ(v.artifact_path, "");
}

TEST_F(VerifyTest, ExistingArtifactPassesAndReportsSize) {
  AddArtifact(2048, started_ + seconds(60));
  VerifyOutcome v = Verify(Spec());
  EXPECT_TRUE(v.check.ok) << v.check.message;
  EXPECT_EQ(v.artifact_size, 2048u);
  EXPECT_EQ(v.artifact_path, path_);
}

TEST_F(VerifyTest, MissingArtifact) {
  VerifyOutcome v = Verify(Spec());
  EXPECT_FALSE(v.check.ok);
  EXPECT_EQ(v.check.message, "artifact /backups/db-2026-11-22.dump does not exist");
  EXPECT_FALSE(v.artifact_size);
}

TEST_F(VerifyTest, ArtifactMustBeARegularFile) {
  faulty_.directory = path_;
  VerifyOutcome v = Verify(Spec());
  EXPECT_FALSE(v.check.ok);
  EXPECT_EQ(v.check.message, "artifact /backups/db-2026-11-22.dump is not a regular file");
}

TEST_F(VerifyTest, StatErrorFails) {
  faulty_.stat_fails = true;
  VerifyOutcome v = Verify(Spec());
  EXPECT_FALSE(v.check.ok);
  EXPECT_EQ(v.check.message,
            "cannot check artifact /backups/db-2026-11-22.dump: Input/output error");
}

TEST_F(VerifyTest, MinSize) {
  AddArtifact(12 * 1024, started_ + seconds(1));
  VerifySpec spec = Spec();
  spec.min_size = 1024 * 1024;
  VerifyOutcome v = Verify(spec);
  EXPECT_FALSE(v.check.ok);
  EXPECT_EQ(v.check.message, "artifact /backups/db-2026-11-22.dump is 12K, expected at least 1M");
  EXPECT_EQ(v.artifact_size, 12u * 1024);  // reported even when too small

  spec.min_size = 12 * 1024;
  EXPECT_TRUE(Verify(spec).check.ok);
}

TEST_F(VerifyTest, FreshMeansModifiedStrictlyAfterTheStart) {
  VerifySpec spec = Spec();
  spec.fresh = true;

  AddArtifact(10, started_ - std::chrono::hours(24));
  VerifyOutcome v = Verify(spec);
  EXPECT_FALSE(v.check.ok);
  EXPECT_EQ(v.check.message,
            "artifact /backups/db-2026-11-22.dump was last modified at 2026-11-21T02:30:00Z, "
            "before the run started at 2026-11-22T02:30:00Z");

  AddArtifact(10, started_);
  EXPECT_FALSE(Verify(spec).check.ok);

  AddArtifact(10, started_ + Micros(1));
  EXPECT_TRUE(Verify(spec).check.ok);

  spec.fresh = false;
  AddArtifact(10, started_ - std::chrono::hours(24));
  EXPECT_TRUE(Verify(spec).check.ok);
}

TEST_F(VerifyTest, MaxShrinkAgainstThePreviousGoodRun) {
  VerifySpec spec = Spec();
  spec.max_shrink = 0.5;
  AddArtifact(380, started_ + seconds(1));

  VerifyOutcome v = Verify(spec, 1000);
  EXPECT_FALSE(v.check.ok);
  EXPECT_EQ(v.check.message,
            "artifact /backups/db-2026-11-22.dump shrank by 62% against the previous good run "
            "(50% allowed)");

  EXPECT_TRUE(Verify(spec, 760).check.ok);  // exactly 50% smaller is allowed
  EXPECT_FALSE(Verify(spec, 761).check.ok);
  EXPECT_TRUE(Verify(spec, 100).check.ok);  // growth is fine
  EXPECT_TRUE(Verify(spec).check.ok);       // no previous size: nothing to compare
  EXPECT_TRUE(Verify(spec, 0).check.ok);
}

TEST_F(VerifyTest, MaxShrinkFractionalPercent) {
  VerifySpec spec = Spec();
  spec.max_shrink = 0.125;
  AddArtifact(500, started_ + seconds(1));
  EXPECT_EQ(Verify(spec, 1000).check.message,
            "artifact /backups/db-2026-11-22.dump shrank by 50% against the previous good run "
            "(12.5% allowed)");
}

TEST_F(VerifyTest, CommandGetsTheExpandedPath) {
  AddArtifact(10, started_ + seconds(1));
  VerifySpec spec = Spec();
  spec.command.argv = {"pg_restore", "--list", "{path}", "--file={path}.list", "{pathx}"};
  VerifyOutcome v = Verify(spec);
  EXPECT_TRUE(v.check.ok) << v.check.message;
  ASSERT_EQ(commands_.specs.size(), 1u);
  const CommandSpec& got = commands_.specs[0];
  EXPECT_EQ(got.argv, (std::vector<std::string>{"pg_restore", "--list", path_,
                                                "--file=" + path_ + ".list", "{pathx}"}));
  EXPECT_EQ(got.env, env_.command_env);
  EXPECT_EQ(got.working_directory, "/srv");
  EXPECT_FALSE(got.stream_output);
  EXPECT_GT(got.timeout, Micros(0));
}

TEST_F(VerifyTest, CommandFailure) {
  AddArtifact(10, started_ + seconds(1));
  commands_.outcomes.push_back(Exited(1, "pg_restore: error: input file is too short\n"));
  VerifySpec spec = Spec();
  spec.command.argv = {"pg_restore", "--list", "{path}"};
  VerifyOutcome v = Verify(spec);
  EXPECT_FALSE(v.check.ok);
  EXPECT_EQ(v.check.message,
            "verify command pg_restore --list /backups/db-2026-11-22.dump exited with status 1: "
            "pg_restore: error: input file is too short");
  EXPECT_EQ(v.artifact_size, 10u);
}

TEST_F(VerifyTest, CommandIsNotRunWhenTheArtifactCheckFailed) {
  VerifySpec spec = Spec();
  spec.command.argv = {"pg_restore", "--list", "{path}"};
  EXPECT_FALSE(Verify(spec).check.ok);
  EXPECT_TRUE(commands_.specs.empty());
}

TEST_F(VerifyTest, CommandWithoutPath) {
  VerifySpec spec;
  spec.command.argv = {"restic", "check"};
  VerifyOutcome v = RunVerify(spec, "", started_, {}, env_);
  EXPECT_TRUE(v.check.ok);
  EXPECT_EQ(commands_.specs.size(), 1u);
  EXPECT_FALSE(v.artifact_size);
}

// --- byte sizes -------------------------------------------------------------

TEST(ByteSize, ParsesValidSizes) {
  const uint64_t K = 1024, M = K * K, G = M * K, T = G * K, P = T * K;
  struct Row {
    const char* text;
    uint64_t bytes;
  } rows[] = {
      {"0", 0},
      {"123", 123},
      {"123B", 123},
      {"1K", K},
      {"1k", K},
      {"1KB", K},
      {"1kB", K},
      {"1KiB", K},
      {"100k", 100 * K},
      {"500M", 500 * M},
      {"5MiB", 5 * M},
      {"5G", 5 * G},
      {"5GB", 5 * G},
      {"5GiB", 5 * G},
      {"1.5T", T + T / 2},
      {"2TiB", 2 * T},
      {"1P", P},
      {"1.5G", G + G / 2},
      {"0.5K", 512},
      {"1.1K", 1126},  // 1126.4, rounded down
      {"5 G", 5 * G},
      {"007M", 7 * M},
      {"16383P", 16383 * P},
      {"18446744073709551615", UINT64_MAX},
      {"18446744073709551615B", UINT64_MAX},
      {"15.999999999999999999P", 16 * P - 1},
  };
  for (const Row& row : rows) {
    std::optional<uint64_t> got = ParseByteSize(row.text);
    ASSERT_TRUE(got.has_value()) << row.text;
    EXPECT_EQ(*got, row.bytes) << row.text;
  }
}

TEST(ByteSize, RejectsNearMisses) {
  const char* bad[] = {
      "",
      "G",
      "-5G",
      "+5G",
      " 5G",
      "5G ",
      "5g",
      "5m",
      "5X",
      "5GG",
      "5GiBB",
      "5Gib",
      "5iB",
      "5.G",
      ".5G",
      "1.5",
      "0.5B",
      "5,5G",
      "1e3",
      "0x10",
      "5 ",
      "16384P",
      "18446744073709551616",
      "99999999999999999999999K",
      "1.0000000000000000001K",
      "5G\n",
      "nan",
      "inf",
  };
  for (const char* text : bad) {
    EXPECT_FALSE(ParseByteSize(text).has_value()) << "'" << text << "'";
  }
}

TEST(ByteSize, Formats) {
  const uint64_t K = 1024, M = K * K, G = M * K, T = G * K, P = T * K;
  struct Row {
    uint64_t bytes;
    const char* text;
  } rows[] = {
      {0, "0B"},
      {1, "1B"},
      {1023, "1023B"},
      {K, "1K"},
      {1536, "1.5K"},
      {12 * K, "12K"},
      {12 * K + 100, "12K"},
      {10 * K - 1, "10K"},
      {1023 * K + 1000, "1.0M"},
      {M, "1M"},
      {5 * G, "5G"},
      {1288490189, "1.2G"},
      {G + G / 2, "1.5G"},
      {G + 1, "1.0G"},
      {3 * T, "3T"},
      {P, "1P"},
      {UINT64_MAX, "16384P"},
  };
  for (const Row& row : rows) EXPECT_EQ(FormatByteSize(row.bytes), row.text) << row.bytes;
}

TEST(ByteSize, FormatParsesBackToTheShownValue) {
  for (const char* text : {"1K", "1.5K", "12K", "1.2G", "500M", "5G", "1.5T", "7P"}) {
    std::optional<uint64_t> bytes = ParseByteSize(text);
    ASSERT_TRUE(bytes) << text;
    EXPECT_EQ(FormatByteSize(*bytes), text);
  }
}

// --- the real connector, on loopback only ----------------------------------

// Binds 127.0.0.1 on a port the kernel picks; listens when asked.
class LoopbackSocket {
 public:
  explicit LoopbackSocket(bool listen) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    if (listen) {
      EXPECT_EQ(::listen(fd_, 4), 0);
    }
    socklen_t len = sizeof addr;
    EXPECT_EQ(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackSocket() { ::close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(RealConnector, ConnectsToAListeningPort) {
  LoopbackSocket server(/*listen=*/true);
  RealConnector net;
  Status st = net.Connect("127.0.0.1", server.port(), seconds(5));
  EXPECT_TRUE(st.ok()) << st.message();
}

TEST(RealConnector, RefusedNamesTheAddressAndTheError) {
  LoopbackSocket bound(/*listen=*/false);  // bound, not listening: refused
  RealConnector net;
  Status st = net.Connect("127.0.0.1", bound.port(), seconds(5));
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "127.0.0.1:" + std::to_string(bound.port()) + ": Connection refused");
}

TEST(RealConnector, RejectsBadPortsAndHosts) {
  RealConnector net;
  EXPECT_EQ(net.Connect("127.0.0.1", 0, seconds(1)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(net.Connect("127.0.0.1", 65536, seconds(1)).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(net.Connect("", 22, seconds(1)).code(), StatusCode::kInvalidArgument);
}

TEST(RealConnector, PreflightThroughTheRealConnector) {
  LoopbackSocket server(/*listen=*/true);
  LoopbackSocket closed(/*listen=*/false);
  FakeFileSystem fs;
  RealConnector net;
  FakeCommandRunner commands;
  CheckEnv env{fs, net, commands, {}, "", {}, {}};
  PreflightSpec spec;
  spec.reachable = {"tcp://127.0.0.1:" + std::to_string(server.port())};
  EXPECT_TRUE(RunPreflight(spec, env).ok);
  const std::string closed_addr = "127.0.0.1:" + std::to_string(closed.port());
  spec.reachable.push_back("tcp://" + closed_addr);
  CheckResult r = RunPreflight(spec, env);
  EXPECT_FALSE(r.ok);
  // The address is said once (it used to be "cannot reach A: A: ...").
  EXPECT_EQ(r.message, "cannot reach " + closed_addr + ": Connection refused");
}

}  // namespace
}  // namespace surety
