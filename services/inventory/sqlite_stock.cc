// What every stock change goes through: loading lots and products,
// balances, appending a movement with its balance change, low-stock
// watching, raising alerts, and the idempotent write that tells the alert
// listener after the commit.
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "services/inventory/inventory_names.h"
#include "services/inventory/sqlite_store.h"

namespace clinic::inventory {
namespace {

using storage::Connection;

constexpr char kSelectLotSql[] =
    "SELECT product_id, lot_number, expiry_day, recalled, data FROM lots WHERE lot_id = ?";
constexpr char kSelectProductSql[] = "SELECT data, revision FROM products WHERE product_id = ?";
constexpr char kSelectBalanceSql[] =
    "SELECT usable, quarantined, recalled FROM stock WHERE site_id = ? AND lot_id = ?";
constexpr char kUpsertBalanceSql[] =
    "INSERT INTO stock (site_id, lot_id, product_id, usable, quarantined, recalled) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site_id, lot_id) DO UPDATE SET "
    "usable = excluded.usable, quarantined = excluded.quarantined, recalled = excluded.recalled";
constexpr char kInsertMovementSql[] =
    "INSERT INTO movements (movement_id, site_id, lot_id, product_id, type, usable_change, "
    "quarantined_change, recalled_change, create_ms, client_id, data) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr char kUsableOfSql[] =
    "SELECT COALESCE(SUM(s.usable), 0) FROM stock s JOIN lots l ON l.lot_id = s.lot_id "
    "WHERE s.site_id = ? AND s.product_id = ? AND l.recalled = 0 AND l.expiry_day >= ?";
constexpr char kSelectReorderSql[] =
    "SELECT data FROM reorder_points WHERE site_id = ? AND product_id = ?";
constexpr char kNextAlertIdSql[] = "SELECT COALESCE(MAX(event_id), 0) + 1 FROM alerts";
constexpr char kInsertAlertSql[] = "INSERT INTO alerts (event_id, site_id, data) VALUES (?, ?, ?)";

}  // namespace

namespace ledger {

absl::Status NotFound(absl::string_view name) { return storage::NotFound(name, kDomain); }

absl::Status Refused(absl::string_view reason, absl::string_view message) {
  return WithReason(absl::FailedPreconditionError(message), reason, kDomain);
}

absl::StatusOr<LotRow> LoadLot(Connection& connection, const std::string& product_id,
                               const std::string& lot_id) {
  SQLite::Statement& select = connection.Prepare(kSelectLotSql);
  select.bind(1, lot_id);
  if (!select.executeStep() || select.getColumn(0).getString() != product_id) {
    return NotFound(kLotName.Format(product_id, lot_id));
  }
  LotRow row;
  row.product_id = product_id;
  row.lot_id = lot_id;
  row.expiry_day = select.getColumn(2).getInt();
  row.recalled = select.getColumn(3).getInt() != 0;
  if (absl::Status s = storage::ParseStored(select.getColumn(4), row.lot, "lot"); !s.ok()) return s;
  select.reset();
  return row;
}

absl::StatusOr<v1::Product> LoadProduct(Connection& connection, const std::string& product_id) {
  SQLite::Statement& select = connection.Prepare(kSelectProductSql);
  select.bind(1, product_id);
  if (!select.executeStep()) return NotFound(kProductName.Format(product_id));
  v1::Product product;
  if (absl::Status s = storage::ParseStored(select.getColumn(0), product, "product"); !s.ok()) {
    return s;
  }
  select.reset();
  return product;
}

v1::StockBalance ReadBalance(Connection& connection, const std::string& site_id,
                             const std::string& lot_id) {
  v1::StockBalance balance;
  SQLite::Statement& select = connection.Prepare(kSelectBalanceSql);
  select.bind(1, site_id);
  select.bind(2, lot_id);
  if (select.executeStep()) {
    balance.set_usable(select.getColumn(0).getInt64());
    balance.set_quarantined(select.getColumn(1).getInt64());
    balance.set_recalled(select.getColumn(2).getInt64());
  }
  select.reset();
  return balance;
}

int64_t UsableOf(Connection& connection, const std::string& site_id, const std::string& product_id,
                 int today) {
  SQLite::Statement& select = connection.Prepare(kUsableOfSql);
  select.bind(1, site_id);
  select.bind(2, product_id);
  select.bind(3, today);
  const int64_t usable = select.executeStep() ? select.getColumn(0).getInt64() : 0;
  select.reset();
  return usable;
}

absl::StatusOr<v1::Movement> Append(Connection& connection, const MovementDraft& draft) {
  const LotRow& lot = *draft.lot;
  const v1::StockBalance before = ReadBalance(connection, draft.site_id, lot.lot_id);
  v1::StockBalance after;
  after.set_usable(before.usable() + draft.usable_change);
  after.set_quarantined(before.quarantined() + draft.quarantined_change);
  after.set_recalled(before.recalled() + draft.recalled_change);
  if (after.usable() < 0 || after.quarantined() < 0 || after.recalled() < 0) {
    return Refused(
        "NOT_ENOUGH_STOCK",
        absl::StrCat("site ", Quote(draft.site_id), " holds ", before.usable(), " usable, ",
                     before.quarantined(), " quarantined and ", before.recalled(),
                     " recalled units of ", kLotName.Format(lot.product_id, lot.lot_id),
                     "; the change needs more"));
  }
  v1::Movement movement = draft.details;
  const std::string movement_id = storage::NewId();
  movement.set_name(kMovementName.Format(draft.site_id, movement_id));
  movement.set_type(draft.type);
  movement.set_product(kProductName.Format(lot.product_id));
  movement.set_lot(kLotName.Format(lot.product_id, lot.lot_id));
  movement.set_quantity(draft.quantity);
  *movement.mutable_balance_after() = after;

  SQLite::Statement& insert = connection.Prepare(kInsertMovementSql);
  insert.bind(1, movement_id);
  insert.bind(2, draft.site_id);
  insert.bind(3, lot.lot_id);
  insert.bind(4, lot.product_id);
  insert.bind(5, static_cast<int>(draft.type));
  insert.bind(6, static_cast<int64_t>(draft.usable_change));
  insert.bind(7, static_cast<int64_t>(draft.quarantined_change));
  insert.bind(8, static_cast<int64_t>(draft.recalled_change));
  insert.bind(9, static_cast<int64_t>(TimestampToUnixMillis(movement.create_time())));
  if (movement.client().empty()) {
    insert.bind(10);
  } else {
    absl::StatusOr<ResourceName> client = kClientName.Parse(movement.client(), "client");
    if (!client.ok()) return client.status();
    insert.bind(10, client->id("client_id"));
  }
  storage::BindBlob(insert, 11, movement.SerializeAsString());
  insert.exec();

  SQLite::Statement& upsert = connection.Prepare(kUpsertBalanceSql);
  upsert.bind(1, draft.site_id);
  upsert.bind(2, lot.lot_id);
  upsert.bind(3, lot.product_id);
  upsert.bind(4, static_cast<int64_t>(after.usable()));
  upsert.bind(5, static_cast<int64_t>(after.quarantined()));
  upsert.bind(6, static_cast<int64_t>(after.recalled()));
  upsert.exec();
  return movement;
}

absl::Status Raise(Connection& connection, v1::Alert& alert, AlertSink& sink) {
  // Ids are dense and increasing: the writer holds the database's write
  // lock, so no other transaction takes the same one.
  SQLite::Statement& next = connection.Prepare(kNextAlertIdSql);
  const int64_t event_id = next.executeStep() ? next.getColumn(0).getInt64() : 1;
  next.reset();
  alert.set_event_id(event_id);
  SQLite::Statement& insert = connection.Prepare(kInsertAlertSql);
  insert.bind(1, static_cast<int64_t>(event_id));
  insert.bind(2, alert.site_id());
  storage::BindBlob(insert, 3, alert.SerializeAsString());
  insert.exec();
  sink.newest = std::max(sink.newest, event_id);
  return absl::OkStatus();
}

std::string LotLabel(Connection& connection, const LotRow& lot) {
  absl::StatusOr<v1::Product> product = LoadProduct(connection, lot.product_id);
  return absl::StrCat("lot ", Quote(lot.lot.lot_number()), " of ",
                      product.ok() ? Quote(product->display_name()) : std::string("a product"));
}

}  // namespace ledger

void LowStockWatch::Watch(const std::string& site_id, const std::string& product_id) {
  const auto key = std::make_pair(site_id, product_id);
  if (before_.count(key) != 0) return;
  before_[key] = ledger::UsableOf(connection_, site_id, product_id, today_);
}

absl::Status LowStockWatch::Finish(absl::Time now, AlertSink& sink) {
  for (const auto& [key, before] : before_) {
    const auto& [site_id, product_id] = key;
    v1::ReorderPoint point;
    {
      SQLite::Statement& select = connection_.Prepare(kSelectReorderSql);
      select.bind(1, site_id);
      select.bind(2, product_id);
      if (!select.executeStep()) continue;
      if (absl::Status s = storage::ParseStored(select.getColumn(0), point, "reorder point");
          !s.ok()) {
        return s;
      }
      select.reset();
    }
    const int64_t after = ledger::UsableOf(connection_, site_id, product_id, today_);
    // Only the change that crosses the line raises an alert, so a site
    // that stays low is not told again with every unit it uses.
    if (point.reorder_point() <= 0 || before < point.reorder_point() ||
        after >= point.reorder_point()) {
      continue;
    }
    absl::StatusOr<v1::Product> product = ledger::LoadProduct(connection_, product_id);
    if (!product.ok()) return product.status();
    v1::Alert alert;
    alert.set_kind(v1::ALERT_KIND_LOW_STOCK);
    *alert.mutable_create_time() = ToTimestampMillis(now);
    alert.set_site_id(site_id);
    alert.set_product(kProductName.Format(product_id));
    alert.set_quantity(after);
    alert.set_reorder_point(point.reorder_point());
    alert.set_message(absl::StrCat("Usable units of ", Quote(product->display_name()), " at site ",
                                   Quote(site_id), " fell to ", after,
                                   ", below the reorder point of ", point.reorder_point()));
    if (absl::Status s = ledger::Raise(connection_, alert, sink); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status SqliteInventoryStore::WriteOnce(
    absl::string_view method, const std::string& caller, absl::string_view request_id,
    const google::protobuf::Message& request, google::protobuf::Message* response,
    absl::FunctionRef<absl::Status(Connection&, AlertSink&)> body) {
  AlertSink sink;
  absl::Status status = storage::WriteOnce(*db_, method, caller, request_id, request, response,
                                           [&](Connection& connection) -> absl::Status {
                                             sink = AlertSink();
                                             return body(connection, sink);
                                           });
  if (status.ok() && sink.newest > 0) {
    std::lock_guard<std::mutex> lock(listener_mutex_);
    if (listener_) listener_(sink.newest);
  }
  return status;
}

void SqliteInventoryStore::OnAlertsRaised(std::function<void(int64_t)> listener) {
  std::lock_guard<std::mutex> lock(listener_mutex_);
  listener_ = std::move(listener);
}

absl::StatusOr<v1::Movement> SqliteInventoryStore::MoveOne(
    absl::string_view method, const std::string& caller, absl::string_view request_id,
    const google::protobuf::Message& request, const std::string& site_id,
    const std::string& product_id, const std::string& lot_id, const Stamp& stamp,
    absl::FunctionRef<absl::Status(const LotRow&, const v1::StockBalance&, int, MovementDraft&)>
        plan) {
  v1::Movement movement;
  const int today = today_at_(site_id);
  absl::Status status =
      WriteOnce(method, caller, request_id, request, &movement,
                [&](Connection& connection, AlertSink& sink) -> absl::Status {
                  absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, product_id, lot_id);
                  if (!lot.ok()) return lot.status();
                  LowStockWatch watch(connection, today);
                  watch.Watch(site_id, product_id);
                  MovementDraft draft;
                  draft.site_id = site_id;
                  draft.lot = &*lot;
                  *draft.details.mutable_create_time() = ToTimestampMillis(stamp.at);
                  draft.details.set_recorded_by(stamp.by);
                  if (absl::Status s = plan(*lot, ledger::ReadBalance(connection, site_id, lot_id),
                                            today, draft);
                      !s.ok()) {
                    return s;
                  }
                  absl::StatusOr<v1::Movement> appended = ledger::Append(connection, draft);
                  if (!appended.ok()) return appended.status();
                  movement = *std::move(appended);
                  return watch.Finish(stamp.at, sink);
                });
  if (!status.ok()) return status;
  return movement;
}

}  // namespace clinic::inventory
