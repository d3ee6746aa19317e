// Field checks of ClientRecords requests: dates, phones, emails, text in many
// scripts, and charted treatments against a protocol.
#include "services/client_records/client_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/text_format.h"

namespace clinic::client_records {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Fields(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> fields;
  for (const auto& v : violations) fields.push_back(v.field);
  return fields;
}

v1::Date MakeDate(int y, int m, int d) {
  v1::Date date;
  date.set_year(y);
  date.set_month(m);
  date.set_day(d);
  return date;
}

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 11, 25, 12, 0, 0), absl::UTCTimeZone());

TEST(ClientValidationTest, Dates) {
  std::vector<FieldViolation> out;
  ValidateDate(MakeDate(2024, 2, 29), "d", out);
  EXPECT_THAT(out, IsEmpty());
  ValidateDate(MakeDate(2023, 2, 29), "d", out);
  ValidateDate(MakeDate(2023, 13, 1), "d", out);
  ValidateDate(MakeDate(0, 1, 1), "d", out);
  ValidateDate(MakeDate(2023, 4, 31), "d", out);
  EXPECT_THAT(Fields(out), ElementsAre("d.day", "d.month", "d.year", "d.day"));
}

TEST(ClientValidationTest, DateOfBirth) {
  std::vector<FieldViolation> out;
  ValidateDateOfBirth(MakeDate(1990, 4, 12), true, kNow, "dob", out);
  ValidateDateOfBirth(MakeDate(2026, 11, 25), true, kNow, "dob", out);
  EXPECT_THAT(out, IsEmpty());
  ValidateDateOfBirth(MakeDate(2026, 11, 26), true, kNow, "dob", out);
  ValidateDateOfBirth(MakeDate(1890, 1, 1), true, kNow, "dob", out);
  ValidateDateOfBirth(v1::Date(), false, kNow, "dob", out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_THAT(out[0].description, HasSubstr("future"));
  EXPECT_THAT(out[1].description, HasSubstr("130 years"));
  EXPECT_THAT(out[2].description, HasSubstr("required"));
}

TEST(ClientValidationTest, Phones) {
  std::vector<FieldViolation> out;
  for (const char* ok : {"+447700900123", "+15551234567", "+8613800138000", ""}) {
    ValidatePhone(ok, "phone", false, out);
  }
  EXPECT_THAT(out, IsEmpty());
  for (const char* bad :
       {"07700900123", "+44 7700 900123", "+0447700900", "+1234567", "+1234567890123456"}) {
    ValidatePhone(bad, "phone", false, out);
  }
  EXPECT_EQ(out.size(), 5u);
  EXPECT_THAT(out[0].description, HasSubstr("E.164"));
  out.clear();
  ValidatePhone("", "phone", true, out);
  EXPECT_THAT(Fields(out), ElementsAre("phone"));
}

TEST(ClientValidationTest, Emails) {
  std::vector<FieldViolation> out;
  for (const char* ok : {"zoe@example.com", "o'brien+clinic@mail.example.co.uk", ""}) {
    ValidateEmail(ok, "email", false, out);
  }
  EXPECT_THAT(out, IsEmpty());
  for (const char* bad :
       {"not-an-email", "@example.com", "a@b", "a@@b.com", "a b@c.com", "a@.com", "a@b..com"}) {
    ValidateEmail(bad, "email", false, out);
  }
  EXPECT_EQ(out.size(), 7u);
  EXPECT_EQ(NormalizeEmail("  Zoe.OBrien@Example.COM "), "zoe.obrien@example.com");
}

TEST(ClientValidationTest, TextInManyScriptsAndBadBytes) {
  std::vector<FieldViolation> out;
  for (const char* name : {"Zoë", "O'Brien", "李", "عائشة", "José-María", "Åsa", "Nguyễn"}) {
    ValidateText(name, "name", true, 100, out);
  }
  EXPECT_THAT(out, IsEmpty());
  ValidateText("  ", "name", true, 100, out);
  ValidateText("\xff\xfe", "name", true, 100, out);
  ValidateText("\xc0\xaf", "name", true, 100, out);      // overlong '/'
  ValidateText("\xed\xa0\x80", "name", true, 100, out);  // a surrogate
  ValidateText("tab\there", "name", true, 100, out);
  ValidateText("ëëëë", "name", true, 3, out);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_THAT(out[0].description, HasSubstr("required"));
  EXPECT_THAT(out[1].description, HasSubstr("UTF-8"));
  EXPECT_THAT(out[4].description, HasSubstr("control"));
  EXPECT_THAT(out[5].description, HasSubstr("4 characters"));
  out.clear();
  ValidateText("line one\nline two", "notes", false, 10000, out);
  EXPECT_THAT(out, IsEmpty());
}

TEST(ClientValidationTest, CountryCodes) {
  std::vector<FieldViolation> out;
  ValidateCountryCode("", "c", out);
  ValidateCountryCode("GB", "c", out);
  EXPECT_THAT(out, IsEmpty());
  ValidateCountryCode("gb", "c", out);
  ValidateCountryCode("GBR", "c", out);
  EXPECT_EQ(out.size(), 2u);
}

class TreatmentCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
        R"pb(
          id: "microneedling"
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
          }
          cartridges { id: "face_36" area_ids: "cheeks" }
          cartridges { id: "any" }
        )pb",
        &definition_));
  }
  v1::TreatedArea* Add(const std::string& area, int depth, int passes,
                       const std::string& indication = "") {
    v1::TreatedArea* a = areas_.Add();
    a->set_area_id(area);
    a->set_needle_depth_um(depth);
    a->set_passes(passes);
    a->set_indication_id(indication);
    return a;
  }
  std::vector<FieldViolation> CheckAreas() {
    std::vector<FieldViolation> out;
    ValidateTreatedAreas(definition_, areas_, "areas", out);
    return out;
  }
  v1::TreatmentDefinition definition_;
  google::protobuf::RepeatedPtrField<v1::TreatedArea> areas_;
};

