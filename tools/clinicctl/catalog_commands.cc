// clinicctl's treatment catalog commands: the loaded treatment types, every
// definition version ever loaded, and the plugins refused.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "tools/clinicctl/clinicctl_common.h"

namespace clinic::clinicctl {
namespace {

std::unique_ptr<v1::TreatmentCatalog::Stub> Catalog() {
  return v1::TreatmentCatalog::NewStub(Channel());
}

int TreatmentTypes(const std::vector<std::string>&) {
  return ForEachPage(*Catalog(), &v1::TreatmentCatalog::Stub::ListTreatmentTypes,
                     v1::ListTreatmentTypesRequest(),
                     [](const v1::ListTreatmentTypesResponse& page) {
                       for (const auto& type : page.treatment_types()) {
                         PrintRow(type, {type.definition().id(), type.definition().version(),
                                         type.definition().display_name()});
                       }
                     });
}

int TreatmentType(const std::vector<std::string>& args) {
  v1::GetTreatmentTypeRequest request;
  request.set_name("treatmentTypes/" + args[0]);
  v1::TreatmentType response;
  return Print(Catalog()->GetTreatmentType(Context().get(), request, &response), response);
}

int DefinitionVersions(const std::vector<std::string>& args) {
  v1::ListTreatmentTypeVersionsRequest request;
  request.set_parent("treatmentTypes/" + args[0]);
  return ForEachPage(
      *Catalog(), &v1::TreatmentCatalog::Stub::ListTreatmentTypeVersions, request,
      [](const v1::ListTreatmentTypeVersionsResponse& page) {
        for (const auto& version : page.versions()) {
          PrintRow(version,
                   {version.definition().version(), version.currently_loaded() ? "loaded" : "-",
                    FormatTime(version.first_load_time()), FormatTime(version.last_load_time()),
                    version.definition_sha256()});
        }
      });
}

int DefinitionVersion(const std::vector<std::string>& args) {
  v1::GetTreatmentTypeVersionRequest request;
  request.set_name(absl::StrCat("treatmentTypes/", args[0], "/versions/", args[1]));
  v1::TreatmentTypeVersion response;
  return Print(Catalog()->GetTreatmentTypeVersion(Context().get(), request, &response), response);
}

// "  major: protocol.areas[1] (cheeks).max_depth_um: lowered from ...".
void PrintDefinitionChange(const v1::DefinitionChange& change) {
  std::printf("  %s: %s%s%s\n", Label(change.impact()).c_str(), change.field().c_str(),
              change.field().empty() ? "" : ": ", change.description().c_str());
}

int DefinitionChanges(const std::vector<std::string>& args) {
  v1::GetTreatmentTypeVersionRequest request;
  request.set_name(absl::StrCat("treatmentTypes/", args[0], "/versions/", args[1]));
  v1::TreatmentTypeVersion response;
  const grpc::Status status =
      Catalog()->GetTreatmentTypeVersion(Context().get(), request, &response);
  if (!status.ok() || absl::GetFlag(FLAGS_json)) {
    if (!status.ok()) return Print(status, response);
    v1::TreatmentTypeVersion changes_only;
    changes_only.set_name(response.name());
    changes_only.set_previous_version(response.previous_version());
    *changes_only.mutable_changes() = response.changes();
    return Print(status, changes_only);
  }
  if (response.previous_version().empty()) {
    std::printf("%s %s was not compared with an earlier version (the first recorded)\n",
                args[0].c_str(), args[1].c_str());
    return 0;
  }
  std::printf("%s %s after %s: %d %s\n", args[0].c_str(), args[1].c_str(),
              response.previous_version().c_str(), response.changes_size(),
              response.changes_size() == 1 ? "change" : "changes");
  for (const auto& change : response.changes()) PrintDefinitionChange(change);
  return 0;
}

// One refused plugin: its file, stage and treatment type, then each reason
// on a line of its own.
void PrintProblem(const v1::PluginProblem& problem, absl::string_view prefix) {
  std::printf("%s%s: %s", std::string(prefix).c_str(), problem.file_name().c_str(),
              Label(problem.stage()).c_str());
  if (!problem.treatment_type_id().empty()) {
    std::printf(" (treatment type %s)", problem.treatment_type_id().c_str());
  }
  std::printf(" at %s\n", FormatTime(problem.detected_at()).c_str());
  for (const std::string& reason : problem.reasons()) std::printf("  - %s\n", reason.c_str());
}

int PluginProblems(const std::vector<std::string>&) {
  bool any = false;
  const int status = ForEachPage(*Catalog(), &v1::TreatmentCatalog::Stub::ListPluginProblems,
                                 v1::ListPluginProblemsRequest(),
                                 [&any](const v1::ListPluginProblemsResponse& page) {
                                   for (const auto& problem : page.problems()) {
                                     any = true;
                                     if (absl::GetFlag(FLAGS_json)) {
                                       std::printf("%s\n", JsonLine(problem).c_str());
                                     } else {
                                       PrintProblem(problem, "");
                                     }
                                   }
                                 });
  if (status == 0 && !any && !absl::GetFlag(FLAGS_json)) std::printf("no problems\n");
  return status;
}

// "upgraded   microneedling 2.0.0 -> 2.1.0 (microneedling.so)".
void PrintChange(const v1::TreatmentTypeChange& change) {
  const std::string& id = change.treatment_type_id();
  const char* file = change.file_name().c_str();
  switch (change.kind()) {
    case v1::TREATMENT_TYPE_CHANGE_KIND_ADDED:
      std::printf("loaded     %s %s (%s)\n", id.c_str(), change.version().c_str(), file);
      break;
    case v1::TREATMENT_TYPE_CHANGE_KIND_UPGRADED:
    case v1::TREATMENT_TYPE_CHANGE_KIND_DOWNGRADED:
      std::printf(
          "%s %s %s -> %s (%s)\n",
          change.kind() == v1::TREATMENT_TYPE_CHANGE_KIND_UPGRADED ? "upgraded  " : "downgraded",
          id.c_str(), change.previous_version().c_str(), change.version().c_str(), file);
      for (const auto& found : change.changes()) PrintDefinitionChange(found);
      break;
    case v1::TREATMENT_TYPE_CHANGE_KIND_REMOVED:
      std::printf("removed    %s %s (was %s)\n", id.c_str(), change.previous_version().c_str(),
                  file);
      break;
    default:
      std::printf("unchanged  %s %s (%s)\n", id.c_str(), change.version().c_str(), file);
      break;
  }
}

int ReloadPlugins(const std::vector<std::string>&) {
  v1::ReloadPluginsResponse response;
  const grpc::Status status = Catalog()->ReloadPlugins(Context().get(), {}, &response);
  if (!status.ok() || absl::GetFlag(FLAGS_json)) return Print(status, response);
  for (const auto& change : response.changes()) PrintChange(change);
  for (const auto& problem : response.problems()) PrintProblem(problem, "refused    ");
  if (response.changes().empty() && response.problems().empty()) {
    std::printf("no plugins: the plugin folder holds no .so file\n");
  }
  return 0;
}

}  // namespace

void AddCatalogCommands(Registry& registry) {
  registry.Area("treatment catalog");
  registry.Add({"treatment-types",
                "",
                "list the loaded treatment types",
                "One line per type: id, definition version, display name.",
                {},
                TreatmentTypes});
  registry.Add({"treatment-type",
                "ID",
                "show one treatment type's full definition",
                "ID is the treatment type's id, e.g. microneedling.",
                {},
                TreatmentType});
  registry.Add({"definition-versions",
                "ID",
                "list every definition version ever loaded, newest first",
                "One line per version: version, \"loaded\" or \"-\", first and last load time,\n"
                "the definition's SHA-256.",
                {},
                DefinitionVersions});
  registry.Add({"definition-version",
                "ID VERSION",
                "show one definition version, loaded or not",
                "Records keep the version they were made with; this shows it after an upgrade.",
                {},
                DefinitionVersion});
  registry.Add({"definition-changes",
                "ID VERSION",
                "show what changed in a definition version since the one before",
                "The version it was compared with when first loaded, then each change with the\n"
                "version step it needs (major, minor or patch).",
                {},
                DefinitionChanges});
  registry.Add({"plugin-problems",
                "",
                "list refused plugins and why",
                "For each refused file: its stage, the treatment type it declares and when it\n"
                "was refused (RFC 3339), then every reason; \"no problems\" when none was.",
                {},
                PluginProblems});
  registry.Add({"reload-plugins",
                "",
                "reload the plugin folder",
                "Reloads as SIGHUP to the server does, then prints a line for each treatment\n"
                "type: loaded (new), upgraded or downgraded (old -> new version, then each\n"
                "change), removed or unchanged, and one for each refused file with its reasons.",
                {},
                ReloadPlugins});
}

}  // namespace clinic::clinicctl
