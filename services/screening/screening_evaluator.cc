#include "services/screening/screening_evaluator.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "services/screening/rule_evaluator.h"

namespace clinic::screening {
namespace {

using rules::Area;
using rules::kMaxConditionLevels;
using rules::Leaves;
using rules::RuleEvaluator;
using rules::Truth;

v1::Severity EffectiveSeverity(const v1::ContraindicationRule& rule) {
  return rule.severity() == v1::SEVERITY_RELATIVE ? v1::SEVERITY_RELATIVE : v1::SEVERITY_ABSOLUTE;
}

// The leaf tests of a condition in the order they are read, down to the
// levels the evaluator reads.
void CollectLeaves(const v1::Condition& condition, int level, Leaves& out) {
  if (level > kMaxConditionLevels) return;
  const v1::Conditions* list = nullptr;
  switch (condition.test_case()) {
    case v1::Condition::kAnswer:
    case v1::Condition::kFact:
    case v1::Condition::kClient:
      out.push_back(&condition);
      return;
    case v1::Condition::kAllOf:
      list = &condition.all_of();
      break;
    case v1::Condition::kAnyOf:
      list = &condition.any_of();
      break;
    case v1::Condition::kNoneOf:
      list = &condition.none_of();
      break;
    default:
      return;
  }
  for (const v1::Condition& part : list->conditions()) CollectLeaves(part, level + 1, out);
}

bool SameSource(const v1::Evidence& a, const v1::Evidence& b) {
  if (a.source_case() != b.source_case()) return false;
  switch (a.source_case()) {
    case v1::Evidence::kQuestionId:
      return a.question_id() == b.question_id();
    case v1::Evidence::kFact:
      return a.fact() == b.fact();
    case v1::Evidence::kClientAttribute:
      return a.client_attribute() == b.client_attribute();
    case v1::Evidence::SOURCE_NOT_SET:
      break;
  }
  return true;
}

v1::Finding MakeFinding(const v1::ContraindicationRule& rule, v1::FindingCertainty certainty,
                        const std::vector<Area>& areas, const std::vector<size_t>& in,
                        const Leaves& rule_leaves,
                        const std::unordered_set<const v1::Condition*>& decisive,
                        const RuleEvaluator& evaluator) {
  v1::Finding finding;
  finding.set_rule_id(rule.id());
  finding.set_display_name(rule.display_name());
  finding.set_severity(EffectiveSeverity(rule));
  finding.set_certainty(certainty);
  *finding.mutable_action() = rule.action();
  if (rule.action().kind_case() == v1::RuleAction::KIND_NOT_SET) {
    finding.mutable_action()->mutable_refuse_treatment();
  }
  for (size_t a : in) {
    if (!areas[a].id.empty()) finding.add_area_ids(areas[a].id);
  }
  finding.set_rationale(rule.rationale());
  finding.set_guidance(rule.guidance());
  for (const v1::Condition* leaf : rule_leaves) {
    if (decisive.count(leaf) == 0) continue;
    v1::Evidence evidence = evaluator.Describe(*leaf);
    const auto& listed = finding.evidence();
    if (std::any_of(listed.begin(), listed.end(),
                    [&](const v1::Evidence& e) { return SameSource(e, evidence); })) {
      continue;
    }
    *finding.add_evidence() = std::move(evidence);
  }
  return finding;
}

void CollectFacts(const v1::Condition& condition, int level, std::set<int>& out) {
  Leaves leaves;
  CollectLeaves(condition, level, leaves);
  for (const v1::Condition* leaf : leaves) {
    if (leaf->test_case() == v1::Condition::kFact &&
        leaf->fact().fact() != v1::MEDICAL_FACT_UNSPECIFIED &&
        v1::MedicalFact_IsValid(leaf->fact().fact())) {
      out.insert(leaf->fact().fact());
    }
  }
}

}  // namespace

Evaluation Evaluate(const EvaluationInput& input) {
  Evaluation result;
  const v1::TreatmentDefinition& definition =
      input.definition != nullptr ? *input.definition : v1::TreatmentDefinition::default_instance();
  const RuleEvaluator evaluator(definition, input);
  const std::vector<Area>& areas = evaluator.areas();
  result.age_years = evaluator.age().value_or(-1);

  bool contraindicated = false;
  bool review = false;
  // Per planned area: the rules that exclude it and whether a reviewer may
  // still treat it; the lowest cap and the rules that cap it.
  struct Exclusion {
    bool excluded = false;
    bool reviewable = true;
    std::vector<std::string> rule_ids;
  };
  struct Cap {
    int max_depth_um = 0;
    std::vector<std::string> sources;
  };
  std::vector<Exclusion> exclusions(areas.size());
  std::vector<Cap> caps(areas.size());

  for (const v1::ContraindicationRule& rule : definition.contraindications()) {
    std::vector<size_t> confirmed;
    std::vector<size_t> unknown;
    std::unordered_set<const v1::Condition*> confirmed_leaves;
    std::unordered_set<const v1::Condition*> unknown_leaves;
    for (size_t a = 0; a < areas.size(); ++a) {
      Leaves leaves;
      const Truth value = evaluator.Eval(rule.condition(), a, 1, leaves);
      if (value == Truth::kTrue) {
        confirmed.push_back(a);
        confirmed_leaves.insert(leaves.begin(), leaves.end());
      } else if (value == Truth::kUnknown) {
        unknown.push_back(a);
        unknown_leaves.insert(leaves.begin(), leaves.end());
      }
    }
    if (confirmed.empty() && unknown.empty()) continue;
    Leaves rule_leaves;
    CollectLeaves(rule.condition(), 1, rule_leaves);
    const bool absolute = EffectiveSeverity(rule) == v1::SEVERITY_ABSOLUTE;
    const v1::RuleAction::KindCase action = rule.action().kind_case();
    const auto apply = [&](const std::vector<size_t>& in, bool without_review) {
      if (!without_review) review = true;
      switch (action) {
        case v1::RuleAction::kExcludeAreas:
          for (size_t a : in) {
            Exclusion& exclusion = exclusions[a];
            exclusion.excluded = true;
            exclusion.reviewable = exclusion.reviewable && !without_review;
            exclusion.rule_ids.push_back(rule.id());
          }
          break;
        case v1::RuleAction::kCapDepth: {
          // A cap below the shallowest depth any definition allows caps at
          // that depth: 0 would read as "no limit" further on.
          const int depth = std::max(1, rule.action().cap_depth().max_depth_um());
          for (size_t a : in) {
            Cap& cap = caps[a];
            cap.max_depth_um = cap.sources.empty() ? depth : std::min(cap.max_depth_um, depth);
            cap.sources.push_back(rule.id());
          }
          break;
        }
        default:
          // refuse_treatment, unset, and a sign-off on an absolute rule,
          // which only a relative rule may ask for.
          if (without_review) contraindicated = true;
          break;
      }
    };
    if (!confirmed.empty()) {
      result.findings.push_back(MakeFinding(rule, v1::FINDING_CERTAINTY_CONFIRMED, areas, confirmed,
                                            rule_leaves, confirmed_leaves, evaluator));
      apply(confirmed, absolute);
    }
    if (!unknown.empty()) {
      result.findings.push_back(MakeFinding(rule, v1::FINDING_CERTAINTY_NOT_RULED_OUT, areas,
                                            unknown, rule_leaves, unknown_leaves, evaluator));
      apply(unknown, false);
    }
  }

  bool all_excluded = true;
  for (size_t a = 0; a < areas.size(); ++a) {
    const Exclusion& exclusion = exclusions[a];
    all_excluded = all_excluded && exclusion.excluded && !exclusion.reviewable;
    if (areas[a].id.empty()) continue;
    if (exclusion.excluded) {
      v1::ExcludedArea& out = result.excluded_areas.emplace_back();
      out.set_area_id(areas[a].id);
      for (const std::string& id : exclusion.rule_ids) out.add_rule_ids(id);
      out.set_reviewable(exclusion.reviewable);
    }
    if (!caps[a].sources.empty()) {
      v1::DepthLimit& out = result.depth_limits.emplace_back();
      out.set_area_id(areas[a].id);
      out.set_max_depth_um(caps[a].max_depth_um);
      for (const std::string& id : caps[a].sources) out.add_sources(id);
    }
  }
  if (all_excluded) contraindicated = true;

  result.outcome = contraindicated ? v1::SCREENING_OUTCOME_CONTRAINDICATED
                   : review        ? v1::SCREENING_OUTCOME_REQUIRES_REVIEW
                                   : v1::SCREENING_OUTCOME_CLEARED;
  return result;
}

std::vector<v1::MedicalFact> FactsRead(const v1::TreatmentDefinition& definition) {
  return ReadsOf(definition).facts;
}

DefinitionReads ReadsOf(const v1::TreatmentDefinition& definition) {
  std::set<int> facts;
  DefinitionReads reads;
  for (const v1::ContraindicationRule& rule : definition.contraindications()) {
    CollectFacts(rule.condition(), 1, facts);
    Leaves leaves;
    CollectLeaves(rule.condition(), 1, leaves);
    for (const v1::Condition* leaf : leaves) {
      if (leaf->test_case() != v1::Condition::kClient) continue;
      if (leaf->client().comparison_case() == v1::ClientTest::kFitzpatrickOneOf) {
        reads.fitzpatrick = true;
      } else if (leaf->client().comparison_case() != v1::ClientTest::COMPARISON_NOT_SET) {
        reads.age = true;
      }
    }
  }
  reads.facts.reserve(facts.size());
  for (int fact : facts) reads.facts.push_back(static_cast<v1::MedicalFact>(fact));
  return reads;
}

}  // namespace clinic::screening
