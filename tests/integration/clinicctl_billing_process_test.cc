// clinicctl's billing commands as a shell script runs them, against
// clinic-billing (the Billing service in a process of its own) with the
// sample's two sites: London in pounds with VAT in its prices, New York in
// dollars with tax added. As a site manager, one session: tax rates and
// prices, an invoice opened with lines, filled, issued, paid in part, a
// refund and a credit note, a package sold and a treatment charged from it
// at the other site, the statement, the day's takings and revenue, --json
// output, and bad input refused with the field named. The process is killed
// outright after a payment it acknowledged and started again: the invoice is
// as it was.
#include <gmock/gmock.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/config/v1/server_config.pb.h"
#include "clinic/v1/billing.pb.h"
#include "tests/integration/clinicctl_fixture.h"
#include "tests/testing/access_env.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using clinic::testing::Lines;
using clinic::testing::Printed;
using clinic::testing::Process;
using clinic::testing::Ran;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr char kLondon[] = "london-soho";
constexpr char kNewYork[] = "new-york-soho";
constexpr char kClient[] = "clients/01J9ZS3B7QW5H8M2V4K6N0PXYC";
constexpr char kOtherClient[] = "clients/01J9ZS3B7QW5H8M2V4K6N0PXYD";
constexpr char kProduct[] = "products/01J9ZS3B7QW5H8M2V4K6N0PXYE";

template <typename Message>
Message FromJson(const std::string& json) {
  Message message;
  const auto parsed = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(parsed.ok()) << parsed.message() << "\n" << json;
  return message;
}

// Today in `zone`, as clinicctl takes a day: the sites' days, not this
// machine's.
std::string TodayIn(const char* zone_name) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(zone_name, &zone));
  const absl::CivilDay day = absl::ToCivilDay(absl::Now(), zone);
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// The line of `lines` that starts with `label` and a tab.
std::string Labelled(const std::vector<std::string>& lines, const std::string& label) {
  for (const std::string& line : lines) {
    if (absl::StartsWith(line, label + "\t")) return line;
  }
  return "";
}

class ClinicctlBillingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("clinic_microneedling.so"));
    std::filesystem::create_directories(data_);
    manager_ = dir_.Join("manager.token");
    clinic::testing::WriteFile(manager_,
                               clinic::testing::IssueTestToken(
                                   data_, "staff/manager",
                                   {clinic::testing::Binding(v1::ROLE_SITE_MANAGER, kLondon),
                                    clinic::testing::Binding(v1::ROLE_SITE_MANAGER, kNewYork)}));
    config::v1::ServerConfig config = clinic::testing::LoopbackConfig(data_, plugins_.path());
    ASSERT_TRUE(google::protobuf::TextFormat::MergeFromString(R"(
      chain {
        chain_id: "lumen"
        display_name: "Lumen Skin Clinics"
        sites {
          site_id: "london-soho" display_name: "Lumen Skin - Soho, London"
          time_zone: "Europe/London" currency_code: "GBP" country_code: "GB"
          tax_rate_basis_points: 2000 prices_include_tax: true invoice_prefix: "LSOHO"
        }
        sites {
          site_id: "new-york-soho" display_name: "Lumen Skin - SoHo, New York"
          time_zone: "America/New_York" currency_code: "USD" country_code: "US"
          tax_rate_basis_points: 888 prices_include_tax: false invoice_prefix: "NYSOHO"
        }
      })",
                                                              &config));
    config.set_port_file(dir_.Join("billing.port"));
    std::string text;
    google::protobuf::TextFormat::PrintToString(config, &text);
    clinic::testing::WriteFile(config_, text);
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  void TearDown() override {
    if (server_ == nullptr) return;
    server_->Signal(SIGTERM);
    EXPECT_EQ(server_->Wait(), 0);
  }

  // Starts clinic-billing and points clinicctl at it.
  void Start() {
    std::filesystem::remove(dir_.Join("billing.port"));
    server_ = std::make_unique<Process>(
        std::vector<std::string>{clinic::testing::BinaryPath("clinic-billing"),
                                 "--config=" + config_},
        dir_.path());
    const int port = clinic::testing::WaitForPortFile(dir_.Join("billing.port"));
    ASSERT_GT(port, 0) << server_->Stderr();
    address_ = absl::StrCat("--server=127.0.0.1:", port);
  }

  // clinicctl as the site manager.
  Ran Run(std::vector<std::string> args) {
    args.insert(args.begin(), {address_, "--token_file=" + manager_});
    return clinic::testing::Clinicctl(args);
  }

  // Runs a command that must succeed and returns what it printed.
  Ran Ok(const std::vector<std::string>& args) {
    Ran ran = Run(args);
    EXPECT_EQ(ran.code, 0) << absl::StrJoin(args, " ") << "\n" << ran.err;
    return ran;
  }

  clinic::testing::TempDir dir_;
  clinic::testing::TempDir plugins_;
  std::string data_ = dir_.Join("data");
  std::string config_ = dir_.Join("billing.textproto");
  std::string manager_;
  std::unique_ptr<Process> server_;
  std::string address_;
};

