// Billing's payment handlers: payments, refunds and credit notes.
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/storage/idempotency.h"
#include "common/storage/paging.h"
#include "services/billing/billing_math.h"
#include "services/billing/billing_names.h"
#include "services/billing/billing_service.h"
#include "services/billing/billing_validation.h"

namespace clinic::billing {
namespace {

// The largest payment: a whole invoice of the largest lines.
constexpr int64_t kMaxPaymentMinor = kMaxUnitPriceMinor * kMaxQuantity * kMaxLines;

// An optional filter naming one of the site's invoices: its id, or "".
std::string InvoiceFilter(absl::string_view invoice, absl::string_view site_id,
                          std::vector<FieldViolation>& out) {
  if (invoice.empty()) return "";
  absl::StatusOr<ResourceName> name = kInvoiceName.Parse(invoice, "invoice");
  if (!name.ok()) {
    out.push_back(GetFieldViolations(name.status()).front());
    return "";
  }
  if (name->id("site_id") != site_id) {
    out.push_back({"invoice", "is an invoice of another site than site_id"});
    return "";
  }
  return name->id("id");
}

}  // namespace

absl::Status BillingService::RecordPayment(const server::Call& call,
                                           const v1::RecordPaymentRequest& request,
                                           v1::Payment& response) {
  absl::StatusOr<ResourceName> invoice =
      ParseSiteOwned(kInvoiceName, request.invoice(), "invoice", sites_);
  if (!invoice.ok()) return invoice.status();
  std::vector<FieldViolation> violations;
  PaymentToRecord payment;
  payment.site_id = invoice->id("site_id");
  payment.invoice_id = invoice->id("id");
  payment.request = request;
  const v1::PaymentMethod method = request.method();
  if (!v1::PaymentMethod_IsValid(method) || method == v1::PAYMENT_METHOD_UNSPECIFIED) {
    violations.push_back({"method",
                          "is required: card, cash, bank transfer, gift card or package "
                          "credit"});
  }
  ValidateText(request.reference(), "reference",
               method == v1::PAYMENT_METHOD_BANK_TRANSFER || method == v1::PAYMENT_METHOD_GIFT_CARD,
               kMaxReferenceChars, violations);
  // The currency is the invoice's, which the store compares; here only the
  // amount's range.
  if (method == v1::PAYMENT_METHOD_PACKAGE_CREDIT) {
    absl::StatusOr<ResourceName> package = kPackageName.Parse(request.package(), "package");
    if (package.ok()) {
      payment.package_client_id = package->id("client_id");
      payment.package_id = package->id("id");
    } else {
      violations.push_back(GetFieldViolations(package.status()).front());
    }
    if (request.line_id().empty()) {
      violations.push_back({"line_id", "is required: the treatment line the package pays"});
    }
  } else {
    if (!request.package().empty()) {
      violations.push_back({"package", "is only for a package credit"});
    }
    if (!request.line_id().empty()) {
      violations.push_back({"line_id", "is only for a package credit"});
    }
    const int64_t amount = request.amount().amount_minor();
    if (amount < 1 || amount > kMaxPaymentMinor) {
      violations.push_back(
          {"amount.amount_minor",
           absl::StrCat("must be above zero and at most ", kMaxPaymentMinor, ", got ", amount)});
    }
  }
  if (request.has_amount() && request.amount().currency_code().empty()) {
    violations.push_back({"amount.currency_code", "is required: the invoice's currency"});
  }
  if (request.line_id().size() > 10) {
    violations.push_back({"line_id", absl::StrCat(Quote(request.line_id()), " is not a line id")});
  }
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Payment> recorded =
      store_->RecordPayment(payment, call.request_scope(), absl::Now());
  if (recorded.ok()) response = *std::move(recorded);
  return recorded.status();
}

absl::Status BillingService::RefundPayment(const server::Call& call,
                                           const v1::RefundPaymentRequest& request,
                                           v1::Refund& response) {
  absl::StatusOr<ResourceName> payment =
      ParseSiteOwned(kPaymentName, request.payment(), "payment", sites_);
  if (!payment.ok()) return payment.status();
  std::vector<FieldViolation> violations;
  const int64_t amount = request.amount().amount_minor();
  if (amount < 1 || amount > kMaxPaymentMinor) {
    violations.push_back({"amount.amount_minor", absl::StrCat("must be above zero and at most ",
                                                              kMaxPaymentMinor, ", got ", amount)});
  }
  if (request.amount().currency_code().empty()) {
    violations.push_back({"amount.currency_code", "is required: the payment's currency"});
  }
  ValidateText(request.reason(), "reason", /*required=*/true, kMaxReasonChars, violations);
  CheckCreditLines(request.lines(), "lines", /*optional=*/true, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Refund> refund = store_->RefundPayment(
      request, call.request_scope(), Terms(payment->id("site_id")), payment->id("id"));
  if (refund.ok()) response = *std::move(refund);
  return refund.status();
}

absl::Status BillingService::GetPayment(const server::Call& /*call*/,
                                        const v1::GetPaymentRequest& request,
                                        v1::Payment& response) {
  absl::StatusOr<ResourceName> name = ParseSiteOwned(kPaymentName, request.name(), "name", sites_);
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::Payment> payment = store_->GetPayment(name->id("site_id"), name->id("id"));
  if (payment.ok()) response = *std::move(payment);
  return payment.status();
}

absl::Status BillingService::ListPayments(const server::Call& /*call*/,
                                          const v1::ListPaymentsRequest& request,
                                          v1::ListPaymentsResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  const std::string invoice_id = InvoiceFilter(request.invoice(), request.site_id(), violations);
  storage::CheckPageSize(request.page_size(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ListPaymentsResponse> listed = store_->ListPayments(request, invoice_id);
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

absl::Status BillingService::IssueCreditNote(const server::Call& call,
                                             const v1::IssueCreditNoteRequest& request,
                                             v1::CreditNote& response) {
  absl::StatusOr<ResourceName> invoice =
      ParseSiteOwned(kInvoiceName, request.invoice(), "invoice", sites_);
  if (!invoice.ok()) return invoice.status();
  std::vector<FieldViolation> violations;
  CheckCreditLines(request.lines(), "lines", /*optional=*/false, violations);
  ValidateText(request.reason(), "reason", /*required=*/true, kMaxReasonChars, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::CreditNote> note = store_->IssueCreditNote(
      request, call.request_scope(), Terms(invoice->id("site_id")), invoice->id("id"));
  if (note.ok()) response = *std::move(note);
  return note.status();
}

absl::Status BillingService::GetCreditNote(const server::Call& /*call*/,
                                           const v1::GetCreditNoteRequest& request,
                                           v1::CreditNote& response) {
  absl::StatusOr<ResourceName> name =
      ParseSiteOwned(kCreditNoteName, request.name(), "name", sites_);
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::CreditNote> note = store_->GetCreditNote(name->id("site_id"), name->id("id"));
  if (note.ok()) response = *std::move(note);
  return note.status();
}

absl::Status BillingService::ListCreditNotes(const server::Call& /*call*/,
                                             const v1::ListCreditNotesRequest& request,
                                             v1::ListCreditNotesResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  const std::string invoice_id = InvoiceFilter(request.invoice(), request.site_id(), violations);
  storage::CheckPageSize(request.page_size(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ListCreditNotesResponse> listed = store_->ListCreditNotes(request, invoice_id);
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

}  // namespace clinic::billing
