// The stock ledger's changes at one site: receipts, adjustments, quarantine,
// disposal and counts. Consumptions are in sqlite_consume.cc, transfers and
// recalls in sqlite_transfers.cc, what they all go through in
// sqlite_stock.cc.
#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

constexpr char kSelectLotByNumberSql[] =
    "SELECT lot_id FROM lots WHERE product_id = ? AND lot_number = ?";
constexpr char kInsertLotSql[] =
    "INSERT INTO lots (lot_id, product_id, lot_number, expiry_day, recalled, data) "
    "VALUES (?, ?, ?, ?, 0, ?)";

constexpr char kReceiveMethod[] = "clinic.v1.Inventory/ReceiveStock";
constexpr char kAdjustMethod[] = "clinic.v1.Inventory/AdjustStock";
constexpr char kQuarantineMethod[] = "clinic.v1.Inventory/QuarantineStock";
constexpr char kReleaseMethod[] = "clinic.v1.Inventory/ReleaseStock";
constexpr char kDisposeMethod[] = "clinic.v1.Inventory/DisposeStock";
constexpr char kCountMethod[] = "clinic.v1.Inventory/CountStock";

std::string DateText(const v1::Date& date) {
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

}  // namespace

absl::StatusOr<v1::Movement> SqliteInventoryStore::Receive(const v1::ReceiveStockRequest& request,
                                                           const std::string& caller,
                                                           const std::string& product_id,
                                                           const Stamp& stamp) {
  v1::Movement movement;
  absl::Status status = WriteOnce(
      kReceiveMethod, caller, request.request_id(), request, &movement,
      [&](Connection& connection, AlertSink& /*sink*/) -> absl::Status {
        absl::StatusOr<v1::Product> product = ledger::LoadProduct(connection, product_id);
        if (!product.ok()) return product.status();
        if (product->discontinued()) {
          return ledger::Refused("PRODUCT_DISCONTINUED",
                                 absl::StrCat(product->name(),
                                              " is discontinued; restore it "
                                              "(UpdateProduct) to receive it"));
        }
        std::string lot_id;
        {
          SQLite::Statement& select = connection.Prepare(kSelectLotByNumberSql);
          select.bind(1, product_id);
          select.bind(2, request.lot_number());
          if (select.executeStep()) lot_id = select.getColumn(0).getString();
          select.reset();
        }
        if (lot_id.empty()) {
          lot_id = storage::NewId();
          v1::Lot lot;
          lot.set_name(kLotName.Format(product_id, lot_id));
          lot.set_lot_number(request.lot_number());
          *lot.mutable_expiry_date() = request.expiry_date();
          lot.set_recall_state(v1::RECALL_STATE_NOT_RECALLED);
          *lot.mutable_create_time() = ToTimestampMillis(stamp.at);
          SQLite::Statement& insert = connection.Prepare(kInsertLotSql);
          insert.bind(1, lot_id);
          insert.bind(2, product_id);
          insert.bind(3, request.lot_number());
          insert.bind(4, DayNumber(request.expiry_date()));
          storage::BindBlob(insert, 5, lot.SerializeAsString());
          insert.exec();
        }
        absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, product_id, lot_id);
        if (!lot.ok()) return lot.status();
        if (lot->expiry_day != DayNumber(request.expiry_date())) {
          return ledger::Refused(
              "LOT_EXPIRY_MISMATCH",
              absl::StrCat("lot ", Quote(request.lot_number()), " of ", product->name(),
                           " was received before with expiry ", DateText(lot->lot.expiry_date()),
                           ", not ", DateText(request.expiry_date()),
                           "; check the box, or whether this is another product"));
        }
        if (lot->recalled) {
          return ledger::Refused("LOT_RECALLED",
                                 absl::StrCat("lot ", Quote(request.lot_number()), " of ",
                                              product->name(), " is recalled; do not accept it"));
        }
        MovementDraft draft;
        draft.site_id = request.site_id();
        draft.lot = &*lot;
        draft.type = v1::MOVEMENT_TYPE_RECEIVE;
        draft.usable_change = request.quantity();
        draft.quantity = request.quantity();
        *draft.details.mutable_create_time() = ToTimestampMillis(stamp.at);
        draft.details.set_recorded_by(stamp.by);
        draft.details.set_supplier(request.supplier());
        draft.details.set_delivery_note(request.delivery_note());
        absl::StatusOr<v1::Movement> appended = ledger::Append(connection, draft);
        if (!appended.ok()) return appended.status();
        movement = *std::move(appended);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return movement;
}

absl::StatusOr<v1::Movement> SqliteInventoryStore::Adjust(const v1::AdjustStockRequest& request,
                                                          const std::string& caller,
                                                          const std::string& product_id,
                                                          const std::string& lot_id,
                                                          const Stamp& stamp) {
  return MoveOne(
      kAdjustMethod, caller, request.request_id(), request, request.site_id(), product_id, lot_id,
      stamp, [&](const LotRow& lot, const v1::StockBalance&, int, MovementDraft& draft) {
        if (request.quantity_change() > 0 && lot.recalled) {
          return ledger::Refused("LOT_RECALLED", absl::StrCat(lot.lot.name(),
                                                              " is recalled; units found of it are "
                                                              "recalled units, not usable ones"));
        }
        draft.type = v1::MOVEMENT_TYPE_ADJUST;
        draft.usable_change = request.quantity_change();
        draft.quantity = request.quantity_change();
        draft.details.set_adjustment_reason(request.reason());
        draft.details.set_note(request.note());
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Movement> SqliteInventoryStore::Quarantine(
    const v1::QuarantineStockRequest& request, const std::string& caller,
    const std::string& product_id, const std::string& lot_id, const Stamp& stamp) {
  return MoveOne(kQuarantineMethod, caller, request.request_id(), request, request.site_id(),
                 product_id, lot_id, stamp,
                 [&](const LotRow&, const v1::StockBalance&, int, MovementDraft& draft) {
                   draft.type = v1::MOVEMENT_TYPE_QUARANTINE;
                   draft.usable_change = -request.quantity();
                   draft.quarantined_change = request.quantity();
                   draft.quantity = request.quantity();
                   draft.details.set_note(request.note());
                   return absl::OkStatus();
                 });
}

absl::StatusOr<v1::Movement> SqliteInventoryStore::Release(const v1::ReleaseStockRequest& request,
                                                           const std::string& caller,
                                                           const std::string& product_id,
                                                           const std::string& lot_id,
                                                           const Stamp& stamp) {
  return MoveOne(kReleaseMethod, caller, request.request_id(), request, request.site_id(),
                 product_id, lot_id, stamp,
                 [&](const LotRow& lot, const v1::StockBalance&, int, MovementDraft& draft) {
                   if (lot.recalled) {
                     return ledger::Refused(
                         "LOT_RECALLED",
                         absl::StrCat(lot.lot.name(), " was recalled; its units stay out of use"));
                   }
                   draft.type = v1::MOVEMENT_TYPE_RELEASE;
                   draft.usable_change = request.quantity();
                   draft.quarantined_change = -request.quantity();
                   draft.quantity = request.quantity();
                   draft.details.set_note(request.note());
                   return absl::OkStatus();
                 });
}

absl::StatusOr<v1::Movement> SqliteInventoryStore::Dispose(const v1::DisposeStockRequest& request,
                                                           const std::string& caller,
                                                           const std::string& product_id,
                                                           const std::string& lot_id,
                                                           const Stamp& stamp) {
  return MoveOne(
      kDisposeMethod, caller, request.request_id(), request, request.site_id(), product_id, lot_id,
      stamp,
      [&](const LotRow& lot, const v1::StockBalance& balance, int today, MovementDraft& draft) {
        draft.type = v1::MOVEMENT_TYPE_DISPOSE;
        draft.quantity = request.quantity();
        draft.details.set_note(request.note());
        if (lot.recalled) {
          draft.recalled_change = -request.quantity();
          return absl::OkStatus();
        }
        if (lot.expiry_day >= today) {
          return ledger::Refused(
              "NOT_DISPOSABLE",
              absl::StrCat(lot.lot.name(), " expires on ", DateText(lot.lot.expiry_date()),
                           " and is not recalled; record damaged units with AdjustStock"));
        }
        // Expired units: those on the shelf first, then those set aside.
        const int64_t from_usable = std::min<int64_t>(request.quantity(), balance.usable());
        draft.usable_change = -from_usable;
        draft.quarantined_change = -(request.quantity() - from_usable);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::StockCount> SqliteInventoryStore::Count(
    const v1::CountStockRequest& request, const std::string& caller,
    const std::vector<std::pair<std::string, std::string>>& lot_ids, const Stamp& stamp) {
  v1::StockCount count;
  const std::string& site_id = request.site_id();
  const int today = today_at_(site_id);
  absl::Status status =
      WriteOnce(kCountMethod, caller, request.request_id(), request, &count,
                [&](Connection& connection, AlertSink& sink) -> absl::Status {
                  count.Clear();
                  LowStockWatch watch(connection, today);
                  for (size_t i = 0; i < lot_ids.size(); ++i) {
                    const auto& [product_id, lot_id] = lot_ids[i];
                    absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, product_id, lot_id);
                    if (!lot.ok()) return lot.status();
                    const int64_t counted = request.counts(static_cast<int>(i)).counted_quantity();
                    const int64_t change =
                        counted - ledger::ReadBalance(connection, site_id, lot_id).usable();
                    if (change == 0) {
                      count.set_lots_matching(count.lots_matching() + 1);
                      continue;
                    }
                    if (change > 0 && lot->recalled) {
                      return ledger::Refused(
                          "LOT_RECALLED",
                          absl::StrCat("counts[", i, "]: ", lot->lot.name(),
                                       " is recalled; count its units apart from the usable ones"));
                    }
                    watch.Watch(site_id, product_id);
                    MovementDraft draft;
                    draft.site_id = site_id;
                    draft.lot = &*lot;
                    draft.type = v1::MOVEMENT_TYPE_ADJUST;
                    draft.usable_change = change;
                    draft.quantity = change;
                    *draft.details.mutable_create_time() = ToTimestampMillis(stamp.at);
                    draft.details.set_recorded_by(stamp.by);
                    draft.details.set_adjustment_reason(v1::ADJUSTMENT_REASON_COUNT_CORRECTION);
                    draft.details.set_note(request.note());
                    absl::StatusOr<v1::Movement> movement = ledger::Append(connection, draft);
                    if (!movement.ok()) return movement.status();
                    *count.add_adjustments() = *std::move(movement);
                  }
                  return watch.Finish(stamp.at, sink);
                });
  if (!status.ok()) return status;
  return count;
}

}  // namespace clinic::inventory
