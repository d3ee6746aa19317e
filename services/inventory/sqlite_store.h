// The SQLite implementation of InventoryStore, and the ledger helpers its
// files share. Internal to this folder.
#ifndef CLINIC_SERVICES_INVENTORY_SQLITE_STORE_H_
#define CLINIC_SERVICES_INVENTORY_SQLITE_STORE_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/storage/database.h"
#include "common/storage/page_tokens.h"
#include "services/inventory/inventory_store.h"

namespace clinic::inventory {

inline constexpr char kDomain[] = "clinic.v1.Inventory";

// A lot as its row holds it.
struct LotRow {
  v1::Lot lot;
  std::string product_id;
  std::string lot_id;
  int expiry_day = 0;
  bool recalled = false;
};

// One movement to append: what it changes, by how much, and its
// descriptive fields (supplier, client, note, ...) in `details`.
struct MovementDraft {
  std::string site_id;
  const LotRow* lot = nullptr;
  v1::MovementType type = v1::MOVEMENT_TYPE_UNSPECIFIED;
  int64_t usable_change = 0;
  int64_t quarantined_change = 0;
  int64_t recalled_change = 0;
  // The quantity the movement reports (units moved, or the signed change
  // for adjustments).
  int64_t quantity = 0;
  v1::Movement details;
};

// The alerts one transaction raised; the listener hears of them after it
// commits.
struct AlertSink {
  int64_t newest = 0;
};

// Within one write transaction: usable units of (site, product) before the
// changes, so a change that takes them below the reorder point raises one
// low-stock alert.
class LowStockWatch {
 public:
  LowStockWatch(storage::Connection& connection, int today)
      : connection_(connection), today_(today) {}
  // Call before changing the (site, product)'s stock.
  void Watch(const std::string& site_id, const std::string& product_id);
  // Raises the alerts of every watched pair that fell below its reorder
  // point.
  absl::Status Finish(absl::Time now, AlertSink& sink);

 private:
  storage::Connection& connection_;
  int today_;
  std::map<std::pair<std::string, std::string>, int64_t> before_;
};

namespace ledger {

// NOT_FOUND for `name` in this service's domain.
absl::Status NotFound(absl::string_view name);
// FAILED_PRECONDITION with `reason`.
absl::Status Refused(absl::string_view reason, absl::string_view message);

// The lot, checked to belong to the product; NOT_FOUND otherwise.
absl::StatusOr<LotRow> LoadLot(storage::Connection& connection, const std::string& product_id,
                               const std::string& lot_id);
absl::StatusOr<v1::Product> LoadProduct(storage::Connection& connection,
                                        const std::string& product_id);
v1::StockBalance ReadBalance(storage::Connection& connection, const std::string& site_id,
                             const std::string& lot_id);
// Usable units of the product at the site that may be allocated today:
// lots not recalled and not expired.
int64_t UsableOf(storage::Connection& connection, const std::string& site_id,
                 const std::string& product_id, int today);
// Appends the movement, moving the site's balance of the lot by its
// changes; FAILED_PRECONDITION (reason NOT_ENOUGH_STOCK) when a balance
// would go below zero. Fills in the movement's name, balance_after, product
// and lot.
absl::StatusOr<v1::Movement> Append(storage::Connection& connection, const MovementDraft& draft);
// Stores `alert` (its event_id is set) and notes it in `sink`.
absl::Status Raise(storage::Connection& connection, v1::Alert& alert, AlertSink& sink);
// "Lot L1 of Dermapen 36" for alert messages.
std::string LotLabel(storage::Connection& connection, const LotRow& lot);

}  // namespace ledger

class SqliteInventoryStore final : public InventoryStore {
 public:
  SqliteInventoryStore(std::unique_ptr<storage::Database> db, storage::PageTokens tokens,
                       size_t page_budget_bytes, TodayAt today_at)
      : db_(std::move(db)),
        tokens_(std::move(tokens)),
        page_budget_bytes_(page_budget_bytes),
        today_at_(std::move(today_at)) {}

  // sqlite_products.cc
  absl::StatusOr<v1::Product> CreateProduct(const v1::CreateProductRequest& request,
                                            const std::string& caller,
                                            const v1::Product& product) override;
  absl::StatusOr<v1::Product> GetProduct(const std::string& product_id) override;
  absl::StatusOr<v1::Product> UpdateProduct(const std::string& product_id, const std::string& etag,
                                            absl::Time now, const ProductUpdate& update) override;
  absl::StatusOr<v1::ListProductsResponse> ListProducts(
      const v1::ListProductsRequest& request) override;
  absl::StatusOr<v1::Lot> GetLot(const std::string& product_id, const std::string& lot_id) override;
  absl::StatusOr<v1::ListLotsResponse> ListLots(const std::string& product_id,
                                                const v1::ListLotsRequest& request) override;
  absl::StatusOr<v1::ReorderPoint> SetReorderPoint(const v1::ReorderPoint& point,
                                                   const std::string& product_id,
                                                   absl::Time now) override;

  // sqlite_consume.cc
  absl::StatusOr<v1::Consumption> Consume(const v1::ConsumeStockRequest& request,
                                          const std::string& caller,
                                          const ConsumeOrder& order) override;
  absl::StatusOr<v1::TreatmentConsumption> ConsumeForTreatment(
      const v1::ConsumeTreatmentStockRequest& request, const std::string& caller,
      const std::vector<ConsumeOrder>& orders) override;

