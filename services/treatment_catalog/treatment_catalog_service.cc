#include "services/treatment_catalog/treatment_catalog_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"

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
    // The kit's pool reads the definition history: one thread per reader
    // connection of its database. Reloads probe every plugin in a child
    // process and take seconds; they run on a one-thread pool of their own,
    // one at a time, never on gRPC's threads, and history reads do not wait
    // behind them.
    : ServiceKit(/*threads=*/4, /*max_queued=*/256),
      host_(host),
      page_tokens_(page_tokens),
      page_budget_bytes_(page_budget_bytes),
      reload_pool_(/*threads=*/1, /*max_queued=*/8, "plugin-reload") {
  Handle("ListTreatmentTypes", &TreatmentCatalogService::ListTreatmentTypes, server::Runs::kInline);
  Handle("GetTreatmentType", &TreatmentCatalogService::GetTreatmentType, server::Runs::kInline);
  Handle("ListPluginProblems", &TreatmentCatalogService::ListPluginProblems, server::Runs::kInline);
  Handle("GetTreatmentTypeVersion", &TreatmentCatalogService::GetTreatmentTypeVersion);
  Handle("ListTreatmentTypeVersions", &TreatmentCatalogService::ListTreatmentTypeVersions);
  Handle("ReloadPlugins", &TreatmentCatalogService::ReloadPlugins, reload_pool_);
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

clinic::v1::TreatmentTypeVersion TreatmentCatalogService::VersionProto(
    const plugins::DefinitionVersion& stored, const plugins::CatalogSnapshot& snapshot) const {
  clinic::v1::TreatmentTypeVersion version;
  version.set_name(
      plugins::kTreatmentTypeVersionName.Format(stored.treatment_type_id, stored.version));
  *version.mutable_definition() = stored.definition;
  version.set_definition_sha256(stored.definition_sha256);
  version.set_file_name(stored.file_name);
  version.set_file_sha256(stored.file_sha256);
  *version.mutable_first_load_time() = ToTimestampMillis(stored.first_loaded);
  *version.mutable_last_load_time() = ToTimestampMillis(stored.last_loaded);
  const clinic::v1::TreatmentType* loaded = snapshot.Find(stored.treatment_type_id);
  version.set_currently_loaded(loaded != nullptr &&
                               loaded->definition().version() == stored.version);
  version.set_previous_version(stored.previous_version);
  for (const clinic::v1::DefinitionChange& change : stored.changes) {
    *version.add_changes() = change;
  }
  return version;
}

absl::Status TreatmentCatalogService::GetTreatmentTypeVersion(
    const server::Call& /*call*/, const clinic::v1::GetTreatmentTypeVersionRequest& request,
    clinic::v1::TreatmentTypeVersion& response) {
  absl::StatusOr<ResourceName> name =
      plugins::kTreatmentTypeVersionName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  // The snapshot is taken first: a version recorded by a reload running now
  // is then at worst shown as not loaded yet, never as loaded too early.
  const auto snapshot = host_.Current();
  absl::StatusOr<plugins::DefinitionVersion> stored = host_.VersionAt(
      name->id("id"), name->id("version"), clinic::v1::TreatmentCatalog::service_full_name());
  if (!stored.ok()) return stored.status();
  response = VersionProto(*stored, *snapshot);
  return absl::OkStatus();
}

absl::Status TreatmentCatalogService::ListTreatmentTypeVersions(
    const server::Call& /*call*/, const clinic::v1::ListTreatmentTypeVersionsRequest& request,
    clinic::v1::ListTreatmentTypeVersionsResponse& response) {
  absl::StatusOr<ResourceName> parent =
      plugins::kTreatmentTypeName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(page_tokens_, "ListTreatmentTypeVersions", request);
  if (!page.ok()) return page.status();
  const std::string& id = parent->id("id");
  const auto snapshot = host_.Current();
  absl::StatusOr<std::vector<std::string>> versions = host_.VersionsOf(id);
  if (!versions.ok()) return versions.status();
  if (versions->empty()) {
    return WithReason(
        absl::NotFoundError(absl::StrCat("treatment type ", Quote(id, kQuotedChars, '\''),
                                         " was never loaded; ListTreatmentTypes shows what is")),
        "TREATMENT_TYPE_NEVER_LOADED", clinic::v1::TreatmentCatalog::service_full_name());
  }
  // Newest first; a page resumes after the version its token names, which
  // stays where it was, since versions are never removed.
  auto next = versions->begin();
  if (!page->first_page()) {
    next = std::upper_bound(versions->begin(), versions->end(), page->cursor(),
                            [](const std::string& cursor, const std::string& version) {
                              return plugins::NewerVersionFirst(cursor, version);
                            });
  }
  storage::PageBuilder builder(*page, page_budget_bytes_);
  for (; next != versions->end(); ++next) {
    absl::StatusOr<plugins::DefinitionVersion> stored =
        host_.VersionAt(id, *next, clinic::v1::TreatmentCatalog::service_full_name());
    if (!stored.ok()) return stored.status();
    clinic::v1::TreatmentTypeVersion version = VersionProto(*stored, *snapshot);
    if (!builder.Offer(version, *next)) break;
    *response.add_versions() = std::move(version);
  }
  response.set_next_page_token(builder.next_page_token());
  return absl::OkStatus();
}

absl::Status TreatmentCatalogService::ReloadPlugins(
    const server::Call& /*call*/, const clinic::v1::ReloadPluginsRequest& /*request*/,
    clinic::v1::ReloadPluginsResponse& response) {
  const auto snapshot = host_.Reload();
  for (const auto& type : snapshot->treatment_types()) {
    response.add_loaded_treatment_type_ids(type.definition().id());
  }
  for (const auto& problem : snapshot->problems()) *response.add_problems() = problem;
  for (const auto& change : snapshot->changes()) *response.add_changes() = change;
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
