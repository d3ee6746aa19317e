// Billing's packages, treatment charges, accounts and reports over real
// gRPC: a course sold and redeemed down to zero, a charge delivered twice
// charged once, a package used at another site in another currency, a
// treatment line paid with a package credit, statements that balance to the
// minor unit across currencies, daily takings and revenue.
#include <gmock/gmock.h>

#include <map>

#include "tests/integration/billing_fixture.h"

namespace clinic::testing {
namespace {

using ::testing::SizeIs;

class BillingPackagesTest : public BillingTest {
 protected:
  // A course of `sessions` microneedling sessions sold at London, usable at
  // `usable` (text of repeated usable_site_ids), priced at 60.00.
  std::string Plan(int sessions, const std::string& usable = "") {
    auto request = Parse<v1::CreatePackagePlanRequest>(
        absl::StrCat("plan { site_id: '", kLondon, "' display_name: 'Course of ", sessions,
                     "' treatment_type_id: 'microneedling' sessions: ", sessions,
                     " validity_days: 365 ", usable, " } request_id: '", NextId(), "'"));
    v1::PackagePlan plan;
    const grpc::Status status = stub_->CreatePackagePlan(Context(manager_).get(), request, &plan);
    EXPECT_TRUE(status.ok()) << status.error_message();
    SetPrice(kLondon, absl::StrCat("package_plan: '", plan.name(), "'"), 60000);
    return plan.name();
  }

  v1::PackageSale Sell(const std::string& client, const std::string& plan) {
    auto request = Parse<v1::SellPackageRequest>(absl::StrCat("site_id: '", kLondon, "' client: '",
                                                              client, "' plan: '", plan,
                                                              "' request_id: '", NextId(), "'"));
    v1::PackageSale sale;
    const grpc::Status status = stub_->SellPackage(Context(clerk_).get(), request, &sale);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return sale;
  }

  grpc::Status Charge(const std::string& site, const std::string& record,
                      v1::TreatmentCharge& charge, const std::string& request_id = "",
                      const std::string& token = "") {
    auto request = Parse<v1::ChargeTreatmentRequest>(
        absl::StrCat("site_id: '", site, "' treatment_record: '", record,
                     "' treatment_type_id: 'microneedling' area_ids: 'forehead' area_ids: 'cheeks' "
                     "request_id: '",
                     request_id.empty() ? NextId() : request_id, "'"));
    return stub_->ChargeTreatment(Context(token.empty() ? clerk_ : token).get(), request, &charge);
  }

  static std::string Record(const std::string& client) {
    return absl::StrCat(client, "/treatmentRecords/", storage::NewId());
  }

