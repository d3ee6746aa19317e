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
#include "common/definition/definition_checks.h"
#include "common/definition/definition_wording.h"
#include "common/definition/semver.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/util/time_util.h"

namespace clinic::definition_checks {

void Validator::CheckId(const std::string& element, const std::string& id, IdIndex& seen) {
  const std::string path = Field(element, "id");
  if (id.empty()) {
    Add(path, "is required");
  } else if (!IsDefinitionId(id)) {
    Add(path, absl::StrCat(Quoted(id), kIdShape));
  } else if (auto [first, inserted] = seen.emplace(id, element); !inserted) {
    Add(path, absl::StrCat(Quoted(id), " duplicates the id of ", first->second));
  }
}

void Validator::CheckName(const std::string& path, const std::string& name) {
  if (IsBlank(name)) {
    Add(path, "is required");
  } else if (const size_t n = CharacterCount(name); n > kMaxNameCharacters) {
    Add(path, absl::StrCat("is ", n, " characters long; the limit is ", kMaxNameCharacters));
  }
}

int PlausibleMaxDepthUm(v1::BodyRegion region) {
  switch (region) {
    case v1::BODY_REGION_NECK:
    case v1::BODY_REGION_DECOLLETE:
      return 1500;
    case v1::BODY_REGION_SCALP:
      return 2000;
    case v1::BODY_REGION_HANDS:
      return 1000;
    default:
      // The face (acne scars with radiofrequency) and the body reach the limit.
      return kMaxNeedleDepthUm;
  }
}

std::string TooDeepHint(int64_t depth_um, int plausible_max_um) {
  if (depth_um <= 2 * static_cast<int64_t>(plausible_max_um)) return "";
  for (const int64_t zeros : {10, 100, 1000}) {
    const int64_t meant = depth_um / zeros;
    if (depth_um % zeros == 0 && meant >= kPlausibleMinDepthUm && meant <= plausible_max_um) {
      return absl::StrCat("; did you mean ", meant, " um (", Millimetres(meant), ")?");
    }
  }
  return "";
}

std::string TooShortHint(int64_t length_um, int needed_um) {
  if (length_um < 1 || length_um * 4 > needed_um) return "";
  for (const int64_t zeros : {10, 100, 1000}) {
    const int64_t meant = length_um * zeros;
    if (meant >= needed_um && meant <= kMaxNeedleDepthUm) {
      return absl::StrCat("; did you mean ", meant, " um (", Millimetres(meant), ")?");
    }
  }
  return "";
}

bool Validator::CheckBounded(const std::string& path, int64_t value, const Limits& limits,
                             absl::string_view above_hint) {
  const Unit& u = limits.unit;
  if (value == 0 && limits.floor > 0) {
    Add(path, absl::StrCat("is not set (0); it must be at least ", Amount(limits.floor, u)));
  } else if (value < limits.floor) {
    Add(path, limits.floor == 0 ? absl::StrCat(Amount(value, u), " must not be negative")
                                : absl::StrCat(Amount(value, u), " is less than the ",
                                               Bound(limits.floor, u), " minimum"));
  } else if (value > limits.ceiling) {
    Add(path, absl::StrCat(Amount(value, u), " is ", limits.above, " the ",
                           Bound(limits.ceiling, u), " limit", above_hint));
  } else {
    return true;
  }
  return false;
}

void Validator::CheckRange(const std::string& parent, absl::string_view min_name, int64_t min,
                           absl::string_view max_name, int64_t max, const Limits& limits) {
  const bool min_ok = CheckBounded(Field(parent, min_name), min, limits);
  const bool max_ok = CheckBounded(Field(parent, max_name), max, limits);
  if (min_ok && max_ok && max < min) {
    Add(Field(parent, max_name), absl::StrCat(Amount(max, limits.unit), " is less than ", min_name,
                                              " (", Amount(min, limits.unit), ")"));
  }
}

void Validator::CheckIdentity() {
  IdIndex unused;
  CheckId("", d_.id(), unused);
  CheckName("display_name", d_.display_name());
  if (d_.version().empty()) {
    Add("version", "is required, e.g. \"1.0.0\"");
  } else if (auto version = ParseSemanticVersion(d_.version()); !version.ok()) {
    Add("version", std::string(version.status().message()));
  }
}

void Validator::CheckIndications() {
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

void Validator::CheckProtocol() {
  if (!d_.has_protocol()) {
    Add("protocol", "is required");
    return;
  }
  const v1::Protocol& p = d_.protocol();
  if (p.areas().empty()) Add("protocol.areas", "at least one treatable area is required");
  IdIndex seen;
  for (int i = 0; i < p.areas_size(); ++i) CheckArea(Index("protocol.areas", i), p.areas(i), seen);

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

void Validator::CheckArea(const std::string& path, const v1::TreatmentArea& area, IdIndex& seen) {
  CheckId(path, area.id(), seen);
  CheckName(Field(path, "display_name"), area.display_name());
  if (area.region() == v1::BODY_REGION_UNSPECIFIED) {
    Add(Field(path, "region"), "is required, e.g. BODY_REGION_FACE");
  } else if (!v1::BodyRegion_IsValid(area.region())) {
    Add(Field(path, "region"),
        absl::StrCat(static_cast<int>(area.region()), " is not a body region this host knows"));
  }
  const int plausible_um = PlausibleMaxDepthUm(area.region());
  const bool min_ok = CheckBounded(Field(path, "min_depth_um"), area.min_depth_um(), kDepthLimits,
                                   TooDeepHint(area.min_depth_um(), plausible_um));
  const bool max_ok = CheckBounded(Field(path, "max_depth_um"), area.max_depth_um(), kDepthLimits,
                                   TooDeepHint(area.max_depth_um(), plausible_um));
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
      Add(Field(opath, "indication_id"),
          absl::StrCat("refers to indication ", Named(indication),
                       " which the definition does not declare",
                       DidYouMean(indication, DeclaredIds(d_.indications()))));
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
    } else if (CheckBounded(max_path, o.max_depth_um(), kDepthLimits,
                            TooDeepHint(o.max_depth_um(), plausible_um)) &&
               o.max_depth_um() > reach.depth_um) {
      reach = Reach{o.max_depth_um(), indication};
    }
  }
  if (!area.id().empty()) areas_.emplace(area.id(), std::move(reach));
  CheckRange(path, "min_passes", area.min_passes(), "max_passes", area.max_passes(),
             {1, kMaxPasses, kPasses});
}

void Validator::CheckPainManagement() {
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

void Validator::CheckAreaIds(const std::string& path,
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
      Add(area_path,
          absl::StrCat("refers to area ", Named(area_id), " which the protocol does not declare",
                       DidYouMean(area_id, DeclaredIds(d_.protocol().areas()))));
    } else if (auto [first, inserted] = listed.emplace(area_id, j); !inserted) {
      Add(area_path, absl::StrCat("area ", Named(area_id), " is already listed at area_ids[",
                                  first->second, "]"));
    } else {
      each(area_id);
    }
  }
}

