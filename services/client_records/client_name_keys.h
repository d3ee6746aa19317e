// How client names are matched: the words and prefixes the name search index
// holds, the keys duplicate detection compares and results are ordered by,
// and the terms of a name prefix.
// All of it goes through clinic::SearchWords (common/core/unicode.h), so what
// is stored and what is typed are folded alike ("lukasz" finds "Łukasz", and
// "  ZOË " and "Zoe\u0308" are the same name). Internal to this folder; see
// docs/decisions/0004-client-search.md.
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_NAME_KEYS_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_NAME_KEYS_H_

#include <SQLiteCpp/Database.h>

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clinic/v1/clients.pb.h"
#include "common/core/status.h"

namespace clinic::client_records {

// The shortest name prefix a search accepts, in characters of its longest
// word once folded: one letter matches a large share of the chain.
inline constexpr size_t kMinNamePrefixChars = 2;

// Trims and NFC-normalizes every name of a client (given, family, preferred
// and the emergency contact's), as names are stored.
void NormalizeClientNames(v1::Client& client);

// The text indexed for name search: the folded words of the given, family
// and preferred names, and for a name of several words also the words run
// together, so "obrien" finds "O'Brien" and "josemaria" finds "José-María".
std::string ClientSearchNames(const v1::Client& client);

// The key duplicate detection compares for one name: its folded words run
// together, so "O'Brien", "OBrien" and "o brien" are one key.
std::string NameKey(absl::string_view name);

// Checks a search's name prefix: at least one letter or digit once
// punctuation and white space are dropped, and a word of at least
// kMinNamePrefixChars. Nothing when the prefix is empty (not searched).
void ValidateNamePrefix(absl::string_view prefix, absl::string_view field,
                        std::vector<FieldViolation>& out);

// The name search index (client_name_prefixes, docs/decisions/0004): for each
// folded word of a client's search names, one row per prefix of 1 up to
// kIndexedPrefixChars characters, and one for the whole word when it is
// longer, keyed by the client's place in search results. A page of results
// for a term of up to kIndexedPrefixChars characters is then a range of the
// index read in its final order, however many clients match; a longer term
// reads the ranges of the whole words it begins.
inline constexpr size_t kIndexedPrefixChars = 4;

// The index keys of a client whose search names (ClientSearchNames) are
// `search_names`: each distinct prefix and long whole word, sorted.
std::vector<std::string> NameIndexKeys(absl::string_view search_names);

// The first kIndexedPrefixChars characters of a folded word (all of a shorter
// one).
std::string IndexedPrefix(absl::string_view word);

// Where a client stands in search results: its folded family name, then its
// folded given name, joined by 0x01 (which folded words never hold, so
// comparing keys as bytes orders them as the pair); ties go to the client
// stored first (its row id).
std::string SearchNameKey(absl::string_view family_key, absl::string_view given_key);

// The words of a name prefix to search for, folded as stored names are, each
// required to begin some word of a client's search names. Duplicates and
// words that begin another of the terms are dropped (a client matching
// "anna" matches "an"). INVALID_ARGUMENT naming `field` when no word remains,
// or none has kMinNamePrefixChars characters.
absl::StatusOr<std::vector<std::string>> NameSearchTerms(absl::string_view prefix,
                                                         absl::string_view field);

// True when each term begins some word of `search_names`.
bool MatchesNameTerms(absl::string_view search_names, const std::vector<std::string>& terms);

// Registers clinic_name_key(text), clinic_client_search_names(data) and
// clinic_name_index_keys(search_names), the SQL forms of NameKey,
// ClientSearchNames (data is a stored v1.Client) and NameIndexKeys (a JSON
// array of strings), on a connection, for the migrations that key and index
// rows written before them.
void RegisterNameKeyFunctions(SQLite::Database& db);

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_NAME_KEYS_H_
