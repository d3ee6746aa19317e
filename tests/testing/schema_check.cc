#include "tests/testing/schema_check.h"

#include <gtest/gtest.h>

#include <set>

#include "common/storage/database.h"
#include "tests/testing/test_env.h"

namespace clinic::testing {

std::string SchemaOf(const std::string& path) {
  std::string schema;
  auto db = storage::Database::Open(path, storage::Database::Options());
  EXPECT_TRUE(db.ok()) << db.status();
  if (!db.ok()) return schema;
  const absl::Status status = (*db)->Read([&](storage::Connection& connection) {
    SQLite::Statement& rows =
        connection.Prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name");
    while (rows.executeStep()) {
      for (int i = 0; i < 4; ++i) {
        schema += rows.getColumn(i).getString();
        schema += i < 3 ? "|" : "\n";
      }
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
  return schema;
}

void ExpectEveryEarlierSchemaMigratesExactly(const MigrationCheck& migration_check) {
  TempDir dir;
  const std::string fresh = dir.Join("fresh.db");
  const absl::Status opened = migration_check.open(fresh);
  ASSERT_TRUE(opened.ok()) << opened;
  const std::string expected = SchemaOf(fresh);
  int current = 0;
  {
    auto db = storage::Database::Open(fresh, storage::Database::Options());
    ASSERT_TRUE(db.ok());
    absl::StatusOr<int> version = storage::SchemaVersion(**db);
    ASSERT_TRUE(version.ok());
    current = *version;
  }
  std::set<int> covered;
  int index = 0;
  for (const EarlierSchema& schema : migration_check.earlier) {
    SCOPED_TRACE(schema.label);
    const std::string path = dir.Join("earlier-" + std::to_string(index++) + ".db");
    {
      auto db = storage::Database::Open(path, storage::Database::Options());
      ASSERT_TRUE(db.ok());
      if (migration_check.prepare) {
        const absl::Status prepared = migration_check.prepare(**db);
        ASSERT_TRUE(prepared.ok()) << prepared;
      }
      const absl::Status built = storage::Migrate(**db, schema.label, schema.steps);
      ASSERT_TRUE(built.ok()) << built;
    }
    covered.insert(static_cast<int>(schema.steps.size()));
    if (migration_check.seed) migration_check.seed(path, schema);
    const absl::Status migrated = migration_check.open(path);
    ASSERT_TRUE(migrated.ok()) << migrated;
    EXPECT_EQ(SchemaOf(path), expected);
    if (migration_check.check) migration_check.check(path, schema);
  }
  for (int version = 0; version < current; ++version) {
    EXPECT_EQ(covered.count(version), 1u)
        << "no database at earlier version " << version << " was checked; list it in `earlier`";
  }
}

}  // namespace clinic::testing
