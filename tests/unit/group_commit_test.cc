// Group commit: callers' work shares transactions, each caller hears the fate
// of the transaction holding its work (waiting, or told by a callback), batches
// and the queue stay bounded, and stopping commits everything already
// accepted.
#include "common/storage/group_commit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/storage/wal_buffer.h"
#include "tests/testing/test_env.h"

namespace clinic::storage {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kCreateSql[] = "CREATE TABLE items (name TEXT PRIMARY KEY)";
constexpr char kInsertSql[] = "INSERT INTO items (name) VALUES (?)";
constexpr char kNamesSql[] = "SELECT name FROM items ORDER BY name";

// Polls without a deadline: the test's own timeout is the bound.
template <typename Predicate>
void AwaitTrue(Predicate predicate) {
  while (!predicate()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(dir_.Join("items.db"), Database::Options());
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Write([](Connection& c) {
                     c.Exec(kCreateSql);
                     return absl::OkStatus();
                   })
                    .ok());
  }

  void Start(GroupCommitter::Options options) {
    committer_ = std::make_unique<GroupCommitter>(*db_, std::move(options));
  }

  // Work that inserts `name`, then returns `result`.
  absl::Status Insert(const std::string& name, absl::Status result = absl::OkStatus()) {
    return committer_->Run(name.size(), [&](Connection& c) {
      SQLite::Statement& insert = c.Prepare(kInsertSql);
      insert.bind(1, name);
      insert.exec();
      return result;
    });
  }

  // Occupies the writer with one caller's work until Open(); the work queued
  // meanwhile then forms the next batch.
  void HoldWriter() {
    holder_ = std::thread([this] {
      EXPECT_TRUE(committer_
                      ->Run(1,
                            [this](Connection&) {
                              held_ = true;
                              AwaitTrue([this] { return open_.load(); });
                              return absl::OkStatus();
                            })
                      .ok());
    });
    AwaitTrue([this] { return held_.load(); });
  }
  void Open() {
    open_ = true;
    holder_.join();
  }

  std::vector<std::string> Names() {
    std::vector<std::string> names;
    EXPECT_TRUE(db_->Read([&](Connection& c) {
                     SQLite::Statement& select = c.Prepare(kNamesSql);
                     while (select.executeStep()) names.push_back(select.getColumn(0).getString());
                     return absl::OkStatus();
                   })
                    .ok());
    return names;
  }

  clinic::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<GroupCommitter> committer_;
  std::thread holder_;
  std::atomic<bool> held_{false};
  std::atomic<bool> open_{false};
};

TEST_F(GroupCommitTest, OneCallersFailedWorkUndoesOnlyItsOwnChanges) {
  Start(GroupCommitter::Options());
  HoldWriter();
  absl::Status a, b, c;
  std::thread ta([&] { a = Insert("a"); });
  AwaitTrue([&] { return committer_->queued() == 1; });
  std::thread tb([&] { b = Insert("b", absl::FailedPreconditionError("b is refused")); });
  AwaitTrue([&] { return committer_->queued() == 2; });
  std::thread tc([&] { c = Insert("c"); });
  AwaitTrue([&] { return committer_->queued() == 3; });
  Open();
  ta.join();
  tb.join();
  tc.join();
  EXPECT_TRUE(a.ok()) << a;
  EXPECT_EQ(b, absl::FailedPreconditionError("b is refused"));
  EXPECT_TRUE(c.ok()) << c;
  EXPECT_THAT(Names(), ElementsAre("a", "c"));
  EXPECT_EQ(committer_->commits(), 2);  // the holder's, then a, b and c together
}

TEST_F(GroupCommitTest, AFailedCommitFailsEveryCallerOfTheBatch) {
  constexpr int kCallers = 8;
  GroupCommitter::Options options;
  options.before_commit = [](int batch_items) {
    if (batch_items == kCallers) return absl::UnavailableError("the disk went away");
    return absl::OkStatus();
  };
  Start(std::move(options));
  HoldWriter();
  std::vector<absl::Status> results(kCallers);
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] { results[i] = Insert("item-" + std::to_string(i)); });
  }
  AwaitTrue([&] { return committer_->queued() == kCallers; });
  Open();
  for (std::thread& caller : callers) caller.join();
  for (const absl::Status& result : results) {
    EXPECT_EQ(result, absl::UnavailableError("the disk went away"));
  }
  EXPECT_THAT(Names(), ElementsAre());
  EXPECT_EQ(committer_->commits(), 1);  // the holder's only
  // Nothing was left half-written: the next caller commits alone.
  EXPECT_TRUE(Insert("after").ok());
  EXPECT_THAT(Names(), ElementsAre("after"));
}

