// The Inventory SQLite store's recalls and alerts: a recall reaches every
// site and units in transit, the trace names every client treated, and
// low-stock and expiry alerts are raised once and read in order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "clinic/v1/clients.pb.h"
#include "services/inventory/inventory_names.h"
#include "tests/unit/inventory_store_fixture.h"

namespace clinic::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

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

  // A notice for each use's chart waits in the outbox, written with the
  // recall.
  EXPECT_EQ(*store_->UndeliveredNotices(), 3);

  // The retry answers the same; another recall is refused.
  EXPECT_TRUE(store_->RecallLot(recall, kCaller, product, lot, Now()).ok());
  recall.set_request_id("recall-2");
  EXPECT_EQ(ErrorReason(store_->RecallLot(recall, kCaller, product, lot, Now()).status()),
            "ALREADY_RECALLED");
  EXPECT_EQ(*store_->UndeliveredNotices(), 3) << "no notice twice";

  // Delivered, each names its client, the lot, why, and the use.
  std::mutex mutex;
  std::vector<storage::OutboxEntry> delivered;
  store_->StartNoticeDelivery(
      [&](const storage::OutboxEntry& entry) {
        std::lock_guard<std::mutex> lock(mutex);
        delivered.push_back(entry);
        return storage::DeliveryOutcome{true, "clients/x/lotRecallNotices/y"};
      },
      {absl::Milliseconds(10), absl::Milliseconds(50)});
  for (int i = 0; i < 500 && *store_->UndeliveredNotices() > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  store_->StopNoticeDelivery();
  ASSERT_EQ(*store_->UndeliveredNotices(), 0);
  std::vector<std::string> noticed;
  std::set<std::string> request_ids;
  for (const storage::OutboxEntry& entry : delivered) {
    EXPECT_EQ(entry.kind, kRecallNoticeOutboxKind);
    EXPECT_EQ(entry.acting_for, "staff/clerk");
    EXPECT_EQ(entry.request_id, "test-call");
    v1::RecordLotRecallRequest notice;
    ASSERT_TRUE(notice.ParseFromString(entry.payload));
    EXPECT_EQ(notice.notice().lot(), lot_name);
    EXPECT_EQ(notice.notice().lot_number(), "BAD");
    EXPECT_EQ(notice.notice().reason(), "sterility not assured");
    EXPECT_TRUE(notice.notice().has_recall_time());
    request_ids.insert(notice.request_id());
    noticed.push_back(absl::StrCat(notice.notice().site_id(), ":", notice.parent(), ":",
                                   notice.notice().quantity()));
  }
  EXPECT_THAT(noticed, ElementsAre(absl::StrCat("north:clients/", ClientId("alice"), ":1"),
                                   absl::StrCat("south:clients/", ClientId("bob"), ":2"),
                                   absl::StrCat("east:clients/", ClientId("carol"), ":1")));
  EXPECT_THAT(request_ids, SizeIs(3));

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

}  // namespace
}  // namespace clinic::inventory
