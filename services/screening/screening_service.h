// The Screening gRPC service: serves each loaded treatment type's screening
// questionnaire from the plugin host's current catalog snapshot. It has no
// store yet: nothing it serves so far is kept by the service itself.
#ifndef CLINIC_SERVICES_SCREENING_SCREENING_SERVICE_H_
#define CLINIC_SERVICES_SCREENING_SCREENING_SERVICE_H_

#include "clinic/v1/screening.grpc.pb.h"
#include "common/plugins/plugin_host.h"
#include "common/server/server.h"
#include "common/server/service_kit.h"

namespace clinic::screening {

class ScreeningService final : public server::ServiceKit<v1::Screening> {
 public:
  // `plugins` provides the treatment types and their questionnaires.
  explicit ScreeningService(plugins::PluginHost& plugins);

 private:
  // Reads the current snapshot inline: it is in memory.
  absl::Status GetQuestionnaire(const server::Call& call,
                                const v1::GetQuestionnaireRequest& request,
                                v1::Questionnaire& response);

  plugins::PluginHost& plugins_;
};

// The factory a main passes to RunServerMain to host Screening.
server::ServiceFactory ScreeningFactory();

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_SCREENING_SERVICE_H_
