#include "services/access/access_service.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/grant_rules.h"
#include "common/core/resource_name.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/server/principal.h"
#include "common/server/upstream.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"

namespace clinic::access {
namespace {

// A principal's id: 1 to 64 lowercase letters, digits, dots and hyphens,
// starting with a letter or digit.
bool IsPrincipalId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  if (!absl::ascii_islower(id[0]) && !absl::ascii_isdigit(id[0])) return false;
  for (char c : id) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '.' && c != '-') return false;
  }
  return true;
}

constexpr ResourcePattern kPrincipalNames[] = {
    {"staff/{id}", IsPrincipalId}, {"service/{id}", IsPrincipalId}, {"tool/{id}", IsPrincipalId}};
constexpr size_t kMaxDisplayName = 100;
constexpr size_t kMaxDescription = 200;
constexpr size_t kMaxCommonName = 200;
constexpr int kMaxRoles = 50;
const absl::Duration kMinTtl = absl::Minutes(1);
const absl::Duration kMaxTtl = absl::Hours(24 * 3650);

void ValidatePrincipalName(absl::string_view name, absl::string_view field,
                           std::vector<FieldViolation>& out) {
  if (name.empty()) {
    out.push_back({std::string(field), "is required, e.g. \"staff/jane-doe\""});
  } else if (!IsPrincipalName(name)) {
    out.push_back({std::string(field),
                   absl::StrCat(Quote(name),
                                " is not a principal name: use \"staff/...\", \"service/...\" or "
                                "\"tool/...\" followed by 1 to 64 lowercase letters, digits, "
                                "dots or hyphens")});
  }
}

v1::AccessToken ToProto(const auth::TokenInfo& info) { return auth::AccessTokenProto(info); }

void AddRequestId(absl::string_view request_id, bool required, std::vector<FieldViolation>& out) {
  if (absl::Status s = storage::ValidateRequestId(request_id, required); !s.ok()) {
    for (FieldViolation& v : GetFieldViolations(s)) out.push_back(std::move(v));
  }
}

}  // namespace

bool IsPrincipalName(absl::string_view name) {
  return std::any_of(std::begin(kPrincipalNames), std::end(kPrincipalNames),
                     [name](const ResourcePattern& pattern) { return pattern.Matches(name); });
}

void AccessService::ValidatePrincipal(const v1::Principal& principal, bool roles_sent,
                                      std::vector<FieldViolation>& out) const {
  ValidateText(principal.display_name(), "principal.display_name", false, kMaxDisplayName, out);
  if (principal.roles_size() > kMaxRoles) {
    out.push_back({"principal.roles",
                   absl::StrCat("has ", principal.roles_size(), " bindings; at most ", kMaxRoles)});
  }
  std::set<std::pair<int, std::string>> seen;
  for (int i = 0; i < principal.roles_size() && i < kMaxRoles; ++i) {
    const v1::RoleBinding& binding = principal.roles(i);
    const std::string field = absl::StrCat("principal.roles[", i, "]");
    if (binding.role() == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(binding.role())) {
      out.push_back(
          {field + ".role", absl::StrCat(binding.role(), " is not a role; see clinic.v1.Role")});
      continue;
    }
    sites_.CheckSite(binding.site_id(), field + ".site_id", /*required=*/false, out);
    if (roles_sent && !binding.site_id().empty() && sites_.Contains(binding.site_id()) &&
        auth::IsChainWideOnly(binding.role())) {
      // Only roles the request sets: a binding stored before the rule
      // existed must not stop its principal from being disabled.
      out.push_back(
          {field + ".site_id", absl::StrCat(v1::Role_Name(binding.role()),
                                            " is held chain-wide only; leave site_id empty")});
    }
    if (!seen.emplace(binding.role(), binding.site_id()).second) {
      out.push_back(
          {field, absl::StrCat(v1::Role_Name(binding.role()), " at ",
                               binding.site_id().empty() ? "every site" : Quote(binding.site_id()),
                               " is listed twice")});
    }
  }
  const std::string& common_name = principal.certificate_common_name();
  if (common_name.size() > kMaxCommonName) {
    out.push_back({"principal.certificate_common_name",
                   absl::StrCat("is ", common_name.size(), " bytes; at most ", kMaxCommonName)});
  } else {
    for (char c : common_name) {
      if (c < ' ' || c > '~') {
        out.push_back({"principal.certificate_common_name",
                       "must be printable ASCII, as in the certificate's subject"});
        break;
      }
    }
  }
}

