// Unit tests of the ClientRecords field checks (client_validation.h): every
// rule with values that pass and values that fail, the exact field path of
// each violation and the phrase that says why. A charted treatment against
// its definition is treatment_validation_test.cc.
#include "services/client_records/client_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "clinic/v1/common.pb.h"
#include "common/core/time.h"

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

v1::Date MakeDate(int year, int month, int day) {
  v1::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

absl::Time Utc(int year, int month, int day, int hour = 12, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, 0), absl::UTCTimeZone());
}

const absl::Time kNow = Utc(2026, 11, 25);

Violations CheckDate(int year, int month, int day) {
  Violations out;
  clinic::CheckDate(MakeDate(year, month, day), "client.date_of_birth", out);
  return out;
}

Violations CheckBirth(int year, int month, int day, absl::Time now = kNow) {
  Violations out;
  ValidateDateOfBirth(MakeDate(year, month, day), true, now, "client.date_of_birth", out);
  return out;
}

Violations CheckPhone(absl::string_view phone, bool required = false,
                      absl::string_view region = "") {
  Violations out;
  NormalizePhoneField(phone, region, "client.phone", required, out);
  return out;
}

Violations CheckEmail(absl::string_view email, bool required = false) {
  Violations out;
  ValidateEmail(email, "client.email", required, out);
  return out;
}

Violations CheckName(absl::string_view name, bool required = true, size_t max_chars = 100) {
  Violations out;
  ValidateText(name, "client.given_name", required, max_chars, out);
  return out;
}

Violations CheckCountry(absl::string_view code) {
  Violations out;
  ValidateCountryCode(code, "client.address.country_code", out);
  return out;
}

// --- Dates ---

TEST(ClientValidationDateTest, RealDatesPass) {
  EXPECT_THAT(CheckDate(2024, 2, 29), IsEmpty());  // leap year
  EXPECT_THAT(CheckDate(2000, 2, 29), IsEmpty());  // divisible by 400
  EXPECT_THAT(CheckDate(2023, 2, 28), IsEmpty());
  EXPECT_THAT(CheckDate(2023, 4, 30), IsEmpty());
  EXPECT_THAT(CheckDate(2023, 12, 31), IsEmpty());
  EXPECT_THAT(CheckDate(1, 1, 1), IsEmpty());
  EXPECT_THAT(CheckDate(9999, 12, 31), IsEmpty());
}

TEST(ClientValidationDateTest, TwentyNinthOfFebruaryOnlyInLeapYears) {
  EXPECT_THAT(CheckDate(2023, 2, 29),
              ElementsAre(Violation("client.date_of_birth.day",
                                    "29 is not a day of February 2023, which has 28 days")));
  EXPECT_THAT(CheckDate(1900, 2, 29),
              ElementsAre(Violation("client.date_of_birth.day", "28 days")));
  EXPECT_THAT(CheckDate(2100, 2, 29),
              ElementsAre(Violation("client.date_of_birth.day", "28 days")));
  EXPECT_THAT(CheckDate(2024, 2, 30),
              ElementsAre(Violation("client.date_of_birth.day", "29 days")));
}

TEST(ClientValidationDateTest, DaysOutsideTheMonthFail) {
  EXPECT_THAT(CheckDate(2023, 4, 31),
              ElementsAre(Violation("client.date_of_birth.day",
                                    "31 is not a day of April 2023, which has 30 days")));
  EXPECT_THAT(CheckDate(2023, 1, 0), ElementsAre(Violation("client.date_of_birth.day", "0 is")));
  EXPECT_THAT(CheckDate(2023, 1, 32), ElementsAre(Violation("client.date_of_birth.day", "32 is")));
  EXPECT_THAT(CheckDate(2023, 1, -1), ElementsAre(Violation("client.date_of_birth.day", "-1 is")));
}

TEST(ClientValidationDateTest, MonthsAndYearsOutOfRangeFail) {
  EXPECT_THAT(CheckDate(2023, 13, 1), ElementsAre(Violation("client.date_of_birth.month",
                                                            "13 is not a month from 1 to 12")));
  EXPECT_THAT(CheckDate(2023, 0, 1), ElementsAre(Violation("client.date_of_birth.month", "0 is")));
  EXPECT_THAT(CheckDate(0, 1, 1), ElementsAre(Violation("client.date_of_birth.year",
                                                        "0 is not a year from 1 to 9999")));
  EXPECT_THAT(CheckDate(10000, 1, 1),
              ElementsAre(Violation("client.date_of_birth.year", "10000 is")));
}

