// Identifiers for new records: 26-character, time-ordered (ULID layout:
// 48-bit millisecond timestamp, 80 random bits, Crockford base32). Sorting by
// id sorts by creation time, which keeps B-tree inserts at the end of the
// index and makes "newest first" cheap. Ids made in the same millisecond by
// one process still increase. Any store may call it.
#ifndef CLINIC_COMMON_STORAGE_IDS_H_
#define CLINIC_COMMON_STORAGE_IDS_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"

namespace clinic::storage {

// A new id, greater than every id this process made before.
std::string NewId();

// An id of the same shape made from `at` and `seed` alone, so a retried
// request that must name the same new record every time (the treatment flow
// names its record to Inventory before writing it) derives the same id. The
// 80 low bits are the first bits of SHA-256(seed): ids from different seeds
// collide no more often than random ones. Not ordered against NewId's ids of
// the same millisecond.
std::string DerivedId(absl::Time at, absl::string_view seed);

// When the id was made (millisecond precision), or nullopt when `id` is not
// well formed. Useful when reading logs and rows by hand.
absl::optional<absl::Time> IdTime(absl::string_view id);

// Whether `id` has the shape of an id made by NewId: 26 characters of
// Crockford base32 in upper case.
bool IsWellFormedId(absl::string_view id);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_IDS_H_
