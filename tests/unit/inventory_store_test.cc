// The Inventory SQLite store below the service: the ledger's arithmetic
// through every movement type, first-expiry-first allocation and what it
// skips, each reason there is no usable stock (with nothing written),
// idempotent consumption, recalls across sites and their traces, alerts,
// append-only history and balances that never go negative.
#include "services/inventory/inventory_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "common/storage/database.h"
#include "common/storage/ids.h"
#include "tests/testing/test_env.h"

namespace clinic::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kCaller[] = "staff/clerk";
constexpr size_t kBudget = 1 << 20;

v1::Date Day(int yyyymmdd) {
  v1::Date date;
  date.set_year(yyyymmdd / 10000);
  date.set_month(yyyymmdd / 100 % 100);
  date.set_day(yyyymmdd % 100);
  return date;
}

std::string ErrorReason(const absl::Status& status) { return GetReason(status); }

class InventoryStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    store_.reset();
    auto store =
        OpenSqliteInventoryStore(path_, kBudget, [this](absl::string_view) { return today_; });
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  Stamp Now() const { return Stamp{"staff/clerk", absl::Now()}; }

  // The client id standing for `who` in this test.
  std::string ClientId(const std::string& who) {
    auto [it, inserted] = clients_.emplace(who, "");
    if (inserted) it->second = storage::NewId();
    return it->second;
  }

  std::string NextId() { return absl::StrCat("req-", ++requests_); }

  // A 36-needle cartridge, 2.5 mm, for "Dermapen 4"; returns its id.
  std::string Cartridge(int needles = 36, int length_um = 2500, bool insulated = false) {
    v1::Product product;
    const std::string id = storage::NewId();
    product.set_name("products/" + id);
    product.set_display_name(absl::StrCat("Cartridge ", needles));
    product.set_manufacturer("Dermapen World");
    product.set_kind(v1::CONSUMABLE_KIND_NEEDLE_CARTRIDGE);
    product.mutable_cartridge()->mutable_needles()->set_needle_count(needles);
    product.mutable_cartridge()->set_needle_length_um(length_um);
    product.mutable_cartridge()->set_insulated(insulated);
    product.mutable_cartridge()->add_compatible_devices("Dermapen 4");
    v1::CreateProductRequest request;
    *request.mutable_product() = product;
    request.set_request_id(NextId());
    auto created = store_->CreateProduct(request, kCaller, product);
    EXPECT_TRUE(created.ok()) << created.status();
    return id;
  }

  // Receives `quantity` units of `lot_number` at `site`; returns the lot id.
  std::string Receive(const std::string& site, const std::string& product_id,
                      const std::string& lot_number, int expiry, int64_t quantity) {
    v1::ReceiveStockRequest request;
    request.set_site_id(site);
    request.set_product("products/" + product_id);
    request.set_lot_number(lot_number);
    *request.mutable_expiry_date() = Day(expiry);
    request.set_quantity(quantity);
    request.set_supplier("Supplier Ltd");
    request.set_request_id(NextId());
    auto movement = store_->Receive(request, kCaller, product_id, Now());
    EXPECT_TRUE(movement.ok()) << movement.status();
    if (!movement.ok()) return "";
    return movement->lot().substr(movement->lot().rfind('/') + 1);
  }

  absl::StatusOr<v1::Consumption> Consume(const std::string& site, const Need& need,
                                          int64_t quantity, const std::string& client,
                                          const std::string& request_id = "") {
    v1::ConsumeStockRequest request;
    request.set_site_id(site);
    request.set_client("clients/" + ClientId(client));
    request.set_treatment_reference("session " + client);
    request.set_quantity(static_cast<int32_t>(quantity));
    request.set_request_id(request_id.empty() ? NextId() : request_id);
    ConsumeOrder order;
    order.need = need;
    order.quantity = quantity;
    order.consumption.set_name(absl::StrCat("sites/", site, "/consumptions/", storage::NewId()));
    order.consumption.set_client(request.client());
    order.consumption.set_treatment_reference(request.treatment_reference());
    *order.consumption.mutable_create_time() = ToTimestampMillis(absl::Now());
    order.consumption.set_recorded_by(kCaller);
    return store_->Consume(request, kCaller, order);
  }

  Need ProductNeed(const std::string& product_id) {
    Need need;
    need.product_id = product_id;
    return need;
  }

  v1::StockBalance Balance(const std::string& site, const std::string& product_id,
                           const std::string& lot_id) {
    v1::ListStockRequest request;
    request.set_site_id(site);
    request.set_include_empty(true);
    auto listed = store_->ListStock(request, product_id);
    EXPECT_TRUE(listed.ok()) << listed.status();
    for (const v1::StockLevel& level : listed->levels()) {
      if (level.lot() == absl::StrCat("products/", product_id, "/lots/", lot_id)) {
        return level.balance();
      }
    }
    return v1::StockBalance();
  }

  std::string BalanceText(const std::string& site, const std::string& product_id,
                          const std::string& lot_id) {
    const v1::StockBalance b = Balance(site, product_id, lot_id);
    return absl::StrCat(b.usable(), "/", b.quarantined(), "/", b.recalled());
  }

  void ExpectLedgerAddsUp() {
    auto problems = store_->CheckLedger();
    ASSERT_TRUE(problems.ok()) << problems.status();
    EXPECT_THAT(*problems, IsEmpty());
  }

  absl::Status RawWrite(const std::string& sql) {
    auto db = storage::Database::Open(path_, storage::Database::Options());
    if (!db.ok()) return db.status();
    return (*db)->Write([&](storage::Connection& c) {
      c.Exec(sql.c_str());
      return absl::OkStatus();
    });
  }

  clinic::testing::TempDir dir_;
  std::string path_ = dir_.Join("inventory.db");
  int today_ = 20261201;
  int requests_ = 0;
  std::map<std::string, std::string> clients_;
  std::unique_ptr<InventoryStore> store_;
};

