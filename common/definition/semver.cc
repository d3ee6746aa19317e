#include "common/definition/semver.h"

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace clinic {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsIdentifierChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
}

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("\"", text, "\" is not a semantic version (MAJOR.MINOR.PATCH): ", why));
}

// Checks the dot-separated identifiers of a pre-release or build part, and
// returns them. `what` names the part in the error.
absl::StatusOr<std::vector<absl::string_view>> SplitIdentifiers(absl::string_view text,
                                                                absl::string_view part,
                                                                absl::string_view what) {
  std::vector<absl::string_view> ids = absl::StrSplit(part, '.');
  for (absl::string_view id : ids) {
    if (id.empty()) return Invalid(text, absl::StrCat(what, " has an empty identifier"));
    for (char c : id) {
      if (!IsIdentifierChar(c)) {
        return Invalid(text, absl::StrCat(what, " has a character other than [0-9A-Za-z-]"));
      }
    }
  }
  return ids;
}

}  // namespace

absl::StatusOr<SemanticVersion> ParseSemanticVersion(absl::string_view text) {
  SemanticVersion version;
  absl::string_view rest = text;
  const size_t plus = rest.find('+');
  if (plus != absl::string_view::npos) {
    const absl::string_view build = rest.substr(plus + 1);
    if (auto ids = SplitIdentifiers(text, build, "build metadata"); !ids.ok()) return ids.status();
    version.build = std::string(build);
    rest = rest.substr(0, plus);
  }
  const size_t dash = rest.find('-');
  if (dash != absl::string_view::npos) {
    const absl::string_view prerelease = rest.substr(dash + 1);
    auto ids = SplitIdentifiers(text, prerelease, "the pre-release");
    if (!ids.ok()) return ids.status();
    for (absl::string_view id : *ids) {
      if (AllDigits(id) && id.size() > 1 && id[0] == '0') {
        return Invalid(text, "a numeric pre-release identifier has a leading zero");
      }
      version.prerelease.emplace_back(id);
    }
    rest = rest.substr(0, dash);
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(rest, '.');
  if (parts.size() != 3) return Invalid(text, "it needs exactly three numbers separated by dots");
  uint64_t* fields[3] = {&version.major, &version.minor, &version.patch};
  for (size_t i = 0; i < 3; ++i) {
    if (!AllDigits(parts[i])) return Invalid(text, "MAJOR, MINOR and PATCH must be whole numbers");
    if (parts[i].size() > 1 && parts[i][0] == '0')
      return Invalid(text, "a number has a leading zero");
    if (!absl::SimpleAtoi(parts[i], fields[i])) return Invalid(text, "a number is too large");
  }
  return version;
}

int CompareSemanticVersions(const SemanticVersion& a, const SemanticVersion& b) {
  if (a.major != b.major) return a.major < b.major ? -1 : 1;
  if (a.minor != b.minor) return a.minor < b.minor ? -1 : 1;
  if (a.patch != b.patch) return a.patch < b.patch ? -1 : 1;
  // A release outranks any of its pre-releases.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    if (a.prerelease.empty() && b.prerelease.empty()) return 0;
    return a.prerelease.empty() ? 1 : -1;
  }
  const size_t n = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string& x = a.prerelease[i];
    const std::string& y = b.prerelease[i];
    const bool x_num = AllDigits(x);
    const bool y_num = AllDigits(y);
    if (x_num && y_num) {
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (x != y) return x < y ? -1 : 1;
    } else if (x_num != y_num) {
      return x_num ? -1 : 1;  // numeric identifiers rank below alphanumeric ones
    } else if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

}  // namespace clinic