AccessService::AccessService(auth::AccessStore& store, config::Sites sites,
                             size_t page_budget_bytes)
    : ServiceKit(/*threads=*/2, /*max_queued=*/256),
      store_(store),
      sites_(std::move(sites)),
      page_budget_bytes_(page_budget_bytes) {
  Handle("WhoAmI", &AccessService::WhoAmI, server::Runs::kInline);
  Handle("CreatePrincipal", &AccessService::CreatePrincipal);
  Handle("GetPrincipal", &AccessService::GetPrincipal);
  Handle("ListPrincipals", &AccessService::ListPrincipals);
  Handle("UpdatePrincipal", &AccessService::UpdatePrincipal);
  Handle("IssueToken", &AccessService::IssueToken);
  Handle("ListTokens", &AccessService::ListTokens);
  Handle("RevokeToken", &AccessService::RevokeToken);
}

absl::Status AccessService::WhoAmI(const server::Call& call, const v1::WhoAmIRequest& /*request*/,
                                   v1::WhoAmIResponse& response) {
  const auth::Identity& identity = call.identity();
  response.set_principal(identity.principal.name());
  if (identity.on_behalf_of) response.set_on_behalf_of(identity.on_behalf_of->name());
  *response.mutable_roles() = identity.effective().roles();
  response.set_authenticated_by(identity.authenticated_by);
  return absl::OkStatus();
}

absl::Status AccessService::CreatePrincipal(const server::Call& call,
                                            const v1::CreatePrincipalRequest& request,
                                            v1::Principal& response) {
  std::vector<FieldViolation> violations;
  if (!request.has_principal()) {
    violations.push_back({"principal", "is required"});
  } else {
    ValidatePrincipalName(request.principal().name(), "principal.name", violations);
    if (request.principal().name() == server::kInProcessPrincipal) {
      // The identity in-process calls carry; a stored principal of that name
      // would be indistinguishable from it in the audit trail.
      violations.push_back(
          {"principal.name", absl::StrCat(Quote(server::kInProcessPrincipal),
                                          " is reserved for calls inside a process")});
    }
    ValidatePrincipal(request.principal(), /*roles_sent=*/true, violations);
  }
  AddRequestId(request.request_id(), /*required=*/true, violations);
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  v1::Principal principal;
  principal.set_name(request.principal().name());
  principal.set_display_name(request.principal().display_name());
  *principal.mutable_roles() = request.principal().roles();
  principal.set_disabled(request.principal().disabled());
  principal.set_certificate_common_name(request.principal().certificate_common_name());
  // Before anything is written: who may give each of these roles.
  if (absl::Status allowed = auth::CheckPrincipalChange(call.identity(), nullptr, principal);
      !allowed.ok()) {
    return allowed;
  }
  absl::StatusOr<v1::Principal> created =
      store_.CreatePrincipal(request, call.request_scope(), principal, absl::Now());
  if (!created.ok()) return created.status();
  response = *std::move(created);
  return absl::OkStatus();
}

absl::Status AccessService::GetPrincipal(const server::Call& /*call*/,
                                         const v1::GetPrincipalRequest& request,
                                         v1::Principal& response) {
  std::vector<FieldViolation> violations;
  ValidatePrincipalName(request.name(), "name", violations);
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  absl::StatusOr<v1::Principal> found = store_.GetPrincipal(request.name());
  if (!found.ok()) return found.status();
  response = *std::move(found);
  return absl::OkStatus();
}

absl::Status AccessService::ListPrincipals(const server::Call& /*call*/,
                                           const v1::ListPrincipalsRequest& request,
                                           v1::ListPrincipalsResponse& response) {
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(store_.page_tokens(), "ListPrincipals", request);
  if (!page.ok()) return page.status();
  absl::StatusOr<std::vector<v1::Principal>> principals =
      store_.ListPrincipals(page->cursor(), page->fetch_limit());
  if (!principals.ok()) return principals.status();
  storage::PageBuilder builder(*page, page_budget_bytes_);
  for (v1::Principal& principal : *principals) {
    if (!builder.Offer(principal, principal.name())) break;
    *response.add_principals() = std::move(principal);
  }
  response.set_next_page_token(builder.next_page_token());
  return absl::OkStatus();
}

