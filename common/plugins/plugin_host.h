// The plugin host: finds treatment plugins in the plugin folder, loads each
// one safely (a child-process probe first, then in this process), validates
// its definition, checks it against and records it in the definition history
// (definition_history.h), and publishes the result as an immutable catalog
// snapshot. Every service reads the loaded treatment definitions through
// Current(), and the definitions records were made with through
// DefinitionAt(); the bootstrap calls Reload() at start-up, on SIGHUP and for
// the ReloadPlugins RPC.
#ifndef CLINIC_COMMON_PLUGINS_PLUGIN_HOST_H_
#define CLINIC_COMMON_PLUGINS_PLUGIN_HOST_H_

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "clinic/v1/treatment_catalog.pb.h"
#include "common/core/resource_name.h"
#include "common/plugins/definition_history.h"

namespace clinic::plugins {

// A treatment type's resource name. Any id is well-formed: whether a type
// exists is up to the loaded plugins, so an unknown id is NOT_FOUND.
inline constexpr ResourcePattern kTreatmentTypeName("treatmentTypes/{id}", IsAnyId);

// NOT_FOUND with reason TREATMENT_TYPE_NOT_LOADED for a well-formed
// treatment type id no loaded plugin declares, in `domain` (the full name of
// the service answering), so every service says it the same way. The id is
// quoted, so the message stays short whatever was sent.
absl::Status TreatmentTypeNotLoaded(absl::string_view id, absl::string_view domain);

// A treatment type version's resource name. Any version is well-formed:
// whether it exists is up to the definition history, so an unknown one is
// NOT_FOUND.
inline constexpr ResourcePattern kTreatmentTypeVersionName("treatmentTypes/{id}/versions/{version}",
                                                           IsAnyId);

// NOT_FOUND with reason TREATMENT_TYPE_VERSION_NOT_FOUND for a version of a
// treatment type that was never accepted, in `domain`, like
// TreatmentTypeNotLoaded. Both values are quoted.
absl::Status TreatmentTypeVersionNotFound(absl::string_view id, absl::string_view version,
                                          absl::string_view domain);

// The error domain of shared code that answers for no one service.
inline constexpr char kSharedErrorDomain[] = "clinic.v1";

struct PluginHostOptions {
  // Folder scanned for *.so files.
  std::string plugin_dir;
  // The clinic-plugin-probe program; DefaultProbePath() when empty.
  std::string probe_path;
  // How long one plugin may take to load.
  absl::Duration load_timeout = absl::Seconds(5);
};

// clinic-plugin-probe next to the running program.
std::string DefaultProbePath();

class LoadedLibrary;

// A private temporary folder that plugins are copied into before loading;
// removed with everything in it on destruction. Mapped libraries stay valid
// after their files are removed. path() is empty when it could not be made.
class StagingDir {
 public:
  StagingDir();
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One plugin file after loading: accepted with its treatment type, or
// refused with a problem.
struct PluginFileResult {
  bool accepted = false;
  clinic::v1::TreatmentType treatment_type;
  // For an accepted plugin, what its definition allows but is probably a
  // mistake (TreatmentDefinitionWarnings), each "field: description" with
  // the ids of the listed elements in the path, like a problem's reasons.
  std::vector<std::string> warnings;
  clinic::v1::PluginProblem problem;
  // Keeps the accepted library mapped while anything refers to the result.
  std::shared_ptr<LoadedLibrary> library;
};

// Loads and checks one plugin file exactly as the host does, except for the
// duplicate-id check, which needs the other plugins. `staging_dir` is a
// private folder where the file is copied before loading, so the bytes that
// were probed are the bytes that run, and replacing the original file while
// the process runs cannot crash it. Reasons name `path`, never the staged
// copy, which the plugin's author has never seen.
//
// A file whose SHA-256 is in `loaded_before` (the files the definition
// history says a host already accepted, DefinitionHistory::AcceptedFiles) is
// loaded without the probe: those exact bytes have loaded in a probe and then
// in a host already, so the probe's child process (most of a start-up's
// wait) would only repeat that. Any other file is probed first.
PluginFileResult LoadPluginFile(const std::string& path, const std::string& staging_dir,
                                const PluginHostOptions& options,
                                const std::set<std::string>& loaded_before = {});

// What one load of the plugin folder produced. Immutable once published, so
// readers need no lock; a reload publishes a new snapshot.
class CatalogSnapshot {
 public:
  CatalogSnapshot(std::vector<PluginFileResult> accepted,
                  std::vector<clinic::v1::PluginProblem> problems, absl::Time loaded_at);

