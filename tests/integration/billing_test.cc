// Billing over real gRPC on loopback, hosted as clinicd hosts it: invoice
// totals in four currencies and both tax shapes, the invoice state machine
// with every illegal move refused, gap-free numbers under 32 concurrent
// issuers, idempotent payments, refunds and credit notes, a table of bad
// input refused with its code and field and nothing written, and a restart
// with the data intact. Packages, charges and reports are in
// billing_packages_test.cc.
#include <gmock/gmock.h>

#include <functional>
#include <set>
#include <thread>

#include "absl/strings/str_format.h"
#include "tests/integration/billing_fixture.h"

namespace clinic::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

int64_t Amount(const v1::Money& money) { return money.amount_minor(); }

std::string YearAt(const char* zone_name) {
  absl::TimeZone zone;
  absl::LoadTimeZone(zone_name, &zone);
  return absl::StrCat(absl::ToCivilYear(absl::Now(), zone).year());
}

TEST_F(BillingTest, TotalsInEveryCurrencyAndTaxShape) {
  struct Case {
    const char* site;
    int64_t price;
    const char* lines;
    int64_t net, tax, total, discount;
    int digits;
  };
  const std::string client = NewClient();
  for (const Case& c : {
           // 3 x 25.00 GBP, 10% off, 20% included: 67.50 of which 11.25 tax.
           Case{kLondon, 2500,
                "quantity: 3 discount { percent_basis_points: 1000 reason: 'loyalty' }", 5625, 1125,
                6750, 750, 2},
           // 6.25 USD with 8.88% added: 0.555 of tax rounds half up to 0.56.
           Case{kNewYork, 625, "quantity: 1", 625, 56, 681, 0, 2},
           // 1005 JPY with 10% included: 91.36 yen of tax rounds to 91.
           Case{kTokyo, 1005, "quantity: 1", 914, 91, 1005, 0, 0},
           // 12.345 BHD with 10% added: 1.2345 rounds half up to 1.235.
           Case{kManama, 12345, "quantity: 1", 12345, 1235, 13580, 0, 3},
       }) {
    SCOPED_TRACE(c.site);
    SetPrice(c.site, Session(), c.price);
    v1::Invoice invoice;
    const grpc::Status status = CreateInvoice(
        c.site, client, absl::StrCat("lines { item { ", Session(), " } ", c.lines, " }"), invoice);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(invoice.currency_code(), CurrencyOf(c.site));
    EXPECT_EQ(invoice.currency_digits(), c.digits);
    EXPECT_EQ(Amount(invoice.net_total()), c.net);
    EXPECT_EQ(Amount(invoice.tax_total()), c.tax);
    EXPECT_EQ(Amount(invoice.total()), c.total);
    EXPECT_EQ(Amount(invoice.discount_total()), c.discount);
    EXPECT_EQ(Amount(invoice.balance_due()), c.total);
    ASSERT_THAT(invoice.tax_breakdown(), SizeIs(1));
    EXPECT_EQ(Amount(invoice.tax_breakdown(0).tax_amount()), c.tax);
    EXPECT_EQ(invoice.lines(0).total_amount().currency_code(), CurrencyOf(c.site));
  }
}

