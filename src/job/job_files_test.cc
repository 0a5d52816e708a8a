#include "job/job_files.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace surety {
namespace {

class JobFilesTest : public testing::Test {
 protected:
  std::string ValueOf(const JobFiles& files, const std::string& job) {
    const MNode& jobs = files.root().children.at("jobs");
    return jobs.children.at(job).children.at("command").node->as_string()->get();
  }

  FakeFileSystem fs_;
  DiagnosticSink diags_;
};

TEST_F(JobFilesTest, ReadsIncludesDepthFirstAfterTheirIncluderAndEachFileOnce) {
  fs_.AddFile("/etc/surety/surety.toml",
              "include = [\"jobs.d/*.toml\", \"common.toml\"]\n[jobs.a]\ncommand = \"main\"\n");
  fs_.AddFile("/etc/surety/jobs.d/1.toml", "include = \"../common.toml\"\n");
  fs_.AddFile("/etc/surety/jobs.d/2.toml", "[jobs.a]\ncommand = \"included\"\n", 0640);
  fs_.AddFile("/etc/surety/common.toml", "[jobs.c]\ncommand = \"common\"\n");
  JobFiles files(fs_, false, diags_);
  files.Read("/etc/surety/surety.toml");
  EXPECT_TRUE(diags_.errors().empty());
  EXPECT_FALSE(files.incomplete());
  EXPECT_EQ(files.files(),
            (std::vector<std::string>{"/etc/surety/surety.toml", "/etc/surety/jobs.d/1.toml",
                                      "/etc/surety/jobs.d/../common.toml",  // as named
                                      "/etc/surety/jobs.d/2.toml"}));
  EXPECT_EQ(ValueOf(files, "a"), "included");  // an include overrides its includer
  EXPECT_EQ(ValueOf(files, "c"), "common");
  EXPECT_EQ(files.dirs().at("/etc/surety/jobs.d/1.toml"), "/etc/surety/jobs.d");
  ASSERT_NE(files.InfoOf("/etc/surety/jobs.d/2.toml"), nullptr);
  EXPECT_EQ(files.InfoOf("/etc/surety/jobs.d/2.toml")->mode, 0640u);
  EXPECT_EQ(files.InfoOf("/etc/surety/nope.toml"), nullptr);
}

TEST_F(JobFilesTest, AConfigFileNamedAgainOverridesWhatCameBetween) {
  fs_.AddFile("/a.toml", "[jobs.x]\ncommand = \"a\"\n");
  fs_.AddFile("/b.toml", "[jobs.x]\ncommand = \"b\"\n");
  JobFiles files(fs_, false, diags_);
  for (const char* path : {"/a.toml", "/b.toml", "/a.toml"}) files.Read(path);
  EXPECT_EQ(ValueOf(files, "x"), "a");
  EXPECT_EQ(files.files(), (std::vector<std::string>{"/a.toml", "/b.toml"}));
  EXPECT_TRUE(diags_.errors().empty());
}

TEST_F(JobFilesTest, AFileThatCannotBeReadOrParsedLeavesTheViewIncomplete) {
  fs_.AddFile("/a.toml", "[jobs.x]\ncommand = \"a\"\n");
  fs_.AddFile("/bad.toml", "[jobs.y]\ntimeout = 1h\n");
  {
    JobFiles files(fs_, false, diags_);
    files.Read("/a.toml");
    EXPECT_FALSE(files.incomplete());
    files.Read("/bad.toml");
    EXPECT_TRUE(files.incomplete());
    EXPECT_EQ(ValueOf(files, "x"), "a");  // what parsed is still there
  }
  {
    JobFiles files(fs_, false, diags_);
    files.Read("/missing.toml");
    EXPECT_TRUE(files.incomplete());
    EXPECT_TRUE(files.files().empty());
  }
  ASSERT_EQ(diags_.errors().size(), 2u);
  EXPECT_EQ(diags_.errors()[0].file, "/bad.toml");
  EXPECT_EQ(diags_.errors()[0].line, 2);
  EXPECT_NE(diags_.errors()[0].message.find("timeout = \"1h\""), std::string::npos)
      << diags_.errors()[0].message;
  EXPECT_EQ(diags_.errors()[1].file, "/missing.toml");
}

TEST_F(JobFilesTest, IncludesNestAtMostEightDeep) {
  for (int i = 0; i < 10; ++i)
    fs_.AddFile("/" + std::to_string(i) + ".toml",
                "include = \"" + std::to_string(i + 1) + ".toml\"\n");
  fs_.AddFile("/10.toml", "");
  JobFiles files(fs_, false, diags_);
  files.Read("/0.toml");
  EXPECT_EQ(files.files().size(), 9u);  // 0.toml and 8 levels below it
  ASSERT_EQ(diags_.errors().size(), 1u);
  EXPECT_EQ(diags_.errors()[0].ToString(),
            "/8.toml:1:11: includes nested more than 8 deep at /9.toml; flatten them");
  EXPECT_TRUE(files.incomplete());
}

}  // namespace
}  // namespace surety
