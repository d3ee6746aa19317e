// Inventory over real gRPC on loopback, hosted as clinicd hosts it, with the
// bundled microneedling plugin whose cartridge requirements consumptions
// name: products, receipts, consumption by requirement, bad input refused
// with the field and nothing written, 64 concurrent consumers against 50
// units (with and without retries), a recall across three sites and its
// trace, who may trace, and a restart with the data intact.
#include <map>
#include <thread>

#include "tests/integration/inventory_fixture.h"

namespace clinic {
namespace {

using inventory_testing::FieldOf;
using inventory_testing::InventoryTest;
using inventory_testing::kLeeds;
using inventory_testing::kSoho;
using inventory_testing::kYork;
using inventory_testing::NextYear;
using inventory_testing::Parse;
using inventory_testing::ReasonOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

TEST_F(InventoryTest, ProductsAreCreatedReadListedAndUpdatedUnderTheirEtag) {
  const v1::Product product = Cartridge("4006381333931");
  EXPECT_THAT(product.name(), HasSubstr("products/"));
  EXPECT_FALSE(product.etag().empty());

  v1::Product got;
  ASSERT_TRUE(stub_
                  ->GetProduct(Context(nurse_).get(),
                               Parse<v1::GetProductRequest>("name: '" + product.name() + "'"), &got)
                  .ok());
  EXPECT_EQ(got.cartridge().needles().needle_count(), 36);

  // The same GTIN twice is refused.
  v1::CreateProductRequest twice = Parse<v1::CreateProductRequest>(
      "product { display_name: 'Copy' manufacturer: 'X' gtin: '4006381333931' "
      "kind: CONSUMABLE_KIND_SERUM category: 'hyaluronic_serum' } request_id: 'dup'");
  v1::Product unused;
  EXPECT_EQ(stub_->CreateProduct(Context(clerk_).get(), twice, &unused).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  auto update = Parse<v1::UpdateProductRequest>(
      absl::StrCat("product { name: '", product.name(), "' etag: '", product.etag(),
                   "' display_name: 'DP4 36' } update_mask { paths: 'display_name' }"));
  v1::Product updated;
  ASSERT_TRUE(stub_->UpdateProduct(Context(clerk_).get(), update, &updated).ok());
  EXPECT_EQ(updated.display_name(), "DP4 36");
  EXPECT_NE(updated.etag(), product.etag());
  // The old etag is stale now.
  EXPECT_EQ(stub_->UpdateProduct(Context(clerk_).get(), update, &unused).error_code(),
            grpc::StatusCode::ABORTED);

  // Once received, what decides fit stays.
  ReceiveLot(kSoho, product.name(), "L1", 5);
  auto refit = Parse<v1::UpdateProductRequest>(absl::StrCat(
      "product { name: '", product.name(), "' etag: '", updated.etag(),
      "' cartridge { needles { needle_count: 42 } needle_length_um: 2500 compatible_devices: "
      "'Dermapen 4' } } update_mask { paths: 'cartridge' }"));
  const grpc::Status refused = stub_->UpdateProduct(Context(clerk_).get(), refit, &unused);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(refused), "PRODUCT_IN_USE");

  v1::ListProductsResponse listed;
  ASSERT_TRUE(stub_->ListProducts(Context(nurse_).get(), v1::ListProductsRequest(), &listed).ok());
  EXPECT_THAT(listed.products(), SizeIs(1));
}

TEST_F(InventoryTest, ConsumingARequirementOfTheLoadedDefinitionTakesAFittingLot) {
  const v1::Product product = Cartridge();
  const std::string lot = ReceiveLot(kSoho, product.name(), "DP-2409", 3);
  v1::Consumption consumption;
  const grpc::Status status = Consume(kSoho, NewClient(), "consume-1", consumption);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(consumption.allocations(), SizeIs(1));
  EXPECT_EQ(consumption.allocations(0).lot(), lot);
  EXPECT_EQ(consumption.allocations(0).lot_number(), "DP-2409");
  EXPECT_EQ(consumption.quantity(), 1);  // the requirement's quantity per session
  EXPECT_TRUE(consumption.lot_required());
  EXPECT_FALSE(consumption.definition_version().empty());
  EXPECT_EQ(consumption.recorded_by(), "staff/nurse");
  EXPECT_EQ(Balance(kSoho, lot).usable(), 2);

  // A requirement the cartridge does not fit, and one the definition lacks.
  v1::Consumption none;
  const grpc::Status scalp = Consume(kSoho, NewClient(), "consume-2", none,
                                     "requirement { treatment_type: 'treatmentTypes/microneedling' "
                                     "requirement_id: 'scalp_24' }");
  EXPECT_EQ(scalp.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(scalp), "NO_PRODUCT_FITS");
  const grpc::Status unknown = Consume(kSoho, NewClient(), "consume-3", none,
                                       "requirement { treatment_type: "
                                       "'treatmentTypes/microneedling' requirement_id: 'nope' }");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(unknown), "requirement.requirement_id");
  EXPECT_EQ(Balance(kSoho, lot).usable(), 2);
}

TEST_F(InventoryTest, BadInputIsRefusedWithItsFieldAndWritesNothing) {
  const v1::Product product = Cartridge();
  const std::string lot = ReceiveLot(kSoho, product.name(), "L1", 5);
  const int movements = MovementCount(kSoho);
  struct Case {
    std::string what;
    std::function<grpc::Status()> call;
    grpc::StatusCode code;
    std::string field;
  };
  v1::Movement movement;
  v1::Transfer transfer;
  v1::Consumption consumption;
  v1::Product created;
  const std::vector<Case> cases = {
      {"zero quantity", [&] { return Receive(kSoho, product.name(), "L2", 0, movement); },
       grpc::StatusCode::INVALID_ARGUMENT, "quantity"},
      {"negative quantity", [&] { return Receive(kSoho, product.name(), "L2", -3, movement); },
       grpc::StatusCode::INVALID_ARGUMENT, "quantity"},
      {"absurd quantity",
       [&] { return Receive(kSoho, product.name(), "L2", 5000000000, movement); },
       grpc::StatusCode::INVALID_ARGUMENT, "quantity"},
      {"expiry in the past",
       [&] { return Receive(kSoho, product.name(), "L2", 1, movement, 2020); },
       grpc::StatusCode::INVALID_ARGUMENT, "expiry_date"},
      {"unknown site", [&] { return Receive("paris", product.name(), "L2", 1, movement); },
       grpc::StatusCode::INVALID_ARGUMENT, "site_id"},
      {"unknown product",
       [&] { return Receive(kSoho, "products/01ARZ3NDEKTSV4RRFFQ69G5FAV", "L2", 1, movement); },
       grpc::StatusCode::NOT_FOUND, ""},
      {"unknown lot",
       [&] {
         return stub_->AdjustStock(Context(clerk_).get(),
                                   Parse<v1::AdjustStockRequest>(absl::StrCat(
                                       "site_id: '", kSoho, "' lot: '", product.name(),
                                       "/lots/01ARZ3NDEKTSV4RRFFQ69G5FAV' quantity_change: -1 "
                                       "reason: ADJUSTMENT_REASON_DAMAGED request_id: 'adj-1'")),
                                   &movement);
       },
       grpc::StatusCode::NOT_FOUND, ""},
      {"transfer to the same site",
       [&] {
         return stub_->SendTransfer(
             Context(clerk_).get(),
             Parse<v1::SendTransferRequest>(
                 absl::StrCat("transfer { from_site_id: '", kSoho, "' to_site_id: '", kSoho,
                              "' lines { lot: '", lot, "' quantity: 1 } } request_id: 'tr-1'")),
             &transfer);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "transfer.to_site_id"},
      {"consuming more than on hand",
       [&] {
         return stub_->ConsumeStock(Context(nurse_).get(),
                                    Parse<v1::ConsumeStockRequest>(absl::StrCat(
                                        "site_id: '", kSoho, "' product: '", product.name(),
                                        "' quantity: 6 client: '", NewClient(),
                                        "' treatment_reference: 't' "
                                        "request_id: 'big'")),
                                    &consumption);
       },
       grpc::StatusCode::FAILED_PRECONDITION, ""},
      {"transferring more than on hand",
       [&] {
         return stub_->SendTransfer(
             Context(clerk_).get(),
             Parse<v1::SendTransferRequest>(
                 absl::StrCat("transfer { from_site_id: '", kSoho, "' to_site_id: '", kLeeds,
                              "' lines { lot: '", lot, "' quantity: 6 } } request_id: 'tr-2'")),
             &transfer);
       },
       grpc::StatusCode::FAILED_PRECONDITION, ""},
      {"a GTIN with a bad check digit",
       [&] {
         return stub_->CreateProduct(
             Context(clerk_).get(),
             Parse<v1::CreateProductRequest>(
                 "product { display_name: 'Serum' manufacturer: 'X' gtin: '4006381333932' "
                 "kind: CONSUMABLE_KIND_SERUM category: 'serum' } request_id: 'p-bad'"),
             &created);
       },
       grpc::StatusCode::INVALID_ARGUMENT, "product.gtin"},
  };
  for (const Case& c : cases) {
    const grpc::Status status = c.call();
    EXPECT_EQ(status.error_code(), c.code) << c.what << ": " << status.error_message();
    if (!c.field.empty()) {
      EXPECT_EQ(FieldOf(status), c.field) << c.what;
    }
  }
  EXPECT_EQ(MovementCount(kSoho), movements);
  EXPECT_EQ(Balance(kSoho, lot).usable(), 5);
  v1::ListProductsResponse listed;
  ASSERT_TRUE(stub_->ListProducts(Context(nurse_).get(), v1::ListProductsRequest(), &listed).ok());
  EXPECT_THAT(listed.products(), SizeIs(1));
}

// 64 callers at once for 50 units: exactly 50 get one.
TEST_F(InventoryTest, ConcurrentConsumersNeverTakeMoreThanThereIs) {
  const v1::Product product = Cartridge();
  const std::string first = ReceiveLot(kSoho, product.name(), "A", 30);
  const std::string second = ReceiveLot(kSoho, product.name(), "B", 20);
  std::vector<std::string> clients;
  for (int i = 0; i < 64; ++i) clients.push_back(NewClient());
  for (bool retries : {false, true}) {
    SCOPED_TRACE(retries ? "with retries" : "once each");
    std::atomic<int> ok{0}, short_of_stock{0}, other{0};
    std::map<std::string, std::string> granted;  // request id -> consumption
    std::mutex granted_mutex;
    std::vector<std::thread> callers;
    for (int i = 0; i < 64; ++i) {
      callers.emplace_back([&, i] {
        const std::string id = absl::StrCat(retries ? "retry-" : "once-", i);
        for (int attempt = 0; attempt < (retries ? 2 : 1); ++attempt) {
          v1::Consumption consumption;
          const grpc::Status status = Consume(kSoho, clients[i], id, consumption);
          if (status.ok()) {
            std::lock_guard<std::mutex> lock(granted_mutex);
            auto [it, inserted] = granted.emplace(id, consumption.name());
            // A retry answers the first consumption, never a second one.
            EXPECT_TRUE(inserted || it->second == consumption.name()) << id;
            if (inserted) ++ok;
          } else if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
            ++short_of_stock;
          } else {
            ++other;
            ADD_FAILURE() << status.error_message();
          }
        }
      });
    }
    for (std::thread& caller : callers) caller.join();
    EXPECT_EQ(ok.load(), 50);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(Balance(kSoho, first).usable() + Balance(kSoho, second).usable(), 0);
    // Every caller left without a unit is refused, each attempt alike.
    EXPECT_EQ(short_of_stock.load(), retries ? 28 : 14);
    if (!retries) {
      // Restock for the round with retries.
      ReceiveLot(kSoho, product.name(), "A", 30);
      ReceiveLot(kSoho, product.name(), "B", 20);
    }
  }
  // Both rounds: 100 units out, in 100 consumption movements.
  v1::ListMovementsRequest list;
  list.set_site_id(kSoho);
  list.set_type(v1::MOVEMENT_TYPE_CONSUME);
  list.set_page_size(100);
  v1::ListMovementsResponse consumed;
  ASSERT_TRUE(stub_->ListMovements(Context(clerk_).get(), list, &consumed).ok());
  int64_t units = 0;
  for (const v1::Movement& m : consumed.movements()) units += m.quantity();
  EXPECT_EQ(units, 100);
  EXPECT_TRUE(consumed.next_page_token().empty());
}

TEST_F(InventoryTest, ARecallAcrossThreeSitesIsTracedToExactlyTheTreatedClients) {
  const v1::Product product = Cartridge();
  std::string lot;
  for (const char* site : {kSoho, kLeeds, kYork}) lot = ReceiveLot(site, product.name(), "BAD", 4);
  std::vector<std::string> treated;
  int n = 0;
  for (const char* site : {kSoho, kLeeds, kYork}) {
    for (int i = 0; i < 2; ++i) {
      const std::string client = NewClient();
      ++n;
      v1::Consumption consumption;
      ASSERT_TRUE(Consume(site, client, absl::StrCat("c-", n), consumption).ok());
      treated.push_back(absl::StrCat(site, " ", client));
    }
  }
  // A site-bound clerk may not recall for the chain.
  auto recall = Parse<v1::RecallLotRequest>(
      absl::StrCat("name: '", lot, "' reason: 'FSN-2026-14: sterility' request_id: 'recall'"));
  v1::Recall result;
  EXPECT_EQ(stub_->RecallLot(Context(site_clerk_).get(), recall, &result).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  const grpc::Status recalled = stub_->RecallLot(Context(clerk_).get(), recall, &result);
  ASSERT_TRUE(recalled.ok()) << recalled.error_message();
  EXPECT_THAT(result.sites(), SizeIs(3));
  EXPECT_EQ(result.consumed(), 6);
  for (const char* site : {kSoho, kLeeds, kYork}) {
    EXPECT_EQ(Balance(site, lot).recalled(), 2) << site;
    EXPECT_EQ(Balance(site, lot).usable(), 0) << site;
  }
  v1::Consumption after;
  EXPECT_EQ(ReasonOf(Consume(kSoho, NewClient(), "late", after)), "ALL_RECALLED_OR_QUARANTINED");

  auto trace = Parse<v1::TraceLotRequest>("name: '" + lot + "'");
  v1::TraceLotResponse uses;
  ASSERT_TRUE(stub_->TraceLot(Context(nurse_).get(), trace, &uses).ok());
  std::vector<std::string> traced;
  for (const v1::LotUse& use : uses.uses()) traced.push_back(use.site_id() + " " + use.client());
  EXPECT_THAT(traced, ::testing::UnorderedElementsAreArray(treated));
  // The clerk keeps the stock but does not see whom it was used on.
  EXPECT_EQ(stub_->TraceLot(Context(clerk_).get(), trace, &uses).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(InventoryTest, StockAndItsHistoryOutliveARestart) {
  const v1::Product product = Cartridge();
  const std::string lot = ReceiveLot(kSoho, product.name(), "L1", 7);
  const std::string client = NewClient();
  v1::Consumption first;
  ASSERT_TRUE(Consume(kSoho, client, "before-restart", first).ok());
  server_->Shutdown(absl::Seconds(5));
  server_.reset();
  Start();
  EXPECT_EQ(Balance(kSoho, lot).usable(), 6);
  v1::Consumption again;
  ASSERT_TRUE(Consume(kSoho, client, "before-restart", again).ok());
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(Balance(kSoho, lot).usable(), 6);
}

// Alerts raised by other callers reach an open stream, and a tool that lost
// its connection resumes from the last id it saw: nothing missed, nothing
// twice.
TEST_F(InventoryTest, AlertsStreamAsTheyAreRaisedAndResumeAfterADrop) {
  const v1::Product product = Cartridge();
  const std::string lot = ReceiveLot(kSoho, product.name(), "L1", 3);
  auto point = Parse<v1::SetReorderPointRequest>(
      absl::StrCat("reorder_point { site_id: '", kSoho, "' product: '", product.name(),
                   "' reorder_point: 3 reorder_quantity: 10 }"));
  v1::ReorderPoint set;
  ASSERT_TRUE(stub_->SetReorderPoint(Context(clerk_).get(), point, &set).ok());

  auto watch = Parse<v1::WatchAlertsRequest>(absl::StrCat("site_id: '", kSoho, "'"));
  auto context = Context(site_clerk_);
  auto reader = stub_->WatchAlerts(context.get(), watch);
  // The stream is open (admitted, audited) once its header arrives.
  reader->WaitForInitialMetadata();
  v1::Consumption consumption;
  ASSERT_TRUE(Consume(kSoho, NewClient(), "takes-one", consumption).ok());
  v1::Alert low;
  ASSERT_TRUE(reader->Read(&low));
  EXPECT_EQ(low.kind(), v1::ALERT_KIND_LOW_STOCK);
  EXPECT_EQ(low.site_id(), kSoho);
  EXPECT_EQ(low.quantity(), 2);
  // The connection drops.
  context->TryCancel();
  v1::Alert drained;
  while (reader->Read(&drained)) {
  }
  reader->Finish();

  // Raised while nobody watched.
  auto recall = Parse<v1::RecallLotRequest>(
      absl::StrCat("name: '", lot, "' reason: 'FSN-9' request_id: 'recall-l1'"));
  v1::Recall recalled;
  ASSERT_TRUE(stub_->RecallLot(Context(clerk_).get(), recall, &recalled).ok());

  watch.set_after_event_id(low.event_id());
  auto again_context = Context(site_clerk_);
  auto again = stub_->WatchAlerts(again_context.get(), watch);
  v1::Alert next;
  ASSERT_TRUE(again->Read(&next));
  EXPECT_EQ(next.kind(), v1::ALERT_KIND_RECALL);
  EXPECT_GT(next.event_id(), low.event_id());
  EXPECT_EQ(next.lot(), lot);
  again_context->TryCancel();
  while (again->Read(&next)) {
  }
  again->Finish();

  // A position this deployment never gave out.
  watch.set_after_event_id(1000000);
  auto beyond_context = Context(site_clerk_);
  auto beyond = stub_->WatchAlerts(beyond_context.get(), watch);
  EXPECT_FALSE(beyond->Read(&next));
  EXPECT_EQ(beyond->Finish().error_code(), grpc::StatusCode::OUT_OF_RANGE);
}

}  // namespace
}  // namespace clinic
