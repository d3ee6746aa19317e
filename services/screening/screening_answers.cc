// Checking answers against a definition's questionnaire, before anything is
// evaluated or stored (CheckAnswers in screening_evaluator.h).
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "services/screening/screening_evaluator.h"

namespace clinic::screening {
namespace {

// What an answer's value is called in messages.
absl::string_view ValueWords(v1::Answer::ValueCase value) {
  switch (value) {
    case v1::Answer::kYesNo:
      return "a yes or no";
    case v1::Answer::kDate:
      return "a date";
    case v1::Answer::kNumber:
      return "a number";
    case v1::Answer::kChoiceId:
      return "a choice";
    case v1::Answer::kText:
      return "text";
    default:
      break;
  }
  return "a value";
}

absl::string_view TypeWords(v1::AnswerType type) {
  switch (type) {
    case v1::ANSWER_TYPE_YES_NO:
      return "yes or no";
    case v1::ANSWER_TYPE_DATE:
      return "a date";
    case v1::ANSWER_TYPE_NUMBER:
      return "a number";
    case v1::ANSWER_TYPE_CHOICE:
      return "one of its options";
    case v1::ANSWER_TYPE_TEXT:
      return "text";
    default:
      break;
  }
  return "no answer of a known type";
}

v1::AnswerType TypeOfValue(v1::Answer::ValueCase value) {
  switch (value) {
    case v1::Answer::kYesNo:
      return v1::ANSWER_TYPE_YES_NO;
    case v1::Answer::kDate:
      return v1::ANSWER_TYPE_DATE;
    case v1::Answer::kNumber:
      return v1::ANSWER_TYPE_NUMBER;
    case v1::Answer::kChoiceId:
      return v1::ANSWER_TYPE_CHOICE;
    case v1::Answer::kText:
      return v1::ANSWER_TYPE_TEXT;
    default:
      break;
  }
  return v1::ANSWER_TYPE_UNSPECIFIED;
}

// The value's own field name, for the violation's path.
absl::string_view ValueField(v1::Answer::ValueCase value) {
  switch (value) {
    case v1::Answer::kYesNo:
      return "yes_no";
    case v1::Answer::kDate:
      return "date";
    case v1::Answer::kNumber:
      return "number";
    case v1::Answer::kChoiceId:
      return "choice_id";
    case v1::Answer::kText:
      return "text";
    case v1::Answer::kUnknown:
      return "unknown";
    case v1::Answer::kNever:
      return "never";
    case v1::Answer::VALUE_NOT_SET:
      break;
  }
  return "";
}

void CheckValue(const v1::ScreeningQuestion& question, const v1::Answer& answer,
                absl::CivilDay screening_day, const std::string& path,
                std::vector<FieldViolation>& out) {
  const v1::Answer::ValueCase value = answer.value_case();
  const std::string field = absl::StrCat(path, ".", ValueField(value));
  const std::string quoted_id = Quote(question.id());
  switch (value) {
    case v1::Answer::VALUE_NOT_SET:
      if (question.required()) {
        out.push_back({path, absl::StrCat("required question ", quoted_id, " has no answer")});
      }
      return;
    case v1::Answer::kUnknown:
      if (!answer.unknown()) {
        out.push_back({field, "must be true when set"});
      } else if (!question.unknown_allowed()) {
        out.push_back(
            {field, absl::StrCat("question ", quoted_id, " does not accept \"I don't know\"")});
      }
      return;
    case v1::Answer::kNever:
      if (!answer.never()) {
        out.push_back({field, "must be true when set"});
      } else if (question.answer_type() != v1::ANSWER_TYPE_DATE || question.never_label().empty()) {
        out.push_back({field, absl::StrCat("question ", quoted_id, " has no \"never\" answer")});
      }
      return;
    default:
      break;
  }
  if (TypeOfValue(value) != question.answer_type()) {
    out.push_back({field, absl::StrCat(ValueWords(value), " does not answer question ", quoted_id,
                                       ", which takes ", TypeWords(question.answer_type()))});
    return;
  }
  switch (value) {
    case v1::Answer::kDate: {
      const size_t before = out.size();
      CheckDate(answer.date(), field, out);
      if (out.size() != before) return;
      const absl::CivilDay day(answer.date().year(), answer.date().month(), answer.date().day());
      if (day > screening_day) {
        out.push_back(
            {field, absl::StrCat(absl::FormatCivilTime(day), " is after the screening date ",
                                 absl::FormatCivilTime(screening_day))});
      }
      return;
    }
    case v1::Answer::kNumber: {
      const double number = answer.number();
      if (!std::isfinite(number)) {
        out.push_back({field, "is not a finite number"});
      } else if (question.has_number_bounds() && (number < question.number_bounds().min() ||
                                                  number > question.number_bounds().max())) {
        out.push_back({field, absl::StrCat(number, " is outside ", question.number_bounds().min(),
                                           " to ", question.number_bounds().max(),
                                           question.number_bounds().unit().empty() ? "" : " ",
                                           question.number_bounds().unit())});
      }
      return;
    }
    case v1::Answer::kChoiceId: {
      const auto& options = question.options();
      if (std::none_of(options.begin(), options.end(), [&](const v1::ChoiceOption& option) {
            return option.id() == answer.choice_id();
          })) {
        out.push_back({field, absl::StrCat(Quote(answer.choice_id()),
                                           " is not an option of question ", quoted_id)});
      }
      return;
    }
    case v1::Answer::kText:
      ValidateText(answer.text(), field, false, kMaxTextAnswerChars, out);
      return;
    default:
      return;
  }
}

void CheckAreas(const v1::ScreeningQuestion& question, const v1::Answer& answer,
                const std::unordered_set<std::string>& planned, const std::string& path,
                std::vector<FieldViolation>& out) {
  if (answer.area_ids().empty()) return;
  const std::string field = absl::StrCat(path, ".area_ids");
  if (!question.per_area()) {
    out.push_back(
        {field, absl::StrCat("question ", Quote(question.id()), " is not asked per area")});
    return;
  }
  if (answer.value_case() != v1::Answer::kYesNo || !answer.yes_no()) {
    out.push_back({field, "only a \"yes\" names the areas it applies to"});
    return;
  }
  std::unordered_set<std::string> seen;
  for (int k = 0; k < answer.area_ids_size(); ++k) {
    const std::string& id = answer.area_ids(k);
    const std::string item = absl::StrCat(field, "[", k, "]");
    if (planned.count(id) == 0) {
      out.push_back({item, absl::StrCat(Quote(id), " is not a planned area")});
    } else if (!seen.insert(id).second) {
      out.push_back({item, absl::StrCat(Quote(id), " is named twice")});
    }
  }
}

}  // namespace

absl::Status CheckAnswers(const v1::TreatmentDefinition& definition,
                          const std::vector<std::string>& planned_area_ids,
                          const google::protobuf::RepeatedPtrField<v1::Answer>& answers,
                          absl::CivilDay screening_day, absl::string_view field_prefix) {
  std::vector<FieldViolation> out;
  std::unordered_map<std::string, const v1::ScreeningQuestion*> questions;
  for (const v1::ScreeningQuestion& question : definition.screening_questions()) {
    questions.emplace(question.id(), &question);
  }
  const std::unordered_set<std::string> planned(planned_area_ids.begin(), planned_area_ids.end());
  // The first answer to each question, by index.
  std::unordered_map<std::string, int> answered;
  for (int i = 0; i < answers.size(); ++i) {
    const v1::Answer& answer = answers.Get(i);
    const std::string path = absl::StrCat(field_prefix, "answers[", i, "]");
    auto question = questions.find(answer.question_id());
    if (answer.question_id().empty()) {
      out.push_back({absl::StrCat(path, ".question_id"), "is required"});
      continue;
    }
    if (question == questions.end()) {
      out.push_back(
          {absl::StrCat(path, ".question_id"),
           absl::StrCat(Quote(answer.question_id()), " is not a question of the questionnaire")});
      continue;
    }
    auto [first, inserted] = answered.emplace(answer.question_id(), i);
    if (!inserted) {
      out.push_back({absl::StrCat(path, ".question_id"),
                     absl::StrCat("question ", Quote(answer.question_id()),
                                  " is already answered in answers[", first->second, "]")});
      continue;
    }
    CheckValue(*question->second, answer, screening_day, path, out);
    CheckAreas(*question->second, answer, planned, path, out);
  }
  for (const v1::ScreeningQuestion& question : definition.screening_questions()) {
    if (question.required() && answered.count(question.id()) == 0) {
      out.push_back({absl::StrCat(field_prefix, "answers"),
                     absl::StrCat("required question ", Quote(question.id()), " is not answered")});
    }
  }
  return Violations(out);
}

}  // namespace clinic::screening
