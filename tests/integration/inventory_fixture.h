// The Inventory fixture: a clinicd-shaped server with the bundled
// microneedling plugin and three sites, a clerk (chain-wide and one bound to
// Soho) and a practitioner, and helpers that create a cartridge product,
// receive lots and consume them.
#ifndef CLINIC_TESTS_INTEGRATION_INVENTORY_FIXTURE_H_
#define CLINIC_TESTS_INTEGRATION_INVENTORY_FIXTURE_H_

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "common/storage/ids.h"
#include "google/protobuf/text_format.h"
#include "services/clinicd/all_services.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic::inventory_testing {

inline constexpr char kSoho[] = "london-soho";
inline constexpr char kLeeds[] = "leeds";
inline constexpr char kYork[] = "york";

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

inline int NextYear() {
  return static_cast<int>(absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year()) + 1;
}

class InventoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    Start();
    clerk_ = clinic::testing::IssueTestToken(data_.path(), "staff/stock",
                                             {clinic::testing::Binding(v1::ROLE_INVENTORY_CLERK)});
    site_clerk_ = clinic::testing::IssueTestToken(
        data_.path(), "staff/soho-stock",
        {clinic::testing::Binding(v1::ROLE_INVENTORY_CLERK, kSoho)});
    nurse_ = clinic::testing::IssueTestToken(data_.path(), "staff/nurse",
                                             {clinic::testing::Binding(v1::ROLE_PRACTITIONER)});
  }

  void Start() {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    for (const char* id : {kSoho, kLeeds, kYork}) {
      v1::Site* site = config.mutable_chain()->add_sites();
      site->set_site_id(id);
      site->set_time_zone("Europe/London");
    }
    auto server = server::Server::Start(config, AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::Inventory::NewStub(channel_);
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token);
    return context;
  }

  std::string NextId() { return absl::StrCat("req-", ++requests_); }

  static std::string NewClient() { return "clients/" + storage::NewId(); }

  // A 36-needle, 2.5 mm cartridge for the Dermapen 4.
  v1::Product Cartridge(const std::string& gtin = "") {
    auto request = Parse<v1::CreateProductRequest>(absl::StrCat(
        "product { display_name: 'Dermapen 4 cartridge, 36 needles' manufacturer: 'Dermapen World' "
        "model: 'DP4-36' gtin: '",
        gtin,
        "' kind: CONSUMABLE_KIND_NEEDLE_CARTRIDGE cartridge { needles { needle_count: 36 } "
        "needle_length_um: 2500 compatible_devices: 'Dermapen 4' } } request_id: '",
        NextId(), "'"));
    v1::Product product;
    const grpc::Status status = stub_->CreateProduct(Context(clerk_).get(), request, &product);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return product;
  }

  grpc::Status Receive(const std::string& site, const std::string& product,
                       const std::string& lot_number, int64_t quantity, v1::Movement& movement,
                       int year = 0) {
    auto request = Parse<v1::ReceiveStockRequest>(absl::StrCat(
        "site_id: '", site, "' product: '", product, "' lot_number: '", lot_number,
        "' expiry_date { year: ", year == 0 ? NextYear() : year, " month: 6 day: 30 } quantity: ",
        quantity, " supplier: 'MedSupply' delivery_note: 'DN-77' request_id: '", NextId(), "'"));
    return stub_->ReceiveStock(Context(clerk_).get(), request, &movement);
  }

  std::string ReceiveLot(const std::string& site, const std::string& product,
                         const std::string& lot_number, int64_t quantity) {
    v1::Movement movement;
    const grpc::Status status = Receive(site, product, lot_number, quantity, movement);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return movement.lot();
  }

  grpc::Status Consume(const std::string& site, const std::string& client,
                       const std::string& request_id, v1::Consumption& consumption,
                       const std::string& what =
                           "requirement { treatment_type: "
                           "'treatmentTypes/microneedling' requirement_id: "
                           "'face_36_42' }") {
    auto request = Parse<v1::ConsumeStockRequest>(absl::StrCat(
        "site_id: '", site, "' ", what, " device: 'Dermapen 4' client: '", client,
        "' treatment_reference: 'session for ", client, "' request_id: '", request_id, "'"));
    return stub_->ConsumeStock(Context(nurse_).get(), request, &consumption);
  }

  v1::StockBalance Balance(const std::string& site, const std::string& lot) {
    v1::ListStockRequest request;
    request.set_site_id(site);
    request.set_include_empty(true);
    v1::ListStockResponse response;
    EXPECT_TRUE(stub_->ListStock(Context(clerk_).get(), request, &response).ok());
    for (const v1::StockLevel& level : response.levels()) {
      if (level.lot() == lot) return level.balance();
    }
    return v1::StockBalance();
  }

  int MovementCount(const std::string& site) {
    v1::ListMovementsRequest request;
    request.set_site_id(site);
    request.set_page_size(100);
    v1::ListMovementsResponse response;
    EXPECT_TRUE(stub_->ListMovements(Context(clerk_).get(), request, &response).ok());
    return response.movements_size();
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Inventory::Stub> stub_;
  std::string clerk_, site_clerk_, nurse_;
  std::atomic<int> requests_{0};
};

}  // namespace clinic::inventory_testing

#endif  // CLINIC_TESTS_INTEGRATION_INVENTORY_FIXTURE_H_
