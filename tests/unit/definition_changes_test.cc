// What changed between two definition versions, and whether the version
// number says so: each kind of change on the bundled microneedling
// definition with the verdict expected for it, every field of the contract
// noticed when it changes, and the version steps that are and are not
// enough.
#include "common/definition/definition_changes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "tests/testing/plugin_definition.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using v1::TreatmentDefinition;

const TreatmentDefinition& Base() {
  static const auto* definition = new TreatmentDefinition(
      testing::LoadPluginDefinition(testing::BundledPluginPath("microneedling")));
  return *definition;
}

template <typename List>
auto* ById(List* list, const std::string& id) {
  for (int i = 0; i < list->size(); ++i) {
    if (list->Get(i).id() == id) return list->Mutable(i);
  }
  ADD_FAILURE() << "no element " << id;
  return list->Add();
}

v1::TreatmentArea* Area(TreatmentDefinition& d, const std::string& id) {
  return ById(d.mutable_protocol()->mutable_areas(), id);
}
v1::ScreeningQuestion* Question(TreatmentDefinition& d, const std::string& id) {
  return ById(d.mutable_screening_questions(), id);
}
v1::ContraindicationRule* Rule(TreatmentDefinition& d, const std::string& id) {
  return ById(d.mutable_contraindications(), id);
}
v1::CartridgeRequirement* Cartridge(TreatmentDefinition& d, const std::string& id) {
  return ById(d.mutable_cartridges(), id);
}

std::vector<std::string> Lines(const std::vector<DefinitionChange>& changes) {
  std::vector<std::string> lines;
  for (const DefinitionChange& change : changes) {
    lines.push_back(absl::StrCat(ChangeImpactName(change.impact), " ", DescribeChange(change)));
  }
  return lines;
}

struct ChangeCase {
  std::string name;
  std::function<void(TreatmentDefinition&)> change;
  // Every change found, "impact field: description".
  std::vector<std::string> expected;
};

std::ostream& operator<<(std::ostream& os, const ChangeCase& c) { return os << c.name; }

class DefinitionChangeKindsTest : public ::testing::TestWithParam<ChangeCase> {};

TEST_P(DefinitionChangeKindsTest, IsFoundWithItsImpact) {
  TreatmentDefinition after = Base();
  GetParam().change(after);
  EXPECT_EQ(Lines(CompareDefinitions(Base(), after)), GetParam().expected);
}

