// Consumptions: the units a treatment uses up, taken first-expiring first
// from the fitting usable lots at the site, or from the one lot the chair
// scanned. ConsumeStock consumes one thing; ConsumeTreatmentStock everything
// a treatment used, in one transaction, all or nothing.
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "services/inventory/inventory_names.h"
#include "services/inventory/sqlite_store.h"

namespace clinic::inventory {
namespace {

using storage::Connection;

constexpr char kSiteStockOfProductsSql[] =
    "SELECT s.lot_id, s.product_id, s.usable, s.quarantined, s.recalled, l.lot_number, "
    "l.recalled, l.data FROM stock s JOIN lots l ON l.lot_id = s.lot_id WHERE s.site_id = ?";
constexpr char kAllProductsSql[] = "SELECT product_id, data FROM products";
constexpr char kInsertConsumptionSql[] =
    "INSERT INTO consumptions (consumption_id, site_id, data) VALUES (?, ?, ?)";

constexpr char kConsumeMethod[] = "clinic.v1.Inventory/ConsumeStock";
constexpr char kConsumeTreatmentMethod[] = "clinic.v1.Inventory/ConsumeTreatmentStock";

// The products of the catalogue that fit `need`. The catalogue is small
// (hundreds), so fitting is decided in code, where it is unit-tested,
// rather than in SQL.
absl::StatusOr<std::set<std::string>> FittingProducts(Connection& connection, const Need& need) {
  std::set<std::string> fitting;
  if (!need.product_id.empty()) {
    absl::StatusOr<v1::Product> product = ledger::LoadProduct(connection, need.product_id);
    if (!product.ok()) return product.status();
    fitting.insert(need.product_id);
    return fitting;
  }
  SQLite::Statement& select = connection.Prepare(kAllProductsSql);
  while (select.executeStep()) {
    v1::Product product;
    if (absl::Status s = storage::ParseStored(select.getColumn(1), product, "product"); !s.ok()) {
      select.reset();
      return s;
    }
    const std::string product_id = select.getColumn(0).getString();
    if (Fits(product_id, product, need)) fitting.insert(product_id);
  }
  select.reset();
  return fitting;
}

// The scanned lot, refused when it may not be used today whatever the
// balance: recalled, expired, or of a product that does not fit.
absl::Status CheckNamedLot(Connection& connection, const ConsumeOrder& order,
                           const std::set<std::string>& fitting, int today) {
  absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, order.lot_product_id, order.lot_id);
  if (!lot.ok()) return lot.status();
  const std::string what =
      absl::StrCat("lot ", Quote(lot->lot.lot_number()), " (", lot->lot.name(), ")");
  if (fitting.count(order.lot_product_id) == 0) {
    return ledger::Refused(
        "LOT_DOES_NOT_FIT",
        absl::StrCat(what,
                     " is of a product that does not fit what is being consumed"
                     " (needles, needle length, insulation, device, or kind and category)"));
  }
  if (lot->recalled) {
    return ledger::Refused("LOT_RECALLED",
                           absl::StrCat(what,
                                        " is recalled: do not use it; set the box aside "
                                        "and take one of another lot"));
  }
  if (lot->expiry_day < today) {
    return ledger::Refused("LOT_EXPIRED", absl::StrCat(what,
                                                       " has expired: do not use it; "
                                                       "take one of another lot"));
  }
  return absl::OkStatus();
}

// The site's lots of the fitting products (or only the named lot).
absl::StatusOr<std::vector<LotStock>> SiteStock(Connection& connection, const std::string& site_id,
                                                const std::set<std::string>& fitting,
                                                const std::string& only_lot_id) {
  std::vector<LotStock> stock;
  SQLite::Statement& select = connection.Prepare(kSiteStockOfProductsSql);
  select.bind(1, site_id);
  while (select.executeStep()) {
    const std::string product_id = select.getColumn(1).getString();
    if (fitting.count(product_id) == 0) continue;
    LotStock lot;
    lot.lot_id = select.getColumn(0).getString();
    if (!only_lot_id.empty() && lot.lot_id != only_lot_id) continue;
    lot.product_id = product_id;
    lot.balance.set_usable(select.getColumn(2).getInt64());
    lot.balance.set_quarantined(select.getColumn(3).getInt64());
    lot.balance.set_recalled(select.getColumn(4).getInt64());
    lot.lot_number = select.getColumn(5).getString();
    lot.lot_recalled = select.getColumn(6).getInt() != 0;
    v1::Lot stored;
    if (absl::Status s = storage::ParseStored(select.getColumn(7), stored, "lot"); !s.ok()) {
      select.reset();
      return s;
    }
    lot.expiry_date = stored.expiry_date();
    stock.push_back(std::move(lot));
  }
  select.reset();
  return stock;
}

// `status` with `prefix` before its message, its code and details kept, so
// a refusal of one use of many says which one without losing its reason.
absl::Status Prefixed(const absl::Status& status, absl::string_view prefix) {
  absl::Status prefixed(status.code(), absl::StrCat(prefix, status.message()));
  status.ForEachPayload(
      [&](absl::string_view url, const absl::Cord& payload) { prefixed.SetPayload(url, payload); });
  return prefixed;
}

}  // namespace

