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
#include "common/config/sites.h"
#include "common/plugins/plugin_host.h"
#include "common/server/server.h"
#include "common/server/work_pool.h"
#include "services/client_records/client_records_store.h"

namespace clinic::client_records {

class ClientRecordsService final : public v1::ClientRecords::CallbackService {
 public:
  // `sites` are the chain's sites, with the country (ISO 3166-1 alpha-2)
  // in which phone numbers typed in national format are read; a site
  // without one accepts only numbers with a country code. `plugins`
  // provides treatment types.
  ClientRecordsService(std::unique_ptr<ClientRecordsStore> store, config::Sites sites,
                       plugins::PluginHost& plugins);

  grpc::ServerUnaryReactor* CreateClient(grpc::CallbackServerContext* context,
                                         const v1::CreateClientRequest* request,
                                         v1::CreateClientResponse* response) override;
  grpc::ServerUnaryReactor* GetClient(grpc::CallbackServerContext* context,
                                      const v1::GetClientRequest* request,
                                      v1::Client* response) override;
  grpc::ServerUnaryReactor* UpdateClient(grpc::CallbackServerContext* context,
                                         const v1::UpdateClientRequest* request,
                                         v1::Client* response) override;
  grpc::ServerUnaryReactor* ListClients(grpc::CallbackServerContext* context,
                                        const v1::ListClientsRequest* request,
                                        v1::ListClientsResponse* response) override;
  grpc::ServerUnaryReactor* SearchClients(grpc::CallbackServerContext* context,
                                          const v1::SearchClientsRequest* request,
                                          v1::SearchClientsResponse* response) override;
  grpc::ServerUnaryReactor* ArchiveClient(grpc::CallbackServerContext* context,
                                          const v1::ArchiveClientRequest* request,
                                          v1::Client* response) override;
  grpc::ServerUnaryReactor* RestoreClient(grpc::CallbackServerContext* context,
                                          const v1::RestoreClientRequest* request,
                                          v1::Client* response) override;
  grpc::ServerUnaryReactor* GetMedicalHistory(grpc::CallbackServerContext* context,
                                              const v1::GetMedicalHistoryRequest* request,
                                              v1::MedicalHistory* response) override;
  grpc::ServerUnaryReactor* UpdateMedicalHistory(grpc::CallbackServerContext* context,
                                                 const v1::UpdateMedicalHistoryRequest* request,
                                                 v1::MedicalHistory* response) override;
  grpc::ServerUnaryReactor* ListMedicalHistoryVersions(
      grpc::CallbackServerContext* context, const v1::ListMedicalHistoryVersionsRequest* request,
      v1::ListMedicalHistoryVersionsResponse* response) override;
  grpc::ServerUnaryReactor* RecordConsent(grpc::CallbackServerContext* context,
                                          const v1::RecordConsentRequest* request,
                                          v1::Consent* response) override;
  grpc::ServerUnaryReactor* WithdrawConsent(grpc::CallbackServerContext* context,
                                            const v1::WithdrawConsentRequest* request,
                                            v1::Consent* response) override;
  grpc::ServerUnaryReactor* ListConsents(grpc::CallbackServerContext* context,
                                         const v1::ListConsentsRequest* request,
                                         v1::ListConsentsResponse* response) override;
  grpc::ServerUnaryReactor* CreateTreatmentRecord(grpc::CallbackServerContext* context,
                                                  const v1::CreateTreatmentRecordRequest* request,
                                                  v1::TreatmentRecord* response) override;
  grpc::ServerUnaryReactor* GetTreatmentRecord(grpc::CallbackServerContext* context,
                                               const v1::GetTreatmentRecordRequest* request,
                                               v1::TreatmentRecord* response) override;
  grpc::ServerUnaryReactor* ListTreatmentRecords(
      grpc::CallbackServerContext* context, const v1::ListTreatmentRecordsRequest* request,
      v1::ListTreatmentRecordsResponse* response) override;
  grpc::ServerUnaryReactor* AddTreatmentRecordAddendum(
      grpc::CallbackServerContext* context, const v1::AddTreatmentRecordAddendumRequest* request,
      v1::TreatmentRecord* response) override;

 private:
  absl::Status DoCreateClient(grpc::CallbackServerContext* context,
                              const v1::CreateClientRequest* request,
                              v1::CreateClientResponse* response);
  absl::Status DoGetClient(grpc::CallbackServerContext* context,
                           const v1::GetClientRequest* request, v1::Client* response);
  absl::Status DoUpdateClient(grpc::CallbackServerContext* context,
                              const v1::UpdateClientRequest* request, v1::Client* response);
  absl::Status DoListClients(grpc::CallbackServerContext* context,
                             const v1::ListClientsRequest* request,
                             v1::ListClientsResponse* response);
  absl::Status DoSearchClients(grpc::CallbackServerContext* context,
                               const v1::SearchClientsRequest* request,
                               v1::SearchClientsResponse* response);
  absl::Status DoArchiveClient(grpc::CallbackServerContext* context,
                               const v1::ArchiveClientRequest* request, v1::Client* response);
  absl::Status DoRestoreClient(grpc::CallbackServerContext* context,
                               const v1::RestoreClientRequest* request, v1::Client* response);
  absl::Status DoGetMedicalHistory(grpc::CallbackServerContext* context,
                                   const v1::GetMedicalHistoryRequest* request,
                                   v1::MedicalHistory* response);
  absl::Status DoUpdateMedicalHistory(grpc::CallbackServerContext* context,
                                      const v1::UpdateMedicalHistoryRequest* request,
                                      v1::MedicalHistory* response);
  absl::Status DoListMedicalHistoryVersions(grpc::CallbackServerContext* context,
                                            const v1::ListMedicalHistoryVersionsRequest* request,
                                            v1::ListMedicalHistoryVersionsResponse* response);
  absl::Status DoRecordConsent(grpc::CallbackServerContext* context,
                               const v1::RecordConsentRequest* request, v1::Consent* response);
  absl::Status DoWithdrawConsent(grpc::CallbackServerContext* context,
                                 const v1::WithdrawConsentRequest* request, v1::Consent* response);
  absl::Status DoListConsents(grpc::CallbackServerContext* context,
                              const v1::ListConsentsRequest* request,
                              v1::ListConsentsResponse* response);
  absl::Status DoCreateTreatmentRecord(grpc::CallbackServerContext* context,
                                       const v1::CreateTreatmentRecordRequest* request,
                                       v1::TreatmentRecord* response);
  absl::Status DoGetTreatmentRecord(grpc::CallbackServerContext* context,
                                    const v1::GetTreatmentRecordRequest* request,
                                    v1::TreatmentRecord* response);
  absl::Status DoListTreatmentRecords(grpc::CallbackServerContext* context,
                                      const v1::ListTreatmentRecordsRequest* request,
                                      v1::ListTreatmentRecordsResponse* response);
  absl::Status DoAddTreatmentRecordAddendum(grpc::CallbackServerContext* context,
                                            const v1::AddTreatmentRecordAddendumRequest* request,
                                            v1::TreatmentRecord* response);

  std::unique_ptr<ClientRecordsStore> store_;
  config::Sites sites_;
  // The country every site is in, for searches by a phone typed in national
  // format without phone_country_code; empty when sites are in several
  // countries or any lacks one.
  std::string chain_country_;
  plugins::PluginHost& plugins_;
  // Sized to the store's connections: four readers and the writer.
  server::WorkPool pool_{5};
};

// The factory a main passes to RunServerMain: opens client_records.db in the
// data folder.
server::ServiceFactory ClientRecordsFactory();

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_SERVICE_H_