TEST_F(GroupCommitTest, BatchesStopAtTheirItemAndByteBounds) {
  std::vector<int> batches;  // sizes, in order; only the writer thread appends
  GroupCommitter::Options options;
  options.max_batch_items = 4;
  options.max_batch_bytes = 12;
  options.before_commit = [&](int batch_items) {
    batches.push_back(batch_items);
    return absl::OkStatus();
  };
  Start(std::move(options));
  HoldWriter();
  // Ten names of 2 bytes (at most 4 a batch), then two of 10 (one a batch:
  // 2 + 10 > 12), then one of 20 (over the bound alone, still written).
  std::vector<std::string> names;
  names.reserve(13);
  for (int i = 0; i < 10; ++i) names.push_back("s" + std::to_string(i));
  names.push_back("long-name0");
  names.push_back("long-name1");
  names.push_back("a-name-of-20-bytes-!");
  std::vector<std::thread> callers;
  for (size_t i = 0; i < names.size(); ++i) {
    // One at a time, so the queue's order (and so the batches) is known.
    callers.emplace_back([&, i] { EXPECT_TRUE(Insert(names[i]).ok()); });
    AwaitTrue([&] { return committer_->queued() == static_cast<int>(i) + 1; });
  }
  Open();
  for (std::thread& caller : callers) caller.join();
  EXPECT_THAT(batches, ElementsAre(1, 4, 4, 2, 1, 1, 1));
  EXPECT_EQ(committer_->commits(), 7);
  EXPECT_EQ(Names().size(), names.size());
}

TEST_F(GroupCommitTest, AFullQueueRefusesAtOnce) {
  GroupCommitter::Options options;
  options.max_queued = 2;
  Start(std::move(options));
  HoldWriter();
  std::vector<std::thread> callers;
  callers.reserve(2);
  for (int i = 0; i < 2; ++i) {
    callers.emplace_back([&, i] { EXPECT_TRUE(Insert("queued-" + std::to_string(i)).ok()); });
  }
  AwaitTrue([&] { return committer_->queued() == 2; });
  const absl::Status refused = Insert("refused");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  Open();
  for (std::thread& caller : callers) caller.join();
  EXPECT_THAT(Names(), UnorderedElementsAre("queued-0", "queued-1"));
}

TEST_F(GroupCommitTest, StoppingCommitsEverythingAcceptedAndRefusesTheRest) {
  Start(GroupCommitter::Options());
  HoldWriter();
  constexpr int kCallers = 5;
  std::vector<std::thread> callers;
  callers.reserve(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] { EXPECT_TRUE(Insert("item-" + std::to_string(i)).ok()); });
  }
  AwaitTrue([&] { return committer_->queued() == kCallers; });
  std::thread stopper([&] { committer_->Stop(); });
  // Stop() refuses new work before it waits for the writer.
  AwaitTrue([&] { return committer_->stopping(); });
  Open();
  stopper.join();
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(Names().size(), static_cast<size_t>(kCallers));
  EXPECT_EQ(Insert("late").code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Names().size(), static_cast<size_t>(kCallers));
}

// Submit: the same batches without a waiting thread. Each caller hears its
// own outcome once, after the commit (its row is then readable), and a
// refusal is told at once on the submitting thread.
TEST_F(GroupCommitTest, SubmittedWorkIsToldItsOutcomeOnceItsBatchCommitted) {
  GroupCommitter::Options options;
  options.max_queued = 3;
  Start(std::move(options));
  HoldWriter();
  std::mutex mutex;
  std::vector<std::pair<std::string, absl::Status>> told;
  const auto submit = [&](const std::string& name, const absl::Status& result) {
    committer_->Submit(
        name.size(),
        [name, result](Connection& c) {
          SQLite::Statement& insert = c.Prepare(kInsertSql);
          insert.bind(1, name);
          insert.exec();
          return result;
        },
        [&, name](absl::Status status) {
          std::lock_guard<std::mutex> lock(mutex);
          told.emplace_back(name, std::move(status));
        });
  };
  const std::thread::id submitter = std::this_thread::get_id();
  submit("a", absl::OkStatus());
  submit("b", absl::FailedPreconditionError("b is refused"));
  submit("c", absl::OkStatus());
  EXPECT_EQ(committer_->queued(), 3);
  // The queue is full: refused at once, on this thread, before Submit returns.
  std::thread::id refused_on;
  committer_->Submit(
      1, [](Connection&) { return absl::OkStatus(); },
      [&](const absl::Status& status) {
        refused_on = std::this_thread::get_id();
        EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
      });
  EXPECT_EQ(refused_on, submitter);
  {
    std::lock_guard<std::mutex> lock(mutex);
    EXPECT_TRUE(told.empty()) << "told before the batch committed";
  }
  Open();
  AwaitTrue([&] {
    std::lock_guard<std::mutex> lock(mutex);
    return told.size() == 3;
  });
  EXPECT_EQ(told[0], std::make_pair(std::string("a"), absl::OkStatus()));
  EXPECT_EQ(told[1],
            std::make_pair(std::string("b"), absl::FailedPreconditionError("b is refused")));
  EXPECT_EQ(told[2], std::make_pair(std::string("c"), absl::OkStatus()));
  EXPECT_THAT(Names(), ElementsAre("a", "c"));
  EXPECT_EQ(committer_->commits(), 2);  // the holder's, then a, b and c together
}

