// Field paths as the definition validator writes them
// ("contraindications[8].condition.answer.question_id"): split into steps,
// and shown with the id of each listed element they pass through
// ("contraindications[8] (under_18).condition.answer.question_id"), so a
// reader finds the element without counting. The plain path stays the
// machine-readable name of a field (FieldViolation::field); the labelled
// one is for people. Used by the plugin host and clinic-plugin-check; pure
// functions, safe from any thread.
#ifndef CLINIC_COMMON_DEFINITION_DEFINITION_PATHS_H_
#define CLINIC_COMMON_DEFINITION_DEFINITION_PATHS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "google/protobuf/message.h"

namespace clinic {

// One step of a path: a field name, and the index after it when it has one
// (-1 when not).
struct FieldPathStep {
  std::string field;
  int index = -1;
};

// "a.b[2].c" -> {a, -1}, {b, 2}, {c, -1}; nullopt when `path` is not shaped
// like that (an empty step, a bracket without a number). "" has no steps.
absl::optional<std::vector<FieldPathStep>> SplitFieldPath(absl::string_view path);

// `path` with " (<id>)" after each index whose element, in `root`, has a
// well-formed `id` (definition_wording.h's IsDefinitionId, so a label is at
// most 63 safe characters): "protocol.areas[2] (forehead).max_depth_um".
// Steps the message does not have (a field that is not there, an index past
// the end) and everything after them are left as they are.
std::string LabelFieldPath(const google::protobuf::Message& root, absl::string_view path);

}  // namespace clinic

#endif  // CLINIC_COMMON_DEFINITION_DEFINITION_PATHS_H_