TEST_F(ClinicctlBillingTest, RunsTheTillFromTheShellAndKeepsPaymentsThroughAKill) {
  const std::string today = TodayIn("Europe/London");
  const std::string year = today.substr(0, 4);
  const std::string from = "--from=" + today;

  // Retail products at 5% from today; the other categories keep the site's
  // 20%.
  {
    const v1::TaxRate rate =
        Printed<v1::TaxRate>(Ok({"set-tax-rate", kLondon, "retail", "5%", from}));
    EXPECT_EQ(rate.category(), v1::TAX_CATEGORY_RETAIL_PRODUCT);
    EXPECT_EQ(rate.rate_basis_points(), 500);
    const Ran rates = Ok({"tax-rates", kLondon, "--as-of=" + today});
    EXPECT_THAT(Lines(rates.out), Contains(StartsWith("retail\t5.00%\tfrom " + today + "\t")));
    EXPECT_THAT(Lines(rates.out), Contains("cosmetic\t20.00%\t(site config)\t-"));
  }

  // Prices: the first needs the currency, later ones take it from the list.
  {
    const Ran first = Run({"set-price", kLondon, "treatment:microneedling:cheeks", "250.00",
                           "--tax=cosmetic", "--name=Microneedling - cheeks", from});
    EXPECT_EQ(first.code, 2);
    EXPECT_THAT(first.err, HasSubstr("has no price yet to take its currency from"));
    const v1::Price cheeks = Printed<v1::Price>(
        Ok({"set-price", kLondon, "treatment:microneedling:cheeks", "250.00", "--tax=cosmetic",
            "--name=Microneedling - cheeks", from, "--currency=GBP"}));
    EXPECT_EQ(cheeks.unit_price().amount_minor(), 25000);
    EXPECT_EQ(cheeks.unit_price().currency_code(), "GBP");
  }
  Ok({"set-price", kLondon, "treatment:microneedling:forehead", "80", "--tax=cosmetic",
      "--name=Microneedling - forehead", from});
  Ok({"set-price", kLondon, "fee:consultation", "50.00", "--tax=fee", "--name=Consultation", from});
  Ok({"set-price", kLondon, std::string("product:") + kProduct, "30.00", "--tax=retail",
      "--name=SPF 50 sunscreen", from});
  {
    const Ran prices = Ok({"prices", kLondon, "--as-of=" + today});
    std::vector<std::string> rows;
    for (const std::string& line : Lines(prices.out)) {
      // Without the price's name, which the server chose.
      rows.push_back(line.substr(line.find('\t') + 1));
    }
    // By item as written, so fees, products, then treatments.
    EXPECT_THAT(rows, ElementsAre("fee:consultation\tConsultation\t50.00 GBP\tfee\tfrom " + today,
                                  std::string("product:") + kProduct +
                                      "\tSPF 50 sunscreen\t30.00 GBP\tretail\tfrom " + today,
                                  "treatment:microneedling:cheeks\tMicroneedling - cheeks\t250.00 "
                                  "GBP\tcosmetic\tfrom " +
                                      today,
                                  "treatment:microneedling:forehead\tMicroneedling - "
                                  "forehead\t80.00 GBP\tcosmetic\tfrom " +
                                      today));
  }

  // A draft with three lines, then a discounted line, and one added and
  // removed again.
  const v1::Invoice draft =
      Printed<v1::Invoice>(Ok({"new-invoice", kLondon, kClient, "treatment:microneedling:cheeks",
                               "fee:consultation", std::string("product:") + kProduct + "=2"}));
  const std::string invoice = draft.name();
  ASSERT_THAT(invoice, StartsWith("sites/london-soho/invoices/"));
  EXPECT_EQ(draft.state(), v1::INVOICE_STATE_DRAFT);
  ASSERT_THAT(draft.lines(), SizeIs(3));
  EXPECT_EQ(draft.lines(2).quantity(), 2);
  Ok({"add-line", invoice, "treatment:microneedling:forehead", "--discount=10%"});
  {
    const v1::Invoice added = Printed<v1::Invoice>(
        Ok({"add-line", invoice, "fee:consultation", "--discount=5.00", "--quantity=1"}));
    ASSERT_THAT(added.lines(), SizeIs(5));
    EXPECT_EQ(added.lines(4).discount_amount().amount_minor(), 500);
    EXPECT_EQ(added.lines(4).total_amount().amount_minor(), 4500);
  }
  EXPECT_THAT(Printed<v1::Invoice>(Ok({"remove-line", invoice, "5"})).lines(), SizeIs(4));
  {
    const std::vector<std::string> shown = Lines(Ok({"invoice", invoice}).out);
    EXPECT_EQ(Labelled(shown, "state"), "state\tdraft");
    EXPECT_EQ(Labelled(shown, "currency"), "currency\tGBP (prices include tax)");
    EXPECT_THAT(shown, Contains("line\t4\ttreatment:microneedling:forehead\tMicroneedling - "
                                "forehead\t1 x 80.00\tdiscount=8.00\tnet=60.00\ttax=12.00@20.00%\t"
                                "total=72.00\tcredited=0.00"));
    EXPECT_THAT(shown, Contains(absl::StrCat("line\t3\tproduct:", kProduct,
                                             "\tSPF 50 sunscreen\t2 x 30.00\tdiscount=0.00\t"
                                             "net=57.14\ttax=2.86@5.00%\ttotal=60.00\t"
                                             "credited=0.00")));
    EXPECT_EQ(Labelled(shown, "total"), "total\t432.00 GBP");
    EXPECT_EQ(Labelled(shown, "tax_total"), "tax_total\t64.86 GBP");
    EXPECT_EQ(Labelled(shown, "net_total"), "net_total\t367.14 GBP");
    EXPECT_EQ(Labelled(shown, "balance_due"), "balance_due\t432.00 GBP");
  }

  // Issued, numbered, and paid in part by card.
  {
    const v1::Invoice issued = Printed<v1::Invoice>(Ok({"issue", invoice}));
    EXPECT_EQ(issued.number(), absl::StrCat("LSOHO-", year, "-000001"));
    EXPECT_EQ(issued.state(), v1::INVOICE_STATE_ISSUED);
  }
  const v1::Payment card =
      Printed<v1::Payment>(Ok({"pay", invoice, "200.00", "--method=card", "--reference=T-0091"}));
  EXPECT_EQ(card.amount().amount_minor(), 20000);
  EXPECT_EQ(card.amount().currency_code(), "GBP");
  ASSERT_THAT(card.name(), StartsWith("sites/london-soho/payments/"));

  // Killed outright once the payment was acknowledged: after a restart the
  // invoice is exactly as it was, the payment in it.
  const Ran before = Ok({"--json", "invoice", invoice});
  EXPECT_EQ(FromJson<v1::Invoice>(before.out).amount_paid().amount_minor(), 20000);
  server_->Signal(SIGKILL);
  EXPECT_EQ(server_->Wait(), -SIGKILL);
  ASSERT_NO_FATAL_FAILURE(Start());
  {
    const Ran after = Ok({"--json", "invoice", invoice});
    const v1::Invoice kept = FromJson<v1::Invoice>(after.out);
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(kept, FromJson<v1::Invoice>(before.out)))
        << before.out << "\n"
        << after.out;
    EXPECT_EQ(kept.state(), v1::INVOICE_STATE_PARTIALLY_PAID);
    EXPECT_EQ(kept.balance_due().amount_minor(), 23200);
  }

  // Bad input: what clinicctl can tell at once exits 2; what the server
  // refuses exits 1 with its message and the field.
  {
    const Ran decimals = Run({"pay", invoice, "12.345", "--method=cash"});
    EXPECT_EQ(decimals.code, 2);
    EXPECT_THAT(
        decimals.err,
        HasSubstr("error: AMOUNT in GBP: \"12.345\" has 3 decimals, and the currency has 2"));
    const Ran too_much = Run({"pay", invoice, "1000.00", "--method=cash"});
    EXPECT_EQ(too_much.code, 1);
    EXPECT_THAT(too_much.err, HasSubstr("error: FAILED_PRECONDITION: "));
    EXPECT_THAT(too_much.err, HasSubstr("  reason: AMOUNT_EXCEEDS_BALANCE\n"));
    EXPECT_THAT(too_much.err,
                HasSubstr("  amount.amount_minor: 1000.00 GBP is more than the 232.00 GBP due"));
    const Ran no_reference = Run({"pay", invoice, "10.00", "--method=bank-transfer"});
    EXPECT_EQ(no_reference.code, 1);
    EXPECT_THAT(no_reference.err, HasSubstr("error: INVALID_ARGUMENT: "));
    EXPECT_THAT(no_reference.err, HasSubstr("\n  reference: is required"));
    const Ran no_method = Run({"pay", invoice, "10.00"});
    EXPECT_EQ(no_method.code, 2);
    EXPECT_THAT(no_method.err, HasSubstr("--method is required"));
    const Ran unknown_type = Run(
        {"set-price", kLondon, "treatment:laser", "10.00", "--tax=cosmetic", "--name=Laser", from});
    EXPECT_EQ(unknown_type.code, 1);
    EXPECT_THAT(unknown_type.err,
                HasSubstr("\n  price.item.treatment.treatment_type_id: \"laser\" is not a loaded "
                          "treatment type"));
    const Ran past =
        Run({"set-price", kLondon, "fee:consultation", "55.00", "--tax=fee", "--from=2001-01-01"});
    EXPECT_EQ(past.code, 1);
    EXPECT_THAT(past.err, HasSubstr("\n  price.effective_from: must be today at the site"));
    const Ran rate = Run({"set-tax-rate", kLondon, "cosmetic", "20000", from});
    EXPECT_EQ(rate.code, 1);
    EXPECT_THAT(rate.err, HasSubstr("\n  rate_basis_points: must be 0 to 10000 basis points"));
    const Ran unpriced = Run({"new-invoice", kLondon, kOtherClient, "fee:late-cancellation"});
    EXPECT_EQ(unpriced.code, 1);
    EXPECT_THAT(unpriced.err, HasSubstr("  reason: PRICE_NOT_FOUND\n"));
    const Ran bad_item = Run({"new-invoice", kLondon, kOtherClient, "laser"});
    EXPECT_EQ(bad_item.code, 2);
    EXPECT_THAT(bad_item.err, HasSubstr("\"laser\" is not an item: treatment:TYPE"));
  }

  // The rest in cash; a refund of part of the card payment and a credit
  // note leave the balance where it was less the credit.
  const v1::Payment cash = Printed<v1::Payment>(Ok({"pay", invoice, "32", "--method=cash"}));
  EXPECT_EQ(cash.amount().amount_minor(), 3200);
  {
    const v1::Refund refund = Printed<v1::Refund>(
        Ok({"refund", card.name(), "50.00", "--reason=Cheeks session cut short"}));
    EXPECT_EQ(refund.payment().amount().amount_minor(), -5000);
    EXPECT_EQ(refund.payment().refund_of(), card.name());
    EXPECT_EQ(refund.credit_note().number(), absl::StrCat("LSOHO-CN-", year, "-000001"));
    EXPECT_EQ(refund.credit_note().total().amount_minor(), 5000);
    const v1::CreditNote note = Printed<v1::CreditNote>(
        Ok({"credit-note", invoice, "2", "10.00", "--reason=Goodwill: late start"}));
    EXPECT_EQ(note.number(), absl::StrCat("LSOHO-CN-", year, "-000002"));
    EXPECT_EQ(note.total().amount_minor(), 1000);
  }
  {
    const std::vector<std::string> shown = Lines(Ok({"invoice", invoice}).out);
    EXPECT_EQ(Labelled(shown, "state"), "state\tpartially_paid");
    EXPECT_EQ(Labelled(shown, "paid"), "paid\t182.00 GBP");
    EXPECT_EQ(Labelled(shown, "credited"), "credited\t60.00 GBP");
    EXPECT_EQ(Labelled(shown, "balance_due"), "balance_due\t190.00 GBP");
    EXPECT_THAT(shown, Contains(HasSubstr("\ttotal=250.00\tcredited=50.00")));
    EXPECT_THAT(shown, Contains(HasSubstr("\ttotal=50.00\tcredited=10.00")));
  }
  {
    const std::vector<std::string> payments =
        Lines(Ok({"payments", kLondon, "--invoice=" + invoice}).out);
    ASSERT_THAT(payments, SizeIs(3));
    EXPECT_THAT(payments, Contains(AllOf(HasSubstr(absl::StrCat("\t", card.name(), "\t", invoice,
                                                                "\tcard\t200.00 GBP\t")),
                                         HasSubstr("\trefunded=50.00 GBP\tT-0091"))));
    EXPECT_THAT(payments, Contains(AllOf(HasSubstr("\tcard\t-50.00 GBP\t"),
                                         HasSubstr(absl::StrCat("\trefund of ", card.name())))));
    const std::vector<std::string> notes = Lines(Ok({"credit-notes", kLondon}).out);
    ASSERT_THAT(notes, SizeIs(2));
    EXPECT_THAT(notes[0], HasSubstr(absl::StrCat("\tLSOHO-CN-", year, "-000002\tLSOHO-", year,
                                                 "-000001\t10.00 GBP\t-\tGoodwill: late start")));
  }

  std::string other_draft;
  std::string dollars_draft;
  // A course of three, usable in London and New York, sold, issued and paid;
  // a session used in New York pays for a treatment there.
  const v1::PackagePlan plan = Printed<v1::PackagePlan>(
      Ok({"new-plan", kLondon, "microneedling", "3", "180", "--name=Microneedling - course of 3",
          absl::StrCat("--sites=", kLondon, ",", kNewYork)}));
  Ok({"set-price", kLondon, "plan:" + plan.name(), "600.00", "--tax=cosmetic",
      "--name=Microneedling - course of 3", from});
  EXPECT_THAT(Lines(Ok({"plans", kLondon}).out),
              ElementsAre(absl::StrCat(plan.name(),
                                       "\tMicroneedling - course of 3\tmicroneedling\tsessions=3\t"
                                       "days=180\tsites=london-soho,new-york-soho")));
  const v1::PackageSale sale =
      Printed<v1::PackageSale>(Ok({"sell-package", kLondon, kClient, plan.name()}));
  ASSERT_THAT(sale.invoice().lines(), SizeIs(1));
  EXPECT_EQ(sale.invoice().total().amount_minor(), 60000);
  EXPECT_EQ(Printed<v1::Invoice>(Ok({"issue", sale.invoice().name()})).number(),
            absl::StrCat("LSOHO-", year, "-000002"));
  Ok({"pay", sale.invoice().name(), "600.00", "--method=card"});
  {
    const v1::TreatmentCharge charge = Printed<v1::TreatmentCharge>(Ok(
        {"charge", kNewYork, std::string(kClient) + "/treatmentRecords/01J9ZS3B7QW5H8M2V4K6N0PXYF",
         "microneedling", "cheeks"}));
    ASSERT_TRUE(charge.has_redemption()) << charge.DebugString();
    EXPECT_EQ(charge.redemption().site_id(), kNewYork);
    EXPECT_EQ(charge.redemption().sessions_remaining(), 2);
    EXPECT_THAT(Lines(Ok({"packages", kClient}).out),
                ElementsAre(AllOf(
                    StartsWith(sale.package().name() +
                               "\tMicroneedling - course of 3\tmicroneedling\tactive\t"
                               "used=1/3\texpires "),
                    HasSubstr("\tsites=london-soho,new-york-soho\t" + sale.invoice().name()))));
    EXPECT_EQ(Printed<v1::Package>(Ok({"package", sale.package().name()})).sessions_used(), 1);
    // Another client with no package: the areas treated go on a draft at
    // their prices.
    const v1::TreatmentCharge lines = Printed<v1::TreatmentCharge>(
        Ok({"charge", kLondon,
            std::string(kOtherClient) + "/treatmentRecords/01J9ZS3B7QW5H8M2V4K6N0PXYG",
            "microneedling", "cheeks", "forehead"}));
    ASSERT_TRUE(lines.has_invoice_lines()) << lines.DebugString();
    EXPECT_THAT(lines.invoice_lines().line_ids(), ElementsAre("1", "2"));
    other_draft = lines.invoice_lines().invoice();
  }

  // New York adds its 8.88% on top, in dollars.
  {
    const Ran no_currency = Run({"set-price", kNewYork, "fee:consultation", "75.00", "--tax=fee",
                                 "--name=Consultation", "--from=" + TodayIn("America/New_York")});
    EXPECT_EQ(no_currency.code, 2);
    Ok({"set-price", kNewYork, "fee:consultation", "75.00", "--tax=fee", "--name=Consultation",
        "--from=" + TodayIn("America/New_York"), "--currency=USD"});
    const v1::Invoice dollars =
        Printed<v1::Invoice>(Ok({"new-invoice", kNewYork, kClient, "fee:consultation"}));
    dollars_draft = dollars.name();
    const std::vector<std::string> shown = Lines(Ok({"invoice", dollars.name()}).out);
    EXPECT_EQ(Labelled(shown, "currency"), "currency\tUSD (tax added)");
    EXPECT_EQ(Labelled(shown, "total"), "total\t81.66 USD");
    EXPECT_EQ(Labelled(shown, "tax_total"), "tax_total\t6.66 USD");
  }

  // The client's account: both London invoices, the payments, the refund
  // and both credit notes; the New York draft owes nothing yet.
  {
    const std::vector<std::string> statement = Lines(Ok({"statement", kClient}).out);
    std::map<std::string, int> kinds;
    for (const std::string& line : statement) {
      const std::vector<std::string> columns = absl::StrSplit(line, '\t');
      if (columns.size() > 1 && columns[0] != "owed") ++kinds[columns[1]];
    }
    EXPECT_EQ(kinds, (std::map<std::string, int>{
                         {"invoice", 2}, {"payment", 3}, {"refund", 1}, {"credit_note", 2}}));
    EXPECT_EQ(statement.back(), "owed\t190.00 GBP");
    const v1::ClientStatement json =
        FromJson<v1::ClientStatement>(Ok({"statement", kClient, "--json"}).out);
    EXPECT_EQ(json.entries_size(), 8);
    ASSERT_THAT(json.closing_balances(), SizeIs(1));
    EXPECT_EQ(json.closing_balances(0).amount_minor(), 19000);
  }

  // The day at the till: 800.00 by card less the 50.00 refunded, 32.00 in
  // cash.
  {
    const std::vector<std::string> takings = Lines(Ok({"takings", kLondon, today}).out);
    EXPECT_THAT(takings, Contains(StartsWith("card\tcount=")));
    EXPECT_THAT(takings, Contains(AllOf(StartsWith("card\t"),
                                        HasSubstr("\tpayments=800.00 GBP\trefunds=-50.00 GBP\t"
                                                  "net=750.00 GBP"))));
    EXPECT_THAT(takings, Contains(AllOf(StartsWith("cash\t"), HasSubstr("\tnet=32.00 GBP"))));
    EXPECT_EQ(takings.back(), "net_takings\t782.00 GBP");
    const std::vector<std::string> revenue = Lines(Ok({"revenue", kLondon, today, today}).out);
    EXPECT_THAT(revenue, Contains(StartsWith("plan:" + plan.name() + "\tquantity=1\t")));
    EXPECT_THAT(revenue, Contains(StartsWith("treatment:microneedling\tquantity=2\t")));
    // 432.00 + 600.00 invoiced, less 60.00 credited.
    EXPECT_THAT(revenue.back(), StartsWith("total\t"));
    EXPECT_THAT(revenue.back(), HasSubstr("\ttotal=972.00 GBP"));
  }

  // --json: lists as one invoice per line.
  {
    const std::vector<std::string> listed =
        Lines(Ok({"invoices", kLondon, "--json", "--client=" + std::string(kClient)}).out);
    ASSERT_THAT(listed, SizeIs(2));
    for (const std::string& line : listed) {
      EXPECT_EQ(FromJson<v1::Invoice>(line).client(), kClient);
    }
    const std::vector<std::string> paid = Lines(Ok({"invoices", kLondon, "--state=paid"}).out);
    ASSERT_THAT(paid, SizeIs(1));
    EXPECT_THAT(paid[0],
                StartsWith(absl::StrCat(sale.invoice().name(), "\tLSOHO-", year, "-000002\tpaid\t",
                                        kClient, "\ttotal=600.00 GBP\tdue=0.00 GBP\t")));
  }

  // The other client buys the course after the treatment charged to their
  // draft: once issued, a session of it pays the cheeks line.
  {
    const v1::PackageSale bought =
        Printed<v1::PackageSale>(Ok({"sell-package", kLondon, kOtherClient, plan.name()}));
    EXPECT_EQ(bought.invoice().name(), other_draft);
    Ok({"issue", other_draft});
    const v1::Payment session =
        Printed<v1::Payment>(Ok({"pay-with-package", other_draft, bought.package().name(), "1"}));
    EXPECT_EQ(session.method(), v1::PAYMENT_METHOD_PACKAGE_CREDIT);
    EXPECT_EQ(session.amount().amount_minor(), 25000);
    const std::vector<std::string> shown = Lines(Ok({"invoice", other_draft}).out);
    EXPECT_THAT(shown, Contains(AllOf(StartsWith("line\t1\ttreatment:microneedling:cheeks\t"),
                                      HasSubstr("\t(paid by package)"))));
    EXPECT_EQ(Labelled(shown, "balance_due"), "balance_due\t680.00 GBP");
    EXPECT_EQ(Printed<v1::Package>(Ok({"package", bought.package().name()})).sessions_used(), 1);
    // Package credit is no money taken.
    const std::vector<std::string> takings = Lines(Ok({"takings", kLondon, today}).out);
    EXPECT_THAT(takings, Contains(StartsWith("package_credit\tcount=1\tpayments=250.00 GBP")));
    EXPECT_EQ(takings.back(), "net_takings\t782.00 GBP");
  }

  // A draft nobody wants is voided.
  {
    const Ran no_reason = Run({"void", dollars_draft});
    EXPECT_EQ(no_reason.code, 1);
    EXPECT_THAT(no_reason.err, HasSubstr("error: INVALID_ARGUMENT: "));
    EXPECT_THAT(no_reason.err, HasSubstr("\n  reason: is required"));
    const v1::Invoice voided =
        Printed<v1::Invoice>(Ok({"void", dollars_draft, "--reason=Opened by mistake"}));
    EXPECT_EQ(voided.state(), v1::INVOICE_STATE_VOID);
    EXPECT_THAT(Lines(Ok({"invoices", kNewYork, "--state=void"}).out), SizeIs(1));
  }

  // Help lists the commands.
  {
    const Ran help = Ok({"help"});
    EXPECT_THAT(help.out, HasSubstr("\n  set-price SITE ITEM [AMOUNT] --tax=CATEGORY"));
    EXPECT_THAT(help.out, HasSubstr("\ninvoices and payments:\n"));
    const Ran pay_help = Ok({"pay", "--help"});
    EXPECT_THAT(pay_help.out, StartsWith("usage: clinicctl pay INVOICE AMOUNT --method=METHOD"));
    EXPECT_THAT(pay_help.out, HasSubstr("\n  --reference\n"));
  }
}

}  // namespace
}  // namespace clinic
