// Plugins built on bases (clinic_add_treatment_plugin BASES and OMIT): the
// definition a built plugin serves is its bases' entries followed by its own,
// exactly what protobuf makes of the files merged in that order, less the
// entries it omits, and it passes the validator. The refusals at build time
// (an id declared twice, OMIT naming nothing, a base setting more than its
// lists) are tested by tests/sdk/bases_test.sh.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "common/definition/definition_validator.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/testing/plugin_definition.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

v1::TreatmentDefinition ParseFile(const std::string& relative) {
  v1::TreatmentDefinition definition;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      testing::ReadFile(testing::SourcePath(relative)), &definition))
      << relative;
  return definition;
}

// Leaves out the entries with `id`, as OMIT does.
void Omit(v1::TreatmentDefinition& definition, const std::string& id) {
  const auto drop = [&](auto* list) {
    list->erase(std::remove_if(list->begin(), list->end(),
                               [&](const auto& entry) { return entry.id() == id; }),
                list->end());
  };
  drop(definition.mutable_screening_questions());
  drop(definition.mutable_contraindications());
  drop(definition.mutable_protocol()->mutable_aftercare());
}

std::vector<std::string> QuestionIds(const v1::TreatmentDefinition& definition) {
  std::vector<std::string> ids;
  for (const auto& question : definition.screening_questions()) ids.push_back(question.id());
  return ids;
}
std::vector<std::string> RuleIds(const v1::TreatmentDefinition& definition) {
  std::vector<std::string> ids;
  for (const auto& rule : definition.contraindications()) ids.push_back(rule.id());
  return ids;
}
std::vector<std::string> AftercareIds(const v1::TreatmentDefinition& definition) {
  std::vector<std::string> ids;
  for (const auto& aftercare : definition.protocol().aftercare()) ids.push_back(aftercare.id());
  return ids;
}

constexpr char kSkinNeedling[] = "plugins/sdk/bases/skin_needling.textproto";

TEST(PluginBases, ABuiltPluginHoldsItsBasesEntriesThenItsOwn) {
  const v1::TreatmentDefinition built =
      testing::LoadPluginDefinition(testing::TestPluginPath("test_based"));
  const v1::TreatmentDefinition sdk_base = ParseFile(kSkinNeedling);
  ASSERT_FALSE(sdk_base.screening_questions().empty());
  ASSERT_FALSE(sdk_base.contraindications().empty());
  ASSERT_FALSE(sdk_base.protocol().aftercare().empty());

  // clinic_add_treatment_plugin(test_based ... BASES skin_needling
  // test_base.textproto OMIT anaesthetic_allergy)
  v1::TreatmentDefinition expected = sdk_base;
  Omit(expected, "anaesthetic_allergy");
  expected.MergeFrom(ParseFile("tests/plugins/test_base.textproto"));
  expected.MergeFrom(ParseFile("tests/plugins/test_based.textproto"));
  std::string differences;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(expected, built)) << differences;

  // The same, spelled out: the SDK base first, then the project's base, then
  // the plugin's own entries.
  const std::vector<std::string> questions = QuestionIds(built);
  ASSERT_GE(questions.size(), 3u);
  EXPECT_EQ(questions.front(), sdk_base.screening_questions(0).id());
  EXPECT_THAT(std::vector<std::string>(questions.end() - 3, questions.end()),
              ElementsAre("test_base_question", "anaesthetic_allergy", "test_own_question"));
  for (const auto& question : sdk_base.screening_questions()) {
    EXPECT_THAT(questions, Contains(question.id()));
  }
  const std::vector<std::string> rules = RuleIds(built);
  ASSERT_GE(rules.size(), 3u);
  EXPECT_EQ(rules.front(), sdk_base.contraindications(0).id());
  EXPECT_THAT(std::vector<std::string>(rules.end() - 3, rules.end()),
              ElementsAre("test_base_rule", "anaesthetic_allergy", "test_own_rule"));
  EXPECT_EQ(std::count(rules.begin(), rules.end(), "anaesthetic_allergy"), 1);
  for (const auto& rule : built.contraindications()) {
    if (rule.id() == "anaesthetic_allergy") {
      EXPECT_EQ(rule.severity(), v1::SEVERITY_ABSOLUTE);
    }
  }
  const std::vector<std::string> aftercare = AftercareIds(built);
  ASSERT_GE(aftercare.size(), 2u);
  EXPECT_EQ(aftercare.front(), sdk_base.protocol().aftercare(0).id());
  EXPECT_THAT(std::vector<std::string>(aftercare.end() - 2, aftercare.end()),
              ElementsAre("test_base_aftercare", "test_own_aftercare"));
  // The plugin's own singular fields stand: a base cannot set them.
  EXPECT_EQ(built.id(), "test_based");
  EXPECT_EQ(built.protocol().areas_size(), 1);

  EXPECT_THAT(ValidateTreatmentDefinition(built), IsEmpty());
}

// Every bundled plugin is built on skin_needling: it declares every id the
// base declares, the base's own entry or, where it omits one, its
// replacement under the same id.
TEST(PluginBases, EveryBundledPluginDeclaresEveryIdOfTheSkinNeedlingBase) {
  const v1::TreatmentDefinition sdk_base = ParseFile(kSkinNeedling);
  for (const char* plugin : {"microneedling", "rf_microneedling", "prp_microneedling"}) {
    SCOPED_TRACE(plugin);
    const v1::TreatmentDefinition built =
        testing::LoadPluginDefinition(testing::BundledPluginPath(plugin));
    ASSERT_EQ(built.id(), plugin);
    for (const auto& question : sdk_base.screening_questions()) {
      EXPECT_THAT(QuestionIds(built), Contains(question.id()));
    }
    for (const auto& rule : sdk_base.contraindications()) {
      EXPECT_THAT(RuleIds(built), Contains(rule.id()));
    }
    for (const auto& aftercare : sdk_base.protocol().aftercare()) {
      EXPECT_THAT(AftercareIds(built), Contains(aftercare.id()));
    }
    EXPECT_THAT(ValidateTreatmentDefinition(built), IsEmpty());
  }
}

}  // namespace
}  // namespace clinic