TEST(ClientValidationDateTest, ReportsEveryWrongPart) {
  EXPECT_THAT(CheckDate(0, 0, 0), ElementsAre(Violation("client.date_of_birth.year", "0 is"),
                                              Violation("client.date_of_birth.month", "0 is"),
                                              Violation("client.date_of_birth.day", "1 to 31")));
  // With the month unknown, a day that fits some month is not blamed.
  EXPECT_THAT(CheckDate(2023, 13, 31), ElementsAre(Violation("client.date_of_birth.month", "13")));
}

TEST(ClientValidationDateTest, EmptyPrefixNamesTheBareField) {
  Violations out;
  clinic::CheckDate(MakeDate(2023, 2, 29), "", out);
  EXPECT_THAT(out, ElementsAre(Violation("day", "29")));
}

TEST(ClientValidationDateTest, AppendsWithoutClearing) {
  Violations out = {{"earlier", "an earlier problem"}};
  clinic::CheckDate(MakeDate(2023, 2, 29), "d", out);
  EXPECT_THAT(out, ElementsAre(Violation("earlier", "earlier"), Violation("d.day", "29")));
}

// --- Date of birth ---

TEST(ClientValidationDateOfBirthTest, IsRequired) {
  Violations out;
  ValidateDateOfBirth(v1::Date(), false, kNow, "client.date_of_birth", out);
  EXPECT_THAT(out, ElementsAre(Violation("client.date_of_birth", "is required")));
}

TEST(ClientValidationDateOfBirthTest, PastDatesAndTodayPass) {
  EXPECT_THAT(CheckBirth(1990, 4, 12), IsEmpty());
  EXPECT_THAT(CheckBirth(2026, 11, 25), IsEmpty());  // born today
  EXPECT_THAT(CheckBirth(2024, 2, 29), IsEmpty());
}

TEST(ClientValidationDateOfBirthTest, FutureDatesFail) {
  EXPECT_THAT(CheckBirth(2026, 11, 26),
              ElementsAre(Violation("client.date_of_birth",
                                    "2026-11-26 is in the future (today is 2026-11-25 in UTC)")));
  EXPECT_THAT(CheckBirth(2030, 1, 1), ElementsAre(Violation("client.date_of_birth", "future")));
}

TEST(ClientValidationDateOfBirthTest, TodayIsTheUtcDay) {
  // 23:30 UTC on the 25th is already the 26th east of UTC, but not here.
  EXPECT_THAT(CheckBirth(2026, 11, 26, Utc(2026, 11, 25, 23, 30)),
              ElementsAre(Violation("client.date_of_birth", "future")));
  EXPECT_THAT(CheckBirth(2026, 11, 26, Utc(2026, 11, 26, 0, 30)), IsEmpty());
}

TEST(ClientValidationDateOfBirthTest, AtMostOneHundredAndThirtyYearsAgo) {
  EXPECT_THAT(CheckBirth(1896, 11, 25), IsEmpty());
  EXPECT_THAT(CheckBirth(1896, 11, 24),
              ElementsAre(Violation("client.date_of_birth",
                                    "1896-11-24 is more than 130 years ago (the earliest accepted "
                                    "is 1896-11-25)")));
  EXPECT_THAT(CheckBirth(1890, 1, 1), ElementsAre(Violation("client.date_of_birth", "130 years")));
}

TEST(ClientValidationDateOfBirthTest, OnALeapDayTheLimitIsTheFirstOfMarch) {
  const absl::Time leap_day = Utc(2024, 2, 29);
  EXPECT_THAT(CheckBirth(1894, 3, 1, leap_day), IsEmpty());
  EXPECT_THAT(CheckBirth(1894, 2, 28, leap_day),
              ElementsAre(Violation("client.date_of_birth", "130 years")));
}

TEST(ClientValidationDateOfBirthTest, InvalidDatesAreReportedOnThePartOnly) {
  EXPECT_THAT(CheckBirth(2023, 2, 29), ElementsAre(Violation("client.date_of_birth.day", "29")));
  EXPECT_THAT(CheckBirth(1990, 14, 1), ElementsAre(Violation("client.date_of_birth.month", "14")));
  EXPECT_THAT(CheckBirth(0, 1, 1), ElementsAre(Violation("client.date_of_birth.year", "0")));
}

