// The screening evaluator: three-valued logic (every row of the table),
// each kind of test with its boundaries, per-area answers and facts local to
// a region, actions and outcomes, evidence, what it makes of definitions it
// does not expect, and CheckAnswers for every refusal. Every rule of every
// bundled plugin, as built (bases included), can be made to fire alone, and
// an all-clear screening of each clears. A randomized property test closes: random valid
// definitions, answers and histories, with fixed seeds.
#include "services/screening/screening_evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/core/status.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/plugin_definition.h"
#include "tests/testing/test_env.h"
#include "tools/screening_answers/plain_answer.h"

namespace clinic::screening {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const absl::CivilDay kToday(2026, 12, 1);
constexpr int64_t kDay = 24 * 3600;

v1::Date ToDate(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

v1::Date MakeDate(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

// Answers.
v1::Answer Blank(const std::string& id) {
  v1::Answer answer;
  answer.set_question_id(id);
  return answer;
}
v1::Answer Yes(const std::string& id, const std::vector<std::string>& areas = {}) {
  v1::Answer answer = Blank(id);
  answer.set_yes_no(true);
  for (const std::string& area : areas) answer.add_area_ids(area);
  return answer;
}
v1::Answer No(const std::string& id) {
  v1::Answer answer = Blank(id);
  answer.set_yes_no(false);
  return answer;
}
v1::Answer DontKnow(const std::string& id) {
  v1::Answer answer = Blank(id);
  answer.set_unknown(true);
  return answer;
}
v1::Answer Never(const std::string& id) {
  v1::Answer answer = Blank(id);
  answer.set_never(true);
  return answer;
}
v1::Answer OnDate(const std::string& id, v1::Date date) {
  v1::Answer answer = Blank(id);
  *answer.mutable_date() = date;
  return answer;
}
v1::Answer DaysAgo(const std::string& id, int days) { return OnDate(id, ToDate(kToday - days)); }
v1::Answer Number(const std::string& id, double number) {
  v1::Answer answer = Blank(id);
  answer.set_number(number);
  return answer;
}
v1::Answer Choice(const std::string& id, const std::string& option) {
  v1::Answer answer = Blank(id);
  answer.set_choice_id(option);
  return answer;
}
v1::Answer Text(const std::string& id, const std::string& text) {
  v1::Answer answer = Blank(id);
  answer.set_text(text);
  return answer;
}

// Medical-history entries.
v1::MedicalFactEntry Present(v1::MedicalFact fact, std::optional<int> started_days_ago = {},
                             const std::vector<v1::BodyRegion>& regions = {}) {
  v1::MedicalFactEntry entry;
  entry.set_fact(fact);
  entry.set_present(true);
  if (started_days_ago.has_value())
    *entry.mutable_start_date() = ToDate(kToday - *started_days_ago);
  for (v1::BodyRegion region : regions) entry.add_regions(region);
  return entry;
}
v1::MedicalFactEntry NotPresent(v1::MedicalFact fact, std::optional<int> ended_days_ago = {}) {
  v1::MedicalFactEntry entry;
  entry.set_fact(fact);
  entry.set_present(false);
  if (ended_days_ago.has_value()) *entry.mutable_end_date() = ToDate(kToday - *ended_days_ago);
  return entry;
}

// A definition with four areas in three regions and a question of every
// kind; each test adds its rules.
constexpr char kBase[] = R"pb(
  id: "evaluator_test"
  display_name: "Evaluator test"
  version: "1.0.0"
  protocol {
    areas {
      id: "forehead"
      region: BODY_REGION_FACE
      min_depth_um: 250
      max_depth_um: 1500
      min_passes: 1
      max_passes: 3
    }
    areas {
      id: "upper_lip"
      region: BODY_REGION_FACE
      min_depth_um: 250
      max_depth_um: 1000
      min_passes: 1
      max_passes: 3
    }
    areas {
      id: "neck"
      region: BODY_REGION_NECK
      min_depth_um: 250
      max_depth_um: 1000
      min_passes: 1
      max_passes: 3
    }
    areas {
      id: "decollete"
      region: BODY_REGION_DECOLLETE
      min_depth_um: 250
      max_depth_um: 1000
      min_passes: 1
      max_passes: 3
    }
  }
  screening_questions { id: "infection" answer_type: ANSWER_TYPE_YES_NO required: true }
  screening_questions { id: "lesion" answer_type: ANSWER_TYPE_YES_NO required: true per_area: true }
  screening_questions { id: "a" answer_type: ANSWER_TYPE_YES_NO unknown_allowed: true }
  screening_questions { id: "b" answer_type: ANSWER_TYPE_YES_NO unknown_allowed: true }
  screening_questions { id: "c" answer_type: ANSWER_TYPE_YES_NO unknown_allowed: true }
  screening_questions {
    id: "last_dose"
    answer_type: ANSWER_TYPE_DATE
    unknown_allowed: true
    never_label: "Never taken"
  }
  screening_questions { id: "procedure_date" answer_type: ANSWER_TYPE_DATE }
  screening_questions {
    id: "hba1c"
    answer_type: ANSWER_TYPE_NUMBER
    unknown_allowed: true
    number_bounds { min: 20 max: 200 unit: "mmol/mol" }
  }
  screening_questions {
    id: "pregnancy"
    answer_type: ANSWER_TYPE_CHOICE
    required: true
    options { id: "no" label: "No" }
    options { id: "pregnant" label: "Pregnant, or might be" }
    options { id: "breastfeeding" label: "Breastfeeding" }
  }
  screening_questions { id: "notes" answer_type: ANSWER_TYPE_TEXT }
)pb";

const std::vector<std::string> kAllAreas = {"forehead", "upper_lip", "neck", "decollete"};

v1::TreatmentDefinition Parse(const std::string& text) {
  v1::TreatmentDefinition definition;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &definition)) << text;
  return definition;
}

// One rule in text format.
std::string Rule(const std::string& id, const std::string& severity, const std::string& condition,
                 const std::string& action = "") {
  return absl::StrCat("contraindications { id: \"", id, "\" display_name: \"Rule ", id,
                      "\" severity: SEVERITY_", severity, " condition { ", condition,
                      " } rationale: \"Why ", id, "\" guidance: \"What ", id, "\" ", action, " }");
}

v1::TreatmentDefinition Definition(const std::vector<std::string>& rules) {
  return Parse(absl::StrCat(kBase, absl::StrJoin(rules, "\n")));
}

EvaluationInput Input(const v1::TreatmentDefinition& definition,
                      std::vector<v1::Answer> answers = {},
                      std::vector<v1::MedicalFactEntry> facts = {},
                      std::vector<std::string> planned = kAllAreas) {
  EvaluationInput input;
  input.definition = &definition;
  input.planned_area_ids = std::move(planned);
  input.answers = std::move(answers);
  input.facts = std::move(facts);
  input.date_of_birth = MakeDate(1990, 5, 15);
  input.fitzpatrick_type = v1::FITZPATRICK_TYPE_III;
  input.screening_day = kToday;
  return input;
}

// Findings in one line each: "rule CONFIRMED forehead,neck".
std::vector<std::string> Summary(const Evaluation& evaluation) {
  std::vector<std::string> out;
  for (const v1::Finding& finding : evaluation.findings) {
    out.push_back(absl::StrCat(
        finding.rule_id(), " ",
        finding.certainty() == v1::FINDING_CERTAINTY_CONFIRMED ? "CONFIRMED" : "NOT_RULED_OUT", " ",
        absl::StrJoin(finding.area_ids(), ",")));
  }
  return out;
}

// "true", "false" or "unknown": what the rules made of `area`.
std::string ValueIn(const Evaluation& evaluation, const std::string& area) {
  std::string value = "false";
  for (const v1::Finding& finding : evaluation.findings) {
    if (std::find(finding.area_ids().begin(), finding.area_ids().end(), area) ==
        finding.area_ids().end()) {
      continue;
    }
    value = finding.certainty() == v1::FINDING_CERTAINTY_CONFIRMED ? "true" : "unknown";
  }
  return value;
}

// The value of one condition in one area, for the given input.
std::string ValueOf(const std::string& condition, std::vector<v1::Answer> answers,
                    std::vector<v1::MedicalFactEntry> facts = {},
                    const std::string& area = "forehead") {
  const v1::TreatmentDefinition definition = Definition({Rule("r", "RELATIVE", condition)});
  return ValueIn(Evaluate(Input(definition, std::move(answers), std::move(facts), {area})), area);
}

// Evidence in one line each: "question:a=yes".
std::vector<std::string> EvidenceOf(const v1::Finding& finding) {
  std::vector<std::string> out;
  for (const v1::Evidence& evidence : finding.evidence()) {
    EXPECT_TRUE(evidence.decisive());
    switch (evidence.source_case()) {
      case v1::Evidence::kQuestionId:
        out.push_back(absl::StrCat("question:", evidence.question_id(), "=", evidence.value()));
        break;
      case v1::Evidence::kFact:
        out.push_back(
            absl::StrCat("fact:", v1::MedicalFact_Name(evidence.fact()), "=", evidence.value()));
        break;
      case v1::Evidence::kClientAttribute:
        out.push_back(absl::StrCat("client:", evidence.client_attribute(), "=", evidence.value()));
        break;
      default:
        out.push_back("?");
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Three-valued logic.

v1::Answer Leaf(const std::string& id, char value) {
  switch (value) {
    case 'T':
      return Yes(id);
    case 'F':
      return No(id);
    default:
      return DontKnow(id);
  }
}

std::string Word(char value) { return value == 'T' ? "true" : value == 'F' ? "false" : "unknown"; }

TEST(ScreeningEvaluatorLogic, KleeneTableForTwoParts) {
  // {a, b, all_of, any_of, none_of}: every combination of two parts.
  const std::vector<std::string> table = {
      "TTTTF", "TFFTF", "TUUTF", "FTFTF", "FFFFT", "FUFUU", "UTUTF", "UFFUU", "UUUUU",
  };
  const std::string parts =
      R"pb(conditions { answer { question_id: "a" equals: true } }
           conditions { answer { question_id: "b" equals: true } })pb";
  for (const std::string& row : table) {
    SCOPED_TRACE(row);
    const std::vector<v1::Answer> answers = {Leaf("a", row[0]), Leaf("b", row[1])};
    EXPECT_EQ(ValueOf(absl::StrCat("all_of { ", parts, " }"), answers), Word(row[2]));
    EXPECT_EQ(ValueOf(absl::StrCat("any_of { ", parts, " }"), answers), Word(row[3]));
    EXPECT_EQ(ValueOf(absl::StrCat("none_of { ", parts, " }"), answers), Word(row[4]));
  }
}

TEST(ScreeningEvaluatorLogic, KleeneTableForOneAndThreeParts) {
  for (const char a : std::string("TFU")) {
    SCOPED_TRACE(std::string(1, a));
    const std::vector<v1::Answer> one = {Leaf("a", a)};
    const std::string part = R"pb(conditions { answer { question_id: "a" equals: true } })pb";
    EXPECT_EQ(ValueOf(absl::StrCat("all_of { ", part, " }"), one), Word(a));
    EXPECT_EQ(ValueOf(absl::StrCat("any_of { ", part, " }"), one), Word(a));
    EXPECT_EQ(ValueOf(absl::StrCat("none_of { ", part, " }"), one), Word(a == 'T'   ? 'F'
                                                                         : a == 'F' ? 'T'
                                                                                    : 'U'));
  }
  // Three parts: every one of the 27 rows against the definition of the
  // table (false beats unknown beats true for all_of, and so on).
  const std::string parts =
      R"pb(conditions { answer { question_id: "a" equals: true } }
           conditions { answer { question_id: "b" equals: true } }
           conditions { answer { question_id: "c" equals: true } })pb";
  for (const char a : std::string("TFU")) {
    for (const char b : std::string("TFU")) {
      for (const char c : std::string("TFU")) {
        const std::string row = {a, b, c};
        SCOPED_TRACE(row);
        const bool has_f = row.find('F') != std::string::npos;
        const bool has_t = row.find('T') != std::string::npos;
        const bool has_u = row.find('U') != std::string::npos;
        const char all = has_f ? 'F' : has_u ? 'U' : 'T';
        const char any = has_t ? 'T' : has_u ? 'U' : 'F';
        const char none = any == 'T' ? 'F' : any == 'F' ? 'T' : 'U';
        const std::vector<v1::Answer> answers = {Leaf("a", a), Leaf("b", b), Leaf("c", c)};
        EXPECT_EQ(ValueOf(absl::StrCat("all_of { ", parts, " }"), answers), Word(all));
        EXPECT_EQ(ValueOf(absl::StrCat("any_of { ", parts, " }"), answers), Word(any));
        EXPECT_EQ(ValueOf(absl::StrCat("none_of { ", parts, " }"), answers), Word(none));
      }
    }
  }
}

TEST(ScreeningEvaluatorLogic, NestedConditionsToTheDeepestLevel) {
  // Eight levels: none_of(none_of(...(a)...)) seven times around a leaf.
  std::string condition = R"pb(answer { question_id: "a" equals: true })pb";
  for (int i = 0; i < 7; ++i)
    condition = absl::StrCat("none_of { conditions { ", condition, " } }");
  // Seven negations of "yes" is "false"; of "no", "true".
  EXPECT_EQ(ValueOf(condition, {Yes("a")}), "false");
  EXPECT_EQ(ValueOf(condition, {No("a")}), "true");
  EXPECT_EQ(ValueOf(condition, {DontKnow("a")}), "unknown");
  // A ninth level is more than the contract allows: unknown, never false.
  const std::string deeper = absl::StrCat("none_of { conditions { ", condition, " } }");
  EXPECT_EQ(ValueOf(deeper, {Yes("a")}), "unknown");
  EXPECT_EQ(ValueOf(deeper, {No("a")}), "unknown");
}

TEST(ScreeningEvaluatorLogic, EvidenceNamesTheInputsThatDecided) {
  const std::string parts =
      R"pb(conditions { answer { question_id: "a" equals: true } }
           conditions { answer { question_id: "b" equals: true } })pb";
  const auto evidence = [&](const std::string& op, std::vector<v1::Answer> answers) {
    const v1::TreatmentDefinition definition =
        Definition({Rule("r", "RELATIVE", absl::StrCat(op, " { ", parts, " }"))});
    const Evaluation evaluation = Evaluate(Input(definition, std::move(answers)));
    EXPECT_EQ(evaluation.findings.size(), 1u);
    return evaluation.findings.empty() ? std::vector<std::string>{}
                                       : EvidenceOf(evaluation.findings.at(0));
  };
  // A true all_of: every part. A true any_of: the true parts.
  EXPECT_THAT(evidence("all_of", {Yes("a"), Yes("b")}),
              ElementsAre("question:a=yes", "question:b=yes"));
  EXPECT_THAT(evidence("any_of", {No("a"), Yes("b")}), ElementsAre("question:b=yes"));
  // A true none_of: the parts that are false.
  EXPECT_THAT(evidence("none_of", {No("a"), No("b")}),
              ElementsAre("question:a=no", "question:b=no"));
  // Unknown results: the unknown parts.
  EXPECT_THAT(evidence("all_of", {Yes("a"), DontKnow("b")}),
              ElementsAre("question:b=I don't know"));
  EXPECT_THAT(evidence("any_of", {No("a")}), ElementsAre("question:b=not answered"));
  EXPECT_THAT(evidence("none_of", {DontKnow("a"), No("b")}),
              ElementsAre("question:a=I don't know"));
}

