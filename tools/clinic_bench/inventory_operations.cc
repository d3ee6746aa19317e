// Inventory operations: consume, one unit of a product stocked for the run
// taken for a seeded client's treatment (the first-expiring lot found, the
// ledger movement and balance written, and the consumption kept for recall
// traces, in one durable transaction).
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "tools/clinic_bench/fixture.h"
#include "tools/clinic_bench/operation.h"

namespace clinic::bench {
namespace {

// Lots received before the run, each of the most one receipt may bring: far
// more units than any run consumes.
constexpr int kLots = 10;
constexpr int64_t kUnitsPerLot = 100000;

class ConsumeStockOperation : public Operation {
 public:
  explicit ConsumeStockOperation(Fixture& fixture) : fixture_(fixture) {}
  std::string Rpc() const override { return "Inventory/ConsumeStock"; }
  bool DurableWrite() const override { return true; }
  bool NeedsClients() const override { return true; }
  std::vector<v1::Role> Roles() const override {
    return {v1::ROLE_PRACTITIONER, v1::ROLE_INVENTORY_CLERK};
  }

  absl::Status Prepare() override {
    for (int i = 0; i < fixture_.channel_count(); ++i) {
      stubs_.push_back(v1::Inventory::NewStub(fixture_.channel(i)));
    }
    v1::Product product;
    product.set_display_name("Bench cartridge, 36 needles");
    product.set_manufacturer("Clinic Core bench");
    product.set_kind(v1::CONSUMABLE_KIND_NEEDLE_CARTRIDGE);
    product.mutable_cartridge()->mutable_needles()->set_needle_count(36);
    product.mutable_cartridge()->set_needle_length_um(2500);
    product.mutable_cartridge()->add_compatible_devices("Bench pen");
    absl::StatusOr<std::string> created =
        StockProduct(fixture_, product, "BENCH-", kLots, kUnitsPerLot);
    if (!created.ok()) return created.status();
    template_.set_product(*created);
    template_.set_site_id(fixture_.site_id());
    template_.set_quantity(1);
    template_.set_treatment_reference("clinic-bench session");
    return absl::OkStatus();
  }

  void Start(Slot& slot, Done done) override {
    struct Call {
      grpc::ClientContext context;
      v1::ConsumeStockRequest request;
      v1::Consumption response;
    };
    auto call = std::make_shared<Call>();
    fixture_.PrepareContext(call->context);
    call->request = template_;
    call->request.set_client(fixture_.RandomClient(slot.random()));
    call->request.set_request_id(fixture_.NextRequestId());
    stubs_[static_cast<size_t>(slot.channel())]->async()->ConsumeStock(
        &call->context, &call->request, &call->response,
        [call, done = std::move(done)](grpc::Status status) { done(status); });
  }

 private:
  Fixture& fixture_;
  std::vector<std::unique_ptr<v1::Inventory::Stub>> stubs_;
  v1::ConsumeStockRequest template_;
};

CLINIC_BENCH_OPERATION("consume", ConsumeStockOperation,
                       "Inventory/ConsumeStock of one unit of a product stocked for the run");

}  // namespace

absl::StatusOr<std::string> StockProduct(Fixture& fixture, const v1::Product& product,
                                         const std::string& lot_prefix, int lots,
                                         int64_t units_per_lot) {
  auto stub = v1::Inventory::NewStub(fixture.channel(0));
  v1::CreateProductRequest create;
  *create.mutable_product() = product;
  create.set_request_id(fixture.NextRequestId());
  v1::Product created;
  {
    grpc::ClientContext context;
    fixture.PrepareContext(context);
    const grpc::Status status = stub->CreateProduct(&context, create, &created);
    if (!status.ok()) return FromGrpc(status, "Inventory/CreateProduct");
  }
  const int next_year =
      static_cast<int>(absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year()) + 1;
  for (int i = 0; i < lots; ++i) {
    v1::ReceiveStockRequest receive;
    receive.set_site_id(fixture.site_id());
    receive.set_product(created.name());
    receive.set_lot_number(absl::StrCat(lot_prefix, i));
    receive.mutable_expiry_date()->set_year(next_year);
    receive.mutable_expiry_date()->set_month(1 + i % 12);
    receive.mutable_expiry_date()->set_day(1);
    receive.set_quantity(units_per_lot);
    receive.set_supplier("Clinic Core bench");
    receive.set_request_id(fixture.NextRequestId());
    grpc::ClientContext context;
    fixture.PrepareContext(context);
    v1::Movement movement;
    const grpc::Status status = stub->ReceiveStock(&context, receive, &movement);
    if (!status.ok()) return FromGrpc(status, "Inventory/ReceiveStock");
  }
  return created.name();
}

}  // namespace clinic::bench