const ChangeCase kCases[] = {
    {"wording_of_a_rule",
     [](TreatmentDefinition& d) { Rule(d, "pregnancy")->set_guidance("Defer until after."); },
     {"patch contraindications[13] (pregnancy).guidance: reworded"}},
    {"display_name",
     [](TreatmentDefinition& d) { d.set_display_name("Microneedling (CIT)"); },
     {"patch display_name: changed from \"Microneedling (collagen induction therapy)\" to "
      "\"Microneedling (CIT)\""}},
    {"area_removed",
     [](TreatmentDefinition& d) { d.mutable_protocol()->mutable_areas()->DeleteSubrange(4, 1); },
     {"major protocol.areas[4] (upper_lip): area removed"}},
    {"area_added",
     [](TreatmentDefinition& d) {
       v1::TreatmentArea* area = d.mutable_protocol()->add_areas();
       *area = *Area(d, "neck");
       area->set_id("back_of_neck");
     },
     {"minor protocol.areas[11] (back_of_neck): area added"}},
    {"areas_reordered",
     [](TreatmentDefinition& d) { d.mutable_protocol()->mutable_areas()->SwapElements(0, 1); },
     {"patch only the order of listed elements changed"}},
    {"depth_narrowed_at_the_top",
     [](TreatmentDefinition& d) { Area(d, "cheeks")->set_max_depth_um(1200); },
     {"major protocol.areas[3] (cheeks).max_depth_um: lowered from 1500 um to 1200 um: the depth "
      "range is narrower"}},
    {"depth_narrowed_at_the_bottom",
     [](TreatmentDefinition& d) { Area(d, "cheeks")->set_min_depth_um(750); },
     {"major protocol.areas[3] (cheeks).min_depth_um: raised from 500 um to 750 um: the depth "
      "range is narrower"}},
    {"depth_widened",
     [](TreatmentDefinition& d) { Area(d, "cheeks")->set_max_depth_um(1750); },
     {"minor protocol.areas[3] (cheeks).max_depth_um: raised from 1500 um to 1750 um: the depth "
      "range is wider"}},
    {"depth_override_lowered",
     [](TreatmentDefinition& d) {
       Area(d, "cheeks")->mutable_depth_overrides(0)->set_max_depth_um(1800);
     },
     {"major protocol.areas[3] (cheeks).depth_overrides[0] (acne_scars).max_depth_um: lowered "
      "from 2000 um to 1800 um: the depth range is narrower"}},
    {"depth_override_removed",
     [](TreatmentDefinition& d) { Area(d, "cheeks")->clear_depth_overrides(); },
     {"major protocol.areas[3] (cheeks).depth_overrides[0] (acne_scars): removed: acne_scars now "
      "reaches 1500 um (was 2000 um)"}},
    {"depth_override_added_below_the_area",
     [](TreatmentDefinition& d) {
       v1::DepthOverride* o = Area(d, "cheeks")->add_depth_overrides();
       o->set_indication_id("texture");
       o->set_max_depth_um(1000);
     },
     {"major protocol.areas[3] (cheeks).depth_overrides[1] (texture): added: texture now reaches "
      "1000 um (was 1500 um)"}},
    {"passes_narrowed",
     [](TreatmentDefinition& d) { Area(d, "forehead")->set_max_passes(3); },
     {"major protocol.areas[0] (forehead).max_passes: lowered from 4 to 3: the range of passes "
      "is narrower"}},
    {"region_changed",
     [](TreatmentDefinition& d) { Area(d, "neck")->set_region(v1::BODY_REGION_FACE); },
     {"major protocol.areas[6] (neck).region: changed from BODY_REGION_NECK to BODY_REGION_FACE: "
      "rules scoped by region apply otherwise"}},
    {"interval_raised",
     [](TreatmentDefinition& d) {
       d.mutable_protocol()->mutable_course()->set_min_interval_days(35);
     },
     {"major protocol.course.min_interval_days: raised from 28 days to 35 days: the interval "
      "allowed between sessions is narrower"}},
    {"sessions_recommended",
     [](TreatmentDefinition& d) { d.mutable_protocol()->mutable_course()->set_max_sessions(8); },
     {"minor protocol.course.max_sessions: raised from 6 to 8"}},
    {"aftercare_removed",
     [](TreatmentDefinition& d) {
       d.mutable_protocol()->mutable_aftercare()->DeleteSubrange(0, 1);
     },
     {"minor protocol.aftercare[0] (no_makeup): instruction removed"}},
    {"question_removed",
     [](TreatmentDefinition& d) {
       d.mutable_screening_questions()->erase(d.mutable_screening_questions()->begin());
     },
     {"major screening_questions[0] (active_skin_infection): question removed"}},
    {"required_question_added",
     [](TreatmentDefinition& d) {
       v1::ScreeningQuestion* q = d.add_screening_questions();
       q->set_id("fever_today");
       q->set_text("Do you have a fever today?");
       q->set_answer_type(v1::ANSWER_TYPE_YES_NO);
       q->set_required(true);
     },
     {"major screening_questions[30] (fever_today): question added, answer required: "
      "screenings need an answer they did not need before"}},
    {"optional_question_added",
     [](TreatmentDefinition& d) {
       v1::ScreeningQuestion* q = d.add_screening_questions();
       q->set_id("notes_for_practitioner");
       q->set_text("Anything else?");
       q->set_answer_type(v1::ANSWER_TYPE_TEXT);
     },
     {"minor screening_questions[30] (notes_for_practitioner): question added"}},
    {"answer_made_required",
     [](TreatmentDefinition& d) { Question(d, "hba1c")->set_required(true); },
     {"major screening_questions[19] (hba1c).required: turned on: a screening needs an answer it "
      "did not need before"}},
    {"answer_made_optional",
     [](TreatmentDefinition& d) { Question(d, "diabetes")->set_required(false); },
     {"minor screening_questions[18] (diabetes).required: turned off: the answer may be left "
      "out"}},
    {"option_removed",
     [](TreatmentDefinition& d) {
       Question(d, "pregnancy_status")->mutable_options()->RemoveLast();
     },
     {"major screening_questions[17] (pregnancy_status).options[3] (trying_to_conceive): option "
      "removed"}},
    {"bounds_narrowed_and_unit_changed",
     [](TreatmentDefinition& d) {
       v1::NumberBounds* bounds = Question(d, "hba1c")->mutable_number_bounds();
       bounds->set_max(150);
       bounds->set_unit("%");
     },
     {"major screening_questions[19] (hba1c).number_bounds.max: lowered from 200 to 150: the "
      "accepted answers are fewer",
      "major screening_questions[19] (hba1c).number_bounds.unit: changed from \"mmol/mol\" to "
      "\"%\""}},
    {"unknown_no_longer_allowed",
     [](TreatmentDefinition& d) { Question(d, "hba1c")->set_unknown_allowed(false); },
     {"major screening_questions[19] (hba1c).unknown_allowed: turned off: \"I don't know\" is no "
      "longer accepted"}},
    {"rule_removed",
     [](TreatmentDefinition& d) {
       d.mutable_contraindications()->erase(d.mutable_contraindications()->begin());
     },
     {"major contraindications[0] (under_18): rule removed"}},
    {"rule_made_relative",
     [](TreatmentDefinition& d) { Rule(d, "pregnancy")->set_severity(v1::SEVERITY_RELATIVE); },
     {"major contraindications[13] (pregnancy).severity: changed from absolute to relative: the "
      "rule is less severe"}},
    {"rule_made_absolute",
     [](TreatmentDefinition& d) { Rule(d, "easy_bruising")->set_severity(v1::SEVERITY_ABSOLUTE); },
     {"minor contraindications[18] (easy_bruising).severity: changed from relative to absolute: "
      "the rule is more severe"}},
    {"cap_raised",
     [](TreatmentDefinition& d) {
       Rule(d, "anticoagulants_or_antiplatelets")
           ->mutable_action()
           ->mutable_cap_depth()
           ->set_max_depth_um(1500);
     },
     {"major contraindications[17] (anticoagulants_or_antiplatelets).action.cap_depth.max_depth_um:"
      " raised from 1000 um to 1500 um: the rule allows deeper needling"}},
    {"cap_made_a_refusal",
     [](TreatmentDefinition& d) {
       Rule(d, "anticoagulants_or_antiplatelets")->mutable_action()->mutable_refuse_treatment();
     },
     {"minor contraindications[17] (anticoagulants_or_antiplatelets).action: changed from \"caps "
      "the depth at 1000 um\" to \"refuses the treatment\""}},
    {"refusal_made_an_exclusion",
     [](TreatmentDefinition& d) {
       Rule(d, "pregnancy")->mutable_action()->mutable_exclude_areas();
     },
     {"major contraindications[13] (pregnancy).action: changed from \"refuses the treatment\" to "
      "\"excludes the areas where it holds\": the rule may protect less"}},
    {"condition_changed",
     [](TreatmentDefinition& d) {
       Rule(d, "under_18")->mutable_condition()->mutable_client()->set_age_under_years(16);
     },
     {"major contraindications[0] (under_18).condition: changed: the same answers may give "
      "another verdict (to catch more clients, add a rule instead)"}},
    {"rule_added",
     [](TreatmentDefinition& d) {
       v1::ContraindicationRule* rule = d.add_contraindications();
       *rule = *Rule(d, "pregnancy");
       rule->set_id("pregnancy_again");
     },
     {"minor contraindications[34] (pregnancy_again): rule added"}},
    {"needle_configuration_removed",
     [](TreatmentDefinition& d) { Cartridge(d, "face_12_16")->mutable_needles()->RemoveLast(); },
     {"major cartridges[0] (face_12_16).needles: 16-needle configuration removed: cartridges that "
      "fitted no longer do"}},
    {"cartridge_for_fewer_areas",
     [](TreatmentDefinition& d) { Cartridge(d, "face_12_16")->mutable_area_ids()->RemoveLast(); },
     {"major cartridges[0] (face_12_16).area_ids: no longer upper_lip"}},
    {"longer_needles_needed",
     [](TreatmentDefinition& d) { Cartridge(d, "face_12_16")->set_min_needle_length_um(1500); },
     {"major cartridges[0] (face_12_16).min_needle_length_um: raised from 1000 um to 1500 um: the "
      "needle lengths that fit is narrower"}},
    {"lot_now_required",
     [](TreatmentDefinition& d) {
       d.mutable_consumables(0)->set_lot_required(!Base().consumables(0).lot_required());
     },
     {Base().consumables(0).lot_required()
          ? absl::StrCat("minor consumables[0] (", Base().consumables(0).id(),
                         ").lot_required: turned off: the chart need not name the lot")
          : absl::StrCat("major consumables[0] (", Base().consumables(0).id(),
                         ").lot_required: turned on: the chart must name the lot used")}},
    {"screening_validity_shortened",
     [](TreatmentDefinition& d) {
       d.mutable_screening_validity()->set_seconds(int64_t{14} * 86400);
     },
     {"major screening_validity: shortened from 30 days to 14 days: screenings expire "
      "sooner"}},
    {"several_at_once",
     [](TreatmentDefinition& d) {
       Area(d, "forehead")->set_notes("Shallow.");
       Area(d, "forehead")->set_max_depth_um(600);
     },
     {"minor protocol.areas[0] (forehead).max_depth_um: raised from 500 um to 600 um: the depth "
      "range is wider",
      "patch protocol.areas[0] (forehead).notes: reworded"}},
};

