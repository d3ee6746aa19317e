// What a valid treatment definition declares that is allowed but probably a
// mistake (definition_validator.h); docs/definition-rules.md lists each
// warning with an example.
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/definition/definition_validator.h"
#include "common/definition/definition_wording.h"

namespace clinic {
namespace {

using definition_wording::Field;
using definition_wording::Index;
using definition_wording::IsBlank;

// Every question id an answer test in `condition` reads.
void CollectReadQuestions(const v1::Condition& condition, std::set<std::string>& read) {
  auto each = [&read](const v1::Conditions& list) {
    for (const v1::Condition& c : list.conditions()) CollectReadQuestions(c, read);
  };
  switch (condition.test_case()) {
    case v1::Condition::kAnswer:
      read.insert(condition.answer().question_id());
      break;
    case v1::Condition::kAllOf:
      each(condition.all_of());
      break;
    case v1::Condition::kAnyOf:
      each(condition.any_of());
      break;
    case v1::Condition::kNoneOf:
      each(condition.none_of());
      break;
    default:
      break;
  }
}

// Whether a cartridge or consumable listing `area_ids` is used in `area`:
// without area_ids it is used in every area.
bool Covers(const google::protobuf::RepeatedPtrField<std::string>& area_ids,
            const std::string& area) {
  if (area_ids.empty()) return true;
  for (const std::string& id : area_ids) {
    if (id == area) return true;
  }
  return false;
}

}  // namespace

std::vector<FieldViolation> TreatmentDefinitionWarnings(const v1::TreatmentDefinition& d) {
  std::vector<FieldViolation> out;
  const v1::Protocol& protocol = d.protocol();
  for (int i = 0; i < protocol.areas_size(); ++i) {
    const std::string& area = protocol.areas(i).id();
    bool covered = false;
    for (const v1::CartridgeRequirement& c : d.cartridges()) covered |= Covers(c.area_ids(), area);
    for (const v1::ConsumableRequirement& c : d.consumables())
      covered |= Covers(c.area_ids(), area);
    if (!covered) {
      out.push_back({Index("protocol.areas", i),
                     "no cartridge or other consumable covers this area, so a session there "
                     "uses nothing from stock; add it to the area_ids of the cartridge that "
                     "fits it, or leave a cartridge's area_ids out to cover every area"});
    }
  }

  std::set<std::string> read;
  for (const v1::ContraindicationRule& rule : d.contraindications()) {
    CollectReadQuestions(rule.condition(), read);
  }
  for (int i = 0; i < d.screening_questions_size(); ++i) {
    const v1::ScreeningQuestion& q = d.screening_questions(i);
    if (q.answer_type() == v1::ANSWER_TYPE_TEXT || read.count(q.id()) != 0) continue;
    out.push_back({Index("screening_questions", i),
                   "no rule reads this question: every client is asked it, and the answer "
                   "never changes a screening's outcome; test it in a contraindication rule, "
                   "or remove it (a question kept for the record alone can be ANSWER_TYPE_TEXT)"});
  }

  for (int i = 0; i < d.contraindications_size(); ++i) {
    const v1::ContraindicationRule& rule = d.contraindications(i);
    if (rule.severity() == v1::SEVERITY_RELATIVE && IsBlank(rule.guidance())) {
      out.push_back({Field(Index("contraindications", i), "guidance"),
                     "is empty on a relative rule: the clinician it sends the screening to is "
                     "told nothing of what to do; write what to check or offer instead, e.g. "
                     "\"Treat only with the GP's written approval\""});
    }
  }
  return out;
}

}  // namespace clinic
