// Whether a version number says what changed: CheckVersionStep in
// definition_changes.h.
#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "common/definition/definition_changes.h"
#include "common/definition/semver.h"

namespace clinic {
namespace {

// How many of the changes that need a larger step a refusal names; the rest
// are counted, so the message stays a few lines.
constexpr size_t kNamedChanges = 3;

bool SameCore(const SemanticVersion& a, const SemanticVersion& b) {
  return a.major == b.major && a.minor == b.minor && a.patch == b.patch;
}

// The impact the step from `before` to `after` (which ranks above it) allows.
ChangeImpact StepImpact(const SemanticVersion& before, const SemanticVersion& after) {
  const bool initial = before.major == 0 && after.major == 0;
  if (after.major != before.major) return ChangeImpact::kMajor;
  if (after.minor != before.minor) return initial ? ChangeImpact::kMajor : ChangeImpact::kMinor;
  if (after.patch != before.patch) return initial ? ChangeImpact::kMinor : ChangeImpact::kPatch;
  return ChangeImpact::kPatch;
}

// The first version after `before` whose step allows `needed`.
std::string NextVersion(const SemanticVersion& before, ChangeImpact needed) {
  if (before.major == 0) {
    if (needed == ChangeImpact::kMajor) return absl::StrCat("0.", before.minor + 1, ".0");
    return absl::StrCat("0.", before.minor, ".", before.patch + 1);
  }
  switch (needed) {
    case ChangeImpact::kMajor:
      return absl::StrCat(before.major + 1, ".0.0");
    case ChangeImpact::kMinor:
      return absl::StrCat(before.major, ".", before.minor + 1, ".0");
    default:
      return absl::StrCat(before.major, ".", before.minor, ".", before.patch + 1);
  }
}

std::string StepName(const SemanticVersion& before, ChangeImpact step) {
  const bool initial = before.major == 0;
  switch (step) {
    case ChangeImpact::kMajor:
      return initial ? "a breaking step (before 1.0.0, the minor number)" : "the major number";
    case ChangeImpact::kMinor:
      return initial ? "a compatible step (before 1.0.0, the patch number)" : "the minor number";
    default:
      return "only the patch number";
  }
}

}  // namespace

absl::Status CheckVersionStep(absl::string_view before, absl::string_view after,
                              const std::vector<DefinitionChange>& changes, bool name_changes) {
  absl::StatusOr<SemanticVersion> old_version = ParseSemanticVersion(before);
  if (!old_version.ok()) return old_version.status();
  absl::StatusOr<SemanticVersion> new_version = ParseSemanticVersion(after);
  if (!new_version.ok()) return new_version.status();
  if (CompareSemanticVersions(*new_version, *old_version) <= 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("version ", after, " does not rank above ", before,
                     ": a changed definition needs a higher version"));
  }
  // A pre-release promises nothing to the release it leads to.
  if (!old_version->prerelease.empty() && SameCore(*old_version, *new_version)) {
    return absl::OkStatus();
  }
  const ChangeImpact needed = RequiredImpact(changes);
  const ChangeImpact step = StepImpact(*old_version, *new_version);
  if (step >= needed) return absl::OkStatus();

  std::vector<const DefinitionChange*> named;
  size_t count = 0;
  for (const DefinitionChange& change : changes) {
    if (change.impact <= step) continue;
    ++count;
    if (named.size() < kNamedChanges) named.push_back(&change);
  }
  std::string message = absl::StrCat(
      "version ", after, " after ", before, " raises ", StepName(*old_version, step), ", but ",
      count, count == 1 ? " change needs" : " changes need", " a new ", ChangeImpactName(needed),
      " version: use ", NextVersion(*old_version, needed), " or higher");
  if (!name_changes) return absl::FailedPreconditionError(message);
  absl::StrAppend(&message, ": ");
  for (size_t i = 0; i < named.size(); ++i) {
    absl::StrAppend(&message, i == 0 ? "" : "; ", DescribeChange(*named[i]));
  }
  if (count > named.size()) absl::StrAppend(&message, "; and ", count - named.size(), " more");
  return absl::FailedPreconditionError(message);
}

}  // namespace clinic
