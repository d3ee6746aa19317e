#include "services/treatment_catalog/treatment_catalog_service.h"

namespace clinic::catalog {
namespace {

// Pages through a list ordered by key, resuming after the key of the last
// item of the previous page, so a reload between two pages neither repeats
// nor skips items that stayed loaded. `request` names the list and carries
// the paging fields.
template <typename Request, typename Item, typename KeyFn, typename AddFn>
absl::Status Page(const storage::PageTokens& tokens, size_t budget_bytes, absl::string_view scope,
                  const Request& request, const std::vector<Item>& items, KeyFn key, AddFn add,
                  std::string* next_page_token) {
  absl::StatusOr<storage::PageRequest> page = storage::StartPage(tokens, scope, request);
  if (!page.ok()) return page.status();
  storage::PageBuilder builder(*page, budget_bytes);
  for (const Item& item : items) {
    const std::string& item_key = key(item);
    if (!page->first_page() && item_key <= page->cursor()) continue;
    if (!builder.Offer(item, item_key)) break;
    add(item);
  }
  *next_page_token = builder.next_page_token();
  return absl::OkStatus();
}

}  // namespace

TreatmentCatalogService::TreatmentCatalogService(plugins::PluginHost& host,
                                                 const storage::PageTokens& page_tokens,
                                                 size_t page_budget_bytes)
    // Reloads probe every plugin in a child process and take seconds; they
    // run on the pool, one at a time, never on gRPC's threads.
    : ServiceKit(/*threads=*/1, /*max_queued=*/8),
      host_(host),
      page_tokens_(page_tokens),
      page_budget_bytes_(page_budget_bytes) {
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
      page_tokens_, page_budget_bytes_, "ListTreatmentTypes", request, snapshot->treatment_types(),
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
  absl::StatusOr<ResourceName> name = plugins::kTreatmentTypeName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  const std::string& id = name->id("id");
  const auto snapshot = host_.Current();
  const clinic::v1::TreatmentType* type = snapshot->Find(id);
  if (type == nullptr) {
    return plugins::TreatmentTypeNotLoaded(id, clinic::v1::TreatmentCatalog::service_full_name());
  }
  response = *type;
  return absl::OkStatus();
}

absl::Status TreatmentCatalogService::ListPluginProblems(
    const server::Call& /*call*/, const clinic::v1::ListPluginProblemsRequest& request,
    clinic::v1::ListPluginProblemsResponse& response) {
  const auto snapshot = host_.Current();
  return Page(
      page_tokens_, page_budget_bytes_, "ListPluginProblems", request, snapshot->problems(),
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
    return std::make_unique<TreatmentCatalogService>(context.plugin_host,
                                                     context.access.page_tokens(),
                                                     storage::PageBudgetBytes(context.config));
  };
}

}  // namespace clinic::catalog
