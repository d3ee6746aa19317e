// Principals, the roles they hold and their bearer tokens, in one SQLite
// file that several processes of a chain may share. A token's secret is
// shown once, when it is issued; only its SHA-256 is stored, so a copy of the
// database does not let anyone in. The server's authentication step and the
// Access service are the callers. Writes the Access service makes for a
// request carrying a request_id are recorded with it, in the same
// transaction (storage/idempotency.h), so a retry never writes twice.
#ifndef CLINIC_COMMON_AUTH_ACCESS_STORE_H_
#define CLINIC_COMMON_AUTH_ACCESS_STORE_H_

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "clinic/v1/access.pb.h"
#include "common/core/resource_name.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/page_tokens.h"

namespace clinic::auth {

// A token's resource name, "tokens/{id}" with its token_id.
inline constexpr ResourcePattern kTokenName("tokens/{id}", storage::IsWellFormedId);

// What is known about a token; never its secret.
struct TokenInfo {
  std::string token_id;     // time-ordered id, safe to show and log
  std::string principal;    // e.g. "staff/jane-doe", "service/billing"
  std::string description;  // why it was issued, e.g. "front desk tablet 3"
  absl::Time create_time;
  absl::optional<absl::Time> expire_time;
  absl::optional<absl::Time> revoke_time;
};

// A newly issued token: the secret is returned this once.
struct IssuedToken {
  TokenInfo info;
  std::string secret;
};

// The bearer-token secret prefix, so a leaked secret is easy to recognise in
// logs and by secret scanners.
inline constexpr char kTokenSecretPrefix[] = "clk_";

// The token as the API shows it, named "tokens/{token_id}".
v1::AccessToken AccessTokenProto(const TokenInfo& info);

class AccessStore {
 public:
  // Opens (creating and migrating) the access database at `path`.
  static absl::StatusOr<std::unique_ptr<AccessStore>> Open(const std::string& path);

  // Stores a new principal (name, display_name, roles, disabled,
  // certificate_common_name are taken from `principal`). The caller has
  // validated the fields. ALREADY_EXISTS when the name, or the certificate
  // name, is taken.
  absl::StatusOr<v1::Principal> CreatePrincipal(const v1::Principal& principal, absl::Time now);

  // CreatePrincipal for that RPC's `request`, with its request_id scoped to
  // `caller` (server::RequestScope): a retry of the same request returns the
  // principal as first created and writes nothing; the same id with another
  // request is INVALID_ARGUMENT naming request_id. `principal` is what to
  // store, as above.
  absl::StatusOr<v1::Principal> CreatePrincipal(const v1::CreatePrincipalRequest& request,
                                                absl::string_view caller,
                                                const v1::Principal& principal, absl::Time now);

  // NOT_FOUND when there is no principal by that name. Answered from memory
  // while access.db is unchanged, as Verify is.
  absl::StatusOr<v1::Principal> GetPrincipal(absl::string_view name);

  // The principal whose certificate_common_name is `common_name`. Answered
  // from memory while access.db is unchanged, as Verify is.
  absl::StatusOr<v1::Principal> FindByCertificate(absl::string_view common_name);

  // Principals ordered by name, after `after_name`, at most `limit`.
  absl::StatusOr<std::vector<v1::Principal>> ListPrincipals(absl::string_view after_name,
                                                            int limit);

  // Replaces the stored principal of the same name with `principal` when
  // `etag` is its current etag (ABORTED otherwise). FAILED_PRECONDITION when
  // the change would leave no enabled chain-wide chain admin.
  absl::StatusOr<v1::Principal> UpdatePrincipal(const v1::Principal& principal,
                                                absl::string_view etag, absl::Time now);

  // What an update makes of the stored principal: the principal it becomes
  // (its name is kept), or an error that leaves it unchanged. Called inside
  // the write's transaction after the etag check, so it sees exactly the
  // version it replaces, and checks that depend on it (who may change what)
  // cannot be raced.
  using PrincipalChange =
      absl::FunctionRef<absl::StatusOr<v1::Principal>(const v1::Principal& current)>;

  // UpdatePrincipal for that RPC's `request` (the principal's name and the
  // etag the caller read come from it): applies `change` to the stored
  // principal. With a request_id, a retry of the same request by `caller`
  // returns the first response and writes nothing, though the etag has
  // moved on.
  absl::StatusOr<v1::Principal> UpdatePrincipal(const v1::UpdatePrincipalRequest& request,
                                                absl::string_view caller, PrincipalChange change,
                                                absl::Time now);

  // Issues a token for an existing, enabled principal; `ttl` of zero means it
  // does not expire.
  absl::StatusOr<IssuedToken> Issue(absl::string_view principal, absl::string_view description,
                                    absl::Duration ttl, absl::Time now);

  // Whether a token may be issued for `holder` (the existing, enabled
  // principal the request names); called inside the transaction, so an
  // error leaves nothing written.
  using IssueCheck = absl::FunctionRef<absl::Status(const v1::Principal& holder)>;

