// The definition validator: a realistic definition passes, and every rule,
// broken on its own, is reported with the field's path and a reason.
#include "common/definition/definition_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "common/definition/semver.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using v1::TreatmentDefinition;

constexpr char kValid[] = R"pb(
  id: "microneedling_test"
  display_name: "Microneedling"
  version: "1.2.0"
  indications { id: "acne_scars" display_name: "Acne scars" }
  indications { id: "texture" display_name: "Texture" }
  protocol {
    areas {
      id: "forehead"
      display_name: "Forehead"
      region: BODY_REGION_FACE
      min_depth_um: 250
      max_depth_um: 500
      min_passes: 2
      max_passes: 4
    }
    areas {
      id: "cheeks"
      display_name: "Cheeks"
      region: BODY_REGION_FACE
      min_depth_um: 500
      max_depth_um: 1500
      min_passes: 2
      max_passes: 4
      depth_overrides { indication_id: "acne_scars" max_depth_um: 2000 }
    }
    course { min_sessions: 3 max_sessions: 6 min_interval_days: 28 max_interval_days: 42 }
    downtime { min_days: 1 max_days: 3 description: "Redness." }
    aftercare { id: "no_makeup" text: "No make-up for 24 hours." duration_hours: 24 }
    aftercare { id: "spf" text: "Daily sunscreen." duration_hours: 0 }
  }
  pain_management {
    topical_anaesthetic: true
    agent: "Lidocaine 4%"
    min_application_minutes: 20
    max_application_minutes: 45
  }
  cartridges {
    id: "face_36"
    display_name: "36-needle"
    needle_configurations: "36"
    needle_configurations: "nano"
    min_needle_length_um: 2000
    quantity_per_session: 1
  }
  cartridges {
    id: "forehead_12"
    display_name: "12-needle"
    needle_configurations: "12"
    min_needle_length_um: 500
    area_ids: "forehead"
    quantity_per_session: 1
  }
  screening_questions {
    id: "active_infection"
    text: "Any skin infection?"
    answer_type: ANSWER_TYPE_YES_NO
    required: true
  }
  screening_questions {
    id: "last_isotretinoin"
    text: "Last isotretinoin dose?"
    answer_type: ANSWER_TYPE_DATE
  }
  screening_questions {
    id: "pregnancy"
    text: "Pregnancy status?"
    answer_type: ANSWER_TYPE_CHOICE
    options { id: "none" label: "Not pregnant or breastfeeding" }
    options { id: "pregnant" label: "Pregnant" }
    options { id: "breastfeeding" label: "Breastfeeding" }
  }
  screening_questions {
    id: "hba1c"
    text: "Latest HbA1c?"
    answer_type: ANSWER_TYPE_NUMBER
    number_bounds { min: 3 max: 20 unit: "%" }
  }
  screening_questions { id: "notes" text: "Anything else?" answer_type: ANSWER_TYPE_TEXT }
  contraindications {
    id: "infection"
    display_name: "Active infection"
    severity: SEVERITY_ABSOLUTE
    rationale: "Spreads infection."
    condition {
      any_of {
        conditions { answer { question_id: "active_infection" equals: true } }
        conditions { fact { fact: ACTIVE_SKIN_INFECTION present: true } }
      }
    }
  }
  contraindications {
    id: "isotretinoin"
    display_name: "Isotretinoin"
    severity: SEVERITY_ABSOLUTE
    rationale: "Impaired healing."
    condition {
      any_of {
        conditions {
          answer {
            question_id: "last_isotretinoin"
            within_last { seconds: 15552000 }
          }
        }
        conditions {
          fact {
            fact: ISOTRETINOIN
            active_within { seconds: 15552000 }
          }
        }
      }
    }
  }
  contraindications {
    id: "pregnancy"
    display_name: "Pregnancy"
    severity: SEVERITY_ABSOLUTE
    rationale: "Unstudied."
    condition {
      answer {
        question_id: "pregnancy"
        one_of { option_ids: "pregnant" }
      }
    }
  }
  contraindications {
    id: "diabetes"
    display_name: "Uncontrolled diabetes"
    severity: SEVERITY_RELATIVE
    rationale: "Slow healing."
    condition {
      all_of {
        conditions { answer { question_id: "hba1c" at_least: 8 } }
        conditions { none_of { conditions { fact { fact: DIABETES_CONTROLLED present: true } } } }
      }
    }
  }
  screening_validity { seconds: 2592000 }
)pb";

