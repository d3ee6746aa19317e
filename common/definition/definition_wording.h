// How the definition validator words its messages and reads the values it
// checks: units in sentences, quoted values, field paths, id shapes,
// durations. Only the validator's files (definition_checks.h) use it.
#ifndef CLINIC_COMMON_DEFINITION_DEFINITION_WORDING_H_
#define CLINIC_COMMON_DEFINITION_DEFINITION_WORDING_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "clinic/v1/treatment.pb.h"
#include "common/definition/definition_validator.h"
#include "google/protobuf/duration.pb.h"

namespace clinic::definition_wording {

inline constexpr int64_t kSecondsPerDay = 24 * 3600;
inline constexpr char kIdShape[] =
    " must be 2 to 63 lowercase letters, digits or underscores, starting with a letter";

// How a quantity reads in a sentence: "1 pass", "3 passes", "the 20-pass limit".
struct Unit {
  absl::string_view one;
  absl::string_view many;
  bool hyphenate;  // "20-pass limit" but "3000 um limit"
};
inline constexpr Unit kMicrometres{"um", "um", false};
inline constexpr Unit kPasses{"pass", "passes", true};
inline constexpr Unit kSessions{"session", "sessions", true};
inline constexpr Unit kDays{"day", "days", true};
inline constexpr Unit kHours{"hour", "hours", true};
inline constexpr Unit kMinutes{"minute", "minutes", true};
inline constexpr Unit kSeconds{"second", "seconds", true};
inline constexpr Unit kYears{"year", "years", true};
inline constexpr Unit kNeedles{"needle", "needles", true};
inline constexpr Unit kUnits{"unit", "units", true};

std::string Amount(int64_t n, const Unit& unit);
std::string Bound(int64_t n, const Unit& unit);

// The inclusive range a number field must lie in; `above` says how exceeding
// it reads ("deeper than" for depths).
struct Limits {
  int64_t floor;
  int64_t ceiling;
  Unit unit;
  absl::string_view above = "more than";
};
inline constexpr Limits kDepthLimits{1, kMaxNeedleDepthUm, kMicrometres, "deeper than"};

// Values taken from the definition, escaped so a stray control character or
// quote cannot garble a message, and cut short so a huge value cannot flood it.
std::string Quoted(absl::string_view value);
std::string Named(absl::string_view value);

std::string Field(absl::string_view path, absl::string_view name);
std::string Index(absl::string_view path, int i);

bool IsBlank(absl::string_view text);

// An id inside a definition (areas, questions, rules): see kIdShape.
bool IsDefinitionId(absl::string_view id);

// Characters as a reader counts them: UTF-8 continuation bytes do not start one.
size_t CharacterCount(absl::string_view text);

// What breaks the google.protobuf.Duration invariants, empty when nothing
// does; TimeUtil assumes them.
absl::string_view DurationProblem(const google::protobuf::Duration& d);
bool IsPositive(const google::protobuf::Duration& d);
// Whether a valid d is longer than `seconds` whole seconds; compared field by
// field because nanoseconds of the longest durations overflow int64.
bool IsLongerThan(const google::protobuf::Duration& d, int64_t seconds);

// A duration in the largest whole unit, as an author would write it: "180 days".
std::string Readable(const google::protobuf::Duration& d);

absl::string_view KindOfQuestion(v1::AnswerType type);

// A depth as a reader also thinks of it, in millimetres: 1500 -> "1.5 mm",
// 250 -> "0.25 mm", 2000 -> "2 mm".
std::string Millimetres(int64_t depth_um);

// The declared id closest to `wanted` that it is probably a slip of: at
// most 1 edit away for ids of up to 4 characters, 2 up to 10, 3 beyond, where
// an edit inserts, deletes or replaces a character or swaps two neighbours
// (case is ignored, so "Cheeks" finds "cheeks"). The first declared wins a
// tie; empty when nothing is that close, or `wanted` is longer than any id
// may be.
std::string ClosestId(absl::string_view wanted, const std::vector<std::string>& declared);

// "; did you mean 'cold_sore_history'?" for the ClosestId, or "" when there
// is none: appended to a message about an id the definition does not declare.
std::string DidYouMean(absl::string_view wanted, const std::vector<std::string>& declared);

}  // namespace clinic::definition_wording

#endif  // CLINIC_COMMON_DEFINITION_DEFINITION_WORDING_H_
