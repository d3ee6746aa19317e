#include "common/plugins/plugin_host.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/core/hash.h"
#include "common/core/log.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/definition/definition_changes.h"
#include "common/definition/semver.h"

namespace clinic::plugins {

namespace {

using clinic::v1::PluginProblem;
using clinic::v1::TreatmentDefinition;

}  // namespace

CatalogSnapshot::CatalogSnapshot(std::vector<PluginFileResult> accepted,
                                 std::vector<clinic::v1::PluginProblem> problems,
                                 absl::Time loaded_at)
    : problems_(std::move(problems)), loaded_at_(loaded_at) {
  std::sort(accepted.begin(), accepted.end(),
            [](const PluginFileResult& a, const PluginFileResult& b) {
              return a.treatment_type.definition().id() < b.treatment_type.definition().id();
            });
  for (PluginFileResult& result : accepted) {
    types_.push_back(std::move(result.treatment_type));
    libraries_.push_back(std::move(result.library));
  }
  std::sort(problems_.begin(), problems_.end(), [](const PluginProblem& a, const PluginProblem& b) {
    return a.file_name() < b.file_name();
  });
}

absl::optional<PluginFileResult> CatalogSnapshot::Keep(absl::string_view treatment_type_id) const {
  const clinic::v1::TreatmentType* type = Find(treatment_type_id);
  if (type == nullptr) return absl::nullopt;
  PluginFileResult kept;
  kept.accepted = true;
  kept.treatment_type = *type;
  kept.library = libraries_[static_cast<size_t>(type - types_.data())];
  return kept;
}

std::vector<clinic::v1::TreatmentTypeChange> CompareSnapshots(const CatalogSnapshot& before,
                                                              const CatalogSnapshot& after) {
  std::map<std::string, clinic::v1::TreatmentTypeChange> changes;
  std::map<std::string, const v1::TreatmentDefinition*> served_before;
  for (const clinic::v1::TreatmentType& type : before.treatment_types()) {
    served_before[type.definition().id()] = &type.definition();
    clinic::v1::TreatmentTypeChange& change = changes[type.definition().id()];
    change.set_treatment_type_id(type.definition().id());
    change.set_kind(v1::TREATMENT_TYPE_CHANGE_KIND_REMOVED);
    change.set_previous_version(type.definition().version());
    change.set_file_name(type.source().file_name());
  }
  for (const clinic::v1::TreatmentType& type : after.treatment_types()) {
    clinic::v1::TreatmentTypeChange& change = changes[type.definition().id()];
    change.set_treatment_type_id(type.definition().id());
    change.set_version(type.definition().version());
    change.set_file_name(type.source().file_name());
    if (change.previous_version().empty()) {
      change.set_kind(v1::TREATMENT_TYPE_CHANGE_KIND_ADDED);
      continue;
    }
    // Both versions were validated, so both parse.
    const absl::StatusOr<SemanticVersion> old_version =
        ParseSemanticVersion(change.previous_version());
    const absl::StatusOr<SemanticVersion> new_version = ParseSemanticVersion(change.version());
    const int order = old_version.ok() && new_version.ok()
                          ? CompareSemanticVersions(*new_version, *old_version)
                          : change.version().compare(change.previous_version());
    change.set_kind(order > 0   ? v1::TREATMENT_TYPE_CHANGE_KIND_UPGRADED
                    : order < 0 ? v1::TREATMENT_TYPE_CHANGE_KIND_DOWNGRADED
                                : v1::TREATMENT_TYPE_CHANGE_KIND_UNCHANGED);
    if (order != 0) {
      for (const DefinitionChange& found :
           CompareDefinitions(*served_before[type.definition().id()], type.definition())) {
        *change.add_changes() = ChangeProto(found);
      }
    }
  }
  std::vector<clinic::v1::TreatmentTypeChange> out;
  out.reserve(changes.size());
  for (auto& [id, change] : changes) out.push_back(std::move(change));
  return out;
}

const clinic::v1::TreatmentType* CatalogSnapshot::Find(absl::string_view treatment_type_id) const {
  auto it = std::lower_bound(types_.begin(), types_.end(), treatment_type_id,
                             [](const clinic::v1::TreatmentType& type, absl::string_view id) {
                               return absl::string_view(type.definition().id()) < id;
                             });
  if (it == types_.end() || it->definition().id() != treatment_type_id) return nullptr;
  return &*it;
}

PluginHost::PluginHost(PluginHostOptions options, std::unique_ptr<DefinitionHistory> history)
    : options_(std::move(options)),
      history_(std::move(history)),
      current_(std::make_shared<CatalogSnapshot>(std::vector<PluginFileResult>{},
                                                 std::vector<PluginProblem>{}, absl::Now())) {}

PluginHost::~PluginHost() = default;

std::shared_ptr<const CatalogSnapshot> PluginHost::Current() const {
  std::lock_guard<std::mutex> lock(current_mutex_);
  return current_;
}

absl::optional<PluginProblem> PluginHost::HistoryProblem(const clinic::v1::TreatmentType& type,
                                                         const absl::StatusOr<Recorded>& recorded,
                                                         bool record) {
  const TreatmentDefinition& definition = type.definition();
  PluginProblem problem;
  problem.set_file_name(type.source().file_name());
  problem.set_treatment_type_id(definition.id());
  *problem.mutable_detected_at() = type.source().loaded_at();

  if (!recorded.ok()) {
    problem.set_stage(v1::PLUGIN_PROBLEM_STAGE_HISTORY);
    problem.add_reasons(absl::StrCat(
        "the definition history cannot be ", record ? "written" : "read", ": ",
        recorded.status().message(),
        "; a definition that is not recorded could not explain the records made with it later"));
    return problem;
  }
  const DefinitionVersion& stored = recorded->stored;
  switch (recorded->result) {
    case RecordResult::kAdded:
      if (record) {
        Log(LogLevel::kInfo, "definition version recorded",
            {{"treatment_type", definition.id()},
             {"version", definition.version()},
             {"previous_version", stored.previous_version},
             {"changes", absl::StrCat(stored.changes.size())},
             {"definition_sha256", stored.definition_sha256},
             {"file", type.source().file_name()}});
      }
      return absl::nullopt;
    case RecordResult::kSeenAgain:
      return absl::nullopt;
    case RecordResult::kStepTooSmall:
      problem.set_stage(v1::PLUGIN_PROBLEM_STAGE_VERSION_STEP);
      problem.add_reasons(absl::StrCat("version: ", recorded->refusal.message()));
      problem.add_reasons(absl::StrCat(
          "records and clinics read a version number as a promise of what changed since ",
          stored.version, " (first loaded on ", FormatUtc(stored.first_loaded), " from ",
          stored.file_name, "); clinic-plugin-check --previous=OLD.so NEW.so lists every change"));
      return problem;
    case RecordResult::kContentDiffers:
      break;
  }
  problem.set_stage(v1::PLUGIN_PROBLEM_STAGE_VERSION_REUSED);
  problem.add_reasons(absl::StrCat(
      "version: treatment type '", definition.id(), "' version ", definition.version(),
      " was already loaded with other content (first on ", FormatUtc(stored.first_loaded), " from ",
      stored.file_name, ", definition sha256 ", stored.definition_sha256, "; this plugin's is ",
      Sha256Hex(CanonicalDefinitionBytes(definition)),
      "); records name that version, so it must always mean the same definition: raise "
      "the version in the changed definition and rebuild the plugin"));
  return problem;
}

std::vector<PluginFileResult> PluginHost::LoadAll(const std::vector<std::string>& files) {
  // Each file is probed in a child process of its own, which mostly waits
  // for the program to start: loading a few at once shortens start-up and
  // reloads by most of that wait. Results stay in file order.
  std::vector<PluginFileResult> loaded(files.size());
  // Files the history has seen accepted skip the probe. Without a readable
  // history every file is probed, as with none.
  std::set<std::string> loaded_before;
  if (history_ != nullptr) {
    absl::StatusOr<std::set<std::string>> accepted = history_->AcceptedFiles();
    if (accepted.ok()) loaded_before = std::move(*accepted);
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < files.size(); i = next++) {
      loaded[i] = LoadPluginFile(files[i], staging_dir_.path(), options_, loaded_before);
    }
  };
  std::vector<std::thread> workers;
  const size_t helpers = std::min(files.size(), kParallelLoads) - (files.empty() ? 0 : 1);
  for (size_t i = 0; i < helpers; ++i) workers.emplace_back(work);
  work();
  for (std::thread& worker : workers) worker.join();
  return loaded;
}

