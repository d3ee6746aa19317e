// The storage layer every service store builds on, against real SQLite files
// in a temporary folder.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "clinic/v1/common.pb.h"
#include "common/core/status.h"
#include "common/storage/database.h"
#include "common/storage/etag.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/migrations.h"
#include "common/storage/page_tokens.h"
#include "tests/testing/test_env.h"

namespace clinic::storage {
namespace {

using ::testing::HasSubstr;

const std::string& MetaAndRequestLog() {
  static const auto* sql = new std::string(
      std::string("CREATE TABLE store_meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT "
                  "ROWID;") +
      kRequestLogSchema);
  return *sql;
}

const std::vector<Migration> kMigrations = {
    {1, "meta and request log", MetaAndRequestLog().c_str()},
    {2, "notes", "CREATE TABLE notes (id TEXT PRIMARY KEY, body TEXT NOT NULL);"},
    {3, "note authors", "ALTER TABLE notes ADD COLUMN author TEXT NOT NULL DEFAULT '';"},
};

class StorageTest : public ::testing::Test {
 protected:
  std::unique_ptr<Database> Open(const std::string& name = "store.db") {
    auto db = Database::Open(dir_.Join(name), Database::Options());
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }
  static int CountNotes(Database& db) {
    int count = -1;
    EXPECT_TRUE(db.Read([&](Connection& c) {
                    SQLite::Statement& q = c.Prepare("SELECT COUNT(*) FROM notes");
                    q.executeStep();
                    count = q.getColumn(0).getInt();
                    return absl::OkStatus();
                  }).ok());
    return count;
  }
  clinic::testing::TempDir dir_;
};

TEST_F(StorageTest, OpensWithWalAndForeignKeys) {
  auto db = Open();
  std::string journal;
  int foreign_keys = 0;
  ASSERT_TRUE(db->Read([&](Connection& c) {
                  SQLite::Statement& j = c.Prepare("PRAGMA journal_mode");
                  j.executeStep();
                  journal = j.getColumn(0).getString();
                  SQLite::Statement& f = c.Prepare("PRAGMA foreign_keys");
                  f.executeStep();
                  foreign_keys = f.getColumn(0).getInt();
                  return absl::OkStatus();
                }).ok())
      << db->Read([](Connection& c) {
           c.Prepare("PRAGMA journal_mode").executeStep();
           return absl::OkStatus();
         });
  EXPECT_EQ(journal, "wal");
  EXPECT_EQ(foreign_keys, 1);
}

TEST_F(StorageTest, UnopenableFileIsAClearError) {
  auto db = Database::Open(dir_.Join("missing-folder/store.db"), Database::Options());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(db.status().message()), HasSubstr("missing-folder/store.db"));
}

TEST_F(StorageTest, MigratesAFreshFileToTheNewestSchema) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  EXPECT_EQ(*SchemaVersion(*db), 3);
  ASSERT_TRUE(db->Write([](Connection& c) {
                  c.Exec("INSERT INTO notes (id, body, author) VALUES ('a', 'b', 'c')");
                  return absl::OkStatus();
                }).ok());
  // Running again is a no-op.
  ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  EXPECT_EQ(CountNotes(*db), 1);
}

TEST_F(StorageTest, MigratesAnOlderFileKeepingItsData) {
  {
    auto db = Open();
    const std::vector<Migration> old(kMigrations.begin(), kMigrations.begin() + 2);
    ASSERT_TRUE(Migrate(*db, "test", old).ok());
    ASSERT_TRUE(db->Write([](Connection& c) {
                    c.Exec("INSERT INTO notes (id, body) VALUES ('n1', 'kept')");
                    return absl::OkStatus();
                  }).ok());
  }
  auto db = Open();
  EXPECT_EQ(*SchemaVersion(*db), 2);
  ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  EXPECT_EQ(*SchemaVersion(*db), 3);
  EXPECT_EQ(CountNotes(*db), 1);
}

TEST_F(StorageTest, RefusesAFileFromANewerBuild) {
  {
    auto db = Open();
    ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  }
  auto db = Open();
  const std::vector<Migration> older(kMigrations.begin(), kMigrations.begin() + 1);
  const absl::Status status = Migrate(*db, "test", older);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("schema version 3, newer than the newest"));
  EXPECT_EQ(*SchemaVersion(*db), 3);
}

TEST_F(StorageTest, RefusesMisnumberedMigrationsAndReportsFailingSteps) {
  auto db = Open();
  EXPECT_EQ(Migrate(*db, "test", {{2, "x", "SELECT 1"}}).code(),
            absl::StatusCode::kFailedPrecondition);
  const absl::Status status = Migrate(*db, "test", {{1, "broken", "CREATE TABLEX nonsense"}});
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("migration 1 (broken) failed"));
  EXPECT_EQ(*SchemaVersion(*db), 0);
}