TEST(ScreeningEvaluatorLogic, EvidenceListsAnInputOnceInTheOrderRead) {
  const v1::TreatmentDefinition definition = Definition({Rule("r", "RELATIVE", R"pb(
    all_of {
      conditions { answer { question_id: "b" equals: true } }
      conditions {
        any_of {
          conditions { answer { question_id: "a" equals: true } }
          conditions { answer { question_id: "b" answered: true } }
        }
      }
      conditions { fact { fact: ISOTRETINOIN present: true } }
      conditions { client { age_at_least_years: 18 } }
      conditions { client { fitzpatrick_one_of { types: FITZPATRICK_TYPE_III } } }
      conditions { area { regions: BODY_REGION_FACE } }
    }
  )pb")});
  const Evaluation evaluation =
      Evaluate(Input(definition, {Yes("a"), Yes("b")}, {Present(v1::ISOTRETINOIN)}, {"forehead"}));
  ASSERT_EQ(evaluation.findings.size(), 1u);
  EXPECT_THAT(EvidenceOf(evaluation.findings.at(0)),
              ElementsAre("question:b=yes", "question:a=yes", "fact:ISOTRETINOIN=present",
                          "client:age=36 years", "client:fitzpatrick_type=type III"));
}

// ---------------------------------------------------------------------------
// Answer tests.

struct Case {
  std::string name;
  std::string condition;
  std::vector<v1::Answer> answers;
  std::vector<v1::MedicalFactEntry> facts;
  std::string expected;
};

void RunCases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ValueOf(c.condition, c.answers, c.facts), c.expected);
  }
}

TEST(ScreeningEvaluatorAnswers, EachComparison) {
  const std::string yes = R"pb(answer { question_id: "a" equals: true })pb";
  const std::string no = R"pb(answer { question_id: "a" equals: false })pb";
  const std::string answered = R"pb(answer { question_id: "last_dose" answered: true })pb";
  const std::string not_answered = R"pb(answer { question_id: "last_dose" answered: false })pb";
  const std::string dont_know = R"pb(answer { question_id: "a" answered_unknown: true })pb";
  const std::string one_of = R"pb(answer {
                                    question_id: "pregnancy"
                                    one_of { option_ids: "pregnant" option_ids: "breastfeeding" }
                                  })pb";
  const std::string at_least = R"pb(answer { question_id: "hba1c" at_least: 69 })pb";
  const std::string at_most = R"pb(answer { question_id: "hba1c" at_most: 69 })pb";
  const std::string greater = R"pb(answer { question_id: "hba1c" greater_than: 69 })pb";
  const std::string less = R"pb(answer { question_id: "hba1c" less_than: 69 })pb";
  RunCases({
      {"equals true, yes", yes, {Yes("a")}, {}, "true"},
      {"equals true, no", yes, {No("a")}, {}, "false"},
      {"equals true, I don't know", yes, {DontKnow("a")}, {}, "unknown"},
      {"equals true, not answered", yes, {}, {}, "unknown"},
      {"equals true, answer without a value", yes, {Blank("a")}, {}, "unknown"},
      {"equals false, no", no, {No("a")}, {}, "true"},
      {"equals false, yes", no, {Yes("a")}, {}, "false"},
      {"equals false, not answered", no, {}, {}, "unknown"},
      {"answered, a date", answered, {DaysAgo("last_dose", 3)}, {}, "true"},
      {"answered, never", answered, {Never("last_dose")}, {}, "true"},
      {"answered, I don't know", answered, {DontKnow("last_dose")}, {}, "false"},
      {"answered, not answered", answered, {}, {}, "false"},
      {"answered false, not answered", not_answered, {}, {}, "true"},
      {"answered false, I don't know", not_answered, {DontKnow("last_dose")}, {}, "true"},
      {"answered false, never", not_answered, {Never("last_dose")}, {}, "false"},
      {"answered_unknown, I don't know", dont_know, {DontKnow("a")}, {}, "true"},
      {"answered_unknown, yes", dont_know, {Yes("a")}, {}, "false"},
      {"answered_unknown, not answered", dont_know, {}, {}, "false"},
      {"one_of, in the set", one_of, {Choice("pregnancy", "breastfeeding")}, {}, "true"},
      {"one_of, not in the set", one_of, {Choice("pregnancy", "no")}, {}, "false"},
      {"one_of, not an option", one_of, {Choice("pregnancy", "twins")}, {}, "unknown"},
      {"at_least, equal", at_least, {Number("hba1c", 69)}, {}, "true"},
      {"at_least, below", at_least, {Number("hba1c", 68.9)}, {}, "false"},
      {"at_least, I don't know", at_least, {DontKnow("hba1c")}, {}, "unknown"},
      {"at_least, not answered", at_least, {}, {}, "unknown"},
      {"at_least, not finite", at_least, {Number("hba1c", NAN)}, {}, "unknown"},
      {"at_most, equal", at_most, {Number("hba1c", 69)}, {}, "true"},
      {"at_most, above", at_most, {Number("hba1c", 69.1)}, {}, "false"},
      {"greater_than, equal", greater, {Number("hba1c", 69)}, {}, "false"},
      {"greater_than, above", greater, {Number("hba1c", 69.5)}, {}, "true"},
      {"less_than, equal", less, {Number("hba1c", 69)}, {}, "false"},
      {"less_than, below", less, {Number("hba1c", 68)}, {}, "true"},
      {"a comparison that does not fit the answer", yes, {Number("a", 1)}, {}, "unknown"},
  });
}

TEST(ScreeningEvaluatorAnswers, WithinLastCountsWholeDaysBackFromTheScreeningDay) {
  const std::string within_180 = R"pb(answer {
                                        question_id: "last_dose"
                                        within_last { seconds: 15552000 }
                                      })pb";
  // 180 days and one second, and 180 days less one second: whole days only.
  const std::string within_180_and_a_bit = R"pb(answer {
                                                  question_id: "last_dose"
                                                  within_last { seconds: 15552001 }
                                                })pb";
  const std::string within_179_and_most = R"pb(answer {
                                                 question_id: "last_dose"
                                                 within_last { seconds: 15551999 }
                                               })pb";
  RunCases({
      {"today", within_180, {DaysAgo("last_dose", 0)}, {}, "true"},
      {"179 days ago", within_180, {DaysAgo("last_dose", 179)}, {}, "true"},
      {"180 days ago", within_180, {DaysAgo("last_dose", 180)}, {}, "true"},
      {"181 days ago", within_180, {DaysAgo("last_dose", 181)}, {}, "false"},
      {"years ago", within_180, {DaysAgo("last_dose", 3000)}, {}, "false"},
      {"never", within_180, {Never("last_dose")}, {}, "false"},
      {"I don't know", within_180, {DontKnow("last_dose")}, {}, "unknown"},
      {"not answered", within_180, {}, {}, "unknown"},
      {"not a date", within_180, {OnDate("last_dose", MakeDate(2026, 2, 30))}, {}, "unknown"},
      {"a bit over 180 days, 180 days ago",
       within_180_and_a_bit,
       {DaysAgo("last_dose", 180)},
       {},
       "true"},
      {"a bit over 180 days, 181 days ago",
       within_180_and_a_bit,
       {DaysAgo("last_dose", 181)},
       {},
       "false"},
      {"a bit under 180 days, 179 days ago",
       within_179_and_most,
       {DaysAgo("last_dose", 179)},
       {},
       "true"},
      {"a bit under 180 days, 180 days ago",
       within_179_and_most,
       {DaysAgo("last_dose", 180)},
       {},
       "false"},
  });
  // Calendar days, across a leap day: 2024-02-01 to 2024-07-30 is 180 days.
  const v1::TreatmentDefinition definition = Definition({Rule("r", "RELATIVE", within_180)});
  EvaluationInput input = Input(definition, {OnDate("last_dose", MakeDate(2024, 2, 1))});
  input.screening_day = absl::CivilDay(2024, 7, 30);
  EXPECT_EQ(ValueIn(Evaluate(input), "forehead"), "true");
  input.screening_day = absl::CivilDay(2024, 7, 31);
  EXPECT_EQ(ValueIn(Evaluate(input), "forehead"), "false");
}

TEST(ScreeningEvaluatorAnswers, PerAreaYesHoldsOnlyWhereItIsNamed) {
  const std::string yes = R"pb(answer { question_id: "lesion" equals: true })pb";
  const std::string no = R"pb(answer { question_id: "lesion" equals: false })pb";
  for (const std::string& condition : {yes, no}) {
    const v1::TreatmentDefinition definition = Definition({Rule("r", "RELATIVE", condition)});
    const bool wants_yes = condition == yes;
    SCOPED_TRACE(wants_yes ? "equals true" : "equals false");
    const Evaluation named = Evaluate(Input(definition, {Yes("lesion", {"upper_lip", "neck"})}));
    EXPECT_THAT(Summary(named), ElementsAre(wants_yes ? "r CONFIRMED upper_lip,neck"
                                                      : "r CONFIRMED forehead,decollete"));
    const std::vector<std::string> all = {"r CONFIRMED forehead,upper_lip,neck,decollete"};
    const std::vector<std::string> none;
    EXPECT_EQ(Summary(Evaluate(Input(definition, {Yes("lesion")}))), wants_yes ? all : none);
    EXPECT_EQ(Summary(Evaluate(Input(definition, {No("lesion")}))), wants_yes ? none : all);
  }
  // The evidence says where.
  const v1::TreatmentDefinition definition = Definition({Rule("r", "RELATIVE", yes)});
  const Evaluation evaluation = Evaluate(Input(definition, {Yes("lesion", {"neck", "upper_lip"})}));
  ASSERT_EQ(evaluation.findings.size(), 1u);
  EXPECT_THAT(EvidenceOf(evaluation.findings.at(0)),
              ElementsAre("question:lesion=yes, in upper_lip, neck"));
}

// ---------------------------------------------------------------------------
// Fact tests.

TEST(ScreeningEvaluatorFacts, EachComparison) {
  const std::string present = R"pb(fact { fact: ANTICOAGULANT present: true })pb";
  const std::string absent = R"pb(fact { fact: ANTICOAGULANT present: false })pb";
  const std::string active = R"pb(fact {
                                    fact: ISOTRETINOIN
                                    active_within { seconds: 15552000 }
                                  })pb";
  const std::string started = R"pb(fact {
                                     fact: ANTICOAGULANT
                                     started_within { seconds: 2419200 }
                                   })pb";
  RunCases({
      {"present, no entry", present, {}, {}, "false"},
      {"present, present", present, {}, {Present(v1::ANTICOAGULANT)}, "true"},
      {"present, not present", present, {}, {NotPresent(v1::ANTICOAGULANT)}, "false"},
      {"present, another fact", present, {}, {Present(v1::ANTIPLATELET)}, "false"},
      {"present false, no entry", absent, {}, {}, "true"},
      {"present false, present", absent, {}, {Present(v1::ANTICOAGULANT)}, "false"},
      {"present false, not present", absent, {}, {NotPresent(v1::ANTICOAGULANT)}, "true"},
      {"active_within, no entry", active, {}, {}, "false"},
      {"active_within, present", active, {}, {Present(v1::ISOTRETINOIN)}, "true"},
      {"active_within, present since long ago",
       active,
       {},
       {Present(v1::ISOTRETINOIN, 4000)},
       "true"},
      {"active_within, ended today", active, {}, {NotPresent(v1::ISOTRETINOIN, 0)}, "true"},
      {"active_within, ended 179 days ago",
       active,
       {},
       {NotPresent(v1::ISOTRETINOIN, 179)},
       "true"},
      {"active_within, ended 180 days ago",
       active,
       {},
       {NotPresent(v1::ISOTRETINOIN, 180)},
       "true"},
      {"active_within, ended 181 days ago",
       active,
       {},
       {NotPresent(v1::ISOTRETINOIN, 181)},
       "false"},
      {"active_within, ended, date not recorded",
       active,
       {},
       {NotPresent(v1::ISOTRETINOIN)},
       "unknown"},
      {"started_within, no entry", started, {}, {}, "false"},
      {"started_within, started 28 days ago",
       started,
       {},
       {Present(v1::ANTICOAGULANT, 28)},
       "true"},
      {"started_within, started 29 days ago",
       started,
       {},
       {Present(v1::ANTICOAGULANT, 29)},
       "false"},
      {"started_within, start not recorded", started, {}, {Present(v1::ANTICOAGULANT)}, "unknown"},
      {"started_within, not present", started, {}, {NotPresent(v1::ANTICOAGULANT, 3)}, "false"},
  });
}

