// The definition validator: a realistic definition and every shipped plugin
// definition pass; every rule, broken on its own, is reported once with the
// field's path and a reason; several mistakes are all reported; a mistake is
// not repeated where the broken value is used; deep nesting is refused.
#include "common/definition/definition_validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/plugin_definition.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using v1::TreatmentDefinition;

constexpr int64_t kDay = 24 * 3600;

// A small but complete definition that uses every kind of rule: overrides,
// cartridges for every area and for one area (one with needle
// configurations in the older text form, one typed), consumables for every
// area and for one area, each answer type, "I don't
// know", "never" and per-area answers, each comparison, facts present, active
// and started within and in the treated region, client and area tests, each
// rule action, and nested conditions.
constexpr char kValid[] = R"pb(
  id: "microneedling_test"
  display_name: "Microneedling (collagen induction therapy)"
  version: "1.2.0-rc.1+build.7"
  description: "Controlled micro-punctures that start collagen renewal."
  publisher: "Clinic Core tests"
  indications { id: "acne_scars" display_name: "Acne scars" }
  indications { id: "fine_lines_wrinkles" display_name: "Fine lines and wrinkles" }
  indications { id: "texture" display_name: "Uneven texture" }
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
      depth_overrides { indication_id: "acne_scars" max_depth_um: 2000 }
      min_passes: 2
      max_passes: 4
    }
    areas {
      id: "neck"
      display_name: "Neck"
      region: BODY_REGION_NECK
      min_depth_um: 250
      max_depth_um: 1000
      min_passes: 2
      max_passes: 3
    }
    course { min_sessions: 3 max_sessions: 6 min_interval_days: 28 max_interval_days: 42 }
    downtime { min_days: 1 max_days: 3 description: "Redness like a mild sunburn." }
    aftercare { id: "no_makeup" text: "No make-up for 24 hours." duration_hours: 24 }
    aftercare { id: "no_retinoids" text: "No retinoids or acids for 3 days." duration_hours: 72 }
    aftercare { id: "sunscreen" text: "Wear sunscreen daily." duration_hours: 0 }
  }
  pain_management {
    topical_anaesthetic: true
    agent: "Lidocaine 4% cream"
    min_application_minutes: 20
    max_application_minutes: 45
  }
  cartridges {
    id: "face_36"
    display_name: "36-needle cartridge"
    needle_configurations: "36"
    needle_configurations: "nano"
    min_needle_length_um: 2000
    quantity_per_session: 1
  }
  cartridges {
    id: "forehead_12"
    display_name: "12-needle cartridge for the forehead"
    needles { needle_count: 12 }
    min_needle_length_um: 500
    area_ids: "forehead"
    quantity_per_session: 1
  }
  consumables {
    id: "prp_kit"
    display_name: "PRP preparation kit"
    kind: CONSUMABLE_KIND_PRP_KIT
    category: "prp_kit_10ml"
    quantity_per_session: 1
    lot_required: true
    area_ids: "cheeks"
  }
  consumables {
    id: "lidocaine_cream"
    display_name: "Lidocaine 4% cream"
    kind: CONSUMABLE_KIND_TOPICAL_ANAESTHETIC
    category: "lidocaine_cream"
    quantity_per_session: 2
  }
  screening_questions {
    id: "active_infection"
    text: "Do you have a skin infection, cold sore or open wound in the area?"
    answer_type: ANSWER_TYPE_YES_NO
    required: true
  }
  screening_questions {
    id: "last_isotretinoin"
    text: "When did you last take isotretinoin?"
    answer_type: ANSWER_TYPE_DATE
    never_label: "Never taken"
  }
  screening_questions {
    id: "pregnancy"
    text: "Are you pregnant or breastfeeding?"
    answer_type: ANSWER_TYPE_CHOICE
    options { id: "none" label: "Neither" }
    options { id: "pregnant" label: "Pregnant" }
    options { id: "breastfeeding" label: "Breastfeeding" }
  }
  screening_questions {
    id: "hba1c"
    text: "Your latest HbA1c, if you have diabetes"
    answer_type: ANSWER_TYPE_NUMBER
    number_bounds { min: 3 max: 20 unit: "%" }
    unknown_allowed: true
  }
  screening_questions { id: "notes" text: "Anything else?" answer_type: ANSWER_TYPE_TEXT }
  screening_questions {
    id: "cold_sore_in_area"
    text: "Do you have a cold sore in or next to an area to be treated today?"
    answer_type: ANSWER_TYPE_YES_NO
    required: true
    day_of_treatment: true
    per_area: true
  }
  contraindications {
    id: "infection"
    display_name: "Active skin infection"
    severity: SEVERITY_ABSOLUTE
    rationale: "Needling spreads the infection."
    condition {
      any_of {
        conditions { fact { fact: ACTIVE_SKIN_INFECTION present: true } }
        conditions { answer { question_id: "active_infection" equals: true } }
      }
    }
  }
  contraindications {
    id: "isotretinoin"
    display_name: "Isotretinoin in the last 6 months"
    severity: SEVERITY_ABSOLUTE
    rationale: "Isotretinoin impairs wound healing."
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
    rationale: "Safety in pregnancy has not been studied."
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
    rationale: "Wounds heal slowly."
    condition {
      all_of {
        conditions { answer { question_id: "hba1c" at_least: 8 } }
        conditions { none_of { conditions { fact { fact: DIABETES_CONTROLLED present: true } } } }
      }
    }
  }
  contraindications {
    id: "anaesthetic_allergy"
    display_name: "Allergy to topical anaesthetic"
    severity: SEVERITY_RELATIVE
    rationale: "The anaesthetic may cause a reaction."
    condition { fact { fact: TOPICAL_ANAESTHETIC_ALLERGY present: true } }
  }
  contraindications {
    id: "cold_sore_today"
    display_name: "Cold sore in the area today"
    severity: SEVERITY_ABSOLUTE
    rationale: "Needling spreads the virus."
    condition { answer { question_id: "cold_sore_in_area" equals: true } }
    action { exclude_areas {} }
  }
  contraindications {
    id: "blood_thinners"
    display_name: "Blood thinners"
    severity: SEVERITY_RELATIVE
    rationale: "Deep needling bleeds more."
    condition {
      any_of {
        conditions { fact { fact: ANTICOAGULANT present: true } }
        conditions {
          fact {
            fact: ANTIPLATELET
            started_within { seconds: 2419200 }
          }
        }
      }
    }
    action { cap_depth { max_depth_um: 1000 } }
  }
  contraindications {
    id: "cancer_history"
    display_name: "Cancer in the last 5 years"
    severity: SEVERITY_RELATIVE
    rationale: "Growth stimulation after cancer is not studied."
    condition {
      fact {
        fact: CANCER_HISTORY
        active_within { seconds: 157680000 }
      }
    }
    action { require_sign_off { description: "Letter from the treating oncologist" } }
  }
  contraindications {
    id: "radiation_in_area"
    display_name: "Radiation therapy to the area in the last year"
    severity: SEVERITY_ABSOLUTE
    rationale: "Irradiated skin heals poorly."
    condition {
      fact {
        fact: RADIATION_THERAPY
        active_within { seconds: 31536000 }
        in_treated_region: true
      }
    }
    action { exclude_areas {} }
  }
  contraindications {
    id: "minor"
    display_name: "Under 18"
    severity: SEVERITY_ABSOLUTE
    rationale: "Not offered to minors."
    condition { client { age_under_years: 18 } }
    action { refuse_treatment {} }
  }
  contraindications {
    id: "dark_skin_face_and_neck"
    display_name: "Fitzpatrick V or VI on the forehead or neck"
    severity: SEVERITY_ABSOLUTE
    rationale: "Deep needling risks hyperpigmentation."
    condition {
      all_of {
        conditions {
          client { fitzpatrick_one_of { types: FITZPATRICK_TYPE_V types: FITZPATRICK_TYPE_VI } }
        }
        conditions { area { area_ids: "forehead" regions: BODY_REGION_NECK } }
        conditions { client { age_at_least_years: 16 } }
      }
    }
    action { cap_depth { max_depth_um: 750 } }
  }
  contraindications {
    id: "hba1c_unknown_or_extreme"
    display_name: "HbA1c unknown or extreme"
    severity: SEVERITY_RELATIVE
    rationale: "A doctor should confirm the diabetes is managed."
    condition {
      any_of {
        conditions { answer { question_id: "hba1c" answered_unknown: true } }
        conditions { answer { question_id: "hba1c" greater_than: 9.5 } }
        conditions { answer { question_id: "hba1c" less_than: 4 } }
        conditions {
          all_of {
            conditions { answer { question_id: "hba1c" answered: false } }
            conditions { fact { fact: DIABETES_UNCONTROLLED present: true } }
          }
        }
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
  for (const FieldViolation& v : violations) out += v.field + ": " + v.description + "\n";
  return out;
}

std::vector<std::string> Fields(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : violations) fields.push_back(v.field);
  return fields;
}

// Whether `path` names fields of TreatmentDefinition by their proto names,
// indexing repeated fields (a whole list only as the last segment) and
// nothing else.
bool PathNamesProtoFields(const std::string& path) {
  const google::protobuf::Descriptor* message = TreatmentDefinition::descriptor();
  const std::vector<absl::string_view> segments = absl::StrSplit(path, '.');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (message == nullptr) return false;
    absl::string_view name = segments[i];
    bool indexed = false;
    if (const size_t bracket = name.find('['); bracket != absl::string_view::npos) {
      int index = 0;
      if (name.back() != ']' ||
          !absl::SimpleAtoi(name.substr(bracket + 1, name.size() - bracket - 2), &index) ||
          index < 0) {
        return false;
      }
      name = name.substr(0, bracket);
      indexed = true;
    }
    const google::protobuf::FieldDescriptor* field = message->FindFieldByName(std::string(name));
    if (field == nullptr) return false;
    if (indexed && !field->is_repeated()) return false;
    if (!indexed && field->is_repeated() && i + 1 < segments.size()) return false;
    message = field->message_type();
  }
  return true;
}

