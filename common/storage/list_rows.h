// The loop every store's List method runs: read the rows of a query in list
// order, parse each row's stored message, let the page take it or stop, and
// sign the token of the next page. Written once here so each List is its
// query, its cursor and what it adds to a row.
#ifndef CLINIC_COMMON_STORAGE_LIST_ROWS_H_
#define CLINIC_COMMON_STORAGE_LIST_ROWS_H_

#include <SQLiteCpp/Statement.h>

#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"
#include "common/storage/paging.h"

namespace clinic::storage {

// Steps through `select` (bound, with LIMIT page.fetch_limit()), whose
// column 0 holds a stored `Item` (named `what` if it is damaged): `complete`
// adds what the row does not store (derived fields, an etag) and `cursor`
// gives the row's cursor; each item the page takes goes to `keep`. Returns
// the next page's token (empty on the last page).
template <typename Item>
absl::StatusOr<std::string> FillPage(
    SQLite::Statement& select, const PageRequest& page, size_t budget_bytes, absl::string_view what,
    absl::FunctionRef<std::string(SQLite::Statement&)> cursor,
    absl::FunctionRef<absl::Status(SQLite::Statement&, Item&)> complete,
    absl::FunctionRef<void(Item&&)> keep) {
  PageBuilder builder(page, budget_bytes);
  while (select.executeStep()) {
    Item item;
    if (absl::Status s = ParseStored(select.getColumn(0), item, what); !s.ok()) return s;
    if (absl::Status s = complete(select, item); !s.ok()) return s;
    if (!builder.Offer(item, cursor(select))) break;
    keep(std::move(item));
  }
  select.reset();
  return builder.next_page_token();
}

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_LIST_ROWS_H_
