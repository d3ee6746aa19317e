#include "common/core/unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"

namespace clinic {
namespace {

// Transliterate first so every script reaches Latin letters; Latin-ASCII then
// maps letters NFD cannot take apart (Ł, Ø, Æ, ß) and NFD plus mark removal
// strips the accents it left. NFC up front makes decomposed input transliterate
// exactly as composed input does.
constexpr char kFoldRules[] =
    "NFC; Any-Latin; Latin-ASCII; NFD; [:Nonspacing Mark:] Remove; Lower; NFC";

// Creating a transliterator parses its rules and costs milliseconds, so it is
// built once. ICU does not promise that one transliterator may be used by
// several threads at once, so each thread works on its own clone.
const icu::Transliterator* Prototype() {
  static const icu::Transliterator* const prototype = []() -> const icu::Transliterator* {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::Transliterator> created(icu::Transliterator::createInstance(
        icu::UnicodeString::fromUTF8(kFoldRules), UTRANS_FORWARD, status));
    if (U_FAILURE(status)) return nullptr;
    return created.release();
  }();
  return prototype;
}

icu::Transliterator* ThreadTransliterator() {
  thread_local std::unique_ptr<icu::Transliterator> mine(
      Prototype() == nullptr ? nullptr : Prototype()->clone());
  return mine.get();
}

bool IsSpace(UChar32 c) {
  return u_hasBinaryProperty(c, UCHAR_WHITE_SPACE) || c == 0x200B || c == 0xFEFF;
}

// Letters, digits and private-use characters: what unicode61 keeps in tokens.
bool IsWordChar(UChar32 c) {
  return (U_GET_GC_MASK(c) & (U_GC_L_MASK | U_GC_N_MASK | U_GC_CO_MASK)) != 0;
}

}  // namespace

size_t CountCodePoints(absl::string_view text) {
  if (!IsValidUtf8(text)) return text.size();
  size_t count = 0;
  for (char byte : text) {
    // Every code point has exactly one byte that is not a continuation byte.
    if ((static_cast<unsigned char>(byte) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::string NormalizeName(absl::string_view text) {
  if (!IsValidUtf8(text)) return std::string(text);
  const auto* bytes = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t length = static_cast<int32_t>(text.size());
  std::string trimmed;
  trimmed.reserve(text.size());
  bool pending_space = false;
  int32_t i = 0;
  while (i < length) {
    const int32_t start = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (IsSpace(c)) {
      pending_space = !trimmed.empty();
      continue;
    }
    if (pending_space) trimmed += ' ';
    pending_space = false;
    trimmed.append(text.data() + start, static_cast<size_t>(i - start));
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status)) return trimmed;
  icu::UnicodeString normalized = nfc->normalize(icu::UnicodeString::fromUTF8(trimmed), status);
  if (U_FAILURE(status)) return trimmed;
  std::string out;
  normalized.toUTF8String(out);
  return out;
}

namespace {

bool IsAscii(absl::string_view text) {
  for (char byte : text) {
    if ((static_cast<unsigned char>(byte) & 0x80) != 0) return false;
  }
  return true;
}

// SearchWords of ASCII text, which every step of kFoldRules leaves alone
// but Lower: ASCII letters are Latin already, with no accents to strip. The
// transliterator costs about 10 us a name and most names are ASCII, so a
// store's writer spent a fifth of its time in it (docs/performance.md);
// unicode_test checks this path against ICU's on every pair of ASCII
// characters and on random text.
std::vector<std::string> AsciiSearchWords(absl::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (absl::ascii_isalnum(static_cast<unsigned char>(c))) {
      word += absl::ascii_tolower(static_cast<unsigned char>(c));
    } else if (!word.empty()) {
      words.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

}  // namespace

std::vector<std::string> SearchWords(absl::string_view text) {
  if (IsAscii(text)) return AsciiSearchWords(text);
  return internal::SearchWordsThroughIcu(text);
}

namespace internal {

std::vector<std::string> SearchWordsThroughIcu(absl::string_view text) {
  std::vector<std::string> words;
  if (text.empty() || !IsValidUtf8(text)) return words;
  icu::UnicodeString folded = icu::UnicodeString::fromUTF8(text);
  if (icu::Transliterator* transliterator = ThreadTransliterator()) {
    transliterator->transliterate(folded);
  }
  // Case folding after Lower catches the few letters whose lower case is not
  // their folded form (e.g. a final sigma left in an untransliterated word).
  folded.foldCase();
  icu::UnicodeString word;
  auto flush = [&] {
    if (word.isEmpty()) return;
    std::string utf8;
    word.toUTF8String(utf8);
    words.push_back(std::move(utf8));
    word.remove();
  };
  for (int32_t i = 0; i < folded.length();) {
    const UChar32 c = folded.char32At(i);
    if (IsWordChar(c)) {
      word.append(c);
    } else {
      flush();
    }
    i += U16_LENGTH(c);
  }
  flush();
  return words;
}

}  // namespace internal

std::string SearchKey(absl::string_view text) { return absl::StrJoin(SearchWords(text), " "); }

}  // namespace clinic