TEST(ScreeningEvaluatorFacts, InTreatedRegionHoldsOnlyInTheFactsRegions) {
  const v1::TreatmentDefinition definition =
      Definition({Rule("radiation", "ABSOLUTE", R"pb(fact {
                                                       fact: RADIATION_THERAPY
                                                       active_within { seconds: 31536000 }
                                                       in_treated_region: true
                                                     })pb",
                       "action { exclude_areas {} }")});
  // Radiation to the chest leaves a facial treatment alone.
  const Evaluation chest = Evaluate(
      Input(definition, {}, {Present(v1::RADIATION_THERAPY, 30, {v1::BODY_REGION_DECOLLETE})},
            {"forehead", "upper_lip"}));
  EXPECT_THAT(Summary(chest), IsEmpty());
  EXPECT_EQ(chest.outcome, v1::SCREENING_OUTCOME_CLEARED);
  // To the face, it fires in the facial areas only.
  const Evaluation face =
      Evaluate(Input(definition, {}, {Present(v1::RADIATION_THERAPY, 30, {v1::BODY_REGION_FACE})}));
  EXPECT_THAT(Summary(face), ElementsAre("radiation CONFIRMED forehead,upper_lip"));
  ASSERT_EQ(face.findings.size(), 1u);
  EXPECT_THAT(EvidenceOf(face.findings.at(0)),
              ElementsAre(absl::StrCat("fact:RADIATION_THERAPY=present since ",
                                       absl::FormatCivilTime(kToday - 30), ", in face")));
  // Without regions it counts everywhere.
  const Evaluation anywhere = Evaluate(Input(definition, {}, {Present(v1::RADIATION_THERAPY, 30)}));
  EXPECT_THAT(Summary(anywhere),
              ElementsAre("radiation CONFIRMED forehead,upper_lip,neck,decollete"));
  EXPECT_EQ(anywhere.outcome, v1::SCREENING_OUTCOME_CONTRAINDICATED);
  // Unknown stays unknown in the regions, and false elsewhere.
  v1::MedicalFactEntry ended = NotPresent(v1::RADIATION_THERAPY);
  ended.add_regions(v1::BODY_REGION_NECK);
  const Evaluation neck = Evaluate(Input(definition, {}, {ended}));
  EXPECT_THAT(Summary(neck), ElementsAre("radiation NOT_RULED_OUT neck"));
  // Without in_treated_region, the region does not matter.
  const v1::TreatmentDefinition anywhere_rule =
      Definition({Rule("radiation", "ABSOLUTE", R"pb(fact {
                                                       fact: RADIATION_THERAPY
                                                       active_within { seconds: 31536000 }
                                                     })pb")});
  EXPECT_THAT(Summary(Evaluate(Input(anywhere_rule, {},
                                     {Present(v1::RADIATION_THERAPY, 30, {v1::BODY_REGION_BODY})},
                                     {"forehead"}))),
              ElementsAre("radiation CONFIRMED forehead"));
}

// ---------------------------------------------------------------------------
// Client and area tests.

TEST(ScreeningEvaluatorClient, AgeInWholeYearsOnTheScreeningDay) {
  const v1::TreatmentDefinition definition =
      Definition({Rule("minor", "ABSOLUTE", R"pb(client { age_under_years: 18 })pb"),
                  Rule("adult", "RELATIVE", R"pb(client { age_at_least_years: 18 })pb")});
  struct AgeCase {
    std::string name;
    v1::Date born;
    absl::CivilDay day;
    int age;
  };
  for (const AgeCase& c : std::vector<AgeCase>{
           {"the day before the 18th birthday", MakeDate(2008, 12, 2), absl::CivilDay(2026, 12, 1),
            17},
           {"the 18th birthday", MakeDate(2008, 12, 1), absl::CivilDay(2026, 12, 1), 18},
           {"29 February, 28 February of a common year", MakeDate(2008, 2, 29),
            absl::CivilDay(2026, 2, 28), 17},
           {"29 February, 1 March of a common year", MakeDate(2008, 2, 29),
            absl::CivilDay(2026, 3, 1), 18},
           {"29 February, 28 February of a leap year", MakeDate(2008, 2, 29),
            absl::CivilDay(2028, 2, 28), 19},
           {"29 February, 29 February of a leap year", MakeDate(2008, 2, 29),
            absl::CivilDay(2028, 2, 29), 20},
           {"born 31 December, 1 January", MakeDate(2007, 12, 31), absl::CivilDay(2026, 1, 1), 18},
       }) {
    SCOPED_TRACE(c.name);
    EvaluationInput input = Input(definition);
    input.date_of_birth = c.born;
    input.screening_day = c.day;
    const Evaluation evaluation = Evaluate(input);
    EXPECT_EQ(evaluation.age_years, c.age);
    ASSERT_EQ(evaluation.findings.size(), 1u);
    EXPECT_EQ(evaluation.findings[0].rule_id(), c.age < 18 ? "minor" : "adult");
    EXPECT_THAT(EvidenceOf(evaluation.findings.at(0)),
                ElementsAre(absl::StrCat("client:age=", c.age, " years")));
  }
  // No date of birth, or one after the screening day: unknown, for review.
  for (const v1::Date& born : {v1::Date(), MakeDate(2027, 1, 1), MakeDate(2001, 2, 29)}) {
    EvaluationInput input = Input(definition);
    input.date_of_birth = born;
    const Evaluation evaluation = Evaluate(input);
    EXPECT_EQ(evaluation.age_years, -1);
    EXPECT_THAT(Summary(evaluation),
                ElementsAre("minor NOT_RULED_OUT forehead,upper_lip,neck,decollete",
                            "adult NOT_RULED_OUT forehead,upper_lip,neck,decollete"));
    EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
    EXPECT_THAT(EvidenceOf(evaluation.findings.at(0)),
                ElementsAre("client:age=date of birth not recorded"));
  }
}

TEST(ScreeningEvaluatorClient, FitzpatrickType) {
  const v1::TreatmentDefinition definition = Definition(
      {Rule("dark_skin", "RELATIVE",
            R"pb(client {
                   fitzpatrick_one_of { types: FITZPATRICK_TYPE_V types: FITZPATRICK_TYPE_VI }
                 })pb")});
  EvaluationInput input = Input(definition, {}, {}, {"forehead"});
  input.fitzpatrick_type = v1::FITZPATRICK_TYPE_V;
  Evaluation evaluation = Evaluate(input);
  EXPECT_THAT(Summary(evaluation), ElementsAre("dark_skin CONFIRMED forehead"));
  EXPECT_THAT(EvidenceOf(evaluation.findings.at(0)), ElementsAre("client:fitzpatrick_type=type V"));
  input.fitzpatrick_type = v1::FITZPATRICK_TYPE_II;
  EXPECT_THAT(Summary(Evaluate(input)), IsEmpty());
  input.fitzpatrick_type = v1::FITZPATRICK_TYPE_UNSPECIFIED;
  evaluation = Evaluate(input);
  EXPECT_THAT(Summary(evaluation), ElementsAre("dark_skin NOT_RULED_OUT forehead"));
  EXPECT_THAT(EvidenceOf(evaluation.findings.at(0)),
              ElementsAre("client:fitzpatrick_type=type not recorded"));
}

TEST(ScreeningEvaluatorAreas, AreaTestsScopeARule) {
  const v1::TreatmentDefinition definition = Definition({Rule("lips_and_neck", "RELATIVE", R"pb(
    all_of {
      conditions { answer { question_id: "a" equals: true } }
      conditions { area { area_ids: "upper_lip" regions: BODY_REGION_NECK } }
    }
  )pb")});
  EXPECT_THAT(Summary(Evaluate(Input(definition, {Yes("a")}))),
              ElementsAre("lips_and_neck CONFIRMED upper_lip,neck"));
  // Unknown where the area test holds; false elsewhere.
  EXPECT_THAT(Summary(Evaluate(Input(definition, {DontKnow("a")}))),
              ElementsAre("lips_and_neck NOT_RULED_OUT upper_lip,neck"));
  EXPECT_THAT(Summary(Evaluate(Input(definition, {Yes("a")}, {}, {"forehead", "decollete"}))),
              IsEmpty());
}

// ---------------------------------------------------------------------------
// Findings, actions and outcomes.

TEST(ScreeningEvaluatorOutcome, AFindingCopiesTheRule) {
  const v1::TreatmentDefinition definition = Definition(
      {Rule("infection", "ABSOLUTE", R"pb(answer { question_id: "infection" equals: true })pb")});
  const Evaluation evaluation = Evaluate(Input(definition, {Yes("infection")}, {}, {"neck"}));
  ASSERT_EQ(evaluation.findings.size(), 1u);
  const v1::Finding& finding = evaluation.findings[0];
  EXPECT_EQ(finding.rule_id(), "infection");
  EXPECT_EQ(finding.display_name(), "Rule infection");
  EXPECT_EQ(finding.severity(), v1::SEVERITY_ABSOLUTE);
  EXPECT_EQ(finding.certainty(), v1::FINDING_CERTAINTY_CONFIRMED);
  // An unset action is refuse_treatment, written out.
  EXPECT_TRUE(finding.action().has_refuse_treatment());
  EXPECT_THAT(finding.area_ids(), ElementsAre("neck"));
  EXPECT_EQ(finding.rationale(), "Why infection");
  EXPECT_EQ(finding.guidance(), "What infection");
  EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_CONTRAINDICATED);
  EXPECT_THAT(evaluation.excluded_areas, IsEmpty());
  EXPECT_THAT(evaluation.depth_limits, IsEmpty());
  EXPECT_EQ(evaluation.age_years, 36);
}

TEST(ScreeningEvaluatorOutcome, ClearedWhenNothingFires) {
  const v1::TreatmentDefinition definition = Definition(
      {Rule("infection", "ABSOLUTE", R"pb(answer { question_id: "infection" equals: true })pb"),
       Rule("a", "RELATIVE", R"pb(answer { question_id: "a" equals: true })pb")});
  const Evaluation evaluation = Evaluate(Input(definition, {No("infection"), No("a")}));
  EXPECT_THAT(evaluation.findings, IsEmpty());
  EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_CLEARED);
}

TEST(ScreeningEvaluatorOutcome, AnUnansweredOptionalQuestionIsNeverSilentlyCleared) {
  const v1::TreatmentDefinition definition =
      Definition({Rule("isotretinoin", "ABSOLUTE",
                       R"pb(any_of {
                              conditions {
                                answer {
                                  question_id: "last_dose"
                                  within_last { seconds: 15552000 }
                                }
                              }
                              conditions {
                                fact {
                                  fact: ISOTRETINOIN
                                  active_within { seconds: 15552000 }
                                }
                              }
                            })pb")});
  const Evaluation evaluation = Evaluate(Input(definition));
  EXPECT_THAT(Summary(evaluation),
              ElementsAre("isotretinoin NOT_RULED_OUT forehead,upper_lip,neck,decollete"));
  // Absolute, but not confirmed: a clinician establishes whether it applies.
  EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
  EXPECT_THAT(EvidenceOf(evaluation.findings.at(0)),
              ElementsAre("question:last_dose=not answered"));
  // "Never taken" clears it; a dose 200 days ago too; one 100 days ago refuses.
  EXPECT_EQ(Evaluate(Input(definition, {Never("last_dose")})).outcome,
            v1::SCREENING_OUTCOME_CLEARED);
  EXPECT_EQ(Evaluate(Input(definition, {DaysAgo("last_dose", 200)})).outcome,
            v1::SCREENING_OUTCOME_CLEARED);
  EXPECT_EQ(Evaluate(Input(definition, {DaysAgo("last_dose", 100)})).outcome,
            v1::SCREENING_OUTCOME_CONTRAINDICATED);
  // A history entry that ended without a date cannot rule it out either.
  const Evaluation ended =
      Evaluate(Input(definition, {Never("last_dose")}, {NotPresent(v1::ISOTRETINOIN)}));
  EXPECT_EQ(ended.outcome, v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
  EXPECT_THAT(EvidenceOf(ended.findings.at(0)),
              ElementsAre("fact:ISOTRETINOIN=not present, end not recorded"));
}

TEST(ScreeningEvaluatorOutcome, ConfirmedInSomeAreasAndUnknownInOthers) {
  const v1::TreatmentDefinition definition =
      Definition({Rule("r", "ABSOLUTE", R"pb(
                         any_of {
                           conditions { answer { question_id: "lesion" equals: true } }
                           conditions {
                             all_of {
                               conditions { answer { question_id: "a" equals: true } }
                               conditions { area { regions: BODY_REGION_NECK } }
                             }
                           }
                         }
                       )pb",
                       "action { exclude_areas {} }")});
  const Evaluation evaluation =
      Evaluate(Input(definition, {Yes("lesion", {"upper_lip"}), DontKnow("a")}));
  EXPECT_THAT(Summary(evaluation), ElementsAre("r CONFIRMED upper_lip", "r NOT_RULED_OUT neck"));
  EXPECT_THAT(EvidenceOf(evaluation.findings.at(0)),
              ElementsAre("question:lesion=yes, in upper_lip"));
  EXPECT_THAT(EvidenceOf(evaluation.findings.at(1)), ElementsAre("question:a=I don't know"));
  ASSERT_EQ(evaluation.excluded_areas.size(), 2u);
  EXPECT_EQ(evaluation.excluded_areas[0].area_id(), "upper_lip");
  EXPECT_FALSE(evaluation.excluded_areas[0].reviewable());
  EXPECT_EQ(evaluation.excluded_areas[1].area_id(), "neck");
  EXPECT_TRUE(evaluation.excluded_areas[1].reviewable());
  EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
}

// One rule of each severity and action, fired by its own question.
struct ActionCase {
  std::string name;
  std::string severity;
  std::string action;
  std::vector<v1::Answer> answers;
  v1::ScreeningOutcome outcome;
  std::vector<std::string> excluded;  // "area:reviewable|fixed:rule,rule"
  std::vector<std::string> limits;    // "area:depth:rule,rule"
};

std::vector<std::string> Exclusions(const Evaluation& evaluation) {
  std::vector<std::string> out;
  for (const v1::ExcludedArea& area : evaluation.excluded_areas) {
    out.push_back(absl::StrCat(area.area_id(), ":", area.reviewable() ? "reviewable" : "fixed", ":",
                               absl::StrJoin(area.rule_ids(), ",")));
  }
  return out;
}

std::vector<std::string> Limits(const Evaluation& evaluation) {
  std::vector<std::string> out;
  for (const v1::DepthLimit& limit : evaluation.depth_limits) {
    out.push_back(absl::StrCat(limit.area_id(), ":", limit.max_depth_um(), ":",
                               absl::StrJoin(limit.sources(), ",")));
  }
  return out;
}

TEST(ScreeningEvaluatorOutcome, ActionsBySeverityAndCertainty) {
  for (const ActionCase& c : std::vector<ActionCase>{
           {"absolute refuse",
            "ABSOLUTE",
            "action { refuse_treatment {} }",
            {Yes("lesion", {"neck"})},
            v1::SCREENING_OUTCOME_CONTRAINDICATED,
            {},
            {}},
           {"relative refuse",
            "RELATIVE",
            "action { refuse_treatment {} }",
            {Yes("lesion", {"neck"})},
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW,
            {},
            {}},
           {"absolute refuse not ruled out",
            "ABSOLUTE",
            "",
            {DontKnow("a")},
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW,
            {},
            {}},
           {"absolute exclude",
            "ABSOLUTE",
            "action { exclude_areas {} }",
            {Yes("lesion", {"neck", "upper_lip"})},
            v1::SCREENING_OUTCOME_CLEARED,
            {"upper_lip:fixed:r", "neck:fixed:r"},
            {}},
           {"absolute exclude of every planned area",
            "ABSOLUTE",
            "action { exclude_areas {} }",
            {Yes("lesion")},
            v1::SCREENING_OUTCOME_CONTRAINDICATED,
            {"forehead:fixed:r", "upper_lip:fixed:r", "neck:fixed:r", "decollete:fixed:r"},
            {}},
           {"relative exclude",
            "RELATIVE",
            "action { exclude_areas {} }",
            {Yes("lesion", {"neck"})},
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW,
            {"neck:reviewable:r"},
            {}},
           {"relative exclude of every planned area",
            "RELATIVE",
            "action { exclude_areas {} }",
            {Yes("lesion")},
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW,
            {"forehead:reviewable:r", "upper_lip:reviewable:r", "neck:reviewable:r",
             "decollete:reviewable:r"},
            {}},
           {"absolute exclude not ruled out",
            "ABSOLUTE",
            "action { exclude_areas {} }",
            {DontKnow("a")},
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW,
            {"forehead:reviewable:r", "upper_lip:reviewable:r", "neck:reviewable:r",
             "decollete:reviewable:r"},
            {}},
           {"absolute cap",
            "ABSOLUTE",
            "action { cap_depth { max_depth_um: 500 } }",
            {Yes("lesion", {"neck"})},
            v1::SCREENING_OUTCOME_CLEARED,
            {},
            {"neck:500:r"}},
           {"relative cap",
            "RELATIVE",
            "action { cap_depth { max_depth_um: 500 } }",
            {Yes("lesion", {"neck"})},
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW,
            {},
            {"neck:500:r"}},
           {"absolute cap not ruled out",
            "ABSOLUTE",
            "action { cap_depth { max_depth_um: 500 } }",
            {DontKnow("a")},
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW,
            {},
            {"forehead:500:r", "upper_lip:500:r", "neck:500:r", "decollete:500:r"}},
           {"relative sign-off",
            "RELATIVE",
            "action { require_sign_off { description: \"Oncologist's letter\" } }",
            {Yes("lesion", {"neck"})},
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW,
            {},
            {}},
       }) {
    SCOPED_TRACE(c.name);
    const v1::TreatmentDefinition definition =
        Definition({Rule("r", c.severity, R"pb(
                           any_of {
                             conditions { answer { question_id: "lesion" equals: true } }
                             conditions { answer { question_id: "a" equals: true } }
                           }
                         )pb",
                         c.action)});
    std::vector<v1::Answer> answers = c.answers;
    if (answers[0].question_id() != "lesion") answers.push_back(No("lesion"));
    if (answers[0].question_id() != "a") answers.push_back(No("a"));
    const Evaluation evaluation = Evaluate(Input(definition, answers));
    EXPECT_EQ(evaluation.outcome, c.outcome);
    EXPECT_EQ(Exclusions(evaluation), c.excluded);
    EXPECT_EQ(Limits(evaluation), c.limits);
    ASSERT_EQ(evaluation.findings.size(), 1u);
    if (!c.action.empty()) {
      v1::RuleAction expected;
      ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
          c.action.substr(c.action.find('{') + 1, c.action.rfind('}') - c.action.find('{') - 1),
          &expected));
      EXPECT_EQ(evaluation.findings[0].action().SerializeAsString(), expected.SerializeAsString());
    }
  }
}

