#include "services/access/access_service.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/paging.h"
#include "common/core/resource_name.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/server/principal.h"
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

absl::Status Violations(const std::vector<FieldViolation>& violations) {
  if (violations.empty()) return absl::OkStatus();
  return FieldViolations(absl::StatusCode::kInvalidArgument, "", violations);
}

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

v1::AccessToken ToProto(const auth::TokenInfo& info) {
  v1::AccessToken token;
  token.set_name(auth::kTokenName.Format(info.token_id));
  token.set_principal(info.principal);
  token.set_description(info.description);
  *token.mutable_create_time() = ToTimestampMillis(info.create_time);
  if (info.expire_time) *token.mutable_expire_time() = ToTimestampMillis(*info.expire_time);
  if (info.revoke_time) *token.mutable_revoke_time() = ToTimestampMillis(*info.revoke_time);
  return token;
}

class Hosted : public server::HostedService {
 public:
  Hosted(absl::string_view name, std::unique_ptr<grpc::Service> service)
      : name_(name), service_(std::move(service)) {}
  absl::string_view full_name() const override { return name_; }
  grpc::Service* service() override { return service_.get(); }

 private:
  std::string name_;
  std::unique_ptr<grpc::Service> service_;
};

}  // namespace

size_t PageBudgetBytes(const config::v1::ServerConfig& config) {
  const int64_t max_message = config.server().max_message_bytes() > 0
                                  ? config.server().max_message_bytes()
                                  : int64_t{4} << 20;
  return static_cast<size_t>(std::min<int64_t>(int64_t{1} << 20, max_message / 2));
}

bool PageFiller::Fits(const google::protobuf::Message& item) {
  // The item's bytes, its tag and its length prefix.
  const size_t size = item.ByteSizeLong() + 6;
  if (used_ > 0 && used_ + size > budget_) return false;
  used_ += size;
  return true;
}

bool IsPrincipalName(absl::string_view name) {
  return std::any_of(std::begin(kPrincipalNames), std::end(kPrincipalNames),
                     [name](const ResourcePattern& pattern) { return pattern.Matches(name); });
}

