// The outbox: entries are written in the caller's transaction (and vanish
// with it when it rolls back), delivered oldest first, retried with waits
// that double up to the cap, left undelivered work is picked up by the next
// worker (a restart), and the database refuses to delete or rewrite them.
#include "common/storage/outbox.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "common/storage/outbox_worker.h"
#include "tests/testing/test_env.h"

namespace clinic::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <typename Predicate>
void AwaitTrue(Predicate predicate) {
  while (!predicate()) std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.Join("outbox.db"), Database::Options());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Write([](Connection& c) {
                     c.Exec(kOutboxSchema);
                     return absl::OkStatus();
                   })
                    .ok());
  }

  absl::Status Enqueue(const std::string& subject, absl::Status then = absl::OkStatus()) {
    return db_->Write([&](Connection& c) -> absl::Status {
      OutboxEntry entry;
      entry.kind = "charge";
      entry.subject = subject;
      entry.acting_for = "staff/jane";
      entry.request_id = "trail-" + subject;
      entry.payload = "payload of " + subject;
      entry.create_time = absl::Now();
      absl::StatusOr<int64_t> id = EnqueueOutbox(c, entry);
      if (!id.ok()) return id.status();
      return then;
    });
  }

  absl::optional<OutboxEntry> Find(const std::string& subject) {
    absl::optional<OutboxEntry> found;
    EXPECT_TRUE(db_->Read([&](Connection& c) -> absl::Status {
                     absl::StatusOr<absl::optional<OutboxEntry>> entry =
                         FindOutboxEntry(c, "charge", subject);
                     if (!entry.ok()) return entry.status();
                     found = *entry;
                     return absl::OkStatus();
                   })
                    .ok());
    return found;
  }

  static OutboxWorker::Retry Fast() { return {absl::Milliseconds(5), absl::Milliseconds(20)}; }

  clinic::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(OutboxTest, AnEntryIsWrittenOnlyWithItsTransaction) {
  ASSERT_TRUE(Enqueue("kept").ok());
  EXPECT_FALSE(Enqueue("rolled-back", absl::InternalError("the record write failed")).ok());
  EXPECT_TRUE(Find("kept").has_value());
  EXPECT_FALSE(Find("rolled-back").has_value());
  const absl::Status again = Enqueue("kept");
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
}

TEST_F(OutboxTest, DeliversOldestFirstAndRetriesFailuresUntilTaken) {
  ASSERT_TRUE(Enqueue("a").ok());
  ASSERT_TRUE(Enqueue("b").ok());
  std::mutex mutex;
  std::vector<std::string> attempts;
  int failures_left = 2;
  OutboxWorker worker(
      *db_,
      [&](const OutboxEntry& entry) -> DeliveryOutcome {
        std::lock_guard<std::mutex> lock(mutex);
        attempts.push_back(entry.subject);
        if (entry.subject == "b" && failures_left > 0) {
          --failures_left;
          return {false, "Billing answered UNAVAILABLE"};
        }
        return {true, "charges/" + entry.subject};
      },
      Fast());
  AwaitTrue([&] {
    const absl::optional<OutboxEntry> b = Find("b");
    return b.has_value() && b->deliver_time.has_value();
  });
  {
    std::lock_guard<std::mutex> lock(mutex);
    EXPECT_THAT(attempts, ElementsAre("a", "b", "b", "b"));
  }
  const OutboxEntry a = *Find("a");
  EXPECT_EQ(a.attempts, 1);
  EXPECT_EQ(a.result, "charges/a");
  const OutboxEntry b = *Find("b");
  EXPECT_EQ(b.attempts, 3);
  EXPECT_EQ(b.result, "charges/b");
  EXPECT_EQ(b.last_error, "");
  EXPECT_EQ(b.acting_for, "staff/jane");
  EXPECT_EQ(b.request_id, "trail-b");
  EXPECT_EQ(b.payload, "payload of b");
}

TEST_F(OutboxTest, AFailedAttemptIsRecordedWithItsErrorAndNextTime) {
  ASSERT_TRUE(Enqueue("down").ok());
  std::atomic<int> calls{0};
  {
    OutboxWorker worker(*db_,
                        [&](const OutboxEntry&) -> DeliveryOutcome {
                          ++calls;
                          return {false, std::string(2000, 'x')};
                        },
                        {absl::Hours(1), absl::Hours(2)});
    AwaitTrue([&] { return Find("down")->attempts == 1; });
  }
  const OutboxEntry entry = *Find("down");
  EXPECT_EQ(calls.load(), 1);
  EXPECT_FALSE(entry.deliver_time.has_value());
  EXPECT_EQ(entry.last_error.size(), 500u) << "errors are bounded";
  EXPECT_GT(entry.next_attempt_time, absl::Now() + absl::Minutes(50));
}

TEST_F(OutboxTest, ANewWorkerDeliversWhatTheLastOneLeft) {
  ASSERT_TRUE(Enqueue("left").ok());
  {
    OutboxWorker stopped(*db_,
                         [](const OutboxEntry&) -> DeliveryOutcome {
                           return {false, "down"};
                         },
                         {absl::Milliseconds(1), absl::Milliseconds(1)});
    AwaitTrue([&] { return Find("left")->attempts >= 1; });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  OutboxWorker restarted(
      *db_,
      [](const OutboxEntry& e) -> DeliveryOutcome {
        return {true, "took " + e.subject};
      },
      Fast());
  AwaitTrue([&] { return Find("left")->deliver_time.has_value(); });
  EXPECT_EQ(Find("left")->result, "took left");
}

TEST_F(OutboxTest, WakeDeliversANewEntryWithoutWaitingForTheNextRetry) {
  std::atomic<int> delivered{0};
  OutboxWorker worker(*db_,
                      [&](const OutboxEntry&) -> DeliveryOutcome {
                        ++delivered;
                        return {true, ""};
                      },
                      {absl::Hours(1), absl::Hours(1)});
  ASSERT_TRUE(Enqueue("new").ok());
  worker.Wake();
  AwaitTrue([&] { return delivered.load() == 1; });
}

TEST_F(OutboxTest, WaitsDoubleUpToTheCap) {
  const OutboxWorker::Retry retry{absl::Seconds(1), absl::Seconds(10)};
  EXPECT_EQ(OutboxWorker::WaitAfter(1, retry), absl::Seconds(1));
  EXPECT_EQ(OutboxWorker::WaitAfter(2, retry), absl::Seconds(2));
  EXPECT_EQ(OutboxWorker::WaitAfter(4, retry), absl::Seconds(8));
  EXPECT_EQ(OutboxWorker::WaitAfter(5, retry), absl::Seconds(10));
  EXPECT_EQ(OutboxWorker::WaitAfter(1000, retry), absl::Seconds(10));
}

TEST_F(OutboxTest, TheDatabaseRefusesToDeleteOrRewriteEntries) {
  ASSERT_TRUE(Enqueue("x").ok());
  auto run = [&](const char* sql) {
    return db_->Write([&](Connection& c) {
      c.Exec(sql);
      return absl::OkStatus();
    });
  };
  EXPECT_THAT(run("DELETE FROM outbox").ToString(), HasSubstr("never deleted"));
  EXPECT_THAT(run("UPDATE outbox SET payload = x'00'").ToString(), HasSubstr("never changes"));
  ASSERT_TRUE(run("UPDATE outbox SET deliver_ms = 1").ok());
  EXPECT_THAT(run("UPDATE outbox SET attempts = 0").ToString(), HasSubstr("final"));
}

}  // namespace
}  // namespace clinic::storage