TEST_F(InventoryStoreTest, EveryMovementTypeMovesTheBalanceItNames) {
  const std::string product = Cartridge();
  const std::string lot = Receive("north", product, "L1", 20270101, 10);
  EXPECT_EQ(BalanceText("north", product, lot), "10/0/0");

  v1::AdjustStockRequest adjust;
  adjust.set_site_id("north");
  adjust.set_lot(absl::StrCat("products/", product, "/lots/", lot));
  adjust.set_quantity_change(-1);
  adjust.set_reason(v1::ADJUSTMENT_REASON_DAMAGED);
  adjust.set_request_id(NextId());
  auto adjusted = store_->Adjust(adjust, kCaller, product, lot, Now());
  ASSERT_TRUE(adjusted.ok()) << adjusted.status();
  EXPECT_EQ(adjusted->balance_after().usable(), 9);

  v1::QuarantineStockRequest quarantine;
  quarantine.set_site_id("north");
  quarantine.set_lot(adjust.lot());
  quarantine.set_quantity(3);
  quarantine.set_note("seal broken");
  quarantine.set_request_id(NextId());
  ASSERT_TRUE(store_->Quarantine(quarantine, kCaller, product, lot, Now()).ok());
  EXPECT_EQ(BalanceText("north", product, lot), "6/3/0");

  v1::ReleaseStockRequest release;
  release.set_site_id("north");
  release.set_lot(adjust.lot());
  release.set_quantity(1);
  release.set_note("seal fine");
  release.set_request_id(NextId());
  ASSERT_TRUE(store_->Release(release, kCaller, product, lot, Now()).ok());
  EXPECT_EQ(BalanceText("north", product, lot), "7/2/0");

  ASSERT_TRUE(Consume("north", ProductNeed(product), 2, "c1").ok());
  EXPECT_EQ(BalanceText("north", product, lot), "5/2/0");

  v1::CountStockRequest count;
  count.set_site_id("north");
  count.add_counts()->set_lot(adjust.lot());
  count.mutable_counts(0)->set_counted_quantity(4);
  count.set_request_id(NextId());
  auto counted = store_->Count(count, kCaller, {{product, lot}}, Now());
  ASSERT_TRUE(counted.ok()) << counted.status();
  ASSERT_THAT(counted->adjustments(), SizeIs(1));
  EXPECT_EQ(counted->adjustments(0).quantity(), -1);
  EXPECT_EQ(counted->adjustments(0).adjustment_reason(), v1::ADJUSTMENT_REASON_COUNT_CORRECTION);
  EXPECT_EQ(BalanceText("north", product, lot), "4/2/0");

  v1::SendTransferRequest send;
  v1::Transfer transfer;
  transfer.set_name("transfers/" + storage::NewId());
  transfer.set_from_site_id("north");
  transfer.set_to_site_id("south");
  transfer.add_lines()->set_lot(adjust.lot());
  transfer.mutable_lines(0)->set_quantity(3);
  *transfer.mutable_send_time() = ToTimestampMillis(absl::Now());
  *send.mutable_transfer() = transfer;
  send.set_request_id(NextId());
  auto sent = store_->SendTransfer(send, kCaller, transfer, {{product, lot}});
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->state(), v1::TRANSFER_STATE_IN_TRANSIT);
  EXPECT_EQ(BalanceText("north", product, lot), "1/2/0");
  // In transit: usable at neither site.
  EXPECT_EQ(BalanceText("south", product, lot), "0/0/0");
  EXPECT_FALSE(Consume("south", ProductNeed(product), 1, "c2").ok());

  v1::ReceiveTransferRequest receive;
  receive.set_name(transfer.name());
  receive.set_site_id("south");
  receive.set_request_id(NextId());
  const std::string transfer_id = transfer.name().substr(transfer.name().rfind('/') + 1);
  auto received = store_->ReceiveTransfer(receive, kCaller, transfer_id, Now());
  ASSERT_TRUE(received.ok()) << received.status();
  EXPECT_EQ(received->state(), v1::TRANSFER_STATE_RECEIVED);
  EXPECT_EQ(BalanceText("south", product, lot), "3/0/0");

  v1::RecallLotRequest recall;
  recall.set_name(adjust.lot());
  recall.set_reason("sterility");
  recall.set_request_id(NextId());
  auto recalled = store_->RecallLot(recall, kCaller, product, lot, Now());
  ASSERT_TRUE(recalled.ok()) << recalled.status();
  EXPECT_EQ(BalanceText("north", product, lot), "0/0/3");
  EXPECT_EQ(BalanceText("south", product, lot), "0/0/3");
  EXPECT_EQ(recalled->consumed(), 2);

  v1::DisposeStockRequest dispose;
  dispose.set_site_id("south");
  dispose.set_lot(adjust.lot());
  dispose.set_quantity(3);
  dispose.set_request_id(NextId());
  ASSERT_TRUE(store_->Dispose(dispose, kCaller, product, lot, Now()).ok());
  EXPECT_EQ(BalanceText("south", product, lot), "0/0/0");
  ExpectLedgerAddsUp();

  v1::ListMovementsRequest list;
  list.set_site_id("north");
  auto movements = store_->ListMovements(list, MovementFilter());
  ASSERT_TRUE(movements.ok());
  // receive, adjust, quarantine, release, consume, count, transfer out, recall
  EXPECT_THAT(movements->movements(), SizeIs(8));
}

