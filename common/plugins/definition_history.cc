#include "common/plugins/definition_history.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/core/hash.h"
#include "common/definition/definition_changes.h"
#include "common/definition/definition_upgrade.h"
#include "common/definition/semver.h"
#include "common/plugins/definition_history_schema.h"
#include "common/storage/migrations.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace clinic::plugins {
namespace {

using storage::Connection;

constexpr char kSelectSql[] =
    "SELECT treatment_type_id, version, definition, definition_sha256, file_name, file_sha256, "
    "first_loaded_ms, last_loaded_ms, previous_version FROM definition_versions "
    "WHERE treatment_type_id = ? AND version = ?";
constexpr char kInsertSql[] =
    "INSERT INTO definition_versions (treatment_type_id, version, definition, definition_sha256, "
    "file_name, file_sha256, first_loaded_ms, last_loaded_ms, previous_version) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kSelectChangesSql[] =
    "SELECT impact, field, description FROM definition_version_changes "
    "WHERE treatment_type_id = ? AND version = ? ORDER BY position";
constexpr char kInsertChangeSql[] =
    "INSERT INTO definition_version_changes (treatment_type_id, version, position, impact, field, "
    "description) VALUES (?, ?, ?, ?, ?, ?)";
// max(): a clock stepped back never makes a version look loaded earlier
// than it was.
constexpr char kTouchSql[] =
    "UPDATE definition_versions SET last_loaded_ms = max(last_loaded_ms, ?) "
    "WHERE treatment_type_id = ? AND version = ?";
constexpr char kVersionsSql[] =
    "SELECT version FROM definition_versions WHERE treatment_type_id = ?";

absl::StatusOr<DefinitionVersion> ReadRow(SQLite::Statement& row) {
  DefinitionVersion stored;
  stored.treatment_type_id = row.getColumn(0).getString();
  stored.version = row.getColumn(1).getString();
  const SQLite::Column blob = row.getColumn(2);
  if (!stored.definition.ParseFromArray(blob.getBlob(), blob.getBytes())) {
    return absl::DataLossError(absl::StrCat("the recorded definition of treatment type '",
                                            stored.treatment_type_id, "' version ", stored.version,
                                            " is unreadable"));
  }
  // Rows keep the bytes first accepted; an older host stored older forms.
  UpgradeTreatmentDefinition(stored.definition);
  stored.definition_sha256 = row.getColumn(3).getString();
  stored.file_name = row.getColumn(4).getString();
  stored.file_sha256 = row.getColumn(5).getString();
  stored.first_loaded = absl::FromUnixMillis(row.getColumn(6).getInt64());
  stored.last_loaded = absl::FromUnixMillis(row.getColumn(7).getInt64());
  stored.previous_version = row.getColumn(8).getString();
  return stored;
}

void ReadChanges(Connection& connection, DefinitionVersion& stored) {
  SQLite::Statement& select = connection.Prepare(kSelectChangesSql);
  select.bind(1, stored.treatment_type_id);
  select.bind(2, stored.version);
  while (select.executeStep()) {
    v1::DefinitionChange& change = stored.changes.emplace_back();
    change.set_impact(static_cast<v1::VersionImpact>(select.getColumn(0).getInt()));
    change.set_field(select.getColumn(1).getString());
    change.set_description(select.getColumn(2).getString());
  }
}

absl::StatusOr<absl::optional<DefinitionVersion>> Select(Connection& connection,
                                                         absl::string_view treatment_type_id,
                                                         absl::string_view version) {
  SQLite::Statement& select = connection.Prepare(kSelectSql);
  select.bind(1, std::string(treatment_type_id));
  select.bind(2, std::string(version));
  if (!select.executeStep()) return absl::optional<DefinitionVersion>();
  absl::StatusOr<DefinitionVersion> stored = ReadRow(select);
  if (!stored.ok()) return stored.status();
  ReadChanges(connection, *stored);
  return absl::optional<DefinitionVersion>(*std::move(stored));
}

// The highest recorded version of `treatment_type_id` with a lower
// precedence than `version`; nullopt when there is none (or `version` is
// not a semantic version, which the validator never lets through).
absl::StatusOr<absl::optional<DefinitionVersion>> Predecessor(Connection& connection,
                                                              absl::string_view treatment_type_id,
                                                              absl::string_view version) {
  absl::StatusOr<SemanticVersion> next = ParseSemanticVersion(version);
  if (!next.ok()) return absl::optional<DefinitionVersion>();
  SQLite::Statement& select = connection.Prepare(kVersionsSql);
  select.bind(1, std::string(treatment_type_id));
  absl::optional<std::string> best;
  while (select.executeStep()) {
    const std::string candidate = select.getColumn(0).getString();
    absl::StatusOr<SemanticVersion> parsed = ParseSemanticVersion(candidate);
    if (!parsed.ok() || CompareSemanticVersions(*parsed, *next) >= 0) continue;
    if (!best.has_value() || NewerVersionFirst(candidate, *best)) best = candidate;
  }
  if (!best.has_value()) return absl::optional<DefinitionVersion>();
  return Select(connection, treatment_type_id, *best);
}

}  // namespace