absl::StatusOr<v1::Consumption> SqliteInventoryStore::ConsumeIn(Connection& connection,
                                                                LowStockWatch& watch,
                                                                const std::string& site_id,
                                                                int today,
                                                                const ConsumeOrder& order) {
  absl::StatusOr<std::set<std::string>> fitting = FittingProducts(connection, order.need);
  if (!fitting.ok()) return fitting.status();
  if (fitting->empty()) {
    return ledger::Refused("NO_PRODUCT_FITS",
                           "no product of the catalogue fits the requirement"
                           " (needles, needle length, insulation, device, or kind and "
                           "category); add one with CreateProduct");
  }
  if (!order.lot_id.empty()) {
    if (absl::Status s = CheckNamedLot(connection, order, *fitting, today); !s.ok()) return s;
  }
  absl::StatusOr<std::vector<LotStock>> stock =
      SiteStock(connection, site_id, *fitting, order.lot_id);
  if (!stock.ok()) return stock.status();
  absl::StatusOr<std::vector<Take>> takes =
      AllocateFirstExpiring(*std::move(stock), order.quantity, today, site_id, kDomain);
  if (!takes.ok()) return takes.status();
  for (const Take& take : *takes) watch.Watch(site_id, take.lot.product_id);
  v1::Consumption consumption = order.consumption;
  for (const Take& take : *takes) {
    absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, take.lot.product_id, take.lot.lot_id);
    if (!lot.ok()) return lot.status();
    MovementDraft draft;
    draft.site_id = site_id;
    draft.lot = &*lot;
    draft.type = v1::MOVEMENT_TYPE_CONSUME;
    draft.usable_change = -take.quantity;
    draft.quantity = take.quantity;
    *draft.details.mutable_create_time() = consumption.create_time();
    draft.details.set_recorded_by(consumption.recorded_by());
    draft.details.set_treatment_reference(consumption.treatment_reference());
    draft.details.set_client(consumption.client());
    draft.details.set_consumption(consumption.name());
    absl::StatusOr<v1::Movement> movement = ledger::Append(connection, draft);
    if (!movement.ok()) return movement.status();
    v1::Allocation& allocation = *consumption.add_allocations();
    allocation.set_product(movement->product());
    allocation.set_lot(movement->lot());
    allocation.set_lot_number(take.lot.lot_number);
    *allocation.mutable_expiry_date() = take.lot.expiry_date;
    allocation.set_quantity(take.quantity);
    allocation.set_movement(movement->name());
    consumption.set_quantity(consumption.quantity() + take.quantity);
  }
  absl::StatusOr<ResourceName> name = kConsumptionName.Parse(consumption.name(), "name");
  if (!name.ok()) return name.status();
  SQLite::Statement& insert = connection.Prepare(kInsertConsumptionSql);
  insert.bind(1, name->id("consumption_id"));
  insert.bind(2, site_id);
  storage::BindBlob(insert, 3, consumption.SerializeAsString());
  insert.exec();
  return consumption;
}

absl::StatusOr<v1::Consumption> SqliteInventoryStore::Consume(
    const v1::ConsumeStockRequest& request, const std::string& caller, const ConsumeOrder& order) {
  v1::Consumption consumption;
  const std::string& site_id = request.site_id();
  const int today = today_at_(site_id);
  absl::Status status =
      WriteOnce(kConsumeMethod, caller, request.request_id(), request, &consumption,
                [&](Connection& connection, AlertSink& sink) -> absl::Status {
                  LowStockWatch watch(connection, today);
                  absl::StatusOr<v1::Consumption> consumed =
                      ConsumeIn(connection, watch, site_id, today, order);
                  if (!consumed.ok()) return consumed.status();
                  consumption = *std::move(consumed);
                  return watch.Finish(FromTimestamp(consumption.create_time()), sink);
                });
  if (!status.ok()) return status;
  return consumption;
}

absl::StatusOr<v1::TreatmentConsumption> SqliteInventoryStore::ConsumeForTreatment(
    const v1::ConsumeTreatmentStockRequest& request, const std::string& caller,
    const std::vector<ConsumeOrder>& orders) {
  v1::TreatmentConsumption answer;
  const std::string& site_id = request.site_id();
  const int today = today_at_(site_id);
  absl::Status status =
      WriteOnce(kConsumeTreatmentMethod, caller, request.request_id(), request, &answer,
                [&](Connection& connection, AlertSink& sink) -> absl::Status {
                  LowStockWatch watch(connection, today);
                  for (size_t i = 0; i < orders.size(); ++i) {
                    absl::StatusOr<v1::Consumption> consumed =
                        ConsumeIn(connection, watch, site_id, today, orders[i]);
                    // The transaction is rolled back on any refusal, so an earlier
                    // use's units go back with it: all or nothing.
                    if (!consumed.ok())
                      return Prefixed(consumed.status(), absl::StrCat("uses[", i, "]: "));
                    *answer.add_consumptions() = *std::move(consumed);
                  }
                  return watch.Finish(FromTimestamp(answer.consumptions(0).create_time()), sink);
                });
  if (!status.ok()) return status;
  return answer;
}

}  // namespace clinic::inventory
