// What the definition validator adds to point an author at a mistake: a
// suggestion for an unknown id that is close to a declared one, the likely
// depth for a value with a digit or a unit slipped, warnings for what is
// legal but probably wrong, and field paths shown with the ids of the
// elements they pass through.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/definition/definition_paths.h"
#include "common/definition/definition_validator.h"
#include "common/definition/definition_wording.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/plugin_definition.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using v1::TreatmentDefinition;

// A small valid definition (tests/plugins/test_alpha.textproto) with a
// second area on the neck and a choice question its rule reads.
TreatmentDefinition Valid() {
  TreatmentDefinition d;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      testing::ReadFile(testing::SourcePath("tests/plugins/test_alpha.textproto")), &d));
  EXPECT_TRUE(google::protobuf::TextFormat::MergeFromString(
      R"pb(
        protocol {
          areas {
            id: "neck"
            display_name: "Neck"
            region: BODY_REGION_NECK
            min_depth_um: 250
            max_depth_um: 500
            min_passes: 1
            max_passes: 3
          }
        }
        screening_questions {
          id: "cold_sore_history"
          text: "Have you had cold sores?"
          answer_type: ANSWER_TYPE_CHOICE
          options { id: "never" label: "Never" }
          options { id: "recently" label: "In the last year" }
        }
        contraindications {
          id: "cold_sores"
          display_name: "Cold sores in the last year"
          severity: SEVERITY_RELATIVE
          condition {
            answer {
              question_id: "cold_sore_history"
              one_of { option_ids: "recently" }
            }
          }
          rationale: "Needling can reactivate herpes simplex."
          guidance: "Offer antiviral prophylaxis."
        }
      )pb",
      &d));
  return d;
}

std::vector<std::string> Lines(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> lines;
  for (const FieldViolation& v : violations) lines.push_back(v.field + ": " + v.description);
  return lines;
}

v1::AnswerTest& LastRuleAnswer(TreatmentDefinition& d) {
  return *d.mutable_contraindications(1)->mutable_condition()->mutable_answer();
}

TEST(DefinitionHintsTest, TheDefinitionUsedHereIsValidAndWithoutWarnings) {
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(Valid())), IsEmpty());
  EXPECT_THAT(Lines(TreatmentDefinitionWarnings(Valid())), IsEmpty());
}

TEST(DefinitionHintsTest, AnUnknownQuestionCloseToADeclaredOneGetsASuggestion) {
  TreatmentDefinition d = Valid();
  LastRuleAnswer(d).set_question_id("cold_sores_history");
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)),
              ElementsAre("contraindications[1].condition.answer.question_id: refers to question "
                          "'cold_sores_history' which the definition does not declare; did you "
                          "mean 'cold_sore_history'?"));
}

TEST(DefinitionHintsTest, AnUnknownIdFarFromEveryDeclaredOneGetsNone) {
  TreatmentDefinition d = Valid();
  LastRuleAnswer(d).set_question_id("pregnancy");
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)),
              ElementsAre("contraindications[1].condition.answer.question_id: refers to question "
                          "'pregnancy' which the definition does not declare"));
}

TEST(DefinitionHintsTest, OptionsAreasAndIndicationsGetSuggestionsToo) {
  TreatmentDefinition d = Valid();
  LastRuleAnswer(d).mutable_one_of()->set_option_ids(0, "recentyl");
  d.mutable_cartridges(0)->add_area_ids("Forehead");
  d.mutable_protocol()->mutable_areas(0)->add_depth_overrides()->set_indication_id("textures");
  d.mutable_protocol()->mutable_areas(0)->mutable_depth_overrides(0)->set_max_depth_um(500);
  EXPECT_THAT(
      Lines(ValidateTreatmentDefinition(d)),
      ElementsAre("protocol.areas[0].depth_overrides[0].indication_id: refers to indication "
                  "'textures' which the definition does not declare; did you mean 'texture'?",
                  "cartridges[0].area_ids[0]: refers to area 'Forehead' which the protocol does "
                  "not declare; did you mean 'forehead'?",
                  "contraindications[1].condition.answer.one_of.option_ids[0]: refers to option "
                  "'recentyl' which question 'cold_sore_history' does not offer; did you mean "
                  "'recently'?"));
}

TEST(DefinitionHintsTest, ClosestIdAllowsMoreEditsForLongerIds) {
  using definition_wording::ClosestId;
  const std::vector<std::string> ids = {"lips", "neck", "cheeks", "cold_sore_history"};
  EXPECT_EQ(ClosestId("lisp", ids), "lips");                             // a swap is one edit
  EXPECT_EQ(ClosestId("necks", ids), "neck");                            // one insertion
  EXPECT_EQ(ClosestId("nose", ids), "");                                 // three from neck
  EXPECT_EQ(ClosestId("chekcs", ids), "cheeks");                         // a swap
  EXPECT_EQ(ClosestId("cold_sores_histroy", ids), "cold_sore_history");  // two edits
  EXPECT_EQ(ClosestId("xy", ids), "");
  EXPECT_EQ(ClosestId(std::string(64, 'a'), ids), "");  // no id is that long
}

