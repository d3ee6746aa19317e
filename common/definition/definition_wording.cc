#include "common/definition/definition_wording.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
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

std::string Millimetres(int64_t depth_um) {
  std::string fraction = absl::StrFormat("%03d", depth_um % 1000);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  return absl::StrCat(depth_um / 1000, fraction.empty() ? "" : ".", fraction, " mm");
}

namespace {

// The longest id IsDefinitionId accepts.
constexpr size_t kMaxIdLength = 63;

// Edits between a and b: insertions, deletions, replacements and swaps of
// neighbouring characters (the optimal string alignment distance).
size_t EditDistance(absl::string_view a, absl::string_view b) {
  const size_t n = a.size();
  const size_t m = b.size();
  // Three rows of the (n + 1) x (m + 1) table: two back, one back, current.
  std::vector<size_t> before(m + 1), previous(m + 1), current(m + 1);
  for (size_t j = 0; j <= m; ++j) previous[j] = j;
  for (size_t i = 1; i <= n; ++i) {
    current[0] = i;
    for (size_t j = 1; j <= m; ++j) {
      const size_t replace = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, replace});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[m];
}

}  // namespace

std::string ClosestId(absl::string_view wanted, const std::vector<std::string>& declared) {
  if (wanted.empty() || wanted.size() > kMaxIdLength) return "";
  const std::string lower = absl::AsciiStrToLower(wanted);
  const size_t allowed = lower.size() <= 4 ? 1 : lower.size() <= 10 ? 2 : 3;
  std::string best;
  size_t best_distance = allowed + 1;
  for (const std::string& id : declared) {
    if (id.empty() || id.size() > kMaxIdLength || id == wanted) continue;
    // Lengths further apart than the allowance cannot be close enough.
    const size_t gap =
        id.size() > lower.size() ? id.size() - lower.size() : lower.size() - id.size();
    if (gap >= best_distance) continue;
    const size_t distance = EditDistance(lower, id);
    if (distance < best_distance) {
      best = id;
      best_distance = distance;
    }
  }
  return best;
}

std::string DidYouMean(absl::string_view wanted, const std::vector<std::string>& declared) {
  const std::string closest = ClosestId(wanted, declared);
  if (closest.empty()) return "";
  return absl::StrCat("; did you mean ", Named(closest), "?");
}

}  // namespace clinic::definition_wording
