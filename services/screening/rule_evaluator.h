// Three-valued evaluation of contraindication conditions, one planned area at
// a time, and the words evidence is given in: the logic Evaluate
// (screening_evaluator.cc) builds findings, exclusions and caps from.
// Internal to services/screening; the contract is screening_evaluator.h.
#ifndef CLINIC_SERVICES_SCREENING_RULE_EVALUATOR_H_
#define CLINIC_SERVICES_SCREENING_RULE_EVALUATOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/time/civil_time.h"
#include "clinic/v1/screening.pb.h"
#include "clinic/v1/treatment.pb.h"
#include "services/screening/screening_evaluator.h"

namespace clinic::screening::rules {

// The deepest nesting the contract allows (Condition): the rule's own
// condition is level 1. Anything deeper reads as unknown, which also bounds
// the recursion whatever a definition holds.
constexpr int kMaxConditionLevels = 8;

enum class Truth : uint8_t { kFalse, kTrue, kUnknown };

// One planned area as the rules see it.
struct Area {
  std::string id;
  v1::BodyRegion region = v1::BODY_REGION_UNSPECIFIED;  // unspecified when not of the protocol
};

// The leaf tests that decided a result, in the order they were read.
using Leaves = std::vector<const v1::Condition*>;

class RuleEvaluator {
 public:
  RuleEvaluator(const v1::TreatmentDefinition& definition, const EvaluationInput& input);

  const std::vector<Area>& areas() const { return areas_; }
  std::optional<int> age() const { return age_; }

  // The condition's value in area `a`; `decisive` gets the leaves that made
  // it (see the header).
  Truth Eval(const v1::Condition& condition, size_t a, int level, Leaves& decisive) const;

  // The input a leaf read, as evidence.
  v1::Evidence Describe(const v1::Condition& leaf) const;

 private:
  enum class Combine { kAll, kAny, kNone };

  Truth EvalList(const v1::Conditions& list, Combine combine, size_t a, int level,
                 Leaves& decisive) const;

  const v1::ScreeningQuestion* FindQuestion(const std::string& id) const;

  const v1::Answer* FindAnswer(const std::string& question_id) const;

  const v1::MedicalFactEntry* FindFact(v1::MedicalFact fact) const;

  Truth EvalAnswer(const v1::AnswerTest& test, size_t a) const;

  static Truth CompareNumber(const v1::AnswerTest& test, const v1::Answer& answer);

  Truth EvalFact(const v1::FactTest& test, size_t a) const;

  Truth EvalClient(const v1::ClientTest& test) const;

  Truth EvalArea(const v1::AreaTest& test, size_t a) const;

  std::string DescribeAnswer(const std::string& question_id) const;

  std::string DescribeFact(const v1::FactTest& test) const;

  const absl::CivilDay today_;
  std::vector<Area> areas_;
  std::unordered_map<std::string, const v1::ScreeningQuestion*> questions_;
  std::unordered_map<std::string, const v1::Answer*> answers_;
  // Per-area "yes" answers that name some planned areas: where they hold.
  std::unordered_map<std::string, std::vector<bool>> yes_areas_;
  std::unordered_map<int, const v1::MedicalFactEntry*> facts_;
  std::optional<int> age_;
  v1::FitzpatrickType fitzpatrick_ = v1::FITZPATRICK_TYPE_UNSPECIFIED;
};

}  // namespace clinic::screening::rules

#endif  // CLINIC_SERVICES_SCREENING_RULE_EVALUATOR_H_