TEST_F(InventoryStoreTest, AllocatesFirstExpiringUsableLotsAndSkipsTheRest) {
  const std::string product = Cartridge();
  const std::string late = Receive("north", product, "LATE", 20270301, 5);
  const std::string soon = Receive("north", product, "SOON", 20261210, 2);
  const std::string mid = Receive("north", product, "MID", 20270101, 5);
  const std::string quarantined = Receive("north", product, "Q", 20261205, 4);
  v1::QuarantineStockRequest q;
  q.set_site_id("north");
  q.set_lot(absl::StrCat("products/", product, "/lots/", quarantined));
  q.set_quantity(4);
  q.set_note("held");
  q.set_request_id(NextId());
  ASSERT_TRUE(store_->Quarantine(q, kCaller, product, quarantined, Now()).ok());

  // 3 units: both of SOON, then one of MID.
  auto first = Consume("north", ProductNeed(product), 3, "c1");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_THAT(first->allocations(), SizeIs(2));
  EXPECT_EQ(first->allocations(0).lot_number(), "SOON");
  EXPECT_EQ(first->allocations(0).quantity(), 2);
  EXPECT_EQ(first->allocations(1).lot_number(), "MID");
  EXPECT_EQ(first->quantity(), 3);

  // On 2 January MID has expired: LATE is next.
  today_ = 20270102;
  auto second = Consume("north", ProductNeed(product), 1, "c2");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->allocations(0).lot_number(), "LATE");
  // A lot may be used on its expiry day.
  today_ = 20270301;
  EXPECT_TRUE(Consume("north", ProductNeed(product), 1, "c3").ok());
  EXPECT_EQ(BalanceText("north", product, late), "3/0/0");
  EXPECT_EQ(BalanceText("north", product, mid), "4/0/0");
  EXPECT_EQ(BalanceText("north", product, soon), "0/0/0");
  ExpectLedgerAddsUp();
}