v1::TreatmentArea& Area(TreatmentDefinition& d, int i) {
  return *d.mutable_protocol()->mutable_areas(i);
}
v1::ScreeningQuestion& Question(TreatmentDefinition& d, int i) {
  return *d.mutable_screening_questions(i);
}
v1::Condition& RuleCondition(TreatmentDefinition& d, int i) {
  return *d.mutable_contraindications(i)->mutable_condition();
}
// The i-th condition of rule `rule`'s top-level any_of or all_of.
v1::Condition& Nested(TreatmentDefinition& d, int rule, int i) {
  v1::Condition& top = RuleCondition(d, rule);
  return top.has_any_of() ? *top.mutable_any_of()->mutable_conditions(i)
                          : *top.mutable_all_of()->mutable_conditions(i);
}
v1::AnswerTest& IsotretinoinAnswer(TreatmentDefinition& d) {
  return *Nested(d, 1, 0).mutable_answer();
}
v1::RuleAction& Action(TreatmentDefinition& d, int rule) {
  return *d.mutable_contraindications(rule)->mutable_action();
}
// The area test of rule "dark_skin_face_and_neck", and its client tests.
v1::AreaTest& SkinRuleArea(TreatmentDefinition& d) { return *Nested(d, 10, 1).mutable_area(); }
v1::FitzpatrickSet& SkinRuleTypes(TreatmentDefinition& d) {
  return *Nested(d, 10, 0).mutable_client()->mutable_fitzpatrick_one_of();
}

TEST(DefinitionValidatorTest, RealisticDefinitionIsValid) {
  EXPECT_THAT(Describe(ValidateTreatmentDefinition(Valid())), IsEmpty());
}

TEST(DefinitionValidatorTest, ShippedDefinitionsAreValid) {
  // Definitions that stand alone, from their text.
  for (const char* file :
       {"tests/plugins/test_alpha.textproto", "tests/plugins/test_alpha_v2.textproto",
        "tests/plugins/test_beta.textproto", "tests/plugins/test_screening.textproto"}) {
    TreatmentDefinition d;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        clinic::testing::ReadFile(clinic::testing::SourcePath(file)), &d))
        << file;
    EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty()) << file;
  }
  // Definitions built on bases, as built: their text alone lacks the bases'
  // entries. (The template, built on the installed SDK, is checked by
  // tests/sdk/out_of_tree_test.sh with clinic-plugin-check.)
  for (const std::string& path : {clinic::testing::BundledPluginPath("microneedling"),
                                  clinic::testing::BundledPluginPath("rf_microneedling"),
                                  clinic::testing::BundledPluginPath("prp_microneedling"),
                                  clinic::testing::TestPluginPath("test_based")}) {
    const TreatmentDefinition d = clinic::testing::LoadPluginDefinition(path);
    ASSERT_FALSE(d.id().empty()) << path;
    EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty()) << path;
  }
}

// The plugin host's tests refuse this definition and expect these reasons.
TEST(DefinitionValidatorTest, TestInvalidDefinitionBreaksTheRulesItIsMeantTo) {
  TreatmentDefinition d;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      clinic::testing::ReadFile(
          clinic::testing::SourcePath("tests/plugins/test_invalid.textproto")),
      &d));
  EXPECT_THAT(
      Fields(ValidateTreatmentDefinition(d)),
      ElementsAre("protocol.areas[0].max_depth_um",
                  "contraindications[0].condition.any_of.conditions[0].answer.question_id"));
}

