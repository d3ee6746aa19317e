// The Inventory store: every read and write of products, lots, the stock
// ledger, transfers, reorder points and alerts, behind an interface like
// every service's store. The service validates requests and resolves what
// they ask for (the requirement a consumption fits, the names, the author
// and time); the store runs each change in one transaction, keeps the
// running balances and the ledger in step, never lets a balance go below
// zero, enforces etags and request ids, raises the alerts a change causes,
// and pages. Only the service calls it.
#ifndef CLINIC_SERVICES_INVENTORY_INVENTORY_STORE_H_
#define CLINIC_SERVICES_INVENTORY_INVENTORY_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clinic/v1/inventory.pb.h"
#include "common/storage/outbox_worker.h"
#include "services/inventory/allocation.h"

namespace clinic::inventory {

// Who makes a change, and when. Every write takes one.
struct Stamp {
  // The principal recorded as author (server::Call::principal).
  std::string by;
  absl::Time at;
  // The call's x-request-id (server::Call::request_id), carried by the work
  // it hands to other services so their audit trails follow the same id.
  std::string request_id;
};

// Today at a site, as yyyymmdd (core/time.h DayNumber): units are usable
// through their expiry day in the site's time zone.
using TodayAt = std::function<int(absl::string_view site_id)>;

// A day (yyyymmdd) for each site a view covers, e.g. the last expiry day a
// lot may have to count as expiring soon there. Sites left out are not
// covered.
using DayBySite = std::map<std::string, int>;

// Applies an update to the product as stored; `ever_received` tells whether
// any unit of it was received. Returns non-OK to refuse.
using ProductUpdate = std::function<absl::Status(v1::Product& product, bool ever_received)>;

// What a consumption is for, checked and resolved by the service.
struct ConsumeOrder {
  Need need;
  int64_t quantity = 0;
  // The lot to take the units from (both ids), or empty for the
  // first-expiring usable lots.
  std::string lot_product_id;
  std::string lot_id;
  // The answer's fields that do not come from the allocation: name,
  // requirement, definition_version, lot_required, treatment_reference,
  // client, create_time, recorded_by.
  v1::Consumption consumption;
};

// What one read of the alerts found.
struct AlertPage {
  std::vector<v1::Alert> alerts;
  // The event id the next read starts after.
  int64_t position = 0;
};

// Filters of ListMovements, checked by the service.
struct MovementFilter {
  std::string product_id;
  std::string lot_id;
  v1::MovementType type = v1::MOVEMENT_TYPE_UNSPECIFIED;
  // Unix milliseconds; 0: unbounded.
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

class InventoryStore {
 public:
  virtual ~InventoryStore() = default;

  // Every write that takes a request_id also takes `caller`, the scope of
  // that id (server::Call::request_scope).

  // Products. `product` has its name, times and etag set by the service.
  virtual absl::StatusOr<v1::Product> CreateProduct(const v1::CreateProductRequest& request,
                                                    const std::string& caller,
                                                    const v1::Product& product) = 0;
  virtual absl::StatusOr<v1::Product> GetProduct(const std::string& product_id) = 0;
  // Reads the product, checks `etag`, runs `update` and stores the result
  // with a new revision, in one transaction.
  virtual absl::StatusOr<v1::Product> UpdateProduct(const std::string& product_id,
                                                    const std::string& etag, absl::Time now,
                                                    const ProductUpdate& update) = 0;
  virtual absl::StatusOr<v1::ListProductsResponse> ListProducts(
      const v1::ListProductsRequest& request) = 0;

  // Lots.
  virtual absl::StatusOr<v1::Lot> GetLot(const std::string& product_id,
                                         const std::string& lot_id) = 0;
  virtual absl::StatusOr<v1::ListLotsResponse> ListLots(const std::string& product_id,
                                                        const v1::ListLotsRequest& request) = 0;

  // The ledger. Each is one transaction, idempotent by request id.
  virtual absl::StatusOr<v1::Movement> Receive(const v1::ReceiveStockRequest& request,
                                               const std::string& caller,
                                               const std::string& product_id,
                                               const Stamp& stamp) = 0;
  virtual absl::StatusOr<v1::Consumption> Consume(const v1::ConsumeStockRequest& request,
                                                  const std::string& caller,
                                                  const ConsumeOrder& order) = 0;
  // Every order in one transaction, all or none; a refusal names the order
  // ("uses[i]: ...") and keeps its reason.
  virtual absl::StatusOr<v1::TreatmentConsumption> ConsumeForTreatment(
      const v1::ConsumeTreatmentStockRequest& request, const std::string& caller,
      const std::vector<ConsumeOrder>& orders) = 0;
  virtual absl::StatusOr<v1::Movement> Adjust(const v1::AdjustStockRequest& request,
                                              const std::string& caller,
                                              const std::string& product_id,
                                              const std::string& lot_id, const Stamp& stamp) = 0;
  virtual absl::StatusOr<v1::Movement> Quarantine(const v1::QuarantineStockRequest& request,
                                                  const std::string& caller,
                                                  const std::string& product_id,
                                                  const std::string& lot_id,
                                                  const Stamp& stamp) = 0;
  virtual absl::StatusOr<v1::Movement> Release(const v1::ReleaseStockRequest& request,
                                               const std::string& caller,
                                               const std::string& product_id,
                                               const std::string& lot_id, const Stamp& stamp) = 0;
  virtual absl::StatusOr<v1::Movement> Dispose(const v1::DisposeStockRequest& request,
                                               const std::string& caller,
                                               const std::string& product_id,
                                               const std::string& lot_id, const Stamp& stamp) = 0;
  // `lot_ids[i]` is the (product id, lot id) of request.counts(i).
  virtual absl::StatusOr<v1::StockCount> Count(
      const v1::CountStockRequest& request, const std::string& caller,
      const std::vector<std::pair<std::string, std::string>>& lot_ids, const Stamp& stamp) = 0;