TEST_F(InventoryStoreTest, EachShortageHasItsReasonAndConsumesNothing) {
  const std::string product = Cartridge();
  auto expect_reason = [&](const Need& need, int64_t quantity, const std::string& reason) {
    auto consumed = Consume("north", need, quantity, "c1");
    ASSERT_FALSE(consumed.ok()) << reason;
    EXPECT_EQ(consumed.status().code(), absl::StatusCode::kFailedPrecondition) << reason;
    EXPECT_THAT(ErrorReason(consumed.status()), reason) << consumed.status();
  };
  expect_reason(ProductNeed(product), 1, "NO_STOCK_ON_HAND");

  v1::CartridgeRequirement forty_two;
  forty_two.add_needles()->set_needle_count(42);
  forty_two.set_min_needle_length_um(500);
  Need wrong;
  wrong.cartridge = &forty_two;
  expect_reason(wrong, 1, "NO_PRODUCT_FITS");

  const std::string lot = Receive("north", product, "L1", 20261215, 3);
  today_ = 20261216;
  expect_reason(ProductNeed(product), 1, "ALL_EXPIRED");
  today_ = 20261201;
  expect_reason(ProductNeed(product), 4, "NOT_ENOUGH_USABLE_STOCK");
  EXPECT_EQ(BalanceText("north", product, lot), "3/0/0");

  v1::QuarantineStockRequest q;
  q.set_site_id("north");
  q.set_lot(absl::StrCat("products/", product, "/lots/", lot));
  q.set_quantity(3);
  q.set_note("held");
  q.set_request_id(NextId());
  ASSERT_TRUE(store_->Quarantine(q, kCaller, product, lot, Now()).ok());
  expect_reason(ProductNeed(product), 1, "ALL_RECALLED_OR_QUARANTINED");
  EXPECT_EQ(BalanceText("north", product, lot), "0/3/0");
  ExpectLedgerAddsUp();
}

TEST_F(InventoryStoreTest, ACartridgeRequirementTakesOnlyFittingProducts) {
  const std::string short_36 = Cartridge(36, 1000);
  const std::string long_36 = Cartridge(36, 2500);
  const std::string long_12 = Cartridge(12, 2500);
  Receive("north", short_36, "S36", 20261205, 5);
  Receive("north", long_12, "L12", 20261203, 5);
  Receive("north", long_36, "L36", 20270101, 5);
  v1::CartridgeRequirement requirement;
  requirement.add_needles()->set_needle_count(36);
  requirement.add_needles()->set_nano(true);
  requirement.set_min_needle_length_um(2000);
  Need need;
  need.cartridge = &requirement;
  auto consumed = Consume("north", need, 1, "c1");
  ASSERT_TRUE(consumed.ok()) << consumed.status();
  EXPECT_EQ(consumed->allocations(0).lot_number(), "L36");
  need.device = "SkinPen";
  auto other_device = Consume("north", need, 1, "c1");
  EXPECT_EQ(ErrorReason(other_device.status()), "NO_PRODUCT_FITS");
}