TEST_F(BillingTest, TheInvoiceStateMachineRefusesEveryIllegalMove) {
  SetPrice(kLondon, Session(), 10000);
  const std::string client = NewClient();
  v1::Invoice draft;
  ASSERT_TRUE(CreateInvoice(kLondon, client, "", draft).ok());
  EXPECT_EQ(draft.state(), v1::INVOICE_STATE_DRAFT);
  EXPECT_EQ(draft.number(), "");

  v1::IssueInvoiceRequest issue;
  issue.set_name(draft.name());
  issue.set_request_id(NextId());
  v1::Invoice out;
  grpc::Status status = stub_->IssueInvoice(Context(clerk_).get(), issue, &out);
  EXPECT_EQ(ReasonOf(status), "INVOICE_EMPTY");

  v1::Payment payment;
  status = Pay(draft.name(), 100, "GBP", payment);
  EXPECT_EQ(ReasonOf(status), "INVOICE_NOT_PAYABLE") << status.error_message();

  auto add = Parse<v1::AddInvoiceLinesRequest>(absl::StrCat("invoice: '", draft.name(),
                                                            "' lines { item { ", Session(),
                                                            " } } request_id: '", NextId(), "'"));
  ASSERT_TRUE(stub_->AddInvoiceLines(Context(clerk_).get(), add, &draft).ok());
  // A stale etag is refused.
  auto stale = add;
  stale.set_etag("\"stale\"");
  stale.set_request_id(NextId());
  status = stub_->AddInvoiceLines(Context(clerk_).get(), stale, &out);
  EXPECT_EQ(status.error_code(), grpc::ABORTED);

  issue.set_etag(draft.etag());
  issue.set_request_id(NextId());
  v1::Invoice issued;
  ASSERT_TRUE(stub_->IssueInvoice(Context(clerk_).get(), issue, &issued).ok());
  EXPECT_EQ(issued.state(), v1::INVOICE_STATE_ISSUED);
  EXPECT_THAT(issued.number(), ::testing::MatchesRegex("LSOHO-[0-9]{4}-000001"));

  // Issued is frozen: no lines, no second issue, no line removal.
  add.set_request_id(NextId());
  EXPECT_EQ(ReasonOf(stub_->AddInvoiceLines(Context(clerk_).get(), add, &out)),
            "INVOICE_NOT_DRAFT");
  issue.clear_etag();
  issue.set_request_id(NextId());
  EXPECT_EQ(ReasonOf(stub_->IssueInvoice(Context(clerk_).get(), issue, &out)), "INVOICE_NOT_DRAFT");
  v1::RemoveInvoiceLineRequest remove;
  remove.set_invoice(issued.name());
  remove.set_line_id("1");
  remove.set_request_id(NextId());
  EXPECT_EQ(ReasonOf(stub_->RemoveInvoiceLine(Context(clerk_).get(), remove, &out)),
            "INVOICE_NOT_DRAFT");

  ASSERT_TRUE(Pay(issued.name(), 4000, "GBP", payment).ok());
  EXPECT_EQ(Get(issued.name()).state(), v1::INVOICE_STATE_PARTIALLY_PAID);
  v1::VoidInvoiceRequest void_request;
  void_request.set_name(issued.name());
  void_request.set_reason("mistake");
  void_request.set_request_id(NextId());
  EXPECT_EQ(ReasonOf(stub_->VoidInvoice(Context(clerk_).get(), void_request, &out)),
            "INVOICE_HAS_PAYMENTS");
  ASSERT_TRUE(Pay(issued.name(), 6000, "GBP", payment).ok());
  const v1::Invoice paid = Get(issued.name());
  EXPECT_EQ(paid.state(), v1::INVOICE_STATE_PAID);
  EXPECT_EQ(Amount(paid.balance_due()), 0);
  EXPECT_EQ(ReasonOf(Pay(issued.name(), 1, "GBP", payment)), "INVOICE_NOT_PAYABLE");

  // An issued invoice with nothing paid can be voided, once, and keeps its
  // number; a void one takes no payment.
  const v1::Invoice second =
      Issued(kLondon, client, absl::StrCat("lines { item { ", Session(), " } }"));
  void_request.set_name(second.name());
  void_request.set_request_id(NextId());
  v1::Invoice voided;
  ASSERT_TRUE(stub_->VoidInvoice(Context(clerk_).get(), void_request, &voided).ok());
  EXPECT_EQ(voided.state(), v1::INVOICE_STATE_VOID);
  EXPECT_EQ(voided.number(), second.number());
  EXPECT_EQ(voided.void_reason(), "mistake");
  void_request.set_request_id(NextId());
  EXPECT_EQ(ReasonOf(stub_->VoidInvoice(Context(clerk_).get(), void_request, &out)),
            "INVOICE_VOID");
  EXPECT_EQ(ReasonOf(Pay(second.name(), 100, "GBP", payment)), "INVOICE_NOT_PAYABLE");
  v1::IssueCreditNoteRequest credit = Parse<v1::IssueCreditNoteRequest>(absl::StrCat(
      "invoice: '", second.name(),
      "' lines { line_id: '1' amount { amount_minor: 100 currency_code: 'GBP' } } reason: 'x' "
      "request_id: '",
      NextId(), "'"));
  v1::CreditNote note;
  EXPECT_EQ(ReasonOf(stub_->IssueCreditNote(Context(manager_).get(), credit, &note)),
            "INVOICE_NOT_ISSUED");
}

