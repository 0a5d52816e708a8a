// The history's VFS syncs a directory when it creates the database or its
// write-ahead log, and not when it opens ones that exist (sqlite_vfs.h).
#include "store/sqlite_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "store/history_store.h"

namespace surety {
namespace {

class SqliteVfs : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/surety-vfs-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/history.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Opens the store, records one finished run, closes it.
  void RecordOneRun() {
    auto store = OpenSqliteHistory(path_);
    ASSERT_TRUE(store.ok()) << store.status().message();
    RunRecord r;
    r.job = "db";
    r.trigger = Trigger::kManual;
    r.result = RunResult::kRunning;
    auto id = (*store)->BeginRun(r);
    ASSERT_TRUE(id.ok()) << id.status().message();
    r.id = *id;
    r.result = RunResult::kSuccess;
    ASSERT_TRUE((*store)->FinishRun(r).ok());
  }

  std::string dir_, path_;
};

TEST_F(SqliteVfs, SyncsTheDirectoryOnlyWhenItCreatesAFile) {
  const int64_t before = SuretyVfsDirectorySyncs();
  RecordOneRun();
  // history.db and history.db-wal were created: two directory syncs.
  EXPECT_EQ(SuretyVfsDirectorySyncs() - before, 2);
  ASSERT_TRUE(std::filesystem::exists(path_ + "-wal"));

  const int64_t after_create = SuretyVfsDirectorySyncs();
  RecordOneRun();
  RecordOneRun();
  EXPECT_EQ(SuretyVfsDirectorySyncs(), after_create);

  // Another SQLite client that checkpoints and deletes the log on close: the
  // next run creates the log again and syncs the directory again.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "SELECT COUNT(*) FROM runs", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ASSERT_FALSE(std::filesystem::exists(path_ + "-wal"));
  RecordOneRun();
  EXPECT_EQ(SuretyVfsDirectorySyncs() - after_create, 1);

  auto store = OpenSqliteHistory(path_);
  ASSERT_TRUE(store.ok());
  auto runs = (*store)->Recent("db", 0);
  ASSERT_TRUE(runs.ok());
  EXPECT_EQ(runs->size(), 4u);
}

TEST_F(SqliteVfs, AMissingDirectoryIsStillAClearError) {
  auto store = OpenSqliteHistory(dir_ + "/missing/history.db");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("cannot open history database"), std::string::npos);
}

}  // namespace
}  // namespace surety
