// Inventory's ledger RPCs: receipts, adjustments, quarantine, disposal,
// counts and transfers (consumptions are in consume_service.cc). Each checks its request,
// resolves names, and hands the store one change to make in one
// transaction.
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/definition/definition_wording.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "services/inventory/inventory_names.h"
#include "services/inventory/inventory_service.h"
#include "services/inventory/inventory_validation.h"

namespace clinic::inventory {
namespace {

constexpr absl::string_view kDomain = "clinic.v1.Inventory";
constexpr size_t kMaxNoteChars = 500;
constexpr size_t kMaxSupplierChars = 200;
constexpr size_t kMaxDeliveryNoteChars = 100;
constexpr int kMaxCountedLots = 500;
constexpr int kMaxTransferLines = 100;

// The lot name at `field`, as its two ids; a violation otherwise.
bool LotIds(const std::string& lot, const std::string& field, std::string& product_id,
            std::string& lot_id, std::vector<FieldViolation>& out) {
  absl::StatusOr<ResourceName> name = kLotName.Parse(lot, field);
  if (!name.ok()) {
    for (FieldViolation& v : GetFieldViolations(name.status())) out.push_back(std::move(v));
    return false;
  }
  product_id = name->id("product_id");
  lot_id = name->id("lot_id");
  return true;
}

Stamp StampOf(const server::Call& call) {
  return Stamp{call.principal(), absl::Now(), call.request_id()};
}

// The fields QuarantineStock, ReleaseStock and DisposeStock share: the
// site, the lot (as its two ids), the units, the note and the request id.
template <typename Request>
absl::Status CheckLotMovement(const config::Sites& sites, const Request& request,
                              bool note_required, std::string& product_id, std::string& lot_id) {
  std::vector<FieldViolation> violations;
  sites.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  LotIds(request.lot(), "lot", product_id, lot_id, violations);
  CheckUnits(request.quantity(), 1, "quantity", violations);
  ValidateText(request.note(), "note", note_required, kMaxNoteChars, violations);
  storage::CheckRequestId(request.request_id(), violations);
  return Violations(violations);
}

// The handler's answer: the store's result as the response, or its error.
template <typename Response>
absl::Status Answer(absl::StatusOr<Response> result, Response& response) {
  if (result.ok()) response = *std::move(result);
  return result.status();
}

}  // namespace

absl::Status InventoryService::ReceiveStock(const server::Call& call,
                                            const v1::ReceiveStockRequest& request,
                                            v1::Movement& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  absl::StatusOr<ResourceName> product = kProductName.Parse(request.product(), "product");
  if (!product.ok()) {
    for (FieldViolation& v : GetFieldViolations(product.status())) violations.push_back(v);
  }
  CheckLotNumber(request.lot_number(), "lot_number", violations);
  if (!request.has_expiry_date()) {
    violations.push_back({"expiry_date", "is required: the expiry printed on the box"});
  } else {
    const size_t before = violations.size();
    CheckDate(request.expiry_date(), "expiry_date", violations);
    if (violations.size() == before && sites_.Contains(request.site_id()) &&
        DayNumber(request.expiry_date()) < TodayAt(sites_, request.site_id(), absl::Now())) {
      violations.push_back(
          {"expiry_date", "is in the past at the site: expired units are never received"});
    }
  }
  CheckUnits(request.quantity(), 1, "quantity", violations);
  ValidateText(request.supplier(), "supplier", /*required=*/true, kMaxSupplierChars, violations);
  ValidateText(request.delivery_note(), "delivery_note", /*required=*/false, kMaxDeliveryNoteChars,
               violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Movement> movement =
      store_->Receive(request, call.request_scope(), product->id("product_id"), StampOf(call));
  if (!movement.ok()) return movement.status();
  response = *std::move(movement);
  // A lot received close to its expiry is worth a warning at once.
  RaiseExpiryAlerts();
  return absl::OkStatus();
}

absl::Status InventoryService::AdjustStock(const server::Call& call,
                                           const v1::AdjustStockRequest& request,
                                           v1::Movement& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  std::string product_id, lot_id;
  LotIds(request.lot(), "lot", product_id, lot_id, violations);
  if (request.quantity_change() == 0 || request.quantity_change() < -kMaxUnits ||
      request.quantity_change() > kMaxUnits) {
    violations.push_back(
        {"quantity_change", absl::StrCat("must be -", kMaxUnits, " to ", kMaxUnits,
                                         " and not 0; got ", request.quantity_change())});
  }
  if (request.reason() == v1::ADJUSTMENT_REASON_UNSPECIFIED ||
      !v1::AdjustmentReason_IsValid(request.reason())) {
    violations.push_back({"reason", "is required: one of the ADJUSTMENT_REASON_ values"});
  } else if (request.reason() == v1::ADJUSTMENT_REASON_FOUND && request.quantity_change() < 0) {
    violations.push_back({"reason", "FOUND adds units; use DAMAGED or OTHER to remove them"});
  } else if (request.reason() == v1::ADJUSTMENT_REASON_DAMAGED && request.quantity_change() > 0) {
    violations.push_back({"reason", "DAMAGED removes units; use FOUND to add them"});
  }
  ValidateText(request.note(), "note", request.reason() == v1::ADJUSTMENT_REASON_OTHER,
               kMaxNoteChars, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Movement> movement =
      store_->Adjust(request, call.request_scope(), product_id, lot_id, StampOf(call));
  if (movement.ok()) response = *std::move(movement);
  return movement.status();
}

absl::Status InventoryService::QuarantineStock(const server::Call& call,
                                               const v1::QuarantineStockRequest& request,
                                               v1::Movement& response) {
  std::string product_id, lot_id;
  if (absl::Status s =
          CheckLotMovement(sites_, request, /*note_required=*/true, product_id, lot_id);
      !s.ok()) {
    return s;
  }
  return Answer(
      store_->Quarantine(request, call.request_scope(), product_id, lot_id, StampOf(call)),
      response);
}

absl::Status InventoryService::ReleaseStock(const server::Call& call,
                                            const v1::ReleaseStockRequest& request,
                                            v1::Movement& response) {
  std::string product_id, lot_id;
  if (absl::Status s =
          CheckLotMovement(sites_, request, /*note_required=*/true, product_id, lot_id);
      !s.ok()) {
    return s;
  }
  return Answer(store_->Release(request, call.request_scope(), product_id, lot_id, StampOf(call)),
                response);
}

absl::Status InventoryService::DisposeStock(const server::Call& call,
                                            const v1::DisposeStockRequest& request,
                                            v1::Movement& response) {
  std::string product_id, lot_id;
  if (absl::Status s =
          CheckLotMovement(sites_, request, /*note_required=*/false, product_id, lot_id);
      !s.ok()) {
    return s;
  }
  return Answer(store_->Dispose(request, call.request_scope(), product_id, lot_id, StampOf(call)),
                response);
}

absl::Status InventoryService::CountStock(const server::Call& call,
                                          const v1::CountStockRequest& request,
                                          v1::StockCount& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  ValidateText(request.note(), "note", /*required=*/false, kMaxNoteChars, violations);
  storage::CheckRequestId(request.request_id(), violations);
  std::vector<std::pair<std::string, std::string>> lot_ids;
  if (request.counts().empty() || request.counts_size() > kMaxCountedLots) {
    violations.push_back({"counts", absl::StrCat("must list 1 to ", kMaxCountedLots, " lots; got ",
                                                 request.counts_size())});
  } else {
    std::set<std::string> seen;
    for (int i = 0; i < request.counts_size(); ++i) {
      const v1::CountedLot& counted = request.counts(i);
      const std::string path = absl::StrCat("counts[", i, "]");
      std::string product_id, lot_id;
      if (LotIds(counted.lot(), path + ".lot", product_id, lot_id, violations) &&
          !seen.insert(lot_id).second) {
        violations.push_back({path + ".lot", "is counted twice"});
      }
      CheckUnits(counted.counted_quantity(), 0, path + ".counted_quantity", violations);
      lot_ids.emplace_back(product_id, lot_id);
    }
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::StockCount> count =
      store_->Count(request, call.request_scope(), lot_ids, StampOf(call));
  if (count.ok()) response = *std::move(count);
  return count.status();
}

absl::Status InventoryService::SendTransfer(const server::Call& call,
                                            const v1::SendTransferRequest& request,
                                            v1::Transfer& response) {
  const v1::Transfer& asked = request.transfer();
  std::vector<FieldViolation> violations;
  sites_.CheckSite(asked.from_site_id(), "transfer.from_site_id", /*required=*/true, violations);
  sites_.CheckSite(asked.to_site_id(), "transfer.to_site_id", /*required=*/true, violations);
  if (!asked.to_site_id().empty() && asked.to_site_id() == asked.from_site_id()) {
    violations.push_back(
        {"transfer.to_site_id", "is the sending site: a transfer joins two sites"});
  }
  ValidateText(asked.note(), "transfer.note", /*required=*/false, kMaxNoteChars, violations);
  storage::CheckRequestId(request.request_id(), violations);
  std::vector<std::pair<std::string, std::string>> lot_ids;
  if (asked.lines().empty() || asked.lines_size() > kMaxTransferLines) {
    violations.push_back({"transfer.lines", absl::StrCat("must hold 1 to ", kMaxTransferLines,
                                                         " lines; got ", asked.lines_size())});
  } else {
    std::set<std::string> seen;
    for (int i = 0; i < asked.lines_size(); ++i) {
      const std::string path = absl::StrCat("transfer.lines[", i, "]");
      std::string product_id, lot_id;
      if (LotIds(asked.lines(i).lot(), path + ".lot", product_id, lot_id, violations) &&
          !seen.insert(lot_id).second) {
        violations.push_back({path + ".lot", "is listed twice"});
      }
      CheckUnits(asked.lines(i).quantity(), 1, path + ".quantity", violations);
      lot_ids.emplace_back(product_id, lot_id);
    }
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  v1::Transfer transfer;
  transfer.set_name(kTransferName.Format(storage::NewId()));
  transfer.set_from_site_id(asked.from_site_id());
  transfer.set_to_site_id(asked.to_site_id());
  for (const v1::TransferLine& line : asked.lines()) {
    v1::TransferLine& copy = *transfer.add_lines();
    copy.set_lot(line.lot());
    copy.set_quantity(line.quantity());
  }
  transfer.set_note(asked.note());
  transfer.set_sent_by(call.principal());
  *transfer.mutable_send_time() = ToTimestampMillis(absl::Now());
  absl::StatusOr<v1::Transfer> sent =
      store_->SendTransfer(request, call.request_scope(), transfer, lot_ids);
  if (sent.ok()) response = *std::move(sent);
  return sent.status();
}

absl::Status InventoryService::ReceiveTransfer(const server::Call& call,
                                               const v1::ReceiveTransferRequest& request,
                                               v1::Transfer& response) {
  std::vector<FieldViolation> violations;
  absl::StatusOr<ResourceName> name = kTransferName.Parse(request.name(), "name");
  if (!name.ok()) {
    for (FieldViolation& v : GetFieldViolations(name.status())) violations.push_back(v);
  }
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Transfer> received = store_->ReceiveTransfer(
      request, call.request_scope(), name->id("transfer_id"), StampOf(call));
  if (received.ok()) response = *std::move(received);
  return received.status();
}

absl::Status InventoryService::GetTransfer(const server::Call& /*call*/,
                                           const v1::GetTransferRequest& request,
                                           v1::Transfer& response) {
  absl::StatusOr<ResourceName> name = kTransferName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::Transfer> transfer = store_->GetTransfer(name->id("transfer_id"));
  if (transfer.ok()) response = *std::move(transfer);
  return transfer.status();
}

absl::Status InventoryService::ListTransfers(const server::Call& /*call*/,
                                             const v1::ListTransfersRequest& request,
                                             v1::ListTransfersResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  if (!v1::TransferState_IsValid(request.state())) {
    violations.push_back({"state", absl::StrCat(request.state(), " is not a transfer state")});
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ListTransfersResponse> listed = store_->ListTransfers(request);
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

}  // namespace clinic::inventory
