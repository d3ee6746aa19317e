// NormalizePhone at its edges: national and international formats of
// several countries, and everything that is not one phone number.
#include "common/core/phone.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clinic {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Normalized(absl::string_view typed, absl::string_view region) {
  absl::StatusOr<std::string> e164 = NormalizePhone(typed, region);
  EXPECT_TRUE(e164.ok()) << typed << " in " << region << ": " << e164.status();
  return e164.ok() ? *e164 : "";
}

// The refusal's message, or a note that there was none.
std::string Refusal(absl::string_view typed, absl::string_view region) {
  absl::StatusOr<std::string> e164 = NormalizePhone(typed, region);
  if (e164.ok()) return "accepted as " + *e164;
  EXPECT_EQ(e164.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(e164.status().message());
}

TEST(PhoneTest, InternationalFormatsNeedNoRegion) {
  EXPECT_EQ(Normalized("+44 20 7946 0018", ""), "+442079460018");
  EXPECT_EQ(Normalized("+44 (0)20 7946 0018", ""), "+442079460018");
  EXPECT_EQ(Normalized("+44-20-7946-0018", ""), "+442079460018");
  EXPECT_EQ(Normalized("+1 (212) 555-0123", ""), "+12125550123");
  EXPECT_EQ(Normalized("+442079460018", "US"), "+442079460018");
}

TEST(PhoneTest, NationalFormatsOfTheRegion) {
  EXPECT_EQ(Normalized("020 7946 0018", "GB"), "+442079460018");
  EXPECT_EQ(Normalized("07911 123456", "GB"), "+447911123456");
  EXPECT_EQ(Normalized("(212) 555-0123", "US"), "+12125550123");
  EXPECT_EQ(Normalized("212.555.0123", "US"), "+12125550123");
  EXPECT_EQ(Normalized("030 12345678", "DE"), "+493012345678");
  EXPECT_EQ(Normalized("030/12345678", "DE"), "+493012345678");
  EXPECT_EQ(Normalized("01 23 45 67 89", "FR"), "+33123456789");
  EXPECT_EQ(Normalized("06.12.34.56.78", "FR"), "+33612345678");
  EXPECT_EQ(Normalized("03-1234-5678", "JP"), "+81312345678");
  EXPECT_EQ(Normalized("(02) 9876 5432", "AU"), "+61298765432");
  EXPECT_EQ(Normalized("0412 345 678", "AU"), "+61412345678");
}

TEST(PhoneTest, SpacesAndDashesPeoplePasteAreSeparators) {
  EXPECT_EQ(Normalized("020\xc2\xa0"
                       "7946\xe2\x80\xaf"
                       "0018",
                       "GB"),
            "+442079460018");  // NBSP
  EXPECT_EQ(Normalized("020\xe2\x80\x93"
                       "7946\xe2\x80\x93"
                       "0018",
                       "GB"),  // en dash
            "+442079460018");
  EXPECT_EQ(Normalized("  020 7946 0018  ", "GB"), "+442079460018");
  // Full-width digits, as Japanese input methods type them.
  EXPECT_EQ(Normalized("\xef\xbc\x90\xef\xbc\x93-1234-5678", "JP"), "+81312345678");
}

TEST(PhoneTest, LeadingInternationalPrefixOfTheRegion) {
  EXPECT_EQ(Normalized("0044 20 7946 0018", "GB"), "+442079460018");
  EXPECT_EQ(Normalized("00 44 20 7946 0018", "DE"), "+442079460018");
  EXPECT_EQ(Normalized("011 44 20 7946 0018", "US"), "+442079460018");
}

TEST(PhoneTest, StoredFormIsAFixedPoint) {
  // Numbers stored before typed forms were accepted were already E.164; they
  // come back unchanged, so they are found by the same search.
  for (const char* e164 : {"+447700900123", "+15551234567", "+8613800138000", "+33612345678",
                           "+34600123456", "+442079460018"}) {
    EXPECT_EQ(Normalized(e164, ""), e164);
    EXPECT_EQ(Normalized(e164, "GB"), e164);
  }
}

TEST(PhoneTest, NationalFormatsMustBeValidNumbersOfTheRegion) {
  // Possible lengths alone would read "020 7946" as +440207946.
  EXPECT_THAT(Refusal("020 7946", "GB"),
              AllOf(HasSubstr("\"020 7946\" is not a number of +44 (GB)"),
                    HasSubstr("'+' and the country code")));
  EXPECT_THAT(Refusal("(555) 555-0123", "US"), HasSubstr("not a number of +1 (US)"));
  // With the country code typed, the length is enough: allocations change
  // faster than the metadata, and the drama range +44 7700 900xxx is
  // reserved, not allocated.
  EXPECT_EQ(Normalized("+44 7700 900123", "GB"), "+447700900123");
  EXPECT_EQ(Normalized("0044 7700 900123", "GB"), "+447700900123");
}

TEST(PhoneTest, NationalNumberWithoutRegionSaysHowToType) {
  EXPECT_THAT(Refusal("020 7946 0018", ""),
              AllOf(HasSubstr("\"020 7946 0018\""), HasSubstr("no country code"),
                    HasSubstr("'+' and the country code")));
}

TEST(PhoneTest, WrongLengthsNameTheCountry) {
  EXPECT_THAT(Refusal("+44 20 7946 0018 1234", ""), HasSubstr("+44 (GB)"));
  // A British number read in the US: no US number has 11 digits after +1.
  EXPECT_THAT(Refusal("020 7946 0018", "US"), AllOf(HasSubstr("+1 (US)"), HasSubstr("US")));
  EXPECT_THAT(Refusal("555-0123", "US"), HasSubstr("add the area code"));
  EXPECT_THAT(Refusal("12", "GB"), HasSubstr("too short"));
  EXPECT_THAT(Refusal("12345678901234567890", "GB"), HasSubstr("too long"));
}

TEST(PhoneTest, UnknownCountryCode) {
  EXPECT_THAT(Refusal("+999 1234 5678", ""), HasSubstr("country code no country uses"));
  EXPECT_THAT(Refusal("+0 20 7946 0018", "GB"), HasSubstr("country code no country uses"));
}

TEST(PhoneTest, ExtensionsAreRefusedByName) {
  for (const char* typed : {"020 7946 0018 ext. 12", "020 7946 0018 x12", "020 7946 0018#12",
                            "+44 20 7946 0018 ext 12"}) {
    EXPECT_THAT(Refusal(typed, "GB"), AllOf(HasSubstr("extension"), HasSubstr("\"12\""))) << typed;
  }
}

TEST(PhoneTest, LettersAndSymbolsAreRefused) {
  // libphonenumber reads vanity numbers and numbers inside sentences; a
  // phone field holds one number and nothing else.
  EXPECT_THAT(Refusal("1-800-FLOWERS", "US"),
              AllOf(HasSubstr("contains \"F\""), HasSubstr("not part of a phone number")));
  EXPECT_THAT(Refusal("tel: 020 7946 0018", "GB"), HasSubstr("contains \"t\""));
  EXPECT_THAT(Refusal("020*7946*0018", "GB"), HasSubstr("contains \"*\""));
  EXPECT_THAT(Refusal("abc", "GB"), HasSubstr("contains \"a\""));
  EXPECT_THAT(Refusal("020 7946 0018\n", "GB"), HasSubstr("control character U+000A"));
  EXPECT_THAT(Refusal("02079460018;drop", "GB"), HasSubstr("contains \";\""));
  // Arabic-Indic digits are not read as digits.
  EXPECT_THAT(Refusal("+\xd9\xa4\xd9\xa4", ""), HasSubstr("not part of a phone number"));
}

TEST(PhoneTest, PlusOnlyAtTheStart) {
  EXPECT_THAT(Refusal("++44 20 7946 0018", ""), HasSubstr("'+' that is not at the start"));
  EXPECT_THAT(Refusal("020 +7946 0018", "GB"), HasSubstr("'+' that is not at the start"));
}

TEST(PhoneTest, NothingButPunctuation) {
  EXPECT_THAT(Refusal("+", ""), AllOf(HasSubstr("\"+\""), HasSubstr("no digits")));
  EXPECT_THAT(Refusal("---", "GB"), HasSubstr("no digits"));
  EXPECT_THAT(Refusal("( ) . /", "GB"), HasSubstr("no digits"));
  EXPECT_THAT(Refusal("   ", "GB"), HasSubstr("no digits"));
}

TEST(PhoneTest, Empty) { EXPECT_THAT(Refusal("", "GB"), HasSubstr("is empty")); }

TEST(PhoneTest, HugeInputIsRefusedQuicklyAndNotEchoed) {
  // libphonenumber's own parser takes minutes on a mebibyte of digits; the
  // length check comes first.
  const std::string huge(1 << 20, '1');
  const std::string message = Refusal(huge, "GB");
  EXPECT_THAT(message, AllOf(HasSubstr("1048576 bytes long"), HasSubstr("at most 64")));
  EXPECT_LT(message.size(), 200u);
  EXPECT_THAT(message, HasSubstr("\"" + std::string(40, '1') + "…\""));
  EXPECT_THAT(Refusal(std::string(65, '1'), "GB"), HasSubstr("65 bytes long"));
}

TEST(PhoneTest, QuotesCutOnCharacterBoundaries) {
  // 40 two-byte characters then more: the quote keeps whole characters.
  std::string typed;
  for (int i = 0; i < 30; ++i) typed += "\xc3\xa9";  // é
  const std::string message = Refusal(typed, "GB");
  EXPECT_THAT(message, HasSubstr("contains \"\xc3\xa9\""));
  std::string twenty_nine;
  for (int i = 0; i < 29; ++i) twenty_nine += "\xc3\xa9";
  EXPECT_THAT(message, HasSubstr(twenty_nine));
}

TEST(PhoneTest, InvalidUtf8IsEscapedNotEchoed) {
  const std::string message = Refusal("020 \xff\xfe 7946", "GB");
  EXPECT_THAT(message, AllOf(HasSubstr("not valid UTF-8"), HasSubstr("\\xff\\xfe"),
                             HasSubstr("0xff at byte 4"), Not(HasSubstr("\xff"))));
  // A character cut in half at the end.
  EXPECT_THAT(Refusal("020 7946 0018\xc3", "GB"), HasSubstr("not valid UTF-8"));
  // An overlong '0'.
  EXPECT_THAT(Refusal("020 7946 001\xc0\xb0", "GB"), HasSubstr("not valid UTF-8"));
}

TEST(PhoneTest, QuotedValueEscapesQuotesAndControls) {
  EXPECT_THAT(Refusal("\"020\"", "GB"), HasSubstr("\"\\\"020\\\"\""));
  EXPECT_THAT(Refusal("020\t7946", "GB"), HasSubstr("\"020\\t7946\""));
}

TEST(PhoneTest, RegionMustBeKnown) {
  EXPECT_TRUE(IsPhoneRegion("GB"));
  EXPECT_TRUE(IsPhoneRegion("JP"));
  EXPECT_FALSE(IsPhoneRegion("gb"));
  EXPECT_FALSE(IsPhoneRegion("XX"));
  EXPECT_FALSE(IsPhoneRegion("ZZ"));
  EXPECT_FALSE(IsPhoneRegion("GBR"));
  EXPECT_FALSE(IsPhoneRegion("001"));
  EXPECT_FALSE(IsPhoneRegion(""));
  EXPECT_THAT(Refusal("+44 20 7946 0018", "XX"),
              AllOf(HasSubstr("\"XX\""), HasSubstr("not a country with phone numbers")));
  EXPECT_THAT(Refusal("+44 20 7946 0018", "gb"), HasSubstr("upper case"));
}

}  // namespace
}  // namespace clinic
