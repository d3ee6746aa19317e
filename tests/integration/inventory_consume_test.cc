// ConsumeTreatmentStock over real gRPC: everything one treatment used is
// consumed in one transaction or not at all, a scanned lot is taken from
// exactly and refused when recalled, expired or not a fit, a retry consumes
// nothing more, and ConsumeStock takes a scanned lot the same way.
#include <string>

#include "tests/integration/inventory_fixture.h"

namespace clinic {
namespace {

using inventory_testing::FieldOf;
using inventory_testing::InventoryTest;
using inventory_testing::kLeeds;
using inventory_testing::kSoho;
using inventory_testing::Parse;
using inventory_testing::ReasonOf;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kFace[] =
    "uses { requirement { treatment_type: 'treatmentTypes/microneedling' requirement_id: "
    "'face_36_42' } } ";
constexpr char kCream[] =
    "uses { requirement { treatment_type: 'treatmentTypes/microneedling' requirement_id: "
    "'lidocaine_cream' } } ";

class InventoryConsumeTest : public InventoryTest {
 protected:
  // A tube of lidocaine cream, which the definition's consumable fits.
  v1::Product Cream() {
    auto request = Parse<v1::CreateProductRequest>(absl::StrCat(
        "product { display_name: 'Lidocaine 4% cream' manufacturer: 'Pharma' model: 'LC-4' "
        "kind: CONSUMABLE_KIND_TOPICAL_ANAESTHETIC category: 'lidocaine_cream' } request_id: '",
        NextId(), "'"));
    v1::Product product;
    const grpc::Status status = stub_->CreateProduct(Context(clerk_).get(), request, &product);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return product;
  }

  grpc::Status ConsumeAll(const std::string& site, const std::string& uses,
                          const std::string& request_id, v1::TreatmentConsumption& consumed) {
    auto request = Parse<v1::ConsumeTreatmentStockRequest>(
        absl::StrCat("site_id: '", site, "' ", uses, " device: 'Dermapen 4' client: '", client_,
                     "' treatment_reference: 'a session' request_id: '", request_id, "'"));
    return stub_->ConsumeTreatmentStock(Context(nurse_).get(), request, &consumed);
  }