TEST_F(GroupCommitTest, StoppingTellsEverySubmittedCallerAndRefusesLaterOnes) {
  Start(GroupCommitter::Options());
  HoldWriter();
  std::atomic<int> committed{0};
  for (int i = 0; i < 4; ++i) {
    const std::string name = "item-" + std::to_string(i);
    committer_->Submit(
        1,
        [name](Connection& c) {
          SQLite::Statement& insert = c.Prepare(kInsertSql);
          insert.bind(1, name);
          insert.exec();
          return absl::OkStatus();
        },
        [&](const absl::Status& status) {
          EXPECT_TRUE(status.ok()) << status;
          ++committed;
        });
  }
  std::thread stopper([&] { committer_->Stop(); });
  AwaitTrue([&] { return committer_->stopping(); });
  Open();
  stopper.join();
  EXPECT_EQ(committed.load(), 4);
  absl::Status late;
  committer_->Submit(
      1, [](Connection&) { return absl::OkStatus(); },
      [&](absl::Status status) { late = std::move(status); });
  EXPECT_EQ(late.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Names().size(), 4u);
}

// Callers are told by a thread of their own: while one batch's callback is
// still running (for a gRPC call, sending its answer), the writer has
// already committed the next batch. Batches are still told in the order
// they committed.
TEST_F(GroupCommitTest, TheWriterCommitsTheNextBatchWhileTheLastIsBeingTold) {
  Start(GroupCommitter::Options());
  std::mutex mutex;
  std::condition_variable changed;
  bool telling = false;
  bool go_on = false;
  committer_->Submit(
      1,
      [](Connection& c) {
        SQLite::Statement& insert = c.Prepare(kInsertSql);
        insert.bind(1, "a");
        insert.exec();
        return absl::OkStatus();
      },
      [&](const absl::Status& status) {
        EXPECT_TRUE(status.ok()) << status;
        std::unique_lock<std::mutex> lock(mutex);
        telling = true;
        changed.notify_all();
        changed.wait(lock, [&] { return go_on; });
      });
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return telling; });
  }
  std::atomic<bool> b_told{false};
  std::thread b([&] {
    EXPECT_TRUE(Insert("b").ok());
    b_told = true;
  });
  AwaitTrue([&] { return committer_->commits() == 2; });
  EXPECT_THAT(Names(), ElementsAre("a", "b"));
  EXPECT_FALSE(b_told.load()) << "b was told before a, which committed first";
  {
    std::lock_guard<std::mutex> lock(mutex);
    go_on = true;
  }
  changed.notify_all();
  b.join();
  EXPECT_TRUE(b_told.load());
}

// Work committed but whose caller is not yet told still counts against the
// queue's bound, so a slow callback cannot let accepted work pile up without
// limit behind it.
TEST_F(GroupCommitTest, CallersNotYetToldCountAgainstTheQueueBound) {
  GroupCommitter::Options options;
  options.max_queued = 2;
  Start(std::move(options));
  std::mutex mutex;
  std::condition_variable changed;
  bool telling = false;
  bool go_on = false;
  const auto insert = [](const std::string& name) {
    return [name](Connection& c) {
      SQLite::Statement& statement = c.Prepare(kInsertSql);
      statement.bind(1, name);
      statement.exec();
      return absl::OkStatus();
    };
  };
  std::atomic<int> told{0};
  committer_->Submit(1, insert("a"), [&](const absl::Status& status) {
    EXPECT_TRUE(status.ok()) << status;
    std::unique_lock<std::mutex> lock(mutex);
    telling = true;
    changed.notify_all();
    changed.wait(lock, [&] { return go_on; });
    ++told;
  });
  {
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return telling; });
  }
  committer_->Submit(1, insert("b"), [&](const absl::Status& status) {
    EXPECT_TRUE(status.ok()) << status;
    ++told;
  });
  AwaitTrue([&] { return committer_->commits() == 2; });
  EXPECT_EQ(committer_->queued(), 0);
  // Nothing waits for the writer, but a and b wait to be told: full.
  const absl::Status refused = Insert("c");
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  {
    std::lock_guard<std::mutex> lock(mutex);
    go_on = true;
  }
  changed.notify_all();
  AwaitTrue([&] { return told.load() == 2; });
  EXPECT_TRUE(Insert("c").ok());
  EXPECT_THAT(Names(), ElementsAre("a", "b", "c"));
}

