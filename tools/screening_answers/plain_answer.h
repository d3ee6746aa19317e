// The plainest answers to a questionnaire, for tools and tests that must
// submit a whole screening without a person (clinic-bench, the tests that
// make a client ready for a treatment, and the demo): no to yes/no questions,
// "never" to dates that allow it (else a date long past), the first option
// (definitions list the one that rules nothing out first), a short text.
// Optional questions are left unanswered, as a client who skips them would:
// their lowest bound may itself be a finding (a platelet count of 0), and
// every bundled definition clears a client who skips them
// (screening_evaluator_test). Never "I don't know", which would send the
// screening to a clinician.
#ifndef CLINIC_TOOLS_SCREENING_ANSWERS_PLAIN_ANSWER_H_
#define CLINIC_TOOLS_SCREENING_ANSWERS_PLAIN_ANSWER_H_

#include <google/protobuf/repeated_ptr_field.h>

#include "clinic/v1/screening.pb.h"
#include "clinic/v1/treatment.pb.h"

namespace clinic::tools {

// The plain answer to one question, whether or not it is required.
v1::Answer PlainAnswer(const v1::ScreeningQuestion& question);

// Adds the plain answer of every required question to `answers`.
void AddPlainAnswers(const google::protobuf::RepeatedPtrField<v1::ScreeningQuestion>& questions,
                     google::protobuf::RepeatedPtrField<v1::Answer>* answers);

}  // namespace clinic::tools

#endif  // CLINIC_TOOLS_SCREENING_ANSWERS_PLAIN_ANSWER_H_
