// Reading older forms of a treatment definition: needle configurations
// written as text become typed needles, text that is neither a needle count
// nor "nano" is refused where it was written, and a definition upgraded is
// the same message as one declared in the current form.
#include "common/definition/definition_upgrade.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/definition/definition_validator.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using v1::NeedleConfiguration;
using v1::TreatmentDefinition;

// test_alpha declares its cartridge's needle configurations as text, "12"
// and "nano", as plugins built before `needles` existed do.
TreatmentDefinition LegacyAlpha() {
  TreatmentDefinition d;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      testing::ReadFile(testing::SourcePath("tests/plugins/test_alpha.textproto")), &d));
  EXPECT_THAT(d.cartridges(0).needle_configurations(), ElementsAre("12", "nano"));
  return d;
}

NeedleConfiguration Count(int n) {
  NeedleConfiguration needles;
  needles.set_needle_count(n);
  return needles;
}

NeedleConfiguration Nano() {
  NeedleConfiguration needles;
  needles.set_nano(true);
  return needles;
}

MATCHER_P(EqualsProto, expected, "") { return MessageDifferencer::Equals(arg, expected); }

TEST(ParseLegacyNeedleConfiguration, ReadsNeedleCountsAndNano) {
  for (const auto& [text, expected] : std::vector<std::pair<std::string, NeedleConfiguration>>{
           {"1", Count(1)}, {"36", Count(36)}, {"100", Count(100)}, {"nano", Nano()}}) {
    const absl::optional<NeedleConfiguration> parsed = ParseLegacyNeedleConfiguration(text);
    ASSERT_TRUE(parsed.has_value()) << text;
    EXPECT_THAT(*parsed, EqualsProto(expected)) << text;
  }
}

TEST(ParseLegacyNeedleConfiguration, RefusesEverythingElse) {
  for (const char* text : {"", "0", "036", "101", "1000", "99999999999", "-1", "+36", "36 ", " 36",
                           "3.6", "1e2", "Nano", "NANO", "nano ", "36 needles", "\xd9\xa3"}) {
    EXPECT_FALSE(ParseLegacyNeedleConfiguration(text).has_value()) << text;
  }
}

TEST(UpgradeTreatmentDefinition, TurnsTextIntoTypedNeedlesInOrderAndClearsIt) {
  TreatmentDefinition d = LegacyAlpha();
  EXPECT_TRUE(UpgradeTreatmentDefinition(d));
  EXPECT_THAT(d.cartridges(0).needle_configurations(), IsEmpty());
  EXPECT_THAT(d.cartridges(0).needles(), ElementsAre(EqualsProto(Count(12)), EqualsProto(Nano())));
  // The upgraded definition is what its author would write today, and
  // still valid.
  EXPECT_THAT(ValidateTreatmentDefinition(d), IsEmpty());
  // Nothing is left to upgrade.
  const TreatmentDefinition once = d;
  EXPECT_FALSE(UpgradeTreatmentDefinition(d));
  EXPECT_THAT(d, EqualsProto(once));
}

TEST(UpgradeTreatmentDefinition, GivesTheSameMessageAsTheCurrentForm) {
  TreatmentDefinition legacy = LegacyAlpha();
  TreatmentDefinition current = LegacyAlpha();
  v1::CartridgeRequirement& cartridge = *current.mutable_cartridges(0);
  cartridge.clear_needle_configurations();
  *cartridge.add_needles() = Count(12);
  *cartridge.add_needles() = Nano();
  ASSERT_FALSE(UpgradeTreatmentDefinition(current));
  ASSERT_TRUE(UpgradeTreatmentDefinition(legacy));
  EXPECT_THAT(legacy, EqualsProto(current));
  EXPECT_EQ(legacy.SerializeAsString(), current.SerializeAsString());
}

TEST(UpgradeTreatmentDefinition, LeavesTextItCannotReadWhereItIs) {
  TreatmentDefinition d = LegacyAlpha();
  d.mutable_cartridges(0)->set_needle_configurations(1, "Nano");
  v1::CartridgeRequirement* second = d.add_cartridges();
  *second = d.cartridges(0);
  second->set_id("face_36");
  second->clear_needle_configurations();
  second->add_needle_configurations("36");
  EXPECT_TRUE(UpgradeTreatmentDefinition(d));
  // Nothing of the first cartridge is lost or half converted...
  EXPECT_THAT(d.cartridges(0).needle_configurations(), ElementsAre("12", "Nano"));
  EXPECT_THAT(d.cartridges(0).needles(), IsEmpty());
  // ...while the readable one is upgraded.
  EXPECT_THAT(d.cartridges(1).needle_configurations(), IsEmpty());
  EXPECT_THAT(d.cartridges(1).needles(), ElementsAre(EqualsProto(Count(36))));
}

TEST(AcceptTreatmentDefinition, UpgradesAValidDefinition) {
  TreatmentDefinition d = LegacyAlpha();
  EXPECT_THAT(AcceptTreatmentDefinition(d), IsEmpty());
  EXPECT_THAT(d.cartridges(0).needle_configurations(), IsEmpty());
  EXPECT_THAT(d.cartridges(0).needles(), SizeIs(2));
}

// The author is told about the text they wrote, at the path they wrote it.
TEST(AcceptTreatmentDefinition, RefusesUnreadableTextWhereItWasWrittenAndChangesNothing) {
  for (const char* text : {"036", "Nano", "101"}) {
    TreatmentDefinition d = LegacyAlpha();
    d.mutable_cartridges(0)->set_needle_configurations(1, text);
    const TreatmentDefinition declared = d;
    const std::vector<FieldViolation> violations = AcceptTreatmentDefinition(d);
    ASSERT_THAT(violations, SizeIs(1)) << text;
    EXPECT_EQ(violations[0].field, "cartridges[0].needle_configurations[1]");
    EXPECT_THAT(violations[0].description,
                HasSubstr("must be a needle count from \"1\" to \"100\" without leading zeros, or "
                          "\"nano\""));
    EXPECT_THAT(d, EqualsProto(declared)) << text;
  }
}

TEST(AcceptTreatmentDefinition, RefusesBothFormsOnOneCartridge) {
  TreatmentDefinition d = LegacyAlpha();
  *d.mutable_cartridges(0)->add_needles() = Count(36);
  const std::vector<FieldViolation> violations = AcceptTreatmentDefinition(d);
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_EQ(violations[0].field, "cartridges[0].needle_configurations");
  EXPECT_THAT(d.cartridges(0).needle_configurations(), SizeIs(2));
}

}  // namespace
}  // namespace clinic
