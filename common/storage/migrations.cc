#include "common/storage/migrations.h"

#include "absl/strings/str_cat.h"
#include "common/core/log.h"

namespace clinic::storage {

absl::StatusOr<int> SchemaVersion(Database& database) {
  int version = 0;
  absl::Status status = database.Write([&version](Connection& connection) {
    SQLite::Statement& query = connection.Prepare("PRAGMA user_version");
    if (query.executeStep()) version = query.getColumn(0).getInt();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return version;
}

absl::Status Migrate(Database& database, absl::string_view store_name,
                     const std::vector<Migration>& migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    if (migrations[i].version != static_cast<int>(i) + 1) {
      return absl::FailedPreconditionError(
          absl::StrCat(store_name, " migrations must be numbered 1, 2, 3, ...; entry ", i,
                       " is version ", migrations[i].version));
    }
  }
  const int newest = static_cast<int>(migrations.size());
  absl::StatusOr<int> current = SchemaVersion(database);
  if (!current.ok()) return current.status();
  if (*current > newest) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the ", store_name, " database ", database.path(), " is at schema version ", *current,
        ", newer than the newest this build knows (", newest,
        "); it was written by a newer Clinic Core. Run that version or restore a backup"));
  }
  if (*current == newest) return absl::OkStatus();
  // Every step this start applies commits in one transaction: a failing
  // step leaves the file exactly at the version it had, never half way, and
  // a new file costs one fsync rather than one per step (start-up time,
  // docs/performance.md).
  int failed = 0;
  absl::Status status = database.Write([&](Connection& connection) {
    for (int version = *current + 1; version <= newest; ++version) {
      failed = version;
      connection.Exec(migrations[version - 1].sql);
      // PRAGMA takes no bound parameters; the version is a trusted integer.
      connection.Exec(absl::StrCat("PRAGMA user_version = ", version).c_str());
    }
    failed = 0;
    return absl::OkStatus();
  });
  if (!status.ok()) {
    if (failed == 0) return status;
    return absl::Status(
        status.code(),
        absl::StrCat(store_name, " migration ", failed, " (", migrations[failed - 1].description,
                     ") failed, so none of this start's steps were applied: ", status.message()));
  }
  for (int version = *current + 1; version <= newest; ++version) {
    Log(LogLevel::kInfo, "schema migrated",
        {{"store", store_name},
         {"version", version},
         {"step", migrations[version - 1].description}});
  }
  return absl::OkStatus();
}

}  // namespace clinic::storage
