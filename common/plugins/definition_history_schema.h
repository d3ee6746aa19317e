// The definition history's schema, one migration per version. Append new
// versions at the end; never edit one that has shipped. Only the history
// (definition_history.cc) and its migration test include it.
#ifndef CLINIC_COMMON_PLUGINS_DEFINITION_HISTORY_SCHEMA_H_
#define CLINIC_COMMON_PLUGINS_DEFINITION_HISTORY_SCHEMA_H_

#include <vector>

#include "common/storage/migrations.h"

namespace clinic::plugins {

// Version 1: one row per (treatment type, version) ever accepted. A rowid
// table, because rows carry whole definitions (SQLite advises against
// WITHOUT ROWID for large rows). The triggers keep what was recorded: only
// the last-loaded time may move, and nothing is deleted, because records
// name these versions for as long as they are kept.
inline constexpr char kDefinitionVersionsSchema[] = R"sql(
CREATE TABLE definition_versions (
  treatment_type_id TEXT NOT NULL,
  version TEXT NOT NULL,
  definition BLOB NOT NULL,
  definition_sha256 TEXT NOT NULL,
  file_name TEXT NOT NULL,
  file_sha256 TEXT NOT NULL,
  first_loaded_ms INTEGER NOT NULL,
  last_loaded_ms INTEGER NOT NULL,
  UNIQUE (treatment_type_id, version)
);
CREATE TRIGGER definition_versions_keep_content
BEFORE UPDATE OF treatment_type_id, version, definition, definition_sha256, file_name,
                 file_sha256, first_loaded_ms ON definition_versions
BEGIN
  SELECT RAISE(ABORT, 'recorded definition versions are never changed');
END;
CREATE TRIGGER definition_versions_never_deleted BEFORE DELETE ON definition_versions
BEGIN
  SELECT RAISE(ABORT, 'recorded definition versions are never deleted');
END;
)sql";

// Version 2: what changed from the version each one was compared with when
// it was first accepted (definition_changes.h). previous_version joins the
// columns that never change; a version recorded before this has none. The
// changes are kept as rows, in the order found, and are never changed or
// deleted either.
inline constexpr char kVersionChangesSchema[] = R"sql(
ALTER TABLE definition_versions ADD COLUMN previous_version TEXT NOT NULL DEFAULT '';
DROP TRIGGER definition_versions_keep_content;
CREATE TRIGGER definition_versions_keep_content
BEFORE UPDATE OF treatment_type_id, version, definition, definition_sha256, file_name,
                 file_sha256, first_loaded_ms, previous_version ON definition_versions
BEGIN
  SELECT RAISE(ABORT, 'recorded definition versions are never changed');
END;
CREATE TABLE definition_version_changes (
  treatment_type_id TEXT NOT NULL,
  version TEXT NOT NULL,
  position INTEGER NOT NULL,
  impact INTEGER NOT NULL CHECK (impact BETWEEN 1 AND 3),
  field TEXT NOT NULL,
  description TEXT NOT NULL,
  PRIMARY KEY (treatment_type_id, version, position)
) WITHOUT ROWID;
CREATE TRIGGER definition_version_changes_never_changed
BEFORE UPDATE ON definition_version_changes
BEGIN
  SELECT RAISE(ABORT, 'recorded definition changes are never changed');
END;
CREATE TRIGGER definition_version_changes_never_deleted
BEFORE DELETE ON definition_version_changes
BEGIN
  SELECT RAISE(ABORT, 'recorded definition changes are never deleted');
END;
)sql";

inline const std::vector<storage::Migration>& DefinitionHistoryMigrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "accepted treatment definition versions", kDefinitionVersionsSchema},
      {2, "what changed since the version before", kVersionChangesSchema},
  };
  return *migrations;
}

}  // namespace clinic::plugins

#endif  // CLINIC_COMMON_PLUGINS_DEFINITION_HISTORY_SCHEMA_H_
