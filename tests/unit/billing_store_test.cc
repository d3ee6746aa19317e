// The Billing SQLite store against a real file, at chosen instants: a
// package past its expiry, the tax point on the issue day, numbering that
// starts again each year, a withdrawn price, issued invoices the database
// itself refuses to change, and a reopened store with its data intact.
#include "services/billing/billing_store.h"

#include <SQLiteCpp/Database.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/test_env.h"

namespace clinic::billing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kSite[] = "london-soho";
constexpr char kClient[] = "01JCL1ENT00000000000000000";

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

class BillingStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    store_.reset();
    auto store = OpenSqliteBillingStore(dir_.Join("billing.db"), 1 << 20);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  // London's terms on `day`, at noon UTC.
  static SiteTerms Terms(absl::CivilDay day) {
    SiteTerms site;
    site.site_id = kSite;
    site.currency = "GBP";
    site.currency_digits = 2;
    site.prices_include_tax = true;
    site.configured_tax_rate = 2000;
    site.invoice_prefix = "LSOHO";
    site.now = absl::FromCivil(absl::CivilHour(day.year(), day.month(), day.day(), 12),
                               absl::UTCTimeZone());
    site.today = DayNumber(day);
    site.year = static_cast<int>(day.year());
    return site;
  }

  std::string NextId() { return absl::StrCat("req-", ++requests_); }

  void Price(const std::string& item_text, int64_t amount, absl::CivilDay from,
             bool withdrawn = false) {
    v1::SetPriceRequest request;
    request.set_request_id(NextId());
    v1::Price price = Parse<v1::Price>(absl::StrCat("site_id: '", kSite, "' item { ", item_text,
                                                    " } display_name: 'Item' unit_price { "
                                                    "amount_minor: ",
                                                    amount,
                                                    " currency_code: 'GBP' } tax_category: "
                                                    "TAX_CATEGORY_MEDICAL_TREATMENT"));
    *price.mutable_effective_from() = ToDate(from);
    price.set_withdrawn(withdrawn);
    ASSERT_TRUE(store_->SetPrice(request, "staff/manager", price, ItemKey(price.item())).ok());
  }

  LineToAdd Line(const std::string& item_text) {
    LineToAdd line;
    *line.input.mutable_item() = Parse<v1::PricedItem>(item_text);
    line.item_key = ItemKey(line.input.item());
    line.field = "lines[0]";
    line.item_field = "lines[0].item";
    return line;
  }

  absl::StatusOr<v1::Invoice> Draft(const SiteTerms& site, const std::string& item_text) {
    v1::CreateInvoiceRequest request;
    request.set_request_id(NextId());
    return store_->CreateInvoice(request, "staff/clerk", site, kClient, {Line(item_text)});
  }

  absl::StatusOr<v1::Invoice> Issue(const SiteTerms& site, const v1::Invoice& draft) {
    v1::IssueInvoiceRequest request;
    request.set_name(draft.name());
    request.set_request_id(NextId());
    const std::string id = draft.name().substr(draft.name().rfind('/') + 1);
    return store_->IssueInvoice(request, "staff/clerk", site, id);
  }

  clinic::testing::TempDir dir_;
  std::unique_ptr<BillingStore> store_;
  int requests_ = 0;
  const std::string session_ = "treatment { treatment_type_id: 'microneedling' }";
};

TEST_F(BillingStoreTest, TheIssueDayIsTheTaxPoint) {
  const absl::CivilDay monday(2026, 3, 30);
  Price(session_, 12000, monday);
  // Medical treatment becomes exempt from Wednesday.
  v1::SetTaxRateRequest rate_request;
  rate_request.set_request_id(NextId());
  v1::TaxRate rate;
  rate.set_site_id(kSite);
  rate.set_category(v1::TAX_CATEGORY_MEDICAL_TREATMENT);
  rate.set_rate_basis_points(0);
  *rate.mutable_effective_from() = ToDate(monday + 2);
  ASSERT_TRUE(store_->SetTaxRate(rate_request, "staff/manager", rate).ok());

  auto draft = Draft(Terms(monday), session_);
  ASSERT_TRUE(draft.ok()) << draft.status();
  EXPECT_EQ(draft->lines(0).tax_rate_basis_points(), 2000);
  EXPECT_EQ(draft->tax_total().amount_minor(), 2000);
  // Issued on Wednesday: taxed at Wednesday's rate.
  auto issued = Issue(Terms(monday + 2), *draft);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->lines(0).tax_rate_basis_points(), 0);
  EXPECT_EQ(issued->tax_total().amount_minor(), 0);
  EXPECT_EQ(issued->total().amount_minor(), 12000);

  auto rates = store_->ListTaxRates(Terms(monday), DayNumber(monday + 1));
  ASSERT_TRUE(rates.ok());
  EXPECT_EQ(rates->tax_rates(0).rate_basis_points(), 2000);
  rates = store_->ListTaxRates(Terms(monday), DayNumber(monday + 2));
  ASSERT_TRUE(rates.ok());
  EXPECT_EQ(rates->tax_rates(0).rate_basis_points(), 0);
}

