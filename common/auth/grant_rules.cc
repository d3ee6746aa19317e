#include "common/auth/grant_rules.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/text.h"

namespace clinic::auth {
namespace {

constexpr char kReason[] = "GRANT_NOT_HELD";
constexpr char kDomain[] = "clinic.v1.Access";

const google::protobuf::EnumValueDescriptor* PermissionValue(v1::Permission permission) {
  return v1::Permission_descriptor()->FindValueByNumber(permission);
}

std::string ScopeText(absl::string_view site_id) {
  return site_id.empty() ? "chain-wide" : absl::StrCat("at site ", Quote(site_id));
}

// A permission and the site ("" for chain-wide) where it must be held.
using Need = std::pair<v1::Permission, std::string>;

// "PERMISSION_X chain-wide (and 2 more)", short whatever is missing.
std::string NeedsText(const std::vector<Need>& missing) {
  std::string text =
      absl::StrCat(v1::Permission_Name(missing[0].first), " ", ScopeText(missing[0].second));
  if (missing.size() > 1) absl::StrAppend(&text, " (and ", missing.size() - 1, " more)");
  return text;
}

void AddUnheld(const v1::Principal& caller, const Need& need, std::vector<Need>& missing) {
  if (HoldsToGrant(caller.roles(), need.first, need.second)) return;
  for (const Need& listed : missing) {
    if (listed == need) return;
  }
  missing.push_back(need);
}

// What the caller lacks to add or remove `binding`: PERMISSION_ACCESS_ADMIN
// and the role's administrative permissions, at the binding's scope.
std::vector<Need> MissingToGrant(const v1::Principal& caller, const v1::RoleBinding& binding) {
  std::vector<Need> missing;
  AddUnheld(caller, {v1::PERMISSION_ACCESS_ADMIN, binding.site_id()}, missing);
  for (v1::Permission permission : AdministrativeGrants(binding.role())) {
    AddUnheld(caller, {permission, binding.site_id()}, missing);
  }
  return missing;
}

// What the caller lacks to act as, or lock out, `target`: everything
// administrative the target holds, where it holds it, and
// PERMISSION_ACCESS_ADMIN wherever the target holds a role.
std::vector<Need> MissingToControl(const v1::Principal& caller, const v1::Principal& target) {
  std::vector<Need> missing;
  for (const v1::RoleBinding& binding : target.roles()) {
    AddUnheld(caller, {v1::PERMISSION_ACCESS_ADMIN, binding.site_id()}, missing);
    for (v1::Permission permission : AdministrativeGrants(binding.role())) {
      AddUnheld(caller, {permission, binding.site_id()}, missing);
    }
  }
  return missing;
}

absl::Status Refused(const std::vector<FieldViolation>& violations) {
  return WithReason(FieldViolations(absl::StatusCode::kPermissionDenied, "", violations), kReason,
                    kDomain);
}

absl::Status NotDelegated(const Identity& caller) {
  return WithReason(absl::PermissionDeniedError(absl::StrCat(
                        caller.principal.name(), " may not manage principals for ",
                        caller.on_behalf_of->name(), ": that is never done on someone's behalf")),
                    "NOT_DELEGABLE", "clinic.v1");
}

}  // namespace

bool IsAdministrative(v1::Permission permission) {
  const auto* value = PermissionValue(permission);
  return value != nullptr && value->options().GetExtension(v1::administrative);
}

std::vector<v1::Permission> AdministrativeGrants(v1::Role role) {
  std::vector<v1::Permission> administrative;
  for (v1::Permission permission : Grants(role)) {
    if (IsAdministrative(permission)) administrative.push_back(permission);
  }
  return administrative;
}

bool IsChainWideOnly(v1::Role role) {
  const auto* value = v1::Role_descriptor()->FindValueByNumber(role);
  return value != nullptr && value->options().GetExtension(v1::grants).chain_wide_only();
}

bool HoldsToGrant(const google::protobuf::RepeatedPtrField<v1::RoleBinding>& roles,
                  v1::Permission permission, absl::string_view site_id) {
  if (Holds(roles, permission, site_id, /*chain_wide=*/site_id.empty())) return true;
  const auto* value = PermissionValue(permission);
  if (value == nullptr) return false;
  const v1::Permission implied_by = value->options().GetExtension(v1::implied_by_chain_wide);
  return implied_by != v1::PERMISSION_UNSPECIFIED && implied_by != permission &&
         Holds(roles, implied_by, "", /*chain_wide=*/true);
}

absl::Status CheckPrincipalChange(const Identity& caller, const v1::Principal* before,
                                  const v1::Principal& after) {
  if (caller.on_behalf_of) return NotDelegated(caller);
  const v1::Principal& me = caller.principal;
  std::set<std::pair<int, std::string>> had, has;
  if (before != nullptr) {
    for (const v1::RoleBinding& b : before->roles()) had.emplace(b.role(), b.site_id());
  }
  for (const v1::RoleBinding& b : after.roles()) has.emplace(b.role(), b.site_id());

  std::vector<FieldViolation> violations;
  auto check_binding = [&](const v1::RoleBinding& binding, std::string field, const char* verb) {
    const std::vector<Need> missing = MissingToGrant(me, binding);
    if (missing.empty()) return;
    violations.push_back(
        {std::move(field),
         absl::StrCat(verb, " ", v1::Role_Name(binding.role()), " ", ScopeText(binding.site_id()),
                      " needs ", NeedsText(missing), ", which ", me.name(), " does not hold")});
  };
  for (int i = 0; i < after.roles_size(); ++i) {
    const v1::RoleBinding& binding = after.roles(i);
    if (had.count({binding.role(), binding.site_id()}) > 0) continue;
    check_binding(binding, absl::StrCat("principal.roles[", i, "]"), "granting");
  }
  if (before != nullptr) {
    for (const v1::RoleBinding& binding : before->roles()) {
      if (has.count({binding.role(), binding.site_id()}) > 0) continue;
      check_binding(binding, "principal.roles", "taking away");
    }
    auto check_control = [&](const char* field, const char* what) {
      const std::vector<Need> missing = MissingToControl(me, *before);
      if (missing.empty()) return;
      violations.push_back({field, absl::StrCat(what, " ", before->name(),
                                                " needs every administrative permission it holds, "
                                                "where it holds it; ",
                                                me.name(), " lacks ", NeedsText(missing))});
    };
    if (before->disabled() != after.disabled()) {
      check_control("principal.disabled", after.disabled() ? "disabling" : "enabling");
    }
    if (before->certificate_common_name() != after.certificate_common_name()) {
      check_control("principal.certificate_common_name", "changing the certificate of");
    }
  }
  if (violations.empty()) return absl::OkStatus();
  return Refused(violations);
}

absl::Status CheckMayControl(const Identity& caller, const v1::Principal& target,
                             absl::string_view field, absl::string_view what) {
  if (caller.on_behalf_of) return NotDelegated(caller);
  const std::vector<Need> missing = MissingToControl(caller.principal, target);
  if (missing.empty()) return absl::OkStatus();
  return Refused({{std::string(field),
                   absl::StrCat(what, " ", target.name(),
                                " needs every administrative permission it holds, where it holds "
                                "it; ",
                                caller.principal.name(), " lacks ", NeedsText(missing))}});
}

}  // namespace clinic::auth