struct RuleCase {
  std::string name;
  std::function<void(TreatmentDefinition&)> breaks;
  std::string field;
  std::string reason;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

class DefinitionRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(DefinitionRuleTest, IsReportedOnceWithFieldAndReason) {
  TreatmentDefinition d = Valid();
  GetParam().breaks(d);
  const std::vector<FieldViolation> violations = ValidateTreatmentDefinition(d);
  ASSERT_EQ(violations.size(), 1u) << Describe(violations);
  EXPECT_EQ(violations[0].field, GetParam().field) << Describe(violations);
  EXPECT_THAT(violations[0].description, HasSubstr(GetParam().reason));
  EXPECT_TRUE(PathNamesProtoFields(violations[0].field)) << violations[0].field;
}

std::vector<RuleCase> IdentityCases() {
  return {
      {"MissingId", [](auto& d) { d.clear_id(); }, "id", "is required"},
      {"IdWithCapitalsAndHyphen", [](auto& d) { d.set_id("Micro-Needling"); }, "id",
       "\"Micro-Needling\" must be 2 to 63 lowercase letters, digits or underscores, starting "
       "with a letter"},
      {"IdTooShort", [](auto& d) { d.set_id("m"); }, "id", "2 to 63"},
      {"IdTooLong", [](auto& d) { d.set_id(std::string(64, 'm')); }, "id", "2 to 63"},
      {"IdStartsWithDigit", [](auto& d) { d.set_id("3d_needling"); }, "id",
       "starting with a letter"},
      {"BlankDisplayName", [](auto& d) { d.set_display_name(" \t"); }, "display_name",
       "is required"},
      {"DisplayNameTooLong", [](auto& d) { d.set_display_name(std::string(201, 'x')); },
       "display_name", "is 201 characters long; the limit is 200"},
      {"MissingVersion", [](auto& d) { d.clear_version(); }, "version", "is required"},
      {"VersionWithTwoNumbers", [](auto& d) { d.set_version("1.4"); }, "version",
       "\"1.4\" is not a semantic version: it needs three numbers"},
      {"VersionWithLeadingV", [](auto& d) { d.set_version("v1.2.3"); }, "version", "leading 'v'"},
      {"VersionWithLeadingZero", [](auto& d) { d.set_version("01.2.3"); }, "version",
       "leading zero"},
  };
}

std::vector<RuleCase> IndicationCases() {
  return {
      {"NoIndications",
       [](auto& d) {
         d.clear_indications();
         Area(d, 1).clear_depth_overrides();
       },
       "indications", "at least one indication is required"},
      {"MalformedIndicationId", [](auto& d) { d.mutable_indications(2)->set_id("Texture"); },
       "indications[2].id", "must be 2 to 63 lowercase letters"},
      {"DuplicateIndication", [](auto& d) { d.mutable_indications(1)->set_id("acne_scars"); },
       "indications[1].id", "\"acne_scars\" duplicates the id of indications[0]"},
      {"IndicationWithoutName", [](auto& d) { d.mutable_indications(1)->clear_display_name(); },
       "indications[1].display_name", "is required"},
  };
}

std::vector<RuleCase> AreaCases() {
  return {
      {"NoProtocol", [](auto& d) { d.clear_protocol(); }, "protocol", "is required"},
      {"NoAreas",
       [](auto& d) {
         d.mutable_protocol()->clear_areas();
         d.mutable_cartridges(1)->clear_area_ids();
         d.mutable_consumables(0)->clear_area_ids();
         SkinRuleArea(d).clear_area_ids();
       },
       "protocol.areas", "at least one treatable area is required"},
      {"AreaWithoutId", [](auto& d) { Area(d, 2).clear_id(); }, "protocol.areas[2].id",
       "is required"},
      {"MalformedAreaId", [](auto& d) { Area(d, 2).set_id("Upper Neck"); }, "protocol.areas[2].id",
       "must be 2 to 63"},
      {"DuplicateArea", [](auto& d) { Area(d, 2).set_id("forehead"); }, "protocol.areas[2].id",
       "\"forehead\" duplicates the id of protocol.areas[0]"},
      {"AreaWithoutName", [](auto& d) { Area(d, 2).clear_display_name(); },
       "protocol.areas[2].display_name", "is required"},
      {"AreaWithoutRegion", [](auto& d) { Area(d, 0).clear_region(); }, "protocol.areas[0].region",
       "is required"},
      {"UnknownRegion", [](auto& d) { Area(d, 0).set_region(static_cast<v1::BodyRegion>(77)); },
       "protocol.areas[0].region", "77 is not a body region this host knows"},
      {"AreaTooDeep", [](auto& d) { Area(d, 0).set_max_depth_um(5000); },
       "protocol.areas[0].max_depth_um", "5000 um is deeper than the 3000 um limit"},
      {"MinDepthNotSet", [](auto& d) { Area(d, 0).set_min_depth_um(0); },
       "protocol.areas[0].min_depth_um", "is not set (0); it must be at least 1 um"},
      {"NegativeMinDepth", [](auto& d) { Area(d, 0).set_min_depth_um(-5); },
       "protocol.areas[0].min_depth_um", "-5 um is less than the 1 um minimum"},
      {"MaxDepthShallowerThanMin", [](auto& d) { Area(d, 0).set_min_depth_um(600); },
       "protocol.areas[0].max_depth_um", "500 um is less than min_depth_um (600 um)"},
      {"OverrideForUnknownIndication",
       [](auto& d) { Area(d, 1).mutable_depth_overrides(0)->set_indication_id("hair"); },
       "protocol.areas[1].depth_overrides[0].indication_id",
       "refers to indication 'hair' which the definition does not declare"},
      {"OverrideWithoutIndication",
       [](auto& d) { Area(d, 1).mutable_depth_overrides(0)->clear_indication_id(); },
       "protocol.areas[1].depth_overrides[0].indication_id", "is required"},
      {"OverrideTooDeep",
       [](auto& d) { Area(d, 1).mutable_depth_overrides(0)->set_max_depth_um(3500); },
       "protocol.areas[1].depth_overrides[0].max_depth_um",
       "3500 um is deeper than the 3000 um limit"},
      {"OverrideShallowerThanAreaMin",
       [](auto& d) { Area(d, 1).mutable_depth_overrides(0)->set_max_depth_um(400); },
       "protocol.areas[1].depth_overrides[0].max_depth_um",
       "400 um is shallower than the area's min_depth_um (500 um)"},
      {"OverrideRepeated",
       [](auto& d) {
         v1::DepthOverride* o = Area(d, 1).add_depth_overrides();
         o->set_indication_id("acne_scars");
         o->set_max_depth_um(1800);
       },
       "protocol.areas[1].depth_overrides[1].indication_id",
       "indication 'acne_scars' already has a depth limit in this area, at depth_overrides[0]"},
      {"PassesNotSet", [](auto& d) { Area(d, 0).set_min_passes(0); },
       "protocol.areas[0].min_passes", "is not set (0); it must be at least 1 pass"},
      {"TooManyPasses", [](auto& d) { Area(d, 0).set_max_passes(21); },
       "protocol.areas[0].max_passes", "21 passes is more than the 20-pass limit"},
      {"MaxPassesBelowMin", [](auto& d) { Area(d, 0).set_min_passes(5); },
       "protocol.areas[0].max_passes", "4 passes is less than min_passes (5 passes)"},
  };
}

std::vector<RuleCase> CourseCases() {
  return {
      {"NoCourse", [](auto& d) { d.mutable_protocol()->clear_course(); }, "protocol.course",
       "is required"},
      {"SessionsNotSet",
       [](auto& d) { d.mutable_protocol()->mutable_course()->set_min_sessions(0); },
       "protocol.course.min_sessions", "is not set (0); it must be at least 1 session"},
      {"TooManySessions",
       [](auto& d) { d.mutable_protocol()->mutable_course()->set_max_sessions(53); },
       "protocol.course.max_sessions", "53 sessions is more than the 52-session limit"},
      {"MaxSessionsBelowMin",
       [](auto& d) { d.mutable_protocol()->mutable_course()->set_max_sessions(2); },
       "protocol.course.max_sessions", "2 sessions is less than min_sessions (3 sessions)"},
      {"IntervalNotSet",
       [](auto& d) { d.mutable_protocol()->mutable_course()->set_min_interval_days(0); },
       "protocol.course.min_interval_days", "is not set (0); it must be at least 1 day"},
      {"IntervalTooLong",
       [](auto& d) { d.mutable_protocol()->mutable_course()->set_max_interval_days(731); },
       "protocol.course.max_interval_days", "731 days is more than the 730-day limit"},
      {"MaxIntervalBelowMin",
       [](auto& d) { d.mutable_protocol()->mutable_course()->set_max_interval_days(14); },
       "protocol.course.max_interval_days", "14 days is less than min_interval_days (28 days)"},
      {"NoDowntime", [](auto& d) { d.mutable_protocol()->clear_downtime(); }, "protocol.downtime",
       "is required"},
      {"NegativeDowntime",
       [](auto& d) { d.mutable_protocol()->mutable_downtime()->set_min_days(-1); },
       "protocol.downtime.min_days", "-1 days must not be negative"},
      {"DowntimeTooLong",
       [](auto& d) { d.mutable_protocol()->mutable_downtime()->set_max_days(91); },
       "protocol.downtime.max_days", "91 days is more than the 90-day limit"},
      {"AftercareWithoutId",
       [](auto& d) { d.mutable_protocol()->mutable_aftercare(0)->clear_id(); },
       "protocol.aftercare[0].id", "is required"},
      {"DuplicateAftercare",
       [](auto& d) { d.mutable_protocol()->mutable_aftercare(2)->set_id("no_makeup"); },
       "protocol.aftercare[2].id", "\"no_makeup\" duplicates the id of protocol.aftercare[0]"},
      {"AftercareWithoutText",
       [](auto& d) { d.mutable_protocol()->mutable_aftercare(0)->set_text(" "); },
       "protocol.aftercare[0].text", "is required"},
      {"NegativeAftercareHours",
       [](auto& d) { d.mutable_protocol()->mutable_aftercare(0)->set_duration_hours(-1); },
       "protocol.aftercare[0].duration_hours", "-1 hours must not be negative (0 means no end)"},
  };
}

std::vector<RuleCase> PainCases() {
  return {
      {"AnaestheticWithoutAgent", [](auto& d) { d.mutable_pain_management()->clear_agent(); },
       "pain_management.agent", "is required when topical_anaesthetic is true"},
      {"ApplicationTimeNotSet",
       [](auto& d) { d.mutable_pain_management()->set_min_application_minutes(0); },
       "pain_management.min_application_minutes", "is not set (0); it must be at least 1 minute"},
      {"ApplicationTooLong",
       [](auto& d) { d.mutable_pain_management()->set_max_application_minutes(300); },
       "pain_management.max_application_minutes", "300 minutes is more than the 240-minute limit"},
      {"ApplicationMaxBelowMin",
       [](auto& d) { d.mutable_pain_management()->set_min_application_minutes(50); },
       "pain_management.max_application_minutes",
       "45 minutes is less than min_application_minutes (50 minutes)"},
      {"MinutesWithoutAnaesthetic",
       [](auto& d) { d.mutable_pain_management()->set_topical_anaesthetic(false); },
       "pain_management.topical_anaesthetic", "is false, yet application minutes are set"},
  };
}

std::vector<RuleCase> CartridgeCases() {
  return {
      {"NoCartridges", [](auto& d) { d.clear_cartridges(); }, "cartridges",
       "at least one cartridge requirement is required"},
      {"CartridgeWithoutId", [](auto& d) { d.mutable_cartridges(0)->clear_id(); },
       "cartridges[0].id", "is required"},
      {"DuplicateCartridge", [](auto& d) { d.mutable_cartridges(1)->set_id("face_36"); },
       "cartridges[1].id", "\"face_36\" duplicates the id of cartridges[0]"},
      {"CartridgeWithoutName", [](auto& d) { d.mutable_cartridges(0)->clear_display_name(); },
       "cartridges[0].display_name", "is required"},
      {"NoNeedleConfiguration",
       [](auto& d) { d.mutable_cartridges(0)->clear_needle_configurations(); },
       "cartridges[0].needles", "at least one needle configuration is required"},
      {"NeedleCountWithLeadingZero",
       [](auto& d) { d.mutable_cartridges(0)->set_needle_configurations(0, "036"); },
       "cartridges[0].needle_configurations[0]",
       "\"036\" must be a needle count from \"1\" to \"100\""},
      {"NeedleCountTooHigh",
       [](auto& d) { d.mutable_cartridges(0)->set_needle_configurations(0, "101"); },
       "cartridges[0].needle_configurations[0]", "must be a needle count"},
      {"NeedleCountZero",
       [](auto& d) { d.mutable_cartridges(0)->set_needle_configurations(0, "0"); },
       "cartridges[0].needle_configurations[0]", "must be a needle count"},
      {"NeedleConfigurationWord",
       [](auto& d) { d.mutable_cartridges(0)->set_needle_configurations(1, "Nano"); },
       "cartridges[0].needle_configurations[1]", "or \"nano\""},
      {"NeedleConfigurationRepeated",
       [](auto& d) { d.mutable_cartridges(0)->set_needle_configurations(1, "36"); },
       "cartridges[0].needle_configurations[1]",
       "\"36\" is already listed at needle_configurations[0]"},
      {"CartridgeTooShortForOverride",
       [](auto& d) { d.mutable_cartridges(0)->set_min_needle_length_um(1500); },
       "cartridges[0].min_needle_length_um",
       "1500 um cannot reach the 2000 um that area 'cheeks' allows for indication 'acne_scars' "
       "(a cartridge without area_ids covers every area)"},
      {"CartridgeTooShortForItsArea",
       [](auto& d) { d.mutable_cartridges(1)->set_min_needle_length_um(400); },
       "cartridges[1].min_needle_length_um",
       "400 um cannot reach the 500 um that area 'forehead' allows"},
      {"CartridgeTooShortForAreaAddedToIt",
       [](auto& d) { d.mutable_cartridges(1)->add_area_ids("neck"); },
       "cartridges[1].min_needle_length_um",
       "500 um cannot reach the 1000 um that area 'neck' allows"},
      {"NeedleLengthNotSet", [](auto& d) { d.mutable_cartridges(1)->set_min_needle_length_um(0); },
       "cartridges[1].min_needle_length_um", "is not set (0); it must be at least 1 um"},
      {"NeedleLengthTooLong",
       [](auto& d) { d.mutable_cartridges(0)->set_min_needle_length_um(3500); },
       "cartridges[0].min_needle_length_um", "3500 um is longer than the 3000 um limit"},
      {"CartridgeForUnknownArea",
       [](auto& d) { d.mutable_cartridges(1)->set_area_ids(0, "scalp"); },
       "cartridges[1].area_ids[0]", "refers to area 'scalp' which the protocol does not declare"},
      {"CartridgeAreaListedTwice",
       [](auto& d) { d.mutable_cartridges(1)->add_area_ids("forehead"); },
       "cartridges[1].area_ids[1]", "area 'forehead' is already listed at area_ids[0]"},
      {"CartridgeEmptyAreaId", [](auto& d) { d.mutable_cartridges(1)->set_area_ids(0, ""); },
       "cartridges[1].area_ids[0]", "is empty"},
      {"QuantityNotSet", [](auto& d) { d.mutable_cartridges(0)->set_quantity_per_session(0); },
       "cartridges[0].quantity_per_session", "is not set (0); it must be at least 1"},
      {"NegativeQuantity", [](auto& d) { d.mutable_cartridges(0)->set_quantity_per_session(-2); },
       "cartridges[0].quantity_per_session", "-2 must be at least 1"},
  };
}

// Typed needle configurations, and the older text form beside them.
std::vector<RuleCase> NeedleCases() {
  auto needles = [](TreatmentDefinition& d, int j) -> v1::NeedleConfiguration& {
    return *d.mutable_cartridges(1)->mutable_needles(j);
  };
  return {
      {"NoNeedles", [](auto& d) { d.mutable_cartridges(1)->clear_needles(); },
       "cartridges[1].needles",
       "at least one needle configuration is required, e.g. { needle_count: 36 } or "
       "{ nano: true }"},
      {"NeedlesEntryEmpty", [](auto& d) { d.mutable_cartridges(1)->add_needles(); },
       "cartridges[1].needles[1]", "sets neither needle_count nor nano"},
      {"NeedlesEntryCountAndNano", [=](auto& d) { needles(d, 0).set_nano(true); },
       "cartridges[1].needles[0]",
       "sets both needle_count (12) and nano; a nano cartridge has no needles"},
      {"TypedNeedleCountTooHigh", [=](auto& d) { needles(d, 0).set_needle_count(201); },
       "cartridges[1].needles[0].needle_count", "201 needles is more than the 200-needle limit"},
      {"NeedleCountNegative", [=](auto& d) { needles(d, 0).set_needle_count(-1); },
       "cartridges[1].needles[0].needle_count", "-1 needles is less than the 1-needle minimum"},
      {"NeedleCountListedTwice",
       [](auto& d) { d.mutable_cartridges(1)->add_needles()->set_needle_count(12); },
       "cartridges[1].needles[1]", "12 needles is already listed at needles[0]"},
      {"NanoListedTwice",
       [](auto& d) {
         d.mutable_cartridges(1)->add_needles()->set_nano(true);
         d.mutable_cartridges(1)->add_needles()->set_nano(true);
       },
       "cartridges[1].needles[2]", "nano is already listed at needles[1]"},
      {"OlderFormBesideNeedles",
       [](auto& d) { d.mutable_cartridges(0)->add_needles()->set_needle_count(42); },
       "cartridges[0].needle_configurations",
       "is the older form of needles, and this cartridge declares needles too"},
  };
}

std::vector<RuleCase> ConsumableCases() {
  auto kit = [](TreatmentDefinition& d) -> v1::ConsumableRequirement& {
    return *d.mutable_consumables(0);
  };
  return {
      {"ConsumableWithoutId", [=](auto& d) { kit(d).clear_id(); }, "consumables[0].id",
       "is required"},
      {"MalformedConsumableId", [=](auto& d) { kit(d).set_id("PRP-Kit"); }, "consumables[0].id",
       "\"PRP-Kit\" must be 2 to 63 lowercase letters"},
      {"ConsumableIdOfACartridge", [=](auto& d) { kit(d).set_id("forehead_12"); },
       "consumables[0].id", "\"forehead_12\" duplicates the id of cartridges[1]"},
      {"DuplicateConsumable", [](auto& d) { d.mutable_consumables(1)->set_id("prp_kit"); },
       "consumables[1].id", "\"prp_kit\" duplicates the id of consumables[0]"},
      {"ConsumableWithoutName", [=](auto& d) { kit(d).set_display_name("  "); },
       "consumables[0].display_name", "is required"},
      {"ConsumableNameTooLong", [=](auto& d) { kit(d).set_display_name(std::string(201, 'k')); },
       "consumables[0].display_name", "is 201 characters long; the limit is 200"},
      {"ConsumableWithoutKind", [=](auto& d) { kit(d).clear_kind(); }, "consumables[0].kind",
       "is required, e.g. CONSUMABLE_KIND_PRP_KIT"},
      {"ConsumableThatIsACartridge",
       [=](auto& d) { kit(d).set_kind(v1::CONSUMABLE_KIND_NEEDLE_CARTRIDGE); },
       "consumables[0].kind",
       "cannot be CONSUMABLE_KIND_NEEDLE_CARTRIDGE: declare cartridges in cartridges"},
      {"UnknownConsumableKind",
       [=](auto& d) { kit(d).set_kind(static_cast<v1::ConsumableKind>(42)); },
       "consumables[0].kind", "42 is not a consumable kind this host knows"},
      {"ConsumableWithoutCategory", [=](auto& d) { kit(d).clear_category(); },
       "consumables[0].category",
       "is required: the category of the products that fit, e.g. \"lidocaine_cream\""},
      {"MalformedCategory", [=](auto& d) { kit(d).set_category("PRP kit"); },
       "consumables[0].category", "\"PRP kit\" must be 2 to 63 lowercase letters"},
      {"ConsumableQuantityNotSet", [=](auto& d) { kit(d).set_quantity_per_session(0); },
       "consumables[0].quantity_per_session", "is not set (0); it must be at least 1 unit"},
      {"ConsumableQuantityNegative", [=](auto& d) { kit(d).set_quantity_per_session(-2); },
       "consumables[0].quantity_per_session", "-2 units is less than the 1-unit minimum"},
      {"ConsumableQuantityTooHigh", [=](auto& d) { kit(d).set_quantity_per_session(101); },
       "consumables[0].quantity_per_session", "101 units is more than the 100-unit limit"},
      {"ConsumableForUnknownArea", [=](auto& d) { kit(d).set_area_ids(0, "scalp"); },
       "consumables[0].area_ids[0]", "refers to area 'scalp' which the protocol does not declare"},
      {"ConsumableAreaListedTwice", [=](auto& d) { kit(d).add_area_ids("cheeks"); },
       "consumables[0].area_ids[1]", "area 'cheeks' is already listed at area_ids[0]"},
      {"ConsumableEmptyAreaId", [=](auto& d) { kit(d).set_area_ids(0, ""); },
       "consumables[0].area_ids[0]", "is empty; name an area of the protocol"},
  };
}

std::vector<RuleCase> QuestionCases() {
  return {
      {"NoQuestions",
       [](auto& d) {
         d.clear_screening_questions();
         d.clear_contraindications();
         v1::ContraindicationRule* rule = d.add_contraindications();
         rule->set_id("infection");
         rule->set_display_name("Infection");
         rule->set_severity(v1::SEVERITY_ABSOLUTE);
         rule->set_rationale("Spreads.");
         rule->mutable_condition()->mutable_fact()->set_fact(v1::ACTIVE_SKIN_INFECTION);
         rule->mutable_condition()->mutable_fact()->set_present(true);
       },
       "screening_questions", "at least one screening question is required"},
      {"QuestionWithoutId", [](auto& d) { Question(d, 4).clear_id(); }, "screening_questions[4].id",
       "is required"},
      {"MalformedQuestionId", [](auto& d) { Question(d, 4).set_id("notes?"); },
       "screening_questions[4].id", "\"notes?\" must be 2 to 63"},
      {"DuplicateQuestion", [](auto& d) { Question(d, 4).set_id("active_infection"); },
       "screening_questions[4].id",
       "\"active_infection\" duplicates the id of screening_questions[0]"},
      {"QuestionWithoutText", [](auto& d) { Question(d, 0).clear_text(); },
       "screening_questions[0].text", "is required"},
      {"QuestionWithoutAnswerType", [](auto& d) { Question(d, 4).clear_answer_type(); },
       "screening_questions[4].answer_type", "is required"},
      {"UnknownAnswerType",
       [](auto& d) { Question(d, 4).set_answer_type(static_cast<v1::AnswerType>(42)); },
       "screening_questions[4].answer_type", "42 is not an answer type this host knows"},
      {"ChoiceWithOneOption",
       [](auto& d) {
         Question(d, 2).mutable_options()->DeleteSubrange(2, 1);
         Question(d, 2).mutable_options()->DeleteSubrange(0, 1);
       },
       "screening_questions[2].options", "a choice question needs at least two options; it has 1"},
      {"OptionWithoutId", [](auto& d) { Question(d, 2).mutable_options(2)->clear_id(); },
       "screening_questions[2].options[2].id", "is required"},
      {"MalformedOptionId",
       [](auto& d) { Question(d, 2).mutable_options(2)->set_id("Breast-feeding"); },
       "screening_questions[2].options[2].id", "must be 2 to 63"},
      {"DuplicateOption", [](auto& d) { Question(d, 2).mutable_options(2)->set_id("none"); },
       "screening_questions[2].options[2].id",
       "\"none\" duplicates the id of screening_questions[2].options[0]"},
      {"OptionWithoutLabel", [](auto& d) { Question(d, 2).mutable_options(1)->clear_label(); },
       "screening_questions[2].options[1].label", "is required"},
      {"OptionsOnYesNoQuestion",
       [](auto& d) {
         v1::ChoiceOption* option = Question(d, 0).add_options();
         option->set_id("maybe");
         option->set_label("Maybe");
       },
       "screening_questions[0].options",
       "only choice questions have options; this one is ANSWER_TYPE_YES_NO"},
      {"NumberBoundsOnYesNoQuestion", [](auto& d) { Question(d, 0).mutable_number_bounds(); },
       "screening_questions[0].number_bounds",
       "only number questions have number_bounds; this one is ANSWER_TYPE_YES_NO"},
      {"NumberBoundsReversed", [](auto& d) { Question(d, 3).mutable_number_bounds()->set_max(1); },
       "screening_questions[3].number_bounds.max", "1 is less than number_bounds.min (3)"},
      {"InfiniteNumberBound",
       [](auto& d) {
         Question(d, 3).mutable_number_bounds()->set_min(-std::numeric_limits<double>::infinity());
       },
       "screening_questions[3].number_bounds.min", "must be a finite number"},
      {"NanNumberBound",
       [](auto& d) { Question(d, 3).mutable_number_bounds()->set_max(std::nan("")); },
       "screening_questions[3].number_bounds.max", "must be a finite number"},
  };
}

std::vector<RuleCase> AnswerOptionCases() {
  return {
      {"UnknownAllowedOnTextQuestion", [](auto& d) { Question(d, 4).set_unknown_allowed(true); },
       "screening_questions[4].unknown_allowed",
       "cannot be set on a text question (ANSWER_TYPE_TEXT)"},
      {"NeverLabelOnYesNoQuestion",
       [](auto& d) { Question(d, 0).set_never_label("Never had one"); },
       "screening_questions[0].never_label",
       "only date questions have never_label; this one is ANSWER_TYPE_YES_NO"},
      {"NeverLabelOnNumberQuestion",
       [](auto& d) { Question(d, 3).set_never_label("Never tested"); },
       "screening_questions[3].never_label",
       "only date questions have never_label; this one is ANSWER_TYPE_NUMBER"},
      {"BlankNeverLabel", [](auto& d) { Question(d, 1).set_never_label(" \t"); },
       "screening_questions[1].never_label", "is blank; write the label of the \"never\" answer"},
      {"NeverLabelTooLong", [](auto& d) { Question(d, 1).set_never_label(std::string(81, 'x')); },
       "screening_questions[1].never_label", "is 81 characters long; the limit is 80"},
      {"PerAreaOnNumberQuestion", [](auto& d) { Question(d, 3).set_per_area(true); },
       "screening_questions[3].per_area",
       "only yes/no questions can be answered per area; this one is ANSWER_TYPE_NUMBER"},
      {"PerAreaOnDateQuestion", [](auto& d) { Question(d, 1).set_per_area(true); },
       "screening_questions[1].per_area", "this one is ANSWER_TYPE_DATE"},
  };
}

std::vector<RuleCase> ContraindicationCases() {
  return {
      {"NoContraindications", [](auto& d) { d.clear_contraindications(); }, "contraindications",
       "at least one contraindication rule is required"},
      {"RuleWithoutId", [](auto& d) { d.mutable_contraindications(0)->clear_id(); },
       "contraindications[0].id", "is required"},
      {"DuplicateRule", [](auto& d) { d.mutable_contraindications(3)->set_id("infection"); },
       "contraindications[3].id", "\"infection\" duplicates the id of contraindications[0]"},
      {"RuleWithoutName", [](auto& d) { d.mutable_contraindications(0)->clear_display_name(); },
       "contraindications[0].display_name", "is required"},
      {"RuleWithoutSeverity", [](auto& d) { d.mutable_contraindications(0)->clear_severity(); },
       "contraindications[0].severity", "is required: SEVERITY_ABSOLUTE or SEVERITY_RELATIVE"},
      {"UnknownSeverity",
       [](auto& d) { d.mutable_contraindications(0)->set_severity(static_cast<v1::Severity>(9)); },
       "contraindications[0].severity", "9 is not a severity this host knows"},
      {"RuleWithoutRationale", [](auto& d) { d.mutable_contraindications(0)->clear_rationale(); },
       "contraindications[0].rationale", "is required: a clinician must be able to read why"},
      {"RuleWithoutCondition", [](auto& d) { d.mutable_contraindications(0)->clear_condition(); },
       "contraindications[0].condition", "is required"},
      {"ConditionWithoutTest", [](auto& d) { RuleCondition(d, 2).clear_answer(); },
       "contraindications[2].condition",
       "sets no test; set one of answer, fact, all_of, any_of, none_of, client or area"},
      {"EmptyAnyOf", [](auto& d) { RuleCondition(d, 0).mutable_any_of()->clear_conditions(); },
       "contraindications[0].condition.any_of.conditions", "any_of needs at least one condition"},
      {"EmptyAllOf", [](auto& d) { RuleCondition(d, 3).mutable_all_of()->clear_conditions(); },
       "contraindications[3].condition.all_of.conditions", "all_of needs at least one condition"},
      {"EmptyNestedNoneOf", [](auto& d) { Nested(d, 3, 1).mutable_none_of()->clear_conditions(); },
       "contraindications[3].condition.all_of.conditions[1].none_of.conditions",
       "none_of needs at least one condition"},
  };
}

std::vector<RuleCase> ActionCases() {
  return {
      {"CapDepthNotSet", [](auto& d) { Action(d, 6).mutable_cap_depth()->clear_max_depth_um(); },
       "contraindications[6].action.cap_depth.max_depth_um",
       "is not set (0); it must be at least 1 um"},
      {"CapDepthNegative", [](auto& d) { Action(d, 6).mutable_cap_depth()->set_max_depth_um(-5); },
       "contraindications[6].action.cap_depth.max_depth_um", "-5 um is less than the 1 um minimum"},
      {"CapDepthAtTheDeepestDepth",
       [](auto& d) { Action(d, 6).mutable_cap_depth()->set_max_depth_um(2000); },
       "contraindications[6].action.cap_depth.max_depth_um",
       "2000 um caps nothing: no area goes deeper than 2000 um (area 'cheeks' for indication "
       "'acne_scars')"},
      {"CapDepthBeyondTheNeedleLimit",
       [](auto& d) { Action(d, 10).mutable_cap_depth()->set_max_depth_um(5000); },
       "contraindications[10].action.cap_depth.max_depth_um",
       "5000 um caps nothing: no area goes deeper than 2000 um"},
      {"CapDepthAtAnAreasOwnMaximum",
       [](auto& d) {
         Area(d, 1).clear_depth_overrides();
         Action(d, 6).mutable_cap_depth()->set_max_depth_um(1500);
       },
       "contraindications[6].action.cap_depth.max_depth_um",
       "1500 um caps nothing: no area goes deeper than 1500 um (area 'cheeks'); set a shallower "
       "depth"},
      {"SignOffOnAbsoluteRule",
       [](auto& d) { d.mutable_contraindications(7)->set_severity(v1::SEVERITY_ABSOLUTE); },
       "contraindications[7].action.require_sign_off",
       "an absolute rule cannot be signed off: it refuses whatever a clinician records; make the "
       "rule SEVERITY_RELATIVE"},
      {"SignOffWithoutDescription",
       [](auto& d) { Action(d, 7).mutable_require_sign_off()->clear_description(); },
       "contraindications[7].action.require_sign_off.description",
       "is required: what the clinician must obtain"},
      {"SignOffBlankDescription",
       [](auto& d) { Action(d, 7).mutable_require_sign_off()->set_description("  "); },
       "contraindications[7].action.require_sign_off.description", "is required"},
      {"SignOffDescriptionTooLong",
       [](auto& d) {
         Action(d, 7).mutable_require_sign_off()->set_description(std::string(201, 'x'));
       },
       "contraindications[7].action.require_sign_off.description",
       "is 201 characters long; the limit is 200"},
      {"AbsoluteExcludeOnConditionOfTheWholeClient",
       [](auto& d) { Action(d, 0).mutable_exclude_areas(); },
       "contraindications[0].action.exclude_areas",
       "would exclude every planned area: the condition does not depend on the area"},
      {"AbsoluteExcludeOnClientTest", [](auto& d) { Action(d, 9).mutable_exclude_areas(); },
       "contraindications[9].action.exclude_areas", "use refuse_treatment, or add an area test"},
      {"AbsoluteExcludeOnQuestionNotAnsweredPerArea",
       [](auto& d) { Question(d, 5).set_per_area(false); },
       "contraindications[5].action.exclude_areas", "would exclude every planned area"},
      {"AbsoluteExcludeOnWhetherAPerAreaQuestionWasAnswered",
       [](auto& d) { RuleCondition(d, 5).mutable_answer()->set_answered(true); },
       "contraindications[5].action.exclude_areas", "would exclude every planned area"},
      {"AbsoluteExcludeOnFactAnywhereOnTheBody",
       [](auto& d) { RuleCondition(d, 8).mutable_fact()->clear_in_treated_region(); },
       "contraindications[8].action.exclude_areas", "would exclude every planned area"},
  };
}

std::vector<RuleCase> ClientTestCases() {
  return {
      {"ClientTestWithoutComparison", [](auto& d) { Nested(d, 10, 0).mutable_client()->Clear(); },
       "contraindications[10].condition.all_of.conditions[0].client",
       "sets no comparison; set one of age_under_years, age_at_least_years or fitzpatrick_one_of"},
      {"AgeUnderZero",
       [](auto& d) { RuleCondition(d, 9).mutable_client()->set_age_under_years(0); },
       "contraindications[9].condition.client.age_under_years",
       "0 years is less than the 1-year minimum"},
      {"NegativeAge",
       [](auto& d) { RuleCondition(d, 9).mutable_client()->set_age_at_least_years(-3); },
       "contraindications[9].condition.client.age_at_least_years",
       "-3 years is less than the 1-year minimum"},
      {"AgeBeyondAnyClient",
       [](auto& d) { Nested(d, 10, 2).mutable_client()->set_age_at_least_years(131); },
       "contraindications[10].condition.all_of.conditions[2].client.age_at_least_years",
       "131 years is more than the 130-year limit"},
      {"NoFitzpatrickType", [](auto& d) { SkinRuleTypes(d).clear_types(); },
       "contraindications[10].condition.all_of.conditions[0].client.fitzpatrick_one_of.types",
       "at least one Fitzpatrick type is required"},
      {"UnspecifiedFitzpatrickType",
       [](auto& d) { SkinRuleTypes(d).add_types(v1::FITZPATRICK_TYPE_UNSPECIFIED); },
       "contraindications[10].condition.all_of.conditions[0].client.fitzpatrick_one_of.types[2]",
       "is FITZPATRICK_TYPE_UNSPECIFIED; list types I to VI only"},
      {"UnknownFitzpatrickType",
       [](auto& d) { SkinRuleTypes(d).add_types(static_cast<v1::FitzpatrickType>(9)); },
       "contraindications[10].condition.all_of.conditions[0].client.fitzpatrick_one_of.types[2]",
       "9 is not a Fitzpatrick type this host knows"},
      {"FitzpatrickTypeListedTwice",
       [](auto& d) { SkinRuleTypes(d).add_types(v1::FITZPATRICK_TYPE_V); },
       "contraindications[10].condition.all_of.conditions[0].client.fitzpatrick_one_of.types[2]",
       "FITZPATRICK_TYPE_V is already listed at types[0]"},
  };
}

std::vector<RuleCase> AreaTestCases() {
  return {
      {"AreaTestNamesNothing", [](auto& d) { SkinRuleArea(d).Clear(); },
       "contraindications[10].condition.all_of.conditions[1].area",
       "names no area; list area ids of the protocol or regions"},
      {"AreaTestUnknownArea", [](auto& d) { SkinRuleArea(d).set_area_ids(0, "scalp"); },
       "contraindications[10].condition.all_of.conditions[1].area.area_ids[0]",
       "refers to area 'scalp' which the protocol does not declare"},
      {"AreaTestEmptyAreaId", [](auto& d) { SkinRuleArea(d).set_area_ids(0, ""); },
       "contraindications[10].condition.all_of.conditions[1].area.area_ids[0]",
       "is empty; name an area of the protocol"},
      {"AreaTestAreaListedTwice", [](auto& d) { SkinRuleArea(d).add_area_ids("forehead"); },
       "contraindications[10].condition.all_of.conditions[1].area.area_ids[1]",
       "area 'forehead' is already listed at area_ids[0]"},
      {"AreaTestUnspecifiedRegion",
       [](auto& d) { SkinRuleArea(d).add_regions(v1::BODY_REGION_UNSPECIFIED); },
       "contraindications[10].condition.all_of.conditions[1].area.regions[1]",
       "is BODY_REGION_UNSPECIFIED; name a region, e.g. BODY_REGION_FACE"},
      {"AreaTestUnknownRegion",
       [](auto& d) { SkinRuleArea(d).add_regions(static_cast<v1::BodyRegion>(77)); },
       "contraindications[10].condition.all_of.conditions[1].area.regions[1]",
       "77 is not a body region this host knows"},
      {"AreaTestRegionListedTwice",
       [](auto& d) { SkinRuleArea(d).add_regions(v1::BODY_REGION_NECK); },
       "contraindications[10].condition.all_of.conditions[1].area.regions[1]",
       "BODY_REGION_NECK is already listed at regions[0]"},
      // The area test's own mistake is reported; the exclusion it scoped is
      // not blamed as well.
      {"BrokenAreaTestOfAnAbsoluteExclusion",
       [](auto& d) {
         Action(d, 10).mutable_exclude_areas();
         SkinRuleArea(d).Clear();
       },
       "contraindications[10].condition.all_of.conditions[1].area", "names no area"},
  };
}

std::vector<RuleCase> AnswerTestCases() {
  return {
      {"UnknownQuestion",
       [](auto& d) {
         Nested(d, 0, 1).mutable_answer()->set_question_id("pregnant_or_breastfeeding");
       },
       "contraindications[0].condition.any_of.conditions[1].answer.question_id",
       "refers to question 'pregnant_or_breastfeeding' which the definition does not declare"},
      {"AnswerWithoutQuestion",
       [](auto& d) { Nested(d, 0, 1).mutable_answer()->clear_question_id(); },
       "contraindications[0].condition.any_of.conditions[1].answer.question_id", "is required"},
      {"EqualsOnDateQuestion", [](auto& d) { IsotretinoinAnswer(d).set_equals(true); },
       "contraindications[1].condition.any_of.conditions[0].answer.equals",
       "cannot test question 'last_isotretinoin', which is a date question (ANSWER_TYPE_DATE); "
       "equals needs a yes/no question (ANSWER_TYPE_YES_NO)"},
      {"WithinLastOnYesNoQuestion",
       [](auto& d) {
         Nested(d, 0, 1).mutable_answer()->mutable_within_last()->set_seconds(180 * kDay);
       },
       "contraindications[0].condition.any_of.conditions[1].answer.within_last",
       "within_last needs a date question"},
      {"OneOfOnNumberQuestion",
       [](auto& d) { Nested(d, 3, 0).mutable_answer()->mutable_one_of()->add_option_ids("high"); },
       "contraindications[3].condition.all_of.conditions[0].answer.one_of",
       "one_of needs a choice question"},
      {"AtLeastOnChoiceQuestion",
       [](auto& d) { RuleCondition(d, 2).mutable_answer()->set_at_least(1); },
       "contraindications[2].condition.answer.at_least", "at_least needs a number question"},
      {"AtMostOnDateQuestion", [](auto& d) { IsotretinoinAnswer(d).set_at_most(1); },
       "contraindications[1].condition.any_of.conditions[0].answer.at_most",
       "at_most needs a number question"},
      {"TextQuestionTested",
       [](auto& d) {
         v1::AnswerTest* answer = RuleCondition(d, 2).mutable_answer();
         answer->set_question_id("notes");
         answer->set_equals(true);
       },
       "contraindications[2].condition.answer.question_id", "rules cannot test free text"},
      {"OneOfWithoutOptions",
       [](auto& d) { RuleCondition(d, 2).mutable_answer()->mutable_one_of()->clear_option_ids(); },
       "contraindications[2].condition.answer.one_of.option_ids",
       "at least one option id is required"},
      {"OneOfUnknownOption",
       [](auto& d) {
         RuleCondition(d, 2).mutable_answer()->mutable_one_of()->add_option_ids("twins");
       },
       "contraindications[2].condition.answer.one_of.option_ids[1]",
       "refers to option 'twins' which question 'pregnancy' does not offer"},
      {"OneOfOptionRepeated",
       [](auto& d) {
         RuleCondition(d, 2).mutable_answer()->mutable_one_of()->add_option_ids("pregnant");
       },
       "contraindications[2].condition.answer.one_of.option_ids[1]",
       "option 'pregnant' is already listed at option_ids[0]"},
      {"AnswerWithoutComparison",
       [](auto& d) { RuleCondition(d, 2).mutable_answer()->clear_one_of(); },
       "contraindications[2].condition.answer", "sets no comparison"},
      {"ThresholdOutsideBounds",
       [](auto& d) { Nested(d, 3, 0).mutable_answer()->set_at_least(80); },
       "contraindications[3].condition.all_of.conditions[0].answer.at_least",
       "80 is outside the range question 'hba1c' accepts (3 to 20 \"%\")"},
      {"InfiniteThreshold",
       [](auto& d) {
         Nested(d, 3, 0).mutable_answer()->set_at_least(std::numeric_limits<double>::infinity());
       },
       "contraindications[3].condition.all_of.conditions[0].answer.at_least",
       "must be a finite number"},
      {"NegativeWithinLast",
       [](auto& d) { IsotretinoinAnswer(d).mutable_within_last()->set_seconds(-5); },
       "contraindications[1].condition.any_of.conditions[0].answer.within_last",
       "must be positive"},
      {"ZeroWithinLast", [](auto& d) { IsotretinoinAnswer(d).mutable_within_last()->Clear(); },
       "contraindications[1].condition.any_of.conditions[0].answer.within_last",
       "must be positive"},
      {"WithinLastBeyondTwentyYears",
       [](auto& d) { IsotretinoinAnswer(d).mutable_within_last()->set_seconds(7306 * kDay); },
       "contraindications[1].condition.any_of.conditions[0].answer.within_last",
       "7306 days is longer than the 20-year limit (7305 days)"},
      {"WithinLastNanosOutOfRange",
       [](auto& d) { IsotretinoinAnswer(d).mutable_within_last()->set_nanos(1000000000); },
       "contraindications[1].condition.any_of.conditions[0].answer.within_last",
       "is not a valid duration: nanos must lie between -999999999 and 999999999"},
      {"WithinLastMixedSigns",
       [](auto& d) { IsotretinoinAnswer(d).mutable_within_last()->set_nanos(-1); },
       "contraindications[1].condition.any_of.conditions[0].answer.within_last",
       "seconds and nanos must have the same sign"},
      {"GreaterThanOnChoiceQuestion",
       [](auto& d) { RuleCondition(d, 2).mutable_answer()->set_greater_than(1); },
       "contraindications[2].condition.answer.greater_than",
       "cannot test question 'pregnancy', which is a choice question (ANSWER_TYPE_CHOICE); "
       "greater_than needs a number question (ANSWER_TYPE_NUMBER)"},
      {"LessThanOnDateQuestion", [](auto& d) { IsotretinoinAnswer(d).set_less_than(1); },
       "contraindications[1].condition.any_of.conditions[0].answer.less_than",
       "less_than needs a number question"},
      {"GreaterThanOutsideBounds",
       [](auto& d) { Nested(d, 11, 1).mutable_answer()->set_greater_than(25); },
       "contraindications[11].condition.any_of.conditions[1].answer.greater_than",
       "25 is outside the range question 'hba1c' accepts (3 to 20 \"%\")"},
      {"LessThanOutsideBounds",
       [](auto& d) { Nested(d, 11, 2).mutable_answer()->set_less_than(-1); },
       "contraindications[11].condition.any_of.conditions[2].answer.less_than",
       "-1 is outside the range question 'hba1c' accepts"},
      {"NanLessThan",
       [](auto& d) { Nested(d, 11, 2).mutable_answer()->set_less_than(std::nan("")); },
       "contraindications[11].condition.any_of.conditions[2].answer.less_than",
       "must be a finite number"},
      {"InfiniteGreaterThan",
       [](auto& d) {
         Nested(d, 11, 1).mutable_answer()->set_greater_than(
             -std::numeric_limits<double>::infinity());
       },
       "contraindications[11].condition.any_of.conditions[1].answer.greater_than",
       "must be a finite number"},
      {"AnsweredUnknownWithoutUnknownAllowed",
       [](auto& d) { Question(d, 3).set_unknown_allowed(false); },
       "contraindications[11].condition.any_of.conditions[0].answer.answered_unknown",
       "cannot test question 'hba1c', which does not accept \"I don't know\" (unknown_allowed is "
       "not set), so the test has the same value for every answer"},
      {"NotAnsweredUnknownWithoutUnknownAllowed",
       [](auto& d) { Nested(d, 0, 1).mutable_answer()->set_answered_unknown(false); },
       "contraindications[0].condition.any_of.conditions[1].answer.answered_unknown",
       "cannot test question 'active_infection', which does not accept"},
      {"AnsweredOnTextQuestion",
       [](auto& d) {
         v1::AnswerTest* answer = RuleCondition(d, 2).mutable_answer();
         answer->set_question_id("notes");
         answer->set_answered(true);
       },
       "contraindications[2].condition.answer.question_id", "rules cannot test free text"},
  };
}

std::vector<RuleCase> FactTestCases() {
  return {
      {"UnknownFact",
       [](auto& d) { Nested(d, 0, 0).mutable_fact()->set_fact(static_cast<v1::MedicalFact>(999)); },
       "contraindications[0].condition.any_of.conditions[0].fact.fact",
       "999 is not a medical fact this host knows"},
      {"FactNumberInAGap",
       [](auto& d) { Nested(d, 0, 0).mutable_fact()->set_fact(static_cast<v1::MedicalFact>(12)); },
       "contraindications[0].condition.any_of.conditions[0].fact.fact",
       "12 is not a medical fact this host knows"},
      {"FactNotSet", [](auto& d) { Nested(d, 0, 0).mutable_fact()->clear_fact(); },
       "contraindications[0].condition.any_of.conditions[0].fact.fact", "is required"},
      {"FactWithoutComparison", [](auto& d) { Nested(d, 0, 0).mutable_fact()->clear_present(); },
       "contraindications[0].condition.any_of.conditions[0].fact",
       "sets no comparison; set present, active_within or started_within"},
      {"ActiveWithinNotPositive",
       [](auto& d) { Nested(d, 1, 1).mutable_fact()->mutable_active_within()->set_seconds(0); },
       "contraindications[1].condition.any_of.conditions[1].fact.active_within",
       "must be positive"},
      {"ActiveWithinBeyondTwentyYears",
       [](auto& d) {
         Nested(d, 1, 1).mutable_fact()->mutable_active_within()->set_seconds(30 * 366 * kDay);
       },
       "contraindications[1].condition.any_of.conditions[1].fact.active_within",
       "is longer than the 20-year limit"},
      {"StartedWithinNotPositive",
       [](auto& d) { Nested(d, 6, 1).mutable_fact()->mutable_started_within()->set_seconds(0); },
       "contraindications[6].condition.any_of.conditions[1].fact.started_within",
       "must be positive"},
      {"StartedWithinNegative",
       [](auto& d) {
         Nested(d, 6, 1).mutable_fact()->mutable_started_within()->set_seconds(-kDay);
       },
       "contraindications[6].condition.any_of.conditions[1].fact.started_within",
       "must be positive"},
      {"StartedWithinBeyondTwentyYears",
       [](auto& d) {
         Nested(d, 6, 1).mutable_fact()->mutable_started_within()->set_seconds(7306 * kDay);
       },
       "contraindications[6].condition.any_of.conditions[1].fact.started_within",
       "7306 days is longer than the 20-year limit (7305 days)"},
      {"StartedWithinInvalidDuration",
       [](auto& d) { Nested(d, 6, 1).mutable_fact()->mutable_started_within()->set_nanos(-1); },
       "contraindications[6].condition.any_of.conditions[1].fact.started_within",
       "is not a valid duration: seconds and nanos must have the same sign"},
      // The exclusion the modifier scoped is not blamed as well.
      {"InTreatedRegionWithoutComparison",
       [](auto& d) { RuleCondition(d, 8).mutable_fact()->clear_active_within(); },
       "contraindications[8].condition.fact",
       "sets in_treated_region but no comparison; in_treated_region only narrows one"},
      {"InTreatedRegionWithPresentFalse",
       [](auto& d) { RuleCondition(d, 8).mutable_fact()->set_present(false); },
       "contraindications[8].condition.fact.in_treated_region",
       "changes nothing with present: false (an absent fact has no regions); for \"not present "
       "in the treated region\" write none_of { conditions { fact { fact: RADIATION_THERAPY "
       "present: true in_treated_region: true } } }"},
  };
}

std::vector<RuleCase> ScreeningValidityCases() {
  auto set = [](int64_t seconds, int32_t nanos) {
    return [seconds, nanos](TreatmentDefinition& d) {
      d.mutable_screening_validity()->set_seconds(seconds);
      d.mutable_screening_validity()->set_nanos(nanos);
    };
  };
  return {
      {"NoScreeningValidity", [](auto& d) { d.clear_screening_validity(); }, "screening_validity",
       "is required"},
      {"ValidityUnderAnHour", set(60, 0), "screening_validity",
       "1 minute is shorter than the 1-hour minimum"},
      {"ValidityJustUnderAnHour", set(3599, 999999999), "screening_validity",
       "3599.999999999s is shorter than the 1-hour minimum"},
      {"ValidityOverAYear", set(400 * kDay, 0), "screening_validity",
       "400 days is longer than the 366-day limit"},
      {"ValidityJustOver366Days", set(366 * kDay, 1), "screening_validity",
       "is longer than the 366-day limit"},
      {"ZeroValidity", set(0, 0), "screening_validity", "must be positive"},
      {"NegativeValidity", set(-3600, 0), "screening_validity", "must be positive"},
      {"ValidityNanosOutOfRange", set(30 * kDay, 1000000000), "screening_validity",
       "is not a valid duration: nanos must lie between"},
      {"ValidityMixedSigns", set(30 * kDay, -5), "screening_validity",
       "is not a valid duration: seconds and nanos must have the same sign"},
      {"ValiditySecondsOutOfRange", set(400000000000, 0), "screening_validity",
       "is not a valid duration: seconds must lie within 10000 years"},
  };
}

std::vector<RuleCase> EveryRule() {
  std::vector<RuleCase> all;
  for (auto group : {IdentityCases, IndicationCases, AreaCases, CourseCases, PainCases,
                     CartridgeCases, NeedleCases, ConsumableCases, QuestionCases, AnswerOptionCases,
                     ContraindicationCases, ActionCases, AnswerTestCases, FactTestCases,
                     ClientTestCases, AreaTestCases, ScreeningValidityCases}) {
    for (RuleCase& c : group()) all.push_back(std::move(c));
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(EveryRule, DefinitionRuleTest, ::testing::ValuesIn(EveryRule()),
                         [](const ::testing::TestParamInfo<RuleCase>& param_info) {
                           return param_info.param.name;
                         });

TEST(DefinitionValidatorTest, AcceptsEveryLimitItself) {
  TreatmentDefinition d = Valid();
  d.set_id(std::string("m") + std::string(62, '0'));
  // 200 characters of two bytes each: the limit counts characters.
  std::string name;
  for (int i = 0; i < 200; ++i) name += "\xc3\xa9";
  d.set_display_name(name);
  Area(d, 0).set_min_depth_um(1);
  Area(d, 0).set_max_depth_um(kMaxNeedleDepthUm);
  Area(d, 0).set_min_passes(1);
  Area(d, 0).set_max_passes(20);
  Area(d, 1).mutable_depth_overrides(0)->set_max_depth_um(Area(d, 1).min_depth_um());
  d.mutable_cartridges(0)->set_min_needle_length_um(kMaxNeedleDepthUm);
  d.mutable_cartridges(1)->set_min_needle_length_um(kMaxNeedleDepthUm);
  d.mutable_cartridges(0)->set_needle_configurations(0, "1");
  d.mutable_cartridges(0)->add_needle_configurations("100");
  d.mutable_cartridges(1)->mutable_needles(0)->set_needle_count(1);
  d.mutable_cartridges(1)->add_needles()->set_needle_count(kMaxNeedleCount);
  d.mutable_consumables(0)->set_quantity_per_session(1);
  d.mutable_consumables(1)->set_quantity_per_session(kMaxConsumableQuantity);
  v1::Course* course = d.mutable_protocol()->mutable_course();
  course->set_min_sessions(1);
  course->set_max_sessions(52);
  course->set_min_interval_days(1);
  course->set_max_interval_days(730);
  d.mutable_protocol()->mutable_downtime()->set_min_days(0);
  d.mutable_protocol()->mutable_downtime()->set_max_days(90);
  d.mutable_pain_management()->set_min_application_minutes(1);
  d.mutable_pain_management()->set_max_application_minutes(240);
  Question(d, 3).mutable_number_bounds()->set_min(8);
  Question(d, 3).mutable_number_bounds()->set_max(8);
  Nested(d, 11, 1).mutable_answer()->set_greater_than(8);
  Nested(d, 11, 2).mutable_answer()->set_less_than(8);
  IsotretinoinAnswer(d).mutable_within_last()->set_seconds(7305 * kDay);
  std::string label;
  for (int i = 0; i < 80; ++i) label += "\xc3\xa9";
  Question(d, 1).set_never_label(label);
  Action(d, 6).mutable_cap_depth()->set_max_depth_um(kMaxNeedleDepthUm - 1);
  Action(d, 10).mutable_cap_depth()->set_max_depth_um(1);
  Action(d, 7).mutable_require_sign_off()->set_description(name);
  RuleCondition(d, 9).mutable_client()->set_age_under_years(1);
  Nested(d, 10, 2).mutable_client()->set_age_at_least_years(130);
  Nested(d, 6, 1).mutable_fact()->mutable_started_within()->set_seconds(7305 * kDay);
  d.mutable_screening_validity()->set_seconds(3600);
  EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty());

  d.mutable_screening_validity()->set_seconds(366 * kDay);
  EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty());
}

// Forms of the new rule language that are legal though they look close to
// the mistakes above.
TEST(DefinitionValidatorTest, AcceptsEveryFormOfTheRuleLanguage) {
  TreatmentDefinition d = Valid();
  // "Not answered" and "not I don't know" are tests in their own right.
  Nested(d, 11, 0).mutable_answer()->set_answered_unknown(false);
  Nested(d, 11, 1).mutable_answer()->set_answered(true);
  // A date question without a "never" answer may still be tested.
  Question(d, 1).clear_never_label();
  // "I don't know" suits every type rules can test, and any question may be
  // asked again on the day.
  for (int i : {0, 1, 2}) Question(d, i).set_unknown_allowed(true);
  for (int i : {1, 2, 3, 4}) Question(d, i).set_day_of_treatment(true);
  // A relative rule may propose excluding every area: a reviewer decides.
  Action(d, 4).mutable_exclude_areas();
  // An absolute exclusion may depend on the area through a negated test.
  Action(d, 0).mutable_exclude_areas();
  v1::Condition& outside_neck = *RuleCondition(d, 0).mutable_any_of()->add_conditions();
  outside_neck.mutable_none_of()->add_conditions()->mutable_area()->add_area_ids("neck");
  // An empty action, and an explicit refusal, are the old behaviour.
  d.mutable_contraindications(1)->mutable_action();
  Action(d, 2).mutable_refuse_treatment();
  // Caps and sign-offs on relative rules, caps on absolute ones.
  Action(d, 3).mutable_cap_depth()->set_max_depth_um(500);
  Action(d, 11).mutable_require_sign_off()->set_description("Letter from the client's GP");
  // A fact test with in_treated_region, nested, and without an action.
  Nested(d, 6, 0).mutable_fact()->set_in_treated_region(true);
  EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty());
}

