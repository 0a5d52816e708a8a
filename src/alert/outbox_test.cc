// The outbox: what is put is there until removed, survives the process
// that put it, drains once per entry, counts attempts, and gives up loudly.
#include "alert/outbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "os/fake_journal.h"
#include "os/fake_process.h"

namespace surety {
namespace {

class RecordingPoster final : public HttpPoster {
 public:
  Result<int> Post(const std::string& url, const std::string&, const std::string& body,
                   Micros) override {
    urls.push_back(url);
    bodies.push_back(body);
    return code;
  }
  int code = 200;
  std::vector<std::string> urls, bodies;
};

class OutboxTest : public testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/surety-outbox-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    AlertSpec hook;
    hook.name = "ops";
    hook.kind = AlertKind::kWebhook;
    hook.url = "https://hooks.example/secret";
    alerts_["ops"] = hook;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  OutboxEntry Entry(const std::string& job, int64_t id) {
    RunRecord r;
    r.id = id;
    r.job = job;
    r.host = "host1";
    r.result = RunResult::kFailed;
    r.message = "exited with status 1";
    r.started_at = now_ - std::chrono::minutes(5);
    return OutboxEntry{
        "", IdempotencyKey(r, AlertEvent::kFailure, "ops"), "ops", AlertEvent::kFailure, 0, now_,
        r};
  }
  size_t Files() {
    if (!std::filesystem::exists(dir_ + "/outbox")) return 0;
    return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir_ + "/outbox"),
                                             std::filesystem::directory_iterator{}));
  }

  std::string dir_;
  Instant now_{std::chrono::seconds(1'763'780'400)};
  RealDataFiles files_;
  std::map<std::string, AlertSpec> alerts_;
  RecordingPoster http_;
  RecordingJournalWriter journal_;
  ScriptedCommandRunner commands_;
  AlertEnv env_{http_, journal_, commands_, [](Micros) {}, {}};
};

TEST_F(OutboxTest, AnEntryOutlivesItsWriterUntilRemoved) {
  {
    Outbox box(dir_, files_);
    auto path = box.Put(Entry("db", 7));
    ASSERT_TRUE(path.ok()) << path.status().message();
  }  // the runner is gone
  Outbox later(dir_, files_);
  auto pending = later.Pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u);
  const OutboxEntry& e = (*pending)[0];
  EXPECT_EQ(e.key, "host1/db/7/failure/ops");
  EXPECT_EQ(e.record.message, "exited with status 1");
  EXPECT_EQ(e.event, AlertEvent::kFailure);
  EXPECT_EQ(e.first_attempt_at, now_);
  EXPECT_EQ(later.Pending(std::string("other"))->size(), 0u);
  ASSERT_TRUE(later.Remove(e.path).ok());
  EXPECT_TRUE(later.Pending()->empty());
  EXPECT_EQ(std::filesystem::status(dir_ + "/outbox").permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_all);
}

// A drain delivers each entry once, with its idempotency key, and removes
// it; one the receiver refused stays, with its attempt counted.
TEST_F(OutboxTest, ADrainDeliversEachEntryOnceWithItsKey) {
  Outbox box(dir_, files_);
  ASSERT_TRUE(box.Put(Entry("db", 1)).ok());
  OutboxEntry second = Entry("db", 2);
  second.first_attempt_at += std::chrono::seconds(1);  // oldest first
  ASSERT_TRUE(box.Put(second).ok());
  DrainReport ok = DrainOutbox(box, alerts_, env_, now_);
  EXPECT_EQ(ok.delivered, 2);
  EXPECT_EQ(Files(), 0u);
  ASSERT_EQ(http_.bodies.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(http_.bodies[0])["idempotency_key"], "host1/db/1/failure/ops");

  ASSERT_TRUE(box.Put(Entry("db", 3)).ok());
  http_.code = 503;
  DrainReport down = DrainOutbox(box, alerts_, env_, now_);
  EXPECT_EQ(down.failed, 1);
  ASSERT_EQ(box.Pending()->size(), 1u);
  EXPECT_EQ((*box.Pending())[0].attempts, 1);
  http_.code = 200;
  EXPECT_EQ(DrainOutbox(box, alerts_, env_, now_).delivered, 1);
  EXPECT_EQ(Files(), 0u);
}

// An entry a week old, or whose alert was removed from the job file, is
// given up — said in the report — rather than tried for ever.
TEST_F(OutboxTest, OldEntriesAndEntriesOfRemovedAlertsAreGivenUp) {
  Outbox box(dir_, files_);
  OutboxEntry old = Entry("db", 1);
  old.first_attempt_at = now_ - std::chrono::hours(24 * 8);
  ASSERT_TRUE(box.Put(old).ok());
  OutboxEntry orphan = Entry("db", 2);
  orphan.alert = "gone";
  ASSERT_TRUE(box.Put(orphan).ok());
  DrainReport r = DrainOutbox(box, alerts_, env_, now_);
  EXPECT_EQ(r.given_up, 2);
  EXPECT_EQ(r.delivered, 0);
  ASSERT_EQ(r.problems.size(), 2u);
  EXPECT_NE(r.problems[0].find("undelivered for a week"), std::string::npos);
  EXPECT_NE(r.problems[1].find("the alert 'gone' no longer exists"), std::string::npos);
  EXPECT_TRUE(http_.bodies.empty());
  EXPECT_EQ(Files(), 0u);
}

