// Caller-supplied text shown back in messages, error details, audit events and
// log lines. Every place that quotes a value goes through Quote, and every
// place that bounds free text goes through Truncate, so one huge or hostile
// value can never make an error or a log line larger than a few hundred bytes,
// split a UTF-8 sequence, or smuggle control characters into a message.
#ifndef CLINIC_COMMON_CORE_TEXT_H_
#define CLINIC_COMMON_CORE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/core/status.h"

namespace clinic {

// How many characters of a value Quote shows by default: enough to recognise
// a name, an id or an email address.
inline constexpr size_t kQuotedChars = 64;

// The length in bytes of the well-formed UTF-8 character at `text[i]`, with
// its code point in `code_point`; 0 when the bytes there are not well-formed
// UTF-8 (a stray continuation byte, a truncated sequence, an overlong form, a
// surrogate or a value above U+10FFFF).
size_t DecodeUtf8(absl::string_view text, size_t i, uint32_t& code_point);

// Whether all of `text` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view text);

// Unicode's control characters (general category Cc): C0, DEL and C1.
bool IsControlCharacter(uint32_t code_point);

// `value` between `mark`s, for a message: the mark and backslash are escaped,
// \n \t \r written as such, other control characters as \u00XX, and bytes
// that are not UTF-8 as \xNN, so the result is printable, valid UTF-8. At most
// `max_chars` characters of the value are shown; a longer value is cut at a
// character boundary and marked with "…" and its length:
//   "aaaa…" (1048576 bytes)
std::string Quote(absl::string_view value, size_t max_chars = kQuotedChars, char mark = '"');

// `text` unchanged when it is valid UTF-8 of at most `max_bytes` bytes;
// otherwise valid UTF-8 of at most `max_bytes` bytes (never less than 32):
// each byte that is not UTF-8 replaced by U+FFFD, and, when too long, cut at a
// character boundary and ended with "… (N bytes)" giving the original size.
std::string Truncate(absl::string_view text, size_t max_bytes);

// Whether `id` is an identifier as site ids and other configured ids are
// written: lowercase letters, digits and hyphens, starting with a letter, 1
// to 63 characters, so it is safe in resource names, file names and URLs.
bool IsIdentifier(absl::string_view id);

// The syntax of request ids, both the x-request-id a caller may send for
// tracing and the request_id field that makes a call idempotent: 1 to
// kMaxRequestIdBytes printable ASCII characters without spaces, so an id is
// safe to log, to echo in metadata and to store.
inline constexpr size_t kMaxRequestIdBytes = 128;
bool IsWellFormedRequestId(absl::string_view id);

// Text allowed more characters than this is free text (notes, descriptions)
// and may hold line breaks and tabs; anything shorter (names, reasons, lot
// numbers) must be a single line.
inline constexpr size_t kMaxSingleLineChars = 500;

// Well-formed UTF-8 (no overlong forms, surrogates or stray bytes) with no
// control characters, at most `max_chars` Unicode code points. Line breaks
// and tabs are accepted only when `max_chars` exceeds kMaxSingleLineChars.
// `required` means not empty once ASCII white space is trimmed.
void ValidateText(absl::string_view text, absl::string_view field, bool required, size_t max_chars,
                  std::vector<FieldViolation>& out);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_TEXT_H_