TEST(DefinitionValidatorTest, TreatmentWithoutAnaestheticNeedsNoAgentOrTimes) {
  TreatmentDefinition d = Valid();
  d.mutable_pain_management()->Clear();
  d.mutable_pain_management()->set_notes("Usually painless.");
  EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty());
  d.clear_pain_management();
  EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty());
}

TEST(DefinitionValidatorTest, ReportsEveryProblemNotJustTheFirst) {
  TreatmentDefinition d = Valid();
  d.set_id("X");
  Area(d, 0).set_max_depth_um(9000);
  d.mutable_cartridges(0)->set_needle_configurations(0, "036");
  Nested(d, 0, 1).mutable_answer()->set_question_id("pregnant_or_breastfeeding");
  Nested(d, 1, 1).mutable_fact()->set_fact(v1::MEDICAL_FACT_UNSPECIFIED);
  d.clear_screening_validity();
  EXPECT_THAT(
      Fields(ValidateTreatmentDefinition(d)),
      ElementsAre("id", "protocol.areas[0].max_depth_um", "cartridges[0].needle_configurations[0]",
                  "contraindications[0].condition.any_of.conditions[1].answer.question_id",
                  "contraindications[1].condition.any_of.conditions[1].fact.fact",
                  "screening_validity"));
}