  // sqlite_ledger.cc
  absl::StatusOr<v1::Movement> Receive(const v1::ReceiveStockRequest& request,
                                       const std::string& caller, const std::string& product_id,
                                       const Stamp& stamp) override;
  absl::StatusOr<v1::Movement> Adjust(const v1::AdjustStockRequest& request,
                                      const std::string& caller, const std::string& product_id,
                                      const std::string& lot_id, const Stamp& stamp) override;
  absl::StatusOr<v1::Movement> Quarantine(const v1::QuarantineStockRequest& request,
                                          const std::string& caller, const std::string& product_id,
                                          const std::string& lot_id, const Stamp& stamp) override;
  absl::StatusOr<v1::Movement> Release(const v1::ReleaseStockRequest& request,
                                       const std::string& caller, const std::string& product_id,
                                       const std::string& lot_id, const Stamp& stamp) override;
  absl::StatusOr<v1::Movement> Dispose(const v1::DisposeStockRequest& request,
                                       const std::string& caller, const std::string& product_id,
                                       const std::string& lot_id, const Stamp& stamp) override;
  absl::StatusOr<v1::StockCount> Count(
      const v1::CountStockRequest& request, const std::string& caller,
      const std::vector<std::pair<std::string, std::string>>& lot_ids, const Stamp& stamp) override;

  // sqlite_transfers.cc
  absl::StatusOr<v1::Transfer> SendTransfer(
      const v1::SendTransferRequest& request, const std::string& caller,
      const v1::Transfer& transfer,
      const std::vector<std::pair<std::string, std::string>>& lot_ids) override;
  absl::StatusOr<v1::Transfer> ReceiveTransfer(const v1::ReceiveTransferRequest& request,
                                               const std::string& caller,
                                               const std::string& transfer_id,
                                               const Stamp& stamp) override;
  absl::StatusOr<v1::Transfer> GetTransfer(const std::string& transfer_id) override;
  absl::StatusOr<v1::ListTransfersResponse> ListTransfers(
      const v1::ListTransfersRequest& request) override;
  absl::StatusOr<v1::Recall> RecallLot(const v1::RecallLotRequest& request,
                                       const std::string& caller, const std::string& product_id,
                                       const std::string& lot_id, const Stamp& stamp) override;
  absl::StatusOr<v1::TraceLotResponse> TraceLot(const std::string& product_id,
                                                const std::string& lot_id,
                                                const v1::TraceLotRequest& request) override;
  absl::StatusOr<v1::ListClientConsumptionsResponse> ListClientConsumptions(
      const std::string& client_id, const v1::ListClientConsumptionsRequest& request) override;

  // sqlite_views.cc
  absl::StatusOr<v1::Movement> GetMovement(const std::string& site_id,
                                           const std::string& movement_id) override;
  absl::StatusOr<v1::ListMovementsResponse> ListMovements(const v1::ListMovementsRequest& request,
                                                          const MovementFilter& filter) override;
  absl::StatusOr<v1::ListStockResponse> ListStock(const v1::ListStockRequest& request,
                                                  const std::string& product_id) override;
  absl::StatusOr<v1::ListLowStockResponse> ListLowStock(const std::string& site_id) override;
  absl::StatusOr<v1::ListExpiringStockResponse> ListExpiringStock(
      const v1::ListExpiringStockRequest& request, const DayBySite& through) override;
  absl::StatusOr<int> RaiseExpiryAlerts(const DayBySite& through, absl::Time now) override;
  absl::StatusOr<AlertPage> AlertsAfter(const std::string& site_id, int64_t after_event_id,
                                        int limit) override;
  absl::StatusOr<int64_t> LatestAlertId() override;
  void OnAlertsRaised(std::function<void(int64_t)> listener) override;
  absl::StatusOr<std::vector<std::string>> CheckLedger() override;
  void StartNoticeDelivery(storage::OutboxWorker::Deliver deliver,
                           storage::OutboxWorker::Retry retry) override;
  void StopNoticeDelivery() override;
  absl::StatusOr<int64_t> UndeliveredNotices() override;

 private:
  // Consumes one order inside the caller's transaction.
  absl::StatusOr<v1::Consumption> ConsumeIn(storage::Connection& connection, LowStockWatch& watch,
                                            const std::string& site_id, int today,
                                            const ConsumeOrder& order);
  // Runs `body` as an idempotent write (storage::WriteOnce) and tells the
  // alert listener of what it raised once it committed.
  absl::Status WriteOnce(absl::string_view method, const std::string& caller,
                         absl::string_view request_id, const google::protobuf::Message& request,
                         google::protobuf::Message* response,
                         absl::FunctionRef<absl::Status(storage::Connection&, AlertSink&)> body);
  // One movement of one lot at one site, the shape of Adjust, Quarantine,
  // Release and Dispose: `plan` turns the lot and its balance into the
  // draft (or refuses).
  absl::StatusOr<v1::Movement> MoveOne(
      absl::string_view method, const std::string& caller, absl::string_view request_id,
      const google::protobuf::Message& request, const std::string& site_id,
      const std::string& product_id, const std::string& lot_id, const Stamp& stamp,
      absl::FunctionRef<absl::Status(const LotRow&, const v1::StockBalance&, int today,
                                     MovementDraft&)>
          plan);

  std::unique_ptr<storage::Database> db_;
  storage::PageTokens tokens_;
  size_t page_budget_bytes_;
  TodayAt today_at_;
  std::mutex listener_mutex_;
  std::function<void(int64_t)> listener_;
  // Declared after db_, so it stops before the database closes.
  std::unique_ptr<storage::OutboxWorker> notices_;
};

}  // namespace clinic::inventory

#endif  // CLINIC_SERVICES_INVENTORY_SQLITE_STORE_H_