std::shared_ptr<const CatalogSnapshot> PluginHost::Reload() {
  std::lock_guard<std::mutex> reload_lock(reload_mutex_);
  const std::shared_ptr<const CatalogSnapshot> previous = Current();
  std::vector<std::string> files;
  std::vector<PluginProblem> problems;
  DIR* dir = opendir(options_.plugin_dir.c_str());
  if (dir == nullptr) {
    PluginProblem problem;
    problem.set_file_name(options_.plugin_dir);
    problem.set_stage(v1::PLUGIN_PROBLEM_STAGE_OPEN);
    problem.add_reasons(absl::StrCat("the plugin folder '", options_.plugin_dir,
                                     "' cannot be read: ", strerror(errno)));
    problems.push_back(std::move(problem));
  } else {
    while (dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name.empty() || name[0] == '.' || name.size() < 4 ||
          name.compare(name.size() - 3, 3, ".so") != 0) {
        continue;
      }
      const std::string path = options_.plugin_dir + "/" + name;
      struct stat info;
      if (stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) files.push_back(path);
    }
    closedir(dir);
  }
  std::sort(files.begin(), files.end());

  // Sorted file order makes the duplicate rule predictable: the first file
  // (by name) that declares an id keeps it.
  std::vector<PluginFileResult> accepted;
  std::map<std::string, size_t> owner_by_id;
  // Treatment types whose plugin the history refused. Checked before the
  // duplicate rule, so a refused file does not take the id from a later file
  // that declares it rightly.
  std::set<std::string> refused_by_history;
  std::vector<PluginFileResult> loaded = LoadAll(files);
  for (PluginFileResult& result : loaded) {
    if (!result.accepted) {
      problems.push_back(std::move(result.problem));
      continue;
    }
    const std::string& id = result.treatment_type.definition().id();
    if (history_ != nullptr) {
      if (absl::optional<PluginProblem> problem =
              HistoryProblem(result.treatment_type, history_->Check(result.treatment_type),
                             /*record=*/false);
          problem.has_value()) {
        refused_by_history.insert(id);
        problems.push_back(*std::move(problem));
        continue;
      }
    }
    auto [it, inserted] = owner_by_id.emplace(id, accepted.size());
    if (!inserted) {
      const clinic::v1::TreatmentType& owner = accepted[it->second].treatment_type;
      PluginProblem problem;
      problem.set_file_name(result.treatment_type.source().file_name());
      problem.set_stage(v1::PLUGIN_PROBLEM_STAGE_DUPLICATE);
      problem.set_treatment_type_id(id);
      *problem.mutable_detected_at() = result.treatment_type.source().loaded_at();
      problem.add_reasons(absl::StrCat("declares treatment type '", id, "' (version ",
                                       result.treatment_type.definition().version(), "), which ",
                                       owner.source().file_name(), " already provides (version ",
                                       owner.definition().version(),
                                       "); remove one of the two files"));
      problems.push_back(std::move(problem));
      continue;
    }
    accepted.push_back(std::move(result));
  }

  // Recording checks again in the same transaction: another process sharing
  // the history may have recorded one of these versions since.
  // All in one transaction: one fsync for the reload, not one per plugin.
  if (history_ != nullptr) {
    std::vector<const clinic::v1::TreatmentType*> types;
    types.reserve(accepted.size());
    for (const PluginFileResult& result : accepted) types.push_back(&result.treatment_type);
    const absl::StatusOr<std::vector<Recorded>> all = history_->RecordAll(types, absl::Now());
    std::vector<PluginFileResult> recorded;
    for (size_t i = 0; i < accepted.size(); ++i) {
      PluginFileResult& result = accepted[i];
      const absl::StatusOr<Recorded> one =
          all.ok() ? absl::StatusOr<Recorded>((*all)[i]) : absl::StatusOr<Recorded>(all.status());
      if (absl::optional<PluginProblem> problem =
              HistoryProblem(result.treatment_type, one, /*record=*/true);
          problem.has_value()) {
        refused_by_history.insert(result.treatment_type.definition().id());
        problems.push_back(*std::move(problem));
        continue;
      }
      recorded.push_back(std::move(result));
    }
    accepted = std::move(recorded);
  }

  // A refused upgrade must not take a treatment type away from the clinics:
  // the version loaded before stays, mapped from the copy staged then.
  std::set<std::string> accepted_ids;
  for (const PluginFileResult& result : accepted) {
    accepted_ids.insert(result.treatment_type.definition().id());
  }
  for (const std::string& id : refused_by_history) {
    if (accepted_ids.count(id) != 0) continue;
    absl::optional<PluginFileResult> kept = previous->Keep(id);
    if (!kept.has_value()) continue;
    const clinic::v1::TreatmentType& type = kept->treatment_type;
    for (PluginProblem& problem : problems) {
      if (problem.treatment_type_id() != id) continue;
      if (problem.stage() != v1::PLUGIN_PROBLEM_STAGE_VERSION_REUSED &&
          problem.stage() != v1::PLUGIN_PROBLEM_STAGE_VERSION_STEP &&
          problem.stage() != v1::PLUGIN_PROBLEM_STAGE_HISTORY) {
        continue;
      }
      problem.add_reasons(absl::StrCat("treatment type '", id, "' is still served at version ",
                                       type.definition().version(), " as loaded before from ",
                                       type.source().file_name()));
    }
    Log(LogLevel::kWarning, "plugin kept from the previous load",
        {{"file", type.source().file_name()},
         {"treatment_type", id},
         {"version", type.definition().version()}});
    accepted_ids.insert(id);
    accepted.push_back(*std::move(kept));
  }

  for (const PluginFileResult& result : accepted) {
    const clinic::v1::TreatmentType& type = result.treatment_type;
    Log(LogLevel::kInfo, "plugin loaded",
        {{"file", type.source().file_name()},
         {"treatment_type", type.definition().id()},
         {"version", type.definition().version()},
         {"sha256", type.source().sha256()}});
    // Loaded all the same: a warning is something its author may have meant.
    if (!result.warnings.empty()) {
      Log(LogLevel::kWarning, "plugin loaded with warnings",
          {{"file", type.source().file_name()},
           {"treatment_type", type.definition().id()},
           {"warnings", absl::StrJoin(result.warnings, "; ")}});
    }
  }
  for (const PluginProblem& problem : problems) {
    Log(LogLevel::kWarning, "plugin refused",
        {{"file", problem.file_name()},
         {"stage", clinic::v1::PluginProblemStage_Name(problem.stage())},
         {"reasons", absl::StrJoin(problem.reasons(), "; ")}});
  }

  auto snapshot =
      std::make_shared<CatalogSnapshot>(std::move(accepted), std::move(problems), absl::Now());
  snapshot->changes_ = CompareSnapshots(*previous, *snapshot);
  for (const clinic::v1::TreatmentTypeChange& change : snapshot->changes_) {
    if (change.kind() == v1::TREATMENT_TYPE_CHANGE_KIND_UNCHANGED) continue;
    Log(LogLevel::kInfo, "treatment type changed",
        {{"treatment_type", change.treatment_type_id()},
         {"change", clinic::v1::TreatmentTypeChangeKind_Name(change.kind())},
         {"previous_version", change.previous_version()},
         {"version", change.version()},
         {"file", change.file_name()}});
  }
  {
    std::lock_guard<std::mutex> lock(current_mutex_);
    current_ = snapshot;
  }
  return snapshot;
}