TEST(DefinitionValidatorTest, ReportsEveryProblemOfAnEmptyDefinition) {
  const std::vector<FieldViolation> violations = ValidateTreatmentDefinition(TreatmentDefinition());
  EXPECT_THAT(Fields(violations),
              ElementsAre("id", "display_name", "version", "indications", "protocol", "cartridges",
                          "screening_questions", "contraindications", "screening_validity"))
      << Describe(violations);
}

TEST(DefinitionValidatorTest, MalformedIdIsReportedWhereDeclaredNotWhereUsed) {
  TreatmentDefinition d = Valid();
  Question(d, 0).set_id("Active-Infection");
  Nested(d, 0, 1).mutable_answer()->set_question_id("Active-Infection");
  d.mutable_indications(0)->set_id("Acne-Scars");
  Area(d, 1).mutable_depth_overrides(0)->set_indication_id("Acne-Scars");
  EXPECT_THAT(Fields(ValidateTreatmentDefinition(d)),
              ElementsAre("indications[0].id", "screening_questions[0].id"));
}

TEST(DefinitionValidatorTest, ReferenceToDuplicatedIdResolvesToTheFirst) {
  TreatmentDefinition d = Valid();
  // A second "hba1c" question of another type: rules keep testing the first.
  v1::ScreeningQuestion* copy = d.add_screening_questions();
  copy->set_id("hba1c");
  copy->set_text("Again?");
  copy->set_answer_type(v1::ANSWER_TYPE_YES_NO);
  EXPECT_THAT(Fields(ValidateTreatmentDefinition(d)), ElementsAre("screening_questions[6].id"));
}