TEST(DefinitionHintsTest, AFaceDepthWithAZeroTooManyNamesTheLikelyDepth) {
  TreatmentDefinition d = Valid();
  d.mutable_protocol()->mutable_areas(0)->set_max_depth_um(15000);
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)),
              ElementsAre("protocol.areas[0].max_depth_um: 15000 um is deeper than the 3000 um "
                          "limit; did you mean 1500 um (1.5 mm)?"));
}

TEST(DefinitionHintsTest, ADepthJustOverTheLimitIsTakenAsMeant) {
  TreatmentDefinition d = Valid();
  d.mutable_protocol()->mutable_areas(0)->set_max_depth_um(5000);
  EXPECT_THAT(
      Lines(ValidateTreatmentDefinition(d)),
      ElementsAre("protocol.areas[0].max_depth_um: 5000 um is deeper than the 3000 um limit"));
}

TEST(DefinitionHintsTest, TheNecksShallowerRangeMakesASmallerExcessASlip) {
  TreatmentDefinition d = Valid();
  d.mutable_protocol()->mutable_areas(1)->set_max_depth_um(5000);
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)),
              ElementsAre("protocol.areas[1].max_depth_um: 5000 um is deeper than the 3000 um "
                          "limit; did you mean 500 um (0.5 mm)?"));
}

TEST(DefinitionHintsTest, DepthsWrittenInNanometresAreNamed) {
  TreatmentDefinition d = Valid();
  d.mutable_protocol()->mutable_areas(0)->set_max_depth_um(250000);
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)),
              ElementsAre("protocol.areas[0].max_depth_um: 250000 um is deeper than the 3000 um "
                          "limit; did you mean 2500 um (2.5 mm)?"));
}

TEST(DefinitionHintsTest, ANeedleLengthWrittenInMillimetresIsNamed) {
  TreatmentDefinition d = Valid();
  d.mutable_cartridges(0)->set_min_needle_length_um(2);
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)),
              ElementsAre("cartridges[0].min_needle_length_um: 2 um cannot reach the 500 um that "
                          "area 'forehead' allows (a cartridge without area_ids covers every "
                          "area); did you mean 2000 um (2 mm)?"));
  d.mutable_cartridges(0)->set_min_needle_length_um(400);
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)),
              ElementsAre("cartridges[0].min_needle_length_um: 400 um cannot reach the 500 um "
                          "that area 'forehead' allows (a cartridge without area_ids covers "
                          "every area)"));
}

TEST(DefinitionHintsTest, MillimetresReadAsAuthorsWriteThem) {
  using definition_wording::Millimetres;
  EXPECT_EQ(Millimetres(1500), "1.5 mm");
  EXPECT_EQ(Millimetres(250), "0.25 mm");
  EXPECT_EQ(Millimetres(2000), "2 mm");
  EXPECT_EQ(Millimetres(1005), "1.005 mm");
}

TEST(DefinitionHintsTest, WarnsOfAnAreaNothingCovers) {
  TreatmentDefinition d = Valid();
  d.mutable_cartridges(0)->add_area_ids("forehead");
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)), IsEmpty());
  EXPECT_THAT(Lines(TreatmentDefinitionWarnings(d)),
              ElementsAre("protocol.areas[1]: no cartridge or other consumable covers this "
                          "area, so a session there uses nothing from stock; add it to the "
                          "area_ids of the cartridge that fits it, or leave a cartridge's "
                          "area_ids out to cover every area"));
  // A consumable used there covers it.
  v1::ConsumableRequirement& serum = *d.add_consumables();
  serum.set_id("serum");
  serum.set_display_name("Serum");
  serum.set_kind(v1::CONSUMABLE_KIND_SERUM);
  serum.set_category("hyaluronic_serum");
  serum.set_quantity_per_session(1);
  serum.add_area_ids("neck");
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)), IsEmpty());
  EXPECT_THAT(Lines(TreatmentDefinitionWarnings(d)), IsEmpty());
}

TEST(DefinitionHintsTest, WarnsOfAQuestionNoRuleReadsButNotOfFreeText) {
  TreatmentDefinition d = Valid();
  d.mutable_contraindications()->RemoveLast();
  v1::ScreeningQuestion& notes = *d.add_screening_questions();
  notes.set_id("notes");
  notes.set_text("Anything else?");
  notes.set_answer_type(v1::ANSWER_TYPE_TEXT);
  EXPECT_THAT(Lines(ValidateTreatmentDefinition(d)), IsEmpty());
  EXPECT_THAT(Lines(TreatmentDefinitionWarnings(d)),
              ElementsAre("screening_questions[1]: no rule reads this question: every client is "
                          "asked it, and the answer never changes a screening's outcome; test it "
                          "in a contraindication rule, or remove it (a question kept for the "
                          "record alone can be ANSWER_TYPE_TEXT)"));
}