absl::StatusOr<DefinitionVersion> PluginHost::VersionAt(absl::string_view id,
                                                        absl::string_view version,
                                                        absl::string_view domain) const {
  if (history_ == nullptr) {
    return absl::FailedPreconditionError("this process keeps no definition history");
  }
  absl::StatusOr<absl::optional<DefinitionVersion>> stored = history_->Find(id, version);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) return TreatmentTypeVersionNotFound(id, version, domain);
  return **std::move(stored);
}

absl::StatusOr<std::vector<std::string>> PluginHost::VersionsOf(absl::string_view id) const {
  if (history_ == nullptr) {
    return absl::FailedPreconditionError("this process keeps no definition history");
  }
  return history_->Versions(id);
}

absl::StatusOr<v1::TreatmentDefinition> PluginHost::DefinitionAt(absl::string_view id,
                                                                 absl::string_view version,
                                                                 absl::string_view domain) const {
  // The common case, a record made with the version loaded now, reads no
  // database: what is loaded was recorded with the same content.
  const auto snapshot = Current();
  if (const v1::TreatmentType* type = snapshot->Find(id);
      type != nullptr && type->definition().version() == version) {
    return type->definition();
  }
  if (history_ == nullptr) return TreatmentTypeVersionNotFound(id, version, domain);
  absl::StatusOr<DefinitionVersion> stored = VersionAt(id, version, domain);
  if (!stored.ok()) return stored.status();
  return std::move(stored->definition);
}

absl::Status TreatmentTypeVersionNotFound(absl::string_view id, absl::string_view version,
                                          absl::string_view domain) {
  return WithReason(
      absl::NotFoundError(absl::StrCat(
          "treatment type ", Quote(id, kQuotedChars, '\''), " version ",
          Quote(version, kQuotedChars, '\''),
          " was never loaded; ListTreatmentTypeVersions shows the versions that were")),
      "TREATMENT_TYPE_VERSION_NOT_FOUND", domain);
}

absl::Status TreatmentTypeNotLoaded(absl::string_view id, absl::string_view domain) {
  return WithReason(
      absl::NotFoundError(absl::StrCat("treatment type ", Quote(id, kQuotedChars, '\''),
                                       " is not loaded; ListTreatmentTypes shows what is, and "
                                       "ListPluginProblems shows plugins that were refused")),
      "TREATMENT_TYPE_NOT_LOADED", domain);
}

}  // namespace clinic::plugins
