#include "common/auth/access_store.h"

#include <openssl/rand.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/core/hash.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/etag.h"
#include "common/storage/ids.h"
#include "common/storage/migrations.h"
#include "common/storage/page_tokens.h"

namespace clinic::auth {
namespace {

using storage::Connection;

constexpr char kSchema[] = R"sql(
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

constexpr char kInsertPrincipalSql[] =
    "INSERT INTO principals (name, certificate_common_name, revision, principal) "
    "VALUES (?, ?, 1, ?)";
constexpr char kSelectPrincipalSql[] = "SELECT revision, principal FROM principals WHERE name = ?";
constexpr char kSelectByCertificateSql[] =
    "SELECT revision, principal FROM principals WHERE certificate_common_name = ?";
constexpr char kListPrincipalsSql[] =
    "SELECT revision, principal FROM principals WHERE name > ? ORDER BY name LIMIT ?";
constexpr char kAllPrincipalsSql[] = "SELECT revision, principal FROM principals";
constexpr char kCountPrincipalsSql[] = "SELECT count(*) FROM principals";
constexpr char kUpdatePrincipalSql[] =
    "UPDATE principals SET certificate_common_name = ?, revision = ?, principal = ? "
    "WHERE name = ?";
constexpr char kInsertTokenSql[] =
    "INSERT INTO tokens (token_id, secret_sha256, principal, description, create_ms, expire_ms) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr char kSelectTokenByHashSql[] =
    "SELECT token_id, principal, description, create_ms, expire_ms, revoke_ms FROM tokens "
    "WHERE secret_sha256 = ?";
constexpr char kSelectTokenSql[] =
    "SELECT token_id, principal, description, create_ms, expire_ms, revoke_ms FROM tokens "
    "WHERE token_id = ?";
constexpr char kRevokeSql[] =
    "UPDATE tokens SET revoke_ms = coalesce(revoke_ms, ?) WHERE token_id = ?";
constexpr char kListTokensSql[] =
    "SELECT token_id, principal, description, create_ms, expire_ms, revoke_ms FROM tokens "
    "WHERE (?1 = '' OR principal = ?1) AND (?2 = '' OR token_id < ?2) "
    "ORDER BY token_id DESC LIMIT ?3";

absl::optional<absl::Time> OptionalTime(const SQLite::Column& column) {
  if (column.isNull()) return absl::nullopt;
  return absl::FromUnixMillis(column.getInt64());
}

TokenInfo ReadToken(SQLite::Statement& row) {
  TokenInfo info;
  info.token_id = row.getColumn(0).getString();
  info.principal = row.getColumn(1).getString();
  info.description = row.getColumn(2).getString();
  info.create_time = absl::FromUnixMillis(row.getColumn(3).getInt64());
  info.expire_time = OptionalTime(row.getColumn(4));
  info.revoke_time = OptionalTime(row.getColumn(5));
  return info;
}

absl::StatusOr<v1::Principal> ReadPrincipal(SQLite::Statement& row) {
  v1::Principal principal;
  const SQLite::Column blob = row.getColumn(1);
  if (!principal.ParseFromArray(blob.getBlob(), blob.getBytes())) {
    return absl::DataLossError("a stored principal is unreadable");
  }
  principal.set_etag(storage::MakeEtag(principal.name(), row.getColumn(0).getInt64()));
  return principal;
}

std::string StoredBytes(v1::Principal principal) {
  principal.clear_etag();
  std::string bytes;
  principal.SerializeToString(&bytes);
  return bytes;
}

void BindOptionalText(SQLite::Statement& statement, int index, const std::string& text) {
  if (text.empty()) {
    statement.bind(index);
  } else {
    statement.bind(index, text);
  }
}

bool IsEnabledChainAdmin(const v1::Principal& principal) {
  if (principal.disabled()) return false;
  for (const v1::RoleBinding& binding : principal.roles()) {
    if (binding.role() == v1::ROLE_CHAIN_ADMIN && binding.site_id().empty()) return true;
  }
  return false;
}

absl::Status NotAuthenticated() {
  return absl::UnauthenticatedError("the bearer token is unknown, revoked or expired");
}

// Maps a UNIQUE constraint failure on insert to ALREADY_EXISTS naming what
// is taken; SQLiteCpp reports it as an exception the Database turns into
// INTERNAL, so the store checks first, inside the same transaction.
absl::Status CheckFree(Connection& connection, const v1::Principal& principal, bool check_name) {
  if (check_name) {
    SQLite::Statement& select = connection.Prepare(kSelectPrincipalSql);
    select.bind(1, principal.name());
    if (select.executeStep()) {
      return WithReason(
          FieldViolations(
              absl::StatusCode::kAlreadyExists, "",
              {{"principal.name", absl::StrCat(Quote(principal.name()), " already exists")}}),
          "PRINCIPAL_EXISTS", "clinic.v1");
    }
  }
  if (!principal.certificate_common_name().empty()) {
    SQLite::Statement& select = connection.Prepare(kSelectByCertificateSql);
    select.bind(1, principal.certificate_common_name());
    if (select.executeStep()) {
      absl::StatusOr<v1::Principal> holder = ReadPrincipal(select);
      if (!holder.ok()) return holder.status();
      if (holder->name() != principal.name()) {
        return FieldViolations(absl::StatusCode::kAlreadyExists, "",
                               {{"principal.certificate_common_name",
                                 absl::StrCat(Quote(principal.certificate_common_name()),
                                              " already belongs to ", holder->name())}});
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<AccessStore>> AccessStore::Open(const std::string& path) {
  absl::StatusOr<std::unique_ptr<storage::Database>> db =
      storage::Database::Open(path, storage::Database::Options());
  if (!db.ok()) return db.status();
  if (absl::Status status = storage::Migrate(**db, "access",
                                             {{1, "store settings", storage::kStoreMetaSchema},
                                              {2, "principals and bearer tokens", kSchema}});
      !status.ok()) {
    return status;
  }
  absl::StatusOr<storage::PageTokens> page_tokens = storage::PageTokens::ForDatabase(**db);
  if (!page_tokens.ok()) return page_tokens.status();
  return std::unique_ptr<AccessStore>(new AccessStore(std::move(*db), *std::move(page_tokens)));
}

absl::StatusOr<v1::Principal> AccessStore::CreatePrincipal(const v1::Principal& principal,
                                                           absl::Time now) {
  v1::Principal stored = principal;
  *stored.mutable_create_time() = ToTimestampMillis(now);
  *stored.mutable_update_time() = stored.create_time();
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    if (absl::Status free = CheckFree(connection, stored, true); !free.ok()) return free;
    SQLite::Statement& insert = connection.Prepare(kInsertPrincipalSql);
    insert.bind(1, stored.name());
    BindOptionalText(insert, 2, stored.certificate_common_name());
    const std::string bytes = StoredBytes(stored);
    insert.bind(3, bytes.data(), static_cast<int>(bytes.size()));
    insert.exec();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  stored.set_etag(storage::MakeEtag(stored.name(), 1));
  return stored;
}

absl::StatusOr<v1::Principal> AccessStore::GetPrincipal(absl::string_view name) {
  absl::StatusOr<v1::Principal> found =
      absl::NotFoundError(absl::StrCat("principal ", Quote(name), " does not exist"));
  absl::Status status = db_->Read([&](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(kSelectPrincipalSql);
    select.bind(1, std::string(name));
    if (select.executeStep()) found = ReadPrincipal(select);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<v1::Principal> AccessStore::FindByCertificate(absl::string_view common_name) {
  absl::StatusOr<v1::Principal> found = absl::UnauthenticatedError(
      absl::StrCat("no principal uses the client certificate ", Quote(common_name)));
  absl::Status status = db_->Read([&](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(kSelectByCertificateSql);
    select.bind(1, std::string(common_name));
    if (select.executeStep()) found = ReadPrincipal(select);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return found;
}

absl::StatusOr<std::vector<v1::Principal>> AccessStore::ListPrincipals(absl::string_view after_name,
                                                                       int limit) {
  std::vector<v1::Principal> principals;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kListPrincipalsSql);
    select.bind(1, std::string(after_name));
    select.bind(2, limit);
    while (select.executeStep()) {
      absl::StatusOr<v1::Principal> principal = ReadPrincipal(select);
      if (!principal.ok()) return principal.status();
      principals.push_back(std::move(*principal));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return principals;
}

absl::StatusOr<v1::Principal> AccessStore::UpdatePrincipal(const v1::Principal& principal,
                                                           absl::string_view etag, absl::Time now) {
  v1::Principal stored = principal;
  int64_t revision = 0;
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSelectPrincipalSql);
    select.bind(1, stored.name());
    if (!select.executeStep()) {
      return absl::NotFoundError(
          absl::StrCat("principal ", Quote(stored.name()), " does not exist"));
    }
    absl::StatusOr<v1::Principal> current = ReadPrincipal(select);
    if (!current.ok()) return current.status();
    revision = select.getColumn(0).getInt64();
    if (absl::Status check =
            storage::CheckEtag(etag, stored.name(), revision, /*required=*/true, "clinic.v1");
        !check.ok()) {
      return check;
    }
    if (absl::Status free = CheckFree(connection, stored, false); !free.ok()) return free;
    *stored.mutable_create_time() = current->create_time();
    *stored.mutable_update_time() = ToTimestampMillis(now);
    if (IsEnabledChainAdmin(*current) && !IsEnabledChainAdmin(stored)) {
      int admins = 0;
      SQLite::Statement& all = connection.Prepare(kAllPrincipalsSql);
      while (all.executeStep()) {
        absl::StatusOr<v1::Principal> other = ReadPrincipal(all);
        if (other.ok() && other->name() != stored.name() && IsEnabledChainAdmin(*other)) ++admins;
      }
      if (admins == 0) {
        return WithReason(absl::FailedPreconditionError(absl::StrCat(
                              stored.name(),
                              " is the last enabled chain-wide chain admin; make another "
                              "principal chain admin first, so the chain is not locked out")),
                          "LAST_CHAIN_ADMIN", "clinic.v1");
      }
    }
    ++revision;
    SQLite::Statement& update = connection.Prepare(kUpdatePrincipalSql);
    BindOptionalText(update, 1, stored.certificate_common_name());
    update.bind(2, static_cast<int64_t>(revision));
    const std::string bytes = StoredBytes(stored);
    update.bind(3, bytes.data(), static_cast<int>(bytes.size()));
    update.bind(4, stored.name());
    update.exec();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  stored.set_etag(storage::MakeEtag(stored.name(), revision));
  return stored;
}

absl::StatusOr<IssuedToken> AccessStore::Issue(absl::string_view principal,
                                               absl::string_view description, absl::Duration ttl,
                                               absl::Time now) {
  if (ttl < absl::ZeroDuration()) return InvalidField("ttl", "must not be negative");
  unsigned char random[32];
  if (RAND_bytes(random, sizeof(random)) != 1) {
    return absl::InternalError("cannot issue a token: no randomness available");
  }
  IssuedToken issued;
  issued.secret =
      absl::StrCat(kTokenSecretPrefix, absl::WebSafeBase64Escape(absl::string_view(
                                           reinterpret_cast<char*>(random), sizeof(random))));
  issued.info.token_id = storage::NewId();
  issued.info.principal = std::string(principal);
  issued.info.description = std::string(description);
  issued.info.create_time = absl::FromUnixMillis(absl::ToUnixMillis(now));
  if (ttl > absl::ZeroDuration()) {
    issued.info.expire_time = absl::FromUnixMillis(absl::ToUnixMillis(now + ttl));
  }
  const std::string hash = Sha256(issued.secret);
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSelectPrincipalSql);
    select.bind(1, issued.info.principal);
    if (!select.executeStep()) {
      return FieldViolations(
          absl::StatusCode::kFailedPrecondition, "",
          {{"principal", absl::StrCat(Quote(principal), " does not exist; create it first")}});
    }
    absl::StatusOr<v1::Principal> holder = ReadPrincipal(select);
    if (!holder.ok()) return holder.status();
    if (holder->disabled()) {
      return FieldViolations(absl::StatusCode::kFailedPrecondition, "",
                             {{"principal", absl::StrCat(Quote(principal), " is disabled")}});
    }
    SQLite::Statement& insert = connection.Prepare(kInsertTokenSql);
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

absl::StatusOr<std::pair<TokenInfo, v1::Principal>> AccessStore::Verify(absl::string_view secret,
                                                                        absl::Time now) {
  if (!absl::StartsWith(secret, kTokenSecretPrefix)) return NotAuthenticated();
  const std::string hash = Sha256(secret);
  absl::optional<std::pair<TokenInfo, v1::Principal>> found;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kSelectTokenByHashSql);
    select.bind(1, hash.data(), static_cast<int>(hash.size()));
    if (!select.executeStep()) return absl::OkStatus();
    TokenInfo info = ReadToken(select);
    SQLite::Statement& holder = connection.Prepare(kSelectPrincipalSql);
    holder.bind(1, info.principal);
    if (!holder.executeStep()) return absl::OkStatus();
    absl::StatusOr<v1::Principal> principal = ReadPrincipal(holder);
    if (!principal.ok()) return principal.status();
    found.emplace(std::move(info), std::move(*principal));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!found || found->first.revoke_time ||
      (found->first.expire_time && *found->first.expire_time <= now) || found->second.disabled()) {
    return NotAuthenticated();
  }
  return *std::move(found);
}

absl::StatusOr<TokenInfo> AccessStore::Revoke(absl::string_view token_id, absl::Time now) {
  absl::optional<TokenInfo> revoked;
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    SQLite::Statement& revoke = connection.Prepare(kRevokeSql);
    revoke.bind(1, static_cast<int64_t>(absl::ToUnixMillis(now)));
    revoke.bind(2, std::string(token_id));
    revoke.exec();
    if (connection.Changes() == 0) {
      return absl::NotFoundError(
          absl::StrCat("token ", Quote(kTokenName.Format(token_id)), " does not exist"));
    }
    SQLite::Statement& select = connection.Prepare(kSelectTokenSql);
    select.bind(1, std::string(token_id));
    if (select.executeStep()) revoked = ReadToken(select);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (!revoked) return absl::InternalError("a revoked token vanished");
  return *revoked;
}

absl::StatusOr<std::vector<TokenInfo>> AccessStore::ListTokens(absl::string_view principal,
                                                               absl::string_view before_token_id,
                                                               int limit) {
  std::vector<TokenInfo> tokens;
  absl::Status status = db_->Read([&](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(kListTokensSql);
    select.bind(1, std::string(principal));
    select.bind(2, std::string(before_token_id));
    select.bind(3, limit);
    while (select.executeStep()) tokens.push_back(ReadToken(select));
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return tokens;
}

absl::StatusOr<absl::optional<IssuedToken>> AccessStore::Bootstrap(absl::string_view name,
                                                                   absl::Time now) {
  int64_t count = 0;
  absl::Status status = db_->Read([&](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(kCountPrincipalsSql);
    if (select.executeStep()) count = select.getColumn(0).getInt64();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  if (count > 0) return absl::optional<IssuedToken>();
  v1::Principal admin;
  admin.set_name(std::string(name));
  admin.set_display_name("First chain admin (created at installation)");
  admin.add_roles()->set_role(v1::ROLE_CHAIN_ADMIN);
  absl::StatusOr<v1::Principal> created = CreatePrincipal(admin, now);
  if (!created.ok()) return created.status();
  absl::StatusOr<IssuedToken> issued =
      Issue(name, "created at installation", absl::ZeroDuration(), now);
  if (!issued.ok()) return issued.status();
  return absl::optional<IssuedToken>(*std::move(issued));
}

}  // namespace clinic::auth
