// The update_mask of an Update method (docs/api.md, "Updates"), checked the
// same way by every service: required, "*" for every updatable field, and
// each path one of the fields the method lets callers change.
#ifndef CLINIC_COMMON_CORE_UPDATE_MASK_H_
#define CLINIC_COMMON_CORE_UPDATE_MASK_H_

#include <string>
#include <vector>

#include "common/core/status.h"
#include "google/protobuf/field_mask.pb.h"

namespace clinic {

// The paths to apply: those of `mask`, or every one of `updatable` for "*".
// Appends a violation naming update_mask when it is empty, and one naming
// update_mask.paths[i] (listing the updatable fields) for each path that is
// not in `updatable`.
std::vector<std::string> UpdatePaths(const google::protobuf::FieldMask& mask,
                                     const std::vector<std::string>& updatable,
                                     std::vector<FieldViolation>& out);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_UPDATE_MASK_H_
