// Stock moving between sites, recalls across the chain, and the traces that
// follow a lot to the clients it was used on.
#include <algorithm>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clinic/v1/clients.pb.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "common/storage/outbox.h"
#include "common/storage/paging.h"
#include "services/inventory/inventory_names.h"
#include "services/inventory/sqlite_store.h"

namespace clinic::inventory {
namespace {

using storage::Connection;

constexpr char kSendMethod[] = "clinic.v1.Inventory/SendTransfer";
constexpr char kReceiveMethod[] = "clinic.v1.Inventory/ReceiveTransfer";
constexpr char kRecallMethod[] = "clinic.v1.Inventory/RecallLot";

constexpr char kInsertTransferSql[] =
    "INSERT INTO transfers (transfer_id, from_site_id, to_site_id, state, send_ms, data) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kInsertTransferLineSql[] =
    "INSERT INTO transfer_lines (transfer_id, lot_id, quantity) VALUES (?, ?, ?)";
constexpr char kSelectTransferSql[] = "SELECT data FROM transfers WHERE transfer_id = ?";
constexpr char kUpdateTransferSql[] =
    "UPDATE transfers SET state = ?, data = ? WHERE transfer_id = ?";
// Newest first, leaving or reaching the site; cursor (send_ms, transfer_id).
constexpr char kListTransfersSql[] =
    "SELECT data, send_ms, transfer_id FROM transfers "
    "WHERE (from_site_id = ?1 OR to_site_id = ?1) AND (?2 = 0 OR state = ?2) "
    "AND (?3 = 0 OR (send_ms, transfer_id) < (?4, ?5)) "
    "ORDER BY send_ms DESC, transfer_id DESC LIMIT ?6";
constexpr char kUpdateLotRecallSql[] = "UPDATE lots SET recalled = 1, data = ? WHERE lot_id = ?";
constexpr char kStockOfLotSql[] =
    "SELECT site_id, usable, quarantined, recalled FROM stock WHERE lot_id = ? ORDER BY site_id";
constexpr char kInTransitOfLotSql[] =
    "SELECT t.to_site_id, SUM(l.quantity) FROM transfer_lines l "
    "JOIN transfers t ON t.transfer_id = l.transfer_id "
    "WHERE l.lot_id = ? AND t.state = ? GROUP BY t.to_site_id ORDER BY t.to_site_id";
constexpr char kConsumedOfLotSql[] =
    "SELECT COALESCE(-SUM(usable_change), 0) FROM movements WHERE lot_id = ? AND type = ?";
// Oldest first; cursor is the ledger sequence.
// Every use of a lot that names a client, for the recall notices.
constexpr char kClientUsesOfLotSql[] =
    "SELECT data FROM movements WHERE lot_id = ? AND type = ? AND client_id IS NOT NULL "
    "ORDER BY sequence";
constexpr char kTraceSql[] =
    "SELECT data, sequence FROM movements WHERE lot_id = ? AND type = ? AND sequence > ? "
    "ORDER BY sequence LIMIT ?";
// Newest first; cursor (create_ms, movement_id).
constexpr char kClientUsesSql[] =
    "SELECT data, create_ms, movement_id FROM movements WHERE client_id = ?1 "
    "AND (?2 = 0 OR (create_ms, movement_id) < (?3, ?4)) "
    "ORDER BY create_ms DESC, movement_id DESC LIMIT ?5";

absl::StatusOr<v1::Transfer> LoadTransfer(Connection& connection, const std::string& transfer_id) {
  SQLite::Statement& select = connection.Prepare(kSelectTransferSql);
  select.bind(1, transfer_id);
  if (!select.executeStep()) return ledger::NotFound(kTransferName.Format(transfer_id));
  v1::Transfer transfer;
  if (absl::Status s = storage::ParseStored(select.getColumn(0), transfer, "transfer"); !s.ok()) {
    return s;
  }
  select.reset();
  return transfer;
}

// What a recall trace shows of one consumption movement.
absl::StatusOr<v1::LotUse> UseOf(Connection& connection, const v1::Movement& movement) {
  v1::LotUse use;
  absl::StatusOr<ResourceName> name = kMovementName.Parse(movement.name(), "name");
  if (!name.ok()) return absl::DataLossError("a stored movement has a damaged name");
  use.set_site_id(name->id("site_id"));
  *use.mutable_consume_time() = movement.create_time();
  use.set_treatment_reference(movement.treatment_reference());
  use.set_client(movement.client());
  use.set_quantity(movement.quantity());
  use.set_lot(movement.lot());
  use.set_product(movement.product());
  use.set_movement(movement.name());
  absl::StatusOr<ResourceName> lot = kLotName.Parse(movement.lot(), "lot");
  if (!lot.ok()) return absl::DataLossError("a stored movement has a damaged lot name");
  absl::StatusOr<LotRow> row =
      ledger::LoadLot(connection, lot->id("product_id"), lot->id("lot_id"));
  if (!row.ok()) return row.status();
  use.set_lot_number(row->lot.lot_number());
  return use;
}

// Writes, in the recall's transaction, one notice for ClientRecords per use
// of the lot that names a client. Each carries a request id derived from the
// recall's and the use's, so however often it is delivered, the chart gets
// it once.
absl::Status EnqueueRecallNotices(Connection& connection, const v1::RecallLotRequest& request,
                                  const std::string& caller, const std::string& lot_id,
                                  const v1::Lot& lot, const Stamp& stamp) {
  std::vector<v1::Movement> uses;
  {
    SQLite::Statement& select = connection.Prepare(kClientUsesOfLotSql);
    select.bind(1, lot_id);
    select.bind(2, static_cast<int>(v1::MOVEMENT_TYPE_CONSUME));
    while (select.executeStep()) {
      v1::Movement movement;
      if (absl::Status s = storage::ParseStored(select.getColumn(0), movement, "movement");
          !s.ok()) {
        return s;
      }
      uses.push_back(std::move(movement));
    }
    select.reset();
  }
  for (const v1::Movement& movement : uses) {
    v1::RecordLotRecallRequest notice;
    notice.set_parent(movement.client());
    v1::LotRecallNotice& body = *notice.mutable_notice();
    body.set_lot(lot.name());
    body.set_lot_number(lot.lot_number());
    body.set_reason(request.reason());
    *body.mutable_recall_time() = lot.recall_time();
    body.set_treatment_reference(movement.treatment_reference());
    absl::StatusOr<ResourceName> name = kMovementName.Parse(movement.name(), "name");
    if (!name.ok()) return absl::DataLossError("a stored movement has a damaged name");
    body.set_site_id(name->id("site_id"));
    *body.mutable_consume_time() = movement.create_time();
    body.set_quantity(movement.quantity());
    notice.set_request_id(storage::DerivedRequestId(
        caller, absl::StrCat(request.request_id(), "\n", movement.name()), "recall-notice"));
    storage::OutboxEntry entry;
    entry.kind = kRecallNoticeOutboxKind;
    entry.subject = movement.name();
    entry.acting_for = stamp.by;
    entry.request_id = stamp.request_id;
    entry.payload = notice.SerializeAsString();
    entry.create_time = stamp.at;
    absl::StatusOr<int64_t> queued = storage::EnqueueOutbox(connection, entry);
    if (!queued.ok()) return queued.status();
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::Transfer> SqliteInventoryStore::SendTransfer(
    const v1::SendTransferRequest& request, const std::string& caller, const v1::Transfer& transfer,
    const std::vector<std::pair<std::string, std::string>>& lot_ids) {
  v1::Transfer sent;
  const int today = today_at_(transfer.from_site_id());
  absl::Status status = WriteOnce(
      kSendMethod, caller, request.request_id(), request, &sent,
      [&](Connection& connection, AlertSink& sink) -> absl::Status {
        sent = transfer;
        absl::StatusOr<ResourceName> name = kTransferName.Parse(sent.name(), "name");
        if (!name.ok()) return name.status();
        const std::string transfer_id = name->id("transfer_id");
        SQLite::Statement& insert = connection.Prepare(kInsertTransferSql);
        insert.bind(1, transfer_id);
        insert.bind(2, sent.from_site_id());
        insert.bind(3, sent.to_site_id());
        insert.bind(4, static_cast<int>(v1::TRANSFER_STATE_IN_TRANSIT));
        insert.bind(5, static_cast<int64_t>(TimestampToUnixMillis(sent.send_time())));
        LowStockWatch watch(connection, today);
        for (size_t i = 0; i < lot_ids.size(); ++i) {
          const auto& [product_id, lot_id] = lot_ids[i];
          absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, product_id, lot_id);
          if (!lot.ok()) return lot.status();
          // Only usable units travel: a recalled or expired unit is
          // disposed of where it is.
          if (lot->recalled || lot->expiry_day < today) {
            return ledger::Refused(
                lot->recalled ? "LOT_RECALLED" : "LOT_EXPIRED",
                absl::StrCat("transfer.lines[", i, "]: ", lot->lot.name(), " is ",
                             lot->recalled ? "recalled" : "expired", "; only usable units travel"));
          }
          sent.mutable_lines(static_cast<int>(i))->set_product(kProductName.Format(product_id));
          watch.Watch(sent.from_site_id(), product_id);
        }
        for (size_t i = 0; i < lot_ids.size(); ++i) {
          const auto& [product_id, lot_id] = lot_ids[i];
          absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, product_id, lot_id);
          if (!lot.ok()) return lot.status();
          const int64_t quantity = sent.lines(static_cast<int>(i)).quantity();
          MovementDraft draft;
          draft.site_id = sent.from_site_id();
          draft.lot = &*lot;
          draft.type = v1::MOVEMENT_TYPE_TRANSFER_OUT;
          draft.usable_change = -quantity;
          draft.quantity = quantity;
          *draft.details.mutable_create_time() = sent.send_time();
          draft.details.set_recorded_by(sent.sent_by());
          draft.details.set_transfer(sent.name());
          draft.details.set_note(sent.note());
          absl::StatusOr<v1::Movement> movement = ledger::Append(connection, draft);
          if (!movement.ok()) {
            return WithReason(absl::FailedPreconditionError(absl::StrCat(
                                  "transfer.lines[", i, "]: ", movement.status().message())),
                              "NOT_ENOUGH_STOCK", kDomain);
          }
        }
        sent.set_state(v1::TRANSFER_STATE_IN_TRANSIT);
        storage::BindBlob(insert, 6, sent.SerializeAsString());
        insert.exec();
        for (size_t i = 0; i < lot_ids.size(); ++i) {
          SQLite::Statement& line = connection.Prepare(kInsertTransferLineSql);
          line.bind(1, transfer_id);
          line.bind(2, lot_ids[i].second);
          line.bind(3, static_cast<int64_t>(sent.lines(static_cast<int>(i)).quantity()));
          line.exec();
        }
        return watch.Finish(FromTimestamp(sent.send_time()), sink);
      });
  if (!status.ok()) return status;
  return sent;
}

absl::StatusOr<v1::Transfer> SqliteInventoryStore::ReceiveTransfer(
    const v1::ReceiveTransferRequest& request, const std::string& caller,
    const std::string& transfer_id, const Stamp& stamp) {
  v1::Transfer transfer;
  absl::Status status = WriteOnce(
      kReceiveMethod, caller, request.request_id(), request, &transfer,
      [&](Connection& connection, AlertSink&) -> absl::Status {
        absl::StatusOr<v1::Transfer> loaded = LoadTransfer(connection, transfer_id);
        if (!loaded.ok()) return loaded.status();
        transfer = *std::move(loaded);
        if (transfer.to_site_id() != request.site_id()) {
          return InvalidField("site_id", absl::StrCat("is not the site ", transfer.name(),
                                                      " goes to (", transfer.to_site_id(), ")"));
        }
        if (transfer.state() != v1::TRANSFER_STATE_IN_TRANSIT) {
          return ledger::Refused("ALREADY_RECEIVED",
                                 absl::StrCat(transfer.name(), " was already received"));
        }
        for (const v1::TransferLine& line : transfer.lines()) {
          absl::StatusOr<ResourceName> name = kLotName.Parse(line.lot(), "lot");
          if (!name.ok()) return absl::DataLossError("a stored transfer has a damaged lot name");
          absl::StatusOr<LotRow> lot =
              ledger::LoadLot(connection, name->id("product_id"), name->id("lot_id"));
          if (!lot.ok()) return lot.status();
          MovementDraft draft;
          draft.site_id = transfer.to_site_id();
          draft.lot = &*lot;
          draft.type = v1::MOVEMENT_TYPE_TRANSFER_IN;
          // A lot recalled on the way arrives recalled, never usable.
          (lot->recalled ? draft.recalled_change : draft.usable_change) = line.quantity();
          draft.quantity = line.quantity();
          *draft.details.mutable_create_time() = ToTimestampMillis(stamp.at);
          draft.details.set_recorded_by(stamp.by);
          draft.details.set_transfer(transfer.name());
          absl::StatusOr<v1::Movement> movement = ledger::Append(connection, draft);
          if (!movement.ok()) return movement.status();
        }
        transfer.set_state(v1::TRANSFER_STATE_RECEIVED);
        transfer.set_received_by(stamp.by);
        *transfer.mutable_receive_time() = ToTimestampMillis(stamp.at);
        SQLite::Statement& update = connection.Prepare(kUpdateTransferSql);
        update.bind(1, static_cast<int>(transfer.state()));
        storage::BindBlob(update, 2, transfer.SerializeAsString());
        update.bind(3, transfer_id);
        update.exec();
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return transfer;
}

absl::StatusOr<v1::Transfer> SqliteInventoryStore::GetTransfer(const std::string& transfer_id) {
  v1::Transfer transfer;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<v1::Transfer> loaded = LoadTransfer(connection, transfer_id);
    if (!loaded.ok()) return loaded.status();
    transfer = *std::move(loaded);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return transfer;
}

absl::StatusOr<v1::ListTransfersResponse> SqliteInventoryStore::ListTransfers(
    const v1::ListTransfersRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListTransfers", request, kListPageSizes);
  if (!page.ok()) return page.status();
  storage::TimeIdCursor after;
  if (!page->first_page()) {
    absl::StatusOr<storage::TimeIdCursor> cursor = storage::ParseTimeIdCursor(*page);
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  v1::ListTransfersResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListTransfersSql);
    select.bind(1, request.site_id());
    select.bind(2, static_cast<int>(request.state()));
    select.bind(3, page->first_page() ? 0 : 1);
    select.bind(4, static_cast<int64_t>(after.unix_ms));
    select.bind(5, after.id);
    select.bind(6, page->fetch_limit());
    storage::PageBuilder builder(*page, page_budget_bytes_);
    while (select.executeStep()) {
      v1::Transfer transfer;
      if (absl::Status s = storage::ParseStored(select.getColumn(0), transfer, "transfer");
          !s.ok()) {
        return s;
      }
      storage::TimeIdCursor cursor{select.getColumn(1).getInt64(), select.getColumn(2).getString()};
      if (!builder.Offer(transfer, cursor.Format())) break;
      *response.add_transfers() = std::move(transfer);
    }
    select.reset();
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::Recall> SqliteInventoryStore::RecallLot(const v1::RecallLotRequest& request,
                                                           const std::string& caller,
                                                           const std::string& product_id,
                                                           const std::string& lot_id,
                                                           const Stamp& stamp) {
  v1::Recall recall;
  absl::Status status =
      WriteOnce(kRecallMethod, caller, request.request_id(), request, &recall,
                [&](Connection& connection, AlertSink& sink) -> absl::Status {
                  recall.Clear();
                  absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, product_id, lot_id);
                  if (!lot.ok()) return lot.status();
                  if (lot->recalled) {
                    return ledger::Refused("ALREADY_RECALLED",
                                           absl::StrCat(lot->lot.name(), " was already recalled"));
                  }
                  lot->lot.set_recall_state(v1::RECALL_STATE_RECALLED);
                  *lot->lot.mutable_recall_time() = ToTimestampMillis(stamp.at);
                  lot->lot.set_recall_reason(request.reason());
                  lot->lot.set_recalled_by(stamp.by);
                  {
                    SQLite::Statement& update = connection.Prepare(kUpdateLotRecallSql);
                    storage::BindBlob(update, 1, lot->lot.SerializeAsString());
                    update.bind(2, lot_id);
                    update.exec();
                  }
                  lot->recalled = true;
                  const std::string label = ledger::LotLabel(connection, *lot);
                  std::map<std::string, int64_t> alert_units;  // site -> units on hand or coming
                  std::vector<std::pair<std::string, v1::StockBalance>> holdings;
                  {
                    SQLite::Statement& select = connection.Prepare(kStockOfLotSql);
                    select.bind(1, lot_id);
                    while (select.executeStep()) {
                      v1::StockBalance balance;
                      balance.set_usable(select.getColumn(1).getInt64());
                      balance.set_quarantined(select.getColumn(2).getInt64());
                      balance.set_recalled(select.getColumn(3).getInt64());
                      holdings.emplace_back(select.getColumn(0).getString(), balance);
                    }
                    select.reset();
                  }
                  for (const auto& [site_id, balance] : holdings) {
                    const int64_t units = balance.usable() + balance.quarantined();
                    if (units == 0) continue;
                    MovementDraft draft;
                    draft.site_id = site_id;
                    draft.lot = &*lot;
                    draft.type = v1::MOVEMENT_TYPE_RECALL;
                    draft.usable_change = -balance.usable();
                    draft.quarantined_change = -balance.quarantined();
                    draft.recalled_change = units;
                    draft.quantity = units;
                    *draft.details.mutable_create_time() = ToTimestampMillis(stamp.at);
                    draft.details.set_recorded_by(stamp.by);
                    draft.details.set_note(request.reason());
                    absl::StatusOr<v1::Movement> movement = ledger::Append(connection, draft);
                    if (!movement.ok()) return movement.status();
                    v1::RecalledUnits& at = *recall.add_sites();
                    at.set_site_id(site_id);
                    at.set_quantity(units);
                    at.set_movement(movement->name());
                    alert_units[site_id] += units;
                  }
                  {
                    SQLite::Statement& select = connection.Prepare(kInTransitOfLotSql);
                    select.bind(1, lot_id);
                    select.bind(2, static_cast<int>(v1::TRANSFER_STATE_IN_TRANSIT));
                    while (select.executeStep()) {
                      const int64_t units = select.getColumn(1).getInt64();
                      recall.set_in_transit(recall.in_transit() + units);
                      alert_units[select.getColumn(0).getString()] += units;
                    }
                    select.reset();
                  }
                  {
                    SQLite::Statement& select = connection.Prepare(kConsumedOfLotSql);
                    select.bind(1, lot_id);
                    select.bind(2, static_cast<int>(v1::MOVEMENT_TYPE_CONSUME));
                    if (select.executeStep()) recall.set_consumed(select.getColumn(0).getInt64());
                    select.reset();
                  }
                  for (const auto& [site_id, units] : alert_units) {
                    v1::Alert alert;
                    alert.set_kind(v1::ALERT_KIND_RECALL);
                    *alert.mutable_create_time() = ToTimestampMillis(stamp.at);
                    alert.set_site_id(site_id);
                    alert.set_product(kProductName.Format(product_id));
                    alert.set_lot(lot->lot.name());
                    alert.set_quantity(units);
                    *alert.mutable_expiry_date() = lot->lot.expiry_date();
                    alert.set_message(absl::StrCat(
                        "Recalled: ", label, " (", units,
                        " units at or coming to this site): ", Quote(request.reason())));
                    if (absl::Status s = ledger::Raise(connection, alert, sink); !s.ok()) return s;
                  }
                  *recall.mutable_lot() = lot->lot;
                  return EnqueueRecallNotices(connection, request, caller, lot_id, lot->lot, stamp);
                });
  if (!status.ok()) return status;
  if (notices_ != nullptr) notices_->Wake();
  return recall;
}

void SqliteInventoryStore::StartNoticeDelivery(storage::OutboxWorker::Deliver deliver,
                                               storage::OutboxWorker::Retry retry) {
  notices_ = std::make_unique<storage::OutboxWorker>(*db_, std::move(deliver), retry);
}

void SqliteInventoryStore::StopNoticeDelivery() {
  if (notices_ != nullptr) notices_->Stop();
}

absl::StatusOr<int64_t> SqliteInventoryStore::UndeliveredNotices() {
  int64_t count = 0;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<int64_t> undelivered = storage::CountUndelivered(connection);
    if (!undelivered.ok()) return undelivered.status();
    count = *undelivered;
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return count;
}

absl::StatusOr<v1::TraceLotResponse> SqliteInventoryStore::TraceLot(
    const std::string& product_id, const std::string& lot_id, const v1::TraceLotRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "TraceLot", request, kTracePageSizes);
  if (!page.ok()) return page.status();
  int64_t after = 0;
  if (!page->first_page() && !absl::SimpleAtoi(page->cursor(), &after)) {
    return storage::BadPageToken();
  }
  v1::TraceLotResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<LotRow> lot = ledger::LoadLot(connection, product_id, lot_id);
    if (!lot.ok()) return lot.status();
    std::vector<std::pair<int64_t, v1::Movement>> rows;
    {
      SQLite::Statement& select = connection.Prepare(kTraceSql);
      select.bind(1, lot_id);
      select.bind(2, static_cast<int>(v1::MOVEMENT_TYPE_CONSUME));
      select.bind(3, static_cast<int64_t>(after));
      select.bind(4, page->fetch_limit());
      while (select.executeStep()) {
        v1::Movement movement;
        if (absl::Status s = storage::ParseStored(select.getColumn(0), movement, "movement");
            !s.ok()) {
          return s;
        }
        rows.emplace_back(select.getColumn(1).getInt64(), std::move(movement));
      }
      select.reset();
    }
    storage::PageBuilder builder(*page, page_budget_bytes_);
    for (const auto& [sequence, movement] : rows) {
      absl::StatusOr<v1::LotUse> use = UseOf(connection, movement);
      if (!use.ok()) return use.status();
      if (!builder.Offer(*use, absl::StrCat(sequence))) break;
      *response.add_uses() = *std::move(use);
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListClientConsumptionsResponse> SqliteInventoryStore::ListClientConsumptions(
    const std::string& client_id, const v1::ListClientConsumptionsRequest& request) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(tokens_, "ListClientConsumptions", request, kListPageSizes);
  if (!page.ok()) return page.status();
  storage::TimeIdCursor after;
  if (!page->first_page()) {
    absl::StatusOr<storage::TimeIdCursor> cursor = storage::ParseTimeIdCursor(*page);
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  v1::ListClientConsumptionsResponse response;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    std::vector<std::pair<std::string, v1::Movement>> rows;
    {
      SQLite::Statement& select = connection.Prepare(kClientUsesSql);
      select.bind(1, client_id);
      select.bind(2, page->first_page() ? 0 : 1);
      select.bind(3, static_cast<int64_t>(after.unix_ms));
      select.bind(4, after.id);
      select.bind(5, page->fetch_limit());
      while (select.executeStep()) {
        v1::Movement movement;
        if (absl::Status s = storage::ParseStored(select.getColumn(0), movement, "movement");
            !s.ok()) {
          return s;
        }
        storage::TimeIdCursor cursor{select.getColumn(1).getInt64(),
                                     select.getColumn(2).getString()};
        rows.emplace_back(cursor.Format(), std::move(movement));
      }
      select.reset();
    }
    storage::PageBuilder builder(*page, page_budget_bytes_);
    for (const auto& [cursor, movement] : rows) {
      absl::StatusOr<v1::LotUse> use = UseOf(connection, movement);
      if (!use.ok()) return use.status();
      if (!builder.Offer(*use, cursor)) break;
      *response.add_uses() = *std::move(use);
    }
    response.set_next_page_token(builder.next_page_token());
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return response;
}

}  // namespace clinic::inventory