  // Transfers. `transfer` has its name, sender and time set; `lot_ids[i]`
  // is the (product id, lot id) of its lines(i).
  virtual absl::StatusOr<v1::Transfer> SendTransfer(
      const v1::SendTransferRequest& request, const std::string& caller,
      const v1::Transfer& transfer,
      const std::vector<std::pair<std::string, std::string>>& lot_ids) = 0;
  virtual absl::StatusOr<v1::Transfer> ReceiveTransfer(const v1::ReceiveTransferRequest& request,
                                                       const std::string& caller,
                                                       const std::string& transfer_id,
                                                       const Stamp& stamp) = 0;
  virtual absl::StatusOr<v1::Transfer> GetTransfer(const std::string& transfer_id) = 0;
  virtual absl::StatusOr<v1::ListTransfersResponse> ListTransfers(
      const v1::ListTransfersRequest& request) = 0;

  // Recall and trace. A recall also writes, in its transaction, one recall
  // notice per use of the lot that names a client, for ClientRecords
  // (kRecallNoticeOutboxKind; delivered once StartNoticeDelivery runs).
  virtual absl::StatusOr<v1::Recall> RecallLot(const v1::RecallLotRequest& request,
                                               const std::string& caller,
                                               const std::string& product_id,
                                               const std::string& lot_id, const Stamp& stamp) = 0;
  virtual absl::StatusOr<v1::TraceLotResponse> TraceLot(const std::string& product_id,
                                                        const std::string& lot_id,
                                                        const v1::TraceLotRequest& request) = 0;
  virtual absl::StatusOr<v1::ListClientConsumptionsResponse> ListClientConsumptions(
      const std::string& client_id, const v1::ListClientConsumptionsRequest& request) = 0;

  // Views.
  virtual absl::StatusOr<v1::Movement> GetMovement(const std::string& site_id,
                                                   const std::string& movement_id) = 0;
  virtual absl::StatusOr<v1::ListMovementsResponse> ListMovements(
      const v1::ListMovementsRequest& request, const MovementFilter& filter) = 0;
  virtual absl::StatusOr<v1::ListStockResponse> ListStock(const v1::ListStockRequest& request,
                                                          const std::string& product_id) = 0;
  virtual absl::StatusOr<v1::ReorderPoint> SetReorderPoint(const v1::ReorderPoint& point,
                                                           const std::string& product_id,
                                                           absl::Time now) = 0;
  virtual absl::StatusOr<v1::ListLowStockResponse> ListLowStock(const std::string& site_id) = 0;
  // Lots on hand (usable or quarantined, not recalled) at the sites of
  // `through` that expire on or before the site's day, soonest first.
  virtual absl::StatusOr<v1::ListExpiringStockResponse> ListExpiringStock(
      const v1::ListExpiringStockRequest& request, const DayBySite& through) = 0;

  // Alerts. Raises an "expiring soon" alert, once per site and lot, for
  // every lot on hand at a site of `through` that expires on or before the
  // site's day; returns how many it raised.
  virtual absl::StatusOr<int> RaiseExpiryAlerts(const DayBySite& through, absl::Time now) = 0;
  // Alerts after `after_event_id`, oldest first: of the at most `limit`
  // alerts of the chain that follow it, those of `site_id` (every site's
  // when empty). `position` is the last of those looked at, so a reader of
  // one site moves past other sites' alerts.
  virtual absl::StatusOr<AlertPage> AlertsAfter(const std::string& site_id, int64_t after_event_id,
                                                int limit) = 0;
  // The newest alert's event id; 0 when there is none.
  virtual absl::StatusOr<int64_t> LatestAlertId() = 0;
  // Called after each commit that raised alerts, with the newest event id.
  virtual void OnAlertsRaised(std::function<void(int64_t)> listener) = 0;

  // Starts delivering recall notices through `deliver`, one at a time,
  // retrying as `retry` says; those a previous run left undelivered first.
  // Call once.
  virtual void StartNoticeDelivery(storage::OutboxWorker::Deliver deliver,
                                   storage::OutboxWorker::Retry retry) = 0;
  // Stops delivering, after the attempt under way; what is left stays for
  // the next start.
  virtual void StopNoticeDelivery() = 0;
  // Recall notices not delivered yet.
  virtual absl::StatusOr<int64_t> UndeliveredNotices() = 0;

  // Where a running balance differs from the sum of its site's ledger: one
  // line per (site, lot) that does not add up. Empty when the ledger and
  // the balances agree, as they always should.
  virtual absl::StatusOr<std::vector<std::string>> CheckLedger() = 0;
};

// Opens (creating and migrating) the SQLite store at `path`. Pages stop at
// `page_budget_bytes` (storage::PageBudgetBytes); `today_at` decides which
// lots have expired at a site.
absl::StatusOr<std::unique_ptr<InventoryStore>> OpenSqliteInventoryStore(const std::string& path,
                                                                         size_t page_budget_bytes,
                                                                         TodayAt today_at);

}  // namespace clinic::inventory

#endif  // CLINIC_SERVICES_INVENTORY_INVENTORY_STORE_H_
