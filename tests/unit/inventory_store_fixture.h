// The Inventory store tests' fixture: a store in a temp folder whose "today"
// the test sets, and helpers that create products, receive lots and consume
// as the service would.
#ifndef CLINIC_TESTS_UNIT_INVENTORY_STORE_FIXTURE_H_
#define CLINIC_TESTS_UNIT_INVENTORY_STORE_FIXTURE_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "common/storage/database.h"
#include "common/storage/ids.h"
#include "services/inventory/inventory_store.h"
#include "tests/testing/test_env.h"

namespace clinic::inventory {

inline constexpr char kCaller[] = "staff/clerk";
inline constexpr size_t kBudget = 1 << 20;

inline v1::Date Day(int yyyymmdd) {
  v1::Date date;
  date.set_year(yyyymmdd / 10000);
  date.set_month(yyyymmdd / 100 % 100);
  date.set_day(yyyymmdd % 100);
  return date;
}

inline std::string ErrorReason(const absl::Status& status) { return GetReason(status); }

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

  Stamp Now() const { return Stamp{"staff/clerk", absl::Now(), "test-call"}; }

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
    std::string id = storage::NewId();
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
    EXPECT_THAT(*problems, ::testing::IsEmpty());
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

}  // namespace clinic::inventory

#endif  // CLINIC_TESTS_UNIT_INVENTORY_STORE_FIXTURE_H_
