#include "common/definition/definition_wording.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "google/protobuf/util/time_util.h"

namespace clinic::definition_wording {

using google::protobuf::util::TimeUtil;

std::string Amount(int64_t n, const Unit& unit) {
  return absl::StrCat(n, " ", n == 1 ? unit.one : unit.many);
}
std::string Bound(int64_t n, const Unit& unit) {
  return absl::StrCat(n, unit.hyphenate ? "-" : " ", unit.one);
}

// Values taken from the definition, escaped so a stray control character or
// quote cannot garble a message, and cut short so a huge value cannot flood it.
std::string Quoted(absl::string_view value) { return Quote(value, 80); }
std::string Named(absl::string_view value) { return Quote(value, 80, '\''); }

std::string Field(absl::string_view path, absl::string_view name) {
  return path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
}
std::string Index(absl::string_view path, int i) { return absl::StrCat(path, "[", i, "]"); }

bool IsBlank(absl::string_view text) { return absl::StripAsciiWhitespace(text).empty(); }

bool IsDefinitionId(absl::string_view id) {
  if (id.size() < 2 || id.size() > 63) return false;
  if (!absl::ascii_islower(static_cast<unsigned char>(id[0]))) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return absl::ascii_islower(u) || absl::ascii_isdigit(u) || c == '_';
  });
}

// Characters as a reader counts them: UTF-8 continuation bytes do not start one.
size_t CharacterCount(absl::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

// What breaks the google.protobuf.Duration invariants, empty when nothing
// does; TimeUtil assumes them.
absl::string_view DurationProblem(const google::protobuf::Duration& d) {
  if (d.seconds() < -kMaxDurationSeconds || d.seconds() > kMaxDurationSeconds) {
    return "seconds must lie within 10000 years either side of zero";
  }
  if (d.nanos() <= -1000000000 || d.nanos() >= 1000000000) {
    return "nanos must lie between -999999999 and 999999999";
  }
  if ((d.seconds() > 0 && d.nanos() < 0) || (d.seconds() < 0 && d.nanos() > 0)) {
    return "seconds and nanos must have the same sign";
  }
  return "";
}
bool IsPositive(const google::protobuf::Duration& d) {
  return d.seconds() > 0 || (d.seconds() == 0 && d.nanos() > 0);
}
// Whether a valid d is longer than `seconds` whole seconds; compared field by
// field because nanoseconds of the longest durations overflow int64.
bool IsLongerThan(const google::protobuf::Duration& d, int64_t seconds) {
  return d.seconds() > seconds || (d.seconds() == seconds && d.nanos() > 0);
}

// A duration in the largest whole unit, as an author would write it: "180 days".
std::string Readable(const google::protobuf::Duration& d) {
  if (d.nanos() != 0) return TimeUtil::ToString(d);
  const int64_t s = d.seconds();
  if (s != 0 && s % kSecondsPerDay == 0) return Amount(s / kSecondsPerDay, kDays);
  if (s != 0 && s % 3600 == 0) return Amount(s / 3600, kHours);
  if (s != 0 && s % 60 == 0) return Amount(s / 60, kMinutes);
  return Amount(s, kSeconds);
}

absl::string_view KindOfQuestion(v1::AnswerType type) {
  switch (type) {
    case v1::ANSWER_TYPE_YES_NO:
      return "a yes/no question (ANSWER_TYPE_YES_NO)";
    case v1::ANSWER_TYPE_CHOICE:
      return "a choice question (ANSWER_TYPE_CHOICE)";
    case v1::ANSWER_TYPE_NUMBER:
      return "a number question (ANSWER_TYPE_NUMBER)";
    case v1::ANSWER_TYPE_DATE:
      return "a date question (ANSWER_TYPE_DATE)";
    default:
      return "another kind of question";
  }
}

}  // namespace clinic::definition_wording