  v1::Package GetPackage(const std::string& name) {
    v1::GetPackageRequest request;
    request.set_name(name);
    v1::Package package;
    const grpc::Status status = stub_->GetPackage(Context(clerk_).get(), request, &package);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return package;
  }
};

TEST_F(BillingPackagesTest, ACourseIsRedeemedDownToZeroThenTreatmentsAreInvoiced) {
  SetPrice(kLondon, Session(), 20000);
  const std::string client = NewClient();
  const v1::PackageSale sale = Sell(client, Plan(3));
  EXPECT_EQ(sale.package().sessions_total(), 3);
  EXPECT_EQ(sale.package().state(), v1::PACKAGE_STATE_ACTIVE);
  EXPECT_EQ(sale.invoice().state(), v1::INVOICE_STATE_DRAFT);
  ASSERT_THAT(sale.invoice().lines(), SizeIs(1));
  EXPECT_EQ(sale.invoice().lines(0).package(), sale.package().name());
  EXPECT_EQ(sale.invoice().lines(0).total_amount().amount_minor(), 60000);

  // A practitioner charges what was given: three sessions from the course.
  const std::string nurse =
      IssueTestToken(data_.path(), "staff/nurse", {Binding(v1::ROLE_PRACTITIONER, kLondon)});
  for (int i = 0; i < 3; ++i) {
    v1::TreatmentCharge charge;
    const grpc::Status status = Charge(kLondon, Record(client), charge, "", nurse);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_TRUE(charge.has_redemption()) << i;
    EXPECT_EQ(charge.redemption().sessions_remaining(), 2 - i);
  }
  EXPECT_EQ(GetPackage(sale.package().name()).state(), v1::PACKAGE_STATE_USED_UP);
  // The fourth goes on the client's open draft, at today's session price.
  v1::TreatmentCharge fourth;
  ASSERT_TRUE(Charge(kLondon, Record(client), fourth).ok());
  ASSERT_TRUE(fourth.has_invoice_lines());
  EXPECT_EQ(fourth.invoice_lines().invoice(), sale.invoice().name());
  const v1::Invoice draft = Get(sale.invoice().name());
  ASSERT_THAT(draft.lines(), SizeIs(2));
  EXPECT_EQ(draft.lines(1).total_amount().amount_minor(), 20000);
  // Redeeming a used-up course is refused.
  auto redeem = Parse<v1::RedeemPackageRequest>(
      absl::StrCat("package: '", sale.package().name(), "' site_id: '", kLondon,
                   "' treatment_type_id: 'microneedling' request_id: '", NextId(), "'"));
  v1::PackageRedemption redemption;
  EXPECT_EQ(ReasonOf(stub_->RedeemPackage(Context(clerk_).get(), redeem, &redemption)),
            "PACKAGE_USED_UP");
  // The practitioner sees no invoices.
  v1::GetInvoiceRequest get;
  get.set_name(draft.name());
  v1::Invoice out;
  EXPECT_EQ(stub_->GetInvoice(Context(nurse).get(), get, &out).error_code(),
            grpc::PERMISSION_DENIED);
}

TEST_F(BillingPackagesTest, AChargeDeliveredTwiceChargesOnce) {
  SetPrice(kLondon, Area("forehead"), 8000);
  SetPrice(kLondon, Area("cheeks"), 9000);
  const std::string client = NewClient();
  const std::string record = Record(client);
  v1::TreatmentCharge first, again, other;
  ASSERT_TRUE(Charge(kLondon, record, first, "charge-1").ok());
  ASSERT_TRUE(Charge(kLondon, record, again, "charge-1").ok());
  EXPECT_EQ(first.SerializeAsString(), again.SerializeAsString());
  // Per-area prices: one line per area treated.
  ASSERT_TRUE(first.has_invoice_lines());
  EXPECT_THAT(first.invoice_lines().line_ids(), SizeIs(2));
  const v1::Invoice draft = Get(first.invoice_lines().invoice());
  EXPECT_EQ(draft.total().amount_minor(), 17000);
  EXPECT_EQ(draft.lines(0).treatment_record(), record);
  // Another delivery of the same record under another id is refused.
  EXPECT_EQ(ReasonOf(Charge(kLondon, record, other, "charge-2")), "ALREADY_CHARGED");
  EXPECT_EQ(Get(draft.name()).total().amount_minor(), 17000);
  // Without any price the charge is refused, naming what has none.
  v1::TreatmentCharge unpriced;
  const grpc::Status status = Charge(kNewYork, Record(client), unpriced);
  EXPECT_EQ(ReasonOf(status), "PRICE_NOT_FOUND");
  EXPECT_EQ(FieldOf(status), "area_ids[0]");
}

TEST_F(BillingPackagesTest, ACourseFollowsTheClientToTheSitesItNamesInAnyCurrency) {
  SetPrice(kTokyo, Session(), 30000);
  const std::string client = NewClient();
  const v1::PackageSale sale =
      Sell(client, Plan(2, "usable_site_ids: 'london-soho' usable_site_ids: 'new-york-soho'"));
  // New York works in dollars; the session carries no money.
  v1::TreatmentCharge charge;
  ASSERT_TRUE(Charge(kNewYork, Record(client), charge).ok());
  ASSERT_TRUE(charge.has_redemption());
  EXPECT_EQ(charge.redemption().site_id(), kNewYork);
  // Tokyo is not named: the treatment is invoiced there, in yen.
  ASSERT_TRUE(Charge(kTokyo, Record(client), charge).ok());
  ASSERT_TRUE(charge.has_invoice_lines());
  EXPECT_EQ(Get(charge.invoice_lines().invoice()).currency_code(), "JPY");
  auto redeem = Parse<v1::RedeemPackageRequest>(
      absl::StrCat("package: '", sale.package().name(), "' site_id: '", kTokyo,
                   "' treatment_type_id: 'microneedling' request_id: '", NextId(), "'"));
  v1::PackageRedemption redemption;
  EXPECT_EQ(ReasonOf(stub_->RedeemPackage(Context(clerk_).get(), redeem, &redemption)),
            "PACKAGE_NOT_VALID_AT_SITE");
  EXPECT_EQ(GetPackage(sale.package().name()).sessions_used(), 1);
}

TEST_F(BillingPackagesTest, APackageCreditPaysATreatmentLineAndIsNoMoneyTaken) {
  SetPrice(kLondon, Session(), 20000);
  const std::string client = NewClient();
  // The treatment was invoiced before the client bought the course.
  v1::Invoice treated;
  ASSERT_TRUE(CreateInvoice(kLondon, client,
                            absl::StrCat("lines { item { ", Session(), " } treatment_record: '",
                                         Record(client), "' }"),
                            treated)
                  .ok());
  const v1::PackageSale sale = Sell(client, Plan(3));
  ASSERT_EQ(sale.invoice().name(), treated.name());
  const v1::Invoice issued = Issue(treated.name());
  ASSERT_EQ(issued.total().amount_minor(), 80000);
  auto request = Parse<v1::RecordPaymentRequest>(absl::StrCat(
      "invoice: '", issued.name(), "' method: PAYMENT_METHOD_PACKAGE_CREDIT package: '",
      sale.package().name(), "' line_id: '1' request_id: '", NextId(), "'"));
  v1::Payment credit;
  grpc::Status status = stub_->RecordPayment(Context(clerk_).get(), request, &credit);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(credit.amount().amount_minor(), 20000);
  EXPECT_EQ(GetPackage(sale.package().name()).sessions_used(), 1);
  v1::Payment card;
  ASSERT_TRUE(Pay(issued.name(), 60000, "GBP", card).ok());
  const v1::Invoice paid = Get(issued.name());
  EXPECT_EQ(paid.state(), v1::INVOICE_STATE_PAID);
  EXPECT_TRUE(paid.lines(0).settled_by_package());
  // The same line cannot be paid twice by a package, and a package credit
  // is not refunded as money.
  request.set_request_id(NextId());
  EXPECT_EQ(ReasonOf(stub_->RecordPayment(Context(clerk_).get(), request, &credit)),
            "INVOICE_NOT_PAYABLE");
  auto refund = Parse<v1::RefundPaymentRequest>(
      absl::StrCat("payment: '", credit.name(),
                   "' amount { amount_minor: 100 currency_code: 'GBP' } "
                   "reason: 'x' request_id: '",
                   NextId(), "'"));
  v1::Refund done;
  EXPECT_EQ(ReasonOf(stub_->RefundPayment(Context(manager_).get(), refund, &done)),
            "NOT_REFUNDABLE");

  // Takings count the card, not the package; revenue counts the course and
  // not the treatment it paid for.
  auto takings_request = Parse<v1::GetDailyTakingsRequest>(
      absl::StrCat("site_id: '", kLondon, "' date { ", TodayAt("Europe/London"), " }"));
  v1::DailyTakings takings;
  ASSERT_TRUE(stub_->GetDailyTakings(Context(clerk_).get(), takings_request, &takings).ok());
  EXPECT_EQ(takings.net_takings().amount_minor(), 60000);
  ASSERT_THAT(takings.methods(), SizeIs(2));
  auto revenue_request = Parse<v1::GetRevenueReportRequest>(
      absl::StrCat("site_id: '", kLondon, "' start_date { ", TodayAt("Europe/London"),
                   " } end_date { ", TodayAt("Europe/London"), " }"));
  v1::RevenueReport revenue;
  ASSERT_TRUE(stub_->GetRevenueReport(Context(clerk_).get(), revenue_request, &revenue).ok());
  EXPECT_EQ(revenue.total().amount_minor(), 60000);
  // 60.00 including 20% VAT is 50.00 and 10.00.
  EXPECT_EQ(revenue.net_total().amount_minor(), 50000);
  EXPECT_EQ(revenue.tax_total().amount_minor(), 10000);
}

TEST_F(BillingPackagesTest, AStatementBalancesToTheMinorUnitInEachCurrency) {
  SetPrice(kLondon, Session(), 12345);
  SetPrice(kNewYork, Session(), 9999);
  const std::string client = NewClient();
  const v1::Invoice london =
      Issued(kLondon, client, absl::StrCat("lines { item { ", Session(), " } quantity: 3 }"));
  const v1::Invoice york =
      Issued(kNewYork, client, absl::StrCat("lines { item { ", Session(), " } }"));
  v1::Payment paid;
  ASSERT_TRUE(Pay(london.name(), 20000, "GBP", paid).ok());
  auto refund = Parse<v1::RefundPaymentRequest>(
      absl::StrCat("payment: '", paid.name(),
                   "' amount { amount_minor: 333 currency_code: 'GBP' } reason: "
                   "'goodwill' request_id: '",
                   NextId(), "'"));
  v1::Refund done;
  ASSERT_TRUE(stub_->RefundPayment(Context(manager_).get(), refund, &done).ok());
  v1::Payment dollars;
  ASSERT_TRUE(Pay(york.name(), 1, "USD", dollars).ok());

  v1::GetClientStatementRequest request;
  request.set_client(client);
  v1::ClientStatement statement;
  ASSERT_TRUE(stub_->GetClientStatement(Context(clerk_).get(), request, &statement).ok());
  // Invoice, payment, refund, credit note in London; invoice, payment in
  // New York.
  EXPECT_THAT(statement.entries(), SizeIs(6));
  std::map<std::string, int64_t> owed = {{"GBP", Get(london.name()).balance_due().amount_minor()},
                                         {"USD", Get(york.name()).balance_due().amount_minor()}};
  std::map<std::string, int64_t> sums;
  for (const v1::StatementEntry& entry : statement.entries()) {
    sums[entry.amount().currency_code()] += entry.amount().amount_minor();
    EXPECT_EQ(entry.balance().amount_minor(), sums[entry.amount().currency_code()]);
  }
  ASSERT_THAT(statement.closing_balances(), SizeIs(2));
  for (const v1::Money& balance : statement.closing_balances()) {
    EXPECT_EQ(balance.amount_minor(), owed[balance.currency_code()]) << balance.currency_code();
    EXPECT_EQ(balance.amount_minor(), sums[balance.currency_code()]);
  }
  // 3 x 123.45 = 370.35, less 200.00 paid (the refund and its credit note
  // cancel out): 170.35.
  EXPECT_EQ(owed["GBP"], 17035);
  // 99.99 plus 8.88% (8.879 rounds to 8.88) less 0.01.
  EXPECT_EQ(owed["USD"], 10887 - 1);
}

// Records under a site are read at that site: a clerk bound to London does
// not reach New York's invoices. The treatment flow, a service acting for a
// practitioner, charges a treatment but takes no payment.
TEST_F(BillingPackagesTest, SitesBoundCallersAndServicesReachOnlyWhatTheyMay) {
  SetPrice(kNewYork, Session(), 10000);
  SetPrice(kLondon, Session(), 10000);
  const std::string client = NewClient();
  const v1::Invoice york =
      Issued(kNewYork, client, absl::StrCat("lines { item { ", Session(), " } }"));
  const std::string london_clerk = IssueTestToken(data_.path(), "staff/london-clerk",
                                                  {Binding(v1::ROLE_BILLING_CLERK, kLondon)});
  v1::GetInvoiceRequest get;
  get.set_name(york.name());
  v1::Invoice out;
  EXPECT_EQ(stub_->GetInvoice(Context(london_clerk).get(), get, &out).error_code(),
            grpc::PERMISSION_DENIED);
  v1::Payment payment;
  auto pay = Parse<v1::RecordPaymentRequest>(
      absl::StrCat("invoice: '", york.name(),
                   "' amount { amount_minor: 100 currency_code: 'USD' } "
                   "method: PAYMENT_METHOD_CASH request_id: '",
                   NextId(), "'"));
  EXPECT_EQ(stub_->RecordPayment(Context(london_clerk).get(), pay, &payment).error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(Get(york.name()).amount_paid().amount_minor(), 0);

  IssueTestToken(data_.path(), "staff/nurse", {Binding(v1::ROLE_PRACTITIONER, kLondon)});
  const std::string flow =
      IssueTestToken(data_.path(), "service/treatment-flow", {Binding(v1::ROLE_SERVICE)});
  auto charge = Parse<v1::ChargeTreatmentRequest>(absl::StrCat(
      "site_id: '", kLondon, "' treatment_record: '", Record(client),
      "' treatment_type_id: 'microneedling' area_ids: 'forehead' request_id: '", NextId(), "'"));
  v1::TreatmentCharge charged;
  {
    auto context = Context(flow);
    context->AddMetadata("x-clinic-on-behalf-of", "staff/nurse");
    const grpc::Status status = stub_->ChargeTreatment(context.get(), charge, &charged);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(charged.has_invoice_lines());
  }
  {
    auto context = Context(flow);
    context->AddMetadata("x-clinic-on-behalf-of", "staff/nurse");
    pay.set_invoice(charged.invoice_lines().invoice());
    EXPECT_EQ(stub_->RecordPayment(context.get(), pay, &payment).error_code(),
              grpc::PERMISSION_DENIED);
  }
  // At New York the nurse holds nothing, so neither does the flow for her.
  auto context = Context(flow);
  context->AddMetadata("x-clinic-on-behalf-of", "staff/nurse");
  charge.set_site_id(kNewYork);
  charge.set_treatment_record(Record(client));
  charge.set_request_id(NextId());
  EXPECT_EQ(stub_->ChargeTreatment(context.get(), charge, &charged).error_code(),
            grpc::PERMISSION_DENIED);
}

}  // namespace
}  // namespace clinic::testing
