// The Screening gRPC service: serves each loaded treatment type's screening
// questionnaire, screens clients against the type's rules with the client's
// details and medical history read from ClientRecords (over its gRPC API, as
// this service acting for the caller), keeps screenings and their reviews,
// and answers whether a client is eligible for a treatment now.
// docs/screening.md describes outcomes, reviews and eligibility.
#ifndef CLINIC_SERVICES_SCREENING_SCREENING_SERVICE_H_
#define CLINIC_SERVICES_SCREENING_SCREENING_SERVICE_H_

#include <memory>
#include <string>

#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "common/config/sites.h"
#include "common/plugins/plugin_host.h"
#include "common/server/server.h"
#include "common/server/service_kit.h"
#include "common/server/upstream.h"
#include "services/screening/screening_store.h"

namespace clinic::screening {

class ScreeningService final : public server::ServiceKit<v1::Screening> {
 public:
  // `plugins` provides the treatment types and their rules; `client_records`
  // is how this process reaches ClientRecords.
  ScreeningService(std::unique_ptr<ScreeningStore> store, config::Sites sites,
                   plugins::PluginHost& plugins, const server::Upstream& client_records);

 private:
  // Reads the current snapshot inline: it is in memory.
  absl::Status GetQuestionnaire(const server::Call& call,
                                const v1::GetQuestionnaireRequest& request,
                                v1::Questionnaire& response);
  absl::Status SubmitScreening(const server::Call& call, const v1::SubmitScreeningRequest& request,
                               v1::ScreeningRecord& response);
  absl::Status GetScreening(const server::Call& call, const v1::GetScreeningRequest& request,
                            v1::ScreeningRecord& response);
  absl::Status ListScreenings(const server::Call& call, const v1::ListScreeningsRequest& request,
                              v1::ListScreeningsResponse& response);
  absl::Status ReviewScreening(const server::Call& call, const v1::ReviewScreeningRequest& request,
                               v1::ScreeningRecord& response);
  absl::Status CheckEligibility(const server::Call& call,
                                const v1::CheckEligibilityRequest& request,
                                v1::Eligibility& response);

  // ClientRecords, read for the person `call` acts for.
  absl::StatusOr<v1::Client> ReadClient(const server::Call& call, const std::string& client_id);
  absl::StatusOr<v1::MedicalHistory> ReadMedicalHistory(const server::Call& call,
                                                        const std::string& client_id);

  std::unique_ptr<ScreeningStore> store_;
  config::Sites sites_;
  plugins::PluginHost& plugins_;
  const server::Upstream& client_records_;
};

// The factory a main passes to RunServerMain to host Screening.
server::ServiceFactory ScreeningFactory();

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_SCREENING_SERVICE_H_
