// Checks a treatment definition declared by a plugin before the host serves
// it, and points out what it allows but is probably a mistake. docs/definition-rules.md lists every
// rule with an example message. Called by the plugin host and by clinic-plugin-check through
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

// What a valid definition declares that is allowed but probably a mistake,
// worded and named like the violations above: an area no cartridge or other
// consumable covers (a session there uses nothing from stock), a question no
// rule reads (asked of every client, it never changes an outcome; free-text
// questions, which rules cannot read, aside), a relative rule without
// guidance (the clinician it sends the screening to is told nothing of what
// to do). A plugin with warnings loads; clinic-plugin-check prints them.
// Meant for a definition without violations; empty when nothing looks wrong.
std::vector<FieldViolation> TreatmentDefinitionWarnings(const v1::TreatmentDefinition& definition);

}  // namespace clinic

#endif  // CLINIC_COMMON_DEFINITION_DEFINITION_VALIDATOR_H_
