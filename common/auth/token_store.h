// Bearer tokens for principals (staff, internal tools, services). A token's
// secret is shown once, when it is issued; only its SHA-256 is stored, so a
// copy of the database does not let anyone in. Tokens can expire and be
// revoked. The authentication step of the server (and the admin RPCs that
// issue, list and revoke tokens) are the callers.
#ifndef CLINIC_COMMON_AUTH_TOKEN_STORE_H_
#define CLINIC_COMMON_AUTH_TOKEN_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/storage/database.h"

namespace clinic::auth {

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

class TokenStore {
 public:
  // Opens (creating and migrating) the token database at `path`.
  static absl::StatusOr<std::unique_ptr<TokenStore>> Open(const std::string& path);

  // Issues a token for `principal`; `ttl` of zero means it does not expire.
  absl::StatusOr<IssuedToken> Issue(absl::string_view principal, absl::string_view description,
                                    absl::Duration ttl, absl::Time now);

  // The token a secret belongs to. UNAUTHENTICATED, with the same message
  // whatever the reason, when it is unknown, revoked or expired, so a caller
  // learns nothing about other tokens.
  absl::StatusOr<TokenInfo> Verify(absl::string_view secret, absl::Time now);

  // Revokes a token by id. NOT_FOUND for an unknown id; revoking twice is OK.
  absl::Status Revoke(absl::string_view token_id, absl::Time now);

  // Every token, newest first.
  absl::StatusOr<std::vector<TokenInfo>> List();

 private:
  explicit TokenStore(std::unique_ptr<storage::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<storage::Database> db_;
};

}  // namespace clinic::auth

#endif  // CLINIC_COMMON_AUTH_TOKEN_STORE_H_
