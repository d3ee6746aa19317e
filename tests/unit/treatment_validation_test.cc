// Unit tests of the checks of a charted treatment against its definition
// (treatment_validation.h): the treated areas, and what the session used up,
// with the exact field path of each violation and the phrase that says why.
#include "services/client_records/treatment_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clinic/v1/common.pb.h"
#include "google/protobuf/text_format.h"

namespace clinic {

// Lets failing expectations show violations readably.
void PrintTo(const FieldViolation& violation, std::ostream* os) {
  *os << "{" << violation.field << ": " << violation.description << "}";
}

namespace client_records {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Matcher;
using ::testing::Not;
using ::testing::SizeIs;

using Violations = std::vector<FieldViolation>;

Matcher<const FieldViolation&> Violation(const std::string& field, const std::string& phrase) {
  return AllOf(Field(&FieldViolation::field, field),
               Field(&FieldViolation::description, HasSubstr(phrase)));
}

// Descriptions travel in clinic.v1.BadRequest, a proto3 message whose string
// fields must be valid UTF-8 or the caller cannot parse the error.
bool SurvivesTheWire(const Violations& violations) {
  v1::BadRequest request;
  for (const FieldViolation& v : violations) {
    auto* out = request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  v1::BadRequest parsed;
  return parsed.ParseFromString(request.SerializeAsString());
}

// Ids as Inventory makes them (26 characters of Crockford base32), told
// apart by their last character.
std::string ProductName(char tag) {
  return absl::StrCat("products/01J", std::string(22, '0'), std::string(1, tag));
}
std::string LotName(char product_tag, char lot_tag) {
  return absl::StrCat(ProductName(product_tag), "/lots/01K", std::string(22, '0'),
                      std::string(1, lot_tag));
}

// --- Treated areas ---

constexpr absl::string_view kDefinition = R"pb(
  id: "microneedling"
  version: "1.0.0"
  indications { id: "acne_scars" display_name: "Acne scars" }
  indications { id: "texture" display_name: "Texture" }
  protocol {
    areas { id: "forehead" min_depth_um: 250 max_depth_um: 500 min_passes: 1 max_passes: 3 }
    areas {
      id: "cheeks"
      min_depth_um: 500
      max_depth_um: 1500
      min_passes: 2
      max_passes: 4
      depth_overrides { indication_id: "acne_scars" max_depth_um: 2000 }
    }
    areas {
      id: "neck"
      min_depth_um: 250
      max_depth_um: 1000
      min_passes: 1
      max_passes: 3
      depth_overrides { indication_id: "texture" max_depth_um: 750 }
      depth_overrides { indication_id: "acne_scars" max_depth_um: 1200 }
    }
  }
  cartridges { id: "face_36" area_ids: "forehead" area_ids: "cheeks" }
  cartridges { id: "neck_12" area_ids: "neck" }
  cartridges { id: "any_12" }
  consumables { id: "prp_kit" kind: CONSUMABLE_KIND_PRP_KIT category: "prp_kit" lot_required: true }
  consumables {
    id: "lidocaine_cream"
    kind: CONSUMABLE_KIND_TOPICAL_ANAESTHETIC
    category: "lidocaine_cream"
    area_ids: "forehead"
    area_ids: "cheeks"
  }
)pb";

class TreatmentValidationTest : public ::testing::Test {
 public:
  void SetUp() override {
    ASSERT_TRUE(
        google::protobuf::TextFormat::ParseFromString(std::string(kDefinition), &definition_));
  }

  TreatmentValidationTest& Add(const std::string& area, int depth, int passes,
                               const std::string& indication = "") {
    v1::TreatedArea* a = areas_.Add();
    a->set_area_id(area);
    a->set_needle_depth_um(depth);
    a->set_passes(passes);
    a->set_indication_id(indication);
    return *this;
  }

  Violations CheckAreas() const {
    Violations out;
    ValidateTreatedAreas(definition_, areas_, "treatment_record.areas", out);
    return out;
  }

