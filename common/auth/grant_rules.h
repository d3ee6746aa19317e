// Who may give which role, and who may take over or lock out whom: the rules
// principal management follows beyond the permission its RPCs declare
// (docs/decisions/0006-who-may-grant-what.md). The interceptor decides
// whether a caller may call CreatePrincipal at all; these rules decide, per
// binding the call adds or removes and per principal it disables or re-keys,
// whether this caller may do this. Like the authorizer, they read everything
// from the contracts: which permissions are administrative
// ((clinic.v1.administrative) on Permission values) and which roles are
// chain-wide only (RoleGrants.chain_wide_only).
#ifndef CLINIC_COMMON_AUTH_GRANT_RULES_H_
#define CLINIC_COMMON_AUTH_GRANT_RULES_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "clinic/v1/access.pb.h"
#include "clinic/v1/options.pb.h"
#include "common/auth/authorizer.h"

namespace clinic::auth {

// Whether `permission` is marked (clinic.v1.administrative).
bool IsAdministrative(v1::Permission permission);

// The administrative permissions `role` grants, in enum order.
std::vector<v1::Permission> AdministrativeGrants(v1::Role role);

// Whether `role` may only be held chain-wide (RoleGrants.chain_wide_only).
bool IsChainWideOnly(v1::Role role);

// Whether `roles` hold `permission` at `site_id` ("" meaning chain-wide) for
// the purpose of these rules: a binding chain-wide or at that site grants
// it, and so does, for a permission declaring (clinic.v1.implied_by_chain_wide),
// holding that other permission chain-wide.
bool HoldsToGrant(const google::protobuf::RepeatedPtrField<v1::RoleBinding>& roles,
                  v1::Permission permission, absl::string_view site_id);

// PERMISSION_DENIED (reason GRANT_NOT_HELD) unless `caller` may make
// `before` (nullptr when creating) into `after`:
//   - for every binding added or removed, the caller holds
//     PERMISSION_ACCESS_ADMIN at that binding's scope (chain-wide for a
//     chain-wide binding) and every administrative permission the role
//     grants, at that scope; operational permissions (clients, clinical
//     records, the catalog) need not be held;
//   - when an update disables or enables the principal or changes its
//     certificate name, the caller holds every administrative permission the
//     principal holds (before the change), wherever it holds it.
// Field violations name each refused binding by its path in the request
// ("principal.roles[2]"; a removed binding, no longer in the request, as
// "principal.roles" and the binding) and the field whose change needs the
// principal's permissions. A caller acting for someone is always refused:
// principal management is never delegated.
absl::Status CheckPrincipalChange(const Identity& caller, const v1::Principal* before,
                                  const v1::Principal& after);

// PERMISSION_DENIED (reason GRANT_NOT_HELD, the violation on `field`) unless
// `caller` holds every administrative permission `target` holds, wherever
// it holds it: needed to act as the principal (issue it a token, give it a
// certificate) or to lock it out (disable it). `what` says what the caller
// tried, for the message ("issue a token for").
absl::Status CheckMayControl(const Identity& caller, const v1::Principal& target,
                             absl::string_view field, absl::string_view what);

}  // namespace clinic::auth

#endif  // CLINIC_COMMON_AUTH_GRANT_RULES_H_
