// The definition validator's checks, shared by the files that hold them:
// definition_validator.cc (identity, protocol, questionnaire, rules),
// definition_requirements.cc (the cartridges and other consumables a session
// uses) and definition_conditions.cc (the conditions rules are made of).
// Only those files include it.
#ifndef CLINIC_COMMON_DEFINITION_DEFINITION_CHECKS_H_
#define CLINIC_COMMON_DEFINITION_DEFINITION_CHECKS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "clinic/v1/treatment.pb.h"
#include "common/core/status.h"
#include "common/definition/definition_wording.h"
#include "google/protobuf/duration.pb.h"

namespace clinic::definition_checks {

using namespace definition_wording;  // NOLINT(google-build-using-namespace)

using Duration = google::protobuf::Duration;

constexpr int kMaxPasses = 20;
constexpr int kMaxSessions = 52;
constexpr int kMaxIntervalDays = 730;
constexpr int kMaxDowntimeDays = 90;
constexpr int kMaxApplicationMinutes = 240;
constexpr size_t kMaxNameCharacters = 200;
// A never_label is one answer button's text.
constexpr size_t kMaxNeverLabelCharacters = 80;
constexpr size_t kMaxSignOffCharacters = 200;
// The oldest client a record accepts is 130; an age test outside 1 to 130
// years is true for every client or for none.
constexpr Limits kAgeLimits{1, 130, kYears};
// Twenty years of 365.25 days: the longest look-back a rule may ask about.
constexpr int64_t kMaxLookbackSeconds = 7305 * kSecondsPerDay;
constexpr int64_t kMinValiditySeconds = 3600;
constexpr int64_t kMaxValiditySeconds = 366 * kSecondsPerDay;

// The ids of a list's elements, in the order declared: what an unknown id
// is compared with for a suggestion (DidYouMean).
template <typename Element>
std::vector<std::string> DeclaredIds(const google::protobuf::RepeatedPtrField<Element>& list) {
  std::vector<std::string> ids;
  ids.reserve(static_cast<size_t>(list.size()));
  for (const Element& element : list) ids.push_back(element.id());
  return ids;
}

// The deepest a needle plausibly goes in each region, in micrometres: what
// published skin-needling protocols use (the bundled plugins stay within
// it). Used only to tell a likely slip of a digit or a unit from a depth
// meant as written, never to refuse one.
int PlausibleMaxDepthUm(v1::BodyRegion region);
// The shallowest depth a slip is read as.
constexpr int kPlausibleMinDepthUm = 50;

// "; did you mean 1500 um (1.5 mm)?" when depth_um, too deep to accept, is
// more than twice `plausible_max_um` and, less one to three trailing zeros,
// a plausible depth up to it: 15000 on a face. Empty otherwise.
std::string TooDeepHint(int64_t depth_um, int plausible_max_um);

// The same for a needle length less than a quarter of the `needed_um` it
// must reach, which with one to three more zeros reaches it within the
// 3000 um limit: 150 for 1500, or 2 (millimetres) for 1500. Empty otherwise.
std::string TooShortHint(int64_t length_um, int needed_um);

class Validator {
 public:
  explicit Validator(const v1::TreatmentDefinition& definition) : d_(definition) {}

  std::vector<FieldViolation> Run() && {
    CheckIdentity();
    CheckIndications();
    CheckProtocol();
    CheckPainManagement();
    CheckCartridges();
    CheckConsumables();
    CheckQuestions();
    CheckContraindications();
    CheckScreeningValidity();
    return std::move(out_);
  }

 private:
  // Id -> path of the element that declared it first.
  using IdIndex = std::map<std::string, std::string>;

  // The deepest depth an area allows, and the indication that allows it
  // (empty for the area's own max_depth_um).
  struct Reach {
    int depth_um = 0;
    std::string indication;
  };

  void Add(std::string field, std::string description) {
    out_.push_back(FieldViolation{std::move(field), std::move(description)});
  }

  // The id of the element at `element`: present, well-formed, and not used by
  // an earlier element of `seen`.
  void CheckId(const std::string& element, const std::string& id, IdIndex& seen);

  void CheckName(const std::string& path, const std::string& name);

  void CheckText(const std::string& path, const std::string& text, absl::string_view why = "") {
    if (IsBlank(text)) Add(path, absl::StrCat("is required", why));
  }