INSTANTIATE_TEST_SUITE_P(Kinds, DefinitionChangeKindsTest, ::testing::ValuesIn(kCases),
                         [](const auto& test_info) { return test_info.param.name; });

TEST(DefinitionChangesTest, TheSameDefinitionHasNoChange) {
  EXPECT_THAT(CompareDefinitions(Base(), Base()), IsEmpty());
  TreatmentDefinition next = Base();
  next.set_version("9.9.9");
  EXPECT_THAT(CompareDefinitions(Base(), next), IsEmpty()) << "the version is not content";
}

TEST(DefinitionChangesTest, ADifferenceNotKnownByNameIsStillAChange) {
  // The older, text form of needle configurations: the comparison reads the
  // current form, but two definitions that differ only there still differ.
  TreatmentDefinition after = Base();
  after.mutable_cartridges(0)->add_needle_configurations("nano");
  EXPECT_THAT(Lines(CompareDefinitions(Base(), after)),
              ElementsAre("minor the definition changed in a field this check does not know by "
                          "name"));
}

// Changes one field of `message` (set or not) to another value; false for a
// field this cannot change (a message, a repeated field).
bool Mutate(google::protobuf::Message& message, const google::protobuf::FieldDescriptor& field) {
  const google::protobuf::Reflection& r = *message.GetReflection();
  using FD = google::protobuf::FieldDescriptor;
  if (field.is_repeated()) return false;
  switch (field.cpp_type()) {
    case FD::CPPTYPE_INT32:
      r.SetInt32(&message, &field, r.GetInt32(message, &field) + 7);
      return true;
    case FD::CPPTYPE_INT64:
      r.SetInt64(&message, &field, r.GetInt64(message, &field) + 7);
      return true;
    case FD::CPPTYPE_DOUBLE:
      r.SetDouble(&message, &field, r.GetDouble(message, &field) + 7);
      return true;
    case FD::CPPTYPE_BOOL:
      r.SetBool(&message, &field, !r.GetBool(message, &field));
      return true;
    case FD::CPPTYPE_STRING:
      r.SetString(&message, &field, r.GetString(message, &field) + "x");
      return true;
    case FD::CPPTYPE_ENUM: {
      const int now = r.GetEnumValue(message, &field);
      for (int i = 0; i < field.enum_type()->value_count(); ++i) {
        const int value = field.enum_type()->value(i)->number();
        if (value != 0 && value != now) {
          r.SetEnumValue(&message, &field, value);
          return true;
        }
      }
      return false;
    }
    default:
      return false;
  }
}

