#include "services/inventory/inventory_service.h"

#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "common/core/log.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/thread_name.h"
#include "common/core/time.h"
#include "common/core/update_mask.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/paging.h"
#include "services/inventory/inventory_names.h"
#include "services/inventory/inventory_validation.h"

namespace clinic::inventory {
namespace {

constexpr absl::string_view kDomain = "clinic.v1.Inventory";

// The product fields UpdateProduct may change, by update_mask path.
const std::vector<std::string>& UpdatableProductFields() {
  static const auto* fields =
      new std::vector<std::string>{"display_name", "manufacturer", "model",     "gtin",
                                   "kind",         "category",     "cartridge", "discontinued"};
  return *fields;
}

// Fields that decide which requirements a product fits: once units were
// received, consumptions were recorded as fitting, so these stay.
bool DecidesFit(absl::string_view path) {
  return path == "kind" || path == "category" || path == "cartridge";
}

void CopyField(absl::string_view path, const v1::Product& from, v1::Product& to) {
  if (path == "display_name") to.set_display_name(from.display_name());
  if (path == "manufacturer") to.set_manufacturer(from.manufacturer());
  if (path == "model") to.set_model(from.model());
  if (path == "gtin") to.set_gtin(from.gtin());
  if (path == "kind") to.set_kind(from.kind());
  if (path == "category") to.set_category(from.category());
  if (path == "cartridge") {
    if (from.has_cartridge()) {
      *to.mutable_cartridge() = from.cartridge();
    } else {
      to.clear_cartridge();
    }
  }
  if (path == "discontinued") to.set_discontinued(from.discontinued());
}

}  // namespace

InventoryService::InventoryService(std::unique_ptr<InventoryStore> store, config::Sites sites,
                                   plugins::PluginHost& plugins, int expiry_warning_days,
                                   const server::Upstream& client_records,
                                   storage::OutboxWorker::Retry retry)
    // Every handler reads or writes the database, so all run on the pool;
    // the store's writer serializes writes, readers run beside it.
    : ServiceKit(server::kStoreServiceThreads),
      store_(std::move(store)),
      sites_(std::move(sites)),
      plugins_(plugins),
      expiry_warning_days_(expiry_warning_days),
      client_records_(client_records) {
  Handle("CreateProduct", &InventoryService::CreateProduct);
  Handle("GetProduct", &InventoryService::GetProduct);
  Handle("UpdateProduct", &InventoryService::UpdateProduct);
  Handle("ListProducts", &InventoryService::ListProducts);
  Handle("GetLot", &InventoryService::GetLot);
  Handle("ListLots", &InventoryService::ListLots);
  Handle("ReceiveStock", &InventoryService::ReceiveStock);
  Handle("ConsumeStock", &InventoryService::ConsumeStock);
  Handle("ConsumeTreatmentStock", &InventoryService::ConsumeTreatmentStock);
  Handle("AdjustStock", &InventoryService::AdjustStock);
  Handle("QuarantineStock", &InventoryService::QuarantineStock);
  Handle("ReleaseStock", &InventoryService::ReleaseStock);
  Handle("DisposeStock", &InventoryService::DisposeStock);
  Handle("CountStock", &InventoryService::CountStock);
  Handle("SendTransfer", &InventoryService::SendTransfer);
  Handle("ReceiveTransfer", &InventoryService::ReceiveTransfer);
  Handle("GetTransfer", &InventoryService::GetTransfer);
  Handle("ListTransfers", &InventoryService::ListTransfers);
  Handle("RecallLot", &InventoryService::RecallLot);
  Handle("TraceLot", &InventoryService::TraceLot);
  Handle("ListClientConsumptions", &InventoryService::ListClientConsumptions);
  Handle("GetMovement", &InventoryService::GetMovement);
  Handle("ListMovements", &InventoryService::ListMovements);
  Handle("ListStock", &InventoryService::ListStock);
  Handle("SetReorderPoint", &InventoryService::SetReorderPoint);
  Handle("ListLowStock", &InventoryService::ListLowStock);
  Handle("ListExpiringStock", &InventoryService::ListExpiringStock);
  HandleStream("WatchAlerts", &InventoryService::WatchAlerts);
  absl::StatusOr<int64_t> latest = store_->LatestAlertId();
  if (latest.ok()) alerts_.Publish(*latest);
  store_->OnAlertsRaised([this](int64_t event_id) { alerts_.Publish(event_id); });
  RaiseExpiryAlerts();
  store_->StartNoticeDelivery(
      [this](const storage::OutboxEntry& entry) { return DeliverNotice(entry); }, retry);
  sweeper_ = std::thread([this] {
    NameThisThread("expiry-alerts");
    std::unique_lock<std::mutex> lock(sweep_mutex_);
    while (!sweep_wake_.wait_for(lock, std::chrono::hours(1), [this] { return stopping_; })) {
      lock.unlock();
      RaiseExpiryAlerts();
      lock.lock();
    }
  });
}

InventoryService::~InventoryService() {
  store_->OnAlertsRaised(nullptr);
  {
    std::lock_guard<std::mutex> lock(sweep_mutex_);
    stopping_ = true;
  }
  sweep_wake_.notify_all();
  sweeper_.join();
}

int InventoryService::TodayAt(const config::Sites& sites, absl::string_view site_id,
                              absl::Time now) {
  return DayNumber(absl::ToCivilDay(now, sites.ZoneOf(site_id)));
}

DayBySite InventoryService::ExpiringThrough(absl::string_view site_id, int days) const {
  const absl::Time now = absl::Now();
  DayBySite through;
  auto add = [&](const std::string& id) {
    const absl::CivilDay last = absl::ToCivilDay(now, sites_.ZoneOf(id)) + days;
    through[id] = DayNumber(last);
  };
  if (!site_id.empty()) {
    add(std::string(site_id));
  } else {
    for (const std::string& id : sites_.Ids()) add(id);
  }
  return through;
}

void InventoryService::RaiseExpiryAlerts() {
  absl::StatusOr<int> raised =
      store_->RaiseExpiryAlerts(ExpiringThrough("", expiry_warning_days_), absl::Now());
  if (!raised.ok()) {
    Log(LogLevel::kWarning, "expiry alerts not raised; retried at the next check",
        {{"service", "clinic.v1.Inventory"}, {"error", raised.status().ToString()}});
  }
}

absl::Status InventoryService::ParseLot(absl::string_view lot, absl::string_view field,
                                        std::string& product_id, std::string& lot_id) {
  absl::StatusOr<ResourceName> name = kLotName.Parse(lot, field);
  if (!name.ok()) return name.status();
  product_id = name->id("product_id");
  lot_id = name->id("lot_id");
  return absl::OkStatus();
}

absl::Status InventoryService::CreateProduct(const server::Call& call,
                                             const v1::CreateProductRequest& request,
                                             v1::Product& response) {
  std::vector<FieldViolation> violations;
  CheckProduct(request.product(), "product", violations);
  if (absl::Status s = storage::ValidateRequestId(request.request_id(), /*required=*/true);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  const absl::Time now = absl::Now();
  v1::Product product = request.product();
  product.set_name(kProductName.Format(storage::NewId()));
  *product.mutable_create_time() = ToTimestampMillis(now);
  *product.mutable_update_time() = ToTimestampMillis(now);
  product.clear_etag();
  absl::StatusOr<v1::Product> created =
      store_->CreateProduct(request, call.request_scope(), product);
  if (!created.ok()) return created.status();
  response = *std::move(created);
  return absl::OkStatus();
}

absl::Status InventoryService::GetProduct(const server::Call& /*call*/,
                                          const v1::GetProductRequest& request,
                                          v1::Product& response) {
  absl::StatusOr<ResourceName> name = kProductName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::Product> product = store_->GetProduct(name->id("product_id"));
  if (!product.ok()) return product.status();
  response = *std::move(product);
  return absl::OkStatus();
}

absl::Status InventoryService::UpdateProduct(const server::Call& /*call*/,
                                             const v1::UpdateProductRequest& request,
                                             v1::Product& response) {
  absl::StatusOr<ResourceName> name = kProductName.Parse(request.product().name(), "product.name");
  if (!name.ok()) return name.status();
  std::vector<FieldViolation> violations;
  const std::vector<std::string> paths =
      UpdatePaths(request.update_mask(), UpdatableProductFields(), violations);
  if (request.product().etag().empty()) {
    violations.push_back({"product.etag", "is required: read the product and send its etag"});
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Product> updated = store_->UpdateProduct(
      name->id("product_id"), request.product().etag(), absl::Now(),
      [&](v1::Product& product, bool ever_received) -> absl::Status {
        const v1::Product before = product;
        for (const std::string& path : paths) CopyField(path, request.product(), product);
        std::vector<FieldViolation> problems;
        CheckProduct(product, "product", problems);
        if (absl::Status s = Violations(problems); !s.ok()) return s;
        if (!ever_received) return absl::OkStatus();
        for (const std::string& path : paths) {
          if (!DecidesFit(path)) continue;
          v1::Product unchanged = before;
          CopyField(path, product, unchanged);
          if (unchanged.SerializeAsString() != before.SerializeAsString()) {
            return WithReason(absl::FailedPreconditionError(absl::StrCat(
                                  "product.", path, " cannot change: units of ", product.name(),
                                  " were received, and what they were consumed for must stay true; "
                                  "create a new product instead")),
                              "PRODUCT_IN_USE", kDomain);
          }
        }
        return absl::OkStatus();
      });
  if (!updated.ok()) return updated.status();
  response = *std::move(updated);
  return absl::OkStatus();
}

absl::Status InventoryService::ListProducts(const server::Call& /*call*/,
                                            const v1::ListProductsRequest& request,
                                            v1::ListProductsResponse& response) {
  if (!v1::ConsumableKind_IsValid(request.kind())) {
    return InvalidField("kind", absl::StrCat(request.kind(), " is not a consumable kind"));
  }
  absl::StatusOr<v1::ListProductsResponse> listed = store_->ListProducts(request);
  if (!listed.ok()) return listed.status();
  response = *std::move(listed);
  return absl::OkStatus();
}

absl::Status InventoryService::GetLot(const server::Call& /*call*/,
                                      const v1::GetLotRequest& request, v1::Lot& response) {
  std::string product_id, lot_id;
  if (absl::Status s = ParseLot(request.name(), "name", product_id, lot_id); !s.ok()) return s;
  absl::StatusOr<v1::Lot> lot = store_->GetLot(product_id, lot_id);
  if (!lot.ok()) return lot.status();
  response = *std::move(lot);
  return absl::OkStatus();
}

absl::Status InventoryService::ListLots(const server::Call& /*call*/,
                                        const v1::ListLotsRequest& request,
                                        v1::ListLotsResponse& response) {
  absl::StatusOr<ResourceName> parent = kProductName.Parse(request.parent(), "parent");
  if (!parent.ok()) return parent.status();
  if (!request.lot_number().empty()) {
    std::vector<FieldViolation> violations;
    CheckLotNumber(request.lot_number(), "lot_number", violations);
    if (absl::Status s = Violations(violations); !s.ok()) return s;
  }
  absl::StatusOr<v1::ListLotsResponse> listed = store_->ListLots(parent->id("product_id"), request);
  if (!listed.ok()) return listed.status();
  response = *std::move(listed);
  return absl::OkStatus();
}

storage::DeliveryOutcome InventoryService::DeliverNotice(const storage::OutboxEntry& entry) const {
  v1::RecordLotRecallRequest request;
  if (!request.ParseFromString(entry.payload)) {
    return {false, "the stored recall notice could not be read"};
  }
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = client_records_.channel();
  if (!channel.ok()) return {false, std::string(channel.status().message())};
  grpc::ClientContext context;
  client_records_.Prepare(context, entry.acting_for, entry.request_id);
  v1::LotRecallNotice notice;
  const grpc::Status status =
      v1::ClientRecords::NewStub(*channel)->RecordLotRecall(&context, request, &notice);
  if (status.ok()) return {true, notice.name()};
  return server::FailedDelivery(
      server::UpstreamError(client_records_, "putting the recall on the chart", status));
}

server::ServiceFactory InventoryFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    config::Sites sites(context.config);
    absl::StatusOr<std::unique_ptr<InventoryStore>> store = OpenSqliteInventoryStore(
        context.config.data_dir() + "/inventory.db", storage::PageBudgetBytes(context.config),
        [sites](absl::string_view site_id) {
          return InventoryService::TodayAt(sites, site_id, absl::Now());
        });
    if (!store.ok()) return store.status();
    absl::StatusOr<const server::Upstream*> client_records =
        context.upstreams.Get("client_records", v1::ClientRecords::service_full_name());
    if (!client_records.ok()) return client_records.status();
    return std::make_unique<InventoryService>(
        std::move(*store), std::move(sites), context.plugin_host,
        context.config.inventory().expiry_warning_days(), **client_records,
        server::DeliveryRetry(context.config));
  };
}

}  // namespace clinic::inventory
