// The treatment flow over real gRPC (docs/treatment-flow.md): recording a
// treatment checks eligibility, consent and the course interval in that
// order and stops at the first refusal having consumed and written nothing;
// it consumes at Inventory, writes the record and delivers its charge to
// Billing once; a retried call does each step once; a recalled lot is
// refused at the chair; with Billing down the treatment is recorded and the
// charge arrives once Billing is back; with Inventory down nothing is
// written; a recall puts a notice on the chart of every client the lot was
// used on, also when ClientRecords was down at the time. Services run as
// clinicd hosts them, or split over two servers where one must be down.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/billing.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/auth_interceptor.h"
#include "common/server/server.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"
#include "services/billing/billing_service.h"
#include "services/client_records/client_records_service.h"
#include "services/clinicd/all_services.h"
#include "services/clinicd/core_services.h"
#include "services/inventory/inventory_service.h"
#include "services/screening/screening_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"
#include "tests/testing/treatment_ready.h"

namespace clinic {
namespace {

using google::protobuf::util::TimeUtil;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr char kSite[] = "london-soho";

template <typename Message>
Message Parse(const std::string& text) {
  Message message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

std::string ReasonOf(const grpc::Status& status) { return GetReason(FromGrpcStatus(status)); }

// Polls until `done`, for at most 20 s.
template <typename Predicate>
bool Eventually(Predicate done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class TreatmentFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
  }

  config::v1::ServerConfig Config(const std::string& data_dir) {
    config::v1::ServerConfig config = clinic::testing::LoopbackConfig(data_dir, plugins_.path());
    v1::Site* site = config.mutable_chain()->add_sites();
    site->set_site_id(kSite);
    site->set_time_zone("Europe/London");
    site->set_currency_code("GBP");
    site->set_tax_rate_basis_points(2000);
    site->set_prices_include_tax(true);
    // Retries in tens of milliseconds, so a test waits for Billing briefly.
    config.mutable_delivery()->set_first_retry_ms(20);
    config.mutable_delivery()->set_max_retry_ms(200);
    return config;
  }

  // Every service in one server, as clinicd runs them.
  void StartAll() {
    auto server = server::Server::Start(Config(data_.path()), AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    Connect("127.0.0.1:" + std::to_string(server_->port()));
  }

  // ClientRecords, Screening and Inventory here; Billing (or Inventory) in a
  // second server on a unix socket, started by StartSecond.
  void StartSplit(bool inventory_apart, int port = 0) {
    service_token_file_ = dir_.Join("service.token");
    config::v1::ServerConfig config = Config(data_.path());
    if (port != 0) config.set_listen_address("127.0.0.1:" + std::to_string(port));
    for (config::v1::Upstream* upstream :
         {config.mutable_upstreams()->mutable_billing(),
          inventory_apart ? config.mutable_upstreams()->mutable_inventory() : nullptr}) {
      if (upstream == nullptr) continue;
      upstream->set_target("unix:" + dir_.Join("second.sock"));
      upstream->set_token_file(service_token_file_);
      upstream->set_deadline_ms(2000);
    }
    clinic::testing::WriteFile(
        service_token_file_,
        clinic::testing::IssueTestToken(data_.path(), "service/client-records",
                                        {clinic::testing::Binding(v1::ROLE_SERVICE)}));
    std::vector<server::ServiceFactory> here = {client_records::ClientRecordsFactory(),
                                                screening::ScreeningFactory()};
    if (!inventory_apart) here.push_back(inventory::InventoryFactory());
    auto server = server::Server::Start(config, WithCoreServices(here));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    second_apart_ = inventory_apart ? "inventory" : "billing";
    Connect("127.0.0.1:" + std::to_string(server_->port()));
  }

  // The second server, sharing the first one's principals (one machine, one
  // access database) but with its own data and audit trail.
  void StartSecond() {
    config::v1::ServerConfig config = Config(second_data_.path());
    config.set_listen_address("unix:" + dir_.Join("second.sock"));
    config.mutable_security()->set_access_database(data_.Join("access.db"));
    std::vector<server::ServiceFactory> there = {billing::BillingFactory()};
    if (second_apart_ == "inventory") {
      there = {inventory::InventoryFactory()};
      // Inventory apart sends recall notices back to ClientRecords.
      const std::string token_file = dir_.Join("inventory-service.token");
      clinic::testing::WriteFile(token_file, clinic::testing::IssueTestToken(
                                                 data_.path(), "service/inventory",
                                                 {clinic::testing::Binding(v1::ROLE_SERVICE)}));
      config.mutable_upstreams()->mutable_client_records()->set_target(
          "127.0.0.1:" + std::to_string(server_->port()));
      config.mutable_upstreams()->mutable_client_records()->set_token_file(token_file);
    }
    auto server = server::Server::Start(config, WithCoreServices(there));
    ASSERT_TRUE(server.ok()) << server.status();
    second_ = std::move(*server);
  }

  void Connect(const std::string& target) {
    channel_ = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    records_ = v1::ClientRecords::NewStub(channel_);
    inventory_ = v1::Inventory::NewStub(channel_);
    ready_ = std::make_unique<clinic::testing::TreatmentReady>(channel_, data_.path());
    nurse_ = ready_->practitioner_token();
    manager_ = clinic::testing::IssueTestToken(data_.path(), "staff/manager",
                                               {clinic::testing::Binding(v1::ROLE_SITE_MANAGER)});
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token, int seconds = 30) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
    clinic::testing::AddToken(*context, token);
    return context;
  }

  std::string NewClient() {
    const int n = ++clients_;
    auto request = Parse<v1::CreateClientRequest>(absl::StrCat(
        "client { given_name: 'Ada' family_name: 'Lovelace' date_of_birth { year: 1990 month: 5 "
        "day: ",
        n, " } home_site_id: '", kSite, "' } request_id: 'client-", n, "'"));
    v1::CreateClientResponse response;
    const grpc::Status status = records_->CreateClient(Context(manager_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.client().name();
  }

  void PriceASession(v1::Billing::Stub& billing) {
    auto request = Parse<v1::SetPriceRequest>(absl::StrCat(
        "price { site_id: '", kSite,
        "' item { treatment { treatment_type_id: 'microneedling' } } display_name: 'Session' "
        "unit_price { amount_minor: 18000 currency_code: 'GBP' } "
        "tax_category: TAX_CATEGORY_COSMETIC_TREATMENT effective_from { ",
        Today(), " } } request_id: 'price-session'"));
    v1::Price price;
    const grpc::Status status = billing.SetPrice(Context(manager_).get(), request, &price);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static std::string Today() {
    absl::TimeZone london;
    absl::LoadTimeZone("Europe/London", &london);
    const absl::CivilDay day = absl::ToCivilDay(absl::Now(), london);
    return absl::StrCat("year: ", day.year(), " month: ", day.month(), " day: ", day.day());
  }

  // A treatment of the cheeks with one face cartridge (the lot, when given,
  // scanned), performed `days_ago` days ago.
  v1::CreateTreatmentRecordRequest Treatment(const std::string& client,
                                             const std::string& request_id, int days_ago = 0,
                                             const std::string& lot = "",
                                             const std::string& extra = "") {
    const int64_t seconds = absl::ToUnixSeconds(absl::Now() - absl::Hours(24 * days_ago));
    return Parse<v1::CreateTreatmentRecordRequest>(absl::StrCat(
        "parent: '", client, "' treatment_record { treatment_type_id: 'microneedling' site_id: '",
        kSite, "' practitioner: 'staff/ready-practitioner' perform_time { seconds: ", seconds,
        " } areas { area_id: 'cheeks' needle_depth_um: 1000 passes: 2 } device: 'Dermapen 4' "
        "consumables { requirement_id: 'face_36_42'",
        lot.empty() ? "" : absl::StrCat(" lot: '", lot, "'"), " } ", extra, " } request_id: '",
        request_id, "'"));
  }

  grpc::Status Record(const v1::CreateTreatmentRecordRequest& request, v1::TreatmentRecord& record,
                      const std::string& token = "") {
    return records_->CreateTreatmentRecord(Context(token.empty() ? nurse_ : token).get(), request,
                                           &record);
  }

  int64_t Usable(const std::string& lot) {
    v1::ListStockRequest request;
    request.set_site_id(kSite);
    request.set_include_empty(true);
    v1::ListStockResponse response;
    EXPECT_TRUE(inventory_->ListStock(Context(manager_).get(), request, &response).ok());
    for (const v1::StockLevel& level : response.levels()) {
      if (level.lot() == lot) return level.balance().usable();
    }
    return -1;
  }

  std::vector<v1::TreatmentRecord> Records(const std::string& client) {
    v1::ListTreatmentRecordsRequest request;
    request.set_parent(client);
    v1::ListTreatmentRecordsResponse response;
    const grpc::Status status =
        records_->ListTreatmentRecords(Context(nurse_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.treatment_records().begin(), response.treatment_records().end()};
  }

  v1::TreatmentRecord Get(const std::string& name) {
    v1::GetTreatmentRecordRequest request;
    request.set_name(name);
    v1::TreatmentRecord record;
    EXPECT_TRUE(records_->GetTreatmentRecord(Context(nurse_).get(), request, &record).ok());
    return record;
  }

  // Lines on the client's invoices at the site: one per treatment charged.
  int InvoiceLines(v1::Billing::Stub& billing, const std::string& client) {
    v1::ListInvoicesRequest request;
    request.set_site_id(kSite);
    request.set_client(client);
    v1::ListInvoicesResponse listed;
    EXPECT_TRUE(billing.ListInvoices(Context(manager_).get(), request, &listed).ok());
    int lines = 0;
    for (const v1::Invoice& invoice : listed.invoices()) lines += invoice.lines_size();
    return lines;
  }

  // Recalls `lot` as the chain's central stock team, under `trace_id`.
  void Recall(v1::Inventory::Stub& inventory, const std::string& lot, const std::string& trace_id) {
    const std::string recaller = clinic::testing::IssueTestToken(
        data_.path(), "staff/central-stock", {clinic::testing::Binding(v1::ROLE_INVENTORY_CLERK)});
    auto context = Context(recaller);
    context->AddMetadata("x-request-id", trace_id);
    v1::Recall recalled;
    const grpc::Status status = inventory.RecallLot(
        context.get(),
        Parse<v1::RecallLotRequest>(absl::StrCat(
            "name: '", lot, "' reason: 'FSN-2026-31: sterility not assured' request_id: '",
            trace_id, "'")),
        &recalled);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  std::vector<v1::LotRecallNotice> Notices(const std::string& client) {
    v1::ListLotRecallNoticesRequest request;
    request.set_parent(client);
    v1::ListLotRecallNoticesResponse response;
    const grpc::Status status =
        records_->ListLotRecallNotices(Context(nurse_).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.notices().begin(), response.notices().end()};
  }

  bool Charged(const std::string& record) {
    return Get(record).charge().state() == v1::CHARGE_DELIVERY_STATE_CHARGED;
  }

  clinic::testing::TempDir dir_;
  clinic::testing::TempDir data_;
  clinic::testing::TempDir second_data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<server::Server> second_;
  std::string second_apart_;
  std::string service_token_file_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::ClientRecords::Stub> records_;
  std::unique_ptr<v1::Inventory::Stub> inventory_;
  std::unique_ptr<clinic::testing::TreatmentReady> ready_;
  std::string nurse_, manager_;
  int clients_ = 0;
};

TEST_F(TreatmentFlowTest, ATreatmentConsumesRecordsAndIsChargedOnce) {
  StartAll();
  auto billing = v1::Billing::NewStub(channel_);
  PriceASession(*billing);
  const std::string lot = *ready_->StockCartridges(kSite, 5, "DP-2409");
  const std::string cream = *ready_->StockCream(kSite, 3);
  const std::string client = NewClient();
  ASSERT_TRUE(ready_->Prepare(client, "microneedling", kSite, {"cheeks"}).ok());

  v1::CreateTreatmentRecordRequest request = Treatment(client, "session-1");
  request.mutable_treatment_record()->add_consumables()->set_requirement_id("lidocaine_cream");
  v1::TreatmentRecord record;
  const grpc::Status status = Record(request, record);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_THAT(record.consumables(), SizeIs(2));
  EXPECT_EQ(record.consumables(0).lot(), lot);
  EXPECT_EQ(record.consumables(0).lot_number(), "DP-2409");
  EXPECT_EQ(record.consumables(0).quantity(), 1);
  EXPECT_EQ(record.consumables(1).lot(), cream);
  EXPECT_THAT(record.screening(), HasSubstr("/screenings/"));
  EXPECT_EQ(record.definition_version(), "2.1.0");
  EXPECT_EQ(record.recorded_by(), "staff/ready-practitioner");
  EXPECT_EQ(Usable(lot), 4);
  EXPECT_EQ(Usable(cream), 2);

  ASSERT_TRUE(Eventually([&] { return Charged(record.name()); }));
  const v1::TreatmentRecord charged = Get(record.name());
  EXPECT_THAT(charged.charge().treatment_charge(), HasSubstr("/treatmentCharges/"));
  EXPECT_EQ(charged.charge().attempts(), 1);

  // The retry of the same call: the same record, nothing consumed or
  // charged again.
  v1::TreatmentRecord again;
  ASSERT_TRUE(Record(request, again).ok());
  EXPECT_EQ(again.name(), record.name());
  EXPECT_EQ(Usable(lot), 4);
  EXPECT_THAT(Records(client), SizeIs(1));
  EXPECT_EQ(InvoiceLines(*billing, client), 1) << "charged once";

  // Inventory's trace names the client and this very record.
  v1::TraceLotRequest trace;
  trace.set_name(lot);
  v1::TraceLotResponse uses;
  ASSERT_TRUE(inventory_->TraceLot(Context(nurse_).get(), trace, &uses).ok());
  ASSERT_THAT(uses.uses(), SizeIs(1));
  EXPECT_EQ(uses.uses(0).client(), client);
}

TEST_F(TreatmentFlowTest, EachCheckRefusesInOrderAndNothingIsConsumedOrWritten) {
  StartAll();
  const std::string lot = *ready_->StockCartridges(kSite, 5);
  const std::string client = NewClient();
  v1::TreatmentRecord record;

  // No screening.
  grpc::Status status = Record(Treatment(client, "t-1"), record);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "NOT_ELIGIBLE");
  EXPECT_THAT(status.error_message(), HasSubstr("not eligible for microneedling"));

  // Screened, but no consent; then a consent withdrawn.
  ASSERT_TRUE(ready_->Screen(client, "microneedling", kSite, {"cheeks"}).ok());
  status = Record(Treatment(client, "t-2"), record);
  EXPECT_EQ(ReasonOf(status), "CONSENT_MISSING");
  EXPECT_THAT(status.error_message(), HasSubstr("no consent to microneedling"));

  ASSERT_TRUE(ready_->Consent(client, "microneedling", kSite).ok());
  ASSERT_TRUE(Record(Treatment(client, "t-3", /*days_ago=*/10), record).ok());
  EXPECT_EQ(Usable(lot), 4);

  // Ten days after the last session of a course that needs 28.
  status = Record(Treatment(client, "t-4"), record);
  EXPECT_EQ(ReasonOf(status), "INTERVAL_TOO_SHORT");
  EXPECT_THAT(status.error_message(), HasSubstr("10 days before this one"));
  EXPECT_THAT(status.error_message(), HasSubstr("interval_override_reason"));
  // Charting a session in between is as close to the other one.
  status = Record(Treatment(client, "t-5", /*days_ago=*/20), record);
  EXPECT_EQ(ReasonOf(status), "INTERVAL_TOO_SHORT");
  EXPECT_THAT(status.error_message(), HasSubstr("10 days after this one"));
  EXPECT_EQ(Usable(lot), 4);
  EXPECT_THAT(Records(client), SizeIs(1));
}

TEST_F(TreatmentFlowTest, OnlyAPractitionerOverridesTheIntervalAndTheReasonIsCharted) {
  StartAll();
  ASSERT_TRUE(ready_->StockCartridges(kSite, 5).ok());
  const std::string client = NewClient();
  ASSERT_TRUE(ready_->Prepare(client, "microneedling", kSite, {"cheeks"}).ok());
  v1::TreatmentRecord record;
  ASSERT_TRUE(Record(Treatment(client, "first", 7), record).ok());
  const std::string extra = "interval_override_reason: 'Wedding on Saturday; agreed with Dr Patel'";

  // A service acting for the practitioner may chart, but not override.
  const std::string service = clinic::testing::IssueTestToken(
      data_.path(), "service/kiosk", {clinic::testing::Binding(v1::ROLE_SERVICE)});
  auto context = Context(service);
  context->AddMetadata(server::kOnBehalfOfKey, "staff/ready-practitioner");
  grpc::Status status = records_->CreateTreatmentRecord(
      context.get(), Treatment(client, "kiosk", 0, "", extra), &record);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("PERMISSION_TREATMENT_INTERVAL_OVERRIDE"));

  status = Record(Treatment(client, "override", 0, "", extra), record);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(record.interval_override_reason(), "Wedding on Saturday; agreed with Dr Patel");
  EXPECT_THAT(Records(client), SizeIs(2));
}

TEST_F(TreatmentFlowTest, NoUsableStockOrARecalledLotWritesNothing) {
  StartAll();
  const std::string client = NewClient();
  ASSERT_TRUE(ready_->Prepare(client, "microneedling", kSite, {"cheeks"}).ok());
  v1::TreatmentRecord record;
  grpc::Status status = Record(Treatment(client, "empty"), record);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "NO_PRODUCT_FITS");
  EXPECT_THAT(status.error_message(), HasSubstr("consuming what the treatment used"));

  const std::string lot = *ready_->StockCartridges(kSite, 2, "BAD-LOT");
  const std::string good = *ready_->StockCartridges(kSite, 2, "GOOD-LOT");
  auto recall = Parse<v1::RecallLotRequest>(
      absl::StrCat("name: '", lot, "' reason: 'FSN-2026-30: sterility' request_id: 'recall'"));
  const std::string recaller = clinic::testing::IssueTestToken(
      data_.path(), "staff/central-stock", {clinic::testing::Binding(v1::ROLE_INVENTORY_CLERK)});
  v1::Recall recalled;
  ASSERT_TRUE(inventory_->RecallLot(Context(recaller).get(), recall, &recalled).ok());
  // The practitioner scans a box of the recalled lot.
  status = Record(Treatment(client, "scanned-recalled", 0, lot), record);
  EXPECT_EQ(ReasonOf(status), "LOT_RECALLED");
  EXPECT_THAT(status.error_message(), HasSubstr("BAD-LOT"));
  EXPECT_THAT(Records(client), IsEmpty());
  EXPECT_EQ(Usable(good), 2);
  // Without a scan, a usable lot is taken.
  ASSERT_TRUE(Record(Treatment(client, "unscanned"), record).ok());
  EXPECT_EQ(record.consumables(0).lot(), good);
}

TEST_F(TreatmentFlowTest, ACallerThatGaveUpAndRetriedGetsOneOfEverything) {
  StartAll();
  auto billing = v1::Billing::NewStub(channel_);
  PriceASession(*billing);
  const std::string lot = *ready_->StockCartridges(kSite, 5);
  const std::string client = NewClient();
  ASSERT_TRUE(ready_->Prepare(client, "microneedling", kSite, {"cheeks"}).ok());
  const v1::CreateTreatmentRecordRequest request = Treatment(client, "impatient");
  // Deadlines from nothing to a few milliseconds: the call may be cut off
  // before, during or after any step; the server carries on regardless.
  for (int ms : {0, 1, 3, 8}) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(ms));
    clinic::testing::AddToken(context, nurse_);
    v1::TreatmentRecord ignored;
    records_->CreateTreatmentRecord(&context, request, &ignored).IgnoreError();
  }
  v1::TreatmentRecord record;
  const grpc::Status status = Record(request, record);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(Records(client), SizeIs(1));
  EXPECT_EQ(Usable(lot), 4);
  ASSERT_TRUE(Eventually([&] { return Charged(record.name()); }));
  EXPECT_EQ(InvoiceLines(*billing, client), 1) << "charged once";
}

// Each treatment waits on Screening, which reads the client back from
// ClientRecords: a burst larger than ClientRecords' handler threads must not
// leave those reads waiting behind the treatments that need them.
TEST_F(TreatmentFlowTest, ABurstOfTreatmentsDoesNotStarveTheReadsTheyWaitOn) {
  StartAll();
  constexpr int kBurst = 48;
  const std::string lot = *ready_->StockCartridges(kSite, kBurst);
  const std::string client = NewClient();
  ASSERT_TRUE(ready_->Prepare(client, "microneedling", kSite, {"cheeks"}).ok());
  std::vector<grpc::Status> statuses(kBurst);
  std::vector<std::thread> callers;
  callers.reserve(kBurst);
  for (int i = 0; i < kBurst; ++i) {
    callers.emplace_back([&, i] {
      v1::TreatmentRecord record;
      statuses[static_cast<size_t>(i)] =
          Record(Treatment(client, absl::StrCat("burst-", i), 0, "",
                           "interval_override_reason: 'one of a burst'"),
                 record);
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (const grpc::Status& status : statuses) {
    EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  }
  EXPECT_THAT(Records(client), SizeIs(kBurst));
  EXPECT_EQ(Usable(lot), 0);
}

TEST_F(TreatmentFlowTest, WithBillingDownTheTreatmentIsRecordedAndChargedWhenItIsBack) {
  StartSplit(/*inventory_apart=*/false);
  ASSERT_TRUE(ready_->StockCartridges(kSite, 5).ok());
  const std::string client = NewClient();
  ASSERT_TRUE(ready_->Prepare(client, "microneedling", kSite, {"cheeks"}).ok());
  v1::TreatmentRecord record;
  const grpc::Status status = Record(Treatment(client, "billing-down"), record);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(record.charge().state(), v1::CHARGE_DELIVERY_STATE_PENDING);
  ASSERT_TRUE(Eventually([&] { return Get(record.name()).charge().attempts() >= 2; }));
  const v1::TreatmentRecord waiting = Get(record.name());
  EXPECT_EQ(waiting.charge().state(), v1::CHARGE_DELIVERY_STATE_PENDING);
  EXPECT_THAT(waiting.charge().last_error(), HasSubstr("Billing"));

  StartSecond();
  auto billing = v1::Billing::NewStub(
      grpc::CreateChannel("unix:" + dir_.Join("second.sock"), grpc::InsecureChannelCredentials()));
  PriceASession(*billing);
  ASSERT_TRUE(Eventually([&] { return Charged(record.name()); }))
      << Get(record.name()).charge().last_error();
  EXPECT_EQ(InvoiceLines(*billing, client), 1) << "charged once";
}

TEST_F(TreatmentFlowTest, WithInventoryDownNothingIsWrittenAndTheCallerMayRetry) {
  StartSplit(/*inventory_apart=*/true);
  const std::string client = NewClient();
  ASSERT_TRUE(ready_->Prepare(client, "microneedling", kSite, {"cheeks"}).ok());
  v1::TreatmentRecord record;
  const grpc::Status status = Record(Treatment(client, "inventory-down"), record);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("clinic.v1.Inventory"));
  EXPECT_THAT(Records(client), IsEmpty());
}

TEST_F(TreatmentFlowTest, ARecallPutsANoticeOnTheChartOfEveryClientTheLotWasUsedOn) {
  StartAll();
  const std::string lot = *ready_->StockCartridges(kSite, 6, "DP-2411");
  std::vector<std::string> clients, records;
  for (int i = 0; i < 2; ++i) {
    clients.push_back(NewClient());
    ASSERT_TRUE(ready_->Prepare(clients.back(), "microneedling", kSite, {"cheeks"}).ok());
    v1::TreatmentRecord record;
    const grpc::Status status = Record(Treatment(clients.back(), absl::StrCat("s", i)), record);
    ASSERT_TRUE(status.ok()) << status.error_message();
    records.push_back(record.name());
  }
  // A unit taken outside the treatment flow, against a reference of the
  // desk's own: the client is in the trace, with no record to show it on.
  const std::string walk_in = NewClient();
  v1::Consumption taken;
  grpc::Status status = inventory_->ConsumeStock(
      Context(nurse_).get(),
      Parse<v1::ConsumeStockRequest>(absl::StrCat(
          "site_id: '", kSite,
          "' requirement { treatment_type: 'treatmentTypes/microneedling' requirement_id: "
          "'face_36_42' } client: '",
          walk_in, "' treatment_reference: 'patch test, room 2' request_id: 'walk-in'")),
      &taken);
  ASSERT_TRUE(status.ok()) << status.error_message();

  ASSERT_NO_FATAL_FAILURE(Recall(*inventory_, lot, "recall-2411"));
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_TRUE(Eventually([&] { return Get(records[i]).lot_recalls_size() == 1; })) << records[i];
    const v1::LotRecallNotice notice = Get(records[i]).lot_recalls(0);
    EXPECT_EQ(notice.lot(), lot);
    EXPECT_EQ(notice.lot_number(), "DP-2411");
    EXPECT_EQ(notice.product() + "/lots/" + lot.substr(lot.rfind('/') + 1), lot);
    EXPECT_EQ(notice.reason(), "FSN-2026-31: sterility not assured");
    EXPECT_EQ(notice.recalled_by(), "staff/central-stock");
    EXPECT_EQ(notice.treatment_record(), records[i]);
    EXPECT_EQ(notice.treatment_reference(), records[i]);
    EXPECT_EQ(notice.site_id(), kSite);
    EXPECT_EQ(notice.quantity(), 1);
    EXPECT_THAT(notice.name(), HasSubstr(clients[i] + "/lotRecallNotices/"));
    EXPECT_THAT(Notices(clients[i]), SizeIs(1));
  }
  ASSERT_TRUE(Eventually([&] { return Notices(walk_in).size() == 1; }));
  const v1::LotRecallNotice desk = Notices(walk_in)[0];
  EXPECT_EQ(desk.treatment_record(), "");
  EXPECT_EQ(desk.treatment_reference(), "patch test, room 2");

  // The recall and every notice it wrote are found in the trail by the
  // recall's request id.
  const std::string auditor = clinic::testing::IssueTestToken(
      data_.path(), "staff/auditor", {clinic::testing::Binding(v1::ROLE_AUDITOR)});
  v1::ListAuditEventsRequest by_request;
  by_request.set_request_id("recall-2411");
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(v1::Audit::NewStub(channel_)
                  ->ListAuditEvents(Context(auditor).get(), by_request, &events)
                  .ok());
  int recalls = 0, notices = 0;
  for (const v1::AuditEvent& event : events.events()) {
    EXPECT_EQ(event.request_id(), "recall-2411");
    if (event.method() == "/clinic.v1.Inventory/RecallLot") ++recalls;
    if (event.method() == "/clinic.v1.ClientRecords/RecordLotRecall") {
      ++notices;
      EXPECT_EQ(event.on_behalf_of(), "staff/central-stock");
      EXPECT_EQ(event.status_code(), 0);
    }
  }
  EXPECT_EQ(recalls, 1);
  EXPECT_EQ(notices, 3);
}

TEST_F(TreatmentFlowTest, ARecallMadeWhileClientRecordsIsDownReachesTheChartOnceItIsBack) {
  StartSplit(/*inventory_apart=*/true);
  StartSecond();
  auto apart =
      grpc::CreateChannel("unix:" + dir_.Join("second.sock"), grpc::InsecureChannelCredentials());
  clinic::testing::TreatmentReady stock(apart, data_.path());
  const std::string lot = *stock.StockCartridges(kSite, 3, "DP-2412");
  const std::string client = NewClient();
  ASSERT_TRUE(ready_->Prepare(client, "microneedling", kSite, {"cheeks"}).ok());
  v1::TreatmentRecord record;
  grpc::Status status = Record(Treatment(client, "before-recall"), record);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const int port = server_->port();
  server_->Shutdown(absl::Seconds(1));
  server_.reset();
  auto inventory = v1::Inventory::NewStub(apart);
  ASSERT_NO_FATAL_FAILURE(Recall(*inventory, lot, "recall-2412"));
  // A few attempts fail while ClientRecords is away.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));

  ASSERT_NO_FATAL_FAILURE(StartSplit(/*inventory_apart=*/true, port));
  ASSERT_TRUE(Eventually([&] { return Get(record.name()).lot_recalls_size() == 1; }));
  EXPECT_EQ(Get(record.name()).lot_recalls(0).recalled_by(), "staff/central-stock");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_THAT(Notices(client), SizeIs(1)) << "delivered once";
}

}  // namespace
}  // namespace clinic
