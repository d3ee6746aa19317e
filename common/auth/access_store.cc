#include "common/auth/access_store.h"

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/auth/access_schema.h"
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

// Verified tokens kept in memory at most; each is a principal and a few
// fields, a few hundred bytes.
// Entries each cache (verified tokens, principals) keeps at most.
constexpr size_t kMaxCachedTokens = 10000;

using storage::Connection;

constexpr char kCreateMethod[] = "clinic.v1.Access/CreatePrincipal";
constexpr char kUpdateMethod[] = "clinic.v1.Access/UpdatePrincipal";
constexpr char kIssueMethod[] = "clinic.v1.Access/IssueToken";

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
constexpr char kRekeySql[] = "UPDATE tokens SET secret_sha256 = ? WHERE token_id = ?";
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

// A new secret: the prefix and 32 random bytes, base64url.
absl::StatusOr<std::string> NewSecret() {
  absl::StatusOr<std::string> random = RandomBytes(32);
  if (!random.ok()) {
    return absl::InternalError("cannot issue a token: no randomness available");
  }
  return absl::StrCat(kTokenSecretPrefix, absl::WebSafeBase64Escape(*random));
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
  if (absl::Status status = storage::Migrate(**db, "access", AccessMigrations()); !status.ok()) {
    return status;
  }
  absl::StatusOr<storage::PageTokens> page_tokens = storage::PageTokens::ForDatabase(**db);
  if (!page_tokens.ok()) return page_tokens.status();
  return std::unique_ptr<AccessStore>(new AccessStore(std::move(*db), *std::move(page_tokens)));
}

v1::AccessToken AccessTokenProto(const TokenInfo& info) {
  v1::AccessToken token;
  token.set_name(kTokenName.Format(info.token_id));
  token.set_principal(info.principal);
  token.set_description(info.description);
  *token.mutable_create_time() = ToTimestampMillis(info.create_time);
  if (info.expire_time) {
    *token.mutable_expire_time() = ToTimestampMillis(*info.expire_time);
  }
  if (info.revoke_time) {
    *token.mutable_revoke_time() = ToTimestampMillis(*info.revoke_time);
  }
  return token;
}

absl::StatusOr<v1::Principal> AccessStore::CreatePrincipal(const v1::Principal& principal,
                                                           absl::Time now) {
  return DoCreatePrincipal(principal, now, nullptr);
}

absl::StatusOr<v1::Principal> AccessStore::CreatePrincipal(
    const v1::CreatePrincipalRequest& request, absl::string_view caller,
    const v1::Principal& principal, absl::Time now) {
  const storage::IdempotentCall call(kCreateMethod, caller, request.request_id(), request);
  return DoCreatePrincipal(principal, now, &call);
}

