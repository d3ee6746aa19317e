// The one set of time checks: Timestamp range and nanos, conversions that
// cannot overflow, clinical event times, durations and dates.
#include "common/core/time.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace clinic {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

google::protobuf::Timestamp Ts(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp t;
  t.set_seconds(seconds);
  t.set_nanos(nanos);
  return t;
}

constexpr int64_t kYear3000 = 32503680000;    // 3000-01-01T00:00:00Z
constexpr int64_t kYear10000 = 253402300800;  // 10000-01-01T00:00:00Z

TEST(TimestampTest, AcceptsExactlyWhatTimestampAllows) {
  EXPECT_TRUE(IsValidTimestamp(Ts(kMinTimestampSeconds)));
  EXPECT_TRUE(IsValidTimestamp(Ts(kMaxTimestampSeconds, 999999999)));
  EXPECT_TRUE(IsValidTimestamp(Ts(kYear3000)));
  EXPECT_FALSE(IsValidTimestamp(Ts(kMinTimestampSeconds - 1)));
  EXPECT_FALSE(IsValidTimestamp(Ts(kYear10000)));
  EXPECT_FALSE(IsValidTimestamp(Ts(std::numeric_limits<int64_t>::max())));
  EXPECT_FALSE(IsValidTimestamp(Ts(std::numeric_limits<int64_t>::min())));
  EXPECT_FALSE(IsValidTimestamp(Ts(0, 1000000000)));
  EXPECT_FALSE(IsValidTimestamp(Ts(0, -1)));
}

// int64 nanoseconds end in 2262; these conversions must not.
TEST(TimestampTest, ConversionsAreExactAcrossTheWholeRange) {
  for (const auto& t : {Ts(kMinTimestampSeconds), Ts(-1, 999999999), Ts(0), Ts(kYear3000, 5),
                        Ts(kMaxTimestampSeconds, 999999999)}) {
    const absl::Time time = FromTimestamp(t);
    EXPECT_GT(time, absl::InfinitePast());
    EXPECT_LT(time, absl::InfiniteFuture());
    const google::protobuf::Timestamp back = ToTimestamp(time);
    EXPECT_EQ(back.seconds(), t.seconds());
    EXPECT_EQ(back.nanos(), t.nanos());
  }
  EXPECT_GT(FromTimestamp(Ts(kYear3000)), FromTimestamp(Ts(4102444800)));  // after 2100
  // Out of range in, clamped out; never wrapped.
  EXPECT_EQ(ToTimestamp(absl::InfiniteFuture()).seconds(), kMaxTimestampSeconds);
  EXPECT_EQ(ToTimestamp(absl::InfinitePast()).seconds(), kMinTimestampSeconds);
  EXPECT_GT(FromTimestamp(Ts(std::numeric_limits<int64_t>::max())), FromTimestamp(Ts(0)));
  EXPECT_LT(FromTimestamp(Ts(std::numeric_limits<int64_t>::min())), FromTimestamp(Ts(0)));
}

