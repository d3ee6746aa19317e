#include "common/core/update_mask.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/core/text.h"

namespace clinic {

std::vector<std::string> UpdatePaths(const google::protobuf::FieldMask& mask,
                                     const std::vector<std::string>& updatable,
                                     std::vector<FieldViolation>& out) {
  if (mask.paths().empty()) {
    out.push_back({"update_mask", "is required: name the fields to change, or \"*\""});
    return {};
  }
  if (mask.paths_size() == 1 && mask.paths(0) == "*") return updatable;
  std::vector<std::string> paths;
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    if (std::find(updatable.begin(), updatable.end(), path) == updatable.end()) {
      out.push_back({absl::StrCat("update_mask.paths[", i, "]"),
                     absl::StrCat(Quote(path), " cannot be updated; updatable fields are ",
                                  absl::StrJoin(updatable, ", "))});
      continue;
    }
    paths.push_back(path);
  }
  return paths;
}

}  // namespace clinic
