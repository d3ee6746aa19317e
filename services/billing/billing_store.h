// The Billing store: every read and write of prices, invoices, payments,
// credit notes and packages, behind an interface like every service's store.
// The service checks requests and resolves what the store cannot know (the
// loaded treatment definitions, the site's settings, today at the site); the
// store runs each operation in one transaction, where the rules that depend
// on stored state are checked (prices in force, balances, what is left to
// refund or credit, sessions left), numbers documents, enforces etags and
// request ids, and pages. Only the service calls it.
#ifndef CLINIC_SERVICES_BILLING_BILLING_STORE_H_
#define CLINIC_SERVICES_BILLING_BILLING_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "clinic/v1/billing.pb.h"

namespace clinic::billing {

// What the service knows of a site at the moment of a call: its settings
// from the configuration and its calendar.
struct SiteTerms {
  std::string site_id;
  std::string currency;     // ISO-4217, the site's now
  int currency_digits = 2;  // digits of its minor unit
  bool prices_include_tax = false;
  int configured_tax_rate = 0;  // basis points; used where no rate is recorded
  std::string invoice_prefix;
  absl::Time now;
  int today = 0;  // yyyymmdd at the site
  int year = 0;   // the year at the site
};

// A line to add: the request's line and the key of its item in the price
// list (see ItemKey).
struct LineToAdd {
  v1::InvoiceLineInput input;
  std::string item_key;
  // Where the line is in the request, for errors: the line ("lines[2]"),
  // and its item ("lines[2].item", or "area_ids[1]" for a charge).
  std::string field;
  std::string item_field;
};

// The key of a priced item in the price list: "treatment:{type}",
// "treatment:{type}:{area}", "product:{id}", "fee:{id}", "plan:{id}". The
// service builds it from a checked item.
std::string ItemKey(const v1::PricedItem& item);

// A payment the service checked: the invoice, and what to record.
struct PaymentToRecord {
  std::string site_id;
  std::string invoice_id;
  v1::RecordPaymentRequest request;
  // For a package credit: the package's ids.
  std::string package_client_id;
  std::string package_id;
};

// Where a treatment was charged, as the service resolved it.
struct ChargeToRecord {
  std::string client_id;
  std::string treatment_type_id;
  // When no package pays: the line of a session, charged when the type
  // has a session price in force; otherwise one line per area treated.
  LineToAdd session;
  std::vector<LineToAdd> areas;
};

class BillingStore {
 public:
  virtual ~BillingStore() = default;

  // Every write that takes a request_id also takes `caller`, the scope of
  // that id (server::Call::request_scope).

  // Tax rates and prices.
  virtual absl::StatusOr<v1::TaxRate> SetTaxRate(const v1::SetTaxRateRequest& request,
                                                 const std::string& caller,
                                                 const v1::TaxRate& rate) = 0;
  // The recorded rates, newest first; or with `as_of`, the rate of each
  // category in force that day (the configured one where none is recorded).
  virtual absl::StatusOr<v1::ListTaxRatesResponse> ListTaxRates(const SiteTerms& site,
                                                                absl::optional<int> as_of) = 0;
  virtual absl::StatusOr<v1::Price> SetPrice(const v1::SetPriceRequest& request,
                                             const std::string& caller, const v1::Price& price,
                                             const std::string& item_key) = 0;
  // The price list on `day`, or every price with include_history.
  virtual absl::StatusOr<v1::ListPricesResponse> ListPrices(const v1::ListPricesRequest& request,
                                                            int day) = 0;
  virtual absl::StatusOr<v1::PackagePlan> CreatePackagePlan(
      const v1::CreatePackagePlanRequest& request, const std::string& caller,
      const v1::PackagePlan& plan) = 0;
  // NOT_FOUND when the site has no such plan.
  virtual absl::StatusOr<v1::PackagePlan> GetPackagePlan(const std::string& site_id,
                                                         const std::string& plan_id) = 0;
  virtual absl::StatusOr<v1::ListPackagePlansResponse> ListPackagePlans(
      const v1::ListPackagePlansRequest& request) = 0;