  // Loaded treatment types, ordered by id.
  const std::vector<clinic::v1::TreatmentType>& treatment_types() const { return types_; }
  // Refused plugins, ordered by file name.
  const std::vector<clinic::v1::PluginProblem>& problems() const { return problems_; }
  // What the load that made this snapshot changed against the one before
  // it: one entry per treatment type served before or after, ordered by id.
  // Empty for the snapshot a host starts with.
  const std::vector<clinic::v1::TreatmentTypeChange>& changes() const { return changes_; }
  // The loaded treatment type with this id, or nullptr.
  const clinic::v1::TreatmentType* Find(absl::string_view treatment_type_id) const;
  absl::Time loaded_at() const { return loaded_at_; }

 private:
  friend class PluginHost;

  // The loaded treatment type with this id and the library that keeps it
  // mapped, for a reload that keeps serving it; nullopt when not loaded.
  absl::optional<PluginFileResult> Keep(absl::string_view treatment_type_id) const;
  std::vector<clinic::v1::TreatmentType> types_;
  std::vector<clinic::v1::PluginProblem> problems_;
  std::vector<clinic::v1::TreatmentTypeChange> changes_;
  std::vector<std::shared_ptr<LoadedLibrary>> libraries_;
  absl::Time loaded_at_;
};

// What changed between two snapshots, `before` and `after`: one entry for
// every treatment type either serves, ordered by id.
std::vector<clinic::v1::TreatmentTypeChange> CompareSnapshots(const CatalogSnapshot& before,
                                                              const CatalogSnapshot& after);

class PluginHost {
 public:
  // With a `history`, every definition a reload accepts is recorded there,
  // and a plugin declaring a version recorded before with other content is
  // refused (PLUGIN_PROBLEM_STAGE_VERSION_REUSED) while the treatment type
  // it declares keeps being served as loaded before, if it was. Without one
  // (tools and tests that check loading alone) nothing is remembered between
  // reloads, and only the loaded definitions can be looked up.
  explicit PluginHost(PluginHostOptions options,
                      std::unique_ptr<DefinitionHistory> history = nullptr);
  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Loads the plugin folder again and publishes the result. Reloads run one
  // at a time; readers keep the snapshot they hold until they let it go.
  std::shared_ptr<const CatalogSnapshot> Reload();

  // The snapshot published last; an empty one before the first Reload().
  std::shared_ptr<const CatalogSnapshot> Current() const;

  // The definition of treatment type `id` at `version` (exactly as written,
  // build metadata included): the loaded one when it is at that version,
  // otherwise the one the history recorded, so a record made with an earlier
  // version can be read and explained after an upgrade, or after its plugin
  // was removed. NOT_FOUND (TreatmentTypeVersionNotFound, in `domain`: pass
  // the full name of the service answering) when that version was never
  // accepted; UNAVAILABLE or INTERNAL when the history cannot be read.
  // Safe from any thread.
  absl::StatusOr<v1::TreatmentDefinition> DefinitionAt(
      absl::string_view id, absl::string_view version,
      absl::string_view domain = kSharedErrorDomain) const;

  // The recorded version, with its hash, source and load times, as
  // DefinitionAt finds it. FAILED_PRECONDITION when the host keeps no
  // history.
  absl::StatusOr<DefinitionVersion> VersionAt(absl::string_view id, absl::string_view version,
                                              absl::string_view domain = kSharedErrorDomain) const;

  // Every recorded version of treatment type `id`, newest first
  // (NewerVersionFirst); empty when none was ever accepted.
  // FAILED_PRECONDITION when the host keeps no history.
  absl::StatusOr<std::vector<std::string>> VersionsOf(absl::string_view id) const;

  const PluginHostOptions& options() const { return options_; }

 private:
  // How many plugin files a reload loads at once.
  static constexpr size_t kParallelLoads = 4;

  // LoadPluginFile for each of `files`, several at once, in their order;
  // files the definition history has seen accepted skip the probe.
  std::vector<PluginFileResult> LoadAll(const std::vector<std::string>& files);

  // Refuses `type` when the history holds its version with other content
  // (or cannot be read), given what the history said of it (`recorded`,
  // from Check, or with `record` from RecordAll, which also recorded it).
  absl::optional<clinic::v1::PluginProblem> HistoryProblem(const clinic::v1::TreatmentType& type,
                                                           const absl::StatusOr<Recorded>& recorded,
                                                           bool record);

  PluginHostOptions options_;
  std::unique_ptr<DefinitionHistory> history_;
  StagingDir staging_dir_;
  std::mutex reload_mutex_;
  mutable std::mutex current_mutex_;
  std::shared_ptr<const CatalogSnapshot> current_;
};

}  // namespace clinic::plugins

#endif  // CLINIC_COMMON_PLUGINS_PLUGIN_HOST_H_