std::string CanonicalDefinitionBytes(const v1::TreatmentDefinition& definition) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    definition.SerializeToCodedStream(&coded);
  }
  return bytes;
}

bool SameContent(const DefinitionVersion& stored, absl::string_view sha256) {
  if (stored.definition_sha256 == sha256) return true;
  // Recorded in an older form: the definition was upgraded when read, so
  // its hash now is what the same plugin's upgraded definition hashes to.
  return Sha256Hex(CanonicalDefinitionBytes(stored.definition)) == sha256;
}

bool NewerVersionFirst(absl::string_view a, absl::string_view b) {
  absl::StatusOr<SemanticVersion> parsed_a = ParseSemanticVersion(a);
  absl::StatusOr<SemanticVersion> parsed_b = ParseSemanticVersion(b);
  if (parsed_a.ok() != parsed_b.ok()) return parsed_a.ok();
  if (parsed_a.ok()) {
    const int order = CompareSemanticVersions(*parsed_a, *parsed_b);
    if (order != 0) return order > 0;
  }
  return a > b;
}

absl::StatusOr<std::unique_ptr<DefinitionHistory>> DefinitionHistory::Open(
    const std::string& path) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(path, storage::Database::Options());
  if (!db.ok()) return db.status();
  if (absl::Status status =
          storage::Migrate(**db, "definition history", DefinitionHistoryMigrations());
      !status.ok()) {
    return status;
  }
  return std::unique_ptr<DefinitionHistory>(new DefinitionHistory(std::move(*db)));
}

v1::DefinitionChange ChangeProto(const DefinitionChange& change) {
  v1::DefinitionChange proto;
  proto.set_impact(static_cast<v1::VersionImpact>(static_cast<int>(change.impact)));
  proto.set_field(change.field);
  proto.set_description(change.description);
  return proto;
}

