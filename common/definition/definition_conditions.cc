// The checks of the conditions a contraindication rule is made of: answer,
// fact, client and area tests and how they nest (definition_checks.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/core/text.h"
#include "common/definition/definition_checks.h"
#include "common/definition/definition_wording.h"
#include "common/definition/semver.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/util/time_util.h"

namespace clinic::definition_checks {

void Validator::CheckLookback(const std::string& path, const Duration& d) {
  if (absl::string_view problem = DurationProblem(d); !problem.empty()) {
    Add(path, absl::StrCat("is not a valid duration: ", problem));
  } else if (!IsPositive(d)) {
    Add(path, "must be positive, e.g. { seconds: 15552000 } for 180 days");
  } else if (IsLongerThan(d, kMaxLookbackSeconds)) {
    Add(path, absl::StrCat(Readable(d), " is longer than the 20-year limit (",
                           kMaxLookbackSeconds / kSecondsPerDay, " days)"));
  }
}

void Validator::CheckDepthCap(const std::string& path, int depth_um) {
  Reach deepest;
  std::string deepest_area;
  for (const v1::TreatmentArea& area : d_.protocol().areas()) {
    const auto it = areas_.find(area.id());
    if (it != areas_.end() && it->second.depth_um > deepest.depth_um) {
      deepest = it->second;
      deepest_area = area.id();
    }
  }
  // Without a valid area depth the areas' own violations come first.
  if (depth_um >= 1 && deepest.depth_um > 0 && depth_um >= deepest.depth_um) {
    Add(path, absl::StrCat(depth_um, " um caps nothing: no area goes deeper than ",
                           deepest.depth_um, " um (area ", Named(deepest_area),
                           deepest.indication.empty()
                               ? ""
                               : absl::StrCat(" for indication ", Named(deepest.indication)),
                           "); set a shallower depth, or choose another action",
                           TooDeepHint(depth_um, deepest.depth_um - 1)));
    return;
  }
  CheckBounded(path, depth_um, kDepthLimits, TooDeepHint(depth_um, kMaxNeedleDepthUm));
}

bool Validator::DependsOnArea(const v1::Condition& condition) const {
  auto any = [this](const v1::Conditions& list) {
    return std::any_of(list.conditions().begin(), list.conditions().end(),
                       [this](const v1::Condition& c) { return DependsOnArea(c); });
  };
  switch (condition.test_case()) {
    case v1::Condition::kArea:
      return true;
    case v1::Condition::kFact:
      return condition.fact().in_treated_region();
    case v1::Condition::kAnswer: {
      // Only the answer itself names areas; whether it was given does not.
      const auto it = questions_.find(condition.answer().question_id());
      return it != questions_.end() && it->second->per_area() &&
             condition.answer().comparison_case() == v1::AnswerTest::kEquals;
    }
    case v1::Condition::kAllOf:
      return any(condition.all_of());
    case v1::Condition::kAnyOf:
      return any(condition.any_of());
    case v1::Condition::kNoneOf:
      return any(condition.none_of());
    case v1::Condition::kClient:
    case v1::Condition::TEST_NOT_SET:
      return false;
  }
  return false;
}

void Validator::CheckCondition(const std::string& path, const v1::Condition& condition, int depth) {
  if (depth > kMaxConditionDepth) {
    Add(path, absl::StrCat("nests deeper than ", kMaxConditionDepth,
                           " levels of conditions; flatten the rule"));
    return;
  }
  auto check_list = [&](absl::string_view name, const v1::Conditions& list) {
    const std::string list_path = Field(path, absl::StrCat(name, ".conditions"));
    if (list.conditions().empty()) {
      Add(list_path, absl::StrCat(name, " needs at least one condition"));
    }
    for (int i = 0; i < list.conditions_size(); ++i) {
      CheckCondition(Index(list_path, i), list.conditions(i), depth + 1);
    }
  };
  switch (condition.test_case()) {
    case v1::Condition::kAnswer:
      CheckAnswerTest(Field(path, "answer"), condition.answer());
      break;
    case v1::Condition::kFact:
      CheckFactTest(Field(path, "fact"), condition.fact());
      break;
    case v1::Condition::kAllOf:
      check_list("all_of", condition.all_of());
      break;
    case v1::Condition::kAnyOf:
      check_list("any_of", condition.any_of());
      break;
    case v1::Condition::kNoneOf:
      check_list("none_of", condition.none_of());
      break;
    case v1::Condition::kClient:
      CheckClientTest(Field(path, "client"), condition.client());
      break;
    case v1::Condition::kArea:
      CheckAreaTest(Field(path, "area"), condition.area());
      break;
    case v1::Condition::TEST_NOT_SET:
      Add(path, "sets no test; set one of answer, fact, all_of, any_of, none_of, client or area");
      break;
  }
}

void Validator::CheckClientTest(const std::string& path, const v1::ClientTest& test) {
  switch (test.comparison_case()) {
    case v1::ClientTest::kAgeUnderYears:
      CheckAge(Field(path, "age_under_years"), test.age_under_years());
      break;
    case v1::ClientTest::kAgeAtLeastYears:
      CheckAge(Field(path, "age_at_least_years"), test.age_at_least_years());
      break;
    case v1::ClientTest::kFitzpatrickOneOf:
      CheckFitzpatrickSet(Field(path, "fitzpatrick_one_of.types"), test.fitzpatrick_one_of());
      break;
    case v1::ClientTest::COMPARISON_NOT_SET:
      Add(path,
          "sets no comparison; set one of age_under_years, age_at_least_years or "
          "fitzpatrick_one_of");
      break;
  }
}

void Validator::CheckAge(const std::string& path, int years) {
  if (years < kAgeLimits.floor) {
    Add(path, absl::StrCat(Amount(years, kYears), " is less than the ",
                           Bound(kAgeLimits.floor, kYears), " minimum"));
  } else if (years > kAgeLimits.ceiling) {
    Add(path, absl::StrCat(Amount(years, kYears), " is more than the ",
                           Bound(kAgeLimits.ceiling, kYears), " limit"));
  }
}

void Validator::CheckFitzpatrickSet(const std::string& path, const v1::FitzpatrickSet& set) {
  if (set.types().empty()) {
    Add(path, "at least one Fitzpatrick type is required, e.g. FITZPATRICK_TYPE_V");
  }
  std::map<int, int> listed;  // type -> first index
  for (int j = 0; j < set.types_size(); ++j) {
    const int type = set.types(j);
    const std::string type_path = Index(path, j);
    if (type == v1::FITZPATRICK_TYPE_UNSPECIFIED) {
      Add(type_path,
          "is FITZPATRICK_TYPE_UNSPECIFIED; list types I to VI only (a client without a "
          "recorded type makes the test unknown, which already goes to review)");
    } else if (!v1::FitzpatrickType_IsValid(type)) {
      Add(type_path, absl::StrCat(type, " is not a Fitzpatrick type this host knows"));
    } else if (auto [first, inserted] = listed.emplace(type, j); !inserted) {
      Add(type_path, absl::StrCat(v1::FitzpatrickType_Name(set.types(j)),
                                  " is already listed at types[", first->second, "]"));
    }
  }
}

void Validator::CheckAreaTest(const std::string& path, const v1::AreaTest& test) {
  if (test.area_ids().empty() && test.regions().empty()) {
    Add(path,
        "names no area; list area ids of the protocol or regions, e.g. { regions: "
        "BODY_REGION_FACE }");
  }
  CheckAreaIds(Field(path, "area_ids"), test.area_ids(), "is empty; name an area of the protocol",
               [](const std::string&) {});
  std::map<int, int> regions;  // region -> first index
  for (int j = 0; j < test.regions_size(); ++j) {
    const int region = test.regions(j);
    const std::string region_path = Index(Field(path, "regions"), j);
    if (region == v1::BODY_REGION_UNSPECIFIED) {
      Add(region_path, "is BODY_REGION_UNSPECIFIED; name a region, e.g. BODY_REGION_FACE");
    } else if (!v1::BodyRegion_IsValid(region)) {
      Add(region_path, absl::StrCat(region, " is not a body region this host knows"));
    } else if (auto [first, inserted] = regions.emplace(region, j); !inserted) {
      Add(region_path, absl::StrCat(v1::BodyRegion_Name(test.regions(j)),
                                    " is already listed at regions[", first->second, "]"));
    }
  }
}

void Validator::CheckAnswerTest(const std::string& path, const v1::AnswerTest& test) {
  const std::string question_path = Field(path, "question_id");
  const v1::ScreeningQuestion* q = nullptr;
  if (test.question_id().empty()) {
    Add(question_path, "is required");
  } else if (auto it = questions_.find(test.question_id()); it == questions_.end()) {
    Add(question_path,
        absl::StrCat("refers to question ", Named(test.question_id()),
                     " which the definition does not declare",
                     DidYouMean(test.question_id(), DeclaredIds(d_.screening_questions()))));
  } else {
    q = it->second;
  }
  // Whether the comparison can be matched against the question's type: not
  // when the question is missing or its type is itself reported.
  bool typed = q != nullptr && q->answer_type() != v1::ANSWER_TYPE_UNSPECIFIED &&
               v1::AnswerType_IsValid(q->answer_type());
  if (typed && q->answer_type() == v1::ANSWER_TYPE_TEXT) {
    Add(question_path, absl::StrCat("refers to question ", Named(q->id()),
                                    ", which takes free text (ANSWER_TYPE_TEXT); rules cannot "
                                    "test free text"));
    typed = false;
  }
  // Whether the question has the type `comparison` needs; reports it when not.
  auto fits = [&](absl::string_view comparison, v1::AnswerType wanted) {
    if (!typed) return false;
    if (q->answer_type() == wanted) return true;
    Add(Field(path, comparison), absl::StrCat("cannot test question ", Named(q->id()),
                                              ", which is ", KindOfQuestion(q->answer_type()), "; ",
                                              comparison, " needs ", KindOfQuestion(wanted)));
    return false;
  };

  switch (test.comparison_case()) {
    case v1::AnswerTest::kEquals:
      fits("equals", v1::ANSWER_TYPE_YES_NO);
      break;
    case v1::AnswerTest::kOneOf:
      if (fits("one_of", v1::ANSWER_TYPE_CHOICE)) CheckOptionSet(path, *q, test.one_of());
      break;
    case v1::AnswerTest::kAtLeast:
    case v1::AnswerTest::kAtMost:
    case v1::AnswerTest::kGreaterThan:
    case v1::AnswerTest::kLessThan: {
      const auto [name, value] = Threshold(test);
      if (!std::isfinite(value)) {
        Add(Field(path, name), "must be a finite number");
      } else if (fits(name, v1::ANSWER_TYPE_NUMBER) && q->has_number_bounds()) {
        // A threshold outside what may be answered matches every answer or
        // none: usually a unit mix-up (mmol/mol for %).
        const v1::NumberBounds& b = q->number_bounds();
        if (std::isfinite(b.min()) && std::isfinite(b.max()) && b.min() <= b.max() &&
            (value < b.min() || value > b.max())) {
          Add(Field(path, name),
              absl::StrCat(value, " is outside the range question ", Named(q->id()), " accepts (",
                           b.min(), " to ", b.max(),
                           b.unit().empty() ? "" : absl::StrCat(" ", Quote(b.unit(), 40)),
                           "), so the test would match every answer or none"));
        }
      }
      break;
    }
    case v1::AnswerTest::kWithinLast:
      fits("within_last", v1::ANSWER_TYPE_DATE);
      CheckLookback(Field(path, "within_last"), test.within_last());
      break;
    case v1::AnswerTest::kAnswered:
      break;
    case v1::AnswerTest::kAnsweredUnknown:
      // Without "I don't know" on offer the test is false (or, negated,
      // true) for every answer: usually unknown_allowed was forgotten.
      if (typed && !q->unknown_allowed()) {
        Add(Field(path, "answered_unknown"),
            absl::StrCat("cannot test question ", Named(q->id()),
                         ", which does not accept \"I don't know\" (unknown_allowed is not "
                         "set), so the test has the same value for every answer; set "
                         "unknown_allowed on the question, or test something else"));
      }
      break;
    case v1::AnswerTest::COMPARISON_NOT_SET:
      Add(path,
          "sets no comparison; set one of equals, one_of, at_least, at_most, greater_than, "
          "less_than, within_last, answered or answered_unknown");
      break;
  }
}

std::pair<absl::string_view, double> Validator::Threshold(const v1::AnswerTest& test) {
  switch (test.comparison_case()) {
    case v1::AnswerTest::kAtLeast:
      return {"at_least", test.at_least()};
    case v1::AnswerTest::kAtMost:
      return {"at_most", test.at_most()};
    case v1::AnswerTest::kGreaterThan:
      return {"greater_than", test.greater_than()};
    default:
      return {"less_than", test.less_than()};
  }
}

void Validator::CheckFactTest(const std::string& path, const v1::FactTest& test) {
  if (test.fact() == v1::MEDICAL_FACT_UNSPECIFIED) {
    Add(Field(path, "fact"), "is required, e.g. ISOTRETINOIN");
  } else if (!v1::MedicalFact_IsValid(test.fact())) {
    Add(Field(path, "fact"), absl::StrCat(static_cast<int>(test.fact()),
                                          " is not a medical fact this host knows; see "
                                          "docs/medical-facts.md"));
  }
  switch (test.comparison_case()) {
    case v1::FactTest::kPresent:
      break;
    case v1::FactTest::kActiveWithin:
      CheckLookback(Field(path, "active_within"), test.active_within());
      break;
    case v1::FactTest::kStartedWithin:
      CheckLookback(Field(path, "started_within"), test.started_within());
      break;
    case v1::FactTest::COMPARISON_NOT_SET:
      Add(path, test.in_treated_region()
                    ? "sets in_treated_region but no comparison; in_treated_region only narrows "
                      "one: set present, active_within or started_within"
                    : "sets no comparison; set present, active_within or started_within");
      return;
  }
  // A fact that is absent has no regions, and one that is present makes
  // `present: false` false everywhere: the modifier would change nothing,
  // though it reads as "not in the treated region".
  if (test.in_treated_region() && test.comparison_case() == v1::FactTest::kPresent &&
      !test.present()) {
    absl::string_view fact = "...";
    if (v1::MedicalFact_IsValid(test.fact())) fact = v1::MedicalFact_Name(test.fact());
    Add(Field(path, "in_treated_region"),
        absl::StrCat("changes nothing with present: false (an absent fact has no regions); for "
                     "\"not present in the treated region\" write none_of { conditions { fact "
                     "{ fact: ",
                     fact, " present: true in_treated_region: true } } }"));
  }
}

void Validator::CheckOptionSet(const std::string& path, const v1::ScreeningQuestion& q,
                               const v1::OptionSet& set) {
  const std::string ids_path = Field(path, "one_of.option_ids");
  if (set.option_ids().empty()) Add(ids_path, "at least one option id is required");
  std::map<std::string, int> listed;  // option id -> first index
  for (int i = 0; i < set.option_ids_size(); ++i) {
    const std::string& option = set.option_ids(i);
    const bool offered = std::any_of(q.options().begin(), q.options().end(),
                                     [&](const v1::ChoiceOption& o) { return o.id() == option; });
    if (!offered) {
      Add(Index(ids_path, i),
          absl::StrCat("refers to option ", Named(option), " which question ", Named(q.id()),
                       " does not offer", DidYouMean(option, DeclaredIds(q.options()))));
    } else if (auto [first, inserted] = listed.emplace(option, i); !inserted) {
      Add(Index(ids_path, i),
          absl::StrCat("option ", Named(option), " is already listed at option_ids[", first->second,
                       "]"));
    }
  }
}

}  // namespace clinic::definition_checks
