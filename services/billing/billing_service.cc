#include "services/billing/billing_service.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/config/currency.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/storage/idempotency.h"
#include "common/storage/paging.h"
#include "services/billing/billing_math.h"
#include "services/billing/billing_names.h"
#include "services/billing/billing_validation.h"

namespace clinic::billing {
namespace {

constexpr absl::string_view kDomain = "clinic.v1.Billing";

// The longest a course may stay valid: ten years.
constexpr int kMaxValidityDays = 3660;
constexpr int kMaxSessions = 100;

bool IsTaxCategory(v1::TaxCategory category) {
  return v1::TaxCategory_IsValid(category) && category != v1::TAX_CATEGORY_UNSPECIFIED;
}

}  // namespace

BillingService::BillingService(std::unique_ptr<BillingStore> store, config::Sites sites,
                               plugins::PluginHost& plugins)
    // Every handler reads or writes the database, so all run on the pool;
    // the store's writer serializes writes, readers run beside it.
    : ServiceKit(server::kStoreServiceThreads),
      store_(std::move(store)),
      sites_(std::move(sites)),
      plugins_(plugins) {
  Handle("SetTaxRate", &BillingService::SetTaxRate);
  Handle("ListTaxRates", &BillingService::ListTaxRates);
  Handle("SetPrice", &BillingService::SetPrice);
  Handle("ListPrices", &BillingService::ListPrices);
  Handle("CreatePackagePlan", &BillingService::CreatePackagePlan);
  Handle("ListPackagePlans", &BillingService::ListPackagePlans);
  Handle("CreateInvoice", &BillingService::CreateInvoice);
  Handle("GetInvoice", &BillingService::GetInvoice);
  Handle("ListInvoices", &BillingService::ListInvoices);
  Handle("AddInvoiceLines", &BillingService::AddInvoiceLines);
  Handle("RemoveInvoiceLine", &BillingService::RemoveInvoiceLine);
  Handle("IssueInvoice", &BillingService::IssueInvoice);
  Handle("VoidInvoice", &BillingService::VoidInvoice);
  Handle("RecordPayment", &BillingService::RecordPayment);
  Handle("RefundPayment", &BillingService::RefundPayment);
  Handle("GetPayment", &BillingService::GetPayment);
  Handle("ListPayments", &BillingService::ListPayments);
  Handle("IssueCreditNote", &BillingService::IssueCreditNote);
  Handle("GetCreditNote", &BillingService::GetCreditNote);
  Handle("ListCreditNotes", &BillingService::ListCreditNotes);
  Handle("SellPackage", &BillingService::SellPackage);
  Handle("GetPackage", &BillingService::GetPackage);
  Handle("ListPackages", &BillingService::ListPackages);
  Handle("RedeemPackage", &BillingService::RedeemPackage);
  Handle("ChargeTreatment", &BillingService::ChargeTreatment);
  Handle("GetClientStatement", &BillingService::GetClientStatement);
  Handle("GetDailyTakings", &BillingService::GetDailyTakings);
  Handle("GetRevenueReport", &BillingService::GetRevenueReport);
}

SiteTerms BillingService::TermsOf(const config::Sites& sites, absl::string_view site_id,
                                  absl::Time now) {
  SiteTerms terms;
  terms.site_id = std::string(site_id);
  terms.now = now;
  const absl::CivilDay today = absl::ToCivilDay(now, sites.ZoneOf(site_id));
  terms.today = DayNumber(today);
  terms.year = static_cast<int>(today.year());
  terms.invoice_prefix = sites.InvoicePrefixOf(site_id);
  if (const v1::Site* site = sites.Find(site_id)) {
    terms.currency = site->currency_code();
    terms.currency_digits = CurrencyMinorDigits(site->currency_code()).value_or(2);
    terms.prices_include_tax = site->prices_include_tax();
    terms.configured_tax_rate = site->tax_rate_basis_points();
  }
  return terms;
}

void BillingService::CheckEffectiveDay(const v1::Date& date, absl::string_view field,
                                       const SiteTerms& site,
                                       std::vector<FieldViolation>& out) const {
  const size_t before = out.size();
  CheckDate(date, field, out);
  if (out.size() != before) return;
  if (DayNumber(date) < site.today) {
    out.push_back(
        {std::string(field),
         absl::StrCat("must be today at the site (", site.today / 10000, "-",
                      site.today / 100 % 100, "-", site.today % 100,
                      ") or later: what was issued before keeps the terms then in force")});
  }
}

std::vector<LineToAdd> BillingService::Lines(
    const google::protobuf::RepeatedPtrField<v1::InvoiceLineInput>& lines, absl::string_view field,
    bool optional, const SiteTerms& site, std::vector<FieldViolation>& violations) const {
  const std::shared_ptr<const plugins::CatalogSnapshot> catalog = plugins_.Current();
  CheckLineInputs(lines, field, optional, site.currency, *catalog, site.site_id, violations);
  std::vector<LineToAdd> out;
  for (int i = 0; i < lines.size(); ++i) {
    LineToAdd line;
    line.input = lines[i];
    line.item_key = ItemKey(lines[i].item());
    line.field = absl::StrCat(field, "[", i, "]");
    line.item_field = absl::StrCat(line.field, ".item");
    out.push_back(std::move(line));
  }
  return out;
}

absl::Status BillingService::SetTaxRate(const server::Call& call,
                                        const v1::SetTaxRateRequest& request,
                                        v1::TaxRate& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  if (!IsTaxCategory(request.category())) {
    violations.push_back({"category", "is required: a tax category"});
  }
  if (request.rate_basis_points() < 0 || request.rate_basis_points() > kMaxRateBasisPoints) {
    violations.push_back({"rate_basis_points", absl::StrCat("must be 0 to 10000 basis points, got ",
                                                            request.rate_basis_points())});
  }
  const SiteTerms site = Terms(request.site_id());
  CheckEffectiveDay(request.effective_from(), "effective_from", site, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  v1::TaxRate rate;
  rate.set_site_id(request.site_id());
  rate.set_category(request.category());
  rate.set_rate_basis_points(request.rate_basis_points());
  *rate.mutable_effective_from() = request.effective_from();
  *rate.mutable_create_time() = ToTimestampMillis(site.now);
  absl::StatusOr<v1::TaxRate> set = store_->SetTaxRate(request, call.request_scope(), rate);
  if (set.ok()) response = *std::move(set);
  return set.status();
}

absl::Status BillingService::ListTaxRates(const server::Call& /*call*/,
                                          const v1::ListTaxRatesRequest& request,
                                          v1::ListTaxRatesResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  if (request.has_as_of()) CheckDate(request.as_of(), "as_of", violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::optional<int> as_of;
  if (request.has_as_of()) as_of = DayNumber(request.as_of());
  absl::StatusOr<v1::ListTaxRatesResponse> listed =
      store_->ListTaxRates(Terms(request.site_id()), as_of);
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

absl::Status BillingService::SetPrice(const server::Call& call, const v1::SetPriceRequest& request,
                                      v1::Price& response) {
  const v1::Price& price = request.price();
  std::vector<FieldViolation> violations;
  sites_.CheckSite(price.site_id(), "price.site_id", /*required=*/true, violations);
  if (!violations.empty()) return Violations(violations);
  const SiteTerms site = Terms(price.site_id());
  CheckItem(price.item(), "price.item", *plugins_.Current(), site.site_id, ItemUse::kPrice,
            violations);
  if (!price.withdrawn()) {
    ValidateText(price.display_name(), "price.display_name", /*required=*/true,
                 kMaxDisplayNameChars, violations);
    CheckMoney(price.unit_price(), "price.unit_price", site.currency, 0, kMaxUnitPriceMinor,
               violations);
    if (!IsTaxCategory(price.tax_category())) {
      violations.push_back({"price.tax_category", "is required: a tax category"});
    }
  }
  CheckEffectiveDay(price.effective_from(), "price.effective_from", site, violations);
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  if (price.item().has_package_plan()) {
    absl::StatusOr<ResourceName> plan = kPackagePlanName.Parse(price.item().package_plan(), "");
    if (!plan.ok()) return plan.status();
    if (absl::Status s = store_->GetPackagePlan(site.site_id, plan->id("id")).status(); !s.ok()) {
      return s;
    }
  }
  v1::Price stored;
  stored.set_site_id(price.site_id());
  *stored.mutable_item() = price.item();
  stored.set_withdrawn(price.withdrawn());
  if (!price.withdrawn()) {
    stored.set_display_name(price.display_name());
    *stored.mutable_unit_price() = price.unit_price();
    stored.set_tax_category(price.tax_category());
  }
  *stored.mutable_effective_from() = price.effective_from();
  *stored.mutable_create_time() = ToTimestampMillis(site.now);
  absl::StatusOr<v1::Price> set =
      store_->SetPrice(request, call.request_scope(), stored, ItemKey(price.item()));
  if (set.ok()) response = *std::move(set);
  return set.status();
}

absl::Status BillingService::ListPrices(const server::Call& /*call*/,
                                        const v1::ListPricesRequest& request,
                                        v1::ListPricesResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  if (request.has_as_of()) CheckDate(request.as_of(), "as_of", violations);
  storage::CheckPageSize(request.page_size(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  const int day = request.has_as_of() ? DayNumber(request.as_of()) : Terms(request.site_id()).today;
  absl::StatusOr<v1::ListPricesResponse> listed = store_->ListPrices(request, day);
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

absl::Status BillingService::CreatePackagePlan(const server::Call& call,
                                               const v1::CreatePackagePlanRequest& request,
                                               v1::PackagePlan& response) {
  const v1::PackagePlan& plan = request.plan();
  std::vector<FieldViolation> violations;
  sites_.CheckSite(plan.site_id(), "plan.site_id", /*required=*/true, violations);
  ValidateText(plan.display_name(), "plan.display_name", /*required=*/true, kMaxDisplayNameChars,
               violations);
  if (plan.treatment_type_id().empty()) {
    violations.push_back({"plan.treatment_type_id", "is required"});
  } else if (plugins_.Current()->Find(plan.treatment_type_id()) == nullptr) {
    violations.push_back(
        {"plan.treatment_type_id",
         absl::StrCat(Quote(plan.treatment_type_id()), " is not a loaded treatment type")});
  }
  if (plan.sessions() < 1 || plan.sessions() > kMaxSessions) {
    violations.push_back(
        {"plan.sessions", absl::StrCat("must be 1 to ", kMaxSessions, ", got ", plan.sessions())});
  }
  if (plan.validity_days() < 1 || plan.validity_days() > kMaxValidityDays) {
    violations.push_back({"plan.validity_days", absl::StrCat("must be 1 to ", kMaxValidityDays,
                                                             " days, got ", plan.validity_days())});
  }
  if (plan.usable_site_ids_size() > 100) {
    violations.push_back({"plan.usable_site_ids", "must name at most 100 sites"});
  } else {
    for (int i = 0; i < plan.usable_site_ids_size(); ++i) {
      sites_.CheckSite(plan.usable_site_ids(i), absl::StrCat("plan.usable_site_ids[", i, "]"),
                       /*required=*/true, violations);
    }
  }
  storage::CheckRequestId(request.request_id(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  v1::PackagePlan stored;
  stored.set_site_id(plan.site_id());
  stored.set_display_name(plan.display_name());
  stored.set_treatment_type_id(plan.treatment_type_id());
  stored.set_sessions(plan.sessions());
  stored.set_validity_days(plan.validity_days());
  // Each site once, in the order given.
  for (const std::string& id : plan.usable_site_ids()) {
    bool seen = false;
    for (const std::string& kept : stored.usable_site_ids()) seen = seen || kept == id;
    if (!seen) stored.add_usable_site_ids(id);
  }
  *stored.mutable_create_time() = ToTimestampMillis(absl::Now());
  absl::StatusOr<v1::PackagePlan> created =
      store_->CreatePackagePlan(request, call.request_scope(), stored);
  if (created.ok()) response = *std::move(created);
  return created.status();
}

absl::Status BillingService::ListPackagePlans(const server::Call& /*call*/,
                                              const v1::ListPackagePlansRequest& request,
                                              v1::ListPackagePlansResponse& response) {
  std::vector<FieldViolation> violations;
  sites_.CheckSite(request.site_id(), "site_id", /*required=*/true, violations);
  storage::CheckPageSize(request.page_size(), violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::ListPackagePlansResponse> listed = store_->ListPackagePlans(request);
  if (listed.ok()) response = *std::move(listed);
  return listed.status();
}

server::ServiceFactory BillingFactory() {
  return [](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    absl::StatusOr<std::unique_ptr<BillingStore>> store = OpenSqliteBillingStore(
        context.config.data_dir() + "/billing.db", storage::PageBudgetBytes(context.config));
    if (!store.ok()) return store.status();
    return std::make_unique<BillingService>(std::move(*store), config::Sites(context.config),
                                            context.plugin_host);
  };
}

}  // namespace clinic::billing
