// The rules a treatment definition must keep; see definition_validator.h and,
// for the full list with example messages, docs/definition-rules.md.
#include "common/definition/definition_validator.h"

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
#include "common/definition/definition_wording.h"
#include "common/definition/semver.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/util/time_util.h"

namespace clinic {
namespace {

using namespace definition_wording;  // NOLINT(google-build-using-namespace)

using google::protobuf::Duration;

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

class Validator {
 public:
  explicit Validator(const v1::TreatmentDefinition& definition) : d_(definition) {}

  std::vector<FieldViolation> Run() && {
    CheckIdentity();
    CheckIndications();
    CheckProtocol();
    CheckPainManagement();
    CheckCartridges();
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
  void CheckId(const std::string& element, const std::string& id, IdIndex& seen) {
    const std::string path = Field(element, "id");
    if (id.empty()) {
      Add(path, "is required");
    } else if (!IsDefinitionId(id)) {
      Add(path, absl::StrCat(Quoted(id), kIdShape));
    } else if (auto [first, inserted] = seen.emplace(id, element); !inserted) {
      Add(path, absl::StrCat(Quoted(id), " duplicates the id of ", first->second));
    }
  }

  void CheckName(const std::string& path, const std::string& name) {
    if (IsBlank(name)) {
      Add(path, "is required");
    } else if (const size_t n = CharacterCount(name); n > kMaxNameCharacters) {
      Add(path, absl::StrCat("is ", n, " characters long; the limit is ", kMaxNameCharacters));
    }
  }

  void CheckText(const std::string& path, const std::string& text, absl::string_view why = "") {
    if (IsBlank(text)) Add(path, absl::StrCat("is required", why));
  }

  // Whether value lies within limits; reports it when it does not.
  bool CheckBounded(const std::string& path, int64_t value, const Limits& limits) {
    const Unit& u = limits.unit;
    if (value == 0 && limits.floor > 0) {
      Add(path, absl::StrCat("is not set (0); it must be at least ", Amount(limits.floor, u)));
    } else if (value < limits.floor) {
      Add(path, limits.floor == 0 ? absl::StrCat(Amount(value, u), " must not be negative")
                                  : absl::StrCat(Amount(value, u), " is less than the ",
                                                 Bound(limits.floor, u), " minimum"));
    } else if (value > limits.ceiling) {
      Add(path, absl::StrCat(Amount(value, u), " is ", limits.above, " the ",
                             Bound(limits.ceiling, u), " limit"));
    } else {
      return true;
    }
    return false;
  }

  // A min/max pair within `parent`: each within limits, and min <= max.
  void CheckRange(const std::string& parent, absl::string_view min_name, int64_t min,
                  absl::string_view max_name, int64_t max, const Limits& limits) {
    const bool min_ok = CheckBounded(Field(parent, min_name), min, limits);
    const bool max_ok = CheckBounded(Field(parent, max_name), max, limits);
    if (min_ok && max_ok && max < min) {
      Add(Field(parent, max_name), absl::StrCat(Amount(max, limits.unit), " is less than ",
                                                min_name, " (", Amount(min, limits.unit), ")"));
    }
  }

  // A look-back for within_last / active_within: positive, at most 20 years.
  void CheckLookback(const std::string& path, const Duration& d) {
    if (absl::string_view problem = DurationProblem(d); !problem.empty()) {
      Add(path, absl::StrCat("is not a valid duration: ", problem));
    } else if (!IsPositive(d)) {
      Add(path, "must be positive, e.g. { seconds: 15552000 } for 180 days");
    } else if (IsLongerThan(d, kMaxLookbackSeconds)) {
      Add(path, absl::StrCat(Readable(d), " is longer than the 20-year limit (",
                             kMaxLookbackSeconds / kSecondsPerDay, " days)"));
    }
  }

  void CheckIdentity() {
    IdIndex unused;
    CheckId("", d_.id(), unused);
    CheckName("display_name", d_.display_name());
    if (d_.version().empty()) {
      Add("version", "is required, e.g. \"1.0.0\"");
    } else if (auto version = ParseSemanticVersion(d_.version()); !version.ok()) {
      Add("version", std::string(version.status().message()));
    }
  }

  void CheckIndications() {
    if (d_.indications().empty()) {
      Add("indications",
          "at least one indication is required, e.g. { id: \"acne_scars\" display_name: \"Acne "
          "scars\" }");
    }
    IdIndex seen;
    for (int i = 0; i < d_.indications_size(); ++i) {
      const std::string path = Index("indications", i);
      CheckId(path, d_.indications(i).id(), seen);
      CheckName(Field(path, "display_name"), d_.indications(i).display_name());
      // References resolve against every declared id, even a malformed one,
      // so a bad id is reported where it is declared and not again where used.
      indications_.emplace(d_.indications(i).id(), path);
    }
  }

  void CheckProtocol() {
    if (!d_.has_protocol()) {
      Add("protocol", "is required");
      return;
    }
    const v1::Protocol& p = d_.protocol();
    if (p.areas().empty()) Add("protocol.areas", "at least one treatable area is required");
    IdIndex seen;
    for (int i = 0; i < p.areas_size(); ++i)
      CheckArea(Index("protocol.areas", i), p.areas(i), seen);

    if (!p.has_course()) {
      Add("protocol.course", "is required");
    } else {
      const v1::Course& c = p.course();
      CheckRange("protocol.course", "min_sessions", c.min_sessions(), "max_sessions",
                 c.max_sessions(), {1, kMaxSessions, kSessions});
      CheckRange("protocol.course", "min_interval_days", c.min_interval_days(), "max_interval_days",
                 c.max_interval_days(), {1, kMaxIntervalDays, kDays});
    }
    if (!p.has_downtime()) {
      Add("protocol.downtime", "is required (write { min_days: 0 max_days: 0 } for none)");
    } else {
      CheckRange("protocol.downtime", "min_days", p.downtime().min_days(), "max_days",
                 p.downtime().max_days(), {0, kMaxDowntimeDays, kDays});
    }
    IdIndex aftercare_ids;
    for (int i = 0; i < p.aftercare_size(); ++i) {
      const std::string path = Index("protocol.aftercare", i);
      const v1::AftercareInstruction& a = p.aftercare(i);
      CheckId(path, a.id(), aftercare_ids);
      CheckText(Field(path, "text"), a.text());
      if (a.duration_hours() < 0) {
        Add(Field(path, "duration_hours"),
            absl::StrCat(a.duration_hours(), " hours must not be negative (0 means no end)"));
      }
    }
  }

  void CheckArea(const std::string& path, const v1::TreatmentArea& area, IdIndex& seen) {
    CheckId(path, area.id(), seen);
    CheckName(Field(path, "display_name"), area.display_name());
    if (area.region() == v1::BODY_REGION_UNSPECIFIED) {
      Add(Field(path, "region"), "is required, e.g. BODY_REGION_FACE");
    } else if (!v1::BodyRegion_IsValid(area.region())) {
      Add(Field(path, "region"),
          absl::StrCat(static_cast<int>(area.region()), " is not a body region this host knows"));
    }
    const bool min_ok =
        CheckBounded(Field(path, "min_depth_um"), area.min_depth_um(), kDepthLimits);
    const bool max_ok =
        CheckBounded(Field(path, "max_depth_um"), area.max_depth_um(), kDepthLimits);
    if (min_ok && max_ok && area.max_depth_um() < area.min_depth_um()) {
      Add(Field(path, "max_depth_um"), absl::StrCat(area.max_depth_um(), " um is less than ",
                                                    "min_depth_um (", area.min_depth_um(), " um)"));
    }

    // Only depths that are valid themselves feed the cartridge check, so one
    // mistake is not reported again for every cartridge.
    Reach reach;
    if (max_ok) reach.depth_um = area.max_depth_um();
    std::map<std::string, int> overridden;  // indication id -> first override index
    for (int j = 0; j < area.depth_overrides_size(); ++j) {
      const std::string opath = Index(Field(path, "depth_overrides"), j);
      const v1::DepthOverride& o = area.depth_overrides(j);
      const std::string& indication = o.indication_id();
      if (indication.empty()) {
        Add(Field(opath, "indication_id"), "is required");
      } else if (indications_.count(indication) == 0) {
        Add(Field(opath, "indication_id"), absl::StrCat("refers to indication ", Named(indication),
                                                        " which the definition does not declare"));
      } else if (auto [first, inserted] = overridden.emplace(indication, j); !inserted) {
        Add(Field(opath, "indication_id"),
            absl::StrCat("indication ", Named(indication),
                         " already has a depth limit in this area, at depth_overrides[",
                         first->second, "]"));
      }
      const std::string max_path = Field(opath, "max_depth_um");
      if (min_ok && o.max_depth_um() < area.min_depth_um()) {
        Add(max_path, absl::StrCat(o.max_depth_um(), " um is shallower than the area's ",
                                   "min_depth_um (", area.min_depth_um(), " um)"));
      } else if (CheckBounded(max_path, o.max_depth_um(), kDepthLimits) &&
                 o.max_depth_um() > reach.depth_um) {
        reach = Reach{o.max_depth_um(), indication};
      }
    }
    if (!area.id().empty()) areas_.emplace(area.id(), std::move(reach));
    CheckRange(path, "min_passes", area.min_passes(), "max_passes", area.max_passes(),
               {1, kMaxPasses, kPasses});
  }

  void CheckPainManagement() {
    const v1::PainManagement& pm = d_.pain_management();
    if (!pm.topical_anaesthetic()) {
      // Application times without an anaesthetic mean the flag was forgotten.
      if (pm.min_application_minutes() != 0 || pm.max_application_minutes() != 0) {
        Add("pain_management.topical_anaesthetic",
            "is false, yet application minutes are set; set it to true, or clear "
            "min_application_minutes and max_application_minutes");
      }
      return;
    }
    if (IsBlank(pm.agent())) {
      Add("pain_management.agent",
          "is required when topical_anaesthetic is true, e.g. \"Lidocaine 4% cream\"");
    }
    CheckRange("pain_management", "min_application_minutes", pm.min_application_minutes(),
               "max_application_minutes", pm.max_application_minutes(),
               {1, kMaxApplicationMinutes, kMinutes});
  }

  void CheckCartridges() {
    if (d_.cartridges().empty()) {
      Add("cartridges", "at least one cartridge requirement is required");
    }
    IdIndex seen;
    for (int i = 0; i < d_.cartridges_size(); ++i) {
      CheckCartridge(Index("cartridges", i), d_.cartridges(i), seen);
    }
  }

  void CheckNeedleConfigurations(const std::string& path, const v1::CartridgeRequirement& c) {
    if (c.needle_configurations().empty()) {
      Add(path, "at least one needle configuration is required, e.g. \"36\" or \"nano\"");
    }
    std::map<std::string, int> listed;  // configuration -> first index
    for (int j = 0; j < c.needle_configurations_size(); ++j) {
      const std::string& config = c.needle_configurations(j);
      if (config != "nano" && !IsNeedleCount(config)) {
        Add(Index(path, j), absl::StrCat(Quoted(config), " must be a needle count from \"1\" to \"",
                                         kMaxNeedleCount, "\" without leading zeros, or \"nano\""));
      } else if (auto [first, inserted] = listed.emplace(config, j); !inserted) {
        Add(Index(path, j), absl::StrCat(Quoted(config), " is already listed at ",
                                         "needle_configurations[", first->second, "]"));
      }
    }
  }

  // A list of area ids of the protocol, each once; `each` sees every id that
  // is one, at its first listing.
  void CheckAreaIds(const std::string& path,
                    const google::protobuf::RepeatedPtrField<std::string>& ids,
                    absl::string_view if_empty,
                    const std::function<void(const std::string&)>& each) {
    std::map<std::string, int> listed;  // area id -> first index
    for (int j = 0; j < ids.size() && d_.has_protocol(); ++j) {
      const std::string& area_id = ids.Get(j);
      const std::string area_path = Index(path, j);
      if (area_id.empty()) {
        Add(area_path, std::string(if_empty));
      } else if (areas_.count(area_id) == 0) {
        Add(area_path, absl::StrCat("refers to area ", Named(area_id),
                                    " which the protocol does not declare"));
      } else if (auto [first, inserted] = listed.emplace(area_id, j); !inserted) {
        Add(area_path, absl::StrCat("area ", Named(area_id), " is already listed at area_ids[",
                                    first->second, "]"));
      } else {
        each(area_id);
      }
    }
  }

  void CheckCartridge(const std::string& path, const v1::CartridgeRequirement& c, IdIndex& seen) {
    CheckId(path, c.id(), seen);
    CheckName(Field(path, "display_name"), c.display_name());
    CheckNeedleConfigurations(Field(path, "needle_configurations"), c);

    // The deepest depth among the areas the cartridge covers.
    Reach deepest;
    std::string deepest_area;
    auto consider = [&](const std::string& area_id) {
      const Reach& reach = areas_.at(area_id);
      if (reach.depth_um > deepest.depth_um) {
        deepest = reach;
        deepest_area = area_id;
      }
    };
    CheckAreaIds(Field(path, "area_ids"), c.area_ids(),
                 "is empty; name an area of the protocol (no area_ids means every area)", consider);
    if (c.area_ids().empty()) {
      for (const v1::TreatmentArea& area : d_.protocol().areas()) {
        if (!area.id().empty()) consider(area.id());
      }
    }

    const std::string length_path = Field(path, "min_needle_length_um");
    if (CheckBounded(length_path, c.min_needle_length_um(),
                     {1, kMaxNeedleDepthUm, kMicrometres, "longer than"}) &&
        c.min_needle_length_um() < deepest.depth_um) {
      Add(length_path,
          absl::StrCat(
              c.min_needle_length_um(), " um cannot reach the ", deepest.depth_um, " um that area ",
              Named(deepest_area), " allows",
              deepest.indication.empty()
                  ? ""
                  : absl::StrCat(" for indication ", Named(deepest.indication)),
              c.area_ids().empty() ? " (a cartridge without area_ids covers every area)" : ""));
    }
    if (c.quantity_per_session() < 1) {
      Add(Field(path, "quantity_per_session"),
          c.quantity_per_session() == 0
              ? std::string("is not set (0); it must be at least 1")
              : absl::StrCat(c.quantity_per_session(), " must be at least 1"));
    }
  }

  void CheckQuestions() {
    if (d_.screening_questions().empty()) {
      Add("screening_questions",
          "at least one screening question is required; every treatment screens its clients");
    }
    IdIndex seen;
    for (int i = 0; i < d_.screening_questions_size(); ++i) {
      CheckQuestion(Index("screening_questions", i), d_.screening_questions(i), seen);
    }
  }

  void CheckQuestion(const std::string& path, const v1::ScreeningQuestion& q, IdIndex& seen) {
    CheckId(path, q.id(), seen);
    if (!q.id().empty()) questions_.emplace(q.id(), &q);
    CheckText(Field(path, "text"), q.text());
    const v1::AnswerType type = q.answer_type();
    const bool type_ok = type != v1::ANSWER_TYPE_UNSPECIFIED && v1::AnswerType_IsValid(type);
    if (type == v1::ANSWER_TYPE_UNSPECIFIED) {
      Add(Field(path, "answer_type"), "is required, e.g. ANSWER_TYPE_YES_NO");
    } else if (!type_ok) {
      Add(Field(path, "answer_type"),
          absl::StrCat(static_cast<int>(type), " is not an answer type this host knows"));
    }

    // With the type missing or unknown, options and bounds cannot be judged;
    // the type's own violation says what to fix first.
    const std::string options_path = Field(path, "options");
    if (type == v1::ANSWER_TYPE_CHOICE) {
      if (q.options_size() < 2) {
        Add(options_path, absl::StrCat("a choice question needs at least two options; it has ",
                                       q.options_size()));
      }
      IdIndex option_ids;
      for (int j = 0; j < q.options_size(); ++j) {
        const std::string opath = Index(options_path, j);
        CheckId(opath, q.options(j).id(), option_ids);
        CheckName(Field(opath, "label"), q.options(j).label());
      }
    } else if (type_ok && q.options_size() > 0) {
      Add(options_path, absl::StrCat("only choice questions have options; this one is ",
                                     v1::AnswerType_Name(type)));
    }

    if (q.has_number_bounds()) CheckNumberBounds(Field(path, "number_bounds"), q, type_ok);
    CheckAnswerModes(path, q, type_ok);
  }

  void CheckNumberBounds(const std::string& bounds_path, const v1::ScreeningQuestion& q,
                         bool type_ok) {
    const v1::AnswerType type = q.answer_type();
    const v1::NumberBounds& b = q.number_bounds();
    if (type_ok && type != v1::ANSWER_TYPE_NUMBER) {
      Add(bounds_path, absl::StrCat("only number questions have number_bounds; this one is ",
                                    v1::AnswerType_Name(type)));
    } else if (type == v1::ANSWER_TYPE_NUMBER) {
      if (!std::isfinite(b.min())) Add(Field(bounds_path, "min"), "must be a finite number");
      if (!std::isfinite(b.max())) Add(Field(bounds_path, "max"), "must be a finite number");
      if (std::isfinite(b.min()) && std::isfinite(b.max()) && b.max() < b.min()) {
        Add(Field(bounds_path, "max"),
            absl::StrCat(b.max(), " is less than number_bounds.min (", b.min(), ")"));
      }
    }
  }

  // The answers a question accepts besides a value of its type ("I don't
  // know", "never") and the per-area form; each fits only some types. With
  // the type missing or unknown only what does not depend on it is judged.
  void CheckAnswerModes(const std::string& path, const v1::ScreeningQuestion& q, bool type_ok) {
    const v1::AnswerType type = q.answer_type();
    if (q.unknown_allowed() && type == v1::ANSWER_TYPE_TEXT) {
      // A text answer can say "I don't know" in words, and no rule reads it.
      Add(Field(path, "unknown_allowed"),
          "cannot be set on a text question (ANSWER_TYPE_TEXT): rules cannot test free text, so "
          "an \"I don't know\" answer would mean nothing to them");
    }
    if (!q.never_label().empty()) {
      const std::string never_path = Field(path, "never_label");
      if (type_ok && type != v1::ANSWER_TYPE_DATE) {
        Add(never_path, absl::StrCat("only date questions have never_label; this one is ",
                                     v1::AnswerType_Name(type)));
      } else if (IsBlank(q.never_label())) {
        Add(never_path,
            "is blank; write the label of the \"never\" answer, e.g. \"Never taken\", or leave "
            "it empty");
      } else if (const size_t n = CharacterCount(q.never_label()); n > kMaxNeverLabelCharacters) {
        Add(never_path,
            absl::StrCat("is ", n, " characters long; the limit is ", kMaxNeverLabelCharacters));
      }
    }
    if (q.per_area() && type_ok && type != v1::ANSWER_TYPE_YES_NO) {
      Add(Field(path, "per_area"),
          absl::StrCat("only yes/no questions can be answered per area; this one is ",
                       v1::AnswerType_Name(type)));
    }
  }

  void CheckContraindications() {
    if (d_.contraindications().empty()) {
      Add("contraindications", "at least one contraindication rule is required");
    }
    IdIndex seen;
    for (int i = 0; i < d_.contraindications_size(); ++i) {
      const std::string path = Index("contraindications", i);
      const v1::ContraindicationRule& rule = d_.contraindications(i);
      CheckId(path, rule.id(), seen);
      CheckName(Field(path, "display_name"), rule.display_name());
      if (rule.severity() == v1::SEVERITY_UNSPECIFIED) {
        Add(Field(path, "severity"), "is required: SEVERITY_ABSOLUTE or SEVERITY_RELATIVE");
      } else if (!v1::Severity_IsValid(rule.severity())) {
        Add(Field(path, "severity"),
            absl::StrCat(static_cast<int>(rule.severity()), " is not a severity this host knows"));
      }
      const size_t before_condition = out_.size();
      if (!rule.has_condition()) {
        Add(Field(path, "condition"), "is required");
      } else {
        CheckCondition(Field(path, "condition"), rule.condition(), 1);
      }
      const bool condition_ok = out_.size() == before_condition;
      CheckText(Field(path, "rationale"), rule.rationale(),
                ": a clinician must be able to read why");
      if (rule.has_action()) CheckAction(Field(path, "action"), rule, condition_ok);
    }
  }

  // What the rule does when it fires. Whether exclude_areas can single out
  // areas is judged only on a condition that is valid itself, so a broken
  // condition is not blamed a second time on the action.
  void CheckAction(const std::string& path, const v1::ContraindicationRule& rule,
                   bool condition_ok) {
    const v1::RuleAction& action = rule.action();
    const bool absolute = rule.severity() == v1::SEVERITY_ABSOLUTE;
    switch (action.kind_case()) {
      case v1::RuleAction::kRefuseTreatment:
      case v1::RuleAction::KIND_NOT_SET:
        break;
      case v1::RuleAction::kExcludeAreas:
        // A relative rule only proposes the exclusion, so a reviewer may
        // still treat; an absolute one would silently refuse the treatment.
        if (absolute && condition_ok && !DependsOnArea(rule.condition())) {
          Add(Field(path, "exclude_areas"),
              "would exclude every planned area: the condition does not depend on the area (it "
              "has no area test, no test of a per_area question and no fact test with "
              "in_treated_region), so on an absolute rule it refuses the treatment; use "
              "refuse_treatment, or add an area test");
        }
        break;
      case v1::RuleAction::kCapDepth:
        CheckDepthCap(Field(path, "cap_depth.max_depth_um"), action.cap_depth().max_depth_um());
        break;
      case v1::RuleAction::kRequireSignOff: {
        const std::string sign_off_path = Field(path, "require_sign_off");
        if (absolute) {
          Add(sign_off_path,
              "an absolute rule cannot be signed off: it refuses whatever a clinician records; "
              "make the rule SEVERITY_RELATIVE, or choose another action");
        }
        const std::string& description = action.require_sign_off().description();
        const std::string description_path = Field(sign_off_path, "description");
        if (IsBlank(description)) {
          Add(description_path,
              "is required: what the clinician must obtain, e.g. \"Letter from the treating "
              "oncologist confirming remission\"");
        } else if (const size_t n = CharacterCount(description); n > kMaxSignOffCharacters) {
          Add(description_path,
              absl::StrCat("is ", n, " characters long; the limit is ", kMaxSignOffCharacters));
        }
        break;
      }
    }
  }

  // A cap at or beyond the deepest depth of every area changes nothing.
  void CheckDepthCap(const std::string& path, int depth_um) {
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
                             "); set a shallower depth, or choose another action"));
      return;
    }
    CheckBounded(path, depth_um, kDepthLimits);
  }

