#include "common/core/paging.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/core/status.h"

namespace clinic {
namespace {

// Bumped whenever the token layout changes, so old tokens fail clearly.
constexpr absl::string_view kTokenVersion = "p1";

}  // namespace

absl::StatusOr<int> NormalizePageSize(int32_t requested) {
  if (requested < 0) {
    return InvalidField("page_size", absl::StrCat("must not be negative, got ", requested));
  }
  if (requested == 0) return kDefaultPageSize;
  return requested > kMaxPageSize ? kMaxPageSize : static_cast<int>(requested);
}

std::string EncodePageToken(absl::string_view scope, absl::string_view last_key) {
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenVersion, "|", scope, "|", last_key));
}

absl::StatusOr<std::string> DecodePageToken(absl::string_view scope, absl::string_view token) {
  if (token.empty()) return std::string();
  std::string raw;
  const std::string prefix = absl::StrCat(kTokenVersion, "|", scope, "|");
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() <= prefix.size() ||
      raw.compare(0, prefix.size(), prefix) != 0) {
    return InvalidField("page_token",
                        "is not a token returned by this list method; start again with an empty "
                        "page_token");
  }
  return raw.substr(prefix.size());
}

}  // namespace clinic
