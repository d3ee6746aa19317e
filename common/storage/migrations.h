// Versioned schema migrations for a store. Each store lists its migrations in
// order (version 1, 2, ...); Migrate() brings a database file from whatever
// version it is at to the newest, one transaction per step, and refuses a
// file written by a newer build rather than guess at its schema. The version
// lives in SQLite's user_version. Called once by each store when it opens.
#ifndef CLINIC_COMMON_STORAGE_MIGRATIONS_H_
#define CLINIC_COMMON_STORAGE_MIGRATIONS_H_

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"

namespace clinic::storage {

struct Migration {
  // 1 for the first; each next one is one higher.
  int version;
  // What the step does, for logs, e.g. "clients and their search index".
  const char* description;
  // The SQL of the step; may hold several statements.
  const char* sql;
};

// The schema version the file is at (0 for a new file).
absl::StatusOr<int> SchemaVersion(Database& database);

// Applies every migration above the file's version. FAILED_PRECONDITION when
// the file is at a version above the newest known one, or the list is not
// numbered 1, 2, 3, ...; the file is left untouched then.
absl::Status Migrate(Database& database, absl::string_view store_name,
                     const std::vector<Migration>& migrations);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_MIGRATIONS_H_
