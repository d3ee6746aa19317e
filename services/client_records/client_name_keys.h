// How client names are matched: the text the name search index holds, the
// keys duplicate detection compares, and the FTS5 query for a name prefix.
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

// The FTS5 query for a name prefix: each folded word quoted and marked as a
// prefix, all required. Words hold only letters and digits, so nothing a
// caller types can be read as query syntax. INVALID_ARGUMENT naming
// `field` when no word remains (an empty query is itself an FTS5 error).
absl::StatusOr<std::string> NameMatchQuery(absl::string_view prefix, absl::string_view field);

// Registers clinic_name_key(text) and clinic_client_search_names(data), the
// SQL forms of NameKey and ClientSearchNames (data is a stored v1.Client), on
// a connection, for the migration that keys rows written before them.
void RegisterNameKeyFunctions(SQLite::Database& db);

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_NAME_KEYS_H_