TEST(ScreeningEvaluatorOutcome, ExclusionsAndCapsFromSeveralRules) {
  const v1::TreatmentDefinition definition = Definition({
      Rule("relative_lip", "RELATIVE",
           R"pb(all_of {
                  conditions { answer { question_id: "a" equals: true } }
                  conditions { area { area_ids: "upper_lip" area_ids: "neck" } }
                })pb",
           "action { exclude_areas {} }"),
      Rule("absolute_lip", "ABSOLUTE",
           R"pb(all_of {
                  conditions { answer { question_id: "b" equals: true } }
                  conditions { area { area_ids: "upper_lip" } }
                })pb",
           "action { exclude_areas {} }"),
      Rule("cap_1000", "ABSOLUTE", R"pb(answer { question_id: "a" equals: true })pb",
           "action { cap_depth { max_depth_um: 1000 } }"),
      Rule("cap_500_face", "RELATIVE",
           R"pb(all_of {
                  conditions { answer { question_id: "b" equals: true } }
                  conditions { area { regions: BODY_REGION_FACE } }
                })pb",
           "action { cap_depth { max_depth_um: 500 } }"),
      Rule("cap_700", "ABSOLUTE", R"pb(answer { question_id: "c" equals: true })pb",
           "action { cap_depth { max_depth_um: 700 } }"),
  });
  const Evaluation evaluation = Evaluate(Input(definition, {Yes("a"), Yes("b"), DontKnow("c")}));
  // An area a relative rule excludes and an absolute one too stays excluded
  // without review; each area names every rule that excludes it.
  EXPECT_THAT(Exclusions(evaluation), ElementsAre("upper_lip:fixed:relative_lip,absolute_lip",
                                                  "neck:reviewable:relative_lip"));
  // The lowest cap wins, and every cap is named, whatever its certainty.
  EXPECT_THAT(Limits(evaluation),
              ElementsAre("forehead:500:cap_1000,cap_500_face,cap_700",
                          "upper_lip:500:cap_1000,cap_500_face,cap_700",
                          "neck:700:cap_1000,cap_700", "decollete:700:cap_1000,cap_700"));
  EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
}

TEST(ScreeningEvaluatorOutcome, ConfirmedAbsoluteExclusionsAndCapsAloneClear) {
  const v1::TreatmentDefinition definition = Definition({
      Rule("lip", "ABSOLUTE",
           R"pb(all_of {
                  conditions { answer { question_id: "a" equals: true } }
                  conditions { area { area_ids: "upper_lip" } }
                })pb",
           "action { exclude_areas {} }"),
      Rule("cap", "ABSOLUTE", R"pb(answer { question_id: "b" equals: true })pb",
           "action { cap_depth { max_depth_um: 600 } }"),
  });
  const Evaluation evaluation =
      Evaluate(Input(definition, {Yes("a"), Yes("b")}, {}, {"neck", "upper_lip"}));
  EXPECT_THAT(Summary(evaluation),
              ElementsAre("lip CONFIRMED upper_lip", "cap CONFIRMED neck,upper_lip"));
  EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_CLEARED);
  EXPECT_THAT(Exclusions(evaluation), ElementsAre("upper_lip:fixed:lip"));
  EXPECT_THAT(Limits(evaluation), ElementsAre("neck:600:cap", "upper_lip:600:cap"));
  // With only the lip planned, nothing is left to treat.
  EXPECT_EQ(Evaluate(Input(definition, {Yes("a"), No("b")}, {}, {"upper_lip"})).outcome,
            v1::SCREENING_OUTCOME_CONTRAINDICATED);
}

TEST(ScreeningEvaluatorOutcome, EveryPlannedAreaExcludedByDifferentRules) {
  const v1::TreatmentDefinition definition = Definition({
      Rule("face", "ABSOLUTE",
           R"pb(all_of {
                  conditions { answer { question_id: "a" equals: true } }
                  conditions { area { regions: BODY_REGION_FACE } }
                })pb",
           "action { exclude_areas {} }"),
      Rule("neck", "ABSOLUTE",
           R"pb(all_of {
                  conditions { answer { question_id: "b" equals: true } }
                  conditions { area { area_ids: "neck" } }
                })pb",
           "action { exclude_areas {} }"),
  });
  EXPECT_EQ(Evaluate(Input(definition, {Yes("a"), Yes("b")}, {}, {"forehead", "neck"})).outcome,
            v1::SCREENING_OUTCOME_CONTRAINDICATED);
  EXPECT_EQ(Evaluate(Input(definition, {Yes("a"), No("b")}, {}, {"forehead", "neck"})).outcome,
            v1::SCREENING_OUTCOME_CLEARED);
  // One of them only not ruled out: a reviewer decides about the neck.
  EXPECT_EQ(
      Evaluate(Input(definition, {Yes("a"), DontKnow("b")}, {}, {"forehead", "neck"})).outcome,
      v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
}