void AccessService::ValidatePrincipal(const v1::Principal& principal,
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

grpc::ServerUnaryReactor* AccessService::WhoAmI(grpc::CallbackServerContext* context,
                                                const v1::WhoAmIRequest* /*request*/,
                                                v1::WhoAmIResponse* response) {
  return server::RunInline(context, [context, response] {
    std::shared_ptr<const server::CallRecord> call = server::AdmittedCall(*context);
    if (call == nullptr) return absl::PermissionDeniedError("the call was not admitted");
    response->set_principal(call->identity.principal.name());
    if (call->identity.on_behalf_of) {
      response->set_on_behalf_of(call->identity.on_behalf_of->name());
    }
    *response->mutable_roles() = call->identity.effective().roles();
    response->set_authenticated_by(call->identity.authenticated_by);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccessService::CreatePrincipal(grpc::CallbackServerContext* context,
                                                         const v1::CreatePrincipalRequest* request,
                                                         v1::Principal* response) {
  return server::RunBlocking(
      pool_, context, [this, request, response] { return DoCreatePrincipal(*request, response); });
}

absl::Status AccessService::DoCreatePrincipal(const v1::CreatePrincipalRequest& request,
                                              v1::Principal* response) {
  std::vector<FieldViolation> violations;
  if (!request.has_principal()) {
    return InvalidField("principal", "is required");
  }
  ValidatePrincipalName(request.principal().name(), "principal.name", violations);
  ValidatePrincipal(request.principal(), violations);
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  v1::Principal principal;
  principal.set_name(request.principal().name());
  principal.set_display_name(request.principal().display_name());
  *principal.mutable_roles() = request.principal().roles();
  principal.set_disabled(request.principal().disabled());
  principal.set_certificate_common_name(request.principal().certificate_common_name());
  absl::StatusOr<v1::Principal> created = store_.CreatePrincipal(principal, absl::Now());
  if (!created.ok()) return created.status();
  *response = *std::move(created);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AccessService::GetPrincipal(grpc::CallbackServerContext* context,
                                                      const v1::GetPrincipalRequest* request,
                                                      v1::Principal* response) {
  return server::RunBlocking(pool_, context, [this, request, response]() -> absl::Status {
    std::vector<FieldViolation> violations;
    ValidatePrincipalName(request->name(), "name", violations);
    if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
    absl::StatusOr<v1::Principal> found = store_.GetPrincipal(request->name());
    if (!found.ok()) return found.status();
    *response = *std::move(found);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AccessService::ListPrincipals(grpc::CallbackServerContext* context,
                                                        const v1::ListPrincipalsRequest* request,
                                                        v1::ListPrincipalsResponse* response) {
  return server::RunBlocking(
      pool_, context, [this, request, response] { return DoListPrincipals(*request, response); });
}

absl::Status AccessService::DoListPrincipals(const v1::ListPrincipalsRequest& request,
                                             v1::ListPrincipalsResponse* response) {
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> after =
      store_.page_tokens().Decode("ListPrincipals", "", request.page_token());
  if (!after.ok()) return after.status();
  absl::StatusOr<std::vector<v1::Principal>> page = store_.ListPrincipals(*after, *size + 1);
  if (!page.ok()) return page.status();
  PageFiller filler(page_budget_bytes_);
  for (int i = 0; i < static_cast<int>(page->size()); ++i) {
    const v1::Principal& principal = (*page)[i];
    if (i == *size || !filler.Fits(principal)) {
      response->set_next_page_token(
          store_.page_tokens().Encode("ListPrincipals", "", (*page)[i - 1].name()));
      break;
    }
    *response->add_principals() = principal;
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AccessService::UpdatePrincipal(grpc::CallbackServerContext* context,
                                                         const v1::UpdatePrincipalRequest* request,
                                                         v1::Principal* response) {
  return server::RunBlocking(
      pool_, context, [this, request, response] { return DoUpdatePrincipal(*request, response); });
}

absl::Status AccessService::DoUpdatePrincipal(const v1::UpdatePrincipalRequest& request,
                                              v1::Principal* response) {
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
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  absl::StatusOr<v1::Principal> current = store_.GetPrincipal(request.principal().name());
  if (!current.ok()) return current.status();
  v1::Principal updated = *current;
  if (display_name) updated.set_display_name(request.principal().display_name());
  if (roles) *updated.mutable_roles() = request.principal().roles();
  if (disabled) updated.set_disabled(request.principal().disabled());
  if (common_name) {
    updated.set_certificate_common_name(request.principal().certificate_common_name());
  }
  ValidatePrincipal(updated, violations);
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  absl::StatusOr<v1::Principal> stored =
      store_.UpdatePrincipal(updated, request.principal().etag(), absl::Now());
  if (!stored.ok()) return stored.status();
  *response = *std::move(stored);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AccessService::IssueToken(grpc::CallbackServerContext* context,
                                                    const v1::IssueTokenRequest* request,
                                                    v1::IssueTokenResponse* response) {
  return server::RunBlocking(
      pool_, context, [this, request, response] { return DoIssueToken(*request, response); });
}

absl::Status AccessService::DoIssueToken(const v1::IssueTokenRequest& request,
                                         v1::IssueTokenResponse* response) {
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
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  absl::StatusOr<auth::IssuedToken> issued =
      store_.Issue(request.principal(), request.description(), ttl, absl::Now());
  if (!issued.ok()) return issued.status();
  *response->mutable_token() = ToProto(issued->info);
  response->set_secret(issued->secret);
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AccessService::ListTokens(grpc::CallbackServerContext* context,
                                                    const v1::ListTokensRequest* request,
                                                    v1::ListTokensResponse* response) {
  return server::RunBlocking(
      pool_, context, [this, request, response] { return DoListTokens(*request, response); });
}

absl::Status AccessService::DoListTokens(const v1::ListTokensRequest& request,
                                         v1::ListTokensResponse* response) {
  std::vector<FieldViolation> violations;
  if (!request.principal().empty()) {
    ValidatePrincipalName(request.principal(), "principal", violations);
  }
  if (absl::Status invalid = Violations(violations); !invalid.ok()) return invalid;
  absl::StatusOr<int> size = NormalizePageSize(request.page_size());
  if (!size.ok()) return size.status();
  absl::StatusOr<std::string> before =
      store_.page_tokens().Decode("ListTokens", request.principal(), request.page_token());
  if (!before.ok()) return before.status();
  if (!before->empty() && !storage::IsWellFormedId(*before)) {
    return InvalidField("page_token", "is not a token returned by this method for this query");
  }
  absl::StatusOr<std::vector<auth::TokenInfo>> page =
      store_.ListTokens(request.principal(), *before, *size + 1);
  if (!page.ok()) return page.status();
  PageFiller filler(page_budget_bytes_);
  for (int i = 0; i < static_cast<int>(page->size()); ++i) {
    v1::AccessToken token = ToProto((*page)[i]);
    if (i == *size || !filler.Fits(token)) {
      response->set_next_page_token(
          store_.page_tokens().Encode("ListTokens", request.principal(), (*page)[i - 1].token_id));
      break;
    }
    *response->add_tokens() = std::move(token);
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* AccessService::RevokeToken(grpc::CallbackServerContext* context,
                                                     const v1::RevokeTokenRequest* request,
                                                     v1::AccessToken* response) {
  return server::RunBlocking(pool_, context, [this, request, response]() -> absl::Status {
    absl::StatusOr<ResourceName> name = auth::kTokenName.Parse(request->name(), "name");
    if (!name.ok()) return name.status();
    absl::StatusOr<auth::TokenInfo> revoked = store_.Revoke(name->id("id"), absl::Now());
    if (!revoked.ok()) return revoked.status();
    *response = ToProto(*revoked);
    return absl::OkStatus();
  });
}

server::ServiceFactory AccessFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    return std::make_unique<Hosted>(
        "clinic.v1.Access",
        std::make_unique<AccessService>(context.access, config::Sites(context.config),
                                        PageBudgetBytes(context.config)));
  };
}

server::ServiceFactory AuditFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    return std::make_unique<Hosted>(
        "clinic.v1.Audit",
        std::make_unique<AuditService>(context.audit, context.access.page_tokens(),
                                       PageBudgetBytes(context.config)));
  };
}

}  // namespace clinic::access