absl::StatusOr<v1::Principal> AccessStore::DoCreatePrincipal(const v1::Principal& principal,
                                                             absl::Time now,
                                                             const storage::IdempotentCall* call) {
  v1::Principal stored = principal;
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    if (call != nullptr) {
      absl::StatusOr<bool> replayed = call->Replay(connection, &stored);
      if (!replayed.ok()) return replayed.status();
      if (*replayed) return absl::OkStatus();
    }
    *stored.mutable_create_time() = ToTimestampMillis(now);
    *stored.mutable_update_time() = stored.create_time();
    if (absl::Status free = CheckFree(connection, stored, true); !free.ok()) return free;
    SQLite::Statement& insert = connection.Prepare(kInsertPrincipalSql);
    insert.bind(1, stored.name());
    BindOptionalText(insert, 2, stored.certificate_common_name());
    const std::string bytes = StoredBytes(stored);
    insert.bind(3, bytes.data(), static_cast<int>(bytes.size()));
    insert.exec();
    stored.set_etag(storage::MakeEtag(stored.name(), 1));
    return call != nullptr ? call->Remember(connection, stored) : absl::OkStatus();
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<v1::Principal> AccessStore::GetPrincipal(absl::string_view name) {
  return CachedPrincipal(
      absl::StrCat("name:", name), kSelectPrincipalSql, name,
      absl::NotFoundError(absl::StrCat("principal ", Quote(name), " does not exist")));
}

absl::StatusOr<v1::Principal> AccessStore::FindByCertificate(absl::string_view common_name) {
  return CachedPrincipal(absl::StrCat("certificate:", common_name), kSelectByCertificateSql,
                         common_name,
                         absl::UnauthenticatedError(absl::StrCat(
                             "no principal uses the client certificate ", Quote(common_name))));
}

absl::StatusOr<v1::Principal> AccessStore::CachedPrincipal(const std::string& key,
                                                           const char* select_sql,
                                                           absl::string_view value,
                                                           absl::Status absent) {
  int64_t version = -1;
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    version = SyncCacheLocked();
    auto it = principals_.find(key);
    if (it != principals_.end()) {
      ++principal_cache_hits_;
      return it->second;
    }
  }
  absl::StatusOr<v1::Principal> loaded = std::move(absent);
  absl::Status status = db_->Read([&](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(select_sql);
    select.bind(1, std::string(value));
    if (select.executeStep()) loaded = ReadPrincipal(select);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  // Only what exists is kept: a principal created next commits, which drops
  // the cache anyway.
  if (!loaded.ok()) return loaded;
  std::lock_guard<std::mutex> lock(cache_mutex_);
  if (version >= 0 && version == cache_version_) {
    if (principals_.size() >= kMaxCachedTokens) principals_.clear();
    principals_.emplace(key, *loaded);
  }
  return loaded;
}

int64_t AccessStore::SyncCacheLocked() {
  const int64_t version = DataVersion();
  if (version != cache_version_ || version < 0) {
    verified_.clear();
    principals_.clear();
    cache_version_ = version;
  }
  return version;
}

int64_t AccessStore::principal_cache_hits() const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  return principal_cache_hits_;
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
  return DoUpdatePrincipal(
      principal.name(), etag,
      [&](const v1::Principal&) -> absl::StatusOr<v1::Principal> { return principal; }, now,
      nullptr);
}

absl::StatusOr<v1::Principal> AccessStore::UpdatePrincipal(
    const v1::UpdatePrincipalRequest& request, absl::string_view caller, PrincipalChange change,
    absl::Time now) {
  const storage::IdempotentCall call(kUpdateMethod, caller, request.request_id(), request);
  return DoUpdatePrincipal(request.principal().name(), request.principal().etag(), change, now,
                           &call);
}

absl::StatusOr<v1::Principal> AccessStore::DoUpdatePrincipal(absl::string_view name,
                                                             absl::string_view etag,
                                                             PrincipalChange change, absl::Time now,
                                                             const storage::IdempotentCall* call) {
  v1::Principal stored;
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    if (call != nullptr) {
      absl::StatusOr<bool> replayed = call->Replay(connection, &stored);
      if (!replayed.ok()) return replayed.status();
      if (*replayed) return absl::OkStatus();
    }
    SQLite::Statement& select = connection.Prepare(kSelectPrincipalSql);
    select.bind(1, std::string(name));
    if (!select.executeStep()) {
      return absl::NotFoundError(absl::StrCat("principal ", Quote(name), " does not exist"));
    }
    absl::StatusOr<v1::Principal> current = ReadPrincipal(select);
    if (!current.ok()) return current.status();
    int64_t revision = select.getColumn(0).getInt64();
    if (absl::Status check =
            storage::CheckEtag(etag, name, revision, /*required=*/true, "clinic.v1");
        !check.ok()) {
      return check;
    }
    absl::StatusOr<v1::Principal> changed = change(*current);
    if (!changed.ok()) return changed.status();
    stored = *std::move(changed);
    stored.set_name(current->name());
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
    stored.set_etag(storage::MakeEtag(stored.name(), revision));
    return call != nullptr ? call->Remember(connection, stored) : absl::OkStatus();
  });
  if (!status.ok()) return status;
  return stored;
}

absl::StatusOr<IssuedToken> AccessStore::Issue(absl::string_view principal,
                                               absl::string_view description, absl::Duration ttl,
                                               absl::Time now) {
  return DoIssue(principal, description, ttl, now, nullptr, nullptr);
}

absl::StatusOr<IssuedToken> AccessStore::Issue(const v1::IssueTokenRequest& request,
                                               absl::string_view caller, absl::Duration ttl,
                                               absl::Time now, IssueCheck check) {
  const storage::IdempotentCall call(kIssueMethod, caller, request.request_id(), request);
  return DoIssue(request.principal(), request.description(), ttl, now, &call, &check);
}

