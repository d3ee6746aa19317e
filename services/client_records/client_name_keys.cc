#include "services/client_records/client_name_keys.h"

#include <sqlite3.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/core/unicode.h"

namespace clinic::client_records {
namespace {

void ResultText(sqlite3_context* context, const std::string& text) {
  sqlite3_result_text(context, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

// SQLite calls these from C: nothing may be thrown through it.
void NameKeyFunction(sqlite3_context* context, int, sqlite3_value** args) noexcept {
  try {
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(args[0]));
    const int bytes = sqlite3_value_bytes(args[0]);
    ResultText(context,
               NameKey(absl::string_view(text == nullptr ? "" : text, static_cast<size_t>(bytes))));
  } catch (const std::exception& e) {
    sqlite3_result_error(context, e.what(), -1);
  }
}

void ClientSearchNamesFunction(sqlite3_context* context, int, sqlite3_value** args) noexcept {
  try {
    v1::Client client;
    if (!client.ParseFromArray(sqlite3_value_blob(args[0]), sqlite3_value_bytes(args[0]))) {
      sqlite3_result_error(context, "a stored client is unreadable", -1);
      return;
    }
    ResultText(context, ClientSearchNames(client));
  } catch (const std::exception& e) {
    sqlite3_result_error(context, e.what(), -1);
  }
}

// The keys as a JSON array for json_each. Folded words hold letters and
// digits only; anything JSON would need escaped is escaped all the same.
void NameIndexKeysFunction(sqlite3_context* context, int, sqlite3_value** args) noexcept {
  try {
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(args[0]));
    const int bytes = sqlite3_value_bytes(args[0]);
    std::string json = "[";
    for (const std::string& key : NameIndexKeys(
             absl::string_view(text == nullptr ? "" : text, static_cast<size_t>(bytes)))) {
      if (json.size() > 1) json += ',';
      json += '"';
      for (const char c : key) {
        if (c == '"' || c == '\\') {
          json += '\\';
          json += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppend(&json, absl::StrFormat("\\u%04x", static_cast<int>(c)));
        } else {
          json += c;
        }
      }
      json += '"';
    }
    json += ']';
    ResultText(context, json);
  } catch (const std::exception& e) {
    sqlite3_result_error(context, e.what(), -1);
  }
}

}  // namespace

void NormalizeClientNames(v1::Client& client) {
  client.set_given_name(NormalizeName(client.given_name()));
  client.set_family_name(NormalizeName(client.family_name()));
  client.set_preferred_name(NormalizeName(client.preferred_name()));
  if (client.has_emergency_contact()) {
    v1::EmergencyContact& contact = *client.mutable_emergency_contact();
    contact.set_name(NormalizeName(contact.name()));
  }
}

std::string ClientSearchNames(const v1::Client& client) {
  std::vector<std::string> parts;
  for (const std::string* name :
       {&client.given_name(), &client.family_name(), &client.preferred_name()}) {
    const std::vector<std::string> words = SearchWords(*name);
    if (words.empty()) continue;
    parts.push_back(absl::StrJoin(words, " "));
    if (words.size() > 1) parts.push_back(absl::StrJoin(words, ""));
  }
  return absl::StrJoin(parts, " ");
}

std::string NameKey(absl::string_view name) { return absl::StrJoin(SearchWords(name), ""); }

void ValidateNamePrefix(absl::string_view prefix, absl::string_view field,
                        std::vector<FieldViolation>& out) {
  // Empty means no name criterion; text that is not UTF-8 is refused by
  // ValidateText, once.
  if (prefix.empty() || !IsValidUtf8(prefix)) return;
  const std::vector<std::string> words = SearchWords(prefix);
  if (words.empty()) {
    out.push_back({std::string(field),
                   "has no letters or digits to search for; spaces, punctuation and symbols "
                   "are ignored"});
    return;
  }
  size_t longest = 0;
  for (const std::string& word : words) longest = std::max(longest, CountCodePoints(word));
  if (longest < kMinNamePrefixChars) {
    out.push_back(
        {std::string(field), absl::StrCat("is too short: the minimum is ", kMinNamePrefixChars,
                                          " characters (letters or digits) in at least one word")});
  }
}

namespace {

// The byte length of the first `count` characters of UTF-8 `text` (all of
// it when shorter): a character starts at every byte that is not a
// continuation byte.
size_t PrefixBytes(absl::string_view text, size_t count) {
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && seen++ == count) return i;
  }
  return text.size();
}

}  // namespace

std::string IndexedPrefix(absl::string_view word) {
  return std::string(word.substr(0, PrefixBytes(word, kIndexedPrefixChars)));
}

std::vector<std::string> NameIndexKeys(absl::string_view search_names) {
  std::vector<std::string> keys;
  for (absl::string_view word : absl::StrSplit(search_names, ' ', absl::SkipEmpty())) {
    const size_t length = CountCodePoints(word);
    for (size_t chars = 1; chars <= std::min(length, kIndexedPrefixChars); ++chars) {
      keys.emplace_back(word.substr(0, PrefixBytes(word, chars)));
    }
    if (length > kIndexedPrefixChars) keys.emplace_back(word);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::string SearchNameKey(absl::string_view family_key, absl::string_view given_key) {
  return absl::StrCat(family_key, "\x01", given_key);
}

absl::StatusOr<std::vector<std::string>> NameSearchTerms(absl::string_view prefix,
                                                         absl::string_view field) {
  std::vector<std::string> words = SearchWords(prefix);
  if (words.empty()) return InvalidField(field, "has no letters or digits to search for");
  // Longest first, so a word is dropped when a kept one begins with it.
  std::sort(words.begin(), words.end(), [](const std::string& a, const std::string& b) {
    return a.size() != b.size() ? a.size() > b.size() : a < b;
  });
  std::vector<std::string> terms;
  for (std::string& word : words) {
    const bool covered = std::any_of(terms.begin(), terms.end(), [&](const std::string& kept) {
      return absl::StartsWith(kept, word);
    });
    if (!covered) terms.push_back(std::move(word));
  }
  if (std::none_of(terms.begin(), terms.end(), [](const std::string& term) {
        return CountCodePoints(term) >= kMinNamePrefixChars;
      })) {
    return InvalidField(field,
                        absl::StrCat("is too short: the minimum is ", kMinNamePrefixChars,
                                     " characters (letters or digits) in at least one word"));
  }
  return terms;
}

bool MatchesNameTerms(absl::string_view search_names, const std::vector<std::string>& terms) {
  const std::vector<absl::string_view> words = absl::StrSplit(search_names, ' ', absl::SkipEmpty());
  return std::all_of(terms.begin(), terms.end(), [&](const std::string& term) {
    return std::any_of(words.begin(), words.end(),
                       [&](absl::string_view word) { return absl::StartsWith(word, term); });
  });
}

void RegisterNameKeyFunctions(SQLite::Database& db) {
  db.createFunction("clinic_name_key", 1, true, nullptr, &NameKeyFunction);
  db.createFunction("clinic_client_search_names", 1, true, nullptr, &ClientSearchNamesFunction);
  db.createFunction("clinic_name_index_keys", 1, true, nullptr, &NameIndexKeysFunction);
}

}  // namespace clinic::client_records
