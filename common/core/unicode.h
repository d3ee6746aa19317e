// Unicode text helpers for names and anything else people type and search:
// validity, normalization for storage, and folded keys for matching. Built on
// ICU (Debian libicu-dev), so every service compares text the same way; see
// docs/decisions/0004-client-search.md for why names are keyed like this.
//
// Every function is safe to call from any thread at once and never throws.
#ifndef CLINIC_COMMON_CORE_UNICODE_H_
#define CLINIC_COMMON_CORE_UNICODE_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/core/text.h"  // IsValidUtf8

namespace clinic {

// Code points in well-formed UTF-8 (bytes when `text` is not well-formed).
size_t CountCodePoints(absl::string_view text);

// A name as it should be stored: white space (every Unicode White_Space
// character, NBSP included, and the zero-width space and byte-order mark)
// trimmed from both ends and each run inside it made one ASCII space, then
// NFC, so "Zoe\u0308" and "Zoë" are stored alike. Text that is not well-formed
// UTF-8 comes back unchanged, for validation to refuse.
std::string NormalizeName(absl::string_view text);

// The words of `text` folded for matching: transliterated to Latin where
// ICU can ("Łukasz" -> "lukasz", "Müller" -> "muller", "Ζωή" -> "zoe",
// "李" -> "li"), stripped of accents, lower-cased, and split into runs of
// letters and digits (Unicode categories L*, N* and Co, as SQLite's
// unicode61 tokenizer splits); everything else separates words and is
// dropped. Empty when `text` holds no letter or digit or is not well-formed
// UTF-8.
std::vector<std::string> SearchWords(absl::string_view text);

namespace internal {
// SearchWords through ICU's transliterator whatever the text; SearchWords
// takes it for text that is not ASCII. For tests that compare the two.
std::vector<std::string> SearchWordsThroughIcu(absl::string_view text);
}  // namespace internal

// SearchWords joined with single spaces: one comparable key per text, so
// "  ZOË ", "Zoe\u0308" and "zoë" share the key "zoe".
std::string SearchKey(absl::string_view text);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_UNICODE_H_