// --- Phones ---

TEST(ClientValidationPhoneTest, E164NumbersPassUnchanged) {
  for (const char* phone :
       {"+447700900123", "+15551234567", "+8613800138000", "+33612345678", "+34600123456"}) {
    Violations out;
    EXPECT_EQ(NormalizePhoneField(phone, "", "client.phone", false, out), phone);
    EXPECT_EQ(NormalizePhoneField(phone, "DE", "client.phone", false, out), phone);
    EXPECT_THAT(out, IsEmpty()) << phone;
  }
}

TEST(ClientValidationPhoneTest, TypedFormsAreStoredAsE164) {
  Violations out;
  EXPECT_EQ(NormalizePhoneField("+44 20 7946 0018", "", "client.phone", false, out),
            "+442079460018");
  EXPECT_EQ(NormalizePhoneField("020 7946 0018", "GB", "client.phone", false, out),
            "+442079460018");
  EXPECT_EQ(NormalizePhoneField("(212) 555-0123", "US", "client.phone", false, out),
            "+12125550123");
  EXPECT_THAT(out, IsEmpty());
}

TEST(ClientValidationPhoneTest, EmptyPassesUnlessRequired) {
  EXPECT_THAT(CheckPhone(""), IsEmpty());
  EXPECT_THAT(CheckPhone("", true), ElementsAre(Violation("client.phone", "is required")));
}

TEST(ClientValidationPhoneTest, RefusedValueIsKeptAndTheReasonNamesTheField) {
  Violations out;
  EXPECT_EQ(NormalizePhoneField("+44 7700", "", "client.phone", false, out), "+44 7700");
  EXPECT_THAT(out, ElementsAre(Violation("client.phone", "\"+44 7700\" is a local number")));
}

TEST(ClientValidationPhoneTest, OtherFormsFailWithTheReason) {
  struct Case {
    const char* phone;
    const char* why;
  };
  for (const Case& c :
       {Case{"07700900123", "no country code"}, Case{"++447700900123", "not at the start"},
        Case{"+1234567", "too short for a number of +1 (US)"},
        Case{"+1234567890123456", "too long"}, Case{"+", "no digits"},
        Case{"+0447700900", "country code no country uses"},
        Case{"+\xd9\xa4\xd9\xa4\xd9\xa7\xd9\xa7\xd9\xa0\xd9\xa0\xd9\xa9\xd9\xa0",
             "not part of a phone number"}}) {  // Arabic-Indic digits
    EXPECT_THAT(CheckPhone(c.phone, true), ElementsAre(Violation("client.phone", c.why)))
        << c.phone;
  }
}

TEST(ClientValidationPhoneTest, BadBytesAreEscapedInTheMessage) {
  const Violations out = CheckPhone("+44\xff");
  EXPECT_THAT(out, ElementsAre(Violation("client.phone", "\"+44\\xff\"")));
  EXPECT_TRUE(SurvivesTheWire(out));
}

TEST(ClientValidationPhoneTest, QueriesInTheOldE164ShapeAreSearchedAsTheyAre) {
  // "+12345678" passed the E.164-shape rule that came before typed forms, so
  // a client may be stored with it; a search must still find them.
  Violations out;
  EXPECT_EQ(NormalizePhoneQuery("+12345678", "", "phone", out), "+12345678");
  EXPECT_EQ(NormalizePhoneQuery("020 7946 0018", "GB", "phone", out), "+442079460018");
  EXPECT_THAT(out, IsEmpty());
  EXPECT_EQ(NormalizePhoneQuery("+1 234 5678", "", "phone", out), "+1 234 5678");
  EXPECT_THAT(out, ElementsAre(Violation("phone", "add the area code")));
}

// --- Emails ---

TEST(ClientValidationEmailTest, PlausibleAddressesPass) {
  for (const std::string& email :
       {std::string("zoe@example.com"), std::string("o'brien+clinic@mail.example.co.uk"),
        std::string("ZOE@EXAMPLE.COM"), std::string("zoë@exämple.de"), std::string("李@例子.中国"),
        std::string(64, 'a') + "@example.com",
        std::string(64, 'a') + "@" + std::string(185, 'b') + ".com"}) {  // 254 bytes
    EXPECT_THAT(CheckEmail(email), IsEmpty()) << email;
  }
}

TEST(ClientValidationEmailTest, EmptyPassesUnlessRequired) {
  EXPECT_THAT(CheckEmail(""), IsEmpty());
  EXPECT_THAT(CheckEmail("", true), ElementsAre(Violation("client.email", "is required")));
}

