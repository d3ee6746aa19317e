// Resource names: one parser for every service, safe whatever a caller sends.
#include "common/core/resource_name.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/storage/ids.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr ResourcePattern kClient("clients/{client_id}", storage::IsWellFormedId);
constexpr ResourcePattern kConsent("clients/{client_id}/consents/{id}", storage::IsWellFormedId);
constexpr ResourcePattern kHistory("clients/{client_id}/medicalHistory", storage::IsWellFormedId);
constexpr ResourcePattern kSite("sites/{site_id}", IsIdentifier);
constexpr ResourcePattern kType("treatmentTypes/{id}", IsAnyId);

constexpr char kId1[] = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
constexpr char kId2[] = "01J9ZQ0000000000000000000A";

// The one message a refused name gets, or "" when it is accepted.
std::string Refusal(const ResourcePattern& pattern, absl::string_view value) {
  absl::StatusOr<ResourceName> name = pattern.Parse(value, "name");
  if (name.ok()) return "";
  EXPECT_EQ(name.status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<FieldViolation> violations = GetFieldViolations(name.status());
  EXPECT_THAT(violations, SizeIs(1));
  if (!violations.empty()) {
    EXPECT_EQ(violations[0].field, "name");
  }
  return std::string(name.status().message());
}

TEST(ResourceNameTest, ParsesIdsByVariableAndInOrder) {
  ASSERT_TRUE(storage::IsWellFormedId(kId1) && storage::IsWellFormedId(kId2));
  absl::StatusOr<ResourceName> client = kClient.Parse(absl::StrCat("clients/", kId1), "name");
  ASSERT_TRUE(client.ok()) << client.status();
  EXPECT_EQ(client->id("client_id"), kId1);

  absl::StatusOr<ResourceName> consent =
      kConsent.Parse(absl::StrCat("clients/", kId1, "/consents/", kId2), "name");
  ASSERT_TRUE(consent.ok()) << consent.status();
  EXPECT_EQ(consent->id("client_id"), kId1);
  EXPECT_EQ(consent->id("id"), kId2);
  EXPECT_THAT(consent->ids(), ElementsAre(kId1, kId2));
  EXPECT_EQ(consent->id("consents"), "");  // a literal, not a variable
  EXPECT_EQ(consent->id("nothing"), "");

  absl::StatusOr<ResourceName> history =
      kHistory.Parse(absl::StrCat("clients/", kId1, "/medicalHistory"), "name");
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->id("client_id"), kId1);
}

TEST(ResourceNameTest, OneWordingForMissingAndMalformedNames) {
  EXPECT_EQ(Refusal(kConsent, ""),
            "name: is required, of the form \"clients/{client_id}/consents/{id}\"");
  EXPECT_EQ(Refusal(kClient, "x/y"), "name: \"x/y\" is not of the form \"clients/{client_id}\"");
  EXPECT_EQ(Refusal(kType, "microneedling"),
            "name: \"microneedling\" is not of the form \"treatmentTypes/{id}\"");
  absl::StatusOr<ResourceName> named = kClient.Parse("", "parent");
  EXPECT_EQ(named.status().message(), "parent: is required, of the form \"clients/{client_id}\"");
}

TEST(ResourceNameTest, TheWholeValueMustMatch) {
  const std::string client = absl::StrCat("clients/", kId1);
  for (const std::string& value : {
           absl::StrCat(client, "/"),                          // trailing slash
           absl::StrCat("/", client),                          // leading slash
           absl::StrCat("clients//", kId1),                    // empty segment
           std::string("clients/"),                            // empty id
           std::string("clients"),                             // too short
           absl::StrCat(client, "/consents"),                  // too long
           absl::StrCat(client, "/consents/", kId2),           // another pattern's name
           absl::StrCat("Clients/", kId1),                     // collections are exact
           absl::StrCat("client/", kId1),                      //
           absl::StrCat("clients/", kId1, " "),                // no trimming
           absl::StrCat(" clients/", kId1),                    //
           std::string("clients/01arz3ndektsv4rrffq69g5fav"),  // ids are upper case
           std::string("clients/.."),                          // no path tricks
           absl::StrCat("clients/../clients/", kId1),          //
           std::string("clients/*"),                           //
       }) {
    EXPECT_THAT(Refusal(kClient, value), HasSubstr("is not of the form")) << value;
    EXPECT_FALSE(kClient.Matches(value)) << value;
  }
  EXPECT_TRUE(kClient.Matches(client));
  EXPECT_FALSE(kConsent.Matches(client));
  EXPECT_FALSE(kClient.Matches(""));
}

