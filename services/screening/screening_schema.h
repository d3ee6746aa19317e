// The Screening database schema, one migration per version. Append new
// versions at the end; never edit one that has shipped. Only the SQLite store
// includes it.
#ifndef CLINIC_SERVICES_SCREENING_SCREENING_SCHEMA_H_
#define CLINIC_SERVICES_SCREENING_SCREENING_SCHEMA_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/append_only.h"
#include "common/storage/idempotency.h"
#include "common/storage/migrations.h"
#include "common/storage/page_tokens.h"

namespace clinic::screening {

// Version 2: screenings and their reviews. A screening's answers and
// findings are what a clinician relied on, so both tables are append-only and
// the database itself refuses an edit; a review is a new row, and where a
// screening stands is read from its newest review.
inline constexpr char kScreeningsSchema[] = R"sql(
CREATE TABLE screenings (
  screening_id TEXT PRIMARY KEY,
  client_id TEXT NOT NULL,
  treatment_type_id TEXT NOT NULL,
  create_ms INTEGER NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX screenings_by_client ON screenings (client_id, create_ms, screening_id);
CREATE INDEX screenings_by_type ON screenings (client_id, treatment_type_id, create_ms,
                                               screening_id);

CREATE TABLE screening_reviews (
  screening_id TEXT NOT NULL REFERENCES screenings (screening_id),
  sequence INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (screening_id, sequence)
) WITHOUT ROWID;
)sql";

inline const std::vector<storage::Migration>& ScreeningMigrations() {
  static const auto* base =
      new std::string(std::string(storage::kStoreMetaSchema) + storage::kRequestLogSchema);
  static const auto* screenings = new std::string(
      absl::StrCat(kScreeningsSchema, storage::AppendOnlyTriggers("screenings", "screenings"),
                   storage::AppendOnlyTriggers("screening_reviews", "reviews")));
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "store settings and request log", base->c_str()},
      {2, "screenings and reviews", screenings->c_str()},
  };
  return *migrations;
}

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_SCREENING_SCHEMA_H_