TEST(ClientValidationEmailTest, MalformedAddressesFailWithTheReason) {
  struct Case {
    std::string email;
    const char* why;
  };
  for (const Case& c : {
           Case{"not-an-email", "\"not-an-email\" is not an email address: it has no '@'"},
           Case{"a@@b.com", "more than one '@'"},
           Case{"a@b@c.com", "more than one '@'"},
           Case{"@example.com", "nothing comes before the '@'"},
           Case{"zoe@", "nothing comes after the '@'"},
           Case{"zoe@localhost", "the domain has no dot"},
           Case{"zoe@.example.com", "empty label"},
           Case{"zoe@example.com.", "empty label"},
           Case{"zoe@example..com", "empty label"},
           Case{"zoe @example.com", "white space"},
           Case{" zoe@example.com", "white space"},
           Case{"zoe@example.com\n", "white space"},
           Case{"zoe\xc2\xa0smith@example.com", "white space"},  // no-break space
           Case{"zoe\x01@example.com", "control character U+0001"},
           Case{"zoe\x7f@example.com", "control character U+007F"},
           Case{"zo\xff@example.com", "not valid UTF-8"},
           Case{std::string(65, 'a') + "@example.com",
                "the part before the '@' is 65 bytes long; the limit is 64"},
           Case{std::string(64, 'a') + "@" + std::string(186, 'b') + ".com",
                "255 bytes long; the limit is 254"},
       }) {
    const Violations out = CheckEmail(c.email);
    EXPECT_THAT(out, ElementsAre(Violation("client.email", c.why))) << c.email;
    EXPECT_TRUE(SurvivesTheWire(out)) << c.email;
  }
}

TEST(ClientValidationEmailTest, LongValuesAreShortenedInTheMessage) {
  const Violations out = CheckEmail(std::string(300, 'x'));
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_THAT(out[0].description, HasSubstr("\xE2\x80\xA6\" (300 bytes)"));
  EXPECT_LT(out[0].description.size(), 150u);
}

TEST(ClientValidationEmailTest, NormalizeTrimsAndLowerCasesAscii) {
  EXPECT_EQ(NormalizeEmail("  Zoe.OBrien@Example.COM \t\r\n"), "zoe.obrien@example.com");
  EXPECT_EQ(NormalizeEmail("zoe@example.com"), "zoe@example.com");
  EXPECT_EQ(NormalizeEmail(""), "");
  EXPECT_EQ(NormalizeEmail("   "), "");
  // Pasted no-break spaces, mixed with ASCII ones.
  EXPECT_EQ(NormalizeEmail("\xc2\xa0 Zoe@Example.com\xc2\xa0\t\xc2\xa0"), "zoe@example.com");
  EXPECT_EQ(NormalizeEmail("\xc2\xa0"), "");
  // Only ASCII letters change: other scripts' case rules are not ours to
  // apply, and the address stays the one the client gave.
  EXPECT_EQ(NormalizeEmail("ZOË@EXÄMPLE.DE"), "zoË@exÄmple.de");
  // Inner white space is kept, so the address still fails validation.
  EXPECT_EQ(NormalizeEmail(" Zoe Smith@x.com "), "zoe smith@x.com");
}

// --- Text ---

TEST(ClientValidationTextTest, NamesInManyScriptsPass) {
  for (const char* name : {
           "Zoë",          // Latin with diaeresis, precomposed
           "Zoe\xcc\x88",  // the same, with a combining diaeresis
           "O'Brien",      // apostrophe
           "José-María",   // hyphen and accents
           "Åsa",          // Swedish
           "Nguyễn",       // Vietnamese, stacked diacritics
           "Łukasz",       // Polish
           "李",           // Chinese, one character
           "さくら",       // Japanese hiragana
           "김민준",       // Korean
           "عائشة",        // Arabic, right to left
           "שרה",          // Hebrew
           "Ελένη",        // Greek
           "Ђорђе",        // Serbian Cyrillic
           "प्रिया",        // Devanagari with combining signs
           "ชนิดา",         // Thai
           "Anne-Marie d'Arc",
           "Zoë 🌸",  // four-byte UTF-8
       }) {
    EXPECT_THAT(CheckName(name), IsEmpty()) << name;
  }
}