TEST(ScreeningEvaluatorOutcome, ContraindicatedBeatsReviewBeatsCleared) {
  const v1::TreatmentDefinition definition = Definition({
      Rule("relative", "RELATIVE", R"pb(answer { question_id: "a" equals: true })pb"),
      Rule("absolute", "ABSOLUTE", R"pb(answer { question_id: "b" equals: true })pb"),
  });
  EXPECT_EQ(Evaluate(Input(definition, {Yes("a"), Yes("b")})).outcome,
            v1::SCREENING_OUTCOME_CONTRAINDICATED);
  EXPECT_EQ(Evaluate(Input(definition, {Yes("a"), No("b")})).outcome,
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
  EXPECT_EQ(Evaluate(Input(definition, {No("a"), DontKnow("b")})).outcome,
            v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
  EXPECT_EQ(Evaluate(Input(definition, {No("a"), No("b")})).outcome, v1::SCREENING_OUTCOME_CLEARED);
}

TEST(ScreeningEvaluatorOutcome, EvidenceInWords) {
  const v1::TreatmentDefinition definition = Definition({Rule("r", "RELATIVE", R"pb(
    all_of {
      conditions {
        answer {
          question_id: "last_dose"
          within_last { seconds: 31536000 }
        }
      }
      conditions { answer { question_id: "hba1c" at_least: 40 } }
      conditions {
        answer {
          question_id: "pregnancy"
          one_of { option_ids: "pregnant" }
        }
      }
      conditions { answer { question_id: "notes" answered: true } }
      conditions {
        fact {
          fact: ANTICOAGULANT
          started_within { seconds: 8640000 }
        }
      }
      conditions {
        fact {
          fact: ISOTRETINOIN
          active_within { seconds: 31536000 }
        }
      }
      conditions { fact { fact: PREGNANT present: false } }
      conditions { fact { fact: ECZEMA present: false } }
    }
  )pb")});
  const Evaluation evaluation = Evaluate(Input(
      definition,
      {OnDate("last_dose", MakeDate(2026, 6, 1)), Number("hba1c", 72.5),
       Choice("pregnancy", "pregnant"), Text("notes", "anything")},
      {Present(v1::ANTICOAGULANT, 10), NotPresent(v1::ISOTRETINOIN, 60), NotPresent(v1::PREGNANT)},
      {"forehead"}));
  ASSERT_EQ(evaluation.findings.size(), 1u);
  EXPECT_THAT(
      EvidenceOf(evaluation.findings.at(0)),
      ElementsAre(
          "question:last_dose=2026-06-01", "question:hba1c=72.5 mmol/mol",
          "question:pregnancy=Pregnant, or might be", "question:notes=answered in words",
          absl::StrCat("fact:ANTICOAGULANT=present since ", absl::FormatCivilTime(kToday - 10)),
          absl::StrCat("fact:ISOTRETINOIN=ended ", absl::FormatCivilTime(kToday - 60)),
          "fact:PREGNANT=not present", "fact:ECZEMA=not recorded"));
  // A present fact without a start date, for started_within.
  const v1::TreatmentDefinition started =
      Definition({Rule("r", "RELATIVE", R"pb(fact {
                                               fact: ANTICOAGULANT
                                               started_within { seconds: 8640000 }
                                             })pb")});
  const Evaluation unknown_start =
      Evaluate(Input(started, {}, {Present(v1::ANTICOAGULANT)}, {"forehead"}));
  EXPECT_THAT(EvidenceOf(unknown_start.findings.at(0)),
              ElementsAre("fact:ANTICOAGULANT=present, start not recorded"));
}

TEST(ScreeningEvaluatorOutcome, EvidenceValuesStayShort) {
  v1::TreatmentDefinition definition =
      Definition({Rule("r", "RELATIVE", R"pb(answer {
                                               question_id: "pregnancy"
                                               one_of { option_ids: "pregnant" }
                                             })pb")});
  definition.mutable_screening_questions(8)->mutable_options(1)->set_label(std::string(5000, 'x'));
  const Evaluation evaluation =
      Evaluate(Input(definition, {Choice("pregnancy", "pregnant")}, {}, {"forehead"}));
  ASSERT_EQ(evaluation.findings.size(), 1u);
  ASSERT_EQ(evaluation.findings[0].evidence_size(), 1);
  EXPECT_LE(evaluation.findings[0].evidence(0).value().size(), kMaxEvidenceValueBytes);
  EXPECT_THAT(evaluation.findings[0].evidence(0).value(), HasSubstr("xxxx"));
}

// ---------------------------------------------------------------------------
// What the evaluator makes of definitions and input it does not expect.

TEST(ScreeningEvaluatorRobustness, WhatIsUnexpectedReadsAsUnknown) {
  RunCases({
      {"no test", "", {}, {}, "unknown"},
      {"an empty all_of", "all_of {}", {}, {}, "unknown"},
      {"an empty any_of", "any_of {}", {}, {}, "unknown"},
      {"an empty none_of", "none_of {}", {}, {}, "unknown"},
      {"an answer test without comparison",
       R"pb(answer { question_id: "a" })pb",
       {Yes("a")},
       {},
       "unknown"},
      {"a question the definition lacks",
       R"pb(answer { question_id: "zzz" equals: true })pb",
       {Yes("zzz")},
       {},
       "unknown"},
      {"answered, on a question the definition lacks",
       R"pb(answer { question_id: "zzz" answered: false })pb",
       {},
       {},
       "unknown"},
      {"a fact test without comparison",
       R"pb(fact { fact: PREGNANT })pb",
       {},
       {Present(v1::PREGNANT)},
       "unknown"},
      {"an unspecified fact",
       R"pb(fact { fact: MEDICAL_FACT_UNSPECIFIED present: false })pb",
       {},
       {},
       "unknown"},
      {"a fact no enum names", R"pb(fact { fact: 9999 present: false })pb", {}, {}, "unknown"},
      {"a negative duration",
       R"pb(answer {
              question_id: "last_dose"
              within_last { seconds: -86400 }
            })pb",
       {DaysAgo("last_dose", 1)},
       {},
       "unknown"},
      {"a client test without comparison", "client {}", {}, {}, "unknown"},
      {"never: false",
       R"pb(answer {
              question_id: "last_dose"
              within_last { seconds: 86400 }
            })pb",
       {[] {
         v1::Answer answer = Blank("last_dose");
         answer.set_never(false);
         return answer;
       }()},
       {},
       "unknown"},
      {"a date in the history that is not a date",
       R"pb(fact {
              fact: ISOTRETINOIN
              active_within { seconds: 86400 }
            })pb",
       {},
       {[] {
         v1::MedicalFactEntry entry = NotPresent(v1::ISOTRETINOIN);
         *entry.mutable_end_date() = MakeDate(2026, 13, 1);
         return entry;
       }()},
       "unknown"},
  });
}

TEST(ScreeningEvaluatorRobustness, UnexpectedRulesErrOnTheSafeSide) {
  // An unset severity counts as absolute, and the finding says so.
  const v1::TreatmentDefinition unset =
      Definition({Rule("r", "UNSPECIFIED", R"pb(answer { question_id: "a" equals: true })pb")});
  const Evaluation evaluation = Evaluate(Input(unset, {Yes("a")}));
  ASSERT_EQ(evaluation.findings.size(), 1u);
  EXPECT_EQ(evaluation.findings[0].severity(), v1::SEVERITY_ABSOLUTE);
  EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_CONTRAINDICATED);
  // A sign-off only a relative rule may ask for refuses on an absolute one.
  const v1::TreatmentDefinition sign_off =
      Definition({Rule("r", "ABSOLUTE", R"pb(answer { question_id: "a" equals: true })pb",
                       "action { require_sign_off { description: \"letter\" } }")});
  EXPECT_EQ(Evaluate(Input(sign_off, {Yes("a")})).outcome, v1::SCREENING_OUTCOME_CONTRAINDICATED);
  // A cap below 1 um caps at 1 um: 0 would read as "no limit".
  const v1::TreatmentDefinition zero_cap =
      Definition({Rule("r", "ABSOLUTE", R"pb(answer { question_id: "a" equals: true })pb",
                       "action { cap_depth { max_depth_um: -5 } }")});
  EXPECT_THAT(Limits(Evaluate(Input(zero_cap, {Yes("a")}, {}, {"neck"}))), ElementsAre("neck:1:r"));
}

TEST(ScreeningEvaluatorRobustness, UnexpectedInput) {
  const v1::TreatmentDefinition definition = Definition({
      Rule("lesion", "ABSOLUTE", R"pb(answer { question_id: "lesion" equals: true })pb",
           "action { exclude_areas {} }"),
      Rule("face", "RELATIVE",
           R"pb(fact { fact: RADIATION_THERAPY present: true in_treated_region: true })pb"),
  });
  // No definition: nothing to evaluate.
  EvaluationInput none = Input(definition);
  none.definition = nullptr;
  EXPECT_EQ(Evaluate(none).outcome, v1::SCREENING_OUTCOME_CLEARED);
  // No planned area: every area of the protocol is evaluated.
  EXPECT_THAT(Summary(Evaluate(Input(definition, {Yes("lesion")}, {}, {}))),
              ElementsAre("lesion CONFIRMED forehead,upper_lip,neck,decollete"));
  // An area twice counts once; an area the protocol lacks has no region, so
  // a regional fact cannot be ruled out there.
  const Evaluation odd = Evaluate(Input(
      definition, {No("lesion")}, {Present(v1::RADIATION_THERAPY, {}, {v1::BODY_REGION_NECK})},
      {"neck", "neck", "elbow", "forehead"}));
  EXPECT_THAT(Summary(odd), ElementsAre("face CONFIRMED neck", "face NOT_RULED_OUT elbow"));
  // A per-area "yes" that names no planned area holds everywhere; the same
  // on a question that is not per area ignores the areas; a question
  // answered twice counts the first answer.
  EXPECT_THAT(Summary(Evaluate(Input(definition, {Yes("lesion", {"elbow"})}, {}, {"neck"}))),
              ElementsAre("lesion CONFIRMED neck"));
  const v1::TreatmentDefinition not_per_area =
      Definition({Rule("a", "RELATIVE", R"pb(answer { question_id: "a" equals: true })pb")});
  EXPECT_THAT(Summary(Evaluate(Input(not_per_area, {Yes("a", {"neck"})}, {}, {"forehead"}))),
              ElementsAre("a CONFIRMED forehead"));
  EXPECT_THAT(Summary(Evaluate(Input(not_per_area, {No("a"), Yes("a")}, {}, {"forehead"}))),
              IsEmpty());
}

TEST(ScreeningEvaluatorFactsRead, EveryFactAnyRuleReadsOnce) {
  const v1::TreatmentDefinition definition = Definition({
      Rule("one", "ABSOLUTE",
           R"pb(all_of {
                  conditions { fact { fact: PREGNANT present: true } }
                  conditions {
                    none_of { conditions { fact { fact: ANTICOAGULANT present: true } } }
                  }
                })pb"),
      Rule("two", "RELATIVE", R"pb(any_of {
                                     conditions { fact { fact: PREGNANT present: false } }
                                     conditions {
                                       fact {
                                         fact: ISOTRETINOIN
                                         active_within { seconds: 86400 }
                                       }
                                     }
                                     conditions { answer { question_id: "a" equals: true } }
                                   })pb"),
  });
  EXPECT_THAT(FactsRead(definition),
              ElementsAre(v1::PREGNANT, v1::ISOTRETINOIN, v1::ANTICOAGULANT));
  EXPECT_THAT(FactsRead(Definition({})), IsEmpty());
}

// ---------------------------------------------------------------------------
// CheckAnswers.

// A complete, valid set of answers to kBase's questionnaire.
std::vector<v1::Answer> ValidAnswers() {
  return {No("infection"),
          Yes("lesion", {"neck"}),
          DontKnow("a"),
          No("b"),
          DaysAgo("last_dose", 0),
          DaysAgo("procedure_date", 1000),
          Number("hba1c", 20),
          Choice("pregnancy", "no"),
          Text("notes", std::string(kMaxTextAnswerChars, 'x'))};
}

google::protobuf::RepeatedPtrField<v1::Answer> Repeated(const std::vector<v1::Answer>& answers) {
  google::protobuf::RepeatedPtrField<v1::Answer> out;
  for (const v1::Answer& answer : answers) *out.Add() = answer;
  return out;
}

absl::Status Check(const std::vector<v1::Answer>& answers,
                   const std::vector<std::string>& planned = {"forehead", "neck"}) {
  const v1::TreatmentDefinition definition = Definition({});
  return CheckAnswers(definition, planned, Repeated(answers), kToday, "screening.");
}

TEST(ScreeningEvaluatorCheckAnswers, AcceptsAValidSet) {
  EXPECT_TRUE(Check(ValidAnswers()).ok()) << Check(ValidAnswers());
  // Only the required questions; never on a question with a never label;
  // a per-area yes without areas.
  EXPECT_TRUE(Check({No("infection"), Yes("lesion"), Choice("pregnancy", "pregnant"),
                     Never("last_dose"), Blank("a")})
                  .ok());
}

TEST(ScreeningEvaluatorCheckAnswers, RefusesEachMistakeNamingTheField) {
  struct Mistake {
    std::string name;
    size_t index;  // the answer replaced or added in ValidAnswers()
    v1::Answer answer;
    std::string field;
    std::string words;
  };
  const auto with = [](v1::Answer answer, auto change) {
    change(answer);
    return answer;
  };
  const std::vector<Mistake> mistakes = {
      {"no question id", 9, Yes(""), "screening.answers[9].question_id", "required"},
      {"an unknown question", 9, Yes("zzz"), "screening.answers[9].question_id",
       "\"zzz\" is not a question"},
      {"a question answered twice", 9, Yes("b"), "screening.answers[9].question_id",
       "already answered in answers[3]"},
      {"a required question without a value", 0, Blank("infection"), "screening.answers[0]",
       "required question \"infection\""},
      {"a number for yes or no", 0, Number("infection", 1), "screening.answers[0].number",
       "takes yes or no"},
      {"yes for a date", 4, Yes("last_dose"), "screening.answers[4].yes_no", "takes a date"},
      {"a choice for a number", 6, Choice("hba1c", "no"), "screening.answers[6].choice_id",
       "takes a number"},
      {"text for a choice", 7, Text("pregnancy", "no"), "screening.answers[7].text",
       "takes one of its options"},
      {"a date for text", 8, DaysAgo("notes", 1), "screening.answers[8].date", "takes text"},
      {"an option not of the question", 7, Choice("pregnancy", "twins"),
       "screening.answers[7].choice_id", "\"twins\" is not an option of question \"pregnancy\""},
      {"a number below the bounds", 6, Number("hba1c", 19.5), "screening.answers[6].number",
       "19.5 is outside 20 to 200 mmol/mol"},
      {"a number above the bounds", 6, Number("hba1c", 200.5), "screening.answers[6].number",
       "outside"},
      {"not a number", 6, Number("hba1c", NAN), "screening.answers[6].number", "not a finite"},
      {"infinity", 6, Number("hba1c", std::numeric_limits<double>::infinity()),
       "screening.answers[6].number", "not a finite"},
      {"not a date", 4, OnDate("last_dose", MakeDate(2026, 2, 29)), "screening.answers[4].date.day",
       "February 2026"},
      {"a month that is none", 4, OnDate("last_dose", MakeDate(2026, 0, 1)),
       "screening.answers[4].date.month", "not a month"},
      {"a date after the screening day", 4, DaysAgo("last_dose", -1), "screening.answers[4].date",
       "2026-12-02 is after the screening date 2026-12-01"},
      {"a procedure date in the future", 5, DaysAgo("procedure_date", -400),
       "screening.answers[5].date", "after the screening date"},
      {"I don't know where it is not allowed", 0, DontKnow("infection"),
       "screening.answers[0].unknown", "does not accept"},
      {"unknown: false", 2, with(Blank("a"), [](v1::Answer& a) { a.set_unknown(false); }),
       "screening.answers[2].unknown", "must be true"},
      {"never without a never label", 5, Never("procedure_date"), "screening.answers[5].never",
       "has no \"never\" answer"},
      {"never on yes or no", 3, Never("b"), "screening.answers[3].never", "has no \"never\""},
      {"never: false", 4, with(Blank("last_dose"), [](v1::Answer& a) { a.set_never(false); }),
       "screening.answers[4].never", "must be true"},
      {"areas on a question not per area", 3, Yes("b", {"neck"}), "screening.answers[3].area_ids",
       "not asked per area"},
      {"areas on a no", 1, with(No("lesion"), [](v1::Answer& a) { a.add_area_ids("neck"); }),
       "screening.answers[1].area_ids", "only a \"yes\""},
      {"an area not planned", 1, Yes("lesion", {"neck", "upper_lip"}),
       "screening.answers[1].area_ids[1]", "\"upper_lip\" is not a planned area"},
      {"an area named twice", 1, Yes("lesion", {"neck", "neck"}),
       "screening.answers[1].area_ids[1]", "named twice"},
      {"text too long", 8, Text("notes", std::string(kMaxTextAnswerChars + 1, 'x')),
       "screening.answers[8].text", "2000"},
      {"text that is not UTF-8", 8, Text("notes", "caf\xC3"), "screening.answers[8].text", "UTF-8"},
  };
  for (const Mistake& mistake : mistakes) {
    SCOPED_TRACE(mistake.name);
    std::vector<v1::Answer> answers = ValidAnswers();
    if (mistake.index < answers.size()) {
      answers[mistake.index] = mistake.answer;
    } else {
      answers.push_back(mistake.answer);
    }
    const absl::Status status = Check(answers);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    const std::vector<FieldViolation> violations = GetFieldViolations(status);
    ASSERT_EQ(violations.size(), 1u) << status;
    EXPECT_EQ(violations[0].field, mistake.field);
    EXPECT_THAT(violations[0].description, HasSubstr(mistake.words));
  }
}

