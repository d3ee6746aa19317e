// How ClientRecords' request checks name fields and list valid values in
// their messages. Only the check files (client_validation.cc,
// treatment_validation.cc) include it.
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_FIELD_PATHS_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_FIELD_PATHS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"

namespace clinic::client_records {

// Messages list the valid ids only when the list is short enough to read.
inline constexpr size_t kMaxListedIds = 12;

// "treatment_record.areas[1]" and "treatment_record.areas[1].passes".
inline std::string Child(absl::string_view field, absl::string_view name) {
  if (field.empty()) return std::string(name);
  return absl::StrCat(field, ".", name);
}

inline std::string Indexed(absl::string_view field, int index) {
  return absl::StrCat(field, "[", index, "]");
}

// " (areas: forehead, cheeks)", or nothing when the list is empty or too
// long to help. The ids must come from a definition, never from a request.
inline std::string ListIfShort(absl::string_view noun, const std::vector<std::string>& ids) {
  if (ids.empty() || ids.size() > kMaxListedIds) return "";
  return absl::StrCat(" (", noun, ": ", absl::StrJoin(ids, ", "), ")");
}

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_FIELD_PATHS_H_