TreatmentDefinition Valid() {
  TreatmentDefinition d;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kValid, &d));
  return d;
}

std::string Describe(const std::vector<FieldViolation>& violations) {
  std::string out;
  for (const auto& v : violations) out += v.field + ": " + v.description + "\n";
  return out;
}

TEST(DefinitionValidatorTest, RealisticDefinitionIsValid) {
  EXPECT_THAT(Describe(ValidateTreatmentDefinition(Valid())), IsEmpty());
}

TEST(DefinitionValidatorTest, TestPluginDefinitionsAreValid) {
  for (const char* file :
       {"tests/plugins/test_alpha.textproto", "tests/plugins/test_beta.textproto"}) {
    TreatmentDefinition d;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        clinic::testing::ReadFile(clinic::testing::SourcePath(file)), &d))
        << file;
    EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty()) << file;
  }
}

struct RuleCase {
  std::string name;
  std::function<void(TreatmentDefinition&)> breaks;
  std::string field;
  std::string fragment;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

class RuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(RuleTest, IsReportedWithFieldAndReason) {
  TreatmentDefinition d = Valid();
  GetParam().breaks(d);
  const auto violations = ValidateTreatmentDefinition(d);
  ASSERT_EQ(violations.size(), 1u) << Describe(violations);
  EXPECT_EQ(violations[0].field, GetParam().field) << Describe(violations);
  EXPECT_THAT(violations[0].description, HasSubstr(GetParam().fragment));
}

v1::TreatmentArea& Area(TreatmentDefinition& d, int i) {
  return *d.mutable_protocol()->mutable_areas(i);
}
v1::Condition& RuleCondition(TreatmentDefinition& d, int i) {
  return *d.mutable_contraindications(i)->mutable_condition();
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, RuleTest,
    ::testing::Values(
        RuleCase{"MissingId", [](auto& d) { d.clear_id(); }, "id", "required"},
        RuleCase{"BadId", [](auto& d) { d.set_id("Micro-Needling"); }, "id", "lowercase"},
        RuleCase{"OneLetterId", [](auto& d) { d.set_id("m"); }, "id", "2 to 63"},
        RuleCase{"MissingName", [](auto& d) { d.set_display_name("  "); }, "display_name",
                 "required"},
        RuleCase{"LongName", [](auto& d) { d.set_display_name(std::string(201, 'x')); },
                 "display_name", "at most 200"},
        RuleCase{"MissingVersion", [](auto& d) { d.clear_version(); }, "version", "required"},
        RuleCase{"BadVersion", [](auto& d) { d.set_version("1.2"); }, "version",
                 "not a semantic version"},
        RuleCase{"NoIndications",
                 [](auto& d) {
                   d.clear_indications();
                   Area(d, 1).clear_depth_overrides();
                 },
                 "indications", "at least one"},
        RuleCase{"DuplicateIndication",
                 [](auto& d) { d.mutable_indications(1)->set_id("acne_scars"); },
                 "indications[1].id", "duplicates the id of indications[0].id"},
        RuleCase{"NoProtocol", [](auto& d) { d.clear_protocol(); }, "protocol", "required"},
        RuleCase{"NoAreas",
                 [](auto& d) {
                   d.mutable_protocol()->clear_areas();
                   d.mutable_cartridges(1)->clear_area_ids();
                   d.mutable_cartridges(1)->set_min_needle_length_um(1);
                 },
                 "protocol.areas", "at least one"},
        RuleCase{"DuplicateArea", [](auto& d) { Area(d, 1).set_id("forehead"); },
                 "protocol.areas[1].id", "duplicates"},
        RuleCase{"NoRegion", [](auto& d) { Area(d, 0).clear_region(); },
                 "protocol.areas[0].region", "required"},
        RuleCase{"UnknownRegion",
                 [](auto& d) { Area(d, 0).set_region(static_cast<v1::BodyRegion>(77)); },
                 "protocol.areas[0].region", "not a known"},
        RuleCase{"TooDeep", [](auto& d) { Area(d, 0).set_max_depth_um(5000); },
                 "protocol.areas[0].max_depth_um", "outside the allowed 1 to 3000"},
        RuleCase{"ZeroMinDepth", [](auto& d) { Area(d, 0).set_min_depth_um(0); },
                 "protocol.areas[0].min_depth_um", "outside"},
        RuleCase{"InvertedDepth", [](auto& d) { Area(d, 0).set_min_depth_um(600); },
                 "protocol.areas[0].max_depth_um", "less than"},
        RuleCase{"OverrideUnknownIndication",
                 [](auto& d) { Area(d, 1).mutable_depth_overrides(0)->set_indication_id("hair"); },
                 "protocol.areas[1].depth_overrides[0].indication_id", "does not declare"},
        RuleCase{"OverrideTooDeep",
                 [](auto& d) { Area(d, 1).mutable_depth_overrides(0)->set_max_depth_um(3500); },
                 "protocol.areas[1].depth_overrides[0].max_depth_um", "between"},
        RuleCase{"DuplicateOverride",
                 [](auto& d) {
                   auto* o = Area(d, 1).add_depth_overrides();
                   o->set_indication_id("acne_scars");
                   o->set_max_depth_um(1800);
                 },
                 "protocol.areas[1].depth_overrides[1].indication_id", "already has a limit"},
        RuleCase{"TooManyPasses", [](auto& d) { Area(d, 0).set_max_passes(21); },
                 "protocol.areas[0].max_passes", "1 to 20"},
        RuleCase{"NoCourse", [](auto& d) { d.mutable_protocol()->clear_course(); },
                 "protocol.course", "required"},
        RuleCase{"InvertedSessions",
                 [](auto& d) { d.mutable_protocol()->mutable_course()->set_max_sessions(2); },
                 "protocol.course.max_sessions", "less than"},
        RuleCase{"ZeroInterval",
                 [](auto& d) { d.mutable_protocol()->mutable_course()->set_min_interval_days(0); },
                 "protocol.course.min_interval_days", "outside"},
        RuleCase{"NoDowntime", [](auto& d) { d.mutable_protocol()->clear_downtime(); },
                 "protocol.downtime", "required"},
        RuleCase{"LongDowntime",
                 [](auto& d) { d.mutable_protocol()->mutable_downtime()->set_max_days(91); },
                 "protocol.downtime.max_days", "0 to 90"},
        RuleCase{"EmptyAftercare",
                 [](auto& d) { d.mutable_protocol()->mutable_aftercare(0)->set_text(""); },
                 "protocol.aftercare[0].text", "required"},
        RuleCase{"NegativeAftercare",
                 [](auto& d) { d.mutable_protocol()->mutable_aftercare(0)->set_duration_hours(-1); },
                 "protocol.aftercare[0].duration_hours", "negative"},
        RuleCase{"AnaestheticWithoutAgent",
                 [](auto& d) { d.mutable_pain_management()->clear_agent(); },
                 "pain_management.agent", "required when topical_anaesthetic"},
        RuleCase{"AnaestheticTooLong",
                 [](auto& d) { d.mutable_pain_management()->set_max_application_minutes(300); },
                 "pain_management.max_application_minutes", "1 to 240"},
        RuleCase{"NoCartridges", [](auto& d) { d.clear_cartridges(); }, "cartridges",
                 "at least one"},
        RuleCase{"BadNeedleConfig",
                 [](auto& d) { d.mutable_cartridges(0)->set_needle_configurations(0, "036"); },
                 "cartridges[0].needle_configurations[0]", "needle count"},
        RuleCase{"TooManyNeedles",
                 [](auto& d) { d.mutable_cartridges(0)->set_needle_configurations(0, "101"); },
                 "cartridges[0].needle_configurations[0]", "needle count"},
        RuleCase{"NoNeedleConfig",
                 [](auto& d) { d.mutable_cartridges(0)->clear_needle_configurations(); },
                 "cartridges[0].needle_configurations", "at least one"},
        RuleCase{"CartridgeTooShort",
                 [](auto& d) { d.mutable_cartridges(0)->set_min_needle_length_um(1500); },
                 "cartridges[0].min_needle_length_um", "cannot reach the 2000 um allowed in area 'cheeks'"},
        RuleCase{"CartridgeUnknownArea",
                 [](auto& d) { d.mutable_cartridges(1)->set_area_ids(0, "scalp"); },
                 "cartridges[1].area_ids[0]", "does not declare"},
        RuleCase{"CartridgeQuantity",
                 [](auto& d) { d.mutable_cartridges(0)->set_quantity_per_session(0); },
                 "cartridges[0].quantity_per_session", "at least 1"},
        RuleCase{"NoQuestions",
                 [](auto& d) {
                   d.clear_screening_questions();
                   d.clear_contraindications();
                   auto* rule = d.add_contraindications();
                   rule->set_id("infection");
                   rule->set_display_name("Infection");
                   rule->set_severity(v1::SEVERITY_ABSOLUTE);
                   rule->set_rationale("Spreads.");
                   rule->mutable_condition()->mutable_fact()->set_fact(v1::ACTIVE_SKIN_INFECTION);
                   rule->mutable_condition()->mutable_fact()->set_present(true);
                 },
                 "screening_questions", "at least one"},
        RuleCase{"DuplicateQuestion",
                 [](auto& d) { d.mutable_screening_questions(4)->set_id("active_infection"); },
                 "screening_questions[4].id", "duplicates"},
        RuleCase{"QuestionWithoutText",
                 [](auto& d) { d.mutable_screening_questions(0)->clear_text(); },
                 "screening_questions[0].text", "required"},
        RuleCase{"QuestionWithoutType",
                 [](auto& d) { d.mutable_screening_questions(4)->clear_answer_type(); },
                 "screening_questions[4].answer_type", "required"},
        RuleCase{"ChoiceWithOneOption",
                 [](auto& d) {
                   auto* q = d.mutable_screening_questions(2);
                   q->mutable_options()->DeleteSubrange(0, 2);
                   q->mutable_options(0)->set_id("pregnant");
                 },
                 "screening_questions[2].options", "at least two"},
        RuleCase{"DuplicateOption",
                 [](auto& d) { d.mutable_screening_questions(2)->mutable_options(2)->set_id("none"); },
                 "screening_questions[2].options[2].id", "duplicates"},
        RuleCase{"OptionsOnYesNo",
                 [](auto& d) { d.mutable_screening_questions(0)->add_options()->set_id("maybe"); },
                 "screening_questions[0].options", "only choice questions"},
        RuleCase{"BoundsOnYesNo",
                 [](auto& d) { d.mutable_screening_questions(0)->mutable_number_bounds(); },
                 "screening_questions[0].number_bounds", "only number questions"},
        RuleCase{"InvertedBounds",
                 [](auto& d) { d.mutable_screening_questions(3)->mutable_number_bounds()->set_max(1); },
                 "screening_questions[3].number_bounds.max", "less than"},
        RuleCase{"NoRules", [](auto& d) { d.clear_contraindications(); }, "contraindications",
                 "at least one"},
        RuleCase{"DuplicateRule",
                 [](auto& d) { d.mutable_contraindications(3)->set_id("infection"); },
                 "contraindications[3].id", "duplicates"},
        RuleCase{"NoSeverity",
                 [](auto& d) { d.mutable_contraindications(0)->clear_severity(); },
                 "contraindications[0].severity", "required"},
        RuleCase{"NoRationale",
                 [](auto& d) { d.mutable_contraindications(0)->clear_rationale(); },
                 "contraindications[0].rationale", "clinician"},
        RuleCase{"NoCondition",
                 [](auto& d) { d.mutable_contraindications(0)->clear_condition(); },
                 "contraindications[0].condition", "required"},
        RuleCase{"EmptyCondition", [](auto& d) { RuleCondition(d, 2).clear_answer(); },
                 "contraindications[2].condition", "sets no test"},
        RuleCase{"EmptyAnyOf",
                 [](auto& d) { RuleCondition(d, 0).mutable_any_of()->clear_conditions(); },
                 "contraindications[0].condition.any_of.conditions", "at least one"},
        RuleCase{"UnknownQuestion",
                 [](auto& d) {
                   RuleCondition(d, 0).mutable_any_of()->mutable_conditions(0)->mutable_answer()
                       ->set_question_id("pregnant_or_breastfeeding");
                 },
                 "contraindications[0].condition.any_of.conditions[0].answer.question_id",
                 "refers to question 'pregnant_or_breastfeeding' which the definition does not "
                 "declare"},
        RuleCase{"EqualsOnDate",
                 [](auto& d) {
                   RuleCondition(d, 1).mutable_any_of()->mutable_conditions(0)->mutable_answer()
                       ->set_equals(true);
                 },
                 "contraindications[1].condition.any_of.conditions[0].answer.equals",
                 "needs a yes/no question"},
        RuleCase{"WithinLastOnYesNo",
                 [](auto& d) {
                   RuleCondition(d, 0).mutable_any_of()->mutable_conditions(0)->mutable_answer()
                       ->mutable_within_last()->set_seconds(60);
                 },
                 "contraindications[0].condition.any_of.conditions[0].answer.within_last",
                 "needs a date question"},
        RuleCase{"AtLeastOnChoice",
                 [](auto& d) { RuleCondition(d, 2).mutable_answer()->set_at_least(1); },
                 "contraindications[2].condition.answer.at_least", "needs a number question"},
        RuleCase{"UnknownOption",
                 [](auto& d) {
                   RuleCondition(d, 2).mutable_answer()->mutable_one_of()->add_option_ids("twins");
                 },
                 "contraindications[2].condition.answer.one_of.option_ids[1]",
                 "does not offer"},
        RuleCase{"TextQuestionTested",
                 [](auto& d) {
                   auto* answer = RuleCondition(d, 2).mutable_answer();
                   answer->set_question_id("notes");
                   answer->set_equals(true);
                 },
                 "contraindications[2].condition.answer.equals", "needs a yes/no question"},
        RuleCase{"NoComparison",
                 [](auto& d) { RuleCondition(d, 2).mutable_answer()->clear_one_of(); },
                 "contraindications[2].condition.answer", "sets no comparison"},
        RuleCase{"NegativeLookback",
                 [](auto& d) {
                   RuleCondition(d, 1).mutable_any_of()->mutable_conditions(0)->mutable_answer()
                       ->mutable_within_last()->set_seconds(-5);
                 },
                 "contraindications[1].condition.any_of.conditions[0].answer.within_last",
                 "positive"},
        RuleCase{"UnknownFact",
                 [](auto& d) {
                   RuleCondition(d, 0).mutable_any_of()->mutable_conditions(1)->mutable_fact()
                       ->set_fact(static_cast<v1::MedicalFact>(999));
                 },
                 "contraindications[0].condition.any_of.conditions[1].fact.fact",
                 "not a medical fact"},
        RuleCase{"UnspecifiedFact",
                 [](auto& d) {
                   RuleCondition(d, 0).mutable_any_of()->mutable_conditions(1)->mutable_fact()
                       ->clear_fact();
                 },
                 "contraindications[0].condition.any_of.conditions[1].fact.fact", "required"},
        RuleCase{"FactWithoutComparison",
                 [](auto& d) {
                   RuleCondition(d, 0).mutable_any_of()->mutable_conditions(1)->mutable_fact()
                       ->clear_present();
                 },
                 "contraindications[0].condition.any_of.conditions[1].fact", "sets no comparison"},
        RuleCase{"NoValidity", [](auto& d) { d.clear_screening_validity(); },
                 "screening_validity", "required"},
        RuleCase{"ShortValidity", [](auto& d) { d.mutable_screening_validity()->set_seconds(60); },
                 "screening_validity", "1 hour"},
        RuleCase{"LongValidity",
                 [](auto& d) { d.mutable_screening_validity()->set_seconds(400LL * 86400); },
                 "screening_validity", "366 days"}),
    [](const ::testing::TestParamInfo<RuleCase>& param_info) { return param_info.param.name; });

TEST(DefinitionValidatorTest, ReportsEveryProblemNotJustTheFirst) {
  TreatmentDefinition d = Valid();
  d.set_id("X");
  Area(d, 0).set_max_depth_um(9000);
  d.clear_screening_validity();
  const auto violations = ValidateTreatmentDefinition(d);
  EXPECT_EQ(violations.size(), 3u) << Describe(violations);
}

TEST(DefinitionValidatorTest, RefusesConditionsNestedTooDeeply) {
  TreatmentDefinition d = Valid();
  v1::Condition* condition = d.mutable_contraindications(0)->mutable_condition();
  condition->Clear();
  for (int i = 0; i < kMaxConditionDepth + 2; ++i) {
    condition = condition->mutable_all_of()->add_conditions();
  }
  condition->mutable_fact()->set_fact(v1::PREGNANT);
  condition->mutable_fact()->set_present(true);
  const auto violations = ValidateTreatmentDefinition(d);
  ASSERT_EQ(violations.size(), 1u) << Describe(violations);
  EXPECT_THAT(violations[0].description, HasSubstr("nests deeper than 8 levels"));
}

TEST(SemverTest, ParsesValidVersions) {
  auto v = ParseSemanticVersion("2.0.0-rc.1+build.5");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->major, 2u);
  EXPECT_EQ(v->prerelease, (std::vector<std::string>{"rc", "1"}));
  EXPECT_EQ(v->build, "build.5");
  EXPECT_TRUE(ParseSemanticVersion("0.0.1").ok());
  EXPECT_TRUE(ParseSemanticVersion("10.20.30-alpha-1.0").ok());
}

TEST(SemverTest, RefusesMalformedVersions) {
  for (const char* bad :
       {"", "1", "1.4", "1.2.3.4", "01.2.3", "v1.2.3", "1.2.3-", "1.2.3-01", "1.2.3-a..b", "1.2.3+",
        "1.2.3-a_b", "1.-2.3", "99999999999999999999.0.0"}) {
    EXPECT_FALSE(ParseSemanticVersion(bad).ok()) << bad;
  }
}

TEST(SemverTest, OrdersByPrecedence) {
  const std::vector<std::string> ordered = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                            "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                            "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                                            "1.10.0",      "2.0.0"};
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    const auto a = *ParseSemanticVersion(ordered[i]);
    const auto b = *ParseSemanticVersion(ordered[i + 1]);
    EXPECT_LT(CompareSemanticVersions(a, b), 0) << ordered[i] << " < " << ordered[i + 1];
    EXPECT_GT(CompareSemanticVersions(b, a), 0);
  }
  EXPECT_EQ(
      CompareSemanticVersions(*ParseSemanticVersion("1.0.0+a"), *ParseSemanticVersion("1.0.0+b")),
      0);
}

}  // namespace
}  // namespace clinic
