// clinic-inventory, the Inventory service in a process of its own, as a
// split deployment runs it: it starts with its own data folder and the
// bundled plugins, serves the stock path through gRPC, and keeps every
// acknowledged movement when it is killed outright and started again.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/config/v1/server_config.pb.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "common/storage/ids.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/access_env.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using clinic::testing::Process;

constexpr char kSite[] = "london-soho";

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

class InventoryProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    std::filesystem::create_directories(data_);
    clerk_ = clinic::testing::IssueTestToken(
        data_, "staff/stock", {clinic::testing::Binding(v1::ROLE_INVENTORY_CLERK, kSite)});
    nurse_ = clinic::testing::IssueTestToken(
        data_, "staff/nurse", {clinic::testing::Binding(v1::ROLE_PRACTITIONER, kSite)});
    config::v1::ServerConfig config = clinic::testing::LoopbackConfig(data_, plugins_.path());
    clinic::testing::AddLondonSite(config, kSite);
    config.set_port_file(dir_.Join("inventory.port"));
    // Where recall notices go. Nothing listens there: a recall must not wait
    // for ClientRecords, whose notices are delivered when it can be reached.
    const std::string token = dir_.Join("inventory-service.token");
    clinic::testing::WriteFile(token, "unused\n");
    config.mutable_upstreams()->mutable_client_records()->set_target(
        "unix:" + dir_.Join("client-records.sock"));
    config.mutable_upstreams()->mutable_client_records()->set_token_file(token);
    std::string text;
    google::protobuf::TextFormat::PrintToString(config, &text);
    clinic::testing::WriteFile(config_, text);
  }

  // Starts clinic-inventory and connects to it.
  void Start() {
    std::filesystem::remove(dir_.Join("inventory.port"));
    process_ = std::make_unique<Process>(
        std::vector<std::string>{clinic::testing::BinaryPath("clinic-inventory"),
                                 "--config=" + config_},
        dir_.path());
    const int port = clinic::testing::WaitForPortFile(dir_.Join("inventory.port"));
    ASSERT_GT(port, 0) << process_->Stderr();
    stub_ = v1::Inventory::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token);
    return context;
  }

  int64_t Usable(const std::string& lot) {
    v1::ListStockRequest request;
    request.set_site_id(kSite);
    v1::ListStockResponse response;
    const grpc::Status status = stub_->ListStock(Context(clerk_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    for (const v1::StockLevel& level : response.levels()) {
      if (level.lot() == lot) return level.balance().usable();
    }
    return -1;
  }

  clinic::testing::TempDir dir_;
  clinic::testing::TempDir plugins_;
  std::string data_ = dir_.Join("data");
  std::string config_ = dir_.Join("inventory.textproto");
  std::string clerk_, nurse_;
  std::unique_ptr<Process> process_;
  std::unique_ptr<v1::Inventory::Stub> stub_;
};

TEST_F(InventoryProcessTest, ServesTheStockPathAloneAndKeepsItThroughAKill) {
  ASSERT_NO_FATAL_FAILURE(Start());
  v1::Product product;
  grpc::Status status = stub_->CreateProduct(
      Context(clerk_).get(),
      Parse<v1::CreateProductRequest>(
          "product { display_name: 'Dermapen 4 cartridge, 36 needles' manufacturer: 'Dermapen "
          "World' kind: CONSUMABLE_KIND_NEEDLE_CARTRIDGE cartridge { needles { needle_count: 36 } "
          "needle_length_um: 2500 compatible_devices: 'Dermapen 4' } } request_id: 'product'"),
      &product);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const int year = static_cast<int>(absl::ToCivilYear(absl::Now(), absl::UTCTimeZone()).year());
  v1::Movement received;
  status = stub_->ReceiveStock(
      Context(clerk_).get(),
      Parse<v1::ReceiveStockRequest>(absl::StrCat(
          "site_id: '", kSite, "' product: '", product.name(),
          "' lot_number: 'DP-1' expiry_date { year: ", year + 1,
          " month: 3 day: 31 } quantity: 10 supplier: 'MedSupply' request_id: 'receipt'")),
      &received);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const std::string client = "clients/" + storage::NewId();
  for (int i = 0; i < 3; ++i) {
    v1::Consumption consumption;
    status = stub_->ConsumeStock(
        Context(nurse_).get(),
        Parse<v1::ConsumeStockRequest>(absl::StrCat(
            "site_id: '", kSite,
            "' requirement { treatment_type: 'treatmentTypes/microneedling' requirement_id: "
            "'face_36_42' } client: '",
            client, "' treatment_reference: 'session ", i, "' request_id: 'consume-", i, "'")),
        &consumption);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(consumption.allocations(0).lot(), received.lot());
  }
  EXPECT_EQ(Usable(received.lot()), 7);

  // Killed without a chance to flush anything: every acknowledged movement
  // is on disk.
  process_->Signal(SIGKILL);
  process_->Wait();
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Usable(received.lot()), 7);
  v1::ListClientConsumptionsRequest uses;
  uses.set_client(client);
  v1::ListClientConsumptionsResponse listed;
  ASSERT_TRUE(stub_->ListClientConsumptions(Context(nurse_).get(), uses, &listed).ok());
  EXPECT_EQ(listed.uses_size(), 3);

  // A recall is answered at once though ClientRecords, where its notices
  // go, cannot be reached.
  const std::string recaller = clinic::testing::IssueTestToken(
      data_, "staff/central-stock", {clinic::testing::Binding(v1::ROLE_INVENTORY_CLERK)});
  v1::RecallLotRequest recall;
  recall.set_name(received.lot());
  recall.set_reason("Supplier notice: sterility not assured");
  recall.set_request_id("recall");
  v1::Recall recalled;
  status = stub_->RecallLot(Context(recaller).get(), recall, &recalled);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(recalled.consumed(), 3);
}

}  // namespace
}  // namespace clinic
