#include "common/storage/page_tokens.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/core/hash.h"
#include "common/core/status.h"

namespace clinic::storage {
namespace {

constexpr size_t kMacBytes = 16;
constexpr char kSelectKeySql[] = "SELECT value FROM store_meta WHERE key = 'page_token_key'";
constexpr char kInsertKeySql[] = "INSERT INTO store_meta (key, value) VALUES ('page_token_key', ?)";

std::string Mac(const std::string& key, absl::string_view scope, absl::string_view query,
                absl::string_view cursor) {
  // Lengths are part of the signed text, so fields cannot bleed into each other.
  const std::string text =
      absl::StrCat(scope.size(), ":", scope, "|", query.size(), ":", query, "|", cursor);
  return HmacSha256(key, text).substr(0, kMacBytes);
}

}  // namespace

absl::Status BadPageToken() {
  return InvalidField("page_token",
                      "is not a token returned by this method for this query; start again with "
                      "an empty page_token");
}

absl::StatusOr<PageTokens> PageTokens::ForDatabase(Database& database) {
  std::string key;
  absl::Status status = database.Write([&key](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(kSelectKeySql);
    if (select.executeStep()) {
      const SQLite::Column value = select.getColumn(0);
      key.assign(static_cast<const char*>(value.getBlob()), static_cast<size_t>(value.getBytes()));
      return absl::OkStatus();
    }
    absl::StatusOr<std::string> random = RandomBytes(32);
    if (!random.ok()) {
      return absl::InternalError("cannot make a page token key: no randomness available");
    }
    key = *std::move(random);
    SQLite::Statement& insert = connection.Prepare(kInsertKeySql);
    insert.bind(1, key.data(), static_cast<int>(key.size()));
    insert.exec();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return PageTokens(std::move(key));
}

std::string PageTokens::Encode(absl::string_view scope, absl::string_view query,
                               absl::string_view cursor) const {
  return absl::WebSafeBase64Escape(absl::StrCat(Mac(key_, scope, query, cursor), cursor));
}

absl::StatusOr<std::string> PageTokens::Decode(absl::string_view scope, absl::string_view query,
                                               absl::string_view token) const {
  if (token.empty()) return std::string();
  std::string raw;
  // Only the one encoding Encode makes: base64 leaves spare bits in its last
  // character and allows padding, and an edited token must not still pass.
  if (!absl::WebSafeBase64Unescape(token, &raw) || raw.size() <= kMacBytes ||
      absl::WebSafeBase64Escape(raw) != token) {
    return BadPageToken();
  }
  const std::string cursor = raw.substr(kMacBytes);
  const std::string expected = Mac(key_, scope, query, cursor);
  if (!ConstantTimeEquals(expected, absl::string_view(raw).substr(0, kMacBytes))) {
    return BadPageToken();
  }
  return cursor;
}

}  // namespace clinic::storage
