// Page sizes and page tokens for List methods. A token is opaque to callers:
// it records where the previous page ended and which list it belongs to, so a
// token from one list is refused by another. Stores build on this; see
// docs/api.md for the contract.
#ifndef CLINIC_COMMON_CORE_PAGING_H_
#define CLINIC_COMMON_CORE_PAGING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace clinic {

inline constexpr int kDefaultPageSize = 50;
inline constexpr int kMaxPageSize = 100;

// 0 becomes the default, values above the maximum become the maximum, and a
// negative value is INVALID_ARGUMENT naming page_size.
absl::StatusOr<int> NormalizePageSize(int32_t requested);

// A token that resumes a list called `scope` after the item keyed `last_key`.
std::string EncodePageToken(absl::string_view scope, absl::string_view last_key);

// The last key of a token made by EncodePageToken for the same scope. An
// empty token yields an empty key (the first page). Anything else that was not
// made for this scope is INVALID_ARGUMENT naming page_token.
absl::StatusOr<std::string> DecodePageToken(absl::string_view scope, absl::string_view token);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_PAGING_H_
