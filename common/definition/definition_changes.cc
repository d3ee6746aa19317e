// Comparison of two treatment definitions; see definition_changes.h and
// docs/decisions/0014-definition-version-changes.md for the impact of each
// change.
#include "common/definition/definition_changes.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/core/text.h"
#include "google/protobuf/util/message_differencer.h"

namespace clinic {
namespace {

using google::protobuf::RepeatedPtrField;
using google::protobuf::util::MessageDifferencer;

constexpr ChangeImpact kPatch = ChangeImpact::kPatch;
constexpr ChangeImpact kMinor = ChangeImpact::kMinor;
constexpr ChangeImpact kMajor = ChangeImpact::kMajor;

// Texts up to this long are quoted whole in a description; longer ones are
// only said to be reworded, so a description stays a line.
constexpr size_t kQuotedTextLimit = 60;

std::string Field(absl::string_view parent, absl::string_view child) {
  return parent.empty() ? std::string(child) : absl::StrCat(parent, ".", child);
}

std::string Element(absl::string_view parent, absl::string_view list, int index,
                    absl::string_view id) {
  return absl::StrCat(Field(parent, list), "[", index, "] (", id, ")");
}

// Which end of a range a number is, so moving it can be read as narrowing
// or widening.
enum class Bound { kLower, kUpper, kNeither };

class Differ {
 public:
  void Add(ChangeImpact impact, std::string field, std::string description) {
    changes_.push_back({impact, std::move(field), std::move(description)});
  }

  // A text field; wording unless `impact` says otherwise.
  void Text(absl::string_view parent, absl::string_view name, const std::string& before,
            const std::string& after, ChangeImpact impact = kPatch) {
    if (before == after) return;
    const bool short_texts = before.size() <= kQuotedTextLimit && after.size() <= kQuotedTextLimit;
    std::string description;
    if (before.empty()) {
      description =
          absl::StrCat("added", after.size() <= kQuotedTextLimit ? ": " + Quote(after) : "");
    } else if (after.empty()) {
      description = "removed";
    } else if (short_texts) {
      description = absl::StrCat("changed from ", Quote(before), " to ", Quote(after));
    } else {
      description = "reworded";
    }
    Add(impact, Field(parent, name), std::move(description));
  }

  // A number that is one end of a range (`range`, e.g. "the depth range"):
  // moving it inwards narrows the range, which is major; outwards widens it.
  void Number(absl::string_view parent, absl::string_view name, int64_t before, int64_t after,
              Bound bound, absl::string_view unit, absl::string_view range) {
    if (before == after) return;
    const bool raised = after > before;
    const std::string moved =
        absl::StrCat(raised ? "raised" : "lowered", " from ", before, unit, " to ", after, unit);
    if (bound == Bound::kNeither) {
      Add(kMinor, Field(parent, name), moved);
      return;
    }
    const bool narrower = (bound == Bound::kLower) == raised;
    Add(narrower ? kMajor : kMinor, Field(parent, name),
        absl::StrCat(moved, ": ", range, " is ", narrower ? "narrower" : "wider"));
  }

  // A yes/no field: `when_set` is the impact of turning it on and `set` what
  // that means; turning it off has the other impact of the two.
  void Flag(absl::string_view parent, absl::string_view name, bool before, bool after,
            ChangeImpact when_set, absl::string_view set, absl::string_view cleared) {
    if (before == after) return;
    const ChangeImpact when_cleared = when_set == kMajor ? kMinor : kMajor;
    Add(after ? when_set : when_cleared, Field(parent, name),
        absl::StrCat(after ? "turned on: " : "turned off: ", after ? set : cleared));
  }

