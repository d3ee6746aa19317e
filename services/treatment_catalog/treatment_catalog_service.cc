#include "services/treatment_catalog/treatment_catalog_service.h"

#include "absl/strings/str_cat.h"
#include "common/core/paging.h"
#include "common/core/status.h"
#include "common/core/text.h"

namespace clinic::catalog {
namespace {

constexpr absl::string_view kServiceName = "clinic.v1.TreatmentCatalog";

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

class CatalogHostedService : public server::HostedService {
 public:
  explicit CatalogHostedService(plugins::PluginHost& host) : service_(host) {}
  absl::string_view full_name() const override { return kServiceName; }
  grpc::Service* service() override { return &service_; }

 private:
  TreatmentCatalogService service_;
};

}  // namespace

grpc::ServerUnaryReactor* TreatmentCatalogService::ListTreatmentTypes(
    grpc::CallbackServerContext* context, const clinic::v1::ListTreatmentTypesRequest* request,
    clinic::v1::ListTreatmentTypesResponse* response) {
  return server::RunInline(context, [this, request, response] {
    const auto snapshot = host_.Current();
    return Page(
        snapshot->treatment_types(), "treatmentTypes", request->page_size(), request->page_token(),
        [](const clinic::v1::TreatmentType& type) -> const std::string& {
          return type.definition().id();
        },
        [response](const clinic::v1::TreatmentType& type) {
          *response->add_treatment_types() = type;
        },
        response->mutable_next_page_token());
  });
}

grpc::ServerUnaryReactor* TreatmentCatalogService::GetTreatmentType(
    grpc::CallbackServerContext* context, const clinic::v1::GetTreatmentTypeRequest* request,
    clinic::v1::TreatmentType* response) {
  return server::RunInline(
      context, [this, request, response] { return DoGetTreatmentType(*request, response); });
}

absl::Status TreatmentCatalogService::DoGetTreatmentType(
    const clinic::v1::GetTreatmentTypeRequest& request_ref, clinic::v1::TreatmentType* response) {
  const clinic::v1::GetTreatmentTypeRequest* request = &request_ref;
  absl::StatusOr<ResourceName> name = plugins::kTreatmentTypeName.Parse(request->name(), "name");
  if (!name.ok()) return name.status();
  const std::string& id = name->id("id");
  const auto snapshot = host_.Current();
  const clinic::v1::TreatmentType* type = snapshot->Find(id);
  if (type == nullptr) {
    return (WithReason(
        absl::NotFoundError(absl::StrCat("treatment type ", Quote(id, kQuotedChars, '\''),
                                         " is not loaded; ListTreatmentTypes shows what is, and "
                                         "ListPluginProblems shows plugins that were refused")),
        "TREATMENT_TYPE_NOT_LOADED", kServiceName));
  }
  *response = *type;
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* TreatmentCatalogService::ListPluginProblems(
    grpc::CallbackServerContext* context, const clinic::v1::ListPluginProblemsRequest* request,
    clinic::v1::ListPluginProblemsResponse* response) {
  return server::RunInline(context, [this, request, response] {
    const auto snapshot = host_.Current();
    return Page(
        snapshot->problems(), "pluginProblems", request->page_size(), request->page_token(),
        [](const clinic::v1::PluginProblem& problem) -> const std::string& {
          return problem.file_name();
        },
        [response](const clinic::v1::PluginProblem& problem) {
          *response->add_problems() = problem;
        },
        response->mutable_next_page_token());
  });
}

grpc::ServerUnaryReactor* TreatmentCatalogService::ReloadPlugins(
    grpc::CallbackServerContext* context, const clinic::v1::ReloadPluginsRequest* /*request*/,
    clinic::v1::ReloadPluginsResponse* response) {
  return server::RunBlocking(reload_pool_, context, [this, response] {
    const auto snapshot = host_.Reload();
    for (const auto& type : snapshot->treatment_types()) {
      response->add_loaded_treatment_type_ids(type.definition().id());
    }
    for (const auto& problem : snapshot->problems()) *response->add_problems() = problem;
    return absl::OkStatus();
  });
}

server::ServiceFactory TreatmentCatalogFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    return std::make_unique<CatalogHostedService>(context.plugin_host);
  };
}

}  // namespace clinic::catalog
