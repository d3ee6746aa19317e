// Etags for optimistic concurrency. A mutable resource row carries a revision
// number that every update increments; its etag is derived from the id and
// the revision, so it changes on every update and cannot be reused for
// another resource. Stores call CheckEtag before an update.
#ifndef CLINIC_COMMON_STORAGE_ETAG_H_
#define CLINIC_COMMON_STORAGE_ETAG_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace clinic::storage {

// The etag of revision `revision` of the resource named `name`.
std::string MakeEtag(absl::string_view name, int64_t revision);

// OK when `given` is the current etag. An empty `given` is OK only when
// `required` is false. A stale etag is ABORTED with reason ETAG_MISMATCH, so
// the caller knows to read again and retry.
absl::Status CheckEtag(absl::string_view given, absl::string_view name, int64_t revision,
                       bool required, absl::string_view domain);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_ETAG_H_
