// Semantic Versioning 2.0.0 parsing and precedence: the examples of the
// specification, every way a version string can be malformed, and the
// ordering rules, including build metadata being ignored.
#include "common/definition/semver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

SemanticVersion Parsed(absl::string_view text) {
  absl::StatusOr<SemanticVersion> version = ParseSemanticVersion(text);
  EXPECT_TRUE(version.ok()) << text << ": " << version.status();
  return version.ok() ? *version : SemanticVersion{};
}

TEST(SemanticVersionParseTest, ReadsTheVersionCore) {
  const SemanticVersion v = Parsed("1.4.0");
  EXPECT_EQ(v.major, 1u);
  EXPECT_EQ(v.minor, 4u);
  EXPECT_EQ(v.patch, 0u);
  EXPECT_THAT(v.prerelease, IsEmpty());
  EXPECT_THAT(v.build, IsEmpty());
}

TEST(SemanticVersionParseTest, ReadsPrereleaseAndBuild) {
  const SemanticVersion v = Parsed("2.0.0-rc.1+build.5");
  EXPECT_EQ(v.major, 2u);
  EXPECT_EQ(v.minor, 0u);
  EXPECT_EQ(v.patch, 0u);
  EXPECT_THAT(v.prerelease, ElementsAre("rc", "1"));
  EXPECT_EQ(v.build, "build.5");
}

TEST(SemanticVersionParseTest, BuildMayContainHyphensAndFollowNoPrerelease) {
  const SemanticVersion v = Parsed("1.0.0+exp.sha-5114f85");
  EXPECT_THAT(v.prerelease, IsEmpty());
  EXPECT_EQ(v.build, "exp.sha-5114f85");
}

TEST(SemanticVersionParseTest, HyphensAfterTheFirstBelongToThePrerelease) {
  EXPECT_THAT(Parsed("1.0.0-x-y-z.--").prerelease, ElementsAre("x-y-z", "--"));
  EXPECT_THAT(Parsed("10.20.30-alpha-1.0").prerelease, ElementsAre("alpha-1", "0"));
}

TEST(SemanticVersionParseTest, AcceptsTheSpecificationsExamples) {
  for (const char* text : {"0.0.4",
                           "1.2.3",
                           "10.20.30",
                           "1.1.2-prerelease+meta",
                           "1.1.2+meta",
                           "1.1.2+meta-valid",
                           "1.0.0-alpha",
                           "1.0.0-beta",
                           "1.0.0-alpha.beta",
                           "1.0.0-alpha.beta.1",
                           "1.0.0-alpha.1",
                           "1.0.0-alpha0.valid",
                           "1.0.0-alpha.0valid",
                           "1.0.0-rc.1+build.1",
                           "2.0.0-rc.1+build.123",
                           "1.2.3-beta",
                           "10.2.3-DEV-SNAPSHOT",
                           "1.2.3-SNAPSHOT-123",
                           "2.0.0+build.1848",
                           "2.0.1-alpha.1227",
                           "1.0.0-0A.is.legal",
                           "1.0.0+0.build.1-rc.10000aaa-kk-0.1",
                           "1.0.0-0"}) {
    EXPECT_TRUE(ParseSemanticVersion(text).ok()) << text;
  }
}

TEST(SemanticVersionParseTest, BuildMetadataMayHaveLeadingZeros) {
  EXPECT_EQ(Parsed("1.0.0+build.007").build, "build.007");
}

TEST(SemanticVersionParseTest, ReadsTheLargestNumbers) {
  EXPECT_EQ(Parsed("18446744073709551615.0.0").major, 18446744073709551615u);
}

struct Malformed {
  const char* name;
  const char* text;
  const char* reason;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const Malformed& m, std::ostream* os) { *os << m.name; }

class SemanticVersionRefusalTest : public ::testing::TestWithParam<Malformed> {};

