// DecideEligibility is pure, so every rule of docs/screening.md,
// "Eligibility", is tested here at chosen instants: expiry to the second,
// day-of-treatment answers across midnight at the site, version changes,
// history and client changes, areas and depth limits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/time/civil_time.h"
#include "common/core/time.h"
#include "google/protobuf/text_format.h"
#include "services/screening/eligibility.h"

namespace clinic::screening {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

const absl::TimeZone kLondon = [] {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/London", &zone));
  return zone;
}();

absl::Time At(int y, int m, int d, int hh = 12, int mm = 0) {
  return absl::FromCivil(absl::CivilMinute(y, m, d, hh, mm), kLondon);
}

class EligibilityTest : public ::testing::Test {
 protected:
  EligibilityTest() {
    definition_ = Parse<v1::TreatmentDefinition>(R"pb(
      id: "t"
      version: "1.2.0"
      protocol {
        areas { id: "forehead" region: BODY_REGION_FACE max_depth_um: 1500 }
        areas { id: "cheeks" region: BODY_REGION_FACE max_depth_um: 2000 }
      }
      screening_questions {
        id: "breakout"
        answer_type: ANSWER_TYPE_YES_NO
        required: true
        day_of_treatment: true
      }
      screening_questions { id: "pregnant" answer_type: ANSWER_TYPE_YES_NO required: true }
      contraindications {
        id: "anticoagulants"
        severity: SEVERITY_RELATIVE
        condition { fact { fact: ANTICOAGULANT present: true } }
      }
      contraindications {
        id: "minor"
        severity: SEVERITY_ABSOLUTE
        condition { client { age_under_years: 18 } }
      }
    )pb");
    screened_at_ = At(2026, 11, 20, 10);
    screening_ = Parse<v1::ScreeningRecord>(R"pb(
      name: "clients/c/screenings/s"
      treatment_type: "treatmentTypes/t"
      definition_version: "1.0.0"
      site_id: "london-soho"
      planned_area_ids: "forehead"
      planned_area_ids: "cheeks"
      outcome: SCREENING_OUTCOME_CLEARED
      state: SCREENING_STATE_CLEARED
      inputs {
        medical_history_version: 3
        age_years: 40
        facts { fact: ECZEMA present: true detail: "hands" }
      }
    )pb");
    SetAnswerTimes(screened_at_);
    *screening_.mutable_expire_time() = ToTimestampMillis(screened_at_ + absl::Hours(24 * 30));
    history_ =
        Parse<v1::MedicalHistory>(R"pb(version: 3
                                       facts { fact: ECZEMA present: true detail: "hands" })pb");
    client_ = Parse<v1::Client>(R"pb(date_of_birth { year: 1986 month: 1 day: 15 })pb");
  }

  void SetAnswerTimes(absl::Time when) {
    screening_.clear_answers();
    for (const char* id : {"breakout", "pregnant"}) {
      v1::Answer* answer = screening_.add_answers();
      answer->set_question_id(id);
      answer->set_yes_no(false);
      *answer->mutable_answer_time() = ToTimestampMillis(when);
    }
  }

  v1::Eligibility Decide(absl::Time now, std::vector<std::string> areas = {"forehead"}) {
    EligibilityInputs inputs;
    inputs.screening = &screening_;
    inputs.definition = &definition_;
    inputs.history = &history_;
    inputs.client = &client_;
    inputs.area_ids = std::move(areas);
    inputs.now = now;
    inputs.zone = kLondon;
    return DecideEligibility(inputs);
  }

  static std::vector<v1::EligibilityReason> Reasons(const v1::Eligibility& eligibility) {
    std::vector<v1::EligibilityReason> reasons;
    for (const auto& reason : eligibility.reasons()) reasons.push_back(reason.reason());
    return reasons;
  }

