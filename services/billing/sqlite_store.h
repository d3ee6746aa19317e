// The SQLite implementation of BillingStore, and the helpers its files
// share: reading an invoice with what was paid and credited, pricing a line,
// the tax rate in force, document numbers. Internal to this folder.
#ifndef CLINIC_SERVICES_BILLING_SQLITE_STORE_H_
#define CLINIC_SERVICES_BILLING_SQLITE_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/storage/database.h"
#include "common/storage/page_tokens.h"
#include "services/billing/billing_store.h"

namespace clinic::billing {

inline constexpr char kDomain[] = "clinic.v1.Billing";

// An invoice's stored lifecycle; paid and partly paid are derived.
enum Lifecycle : int { kDraft = 1, kIssued = 2, kVoid = 3 };

// An invoice as its row holds it, with what the payments and credit notes
// derive filled in.
struct InvoiceRow {
  v1::Invoice invoice;
  std::string site_id;
  std::string invoice_id;
  std::string client_id;
  int lifecycle = kDraft;
  int64_t revision = 0;
  // Lines ever added, so a removed line's id is never given again.
  int64_t lines_added = 0;
  // For each line, in order: what is left to credit (0 once settled by a
  // package).
  std::vector<int64_t> creditable;
};

namespace books {

// NOT_FOUND for `name` in this service's domain.
absl::Status NotFound(absl::string_view name);
// FAILED_PRECONDITION with `reason`.
absl::Status Refused(absl::string_view reason, absl::string_view message);

// Money in `currency`.
v1::Money Money(int64_t amount_minor, absl::string_view currency);

// The invoice with paid, credited, balance, state, per-line credits and
// its etag. NOT_FOUND when the site has no such invoice.
absl::StatusOr<InvoiceRow> LoadInvoice(storage::Connection& connection, const std::string& site_id,
                                       const std::string& invoice_id);
// Fills in the derived fields of an invoice read from its row.
absl::Status Derive(storage::Connection& connection, InvoiceRow& row);
// Sums the lines into the invoice's totals and tax breakdown.
void Total(v1::Invoice& invoice);
// Writes a new invoice row (revision 1) or a draft's changes (revision +1).
absl::Status InsertInvoice(storage::Connection& connection, InvoiceRow& row);
absl::Status SaveInvoice(storage::Connection& connection, InvoiceRow& row);
// The client's newest draft at the site, or a new one (not yet written).
absl::StatusOr<InvoiceRow> OpenDraft(storage::Connection& connection, const SiteTerms& site,
                                     const std::string& client_id, bool& created);
// A new draft for the client at the site (not yet written).
InvoiceRow NewDraft(const SiteTerms& site, const std::string& client_id);

// The rate of `category` in force at the site on `day`: the newest
// recorded rate effective that day or before, else the configured rate.
int TaxRateOn(storage::Connection& connection, const SiteTerms& site, v1::TaxCategory category,
              int day);
// The price of the item in force on `day`, or nullptr-like empty optional
// when it has none (never priced, or withdrawn).
absl::StatusOr<absl::optional<v1::Price>> PriceOn(storage::Connection& connection,
                                                  const std::string& site_id,
                                                  const std::string& item_key, int day);
// Prices `line` for `invoice` from the site's price list today and appends
// it with the next line id. FAILED_PRECONDITION PRICE_NOT_FOUND or
// PRICE_CURRENCY_MISMATCH naming the line; INVALID_ARGUMENT when its
// discount is above the line.
absl::Status AddLine(storage::Connection& connection, const SiteTerms& site, const LineToAdd& line,
                     v1::Invoice& invoice);
// Adds `lines` to a draft (AddLine for each), checking that a treatment
// record a line names is the invoice client's and that the invoice stays
// within kMaxLines, and totals it.
absl::Status AddLines(storage::Connection& connection, const SiteTerms& site,
                      const std::vector<LineToAdd>& lines, InvoiceRow& row);
// Recomputes a line's amounts at `tax_rate`.
void PriceLineAt(v1::InvoiceLine& line, int tax_rate, bool prices_include_tax);
// The next number of the site's `kind` ("invoice", "credit-note") sequence
// for `year`.
absl::StatusOr<int64_t> NextNumber(storage::Connection& connection, const std::string& site_id,
                                   absl::string_view kind, int year);

}  // namespace books

class SqliteBillingStore final : public BillingStore {
 public:
  SqliteBillingStore(std::unique_ptr<storage::Database> db, storage::PageTokens tokens,
                     size_t page_budget_bytes)
      : db_(std::move(db)), tokens_(std::move(tokens)), page_budget_bytes_(page_budget_bytes) {}

  // sqlite_prices.cc
  absl::StatusOr<v1::TaxRate> SetTaxRate(const v1::SetTaxRateRequest& request,
                                         const std::string& caller,
                                         const v1::TaxRate& rate) override;
  absl::StatusOr<v1::ListTaxRatesResponse> ListTaxRates(const SiteTerms& site,
                                                        absl::optional<int> as_of) override;
  absl::StatusOr<v1::Price> SetPrice(const v1::SetPriceRequest& request, const std::string& caller,
                                     const v1::Price& price, const std::string& item_key) override;
  absl::StatusOr<v1::ListPricesResponse> ListPrices(const v1::ListPricesRequest& request,
                                                    int day) override;
  absl::StatusOr<v1::PackagePlan> CreatePackagePlan(const v1::CreatePackagePlanRequest& request,
                                                    const std::string& caller,
                                                    const v1::PackagePlan& plan) override;
  absl::StatusOr<v1::PackagePlan> GetPackagePlan(const std::string& site_id,
                                                 const std::string& plan_id) override;
  absl::StatusOr<v1::ListPackagePlansResponse> ListPackagePlans(
      const v1::ListPackagePlansRequest& request) override;

