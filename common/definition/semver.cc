// Semantic Versioning 2.0.0 parsing and precedence; see semver.h.
#include "common/definition/semver.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/core/text.h"

namespace clinic {
namespace {

bool AllDigits(absl::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return absl::ascii_isdigit(static_cast<unsigned char>(c)); });
}

bool IsIdentifierChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-';
}

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(Quote(text), " is not a semantic version: ", why));
}

// Checks the dot-separated identifiers of a pre-release (`part` is
// "pre-release") or of build metadata ("build metadata").
absl::Status CheckIdentifiers(absl::string_view text, absl::string_view part,
                              const std::vector<absl::string_view>& ids) {
  const bool prerelease = part == "pre-release";
  if (ids.size() == 1 && ids[0].empty()) {
    return Invalid(text,
                   absl::StrCat("the ", part, " after '", prerelease ? "-" : "+", "' is empty"));
  }
  for (absl::string_view id : ids) {
    if (id.empty()) {
      return Invalid(text, absl::StrCat("the ", part,
                                        " has an empty identifier (two dots in a row, or a dot "
                                        "at one end)"));
    }
    if (!std::all_of(id.begin(), id.end(), IsIdentifierChar)) {
      return Invalid(text, absl::StrCat(part, " identifier ", Quote(id),
                                        " may only use ASCII letters, digits and '-'"));
    }
    // Build metadata may have leading zeros ("build.007"); pre-release numbers
    // may not, because they take part in precedence.
    if (prerelease && AllDigits(id) && id.size() > 1 && id[0] == '0') {
      return Invalid(
          text, absl::StrCat("numeric pre-release identifier ", Quote(id), " has a leading zero"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SemanticVersion> ParseSemanticVersion(absl::string_view text) {
  if (text.empty()) return Invalid(text, "it is empty; write MAJOR.MINOR.PATCH, such as \"1.0.0\"");
  if (text[0] == 'v' || text[0] == 'V') {
    return Invalid(text, "drop the leading 'v'; write MAJOR.MINOR.PATCH, such as \"1.0.0\"");
  }

  // The build metadata starts at the first '+', the pre-release at the first
  // '-' before it; neither MAJOR.MINOR.PATCH nor the pre-release can hold a
  // '+', and the version core cannot hold a '-'.
  absl::string_view core = text;
  absl::string_view prerelease;
  absl::string_view build;
  bool has_prerelease = false;
  bool has_build = false;
  if (const size_t plus = core.find('+'); plus != absl::string_view::npos) {
    build = core.substr(plus + 1);
    core = core.substr(0, plus);
    has_build = true;
  }
  if (const size_t dash = core.find('-'); dash != absl::string_view::npos) {
    prerelease = core.substr(dash + 1);
    core = core.substr(0, dash);
    has_prerelease = true;
  }

  SemanticVersion version;
  const std::vector<absl::string_view> numbers = absl::StrSplit(core, '.');
  if (numbers.size() != 3) {
    return Invalid(text, "it needs three numbers, MAJOR.MINOR.PATCH, such as \"1.4.0\"");
  }
  constexpr absl::string_view kNames[3] = {"MAJOR", "MINOR", "PATCH"};
  uint64_t* const fields[3] = {&version.major, &version.minor, &version.patch};
  for (size_t i = 0; i < 3; ++i) {
    const absl::string_view number = numbers[i];
    if (number.empty()) return Invalid(text, absl::StrCat(kNames[i], " is empty"));
    if (!AllDigits(number)) {
      return Invalid(text, absl::StrCat(kNames[i], " ", Quote(number), " is not a whole number"));
    }
    if (number.size() > 1 && number[0] == '0') {
      return Invalid(text, absl::StrCat(kNames[i], " ", Quote(number), " has a leading zero"));
    }
    if (!absl::SimpleAtoi(number, fields[i])) {
      return Invalid(text, absl::StrCat(kNames[i], " ", Quote(number), " is too large"));
    }
  }

  if (has_prerelease) {
    const std::vector<absl::string_view> ids = absl::StrSplit(prerelease, '.');
    if (absl::Status s = CheckIdentifiers(text, "pre-release", ids); !s.ok()) return s;
    for (absl::string_view id : ids) version.prerelease.emplace_back(id);
  }
  if (has_build) {
    const std::vector<absl::string_view> ids = absl::StrSplit(build, '.');
    if (absl::Status s = CheckIdentifiers(text, "build metadata", ids); !s.ok()) return s;
    version.build = std::string(build);
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
  const size_t common = std::min(a.prerelease.size(), b.prerelease.size());
  for (size_t i = 0; i < common; ++i) {
    const std::string& x = a.prerelease[i];
    const std::string& y = b.prerelease[i];
    const bool x_numeric = AllDigits(x);
    const bool y_numeric = AllDigits(y);
    if (x_numeric && y_numeric) {
      // Without leading zeros the longer number is the larger, and equal
      // lengths compare digit by digit; no overflow for long identifiers.
      if (x.size() != y.size()) return x.size() < y.size() ? -1 : 1;
      if (x != y) return x < y ? -1 : 1;
    } else if (x_numeric != y_numeric) {
      return x_numeric ? -1 : 1;  // numeric identifiers rank below alphanumeric ones
    } else if (x != y) {
      return x < y ? -1 : 1;  // ASCII order
    }
  }
  // A longer list of otherwise equal identifiers ranks higher.
  if (a.prerelease.size() == b.prerelease.size()) return 0;
  return a.prerelease.size() < b.prerelease.size() ? -1 : 1;
}

}  // namespace clinic
