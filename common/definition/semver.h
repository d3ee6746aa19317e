// Semantic Versioning 2.0.0 (https://semver.org) parsing and precedence, for
// treatment definition versions. Used by the definition validator and by
// anything that compares definition versions kept in records.
#ifndef CLINIC_COMMON_DEFINITION_SEMVER_H_
#define CLINIC_COMMON_DEFINITION_SEMVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace clinic {

struct SemanticVersion {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  // Dot-separated pre-release identifiers, e.g. {"rc", "1"}; empty for a release.
  std::vector<std::string> prerelease;
  // Build metadata; ignored by precedence.
  std::string build;
};

// Parses "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]". The error says what is wrong.
absl::StatusOr<SemanticVersion> ParseSemanticVersion(absl::string_view text);

// Negative, zero or positive as a has lower, equal or higher precedence than b.
int CompareSemanticVersions(const SemanticVersion& a, const SemanticVersion& b);

}  // namespace clinic

#endif  // CLINIC_COMMON_DEFINITION_SEMVER_H_
