// Checks a treatment definition declared by a plugin before the host serves
// it. Every rule is listed in docs/definition-rules.md. Called by the plugin
// host and by clinic-plugin-check; pure function, no I/O.
#ifndef CLINIC_COMMON_DEFINITION_DEFINITION_VALIDATOR_H_
#define CLINIC_COMMON_DEFINITION_DEFINITION_VALIDATOR_H_

#include <vector>

#include "clinic/v1/treatment.pb.h"
#include "common/core/status.h"

namespace clinic {

// Deepest needle depth any definition may allow, in micrometres.
inline constexpr int kMaxNeedleDepthUm = 3000;
// Deepest nesting of all_of / any_of / none_of.
inline constexpr int kMaxConditionDepth = 8;

// Every problem with the definition, each naming the field by its path (e.g.
// "protocol.areas[2].max_depth_um") with a sentence an author understands.
// Empty when the definition is valid.
std::vector<FieldViolation> ValidateTreatmentDefinition(const v1::TreatmentDefinition& definition);

}  // namespace clinic

#endif  // CLINIC_COMMON_DEFINITION_DEFINITION_VALIDATOR_H_