// The steps one start applies commit together, so a file is never left
// between the version it had and the one asked for.
TEST_F(StorageTest, AFailingStepLeavesTheFileAtTheVersionItHadBeforeThisStart) {
  auto db = Open();
  const std::vector<Migration> first(kMigrations.begin(), kMigrations.begin() + 1);
  ASSERT_TRUE(Migrate(*db, "test", first).ok());
  std::vector<Migration> broken(kMigrations.begin(), kMigrations.begin() + 2);
  broken.push_back({3, "broken", "CREATE TABLEX nonsense"});
  const absl::Status status = Migrate(*db, "test", broken);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), HasSubstr("migration 3 (broken) failed"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("none of this start's steps"));
  EXPECT_EQ(*SchemaVersion(*db), 1);
  // Step 2 ran before the failure and was undone with it.
  const absl::Status no_notes = db->Read([](Connection& c) {
    c.Prepare("SELECT COUNT(*) FROM notes").executeStep();
    return absl::OkStatus();
  });
  EXPECT_FALSE(no_notes.ok());
  ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  EXPECT_EQ(*SchemaVersion(*db), 3);
  EXPECT_EQ(CountNotes(*db), 0);
}

TEST_F(StorageTest, WriteRollsBackOnErrorStatusAndOnSqliteErrors) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  absl::Status status = db->Write([](Connection& c) {
    c.Exec("INSERT INTO notes (id, body) VALUES ('x', 'y')");
    return absl::InvalidArgumentError("changed my mind");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CountNotes(*db), 0);

  status = db->Write([](Connection& c) {
    c.Exec("INSERT INTO notes (id, body) VALUES ('x', 'y')");
    c.Exec("INSERT INTO notes (id, body) VALUES ('x', 'duplicate key')");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(status.message()), HasSubstr("constraint"));
  EXPECT_EQ(CountNotes(*db), 0);

  status = db->Read([](Connection& c) {
    c.Prepare("SELECT * FROM no_such_table");
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
}

TEST_F(StorageTest, ConcurrentWritersAreSerialisedNotLost) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&db, t] {
      for (int i = 0; i < 25; ++i) {
        ASSERT_TRUE(db->Write([&](Connection& c) {
                        SQLite::Statement& insert =
                            c.Prepare("INSERT INTO notes (id, body) VALUES (?, 'x')");
                        insert.bind(1, NewId());
                        insert.exec();
                        return absl::OkStatus();
                      }).ok());
        ASSERT_GE(CountNotes(*db), 0);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(CountNotes(*db), 100);
}

TEST(IdsTest, AreWellFormedUniqueAndIncreasing) {
  std::string previous;
  std::set<std::string> seen;
  for (int i = 0; i < 5000; ++i) {
    const std::string id = NewId();
    ASSERT_TRUE(IsWellFormedId(id)) << id;
    ASSERT_GT(id, previous);
    previous = id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 5000u);
  EXPECT_FALSE(IsWellFormedId("01ARZ3NDEKTSV4RRFFQ69G5FA"));   // 25 characters
  EXPECT_FALSE(IsWellFormedId("01ARZ3NDEKTSV4RRFFQ69G5FAI"));  // I is not Crockford
  EXPECT_FALSE(IsWellFormedId("01arz3ndektsv4rrffq69g5fav"));
}

TEST(IdsTest, CarryTheirCreationTime) {
  const absl::Time before = absl::Now();
  const std::string id = NewId();
  const absl::optional<absl::Time> made = IdTime(id);
  ASSERT_TRUE(made.has_value());
  EXPECT_LE(absl::AbsDuration(*made - before), absl::Seconds(2));
  // The example of the ULID specification: 01ARZ3NDEK is 1469922850259 ms.
  EXPECT_EQ(IdTime("01ARZ3NDEKTSV4RRFFQ69G5FAV"), absl::FromUnixMillis(1469922850259));
  EXPECT_EQ(IdTime("not an id"), absl::nullopt);
}

TEST(EtagTest, ChangesWithRevisionAndResource) {
  const std::string etag = MakeEtag("clients/A", 1);
  EXPECT_NE(etag, MakeEtag("clients/A", 2));
  EXPECT_NE(etag, MakeEtag("clients/B", 1));
  EXPECT_TRUE(CheckEtag(etag, "clients/A", 1, true, "d").ok());
  EXPECT_TRUE(CheckEtag("", "clients/A", 1, false, "d").ok());
  EXPECT_EQ(CheckEtag("", "clients/A", 1, true, "d").code(), absl::StatusCode::kInvalidArgument);
  const absl::Status stale = CheckEtag(etag, "clients/A", 2, true, "clinic.v1.ClientRecords");
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(stale.message()), HasSubstr("read it again and retry"));
}

TEST_F(StorageTest, RetriedRequestReplaysTheFirstResponse) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  v1::Money request;
  request.set_currency_code("GBP");
  request.set_amount_minor(4500);
  auto do_call = [&](const v1::Money& req, v1::Site* response, bool* replayed,
                     const std::string& caller = "staff/jane") {
    return db->Write([&](Connection& c) -> absl::Status {
      IdempotentCall call("Test/Create", caller, "req-1", req);
      absl::StatusOr<bool> replay = call.Replay(c, response);
      if (!replay.ok()) return replay.status();
      *replayed = *replay;
      if (*replay) return absl::OkStatus();
      c.Exec(("INSERT INTO notes (id, body) VALUES ('" + caller + "', 'created once')").c_str());
      response->set_site_id("made-by-first-call");
      return call.Remember(c, *response);
    });
  };
  v1::Site first, second;
  bool replayed = true;
  ASSERT_TRUE(do_call(request, &first, &replayed).ok());
  EXPECT_FALSE(replayed);
  ASSERT_TRUE(do_call(request, &second, &replayed).ok());
  EXPECT_TRUE(replayed);
  EXPECT_EQ(second.site_id(), "made-by-first-call");
  EXPECT_EQ(CountNotes(*db), 1);

  request.set_amount_minor(9999);
  v1::Site third;
  const absl::Status status = do_call(request, &third, &replayed);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(GetFieldViolations(status)[0].field, "request_id");
  EXPECT_EQ(CountNotes(*db), 1);

  // The same id and request from another caller is that caller's own
  // request: no replay of the first caller's response.
  request.set_amount_minor(4500);
  v1::Site other;
  ASSERT_TRUE(do_call(request, &other, &replayed, "staff/ana").ok());
  EXPECT_FALSE(replayed);
  EXPECT_EQ(CountNotes(*db), 2);
  ASSERT_TRUE(do_call(request, &other, &replayed, "staff/jane").ok());
  EXPECT_TRUE(replayed);
}

TEST(RequestIdTest, Validation) {
  EXPECT_TRUE(ValidateRequestId("", false).ok());
  EXPECT_FALSE(ValidateRequestId("", true).ok());
  EXPECT_TRUE(ValidateRequestId("4f0c2a8e-5b0e-4c1e-9d59-2f1b7a6c3d10", true).ok());
  EXPECT_FALSE(ValidateRequestId("has space", true).ok());
  EXPECT_FALSE(ValidateRequestId(std::string(129, 'a'), true).ok());
}

TEST_F(StorageTest, PageTokensRoundTripAndCannotBeForged) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  auto tokens = PageTokens::ForDatabase(*db);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  const std::string token = tokens->Encode("ListClients", "site=a", "01H00000000000000000000000");
  EXPECT_EQ(*tokens->Decode("ListClients", "site=a", token), "01H00000000000000000000000");
  EXPECT_EQ(*tokens->Decode("ListClients", "site=a", ""), "");
  EXPECT_FALSE(tokens->Decode("ListClients", "site=b", token).ok());
  EXPECT_FALSE(tokens->Decode("SearchClients", "site=a", token).ok());
  std::string tampered = token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokens->Decode("ListClients", "site=a", tampered).ok());
  EXPECT_FALSE(tokens->Decode("ListClients", "site=a", "garbage").ok());

  // The key lives in the database: tokens survive a restart, and another
  // database does not accept them.
  auto again = PageTokens::ForDatabase(*db);
  EXPECT_EQ(*again->Decode("ListClients", "site=a", token), "01H00000000000000000000000");
  auto other_db = Open("other.db");
  ASSERT_TRUE(Migrate(*other_db, "test", kMigrations).ok());
  auto other = PageTokens::ForDatabase(*other_db);
  EXPECT_FALSE(other->Decode("ListClients", "site=a", token).ok());
}