  const std::string client_ = NewClient();
};

TEST_F(InventoryConsumeTest, EverythingATreatmentUsedIsConsumedTogetherAndOnce) {
  const std::string cartridge = ReceiveLot(kSoho, Cartridge().name(), "DP-1", 3);
  const std::string cream = ReceiveLot(kSoho, Cream().name(), "LC-1", 2);
  v1::TreatmentConsumption consumed;
  const grpc::Status status =
      ConsumeAll(kSoho, absl::StrCat(kFace, kCream), "treatment-1", consumed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(consumed.consumptions(), SizeIs(2));
  EXPECT_EQ(consumed.consumptions(0).allocations(0).lot(), cartridge);
  EXPECT_TRUE(consumed.consumptions(0).lot_required());
  EXPECT_EQ(consumed.consumptions(1).allocations(0).lot(), cream);
  EXPECT_FALSE(consumed.consumptions(1).lot_required());
  EXPECT_NE(consumed.consumptions(0).name(), consumed.consumptions(1).name());

  // The same request again: the same answer, nothing more taken.
  v1::TreatmentConsumption again;
  ASSERT_TRUE(ConsumeAll(kSoho, absl::StrCat(kFace, kCream), "treatment-1", again).ok());
  EXPECT_EQ(again.SerializeAsString(), consumed.SerializeAsString());
  EXPECT_EQ(Balance(kSoho, cartridge).usable(), 2);
  EXPECT_EQ(Balance(kSoho, cream).usable(), 1);
}

TEST_F(InventoryConsumeTest, WhenOneUseCannotBeMetNothingIsConsumed) {
  const std::string cartridge = ReceiveLot(kSoho, Cartridge().name(), "DP-1", 3);
  Cream();  // in the catalogue, but none on hand
  const int movements = MovementCount(kSoho);
  v1::TreatmentConsumption consumed;
  const grpc::Status status =
      ConsumeAll(kSoho, absl::StrCat(kFace, kCream), "treatment-2", consumed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "NO_STOCK_ON_HAND");
  EXPECT_THAT(status.error_message(), HasSubstr("uses[1]: "));
  EXPECT_EQ(Balance(kSoho, cartridge).usable(), 3) << "the cartridge went back with the cream";
  EXPECT_EQ(MovementCount(kSoho), movements);
}

TEST_F(InventoryConsumeTest, AScannedLotIsTakenFromExactlyOrRefusedWithItsReason) {
  const std::string product = Cartridge().name();
  const std::string first = ReceiveLot(kSoho, product, "DP-EARLY", 2);
  v1::Movement late_movement;
  ASSERT_TRUE(
      Receive(kSoho, product, "DP-LATE", 2, late_movement, inventory_testing::NextYear() + 1).ok());
  const std::string late = late_movement.lot();
  // First-expiring would take DP-EARLY; the box in hand is DP-LATE.
  v1::TreatmentConsumption consumed;
  const grpc::Status scanned =
      ConsumeAll(kSoho,
                 absl::StrCat("uses { requirement { treatment_type: 'treatmentTypes/microneedling' "
                              "requirement_id: 'face_36_42' } lot: '",
                              late, "' }"),
                 "scanned", consumed);
  ASSERT_TRUE(scanned.ok()) << scanned.error_message();
  EXPECT_EQ(consumed.consumptions(0).allocations(0).lot(), late);
  EXPECT_EQ(Balance(kSoho, late).usable(), 1);
  EXPECT_EQ(Balance(kSoho, first).usable(), 2);

  // Recalled: refused at the chair, though units of it are still counted.
  auto recall = Parse<v1::RecallLotRequest>(
      absl::StrCat("name: '", late, "' reason: 'FSN-2026-21' request_id: 'recall-late'"));
  v1::Recall result;
  ASSERT_TRUE(stub_->RecallLot(Context(clerk_).get(), recall, &result).ok());
  v1::Consumption one;
  const grpc::Status recalled =
      Consume(kSoho, NewClient(), "scan-recalled", one,
              absl::StrCat("requirement { treatment_type: 'treatmentTypes/microneedling' "
                           "requirement_id: 'face_36_42' } lot: '",
                           late, "'"));
  EXPECT_EQ(recalled.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(recalled), "LOT_RECALLED");
  EXPECT_THAT(recalled.error_message(), HasSubstr("DP-LATE"));

  // A lot of a product that does not fit the requirement.
  const std::string cream = ReceiveLot(kSoho, Cream().name(), "LC-9", 1);
  const grpc::Status misfit =
      ConsumeAll(kSoho,
                 absl::StrCat("uses { requirement { treatment_type: 'treatmentTypes/microneedling' "
                              "requirement_id: 'face_36_42' } lot: '",
                              cream, "' }"),
                 "misfit", consumed);
  EXPECT_EQ(ReasonOf(misfit), "LOT_DOES_NOT_FIT");
  // A lot with no units at this site.
  const grpc::Status elsewhere =
      ConsumeAll(kLeeds,
                 absl::StrCat("uses { requirement { treatment_type: 'treatmentTypes/microneedling' "
                              "requirement_id: 'face_36_42' } lot: '",
                              first, "' }"),
                 "elsewhere", consumed);
  EXPECT_EQ(ReasonOf(elsewhere), "NO_STOCK_ON_HAND");
  EXPECT_EQ(Balance(kSoho, first).usable(), 2);
  EXPECT_EQ(Balance(kSoho, cream).usable(), 1);
}

TEST_F(InventoryConsumeTest, BadUsesAreRefusedByTheirIndexAndTheListIsBounded) {
  v1::TreatmentConsumption consumed;
  const grpc::Status none = ConsumeAll(kSoho, "", "empty", consumed);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(none), "uses");
  const grpc::Status bad_lot = ConsumeAll(
      kSoho, absl::StrCat(kFace, "uses { product: 'products/x' quantity: 1 lot: 'nonsense' }"),
      "bad-lot", consumed);
  EXPECT_EQ(bad_lot.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(bad_lot), "uses[1].lot");
  EXPECT_THAT(bad_lot.error_message(), HasSubstr("(and 1 more problem)")) << "the product too";
  std::string many;
  for (int i = 0; i < 21; ++i) absl::StrAppend(&many, kFace);
  const grpc::Status too_many = ConsumeAll(kSoho, many, "many", consumed);
  EXPECT_EQ(too_many.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(too_many.error_message(), HasSubstr("at most 20"));
}

}  // namespace
}  // namespace clinic