  // Whether value lies within limits; reports it when it does not, with
  // `above_hint` after the message when it is above them.
  bool CheckBounded(const std::string& path, int64_t value, const Limits& limits,
                    absl::string_view above_hint = "");

  // A min/max pair within `parent`: each within limits, and min <= max.
  void CheckRange(const std::string& parent, absl::string_view min_name, int64_t min,
                  absl::string_view max_name, int64_t max, const Limits& limits);

  // A look-back for within_last / active_within: positive, at most 20 years.
  void CheckLookback(const std::string& path, const Duration& d);

  void CheckIdentity();

  void CheckIndications();

  void CheckProtocol();

  void CheckArea(const std::string& path, const v1::TreatmentArea& area, IdIndex& seen);

  void CheckPainManagement();

  void CheckCartridges();

  // The needle configurations a cartridge fits: typed `needles`, or the
  // older text form, judged as declared (definition_upgrade.h), never both.
  void CheckNeedleConfigurations(const std::string& path, const v1::CartridgeRequirement& c);

  void CheckLegacyNeedleConfigurations(const std::string& path, const v1::CartridgeRequirement& c);

  void CheckNeedles(const std::string& path, const v1::CartridgeRequirement& c);

  // A list of area ids of the protocol, each once; `each` sees every id that
  // is one, at its first listing.
  void CheckAreaIds(const std::string& path,
                    const google::protobuf::RepeatedPtrField<std::string>& ids,
                    absl::string_view if_empty,
                    const std::function<void(const std::string&)>& each);

  void CheckCartridge(const std::string& path, const v1::CartridgeRequirement& c);

  void CheckConsumables();

  void CheckConsumable(const std::string& path, const v1::ConsumableRequirement& c);

  void CheckQuestions();

  void CheckQuestion(const std::string& path, const v1::ScreeningQuestion& q, IdIndex& seen);

  void CheckNumberBounds(const std::string& bounds_path, const v1::ScreeningQuestion& q,
                         bool type_ok);

  // The answers a question accepts besides a value of its type ("I don't
  // know", "never") and the per-area form; each fits only some types. With
  // the type missing or unknown only what does not depend on it is judged.
  void CheckAnswerModes(const std::string& path, const v1::ScreeningQuestion& q, bool type_ok);

  void CheckContraindications();

  // What the rule does when it fires. Whether exclude_areas can single out
  // areas is judged only on a condition that is valid itself, so a broken
  // condition is not blamed a second time on the action.
  void CheckAction(const std::string& path, const v1::ContraindicationRule& rule,
                   bool condition_ok);

  // A cap at or beyond the deepest depth of every area changes nothing.
  void CheckDepthCap(const std::string& path, int depth_um);

  // Whether a valid condition can be true in one planned area and false in
  // another.
  bool DependsOnArea(const v1::Condition& condition) const;

  void CheckCondition(const std::string& path, const v1::Condition& condition, int depth);

  void CheckClientTest(const std::string& path, const v1::ClientTest& test);

  // The field is part of a oneof, so 0 was written, not forgotten.
  void CheckAge(const std::string& path, int years);

  void CheckFitzpatrickSet(const std::string& path, const v1::FitzpatrickSet& set);

  void CheckAreaTest(const std::string& path, const v1::AreaTest& test);

  void CheckAnswerTest(const std::string& path, const v1::AnswerTest& test);

  // The name and value of a number comparison.
  static std::pair<absl::string_view, double> Threshold(const v1::AnswerTest& test);

  void CheckOptionSet(const std::string& path, const v1::ScreeningQuestion& q,
                      const v1::OptionSet& set);

  void CheckFactTest(const std::string& path, const v1::FactTest& test);

  void CheckScreeningValidity();

  const v1::TreatmentDefinition& d_;
  std::vector<FieldViolation> out_;
  IdIndex indications_;
  // Cartridge and consumable ids share one namespace: Inventory and records
  // name a requirement by id alone.
  IdIndex requirement_ids_;
  std::map<std::string, Reach> areas_;
  std::map<std::string, const v1::ScreeningQuestion*> questions_;
};

}  // namespace clinic::definition_checks

#endif  // CLINIC_COMMON_DEFINITION_DEFINITION_CHECKS_H_