// A statement that fails while stepping (not while compiling) leaves SQLite's
// error on the statement; resetting it afterwards must not throw again from
// inside the handler, which would end the process instead of returning a
// status. An FTS5 syntax error from a search was such a failure.
TEST_F(StorageTest, AStatementThatFailsWhileSteppingIsAStatusAndTheConnectionRecovers) {
  auto db = Open();
  ASSERT_TRUE(Migrate(*db, "test", kMigrations).ok());
  constexpr char kOverflow[] = "SELECT abs(-9223372036854775807 - 1)";
  for (int i = 0; i < 6; ++i) {  // more rounds than pooled readers
    absl::Status status = db->Read([&](Connection& c) {
      c.Prepare(kOverflow).executeStep();
      return absl::OkStatus();
    });
    EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
    EXPECT_THAT(std::string(status.message()), HasSubstr("integer overflow"));
  }
  absl::Status written = db->Write([&](Connection& c) {
    c.Prepare(kOverflow).executeStep();
    return absl::OkStatus();
  });
  EXPECT_EQ(written.code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(db->Write([](Connection& c) {
                  c.Exec("INSERT INTO notes (id, body) VALUES ('after', 'ok')");
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(CountNotes(*db), 1);
}

}  // namespace
}  // namespace clinic::storage
