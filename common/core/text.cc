#include "common/core/text.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace clinic {
namespace {

constexpr absl::string_view kEllipsis = "\xE2\x80\xA6";              // U+2026
constexpr absl::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD
constexpr size_t kMinTruncatedBytes = 32;

}  // namespace

size_t DecodeUtf8(absl::string_view text, size_t i, uint32_t& code_point) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xe0) == 0xc0) {
    length = 2;
    code_point = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3;
    code_point = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4;
    code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3f);
  }
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code_point < kMinimum[length] || code_point > 0x10ffff ||
      (code_point >= 0xd800 && code_point <= 0xdfff)) {
    return 0;
  }
  return length;
}

bool IsValidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    uint32_t c = 0;
    const size_t length = DecodeUtf8(text, i, c);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

bool IsControlCharacter(uint32_t c) { return c < 0x20 || (c >= 0x7f && c < 0xa0); }

std::string Quote(absl::string_view value, size_t max_chars, char mark) {
  std::string quoted(1, mark);
  size_t i = 0;
  for (size_t chars = 0; i < value.size() && chars < max_chars; ++chars) {
    uint32_t c = 0;
    size_t length = DecodeUtf8(value, i, c);
    if (length == 0) {
      absl::StrAppend(&quoted, "\\x",
                      absl::Hex(static_cast<unsigned char>(value[i]), absl::kZeroPad2));
      length = 1;
    } else if (c == '\\' || c == static_cast<unsigned char>(mark)) {
      absl::StrAppend(&quoted, "\\", value.substr(i, 1));
    } else if (c == '\n') {
      quoted += "\\n";
    } else if (c == '\t') {
      quoted += "\\t";
    } else if (c == '\r') {
      quoted += "\\r";
    } else if (IsControlCharacter(c)) {
      absl::StrAppend(&quoted, "\\u", absl::Hex(c, absl::kZeroPad4));
    } else {
      quoted.append(value.data() + i, length);
    }
    i += length;
  }
  if (i < value.size()) {
    absl::StrAppend(&quoted, kEllipsis, std::string(1, mark), " (", value.size(), " bytes)");
  } else {
    quoted += mark;
  }
  return quoted;
}

std::string Truncate(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes && IsValidUtf8(text)) return std::string(text);
  max_bytes = std::max(max_bytes, kMinTruncatedBytes);
  const std::string suffix = absl::StrCat(kEllipsis, " (", text.size(), " bytes)");
  // Where the text would end if the suffix has to follow it.
  const size_t cut_budget = max_bytes - std::min(max_bytes, suffix.size());
  std::string out;
  size_t cut_at = 0;
  for (size_t i = 0; i < text.size();) {
    uint32_t c = 0;
    size_t length = DecodeUtf8(text, i, c);
    absl::string_view piece = text.substr(i, length);
    if (length == 0) {
      piece = kReplacementCharacter;
      length = 1;
    }
    if (out.size() + piece.size() > max_bytes) {
      out.resize(cut_at);
      out += suffix;
      return out;
    }
    out.append(piece.data(), piece.size());
    if (out.size() <= cut_budget) cut_at = out.size();
    i += length;
  }
  return out;
}

bool IsIdentifier(absl::string_view id) {
  if (id.empty() || id.size() > 63 || !absl::ascii_islower(static_cast<unsigned char>(id[0]))) {
    return false;
  }
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_islower(u) && !absl::ascii_isdigit(u) && c != '-') return false;
  }
  return true;
}

bool IsWellFormedRequestId(absl::string_view id) {
  if (id.empty() || id.size() > kMaxRequestIdBytes) return false;
  for (char c : id) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

void ValidateText(absl::string_view text, absl::string_view field, bool required, size_t max_chars,
                  std::vector<FieldViolation>& out) {
  if (required && absl::StripAsciiWhitespace(text).empty()) {
    out.push_back({std::string(field), "is required"});
    return;
  }
  const bool multiline = max_chars > kMaxSingleLineChars;
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++chars) {
    uint32_t code_point = 0;
    const size_t length = DecodeUtf8(text, i, code_point);
    if (length == 0) {
      out.push_back({std::string(field),
                     absl::StrCat("is not valid UTF-8: byte 0x",
                                  absl::Hex(static_cast<unsigned char>(text[i]), absl::kZeroPad2),
                                  " at byte ", i, " does not belong to a well-formed character")});
      return;
    }
    if (IsControlCharacter(code_point)) {
      // Line breaks belong in notes but never in names: one line keeps a
      // name printable everywhere it is shown.
      const bool layout = code_point == '\n' || code_point == '\r' || code_point == '\t';
      if (!(multiline && layout)) {
        out.push_back({std::string(field),
                       absl::StrCat("contains the control character ",
                                    absl::StrCat("U+", absl::AsciiStrToUpper(absl::StrCat(absl::Hex(
                                                           code_point, absl::kZeroPad4)))),
                                    " at character ", chars + 1,
                                    multiline ? "" : "; it must be a single line of text")});
        return;
      }
    }
    i += length;
  }
  if (chars > max_chars) {
    out.push_back({std::string(field), absl::StrCat("is ", chars, " characters long; at most ",
                                                    max_chars, " are allowed")});
  }
}

}  // namespace clinic
