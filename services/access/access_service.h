// The Access and Audit services, hosted by every Clinic Core process next
// to the treatment catalog: principals, roles and tokens in the process's
// access database, and the audit trail it writes.
#ifndef CLINIC_SERVICES_ACCESS_ACCESS_SERVICE_H_
#define CLINIC_SERVICES_ACCESS_ACCESS_SERVICE_H_

#include <set>
#include <string>
#include <vector>

#include "clinic/config/v1/server_config.pb.h"
#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "common/config/sites.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "common/server/service_kit.h"
#include "common/storage/paging.h"

namespace clinic::access {

class AccessService final : public server::ServiceKit<v1::Access> {
 public:
  AccessService(auth::AccessStore& store, config::Sites sites, size_t page_budget_bytes);

 private:
  absl::Status WhoAmI(const server::Call& call, const v1::WhoAmIRequest& request,
                      v1::WhoAmIResponse& response);
  absl::Status CreatePrincipal(const server::Call& call, const v1::CreatePrincipalRequest& request,
                               v1::Principal& response);
  absl::Status GetPrincipal(const server::Call& call, const v1::GetPrincipalRequest& request,
                            v1::Principal& response);
  absl::Status ListPrincipals(const server::Call& call, const v1::ListPrincipalsRequest& request,
                              v1::ListPrincipalsResponse& response);
  absl::Status UpdatePrincipal(const server::Call& call, const v1::UpdatePrincipalRequest& request,
                               v1::Principal& response);
  absl::Status IssueToken(const server::Call& call, const v1::IssueTokenRequest& request,
                          v1::IssueTokenResponse& response);
  absl::Status ListTokens(const server::Call& call, const v1::ListTokensRequest& request,
                          v1::ListTokensResponse& response);
  absl::Status RevokeToken(const server::Call& call, const v1::RevokeTokenRequest& request,
                           v1::AccessToken& response);

  // Checks every settable field of a principal. `roles_sent`: the request
  // sets the roles, so each binding must also be one that may be made now
  // (a chain-wide-only role bound to a site may not).
  void ValidatePrincipal(const v1::Principal& principal, bool roles_sent,
                         std::vector<FieldViolation>& out) const;

  auth::AccessStore& store_;
  config::Sites sites_;
  size_t page_budget_bytes_;
};

class AuditService final : public server::ServiceKit<v1::Audit> {
 public:
  AuditService(audit::AuditLog& log, const storage::PageTokens& page_tokens,
               size_t page_budget_bytes);

 private:
  absl::Status ListAuditEvents(const server::Call& call, const v1::ListAuditEventsRequest& request,
                               v1::ListAuditEventsResponse& response);
  absl::Status VerifyAuditLog(const server::Call& call, const v1::VerifyAuditLogRequest& request,
                              v1::VerifyAuditLogResponse& response);

  audit::AuditLog& log_;
  const storage::PageTokens& page_tokens_;
  size_t page_budget_bytes_;
};

// The factories a main passes to RunServerMain.
server::ServiceFactory AccessFactory();
server::ServiceFactory AuditFactory();

// "{kind}/{id}" with kind staff, service or tool and id 1 to 64 lowercase
// letters, digits, dots and hyphens starting with a letter or digit.
bool IsPrincipalName(absl::string_view name);

}  // namespace clinic::access

#endif  // CLINIC_SERVICES_ACCESS_ACCESS_SERVICE_H_
