// The definition history: every treatment definition version the plugin host
// has accepted, kept in a SQLite file (the catalog database) so that records
// made with an earlier version stay readable and explainable after a plugin
// is upgraded or removed, and so that a version, once seen, always means the
// same content, across reloads and restarts. The plugin host records and
// checks definitions here; the treatment catalog reads it through the host.
// docs/decisions/0008-definition-history.md says why it lives where it does.
#ifndef CLINIC_COMMON_PLUGINS_DEFINITION_HISTORY_H_
#define CLINIC_COMMON_PLUGINS_DEFINITION_HISTORY_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "clinic/v1/treatment_catalog.pb.h"
#include "common/definition/definition_changes.h"
#include "common/storage/database.h"

namespace clinic::plugins {

// The bytes a definition is stored and hashed as: its deterministic
// serialization, fields in field-number order. Two builds of a plugin that
// declare the same definition give the same bytes here even when their
// encoders ordered the wire bytes differently, so only a real change of
// content counts as one.
std::string CanonicalDefinitionBytes(const v1::TreatmentDefinition& definition);

// One accepted definition version as the history keeps it.
struct DefinitionVersion {
  std::string treatment_type_id;
  std::string version;
  // In the current form: a version an older host recorded in an older form
  // (needle configurations as text) is upgraded as it is read
  // (definition_upgrade.h), so readers never meet the older form.
  v1::TreatmentDefinition definition;
  // Lowercase hex SHA-256 of the bytes recorded, CanonicalDefinitionBytes of
  // the definition as first accepted. It never changes, so for a version
  // recorded in an older form it is the hash of that form, not of
  // `definition`; compare content with SameContent, not with this alone.
  std::string definition_sha256;
  // The plugin file it was first accepted from, and that file's SHA-256.
  std::string file_name;
  std::string file_sha256;
  absl::Time first_loaded;
  absl::Time last_loaded;
  // The version it was compared with when first accepted (the highest
  // recorded below it), and what changed since; both empty for the first
  // version of a type and for versions recorded before versions were
  // compared.
  std::string previous_version;
  std::vector<v1::DefinitionChange> changes;
};

// What Record did with one definition.
enum class RecordResult {
  // The version was new; it is stored now.
  kAdded,
  // The version was stored with the same content; only its last-loaded time
  // moved.
  kSeenAgain,
  // The version was stored with other content; nothing was written, and the
  // stored version is returned. The plugin must be refused.
  kContentDiffers,
  // The version is new, but its number does not say what changed since the
  // version recorded below it (CheckVersionStep); nothing was written.
  // `stored` holds that earlier version and `refusal` says why. The plugin
  // must be refused.
  kStepTooSmall,
};

struct Recorded {
  RecordResult result;
  // The version as stored after the call (for kContentDiffers, the earlier
  // content that keeps the version; for kStepTooSmall, the version below).
  DefinitionVersion stored;
  // For kStepTooSmall, CheckVersionStep's FAILED_PRECONDITION.
  absl::Status refusal;
};

// A change as the catalog's contract carries it.
v1::DefinitionChange ChangeProto(const DefinitionChange& change);

// Whether `stored` holds the definition whose CanonicalDefinitionBytes hash
// to `sha256` (a definition as the host serves it, in the current form).
// Compared in the current form, so a version an older host recorded with
// needle configurations as text still matches the same plugin after the
// host upgrades it: a restart must not refuse an unchanged plugin as a
// reused version.
bool SameContent(const DefinitionVersion& stored, absl::string_view sha256);

// Orders versions newest first: by Semantic Versioning precedence, then,
// for versions precedence ranks level (they differ only in build metadata),
// by their text, higher first; text that is not a semantic version after
// every one that is. A total order, so paging through it is stable.
bool NewerVersionFirst(absl::string_view a, absl::string_view b);

class DefinitionHistory {
 public:
  // Opens (creating and migrating) the history at `path`.
  static absl::StatusOr<std::unique_ptr<DefinitionHistory>> Open(const std::string& path);

  // Records that `type` (a definition the host validated and upgraded, and
  // the plugin file it came from) was accepted at `now`, in one transaction:
  // a new version is compared with the highest version recorded below it
  // and added with what changed, if its number says as much (else
  // kStepTooSmall); one stored with the same content (SameContent) gets
  // `now` as its last-loaded time, and one stored with other content is
  // left untouched and reported. The checks and the write happen together,
  // so two processes sharing the file cannot both record one version with
  // different content, nor a version past a step they did not see.
  absl::StatusOr<Recorded> Record(const v1::TreatmentType& type, absl::Time now);

  // Record for each of `types`, in order, all in one transaction (one fsync
  // for a whole reload). Each decision sees the ones before it. An error
  // writes nothing and is returned for the whole.
  absl::StatusOr<std::vector<Recorded>> RecordAll(
      const std::vector<const v1::TreatmentType*>& types, absl::Time now);

  // What Record would do with `type`, without writing: for a reload to
  // refuse a plugin before it takes a treatment type's id from another
  // file. `stored.last_loaded` is left as it was.
  absl::StatusOr<Recorded> Check(const v1::TreatmentType& type);

  // The stored version, or nullopt when it was never recorded.
  absl::StatusOr<absl::optional<DefinitionVersion>> Find(absl::string_view treatment_type_id,
                                                         absl::string_view version);

  // Every recorded version of a treatment type, newest first
  // (NewerVersionFirst); empty when it was never recorded. Versions only: a
  // type has a handful, and their definitions are read one at a time.
  absl::StatusOr<std::vector<std::string>> Versions(absl::string_view treatment_type_id);

  // The SHA-256 of every plugin file a version was first accepted from:
  // bytes a host has already loaded, after its probe survived them.
  absl::StatusOr<std::set<std::string>> AcceptedFiles();

  const std::string& path() const { return db_->path(); }

 private:
  explicit DefinitionHistory(std::unique_ptr<storage::Database> db) : db_(std::move(db)) {}

  // Record's decision, within the transaction of `connection`; with
  // `write`, also its writes.
  absl::StatusOr<Recorded> Decide(storage::Connection& connection, const v1::TreatmentType& type,
                                  absl::Time now, bool write);

  std::unique_ptr<storage::Database> db_;
};

}  // namespace clinic::plugins

#endif  // CLINIC_COMMON_PLUGINS_DEFINITION_HISTORY_H_
