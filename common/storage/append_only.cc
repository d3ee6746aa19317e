// Append-only triggers. See append_only.h.
#include "common/storage/append_only.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace clinic::storage {
namespace {

// SQL quoting doubles the quote character; nothing else needs escaping.
std::string Identifier(absl::string_view name) {
  return absl::StrCat("\"", absl::StrReplaceAll(name, {{"\"", "\"\""}}), "\"");
}

std::string Literal(absl::string_view text) {
  return absl::StrCat("'", absl::StrReplaceAll(text, {{"'", "''"}}), "'");
}

std::string Trigger(absl::string_view table, absl::string_view suffix, absl::string_view event,
                    absl::string_view message) {
  return absl::StrCat("CREATE TRIGGER ", Identifier(absl::StrCat(table, "_append_only_", suffix)),
                      " BEFORE ", event, " ON ", Identifier(table),
                      " BEGIN\n  SELECT RAISE(ABORT, ", Literal(message), ");\nEND;\n");
}

}  // namespace

std::string AppendOnlyTriggers(absl::string_view table, absl::string_view what) {
  return absl::StrCat(Trigger(table, "u", "UPDATE", absl::StrCat(what, " are never changed")),
                      Trigger(table, "d", "DELETE", absl::StrCat(what, " are never deleted")));
}

}  // namespace clinic::storage