TEST(ClientValidationTextTest, RequiredMeansNotBlank) {
  EXPECT_THAT(CheckName(""), ElementsAre(Violation("client.given_name", "is required")));
  EXPECT_THAT(CheckName("   "), ElementsAre(Violation("client.given_name", "is required")));
  EXPECT_THAT(CheckName(" \t\r\n "), ElementsAre(Violation("client.given_name", "is required")));
  EXPECT_THAT(CheckName("", false), IsEmpty());
  EXPECT_THAT(CheckName("  ", false), IsEmpty());
}

TEST(ClientValidationTextTest, LengthCountsCodePointsNotBytes) {
  EXPECT_THAT(CheckName("李李李", true, 3), IsEmpty());  // 9 bytes
  EXPECT_THAT(CheckName("🌸🌸", true, 2), IsEmpty());      // 8 bytes
  EXPECT_THAT(
      CheckName("ëëëë", true, 3),
      ElementsAre(Violation("client.given_name", "is 4 characters long; at most 3 are allowed")));
  EXPECT_THAT(CheckName(std::string(100, 'a')), IsEmpty());
  EXPECT_THAT(CheckName(std::string(101, 'a')),
              ElementsAre(Violation("client.given_name", "is 101 characters long")));
}

TEST(ClientValidationTextTest, MalformedUtf8Fails) {
  struct Case {
    std::string bytes;
    const char* what;
  };
  for (const Case& c : {
           Case{"\xff\xfe", "not a UTF-8 byte at all"},
           Case{"\x80", "a lone continuation byte"},
           Case{"Zo\xc3", "a sequence cut short at the end"},
           Case{"Zo\xc3"
                "e",
                "a lead byte without its continuation"},
           Case{"\xc0\xaf", "an overlong '/'"},
           Case{"\xe0\x80\xaf", "an overlong '/' in three bytes"},
           Case{"\xf0\x80\x80\xaf", "an overlong '/' in four bytes"},
           Case{"\xed\xa0\x80", "a high surrogate"},
           Case{"\xed\xbf\xbf", "a low surrogate"},
           Case{"\xf4\x90\x80\x80", "beyond U+10FFFF"},
           Case{"\xf8\x88\x80\x80\x80", "a five-byte form"},
           Case{"Jos\xe9", "Latin-1, not UTF-8"},
       }) {
    const Violations out = CheckName(c.bytes);
    EXPECT_THAT(out, ElementsAre(Violation("client.given_name", "is not valid UTF-8"))) << c.what;
    EXPECT_TRUE(SurvivesTheWire(out)) << c.what;
  }
}

TEST(ClientValidationTextTest, MalformedUtf8MessageSaysWhere) {
  EXPECT_THAT(CheckName("Zo\xff"),
              ElementsAre(Violation("client.given_name", "byte 0xff at byte 2")));
}

TEST(ClientValidationTextTest, InvalidBytesFailEvenWhenOptional) {
  EXPECT_THAT(CheckName("\xff", false), ElementsAre(Violation("client.given_name", "UTF-8")));
}

TEST(ClientValidationTextTest, ControlCharactersFailInNames) {
  struct Case {
    std::string text;
    const char* code;
  };
  for (const Case& c : {
           Case{"Zoë\tSmith", "U+0009 at character 4"}, Case{"Zoë\nSmith", "U+000A"},
           Case{"Zoë\rSmith", "U+000D"}, Case{std::string("Zo\0e", 4), "U+0000 at character 3"},
           Case{"Zoe\x7f", "U+007F"}, Case{"Zoe\xc2\x85", "U+0085"},  // C1 "next line"
           Case{"\x1b[31mZoe", "U+001B"},                             // a terminal escape
       }) {
    const Violations out = CheckName(c.text, false);
    EXPECT_THAT(out, ElementsAre(Violation("client.given_name", "contains the control character")))
        << c.code;
    EXPECT_THAT(out, ElementsAre(Violation("client.given_name", c.code)));
  }
}

TEST(ClientValidationTextTest, FreeTextMayHaveLineBreaksAndTabs) {
  Violations out;
  ValidateText("Line one\nline two\r\n\tindented", "treatment_record.notes", false, 10000, out);
  EXPECT_THAT(out, IsEmpty());
  ValidateText("Bell\a", "treatment_record.notes", false, 10000, out);
  EXPECT_THAT(out, ElementsAre(Violation("treatment_record.notes", "U+0007")));
}