  // Whether a valid condition can be true in one planned area and false in
  // another.
  bool DependsOnArea(const v1::Condition& condition) const {
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

  void CheckCondition(const std::string& path, const v1::Condition& condition, int depth) {
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

  void CheckClientTest(const std::string& path, const v1::ClientTest& test) {
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

  // The field is part of a oneof, so 0 was written, not forgotten.
  void CheckAge(const std::string& path, int years) {
    if (years < kAgeLimits.floor) {
      Add(path, absl::StrCat(Amount(years, kYears), " is less than the ",
                             Bound(kAgeLimits.floor, kYears), " minimum"));
    } else if (years > kAgeLimits.ceiling) {
      Add(path, absl::StrCat(Amount(years, kYears), " is more than the ",
                             Bound(kAgeLimits.ceiling, kYears), " limit"));
    }
  }

  void CheckFitzpatrickSet(const std::string& path, const v1::FitzpatrickSet& set) {
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

  void CheckAreaTest(const std::string& path, const v1::AreaTest& test) {
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

  void CheckAnswerTest(const std::string& path, const v1::AnswerTest& test) {
    const std::string question_path = Field(path, "question_id");
    const v1::ScreeningQuestion* q = nullptr;
    if (test.question_id().empty()) {
      Add(question_path, "is required");
    } else if (auto it = questions_.find(test.question_id()); it == questions_.end()) {
      Add(question_path, absl::StrCat("refers to question ", Named(test.question_id()),
                                      " which the definition does not declare"));
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
      Add(Field(path, comparison),
          absl::StrCat("cannot test question ", Named(q->id()), ", which is ",
                       KindOfQuestion(q->answer_type()), "; ", comparison, " needs ",
                       KindOfQuestion(wanted)));
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

  // The name and value of a number comparison.
  static std::pair<absl::string_view, double> Threshold(const v1::AnswerTest& test) {
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

  void CheckOptionSet(const std::string& path, const v1::ScreeningQuestion& q,
                      const v1::OptionSet& set) {
    const std::string ids_path = Field(path, "one_of.option_ids");
    if (set.option_ids().empty()) Add(ids_path, "at least one option id is required");
    std::map<std::string, int> listed;  // option id -> first index
    for (int i = 0; i < set.option_ids_size(); ++i) {
      const std::string& option = set.option_ids(i);
      const bool offered = std::any_of(q.options().begin(), q.options().end(),
                                       [&](const v1::ChoiceOption& o) { return o.id() == option; });
      if (!offered) {
        Add(Index(ids_path, i), absl::StrCat("refers to option ", Named(option), " which question ",
                                             Named(q.id()), " does not offer"));
      } else if (auto [first, inserted] = listed.emplace(option, i); !inserted) {
        Add(Index(ids_path, i),
            absl::StrCat("option ", Named(option), " is already listed at option_ids[",
                         first->second, "]"));
      }
    }
  }

  void CheckFactTest(const std::string& path, const v1::FactTest& test) {
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

  void CheckScreeningValidity() {
    const std::string path = "screening_validity";
    if (!d_.has_screening_validity()) {
      Add(path, "is required, e.g. { seconds: 2592000 } for 30 days");
      return;
    }
    const Duration& v = d_.screening_validity();
    if (absl::string_view problem = DurationProblem(v); !problem.empty()) {
      Add(path, absl::StrCat("is not a valid duration: ", problem));
    } else if (!IsPositive(v)) {
      Add(path, "must be positive: between 1 hour and 366 days");
    } else if (v.seconds() < kMinValiditySeconds) {
      Add(path, absl::StrCat(Readable(v), " is shorter than the 1-hour minimum"));
    } else if (IsLongerThan(v, kMaxValiditySeconds)) {
      Add(path, absl::StrCat(Readable(v), " is longer than the 366-day limit"));
    }
  }

  const v1::TreatmentDefinition& d_;
  std::vector<FieldViolation> out_;
  IdIndex indications_;
  std::map<std::string, Reach> areas_;
  std::map<std::string, const v1::ScreeningQuestion*> questions_;
};

}  // namespace

std::vector<FieldViolation> ValidateTreatmentDefinition(const v1::TreatmentDefinition& definition) {
  return Validator(definition).Run();
}

}  // namespace clinic
