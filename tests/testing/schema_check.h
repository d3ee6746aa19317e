// Checks that a store's migrations bring a database file from every earlier
// schema version to exactly the schema a new file gets, keeping its data.
// Shared by the tests of every store: list the earlier versions (as the
// migration steps that built them, including any variant that shipped), and
// say how to open the store, put data in, and check it afterwards.
#ifndef CLINIC_TESTS_TESTING_SCHEMA_CHECK_H_
#define CLINIC_TESTS_TESTING_SCHEMA_CHECK_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"

namespace clinic::testing {

// Every table, index, trigger and view of the file, one per line as
// "type|name|tbl_name|sql", ordered by name (SQLite's internal objects
// included, so an automatic index that differs shows up too).
std::string SchemaOf(const std::string& path);

// A database as an earlier build left it: `steps` applied in order from an
// empty file (none for version 0).
struct EarlierSchema {
  std::string label;  // e.g. "v2 as first shipped"
  std::vector<storage::Migration> steps;
};

struct MigrationCheck {
  std::vector<EarlierSchema> earlier;
  // Optional: readies a connection before earlier steps run on it, for
  // migrations that call SQL functions the store registers itself.
  std::function<absl::Status(storage::Database& database)> prepare;
  // Opens the store at `path`, which migrates it to the current version.
  std::function<absl::Status(const std::string& path)> open;
  // Optional: fills a file at an earlier version with rows (raw SQL through
  // the storage layer, as that version's code would have left them).
  std::function<void(const std::string& path, const EarlierSchema& schema)> seed;
  // Optional: checks the migrated file still holds what `seed` put there.
  std::function<void(const std::string& path, const EarlierSchema& schema)> check;
};

// For each earlier schema: builds it in a fresh file, seeds it, opens it with
// the current code, and expects SchemaOf() to equal that of a file the
// current code created; then runs `check`. Also expects `earlier` to cover
// every version below the current one.
void ExpectEveryEarlierSchemaMigratesExactly(const MigrationCheck& migration_check);

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_SCHEMA_CHECK_H_