TEST_P(SemanticVersionRefusalTest, SaysWhatIsWrong) {
  const absl::StatusOr<SemanticVersion> version = ParseSemanticVersion(GetParam().text);
  ASSERT_FALSE(version.ok()) << GetParam().text;
  EXPECT_EQ(version.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(version.status().message());
  EXPECT_THAT(message, StartsWith("\""));
  EXPECT_THAT(message, HasSubstr("is not a semantic version"));
  EXPECT_THAT(message, HasSubstr(GetParam().reason));
}

INSTANTIATE_TEST_SUITE_P(
    EveryMistake, SemanticVersionRefusalTest,
    ::testing::Values(
        Malformed{"Empty", "", "it is empty"}, Malformed{"OneNumber", "1", "three numbers"},
        Malformed{"TwoNumbers", "1.4", "three numbers"},
        Malformed{"FourNumbers", "1.2.3.4", "three numbers"},
        Malformed{"LeadingV", "v1.2.3", "leading 'v'"},
        Malformed{"LeadingCapitalV", "V1.2.3", "leading 'v'"},
        Malformed{"MajorLeadingZero", "01.2.3", "MAJOR \"01\" has a leading zero"},
        Malformed{"MinorLeadingZero", "1.02.3", "MINOR \"02\" has a leading zero"},
        Malformed{"PatchDoubleZero", "1.2.00", "PATCH \"00\" has a leading zero"},
        Malformed{"EmptyMinor", "1..3", "MINOR is empty"},
        Malformed{"LetterPatch", "1.2.x", "PATCH \"x\" is not a whole number"},
        Malformed{"LeadingSpace", " 1.2.3", "MAJOR \" 1\" is not a whole number"},
        Malformed{"TrailingSpace", "1.2.3 ", "PATCH \"3 \" is not a whole number"},
        Malformed{"PlusInCore", "1.2.+3", "PATCH is empty"},
        Malformed{"MajorTooLarge", "18446744073709551616.0.0",
                  "MAJOR \"18446744073709551616\" is too large"},
        Malformed{"EmptyPrerelease", "1.2.3-", "the pre-release after '-' is empty"},
        Malformed{"EmptyPrereleaseBeforeBuild", "1.2.3-+build",
                  "the pre-release after '-' is empty"},
        Malformed{"PrereleaseDoubleDot", "1.2.3-a..b", "the pre-release has an empty identifier"},
        Malformed{"PrereleaseTrailingDot", "1.2.3-rc.", "the pre-release has an empty identifier"},
        Malformed{"PrereleaseLeadingZero", "1.2.3-01",
                  "numeric pre-release identifier \"01\" has a leading zero"},
        Malformed{"PrereleaseDoubleZero", "1.2.3-rc.00", "\"00\" has a leading zero"},
        Malformed{"PrereleaseUnderscore", "1.2.3-a_b",
                  "pre-release identifier \"a_b\" may only use"},
        Malformed{"PrereleaseNonAscii", "1.2.3-\xc3\xa9",
                  "may only use ASCII letters, digits and '-'"},
        Malformed{"EmptyBuild", "1.2.3+", "the build metadata after '+' is empty"},
        Malformed{"BuildDoubleDot", "1.2.3+a..b", "the build metadata has an empty identifier"},
        Malformed{"BuildSecondPlus", "1.2.3+a+b", "build metadata identifier \"a+b\" may only use"},
        Malformed{"BuildPunctuation", "1.2.3+build!", "may only use"}),
    [](const ::testing::TestParamInfo<Malformed>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(SemanticVersionParseTest, EscapesUnprintableTextInTheMessage) {
  const auto version = ParseSemanticVersion("1.2\n");
  ASSERT_FALSE(version.ok());
  EXPECT_THAT(std::string(version.status().message()), StartsWith("\"1.2\\n\""));
}

// The specification's own ordering example, plus the version core.
const std::vector<std::string>& Ascending() {
  static const auto* const kAscending = new std::vector<std::string>{
      "0.9.9",      "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta",
      "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",
      "1.0.0",      "1.0.1",        "1.1.0",         "1.10.0",
      "2.0.0-0",    "2.0.0",        "2.1.1"};
  return *kAscending;
}

TEST(SemanticVersionCompareTest, FollowsPrecedenceBetweenEveryPair) {
  const std::vector<std::string>& ascending = Ascending();
  for (size_t i = 0; i < ascending.size(); ++i) {
    const SemanticVersion a = Parsed(ascending[i]);
    EXPECT_EQ(CompareSemanticVersions(a, a), 0) << ascending[i];
    for (size_t j = i + 1; j < ascending.size(); ++j) {
      const SemanticVersion b = Parsed(ascending[j]);
      EXPECT_LT(CompareSemanticVersions(a, b), 0) << ascending[i] << " < " << ascending[j];
      EXPECT_GT(CompareSemanticVersions(b, a), 0) << ascending[j] << " > " << ascending[i];
    }
  }
}

TEST(SemanticVersionCompareTest, IgnoresBuildMetadata) {
  EXPECT_EQ(CompareSemanticVersions(Parsed("1.0.0+a"), Parsed("1.0.0+b")), 0);
  EXPECT_EQ(CompareSemanticVersions(Parsed("1.0.0-rc.1+x"), Parsed("1.0.0-rc.1")), 0);
  EXPECT_LT(CompareSemanticVersions(Parsed("1.0.0-rc.1+zzz"), Parsed("1.0.0+aaa")), 0);
}

TEST(SemanticVersionCompareTest, ComparesNumericIdentifiersAsNumbers) {
  EXPECT_LT(CompareSemanticVersions(Parsed("1.0.0-alpha.9"), Parsed("1.0.0-alpha.10")), 0);
  // Longer than any integer type: still ordered by value.
  EXPECT_LT(CompareSemanticVersions(Parsed("1.0.0-9"), Parsed("1.0.0-99999999999999999999999")), 0);
  EXPECT_LT(CompareSemanticVersions(Parsed("1.0.0-12345678901234567890123"),
                                    Parsed("1.0.0-12345678901234567890124")),
            0);
}

TEST(SemanticVersionCompareTest, RanksNumericIdentifiersBelowAlphanumericOnes) {
  EXPECT_LT(CompareSemanticVersions(Parsed("1.0.0-1"), Parsed("1.0.0-a")), 0);
  EXPECT_LT(CompareSemanticVersions(Parsed("1.0.0-999"), Parsed("1.0.0-0a")), 0);
}

TEST(SemanticVersionCompareTest, ComparesAlphanumericIdentifiersInAsciiOrder) {
  EXPECT_LT(CompareSemanticVersions(Parsed("1.0.0-Beta"), Parsed("1.0.0-alpha")), 0);
  EXPECT_LT(CompareSemanticVersions(Parsed("1.0.0-alpha-2"), Parsed("1.0.0-alpha2")), 0);
}

TEST(SemanticVersionCompareTest, ComparesLargeVersionNumbersExactly) {
  EXPECT_LT(CompareSemanticVersions(Parsed("18446744073709551614.0.0"),
                                    Parsed("18446744073709551615.0.0")),
            0);
}

}  // namespace
}  // namespace clinic
