#include "services/client_records/client_name_keys.h"

#include <sqlite3.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

absl::StatusOr<std::string> NameMatchQuery(absl::string_view prefix, absl::string_view field) {
  const std::vector<std::string> words = SearchWords(prefix);
  if (words.empty()) return InvalidField(field, "has no letters or digits to search for");
  std::vector<std::string> terms;
  terms.reserve(words.size());
  // Words hold letters and digits only, never a quote; quoting still keeps a
  // word FTS5 would read as an operator ("and", "near") a plain term.
  for (const std::string& word : words) terms.push_back(absl::StrCat("\"", word, "\"*"));
  return absl::StrJoin(terms, " ");
}

void RegisterNameKeyFunctions(SQLite::Database& db) {
  db.createFunction("clinic_name_key", 1, true, nullptr, &NameKeyFunction);
  db.createFunction("clinic_client_search_names", 1, true, nullptr, &ClientSearchNamesFunction);
}

}  // namespace clinic::client_records
