#include "services/screening/rule_evaluator.h"

#include <algorithm>
#include <cmath>
#include <unordered_set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/core/text.h"

namespace clinic::screening::rules {
namespace {

constexpr int64_t kSecondsPerDay = 24 * 60 * 60;

Truth FromBool(bool value) { return value ? Truth::kTrue : Truth::kFalse; }

Truth Not(Truth value) {
  switch (value) {
    case Truth::kTrue:
      return Truth::kFalse;
    case Truth::kFalse:
      return Truth::kTrue;
    case Truth::kUnknown:
      break;
  }
  return Truth::kUnknown;
}

// A real calendar date (the checks of CheckDate), as a civil day.
std::optional<absl::CivilDay> ToCivilDay(const v1::Date& date) {
  if (date.year() < 1 || date.year() > 9999) return std::nullopt;
  const absl::CivilDay day(date.year(), date.month(), date.day());
  // CivilDay normalises 31 April to 1 May; a date that moved was not a date.
  if (day.year() != date.year() || day.month() != date.month() || day.day() != date.day()) {
    return std::nullopt;
  }
  return day;
}

std::string FormatDate(const v1::Date& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

// Whole days in a duration, rounded down; nullopt for a negative one, which
// a definition cannot hold.
std::optional<int64_t> WholeDays(const google::protobuf::Duration& duration) {
  if (duration.seconds() < 0 || duration.nanos() < 0) return std::nullopt;
  return duration.seconds() / kSecondsPerDay;
}

// Whether `day` lies within `days` days before `today`: on or after today
// minus days. Compared as a difference, so no duration can overflow a date.
bool WithinDays(absl::CivilDay day, absl::CivilDay today, int64_t days) {
  return today - day <= days;
}

// Whole years from `born` to `today`. A 29 February birthday is reached on 1
// March in other years, which comparing (month, day) pairs gives.
int WholeYears(absl::CivilDay born, absl::CivilDay today) {
  int64_t years = today.year() - born.year();
  if (std::make_pair(today.month(), today.day()) < std::make_pair(born.month(), born.day())) {
    --years;
  }
  return static_cast<int>(years);
}

std::optional<int> AgeYears(const v1::Date& date_of_birth, absl::CivilDay today) {
  const std::optional<absl::CivilDay> born = ToCivilDay(date_of_birth);
  if (!born.has_value() || *born > today) return std::nullopt;
  return WholeYears(*born, today);
}

std::string RegionWord(v1::BodyRegion region) {
  if (!v1::BodyRegion_IsValid(region) || region == v1::BODY_REGION_UNSPECIFIED) return "unknown";
  std::string name = v1::BodyRegion_Name(region);
  constexpr absl::string_view kPrefix = "BODY_REGION_";
  if (absl::string_view(name).substr(0, kPrefix.size()) == kPrefix) name.erase(0, kPrefix.size());
  return absl::AsciiStrToLower(name);
}

std::string FitzpatrickWords(v1::FitzpatrickType type) {
  static constexpr const char* kRoman[] = {"", "I", "II", "III", "IV", "V", "VI"};
  if (type < v1::FITZPATRICK_TYPE_I || type > v1::FITZPATRICK_TYPE_VI) return "type not recorded";
  return absl::StrCat("type ", kRoman[type]);
}

// Every answer that reads as "I don't know": the answer itself, and the
// senseless `unknown: false` and `never: false`, which CheckAnswers refuses.
bool IsUnknownAnswer(const v1::Answer& answer) {
  return answer.value_case() == v1::Answer::kUnknown ||
         (answer.value_case() == v1::Answer::kNever && !answer.never());
}

}  // namespace

RuleEvaluator::RuleEvaluator(const v1::TreatmentDefinition& definition,
                             const EvaluationInput& input)
    : today_(input.screening_day) {
  for (const v1::ScreeningQuestion& question : definition.screening_questions()) {
    questions_.emplace(question.id(), &question);
  }
  std::unordered_map<std::string, v1::BodyRegion> regions;
  for (const v1::TreatmentArea& area : definition.protocol().areas()) {
    regions.emplace(area.id(), area.region());
  }
  std::unordered_set<std::string> planned;
  for (const std::string& id : input.planned_area_ids) {
    if (!planned.insert(id).second) continue;
    auto it = regions.find(id);
    areas_.push_back({id, it == regions.end() ? v1::BODY_REGION_UNSPECIFIED : it->second});
  }
  if (areas_.empty()) {
    for (const v1::TreatmentArea& area : definition.protocol().areas()) {
      if (planned.insert(area.id()).second) areas_.push_back({area.id(), area.region()});
    }
  }
  if (areas_.empty()) areas_.push_back({"", v1::BODY_REGION_UNSPECIFIED});

  for (const v1::Answer& answer : input.answers) {
    if (!answers_.emplace(answer.question_id(), &answer).second) continue;
    // Where a per-area "yes" holds: the planned areas it names, or every
    // one when it names none of them.
    if (answer.value_case() != v1::Answer::kYesNo || !answer.yes_no()) continue;
    const v1::ScreeningQuestion* question = FindQuestion(answer.question_id());
    if (question == nullptr || !question->per_area() || answer.area_ids().empty()) continue;
    std::vector<bool> holds(areas_.size(), false);
    bool any = false;
    for (size_t a = 0; a < areas_.size(); ++a) {
      holds[a] = std::find(answer.area_ids().begin(), answer.area_ids().end(), areas_[a].id) !=
                 answer.area_ids().end();
      any = any || holds[a];
    }
    if (any) yes_areas_.emplace(answer.question_id(), std::move(holds));
  }
  for (const v1::MedicalFactEntry& entry : input.facts) {
    if (entry.fact() == v1::MEDICAL_FACT_UNSPECIFIED) continue;
    facts_.emplace(static_cast<int>(entry.fact()), &entry);
  }
  age_ = AgeYears(input.date_of_birth, today_);
  fitzpatrick_ = input.fitzpatrick_type;
}

Truth RuleEvaluator::Eval(const v1::Condition& condition, size_t a, int level,
                          Leaves& decisive) const {
  if (level > kMaxConditionLevels) return Truth::kUnknown;
  switch (condition.test_case()) {
    case v1::Condition::kAnswer:
      decisive.push_back(&condition);
      return EvalAnswer(condition.answer(), a);
    case v1::Condition::kFact:
      decisive.push_back(&condition);
      return EvalFact(condition.fact(), a);
    case v1::Condition::kClient:
      decisive.push_back(&condition);
      return EvalClient(condition.client());
    case v1::Condition::kArea:
      // Scopes the rule; not an input about the client.
      return EvalArea(condition.area(), a);
    case v1::Condition::kAllOf:
      return EvalList(condition.all_of(), Combine::kAll, a, level, decisive);
    case v1::Condition::kAnyOf:
      return EvalList(condition.any_of(), Combine::kAny, a, level, decisive);
    case v1::Condition::kNoneOf:
      return EvalList(condition.none_of(), Combine::kNone, a, level, decisive);
    case v1::Condition::TEST_NOT_SET:
      break;
  }
  return Truth::kUnknown;
}

v1::Evidence RuleEvaluator::Describe(const v1::Condition& leaf) const {
  v1::Evidence evidence;
  evidence.set_decisive(true);
  switch (leaf.test_case()) {
    case v1::Condition::kAnswer:
      evidence.set_question_id(leaf.answer().question_id());
      evidence.set_value(DescribeAnswer(leaf.answer().question_id()));
      break;
    case v1::Condition::kFact:
      evidence.set_fact(leaf.fact().fact());
      evidence.set_value(DescribeFact(leaf.fact()));
      break;
    case v1::Condition::kClient:
      if (leaf.client().comparison_case() == v1::ClientTest::kFitzpatrickOneOf) {
        evidence.set_client_attribute("fitzpatrick_type");
        evidence.set_value(FitzpatrickWords(fitzpatrick_));
      } else {
        evidence.set_client_attribute("age");
        evidence.set_value(!age_.has_value() ? "date of birth not recorded"
                           : *age_ == 1      ? "1 year"
                                             : absl::StrCat(*age_, " years"));
      }
      break;
    default:
      break;
  }
  evidence.set_value(Truncate(evidence.value(), kMaxEvidenceValueBytes));
  return evidence;
}

Truth RuleEvaluator::EvalList(const v1::Conditions& list, Combine combine, size_t a, int level,
                              Leaves& decisive) const {
  if (list.conditions().empty()) return Truth::kUnknown;
  std::vector<std::pair<Truth, Leaves>> parts;
  parts.reserve(list.conditions_size());
  bool any_true = false;
  bool any_false = false;
  bool any_unknown = false;
  for (const v1::Condition& part : list.conditions()) {
    Leaves leaves;
    const Truth value = Eval(part, a, level + 1, leaves);
    any_true = any_true || value == Truth::kTrue;
    any_false = any_false || value == Truth::kFalse;
    any_unknown = any_unknown || value == Truth::kUnknown;
    parts.emplace_back(value, std::move(leaves));
  }
  // The parts that decide are those with the value the all_of or any_of
  // itself takes (for none_of, the inner any_of).
  Truth inner;
  if (combine == Combine::kAll) {
    inner = any_false ? Truth::kFalse : any_unknown ? Truth::kUnknown : Truth::kTrue;
  } else {
    inner = any_true ? Truth::kTrue : any_unknown ? Truth::kUnknown : Truth::kFalse;
  }
  for (auto& [value, leaves] : parts) {
    if (value == inner) decisive.insert(decisive.end(), leaves.begin(), leaves.end());
  }
  return combine == Combine::kNone ? Not(inner) : inner;
}

const v1::ScreeningQuestion* RuleEvaluator::FindQuestion(const std::string& id) const {
  auto it = questions_.find(id);
  return it == questions_.end() ? nullptr : it->second;
}

const v1::Answer* RuleEvaluator::FindAnswer(const std::string& question_id) const {
  auto it = answers_.find(question_id);
  return it == answers_.end() ? nullptr : it->second;
}

const v1::MedicalFactEntry* RuleEvaluator::FindFact(v1::MedicalFact fact) const {
  auto it = facts_.find(static_cast<int>(fact));
  return it == facts_.end() ? nullptr : it->second;
}

Truth RuleEvaluator::EvalAnswer(const v1::AnswerTest& test, size_t a) const {
  // A test on a question the definition does not ask cannot be answered.
  const v1::ScreeningQuestion* question = FindQuestion(test.question_id());
  if (question == nullptr) return Truth::kUnknown;
  const v1::Answer* answer = FindAnswer(test.question_id());
  const bool has_value = answer != nullptr && answer->value_case() != v1::Answer::VALUE_NOT_SET;
  const bool unknown = has_value && IsUnknownAnswer(*answer);
  switch (test.comparison_case()) {
    case v1::AnswerTest::kAnswered:
      return FromBool((has_value && !unknown) == test.answered());
    case v1::AnswerTest::kAnsweredUnknown:
      return FromBool(unknown == test.answered_unknown());
    default:
      break;
  }
  if (!has_value || unknown) return Truth::kUnknown;
  switch (test.comparison_case()) {
    case v1::AnswerTest::kEquals: {
      if (answer->value_case() != v1::Answer::kYesNo) break;
      bool yes = answer->yes_no();
      if (yes) {
        auto it = yes_areas_.find(test.question_id());
        if (it != yes_areas_.end()) yes = it->second[a];
      }
      return FromBool(yes == test.equals());
    }
    case v1::AnswerTest::kOneOf: {
      if (answer->value_case() != v1::Answer::kChoiceId) break;
      const auto& options = question->options();
      if (std::none_of(options.begin(), options.end(), [&](const v1::ChoiceOption& option) {
            return option.id() == answer->choice_id();
          })) {
        break;
      }
      const auto& ids = test.one_of().option_ids();
      return FromBool(std::find(ids.begin(), ids.end(), answer->choice_id()) != ids.end());
    }
    case v1::AnswerTest::kAtLeast:
    case v1::AnswerTest::kAtMost:
    case v1::AnswerTest::kGreaterThan:
    case v1::AnswerTest::kLessThan:
      return CompareNumber(test, *answer);
    case v1::AnswerTest::kWithinLast: {
      const std::optional<int64_t> days = WholeDays(test.within_last());
      if (!days.has_value()) break;
      if (answer->value_case() == v1::Answer::kNever) return Truth::kFalse;
      if (answer->value_case() != v1::Answer::kDate) break;
      const std::optional<absl::CivilDay> day = ToCivilDay(answer->date());
      if (!day.has_value()) break;
      return FromBool(WithinDays(*day, today_, *days));
    }
    default:
      break;
  }
  return Truth::kUnknown;
}

Truth RuleEvaluator::CompareNumber(const v1::AnswerTest& test, const v1::Answer& answer) {
  if (answer.value_case() != v1::Answer::kNumber) return Truth::kUnknown;
  const double value = answer.number();
  if (!std::isfinite(value)) return Truth::kUnknown;
  double bound = 0;
  switch (test.comparison_case()) {
    case v1::AnswerTest::kAtLeast:
      bound = test.at_least();
      break;
    case v1::AnswerTest::kAtMost:
      bound = test.at_most();
      break;
    case v1::AnswerTest::kGreaterThan:
      bound = test.greater_than();
      break;
    case v1::AnswerTest::kLessThan:
      bound = test.less_than();
      break;
    default:
      return Truth::kUnknown;
  }
  if (std::isnan(bound)) return Truth::kUnknown;
  switch (test.comparison_case()) {
    case v1::AnswerTest::kAtLeast:
      return FromBool(value >= bound);
    case v1::AnswerTest::kAtMost:
      return FromBool(value <= bound);
    case v1::AnswerTest::kGreaterThan:
      return FromBool(value > bound);
    default:
      return FromBool(value < bound);
  }
}

Truth RuleEvaluator::EvalFact(const v1::FactTest& test, size_t a) const {
  if (test.fact() == v1::MEDICAL_FACT_UNSPECIFIED || !v1::MedicalFact_IsValid(test.fact())) {
    return Truth::kUnknown;
  }
  const v1::MedicalFactEntry* entry = FindFact(test.fact());
  const bool present = entry != nullptr && entry->present();
  Truth value = Truth::kUnknown;
  switch (test.comparison_case()) {
    case v1::FactTest::kPresent:
      value = FromBool(present == test.present());
      break;
    case v1::FactTest::kActiveWithin: {
      const std::optional<int64_t> days = WholeDays(test.active_within());
      if (!days.has_value()) return Truth::kUnknown;
      if (entry == nullptr) {
        value = Truth::kFalse;
      } else if (present) {
        value = Truth::kTrue;
      } else if (entry->has_end_date()) {
        const std::optional<absl::CivilDay> end = ToCivilDay(entry->end_date());
        value = end.has_value() ? FromBool(WithinDays(*end, today_, *days)) : Truth::kUnknown;
      }
      break;
    }
    case v1::FactTest::kStartedWithin: {
      const std::optional<int64_t> days = WholeDays(test.started_within());
      if (!days.has_value()) return Truth::kUnknown;
      if (!present) {
        value = Truth::kFalse;
      } else if (entry->has_start_date()) {
        const std::optional<absl::CivilDay> start = ToCivilDay(entry->start_date());
        value = start.has_value() ? FromBool(WithinDays(*start, today_, *days)) : Truth::kUnknown;
      }
      break;
    }
    case v1::FactTest::COMPARISON_NOT_SET:
      return Truth::kUnknown;
  }
  if (!test.in_treated_region() || value == Truth::kFalse || entry == nullptr ||
      entry->regions().empty()) {
    return value;
  }
  const v1::BodyRegion region = areas_[a].region;
  // An area whose region is not known cannot be ruled out of the fact's.
  if (region == v1::BODY_REGION_UNSPECIFIED) return Truth::kUnknown;
  const auto& regions = entry->regions();
  return std::find(regions.begin(), regions.end(), region) != regions.end() ? value : Truth::kFalse;
}

Truth RuleEvaluator::EvalClient(const v1::ClientTest& test) const {
  switch (test.comparison_case()) {
    case v1::ClientTest::kAgeUnderYears:
      if (!age_.has_value()) return Truth::kUnknown;
      return FromBool(*age_ < test.age_under_years());
    case v1::ClientTest::kAgeAtLeastYears:
      if (!age_.has_value()) return Truth::kUnknown;
      return FromBool(*age_ >= test.age_at_least_years());
    case v1::ClientTest::kFitzpatrickOneOf: {
      if (fitzpatrick_ < v1::FITZPATRICK_TYPE_I || fitzpatrick_ > v1::FITZPATRICK_TYPE_VI) {
        return Truth::kUnknown;
      }
      const auto& types = test.fitzpatrick_one_of().types();
      return FromBool(std::find(types.begin(), types.end(), fitzpatrick_) != types.end());
    }
    case v1::ClientTest::COMPARISON_NOT_SET:
      break;
  }
  return Truth::kUnknown;
}

Truth RuleEvaluator::EvalArea(const v1::AreaTest& test, size_t a) const {
  const Area& area = areas_[a];
  if (!area.id.empty() &&
      std::find(test.area_ids().begin(), test.area_ids().end(), area.id) != test.area_ids().end()) {
    return Truth::kTrue;
  }
  if (area.region != v1::BODY_REGION_UNSPECIFIED &&
      std::find(test.regions().begin(), test.regions().end(), area.region) !=
          test.regions().end()) {
    return Truth::kTrue;
  }
  return Truth::kFalse;
}

std::string RuleEvaluator::DescribeAnswer(const std::string& question_id) const {
  const v1::Answer* answer = FindAnswer(question_id);
  if (answer == nullptr) return "not answered";
  if (IsUnknownAnswer(*answer)) return "I don't know";
  const v1::ScreeningQuestion* question = FindQuestion(question_id);
  switch (answer->value_case()) {
    case v1::Answer::kYesNo: {
      if (!answer->yes_no()) return "no";
      auto it = yes_areas_.find(question_id);
      if (it == yes_areas_.end()) return "yes";
      std::vector<std::string> named;
      for (size_t a = 0; a < areas_.size(); ++a) {
        if (it->second[a]) named.push_back(areas_[a].id);
      }
      return absl::StrCat("yes, in ", absl::StrJoin(named, ", "));
    }
    case v1::Answer::kDate:
      return FormatDate(answer->date());
    case v1::Answer::kNumber: {
      std::string value = absl::StrCat(answer->number());
      if (question != nullptr && !question->number_bounds().unit().empty()) {
        absl::StrAppend(&value, " ", question->number_bounds().unit());
      }
      return value;
    }
    case v1::Answer::kChoiceId:
      if (question != nullptr) {
        for (const v1::ChoiceOption& option : question->options()) {
          if (option.id() == answer->choice_id() && !option.label().empty()) {
            return option.label();
          }
        }
      }
      return answer->choice_id();
    case v1::Answer::kText:
      return "answered in words";
    case v1::Answer::kNever:
      return "never";
    default:
      break;
  }
  return "not answered";
}

std::string RuleEvaluator::DescribeFact(const v1::FactTest& test) const {
  const v1::MedicalFactEntry* entry = FindFact(test.fact());
  if (entry == nullptr) return "not recorded";
  std::string value;
  if (entry->present()) {
    if (entry->has_start_date()) {
      value = absl::StrCat("present since ", FormatDate(entry->start_date()));
    } else if (test.comparison_case() == v1::FactTest::kStartedWithin) {
      value = "present, start not recorded";
    } else {
      value = "present";
    }
  } else if (entry->has_end_date()) {
    value = absl::StrCat("ended ", FormatDate(entry->end_date()));
  } else if (test.comparison_case() == v1::FactTest::kActiveWithin) {
    value = "not present, end not recorded";
  } else {
    value = "not present";
  }
  if (test.in_treated_region() && !entry->regions().empty()) {
    std::vector<std::string> words;
    for (int region : entry->regions()) {
      words.push_back(RegionWord(static_cast<v1::BodyRegion>(region)));
    }
    absl::StrAppend(&value, ", in ", absl::StrJoin(words, ", "));
  }
  return value;
}

}  // namespace clinic::screening::rules
