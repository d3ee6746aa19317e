// The Inventory SQLite store below the service: the ledger's arithmetic
// through every movement type, first-expiry-first allocation and what it
// skips, each reason there is no usable stock (with nothing written),
// idempotent consumption, disposal, append-only history, restarts and
// paging. Recalls and alerts are in inventory_recall_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/inventory_store_fixture.h"

namespace clinic::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

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