  // An entry as a caller asks for it: the lot `lot_tag` of product
  // `product_tag` as scanned, or (`lot_tag` empty) neither, for any lot
  // that fits.
  v1::ConsumableUse& Use(const std::string& requirement_id, char product_tag,
                         absl::string_view lot_tag = "", int quantity = 1) {
    v1::ConsumableUse& use = *uses_.Add();
    use.set_requirement_id(requirement_id);
    if (!lot_tag.empty()) {
      use.set_product(ProductName(product_tag));
      use.set_lot(LotName(product_tag, lot_tag[0]));
    }
    use.set_quantity(quantity);
    return use;
  }

  Violations CheckUses() const {
    Violations out;
    ValidateConsumableUses(definition_, uses_, areas_, "treatment_record.consumables", out);
    return out;
  }

  v1::TreatmentDefinition definition_;
  google::protobuf::RepeatedPtrField<v1::TreatedArea> areas_;
  google::protobuf::RepeatedPtrField<v1::ConsumableUse> uses_;
};

TEST_F(TreatmentValidationTest, AreasWithinTheProtocolPass) {
  Add("forehead", 250, 1).Add("cheeks", 1500, 4).Add("neck", 1000, 3);
  EXPECT_THAT(CheckAreas(), IsEmpty());
}

TEST_F(TreatmentValidationTest, AtLeastOneArea) {
  EXPECT_THAT(CheckAreas(), ElementsAre(Violation("treatment_record.areas", "at least one")));
}

TEST_F(TreatmentValidationTest, DepthOverrideAllowsDeeperForItsIndicationOnly) {
  Add("cheeks", 1800, 3, "acne_scars");
  EXPECT_THAT(CheckAreas(), IsEmpty());
  areas_.Clear();
  Add("cheeks", 2000, 3, "acne_scars");
  EXPECT_THAT(CheckAreas(), IsEmpty());

  areas_.Clear();
  Add("cheeks", 1800, 3);
  EXPECT_THAT(CheckAreas(), ElementsAre(Violation("treatment_record.areas[0].needle_depth_um",
                                                  "1800 um is outside the 500 to 1500 um allowed "
                                                  "on 'cheeks' (up to 2000 um for acne_scars)")));

  // An indication of the definition without an override on this area gets
  // the area's own limit.
  areas_.Clear();
  Add("cheeks", 1800, 3, "texture");
  EXPECT_THAT(CheckAreas(), ElementsAre(Violation("treatment_record.areas[0].needle_depth_um",
                                                  "up to 2000 um for acne_scars")));
}

TEST_F(TreatmentValidationTest, DeeperThanTheOverrideFails) {
  Add("cheeks", 2100, 3, "acne_scars");
  const Violations out = CheckAreas();
  EXPECT_THAT(out, ElementsAre(Violation("treatment_record.areas[0].needle_depth_um",
                                         "2100 um is outside the 500 to 2000 um allowed on "
                                         "'cheeks' for acne_scars")));
  EXPECT_THAT(out[0].description, Not(HasSubstr("(up to")));
}

TEST_F(TreatmentValidationTest, OverridesMayBeShallower) {
  Add("neck", 900, 2, "texture");
  EXPECT_THAT(CheckAreas(), ElementsAre(Violation("treatment_record.areas[0].needle_depth_um",
                                                  "900 um is outside the 250 to 750 um allowed "
                                                  "on 'neck' for texture")));
  areas_.Clear();
  Add("neck", 1100, 2);
  EXPECT_THAT(CheckAreas(),
              ElementsAre(Violation("treatment_record.areas[0].needle_depth_um",
                                    "(up to 750 um for texture, up to 1200 um for acne_scars)")));
}

TEST_F(TreatmentValidationTest, TooShallowFails) {
  Add("forehead", 200, 1).Add("cheeks", 400, 2, "acne_scars");
  const Violations out = CheckAreas();
  EXPECT_THAT(out, ElementsAre(Violation("treatment_record.areas[0].needle_depth_um",
                                         "200 um is outside the 250 to 500 um allowed on "
                                         "'forehead'"),
                               Violation("treatment_record.areas[1].needle_depth_um",
                                         "400 um is outside the 500 to 2000 um")));
  // Overrides only raise the ceiling; they do not help a shallow pass.
  EXPECT_THAT(out[0].description, Not(HasSubstr("up to")));
}

TEST_F(TreatmentValidationTest, UnknownAreaNamesTheTypeAndItsAreas) {
  Add("lips", 500, 2);
  EXPECT_THAT(CheckAreas(),
              ElementsAre(Violation("treatment_record.areas[0].area_id",
                                    "'lips' is not an area of treatment type 'microneedling' "
                                    "(areas: forehead, cheeks, neck)")));
}

TEST_F(TreatmentValidationTest, LongAreaListsAreLeftOut) {
  for (int i = 0; i < 13; ++i) {
    v1::TreatmentArea* area = definition_.mutable_protocol()->add_areas();
    area->set_id(absl::StrCat("zone_", i));
  }
  Add("lips", 500, 2);
  const Violations out = CheckAreas();
  EXPECT_THAT(out, ElementsAre(Violation("treatment_record.areas[0].area_id",
                                         "'lips' is not an area of treatment type")));
  EXPECT_THAT(out[0].description, Not(HasSubstr("areas:")));
}

TEST_F(TreatmentValidationTest, AreaIdIsRequired) {
  Add("", 500, 2);
  EXPECT_THAT(CheckAreas(), ElementsAre(Violation("treatment_record.areas[0].area_id",
                                                  "is required: an area of treatment type")));
}

TEST_F(TreatmentValidationTest, UnknownAreaIdIsEscaped) {
  Add("li\xffps\n", 500, 2);
  const Violations out = CheckAreas();
  EXPECT_THAT(out, ElementsAre(Violation("treatment_record.areas[0].area_id", "'li\\xffps\\n'")));
  EXPECT_TRUE(SurvivesTheWire(out));
}

TEST_F(TreatmentValidationTest, EachAreaOnce) {
  Add("cheeks", 1000, 2).Add("forehead", 300, 1).Add("cheeks", 1200, 3);
  EXPECT_THAT(CheckAreas(), ElementsAre(Violation("treatment_record.areas[2].area_id",
                                                  "'cheeks' is charted twice (first at "
                                                  "treatment_record.areas[0])")));
}

TEST_F(TreatmentValidationTest, IndicationMustBeOneOfTheDefinitions) {
  Add("forehead", 300, 1, "wrinkles");
  EXPECT_THAT(CheckAreas(), ElementsAre(Violation("treatment_record.areas[0].indication_id",
                                                  "'wrinkles' is not an indication of treatment "
                                                  "type 'microneedling' (indications: acne_scars, "
                                                  "texture)")));
}

TEST_F(TreatmentValidationTest, PassesWithinTheAreaRange) {
  Add("cheeks", 1000, 2).Add("forehead", 300, 3);
  EXPECT_THAT(CheckAreas(), IsEmpty());
  areas_.Clear();
  Add("cheeks", 1000, 5).Add("forehead", 300, 0);
  EXPECT_THAT(CheckAreas(),
              ElementsAre(Violation("treatment_record.areas[0].passes",
                                    "5 is outside the 2 to 4 passes allowed on 'cheeks'"),
                          Violation("treatment_record.areas[1].passes",
                                    "0 is outside the 1 to 3 passes allowed on 'forehead'")));
}

TEST_F(TreatmentValidationTest, ReportsEveryProblemInOrder) {
  Add("lips", 500, 2)                       // not an area
      .Add("forehead", 600, 2)              // too deep
      .Add("cheeks", 1800, 3)               // deep enough only for acne scars
      .Add("cheeks", 1000, 5, "wrinkles");  // twice, unknown indication, too many passes
  EXPECT_THAT(CheckAreas(),
              ElementsAre(Violation("treatment_record.areas[0].area_id", "'lips'"),
                          Violation("treatment_record.areas[1].needle_depth_um", "600 um"),
                          Violation("treatment_record.areas[2].needle_depth_um", "1800 um"),
                          Violation("treatment_record.areas[3].area_id", "twice"),
                          Violation("treatment_record.areas[3].indication_id", "'wrinkles'"),
                          Violation("treatment_record.areas[3].passes", "5 is")));
}

// --- What the session used up ---

TEST_F(TreatmentValidationTest, ConsumablesAsCallersNameThemPass) {
  Add("forehead", 300, 1).Add("cheeks", 1000, 2);
  Use("face_36", 'A', "1");
  Use("face_36", 'A', "2", 2);  // a second lot of the same product
  Use("any_12", 'B', "3");
  Use("prp_kit", 'C', "4");
  Use("lidocaine_cream", 'D', "", 2).add_area_ids("forehead");
  EXPECT_THAT(CheckUses(), IsEmpty());
}

TEST_F(TreatmentValidationTest, AtLeastOneEntry) {
  Add("forehead", 300, 1);
  EXPECT_THAT(CheckUses(),
              ElementsAre(Violation("treatment_record.consumables",
                                    "at least one is required: the cartridge used, by its "
                                    "requirement of the definition (and optionally the lot "
                                    "scanned)")));
}

TEST_F(TreatmentValidationTest, AtMostTwentyEntriesAndPastThatOnlyTheCount) {
  Add("forehead", 300, 1);
  const std::string lots = "0123456789ABCDEFGHJK";
  ASSERT_EQ(lots.size(), static_cast<size_t>(kMaxConsumableUses));
  for (char lot : lots) Use("any_12", 'A', std::string(1, lot));
  EXPECT_THAT(CheckUses(), IsEmpty());
  v1::ConsumableUse& broken = *uses_.Add();
  broken.set_requirement_id(std::string(100000, 'x'));
  broken.set_product("Dermapen");
  EXPECT_THAT(CheckUses(), ElementsAre(Violation("treatment_record.consumables",
                                                 "has 21 entries; at most 20 are allowed")));
}

TEST_F(TreatmentValidationTest, AtLeastOneEntryIsForACartridge) {
  Add("forehead", 300, 1);
  Use("prp_kit", 'C', "4");
  Use("lidocaine_cream", 'D');
  EXPECT_THAT(CheckUses(), ElementsAre(Violation("treatment_record.consumables",
                                                 "names no cartridge: every session of treatment "
                                                 "type 'microneedling' uses one (cartridges: "
                                                 "face_36, neck_12, any_12)")));
  // An entry whose requirement is unknown may have been meant as the
  // cartridge: only its own mistake is reported.
  Use("face_99", 'A', "1");
  EXPECT_THAT(CheckUses(), ElementsAre(Violation("treatment_record.consumables[2].requirement_id",
                                                 "'face_99'")));
}

TEST_F(TreatmentValidationTest, RequirementIsOneOfTheDefinitions) {
  Add("forehead", 300, 1);
  Use("", 'A', "1");
  Use("body_99", 'A', "2");
  Use("any_12", 'A', "3");
  EXPECT_THAT(
      CheckUses(),
      ElementsAre(Violation("treatment_record.consumables[0].requirement_id",
                            "is required: the id of a cartridge or consumable of treatment type "
                            "'microneedling' (requirements: face_36, neck_12, any_12, prp_kit, "
                            "lidocaine_cream)"),
                  Violation("treatment_record.consumables[1].requirement_id",
                            "'body_99' is not a cartridge or consumable of treatment type "
                            "'microneedling' (requirements: face_36, neck_12, any_12, prp_kit, "
                            "lidocaine_cream)")));
}

TEST_F(TreatmentValidationTest, ProductIsOptionalButAProductNameWhenGiven) {
  Add("forehead", 300, 1);
  Use("any_12", 'A', "1").clear_product();
  Use("any_12", 'A', "2").set_product("Dermapen 4 36-pin");
  Use("any_12", 'A', "3").set_product("products/42");
  Use("any_12", 'A').set_product(ProductName('A'));  // a product, but which lot?
  EXPECT_THAT(CheckUses(), ElementsAre(Violation("treatment_record.consumables[1].product",
                                                 "\"Dermapen 4 36-pin\" is not of the form "
                                                 "\"products/{product_id}\""),
                                       Violation("treatment_record.consumables[2].product",
                                                 "\"products/42\" is not of the form"),
                                       Violation("treatment_record.consumables[3].product",
                                                 "is set without lot")));
}

TEST_F(TreatmentValidationTest, LotIsOptionalForEveryRequirement) {
  Add("forehead", 300, 1);
  Use("any_12", 'A');
  Use("prp_kit", 'C');
  Use("lidocaine_cream", 'D');
  EXPECT_THAT(CheckUses(), IsEmpty()) << "Inventory takes the first-expiring lots";
}

TEST_F(TreatmentValidationTest, LotIsALotOfTheProduct) {
  Add("forehead", 300, 1);
  Use("any_12", 'A', "1").set_lot(LotName('B', '1'));
  Use("any_12", 'A', "2").set_lot("L2409-117");
  EXPECT_THAT(
      CheckUses(),
      ElementsAre(Violation("treatment_record.consumables[0].lot",
                            absl::StrCat("is a lot of another product than ", ProductName('A'))),
                  Violation("treatment_record.consumables[1].lot",
                            "\"L2409-117\" is not of the form "
                            "\"products/{product_id}/lots/{lot_id}\"")));
}

TEST_F(TreatmentValidationTest, LotNumberIsOutputOnly) {
  Add("forehead", 300, 1);
  Use("any_12", 'A', "1").set_lot_number("L2409-117");
  Use("lidocaine_cream", 'D').set_lot_number("L2409-118");
  EXPECT_THAT(CheckUses(),
              ElementsAre(Violation("treatment_record.consumables[0].lot_number", "output only"),
                          Violation("treatment_record.consumables[1].lot_number", "output only")));
}

TEST_F(TreatmentValidationTest, QuantityIsZeroToAHundred) {
  Add("forehead", 300, 1);
  Use("any_12", 'A', "1", 1);
  Use("any_12", 'A', "2", kMaxConsumableUseQuantity);
  Use("any_12", 'A', "3", 0);  // the requirement's quantity per session
  EXPECT_THAT(CheckUses(), IsEmpty());
  Use("any_12", 'A', "4", -1);
  Use("any_12", 'A', "5", 101);
  EXPECT_THAT(CheckUses(), ElementsAre(Violation("treatment_record.consumables[3].quantity",
                                                 "-1 is outside 1 to 100 units (or 0"),
                                       Violation("treatment_record.consumables[4].quantity",
                                                 "101 is outside 1 to 100 units (or 0")));
}

TEST_F(TreatmentValidationTest, AreasAreTheRecordsOwnEachOnce) {
  Add("forehead", 300, 1).Add("cheeks", 1000, 2);
  v1::ConsumableUse& use = Use("any_12", 'A', "1");
  for (const char* area : {"cheeks", "neck", "cheeks"}) use.add_area_ids(area);
  Use("any_12", 'A', "2").add_area_ids("");
  Use("any_12", 'A', "3").add_area_ids("li\xffps");
  const Violations out = CheckUses();
  EXPECT_THAT(out, ElementsAre(Violation("treatment_record.consumables[0].area_ids[1]",
                                         "'neck' is not an area this record treats (areas: "
                                         "forehead, cheeks)"),
                               Violation("treatment_record.consumables[0].area_ids[2]",
                                         "'cheeks' is already listed at "
                                         "treatment_record.consumables[0].area_ids[0]"),
                               Violation("treatment_record.consumables[1].area_ids[0]",
                                         "is empty; name an area of this record"),
                               Violation("treatment_record.consumables[2].area_ids[0]",
                                         "'li\\xffps' is not an area this record treats")));
  EXPECT_TRUE(SurvivesTheWire(out));
}

TEST_F(TreatmentValidationTest, MoreAreasThanTheProtocolHasAreOnlyCounted) {
  Add("forehead", 300, 1);
  v1::ConsumableUse& use = Use("any_12", 'A', "1");
  for (int i = 0; i < 10000; ++i) use.add_area_ids(absl::StrCat("zone_", i));
  EXPECT_THAT(CheckUses(), ElementsAre(Violation("treatment_record.consumables[0].area_ids",
                                                 "lists 10000 areas; the protocol has 3")));
}

TEST_F(TreatmentValidationTest, RequirementMustFitEveryAreaItWasUsedOn) {
  Add("forehead", 300, 1).Add("neck", 500, 2).Add("cheeks", 1000, 2);
  // No area_ids: used on every area of the record.
  Use("face_36", 'A', "1");
  Use("neck_12", 'B', "2").add_area_ids("neck");
  Use("lidocaine_cream", 'D').add_area_ids("neck");
  EXPECT_THAT(CheckUses(),
              ElementsAre(Violation("treatment_record.consumables[0].requirement_id",
                                    "'face_36' is a cartridge for forehead, cheeks, not for area "
                                    "'neck'"),
                          Violation("treatment_record.consumables[2].requirement_id",
                                    "'lidocaine_cream' is a consumable for forehead, cheeks, not "
                                    "for area 'neck'")));
  uses_.Mutable(0)->add_area_ids("forehead");
  uses_.Mutable(0)->add_area_ids("cheeks");
  uses_.Mutable(2)->set_area_ids(0, "forehead");
  EXPECT_THAT(CheckUses(), IsEmpty());
}

TEST_F(TreatmentValidationTest, UnknownAndRepeatedAreasOfTheRecordAreLeftToTheAreaCheck) {
  Add("lips", 500, 2).Add("neck", 500, 2).Add("neck", 600, 2).Add("", 500, 2);
  Use("face_36", 'A', "1");
  EXPECT_THAT(CheckUses(), ElementsAre(Violation("treatment_record.consumables[0].requirement_id",
                                                 "not for area 'neck'")));
}

TEST_F(TreatmentValidationTest, OneLotOncePerRequirement) {
  Add("forehead", 300, 1);
  Use("any_12", 'A', "1");
  Use("face_36", 'A', "1");  // another requirement: its own entry
  Use("any_12", 'A', "1");
  Use("lidocaine_cream", 'D');  // no lot: any tube, twice is two tubes
  Use("lidocaine_cream", 'D');
  EXPECT_THAT(CheckUses(), ElementsAre(Violation("treatment_record.consumables[2].lot",
                                                 "the same lot is listed for 'any_12' at "
                                                 "treatment_record.consumables[0]; record the "
                                                 "units there, in its quantity")));
}

// Values are quoted shortened: a message is as long for a value of a
// hundred thousand bytes as for one of a thousand.
TEST_F(TreatmentValidationTest, MessagesDoNotGrowWithWhatWasSent) {
  Add("forehead", 300, 1);
  auto check = [&](size_t bytes) {
    const std::string hostile(bytes, '\xff');
    uses_.Clear();
    v1::ConsumableUse& use = *uses_.Add();
    use.set_requirement_id(hostile);
    use.set_product(hostile);
    use.set_lot(hostile);
    use.set_lot_number(hostile);
    use.set_quantity(-2147483647);
    use.add_area_ids(hostile);
    const Violations out = CheckUses();
    EXPECT_TRUE(SurvivesTheWire(out));
    std::vector<size_t> sizes;
    for (const FieldViolation& v : out) sizes.push_back(v.description.size());
    return sizes;
  };
  const std::vector<size_t> short_value = check(1000);
  EXPECT_THAT(short_value, SizeIs(6));
  // Only the byte count each quote states ("(1000 bytes)") differs.
  const std::vector<size_t> long_value = check(100000);
  ASSERT_THAT(long_value, SizeIs(short_value.size()));
  for (size_t i = 0; i < long_value.size(); ++i) EXPECT_LE(long_value[i], short_value[i] + 2);
}

}  // namespace
}  // namespace client_records
}  // namespace clinic