TEST(DefinitionValidatorTest, EscapesAndShortensValuesQuotedInMessages) {
  TreatmentDefinition d = Valid();
  d.set_id("bad\nid\"" + std::string(500, 'x'));
  const std::vector<FieldViolation> violations = ValidateTreatmentDefinition(d);
  ASSERT_EQ(violations.size(), 1u) << Describe(violations);
  EXPECT_THAT(violations[0].description, HasSubstr("\"bad\\nid\\\"xxx"));
  EXPECT_THAT(violations[0].description, HasSubstr("\xE2\x80\xA6\" (507 bytes) must be"));
  EXPECT_LT(violations[0].description.size(), 250u);
}

// Wraps the leaf in `levels - 1` all_of lists, so the leaf sits `levels` deep.
void NestRuleCondition(TreatmentDefinition& d, int levels) {
  v1::Condition* condition = d.mutable_contraindications(4)->mutable_condition();
  condition->Clear();
  for (int i = 1; i < levels; ++i) condition = condition->mutable_all_of()->add_conditions();
  condition->mutable_fact()->set_fact(v1::TOPICAL_ANAESTHETIC_ALLERGY);
  condition->mutable_fact()->set_present(true);
}

TEST(DefinitionValidatorTest, AcceptsConditionsNestedToTheLimit) {
  TreatmentDefinition d = Valid();
  NestRuleCondition(d, kMaxConditionDepth);
  EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty());
}