TEST(ClientValidationTextTest, SingleLineUpToTheThreshold) {
  Violations out;
  ValidateText("a\nb", "reason", false, kMaxSingleLineChars, out);
  EXPECT_THAT(out, ElementsAre(Violation("reason", "single line")));
  out.clear();
  ValidateText("a\nb", "notes", false, kMaxSingleLineChars + 1, out);
  EXPECT_THAT(out, IsEmpty());
}

// --- Country codes ---

TEST(ClientValidationCountryCodeTest, EmptyOrTwoUpperCaseLettersPass) {
  for (const char* code : {"", "GB", "US", "DE", "JP"}) {
    EXPECT_THAT(CheckCountry(code), IsEmpty()) << code;
  }
}

TEST(ClientValidationCountryCodeTest, OtherFormsFail) {
  for (const char* code : {"gb", "Gb", "GBR", "G", "G1", "12", " GB", "ÅL", "U\xff"}) {
    const Violations out = CheckCountry(code);
    EXPECT_THAT(out, ElementsAre(Violation("client.address.country_code",
                                           "is not an ISO 3166-1 alpha-2 country code")))
        << code;
    EXPECT_TRUE(SurvivesTheWire(out)) << code;
  }
  EXPECT_THAT(CheckCountry("gb"), ElementsAre(Violation("client.address.country_code", "\"gb\"")));
}

// --- Medical history facts ---

class MedicalFactsValidationTest : public ::testing::Test {
 public:
  v1::MedicalFactEntry& Add(v1::MedicalFact fact, std::vector<int> regions = {}) {
    v1::MedicalFactEntry* entry = facts_.Add();
    entry->set_fact(fact);
    entry->set_present(true);
    for (int region : regions) entry->add_regions(static_cast<v1::BodyRegion>(region));
    return *entry;
  }

  Violations Check() const {
    Violations out;
    ValidateMedicalFacts(facts_, "medical_history.facts", out);
    return out;
  }

  google::protobuf::RepeatedPtrField<v1::MedicalFactEntry> facts_;
};

TEST_F(MedicalFactsValidationTest, FactsWithAndWithoutRegionsPass) {
  Add(v1::ECZEMA);
  Add(v1::RADIATION_THERAPY, {v1::BODY_REGION_DECOLLETE});
  Add(v1::TATTOO_OR_PERMANENT_MAKEUP,
      {v1::BODY_REGION_HANDS, v1::BODY_REGION_BODY, v1::BODY_REGION_SCALP,
       v1::BODY_REGION_DECOLLETE, v1::BODY_REGION_NECK, v1::BODY_REGION_FACE});
  EXPECT_THAT(Check(), IsEmpty());
}

TEST_F(MedicalFactsValidationTest, UnspecifiedRegionFails) {
  Add(v1::RADIATION_THERAPY, {v1::BODY_REGION_FACE, v1::BODY_REGION_UNSPECIFIED});
  EXPECT_THAT(Check(), ElementsAre(Violation("medical_history.facts[0].regions[1]",
                                             "is BODY_REGION_UNSPECIFIED; name a region such as "
                                             "BODY_REGION_FACE, or leave regions empty")));
}

TEST_F(MedicalFactsValidationTest, UnknownRegionFails) {
  Add(v1::ECZEMA);
  Add(v1::SURGERY_OR_THREAD_LIFT, {77});
  EXPECT_THAT(Check(), ElementsAre(Violation("medical_history.facts[1].regions[0]",
                                             "77 is not a known body region")));
}

TEST_F(MedicalFactsValidationTest, EachRegionOnce) {
  Add(v1::ECZEMA);
  Add(v1::TATTOO_OR_PERMANENT_MAKEUP,
      {v1::BODY_REGION_FACE, v1::BODY_REGION_NECK, v1::BODY_REGION_FACE});
  EXPECT_THAT(Check(), ElementsAre(Violation("medical_history.facts[1].regions[2]",
                                             "BODY_REGION_FACE is listed twice (first at "
                                             "medical_history.facts[1].regions[0])")));
}

