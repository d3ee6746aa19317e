// The treatment flow's outbox survives the process: clinicd records
// treatments whose charges Billing cannot take yet (no price for the
// treatment at the site), is killed outright with the charges undelivered,
// and once started again (and the price set) delivers every one of them,
// once.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/billing.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/access_env.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"
#include "tests/testing/treatment_ready.h"

namespace clinic {
namespace {

using clinic::testing::Process;

constexpr char kSite[] = "london-soho";
constexpr int kTreatments = 3;

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

class TreatmentFlowProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    std::filesystem::create_directories(data_);
    manager_ = clinic::testing::IssueTestToken(
        data_, "staff/manager", {clinic::testing::Binding(v1::ROLE_SITE_MANAGER, kSite)});
    config::v1::ServerConfig config = clinic::testing::LoopbackConfig(data_, plugins_.path());
    v1::Site* site = clinic::testing::AddLondonSite(config, kSite);
    site->set_tax_rate_basis_points(2000);
    site->set_prices_include_tax(true);
    config.mutable_delivery()->set_first_retry_ms(20);
    config.mutable_delivery()->set_max_retry_ms(200);
    config.set_port_file(dir_.Join("clinicd.port"));
    std::string text;
    google::protobuf::TextFormat::PrintToString(config, &text);
    clinic::testing::WriteFile(config_, text);
  }

  void Start() {
    std::filesystem::remove(dir_.Join("clinicd.port"));
    process_ = std::make_unique<Process>(
        std::vector<std::string>{clinic::testing::BinaryPath("clinicd"), "--config=" + config_},
        dir_.path());
    const int port = clinic::testing::WaitForPortFile(dir_.Join("clinicd.port"));
    ASSERT_GT(port, 0) << process_->Stderr();
    channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
    records_ = v1::ClientRecords::NewStub(channel_);
    billing_ = v1::Billing::NewStub(channel_);
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token);
    return context;
  }

  v1::TreatmentRecord Get(const std::string& name, const std::string& token) {
    v1::GetTreatmentRecordRequest request;
    request.set_name(name);
    v1::TreatmentRecord record;
    EXPECT_TRUE(records_->GetTreatmentRecord(Context(token).get(), request, &record).ok());
    return record;
  }

  clinic::testing::TempDir dir_;
  clinic::testing::TempDir plugins_;
  const std::string data_ = dir_.Join("data");
  const std::string config_ = dir_.Join("clinicd.textproto");
  std::string manager_;
  std::unique_ptr<Process> process_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ClientRecords::Stub> records_;
  std::unique_ptr<v1::Billing::Stub> billing_;
};

TEST_F(TreatmentFlowProcessTest, ChargesLeftUndeliveredByAKilledProcessAreDeliveredAfterRestart) {
  ASSERT_NO_FATAL_FAILURE(Start());
  clinic::testing::TreatmentReady ready(channel_, data_);
  ASSERT_TRUE(ready.StockCartridges(kSite, 10).ok());
  const std::string nurse = ready.practitioner_token();
  std::vector<std::string> records;
  for (int i = 0; i < kTreatments; ++i) {
    auto create_client = Parse<v1::CreateClientRequest>(absl::StrCat(
        "client { given_name: 'Kill' family_name: 'Restart' date_of_birth { year: 1990 month: 1 "
        "day: ",
        i + 1, " } home_site_id: '", kSite, "' } request_id: 'client-", i, "'"));
    v1::CreateClientResponse created;
    ASSERT_TRUE(records_->CreateClient(Context(manager_).get(), create_client, &created).ok());
    const std::string client = created.client().name();
    ASSERT_TRUE(ready.Prepare(client, "microneedling", kSite, {"cheeks"}).ok());
    auto request = Parse<v1::CreateTreatmentRecordRequest>(absl::StrCat(
        "parent: '", client, "' treatment_record { treatment_type_id: 'microneedling' site_id: '",
        kSite, "' practitioner: 'staff/ready-practitioner' perform_time { seconds: ",
        absl::ToUnixSeconds(absl::Now()),
        " } areas { area_id: 'cheeks' needle_depth_um: 1000 passes: 2 } consumables { "
        "requirement_id: 'face_36_42' } } request_id: 'treatment-",
        i, "'"));
    v1::TreatmentRecord record;
    const grpc::Status status =
        records_->CreateTreatmentRecord(Context(nurse).get(), request, &record);
    ASSERT_TRUE(status.ok()) << status.error_message();
    records.push_back(record.name());
  }
  // No price yet: Billing refuses every attempt, and the charges wait.
  for (const std::string& name : records) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (Get(name, nurse).charge().attempts() < 1 && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const v1::TreatmentRecord waiting = Get(name, nurse);
    EXPECT_EQ(waiting.charge().state(), v1::CHARGE_DELIVERY_STATE_PENDING);
    EXPECT_NE(waiting.charge().last_error().find("PRICE_NOT_FOUND"), std::string::npos)
        << waiting.charge().last_error();
  }
  process_->Signal(SIGKILL);
  process_->Wait();

  ASSERT_NO_FATAL_FAILURE(Start());
  absl::TimeZone london;
  absl::LoadTimeZone("Europe/London", &london);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), london);
  auto price = Parse<v1::SetPriceRequest>(absl::StrCat(
      "price { site_id: '", kSite,
      "' item { treatment { treatment_type_id: 'microneedling' } } display_name: 'Session' "
      "unit_price { amount_minor: 18000 currency_code: 'GBP' } "
      "tax_category: TAX_CATEGORY_COSMETIC_TREATMENT effective_from { year: ",
      today.year(), " month: ", today.month(), " day: ", today.day(),
      " } } request_id: 'price-session'"));
  v1::Price set;
  const grpc::Status priced = billing_->SetPrice(Context(manager_).get(), price, &set);
  ASSERT_TRUE(priced.ok()) << priced.error_message();
  for (const std::string& name : records) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (Get(name, nurse).charge().state() != v1::CHARGE_DELIVERY_STATE_CHARGED &&
           std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(Get(name, nurse).charge().state(), v1::CHARGE_DELIVERY_STATE_CHARGED) << name;
  }
  // Each treatment on its client's draft invoice once.
  v1::ListInvoicesRequest list;
  list.set_site_id(kSite);
  v1::ListInvoicesResponse invoices;
  ASSERT_TRUE(billing_->ListInvoices(Context(manager_).get(), list, &invoices).ok());
  int lines = 0;
  for (const v1::Invoice& invoice : invoices.invoices()) lines += invoice.lines_size();
  EXPECT_EQ(lines, kTreatments);
}

}  // namespace
}  // namespace clinic
