// Page tokens that cannot be forged, for every List and Search method (lists
// use them through paging.h): a token carries the position where the
// previous page ended, bound to the method and to a fingerprint of the
// query's other fields, and signed with a key kept in a database
// (HMAC-SHA256): the store's own, or the access database for lists with no
// database of their own. A caller cannot edit a token to jump elsewhere, nor
// reuse one with different filters.
#ifndef CLINIC_COMMON_STORAGE_PAGE_TOKENS_H_
#define CLINIC_COMMON_STORAGE_PAGE_TOKENS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"

namespace clinic::storage {

class PageTokens {
 public:
  // Loads the signing key of this database, creating it on first use. Needs
  // the store_meta table (kStoreMetaSchema) to exist.
  static absl::StatusOr<PageTokens> ForDatabase(Database& database);

  explicit PageTokens(std::string key) : key_(std::move(key)) {}

  // A token resuming `scope` (e.g. "ListClients") with the query whose other
  // fields fingerprint to `query` after the item at `cursor`.
  std::string Encode(absl::string_view scope, absl::string_view query,
                     absl::string_view cursor) const;

  // The cursor of a token made by Encode with the same scope and query; an
  // empty token gives an empty cursor. INVALID_ARGUMENT naming page_token for
  // anything else.
  absl::StatusOr<std::string> Decode(absl::string_view scope, absl::string_view query,
                                     absl::string_view token) const;

 private:
  std::string key_;
};

// INVALID_ARGUMENT naming page_token: the one refusal of every token that is
// not a token of this method for this query, whatever is wrong with it.
absl::Status BadPageToken();

// The key-value table where a store keeps its own settings, such as the page
// token key. Every store creates it in its first migration.
inline constexpr char kStoreMetaSchema[] = R"sql(
CREATE TABLE store_meta (
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
)sql";

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_PAGE_TOKENS_H_