TEST_F(InventoryStoreTest, ARetriedConsumptionReturnsTheSameLotsAndTakesNothingMore) {
  const std::string product = Cartridge();
  const std::string lot = Receive("north", product, "L1", 20270101, 5);
  auto first = Consume("north", ProductNeed(product), 2, "c1", "same-id");
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = Consume("north", ProductNeed(product), 2, "c1", "same-id");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->name(), first->name());
  EXPECT_EQ(again->allocations(0).movement(), first->allocations(0).movement());
  EXPECT_EQ(BalanceText("north", product, lot), "3/0/0");
  // The same id for another request is refused.
  auto other = Consume("north", ProductNeed(product), 3, "c1", "same-id");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BalanceText("north", product, lot), "3/0/0");
}

TEST_F(InventoryStoreTest, ARecallReachesEverySiteAndTheTraceNamesEveryClient) {
  const std::string product = Cartridge();
  const std::string lot = Receive("north", product, "BAD", 20270101, 10);
  const std::string lot_name = absl::StrCat("products/", product, "/lots/", lot);
  Receive("south", product, "BAD", 20270101, 4);
  Receive("east", product, "BAD", 20270101, 4);
  const std::string good = Receive("north", product, "GOOD", 20270201, 5);
  ASSERT_TRUE(Consume("north", ProductNeed(product), 1, "alice").ok());
  ASSERT_TRUE(Consume("south", ProductNeed(product), 2, "bob").ok());
  ASSERT_TRUE(Consume("east", ProductNeed(product), 1, "carol").ok());

  // Two units on their way to the east when the recall comes.
  v1::Transfer transfer;
  transfer.set_name("transfers/" + storage::NewId());
  transfer.set_from_site_id("north");
  transfer.set_to_site_id("east");
  transfer.add_lines()->set_lot(lot_name);
  transfer.mutable_lines(0)->set_quantity(2);
  *transfer.mutable_send_time() = ToTimestampMillis(absl::Now());
  v1::SendTransferRequest send;
  *send.mutable_transfer() = transfer;
  send.set_request_id(NextId());
  ASSERT_TRUE(store_->SendTransfer(send, kCaller, transfer, {{product, lot}}).ok());

  int64_t alert_id = 0;
  store_->OnAlertsRaised([&](int64_t id) { alert_id = id; });
  v1::RecallLotRequest recall;
  recall.set_name(lot_name);
  recall.set_reason("sterility not assured");
  recall.set_request_id("recall-1");
  auto recalled = store_->RecallLot(recall, kCaller, product, lot, Now());
  ASSERT_TRUE(recalled.ok()) << recalled.status();
  EXPECT_EQ(recalled->lot().recall_state(), v1::RECALL_STATE_RECALLED);
  EXPECT_EQ(recalled->in_transit(), 2);
  EXPECT_EQ(recalled->consumed(), 4);
  ASSERT_THAT(recalled->sites(), SizeIs(3));
  EXPECT_EQ(BalanceText("north", product, lot), "0/0/7");
  EXPECT_EQ(BalanceText("south", product, lot), "0/0/2");
  EXPECT_EQ(BalanceText("east", product, lot), "0/0/3");
  // One alert per site concerned, told after the commit.
  auto alerts = store_->AlertsAfter("", 0, 100);
  ASSERT_TRUE(alerts.ok());
  EXPECT_THAT(alerts->alerts, SizeIs(3));
  EXPECT_EQ(alert_id, alerts->alerts.back().event_id());
  EXPECT_EQ(alerts->position, alert_id);

  // The retry answers the same; another recall is refused.
  EXPECT_TRUE(store_->RecallLot(recall, kCaller, product, lot, Now()).ok());
  recall.set_request_id("recall-2");
  EXPECT_EQ(ErrorReason(store_->RecallLot(recall, kCaller, product, lot, Now()).status()),
            "ALREADY_RECALLED");

  // Later consumptions take the good lot, never the recalled one.
  auto after = Consume("north", ProductNeed(product), 1, "dave");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->allocations(0).lot_number(), "GOOD");
  EXPECT_EQ(ErrorReason(Consume("south", ProductNeed(product), 1, "erin").status()),
            "ALL_RECALLED_OR_QUARANTINED");
  // The units in transit arrive recalled.
  v1::ReceiveTransferRequest receive;
  receive.set_name(transfer.name());
  receive.set_site_id("east");
  receive.set_request_id(NextId());
  ASSERT_TRUE(store_
                  ->ReceiveTransfer(receive, kCaller,
                                    transfer.name().substr(transfer.name().rfind('/') + 1), Now())
                  .ok());
  EXPECT_EQ(BalanceText("east", product, lot), "0/0/5");
  EXPECT_EQ(BalanceText("north", product, good), "4/0/0");

  v1::TraceLotRequest trace;
  trace.set_name(lot_name);
  auto uses = store_->TraceLot(product, lot, trace);
  ASSERT_TRUE(uses.ok()) << uses.status();
  std::vector<std::string> clients;
  for (const v1::LotUse& use : uses->uses()) {
    clients.push_back(absl::StrCat(use.site_id(), ":", use.client(), ":", use.quantity()));

    EXPECT_EQ(use.lot_number(), "BAD");
  }
  EXPECT_THAT(clients, ElementsAre(absl::StrCat("north:clients/", ClientId("alice"), ":1"),
                                   absl::StrCat("south:clients/", ClientId("bob"), ":2"),
                                   absl::StrCat("east:clients/", ClientId("carol"), ":1")));
  v1::ListClientConsumptionsRequest by_client;
  by_client.set_client("clients/" + ClientId("bob"));
  auto bob = store_->ListClientConsumptions(ClientId("bob"), by_client);
  ASSERT_TRUE(bob.ok());
  ASSERT_THAT(bob->uses(), SizeIs(1));
  EXPECT_EQ(bob->uses(0).lot(), lot_name);
  ExpectLedgerAddsUp();
}