TEST(ResourceNameTest, EachVariableMustPassTheRule) {
  EXPECT_TRUE(kSite.Matches("sites/london-soho"));
  EXPECT_FALSE(kSite.Matches("sites/London-Soho"));
  EXPECT_FALSE(kSite.Matches("sites/london_soho"));
  EXPECT_FALSE(kSite.Matches(absl::StrCat("sites/", std::string(64, 'a'))));
  // Any segment is an id, but never an empty one nor two segments.
  EXPECT_TRUE(kType.Matches("treatmentTypes/Botox and more"));
  EXPECT_FALSE(kType.Matches("treatmentTypes/"));
  EXPECT_FALSE(kType.Matches("treatmentTypes/a/b"));
  EXPECT_FALSE(kType.Matches("treatmentTypes//"));
}

TEST(ResourceNameTest, HostileValuesAreRefusedSafelyAndBriefly) {
  const std::string huge = absl::StrCat("clients/", std::string(1 << 20, 'A'));
  const std::string slashes(1 << 20, '/');
  const std::string nul = absl::StrCat("clients/", std::string(kId1, 13), std::string(1, '\0'),
                                       std::string(kId1 + 14, 12));
  const std::string bad_utf8 = "clients/\xff\xfe\xc3";
  const std::string control = "clients/\n\x01\x1b[31m";
  for (const std::string& value : {huge, slashes, nul, bad_utf8, control}) {
    const std::string message = Refusal(kClient, value);
    EXPECT_THAT(message, HasSubstr("is not of the form \"clients/{client_id}\""));
    EXPECT_LE(message.size(), 200u);
    EXPECT_TRUE(IsValidUtf8(message)) << message;
    EXPECT_THAT(message, Not(HasSubstr(std::string(1, '\0'))));
    EXPECT_THAT(message, Not(HasSubstr("\n")));
    EXPECT_THAT(message, Not(HasSubstr("\x1b")));
  }
  // The quote says how long the value was, and no more of it than a name.
  EXPECT_THAT(Refusal(kClient, huge), HasSubstr("(1048584 bytes)"));
  // Many segments are not collected, however many there are.
  EXPECT_FALSE(kConsent.Matches(slashes));
  EXPECT_FALSE(kType.Matches(absl::StrCat("treatmentTypes/", slashes)));
  EXPECT_TRUE(kType.Matches(absl::StrCat("treatmentTypes/", std::string(1 << 20, 'x'))));
}

TEST(ResourceNameTest, FormatBuildsWhatParseReads) {
  EXPECT_EQ(kClient.Format(kId1), absl::StrCat("clients/", kId1));
  EXPECT_EQ(kConsent.Format(std::string(kId1), kId2),
            absl::StrCat("clients/", kId1, "/consents/", kId2));
  EXPECT_EQ(kHistory.Format(kId1), absl::StrCat("clients/", kId1, "/medicalHistory"));
  absl::StatusOr<ResourceName> parsed = kConsent.Parse(kConsent.Format(kId2, kId1), "name");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_THAT(parsed->ids(), ElementsAre(kId2, kId1));
  EXPECT_EQ(kClient.pattern(), "clients/{client_id}");
}

TEST(ResourceNameTest, AnyResourceNameShape) {
  EXPECT_TRUE(IsWellFormedResourceName("staff/jane.doe", 200));
  EXPECT_TRUE(IsWellFormedResourceName(absl::StrCat("clients/", kId1, "/consents/", kId2), 200));
  EXPECT_TRUE(IsWellFormedResourceName("a/b/c/d/e/f", 200));
  EXPECT_FALSE(IsWellFormedResourceName("a/b/c/d/e/f/g", 200));  // 7 segments
  EXPECT_FALSE(IsWellFormedResourceName("clients", 200));        // 1 segment
  EXPECT_FALSE(IsWellFormedResourceName("", 200));
  EXPECT_FALSE(IsWellFormedResourceName("clients/", 200));
  EXPECT_FALSE(IsWellFormedResourceName("clients//x", 200));
  EXPECT_FALSE(IsWellFormedResourceName("clients/x y", 200));
  EXPECT_FALSE(IsWellFormedResourceName(std::string("clients/x\0y", 11), 200));
  EXPECT_FALSE(IsWellFormedResourceName("clients/\xc3\xa9", 200));
  EXPECT_TRUE(IsWellFormedResourceName(absl::StrCat("a/", std::string(64, 'b')), 200));
  EXPECT_FALSE(IsWellFormedResourceName(absl::StrCat("a/", std::string(65, 'b')), 200));
  EXPECT_FALSE(IsWellFormedResourceName("clients/abcdef", 10));  // longer than the bound
  EXPECT_FALSE(IsWellFormedResourceName(std::string(1 << 20, '/'), 1 << 21));
}

}  // namespace
}  // namespace clinic
