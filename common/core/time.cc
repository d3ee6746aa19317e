#include "common/core/time.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace clinic {
namespace {

constexpr const char* kMonthNames[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};

bool IsLeap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeap(year) ? 29 : kDays[month - 1];
}

std::string Child(absl::string_view field, absl::string_view name) {
  if (field.empty()) return std::string(name);
  return absl::StrCat(field, ".", name);
}

}  // namespace

bool IsValidTimestamp(const google::protobuf::Timestamp& timestamp) {
  return timestamp.seconds() >= kMinTimestampSeconds &&
         timestamp.seconds() <= kMaxTimestampSeconds && timestamp.nanos() >= 0 &&
         timestamp.nanos() <= 999999999;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  const absl::Time earliest = absl::FromUnixSeconds(kMinTimestampSeconds);
  const absl::Time latest =
      absl::FromUnixSeconds(kMaxTimestampSeconds) + absl::Nanoseconds(999999999);
  time = std::clamp(time, earliest, latest);
  const int64_t seconds = absl::ToUnixSeconds(time);
  google::protobuf::Timestamp out;
  out.set_seconds(seconds);
  out.set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(time - absl::FromUnixSeconds(seconds))));
  return out;
}

google::protobuf::Timestamp ToTimestampMillis(absl::Time time) {
  return ToTimestamp(absl::FromUnixMillis(absl::ToUnixMillis(time)));
}

int64_t TimestampToUnixMillis(const google::protobuf::Timestamp& timestamp) {
  return absl::ToUnixMillis(FromTimestamp(timestamp));
}

std::string FormatUtc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

absl::optional<absl::Time> CheckTimestamp(const google::protobuf::Timestamp& timestamp,
                                          absl::string_view field,
                                          std::vector<FieldViolation>& out) {
  if (IsValidTimestamp(timestamp)) return FromTimestamp(timestamp);
  out.push_back({std::string(field),
                 absl::StrCat("seconds ", timestamp.seconds(), " and nanos ", timestamp.nanos(),
                              " are not a valid timestamp: seconds must lie from ",
                              kMinTimestampSeconds, " to ", kMaxTimestampSeconds,
                              " (years 1 to 9999) and nanos from 0 to 999999999")});
  return absl::nullopt;
}

absl::optional<absl::Time> CheckEventTime(const google::protobuf::Timestamp& timestamp,
                                          bool present, bool required, absl::Time now,
                                          absl::string_view field,
                                          std::vector<FieldViolation>& out) {
  if (!present) {
    if (required) out.push_back({std::string(field), "is required"});
    return absl::nullopt;
  }
  absl::optional<absl::Time> time = CheckTimestamp(timestamp, field, out);
  if (!time) return absl::nullopt;
  const absl::Time earliest = absl::FromUnixSeconds(kEarliestEventSeconds);
  if (*time < earliest) {
    out.push_back(
        {std::string(field), absl::StrCat(FormatUtc(*time), " is before ", FormatUtc(earliest),
                                          ", the earliest time a chart accepts")});
    return absl::nullopt;
  }
  if (*time > now + kClockSkew) {
    out.push_back(
        {std::string(field), absl::StrCat(FormatUtc(*time), " is in the future (now is ",
                                          FormatUtc(now), "); a clock at most ",
                                          absl::FormatDuration(kClockSkew), " ahead is allowed")});
    return absl::nullopt;
  }
  return time;
}

absl::optional<absl::Duration> CheckDuration(const google::protobuf::Duration& duration,
                                             absl::Duration min, absl::Duration max,
                                             absl::string_view limits, absl::string_view field,
                                             std::vector<FieldViolation>& out) {
  const int64_t seconds = duration.seconds();
  const int32_t nanos = duration.nanos();
  if (seconds < -kMaxDurationSeconds || seconds > kMaxDurationSeconds || nanos <= -1000000000 ||
      nanos >= 1000000000 || (seconds > 0 && nanos < 0) || (seconds < 0 && nanos > 0)) {
    out.push_back({std::string(field),
                   absl::StrCat("seconds ", seconds, " and nanos ", nanos,
                                " are not a valid duration (at most about 10,000 years, nanos "
                                "within 999999999 and of the same sign as the seconds)")});
    return absl::nullopt;
  }
  const absl::Duration value = absl::Seconds(seconds) + absl::Nanoseconds(nanos);
  if (value < min || value > max) {
    out.push_back({std::string(field),
                   absl::StrCat(absl::FormatDuration(value), " is out of range: ", limits)});
    return absl::nullopt;
  }
  return value;
}

void CheckDate(const v1::Date& date, absl::string_view field, std::vector<FieldViolation>& out) {
  const bool year_ok = date.year() >= 1 && date.year() <= 9999;
  const bool month_ok = date.month() >= 1 && date.month() <= 12;
  if (!year_ok) {
    out.push_back(
        {Child(field, "year"), absl::StrCat(date.year(), " is not a year from 1 to 9999")});
  }
  if (!month_ok) {
    out.push_back(
        {Child(field, "month"), absl::StrCat(date.month(), " is not a month from 1 to 12")});
  }
  if (year_ok && month_ok) {
    const int days = DaysInMonth(date.year(), date.month());
    if (date.day() < 1 || date.day() > days) {
      out.push_back({Child(field, "day"),
                     absl::StrCat(date.day(), " is not a day of ", kMonthNames[date.month() - 1],
                                  " ", date.year(), ", which has ", days, " days")});
    }
  } else if (date.day() < 1 || date.day() > 31) {
    // The month is unknown, but no month has this day.
    out.push_back({Child(field, "day"), absl::StrCat(date.day(), " is not a day from 1 to 31")});
  }
}

int DayNumber(absl::CivilDay day) {
  return static_cast<int>(day.year()) * 10000 + day.month() * 100 + day.day();
}

int DayNumber(const v1::Date& date) {
  return date.year() * 10000 + date.month() * 100 + date.day();
}

v1::Date ToDate(absl::CivilDay day) {
  v1::Date date;
  date.set_year(static_cast<int32_t>(day.year()));
  date.set_month(day.month());
  date.set_day(day.day());
  return date;
}

absl::CivilDay ToCivilDay(const v1::Date& date) {
  return absl::CivilDay(date.year(), date.month(), date.day());
}

}  // namespace clinic