  v1::TreatmentDefinition definition_;
  v1::ScreeningRecord screening_;
  v1::MedicalHistory history_;
  v1::Client client_;
  absl::Time screened_at_;
};

TEST_F(EligibilityTest, ClearedTheSameDayUntilMidnightAtTheSite) {
  const v1::Eligibility eligibility = Decide(At(2026, 11, 20, 23, 59));
  EXPECT_TRUE(eligibility.eligible());
  EXPECT_THAT(Reasons(eligibility), ElementsAre(v1::ELIGIBILITY_REASON_CLEARED));
  EXPECT_THAT(eligibility.allowed_area_ids(), ElementsAre("forehead"));
  // The day-of answers hold until the end of the day at the site.
  EXPECT_EQ(FromTimestamp(eligibility.valid_until()), At(2026, 11, 21, 0, 0));
}

TEST_F(EligibilityTest, DayOfTreatmentAnswersFromYesterdayDoNotCount) {
  const v1::Eligibility eligibility = Decide(At(2026, 11, 21, 0, 1));
  EXPECT_FALSE(eligibility.eligible());
  EXPECT_THAT(Reasons(eligibility),
              ElementsAre(v1::ELIGIBILITY_REASON_DAY_OF_TREATMENT_ANSWERS_MISSING));
  // Without day-of questions the screening holds for its validity.
  definition_.mutable_screening_questions(0)->set_day_of_treatment(false);
  const v1::Eligibility later = Decide(At(2026, 12, 5));
  EXPECT_TRUE(later.eligible());
  EXPECT_EQ(later.valid_until().seconds(), screening_.expire_time().seconds());
}

TEST_F(EligibilityTest, ExpiresAtItsExpiryToTheSecond) {
  definition_.mutable_screening_questions(0)->set_day_of_treatment(false);
  const absl::Time expiry = FromTimestamp(screening_.expire_time());
  EXPECT_TRUE(Decide(expiry - absl::Seconds(1)).eligible());
  EXPECT_THAT(Reasons(Decide(expiry)), ElementsAre(v1::ELIGIBILITY_REASON_EXPIRED));
}

TEST_F(EligibilityTest, AStateThatIsNotClearedOrApprovedIsNotEligible) {
  for (const auto& [state, reason] :
       std::vector<std::pair<v1::ScreeningState, v1::EligibilityReason>>{
           {v1::SCREENING_STATE_CONTRAINDICATED, v1::ELIGIBILITY_REASON_CONTRAINDICATED},
           {v1::SCREENING_STATE_PENDING_REVIEW, v1::ELIGIBILITY_REASON_REVIEW_PENDING},
           {v1::SCREENING_STATE_DECLINED, v1::ELIGIBILITY_REASON_DECLINED}}) {
    screening_.set_state(state);
    EXPECT_THAT(Reasons(Decide(screened_at_)), ElementsAre(reason)) << state;
  }
}

TEST_F(EligibilityTest, AMinorUpgradeKeepsTheScreeningAMajorOneDoesNot) {
  EXPECT_TRUE(Decide(screened_at_).eligible());
  definition_.set_version("2.0.0");
  EXPECT_THAT(Reasons(Decide(screened_at_)),
              ElementsAre(v1::ELIGIBILITY_REASON_DEFINITION_CHANGED));
}

TEST_F(EligibilityTest, OnlyAChangeInAFactARuleReadsRevokes) {
  // Eczema is read by no rule; its detail and presence may change freely.
  history_ = Parse<v1::MedicalHistory>(R"pb(version: 4
                                            facts { fact: ECZEMA present: false })pb");
  EXPECT_TRUE(Decide(screened_at_).eligible());
  // An anticoagulant now recorded is a change in a fact a rule reads.
  *history_.add_facts() = Parse<v1::MedicalFactEntry>("fact: ANTICOAGULANT present: true");
  const v1::Eligibility eligibility = Decide(screened_at_);
  EXPECT_THAT(Reasons(eligibility), ElementsAre(v1::ELIGIBILITY_REASON_MEDICAL_HISTORY_CHANGED));
  EXPECT_THAT(eligibility.reasons(0).message(), ::testing::HasSubstr("ANTICOAGULANT"));
}

TEST_F(EligibilityTest, ABirthdaySinceTheScreeningCountsWhenARuleReadsTheAge) {
  // Screened at 40; on 15 January 2027 the client is 41.
  definition_.mutable_screening_questions(0)->set_day_of_treatment(false);
  screening_.mutable_inputs()->set_age_years(40);
  *screening_.mutable_expire_time() = ToTimestampMillis(At(2027, 6, 1));
  EXPECT_TRUE(Decide(At(2027, 1, 14)).eligible());
  EXPECT_THAT(Reasons(Decide(At(2027, 1, 15))),
              ElementsAre(v1::ELIGIBILITY_REASON_CLIENT_DETAILS_CHANGED));
}

TEST_F(EligibilityTest, AreasMustBePlannedNotExcludedAndAllowedByTheApproval) {
  EXPECT_THAT(Reasons(Decide(screened_at_, {"forehead", "neck"})),
              ElementsAre(v1::ELIGIBILITY_REASON_AREA_NOT_CLEARED));

  // A relative exclusion of the cheeks, and an approval.
  screening_.set_outcome(v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
  screening_.set_state(v1::SCREENING_STATE_APPROVED);
  *screening_.add_excluded_areas() =
      Parse<v1::ExcludedArea>("area_id: 'cheeks' rule_ids: 'r' reviewable: true");
  *screening_.add_reviews() = Parse<v1::Review>("decision: REVIEW_DECISION_APPROVED reason: 'ok'");
  v1::Eligibility eligibility = Decide(screened_at_, {"forehead", "cheeks"});
  EXPECT_THAT(Reasons(eligibility), ElementsAre(v1::ELIGIBILITY_REASON_AREA_NOT_CLEARED));
  EXPECT_EQ(eligibility.reasons(0).area_id(), "cheeks");
  // Naming the cheeks in the approval treats them.
  screening_.mutable_reviews(0)->add_allowed_area_ids("cheeks");
  screening_.mutable_reviews(0)->add_allowed_area_ids("forehead");
  EXPECT_TRUE(Decide(screened_at_, {"forehead", "cheeks"}).eligible());
  // An approval naming only the cheeks leaves the forehead out.
  screening_.mutable_reviews(0)->clear_allowed_area_ids();
  screening_.mutable_reviews(0)->add_allowed_area_ids("cheeks");
  eligibility = Decide(screened_at_, {"forehead", "cheeks"});
  EXPECT_THAT(eligibility.allowed_area_ids(), ElementsAre("cheeks"));
  // An absolute exclusion is never treated, whatever the approval says.
  screening_.mutable_excluded_areas(0)->set_reviewable(false);
  EXPECT_THAT(Decide(screened_at_, {"cheeks"}).allowed_area_ids(), IsEmpty());
}

TEST_F(EligibilityTest, TheLowestDepthLimitWins) {
  *screening_.add_depth_limits() =
      Parse<v1::DepthLimit>("area_id: 'forehead' max_depth_um: 1000 sources: 'anticoagulants'");
  v1::Eligibility eligibility = Decide(screened_at_, {"forehead", "cheeks"});
  ASSERT_EQ(eligibility.depth_limits_size(), 1);
  EXPECT_EQ(eligibility.depth_limits(0).max_depth_um(), 1000);
  EXPECT_THAT(eligibility.depth_limits(0).sources(), ElementsAre("anticoagulants"));

  screening_.set_outcome(v1::SCREENING_OUTCOME_REQUIRES_REVIEW);
  screening_.set_state(v1::SCREENING_STATE_APPROVED);
  *screening_.add_reviews() =
      Parse<v1::Review>("decision: REVIEW_DECISION_APPROVED reason: 'ok' max_depth_um: 800");
  eligibility = Decide(screened_at_, {"forehead", "cheeks"});
  ASSERT_EQ(eligibility.depth_limits_size(), 2);
  EXPECT_EQ(eligibility.depth_limits(0).max_depth_um(), 800);
  EXPECT_EQ(eligibility.depth_limits(1).area_id(), "cheeks");
  EXPECT_EQ(eligibility.depth_limits(1).max_depth_um(), 800);
  // A review cannot raise a rule's cap.
  screening_.mutable_reviews(0)->set_max_depth_um(1400);
  eligibility = Decide(screened_at_, {"forehead"});
  EXPECT_EQ(eligibility.depth_limits(0).max_depth_um(), 1000);
}

}  // namespace
}  // namespace clinic::screening
