#include "common/core/resource_name.h"

#include <cassert>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/text.h"

namespace clinic {
namespace {

bool IsVariable(absl::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Walks the segments of a name or pattern without copying any of them, so a
// name of a million slashes costs one pass and no memory.
class Segments {
 public:
  explicit Segments(absl::string_view text) : text_(text) {}
  // The next segment, false when none is left. "a/" has two segments, the
  // second empty; "" has one, empty.
  bool Next(absl::string_view& segment) {
    if (done_) return false;
    const size_t slash = text_.find('/', position_);
    if (slash == absl::string_view::npos) {
      segment = text_.substr(position_);
      done_ = true;
    } else {
      segment = text_.substr(position_, slash - position_);
      position_ = slash + 1;
    }
    return true;
  }

 private:
  absl::string_view text_;
  size_t position_ = 0;
  bool done_ = false;
};

bool IsNameSegmentChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

bool IsAnyId(absl::string_view /*id*/) { return true; }

bool ResourcePattern::Match(absl::string_view value, std::vector<absl::string_view>* ids) const {
  Segments expected(pattern_);
  Segments given(value);
  absl::string_view want, got;
  while (expected.Next(want)) {
    if (!given.Next(got) || got.empty()) return false;
    if (IsVariable(want)) {
      if (!rule_(got)) return false;
      if (ids != nullptr) ids->push_back(got);
    } else if (got != want) {
      return false;
    }
  }
  // Anything left, even an empty segment after a trailing '/', is too much.
  return !given.Next(got);
}

absl::StatusOr<ResourceName> ResourcePattern::Parse(absl::string_view value,
                                                    absl::string_view field) const {
  if (value.empty()) {
    return InvalidField(field, absl::StrCat("is required, of the form \"", pattern_, "\""));
  }
  std::vector<absl::string_view> ids;
  if (!Match(value, &ids)) {
    return InvalidField(field,
                        absl::StrCat(Quote(value), " is not of the form \"", pattern_, "\""));
  }
  return ResourceName(pattern_, std::vector<std::string>(ids.begin(), ids.end()));
}

bool ResourcePattern::Matches(absl::string_view value) const { return Match(value, nullptr); }

std::string ResourcePattern::FormatIds(std::initializer_list<absl::string_view> ids) const {
  std::string name;
  const absl::string_view* next = ids.begin();
  Segments segments(pattern_);
  absl::string_view segment;
  bool first = true;
  while (segments.Next(segment)) {
    if (!first) name += '/';
    first = false;
    if (!IsVariable(segment)) {
      absl::StrAppend(&name, segment);
    } else if (next != ids.end()) {
      absl::StrAppend(&name, *next++);
    } else {
      assert(false && "fewer ids than the pattern has variables");
    }
  }
  assert(next == ids.end() && "more ids than the pattern has variables");
  return name;
}

const std::string& ResourceName::id(absl::string_view variable) const {
  static const std::string* const kNone = new std::string();
  Segments segments(pattern_);
  absl::string_view segment;
  size_t index = 0;
  while (segments.Next(segment)) {
    if (!IsVariable(segment)) continue;
    if (segment.substr(1, segment.size() - 2) == variable && index < ids_.size()) {
      return ids_[index];
    }
    ++index;
  }
  return *kNone;
}

bool IsWellFormedResourceName(absl::string_view name, size_t max_bytes) {
  if (name.size() > max_bytes) return false;
  Segments segments(name);
  absl::string_view segment;
  int count = 0;
  while (segments.Next(segment)) {
    if (++count > 6 || segment.empty() || segment.size() > 64) return false;
    for (char c : segment) {
      if (!IsNameSegmentChar(c)) return false;
    }
  }
  return count >= 2;
}

}  // namespace clinic