  // Invoices. `invoice` carries the site, client and notes; lines are
  // priced from the price list on site.today.
  virtual absl::StatusOr<v1::Invoice> CreateInvoice(const v1::CreateInvoiceRequest& request,
                                                    const std::string& caller,
                                                    const SiteTerms& site,
                                                    const std::string& client_id,
                                                    const std::vector<LineToAdd>& lines) = 0;
  // With what was paid and credited, its balance and state. NOT_FOUND when
  // the site has no such invoice.
  virtual absl::StatusOr<v1::Invoice> GetInvoice(const std::string& site_id,
                                                 const std::string& invoice_id) = 0;
  // `client_id` empty for every client.
  virtual absl::StatusOr<v1::ListInvoicesResponse> ListInvoices(
      const v1::ListInvoicesRequest& request, const std::string& client_id) = 0;
  virtual absl::StatusOr<v1::Invoice> AddInvoiceLines(const v1::AddInvoiceLinesRequest& request,
                                                      const std::string& caller,
                                                      const SiteTerms& site,
                                                      const std::string& invoice_id,
                                                      const std::vector<LineToAdd>& lines) = 0;
  virtual absl::StatusOr<v1::Invoice> RemoveInvoiceLine(const v1::RemoveInvoiceLineRequest& request,
                                                        const std::string& caller,
                                                        const std::string& site_id,
                                                        const std::string& invoice_id,
                                                        absl::Time now) = 0;
  virtual absl::StatusOr<v1::Invoice> IssueInvoice(const v1::IssueInvoiceRequest& request,
                                                   const std::string& caller, const SiteTerms& site,
                                                   const std::string& invoice_id) = 0;
  virtual absl::StatusOr<v1::Invoice> VoidInvoice(const v1::VoidInvoiceRequest& request,
                                                  const std::string& caller,
                                                  const std::string& site_id,
                                                  const std::string& invoice_id,
                                                  absl::Time now) = 0;

  // Payments, refunds and credit notes.
  virtual absl::StatusOr<v1::Payment> RecordPayment(const PaymentToRecord& payment,
                                                    const std::string& caller, absl::Time now) = 0;
  virtual absl::StatusOr<v1::Refund> RefundPayment(const v1::RefundPaymentRequest& request,
                                                   const std::string& caller, const SiteTerms& site,
                                                   const std::string& payment_id) = 0;
  virtual absl::StatusOr<v1::Payment> GetPayment(const std::string& site_id,
                                                 const std::string& payment_id) = 0;
  // `invoice_id` empty for every invoice of the site.
  virtual absl::StatusOr<v1::ListPaymentsResponse> ListPayments(
      const v1::ListPaymentsRequest& request, const std::string& invoice_id) = 0;
  virtual absl::StatusOr<v1::CreditNote> IssueCreditNote(const v1::IssueCreditNoteRequest& request,
                                                         const std::string& caller,
                                                         const SiteTerms& site,
                                                         const std::string& invoice_id) = 0;
  virtual absl::StatusOr<v1::CreditNote> GetCreditNote(const std::string& site_id,
                                                       const std::string& credit_note_id) = 0;
  virtual absl::StatusOr<v1::ListCreditNotesResponse> ListCreditNotes(
      const v1::ListCreditNotesRequest& request, const std::string& invoice_id) = 0;

  // Packages and treatment charges.
  virtual absl::StatusOr<v1::PackageSale> SellPackage(const v1::SellPackageRequest& request,
                                                      const std::string& caller,
                                                      const SiteTerms& site,
                                                      const std::string& client_id,
                                                      const v1::PackagePlan& plan) = 0;
  // With its redemptions and state as of `now`. NOT_FOUND when the client
  // has no such package.
  virtual absl::StatusOr<v1::Package> GetPackage(const std::string& client_id,
                                                 const std::string& package_id, absl::Time now) = 0;
  virtual absl::StatusOr<v1::ListPackagesResponse> ListPackages(
      const v1::ListPackagesRequest& request, const std::string& client_id, absl::Time now) = 0;
  virtual absl::StatusOr<v1::PackageRedemption> RedeemPackage(
      const v1::RedeemPackageRequest& request, const std::string& caller,
      const std::string& client_id, const std::string& package_id, absl::Time now) = 0;
  virtual absl::StatusOr<v1::TreatmentCharge> ChargeTreatment(
      const v1::ChargeTreatmentRequest& request, const std::string& caller, const SiteTerms& site,
      const ChargeToRecord& charge) = 0;

  // Accounts and reports.
  virtual absl::StatusOr<v1::ClientStatement> GetClientStatement(
      const std::string& client_id, absl::optional<absl::Time> start,
      absl::optional<absl::Time> end) = 0;
  // Payments taken in [start, end).
  virtual absl::StatusOr<v1::DailyTakings> GetDailyTakings(const std::string& site_id,
                                                           absl::Time start, absl::Time end) = 0;
  // Invoices issued and credit notes issued in [start, end).
  virtual absl::StatusOr<v1::RevenueReport> GetRevenueReport(const std::string& site_id,
                                                             absl::Time start, absl::Time end) = 0;
};

// Opens (creating and migrating) the SQLite store at `path`. Pages stop at
// `page_budget_bytes` (storage::PageBudgetBytes).
absl::StatusOr<std::unique_ptr<BillingStore>> OpenSqliteBillingStore(const std::string& path,
                                                                     size_t page_budget_bytes);

}  // namespace clinic::billing

#endif  // CLINIC_SERVICES_BILLING_BILLING_STORE_H_
