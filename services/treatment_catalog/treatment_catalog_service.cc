#include "services/treatment_catalog/treatment_catalog_service.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/core/paging.h"
#include "common/core/status.h"
#include "common/core/text.h"

namespace clinic::catalog {
namespace {

constexpr absl::string_view kTypeNamePrefix = "treatmentTypes/";

// Pages through an ordered list by the key of its last item, so a reload
// between two pages neither repeats nor skips items that stayed loaded.
template <typename Item, typename KeyFn, typename AddFn>
absl::Status Page(const std::vector<Item>& items, absl::string_view scope, int32_t page_size,
                  const std::string& page_token, KeyFn key, AddFn add,
                  std::string* next_page_token) {
  absl::StatusOr<int> size = NormalizePageSize(page_size);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after = DecodePageToken(scope, page_token);
  if (!after.ok()) return after.status();
  int added = 0;
  const std::string* last_added = nullptr;
  for (const Item& item : items) {
    const std::string& item_key = key(item);
    if (!after->empty() && item_key <= *after) continue;
    if (added == *size) {
      *next_page_token = EncodePageToken(scope, *last_added);
      return absl::OkStatus();
    }
    add(item);
    last_added = &item_key;
    ++added;
  }
  return absl::OkStatus();
}

}  // namespace

TreatmentCatalogService::TreatmentCatalogService(plugins::PluginHost& host)
    : ServiceKit(/*threads=*/1, /*max_queued=*/8), host_(host) {
  Handle("ListTreatmentTypes", &TreatmentCatalogService::ListTreatmentTypes, server::Runs::kInline);
  Handle("GetTreatmentType", &TreatmentCatalogService::GetTreatmentType, server::Runs::kInline);
  Handle("ListPluginProblems", &TreatmentCatalogService::ListPluginProblems, server::Runs::kInline);
  Handle("ReloadPlugins", &TreatmentCatalogService::ReloadPlugins);
}

absl::Status TreatmentCatalogService::ListTreatmentTypes(
    const server::Call& /*call*/, const clinic::v1::ListTreatmentTypesRequest& request,
    clinic::v1::ListTreatmentTypesResponse& response) {
  const auto snapshot = host_.Current();
  return Page(
      snapshot->treatment_types(), "treatmentTypes", request.page_size(), request.page_token(),
      [](const clinic::v1::TreatmentType& type) -> const std::string& {
        return type.definition().id();
      },
      [&response](const clinic::v1::TreatmentType& type) {
        *response.add_treatment_types() = type;
      },
      response.mutable_next_page_token());
}

absl::Status TreatmentCatalogService::GetTreatmentType(
    const server::Call& /*call*/, const clinic::v1::GetTreatmentTypeRequest& request,
    clinic::v1::TreatmentType& response) {
  const std::string& name = request.name();
  if (name.empty()) {
    return (InvalidField("name", "is required, e.g. \"treatmentTypes/microneedling\""));
  }
  if (!absl::StartsWith(name, kTypeNamePrefix) || name.size() == kTypeNamePrefix.size() ||
      name.find('/', kTypeNamePrefix.size()) != std::string::npos) {
    return (InvalidField("name", absl::StrCat(Quote(name),
                                              " is not a treatment type name; "
                                              "expected \"treatmentTypes/{id}\"")));
  }
  const absl::string_view id = absl::string_view(name).substr(kTypeNamePrefix.size());
  const auto snapshot = host_.Current();
  const clinic::v1::TreatmentType* type = snapshot->Find(id);
  if (type == nullptr) {
    return (WithReason(
        absl::NotFoundError(absl::StrCat("treatment type ", Quote(id, kQuotedChars, '\''),
                                         " is not loaded; ListTreatmentTypes shows what is, and "
                                         "ListPluginProblems shows plugins that were refused")),
        "TREATMENT_TYPE_NOT_LOADED", clinic::v1::TreatmentCatalog::service_full_name()));
  }
  response = *type;
  return absl::OkStatus();
}

absl::Status TreatmentCatalogService::ListPluginProblems(
    const server::Call& /*call*/, const clinic::v1::ListPluginProblemsRequest& request,
    clinic::v1::ListPluginProblemsResponse& response) {
  const auto snapshot = host_.Current();
  return Page(
      snapshot->problems(), "pluginProblems", request.page_size(), request.page_token(),
      [](const clinic::v1::PluginProblem& problem) -> const std::string& {
        return problem.file_name();
      },
      [&response](const clinic::v1::PluginProblem& problem) { *response.add_problems() = problem; },
      response.mutable_next_page_token());
}

absl::Status TreatmentCatalogService::ReloadPlugins(
    const server::Call& /*call*/, const clinic::v1::ReloadPluginsRequest& /*request*/,
    clinic::v1::ReloadPluginsResponse& response) {
  const auto snapshot = host_.Reload();
  for (const auto& type : snapshot->treatment_types()) {
    response.add_loaded_treatment_type_ids(type.definition().id());
  }
  for (const auto& problem : snapshot->problems()) *response.add_problems() = problem;
  return absl::OkStatus();
}

server::ServiceFactory TreatmentCatalogFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    return std::make_unique<TreatmentCatalogService>(context.plugin_host);
  };
}

}  // namespace clinic::catalog
