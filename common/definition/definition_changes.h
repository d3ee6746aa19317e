// What changed between two versions of a treatment definition, and whether
// the second version's number says so. Records keep the definition version
// they were made with, and clinics rely on a version number to tell a
// wording fix from a change to what may be treated; so a change that can
// make something valid under the old version invalid under the new one, or
// that makes a rule protect less, needs a new major version, an addition or
// a widened range a new minor one, and wording a new patch.
// docs/decisions/0014-definition-version-changes.md has the whole table and
// why each change sits where it does.
//
// Used by clinic-plugin-check --previous and by the definition history,
// which applies the same check whenever the host meets a new version. Pure
// functions, safe from any thread.
#ifndef CLINIC_COMMON_DEFINITION_DEFINITION_CHANGES_H_
#define CLINIC_COMMON_DEFINITION_DEFINITION_CHANGES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "clinic/v1/treatment.pb.h"

namespace clinic {

// How much of a version number a change needs raised. Ordered: a larger
// impact needs a larger step.
enum class ChangeImpact {
  // Wording: names, texts, notes, rationale. Nothing that is checked.
  kPatch = 1,
  // Additions and widened ranges: everything valid under the old version
  // stays valid.
  kMinor = 2,
  // Something valid under the old version may not be under the new one
  // (removed areas, questions, options or rules; narrowed depths; a required
  // answer added), or a rule protects less (made relative, its action or
  // condition weakened or changed).
  kMajor = 3,
};

// "patch", "minor" or "major".
absl::string_view ChangeImpactName(ChangeImpact impact);

// One change from the old definition to the new one.
struct DefinitionChange {
  ChangeImpact impact = ChangeImpact::kPatch;
  // The field as the validator names it, with the id of each listed element
  // on the way: "protocol.areas[1] (cheeks).min_depth_um". Indices are the
  // new definition's, or the old one's for what was removed. Empty for the
  // definition as a whole.
  std::string field;
  // What changed, as a sentence without the field: "raised from 250 um to
  // 500 um: the depth range is narrower".
  std::string description;
};

// Every change from `before` to `after`, in the order of the definition's
// fields, elements matched by id (areas, questions, options, rules,
// indications, cartridges, consumables, aftercare) so a reordering is no
// change. Both are definitions the validator accepted, in the current form
// (definition_upgrade.h). The versions themselves are not compared, nor is
// the id (see CheckVersionStep). Every difference in content is reported:
// what the comparison does not know by name is reported as a minor change
// of the definition as a whole.
std::vector<DefinitionChange> CompareDefinitions(const v1::TreatmentDefinition& before,
                                                 const v1::TreatmentDefinition& after);

// The largest impact among `changes`; kPatch when there is none.
ChangeImpact RequiredImpact(const std::vector<DefinitionChange>& changes);

// Whether version `after` may follow version `before` of a treatment type
// whose definition changed by `changes`. Both must be semantic versions and
// `after` must rank above `before`. The step is read from the first number
// raised: the major number for a major change, at least the minor one for a
// minor change, any raise for wording. Before 1.0.0 the numbers shift one
// place, as Semantic Versioning leaves them free and most ecosystems read
// them (0.3.0 -> 0.4.0 may break, 0.3.0 -> 0.3.1 may add). A pre-release
// promises nothing to the release it precedes, so 2.0.0-rc.1 -> 2.0.0 may
// change anything. FAILED_PRECONDITION, with a message that names both
// versions, what the changes need and the version to use instead, when it
// may not, naming the first few of the changes too unless `name_changes`
// is false (for a caller that lists them all itself); INVALID_ARGUMENT when
// a version does not parse.
absl::Status CheckVersionStep(absl::string_view before, absl::string_view after,
                              const std::vector<DefinitionChange>& changes,
                              bool name_changes = true);

// "protocol.areas[1] (cheeks).min_depth_um: raised from 250 um to 500 um: the
// depth range is narrower", or the description alone for the definition as
// a whole.
std::string DescribeChange(const DefinitionChange& change);

}  // namespace clinic

#endif  // CLINIC_COMMON_DEFINITION_DEFINITION_CHANGES_H_
