// Billing's invoice handlers: drafts and their lines, issuing, voiding,
// reading and listing.
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/storage/idempotency.h"
#include "common/storage/paging.h"
#include "services/billing/billing_names.h"
#include "services/billing/billing_service.h"
#include "services/billing/billing_validation.h"

namespace clinic::billing {
namespace {}  // namespace

absl::Status BillingService::CreateInvoice(const server::Call& call,
                                           const v1::CreateInvoiceRequest& request,
                                           v1::Invoice& response) {
  const v1::Invoice& invoice = request.invoice();
  std::vector<FieldViolation> violations;
  sites_.CheckSite(invoice.site_id(), "invoice.site_id", /*required=*/true, violations);
  if (!violations.empty()) return Violations(violations);
  absl::StatusOr<ResourceName> client = kClientName.Parse(invoice.client(), "invoice.client");
  if (!client.ok()) violations.push_back(GetFieldViolations(client.status()).front());
  ValidateText(invoice.notes(), "invoice.notes", /*required=*/false, kMaxNotesChars, violations);
  const SiteTerms site = Terms(invoice.site_id());
  std::vector<LineToAdd> lines =
      Lines(request.lines(), "lines", /*optional=*/true, site, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Invoice> created =
      store_->CreateInvoice(request, call.request_scope(), site, client->id("client_id"), lines);
  if (created.ok()) response = *std::move(created);
  return created.status();
}

absl::Status BillingService::GetInvoice(const server::Call& /*call*/,
                                        const v1::GetInvoiceRequest& request,
                                        v1::Invoice& response) {
  absl::StatusOr<ResourceName> ref = ParseSiteOwned(kInvoiceName, request.name(), "name", sites_);
  if (!ref.ok()) return ref.status();
  absl::StatusOr<v1::Invoice> invoice = store_->GetInvoice(ref->id("site_id"), ref->id("id"));
  if (invoice.ok()) response = *std::move(invoice);
  return invoice.status();
}

absl::Status BillingService::ListInvoices(const server::Call& /*call*/,
                                          const v1::ListInvoicesRequest& request,
                                          v1::ListInvoicesResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  std::string client_id;
  if (!request.client().empty()) {
    absl::StatusOr<ResourceName> client = kClientName.Parse(request.client(), "client");
    if (client.ok()) {
      client_id = client->id("client_id");
    } else {
      violations.push_back(GetFieldViolations(client.status()).front());
    }
  }
  if (!v1::InvoiceState_IsValid(request.state())) {
    violations.push_back({"state", absl::StrCat(request.state(), " is not an invoice state")});
  }
  storage::CheckPageSize(request.page_size(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ListInvoicesResponse> listed = store_->ListInvoices(request, client_id);
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

absl::Status BillingService::AddInvoiceLines(const server::Call& call,
                                             const v1::AddInvoiceLinesRequest& request,
                                             v1::Invoice& response) {
  absl::StatusOr<ResourceName> ref =
      ParseSiteOwned(kInvoiceName, request.invoice(), "invoice", sites_);
  if (!ref.ok()) return ref.status();
  std::vector<FieldViolation> violations;
  const SiteTerms site = Terms(ref->id("site_id"));
  std::vector<LineToAdd> lines =
      Lines(request.lines(), "lines", /*optional=*/false, site, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Invoice> invoice =
      store_->AddInvoiceLines(request, call.request_scope(), site, ref->id("id"), lines);
  if (invoice.ok()) response = *std::move(invoice);
  return invoice.status();
}

absl::Status BillingService::RemoveInvoiceLine(const server::Call& call,
                                               const v1::RemoveInvoiceLineRequest& request,
                                               v1::Invoice& response) {
  absl::StatusOr<ResourceName> ref =
      ParseSiteOwned(kInvoiceName, request.invoice(), "invoice", sites_);
  if (!ref.ok()) return ref.status();
  std::vector<FieldViolation> violations;
  if (request.line_id().empty()) violations.push_back({"line_id", "is required"});
  if (request.line_id().size() > 10) {
    violations.push_back({"line_id", absl::StrCat(Quote(request.line_id()), " is not a line id")});
  }
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Invoice> invoice = store_->RemoveInvoiceLine(
      request, call.request_scope(), ref->id("site_id"), ref->id("id"), absl::Now());
  if (invoice.ok()) response = *std::move(invoice);
  return invoice.status();
}

absl::Status BillingService::IssueInvoice(const server::Call& call,
                                          const v1::IssueInvoiceRequest& request,
                                          v1::Invoice& response) {
  absl::StatusOr<ResourceName> ref = ParseSiteOwned(kInvoiceName, request.name(), "name", sites_);
  if (!ref.ok()) return ref.status();
  std::vector<FieldViolation> violations;
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Invoice> invoice =
      store_->IssueInvoice(request, call.request_scope(), Terms(ref->id("site_id")), ref->id("id"));
  if (invoice.ok()) response = *std::move(invoice);
  return invoice.status();
}

absl::Status BillingService::VoidInvoice(const server::Call& call,
                                         const v1::VoidInvoiceRequest& request,
                                         v1::Invoice& response) {
  absl::StatusOr<ResourceName> ref = ParseSiteOwned(kInvoiceName, request.name(), "name", sites_);
  if (!ref.ok()) return ref.status();
  std::vector<FieldViolation> violations;
  ValidateText(request.reason(), "reason", /*required=*/true, kMaxReasonChars, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Invoice> invoice = store_->VoidInvoice(
      request, call.request_scope(), ref->id("site_id"), ref->id("id"), absl::Now());
  if (invoice.ok()) response = *std::move(invoice);
  return invoice.status();
}

}  // namespace clinic::billing
