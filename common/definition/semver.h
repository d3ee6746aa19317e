// Semantic Versioning 2.0.0 (https://semver.org): parsing and precedence of
// treatment definition versions. Used by the definition validator, and by
// anything that compares the definition versions kept in records. Pure
// functions, safe to call from any thread.
#ifndef CLINIC_COMMON_DEFINITION_SEMVER_H_
#define CLINIC_COMMON_DEFINITION_SEMVER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace clinic {

// One parsed version, e.g. "2.0.0-rc.1+build.5".
struct SemanticVersion {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;
  // The dot-separated pre-release identifiers, e.g. {"rc", "1"}; empty for a
  // release.
  std::vector<std::string> prerelease;
  // Build metadata after the '+', e.g. "build.5"; empty when there is none.
  // Kept for display only: precedence ignores it.
  std::string build;
};

// Parses "MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD]" exactly as Semantic
// Versioning 2.0.0 defines it: no leading 'v', no missing parts, no leading
// zeros in numbers. On failure the status is INVALID_ARGUMENT and its message
// is a sentence naming the text and what is wrong with it.
absl::StatusOr<SemanticVersion> ParseSemanticVersion(absl::string_view text);

// Semantic Versioning precedence: negative, zero or positive as `a` ranks
// below, level with or above `b`. A release ranks above its pre-releases, and
// versions that differ only in build metadata rank level.
int CompareSemanticVersions(const SemanticVersion& a, const SemanticVersion& b);

}  // namespace clinic

#endif  // CLINIC_COMMON_DEFINITION_SEMVER_H_