// Calls `visit` with the path to every message in `message` (the first
// element of each list, and set fields only), so each field of the contract
// the bundled definition uses is reached.
void EachMessage(google::protobuf::Message& message, const std::string& path,
                 const std::function<void(google::protobuf::Message&, const std::string&)>& visit) {
  visit(message, path);
  const google::protobuf::Reflection& r = *message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  r.ListFields(message, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() != google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      EachMessage(*r.MutableRepeatedMessage(&message, field, 0), path + field->name() + "[0].",
                  visit);
    } else {
      EachMessage(*r.MutableMessage(&message, field), path + field->name() + ".", visit);
    }
  }
}

TEST(DefinitionChangesTest, EveryFieldOfTheContractIsComparedByName) {
  // Walks the definition once to list where every scalar field is, then
  // changes each on a fresh copy: each must be found as a named change, not
  // only by the catch-all, so the table in decision 0014 stays complete.
  std::vector<std::pair<std::string, std::string>> targets;  // message path, field name
  TreatmentDefinition walk = Base();
  EachMessage(walk, "", [&](google::protobuf::Message& m, const std::string& path) {
    const google::protobuf::Descriptor& descriptor = *m.GetDescriptor();
    for (int i = 0; i < descriptor.field_count(); ++i) {
      const google::protobuf::FieldDescriptor& field = *descriptor.field(i);
      if (field.is_repeated() ||
          field.cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
        continue;
      }
      // The version is not content; legacy text is the catch-all's.
      if (path.empty() && (field.name() == "version" || field.name() == "id")) continue;
      targets.emplace_back(path, field.name());
    }
  });
  ASSERT_GT(targets.size(), 50u);
  int mutated = 0;
  for (const auto& [path, name] : targets) {
    TreatmentDefinition after = Base();
    bool done = false;
    EachMessage(after, "", [&](google::protobuf::Message& m, const std::string& at) {
      if (done || at != path) return;
      done = Mutate(m, *m.GetDescriptor()->FindFieldByName(name));
    });
    if (!done) continue;
    ++mutated;
    const std::vector<DefinitionChange> changes = CompareDefinitions(Base(), after);
    ASSERT_FALSE(changes.empty()) << path << name << " changed unnoticed";
    for (const DefinitionChange& change : changes) {
      EXPECT_FALSE(change.field.empty()) << path << name << " is compared by the catch-all only";
    }
  }
  EXPECT_GT(mutated, 50);
}

