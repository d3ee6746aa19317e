// The ClientRecords gRPC service: validates each request, fills in what the
// server decides (ids, times, authors, the definition version a treatment was
// checked against) and hands it to the store. Client RPCs are in
// client_records_service.cc, chart RPCs in chart_service.cc.
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_SERVICE_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_SERVICE_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/inventory.pb.h"
#include "clinic/v1/screening.pb.h"
#include "common/config/sites.h"
#include "common/plugins/plugin_host.h"
#include "common/server/server.h"
#include "common/server/service_kit.h"
#include "common/server/upstream.h"
#include "common/storage/outbox_worker.h"
#include "services/client_records/client_records_store.h"

namespace clinic::client_records {

class ClientRecordsService final : public server::ServiceKit<v1::ClientRecords> {
 public:
  // `sites` are the chain's sites, with the country (ISO 3166-1 alpha-2)
  // in which phone numbers typed in national format are read; a site
  // without one accepts only numbers with a country code. `plugins`
  // provides treatment types. The treatment flow calls `screening`
  // (eligibility) and `inventory` (consumption) while recording a
  // treatment, and delivers charges to `billing`, retrying as `retry` says.
  ClientRecordsService(std::unique_ptr<ClientRecordsStore> store, config::Sites sites,
                       plugins::PluginHost& plugins, const server::Upstream& screening,
                       const server::Upstream& inventory, const server::Upstream& billing,
                       storage::OutboxWorker::Retry retry);

  // Charges stop going to Billing before the server stops answering.
  void StopBackgroundWork() override { store_->StopChargeDelivery(); }

 private:
  // The RPCs, one handler each (registered in the constructor). Client RPCs
  // are in client_records_service.cc, chart RPCs in chart_service.cc.
  absl::Status CreateClient(const server::Call& call, const v1::CreateClientRequest& request,
                            v1::CreateClientResponse& response);
  absl::Status GetClient(const server::Call& call, const v1::GetClientRequest& request,
                         v1::Client& response);
  absl::Status UpdateClient(const server::Call& call, const v1::UpdateClientRequest& request,
                            v1::Client& response);
  absl::Status ListClients(const server::Call& call, const v1::ListClientsRequest& request,
                           v1::ListClientsResponse& response);
  absl::Status SearchClients(const server::Call& call, const v1::SearchClientsRequest& request,
                             v1::SearchClientsResponse& response);
  absl::Status ArchiveClient(const server::Call& call, const v1::ArchiveClientRequest& request,
                             v1::Client& response);
  absl::Status RestoreClient(const server::Call& call, const v1::RestoreClientRequest& request,
                             v1::Client& response);
  absl::Status GetMedicalHistory(const server::Call& call,
                                 const v1::GetMedicalHistoryRequest& request,
                                 v1::MedicalHistory& response);
  absl::Status UpdateMedicalHistory(const server::Call& call,
                                    const v1::UpdateMedicalHistoryRequest& request,
                                    v1::MedicalHistory& response);
  absl::Status ListMedicalHistoryVersions(const server::Call& call,
                                          const v1::ListMedicalHistoryVersionsRequest& request,
                                          v1::ListMedicalHistoryVersionsResponse& response);
  absl::Status RecordConsent(const server::Call& call, const v1::RecordConsentRequest& request,
                             v1::Consent& response);
  absl::Status WithdrawConsent(const server::Call& call, const v1::WithdrawConsentRequest& request,
                               v1::Consent& response);
  absl::Status ListConsents(const server::Call& call, const v1::ListConsentsRequest& request,
                            v1::ListConsentsResponse& response);
  absl::Status CreateTreatmentRecord(const server::Call& call,
                                     const v1::CreateTreatmentRecordRequest& request,
                                     v1::TreatmentRecord& response);
  absl::Status GetTreatmentRecord(const server::Call& call,
                                  const v1::GetTreatmentRecordRequest& request,
                                  v1::TreatmentRecord& response);
  absl::Status ListTreatmentRecords(const server::Call& call,
                                    const v1::ListTreatmentRecordsRequest& request,
                                    v1::ListTreatmentRecordsResponse& response);
  absl::Status AddTreatmentRecordAddendum(const server::Call& call,
                                          const v1::AddTreatmentRecordAddendumRequest& request,
                                          v1::TreatmentRecord& response);
  absl::Status RecordLotRecall(const server::Call& call, const v1::RecordLotRecallRequest& request,
                               v1::LotRecallNotice& response);
  absl::Status ListLotRecallNotices(const server::Call& call,
                                    const v1::ListLotRecallNoticesRequest& request,
                                    v1::ListLotRecallNoticesResponse& response);

  // treatment_service.cc: the steps of CreateTreatmentRecord, each
  // FAILED_PRECONDITION with its reason when it refuses.
  absl::StatusOr<v1::Eligibility> CheckEligibility(const server::Call& call,
                                                   const std::string& client_id,
                                                   const v1::TreatmentRecord& record);
  absl::Status CheckConsent(const std::string& client_id, const v1::TreatmentRecord& record);
  absl::Status CheckInterval(const server::Call& call, const std::string& client_id,
                             const std::string& record_name,
                             const v1::TreatmentDefinition& definition,
                             const v1::TreatmentRecord& record);
  absl::StatusOr<v1::TreatmentConsumption> Consume(const server::Call& call,
                                                   const std::string& client_id,
                                                   const std::string& record_name,
                                                   const v1::CreateTreatmentRecordRequest& request);
  // Sends one charge to Billing (the outbox worker's delivery).
  storage::DeliveryOutcome DeliverCharge(const storage::OutboxEntry& entry) const;

  std::unique_ptr<ClientRecordsStore> store_;
  config::Sites sites_;
  // The country every site is in, for searches by a phone typed in national
  // format without phone_country_code; empty when sites are in several
  // countries or any lacks one.
  std::string chain_country_;
  plugins::PluginHost& plugins_;
  const server::Upstream& screening_;
  const server::Upstream& inventory_;
  const server::Upstream& billing_;
  // Name searches run here, apart from every other call: most read a short
  // range of the name index, but a few (several short words with few clients
  // in common, decision 0004) still take the processor for tens of
  // milliseconds at a million clients, and on the kit's pool a burst of
  // searches once left no thread for GetClient. Two threads, and a short queue, so a burst beyond
  // it is refused at once (RESOURCE_EXHAUSTED) rather than waited on. Last,
  // so a search still running finishes while the rest is intact.
  server::WorkPool search_pool_{/*threads=*/2, /*max_queued=*/16, "search"};
  // Treatments run here: each waits on Screening, which reads the client
  // and the medical history back from this service. On the kit's pool a
  // burst of treatments held every thread while the reads they waited for
  // queued behind them, and all of them ran out of time. Here the reads
  // find the kit's threads free; the waiting is mostly on other services,
  // so it has more threads than processors, and a bounded queue.
  server::WorkPool treatment_pool_{/*threads=*/16, /*max_queued=*/64, "treatments"};
};

// The factory a main passes to RunServerMain: opens client_records.db in the
// data folder.
server::ServiceFactory ClientRecordsFactory();

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_SERVICE_H_
