// The TreatmentCatalog gRPC service: reads the plugin host's current catalog
// snapshot and its definition history, and triggers reloads. Hosted by every
// Clinic Core process.
#ifndef CLINIC_SERVICES_TREATMENT_CATALOG_TREATMENT_CATALOG_SERVICE_H_
#define CLINIC_SERVICES_TREATMENT_CATALOG_TREATMENT_CATALOG_SERVICE_H_

#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/plugins/plugin_host.h"
#include "common/server/server.h"
#include "common/server/service_kit.h"
#include "common/server/work_pool.h"
#include "common/storage/paging.h"

namespace clinic::catalog {

class TreatmentCatalogService final : public server::ServiceKit<clinic::v1::TreatmentCatalog> {
 public:
  // The catalog has no database of its own: its page tokens are signed with
  // `page_tokens`, the process's access database key, which outlives it.
  TreatmentCatalogService(plugins::PluginHost& host, const storage::PageTokens& page_tokens,
                          size_t page_budget_bytes);

 private:
  // Read the current snapshot inline: it is in memory.
  absl::Status ListTreatmentTypes(const server::Call& call,
                                  const clinic::v1::ListTreatmentTypesRequest& request,
                                  clinic::v1::ListTreatmentTypesResponse& response);
  absl::Status GetTreatmentType(const server::Call& call,
                                const clinic::v1::GetTreatmentTypeRequest& request,
                                clinic::v1::TreatmentType& response);
  absl::Status ListPluginProblems(const server::Call& call,
                                  const clinic::v1::ListPluginProblemsRequest& request,
                                  clinic::v1::ListPluginProblemsResponse& response);
  // Read the definition history (SQLite), on the service's pool.
  absl::Status GetTreatmentTypeVersion(const server::Call& call,
                                       const clinic::v1::GetTreatmentTypeVersionRequest& request,
                                       clinic::v1::TreatmentTypeVersion& response);
  absl::Status ListTreatmentTypeVersions(
      const server::Call& call, const clinic::v1::ListTreatmentTypeVersionsRequest& request,
      clinic::v1::ListTreatmentTypeVersionsResponse& response);
  // Reloads probe every plugin in a child process and take seconds; they run
  // on a pool of their own, one at a time, never on gRPC's threads nor
  // ahead of the history reads.
  absl::Status ReloadPlugins(const server::Call& call,
                             const clinic::v1::ReloadPluginsRequest& request,
                             clinic::v1::ReloadPluginsResponse& response);

  // The API's view of a recorded version.
  clinic::v1::TreatmentTypeVersion VersionProto(const plugins::DefinitionVersion& stored,
                                                const plugins::CatalogSnapshot& snapshot) const;

  plugins::PluginHost& host_;
  const storage::PageTokens& page_tokens_;
  size_t page_budget_bytes_;
  // Last, so it is destroyed first: a reload still queued finishes while the
  // rest of the service is intact.
  server::WorkPool reload_pool_;
};

// The factory a main passes to RunServerMain to host the catalog.
server::ServiceFactory TreatmentCatalogFactory();

}  // namespace clinic::catalog

#endif  // CLINIC_SERVICES_TREATMENT_CATALOG_TREATMENT_CATALOG_SERVICE_H_