TEST_F(BillingStoreTest, EachYearHasItsOwnSequenceAndAWithdrawnItemHasNoPrice) {
  const absl::CivilDay new_years_eve(2026, 12, 31);
  Price(session_, 10000, new_years_eve);
  auto last = Draft(Terms(new_years_eve), session_);
  ASSERT_TRUE(last.ok());
  auto issued = Issue(Terms(new_years_eve), *last);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->number(), "LSOHO-2026-000001");
  auto next = Draft(Terms(new_years_eve + 1), session_);
  ASSERT_TRUE(next.ok());
  issued = Issue(Terms(new_years_eve + 1), *next);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->number(), "LSOHO-2027-000001");

  Price(session_, 0, new_years_eve + 2, /*withdrawn=*/true);
  auto refused = Draft(Terms(new_years_eve + 2), session_);
  EXPECT_EQ(GetReason(refused.status()), "PRICE_NOT_FOUND");
  // The day before, it was still priced.
  EXPECT_TRUE(Draft(Terms(new_years_eve + 1), session_).ok());
}

TEST_F(BillingStoreTest, APackagePastItsExpiryIsNotRedeemed) {
  const absl::CivilDay day(2026, 6, 1);
  v1::CreatePackagePlanRequest plan_request;
  plan_request.set_request_id(NextId());
  auto plan = store_->CreatePackagePlan(
      plan_request, "staff/manager",
      Parse<v1::PackagePlan>(absl::StrCat("site_id: '", kSite,
                                          "' display_name: 'Course of 2' treatment_type_id: "
                                          "'microneedling' sessions: 2 validity_days: 30")));
  ASSERT_TRUE(plan.ok());
  Price(absl::StrCat("package_plan: '", plan->name(), "'"), 30000, day);
  v1::SellPackageRequest sell;
  sell.set_request_id(NextId());
  auto sale = store_->SellPackage(sell, "staff/clerk", Terms(day), kClient, *plan);
  ASSERT_TRUE(sale.ok()) << sale.status();
  const std::string package_id =
      sale->package().name().substr(sale->package().name().rfind('/') + 1);
  auto redeem = [&](absl::Time at) {
    v1::RedeemPackageRequest request;
    request.set_site_id(kSite);
    request.set_treatment_type_id("microneedling");
    request.set_request_id(NextId());
    return store_->RedeemPackage(request, "staff/nurse", kClient, package_id, at);
  };
  const absl::Time sold = Terms(day).now;
  ASSERT_TRUE(redeem(sold + absl::Hours(24) * 29).ok());
  auto late = redeem(sold + absl::Hours(24) * 30);
  EXPECT_EQ(GetReason(late.status()), "PACKAGE_EXPIRED");
  auto package = store_->GetPackage(kClient, package_id, sold + absl::Hours(24) * 31);
  ASSERT_TRUE(package.ok());
  EXPECT_EQ(package->state(), v1::PACKAGE_STATE_EXPIRED);
  EXPECT_EQ(package->sessions_used(), 1);
  // Another treatment type is refused too, before expiry.
  v1::RedeemPackageRequest other;
  other.set_site_id(kSite);
  other.set_treatment_type_id("rf_microneedling");
  other.set_request_id(NextId());
  EXPECT_EQ(
      GetReason(store_->RedeemPackage(other, "staff/nurse", kClient, package_id, sold).status()),
      "TREATMENT_TYPE_MISMATCH");
}

TEST_F(BillingStoreTest, TheDatabaseRefusesToChangeAnIssuedInvoiceOrAPayment) {
  const absl::CivilDay day(2026, 6, 1);
  Price(session_, 10000, day);
  auto draft = Draft(Terms(day), session_);
  ASSERT_TRUE(draft.ok());
  auto issued = Issue(Terms(day), *draft);
  ASSERT_TRUE(issued.ok());
  PaymentToRecord payment;
  payment.site_id = kSite;
  payment.invoice_id = issued->name().substr(issued->name().rfind('/') + 1);
  payment.request = Parse<v1::RecordPaymentRequest>(
      "amount { amount_minor: 100 currency_code: 'GBP' } method: PAYMENT_METHOD_CASH "
      "request_id: 'cash-1'");
  ASSERT_TRUE(store_->RecordPayment(payment, "staff/clerk", Terms(day).now).ok());
  store_.reset();
  SQLite::Database raw(dir_.Join("billing.db"), SQLite::OPEN_READWRITE);
  for (const char* sql :
       {"UPDATE invoices SET total_minor = 1", "UPDATE invoices SET number = 'LSOHO-2026-000009'",
        "DELETE FROM invoices", "UPDATE payments SET amount_minor = 1", "DELETE FROM payments"}) {
    try {
      raw.exec(sql);
      ADD_FAILURE() << sql << " was accepted";
    } catch (const SQLite::Exception& e) {
      EXPECT_THAT(e.what(), HasSubstr("never")) << sql;
    }
  }
  // Reopened, the invoice reads as it was.
  Open();
  auto read = store_->GetInvoice(kSite, payment.invoice_id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->number(), "LSOHO-2026-000001");
  EXPECT_EQ(read->amount_paid().amount_minor(), 100);
  EXPECT_EQ(read->state(), v1::INVOICE_STATE_PARTIALLY_PAID);
}

}  // namespace
}  // namespace clinic::billing
