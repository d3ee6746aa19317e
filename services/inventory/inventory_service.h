// The Inventory gRPC service: the chain's consumable products and their lots,
// each site's stock as an append-only ledger (receipts, consumptions,
// adjustments, quarantine, disposal, counts, transfers), chain-wide recalls
// with their traces, stock views, and a stream of stock alerts.
// docs/inventory.md describes stock states, allocation and recalls.
#ifndef CLINIC_SERVICES_INVENTORY_INVENTORY_SERVICE_H_
#define CLINIC_SERVICES_INVENTORY_INVENTORY_SERVICE_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "clinic/v1/inventory.grpc.pb.h"
#include "common/config/sites.h"
#include "common/core/event_feed.h"
#include "common/plugins/plugin_host.h"
#include "common/server/event_stream.h"
#include "common/server/server.h"
#include "common/server/service_kit.h"
#include "common/server/upstream.h"
#include "services/inventory/inventory_store.h"

namespace clinic::inventory {

class InventoryService final : public server::ServiceKit<v1::Inventory> {
 public:
  // `plugins` gives the treatment definitions whose requirements
  // consumptions name; a lot within `expiry_warning_days` of its expiry at
  // a site raises an alert. A recall's notices go to `client_records`,
  // retried as `retry` says.
  InventoryService(std::unique_ptr<InventoryStore> store, config::Sites sites,
                   plugins::PluginHost& plugins, int expiry_warning_days,
                   const server::Upstream& client_records, storage::OutboxWorker::Retry retry);
  ~InventoryService() override;

  // Recall notices stop going to ClientRecords before the server stops
  // answering.
  void StopBackgroundWork() override { store_->StopNoticeDelivery(); }

  // Today at the site, as yyyymmdd: what every expiry is compared with.
  static int TodayAt(const config::Sites& sites, absl::string_view site_id, absl::Time now);

 private:
  // inventory_service.cc: products and lots.
  absl::Status CreateProduct(const server::Call& call, const v1::CreateProductRequest& request,
                             v1::Product& response);
  absl::Status GetProduct(const server::Call& call, const v1::GetProductRequest& request,
                          v1::Product& response);
  absl::Status UpdateProduct(const server::Call& call, const v1::UpdateProductRequest& request,
                             v1::Product& response);
  absl::Status ListProducts(const server::Call& call, const v1::ListProductsRequest& request,
                            v1::ListProductsResponse& response);
  absl::Status GetLot(const server::Call& call, const v1::GetLotRequest& request,
                      v1::Lot& response);
  absl::Status ListLots(const server::Call& call, const v1::ListLotsRequest& request,
                        v1::ListLotsResponse& response);

  // consume_service.cc: what treatments use up.
  absl::Status ConsumeStock(const server::Call& call, const v1::ConsumeStockRequest& request,
                            v1::Consumption& response);
  absl::Status ConsumeTreatmentStock(const server::Call& call,
                                     const v1::ConsumeTreatmentStockRequest& request,
                                     v1::TreatmentConsumption& response);

  // stock_service.cc: the ledger.
  absl::Status ReceiveStock(const server::Call& call, const v1::ReceiveStockRequest& request,
                            v1::Movement& response);
  absl::Status AdjustStock(const server::Call& call, const v1::AdjustStockRequest& request,
                           v1::Movement& response);
  absl::Status QuarantineStock(const server::Call& call, const v1::QuarantineStockRequest& request,
                               v1::Movement& response);
  absl::Status ReleaseStock(const server::Call& call, const v1::ReleaseStockRequest& request,
                            v1::Movement& response);
  absl::Status DisposeStock(const server::Call& call, const v1::DisposeStockRequest& request,
                            v1::Movement& response);
  absl::Status CountStock(const server::Call& call, const v1::CountStockRequest& request,
                          v1::StockCount& response);
  absl::Status SendTransfer(const server::Call& call, const v1::SendTransferRequest& request,
                            v1::Transfer& response);
  absl::Status ReceiveTransfer(const server::Call& call, const v1::ReceiveTransferRequest& request,
                               v1::Transfer& response);
  absl::Status GetTransfer(const server::Call& call, const v1::GetTransferRequest& request,
                           v1::Transfer& response);
  absl::Status ListTransfers(const server::Call& call, const v1::ListTransfersRequest& request,
                             v1::ListTransfersResponse& response);

  // stock_views.cc: recalls, traces and views.
  absl::Status RecallLot(const server::Call& call, const v1::RecallLotRequest& request,
                         v1::Recall& response);
  absl::Status TraceLot(const server::Call& call, const v1::TraceLotRequest& request,
                        v1::TraceLotResponse& response);
  absl::Status ListClientConsumptions(const server::Call& call,
                                      const v1::ListClientConsumptionsRequest& request,
                                      v1::ListClientConsumptionsResponse& response);
  absl::Status GetMovement(const server::Call& call, const v1::GetMovementRequest& request,
                           v1::Movement& response);
  absl::Status ListMovements(const server::Call& call, const v1::ListMovementsRequest& request,
                             v1::ListMovementsResponse& response);
  absl::Status ListStock(const server::Call& call, const v1::ListStockRequest& request,
                         v1::ListStockResponse& response);
  absl::Status SetReorderPoint(const server::Call& call, const v1::SetReorderPointRequest& request,
                               v1::ReorderPoint& response);
  absl::Status ListLowStock(const server::Call& call, const v1::ListLowStockRequest& request,
                            v1::ListLowStockResponse& response);
  absl::Status ListExpiringStock(const server::Call& call,
                                 const v1::ListExpiringStockRequest& request,
                                 v1::ListExpiringStockResponse& response);
  absl::StatusOr<server::EventStream<v1::Alert>> WatchAlerts(const server::Call& call,
                                                             const v1::WatchAlertsRequest& request);

  // The last day a lot may expire on to count as expiring within `days` at
  // each site `site_id` covers (every site when empty).
  DayBySite ExpiringThrough(absl::string_view site_id, int days) const;
  // Raises the expiry alerts now due; logs rather than fails.
  void RaiseExpiryAlerts();
  // Sends one recall notice to ClientRecords (the outbox worker's delivery).
  storage::DeliveryOutcome DeliverNotice(const storage::OutboxEntry& entry) const;
  // Checks `lot` as "products/{p}/lots/{l}" into its two ids.
  static absl::Status ParseLot(absl::string_view lot, absl::string_view field,
                               std::string& product_id, std::string& lot_id);

  std::unique_ptr<InventoryStore> store_;
  config::Sites sites_;
  plugins::PluginHost& plugins_;
  int expiry_warning_days_;
  const server::Upstream& client_records_;
  // Told of every alert the store commits; wakes WatchAlerts streams.
  EventFeed alerts_;
  // Lots come within the warning as days pass, with no call to notice it:
  // a thread of its own checks hourly.
  std::mutex sweep_mutex_;
  std::condition_variable sweep_wake_;
  bool stopping_ = false;
  std::thread sweeper_;
};

// The factory a main passes to RunServerMain to host Inventory.
server::ServiceFactory InventoryFactory();

}  // namespace clinic::inventory

#endif  // CLINIC_SERVICES_INVENTORY_INVENTORY_SERVICE_H_