// Stores keep milliseconds: what a write returns must equal what a read gives.
TEST(TimestampTest, MillisecondsRoundDownAndNeverOverflow) {
  EXPECT_EQ(TimestampToUnixMillis(Ts(1, 999999999)), 1999);
  EXPECT_EQ(TimestampToUnixMillis(Ts(-1, 1)), -1000);  // -0.999999999 s
  EXPECT_EQ(TimestampToUnixMillis(Ts(kMinTimestampSeconds)), kMinTimestampSeconds * 1000);
  EXPECT_EQ(TimestampToUnixMillis(Ts(kMaxTimestampSeconds, 999999999)),
            kMaxTimestampSeconds * 1000 + 999);
  EXPECT_EQ(TimestampToUnixMillis(Ts(std::numeric_limits<int64_t>::max())),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(TimestampToUnixMillis(Ts(std::numeric_limits<int64_t>::min())),
            std::numeric_limits<int64_t>::min());

  const absl::Time time = absl::FromUnixNanos(1764567684123456789);
  const google::protobuf::Timestamp cut = ToTimestampMillis(time);
  EXPECT_EQ(cut.seconds(), 1764567684);
  EXPECT_EQ(cut.nanos(), 123000000);
  EXPECT_EQ(TimestampToUnixMillis(cut), absl::ToUnixMillis(time));
  const google::protobuf::Timestamp before_epoch = ToTimestampMillis(absl::FromUnixNanos(-1));
  EXPECT_EQ(before_epoch.seconds(), -1);
  EXPECT_EQ(before_epoch.nanos(), 999000000);
  EXPECT_EQ(ToTimestampMillis(absl::InfiniteFuture()).seconds(), kMaxTimestampSeconds);
}

TEST(TimestampTest, CheckNamesTheFieldAndTheRange) {
  std::vector<FieldViolation> out;
  EXPECT_FALSE(CheckTimestamp(Ts(0, 1000000000), "updated_since", out));
  EXPECT_FALSE(CheckTimestamp(Ts(std::numeric_limits<int64_t>::min()), "updated_since", out));
  ASSERT_THAT(out, SizeIs(2));
  EXPECT_EQ(out[0].field, "updated_since");
  EXPECT_THAT(out[0].description, HasSubstr("nanos from 0 to 999999999"));
  EXPECT_TRUE(CheckTimestamp(Ts(1), "updated_since", out).has_value());
  EXPECT_THAT(out, SizeIs(2));
}

TEST(EventTimeTest, From1900ToNowPlusTheClockSkew) {
  const absl::Time now = absl::FromUnixSeconds(1764567684);  // 2025-12-01
  const int64_t now_s = 1764567684;
  std::vector<FieldViolation> out;
  EXPECT_TRUE(CheckEventTime(Ts(kEarliestEventSeconds), true, true, now, "t", out));
  EXPECT_TRUE(CheckEventTime(Ts(now_s + 299), true, true, now, "t", out));
  EXPECT_THAT(out, IsEmpty());
  EXPECT_FALSE(CheckEventTime(Ts(kEarliestEventSeconds - 1), true, true, now, "t", out));
  EXPECT_FALSE(CheckEventTime(Ts(now_s + 301), true, true, now, "t", out));
  EXPECT_FALSE(CheckEventTime(Ts(kYear3000), true, true, now, "t", out));
  EXPECT_FALSE(CheckEventTime(Ts(kMaxTimestampSeconds), true, true, now, "t", out));
  EXPECT_FALSE(CheckEventTime(Ts(std::numeric_limits<int64_t>::max()), true, true, now, "t", out));
  EXPECT_FALSE(CheckEventTime(Ts(now_s, -1), true, true, now, "t", out));
  EXPECT_THAT(out, SizeIs(6));
  EXPECT_THAT(out[0].description, HasSubstr("1900-01-01"));
  EXPECT_THAT(out[1].description, HasSubstr("in the future"));
  // Missing: a violation only when required.
  out.clear();
  EXPECT_FALSE(CheckEventTime({}, false, false, now, "t", out));
  EXPECT_THAT(out, IsEmpty());
  EXPECT_FALSE(CheckEventTime({}, false, true, now, "t", out));
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].description, "is required");
}

TEST(DurationTest, ValidAndWithinLimits) {
  google::protobuf::Duration d;
  std::vector<FieldViolation> out;
  d.set_seconds(3600);
  EXPECT_EQ(*CheckDuration(d, absl::Minutes(1), absl::Hours(2), "1 minute to 2 hours", "ttl", out),
            absl::Hours(1));
  d.set_seconds(5);
  EXPECT_FALSE(
      CheckDuration(d, absl::Minutes(1), absl::Hours(2), "1 minute to 2 hours", "ttl", out));
  d.set_seconds(std::numeric_limits<int64_t>::max());
  EXPECT_FALSE(CheckDuration(d, absl::Minutes(1), absl::Hours(2), "", "ttl", out));
  d.set_seconds(60);
  d.set_nanos(-1);  // sign differs from the seconds
  EXPECT_FALSE(CheckDuration(d, absl::Minutes(1), absl::Hours(2), "", "ttl", out));
  d.set_nanos(1000000000);
  EXPECT_FALSE(CheckDuration(d, absl::Minutes(1), absl::Hours(2), "", "ttl", out));
  ASSERT_THAT(out, SizeIs(4));
  EXPECT_THAT(out[0].description, HasSubstr("out of range: 1 minute to 2 hours"));
  EXPECT_THAT(out[1].description, HasSubstr("not a valid duration"));
}

TEST(DateTest, RealCalendarDatesOnly) {
  std::vector<FieldViolation> out;
  v1::Date date;
  date.set_year(2024);
  date.set_month(2);
  date.set_day(29);
  CheckDate(date, "date_of_birth", out);
  EXPECT_THAT(out, IsEmpty());
  date.set_year(2023);
  CheckDate(date, "date_of_birth", out);
  date.set_year(10000);
  date.set_month(13);
  date.set_day(40);
  CheckDate(date, "date_of_birth", out);
  ASSERT_THAT(out, SizeIs(4));
  EXPECT_EQ(out[0].field, "date_of_birth.day");
  EXPECT_EQ(out[1].field, "date_of_birth.year");
  EXPECT_EQ(out[2].field, "date_of_birth.month");
}

}  // namespace
}  // namespace clinic
