#include "services/screening/screening_service.h"

#include "services/screening/screening_names.h"

namespace clinic::screening {

ScreeningService::ScreeningService(plugins::PluginHost& plugins)
    // Every handler so far reads memory and runs inline; the pool is the
    // smallest the kit allows until a handler needs one.
    : ServiceKit(/*threads=*/1), plugins_(plugins) {
  Handle("GetQuestionnaire", &ScreeningService::GetQuestionnaire, server::Runs::kInline);
}

absl::Status ScreeningService::GetQuestionnaire(const server::Call& /*call*/,
                                                const v1::GetQuestionnaireRequest& request,
                                                v1::Questionnaire& response) {
  absl::StatusOr<ResourceName> name = kQuestionnaireName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  const std::string& id = name->id("id");
  // One snapshot for the whole answer, so the questions and the version
  // always come from the same definition, even during a reload.
  const auto snapshot = plugins_.Current();
  const v1::TreatmentType* type = snapshot->Find(id);
  if (type == nullptr) {
    return plugins::TreatmentTypeNotLoaded(id, v1::Screening::service_full_name());
  }
  const v1::TreatmentDefinition& definition = type->definition();
  response.set_name(kQuestionnaireName.Format(definition.id()));
  response.set_treatment_type(plugins::kTreatmentTypeName.Format(definition.id()));
  response.set_definition_version(definition.version());
  *response.mutable_questions() = definition.screening_questions();
  return absl::OkStatus();
}

server::ServiceFactory ScreeningFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    return std::make_unique<ScreeningService>(context.plugin_host);
  };
}

}  // namespace clinic::screening
