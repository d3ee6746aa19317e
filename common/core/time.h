// The one set of checks and conversions for the times and dates callers send:
// google.protobuf.Timestamp and Duration, clinic.v1.Date. Every service uses
// these, so a time is judged the same way everywhere and no conversion can
// overflow (absl::Time holds any valid Timestamp exactly; int64 nanoseconds,
// which stop in 2262, are never used). Checks append FieldViolations, as the
// services' other field checks do.
#ifndef CLINIC_COMMON_CORE_TIME_H_
#define CLINIC_COMMON_CORE_TIME_H_

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "clinic/v1/common.pb.h"
#include "common/core/status.h"

namespace clinic {

// What google.protobuf.Timestamp allows: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z, nanos 0 to 999,999,999.
inline constexpr int64_t kMinTimestampSeconds = -62135596800;
inline constexpr int64_t kMaxTimestampSeconds = 253402300799;
// What google.protobuf.Duration allows: about ±10,000 years, nanos within
// ±999,999,999 with the sign of the seconds.
inline constexpr int64_t kMaxDurationSeconds = 315576000000;

// How far ahead of this server's clock a caller's "now" may be: tablets'
// clocks drift, and an event recorded "a minute from now" is not a mistake.
inline constexpr absl::Duration kClockSkew = absl::Minutes(5);

// The earliest time a clinical event (a treatment, a signature, an adverse
// event's onset) may have: nothing in a client's chart happened before this.
// 1900-01-01T00:00:00Z.
inline constexpr int64_t kEarliestEventSeconds = -2208988800;

// Whether seconds and nanos are within what Timestamp allows.
bool IsValidTimestamp(const google::protobuf::Timestamp& timestamp);

// The time a valid Timestamp names, exactly. For an invalid one the result is
// still defined (absl saturates far beyond the range), never overflowed.
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

// `time` as a Timestamp, clamped to Timestamp's range.
google::protobuf::Timestamp ToTimestamp(absl::Time time);

// Stores keep times as whole milliseconds since the Unix epoch. These convert
// to and from that, rounding down, so a time returned when it is written
// equals the time read back later.
google::protobuf::Timestamp ToTimestampMillis(absl::Time time);
// For a valid Timestamp; an invalid one saturates instead of overflowing.
int64_t TimestampToUnixMillis(const google::protobuf::Timestamp& timestamp);

// "2026-12-01T05:41:24Z".
std::string FormatUtc(absl::Time time);

// A Timestamp a caller sent in `field`: the time when valid, otherwise
// nullopt and a violation naming the field and the accepted range.
absl::optional<absl::Time> CheckTimestamp(const google::protobuf::Timestamp& timestamp,
                                          absl::string_view field,
                                          std::vector<FieldViolation>& out);

// When a clinical event happened: a valid Timestamp from kEarliestEventSeconds
// (1900-01-01) to `now` + kClockSkew. `present` false means the field was not
// sent, which is a violation when `required`. The time when accepted.
absl::optional<absl::Time> CheckEventTime(const google::protobuf::Timestamp& timestamp,
                                          bool present, bool required, absl::Time now,
                                          absl::string_view field,
                                          std::vector<FieldViolation>& out);

// A Duration a caller sent in `field`, valid and from `min` to `max`
// inclusive; `limits` describes the range for the message, e.g. "at least 1
// minute, at most 3650 days". The duration when accepted.
absl::optional<absl::Duration> CheckDuration(const google::protobuf::Duration& duration,
                                             absl::Duration min, absl::Duration max,
                                             absl::string_view limits, absl::string_view field,
                                             std::vector<FieldViolation>& out);

// A real calendar date: year 1 to 9999, month 1 to 12, and a day of that
// month (29 February only in leap years). Violations name `field`.year,
// .month or .day.
void CheckDate(const v1::Date& date, absl::string_view field, std::vector<FieldViolation>& out);

// A day as the integer yyyymmdd, which orders like the days: how stores keep
// days they compare (expiry dates, the day a price takes effect).
int DayNumber(absl::CivilDay day);
int DayNumber(const v1::Date& date);

// The same day as a Date, and back (for a Date CheckDate accepted).
v1::Date ToDate(absl::CivilDay day);
absl::CivilDay ToCivilDay(const v1::Date& date);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_TIME_H_