std::vector<DefinitionChange> Of(ChangeImpact impact) {
  return {{impact, "protocol.areas[3] (cheeks).max_depth_um", "lowered"}};
}

TEST(VersionStepTest, EachStepAllowsItsChanges) {
  struct Step {
    const char* before;
    const char* after;
    ChangeImpact needed;
    bool ok;
  };
  const Step steps[] = {
      {"1.0.0", "2.0.0", ChangeImpact::kMajor, true},
      {"1.0.0", "1.1.0", ChangeImpact::kMajor, false},
      {"1.0.0", "1.0.1", ChangeImpact::kMajor, false},
      {"1.0.0", "1.1.0", ChangeImpact::kMinor, true},
      {"1.0.0", "1.0.1", ChangeImpact::kMinor, false},
      {"1.0.0", "1.0.1", ChangeImpact::kPatch, true},
      {"1.4.2", "2.0.0", ChangeImpact::kPatch, true},
      // Before 1.0.0 the numbers shift one place.
      {"0.3.0", "0.4.0", ChangeImpact::kMajor, true},
      {"0.3.0", "0.3.1", ChangeImpact::kMajor, false},
      {"0.3.0", "0.3.1", ChangeImpact::kMinor, true},
      {"0.9.0", "1.0.0", ChangeImpact::kMajor, true},
      // A pre-release of the next major may break; one of a minor may not.
      {"1.4.0", "2.0.0-rc.1", ChangeImpact::kMajor, true},
      {"1.4.0", "1.5.0-rc.1", ChangeImpact::kMajor, false},
      // A pre-release promises nothing to its release.
      {"2.0.0-rc.1", "2.0.0-rc.2", ChangeImpact::kMajor, true},
      {"2.0.0-rc.2", "2.0.0", ChangeImpact::kMajor, true},
      // Build metadata alone is no step.
      {"1.0.0", "1.0.0+build.2", ChangeImpact::kPatch, false},
  };
  for (const Step& step : steps) {
    EXPECT_EQ(CheckVersionStep(step.before, step.after, Of(step.needed)).ok(), step.ok)
        << step.before << " -> " << step.after << " with a " << ChangeImpactName(step.needed)
        << " change";
  }
}

TEST(VersionStepTest, ARefusalSaysWhatIsNeededAndNamesTheChanges) {
  const absl::Status status = CheckVersionStep("1.0.0", "1.1.0", Of(ChangeImpact::kMajor));
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "version 1.1.0 after 1.0.0 raises the minor number, but 1 change needs a new major "
            "version: use 2.0.0 or higher: protocol.areas[3] (cheeks).max_depth_um: lowered");
  EXPECT_THAT(CheckVersionStep("0.3.0", "0.3.1", Of(ChangeImpact::kMajor)).message(),
              HasSubstr("use 0.4.0 or higher"));
  EXPECT_THAT(CheckVersionStep("1.2.3", "1.2.4", Of(ChangeImpact::kMinor)).message(),
              HasSubstr("raises only the patch number, but 1 change needs a new minor version: "
                        "use 1.3.0 or higher"));
}

TEST(VersionStepTest, ALongListIsCutShort) {
  std::vector<DefinitionChange> changes;
  for (int i = 0; i < 50; ++i) {
    changes.push_back({ChangeImpact::kMajor, absl::StrCat("protocol.areas[", i, "]"), "removed"});
  }
  const absl::Status status = CheckVersionStep("1.0.0", "1.0.1", changes);
  EXPECT_THAT(status.message(), HasSubstr("50 changes need"));
  EXPECT_THAT(status.message(), HasSubstr("; and 47 more"));
  EXPECT_LT(status.message().size(), 400u);
}

TEST(VersionStepTest, TheVersionMustGoUpAndParse) {
  EXPECT_EQ(CheckVersionStep("1.1.0", "1.0.0", {}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckVersionStep("1.1.0", "1.1.0", {}).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckVersionStep("1.1", "1.2.0", {}).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckVersionStep("1.1.0", "v1.2.0", {}).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clinic