// Every delivery's outcome is written down, sent or failed, newest first:
// what `surety outbox --sent` and a job's page show.
TEST_F(OutboxTest, EveryDeliveryIsNotedWithItsOutcome) {
  Outbox box(dir_, files_);
  ASSERT_TRUE(box.Put(Entry("db", 1)).ok());
  http_.code = 503;
  (void)DrainOutbox(box, alerts_, env_, now_);
  http_.code = 200;
  (void)DrainOutbox(box, alerts_, env_, now_ + std::chrono::minutes(1));
  auto notes = box.Deliveries("db", 10);
  ASSERT_TRUE(notes.ok()) << notes.status().message();
  ASSERT_EQ(notes->size(), 2u);
  EXPECT_TRUE((*notes)[0].sent);
  EXPECT_EQ((*notes)[0].at, now_ + std::chrono::minutes(1));
  EXPECT_EQ((*notes)[0].key, "host1/db/1/failure/ops");
  EXPECT_EQ((*notes)[0].run_id, 1);
  EXPECT_FALSE((*notes)[1].sent);
  EXPECT_NE((*notes)[1].error.find("503"), std::string::npos) << (*notes)[1].error;
  EXPECT_EQ((*notes)[1].error.find("secret"), std::string::npos) << "the URL leaked";
  EXPECT_TRUE(box.Deliveries("other", 10)->empty());
  EXPECT_EQ(box.Deliveries("db", 1)->size(), 1u);
}

// The log of a job stays bounded (about twice 256 KiB), and four writers at
// once leave whole lines, none lost while the log is not rotated.
TEST_F(OutboxTest, TheDeliveryLogIsBoundedAndTakesConcurrentWriters) {
  Outbox box(dir_, files_);
  DeliveryNote n{now_, "db", 1, "ops", AlertEvent::kFailure, std::string(200, 'k'), true, ""};
  for (int i = 0; i < 4000; ++i) ASSERT_TRUE(box.NoteDelivery(n).ok());
  uint64_t total = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/deliveries"))
    total += e.file_size();
  EXPECT_LE(total, 2 * 256 * 1024 + 4096u);
  EXPECT_GT(box.Deliveries("db", 100000)->size(), 1000u);

  std::filesystem::remove_all(dir_ + "/deliveries");
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w)
    writers.emplace_back([&, w] {
      RealDataFiles files;
      Outbox own(dir_, files);
      DeliveryNote mine{now_, "db", w + 1, "ops", AlertEvent::kFailure, "k", true, ""};
      for (int i = 0; i < 200; ++i) (void)own.NoteDelivery(mine);
    });
  for (auto& t : writers) t.join();
  auto notes = box.Deliveries("db", 100000);
  ASSERT_TRUE(notes.ok());
  EXPECT_EQ(notes->size(), 800u);
}

// One entry is delivered by one process at a time: while one holds it
// (a check --alert sending the entry it just wrote), a drain (a run of the
// job) leaves it alone, and once it was delivered and removed, nobody
// sends it again. Before, both sent it: the daemon e2e test saw "broken"
// twice under load.
TEST_F(OutboxTest, AnEntryBeingDeliveredIsLeftAlone) {
  Outbox box(dir_, files_);
  auto path = box.Put(Entry("db", 1));
  ASSERT_TRUE(path.ok());
  RealDataFiles other_files;
  Outbox other(dir_, other_files);
  auto claim = other.Claim(*path);
  ASSERT_TRUE(claim.ok() && *claim);
  DrainReport report = DrainOutbox(box, alerts_, env_, now_);
  EXPECT_EQ(report.delivered, 0);
  EXPECT_EQ(report.failed, 0);
  EXPECT_TRUE(http_.bodies.empty()) << "delivered while another process held it";
  auto entry = (*box.Pending())[0];
  EXPECT_TRUE(DeliveredElsewhere(DeliverEntry(&box, alerts_["ops"], entry, env_, now_)));
  claim->reset();
  EXPECT_TRUE(DeliverEntry(&box, alerts_["ops"], entry, env_, now_).ok());
  EXPECT_EQ(http_.bodies.size(), 1u);
  EXPECT_TRUE(DeliveredElsewhere(DeliverEntry(&box, alerts_["ops"], entry, env_, now_)))
      << "sent again after it was delivered and removed";
  EXPECT_EQ(http_.bodies.size(), 1u);
}

}  // namespace
}  // namespace surety
