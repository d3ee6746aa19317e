// clinicctl's treatment catalog commands: the loaded treatment types, every
// definition version ever loaded, and the plugins refused.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
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

int PluginProblems(const std::vector<std::string>&) {
  v1::ListPluginProblemsResponse response;
  return Print(Catalog()->ListPluginProblems(Context().get(), {}, &response), response);
}

int ReloadPlugins(const std::vector<std::string>&) {
  v1::ReloadPluginsResponse response;
  return Print(Catalog()->ReloadPlugins(Context().get(), {}, &response), response);
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
  registry.Add({"plugin-problems", "", "list refused plugins and why", "", {}, PluginProblems});
  registry.Add({"reload-plugins",
                "",
                "reload the plugin folder",
                "Prints what loaded and what was refused, as SIGHUP to the server does.",
                {},
                ReloadPlugins});
}

}  // namespace clinic::clinicctl