absl::StatusOr<Recorded> DefinitionHistory::Decide(Connection& connection,
                                                   const v1::TreatmentType& type, absl::Time now,
                                                   bool write) {
  const v1::TreatmentDefinition& definition = type.definition();
  const std::string bytes = CanonicalDefinitionBytes(definition);
  const std::string sha256 = Sha256Hex(bytes);
  const int64_t now_ms = absl::ToUnixMillis(now);
  Recorded recorded{RecordResult::kAdded, {}, absl::OkStatus()};
  absl::StatusOr<absl::optional<DefinitionVersion>> existing =
      Select(connection, definition.id(), definition.version());
  if (!existing.ok()) return existing.status();
  if (existing->has_value()) {
    recorded.stored = **std::move(existing);
    if (!SameContent(recorded.stored, sha256)) {
      recorded.result = RecordResult::kContentDiffers;
      return recorded;
    }
    recorded.result = RecordResult::kSeenAgain;
    if (!write) return recorded;
    SQLite::Statement& touch = connection.Prepare(kTouchSql);
    touch.bind(1, static_cast<int64_t>(now_ms));
    touch.bind(2, definition.id());
    touch.bind(3, definition.version());
    touch.exec();
    recorded.stored.last_loaded =
        std::max(recorded.stored.last_loaded, absl::FromUnixMillis(now_ms));
    return recorded;
  }

  // A new version: its number must say what changed since the one below.
  absl::StatusOr<absl::optional<DefinitionVersion>> below =
      Predecessor(connection, definition.id(), definition.version());
  if (!below.ok()) return below.status();
  std::vector<DefinitionChange> changes;
  if (below->has_value()) {
    changes = CompareDefinitions((*below)->definition, definition);
    absl::Status step = CheckVersionStep((*below)->version, definition.version(), changes);
    if (!step.ok()) {
      recorded.result = RecordResult::kStepTooSmall;
      recorded.stored = **std::move(below);
      recorded.refusal = std::move(step);
      return recorded;
    }
    recorded.stored.previous_version = (*below)->version;
  }
  recorded.result = RecordResult::kAdded;
  recorded.stored.treatment_type_id = definition.id();
  recorded.stored.version = definition.version();
  recorded.stored.definition = definition;
  recorded.stored.definition_sha256 = sha256;
  recorded.stored.file_name = type.source().file_name();
  recorded.stored.file_sha256 = type.source().sha256();
  recorded.stored.first_loaded = absl::FromUnixMillis(now_ms);
  recorded.stored.last_loaded = absl::FromUnixMillis(now_ms);
  for (const DefinitionChange& change : changes) {
    recorded.stored.changes.push_back(ChangeProto(change));
  }
  if (!write) return recorded;
  SQLite::Statement& insert = connection.Prepare(kInsertSql);
  insert.bind(1, definition.id());
  insert.bind(2, definition.version());
  insert.bind(3, bytes.data(), static_cast<int>(bytes.size()));
  insert.bind(4, sha256);
  insert.bind(5, type.source().file_name());
  insert.bind(6, type.source().sha256());
  insert.bind(7, static_cast<int64_t>(now_ms));
  insert.bind(8, static_cast<int64_t>(now_ms));
  insert.bind(9, recorded.stored.previous_version);
  insert.exec();
  for (size_t i = 0; i < changes.size(); ++i) {
    SQLite::Statement& change = connection.Prepare(kInsertChangeSql);
    change.bind(1, definition.id());
    change.bind(2, definition.version());
    change.bind(3, static_cast<int64_t>(i));
    change.bind(4, static_cast<int>(changes[i].impact));
    change.bind(5, changes[i].field);
    change.bind(6, changes[i].description);
    change.exec();
  }
  return recorded;
}

absl::StatusOr<Recorded> DefinitionHistory::Record(const v1::TreatmentType& type, absl::Time now) {
  absl::StatusOr<Recorded> recorded = absl::InternalError("not decided");
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    recorded = Decide(connection, type, now, /*write=*/true);
    return recorded.status();
  });
  if (!status.ok()) return status;
  return recorded;
}

absl::StatusOr<std::vector<Recorded>> DefinitionHistory::RecordAll(
    const std::vector<const v1::TreatmentType*>& types, absl::Time now) {
  std::vector<Recorded> all;
  all.reserve(types.size());
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    all.clear();
    for (const v1::TreatmentType* type : types) {
      absl::StatusOr<Recorded> recorded = Decide(connection, *type, now, /*write=*/true);
      if (!recorded.ok()) return recorded.status();
      all.push_back(*std::move(recorded));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return all;
}

absl::StatusOr<Recorded> DefinitionHistory::Check(const v1::TreatmentType& type) {
  absl::StatusOr<Recorded> recorded = absl::InternalError("not decided");
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    recorded = Decide(connection, type, absl::Now(), /*write=*/false);
    return recorded.status();
  });
  if (!status.ok()) return status;
  return recorded;
}

absl::StatusOr<absl::optional<DefinitionVersion>> DefinitionHistory::Find(
    absl::string_view treatment_type_id, absl::string_view version) {
  absl::optional<DefinitionVersion> found;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<absl::optional<DefinitionVersion>> stored =
        Select(connection, treatment_type_id, version);
    if (!stored.ok()) return stored.status();
    found = *std::move(stored);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::vector<std::string>> DefinitionHistory::Versions(
    absl::string_view treatment_type_id) {
  std::vector<std::string> versions;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kVersionsSql);
    select.bind(1, std::string(treatment_type_id));
    while (select.executeStep()) versions.push_back(select.getColumn(0).getString());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  std::sort(versions.begin(), versions.end(),
            [](const std::string& a, const std::string& b) { return NewerVersionFirst(a, b); });
  return versions;
}

absl::StatusOr<std::set<std::string>> DefinitionHistory::AcceptedFiles() {
  std::set<std::string> files;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select =
        connection.Prepare("SELECT DISTINCT file_sha256 FROM definition_versions");
    while (select.executeStep()) files.insert(select.getColumn(0).getString());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return files;
}

}  // namespace clinic::plugins
