// The Billing gRPC service: each site's prices and tax rates, invoices with
// gap-free numbers, payments, refunds and credit notes, packages of
// sessions, the charge of a treatment, and the accounts and reports a clinic
// runs on. docs/billing.md describes the arithmetic, states and numbering.
#ifndef CLINIC_SERVICES_BILLING_BILLING_SERVICE_H_
#define CLINIC_SERVICES_BILLING_BILLING_SERVICE_H_

#include <memory>
#include <string>

#include "clinic/v1/billing.grpc.pb.h"
#include "common/config/sites.h"
#include "common/plugins/plugin_host.h"
#include "common/server/server.h"
#include "common/server/service_kit.h"
#include "services/billing/billing_store.h"

namespace clinic::billing {

class BillingService final : public server::ServiceKit<v1::Billing> {
 public:
  // `plugins` gives the treatment definitions prices and charges name.
  BillingService(std::unique_ptr<BillingStore> store, config::Sites sites,
                 plugins::PluginHost& plugins);

  // What the service knows of a site at `now`: its currency, tax settings,
  // invoice prefix and calendar. The site must be one of `sites`.
  static SiteTerms TermsOf(const config::Sites& sites, absl::string_view site_id, absl::Time now);

 private:
  // billing_service.cc: tax rates, prices and package plans.
  absl::Status SetTaxRate(const server::Call& call, const v1::SetTaxRateRequest& request,
                          v1::TaxRate& response);
  absl::Status ListTaxRates(const server::Call& call, const v1::ListTaxRatesRequest& request,
                            v1::ListTaxRatesResponse& response);
  absl::Status SetPrice(const server::Call& call, const v1::SetPriceRequest& request,
                        v1::Price& response);
  absl::Status ListPrices(const server::Call& call, const v1::ListPricesRequest& request,
                          v1::ListPricesResponse& response);
  absl::Status CreatePackagePlan(const server::Call& call,
                                 const v1::CreatePackagePlanRequest& request,
                                 v1::PackagePlan& response);
  absl::Status ListPackagePlans(const server::Call& call,
                                const v1::ListPackagePlansRequest& request,
                                v1::ListPackagePlansResponse& response);

  // invoice_service.cc: invoices.
  absl::Status CreateInvoice(const server::Call& call, const v1::CreateInvoiceRequest& request,
                             v1::Invoice& response);
  absl::Status GetInvoice(const server::Call& call, const v1::GetInvoiceRequest& request,
                          v1::Invoice& response);
  absl::Status ListInvoices(const server::Call& call, const v1::ListInvoicesRequest& request,
                            v1::ListInvoicesResponse& response);
  absl::Status AddInvoiceLines(const server::Call& call, const v1::AddInvoiceLinesRequest& request,
                               v1::Invoice& response);
  absl::Status RemoveInvoiceLine(const server::Call& call,
                                 const v1::RemoveInvoiceLineRequest& request,
                                 v1::Invoice& response);
  absl::Status IssueInvoice(const server::Call& call, const v1::IssueInvoiceRequest& request,
                            v1::Invoice& response);
  absl::Status VoidInvoice(const server::Call& call, const v1::VoidInvoiceRequest& request,
                           v1::Invoice& response);

  // payment_service.cc: payments, refunds and credit notes.
  absl::Status RecordPayment(const server::Call& call, const v1::RecordPaymentRequest& request,
                             v1::Payment& response);
  absl::Status RefundPayment(const server::Call& call, const v1::RefundPaymentRequest& request,
                             v1::Refund& response);
  absl::Status GetPayment(const server::Call& call, const v1::GetPaymentRequest& request,
                          v1::Payment& response);
  absl::Status ListPayments(const server::Call& call, const v1::ListPaymentsRequest& request,
                            v1::ListPaymentsResponse& response);
  absl::Status IssueCreditNote(const server::Call& call, const v1::IssueCreditNoteRequest& request,
                               v1::CreditNote& response);
  absl::Status GetCreditNote(const server::Call& call, const v1::GetCreditNoteRequest& request,
                             v1::CreditNote& response);
  absl::Status ListCreditNotes(const server::Call& call, const v1::ListCreditNotesRequest& request,
                               v1::ListCreditNotesResponse& response);

  // package_service.cc: packages, treatment charges, accounts and reports.
  absl::Status SellPackage(const server::Call& call, const v1::SellPackageRequest& request,
                           v1::PackageSale& response);
  absl::Status GetPackage(const server::Call& call, const v1::GetPackageRequest& request,
                          v1::Package& response);
  absl::Status ListPackages(const server::Call& call, const v1::ListPackagesRequest& request,
                            v1::ListPackagesResponse& response);
  absl::Status RedeemPackage(const server::Call& call, const v1::RedeemPackageRequest& request,
                             v1::PackageRedemption& response);
  absl::Status ChargeTreatment(const server::Call& call, const v1::ChargeTreatmentRequest& request,
                               v1::TreatmentCharge& response);
  absl::Status GetClientStatement(const server::Call& call,
                                  const v1::GetClientStatementRequest& request,
                                  v1::ClientStatement& response);
  absl::Status GetDailyTakings(const server::Call& call, const v1::GetDailyTakingsRequest& request,
                               v1::DailyTakings& response);
  absl::Status GetRevenueReport(const server::Call& call,
                                const v1::GetRevenueReportRequest& request,
                                v1::RevenueReport& response);

  // The site's terms now.
  SiteTerms Terms(absl::string_view site_id) const { return TermsOf(sites_, site_id, absl::Now()); }
  // A day a price or rate takes effect: a real date, today at the site or
  // later.
  void CheckEffectiveDay(const v1::Date& date, absl::string_view field, const SiteTerms& site,
                         std::vector<FieldViolation>& out) const;
  // Checks the request's lines (adding violations) and resolves them into
  // what the store adds.
  std::vector<LineToAdd> Lines(
      const google::protobuf::RepeatedPtrField<v1::InvoiceLineInput>& lines,
      absl::string_view field, bool optional, const SiteTerms& site,
      std::vector<FieldViolation>& violations) const;

  std::unique_ptr<BillingStore> store_;
  config::Sites sites_;
  plugins::PluginHost& plugins_;
};

// The factory a main passes to RunServerMain to host Billing.
server::ServiceFactory BillingFactory();

}  // namespace clinic::billing

#endif  // CLINIC_SERVICES_BILLING_BILLING_SERVICE_H_