absl::StatusOr<IssuedToken> AccessStore::DoIssue(absl::string_view principal,
                                                 absl::string_view description, absl::Duration ttl,
                                                 absl::Time now,
                                                 const storage::IdempotentCall* call,
                                                 const IssueCheck* check) {
  if (ttl < absl::ZeroDuration()) return InvalidField("ttl", "must not be negative");
  // One secret, for a new token or for re-keying the one a retry names.
  absl::StatusOr<std::string> secret = NewSecret();
  if (!secret.ok()) return secret.status();
  const std::string hash = Sha256(*secret);
  IssuedToken issued;
  issued.secret = *secret;
  absl::Status status = db_->Write([&](Connection& connection) -> absl::Status {
    // The principal as it is now: it must exist, be enabled and pass the
    // caller's check, for a first call and a retry alike.
    auto usable_holder = [&](const std::string& name) -> absl::Status {
      SQLite::Statement& select = connection.Prepare(kSelectPrincipalSql);
      select.bind(1, name);
      if (!select.executeStep()) {
        return FieldViolations(
            absl::StatusCode::kFailedPrecondition, "",
            {{"principal", absl::StrCat(Quote(name), " does not exist; create it first")}});
      }
      absl::StatusOr<v1::Principal> holder = ReadPrincipal(select);
      if (!holder.ok()) return holder.status();
      if (holder->disabled()) {
        return FieldViolations(absl::StatusCode::kFailedPrecondition, "",
                               {{"principal", absl::StrCat(Quote(name), " is disabled")}});
      }
      return check != nullptr ? (*check)(*holder) : absl::OkStatus();
    };
    if (call != nullptr) {
      // What was recorded is the response without its secret, which is
      // never stored.
      v1::IssueTokenResponse first;
      absl::StatusOr<bool> replayed = call->Replay(connection, &first);
      if (!replayed.ok()) return replayed.status();
      if (*replayed) {
        const std::string& name = first.token().name();
        absl::StatusOr<ResourceName> parsed = kTokenName.Parse(name, "token.name");
        if (!parsed.ok()) {
          return absl::DataLossError("the token a request_id issued is recorded unreadably");
        }
        SQLite::Statement& select = connection.Prepare(kSelectTokenSql);
        select.bind(1, std::string(parsed->id("id")));
        if (!select.executeStep()) {
          return absl::DataLossError(
              absl::StrCat("the token ", Quote(name), " a request_id issued is missing"));
        }
        issued.info = ReadToken(select);
        if (issued.info.revoke_time ||
            (issued.info.expire_time && *issued.info.expire_time <= now)) {
          return WithReason(
              FieldViolations(
                  absl::StatusCode::kFailedPrecondition, "",
                  {{"request_id", absl::StrCat("issued ", name, ", which has since ",
                                               issued.info.revoke_time ? "been revoked" : "expired",
                                               "; use a new request_id for a new "
                                               "token")}}),
              "TOKEN_NOT_USABLE", "clinic.v1.Access");
        }
        if (absl::Status usable = usable_holder(issued.info.principal); !usable.ok()) {
          return usable;
        }
        SQLite::Statement& rekey = connection.Prepare(kRekeySql);
        rekey.bind(1, hash.data(), static_cast<int>(hash.size()));
        rekey.bind(2, issued.info.token_id);
        rekey.exec();
        return absl::OkStatus();
      }
    }
    issued.info.token_id = storage::NewId();
    issued.info.principal = std::string(principal);
    issued.info.description = std::string(description);
    issued.info.create_time = absl::FromUnixMillis(absl::ToUnixMillis(now));
    if (ttl > absl::ZeroDuration()) {
      issued.info.expire_time = absl::FromUnixMillis(absl::ToUnixMillis(now + ttl));
    }
    if (absl::Status usable = usable_holder(issued.info.principal); !usable.ok()) return usable;
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
    if (call == nullptr) return absl::OkStatus();
    v1::IssueTokenResponse response;
    *response.mutable_token() = AccessTokenProto(issued.info);
    return call->Remember(connection, response);
  });
  if (!status.ok()) return status;
  return issued;
}

int64_t AccessStore::DataVersion() {
  try {
    if (version_connection_ == nullptr) {
      version_connection_ = std::make_unique<SQLite::Database>(
          db_->path(), SQLite::OPEN_READONLY | SQLite::OPEN_NOMUTEX);
      // Every call asks, so the pragma is compiled once.
      version_statement_ =
          std::make_unique<SQLite::Statement>(*version_connection_, "PRAGMA data_version");
    }
    // Reset before the answer is used: a statement left on its row would
    // hold its read transaction open, and the next call would see that
    // old snapshot's version instead of the file's.
    int64_t version = -1;
    if (version_statement_->executeStep()) version = version_statement_->getColumn(0).getInt64();
    version_statement_->reset();
    if (version >= 0) return version;
  } catch (const std::exception&) {
    // Without the version there is no safe cache: every call reads.
    version_statement_.reset();
    version_connection_.reset();
  }
  return -1;
}

int64_t AccessStore::verify_cache_hits() const {
  std::lock_guard<std::mutex> lock(cache_mutex_);
  return cache_hits_;
}

absl::StatusOr<std::pair<TokenInfo, v1::Principal>> AccessStore::Verify(absl::string_view secret,
                                                                        absl::Time now) {
  if (!absl::StartsWith(secret, kTokenSecretPrefix)) return NotAuthenticated();
  const std::string hash = Sha256(secret);
  // A cached token is still checked for revocation, expiry and a disabled
  // principal below, exactly as one read from the database.
  auto usable = [&](const std::pair<TokenInfo, v1::Principal>& token) {
    return !token.first.revoke_time &&
           !(token.first.expire_time && *token.first.expire_time <= now) &&
           !token.second.disabled();
  };
  // The version is read before the database, so a commit that lands
  // between the two makes the next call see a new version and drop what
  // this call caches.
  int64_t version = -1;
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    version = SyncCacheLocked();
    auto it = verified_.find(hash);
    if (it != verified_.end()) {
      ++cache_hits_;
      if (!usable(it->second)) return NotAuthenticated();
      return it->second;
    }
  }
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
  if (!found) return NotAuthenticated();
  {
    std::lock_guard<std::mutex> lock(cache_mutex_);
    // Bounded: a flood of distinct valid tokens empties it rather than
    // growing it.
    if (version >= 0 && version == cache_version_) {
      if (verified_.size() >= kMaxCachedTokens) verified_.clear();
      verified_.emplace(hash, *found);
    }
  }
  if (!usable(*found)) return NotAuthenticated();
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
