// Bounds on what an error, an audit event or a log line may carry back:
// UTF-8-safe quoting and truncation, the status mapping's size limits and
// the log line's.
#include "common/core/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "clinic/v1/common.pb.h"
#include "common/core/log.h"
#include "common/core/status.h"

namespace clinic {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Le;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kEllipsis[] = "\xE2\x80\xA6";

TEST(QuoteTest, ShortValuesAreQuotedWhole) {
  EXPECT_EQ(Quote("Zoë"), "\"Zoë\"");
  EXPECT_EQ(Quote(""), "\"\"");
  EXPECT_EQ(Quote("it's", kQuotedChars, '\''), "'it\\'s'");
}

TEST(QuoteTest, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(Quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Quote("l1\nl2\tx\r"), "\"l1\\nl2\\tx\\r\"");
  EXPECT_EQ(Quote(std::string("\x01\x7f", 2)), "\"\\u0001\\u007f\"");
  EXPECT_EQ(Quote("\xC2\x85"), "\"\\u0085\"");  // NEL, a C1 control character
}

TEST(QuoteTest, InvalidUtf8BytesAreEscapedNeverCopied) {
  EXPECT_EQ(Quote("a\xff"
                  "b"),
            "\"a\\xffb\"");
  EXPECT_EQ(Quote("\xC3"), "\"\\xc3\"");                    // a truncated 2-byte sequence
  EXPECT_EQ(Quote("\xC0\xAF"), "\"\\xc0\\xaf\"");           // an overlong '/'
  EXPECT_EQ(Quote("\xED\xA0\x80"), "\"\\xed\\xa0\\x80\"");  // a surrogate
  EXPECT_TRUE(IsValidUtf8(Quote("\xF4\x90\x80\x80")));      // above U+10FFFF
}

TEST(QuoteTest, LongValuesAreCutAtACharacterAndGiveTheirLength) {
  const std::string huge(1 << 20, 'a');
  EXPECT_EQ(Quote(huge, 4), "\"aaaa" + std::string(kEllipsis) + "\" (1048576 bytes)");
  EXPECT_THAT(Quote(huge), SizeIs(Le(100u)));
  // Exactly the limit is not cut.
  EXPECT_EQ(Quote("abcd", 4), "\"abcd\"");
}

TEST(QuoteTest, NeverSplitsAMultiByteCharacter) {
  // 2-, 3- and 4-byte characters straddling the cut point: each is shown
  // whole or not at all.
  for (const std::string character : {"é", "€", "😀"}) {
    std::string value = "ab";
    for (int i = 0; i < 10; ++i) value += character;
    for (size_t chars = 0; chars < 8; ++chars) {
      const std::string quoted = Quote(value, chars);
      EXPECT_TRUE(IsValidUtf8(quoted)) << chars;
      std::string expected_prefix = "\"" + value.substr(0, std::min<size_t>(chars, 2));
      for (size_t k = 2; k < chars; ++k) expected_prefix += character;
      EXPECT_THAT(quoted, StartsWith(expected_prefix + kEllipsis)) << character << chars;
    }
  }
}

TEST(TruncateTest, KeepsValidShortTextAsIs) {
  EXPECT_EQ(Truncate("name: is required", 100), "name: is required");
}

TEST(TruncateTest, CutsAtACharacterBoundaryWithinTheBoundAndSaysHowLong) {
  for (const std::string character : {"é", "€", "😀"}) {
    std::string value;
    while (value.size() < 1000) value += character;
    for (size_t max = 32; max < 48; ++max) {
      const std::string cut = Truncate(value, max);
      EXPECT_THAT(cut, SizeIs(Le(max))) << character << max;
      EXPECT_TRUE(IsValidUtf8(cut)) << character << max;
      EXPECT_THAT(
          cut, EndsWith(kEllipsis + std::string(" (") + std::to_string(value.size()) + " bytes)"));
    }
  }
  const std::string huge(3 << 20, 'x');
  EXPECT_THAT(Truncate(huge, 300), SizeIs(Le(300u)));
  EXPECT_THAT(Truncate(huge, 300), HasSubstr("(3145728 bytes)"));
}

TEST(TruncateTest, ReplacesInvalidUtf8) {
  const std::string cut = Truncate(
      "ok\xff\xfe"
      "done",
      100);
  EXPECT_TRUE(IsValidUtf8(cut));
  EXPECT_EQ(cut,
            "ok\xEF\xBF\xBD\xEF\xBF\xBD"
            "done");
  std::string mostly_invalid(500, '\x80');
  EXPECT_TRUE(IsValidUtf8(Truncate(mostly_invalid, 64)));
  EXPECT_THAT(Truncate(mostly_invalid, 64), SizeIs(Le(64u)));
}

TEST(StatusBoundsTest, HugeValuesInViolationsAreCut) {
  const std::string huge(1 << 20, 'n');
  const absl::Status status = InvalidField(huge, "\"" + huge + "\" is not a client name");
  EXPECT_THAT(status.message(),
              SizeIs(Le(kMaxViolationFieldBytes + kMaxViolationDescriptionBytes + 8)));
  const auto violations = GetFieldViolations(status);
  ASSERT_THAT(violations, SizeIs(1));
  EXPECT_THAT(violations[0].field, SizeIs(Le(kMaxViolationFieldBytes)));
  EXPECT_THAT(violations[0].description, SizeIs(Le(kMaxViolationDescriptionBytes)));
}

TEST(StatusBoundsTest, ManyViolationsListTheFirstAndCountTheRest) {
  std::vector<FieldViolation> many;
  for (int i = 0; i < 1000; ++i) many.push_back({"items[" + std::to_string(i) + "]", "is bad"});
  const absl::Status status = FieldViolations(absl::StatusCode::kInvalidArgument, "", many);
  EXPECT_THAT(status.message(), HasSubstr("and 999 more problems"));
  EXPECT_THAT(GetFieldViolations(status), SizeIs(kMaxListedViolations));
}

// Whatever a handler built, by hand or through the helpers, the gRPC status
// stays a few KiB, with the code and the first field intact.
TEST(StatusBoundsTest, ToGrpcStatusNeverSendsMoreThanAFewKiB) {
  const std::string huge(2 << 20, 'z');
  std::vector<FieldViolation> big;
  for (int i = 0; i < 20; ++i) big.push_back({"f" + std::to_string(i), std::string(250, 'd')});
  absl::Status by_hand(absl::StatusCode::kInvalidArgument, huge);
  by_hand.SetPayload(kErrorInfoTypeUrl, absl::Cord(huge));
  v1::BadRequest request;
  for (int i = 0; i < 5000; ++i) {
    auto* v = request.add_field_violations();
    v->set_field("name");
    v->set_description(huge.substr(0, 1000));
  }
  by_hand.SetPayload(kBadRequestTypeUrl, absl::Cord(request.SerializeAsString()));
  for (const absl::Status& status :
       {by_hand, FieldViolations(absl::StatusCode::kInvalidArgument, huge, big),
        InvalidField("name", huge)}) {
    const grpc::Status wire = ToGrpcStatus(status);
    EXPECT_EQ(wire.error_code(), grpc::INVALID_ARGUMENT);
    EXPECT_THAT(wire.error_message(), SizeIs(Le(kMaxStatusMessageBytes)));
    EXPECT_THAT(wire.error_details(), SizeIs(Le(kMaxStatusDetailsBytes)));
    EXPECT_TRUE(IsValidUtf8(wire.error_message()));
    v1::Status details;
    ASSERT_TRUE(details.ParseFromString(wire.error_details()));
    const auto violations = GetFieldViolations(FromGrpcStatus(wire));
    ASSERT_FALSE(violations.empty());
  }
}

TEST(StatusBoundsTest, InvalidUtf8InAMessageStillMakesAParsableStatus) {
  const grpc::Status wire = ToGrpcStatus(absl::InvalidArgumentError("bad \xff\xfe value"));
  EXPECT_TRUE(IsValidUtf8(wire.error_message()));
  v1::Status details;
  EXPECT_TRUE(details.ParseFromString(wire.error_details()));
}

TEST(LogBoundsTest, AHugeValueMakesABoundedValidLine) {
  const std::string huge(1 << 20, 'v');
  const std::string invalid = "\xff\xfe\xc3";
  ::testing::internal::CaptureStderr();
  Log(LogLevel::kError, huge,
      {{"name", huge},
       {"raw", invalid},
       {"a", huge},
       {"b", huge},
       {"c", huge},
       {"d", huge},
       {"e", huge},
       {"f", huge},
       {"g", huge},
       {"h", huge},
       {"i", huge},
       {"j", huge}});
  const std::string line = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(line, SizeIs(Le(kMaxLogLineBytes)));
  EXPECT_TRUE(IsValidUtf8(line));
  EXPECT_THAT(line, HasSubstr("(1048576 bytes)"));
  EXPECT_THAT(line, HasSubstr("\"fields_omitted\":"));
  EXPECT_THAT(line, EndsWith("}\n"));
}

TEST(LogBoundsTest, JsonEscapeReplacesInvalidUtf8) {
  EXPECT_EQ(JsonEscape("a\xff"), "a\xEF\xBF\xBD");
  EXPECT_EQ(JsonEscape("Zoë"), "Zoë");
}

TEST(IdentifierTest, AcceptsConfiguredIdsOnly) {
  EXPECT_TRUE(IsIdentifier("london-soho"));
  EXPECT_TRUE(IsIdentifier("a"));
  EXPECT_TRUE(IsIdentifier(std::string(63, 'a')));
  EXPECT_FALSE(IsIdentifier(""));
  EXPECT_FALSE(IsIdentifier(std::string(64, 'a')));
  EXPECT_FALSE(IsIdentifier("1site"));
  EXPECT_FALSE(IsIdentifier("-site"));
  EXPECT_FALSE(IsIdentifier("London"));
  EXPECT_FALSE(IsIdentifier("site_1"));
  EXPECT_FALSE(IsIdentifier("' OR 1=1 --"));
  EXPECT_FALSE(IsIdentifier("caf\xc3\xa9"));
}

}  // namespace
}  // namespace clinic
