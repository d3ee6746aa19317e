// The screening evaluator: what a treatment definition's contraindication
// rules make of one client's answers, medical history and client record. It
// is the clinical safety core of screening (DESIGN.md section 3a), so it is a
// pure function: no I/O, no clock (the caller passes the screening day), and
// the same input always gives the same output, byte for byte.
//
// How rules are read
// ------------------
// Every rule's condition is evaluated once for every planned area and is
// true, false or unknown there. all_of, any_of and none_of follow Kleene's
// logic: all_of is false if any part is false, else unknown if any part is
// unknown, else true; any_of is true if any part is true, else unknown if any
// is unknown, else false; none_of is the negation of any_of (the negation of
// unknown is unknown).
//
// Answers (AnswerTest). An optional question left unanswered, or answered "I
// don't know", makes the test unknown, never false. Two comparisons are never
// unknown: `answered` holds when the question was answered with a value other
// than "I don't know" (a "never" answer counts as answered; `answered: false`
// holds in the opposite case), and `answered_unknown` holds when the answer
// is "I don't know" (again `false` inverts it).
//   equals      yes/no. For a per-area question a "yes" holds only in the
//               areas the answer names, or in every planned area when it
//               names none; elsewhere the answer reads as "no".
//   one_of      the chosen option is in the set.
//   at_least, at_most          inclusive; greater_than, less_than strict.
//   within_last the answered date is on or after screening_day minus
//               floor(seconds / 86400) days: a date exactly that many days
//               ago is within. A "never" answer is not within.
//
// Medical history (FactTest). A fact the history has no entry for is absent:
// `present: true` is false and `present: false` is true.
//   present         entry.present equals the test's value.
//   active_within   true when present; when no longer present, true if
//                   end_date is on or after screening_day minus the days,
//                   false if before, unknown if end_date is not recorded.
//   started_within  when present, true if start_date is on or after
//                   screening_day minus the days, false if before, unknown if
//                   start_date is not recorded; false when not present.
//   in_treated_region  the test holds only in planned areas whose region is
//                   one of the entry's regions; an entry without regions
//                   counts everywhere. In other areas the test is false.
//
// The client (ClientTest): age in whole years on screening_day (on the 18th
// birthday the client is 18; a 29 February birthday counts on 1 March in
// other years); unknown when the date of birth is not a valid date on or
// before screening_day. fitzpatrick_one_of is unknown when the type is not
// recorded. AreaTest holds in the planned areas it names by id or whose
// region it lists.
//
// Findings
// --------
// For each rule, in definition order: the planned areas where the condition
// is true make one CONFIRMED finding, and those where it is unknown one more
// NOT_RULED_OUT finding, each listing its areas in planned order. A finding
// copies the rule's display name, severity, rationale, guidance and action
// (an unset action is written as refuse_treatment). Its evidence lists each
// input (question, fact, client attribute "age" or "fitzpatrick_type") once,
// in the order the condition reads them, with the value read in words: the
// inputs whose tests made the result in the finding's areas. For a true
// all_of every part decides; for a true any_of the true parts; for a true
// none_of the false parts; for an unknown result the unknown parts (and so
// on down).
//
// Outcome
// -------
// A CONFIRMED absolute finding acts without review: refuse_treatment makes
// the screening CONTRAINDICATED; exclude_areas excludes its areas with
// reviewable = false; cap_depth limits the depth in its areas. Every relative
// finding and every NOT_RULED_OUT finding (absolute or not) makes the
// screening REQUIRES_REVIEW; if it excludes areas they are excluded with
// reviewable = true (unless an absolute finding already excludes them), and
// if it caps depth the cap is listed. Several caps in one area: the lowest
// depth wins and the sources list every rule. When every planned area is
// excluded without review the screening is CONTRAINDICATED.
// CONTRAINDICATED beats REQUIRES_REVIEW, which beats CLEARED; so a screening
// is CLEARED exactly when its only findings are confirmed absolute
// exclusions and caps that leave an area to treat.
//
// Definitions are validated before they are served (docs/definition-rules.md),
// but the evaluator never relies on it: whatever it does not expect (a test
// or comparison not set, an empty list, nesting deeper than the contract's 8
// levels, a question or option the definition lacks, an answer that does not
// fit its test, a date that is not a date, a negative duration) reads as
// unknown, which sends the screening to a clinician. An unset severity counts
// as absolute (the finding says so), an absolute sign-off rule refuses the
// treatment, and a cap below 1 um caps at 1 um.
#ifndef CLINIC_SERVICES_SCREENING_SCREENING_EVALUATOR_H_
#define CLINIC_SERVICES_SCREENING_SCREENING_EVALUATOR_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "clinic/v1/clients.pb.h"
#include "clinic/v1/common.pb.h"
#include "clinic/v1/medical_facts.pb.h"
#include "clinic/v1/screening.pb.h"
#include "clinic/v1/treatment.pb.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace clinic::screening {

