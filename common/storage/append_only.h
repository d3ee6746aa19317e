// Append-only tables enforced by the database itself: for ledgers, clinical
// records and anything else whose history must never be lost (stock
// movements, payments, addenda). A bug or a hand-typed sqlite3 command then
// fails loudly instead of rewriting history.
//
// For new stores' migrations only: migrations already applied stay exactly
// as they were written, because Migrate() runs each step once and a changed
// step would leave old and new databases with different schemas.
#ifndef CLINIC_COMMON_STORAGE_APPEND_ONLY_H_
#define CLINIC_COMMON_STORAGE_APPEND_ONLY_H_

#include <string>

#include "absl/strings/string_view.h"

namespace clinic::storage {

// SQL for two triggers on `table`, "<table>_append_only_u" and
// "<table>_append_only_d", that abort every UPDATE with "<what> are never
// changed" and every DELETE with "<what> are never deleted"; INSERT is left
// alone. `what` is the rows' plural noun as staff would say it, e.g.
// "stock movements". The table and trigger names are quoted as SQL
// identifiers and `what` as an SQL string, so any text yields valid SQL.
// Append it to the migration step that creates the table:
//
//   const std::string kLedger = absl::StrCat(
//       "CREATE TABLE stock_movements (...);",
//       AppendOnlyTriggers("stock_movements", "stock movements"));
//   ... {1, "the stock ledger", kLedger.c_str()} ...
std::string AppendOnlyTriggers(absl::string_view table, absl::string_view what);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_APPEND_ONLY_H_
