// The Inventory database schema, one migration per version. Append new
// versions at the end; never edit one that has shipped. Only the SQLite store
// includes it.
#ifndef CLINIC_SERVICES_INVENTORY_INVENTORY_SCHEMA_H_
#define CLINIC_SERVICES_INVENTORY_INVENTORY_SCHEMA_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/storage/append_only.h"
#include "common/storage/idempotency.h"
#include "common/storage/migrations.h"
#include "common/storage/outbox.h"
#include "common/storage/page_tokens.h"

namespace clinic::inventory {

// Version 2: products, lots, the stock ledger and what is derived from it.
//
// `movements` is the ledger: append-only, the database refuses edits.
// `stock` holds each site's running balance per lot; the store changes it
// only in the transaction that appends the movement, by that movement's
// deltas, and its CHECKs refuse a negative balance whatever the code does.
// `consumptions`, `alerts` are append-only too; `transfers` change state
// once (in transit, then received), so they are ordinary rows.
// Days are yyyymmdd integers, which order like the days.
inline constexpr char kInventorySchema[] = R"sql(
CREATE TABLE products (
  product_id TEXT PRIMARY KEY,
  sort_key TEXT NOT NULL,
  kind INTEGER NOT NULL,
  gtin TEXT UNIQUE,
  discontinued INTEGER NOT NULL,
  revision INTEGER NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX products_by_name ON products (sort_key, product_id);

CREATE TABLE lots (
  lot_id TEXT PRIMARY KEY,
  product_id TEXT NOT NULL REFERENCES products (product_id),
  lot_number TEXT NOT NULL,
  expiry_day INTEGER NOT NULL,
  recalled INTEGER NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (product_id, lot_number)
) WITHOUT ROWID;
CREATE INDEX lots_by_product ON lots (product_id, expiry_day, lot_id);

CREATE TABLE stock (
  site_id TEXT NOT NULL,
  lot_id TEXT NOT NULL REFERENCES lots (lot_id),
  product_id TEXT NOT NULL,
  usable INTEGER NOT NULL CHECK (usable >= 0),
  quarantined INTEGER NOT NULL CHECK (quarantined >= 0),
  recalled INTEGER NOT NULL CHECK (recalled >= 0),
  PRIMARY KEY (site_id, lot_id)
) WITHOUT ROWID;
CREATE INDEX stock_by_product ON stock (site_id, product_id);
CREATE INDEX stock_by_lot ON stock (lot_id);

CREATE TABLE movements (
  sequence INTEGER PRIMARY KEY,
  movement_id TEXT NOT NULL UNIQUE,
  site_id TEXT NOT NULL,
  lot_id TEXT NOT NULL REFERENCES lots (lot_id),
  product_id TEXT NOT NULL,
  type INTEGER NOT NULL,
  usable_change INTEGER NOT NULL,
  quarantined_change INTEGER NOT NULL,
  recalled_change INTEGER NOT NULL,
  create_ms INTEGER NOT NULL,
  client_id TEXT,
  data BLOB NOT NULL
);
CREATE INDEX movements_by_site ON movements (site_id, create_ms, movement_id);
CREATE INDEX movements_by_lot ON movements (lot_id, type, sequence);
CREATE INDEX movements_by_client ON movements (client_id, create_ms, movement_id)
  WHERE client_id IS NOT NULL;

CREATE TABLE consumptions (
  consumption_id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE transfers (
  transfer_id TEXT PRIMARY KEY,
  from_site_id TEXT NOT NULL,
  to_site_id TEXT NOT NULL,
  state INTEGER NOT NULL,
  send_ms INTEGER NOT NULL,
  data BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX transfers_from ON transfers (from_site_id, send_ms, transfer_id);
CREATE INDEX transfers_to ON transfers (to_site_id, send_ms, transfer_id);

CREATE TABLE transfer_lines (
  transfer_id TEXT NOT NULL REFERENCES transfers (transfer_id),
  lot_id TEXT NOT NULL REFERENCES lots (lot_id),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (transfer_id, lot_id)
) WITHOUT ROWID;
CREATE INDEX transfer_lines_by_lot ON transfer_lines (lot_id);

CREATE TABLE reorder_points (
  site_id TEXT NOT NULL,
  product_id TEXT NOT NULL REFERENCES products (product_id),
  data BLOB NOT NULL,
  PRIMARY KEY (site_id, product_id)
) WITHOUT ROWID;

CREATE TABLE alerts (
  event_id INTEGER PRIMARY KEY,
  site_id TEXT NOT NULL,
  data BLOB NOT NULL
);

CREATE TABLE expiry_warnings (
  site_id TEXT NOT NULL,
  lot_id TEXT NOT NULL,
  PRIMARY KEY (site_id, lot_id)
) WITHOUT ROWID;
)sql";

inline const std::vector<storage::Migration>& InventoryMigrations() {
  static const auto* base =
      new std::string(std::string(storage::kStoreMetaSchema) + storage::kRequestLogSchema);
  static const auto* inventory = new std::string(
      absl::StrCat(kInventorySchema, storage::AppendOnlyTriggers("movements", "stock movements"),
                   storage::AppendOnlyTriggers("consumptions", "consumptions"),
                   storage::AppendOnlyTriggers("alerts", "stock alerts")));
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "store settings and request log", base->c_str()},
      {2, "products, lots, the stock ledger, transfers and alerts", inventory->c_str()},
      // Recall notices for ClientRecords, one per use of a recalled lot
      // (docs/treatment-flow.md); from common/storage, as every store with
      // an outbox has it.
      {3, "the outbox of recall notices for ClientRecords", storage::kOutboxSchema},
  };
  return *migrations;
}

}  // namespace clinic::inventory

#endif  // CLINIC_SERVICES_INVENTORY_INVENTORY_SCHEMA_H_