  // sqlite_invoices.cc
  absl::StatusOr<v1::Invoice> CreateInvoice(const v1::CreateInvoiceRequest& request,
                                            const std::string& caller, const SiteTerms& site,
                                            const std::string& client_id,
                                            const std::vector<LineToAdd>& lines) override;
  absl::StatusOr<v1::Invoice> GetInvoice(const std::string& site_id,
                                         const std::string& invoice_id) override;
  absl::StatusOr<v1::ListInvoicesResponse> ListInvoices(const v1::ListInvoicesRequest& request,
                                                        const std::string& client_id) override;
  absl::StatusOr<v1::Invoice> AddInvoiceLines(const v1::AddInvoiceLinesRequest& request,
                                              const std::string& caller, const SiteTerms& site,
                                              const std::string& invoice_id,
                                              const std::vector<LineToAdd>& lines) override;
  absl::StatusOr<v1::Invoice> RemoveInvoiceLine(const v1::RemoveInvoiceLineRequest& request,
                                                const std::string& caller,
                                                const std::string& site_id,
                                                const std::string& invoice_id,
                                                absl::Time now) override;
  absl::StatusOr<v1::Invoice> IssueInvoice(const v1::IssueInvoiceRequest& request,
                                           const std::string& caller, const SiteTerms& site,
                                           const std::string& invoice_id) override;
  absl::StatusOr<v1::Invoice> VoidInvoice(const v1::VoidInvoiceRequest& request,
                                          const std::string& caller, const std::string& site_id,
                                          const std::string& invoice_id, absl::Time now) override;

  // sqlite_payments.cc
  absl::StatusOr<v1::Payment> RecordPayment(const PaymentToRecord& payment,
                                            const std::string& caller, absl::Time now) override;
  absl::StatusOr<v1::Refund> RefundPayment(const v1::RefundPaymentRequest& request,
                                           const std::string& caller, const SiteTerms& site,
                                           const std::string& payment_id) override;
  absl::StatusOr<v1::Payment> GetPayment(const std::string& site_id,
                                         const std::string& payment_id) override;
  absl::StatusOr<v1::ListPaymentsResponse> ListPayments(const v1::ListPaymentsRequest& request,
                                                        const std::string& invoice_id) override;
  absl::StatusOr<v1::CreditNote> IssueCreditNote(const v1::IssueCreditNoteRequest& request,
                                                 const std::string& caller, const SiteTerms& site,
                                                 const std::string& invoice_id) override;
  absl::StatusOr<v1::CreditNote> GetCreditNote(const std::string& site_id,
                                               const std::string& credit_note_id) override;
  absl::StatusOr<v1::ListCreditNotesResponse> ListCreditNotes(
      const v1::ListCreditNotesRequest& request, const std::string& invoice_id) override;

  // sqlite_packages.cc
  absl::StatusOr<v1::PackageSale> SellPackage(const v1::SellPackageRequest& request,
                                              const std::string& caller, const SiteTerms& site,
                                              const std::string& client_id,
                                              const v1::PackagePlan& plan) override;
  absl::StatusOr<v1::Package> GetPackage(const std::string& client_id,
                                         const std::string& package_id, absl::Time now) override;
  absl::StatusOr<v1::ListPackagesResponse> ListPackages(const v1::ListPackagesRequest& request,
                                                        const std::string& client_id,
                                                        absl::Time now) override;
  absl::StatusOr<v1::PackageRedemption> RedeemPackage(const v1::RedeemPackageRequest& request,
                                                      const std::string& caller,
                                                      const std::string& client_id,
                                                      const std::string& package_id,
                                                      absl::Time now) override;
  absl::StatusOr<v1::TreatmentCharge> ChargeTreatment(const v1::ChargeTreatmentRequest& request,
                                                      const std::string& caller,
                                                      const SiteTerms& site,
                                                      const ChargeToRecord& charge) override;

  // sqlite_reports.cc
  absl::StatusOr<v1::ClientStatement> GetClientStatement(const std::string& client_id,
                                                         absl::optional<absl::Time> start,
                                                         absl::optional<absl::Time> end) override;
  absl::StatusOr<v1::DailyTakings> GetDailyTakings(const std::string& site_id, absl::Time start,
                                                   absl::Time end) override;
  absl::StatusOr<v1::RevenueReport> GetRevenueReport(const std::string& site_id, absl::Time start,
                                                     absl::Time end) override;

 private:
  std::unique_ptr<storage::Database> db_;
  storage::PageTokens tokens_;
  size_t page_budget_bytes_;
};

// Packages, shared by the package and payment files.
namespace packages {

// A package row with its redemptions and state as of `now`.
struct PackageRow {
  v1::Package package;
  std::string client_id;
  std::string package_id;
  bool void_ = false;
  int64_t expire_ms = 0;
};

absl::StatusOr<PackageRow> Load(storage::Connection& connection, const std::string& client_id,
                                const std::string& package_id, absl::Time now);
// FAILED_PRECONDITION with the reason when the package cannot pay a
// session of `treatment_type_id` at `site_id` now.
absl::Status CheckUsable(const PackageRow& row, const std::string& site_id,
                         const std::string& treatment_type_id, absl::Time now);
// Appends a redemption and returns it with the sessions left.
absl::StatusOr<v1::PackageRedemption> Redeem(storage::Connection& connection, const PackageRow& row,
                                             const std::string& site_id,
                                             const std::string& treatment_record,
                                             const std::string& invoice, absl::Time now);

}  // namespace packages

}  // namespace clinic::billing

#endif  // CLINIC_SERVICES_BILLING_SQLITE_STORE_H_
