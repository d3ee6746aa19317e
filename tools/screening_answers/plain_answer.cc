#include "tools/screening_answers/plain_answer.h"

namespace clinic::tools {

v1::Answer PlainAnswer(const v1::ScreeningQuestion& question) {
  v1::Answer answer;
  answer.set_question_id(question.id());
  switch (question.answer_type()) {
    case v1::ANSWER_TYPE_YES_NO:
      answer.set_yes_no(false);
      break;
    case v1::ANSWER_TYPE_DATE:
      if (!question.never_label().empty()) {
        answer.set_never(true);
      } else {
        answer.mutable_date()->set_year(2001);
        answer.mutable_date()->set_month(1);
        answer.mutable_date()->set_day(1);
      }
      break;
    case v1::ANSWER_TYPE_NUMBER:
      answer.set_number(question.number_bounds().min());
      break;
    case v1::ANSWER_TYPE_CHOICE:
      if (!question.options().empty()) answer.set_choice_id(question.options(0).id());
      break;
    case v1::ANSWER_TYPE_TEXT:
      answer.set_text("Nothing to add.");
      break;
    default:
      break;
  }
  return answer;
}

void AddPlainAnswers(const google::protobuf::RepeatedPtrField<v1::ScreeningQuestion>& questions,
                     google::protobuf::RepeatedPtrField<v1::Answer>* answers) {
  for (const v1::ScreeningQuestion& question : questions) {
    if (question.required()) *answers->Add() = PlainAnswer(question);
  }
}

}  // namespace clinic::tools
