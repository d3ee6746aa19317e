#include "common/auth/token_store.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/storage/ids.h"
#include "common/storage/migrations.h"

namespace clinic::auth {
namespace {

using storage::Connection;

// Secrets carry a prefix so a leaked one is easy to recognise in logs and by
// secret scanners.
constexpr absl::string_view kSecretPrefix = "clk_";

constexpr char kSchema[] = R"sql(
CREATE TABLE tokens (
  token_id TEXT PRIMARY KEY,
  secret_sha256 BLOB NOT NULL UNIQUE,
  principal TEXT NOT NULL,
  description TEXT NOT NULL,
  create_ms INTEGER NOT NULL,
  expire_ms INTEGER,
  revoke_ms INTEGER
) WITHOUT ROWID;
)sql";

constexpr char kInsertSql[] =
    "INSERT INTO tokens (token_id, secret_sha256, principal, description, create_ms, expire_ms) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kSelectByHashSql[] =
    "SELECT token_id, principal, description, create_ms, expire_ms, revoke_ms FROM tokens "
    "WHERE secret_sha256 = ?";
constexpr char kRevokeSql[] =
    "UPDATE tokens SET revoke_ms = coalesce(revoke_ms, ?) WHERE token_id = ?";
constexpr char kListSql[] =
    "SELECT token_id, principal, description, create_ms, expire_ms, revoke_ms FROM tokens "
    "ORDER BY token_id DESC";

std::string Sha256(absl::string_view text) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

absl::optional<absl::Time> OptionalTime(const SQLite::Column& column) {
  if (column.isNull()) return absl::nullopt;
  return absl::FromUnixMillis(column.getInt64());
}

TokenInfo ReadInfo(SQLite::Statement& row) {
  TokenInfo info;
  info.token_id = row.getColumn(0).getString();
  info.principal = row.getColumn(1).getString();
  info.description = row.getColumn(2).getString();
  info.create_time = absl::FromUnixMillis(row.getColumn(3).getInt64());
  info.expire_time = OptionalTime(row.getColumn(4));
  info.revoke_time = OptionalTime(row.getColumn(5));
  return info;
}

absl::Status NotAuthenticated() {
  return absl::UnauthenticatedError("the bearer token is unknown, revoked or expired");
}

}  // namespace

absl::StatusOr<std::unique_ptr<TokenStore>> TokenStore::Open(const std::string& path) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(path, storage::Database::Options());
  if (!db.ok()) return db.status();
  if (absl::Status status = storage::Migrate(**db, "tokens", {{1, "bearer tokens", kSchema}});
      !status.ok()) {
    return status;
  }
  return std::unique_ptr<TokenStore>(new TokenStore(std::move(*db)));
}

absl::StatusOr<IssuedToken> TokenStore::Issue(absl::string_view principal,
                                              absl::string_view description, absl::Duration ttl,
                                              absl::Time now) {
  if (principal.empty() || principal.size() > 128 ||
      principal.find(' ') != absl::string_view::npos) {
    return InvalidField("principal",
                        "must be 1 to 128 characters without spaces, e.g. \"staff/jane\"");
  }
  if (ttl < absl::ZeroDuration()) return InvalidField("ttl", "must not be negative");
  unsigned char random[32];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return absl::InternalError("cannot issue a token: no randomness available");
  }
  IssuedToken issued;
  issued.secret =
      absl::StrCat(kSecretPrefix, absl::WebSafeBase64Escape(absl::string_view(
                                      reinterpret_cast<char*>(random), sizeof(random))));
  issued.info.token_id = storage::NewId();
  issued.info.principal = std::string(principal);
  issued.info.description = std::string(description);
  issued.info.create_time = absl::FromUnixMillis(absl::ToUnixMillis(now));
  if (ttl > absl::ZeroDuration()) {
    issued.info.expire_time = absl::FromUnixMillis(absl::ToUnixMillis(now + ttl));
  }
  const std::string hash = Sha256(issued.secret);
  absl::Status status = db_->Write([&](Connection& connection) {
    SQLite::Statement& insert = connection.Prepare(kInsertSql);
    insert.bind(1, issued.info.token_id);
    insert.bind(2, hash.data(), static_cast<int>(hash.size()));
    insert.bind(3, issued.info.principal);
    insert.bind(4, issued.info.description);
    insert.bind(5, static_cast<int64_t>(absl::ToUnixMillis(issued.info.create_time)));
    if (issued.info.expire_time) {
      insert.bind(6, static_cast<int64_t>(absl::ToUnixMillis(*issued.info.expire_time)));
    }
    insert.exec();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return issued;
}

absl::StatusOr<TokenInfo> TokenStore::Verify(absl::string_view secret, absl::Time now) {
  if (!absl::StartsWith(secret, kSecretPrefix)) return NotAuthenticated();
  const std::string hash = Sha256(secret);
  absl::optional<TokenInfo> info;
  absl::Status status = db_->Read([&](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(kSelectByHashSql);
    select.bind(1, hash.data(), static_cast<int>(hash.size()));
    if (select.executeStep()) info = ReadInfo(select);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!info || info->revoke_time || (info->expire_time && *info->expire_time <= now)) {
    return NotAuthenticated();
  }
  return *info;
}

absl::Status TokenStore::Revoke(absl::string_view token_id, absl::Time now) {
  return db_->Write([&](Connection& connection) -> absl::Status {
    SQLite::Statement& revoke = connection.Prepare(kRevokeSql);
    revoke.bind(1, static_cast<int64_t>(absl::ToUnixMillis(now)));
    revoke.bind(2, std::string(token_id));
    revoke.exec();
    if (connection.Changes() == 0) {
      return absl::NotFoundError(absl::StrCat("token ", token_id, " does not exist"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<TokenInfo>> TokenStore::List() {
  std::vector<TokenInfo> tokens;
  absl::Status status = db_->Read([&](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(kListSql);
    while (select.executeStep()) tokens.push_back(ReadInfo(select));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return tokens;
}

}  // namespace clinic::auth