TEST(ScreeningEvaluatorCheckAnswers, NamesEveryRequiredQuestionLeftOut) {
  const absl::Status status = Check({Yes("lesion")});
  const std::vector<FieldViolation> violations = GetFieldViolations(status);
  ASSERT_EQ(violations.size(), 2u) << status;
  EXPECT_EQ(violations[0].field, "screening.answers");
  EXPECT_THAT(violations[0].description, HasSubstr("\"infection\" is not answered"));
  EXPECT_EQ(violations[1].field, "screening.answers");
  EXPECT_THAT(violations[1].description, HasSubstr("\"pregnancy\" is not answered"));
}

TEST(ScreeningEvaluatorCheckAnswers, MessagesDoNotGrowWithTheInput) {
  std::vector<v1::Answer> answers = ValidAnswers();
  const std::string huge(64 << 10, 'q');
  for (int i = 0; i < 50; ++i) answers.push_back(Yes(huge, {huge}));
  answers.push_back(Choice("pregnancy", huge));
  const absl::Status status = Check(answers);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 1000u);
  EXPECT_THAT(status.message(), HasSubstr("more problems"));
  for (const FieldViolation& violation : GetFieldViolations(status)) {
    EXPECT_LT(violation.description.size(), 300u);
  }
}

// ---------------------------------------------------------------------------
// The bundled plugins: an all-clear screening clears, and every rule can be
// made to fire on its own. The answers are found by searching each
// definition's own questions, facts and thresholds, so the test follows the
// plugins as their rules change.

// One value the search may give an input: an answer, a history entry, or a
// client attribute.
struct Option {
  std::string what;
  std::optional<v1::Answer> answer;
  std::optional<v1::MedicalFactEntry> fact;
  std::optional<v1::Date> born;
  std::optional<v1::FitzpatrickType> fitzpatrick;
};

// Thresholds the definition's tests use, per question, fact and client.
struct Thresholds {
  std::map<std::string, std::set<int64_t>> days;    // question id -> whole days
  std::map<std::string, std::set<double>> numbers;  // question id -> bounds
  std::map<int, std::set<int64_t>> fact_days;
  std::set<int> ages;
};

void CollectThresholds(const v1::Condition& condition, Thresholds& out) {
  switch (condition.test_case()) {
    case v1::Condition::kAnswer: {
      const v1::AnswerTest& test = condition.answer();
      switch (test.comparison_case()) {
        case v1::AnswerTest::kWithinLast:
          out.days[test.question_id()].insert(test.within_last().seconds() / kDay);
          break;
        case v1::AnswerTest::kAtLeast:
          out.numbers[test.question_id()].insert(test.at_least());
          break;
        case v1::AnswerTest::kAtMost:
          out.numbers[test.question_id()].insert(test.at_most());
          break;
        case v1::AnswerTest::kGreaterThan:
          out.numbers[test.question_id()].insert(test.greater_than());
          break;
        case v1::AnswerTest::kLessThan:
          out.numbers[test.question_id()].insert(test.less_than());
          break;
        default:
          break;
      }
      break;
    }
    case v1::Condition::kFact:
      if (condition.fact().has_active_within()) {
        out.fact_days[condition.fact().fact()].insert(condition.fact().active_within().seconds() /
                                                      kDay);
      }
      if (condition.fact().has_started_within()) {
        out.fact_days[condition.fact().fact()].insert(condition.fact().started_within().seconds() /
                                                      kDay);
      }
      break;
    case v1::Condition::kClient:
      if (condition.client().has_age_under_years()) {
        out.ages.insert(condition.client().age_under_years());
      }
      if (condition.client().has_age_at_least_years()) {
        out.ages.insert(condition.client().age_at_least_years());
      }
      break;
    case v1::Condition::kAllOf:
      for (const auto& part : condition.all_of().conditions()) CollectThresholds(part, out);
      break;
    case v1::Condition::kAnyOf:
      for (const auto& part : condition.any_of().conditions()) CollectThresholds(part, out);
      break;
    case v1::Condition::kNoneOf:
      for (const auto& part : condition.none_of().conditions()) CollectThresholds(part, out);
      break;
    default:
      break;
  }
}

// Every input the rules read, with the values worth trying for it.
std::vector<std::vector<Option>> SearchSpace(const v1::TreatmentDefinition& definition) {
  Thresholds thresholds;
  for (const auto& rule : definition.contraindications()) {
    CollectThresholds(rule.condition(), thresholds);
  }
  std::vector<std::vector<Option>> space;
  for (const v1::ScreeningQuestion& question : definition.screening_questions()) {
    std::vector<Option> options;
    const std::string& id = question.id();
    const auto add = [&](const std::string& what, v1::Answer answer) {
      options.push_back({absl::StrCat(id, "=", what), std::move(answer), {}, {}, {}});
    };
    switch (question.answer_type()) {
      case v1::ANSWER_TYPE_YES_NO:
        add("no", No(id));
        add("yes", Yes(id));
        break;
      case v1::ANSWER_TYPE_DATE: {
        if (!question.never_label().empty()) add("never", Never(id));
        std::set<int64_t> days = {0, 20 * 365};
        for (int64_t d : thresholds.days[id]) days.insert({d, d + 1});
        for (int64_t d : days) add(absl::StrCat(d, " days ago"), DaysAgo(id, static_cast<int>(d)));
        break;
      }
      case v1::ANSWER_TYPE_NUMBER: {
        const double low = question.number_bounds().min();
        const double high = question.number_bounds().max();
        std::set<double> numbers = {low, high};
        for (double t : thresholds.numbers[id]) {
          for (double n : {std::nextafter(t, -INFINITY), t, std::nextafter(t, INFINITY)}) {
            if (n >= low && n <= high) numbers.insert(n);
          }
        }
        for (double n : numbers) add(absl::StrCat(n), Number(id, n));
        break;
      }
      case v1::ANSWER_TYPE_CHOICE:
        for (const auto& option : question.options()) add(option.id(), Choice(id, option.id()));
        break;
      default:
        add("text", Text(id, "nothing else"));
        break;
    }
    if (question.unknown_allowed()) add("I don't know", DontKnow(id));
    if (!question.required())
      options.push_back({absl::StrCat(id, " not answered"), {}, {}, {}, {}});
    space.push_back(std::move(options));
  }
  for (v1::MedicalFact fact : FactsRead(definition)) {
    const std::string name = v1::MedicalFact_Name(fact);
    std::vector<Option> options;
    const auto add = [&](const std::string& what, std::optional<v1::MedicalFactEntry> entry) {
      options.push_back({absl::StrCat(name, " ", what), {}, std::move(entry), {}, {}});
    };
    add("not recorded", std::nullopt);
    add("not present", NotPresent(fact));
    add("present", Present(fact));
    std::set<int64_t> days = {0, 20 * 365};
    for (int64_t d : thresholds.fact_days[fact]) days.insert({d, d + 1});
    for (int64_t d : days) {
      add(absl::StrCat("ended ", d, " days ago"), NotPresent(fact, static_cast<int>(d)));
      add(absl::StrCat("started ", d, " days ago"), Present(fact, static_cast<int>(d)));
    }
    space.push_back(std::move(options));
  }
  std::vector<Option> ages;
  std::set<int> years = {40, 10, 80};
  for (int age : thresholds.ages) years.insert({age - 1, age});
  for (int age : years) {
    if (age < 0) continue;
    ages.push_back(
        {absl::StrCat("age ", age), {}, {}, ToDate(kToday - 100 - 365 * age - age / 4), {}});
  }
  space.push_back(std::move(ages));
  std::vector<Option> types;
  for (int type = v1::FITZPATRICK_TYPE_I; type <= v1::FITZPATRICK_TYPE_VI; ++type) {
    types.push_back(
        {absl::StrCat("Fitzpatrick ", type), {}, {}, {}, static_cast<v1::FitzpatrickType>(type)});
  }
  space.push_back(std::move(types));
  return space;
}

EvaluationInput InputFor(const v1::TreatmentDefinition& definition,
                         const std::vector<std::vector<Option>>& space,
                         const std::vector<size_t>& choice) {
  EvaluationInput input;
  input.definition = &definition;
  for (const auto& area : definition.protocol().areas())
    input.planned_area_ids.push_back(area.id());
  input.screening_day = kToday;
  for (size_t i = 0; i < space.size(); ++i) {
    const Option& option = space[i][choice[i]];
    if (option.answer.has_value()) input.answers.push_back(*option.answer);
    if (option.fact.has_value()) input.facts.push_back(*option.fact);
    if (option.born.has_value()) input.date_of_birth = *option.born;
    if (option.fitzpatrick.has_value()) input.fitzpatrick_type = *option.fitzpatrick;
  }
  return input;
}

std::string Describe(const std::vector<std::vector<Option>>& space,
                     const std::vector<size_t>& choice) {
  std::vector<std::string> out;
  for (size_t i = 0; i < space.size(); ++i) out.push_back(space[i][choice[i]].what);
  return absl::StrJoin(out, "; ");
}

