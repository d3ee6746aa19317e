// clinicctl's billing commands for what a site charges and sells: price
// lists and tax rates, package plans and the packages clients hold, the
// charge of a treatment given, and the accounts and reports (a client's
// statement, a day's takings, revenue over a period). Invoices, payments
// and credit notes are in invoice_commands.cc.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/config/currency.h"
#include "common/core/text.h"
#include "tools/clinicctl/billing_text.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(std::string, as_of, "",
          "prices, tax-rates: the day whose list to show, YYYY-MM-DD. prices: default today at "
          "the site; tax-rates: without it, every recorded rate.");
ABSL_FLAG(bool, history, false,
          "prices: every price ever recorded, newest first, withdrawals and future prices too.");
ABSL_FLAG(std::string, tax, "",
          "set-price: how the item is taxed: medical, cosmetic, retail or fee.");
ABSL_FLAG(std::string, name, "",
          "set-price, new-plan: the name shown to staff and on invoices, e.g. 'Microneedling - "
          "face'. set-price: default the item's name in the site's price list.");
ABSL_FLAG(std::string, from, "",
          "set-price, set-tax-rate: the first day it applies, YYYY-MM-DD, today at the site or "
          "later. set-price: default today on this machine.");
ABSL_FLAG(bool, withdraw, false, "set-price: stop selling the item from --from (no AMOUNT).");
ABSL_FLAG(std::string, currency, "",
          "set-price: the site's currency, e.g. GBP. Default: the currency of the site's price "
          "list; needed for a site's first price.");
ABSL_FLAG(std::string, sites, "",
          "new-plan: comma-separated sites where its sessions may be used; default the selling "
          "site only.");

