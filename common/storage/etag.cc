#include "common/storage/etag.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/core/hash.h"
#include "common/core/status.h"

namespace clinic::storage {

std::string MakeEtag(absl::string_view name, int64_t revision) {
  const std::string digest = Sha256(absl::StrCat(name, "#", revision));
  // 12 bytes are plenty to tell revisions apart and keep the etag short.
  return absl::StrCat("W/\"", absl::WebSafeBase64Escape(absl::string_view(digest).substr(0, 12)),
                      "\"");
}

absl::Status CheckEtag(absl::string_view given, absl::string_view name, int64_t revision,
                       bool required, absl::string_view domain) {
  if (given.empty()) {
    if (!required) return absl::OkStatus();
    return InvalidField("etag", "is required: read the resource and send its etag");
  }
  if (given == MakeEtag(name, revision)) return absl::OkStatus();
  return WithReason(
      absl::AbortedError(absl::StrCat(name,
                                      " was changed by someone else since it was read (stale "
                                      "etag); read it again and retry")),
      "ETAG_MISMATCH", domain);
}

}  // namespace clinic::storage
