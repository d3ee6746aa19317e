// WAL frames kept back and written together (wal_buffer.h): a transaction's
// frames reach the file in a few writes, and nothing a reader, a later
// transaction or a reopened file sees differs from writing each frame at
// once: pages spilled before COMMIT and written again, a rolled-back
// transaction, readers on other connections while commits go on.
#include "common/storage/wal_buffer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/database.h"
#include "tests/testing/test_env.h"

namespace clinic::storage {
namespace {

constexpr char kInsertSql[] = "INSERT INTO blobs (id, data) VALUES (?, ?)";

std::unique_ptr<Database> OpenBlobs(const std::string& path, bool buffered = true) {
  Database::Options options;
  options.buffer_wal_writes = buffered;
  auto db = Database::Open(path, options);
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return nullptr;
  EXPECT_TRUE((*db)
                  ->Write([](Connection& c) {
                    c.Exec(
                        "CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY, data BLOB "
                        "NOT NULL)");
                    c.Exec("CREATE TABLE IF NOT EXISTS tally (n INTEGER NOT NULL)");
                    c.Exec("INSERT INTO tally SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM tally)");
                    return absl::OkStatus();
                  })
                  .ok());
  return std::move(*db);
}

absl::Status InsertBlobs(Connection& c, int first, int count, char fill, size_t bytes) {
  for (int id = first; id < first + count; ++id) {
    SQLite::Statement& insert = c.Prepare(kInsertSql);
    insert.bind(1, id);
    BindBlob(insert, 2, std::string(bytes, fill));
    insert.exec();
  }
  return absl::OkStatus();
}

// Every row's bytes, read on a reader connection (the default VFS): the
// file as another connection sees it.
std::vector<std::string> ReadBlobs(Database& db) {
  std::vector<std::string> blobs;
  EXPECT_TRUE(db.Read([&](Connection& c) {
                  SQLite::Statement& select = c.Prepare("SELECT data FROM blobs ORDER BY id");
                  while (select.executeStep()) blobs.push_back(select.getColumn(0).getString());
                  return absl::OkStatus();
                }).ok());
  return blobs;
}

std::string IntegrityCheck(Database& db) {
  std::string result;
  EXPECT_TRUE(db.Read([&](Connection& c) {
                  SQLite::Statement& check = c.Prepare("PRAGMA integrity_check");
                  while (check.executeStep()) result += check.getColumn(0).getString();
                  return absl::OkStatus();
                }).ok());
  return result;
}

TEST(WalBufferTest, ATransactionOfManyPagesReachesTheWalInAFewWrites) {
  clinic::testing::TempDir dir;
  std::unique_ptr<Database> db = OpenBlobs(dir.Join("many.db"));
  ASSERT_NE(db, nullptr);
  const WalBufferCounts before = WalBufferCountsNow();
  // 200 rows of almost a page each: about 200 frames, each a header and a
  // page, so 400 writes asked.
  const absl::Status written =
      db->Write([](Connection& c) { return InsertBlobs(c, 1, 200, 'a', 3900); });
  ASSERT_TRUE(written.ok()) << written;
  const WalBufferCounts after = WalBufferCountsNow();
  const int64_t asked = after.writes_asked - before.writes_asked;
  const int64_t made = after.writes_made - before.writes_made;
  EXPECT_GE(asked, 400);
  // 800 KiB in pieces of at most 128 KiB.
  EXPECT_LE(made, 8) << asked << " writes asked";
  const std::vector<std::string> blobs = ReadBlobs(*db);
  ASSERT_EQ(blobs.size(), 200u);
  for (const std::string& blob : blobs) EXPECT_EQ(blob, std::string(3900, 'a'));
}

TEST(WalBufferTest, WithoutItEveryFrameIsWrittenByTheDefaultVfs) {
  clinic::testing::TempDir dir;
  std::unique_ptr<Database> db = OpenBlobs(dir.Join("plain.db"), /*buffered=*/false);
  ASSERT_NE(db, nullptr);
  const WalBufferCounts before = WalBufferCountsNow();
  ASSERT_TRUE(db->Write([](Connection& c) { return InsertBlobs(c, 1, 50, 'p', 3900); }).ok());
  const WalBufferCounts after = WalBufferCountsNow();
  EXPECT_EQ(after.writes_asked, before.writes_asked);
  EXPECT_EQ(ReadBlobs(*db).size(), 50u);
}

// A page cache of a few pages makes SQLite write frames before COMMIT,
// read them back while they may still be kept, and log pages again: every
// path of the buffer but the plain append.
TEST(WalBufferTest, PagesSpilledBeforeCommitAndChangedAgainReadBackWhole) {
  clinic::testing::TempDir dir;
  std::unique_ptr<Database> db = OpenBlobs(dir.Join("spill.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(
      db->Write([](Connection& c) {
          c.Exec("PRAGMA cache_size = 4");
          if (absl::Status s = InsertBlobs(c, 1, 300, 'a', 1500); !s.ok()) return s;
          // Pages logged a moment ago and gone from the cache: their
          // frames may still be kept when they are read back.
          for (int from = 300; from > 0; from -= 10) {
            SQLite::Statement& sum =
                c.Prepare("SELECT sum(length(data)) FROM blobs WHERE id BETWEEN ? AND ?");
            sum.bind(1, from - 9);
            sum.bind(2, from);
            if (!sum.executeStep() || sum.getColumn(0).getInt64() != 15000) {
              return absl::DataLossError(absl::StrCat("rows to ", from, " read back short"));
            }
            sum.reset();
          }
          // Pages logged just now (more than the cache holds) and
          // changed again at once: SQLite rewrites their frames in
          // place, while they are still kept.
          if (absl::Status s = InsertBlobs(c, 301, 40, 'c', 1500); !s.ok()) return s;
          for (char fill = 'd'; fill <= 'z'; ++fill) {
            SQLite::Statement& change = c.Prepare("UPDATE blobs SET data = ? WHERE id > 300");
            BindBlob(change, 1, std::string(1500, fill));
            change.exec();
            change.reset();
          }
          c.Exec("UPDATE blobs SET data = zeroblob(1500) WHERE id % 2 = 0");
          c.Exec(
              "UPDATE blobs SET data = CAST(replace(hex(zeroblob(1500)), '00', 'b') "
              "AS BLOB) WHERE id % 2 = 0");
          return absl::OkStatus();
        }).ok());
  const std::vector<std::string> blobs = ReadBlobs(*db);
  ASSERT_EQ(blobs.size(), 340u);
  for (size_t i = 0; i < blobs.size(); ++i) {
    const size_t id = i + 1;
    const char fill = id % 2 == 0 ? 'b' : id > 300 ? 'z' : 'a';
    ASSERT_EQ(blobs[i], std::string(1500, fill)) << "row " << id;
  }
  EXPECT_EQ(IntegrityCheck(*db), "ok");
}

TEST(WalBufferTest, ARolledBackTransactionLeavesNothingBehindItsSuccessor) {
  clinic::testing::TempDir dir;
  const std::string path = dir.Join("rollback.db");
  {
    std::unique_ptr<Database> db = OpenBlobs(path);
    ASSERT_NE(db, nullptr);
    // Spills, then fails: its frames were written (or kept) and are not
    // committed.
    EXPECT_FALSE(db->Write([](Connection& c) {
                     c.Exec("PRAGMA cache_size = 4");
                     if (absl::Status s = InsertBlobs(c, 1, 200, 'x', 2000); !s.ok()) return s;
                     return absl::AbortedError("changed my mind");
                   }).ok());
    ASSERT_TRUE(db->Write([](Connection& c) { return InsertBlobs(c, 1000, 20, 'y', 2000); }).ok());
    const std::vector<std::string> blobs = ReadBlobs(*db);
    ASSERT_EQ(blobs.size(), 20u);
    for (const std::string& blob : blobs) EXPECT_EQ(blob, std::string(2000, 'y'));
  }
  // Closed, so what was kept is written; the file reopens with the same rows.
  std::unique_ptr<Database> reopened = OpenBlobs(path);
  ASSERT_NE(reopened, nullptr);
  EXPECT_EQ(ReadBlobs(*reopened).size(), 20u);
  EXPECT_EQ(IntegrityCheck(*reopened), "ok");
}

// Two writers on one file (two processes, or two connections of one): the
// frames a rolled-back transaction wrote out stay behind in its kept bytes
// unless they are dropped, and writing them at its next commit would
// overwrite what the other writer committed at the same places since (the
// second writer's 600 KiB reach past the first one's kept 128 KiB).
TEST(WalBufferTest, FramesOfARolledBackTransactionNeverOverwriteAnotherWritersCommit) {
  clinic::testing::TempDir dir;
  const std::string path = dir.Join("two.db");
  std::unique_ptr<Database> first = OpenBlobs(path);
  std::unique_ptr<Database> second = OpenBlobs(path);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_FALSE(first
                   ->Write([](Connection& c) {
                     c.Exec("PRAGMA cache_size = 4");
                     if (absl::Status s = InsertBlobs(c, 1, 200, 'x', 2000); !s.ok()) return s;
                     return absl::AbortedError("changed my mind");
                   })
                   .ok());
  ASSERT_TRUE(
      second->Write([](Connection& c) { return InsertBlobs(c, 1000, 300, 'y', 2000); }).ok());
  ASSERT_TRUE(first->Write([](Connection& c) { return InsertBlobs(c, 5000, 1, 'z', 2000); }).ok());
  std::unique_ptr<Database> reader = OpenBlobs(path);
  ASSERT_NE(reader, nullptr);
  const std::vector<std::string> blobs = ReadBlobs(*reader);
  ASSERT_EQ(blobs.size(), 301u);
  for (size_t i = 0; i < 300; ++i) ASSERT_EQ(blobs[i], std::string(2000, 'y')) << "row " << i;
  EXPECT_EQ(blobs[300], std::string(2000, 'z'));
  EXPECT_EQ(IntegrityCheck(*reader), "ok");
}

// Readers on their own connections never see a commit whose frames are not
// in the file: each commit adds rows and the tally of rows together, and
// every snapshot a reader takes must agree with itself.
TEST(WalBufferTest, ReadersOnOtherConnectionsSeeEveryCommitWhole) {
  clinic::testing::TempDir dir;
  std::unique_ptr<Database> db = OpenBlobs(dir.Join("readers.db"));
  ASSERT_NE(db, nullptr);
  std::atomic<bool> done{false};
  std::atomic<int> snapshots{0};
  std::atomic<int> disagreements{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        const absl::Status read = db->Read([&](Connection& c) {
          SQLite::Statement& rows = c.Prepare(
              "SELECT count(*), coalesce(sum(length(data)), 0) "
              "FROM blobs");
          SQLite::Statement& tally = c.Prepare("SELECT n FROM tally");
          if (!rows.executeStep() || !tally.executeStep()) return absl::InternalError("no row");
          const int64_t count = rows.getColumn(0).getInt64();
          const int64_t bytes = rows.getColumn(1).getInt64();
          if (count != tally.getColumn(0).getInt64() || bytes != count * 1000) {
            disagreements.fetch_add(1);
          }
          return absl::OkStatus();
        });
        if (!read.ok()) disagreements.fetch_add(1);
        snapshots.fetch_add(1);
      }
    });
  }
  constexpr int kCommits = 300;
  for (int i = 0; i < kCommits; ++i) {
    ASSERT_TRUE(db->Write([&](Connection& c) {
                    if (absl::Status s = InsertBlobs(c, i * 10, 10, 'r', 1000); !s.ok()) return s;
                    c.Exec("UPDATE tally SET n = n + 10");
                    return absl::OkStatus();
                  }).ok());
  }
  done = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(disagreements.load(), 0) << snapshots.load() << " snapshots";
  EXPECT_GT(snapshots.load(), 0);
  EXPECT_EQ(ReadBlobs(*db).size(), static_cast<size_t>(kCommits * 10));
  EXPECT_EQ(IntegrityCheck(*db), "ok");
}

}  // namespace
}  // namespace clinic::storage