TEST_F(InventoryStoreTest, ReceiptsOfAKnownLotMustAgreeAndRecalledLotsAreRefused) {
  const std::string product = Cartridge();
  const std::string lot = Receive("north", product, "L1", 20270101, 1);
  v1::ReceiveStockRequest request;
  request.set_site_id("south");
  request.set_product("products/" + product);
  request.set_lot_number("L1");
  *request.mutable_expiry_date() = Day(20270202);
  request.set_quantity(1);
  request.set_supplier("x");
  request.set_request_id(NextId());
  EXPECT_EQ(ErrorReason(store_->Receive(request, kCaller, product, Now()).status()),
            "LOT_EXPIRY_MISMATCH");
  v1::RecallLotRequest recall;
  recall.set_name(absl::StrCat("products/", product, "/lots/", lot));
  recall.set_reason("r");
  recall.set_request_id(NextId());
  ASSERT_TRUE(store_->RecallLot(recall, kCaller, product, lot, Now()).ok());
  *request.mutable_expiry_date() = Day(20270101);
  request.set_request_id(NextId());
  EXPECT_EQ(ErrorReason(store_->Receive(request, kCaller, product, Now()).status()),
            "LOT_RECALLED");
  ExpectLedgerAddsUp();
}

TEST_F(InventoryStoreTest, OnlyExpiredOrRecalledUnitsAreDisposedOf) {
  const std::string product = Cartridge();
  const std::string lot = Receive("north", product, "L1", 20261210, 5);
  const std::string lot_name = absl::StrCat("products/", product, "/lots/", lot);
  v1::QuarantineStockRequest q;
  q.set_site_id("north");
  q.set_lot(lot_name);
  q.set_quantity(2);
  q.set_note("held");
  q.set_request_id(NextId());
  ASSERT_TRUE(store_->Quarantine(q, kCaller, product, lot, Now()).ok());
  v1::DisposeStockRequest dispose;
  dispose.set_site_id("north");
  dispose.set_lot(lot_name);
  dispose.set_quantity(4);
  dispose.set_request_id(NextId());
  EXPECT_EQ(ErrorReason(store_->Dispose(dispose, kCaller, product, lot, Now()).status()),
            "NOT_DISPOSABLE");
  today_ = 20261211;
  dispose.set_request_id(NextId());
  ASSERT_TRUE(store_->Dispose(dispose, kCaller, product, lot, Now()).ok());
  // The three on the shelf first, then one of the two set aside.
  EXPECT_EQ(BalanceText("north", product, lot), "0/1/0");
  dispose.set_request_id(NextId());
  EXPECT_EQ(ErrorReason(store_->Dispose(dispose, kCaller, product, lot, Now()).status()),
            "NOT_ENOUGH_STOCK");
  ExpectLedgerAddsUp();
}