absl::Status AccessService::UpdatePrincipal(const server::Call& call,
                                            const v1::UpdatePrincipalRequest& request,
                                            v1::Principal& response) {
  std::vector<FieldViolation> violations;
  ValidatePrincipalName(request.principal().name(), "principal.name", violations);
  if (request.principal().etag().empty()) {
    violations.push_back({"principal.etag", "is required; read the principal first"});
  }
  if (request.update_mask().paths().empty()) {
    violations.push_back(
        {"update_mask", "is required: name the fields to change, e.g. \"roles\", or \"*\""});
  }
  bool display_name = false, roles = false, disabled = false, common_name = false;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "*") {
      display_name = roles = disabled = common_name = true;
    } else if (path == "display_name") {
      display_name = true;
    } else if (path == "roles") {
      roles = true;
    } else if (path == "disabled") {
      disabled = true;
    } else if (path == "certificate_common_name") {
      common_name = true;
    } else {
      violations.push_back(
          {"update_mask", absl::StrCat(Quote(path),
                                       " cannot be changed; use display_name, roles, "
                                       "disabled, certificate_common_name or *")});
    }
  }
  AddRequestId(request.request_id(), /*required=*/false, violations);
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  // Applied to the stored principal inside the store's transaction, after
  // its etag check (and after a retry's replay), so the grant rules compare
  // against exactly the version this update replaces.
  auto change = [&](const v1::Principal& current) -> absl::StatusOr<v1::Principal> {
    v1::Principal updated = current;
    if (display_name) updated.set_display_name(request.principal().display_name());
    if (roles) *updated.mutable_roles() = request.principal().roles();
    if (disabled) updated.set_disabled(request.principal().disabled());
    if (common_name) {
      updated.set_certificate_common_name(request.principal().certificate_common_name());
    }
    std::vector<FieldViolation> invalid_fields;
    ValidatePrincipal(updated, roles, invalid_fields);
    if (absl::Status invalid = Violations(invalid_fields); !invalid.ok()) return invalid;
    if (absl::Status allowed = auth::CheckPrincipalChange(call.identity(), &current, updated);
        !allowed.ok()) {
      return allowed;
    }
    return updated;
  };
  absl::StatusOr<v1::Principal> stored =
      store_.UpdatePrincipal(request, call.request_scope(), change, absl::Now());
  if (!stored.ok()) return stored.status();
  response = *std::move(stored);
  return absl::OkStatus();
}

absl::Status AccessService::IssueToken(const server::Call& call,
                                       const v1::IssueTokenRequest& request,
                                       v1::IssueTokenResponse& response) {
  std::vector<FieldViolation> violations;
  ValidatePrincipalName(request.principal(), "principal", violations);
  ValidateText(request.description(), "description", true, kMaxDescription, violations);
  absl::Duration ttl = absl::ZeroDuration();
  if (request.has_ttl()) {
    ttl = CheckDuration(request.ttl(), kMinTtl, kMaxTtl,
                        "at least 1 minute, at most 3650 days; leave it unset for a token that "
                        "does not expire",
                        "ttl", violations)
              .value_or(absl::ZeroDuration());
  }
  AddRequestId(request.request_id(), /*required=*/true, violations);
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  // A token lets its bearer act as the principal: the caller must hold all
  // the administrative power the principal has.
  auto may_issue = [&](const v1::Principal& holder) {
    return auth::CheckMayControl(call.identity(), holder, "principal", "issuing a token for");
  };
  absl::StatusOr<auth::IssuedToken> issued =
      store_.Issue(request, call.request_scope(), ttl, absl::Now(), may_issue);
  if (!issued.ok()) return issued.status();
  *response.mutable_token() = ToProto(issued->info);
  response.set_secret(issued->secret);
  return absl::OkStatus();
}

absl::Status AccessService::ListTokens(const server::Call& /*call*/,
                                       const v1::ListTokensRequest& request,
                                       v1::ListTokensResponse& response) {
  std::vector<FieldViolation> violations;
  if (!request.principal().empty()) {
    ValidatePrincipalName(request.principal(), "principal", violations);
  }
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  absl::StatusOr<storage::PageRequest> page =
      storage::StartPage(store_.page_tokens(), "ListTokens", request);
  if (!page.ok()) return page.status();
  if (!page->first_page() && !storage::IsWellFormedId(page->cursor())) {
    return storage::BadPageToken();
  }
  absl::StatusOr<std::vector<auth::TokenInfo>> tokens =
      store_.ListTokens(request.principal(), page->cursor(), page->fetch_limit());
  if (!tokens.ok()) return tokens.status();
  storage::PageBuilder builder(*page, page_budget_bytes_);
  for (const auth::TokenInfo& info : *tokens) {
    v1::AccessToken token = ToProto(info);
    if (!builder.Offer(token, info.token_id)) break;
    *response.add_tokens() = std::move(token);
  }
  response.set_next_page_token(builder.next_page_token());
  return absl::OkStatus();
}

absl::Status AccessService::RevokeToken(const server::Call& /*call*/,
                                        const v1::RevokeTokenRequest& request,
                                        v1::AccessToken& response) {
  absl::StatusOr<ResourceName> name = auth::kTokenName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<auth::TokenInfo> revoked = store_.Revoke(name->id("id"), absl::Now());
  if (!revoked.ok()) return revoked.status();
  response = ToProto(*revoked);
  return absl::OkStatus();
}

server::ServiceFactory AccessFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    return std::make_unique<AccessService>(context.access, config::Sites(context.config),
                                           storage::PageBudgetBytes(context.config));
  };
}

server::ServiceFactory AuditFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    return std::make_unique<AuditService>(context.audit, context.access.page_tokens(),
                                          storage::PageBudgetBytes(context.config));
  };
}

}  // namespace clinic::access