TEST_F(MedicalFactsValidationTest, AtMostSixRegionsAndOnlyTheCountIsReported) {
  Add(v1::TATTOO_OR_PERMANENT_MAKEUP,
      {v1::BODY_REGION_FACE, v1::BODY_REGION_NECK, v1::BODY_REGION_DECOLLETE, v1::BODY_REGION_SCALP,
       v1::BODY_REGION_BODY, v1::BODY_REGION_HANDS, v1::BODY_REGION_FACE});
  EXPECT_THAT(Check(), ElementsAre(Violation("medical_history.facts[0].regions",
                                             "has 7 regions; at most 6 are allowed")));

  facts_.Clear();
  v1::MedicalFactEntry& flood = Add(v1::RADIATION_THERAPY);
  for (int i = 0; i < 100000; ++i) flood.add_regions(v1::BODY_REGION_FACE);
  const Violations out = Check();
  ASSERT_THAT(out,
              ElementsAre(Violation("medical_history.facts[0].regions", "has 100000 regions")));
  EXPECT_LT(out[0].description.size(), 100u);
}

TEST_F(MedicalFactsValidationTest, ReportsEveryProblemInFieldOrder) {
  v1::MedicalFactEntry& first = Add(v1::ISOTRETINOIN, {v1::BODY_REGION_UNSPECIFIED});
  *first.mutable_start_date() = MakeDate(2026, 6, 1);
  *first.mutable_end_date() = MakeDate(2026, 5, 1);
  first.set_detail(std::string(501, 'x'));
  Add(v1::ISOTRETINOIN);
  *Add(v1::MEDICAL_FACT_UNSPECIFIED).mutable_start_date() = MakeDate(2026, 13, 1);
  Add(static_cast<v1::MedicalFact>(999), {v1::BODY_REGION_NECK, v1::BODY_REGION_NECK});
  EXPECT_THAT(
      Check(),
      ElementsAre(
          Violation("medical_history.facts[0].end_date", "is before start_date"),
          Violation("medical_history.facts[0].detail", "501"),
          Violation("medical_history.facts[0].regions[0]", "BODY_REGION_UNSPECIFIED"),
          Violation("medical_history.facts[1].fact",
                    "ISOTRETINOIN is listed twice; keep one entry per fact"),
          Violation("medical_history.facts[2].fact", "is required"),
          Violation("medical_history.facts[2].start_date.month", "13"),
          Violation("medical_history.facts[3].fact", "999 is not a known medical fact"),
          Violation("medical_history.facts[3].regions[1]", "BODY_REGION_NECK is listed twice")));
}

// --- Adverse events ---

class AdverseEventValidationTest : public ::testing::Test {
 protected:
  v1::AdverseEvent& Add(const std::string& description, v1::AdverseEventSeverity severity) {
    v1::AdverseEvent* event = events_.Add();
    event->set_description(description);
    event->set_severity(severity);
    return *event;
  }

