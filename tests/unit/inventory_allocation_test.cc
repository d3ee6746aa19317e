// Allocation and product rules as pure functions: what fits a requirement,
// first-expiry-first order with its ties, every shortage reason, GTIN check
// digits and the product checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/core/status.h"
#include "services/inventory/allocation.h"
#include "services/inventory/inventory_validation.h"

namespace clinic::inventory {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

v1::Date Day(int yyyymmdd) {
  v1::Date date;
  date.set_year(yyyymmdd / 10000);
  date.set_month(yyyymmdd / 100 % 100);
  date.set_day(yyyymmdd % 100);
  return date;
}

v1::Product Cartridge(int needles, int length_um, bool insulated) {
  v1::Product product;
  product.set_kind(v1::CONSUMABLE_KIND_NEEDLE_CARTRIDGE);
  if (needles == 0) {
    product.mutable_cartridge()->mutable_needles()->set_nano(true);
  } else {
    product.mutable_cartridge()->mutable_needles()->set_needle_count(needles);
  }
  product.mutable_cartridge()->set_needle_length_um(length_um);
  product.mutable_cartridge()->set_insulated(insulated);
  product.mutable_cartridge()->add_compatible_devices("Dermapen 4");
  return product;
}

TEST(FitsTest, ACartridgeFitsByNeedlesLengthInsulationAndDevice) {
  v1::CartridgeRequirement requirement;
  requirement.add_needles()->set_needle_count(36);
  requirement.add_needles()->set_nano(true);
  requirement.set_min_needle_length_um(2000);
  EXPECT_TRUE(Fits(Cartridge(36, 2000, false), requirement, ""));
  EXPECT_TRUE(Fits(Cartridge(0, 2500, false), requirement, ""));
  EXPECT_FALSE(Fits(Cartridge(42, 2500, false), requirement, ""));
  EXPECT_FALSE(Fits(Cartridge(36, 1999, false), requirement, ""));
  EXPECT_TRUE(Fits(Cartridge(36, 2500, false), requirement, "Dermapen 4"));
  EXPECT_FALSE(Fits(Cartridge(36, 2500, false), requirement, "SkinPen"));
  requirement.set_insulated_needles_required(true);
  EXPECT_FALSE(Fits(Cartridge(36, 2500, false), requirement, ""));
  EXPECT_TRUE(Fits(Cartridge(36, 2500, true), requirement, ""));
  v1::Product serum;
  serum.set_kind(v1::CONSUMABLE_KIND_SERUM);
  EXPECT_FALSE(Fits(serum, requirement, ""));
}

TEST(FitsTest, AConsumableFitsByKindAndCategory) {
  v1::ConsumableRequirement requirement;
  requirement.set_kind(v1::CONSUMABLE_KIND_PRP_KIT);
  requirement.set_category("prp_kit");
  v1::Product kit;
  kit.set_kind(v1::CONSUMABLE_KIND_PRP_KIT);
  kit.set_category("prp_kit");
  EXPECT_TRUE(Fits(kit, requirement));
  kit.set_category("prp_kit_20ml");
  EXPECT_FALSE(Fits(kit, requirement));
  kit.set_category("prp_kit");
  kit.set_kind(v1::CONSUMABLE_KIND_SERUM);
  EXPECT_FALSE(Fits(kit, requirement));
}

LotStock Lot(const std::string& id, int expiry, int64_t usable, int64_t quarantined = 0,
             int64_t recalled = 0, bool lot_recalled = false) {
  LotStock lot;
  lot.lot_id = id;
  lot.lot_number = id;
  lot.product_id = "p";
  lot.expiry_date = Day(expiry);
  lot.lot_recalled = lot_recalled;
  lot.balance.set_usable(usable);
  lot.balance.set_quarantined(quarantined);
  lot.balance.set_recalled(recalled);
  return lot;
}

std::vector<std::string> Taken(const std::vector<Take>& takes) {
  std::vector<std::string> out;
  for (const Take& take : takes)
    out.push_back(take.lot.lot_id + "x" + std::to_string(take.quantity));
  return out;
}

TEST(AllocateTest, TakesFirstExpiringThenByLotId) {
  auto takes =
      AllocateFirstExpiring({Lot("c", 20270101, 5), Lot("b", 20261210, 1), Lot("a", 20261210, 1)},
                            4, 20261201, "north", "d");
  ASSERT_TRUE(takes.ok()) << takes.status();
  EXPECT_THAT(Taken(*takes), ElementsAre("ax1", "bx1", "cx2"));
}

TEST(AllocateTest, SkipsExpiredAndRecalledLotsButUsesTheExpiryDay) {
  auto takes = AllocateFirstExpiring({Lot("old", 20261130, 5), Lot("bad", 20261205, 5, 0, 0, true),
                                      Lot("today", 20261201, 1), Lot("later", 20270101, 5)},
                                     2, 20261201, "north", "d");
  ASSERT_TRUE(takes.ok()) << takes.status();
  EXPECT_THAT(Taken(*takes), ElementsAre("todayx1", "laterx1"));
}

TEST(AllocateTest, EveryShortageHasItsReason) {
  struct Case {
    std::vector<LotStock> stock;
    int64_t quantity;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {{}, 1, "NO_STOCK_ON_HAND"},
      {{Lot("a", 20261201, 0)}, 1, "NO_STOCK_ON_HAND"},
      {{Lot("a", 20261130, 3)}, 1, "ALL_EXPIRED"},
      {{Lot("a", 20270101, 0, 2)}, 1, "ALL_RECALLED_OR_QUARANTINED"},
      {{Lot("a", 20270101, 0, 0, 2, true)}, 1, "ALL_RECALLED_OR_QUARANTINED"},
      {{Lot("a", 20261130, 3), Lot("b", 20270101, 0, 2)}, 1, "NO_USABLE_STOCK"},
      {{Lot("a", 20270101, 2), Lot("b", 20261130, 3)}, 3, "NOT_ENOUGH_USABLE_STOCK"},
  };
  for (const Case& c : cases) {
    auto takes =
        AllocateFirstExpiring(c.stock, c.quantity, 20261201, "north", "clinic.v1.Inventory");
    ASSERT_FALSE(takes.ok()) << c.reason;
    EXPECT_EQ(takes.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_EQ(GetReason(takes.status()), c.reason) << takes.status();
    EXPECT_THAT(std::string(takes.status().message()), HasSubstr("\"north\""));
  }
}

TEST(GtinTest, AcceptsOnlyGs1CheckDigits) {
  for (const char* valid : {"96385074", "036000291452", "4006381333931", "10614141000415"}) {
    EXPECT_TRUE(IsValidGtin(valid)) << valid;
  }
  for (const char* invalid : {"4006381333932", "400638133393", "40063813339310", "4006381333a31",
                              "", "1234567", "000000000000000"}) {
    EXPECT_FALSE(IsValidGtin(invalid)) << invalid;
  }
}

std::vector<std::string> Fields(const v1::Product& product) {
  std::vector<FieldViolation> out;
  CheckProduct(product, "product", out);
  std::vector<std::string> fields;
  for (const FieldViolation& v : out) fields.push_back(v.field);
  return fields;
}

TEST(CheckProductTest, NamesEachFieldThatIsWrong) {
  v1::Product product = Cartridge(36, 2500, false);
  product.set_display_name("Cartridge 36");
  product.set_manufacturer("Dermapen World");
  EXPECT_THAT(Fields(product), IsEmpty());

  v1::Product bad = product;
  bad.set_gtin("4006381333932");
  bad.set_category("serum");
  bad.mutable_cartridge()->set_needle_length_um(0);
  bad.mutable_cartridge()->add_compatible_devices("Dermapen 4");
  EXPECT_THAT(Fields(bad),
              ElementsAre("product.gtin", "product.category", "product.cartridge.needle_length_um",
                          "product.cartridge.compatible_devices[1]"));

  v1::Product both = product;
  both.mutable_cartridge()->mutable_needles()->set_nano(true);
  EXPECT_THAT(Fields(both), ElementsAre("product.cartridge.needles"));

  v1::Product serum;
  serum.set_display_name("Serum");
  serum.set_manufacturer("Maker");
  serum.set_kind(v1::CONSUMABLE_KIND_SERUM);
  EXPECT_THAT(Fields(serum), ElementsAre("product.category"));
  serum.set_category("Hyaluronic Serum");
  EXPECT_THAT(Fields(serum), ElementsAre("product.category"));
  serum.set_category("hyaluronic_serum");
  EXPECT_THAT(Fields(serum), IsEmpty());
  *serum.mutable_cartridge() = product.cartridge();
  EXPECT_THAT(Fields(serum), ElementsAre("product.cartridge"));

  v1::Product nothing;
  EXPECT_THAT(Fields(nothing),
              ElementsAre("product.display_name", "product.manufacturer", "product.kind"));
}

}  // namespace
}  // namespace clinic::inventory