// The bundled plugins: every folder of plugins/ holding <name>/<name>.textproto.
std::vector<std::string> BundledPlugins() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(testing::SourcePath("plugins"))) {
    const std::string name = entry.path().filename().string();
    if (std::filesystem::exists(entry.path() / (name + ".textproto"))) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The answers tools submit without a person (clinic-bench, the tests that
// make a client ready) clear every bundled treatment.
TEST(ScreeningEvaluatorPlugins, PlainAnswersClearEveryBundledTreatment) {
  for (const std::string& plugin : BundledPlugins()) {
    SCOPED_TRACE(plugin);
    const v1::TreatmentDefinition definition =
        testing::LoadPluginDefinition(testing::BundledPluginPath(plugin));
    google::protobuf::RepeatedPtrField<v1::Answer> answers;
    tools::AddPlainAnswers(definition.screening_questions(), &answers);
    EvaluationInput input;
    input.definition = &definition;
    for (const v1::TreatmentArea& area : definition.protocol().areas()) {
      input.planned_area_ids.push_back(area.id());
    }
    input.answers.assign(answers.begin(), answers.end());
    input.date_of_birth.set_year(1990);
    input.date_of_birth.set_month(4);
    input.date_of_birth.set_day(5);
    input.screening_day = absl::CivilDay(2026, 6, 1);
    const Evaluation evaluation = Evaluate(input);
    EXPECT_THAT(Summary(evaluation), IsEmpty());
    EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_CLEARED);
  }
}

TEST(ScreeningEvaluatorPlugins, AllClearClearsAndEveryRuleFiresAlone) {
  const std::vector<std::string> plugins = BundledPlugins();
  EXPECT_GE(plugins.size(), 3u);
  for (const std::string& plugin : plugins) {
    SCOPED_TRACE(plugin);
    // As built: the plugin's own entries with its bases', as the host gets
    // them.
    const v1::TreatmentDefinition definition =
        testing::LoadPluginDefinition(testing::BundledPluginPath(plugin));
    ASSERT_EQ(definition.id(), plugin);
    ASSERT_FALSE(definition.contraindications().empty());
    const auto space = SearchSpace(definition);
    const auto findings = [&](const std::vector<size_t>& choice) {
      return Evaluate(InputFor(definition, space, choice));
    };

    // All clear: lower the number of findings one input at a time.
    std::vector<size_t> clear(space.size(), 0);
    size_t best = findings(clear).findings.size();
    for (bool better = true; better && best > 0;) {
      better = false;
      for (size_t i = 0; i < space.size(); ++i) {
        for (size_t k = 0; k < space[i].size(); ++k) {
          std::vector<size_t> next = clear;
          next[i] = k;
          const size_t count = findings(next).findings.size();
          if (count < best) {
            best = count;
            clear = next;
            better = true;
          }
        }
      }
    }
    const Evaluation cleared = findings(clear);
    EXPECT_THAT(Summary(cleared), IsEmpty()) << Describe(space, clear);
    EXPECT_EQ(cleared.outcome, v1::SCREENING_OUTCOME_CLEARED);
    // A client who clears and skips every optional question still clears:
    // an unanswered question is unknown, so a rule reading one without
    // guarding it (answered, or a fact it depends on) would send every
    // screening to review. The first slots of the space are the questions,
    // and "not answered" is the last option of an optional one.
    {
      std::vector<size_t> skipped = clear;
      for (int q = 0; q < definition.screening_questions_size(); ++q) {
        if (!definition.screening_questions(q).required()) skipped[q] = space[q].size() - 1;
      }
      EXPECT_THAT(Summary(findings(skipped)), IsEmpty()) << Describe(space, skipped);
    }
    {
      google::protobuf::RepeatedPtrField<v1::Answer> answers;
      const EvaluationInput input = InputFor(definition, space, clear);
      for (const auto& answer : input.answers) *answers.Add() = answer;
      EXPECT_TRUE(CheckAnswers(definition, input.planned_area_ids, answers, kToday, "").ok());
    }

    // Each rule alone: one input changed from the all-clear set, or two.
    std::map<std::string, std::vector<size_t>> fired;
    const auto consider = [&](const std::vector<size_t>& choice) {
      const Evaluation evaluation = findings(choice);
      if (evaluation.findings.size() == 1 &&
          evaluation.findings[0].certainty() == v1::FINDING_CERTAINTY_CONFIRMED) {
        fired.emplace(evaluation.findings[0].rule_id(), choice);
      }
    };
    for (size_t i = 0; i < space.size(); ++i) {
      for (size_t k = 0; k < space[i].size(); ++k) {
        std::vector<size_t> next = clear;
        next[i] = k;
        consider(next);
      }
    }
    const auto all_fired = [&] {
      return std::all_of(
          definition.contraindications().begin(), definition.contraindications().end(),
          [&](const v1::ContraindicationRule& rule) { return fired.count(rule.id()) > 0; });
    };
    for (size_t i = 0; i < space.size() && !all_fired(); ++i) {
      for (size_t j = i + 1; j < space.size() && !all_fired(); ++j) {
        for (size_t k = 0; k < space[i].size(); ++k) {
          for (size_t l = 0; l < space[j].size(); ++l) {
            std::vector<size_t> next = clear;
            next[i] = k;
            next[j] = l;
            consider(next);
          }
        }
      }
    }
    for (const v1::ContraindicationRule& rule : definition.contraindications()) {
      SCOPED_TRACE(rule.id());
      auto it = fired.find(rule.id());
      if (it == fired.end()) {
        ADD_FAILURE() << "no answers make " << rule.id() << " fire alone";
        continue;
      }
      const Evaluation evaluation = findings(it->second);
      SCOPED_TRACE(Describe(space, it->second));
      ASSERT_EQ(evaluation.findings.size(), 1u);
      const v1::Finding& finding = evaluation.findings[0];
      EXPECT_EQ(finding.rule_id(), rule.id());
      EXPECT_EQ(finding.display_name(), rule.display_name());
      EXPECT_EQ(finding.rationale(), rule.rationale());
      EXPECT_FALSE(finding.evidence().empty());
      const bool absolute = rule.severity() == v1::SEVERITY_ABSOLUTE;
      switch (finding.action().kind_case()) {
        case v1::RuleAction::kRefuseTreatment:
          EXPECT_EQ(evaluation.outcome, absolute ? v1::SCREENING_OUTCOME_CONTRAINDICATED
                                                 : v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
          break;
        case v1::RuleAction::kExcludeAreas:
          EXPECT_EQ(evaluation.excluded_areas.size(), static_cast<size_t>(finding.area_ids_size()));
          break;
        case v1::RuleAction::kCapDepth:
          EXPECT_EQ(evaluation.depth_limits.size(), static_cast<size_t>(finding.area_ids_size()));
          break;
        case v1::RuleAction::kRequireSignOff:
          EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
          break;
        default:
          ADD_FAILURE() << "no action in the finding";
      }
      if (!absolute) {
        EXPECT_EQ(evaluation.outcome, v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
      }
    }
    // Every fact a rule reads is found.
    for (v1::MedicalFact fact : FactsRead(definition)) {
      EXPECT_NE(fact, v1::MEDICAL_FACT_UNSPECIFIED);
    }
  }
}

// ---------------------------------------------------------------------------
// Randomized properties: random valid definitions with random answers and
// histories. Fixed seeds, so a failure repeats.

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}
  int Between(int low, int high) {  // inclusive
    return low + static_cast<int>(engine_() % static_cast<uint64_t>(high - low + 1));
  }
  bool Chance(int percent) { return Between(1, 100) <= percent; }
  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[static_cast<size_t>(Between(0, static_cast<int>(items.size()) - 1))];
  }

 private:
  std::mt19937_64 engine_;
};

const std::vector<v1::MedicalFact> kRandomFacts = {v1::ISOTRETINOIN, v1::RADIATION_THERAPY,
                                                   v1::PREGNANT, v1::ANTICOAGULANT, v1::ECZEMA};

google::protobuf::Duration Days(int64_t days, int64_t extra_seconds = 0) {
  google::protobuf::Duration duration;
  duration.set_seconds(days * kDay + extra_seconds);
  return duration;
}

void RandomCondition(Random& random, const v1::TreatmentDefinition& definition, int level,
                     v1::Condition& out) {
  const int combine_percent = level == 1 ? 70 : level >= 8 ? 0 : 45;
  if (random.Chance(combine_percent)) {
    v1::Conditions* list = nullptr;
    switch (random.Between(0, 2)) {
      case 0:
        list = out.mutable_all_of();
        break;
      case 1:
        list = out.mutable_any_of();
        break;
      default:
        list = out.mutable_none_of();
        break;
    }
    const int parts = random.Between(1, 3);
    for (int i = 0; i < parts; ++i) {
      RandomCondition(random, definition, level + 1, *list->add_conditions());
    }
    return;
  }
  switch (random.Between(0, 5)) {
    case 0:
    case 1:
    case 2: {
      const auto& question = definition.screening_questions(
          random.Between(0, definition.screening_questions_size() - 1));
      v1::AnswerTest& test = *out.mutable_answer();
      test.set_question_id(question.id());
      const int generic = random.Between(0, 5);
      if (generic == 0) {
        test.set_answered(random.Chance(70));
        return;
      }
      if (generic == 1 && question.unknown_allowed()) {
        test.set_answered_unknown(random.Chance(70));
        return;
      }
      switch (question.answer_type()) {
        case v1::ANSWER_TYPE_YES_NO:
          test.set_equals(random.Chance(60));
          break;
        case v1::ANSWER_TYPE_DATE:
          *test.mutable_within_last() = Days(random.Between(0, 400), random.Between(0, 86399));
          break;
        case v1::ANSWER_TYPE_NUMBER: {
          const double bound = random.Between(static_cast<int>(question.number_bounds().min()) - 2,
                                              static_cast<int>(question.number_bounds().max()) + 2);
          switch (random.Between(0, 3)) {
            case 0:
              test.set_at_least(bound);
              break;
            case 1:
              test.set_at_most(bound);
              break;
            case 2:
              test.set_greater_than(bound);
              break;
            default:
              test.set_less_than(bound);
              break;
          }
          break;
        }
        case v1::ANSWER_TYPE_CHOICE:
          for (const auto& option : question.options()) {
            if (random.Chance(50)) test.mutable_one_of()->add_option_ids(option.id());
          }
          if (test.one_of().option_ids().empty()) {
            test.mutable_one_of()->add_option_ids(question.options(0).id());
          }
          break;
        default:
          test.set_answered(true);
          break;
      }
      return;
    }
    case 3: {
      v1::FactTest& test = *out.mutable_fact();
      test.set_fact(random.Pick(kRandomFacts));
      switch (random.Between(0, 2)) {
        case 0:
          test.set_present(random.Chance(70));
          break;
        case 1:
          *test.mutable_active_within() = Days(random.Between(0, 400));
          break;
        default:
          *test.mutable_started_within() = Days(random.Between(0, 400));
          break;
      }
      test.set_in_treated_region(random.Chance(30));
      return;
    }
    case 4: {
      v1::ClientTest& test = *out.mutable_client();
      switch (random.Between(0, 2)) {
        case 0:
          test.set_age_under_years(random.Between(10, 80));
          break;
        case 1:
          test.set_age_at_least_years(random.Between(10, 80));
          break;
        default:
          for (int type = v1::FITZPATRICK_TYPE_I; type <= v1::FITZPATRICK_TYPE_VI; ++type) {
            if (random.Chance(40)) {
              test.mutable_fitzpatrick_one_of()->add_types(static_cast<v1::FitzpatrickType>(type));
            }
          }
          if (test.fitzpatrick_one_of().types().empty()) {
            test.mutable_fitzpatrick_one_of()->add_types(v1::FITZPATRICK_TYPE_IV);
          }
          break;
      }
      return;
    }
    default: {
      v1::AreaTest& test = *out.mutable_area();
      for (const auto& area : definition.protocol().areas()) {
        if (random.Chance(30)) test.add_area_ids(area.id());
      }
      if (random.Chance(40)) test.add_regions(static_cast<v1::BodyRegion>(random.Between(1, 6)));
      return;
    }
  }
}

v1::TreatmentDefinition RandomDefinition(Random& random) {
  v1::TreatmentDefinition definition;
  definition.set_id("random");
  const int areas = random.Between(1, 5);
  for (int i = 0; i < areas; ++i) {
    v1::TreatmentArea& area = *definition.mutable_protocol()->add_areas();
    area.set_id(absl::StrCat("area_", i));
    area.set_region(static_cast<v1::BodyRegion>(random.Between(1, 6)));
    area.set_min_depth_um(100);
    area.set_max_depth_um(2000);
  }
  const int questions = random.Between(1, 8);
  for (int i = 0; i < questions; ++i) {
    v1::ScreeningQuestion& question = *definition.add_screening_questions();
    question.set_id(absl::StrCat("q_", i));
    question.set_answer_type(static_cast<v1::AnswerType>(random.Between(1, 5)));
    question.set_required(random.Chance(50));
    question.set_unknown_allowed(question.answer_type() != v1::ANSWER_TYPE_TEXT &&
                                 random.Chance(40));
    switch (question.answer_type()) {
      case v1::ANSWER_TYPE_YES_NO:
        question.set_per_area(random.Chance(40));
        break;
      case v1::ANSWER_TYPE_DATE:
        if (random.Chance(50)) question.set_never_label("Never");
        break;
      case v1::ANSWER_TYPE_NUMBER: {
        const int low = random.Between(0, 50);
        question.mutable_number_bounds()->set_min(low);
        question.mutable_number_bounds()->set_max(low + random.Between(0, 30));
        break;
      }
      case v1::ANSWER_TYPE_CHOICE: {
        const int options = random.Between(2, 4);
        for (int k = 0; k < options; ++k) {
          v1::ChoiceOption& option = *question.add_options();
          option.set_id(absl::StrCat("o_", k));
          option.set_label(absl::StrCat("Option ", k));
        }
        break;
      }
      default:
        break;
    }
  }
  const int rules = random.Between(1, 6);
  for (int i = 0; i < rules; ++i) {
    v1::ContraindicationRule& rule = *definition.add_contraindications();
    rule.set_id(absl::StrCat("r_", i));
    rule.set_display_name(absl::StrCat("Rule ", i));
    rule.set_severity(random.Chance(50) ? v1::SEVERITY_ABSOLUTE : v1::SEVERITY_RELATIVE);
    rule.set_rationale("Because.");
    switch (random.Between(0, 4)) {
      case 0:
        break;
      case 1:
        rule.mutable_action()->mutable_refuse_treatment();
        break;
      case 2:
        rule.mutable_action()->mutable_exclude_areas();
        break;
      case 3:
        rule.mutable_action()->mutable_cap_depth()->set_max_depth_um(random.Between(1, 1999));
        break;
      default:
        if (rule.severity() == v1::SEVERITY_RELATIVE) {
          rule.mutable_action()->mutable_require_sign_off()->set_description("A letter");
        }
        break;
    }
    RandomCondition(random, definition, 1, *rule.mutable_condition());
  }
  return definition;
}

v1::Answer RandomAnswer(Random& random, const v1::ScreeningQuestion& question,
                        const std::vector<std::string>& planned) {
  const std::string& id = question.id();
  if (question.unknown_allowed() && random.Chance(15)) return DontKnow(id);
  if (!question.never_label().empty() && random.Chance(20)) return Never(id);
  switch (question.answer_type()) {
    case v1::ANSWER_TYPE_YES_NO: {
      if (!random.Chance(50)) return No(id);
      std::vector<std::string> areas;
      if (question.per_area() && random.Chance(60)) {
        for (const std::string& area : planned) {
          if (random.Chance(50)) areas.push_back(area);
        }
      }
      return Yes(id, areas);
    }
    case v1::ANSWER_TYPE_DATE:
      return DaysAgo(id, random.Between(0, 500));
    case v1::ANSWER_TYPE_NUMBER:
      return Number(id, random.Between(static_cast<int>(question.number_bounds().min()),
                                       static_cast<int>(question.number_bounds().max())));
    case v1::ANSWER_TYPE_CHOICE:
      return Choice(id, question.options(random.Between(0, question.options_size() - 1)).id());
    default:
      return Text(id, "free text");
  }
}

