// A clinicd-shaped server with the bundled microneedling plugin and four
// sites in four currencies, for Billing's integration tests: a London site
// (GBP, 20% included in prices), New York (USD, 8.88% added), Tokyo (JPY,
// no minor unit, 10% included) and Manama (BHD, three decimals, 10% added).
#ifndef CLINIC_TESTS_INTEGRATION_BILLING_FIXTURE_H_
#define CLINIC_TESTS_INTEGRATION_BILLING_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/billing.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "common/storage/ids.h"
#include "google/protobuf/text_format.h"
#include "services/clinicd/all_services.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic::testing {

inline constexpr char kLondon[] = "london-soho";
inline constexpr char kNewYork[] = "new-york-soho";
inline constexpr char kTokyo[] = "tokyo-ginza";
inline constexpr char kManama[] = "manama";

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

inline std::string ReasonOf(const grpc::Status& status) {
  return GetReason(FromGrpcStatus(status));
}

inline std::string FieldOf(const grpc::Status& status) {
  const std::vector<FieldViolation> violations = GetFieldViolations(FromGrpcStatus(status));
  return violations.empty() ? "" : violations[0].field;
}

// Today at a site in the "year: Y month: M day: D" text form.
inline std::string TodayAt(const std::string& zone_name, int days_ahead = 0) {
  absl::TimeZone zone;
  absl::LoadTimeZone(zone_name, &zone);
  const absl::CivilDay day = absl::ToCivilDay(absl::Now(), zone) + days_ahead;
  return absl::StrCat("year: ", day.year(), " month: ", day.month(), " day: ", day.day());
}

class BillingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CopyFile(BundledPluginPath("microneedling"), plugins_.Join("microneedling.so"));
    Start();
    manager_ = IssueTestToken(data_.path(), "staff/manager", {Binding(v1::ROLE_SITE_MANAGER)});
    clerk_ = IssueTestToken(data_.path(), "staff/clerk", {Binding(v1::ROLE_BILLING_CLERK)});
  }

  void Start() {
    config::v1::ServerConfig config = LoopbackConfig(data_.path(), plugins_.path());
    struct SiteRow {
      const char* id;
      const char* zone;
      const char* currency;
      int tax;
      bool included;
    };
    for (const SiteRow& row : {SiteRow{kLondon, "Europe/London", london_currency_, 2000, true},
                               SiteRow{kNewYork, "America/New_York", "USD", 888, false},
                               SiteRow{kTokyo, "Asia/Tokyo", "JPY", 1000, true},
                               SiteRow{kManama, "Asia/Bahrain", "BHD", 1000, false}}) {
      v1::Site* site = config.mutable_chain()->add_sites();
      site->set_site_id(row.id);
      site->set_time_zone(row.zone);
      site->set_currency_code(row.currency);
      site->set_tax_rate_basis_points(row.tax);
      site->set_prices_include_tax(row.included);
    }
    config.mutable_chain()->mutable_sites(0)->set_invoice_prefix("LSOHO");
    auto server = server::Server::Start(config, AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::Billing::NewStub(channel_);
  }

  void Restart() {
    stub_.reset();
    channel_.reset();
    server_->Shutdown(absl::Seconds(5));
    server_.reset();
    Start();
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    AddToken(*context, token);
    return context;
  }

  std::string NextId() { return absl::StrCat("req-", ++requests_); }

  static std::string NewClient() { return "clients/" + storage::NewId(); }

  static const char* ZoneOf(const std::string& site) {
    if (site == kNewYork) return "America/New_York";
    if (site == kTokyo) return "Asia/Tokyo";
    if (site == kManama) return "Asia/Bahrain";
    return "Europe/London";
  }

  const char* CurrencyOf(const std::string& site) const {
    if (site == kNewYork) return "USD";
    if (site == kTokyo) return "JPY";
    if (site == kManama) return "BHD";
    return london_currency_;
  }

  // Prices `item` (text of a PricedItem) at the site from today.
  v1::Price SetPrice(const std::string& site, const std::string& item, int64_t amount,
                     const std::string& category = "TAX_CATEGORY_COSMETIC_TREATMENT") {
    auto request = Parse<v1::SetPriceRequest>(
        absl::StrCat("price { site_id: '", site, "' item { ", item, " } display_name: 'Item ",
                     ++prices_, "' unit_price { amount_minor: ", amount, " currency_code: '",
                     CurrencyOf(site), "' } tax_category: ", category, " effective_from { ",
                     TodayAt(ZoneOf(site)), " } } request_id: '", NextId(), "'"));
    v1::Price price;
    const grpc::Status status = stub_->SetPrice(Context(manager_).get(), request, &price);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return price;
  }

  static std::string Session() { return "treatment { treatment_type_id: 'microneedling' }"; }
  static std::string Area(const std::string& area) {
    return absl::StrCat("treatment { treatment_type_id: 'microneedling' area_id: '", area, "' }");
  }

  grpc::Status CreateInvoice(const std::string& site, const std::string& client,
                             const std::string& lines, v1::Invoice& invoice,
                             const std::string& request_id = "") {
    auto request = Parse<v1::CreateInvoiceRequest>(
        absl::StrCat("invoice { site_id: '", site, "' client: '", client, "' } ", lines,
                     " request_id: '", request_id.empty() ? NextId() : request_id, "'"));
    return stub_->CreateInvoice(Context(clerk_).get(), request, &invoice);
  }

  // A draft with the given lines, issued.
  v1::Invoice Issued(const std::string& site, const std::string& client, const std::string& lines) {
    v1::Invoice draft;
    grpc::Status status = CreateInvoice(site, client, lines, draft);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return Issue(draft.name());
  }

  v1::Invoice Issue(const std::string& name) {
    v1::IssueInvoiceRequest request;
    request.set_name(name);
    request.set_request_id(NextId());
    v1::Invoice issued;
    const grpc::Status status = stub_->IssueInvoice(Context(clerk_).get(), request, &issued);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return issued;
  }

  grpc::Status Pay(const std::string& invoice, int64_t amount, const std::string& currency,
                   v1::Payment& payment, const std::string& method = "PAYMENT_METHOD_CARD",
                   const std::string& request_id = "") {
    auto request = Parse<v1::RecordPaymentRequest>(absl::StrCat(
        "invoice: '", invoice, "' amount { amount_minor: ", amount, " currency_code: '", currency,
        "' } method: ", method, " reference: 'ref-1' request_id: '",
        request_id.empty() ? NextId() : request_id, "'"));
    return stub_->RecordPayment(Context(clerk_).get(), request, &payment);
  }

  v1::Invoice Get(const std::string& name) {
    v1::GetInvoiceRequest request;
    request.set_name(name);
    v1::Invoice invoice;
    const grpc::Status status = stub_->GetInvoice(Context(clerk_).get(), request, &invoice);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return invoice;
  }

  TempDir data_;
  TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Billing::Stub> stub_;
  std::string manager_;
  std::string clerk_;
  std::atomic<int> requests_{0};
  int prices_ = 0;
  // What London invoices in; a test changes it and restarts, as a chain
  // does when a country changes currency.
  const char* london_currency_ = "GBP";
};

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_INTEGRATION_BILLING_FIXTURE_H_