namespace clinic::clinicctl {
namespace {

// What set-price takes from the site's price list when it is not told: the
// currency and the item's current display name, from the newest prices.
struct Defaults {
  std::string currency;
  std::string display_name;
};

int ReadDefaults(v1::Billing::Stub& stub, const std::string& site, const v1::PricedItem& item,
                 Defaults* out) {
  v1::ListPricesRequest request;
  request.set_site_id(site);
  request.set_include_history(true);
  request.set_page_size(100);
  const std::string key = ItemText(item);
  // Newest first: the first price seen of each kind is the one wanted. A
  // long history is read only until both are found.
  do {
    v1::ListPricesResponse page;
    const grpc::Status status = stub.ListPrices(Context().get(), request, &page);
    if (!status.ok()) return PrintError(status);
    for (const v1::Price& price : page.prices()) {
      if (out->currency.empty()) out->currency = price.unit_price().currency_code();
      if (out->display_name.empty() && ItemText(price.item()) == key) {
        out->display_name = price.display_name();
      }
      if (!out->currency.empty() && !out->display_name.empty()) return 0;
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return 0;
}

int Prices(const std::vector<std::string>& args) {
  v1::ListPricesRequest request;
  request.set_site_id(args[0]);
  request.set_include_history(absl::GetFlag(FLAGS_history));
  if (!absl::GetFlag(FLAGS_as_of).empty() &&
      !ParseDate(absl::GetFlag(FLAGS_as_of), request.mutable_as_of())) {
    return kBadUsage;
  }
  return ForEachPage(*Billing(), &v1::Billing::Stub::ListPrices, request,
                     [](const v1::ListPricesResponse& page) {
                       for (const v1::Price& price : page.prices()) {
                         std::vector<std::string> columns = {
                             price.name(),
                             ItemText(price.item()),
                             price.display_name(),
                             MoneyText(price.unit_price()),
                             TaxText(price.tax_category()),
                             absl::StrCat("from ", FormatDate(price.effective_from()))};
                         if (price.withdrawn()) columns.push_back("(withdrawn)");
                         PrintRow(price, columns);
                       }
                     });
}

int SetPrice(const std::vector<std::string>& args) {
  const bool withdraw = absl::GetFlag(FLAGS_withdraw);
  if (withdraw == (args.size() == 3)) {
    std::fprintf(stderr, "error: give AMOUNT, or --withdraw without one\n");
    return kBadUsage;
  }
  v1::SetPriceRequest request;
  v1::Price& price = *request.mutable_price();
  price.set_site_id(args[0]);
  if (!ParseItem(args[1], price.mutable_item()) ||
      !DateFlag(absl::GetFlag(FLAGS_from), LocalToday(), price.mutable_effective_from())) {
    return kBadUsage;
  }
  price.set_withdrawn(withdraw);
  auto stub = Billing();
  if (!withdraw) {
    v1::TaxCategory tax = v1::TAX_CATEGORY_UNSPECIFIED;
    if (!absl::GetFlag(FLAGS_tax).empty() && !ParseTax(absl::GetFlag(FLAGS_tax), &tax)) {
      return kBadUsage;
    }
    price.set_tax_category(tax);
    Defaults defaults;
    if (absl::GetFlag(FLAGS_currency).empty() || absl::GetFlag(FLAGS_name).empty()) {
      if (int failed = ReadDefaults(*stub, args[0], price.item(), &defaults); failed != 0) {
        return failed;
      }
    }
    Currency currency;
    currency.code =
        absl::GetFlag(FLAGS_currency).empty() ? defaults.currency : absl::GetFlag(FLAGS_currency);
    if (currency.code.empty()) {
      std::fprintf(stderr,
                   "error: %s has no price yet to take its currency from; give "
                   "--currency=CODE, e.g. --currency=GBP\n",
                   Quote(args[0]).c_str());
      return kBadUsage;
    }
    const absl::optional<int> digits = CurrencyMinorDigits(currency.code);
    if (!digits.has_value()) {
      std::fprintf(stderr, "error: --currency=%s is not an ISO-4217 currency code\n",
                   Quote(currency.code).c_str());
      return kBadUsage;
    }
    currency.digits = *digits;
    if (!ParseAmount("AMOUNT", args[2], currency, price.mutable_unit_price())) return kBadUsage;
    price.set_display_name(absl::GetFlag(FLAGS_name).empty() ? defaults.display_name
                                                             : absl::GetFlag(FLAGS_name));
  }
  request.set_request_id(RequestId());
  v1::Price response;
  return Print(stub->SetPrice(Context().get(), request, &response), response);
}

int TaxRates(const std::vector<std::string>& args) {
  v1::ListTaxRatesRequest request;
  request.set_site_id(args[0]);
  if (!absl::GetFlag(FLAGS_as_of).empty() &&
      !ParseDate(absl::GetFlag(FLAGS_as_of), request.mutable_as_of())) {
    return kBadUsage;
  }
  v1::ListTaxRatesResponse response;
  const grpc::Status status = Billing()->ListTaxRates(Context().get(), request, &response);
  if (!status.ok()) return PrintError(status);
  for (const v1::TaxRate& rate : response.tax_rates()) {
    PrintRow(rate,
             {TaxText(rate.category()), RateText(rate.rate_basis_points()),
              rate.from_site_config() ? "(site config)"
                                      : absl::StrCat("from ", FormatDate(rate.effective_from())),
              rate.name().empty() ? "-" : rate.name()});
  }
  return 0;
}

int SetTaxRate(const std::vector<std::string>& args) {
  v1::SetTaxRateRequest request;
  request.set_site_id(args[0]);
  v1::TaxCategory category;
  int rate = 0;
  if (!ParseTax(args[1], &category) || !ParseRate(args[2], &rate)) return kBadUsage;
  if (absl::GetFlag(FLAGS_from).empty()) {
    std::fprintf(stderr, "error: --from=YYYY-MM-DD is required: the first day of the rate\n");
    return kBadUsage;
  }
  if (!ParseDate(absl::GetFlag(FLAGS_from), request.mutable_effective_from())) return kBadUsage;
  request.set_category(category);
  request.set_rate_basis_points(rate);
  request.set_request_id(RequestId());
  v1::TaxRate response;
  return Print(Billing()->SetTaxRate(Context().get(), request, &response), response);
}

int Plans(const std::vector<std::string>& args) {
  v1::ListPackagePlansRequest request;
  request.set_site_id(args[0]);
  return ForEachPage(
      *Billing(), &v1::Billing::Stub::ListPackagePlans, request,
      [](const v1::ListPackagePlansResponse& page) {
        for (const v1::PackagePlan& plan : page.plans()) {
          PrintRow(plan,
                   {plan.name(), plan.display_name(), plan.treatment_type_id(),
                    absl::StrCat("sessions=", plan.sessions()),
                    absl::StrCat("days=", plan.validity_days()),
                    absl::StrCat("sites=", plan.usable_site_ids().empty()
                                               ? plan.site_id()
                                               : absl::StrJoin(plan.usable_site_ids(), ","))});
        }
      });
}

int NewPlan(const std::vector<std::string>& args) {
  v1::CreatePackagePlanRequest request;
  v1::PackagePlan& plan = *request.mutable_plan();
  plan.set_site_id(args[0]);
  plan.set_treatment_type_id(args[1]);
  int64_t sessions = 0, days = 0;
  if (!ParseInt("SESSIONS", args[2], &sessions) || !ParseInt("DAYS", args[3], &days)) {
    return kBadUsage;
  }
  // The server checks the ranges; values beyond int32 would wrap first.
  plan.set_sessions(static_cast<int32_t>(std::clamp<int64_t>(sessions, -1, 1'000'000)));
  plan.set_validity_days(static_cast<int32_t>(std::clamp<int64_t>(days, -1, 1'000'000)));
  plan.set_display_name(absl::GetFlag(FLAGS_name));
  for (absl::string_view site :
       absl::StrSplit(absl::GetFlag(FLAGS_sites), ',', absl::SkipWhitespace())) {
    plan.add_usable_site_ids(std::string(site));
  }
  request.set_request_id(RequestId());
  v1::PackagePlan response;
  return Print(Billing()->CreatePackagePlan(Context().get(), request, &response), response);
}

int SellPackage(const std::vector<std::string>& args) {
  v1::SellPackageRequest request;
  request.set_site_id(args[0]);
  request.set_client(args[1]);
  request.set_plan(args[2]);
  request.set_request_id(RequestId());
  v1::PackageSale response;
  return Print(Billing()->SellPackage(Context().get(), request, &response), response);
}

int Packages(const std::vector<std::string>& args) {
  v1::ListPackagesRequest request;
  request.set_client(args[0]);
  return ForEachPage(
      *Billing(), &v1::Billing::Stub::ListPackages, request,
      [](const v1::ListPackagesResponse& page) {
        for (const v1::Package& package : page.packages()) {
          PrintRow(package,
                   {package.name(), package.display_name(), package.treatment_type_id(),
                    Label(package.state()),
                    absl::StrCat("used=", package.sessions_used(), "/", package.sessions_total()),
                    absl::StrCat("expires ", FormatTime(package.expire_time())),
                    absl::StrCat("sites=", absl::StrJoin(package.usable_site_ids(), ",")),
                    package.invoice()});
        }
      });
}

int GetPackage(const std::vector<std::string>& args) {
  v1::GetPackageRequest request;
  request.set_name(args[0]);
  v1::Package response;
  return Print(Billing()->GetPackage(Context().get(), request, &response), response);
}

int Charge(const std::vector<std::string>& args) {
  v1::ChargeTreatmentRequest request;
  request.set_site_id(args[0]);
  request.set_treatment_record(args[1]);
  request.set_treatment_type_id(args[2]);
  for (size_t i = 3; i < args.size(); ++i) request.add_area_ids(args[i]);
  request.set_request_id(RequestId());
  v1::TreatmentCharge response;
  return Print(Billing()->ChargeTreatment(Context().get(), request, &response), response);
}

// The reports print readable lines, and with --json the whole response, so
// a script has every field (the sums included) in one object.
int Statement(const std::vector<std::string>& args) {
  v1::GetClientStatementRequest request;
  request.set_client(args[0]);
  v1::ClientStatement response;
  const grpc::Status status = Billing()->GetClientStatement(Context().get(), request, &response);
  if (!status.ok() || absl::GetFlag(FLAGS_json)) return Print(status, response);
  for (const v1::Money& balance : response.opening_balances()) {
    std::printf("opening\t%s\n", MoneyText(balance).c_str());
  }
  for (const v1::StatementEntry& entry : response.entries()) {
    std::printf("%s\t%s\t%s\t%s\t%s\t%s\tbalance=%s\n", FormatTime(entry.time()).c_str(),
                Label(entry.kind()).c_str(), entry.number().empty() ? "-" : entry.number().c_str(),
                entry.document().c_str(), entry.site_id().c_str(),
                MoneyText(entry.amount()).c_str(), MoneyText(entry.balance()).c_str());
  }
  for (const v1::Money& balance : response.closing_balances()) {
    std::printf("owed\t%s\n", MoneyText(balance).c_str());
  }
  return 0;
}

int Takings(const std::vector<std::string>& args) {
  v1::GetDailyTakingsRequest request;
  request.set_site_id(args[0]);
  if (!DateFlag(args.size() > 1 ? args[1] : "", LocalToday(), request.mutable_date())) {
    return kBadUsage;
  }
  v1::DailyTakings response;
  const grpc::Status status = Billing()->GetDailyTakings(Context().get(), request, &response);
  if (!status.ok() || absl::GetFlag(FLAGS_json)) return Print(status, response);
  std::printf("%s\t%s\n", response.site_id().c_str(), FormatDate(response.date()).c_str());
  for (const v1::MethodTakings& method : response.methods()) {
    std::printf("%s\tcount=%d\tpayments=%s\trefunds=%s\tnet=%s\n", Label(method.method()).c_str(),
                method.payment_count(), MoneyText(method.payments()).c_str(),
                MoneyText(method.refunds()).c_str(), MoneyText(method.net()).c_str());
  }
  std::printf("net_takings\t%s\n", MoneyText(response.net_takings()).c_str());
  return 0;
}

int Revenue(const std::vector<std::string>& args) {
  v1::GetRevenueReportRequest request;
  request.set_site_id(args[0]);
  if (!ParseDate(args[1], request.mutable_start_date()) ||
      !ParseDate(args[2], request.mutable_end_date())) {
    return kBadUsage;
  }
  v1::RevenueReport response;
  const grpc::Status status = Billing()->GetRevenueReport(Context().get(), request, &response);
  if (!status.ok() || absl::GetFlag(FLAGS_json)) return Print(status, response);
  for (const v1::RevenueRow& row : response.rows()) {
    std::printf("%s\tquantity=%lld\tnet=%s\ttax=%s\ttotal=%s\n", ItemText(row.item()).c_str(),
                static_cast<long long>(row.quantity()), MoneyText(row.net_amount()).c_str(),
                MoneyText(row.tax_amount()).c_str(), MoneyText(row.total_amount()).c_str());
  }
  if (response.has_total()) {
    std::printf("total\tnet=%s\ttax=%s\ttotal=%s\n", MoneyText(response.net_total()).c_str(),
                MoneyText(response.tax_total()).c_str(), MoneyText(response.total()).c_str());
  }
  return 0;
}

constexpr char kAmountHelp[] =
    "AMOUNT is in major units with the currency's decimals: 250.00 or 250 in GBP,\n"
    "1000 in JPY, 12.345 in BHD; more decimals than the currency has are refused.";

}  // namespace

void AddBillingCommands(Registry& registry) {
  registry.Area("prices and packages");
  registry.Add({"prices",
                "SITE [--as_of=YYYY-MM-DD] [--history]",
                "a site's price list",
                "One line per item: price name, item, display name, unit price, tax category,\n"
                "first day, and \"(withdrawn)\". Items are written as set-price takes them.",
                {"as_of", "history"},
                Prices});
  registry.Add(
      {"set-price",
       "SITE ITEM [AMOUNT] --tax=CATEGORY [--name=TEXT] [--from=YYYY-MM-DD]",
       "price an item at a site from a day on",
       absl::StrCat(
           "ITEM is treatment:TYPE (a session), treatment:TYPE:AREA (one area),\n"
           "product:products/ID, fee:ID or plan:sites/SITE/packagePlans/ID.\n",
           kAmountHelp,
           "\nThe currency is the site's: taken from its price list, or --currency for its first\n"
           "price. With the site's prices_include_tax the amount includes tax; otherwise tax\n"
           "is added. Lines already on invoices keep their price. --withdraw (without AMOUNT)\n"
           "stops selling the item from --from."),
       {"tax", "name", "from", "currency", "withdraw", "request_id"},
       SetPrice});
  registry.Add({"tax-rates",
                "SITE [--as_of=YYYY-MM-DD]",
                "a site's tax rates",
                "One line per rate: category, rate, first day or \"(site config)\" for the\n"
                "site's configured rate where none is recorded, and the rate's name. With\n"
                "--as_of, the rate of each category in force that day; without, every\n"
                "recorded rate, newest first.",
                {"as_of"},
                TaxRates});
  registry.Add({"set-tax-rate",
                "SITE CATEGORY BASIS_POINTS --from=YYYY-MM-DD",
                "tax a category at a site from a day on",
                "CATEGORY is medical, cosmetic, retail or fee. BASIS_POINTS is whole hundredths\n"
                "of a percent (2000 is 20%; 0 exempt), or a percentage such as 20%. Invoices\n"
                "issued before --from keep the rates then in force.",
                {"from", "request_id"},
                SetTaxRate});
  registry.Add({"plans",
                "SITE",
                "the package plans a site sells",
                "One line per plan: name, display name, treatment type, sessions, days valid,\n"
                "and the sites where its sessions may be used.",
                {},
                Plans});
  registry.Add({"new-plan",
                "SITE TYPE SESSIONS DAYS --name=TEXT [--sites=SITE,...]",
                "define a course of sessions a site sells",
                "SESSIONS of treatment type TYPE, usable for DAYS from the sale. Price it with\n"
                "set-price SITE plan:NAME AMOUNT, then sell it with sell-package.",
                {"name", "sites", "request_id"},
                NewPlan});
  registry.Add({"sell-package",
                "SITE clients/ID PLAN",
                "sell a package plan to a client",
                "The package is usable at once; its price goes as a line on the client's open\n"
                "draft invoice at SITE (opened when there is none). Prints the package and the\n"
                "invoice: issue and pay it as any other.",
                {"request_id"},
                SellPackage});
  registry.Add({"packages",
                "clients/ID",
                "a client's packages across the chain, newest first",
                "One line per package: name, display name, treatment type, state, sessions\n"
                "used of sold, expiry, where usable, and the invoice that charged it.",
                {},
                Packages});
  registry.Add(
      {"package", "clients/ID/packages/ID", "show one package and its uses", "", {}, GetPackage});
  registry.Add({"charge",
                "SITE clients/ID/treatmentRecords/ID TYPE AREA...",
                "charge a treatment given",
                "A session of the client's package for TYPE pays when one is usable at SITE (the\n"
                "first to expire); otherwise lines go on the client's draft invoice at SITE at\n"
                "today's prices: the session price, else each AREA's. A record is charged once.",
                {"request_id"},
                Charge});
}

void AddBillingReportCommands(Registry& registry) {
  registry.Area("accounts and reports");
  registry.Add({"statement",
                "clients/ID",
                "a client's account across the chain",
                "One line per entry, oldest first: time, kind (invoice, credit_note, payment,\n"
                "refund), number, document, site, amount (what it adds to what is owed) and the\n"
                "balance after it; then \"owed\" and the balance per currency. --json prints\n"
                "the whole statement.",
                {},
                Statement});
  registry.Add({"takings",
                "SITE [YYYY-MM-DD]",
                "what a site took on a business day",
                "One line per payment method: count, payments, refunds and net; then\n"
                "net_takings, which leaves out package credit (no money taken). The day\n"
                "defaults to today on this machine. --json prints the whole report.",
                {},
                Takings});
  registry.Add({"revenue",
                "SITE FROM TO",
                "a site's revenue over business days",
                "FROM and TO are YYYY-MM-DD, TO included, at most 366 days apart. One line per\n"
                "item (treatments by type, products, fees, plans): units, net, tax and total,\n"
                "after credit notes and less treatments paid by package; then the sums.",
                {},
                Revenue});
}

}  // namespace clinic::clinicctl
