// Definitions read from their text files, as the build-time check reads
// them: merged with their bases as clinic_add_treatment_plugin merges them
// (bases first, OMIT applied), with every field path located at the
// file:line:column where it was written, in the base or the definition.
#include "common/definition/definition_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_split.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Line numbers below count from the first line of each text. The texts are
// not "pb" raw strings, so a formatter leaves their layout, and so the
// locations, as written.
constexpr char kBase[] = R"text(screening_questions {
  id: "cold_sore_history"
  text: "Cold sores?"
  answer_type: ANSWER_TYPE_YES_NO
}
screening_questions {
  id: "pregnant"
  text: "Pregnant?"
  answer_type: ANSWER_TYPE_YES_NO
}
contraindications {
  id: "pregnancy"
  condition { answer { question_id: "pregnant" equals: true } }
}
protocol { aftercare { id: "sunscreen" text: "Wear sunscreen." } }
)text";

constexpr char kDefinition[] = R"text(id: "own"
protocol {
  areas {
    id: "forehead"
    max_depth_um: 15000
  }
  aftercare { id: "no_makeup" text: "No make-up." }
}
screening_questions { id: "age" text: "Age?" answer_type: ANSWER_TYPE_NUMBER }
contraindications {
  id: "under_18"
  condition { client { age_under_years: 18 } }
}
)text";

DefinitionSource Parse(std::vector<std::string> omit = {}) {
  absl::StatusOr<DefinitionSource> source =
      DefinitionSource::Parse({"own.textproto", kDefinition}, {{"base.textproto", kBase}}, omit);
  EXPECT_TRUE(source.ok()) << source.status();
  return *std::move(source);
}

TEST(DefinitionSourceTest, MergesBasesFirstAsTheBuildDoes) {
  const DefinitionSource source = Parse();
  const v1::TreatmentDefinition& d = source.definition();
  EXPECT_EQ(d.id(), "own");
  ASSERT_EQ(d.screening_questions_size(), 3);
  EXPECT_EQ(d.screening_questions(0).id(), "cold_sore_history");
  EXPECT_EQ(d.screening_questions(2).id(), "age");
  ASSERT_EQ(d.protocol().aftercare_size(), 2);
  EXPECT_EQ(d.protocol().aftercare(0).id(), "sunscreen");
  EXPECT_EQ(d.protocol().areas(0).id(), "forehead");
}

TEST(DefinitionSourceTest, LocatesFieldsOfTheDefinition) {
  const DefinitionSource source = Parse();
  EXPECT_EQ(source.Locate("protocol.areas[0].max_depth_um").ToString(), "own.textproto:5:5");
  EXPECT_EQ(source.Locate("id").ToString(), "own.textproto:1:1");
  // The third question and the second rule are the definition's own.
  EXPECT_EQ(source.Locate("screening_questions[2].answer_type").ToString(), "own.textproto:9:46");
  EXPECT_EQ(source.Locate("contraindications[1].condition.client.age_under_years").ToString(),
            "own.textproto:12:24");
  EXPECT_EQ(source.Locate("protocol.aftercare[1].text").ToString(), "own.textproto:7:31");
}

TEST(DefinitionSourceTest, LocatesBaseEntriesInTheBase) {
  const DefinitionSource source = Parse();
  EXPECT_EQ(source.Locate("screening_questions[1].id").ToString(), "base.textproto:7:3");
  EXPECT_EQ(source.Locate("contraindications[0].condition.answer.question_id").ToString(),
            "base.textproto:13:24");
  EXPECT_EQ(source.Locate("protocol.aftercare[0].id").ToString(), "base.textproto:15:24");
}

TEST(DefinitionSourceTest, CountsAroundTheEntriesOmitLeavesOut) {
  const DefinitionSource source = Parse({"cold_sore_history"});
  ASSERT_EQ(source.definition().screening_questions_size(), 2);
  EXPECT_EQ(source.definition().screening_questions(0).id(), "pregnant");
  // The merged list's first entry is the base's second.
  EXPECT_EQ(source.Locate("screening_questions[0].id").ToString(), "base.textproto:7:3");
  EXPECT_EQ(source.Locate("screening_questions[1].id").ToString(), "own.textproto:9:23");
}

TEST(DefinitionSourceTest, AFieldLeftOutIsShownAtTheElementThatLacksIt) {
  const DefinitionSource source = Parse();
  // The rule has no rationale: its entry is where one belongs.
  EXPECT_EQ(source.Locate("contraindications[1].rationale").ToString(), "own.textproto:10:1");
  EXPECT_EQ(source.Locate("protocol.areas[0].display_name").ToString(), "own.textproto:3:3");
  EXPECT_EQ(source.Locate("protocol.course").ToString(), "own.textproto:2:1");
  // Written nowhere: the file alone.
  EXPECT_EQ(source.Locate("screening_validity").ToString(), "own.textproto");
  EXPECT_EQ(source.Locate("indications").ToString(), "own.textproto");
  EXPECT_EQ(source.Locate("protocol.areas[4].id").ToString(), "own.textproto:2:1");
}

TEST(DefinitionSourceTest, ReportsTextFormatMistakesAtTheirLineAndColumn) {
  absl::StatusOr<DefinitionSource> source = DefinitionSource::Parse(
      {"own.textproto", "id: \"own\"\nscreening_questions {\n  answer_type: YES_OR_NO\n}\n"},
      {{"base.textproto", "contraindications { id: \"x\" }\nversion 1\n"}}, {});
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<std::string> lines = absl::StrSplit(source.status().message(), '\n');
  ASSERT_EQ(lines.size(), 2u) << source.status();
  EXPECT_THAT(lines[0], HasSubstr("base.textproto:2:9: error: "));
  // The parser notices a misspelt enum value at the token after it.
  EXPECT_THAT(lines[1], HasSubstr("own.textproto:4:1: error: Unknown enumeration value of "
                                  "\"YES_OR_NO\""));
}

TEST(DefinitionSourceTest, AnOmitThatNamesNothingIsRefused) {
  absl::StatusOr<DefinitionSource> source = DefinitionSource::Parse(
      {"own.textproto", kDefinition}, {{"base.textproto", kBase}}, {"no_such_rule"});
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().message(),
            "own.textproto: error: OMIT names 'no_such_rule', which no base declares (as a "
            "screening question, contraindication rule or aftercare id)");
}

TEST(DefinitionSourceTest, AFileThatCannotBeReadIsNamed) {
  absl::StatusOr<DefinitionSource> source =
      DefinitionSource::Read("/no/such/definition.textproto", {}, {});
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(source.status().message(), HasSubstr("/no/such/definition.textproto: error: "));
}

}  // namespace
}  // namespace clinic