  // Elements of a list matched by key: removed ones in the old order, then
  // the new list in its order, each added or compared with its old self.
  template <typename T>
  void Keyed(const RepeatedPtrField<T>& before, const RepeatedPtrField<T>& after,
             const std::function<std::string(const T&)>& key,
             const std::function<void(const T&, int)>& removed,
             const std::function<void(const T&, int)>& added,
             const std::function<void(const T&, const T&, int)>& both) {
    std::map<std::string, const T*> old_by_key;
    std::set<std::string> new_keys;
    for (const T& element : before) old_by_key.emplace(key(element), &element);
    for (const T& element : after) new_keys.insert(key(element));
    for (int i = 0; i < before.size(); ++i) {
      if (new_keys.count(key(before[i])) == 0) removed(before[i], i);
    }
    for (int i = 0; i < after.size(); ++i) {
      auto it = old_by_key.find(key(after[i]));
      if (it == old_by_key.end()) {
        added(after[i], i);
      } else {
        both(*it->second, after[i], i);
      }
    }
  }

  std::vector<DefinitionChange> Take() { return std::move(changes_); }
  bool empty() const { return changes_.empty(); }

 private:
  std::vector<DefinitionChange> changes_;
};

// Removed is major (records and rules name it), added minor, for any list
// of elements with an id.
template <typename T>
void IdList(Differ& d, absl::string_view parent, absl::string_view list,
            const RepeatedPtrField<T>& before, const RepeatedPtrField<T>& after,
            absl::string_view what,
            const std::function<void(const T&, const T&, std::string)>& both,
            ChangeImpact removed_impact = kMajor,
            const std::function<ChangeImpact(const T&)>& added_impact = nullptr,
            const std::function<std::string(const T&)>& added_why = nullptr) {
  d.Keyed<T>(
      before, after, [](const T& e) { return e.id(); },
      [&](const T& e, int i) {
        d.Add(removed_impact, Element(parent, list, i, e.id()), absl::StrCat(what, " removed"));
      },
      [&](const T& e, int i) {
        d.Add(added_impact ? added_impact(e) : kMinor, Element(parent, list, i, e.id()),
              absl::StrCat(what, " added", added_why ? added_why(e) : ""));
      },
      [&](const T& b, const T& a, int i) { both(b, a, Element(parent, list, i, a.id())); });
}

std::string SeverityName(v1::Severity severity) {
  return severity == v1::SEVERITY_ABSOLUTE ? "absolute" : "relative";
}

std::string ActionName(const v1::RuleAction& action) {
  switch (action.kind_case()) {
    case v1::RuleAction::kExcludeAreas:
      return "excludes the areas where it holds";
    case v1::RuleAction::kCapDepth:
      return absl::StrCat("caps the depth at ", action.cap_depth().max_depth_um(), " um");
    case v1::RuleAction::kRequireSignOff:
      return "requires a sign-off";
    default:
      return "refuses the treatment";
  }
}

bool IsRefusal(const v1::RuleAction& action) {
  return action.kind_case() == v1::RuleAction::kRefuseTreatment ||
         action.kind_case() == v1::RuleAction::KIND_NOT_SET;
}

void CompareAction(Differ& d, const std::string& rule, const v1::RuleAction& before,
                   const v1::RuleAction& after) {
  const std::string field = Field(rule, "action");
  if (IsRefusal(before) && IsRefusal(after)) return;
  if (before.kind_case() != after.kind_case()) {
    // Refusing is the most a rule can do; any other move may do less.
    d.Add(IsRefusal(after) ? kMinor : kMajor, field,
          absl::StrCat("changed from \"", ActionName(before), "\" to \"", ActionName(after), "\"",
                       IsRefusal(after) ? "" : ": the rule may protect less"));
    return;
  }
  if (after.has_cap_depth()) {
    const int32_t old_cap = before.cap_depth().max_depth_um();
    const int32_t new_cap = after.cap_depth().max_depth_um();
    if (old_cap != new_cap) {
      d.Add(new_cap > old_cap ? kMajor : kMinor, Field(field, "cap_depth.max_depth_um"),
            absl::StrCat(new_cap > old_cap ? "raised" : "lowered", " from ", old_cap, " um to ",
                         new_cap, " um: the rule allows ",
                         new_cap > old_cap ? "deeper" : "only shallower", " needling"));
    }
  }
  if (after.has_require_sign_off()) {
    d.Text(field, "require_sign_off.description", before.require_sign_off().description(),
           after.require_sign_off().description(), kMinor);
  }
}

void CompareRule(Differ& d, const v1::ContraindicationRule& b, const v1::ContraindicationRule& a,
                 const std::string& at) {
  d.Text(at, "display_name", b.display_name(), a.display_name());
  if (b.severity() != a.severity()) {
    const bool weaker = a.severity() == v1::SEVERITY_RELATIVE;
    d.Add(weaker ? kMajor : kMinor, Field(at, "severity"),
          absl::StrCat("changed from ", SeverityName(b.severity()), " to ",
                       SeverityName(a.severity()),
                       weaker ? ": the rule is less severe" : ": the rule is more severe"));
  }
  if (!MessageDifferencer::Equals(b.condition(), a.condition())) {
    // Whether it now catches more clients or fewer cannot be told in
    // general; a rule that should catch more is better added beside it.
    d.Add(kMajor, Field(at, "condition"),
          "changed: the same answers may give another verdict (to catch more clients, add a "
          "rule instead)");
  }
  d.Text(at, "rationale", b.rationale(), a.rationale());
  d.Text(at, "guidance", b.guidance(), a.guidance());
  CompareAction(d, at, b.action(), a.action());
}

void CompareBounds(Differ& d, const std::string& at, const v1::ScreeningQuestion& b,
                   const v1::ScreeningQuestion& a) {
  if (b.has_number_bounds() != a.has_number_bounds()) {
    d.Add(a.has_number_bounds() ? kMajor : kMinor, Field(at, "number_bounds"),
          a.has_number_bounds() ? "added: answers outside them are refused"
                                : "removed: any number is accepted");
    return;
  }
  const v1::NumberBounds& old_bounds = b.number_bounds();
  const v1::NumberBounds& new_bounds = a.number_bounds();
  const std::string field = Field(at, "number_bounds");
  if (old_bounds.min() != new_bounds.min()) {
    const bool narrower = new_bounds.min() > old_bounds.min();
    d.Add(
        narrower ? kMajor : kMinor, Field(field, "min"),
        absl::StrCat(narrower ? "raised" : "lowered", " from ", old_bounds.min(), " to ",
                     new_bounds.min(), ": the accepted answers are ", narrower ? "fewer" : "more"));
  }
  if (old_bounds.max() != new_bounds.max()) {
    const bool narrower = new_bounds.max() < old_bounds.max();
    d.Add(
        narrower ? kMajor : kMinor, Field(field, "max"),
        absl::StrCat(narrower ? "lowered" : "raised", " from ", old_bounds.max(), " to ",
                     new_bounds.max(), ": the accepted answers are ", narrower ? "fewer" : "more"));
  }
  // Answers recorded in one unit do not mean the same in another.
  d.Text(field, "unit", old_bounds.unit(), new_bounds.unit(), kMajor);
}

void CompareQuestion(Differ& d, const v1::ScreeningQuestion& b, const v1::ScreeningQuestion& a,
                     const std::string& at) {
  d.Text(at, "text", b.text(), a.text());
  if (b.answer_type() != a.answer_type()) {
    d.Add(
        kMajor, Field(at, "answer_type"),
        absl::StrCat("changed from ", v1::AnswerType_Name(b.answer_type()), " to ",
                     v1::AnswerType_Name(a.answer_type()), ": answers given before do not fit it"));
  }
  d.Flag(at, "required", b.required(), a.required(), kMajor,
         "a screening needs an answer it did not need before", "the answer may be left out");
  IdList<v1::ChoiceOption>(
      d, at, "options", b.options(), a.options(), "option",
      [&](const v1::ChoiceOption& ob, const v1::ChoiceOption& oa, const std::string& o) {
        d.Text(o, "label", ob.label(), oa.label());
      });
  CompareBounds(d, at, b, a);
  d.Text(at, "help_text", b.help_text(), a.help_text());
  d.Flag(at, "unknown_allowed", b.unknown_allowed(), a.unknown_allowed(), kMinor,
         "\"I don't know\" is accepted", "\"I don't know\" is no longer accepted");
  if (b.never_label().empty() != a.never_label().empty()) {
    d.Add(a.never_label().empty() ? kMajor : kMinor, Field(at, "never_label"),
          a.never_label().empty() ? "removed: \"never\" is no longer an answer"
                                  : "added: \"never\" is accepted as an answer");
  } else {
    d.Text(at, "never_label", b.never_label(), a.never_label());
  }
  d.Flag(at, "day_of_treatment", b.day_of_treatment(), a.day_of_treatment(), kMajor,
         "the answer must be given again on the treatment day",
         "an answer from before the treatment day is enough");
  if (b.per_area() != a.per_area()) {
    d.Add(kMajor, Field(at, "per_area"),
          absl::StrCat("turned ", a.per_area() ? "on" : "off",
                       ": answers given before do not have that shape"));
  }
}

// An `area_ids` list where empty means every area: fewer areas covered is
// narrower.
void CompareAreaScope(Differ& d, const std::string& at, const RepeatedPtrField<std::string>& before,
                      const RepeatedPtrField<std::string>& after) {
  const std::set<std::string> old_ids(before.begin(), before.end());
  const std::set<std::string> new_ids(after.begin(), after.end());
  if (old_ids == new_ids) return;
  const std::string field = Field(at, "area_ids");
  if (new_ids.empty()) {
    d.Add(kMinor, field, "now every area of the protocol");
    return;
  }
  std::vector<std::string> dropped;
  std::vector<std::string> gained;
  for (const std::string& id : old_ids) {
    if (new_ids.count(id) == 0) dropped.push_back(id);
  }
  for (const std::string& id : new_ids) {
    if (old_ids.count(id) == 0) gained.push_back(id);
  }
  if (old_ids.empty()) {
    d.Add(kMajor, field, absl::StrCat("now only ", absl::StrJoin(new_ids, ", ")));
    return;
  }
  if (!dropped.empty()) {
    d.Add(kMajor, field, absl::StrCat("no longer ", absl::StrJoin(dropped, ", ")));
  }
  if (!gained.empty()) d.Add(kMinor, field, absl::StrCat("now also ", absl::StrJoin(gained, ", ")));
}

std::string NeedleName(const v1::NeedleConfiguration& needle) {
  return needle.nano() ? std::string("nano") : absl::StrCat(needle.needle_count(), "-needle");
}

void CompareCartridge(Differ& d, const v1::CartridgeRequirement& b,
                      const v1::CartridgeRequirement& a, const std::string& at) {
  d.Text(at, "display_name", b.display_name(), a.display_name());
  std::set<std::string> old_needles;
  std::set<std::string> new_needles;
  for (const auto& needle : b.needles()) old_needles.insert(NeedleName(needle));
  for (const auto& needle : a.needles()) new_needles.insert(NeedleName(needle));
  for (const std::string& name : old_needles) {
    if (new_needles.count(name) == 0) {
      d.Add(kMajor, Field(at, "needles"),
            absl::StrCat(name, " configuration removed: cartridges that fitted no longer do"));
    }
  }
  for (const std::string& name : new_needles) {
    if (old_needles.count(name) == 0) {
      d.Add(kMinor, Field(at, "needles"), absl::StrCat(name, " configuration added"));
    }
  }
  d.Number(at, "min_needle_length_um", b.min_needle_length_um(), a.min_needle_length_um(),
           Bound::kLower, " um", "the needle lengths that fit");
  d.Flag(at, "insulated_needles_required", b.insulated_needles_required(),
         a.insulated_needles_required(), kMajor, "uninsulated cartridges no longer fit",
         "uninsulated cartridges fit too");
  CompareAreaScope(d, at, b.area_ids(), a.area_ids());
  d.Number(at, "quantity_per_session", b.quantity_per_session(), a.quantity_per_session(),
           Bound::kNeither, "", "");
}

void CompareConsumable(Differ& d, const v1::ConsumableRequirement& b,
                       const v1::ConsumableRequirement& a, const std::string& at) {
  d.Text(at, "display_name", b.display_name(), a.display_name());
  if (b.kind() != a.kind()) {
    d.Add(kMajor, Field(at, "kind"),
          absl::StrCat("changed from ", v1::ConsumableKind_Name(b.kind()), " to ",
                       v1::ConsumableKind_Name(a.kind()), ": products that fitted no longer do"));
  }
  d.Text(at, "category", b.category(), a.category(), kMajor);
  d.Number(at, "quantity_per_session", b.quantity_per_session(), a.quantity_per_session(),
           Bound::kNeither, "", "");
  d.Flag(at, "lot_required", b.lot_required(), a.lot_required(), kMajor,
         "the chart must name the lot used", "the chart need not name the lot");
  CompareAreaScope(d, at, b.area_ids(), a.area_ids());
}

// The deepest depth an indication may reach in an area.
int32_t DepthFor(const v1::TreatmentArea& area, const std::string& indication_id) {
  for (const v1::DepthOverride& o : area.depth_overrides()) {
    if (o.indication_id() == indication_id) return o.max_depth_um();
  }
  return area.max_depth_um();
}

void CompareArea(Differ& d, const v1::TreatmentArea& b, const v1::TreatmentArea& a,
                 const std::string& at) {
  d.Text(at, "display_name", b.display_name(), a.display_name());
  if (b.region() != a.region()) {
    d.Add(
        kMajor, Field(at, "region"),
        absl::StrCat("changed from ", v1::BodyRegion_Name(b.region()), " to ",
                     v1::BodyRegion_Name(a.region()), ": rules scoped by region apply otherwise"));
  }
  d.Number(at, "min_depth_um", b.min_depth_um(), a.min_depth_um(), Bound::kLower, " um",
           "the depth range");
  d.Number(at, "max_depth_um", b.max_depth_um(), a.max_depth_um(), Bound::kUpper, " um",
           "the depth range");
  // An override is compared as the depth its indication may reach, before
  // and after: adding one below the area's old limit narrows too.
  d.Keyed<v1::DepthOverride>(
      b.depth_overrides(), a.depth_overrides(),
      [](const v1::DepthOverride& o) { return o.indication_id(); },
      [&](const v1::DepthOverride& o, int i) {
        const int32_t now = a.max_depth_um();
        d.Add(now < o.max_depth_um() ? kMajor : kMinor,
              Element(at, "depth_overrides", i, o.indication_id()),
              absl::StrCat("removed: ", o.indication_id(), " now reaches ", now, " um (was ",
                           o.max_depth_um(), " um)"));
      },
      [&](const v1::DepthOverride& o, int i) {
        const int32_t was = DepthFor(b, o.indication_id());
        if (was == o.max_depth_um()) return;
        d.Add(o.max_depth_um() < was ? kMajor : kMinor,
              Element(at, "depth_overrides", i, o.indication_id()),
              absl::StrCat("added: ", o.indication_id(), " now reaches ", o.max_depth_um(),
                           " um (was ", was, " um)"));
      },
      [&](const v1::DepthOverride& ob, const v1::DepthOverride& oa, int i) {
        d.Number(Element(at, "depth_overrides", i, oa.indication_id()), "max_depth_um",
                 ob.max_depth_um(), oa.max_depth_um(), Bound::kUpper, " um", "the depth range");
      });
  d.Number(at, "min_passes", b.min_passes(), a.min_passes(), Bound::kLower, "",
           "the range of passes");
  d.Number(at, "max_passes", b.max_passes(), a.max_passes(), Bound::kUpper, "",
           "the range of passes");
  d.Text(at, "notes", b.notes(), a.notes());
}

void CompareProtocol(Differ& d, const v1::Protocol& b, const v1::Protocol& a) {
  IdList<v1::TreatmentArea>(d, "protocol", "areas", b.areas(), a.areas(), "area",
                            [&](const v1::TreatmentArea& ab, const v1::TreatmentArea& aa,
                                const std::string& at) { CompareArea(d, ab, aa, at); });
  const std::string course = "protocol.course";
  // The session counts are a recommendation; the shortest interval is
  // enforced when a treatment is booked.
  d.Number(course, "min_sessions", b.course().min_sessions(), a.course().min_sessions(),
           Bound::kNeither, "", "");
  d.Number(course, "max_sessions", b.course().max_sessions(), a.course().max_sessions(),
           Bound::kNeither, "", "");
  d.Number(course, "min_interval_days", b.course().min_interval_days(),
           a.course().min_interval_days(), Bound::kLower, " days",
           "the interval allowed between sessions");
  d.Number(course, "max_interval_days", b.course().max_interval_days(),
           a.course().max_interval_days(), Bound::kNeither, " days", "");
  const std::string downtime = "protocol.downtime";
  d.Number(downtime, "min_days", b.downtime().min_days(), a.downtime().min_days(), Bound::kNeither,
           " days", "");
  d.Number(downtime, "max_days", b.downtime().max_days(), a.downtime().max_days(), Bound::kNeither,
           " days", "");
  d.Text(downtime, "description", b.downtime().description(), a.downtime().description());
  // Aftercare is advice handed to the client; nothing refers to it by id.
  IdList<v1::AftercareInstruction>(
      d, "protocol", "aftercare", b.aftercare(), a.aftercare(), "instruction",
      [&](const v1::AftercareInstruction& ib, const v1::AftercareInstruction& ia,
          const std::string& at) {
        d.Text(at, "text", ib.text(), ia.text());
        d.Number(at, "duration_hours", ib.duration_hours(), ia.duration_hours(), Bound::kNeither,
                 " hours", "");
      },
      kMinor);
}

void ComparePain(Differ& d, const v1::PainManagement& b, const v1::PainManagement& a) {
  const std::string at = "pain_management";
  d.Flag(at, "topical_anaesthetic", b.topical_anaesthetic(), a.topical_anaesthetic(), kMinor,
         "a topical anaesthetic is applied", "no topical anaesthetic is applied");
  d.Text(at, "agent", b.agent(), a.agent());
  d.Number(at, "min_application_minutes", b.min_application_minutes(), a.min_application_minutes(),
           Bound::kNeither, " minutes", "");
  d.Number(at, "max_application_minutes", b.max_application_minutes(), a.max_application_minutes(),
           Bound::kNeither, " minutes", "");
  d.Text(at, "notes", b.notes(), a.notes());
}

absl::Duration ToDuration(const google::protobuf::Duration& duration) {
  return absl::Seconds(duration.seconds()) + absl::Nanoseconds(duration.nanos());
}

// "30 days" for whole days, as definitions are written; else "36h30m".
std::string DurationText(absl::Duration duration) {
  const absl::Duration day = absl::Hours(24);
  if (duration % day == absl::ZeroDuration()) {
    const int64_t days = absl::IDivDuration(duration, day, &duration);
    return absl::StrCat(days, days == 1 ? " day" : " days");
  }
  return absl::FormatDuration(duration);
}

// A screening older than this is no longer valid: shorter is narrower.
void CompareValidity(Differ& d, const google::protobuf::Duration& b,
                     const google::protobuf::Duration& a) {
  const absl::Duration before = ToDuration(b);
  const absl::Duration after = ToDuration(a);
  if (before == after) return;
  const bool shorter = after < before;
  d.Add(shorter ? kMajor : kMinor, "screening_validity",
        absl::StrCat(shorter ? "shortened" : "lengthened", " from ", DurationText(before), " to ",
                     DurationText(after), ": screenings ",
                     shorter ? "expire sooner" : "stay valid longer"));
}

}  // namespace

absl::string_view ChangeImpactName(ChangeImpact impact) {
  switch (impact) {
    case ChangeImpact::kMajor:
      return "major";
    case ChangeImpact::kMinor:
      return "minor";
    default:
      return "patch";
  }
}

std::vector<DefinitionChange> CompareDefinitions(const v1::TreatmentDefinition& before,
                                                 const v1::TreatmentDefinition& after) {
  Differ d;
  d.Text("", "display_name", before.display_name(), after.display_name());
  d.Text("", "description", before.description(), after.description());
  d.Text("", "publisher", before.publisher(), after.publisher());
  IdList<v1::Indication>(
      d, "", "indications", before.indications(), after.indications(), "indication",
      [&](const v1::Indication& b, const v1::Indication& a, const std::string& at) {
        d.Text(at, "display_name", b.display_name(), a.display_name());
      });
  CompareProtocol(d, before.protocol(), after.protocol());
  ComparePain(d, before.pain_management(), after.pain_management());
  IdList<v1::CartridgeRequirement>(
      d, "", "cartridges", before.cartridges(), after.cartridges(), "cartridge requirement",
      [&](const v1::CartridgeRequirement& b, const v1::CartridgeRequirement& a,
          const std::string& at) { CompareCartridge(d, b, a, at); });
  IdList<v1::ConsumableRequirement>(
      d, "", "consumables", before.consumables(), after.consumables(), "consumable requirement",
      [&](const v1::ConsumableRequirement& b, const v1::ConsumableRequirement& a,
          const std::string& at) { CompareConsumable(d, b, a, at); });
  IdList<v1::ScreeningQuestion>(
      d, "", "screening_questions", before.screening_questions(), after.screening_questions(),
      "question",
      [&](const v1::ScreeningQuestion& b, const v1::ScreeningQuestion& a, const std::string& at) {
        CompareQuestion(d, b, a, at);
      },
      kMajor, [](const v1::ScreeningQuestion& q) { return q.required() ? kMajor : kMinor; },
      [](const v1::ScreeningQuestion& q) {
        return std::string(q.required() ? ", answer required: screenings need an answer they "
                                          "did not need before"
                                        : "");
      });
  IdList<v1::ContraindicationRule>(
      d, "", "contraindications", before.contraindications(), after.contraindications(), "rule",
      [&](const v1::ContraindicationRule& b, const v1::ContraindicationRule& a,
          const std::string& at) { CompareRule(d, b, a, at); });
  CompareValidity(d, before.screening_validity(), after.screening_validity());

  if (d.empty()) {
    // A difference the comparison above does not know by name (a field added
    // to the contract since) still counts, so no change passes unnoticed.
    v1::TreatmentDefinition old_content = before;
    v1::TreatmentDefinition new_content = after;
    old_content.clear_version();
    new_content.clear_version();
    if (!MessageDifferencer::Equals(old_content, new_content)) {
      MessageDifferencer as_sets;
      as_sets.set_repeated_field_comparison(MessageDifferencer::AS_SET);
      if (as_sets.Compare(old_content, new_content)) {
        d.Add(kPatch, "", "only the order of listed elements changed");
      } else {
        d.Add(kMinor, "", "the definition changed in a field this check does not know by name");
      }
    }
  }
  return d.Take();
}

ChangeImpact RequiredImpact(const std::vector<DefinitionChange>& changes) {
  ChangeImpact required = kPatch;
  for (const DefinitionChange& change : changes) required = std::max(required, change.impact);
  return required;
}

std::string DescribeChange(const DefinitionChange& change) {
  if (change.field.empty()) return change.description;
  return absl::StrCat(change.field, ": ", change.description);
}

}  // namespace clinic
