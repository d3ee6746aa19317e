// Checks a treatment definition declared by a plugin before the host serves
// it. docs/definition-rules.md lists every rule with an example message. Called
// by the plugin host and by clinic-plugin-check through
// AcceptTreatmentDefinition (definition_upgrade.h), which upgrades older forms
// once the definition is valid; a pure function without I/O, safe to call
// from any thread.
#ifndef CLINIC_COMMON_DEFINITION_DEFINITION_VALIDATOR_H_
#define CLINIC_COMMON_DEFINITION_DEFINITION_VALIDATOR_H_

#include <vector>

#include "clinic/v1/treatment.pb.h"
#include "common/core/status.h"

namespace clinic {

// Deepest needle depth any definition may allow, in micrometres (3.0 mm).
inline constexpr int kMaxNeedleDepthUm = 3000;
// Most needles a cartridge's needle configuration may have.
inline constexpr int kMaxNeedleCount = 200;
// Most units of one consumable a session may use.
inline constexpr int kMaxConsumableQuantity = 100;
// Deepest nesting of conditions: a rule's own condition is level 1, each
// all_of / any_of / none_of adds one.
inline constexpr int kMaxConditionDepth = 8;

// Every problem with the definition, in field order, each naming the field by
// its path with the proto's field names and list indexes (e.g.
// "protocol.areas[2].max_depth_um") and saying what is wrong in a sentence a
// plugin author understands. A mistake is reported once, where it was made,
// not again for every field that depends on it. Empty when the definition is
// valid. Older forms (definition_upgrade.h) are judged as declared, so a
// definition reads the same before and after it is upgraded.
std::vector<FieldViolation> ValidateTreatmentDefinition(const v1::TreatmentDefinition& definition);

}  // namespace clinic

#endif  // CLINIC_COMMON_DEFINITION_DEFINITION_VALIDATOR_H_