TEST(DefinitionHintsTest, WarnsOfARelativeRuleWithoutGuidance) {
  TreatmentDefinition d = Valid();
  d.mutable_contraindications(1)->set_guidance("  ");
  EXPECT_THAT(Lines(TreatmentDefinitionWarnings(d)),
              ElementsAre("contraindications[1].guidance: is empty on a relative rule: the "
                          "clinician it sends the screening to is told nothing of what to do; "
                          "write what to check or offer instead, e.g. \"Treat only with the GP's "
                          "written approval\""));
  // An absolute rule refuses; there is nothing for a clinician to decide.
  d.mutable_contraindications(1)->set_severity(v1::SEVERITY_ABSOLUTE);
  EXPECT_THAT(Lines(TreatmentDefinitionWarnings(d)), IsEmpty());
}

TEST(DefinitionHintsTest, ShippedDefinitionsHaveNoWarnings) {
  for (const std::string& path :
       {testing::BundledPluginPath("microneedling"), testing::BundledPluginPath("rf_microneedling"),
        testing::BundledPluginPath("prp_microneedling"), testing::TestPluginPath("test_based")}) {
    const TreatmentDefinition d = testing::LoadPluginDefinition(path);
    ASSERT_FALSE(d.id().empty()) << path;
    EXPECT_THAT(Lines(TreatmentDefinitionWarnings(d)), IsEmpty()) << path;
  }
}

TEST(DefinitionPathsTest, SplitsPathsIntoFieldsAndIndexes) {
  const auto steps = SplitFieldPath("contraindications[8].condition.any_of.conditions[0]");
  ASSERT_TRUE(steps.has_value());
  ASSERT_EQ(steps->size(), 4u);
  EXPECT_EQ((*steps)[0].field, "contraindications");
  EXPECT_EQ((*steps)[0].index, 8);
  EXPECT_EQ((*steps)[1].field, "condition");
  EXPECT_EQ((*steps)[1].index, -1);
  EXPECT_EQ((*steps)[3].index, 0);
  EXPECT_THAT(*SplitFieldPath(""), IsEmpty());
  for (const char* bad : {"a..b", "a[", "a[]", "a[x]", "[1]", "a[-1]", "a[1]b", "."}) {
    EXPECT_FALSE(SplitFieldPath(bad).has_value()) << bad;
  }
}

TEST(DefinitionPathsTest, LabelsEachListedElementWithItsId) {
  const TreatmentDefinition d = Valid();
  EXPECT_EQ(LabelFieldPath(d, "contraindications[1].rationale"),
            "contraindications[1] (cold_sores).rationale");
  EXPECT_EQ(LabelFieldPath(d, "protocol.areas[1].max_depth_um"),
            "protocol.areas[1] (neck).max_depth_um");
  EXPECT_EQ(LabelFieldPath(d, "screening_questions[1].options[0].label"),
            "screening_questions[1] (cold_sore_history).options[0] (never).label");
  // Elements without an id, and paths without an index, read as before.
  EXPECT_EQ(LabelFieldPath(d, "contraindications[0].condition.any_of.conditions[1].fact"),
            "contraindications[0] (active_skin_infection).condition.any_of.conditions[1].fact");
  EXPECT_EQ(LabelFieldPath(d, "screening_validity"), "screening_validity");
  EXPECT_EQ(LabelFieldPath(d, "id"), "id");
}

TEST(DefinitionPathsTest, LeavesWhatTheDefinitionDoesNotHaveAsItIs) {
  TreatmentDefinition d = Valid();
  d.mutable_protocol()->mutable_areas(1)->set_id("Neck Area");
  // A malformed id is not repeated: its own violation quotes it.
  EXPECT_EQ(LabelFieldPath(d, "protocol.areas[1].id"), "protocol.areas[1].id");
  EXPECT_EQ(LabelFieldPath(d, "protocol.areas[7].id"), "protocol.areas[7].id");
  EXPECT_EQ(LabelFieldPath(d, "no_such_field[0].x"), "no_such_field[0].x");
  EXPECT_EQ(LabelFieldPath(d, "not a path["), "not a path[");
  EXPECT_EQ(LabelFieldPath(d, "cartridges[0].needles[0].needle_count"),
            "cartridges[0] (face_12).needles[0].needle_count");
}

}  // namespace
}  // namespace clinic