// A database at `path` with background checkpoints and one table of blobs.
std::unique_ptr<Database> OpenBlobsWithBackgroundCheckpoints(const std::string& path) {
  Database::Options options;
  options.background_checkpoints = true;
  auto db = Database::Open(path, options);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return nullptr;
  EXPECT_TRUE((*db)
                  ->Write([](Connection& c) {
                    c.Exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
                    return absl::OkStatus();
                  })
                  .ok());
  return std::move(*db);
}

// With background checkpoints the WAL is copied back into the database file
// by a thread of the database's own, not inside a writer's COMMIT: SQLite's
// automatic checkpoint is replaced, so without that thread nothing would be
// copied back here (the writer's own fallback starts at 16,000 pages).
TEST(DatabaseCheckpointTest, TheWalIsCopiedBackByTheDatabasesOwnThread) {
  clinic::testing::TempDir dir;
  const std::string path = dir.Join("busy.db");
  std::unique_ptr<Database> db = OpenBlobsWithBackgroundCheckpoints(path);
  ASSERT_NE(db, nullptr);
  const auto file_bytes = [&] { return std::filesystem::file_size(path); };
  const uintmax_t before = file_bytes();
  // About 1,200 pages of 4 KiB in one transaction: past the 1,000 pages at
  // which a checkpoint is due.
  constexpr int kRows = 1200;
  const std::string blob(3900, 'x');
  ASSERT_TRUE(db->Write([&](Connection& c) {
                  for (int i = 0; i < kRows; ++i) {
                    SQLite::Statement& insert = c.Prepare("INSERT INTO blobs (data) VALUES (?)");
                    BindBlob(insert, 1, blob);
                    insert.exec();
                  }
                  return absl::OkStatus();
                }).ok());
  AwaitTrue([&] { return file_bytes() >= before + kRows * blob.size(); });
  // The rows read back whole from the file the checkpoint wrote.
  int64_t rows = 0;
  ASSERT_TRUE(db->Read([&](Connection& c) {
                  SQLite::Statement& count =
                      c.Prepare("SELECT COUNT(*) FROM blobs WHERE length(data) = 3900");
                  if (count.executeStep()) rows = count.getColumn(0).getInt64();
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(rows, kRows);
}

// A writer that never pauses: the WAL is copied back about once per 1,000
// frames written, not after every commit once it has grown past 1,000 (each
// checkpoint costs two fsyncs and copies the same hot pages again), and the
// file still starts over instead of growing towards the writer's fallback.
TEST(DatabaseCheckpointTest, ABusyWriterCheckpointsPerThousandFramesAndTheWalStaysSmall) {
  clinic::testing::TempDir dir;
  const std::string path = dir.Join("steady.db");
  std::unique_ptr<Database> db = OpenBlobsWithBackgroundCheckpoints(path);
  ASSERT_NE(db, nullptr);
  // Each commit adds a row of most of a page: about three frames, and an
  // fsync, so a checkpoint round overlaps a few commits, as in a server.
  constexpr int kCommits = 3000;
  const std::string blob(3000, 'x');
  uintmax_t largest_wal = 0;
  for (int i = 0; i < kCommits; ++i) {
    ASSERT_TRUE(db->Write([&](Connection& c) {
                    SQLite::Statement& insert = c.Prepare("INSERT INTO blobs (data) VALUES (?)");
                    BindBlob(insert, 1, blob);
                    insert.exec();
                    return absl::OkStatus();
                  }).ok());
    if (i % 100 == 0)
      largest_wal = std::max(largest_wal, std::filesystem::file_size(path + "-wal"));
  }
  const int64_t checkpoints = db->checkpoints();
  EXPECT_GE(checkpoints, 3);
  // About 9,000 frames: a checkpoint per 1,000 and the writer's catch-up
  // after each (with a checkpoint woken by the WAL's size instead, 1,401).
  EXPECT_LE(checkpoints, 40);
  // 1,000 frames and what piles up during a round, far from the fallback's
  // 16,000 (with the old wake, 36 MB).
  EXPECT_LT(largest_wal, uintmax_t{3000} * (4096 + 24));
}

// A store's database with group commit on: Write goes through the
// database's own committer, and each caller still hears only its own
// outcome, with only its own changes undone.
TEST(DatabaseGroupCommitTest, ConcurrentWritesKeepTheirOwnOutcomes) {
  clinic::testing::TempDir dir;
  auto db = Database::Open(dir.Join("store.db"), StoreDatabaseOptions());
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)
                  ->Write([](Connection& c) {
                    c.Exec(kCreateSql);
                    return absl::OkStatus();
                  })
                  .ok());
  constexpr int kWriters = 16;
  std::vector<absl::Status> results(kWriters);
  std::vector<std::thread> writers;
  writers.reserve(kWriters);
  for (int i = 0; i < kWriters; ++i) {
    writers.emplace_back([&, i] {
      results[i] = (*db)->Write([i](Connection& c) {
        SQLite::Statement& insert = c.Prepare(kInsertSql);
        insert.bind(1, "item-" + std::to_string(i));
        insert.exec();
        return i % 2 == 0 ? absl::OkStatus() : absl::AbortedError("odd writers change their mind");
      });
    });
  }
  for (std::thread& writer : writers) writer.join();
  std::vector<std::string> expected;
  for (int i = 0; i < kWriters; ++i) {
    if (i % 2 == 0) {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i];
      expected.push_back("item-" + std::to_string(i));
    } else {
      EXPECT_EQ(results[i], absl::AbortedError("odd writers change their mind"));
    }
  }
  std::vector<std::string> names;
  ASSERT_TRUE((*db)
                  ->Read([&](Connection& c) {
                    SQLite::Statement& select = c.Prepare(kNamesSql);
                    while (select.executeStep()) names.push_back(select.getColumn(0).getString());
                    return absl::OkStatus();
                  })
                  .ok());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names, expected);
}

