#include "services/screening/eligibility.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/definition/semver.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/screening/screening_evaluator.h"

namespace clinic::screening {
namespace {

absl::CivilDay DayAt(absl::Time time, absl::TimeZone zone) { return absl::ToCivilDay(time, zone); }

// Whether the history's entries for a fact differ in anything a rule reads:
// presence, dates and regions (the free-text detail is for people).
bool FactChanged(const v1::MedicalFactEntry* before, const v1::MedicalFactEntry* now) {
  if (before == nullptr || now == nullptr) return before != now;
  v1::MedicalFactEntry a = *before;
  v1::MedicalFactEntry b = *now;
  a.clear_detail();
  b.clear_detail();
  return !google::protobuf::util::MessageDifferencer::Equals(a, b);
}

const v1::MedicalFactEntry* FindFact(
    const google::protobuf::RepeatedPtrField<v1::MedicalFactEntry>& facts, v1::MedicalFact fact) {
  for (const v1::MedicalFactEntry& entry : facts) {
    if (entry.fact() == fact) return &entry;
  }
  return nullptr;
}

// Whole years on `day`; a 29 February birthday falls on 1 March in other
// years, as absl normalizes it.
int AgeOn(const v1::Date& birth, absl::CivilDay day) {
  const absl::CivilDay birthday(day.year(), birth.month(), birth.day());
  int age = static_cast<int>(day.year() - birth.year());
  if (day < birthday) --age;
  return age;
}

void AddReason(v1::Eligibility& eligibility, v1::EligibilityReason reason,
               const std::string& message, absl::string_view area_id = "") {
  v1::EligibilityFinding* finding = eligibility.add_reasons();
  finding->set_reason(reason);
  finding->set_message(Truncate(message, 300));
  finding->set_area_id(std::string(area_id));
}

}  // namespace

v1::Eligibility DecideEligibility(const EligibilityInputs& inputs) {
  const v1::ScreeningRecord& screening = *inputs.screening;
  const v1::TreatmentDefinition& definition = *inputs.definition;
  const v1::MedicalHistory& history = *inputs.history;
  const absl::Time now = inputs.now;
  const absl::TimeZone zone = inputs.zone;
  const absl::CivilDay today = DayAt(now, zone);
  v1::Eligibility response;
  response.set_screening(screening.name());
  response.set_definition_version(screening.definition_version());
  switch (screening.state()) {
    case v1::SCREENING_STATE_CONTRAINDICATED:
      AddReason(response, v1::ELIGIBILITY_REASON_CONTRAINDICATED,
                "an absolute rule refuses the treatment");
      break;
    case v1::SCREENING_STATE_PENDING_REVIEW:
      AddReason(response, v1::ELIGIBILITY_REASON_REVIEW_PENDING,
                "the screening waits for a clinician's review");
      break;
    case v1::SCREENING_STATE_DECLINED:
      AddReason(response, v1::ELIGIBILITY_REASON_DECLINED, "a clinician declined the screening");
      break;
    default:
      break;
  }
  absl::Time valid_until = FromTimestamp(screening.expire_time());
  if (valid_until <= now) {
    AddReason(response, v1::ELIGIBILITY_REASON_EXPIRED,
              absl::StrCat("the screening expired at ", absl::FormatTime(valid_until, zone)));
  }
  absl::StatusOr<SemanticVersion> screened = ParseSemanticVersion(screening.definition_version());
  absl::StatusOr<SemanticVersion> loaded = ParseSemanticVersion(definition.version());
  if (!screened.ok() || !loaded.ok() || screened->major != loaded->major) {
    AddReason(response, v1::ELIGIBILITY_REASON_DEFINITION_CHANGED,
              absl::StrCat("the screening was made under ", definition.id(), " ",
                           screening.definition_version(), "; version ", definition.version(),
                           " is loaded now, a new major version"));
  }

  // Day-of-treatment questions count only when answered today at this site.
  bool day_of_questions = false;
  for (const v1::ScreeningQuestion& question : definition.screening_questions()) {
    if (!question.day_of_treatment()) continue;
    day_of_questions = true;
    const v1::Answer* answer = nullptr;
    for (const v1::Answer& a : screening.answers()) {
      if (a.question_id() == question.id()) answer = &a;
    }
    const bool answered_today =
        answer != nullptr && DayAt(FromTimestamp(answer->answer_time()), zone) == today;
    if (!answered_today && (answer != nullptr || question.required())) {
      AddReason(response, v1::ELIGIBILITY_REASON_DAY_OF_TREATMENT_ANSWERS_MISSING,
                absl::StrCat("question ", Quote(question.id()),
                             " must be answered on the day of treatment"));
    }
  }
  if (day_of_questions) {
    valid_until = std::min(valid_until, absl::FromCivil(today + 1, zone));
  }

  // Whether what the rules read about the client still holds.
  const DefinitionReads reads = ReadsOf(definition);
  for (v1::MedicalFact fact : reads.facts) {
    if (FactChanged(FindFact(screening.inputs().facts(), fact), FindFact(history.facts(), fact))) {
      AddReason(response, v1::ELIGIBILITY_REASON_MEDICAL_HISTORY_CHANGED,
                absl::StrCat(v1::MedicalFact_Name(fact), " changed in medical history version ",
                             history.version(), " since the screening (version ",
                             screening.inputs().medical_history_version(), ")"));
    }
  }
  if (inputs.client != nullptr) {
    const v1::ScreeningInputs& was = screening.inputs();
    if (reads.fitzpatrick && inputs.client->fitzpatrick_type() != was.fitzpatrick_type()) {
      AddReason(response, v1::ELIGIBILITY_REASON_CLIENT_DETAILS_CHANGED,
                "the client's Fitzpatrick type changed since the screening");
    }
    if (reads.age && AgeOn(inputs.client->date_of_birth(), today) != was.age_years()) {
      AddReason(response, v1::ELIGIBILITY_REASON_CLIENT_DETAILS_CHANGED,
                "the client's age changed since the screening, and a rule reads it");
    }
  }

  // The areas: planned, not excluded (unless a review allowed a reviewable
  // exclusion), and within the latest approval's areas.
  const v1::Review* approval =
      screening.state() == v1::SCREENING_STATE_APPROVED ? &*screening.reviews().rbegin() : nullptr;
  for (const std::string& area : inputs.area_ids) {
    const auto& planned = screening.planned_area_ids();
    if (std::find(planned.begin(), planned.end(), area) == planned.end()) {
      AddReason(response, v1::ELIGIBILITY_REASON_AREA_NOT_CLEARED,
                absl::StrCat("area ", Quote(area), " was not planned in the screening"), area);
      continue;
    }
    const bool listed =
        approval != nullptr &&
        std::find(approval->allowed_area_ids().begin(), approval->allowed_area_ids().end(), area) !=
            approval->allowed_area_ids().end();
    if (approval != nullptr && !approval->allowed_area_ids().empty() && !listed) {
      AddReason(response, v1::ELIGIBILITY_REASON_AREA_NOT_CLEARED,
                absl::StrCat("area ", Quote(area), " is not among the areas the review allowed"),
                area);
      continue;
    }
    bool excluded = false;
    for (const v1::ExcludedArea& exclusion : screening.excluded_areas()) {
      if (exclusion.area_id() != area) continue;
      if (!exclusion.reviewable() || !listed) {
        excluded = true;
        AddReason(response, v1::ELIGIBILITY_REASON_AREA_NOT_CLEARED,
                  absl::StrCat("area ", Quote(area), " is excluded by ",
                               Quote(absl::StrJoin(exclusion.rule_ids(), ", "))),
                  area);
      }
    }
    if (excluded) continue;
    response.add_allowed_area_ids(area);
    int32_t depth = 0;
    std::vector<std::string> sources;
    for (const v1::DepthLimit& limit : screening.depth_limits()) {
      if (limit.area_id() != area) continue;
      depth = limit.max_depth_um();
      sources.assign(limit.sources().begin(), limit.sources().end());
    }
    if (approval != nullptr && approval->max_depth_um() > 0 &&
        (depth == 0 || approval->max_depth_um() < depth)) {
      depth = approval->max_depth_um();
      sources.assign({"review"});
    }
    if (depth > 0) {
      v1::DepthLimit& limit = *response.add_depth_limits();
      limit.set_area_id(area);
      limit.set_max_depth_um(depth);
      for (std::string& source : sources) limit.add_sources(std::move(source));
    }
  }
  *response.mutable_valid_until() = ToTimestampMillis(valid_until);
  response.set_eligible(response.reasons().empty());
  if (response.eligible()) {
    AddReason(response, v1::ELIGIBILITY_REASON_CLEARED,
              screening.state() == v1::SCREENING_STATE_APPROVED
                  ? "approved at review; the screening covers every area asked about"
                  : "cleared; the screening covers every area asked about");
  }
  return response;
}

}  // namespace clinic::screening