TEST_F(BillingTest, NumbersAreGapFreeUnder32ConcurrentIssuers) {
  SetPrice(kLondon, Session(), 10000);
  constexpr int kIssuers = 32;
  std::vector<std::string> drafts;
  for (int i = 0; i < kIssuers; ++i) {
    v1::Invoice draft;
    ASSERT_TRUE(CreateInvoice(kLondon, NewClient(),
                              absl::StrCat("lines { item { ", Session(), " } }"), draft)
                    .ok());
    drafts.push_back(draft.name());
  }
  std::vector<std::string> numbers(kIssuers);
  std::vector<std::thread> threads;
  for (int i = 0; i < kIssuers; ++i) {
    threads.emplace_back([&, i] {
      v1::IssueInvoiceRequest request;
      request.set_name(drafts[i]);
      request.set_request_id(absl::StrCat("issue-", i));
      v1::Invoice issued;
      grpc::Status status;
      // A busy database answers UNAVAILABLE; a retry with the same id is
      // what a real caller does.
      for (int attempt = 0; attempt < 20; ++attempt) {
        status = stub_->IssueInvoice(Context(clerk_).get(), request, &issued);
        if (status.error_code() != grpc::UNAVAILABLE &&
            status.error_code() != grpc::RESOURCE_EXHAUSTED) {
          break;
        }
      }
      EXPECT_TRUE(status.ok()) << status.error_message();
      numbers[i] = issued.number();
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::string year = YearAt("Europe/London");
  std::set<std::string> expected, got(numbers.begin(), numbers.end());
  for (int n = 1; n <= kIssuers; ++n) {
    expected.insert(absl::StrCat("LSOHO-", year, "-", absl::StrFormat("%06d", n)));
  }
  EXPECT_EQ(got, expected);
  // Another site counts on its own, with its prefix made from its id.
  SetPrice(kNewYork, Session(), 10000);
  EXPECT_EQ(
      Issued(kNewYork, NewClient(), absl::StrCat("lines { item { ", Session(), " } }")).number(),
      absl::StrCat("NEWYORKSOHO-", YearAt("America/New_York"), "-000001"));
}

TEST_F(BillingTest, APaymentRetriedWithItsRequestIdIsTakenOnce) {
  SetPrice(kLondon, Session(), 10000);
  const v1::Invoice invoice =
      Issued(kLondon, NewClient(), absl::StrCat("lines { item { ", Session(), " } }"));
  v1::Payment first, again;
  ASSERT_TRUE(Pay(invoice.name(), 3000, "GBP", first, "PAYMENT_METHOD_CASH", "pay-1").ok());
  ASSERT_TRUE(Pay(invoice.name(), 3000, "GBP", again, "PAYMENT_METHOD_CASH", "pay-1").ok());
  EXPECT_EQ(first.name(), again.name());
  EXPECT_EQ(Amount(Get(invoice.name()).amount_paid()), 3000);
  // The same id for another payment is refused, and takes nothing.
  const grpc::Status reused =
      Pay(invoice.name(), 5000, "GBP", again, "PAYMENT_METHOD_CASH", "pay-1");
  EXPECT_EQ(reused.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(FieldOf(reused), "request_id");
  EXPECT_EQ(Amount(Get(invoice.name()).amount_paid()), 3000);
}

TEST_F(BillingTest, RefundsAndCreditNotesNeverTakeBackMoreThanWasPaidOrOwed) {
  SetPrice(kLondon, Session(), 10000);
  SetPrice(kLondon, "fee_id: 'consultation'", 5000, "TAX_CATEGORY_FEE");
  const std::string client = NewClient();
  const v1::Invoice invoice = Issued(
      kLondon, client,
      absl::StrCat("lines { item { ", Session(), " } } lines { item { fee_id: 'consultation' } }"));
  ASSERT_EQ(Amount(invoice.total()), 15000);
  v1::Payment payment;
  ASSERT_TRUE(Pay(invoice.name(), 15000, "GBP", payment).ok());

  auto refund = Parse<v1::RefundPaymentRequest>(
      absl::StrCat("payment: '", payment.name(),
                   "' amount { amount_minor: 6000 currency_code: 'GBP' } reason: 'course "
                   "cancelled' request_id: '",
                   NextId(), "'"));
  v1::Refund done;
  grpc::Status status = stub_->RefundPayment(Context(manager_).get(), refund, &done);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(Amount(done.payment().amount()), -6000);
  EXPECT_EQ(done.payment().refund_of(), payment.name());
  EXPECT_THAT(done.credit_note().number(), ::testing::MatchesRegex("LSOHO-CN-[0-9]{4}-000001"));
  EXPECT_EQ(Amount(done.credit_note().total()), 6000);
  // Spread over the lines in order: the whole treatment line (16.67 of
  // VAT on 100.00) is not reached; 60.00 of it is, with 10.00 of VAT.
  ASSERT_THAT(done.credit_note().lines(), SizeIs(1));
  EXPECT_EQ(Amount(done.credit_note().lines(0).tax_amount()), 1000);
  v1::Invoice after = Get(invoice.name());
  EXPECT_EQ(Amount(after.amount_paid()), 9000);
  EXPECT_EQ(Amount(after.amount_credited()), 6000);
  EXPECT_EQ(Amount(after.balance_due()), 0);
  EXPECT_EQ(after.state(), v1::INVOICE_STATE_PAID);

  // What is left of the payment is 90.00: 90.01 is refused, nothing written.
  refund.mutable_amount()->set_amount_minor(9001);
  refund.set_request_id(NextId());
  status = stub_->RefundPayment(Context(manager_).get(), refund, &done);
  EXPECT_EQ(ReasonOf(status), "AMOUNT_EXCEEDS_REFUNDABLE");
  EXPECT_EQ(FieldOf(status), "amount.amount_minor");
  EXPECT_EQ(Amount(Get(invoice.name()).amount_credited()), 6000);
  // The clerk may not refund.
  refund.mutable_amount()->set_amount_minor(100);
  EXPECT_EQ(stub_->RefundPayment(Context(clerk_).get(), refund, &done).error_code(),
            grpc::PERMISSION_DENIED);

  // On an unpaid invoice a credit note lowers what is owed, never below
  // zero, and never more than is left of a line.
  const v1::Invoice unpaid =
      Issued(kLondon, client, absl::StrCat("lines { item { ", Session(), " } }"));
  auto credit = Parse<v1::IssueCreditNoteRequest>(absl::StrCat(
      "invoice: '", unpaid.name(),
      "' lines { line_id: '1' amount { amount_minor: 2500 currency_code: 'GBP' } } reason: "
      "'agreed discount' request_id: '",
      NextId(), "'"));
  v1::CreditNote note;
  ASSERT_TRUE(stub_->IssueCreditNote(Context(manager_).get(), credit, &note).ok());
  EXPECT_THAT(note.number(), ::testing::MatchesRegex("LSOHO-CN-[0-9]{4}-000002"));
  EXPECT_EQ(note.invoice_number(), unpaid.number());
  EXPECT_EQ(Amount(Get(unpaid.name()).balance_due()), 7500);
  credit.mutable_lines(0)->mutable_amount()->set_amount_minor(7501);
  credit.set_request_id(NextId());
  status = stub_->IssueCreditNote(Context(manager_).get(), credit, &note);
  EXPECT_EQ(ReasonOf(status), "AMOUNT_EXCEEDS_LINE");
  EXPECT_EQ(FieldOf(status), "lines[0].amount");
  ASSERT_TRUE(Pay(unpaid.name(), 7000, "GBP", payment).ok());
  credit.mutable_lines(0)->mutable_amount()->set_amount_minor(600);
  credit.set_request_id(NextId());
  EXPECT_EQ(ReasonOf(stub_->IssueCreditNote(Context(manager_).get(), credit, &note)),
            "AMOUNT_EXCEEDS_BALANCE");
  EXPECT_EQ(Amount(Get(unpaid.name()).amount_credited()), 2500);
}

// Each bad request is refused with its code, reason or field, and leaves the
// invoice exactly as it was.
TEST_F(BillingTest, BadInputIsRefusedPreciselyAndWritesNothing) {
  SetPrice(kLondon, Session(), 10000);
  const std::string client = NewClient();
  const v1::Invoice invoice =
      Issued(kLondon, client, absl::StrCat("lines { item { ", Session(), " } }"));
  v1::Invoice voided;
  {
    v1::Invoice draft;
    ASSERT_TRUE(
        CreateInvoice(kLondon, client, absl::StrCat("lines { item { ", Session(), " } }"), draft)
            .ok());
    v1::VoidInvoiceRequest request;
    request.set_name(draft.name());
    request.set_reason("abandoned");
    request.set_request_id(NextId());
    ASSERT_TRUE(stub_->VoidInvoice(Context(clerk_).get(), request, &voided).ok());
  }
  struct Bad {
    std::string what;
    std::function<grpc::Status()> call;
    grpc::StatusCode code;
    std::string reason_or_field;
  };
  v1::Invoice draft_out;
  v1::Payment payment_out;
  const std::string line = absl::StrCat("lines { item { ", Session(), " } ");
  const std::vector<Bad> cases = {
      {"negative quantity",
       [&] { return CreateInvoice(kLondon, client, line + "quantity: -2 }", draft_out); },
       grpc::INVALID_ARGUMENT, "lines[0].quantity"},
      {"unknown price",
       [&] {
         return CreateInvoice(kLondon, client, "lines { item { fee_id: 'unpriced' } }", draft_out);
       },
       grpc::FAILED_PRECONDITION, "PRICE_NOT_FOUND"},
      {"unknown area",
       [&] {
         return CreateInvoice(kLondon, client,
                              absl::StrCat("lines { item { ", Area("elbow"), " } }"), draft_out);
       },
       grpc::INVALID_ARGUMENT, "lines[0].item.treatment.area_id"},
      {"discount above the line",
       [&] {
         return CreateInvoice(
             kLondon, client,
             line + "discount { amount { amount_minor: 10001 currency_code: 'GBP' } } }",
             draft_out);
       },
       grpc::INVALID_ARGUMENT, "lines[0].discount.amount"},
      {"discount in another currency",
       [&] {
         return CreateInvoice(
             kLondon, client,
             line + "discount { amount { amount_minor: 100 currency_code: 'USD' } } }", draft_out);
       },
       grpc::INVALID_ARGUMENT, "lines[0].discount.amount.currency_code"},
      {"payment in another currency", [&] { return Pay(invoice.name(), 100, "USD", payment_out); },
       grpc::INVALID_ARGUMENT, "amount.currency_code"},
      {"paying a void invoice", [&] { return Pay(voided.name(), 100, "GBP", payment_out); },
       grpc::FAILED_PRECONDITION, "INVOICE_NOT_PAYABLE"},
      {"paying more than owed", [&] { return Pay(invoice.name(), 10001, "GBP", payment_out); },
       grpc::FAILED_PRECONDITION, "AMOUNT_EXCEEDS_BALANCE"},
      {"zero payment", [&] { return Pay(invoice.name(), 0, "GBP", payment_out); },
       grpc::INVALID_ARGUMENT, "amount.amount_minor"},
      {"gift card without its number",
       [&] {
         auto request = Parse<v1::RecordPaymentRequest>(
             absl::StrCat("invoice: '", invoice.name(),
                          "' amount { amount_minor: 100 currency_code: 'GBP' } method: "
                          "PAYMENT_METHOD_GIFT_CARD request_id: '",
                          NextId(), "'"));
         return stub_->RecordPayment(Context(clerk_).get(), request, &payment_out);
       },
       grpc::INVALID_ARGUMENT, "reference"},
      {"an invoice of a site the chain does not have",
       [&] { return Pay("sites/paris/invoices/" + storage::NewId(), 100, "GBP", payment_out); },
       grpc::NOT_FOUND, ""},
      {"a plan sold as a line",
       [&] {
         return CreateInvoice(kLondon, client,
                              "lines { item { package_plan: "
                              "'sites/london-soho/packagePlans/01J0000000000000000000000' "
                              "} }",
                              draft_out);
       },
       grpc::INVALID_ARGUMENT, "lines[0].item.package_plan"},
  };
  const v1::Invoice before = Get(invoice.name());
  v1::ListInvoicesRequest list;
  list.set_site_id(kLondon);
  v1::ListInvoicesResponse listed_before, listed_after;
  ASSERT_TRUE(stub_->ListInvoices(Context(clerk_).get(), list, &listed_before).ok());
  for (const Bad& bad : cases) {
    SCOPED_TRACE(bad.what);
    const grpc::Status status = bad.call();
    EXPECT_EQ(status.error_code(), bad.code) << status.error_message();
    if (!bad.reason_or_field.empty()) {
      EXPECT_TRUE(ReasonOf(status) == bad.reason_or_field || FieldOf(status) == bad.reason_or_field)
          << ReasonOf(status) << " / " << FieldOf(status) << ": " << status.error_message();
    }
    EXPECT_LE(status.error_message().size(), 512u);
  }
  EXPECT_EQ(Get(invoice.name()).SerializeAsString(), before.SerializeAsString());
  ASSERT_TRUE(stub_->ListInvoices(Context(clerk_).get(), list, &listed_after).ok());
  EXPECT_EQ(listed_after.invoices_size(), listed_before.invoices_size());
}

TEST_F(BillingTest, PricesAndTaxRatesTakeEffectFromTheirDayAndKeepIssuedInvoices) {
  SetPrice(kLondon, Session(), 10000);
  const v1::Invoice before =
      Issued(kLondon, NewClient(), absl::StrCat("lines { item { ", Session(), " } }"));
  // A price and a rate from tomorrow do not touch today's lines or what
  // was issued.
  auto price = Parse<v1::SetPriceRequest>(absl::StrCat(
      "price { site_id: '", kLondon, "' item { ", Session(),
      " } display_name: 'Dearer' unit_price { amount_minor: 12000 currency_code: 'GBP' } "
      "tax_category: TAX_CATEGORY_COSMETIC_TREATMENT effective_from { ",
      TodayAt("Europe/London", 1), " } } request_id: '", NextId(), "'"));
  v1::Price set;
  ASSERT_TRUE(stub_->SetPrice(Context(manager_).get(), price, &set).ok());
  // A day in the past is refused.
  price.mutable_price()->mutable_effective_from()->set_year(2020);
  price.set_request_id(NextId());
  grpc::Status status = stub_->SetPrice(Context(manager_).get(), price, &set);
  EXPECT_EQ(FieldOf(status), "price.effective_from");
  // The clerk does not set prices.
  price.mutable_price()->mutable_effective_from()->set_year(2099);
  EXPECT_EQ(stub_->SetPrice(Context(clerk_).get(), price, &set).error_code(),
            grpc::PERMISSION_DENIED);

  v1::ListPricesRequest list;
  list.set_site_id(kLondon);
  v1::ListPricesResponse today, tomorrow;
  ASSERT_TRUE(stub_->ListPrices(Context(clerk_).get(), list, &today).ok());
  ASSERT_THAT(today.prices(), SizeIs(1));
  EXPECT_EQ(Amount(today.prices(0).unit_price()), 10000);
  *list.mutable_as_of() = Parse<v1::Date>(TodayAt("Europe/London", 1));
  ASSERT_TRUE(stub_->ListPrices(Context(clerk_).get(), list, &tomorrow).ok());
  ASSERT_THAT(tomorrow.prices(), SizeIs(1));
  EXPECT_EQ(Amount(tomorrow.prices(0).unit_price()), 12000);

  // Medical treatment exempt from tomorrow: today's rates are the site's.
  auto rate = Parse<v1::SetTaxRateRequest>(absl::StrCat(
      "site_id: '", kLondon,
      "' category: TAX_CATEGORY_MEDICAL_TREATMENT rate_basis_points: 0 effective_from { ",
      TodayAt("Europe/London", 1), " } request_id: '", NextId(), "'"));
  v1::TaxRate recorded;
  ASSERT_TRUE(stub_->SetTaxRate(Context(manager_).get(), rate, &recorded).ok());
  v1::ListTaxRatesRequest rates;
  rates.set_site_id(kLondon);
  *rates.mutable_as_of() = Parse<v1::Date>(TodayAt("Europe/London"));
  v1::ListTaxRatesResponse in_force;
  ASSERT_TRUE(stub_->ListTaxRates(Context(clerk_).get(), rates, &in_force).ok());
  ASSERT_THAT(in_force.tax_rates(), SizeIs(4));
  for (const v1::TaxRate& each : in_force.tax_rates()) {
    EXPECT_EQ(each.rate_basis_points(), 2000);
    EXPECT_TRUE(each.from_site_config());
  }
  *rates.mutable_as_of() = Parse<v1::Date>(TodayAt("Europe/London", 1));
  ASSERT_TRUE(stub_->ListTaxRates(Context(clerk_).get(), rates, &in_force).ok());
  EXPECT_EQ(in_force.tax_rates(0).category(), v1::TAX_CATEGORY_MEDICAL_TREATMENT);
  EXPECT_EQ(in_force.tax_rates(0).rate_basis_points(), 0);
  EXPECT_FALSE(in_force.tax_rates(0).from_site_config());

  EXPECT_EQ(Get(before.name()).SerializeAsString(), before.SerializeAsString());
}

TEST_F(BillingTest, ARestartKeepsEveryInvoicePaymentAndNumber) {
  SetPrice(kLondon, Session(), 10000);
  const v1::Invoice invoice =
      Issued(kLondon, NewClient(), absl::StrCat("lines { item { ", Session(), " } }"));
  v1::Payment payment;
  ASSERT_TRUE(Pay(invoice.name(), 2500, "GBP", payment).ok());
  const v1::Invoice before = Get(invoice.name());
  Restart();
  EXPECT_EQ(Get(invoice.name()).SerializeAsString(), before.SerializeAsString());
  // The sequence continues after the restart.
  const v1::Invoice next =
      Issued(kLondon, NewClient(), absl::StrCat("lines { item { ", Session(), " } }"));
  EXPECT_THAT(next.number(), HasSubstr("-000002"));
}

// A site that changes currency (as Croatia's did from HRK to EUR) keeps its
// old invoices readable and payable in the currency they were issued in;
// new ones are in the new currency, and old prices are not used for them.
TEST_F(BillingTest, InvoicesKeepTheirCurrencyWhenTheSiteChangesIt) {
  SetPrice(kLondon, Session(), 10000);
  const v1::Invoice before =
      Issued(kLondon, NewClient(), absl::StrCat("lines { item { ", Session(), " } }"));
  london_currency_ = "EUR";
  Restart();
  const v1::Invoice after = Get(before.name());
  EXPECT_EQ(after.currency_code(), "GBP");
  EXPECT_EQ(after.currency_digits(), 2);
  EXPECT_EQ(after.total().SerializeAsString(), before.total().SerializeAsString());
  v1::Payment payment;
  ASSERT_TRUE(Pay(before.name(), 10000, "GBP", payment).ok());
  EXPECT_EQ(Get(before.name()).state(), v1::INVOICE_STATE_PAID);
  // The pound price does not price a euro invoice.
  v1::Invoice draft;
  const grpc::Status status = CreateInvoice(
      kLondon, NewClient(), absl::StrCat("lines { item { ", Session(), " } }"), draft);
  EXPECT_EQ(ReasonOf(status), "PRICE_CURRENCY_MISMATCH");
  EXPECT_EQ(FieldOf(status), "lines[0].item");
  SetPrice(kLondon, Session(), 11500);
  ASSERT_TRUE(
      CreateInvoice(kLondon, NewClient(), absl::StrCat("lines { item { ", Session(), " } }"), draft)
          .ok());
  EXPECT_EQ(draft.currency_code(), "EUR");
}

}  // namespace
}  // namespace clinic::testing