  static void SetOnset(v1::AdverseEvent& event, absl::Time time) {
    const int64_t seconds = absl::ToUnixSeconds(time);
    event.mutable_onset_time()->set_seconds(seconds);
    event.mutable_onset_time()->set_nanos(
        static_cast<int32_t>((time - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  }

  Violations Check() const {
    Violations out;
    ValidateAdverseEvents(events_, kNow, "treatment_record.adverse_events", out);
    return out;
  }

  google::protobuf::RepeatedPtrField<v1::AdverseEvent> events_;
};

TEST_F(AdverseEventValidationTest, NoneIsFine) { EXPECT_THAT(Check(), IsEmpty()); }

TEST_F(AdverseEventValidationTest, CompleteEventsPass) {
  SetOnset(Add("Prolonged redness", v1::ADVERSE_EVENT_SEVERITY_MILD), kNow - absl::Hours(1));
  Add("Infection on the left cheek;\nprescribed antibiotics.", v1::ADVERSE_EVENT_SEVERITY_MODERATE);
  SetOnset(Add("Scarring", v1::ADVERSE_EVENT_SEVERITY_SEVERE), kNow);
  EXPECT_THAT(Check(), IsEmpty());
}

TEST_F(AdverseEventValidationTest, DescriptionIsRequiredAndBounded) {
  Add("", v1::ADVERSE_EVENT_SEVERITY_MILD);
  Add("  ", v1::ADVERSE_EVENT_SEVERITY_MILD);
  Add(std::string(2000, 'x'), v1::ADVERSE_EVENT_SEVERITY_MILD);
  Add(std::string(2001, 'x'), v1::ADVERSE_EVENT_SEVERITY_MILD);
  Add("Redness\xff", v1::ADVERSE_EVENT_SEVERITY_MILD);
  EXPECT_THAT(
      Check(),
      ElementsAre(Violation("treatment_record.adverse_events[0].description", "is required"),
                  Violation("treatment_record.adverse_events[1].description", "is required"),
                  Violation("treatment_record.adverse_events[3].description",
                            "is 2001 characters long; at most 2000"),
                  Violation("treatment_record.adverse_events[4].description", "UTF-8")));
}

TEST_F(AdverseEventValidationTest, SeverityIsRequiredAndKnown) {
  Add("Redness", v1::ADVERSE_EVENT_SEVERITY_UNSPECIFIED);
  Add("Redness", static_cast<v1::AdverseEventSeverity>(7));
  EXPECT_THAT(Check(),
              ElementsAre(Violation("treatment_record.adverse_events[0].severity", "is required"),
                          Violation("treatment_record.adverse_events[1].severity",
                                    "7 is not an adverse event severity")));
}

TEST_F(AdverseEventValidationTest, OnsetMayBeAFewMinutesAhead) {
  SetOnset(Add("Redness", v1::ADVERSE_EVENT_SEVERITY_MILD), kNow + absl::Minutes(5));
  EXPECT_THAT(Check(), IsEmpty());
  SetOnset(Add("Redness", v1::ADVERSE_EVENT_SEVERITY_MILD),
           kNow + absl::Minutes(5) + absl::Nanoseconds(1));
  EXPECT_THAT(Check(),
              ElementsAre(Violation("treatment_record.adverse_events[1].onset_time", "future")));
}

TEST_F(AdverseEventValidationTest, FutureOnsetFails) {
  SetOnset(Add("Redness", v1::ADVERSE_EVENT_SEVERITY_MILD), kNow + absl::Hours(2));
  EXPECT_THAT(Check(), ElementsAre(Violation("treatment_record.adverse_events[0].onset_time",
                                             "2026-11-25T14:00:00Z is in the future (now is "
                                             "2026-11-25T12:00:00Z)")));
}

TEST_F(AdverseEventValidationTest, OnsetMustBeAValidTimestamp) {
  Add("Redness", v1::ADVERSE_EVENT_SEVERITY_MILD).mutable_onset_time()->set_nanos(-1);
  Add("Redness", v1::ADVERSE_EVENT_SEVERITY_MILD).mutable_onset_time()->set_nanos(1000000000);
  Add("Redness", v1::ADVERSE_EVENT_SEVERITY_MILD)
      .mutable_onset_time()
      ->set_seconds(-62135596801);  // the second before year 1
  Add("Redness", v1::ADVERSE_EVENT_SEVERITY_MILD)
      .mutable_onset_time()
      ->set_seconds(-62135596800);  // year 1: a Timestamp, but before any chart
  Add("Redness", v1::ADVERSE_EVENT_SEVERITY_MILD)
      .mutable_onset_time()
      ->set_seconds(-2208988800);  // 1900-01-01 itself is fine
  Add("Redness", v1::ADVERSE_EVENT_SEVERITY_MILD)
      .mutable_onset_time()
      ->set_seconds(32503680000);  // year 3000: once past a nanosecond overflow
  EXPECT_THAT(
      Check(),
      ElementsAre(
          Violation("treatment_record.adverse_events[0].onset_time", "not a valid timestamp"),
          Violation("treatment_record.adverse_events[1].onset_time", "not a valid timestamp"),
          Violation("treatment_record.adverse_events[2].onset_time", "not a valid timestamp"),
          Violation("treatment_record.adverse_events[3].onset_time", "before 1900-01-01"),
          Violation("treatment_record.adverse_events[5].onset_time", "in the future")));
}

TEST_F(AdverseEventValidationTest, ReportsEveryProblemOfAnEvent) {
  SetOnset(Add("", v1::ADVERSE_EVENT_SEVERITY_UNSPECIFIED), kNow + absl::Hours(1));
  EXPECT_THAT(Check(),
              ElementsAre(Violation("treatment_record.adverse_events[0].description", "required"),
                          Violation("treatment_record.adverse_events[0].severity", "required"),
                          Violation("treatment_record.adverse_events[0].onset_time", "future")));
}

// The round trip that SurvivesTheWire relies on really refuses bad bytes.
TEST(ClientValidationWireTest, InvalidUtf8DoesNotSurvive) {
  EXPECT_FALSE(SurvivesTheWire({{"field", "bad \xff"}}));
  EXPECT_TRUE(SurvivesTheWire({{"field", "fine: Zoë"}}));
}

}  // namespace
}  // namespace client_records
}  // namespace clinic