TEST_F(InventoryStoreTest, LowStockAlertsOnceWhenTheReorderPointIsCrossed) {
  const std::string product = Cartridge();
  Receive("north", product, "L1", 20270101, 6);
  v1::ReorderPoint point;
  point.set_site_id("north");
  point.set_product("products/" + product);
  point.set_reorder_point(5);
  point.set_reorder_quantity(20);
  ASSERT_TRUE(store_->SetReorderPoint(point, product, absl::Now()).ok());
  ASSERT_TRUE(Consume("north", ProductNeed(product), 1, "c1").ok());  // 5: not below
  auto none = store_->AlertsAfter("north", 0, 10);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(none->alerts, IsEmpty());
  ASSERT_TRUE(Consume("north", ProductNeed(product), 1, "c2").ok());  // 4: below
  ASSERT_TRUE(Consume("north", ProductNeed(product), 1, "c3").ok());  // 3: still below
  auto alerts = store_->AlertsAfter("north", 0, 10);
  ASSERT_TRUE(alerts.ok());
  ASSERT_THAT(alerts->alerts, SizeIs(1));
  EXPECT_EQ(alerts->alerts[0].kind(), v1::ALERT_KIND_LOW_STOCK);
  EXPECT_EQ(alerts->alerts[0].quantity(), 4);
  EXPECT_EQ(alerts->alerts[0].reorder_point(), 5);
  auto low = store_->ListLowStock("");
  ASSERT_TRUE(low.ok());
  ASSERT_THAT(low->items(), SizeIs(1));
  EXPECT_EQ(low->items(0).usable(), 3);
  // Another site's alerts are not this site's.
  // Another site's alerts are not this site's, and a reader of that site
  // moves past them.
  auto south = store_->AlertsAfter("south", 0, 10);
  ASSERT_TRUE(south.ok());
  EXPECT_THAT(south->alerts, IsEmpty());
  EXPECT_EQ(south->position, alerts->alerts[0].event_id());
}