EvaluationInput RandomInput(Random& random, const v1::TreatmentDefinition& definition) {
  EvaluationInput input;
  input.definition = &definition;
  input.screening_day = kToday + random.Between(-400, 400);
  std::vector<std::string> areas;
  for (const auto& area : definition.protocol().areas()) areas.push_back(area.id());
  for (size_t i = areas.size(); i > 1; --i) {
    std::swap(areas[i - 1], areas[static_cast<size_t>(random.Between(0, static_cast<int>(i) - 1))]);
  }
  areas.resize(static_cast<size_t>(random.Between(1, static_cast<int>(areas.size()))));
  input.planned_area_ids = areas;
  for (const auto& question : definition.screening_questions()) {
    if (!question.required() && random.Chance(25)) continue;
    v1::Answer answer = RandomAnswer(random, question, input.planned_area_ids);
    if (answer.has_date())
      *answer.mutable_date() = ToDate(input.screening_day - random.Between(0, 500));
    input.answers.push_back(std::move(answer));
  }
  for (size_t i = input.answers.size(); i > 1; --i) {
    std::swap(input.answers[i - 1],
              input.answers[static_cast<size_t>(random.Between(0, static_cast<int>(i) - 1))]);
  }
  for (v1::MedicalFact fact : kRandomFacts) {
    if (!random.Chance(50)) continue;
    v1::MedicalFactEntry entry;
    entry.set_fact(fact);
    entry.set_present(random.Chance(50));
    if (random.Chance(50)) {
      *entry.mutable_start_date() = ToDate(input.screening_day - random.Between(200, 900));
    }
    if (!entry.present() && random.Chance(60)) {
      *entry.mutable_end_date() = ToDate(input.screening_day - random.Between(0, 199));
    }
    for (int region = 1; region <= 6; ++region) {
      if (random.Chance(20)) entry.add_regions(static_cast<v1::BodyRegion>(region));
    }
    input.facts.push_back(std::move(entry));
  }
  if (!random.Chance(5)) {
    input.date_of_birth = ToDate(input.screening_day - random.Between(5 * 365, 90 * 365));
  }
  input.fitzpatrick_type = static_cast<v1::FitzpatrickType>(random.Between(0, 6));
  return input;
}

std::string Bytes(const Evaluation& evaluation) {
  std::string out = absl::StrCat(evaluation.outcome, "|", evaluation.age_years, "|");
  for (const auto& m : evaluation.findings) absl::StrAppend(&out, m.SerializeAsString(), "|");
  for (const auto& m : evaluation.excluded_areas) absl::StrAppend(&out, m.SerializeAsString(), "|");
  for (const auto& m : evaluation.depth_limits) absl::StrAppend(&out, m.SerializeAsString(), "|");
  return out;
}

// Whether the question is read by a test that is never unknown; only those
// may change their value when an unknown answer becomes known.
bool ReadsAnsweredTest(const v1::Condition& condition, const std::string& id) {
  if (condition.has_answer()) {
    return condition.answer().question_id() == id &&
           (condition.answer().has_answered() || condition.answer().has_answered_unknown());
  }
  for (const auto* list : {&condition.all_of(), &condition.any_of(), &condition.none_of()}) {
    for (const auto& part : list->conditions()) {
      if (ReadsAnsweredTest(part, id)) return true;
    }
  }
  return false;
}

// The outcome follows from the findings, and every exclusion and limit from
// a finding that asks for it.
void ExpectExplained(const EvaluationInput& input, const Evaluation& evaluation) {
  std::map<std::string, int> rule_index;
  for (int i = 0; i < input.definition->contraindications_size(); ++i) {
    rule_index[input.definition->contraindications(i).id()] = i;
  }
  int last_rule = -1;
  bool last_confirmed = false;
  bool needs_review = false;
  bool refused = false;
  for (const v1::Finding& finding : evaluation.findings) {
    ASSERT_EQ(rule_index.count(finding.rule_id()), 1u);
    const int index = rule_index[finding.rule_id()];
    const bool confirmed = finding.certainty() == v1::FINDING_CERTAINTY_CONFIRMED;
    // Definition order; a rule's confirmed finding before its other one.
    ASSERT_TRUE(index > last_rule || (index == last_rule && last_confirmed && !confirmed));
    last_rule = index;
    last_confirmed = confirmed;
    ASSERT_FALSE(finding.area_ids().empty());
    size_t position = 0;
    for (const std::string& area : finding.area_ids()) {
      const auto it =
          std::find(input.planned_area_ids.begin() + static_cast<std::ptrdiff_t>(position),
                    input.planned_area_ids.end(), area);
      ASSERT_NE(it, input.planned_area_ids.end()) << "areas in planned order";
      position = static_cast<size_t>(it - input.planned_area_ids.begin()) + 1;
    }
    ASSERT_NE(finding.action().kind_case(), v1::RuleAction::KIND_NOT_SET);
    for (int i = 0; i < finding.evidence_size(); ++i) {
      ASSERT_TRUE(finding.evidence(i).decisive());
      ASSERT_LE(finding.evidence(i).value().size(), kMaxEvidenceValueBytes);
      ASSERT_FALSE(finding.evidence(i).value().empty());
      for (int j = 0; j < i; ++j) {
        ASSERT_FALSE(finding.evidence(i).SerializeAsString() ==
                     finding.evidence(j).SerializeAsString());
      }
    }
    const bool absolute = finding.severity() == v1::SEVERITY_ABSOLUTE;
    if (!absolute || !confirmed) needs_review = true;
    if (absolute && confirmed && finding.action().has_refuse_treatment()) refused = true;
  }
  // Areas excluded without review, and whether that is all of them.
  const auto covers = [&](const std::string& rule, const std::string& area,
                          v1::RuleAction::KindCase action, bool fixed_only) {
    for (const v1::Finding& finding : evaluation.findings) {
      if (finding.rule_id() != rule || finding.action().kind_case() != action) continue;
      if (fixed_only && (finding.severity() != v1::SEVERITY_ABSOLUTE ||
                         finding.certainty() != v1::FINDING_CERTAINTY_CONFIRMED)) {
        continue;
      }
      if (std::find(finding.area_ids().begin(), finding.area_ids().end(), area) !=
          finding.area_ids().end()) {
        return true;
      }
    }
    return false;
  };
  size_t fixed = 0;
  for (const v1::ExcludedArea& excluded : evaluation.excluded_areas) {
    ASSERT_FALSE(excluded.rule_ids().empty());
    bool any_fixed = false;
    for (const std::string& rule : excluded.rule_ids()) {
      ASSERT_TRUE(covers(rule, excluded.area_id(), v1::RuleAction::kExcludeAreas, false))
          << rule << " excludes " << excluded.area_id() << " without a finding";
      any_fixed =
          any_fixed || covers(rule, excluded.area_id(), v1::RuleAction::kExcludeAreas, true);
    }
    ASSERT_EQ(excluded.reviewable(), !any_fixed);
    if (!excluded.reviewable()) ++fixed;
  }
  const bool all_excluded = fixed == input.planned_area_ids.size();
  for (const v1::DepthLimit& limit : evaluation.depth_limits) {
    ASSERT_FALSE(limit.sources().empty());
    int lowest = std::numeric_limits<int>::max();
    for (const std::string& rule : limit.sources()) {
      ASSERT_TRUE(covers(rule, limit.area_id(), v1::RuleAction::kCapDepth, false));
      lowest = std::min(lowest, input.definition->contraindications(rule_index[rule])
                                    .action()
                                    .cap_depth()
                                    .max_depth_um());
    }
    ASSERT_EQ(limit.max_depth_um(), lowest);
  }
  // Every cap and exclusion a finding asks for is listed.
  for (const v1::Finding& finding : evaluation.findings) {
    for (const std::string& area : finding.area_ids()) {
      if (finding.action().has_exclude_areas()) {
        ASSERT_TRUE(std::any_of(evaluation.excluded_areas.begin(), evaluation.excluded_areas.end(),
                                [&](const v1::ExcludedArea& e) { return e.area_id() == area; }));
      }
      if (finding.action().has_cap_depth()) {
        ASSERT_TRUE(std::any_of(evaluation.depth_limits.begin(), evaluation.depth_limits.end(),
                                [&](const v1::DepthLimit& l) {
                                  return l.area_id() == area &&
                                         l.max_depth_um() <=
                                             finding.action().cap_depth().max_depth_um();
                                }));
      }
    }
  }
  switch (evaluation.outcome) {
    case v1::SCREENING_OUTCOME_CONTRAINDICATED:
      ASSERT_TRUE(refused || all_excluded);
      break;
    case v1::SCREENING_OUTCOME_REQUIRES_REVIEW:
      ASSERT_TRUE(needs_review);
      ASSERT_FALSE(refused || all_excluded);
      break;
    case v1::SCREENING_OUTCOME_CLEARED:
      // Only confirmed absolute exclusions and caps, with an area left.
      for (const v1::Finding& finding : evaluation.findings) {
        ASSERT_EQ(finding.severity(), v1::SEVERITY_ABSOLUTE);
        ASSERT_EQ(finding.certainty(), v1::FINDING_CERTAINTY_CONFIRMED);
        ASSERT_TRUE(finding.action().has_cap_depth() || finding.action().has_exclude_areas());
      }
      ASSERT_FALSE(all_excluded);
      break;
    default:
      FAIL() << "no outcome";
  }
}

TEST(ScreeningEvaluatorProperties, RandomDefinitionsAndAnswers) {
  Random random(20261201);
  int cleared = 0;
  int review = 0;
  int contraindicated = 0;
  int monotone_checks = 0;
  for (int iteration = 0; iteration < 2000; ++iteration) {
    SCOPED_TRACE(iteration);
    const v1::TreatmentDefinition definition = RandomDefinition(random);
    EvaluationInput input = RandomInput(random, definition);
    google::protobuf::RepeatedPtrField<v1::Answer> answers;
    for (const auto& answer : input.answers) *answers.Add() = answer;
    ASSERT_TRUE(
        CheckAnswers(definition, input.planned_area_ids, answers, input.screening_day, "").ok())
        << CheckAnswers(definition, input.planned_area_ids, answers, input.screening_day, "");

    const Evaluation evaluation = Evaluate(input);
    // Deterministic: again, and from a copy, byte for byte.
    ASSERT_EQ(Bytes(Evaluate(input)), Bytes(evaluation));
    const v1::TreatmentDefinition copy = definition;
    EvaluationInput copied = input;
    copied.definition = &copy;
    ASSERT_EQ(Bytes(Evaluate(copied)), Bytes(evaluation));
    ExpectExplained(input, evaluation);
    if (::testing::Test::HasFatalFailure()) return;
    cleared += evaluation.outcome == v1::SCREENING_OUTCOME_CLEARED;
    review += evaluation.outcome == v1::SCREENING_OUTCOME_REQUIRES_REVIEW;
    contraindicated += evaluation.outcome == v1::SCREENING_OUTCOME_CONTRAINDICATED;

    // Knowing more never unsays what was known: answering a question that
    // was unknown keeps every confirmed area confirmed and every area where
    // a rule was false false (unless `answered` tests read the question).
    for (const auto& question : definition.screening_questions()) {
      const auto it =
          std::find_if(input.answers.begin(), input.answers.end(),
                       [&](const v1::Answer& a) { return a.question_id() == question.id(); });
      const bool unknown = it == input.answers.end() || it->has_unknown();
      if (!unknown) continue;
      if (std::any_of(definition.contraindications().begin(), definition.contraindications().end(),
                      [&](const auto& rule) {
                        return ReadsAnsweredTest(rule.condition(), question.id());
                      })) {
        continue;
      }
      EvaluationInput known = input;
      if (it != input.answers.end())
        known.answers.erase(known.answers.begin() + (it - input.answers.begin()));
      v1::Answer answer;
      do {
        answer = RandomAnswer(random, question, input.planned_area_ids);
      } while (answer.has_unknown());
      if (answer.has_date())
        *answer.mutable_date() = ToDate(input.screening_day - random.Between(0, 500));
      known.answers.push_back(answer);
      const Evaluation after = Evaluate(known);
      for (const auto& rule : definition.contraindications()) {
        for (const std::string& area : input.planned_area_ids) {
          const auto value = [&](const Evaluation& e) {
            for (const auto& f : e.findings) {
              if (f.rule_id() == rule.id() &&
                  std::find(f.area_ids().begin(), f.area_ids().end(), area) != f.area_ids().end()) {
                return f.certainty() == v1::FINDING_CERTAINTY_CONFIRMED ? 'T' : 'U';
              }
            }
            return 'F';
          };
          const char before_value = value(evaluation);
          if (before_value != 'U') {
            ASSERT_EQ(value(after), before_value) << rule.id() << " in " << area;
          }
        }
      }
      ++monotone_checks;
      break;
    }
  }
  // The generator reaches every outcome often enough to mean something.
  EXPECT_GT(cleared, 100);
  EXPECT_GT(review, 100);
  EXPECT_GT(contraindicated, 100);
  EXPECT_GT(monotone_checks, 200);
}

}  // namespace
}  // namespace clinic::screening