// The committer's threads are named for the database they write, so `top
// -H` tells the audit trail's writer from a store's.
TEST(GroupCommitDatabaseTest, TheWriterAndReleaseThreadsAreNamedForTheirDatabase) {
  clinic::testing::TempDir dir;
  Database::Options options;
  options.group_commit = true;
  auto db = Database::Open(dir.Join("ledger.db"), options);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)
                  ->Write([](Connection& c) {
                    c.Exec("CREATE TABLE t (x INTEGER)");
                    return absl::OkStatus();
                  })
                  .ok());
  std::vector<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.push_back(name);
  }
  EXPECT_THAT(names, ::testing::Contains("wr:ledger"));
  EXPECT_THAT(names, ::testing::Contains("rel:ledger"));
}

// Each caller's work runs in a savepoint, whose journal keeps the pages the
// work changes. Past 64 KiB SQLite would write that journal to a temporary
// file, opened anew for each piece of work: the journal stays in memory for
// work of hundreds of KiB.
TEST(GroupCommitDatabaseTest, ASavepointOfHundredsOfKibKeepsItsJournalInMemory) {
  ASSERT_TRUE(SavepointJournalsInMemory());
  clinic::testing::TempDir dir;
  Database::Options options;
  options.group_commit = true;
  auto db = Database::Open(dir.Join("journal.db"), options);
  ASSERT_TRUE(db.ok()) << db.status();
  // 100 pages that exist before the savepoint: changing them journals
  // 400 KiB.
  ASSERT_TRUE((*db)
                  ->Write([](Connection& c) {
                    c.Exec("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
                    c.Exec(
                        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                        "WHERE i < 100) INSERT INTO blobs SELECT i, zeroblob(3900) FROM n");
                    return absl::OkStatus();
                  })
                  .ok());
  const int64_t before = WalBufferCountsNow().temporary_files;
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE((*db)
                    ->Write([&](Connection& c) {
                      SQLite::Statement& update = c.Prepare("UPDATE blobs SET data = ?");
                      BindBlob(update, 1, std::string(3900, static_cast<char>('a' + round)));
                      update.exec();
                      return absl::OkStatus();
                    })
                    .ok());
  }
  EXPECT_EQ(WalBufferCountsNow().temporary_files, before);
  int64_t changed = 0;
  ASSERT_TRUE((*db)
                  ->Read([&](Connection& c) {
                    SQLite::Statement& count =
                        c.Prepare("SELECT count(*) FROM blobs WHERE data = CAST(? AS BLOB)");
                    count.bind(1, std::string(3900, 'c'));
                    if (count.executeStep()) changed = count.getColumn(0).getInt64();
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(changed, 100);
}

}  // namespace
}  // namespace clinic::storage