TEST_F(InventoryStoreTest, ExpiryAlertsAreRaisedOncePerSiteAndLot) {
  const std::string product = Cartridge();
  const std::string soon = Receive("north", product, "SOON", 20261220, 3);
  Receive("north", product, "LATER", 20270601, 3);
  Receive("south", product, "SOON", 20261220, 3);
  DayBySite through{{"north", 20261231}, {"south", 20261231}};
  auto raised = store_->RaiseExpiryAlerts(through, absl::Now());
  ASSERT_TRUE(raised.ok()) << raised.status();
  EXPECT_EQ(*raised, 2);
  auto again = store_->RaiseExpiryAlerts(through, absl::Now());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  auto alerts = store_->AlertsAfter("", 0, 10);
  ASSERT_TRUE(alerts.ok());
  ASSERT_THAT(alerts->alerts, SizeIs(2));
  EXPECT_EQ(alerts->alerts[0].kind(), v1::ALERT_KIND_EXPIRING_SOON);
  EXPECT_THAT(alerts->alerts[0].message(), HasSubstr("2026-12-20"));
  // Resuming after the first delivers only the second.
  auto rest = store_->AlertsAfter("", alerts->alerts[0].event_id(), 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_THAT(rest->alerts, SizeIs(1));
  EXPECT_EQ(rest->alerts[0].event_id(), alerts->alerts[1].event_id());

  v1::ListExpiringStockRequest expiring;
  auto listed = store_->ListExpiringStock(expiring, {{"north", 20261231}});
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_THAT(listed->levels(), SizeIs(1));
  EXPECT_EQ(listed->levels(0).lot(), absl::StrCat("products/", product, "/lots/", soon));
}

TEST_F(InventoryStoreTest, TheLedgerIsAppendOnlyAndBalancesNeverGoNegative) {
  const std::string product = Cartridge();
  Receive("north", product, "L1", 20270101, 2);
  ASSERT_TRUE(Consume("north", ProductNeed(product), 1, "c1").ok());
  absl::Status edit = RawWrite("UPDATE movements SET usable_change = 100");
  EXPECT_FALSE(edit.ok());
  EXPECT_THAT(std::string(edit.message()), HasSubstr("stock movements are never changed"));
  EXPECT_FALSE(RawWrite("DELETE FROM movements").ok());
  EXPECT_FALSE(RawWrite("UPDATE stock SET usable = -1").ok());
  EXPECT_FALSE(RawWrite("DELETE FROM consumptions").ok());
  ExpectLedgerAddsUp();
  // A balance changed behind the ledger's back is found.
  ASSERT_TRUE(RawWrite("UPDATE stock SET usable = 7").ok());
  auto problems = store_->CheckLedger();
  ASSERT_TRUE(problems.ok());
  EXPECT_THAT(*problems, SizeIs(1));
}

TEST_F(InventoryStoreTest, EverythingIsThereAfterARestart) {
  const std::string product = Cartridge();
  const std::string lot = Receive("north", product, "L1", 20270101, 5);
  ASSERT_TRUE(Consume("north", ProductNeed(product), 2, "c1", "keep").ok());
  Open();
  EXPECT_EQ(BalanceText("north", product, lot), "3/0/0");
  auto replay = Consume("north", ProductNeed(product), 2, "c1", "keep");
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(BalanceText("north", product, lot), "3/0/0");
  ExpectLedgerAddsUp();
}

TEST_F(InventoryStoreTest, ListsPageWithoutLosingOrRepeatingItems) {
  const std::string product = Cartridge();
  for (int i = 0; i < 7; ++i) {
    Receive("north", product, absl::StrCat("L", i), 20270101 + i, 1);
  }
  std::vector<std::string> seen;
  v1::ListStockRequest request;
  request.set_site_id("north");
  request.set_page_size(3);
  for (int page = 0; page < 5; ++page) {
    auto listed = store_->ListStock(request, "");
    ASSERT_TRUE(listed.ok()) << listed.status();
    for (const v1::StockLevel& level : listed->levels()) seen.push_back(level.lot_number());
    if (listed->next_page_token().empty()) break;
    request.set_page_token(listed->next_page_token());
  }
  EXPECT_THAT(seen, ElementsAre("L0", "L1", "L2", "L3", "L4", "L5", "L6"));

  std::vector<std::string> movements;
  v1::ListMovementsRequest list;
  list.set_site_id("north");
  list.set_page_size(4);
  for (int page = 0; page < 5; ++page) {
    auto listed = store_->ListMovements(list, MovementFilter());
    ASSERT_TRUE(listed.ok()) << listed.status();
    for (const v1::Movement& m : listed->movements()) movements.push_back(m.name());
    if (listed->next_page_token().empty()) break;
    list.set_page_token(listed->next_page_token());
  }
  EXPECT_THAT(movements, SizeIs(7));
}

}  // namespace
}  // namespace clinic::inventory