// Longest free-text answer, in characters.
inline constexpr size_t kMaxTextAnswerChars = 2000;

// Longest Evidence.value, in bytes (so at most as many characters).
inline constexpr size_t kMaxEvidenceValueBytes = 200;

// What one evaluation reads. The caller checks the parts that come from a
// request (planned areas with the protocol, answers with CheckAnswers) before
// evaluating.
struct EvaluationInput {
  // The loaded definition; not owned, must outlive the call.
  const v1::TreatmentDefinition* definition = nullptr;

  // The areas to be treated: area ids of the protocol, each once. Findings,
  // exclusions and limits list areas in this order. When empty (which a
  // checked request never is) every area of the protocol is evaluated, so a
  // missing plan can only add findings.
  std::vector<std::string> planned_area_ids;

  // The answers, checked with CheckAnswers. Answers carried from an earlier
  // screening are included like the others.
  std::vector<v1::Answer> answers;

  // The client's current medical history, at most one entry per fact (the
  // first one counts).
  std::vector<v1::MedicalFactEntry> facts;

  // From the client record.
  v1::Date date_of_birth;

  // FITZPATRICK_TYPE_UNSPECIFIED when not recorded.
  v1::FitzpatrickType fitzpatrick_type = v1::FITZPATRICK_TYPE_UNSPECIFIED;

  // The screening date in the time zone of the site where the client is
  // screened; every "within the last N days" counts back from it.
  absl::CivilDay screening_day;
};

// What the rules made of the input.
struct Evaluation {
  v1::ScreeningOutcome outcome = v1::SCREENING_OUTCOME_UNSPECIFIED;

  // Every rule that fired or could not be ruled out, in definition order; a
  // rule confirmed in some areas and unknown in others has two findings,
  // CONFIRMED first.
  std::vector<v1::Finding> findings;

  // Planned areas the findings leave out, in planned order, each with the
  // rules that exclude it in definition order.
  std::vector<v1::ExcludedArea> excluded_areas;

  // Depth caps from the findings, one per area in planned order: the lowest
  // cap, with every rule that caps the area in definition order.
  std::vector<v1::DepthLimit> depth_limits;

  // The client's age in whole years on the screening day; -1 when the date of
  // birth is not a valid date on or before that day.
  int age_years = -1;
};

// Evaluates every contraindication rule of the definition for every planned
// area. Never fails: input it does not expect reads as unknown (see above).
Evaluation Evaluate(const EvaluationInput& input);

// Checks answers against the definition's questionnaire before anything is
// stored. OK, or INVALID_ARGUMENT listing every problem with the field it is
// in, `field_prefix` + "answers[3].number" (field_prefix is e.g.
// "screening."): an unknown question id, a question answered twice, a
// required question without an answer (field_prefix + "answers", naming the
// question, or the answer's own field when it is present but empty), a value
// that does not fit the question's type, an option id not of the question, a
// number out of bounds or not finite, a date that is not a calendar date or
// is after screening_day, "unknown" where the question does not allow it,
// "never" where the question has no never_label, area ids on a question that
// is not per-area or on a "no", an area id not planned or named twice, text
// that is not well-formed UTF-8, holds control characters other than line
// breaks and tabs, or is longer than kMaxTextAnswerChars characters.
// Messages quote what the caller sent with Quote, so they stay short
// whatever was sent.
absl::Status CheckAnswers(const v1::TreatmentDefinition& definition,
                          const std::vector<std::string>& planned_area_ids,
                          const google::protobuf::RepeatedPtrField<v1::Answer>& answers,
                          absl::CivilDay screening_day, absl::string_view field_prefix);

// Every medical fact any rule of the definition reads, each once, in
// ascending enum order. A change to one of them since a screening revokes
// eligibility based on it.
std::vector<v1::MedicalFact> FactsRead(const v1::TreatmentDefinition& definition);

// What the rules of a definition read about the client besides answers: the
// facts (as FactsRead), and whether any rule tests the age or the
// Fitzpatrick type. Eligibility compares exactly these with what the
// screening was made with.
struct DefinitionReads {
  std::vector<v1::MedicalFact> facts;
  bool age = false;
  bool fitzpatrick = false;
};
DefinitionReads ReadsOf(const v1::TreatmentDefinition& definition);

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_SCREENING_EVALUATOR_H_