void Validator::CheckQuestions() {
  if (d_.screening_questions().empty()) {
    Add("screening_questions",
        "at least one screening question is required; every treatment screens its clients");
  }
  IdIndex seen;
  for (int i = 0; i < d_.screening_questions_size(); ++i) {
    CheckQuestion(Index("screening_questions", i), d_.screening_questions(i), seen);
  }
}

void Validator::CheckQuestion(const std::string& path, const v1::ScreeningQuestion& q,
                              IdIndex& seen) {
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
      Add(options_path,
          absl::StrCat("a choice question needs at least two options; it has ", q.options_size()));
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

void Validator::CheckNumberBounds(const std::string& bounds_path, const v1::ScreeningQuestion& q,
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

void Validator::CheckAnswerModes(const std::string& path, const v1::ScreeningQuestion& q,
                                 bool type_ok) {
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

void Validator::CheckContraindications() {
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
    CheckText(Field(path, "rationale"), rule.rationale(), ": a clinician must be able to read why");
    if (rule.has_action()) CheckAction(Field(path, "action"), rule, condition_ok);
  }
}

void Validator::CheckAction(const std::string& path, const v1::ContraindicationRule& rule,
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

void Validator::CheckScreeningValidity() {
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

}  // namespace clinic::definition_checks

namespace clinic {

std::vector<FieldViolation> ValidateTreatmentDefinition(const v1::TreatmentDefinition& definition) {
  return definition_checks::Validator(definition).Run();
}

}  // namespace clinic
