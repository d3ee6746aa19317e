// AppendOnlyTriggers on a real SQLite database: INSERT works, UPDATE and
// DELETE are refused with the trigger's own message and change nothing.
#include "common/storage/append_only.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "tests/testing/test_env.h"

namespace clinic::storage {
namespace {

using ::testing::HasSubstr;

class AppendOnlyTest : public ::testing::Test {
 protected:
  // A store whose one table is made append-only in its first migration, as
  // a new store would do it.
  std::unique_ptr<Database> OpenLedger(absl::string_view table, absl::string_view what) {
    schema_ = absl::StrCat("CREATE TABLE \"", table, "\" (id INTEGER PRIMARY KEY, qty INTEGER);",
                           AppendOnlyTriggers(table, what));
    auto db = Database::Open(dir_.Join("ledger.db"), Database::Options());
    EXPECT_TRUE(db.ok()) << db.status();
    if (!db.ok()) return nullptr;
    absl::Status migrated = Migrate(**db, "ledger", {{1, "the ledger", schema_.c_str()}});
    EXPECT_TRUE(migrated.ok()) << migrated << "\n" << schema_;
    return std::move(*db);
  }

  static absl::Status Exec(Database& db, const std::string& sql) {
    return db.Write([&](Connection& c) {
      c.Exec(sql.c_str());
      return absl::OkStatus();
    });
  }

  static std::string Rows(Database& db, const std::string& table) {
    std::string rows;
    EXPECT_TRUE(db.Read([&](Connection& c) {
                    SQLite::Statement q(
                        c.raw(), absl::StrCat("SELECT id, qty FROM ", table, " ORDER BY id"));
                    while (q.executeStep()) {
                      absl::StrAppend(&rows, q.getColumn(0).getInt(), "=", q.getColumn(1).getInt(),
                                      ";");
                    }
                    return absl::OkStatus();
                  }).ok());
    return rows;
  }

  clinic::testing::TempDir dir_;
  std::string schema_;
};

TEST_F(AppendOnlyTest, InsertWorksUpdateAndDeleteAreRefusedWithTheTriggersMessage) {
  std::unique_ptr<Database> db = OpenLedger("stock_movements", "stock movements");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(Exec(*db, "INSERT INTO stock_movements (id, qty) VALUES (1, 5), (2, -1)").ok());
  EXPECT_EQ(Rows(*db, "stock_movements"), "1=5;2=-1;");

  absl::Status updated = Exec(*db, "UPDATE stock_movements SET qty = 50 WHERE id = 1");
  EXPECT_EQ(updated.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(updated.message(), HasSubstr("stock movements are never changed"));

  absl::Status deleted = Exec(*db, "DELETE FROM stock_movements WHERE id = 2");
  EXPECT_EQ(deleted.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(deleted.message(), HasSubstr("stock movements are never deleted"));

  // Not even a whole-table delete, which SQLite may otherwise optimize into
  // a truncation that skips row triggers.
  EXPECT_THAT(Exec(*db, "DELETE FROM stock_movements").message(),
              HasSubstr("stock movements are never deleted"));
  EXPECT_EQ(Rows(*db, "stock_movements"), "1=5;2=-1;");

  // Appending still works after the refusals.
  ASSERT_TRUE(Exec(*db, "INSERT INTO stock_movements (id, qty) VALUES (3, 2)").ok());
  EXPECT_EQ(Rows(*db, "stock_movements"), "1=5;2=-1;3=2;");
}

TEST_F(AppendOnlyTest, TriggersAreNamedAfterTheTable) {
  std::unique_ptr<Database> db = OpenLedger("payments", "payments");
  ASSERT_NE(db, nullptr);
  std::string names;
  ASSERT_TRUE(db->Read([&](Connection& c) {
                  SQLite::Statement q(c.raw(),
                                      "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                      "AND tbl_name = 'payments' ORDER BY name");
                  while (q.executeStep()) absl::StrAppend(&names, q.getColumn(0).getText(), " ");
                  return absl::OkStatus();
                }).ok());
  EXPECT_EQ(names, "payments_append_only_d payments_append_only_u ");
}

TEST_F(AppendOnlyTest, QuotesInNamesAndNounsStayValidSql) {
  // The noun is an SQL string and the names identifiers: a quote in either
  // cannot end them early.
  std::unique_ptr<Database> db = OpenLedger("client's notes", "client's notes");
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(Exec(*db, "INSERT INTO \"client's notes\" (id, qty) VALUES (1, 1)").ok());
  EXPECT_THAT(Exec(*db, "UPDATE \"client's notes\" SET qty = 2").message(),
              HasSubstr("client's notes are never changed"));
  EXPECT_EQ(AppendOnlyTriggers("a\"b", "it's"),
            "CREATE TRIGGER \"a\"\"b_append_only_u\" BEFORE UPDATE ON \"a\"\"b\" BEGIN\n"
            "  SELECT RAISE(ABORT, 'it''s are never changed');\nEND;\n"
            "CREATE TRIGGER \"a\"\"b_append_only_d\" BEFORE DELETE ON \"a\"\"b\" BEGIN\n"
            "  SELECT RAISE(ABORT, 'it''s are never deleted');\nEND;\n");
}

}  // namespace
}  // namespace clinic::storage
