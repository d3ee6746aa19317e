// The plainest answer a screening question takes, for tools and tests that
// must submit a whole questionnaire without a person (clinic-bench, the
// tests that make a client ready for a treatment): no to yes/no questions,
// "never" to dates that allow it (else a date long past), the lowest number,
// the first option, a short text. Never "I don't know", which would send the
// screening to a clinician.
#ifndef CLINIC_TOOLS_SCREENING_ANSWERS_PLAIN_ANSWER_H_
#define CLINIC_TOOLS_SCREENING_ANSWERS_PLAIN_ANSWER_H_

#include "clinic/v1/screening.pb.h"
#include "clinic/v1/treatment.pb.h"

namespace clinic::tools {

v1::Answer PlainAnswer(const v1::ScreeningQuestion& question);

}  // namespace clinic::tools

#endif  // CLINIC_TOOLS_SCREENING_ANSWERS_PLAIN_ANSWER_H_