TEST_F(TreatmentCheckTest, AreasWithinTheProtocolPass) {
  Add("forehead", 250, 1);
  Add("cheeks", 1800, 3, "acne_scars");
  EXPECT_THAT(CheckAreas(), IsEmpty());
}

TEST_F(TreatmentCheckTest, EachWayToChartWrongly) {
  Add("lips", 500, 2);                 // not an area
  Add("forehead", 600, 2);             // too deep
  Add("cheeks", 1800, 3);              // deep enough only for acne scars
  Add("cheeks", 1000, 5, "wrinkles");  // twice, unknown indication, too many passes
  const auto out = CheckAreas();
  EXPECT_THAT(Fields(out), ElementsAre("areas[0].area_id", "areas[1].needle_depth_um",
                                       "areas[2].needle_depth_um", "areas[3].area_id",
                                       "areas[3].indication_id", "areas[3].passes"));
  EXPECT_THAT(out[0].description, HasSubstr("areas: forehead, cheeks"));
  EXPECT_THAT(out[2].description, HasSubstr("up to 2000 um for acne_scars"));
  areas_.Clear();
  EXPECT_THAT(Fields(CheckAreas()), ElementsAre("areas"));
}

TEST_F(TreatmentCheckTest, Cartridges) {
  Add("forehead", 300, 2);
  v1::CartridgeUse cartridge;
  std::vector<FieldViolation> out;
  ValidateCartridgeUse(definition_, cartridge, areas_, "cartridge", out);
  EXPECT_THAT(Fields(out), ElementsAre("cartridge.lot_number"));
  out.clear();
  cartridge.set_lot_number("LOT-42");
  cartridge.set_requirement_id("any");
  ValidateCartridgeUse(definition_, cartridge, areas_, "cartridge", out);
  EXPECT_THAT(out, IsEmpty());
  cartridge.set_requirement_id("face_36");
  ValidateCartridgeUse(definition_, cartridge, areas_, "cartridge", out);
  cartridge.set_requirement_id("body_99");
  ValidateCartridgeUse(definition_, cartridge, areas_, "cartridge", out);
  EXPECT_THAT(Fields(out), ElementsAre("cartridge.requirement_id", "cartridge.requirement_id"));
  EXPECT_THAT(out[0].description, HasSubstr("not for area 'forehead'"));
}

TEST(ClientValidationTest, AdverseEvents) {
  google::protobuf::RepeatedPtrField<v1::AdverseEvent> events;
  v1::AdverseEvent* ok = events.Add();
  ok->set_description("Prolonged redness");
  ok->set_severity(v1::ADVERSE_EVENT_SEVERITY_MILD);
  v1::AdverseEvent* bad = events.Add();
  bad->mutable_onset_time()->set_seconds(absl::ToUnixSeconds(kNow + absl::Hours(2)));
  std::vector<FieldViolation> out;
  ValidateAdverseEvents(events, kNow, "events", out);
  EXPECT_THAT(Fields(out),
              ElementsAre("events[1].description", "events[1].severity", "events[1].onset_time"));
}

}  // namespace
}  // namespace clinic::client_records
