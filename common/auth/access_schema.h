// The access database schema, one migration per version. Append new versions
// at the end; never edit one that has shipped. Only the access store (and its
// migration test) includes it.
#ifndef CLINIC_COMMON_AUTH_ACCESS_SCHEMA_H_
#define CLINIC_COMMON_AUTH_ACCESS_SCHEMA_H_

#include <vector>

#include "common/storage/idempotency.h"
#include "common/storage/migrations.h"
#include "common/storage/page_tokens.h"

namespace clinic::auth {

// Version 2: principals (the whole message as a blob, with the columns
// looked up by beside it) and bearer tokens, of which only the secret's
// SHA-256 is kept.
inline constexpr char kPrincipalsAndTokensSchema[] = R"sql(
CREATE TABLE principals (
  name TEXT PRIMARY KEY,
  certificate_common_name TEXT UNIQUE,
  revision INTEGER NOT NULL,
  principal BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE tokens (
  token_id TEXT PRIMARY KEY,
  secret_sha256 BLOB NOT NULL UNIQUE,
  principal TEXT NOT NULL REFERENCES principals(name),
  description TEXT NOT NULL,
  create_ms INTEGER NOT NULL,
  expire_ms INTEGER,
  revoke_ms INTEGER
) WITHOUT ROWID;
CREATE INDEX tokens_by_principal ON tokens(principal, token_id);
)sql";

inline const std::vector<storage::Migration>& AccessMigrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "store settings", storage::kStoreMetaSchema},
      {2, "principals and bearer tokens", kPrincipalsAndTokensSchema},
      // Version 3: request ids of CreatePrincipal, UpdatePrincipal and
      // IssueToken, scoped by caller from the start.
      {3, "request ids of principal and token writes", storage::kRequestLogSchema},
  };
  return *migrations;
}

}  // namespace clinic::auth

#endif  // CLINIC_COMMON_AUTH_ACCESS_SCHEMA_H_