  // Issue for that RPC's `request` (principal and description come from it;
  // `ttl` is its checked ttl). Only a secret's hash is stored, so a retry of
  // the same request by `caller` cannot return the first secret: it gives
  // the token it issued (same id, principal, description and times) a new
  // secret, the old one stops working in the same transaction, and returns
  // it, so one working token exists however many retries come.
  // FAILED_PRECONDITION when that token has since been revoked or expired or
  // its principal disabled; `check` runs again on a retry. The same
  // request_id with another request is INVALID_ARGUMENT naming request_id.
  absl::StatusOr<IssuedToken> Issue(const v1::IssueTokenRequest& request, absl::string_view caller,
                                    absl::Duration ttl, absl::Time now, IssueCheck check);

  // The token a secret belongs to, and its principal. UNAUTHENTICATED, with
  // the same message whatever the reason, when the token is unknown, revoked
  // or expired, or its principal is disabled, so a caller learns nothing
  // about other tokens.
  //
  // Answers from memory while access.db is unchanged: a token verified once
  // is kept with its principal, and the whole cache is dropped as soon as
  // anything commits to the file, from this process or another sharing it
  // (SQLite's data_version), so a revocation, a disabled principal or a
  // changed role counts from the next call, as when every call read the
  // database. Expiry is checked on every call.
  absl::StatusOr<std::pair<TokenInfo, v1::Principal>> Verify(absl::string_view secret,
                                                             absl::Time now);

  // How many Verify calls were answered from memory, for tests and metrics.
  int64_t verify_cache_hits() const;

  // How many GetPrincipal and FindByCertificate calls were answered from
  // memory, kept under the same rule as verified tokens.
  int64_t principal_cache_hits() const;

  // Revokes a token by id and returns it. NOT_FOUND for an unknown id;
  // revoking twice keeps the first revocation time.
  absl::StatusOr<TokenInfo> Revoke(absl::string_view token_id, absl::Time now);

  // Tokens newest first, only `principal`'s when it is not empty, older than
  // `before_token_id` when that is not empty, at most `limit`.
  absl::StatusOr<std::vector<TokenInfo>> ListTokens(absl::string_view principal,
                                                    absl::string_view before_token_id, int limit);

  // For a new installation: when no principal exists yet, creates `name` as
  // an enabled chain-wide chain admin and issues it a token, returned.
  // Returns nullopt when principals already exist, so running it again is
  // harmless.
  absl::StatusOr<absl::optional<IssuedToken>> Bootstrap(absl::string_view name, absl::Time now);

  storage::Database& database() { return *db_; }

  // Signs the page tokens of the Access and Audit lists, with a key kept in
  // this database, so tokens survive a restart and cannot be forged.
  const storage::PageTokens& page_tokens() const { return page_tokens_; }

 private:
  AccessStore(std::unique_ptr<storage::Database> db, storage::PageTokens page_tokens)
      : db_(std::move(db)), page_tokens_(std::move(page_tokens)) {}

  // The bodies of the public writes; `call` is null for writes made without
  // a request (Bootstrap, tests), `check` when there is nothing to check.
  absl::StatusOr<v1::Principal> DoCreatePrincipal(const v1::Principal& principal, absl::Time now,
                                                  const storage::IdempotentCall* call);
  absl::StatusOr<v1::Principal> DoUpdatePrincipal(absl::string_view name, absl::string_view etag,
                                                  PrincipalChange change, absl::Time now,
                                                  const storage::IdempotentCall* call);
  absl::StatusOr<IssuedToken> DoIssue(absl::string_view principal, absl::string_view description,
                                      absl::Duration ttl, absl::Time now,
                                      const storage::IdempotentCall* call, const IssueCheck* check);

  // PRAGMA data_version of the file, read on a connection of its own: it
  // changes whenever another connection (this process's writer included)
  // commits. -1 when it cannot be read, which disables the cache.
  int64_t DataVersion();

  // Reads data_version and, when the file changed since the caches were
  // filled (or it cannot be read), empties them. Returns the version.
  // Called with cache_mutex_ held.
  int64_t SyncCacheLocked();

  // A principal from memory under `key`, or the row `select_sql` finds for
  // `value` (kept when it exists; `absent` when there is none): the identity
  // step looks one up on every call by a certificate or for a person acted
  // for, on gRPC's own threads, where a read of the database must not be
  // needed.
  absl::StatusOr<v1::Principal> CachedPrincipal(const std::string& key, const char* select_sql,
                                                absl::string_view value, absl::Status absent);

  std::unique_ptr<storage::Database> db_;
  storage::PageTokens page_tokens_;

  // Verified tokens by the hash of their secret, valid while the file's
  // data_version is cache_version_.
  mutable std::mutex cache_mutex_;
  std::unique_ptr<SQLite::Database> version_connection_;
  std::unique_ptr<SQLite::Statement> version_statement_;  // on version_connection_
  int64_t cache_version_ = -1;
  std::unordered_map<std::string, std::pair<TokenInfo, v1::Principal>> verified_;
  int64_t cache_hits_ = 0;
  // Principals by "name:{name}" or "certificate:{common name}", same rule.
  std::unordered_map<std::string, v1::Principal> principals_;
  int64_t principal_cache_hits_ = 0;
};

}  // namespace clinic::auth

#endif  // CLINIC_COMMON_AUTH_ACCESS_STORE_H_
