// The Billing records the hostile-input baselines name.
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/storage/ids.h"
#include "tests/integration/hostile_input_suite.h"

namespace clinic::hostile {

void HostileInputTest::CreateBillingFixtures() {
  absl::TimeZone london;
  absl::LoadTimeZone("Europe/London", &london);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), london);
  values_["{today}"] =
      absl::StrCat("year: ", today.year(), " month: ", today.month(), " day: ", today.day());
  const std::string effective = absl::StrCat("effective_from { ", values_["{today}"], " }");
  if (Setup("Billing", "SetPrice",
            absl::StrCat("price { site_id: '", kSite,
                         "' item { treatment { treatment_type_id: 'microneedling' } } "
                         "display_name: 'Microneedling' unit_price { amount_minor: 25000 "
                         "currency_code: 'GBP' } tax_category: TAX_CATEGORY_COSMETIC_TREATMENT ",
                         effective, " } request_id: '", NextRequestId(), "'")) == nullptr) {
    return;
  }
  auto plan = Setup("Billing", "CreatePackagePlan",
                    absl::StrCat("plan { site_id: '", kSite,
                                 "' display_name: 'Course of 3' treatment_type_id: 'microneedling' "
                                 "sessions: 3 validity_days: 365 } request_id: '",
                                 NextRequestId(), "'"));
  if (plan == nullptr) return;
  values_["{plan}"] = StringAt(*plan, "name");
  if (Setup("Billing", "SetPrice",
            absl::StrCat("price { site_id: '", kSite, "' item { package_plan: '", values_["{plan}"],
                         "' } display_name: 'Course of 3' unit_price { amount_minor: 60000 "
                         "currency_code: 'GBP' } tax_category: TAX_CATEGORY_COSMETIC_TREATMENT ",
                         effective, " } request_id: '", NextRequestId(), "'")) == nullptr) {
    return;
  }
  auto draft = [] {
    auto created = Setup(
        "Billing", "CreateInvoice",
        absl::StrCat("invoice { site_id: '", kSite, "' client: '", values_["{client}"],
                     "' } lines { item { treatment { treatment_type_id: 'microneedling' } } } "
                     "request_id: '",
                     NextRequestId(), "'"));
    return created == nullptr ? std::string() : StringAt(*created, "name");
  };
  auto issued = [draft] {
    const std::string name = draft();
    if (name.empty()) return name;
    auto done = Setup("Billing", "IssueInvoice",
                      absl::StrCat("name: '", name, "' request_id: '", NextRequestId(), "'"));
    return done == nullptr ? std::string() : name;
  };
  auto paid = [issued] {
    const std::string invoice = issued();
    if (invoice.empty()) return invoice;
    auto payment = Setup("Billing", "RecordPayment",
                         absl::StrCat("invoice: '", invoice,
                                      "' amount { amount_minor: 1000 currency_code: 'GBP' } "
                                      "method: PAYMENT_METHOD_CARD request_id: '",
                                      NextRequestId(), "'"));
    return payment == nullptr ? std::string() : StringAt(*payment, "name");
  };
  auto package = [] {
    auto sale =
        Setup("Billing", "SellPackage",
              absl::StrCat("site_id: '", kSite, "' client: '", values_["{client}"], "' plan: '",
                           values_["{plan}"], "' request_id: '", NextRequestId(), "'"));
    return sale == nullptr ? std::string() : StringAt(*sale, "package.name");
  };
  values_["{invoice}"] = issued();
  values_["{payment}"] = paid();
  values_["{package}"] = package();
  if (values_["{invoice}"].empty() || values_["{payment}"].empty() ||
      values_["{package}"].empty()) {
    setup_error_ = "cannot create the billing fixtures";
    return;
  }
  auto refund = Setup("Billing", "RefundPayment",
                      absl::StrCat("payment: '", values_["{payment}"],
                                   "' amount { amount_minor: 100 currency_code: 'GBP' } "
                                   "reason: 'fixture' request_id: '",
                                   NextRequestId(), "'"));
  if (refund == nullptr) return;
  values_["{credit_note}"] = StringAt(*refund, "credit_note.name");
  if (!AddFresh("{fresh_draft}", 'D', draft) || !AddFresh("{fresh_issued}", 'I', issued) ||
      !AddFresh("{fresh_payment}", 'Y', paid) || !AddFresh("{fresh_package}", 'K', package)) {
    return;
  }
  // A treatment is charged once, so each call names a record of its own.
  AddFresh("{fresh_record}", 'X', [] {
    return absl::StrCat(values_["{client}"], "/treatmentRecords/", storage::NewId());
  });
}

}  // namespace clinic::hostile