TEST(DefinitionValidatorTest, RefusesConditionsNestedTooDeeply) {
  for (int levels : {kMaxConditionDepth + 1, kMaxConditionDepth + 40}) {
    TreatmentDefinition d = Valid();
    NestRuleCondition(d, levels);
    std::string too_deep = "contraindications[4].condition";
    for (int i = 1; i < kMaxConditionDepth + 1; ++i) too_deep += ".all_of.conditions[0]";
    const std::vector<FieldViolation> violations = ValidateTreatmentDefinition(d);
    ASSERT_EQ(violations.size(), 1u) << levels << " levels:\n" << Describe(violations);
    EXPECT_EQ(violations[0].field, too_deep);
    EXPECT_THAT(violations[0].description, HasSubstr("nests deeper than 8 levels"));
  }
}

// Whether the condition can single out areas is looked for at every depth.
TEST(DefinitionValidatorTest, AbsoluteExclusionFindsAreaTestsNestedDeeply) {
  TreatmentDefinition d = Valid();
  Action(d, 4).mutable_exclude_areas();
  d.mutable_contraindications(4)->set_severity(v1::SEVERITY_ABSOLUTE);
  EXPECT_THAT(Fields(ValidateTreatmentDefinition(d)),
              ElementsAre("contraindications[4].action.exclude_areas"));
  NestRuleCondition(d, kMaxConditionDepth);
  v1::Condition* leaf = d.mutable_contraindications(4)->mutable_condition();
  while (leaf->has_all_of()) leaf = leaf->mutable_all_of()->mutable_conditions(0);
  leaf->mutable_fact()->set_in_treated_region(true);
  EXPECT_THAT(Describe(ValidateTreatmentDefinition(d)), IsEmpty());
}

}  // namespace
}  // namespace clinic
