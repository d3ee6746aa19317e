// PLACEHOLDER-MERGE: replaced by the evaluator branch's header.
#ifndef CLINIC_SERVICES_SCREENING_SCREENING_EVALUATOR_H_
#define CLINIC_SERVICES_SCREENING_SCREENING_EVALUATOR_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "clinic/v1/clients.pb.h"
#include "clinic/v1/screening.pb.h"
#include "clinic/v1/treatment.pb.h"

namespace clinic::screening {

struct EvaluationInput {
  const v1::TreatmentDefinition* definition = nullptr;
  std::vector<std::string> planned_area_ids;
  std::vector<v1::Answer> answers;
  std::vector<v1::MedicalFactEntry> facts;
  v1::Date date_of_birth;
  v1::FitzpatrickType fitzpatrick_type = v1::FITZPATRICK_TYPE_UNSPECIFIED;
  absl::CivilDay screening_day;
};

struct Evaluation {
  v1::ScreeningOutcome outcome = v1::SCREENING_OUTCOME_UNSPECIFIED;
  std::vector<v1::Finding> findings;
  std::vector<v1::ExcludedArea> excluded_areas;
  std::vector<v1::DepthLimit> depth_limits;
  int age_years = 0;
};

Evaluation Evaluate(const EvaluationInput& input);

absl::Status CheckAnswers(const v1::TreatmentDefinition& definition,
                          const std::vector<std::string>& planned_area_ids,
                          const google::protobuf::RepeatedPtrField<v1::Answer>& answers,
                          absl::CivilDay screening_day, absl::string_view field_prefix);

struct DefinitionReads {
  std::set<v1::MedicalFact> facts;
  bool age = false;
  bool fitzpatrick = false;
};
DefinitionReads ReadsOf(const v1::TreatmentDefinition& definition);

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_SCREENING_EVALUATOR_H_
