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
#include "common/server/work_pool.h"
#include "common/storage/page_tokens.h"

namespace clinic::access {

// How many bytes of items a page of Access or Audit may carry: well under
// server.max_message_bytes (half of it, at most 1 MiB), so a page always
// fits in a response and the rest follows with next_page_token.
size_t PageBudgetBytes(const config::v1::ServerConfig& config);

// Counts the items of a page against the budget. The first item always fits,
// so a page is never empty while items remain.
class PageFiller {
 public:
  explicit PageFiller(size_t budget) : budget_(budget) {}
  // Whether `item` still fits; when it does, it is counted.
  bool Fits(const google::protobuf::Message& item);

 private:
  size_t budget_;
  size_t used_ = 0;
};

class AccessService final : public v1::Access::CallbackService {
 public:
  AccessService(auth::AccessStore& store, config::Sites sites, size_t page_budget_bytes)
      : store_(store), sites_(std::move(sites)), page_budget_bytes_(page_budget_bytes) {}

  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::WhoAmIResponse* response) override;
  grpc::ServerUnaryReactor* CreatePrincipal(grpc::CallbackServerContext* context,
                                            const v1::CreatePrincipalRequest* request,
                                            v1::Principal* response) override;
  grpc::ServerUnaryReactor* GetPrincipal(grpc::CallbackServerContext* context,
                                         const v1::GetPrincipalRequest* request,
                                         v1::Principal* response) override;
  grpc::ServerUnaryReactor* ListPrincipals(grpc::CallbackServerContext* context,
                                           const v1::ListPrincipalsRequest* request,
                                           v1::ListPrincipalsResponse* response) override;
  grpc::ServerUnaryReactor* UpdatePrincipal(grpc::CallbackServerContext* context,
                                            const v1::UpdatePrincipalRequest* request,
                                            v1::Principal* response) override;
  grpc::ServerUnaryReactor* IssueToken(grpc::CallbackServerContext* context,
                                       const v1::IssueTokenRequest* request,
                                       v1::IssueTokenResponse* response) override;
  grpc::ServerUnaryReactor* ListTokens(grpc::CallbackServerContext* context,
                                       const v1::ListTokensRequest* request,
                                       v1::ListTokensResponse* response) override;
  grpc::ServerUnaryReactor* RevokeToken(grpc::CallbackServerContext* context,
                                        const v1::RevokeTokenRequest* request,
                                        v1::AccessToken* response) override;

 private:
  absl::Status DoCreatePrincipal(const v1::CreatePrincipalRequest& request,
                                 v1::Principal* response);
  absl::Status DoUpdatePrincipal(const v1::UpdatePrincipalRequest& request,
                                 v1::Principal* response);
  absl::Status DoIssueToken(const v1::IssueTokenRequest& request, v1::IssueTokenResponse* response);
  absl::Status DoListTokens(const v1::ListTokensRequest& request, v1::ListTokensResponse* response);
  absl::Status DoListPrincipals(const v1::ListPrincipalsRequest& request,
                                v1::ListPrincipalsResponse* response);

  // Checks every settable field of a principal.
  void ValidatePrincipal(const v1::Principal& principal, std::vector<FieldViolation>& out) const;

  auth::AccessStore& store_;
  config::Sites sites_;
  size_t page_budget_bytes_;
  server::WorkPool pool_{2, /*max_queued=*/256};
};

class AuditService final : public v1::Audit::CallbackService {
 public:
  AuditService(audit::AuditLog& log, const storage::PageTokens& page_tokens,
               size_t page_budget_bytes)
      : log_(log), page_tokens_(page_tokens), page_budget_bytes_(page_budget_bytes) {}

  grpc::ServerUnaryReactor* ListAuditEvents(grpc::CallbackServerContext* context,
                                            const v1::ListAuditEventsRequest* request,
                                            v1::ListAuditEventsResponse* response) override;
  grpc::ServerUnaryReactor* VerifyAuditLog(grpc::CallbackServerContext* context,
                                           const v1::VerifyAuditLogRequest* request,
                                           v1::VerifyAuditLogResponse* response) override;

 private:
  absl::Status DoListAuditEvents(const v1::ListAuditEventsRequest& request,
                                 v1::ListAuditEventsResponse* response);

  audit::AuditLog& log_;
  const storage::PageTokens& page_tokens_;
  size_t page_budget_bytes_;
  // Verification reads the whole trail; one at a time is plenty.
  server::WorkPool pool_{2, /*max_queued=*/64};
};

// The factories a main passes to RunServerMain.
server::ServiceFactory AccessFactory();
server::ServiceFactory AuditFactory();

// "{kind}/{id}" with kind staff, service or tool and id 1 to 64 lowercase
// letters, digits, dots and hyphens starting with a letter or digit.
bool IsPrincipalName(absl::string_view name);

}  // namespace clinic::access

#endif  // CLINIC_SERVICES_ACCESS_ACCESS_SERVICE_H_
