// Inventory's recall, trace and view RPCs: what the ledger says, across
// sites and for one client.
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "services/inventory/inventory_names.h"
#include "services/inventory/inventory_service.h"
#include "services/inventory/inventory_validation.h"

namespace clinic::inventory {
namespace {

constexpr size_t kMaxReasonChars = 500;
constexpr int kMaxExpiringDays = 730;

}  // namespace

absl::Status InventoryService::RecallLot(const server::Call& call,
                                         const v1::RecallLotRequest& request,
                                         v1::Recall& response) {
  std::string product_id, lot_id;
  if (absl::Status s = ParseLot(request.name(), "name", product_id, lot_id); !s.ok()) return s;
  std::vector<FieldViolation> violations;
  ValidateText(request.reason(), "reason", /*required=*/true, kMaxReasonChars, violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  if (absl::Status s = storage::ValidateRequestId(request.request_id(), /*required=*/true);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<v1::Recall> recall =
      store_->RecallLot(request, call.request_scope(), product_id, lot_id,
                        Stamp{call.principal(), absl::Now(), call.request_id()});
  if (recall.ok()) response = *std::move(recall);
  return recall.status();
}

absl::Status InventoryService::TraceLot(const server::Call& /*call*/,
                                        const v1::TraceLotRequest& request,
                                        v1::TraceLotResponse& response) {
  std::string product_id, lot_id;
  if (absl::Status s = ParseLot(request.name(), "name", product_id, lot_id); !s.ok()) return s;
  absl::StatusOr<v1::TraceLotResponse> trace = store_->TraceLot(product_id, lot_id, request);
  if (trace.ok()) response = *std::move(trace);
  return trace.status();
}

absl::Status InventoryService::ListClientConsumptions(
    const server::Call& /*call*/, const v1::ListClientConsumptionsRequest& request,
    v1::ListClientConsumptionsResponse& response) {
  absl::StatusOr<ResourceName> client = kClientName.Parse(request.client(), "client");
  if (!client.ok()) return client.status();
  absl::StatusOr<v1::ListClientConsumptionsResponse> uses =
      store_->ListClientConsumptions(client->id("client_id"), request);
  if (uses.ok()) response = *std::move(uses);
  return uses.status();
}

absl::Status InventoryService::GetMovement(const server::Call& /*call*/,
                                           const v1::GetMovementRequest& request,
                                           v1::Movement& response) {
  absl::StatusOr<ResourceName> name = kMovementName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::Movement> movement =
      store_->GetMovement(name->id("site_id"), name->id("movement_id"));
  if (movement.ok()) response = *std::move(movement);
  return movement.status();
}

absl::Status InventoryService::ListMovements(const server::Call& /*call*/,
                                             const v1::ListMovementsRequest& request,
                                             v1::ListMovementsResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  MovementFilter filter;
  if (!request.product().empty()) {
    absl::StatusOr<ResourceName> product = kProductName.Parse(request.product(), "product");
    if (product.ok()) {
      filter.product_id = product->id("product_id");
    } else {
      for (FieldViolation& v : GetFieldViolations(product.status())) violations.push_back(v);
    }
  }
  if (!request.lot().empty()) {
    absl::StatusOr<ResourceName> lot = kLotName.Parse(request.lot(), "lot");
    if (lot.ok()) {
      filter.lot_id = lot->id("lot_id");
    } else {
      for (FieldViolation& v : GetFieldViolations(lot.status())) violations.push_back(v);
    }
  }
  if (!v1::MovementType_IsValid(request.type())) {
    violations.push_back({"type", absl::StrCat(request.type(), " is not a movement type")});
  }
  filter.type = request.type();
  if (request.has_start_time()) {
    CheckTimestamp(request.start_time(), "start_time", violations);
    filter.start_ms = TimestampToUnixMillis(request.start_time());
  }
  if (request.has_end_time()) {
    CheckTimestamp(request.end_time(), "end_time", violations);
    filter.end_ms = TimestampToUnixMillis(request.end_time());
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ListMovementsResponse> listed = store_->ListMovements(request, filter);
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

absl::Status InventoryService::ListStock(const server::Call& /*call*/,
                                         const v1::ListStockRequest& request,
                                         v1::ListStockResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/false, violations);
  std::string product_id;
  if (!request.product().empty()) {
    absl::StatusOr<ResourceName> product = kProductName.Parse(request.product(), "product");
    if (product.ok()) {
      product_id = product->id("product_id");
    } else {
      for (FieldViolation& v : GetFieldViolations(product.status())) violations.push_back(v);
    }
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ListStockResponse> listed = store_->ListStock(request, product_id);
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

absl::Status InventoryService::SetReorderPoint(const server::Call& /*call*/,
                                               const v1::SetReorderPointRequest& request,
                                               v1::ReorderPoint& response) {
  const v1::ReorderPoint& point = request.reorder_point();
  std::vector<FieldViolation> violations;
  sites_.CheckSite(point.site_id(), "reorder_point.site_id", /*required=*/true, violations);
  absl::StatusOr<ResourceName> product =
      kProductName.Parse(point.product(), "reorder_point.product");
  if (!product.ok()) {
    for (FieldViolation& v : GetFieldViolations(product.status())) violations.push_back(v);
  }
  CheckUnits(point.reorder_point(), 0, "reorder_point.reorder_point", violations);
  CheckUnits(point.reorder_quantity(), 0, "reorder_point.reorder_quantity", violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  v1::ReorderPoint stored;
  stored.set_site_id(point.site_id());
  stored.set_product(point.product());
  stored.set_reorder_point(point.reorder_point());
  stored.set_reorder_quantity(point.reorder_quantity());
  absl::StatusOr<v1::ReorderPoint> set =
      store_->SetReorderPoint(stored, product->id("product_id"), absl::Now());
  if (set.ok()) response = *std::move(set);
  return set.status();
}

absl::Status InventoryService::ListLowStock(const server::Call& /*call*/,
                                            const v1::ListLowStockRequest& request,
                                            v1::ListLowStockResponse& response) {
  if (absl::Status s = sites_.CheckSite(request.site_id(), "site_id", /*required=*/false);
      !s.ok()) {
    return s;
  }
  absl::StatusOr<v1::ListLowStockResponse> listed = store_->ListLowStock(request.site_id());
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

absl::Status InventoryService::ListExpiringStock(const server::Call& /*call*/,
                                                 const v1::ListExpiringStockRequest& request,
                                                 v1::ListExpiringStockResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/false, violations);
  if (request.within_days() < 0 || request.within_days() > kMaxExpiringDays) {
    violations.push_back({"within_days", absl::StrCat("must be 0 to ", kMaxExpiringDays, "; got ",
                                                      request.within_days())});
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ListExpiringStockResponse> listed =
      store_->ListExpiringStock(request, ExpiringThrough(request.site_id(), request.within_days()));
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

absl::StatusOr<server::EventStream<v1::Alert>> InventoryService::WatchAlerts(
    const server::Call& /*call*/, const v1::WatchAlertsRequest& request) {
  if (absl::Status s = sites_.CheckSite(request.site_id(), "site_id", /*required=*/false);
      !s.ok()) {
    return s;
  }
  if (request.after_event_id() < 0) {
    return InvalidField("after_event_id",
                        "must be an event id received before, or 0 for new alerts only");
  }
  absl::StatusOr<int64_t> latest = store_->LatestAlertId();
  if (!latest.ok()) return latest.status();
  if (request.after_event_id() > *latest) {
    return WithReason(
        absl::OutOfRangeError(absl::StrCat(
            "after_event_id: ", request.after_event_id(), " is beyond the newest alert (", *latest,
            "); it comes from another deployment or from before a restore")),
        "EVENT_ID_UNKNOWN", "clinic.v1.Inventory");
  }
  server::EventStream<v1::Alert> stream;
  stream.feed = &alerts_;
  stream.after = request.after_event_id() == 0 ? *latest : request.after_event_id();
  InventoryStore* store = store_.get();
  stream.read = [store, site_id = request.site_id()](
                    int64_t after, int max) -> absl::StatusOr<server::EventBatch<v1::Alert>> {
    absl::StatusOr<AlertPage> page = store->AlertsAfter(site_id, after, max);
    if (!page.ok()) return page.status();
    server::EventBatch<v1::Alert> batch;
    batch.messages = std::move(page->alerts);
    batch.position = page->position;
    return batch;
  };
  return stream;
}

}  // namespace clinic::inventory
