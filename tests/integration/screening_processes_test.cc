// Screening and ClientRecords as two processes on loopback, each with its
// own data folder and access database, as a split deployment runs them:
// clinic-screening reads clients from clinic-client-records over the network
// as a service principal acting for the nurse, both audit trails say so,
// nothing is stored while ClientRecords is down, and a clinic-screening
// that does not know where ClientRecords is refuses to start.
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
#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/access_env.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using clinic::testing::Process;
using ::testing::HasSubstr;

constexpr char kSite[] = "london-soho";

class ScreeningProcessesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::TestPluginPath("test_screening"),
                              plugins_.Join("test_screening.so"));
  }

  // Writes the config of one process and returns its path.
  std::string Config(const std::string& name, const std::string& upstream_target,
                     const std::string& token_file) {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(dir_.Join(name + "-data"), plugins_.path());
    clinic::testing::AddLondonSite(config, kSite);
    config.set_port_file(dir_.Join(name + ".port"));
    if (!upstream_target.empty()) {
      config.mutable_upstreams()->mutable_client_records()->set_target(upstream_target);
      config.mutable_upstreams()->mutable_client_records()->set_token_file(token_file);
    }
    if (name == "records") {
      // ClientRecords calls these while recording a treatment, which this
      // test does not do: addresses where nothing listens are enough to
      // start (channels connect when first used).
      const std::string token = dir_.Join("records-service.token");
      clinic::testing::WriteFile(token, "unused\n");
      config::v1::Upstreams& upstreams = *config.mutable_upstreams();
      for (const auto& [upstream, socket] :
           {std::make_pair(upstreams.mutable_screening(), "screening.sock"),
            std::make_pair(upstreams.mutable_inventory(), "inventory.sock"),
            std::make_pair(upstreams.mutable_billing(), "billing.sock")}) {
        upstream->set_target("unix:" + dir_.Join(socket));
        upstream->set_token_file(token);
      }
    }
    std::string text;
    google::protobuf::TextFormat::PrintToString(config, &text);
    const std::string path = dir_.Join(name + ".textproto");
    clinic::testing::WriteFile(path, text);
    return path;
  }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token);
    return context;
  }

  static std::shared_ptr<grpc::Channel> Channel(int port) {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                               grpc::InsecureChannelCredentials());
  }

  clinic::testing::TempDir dir_;
  clinic::testing::TempDir plugins_;
};

TEST_F(ScreeningProcessesTest, ScreeningReadsClientRecordsInAnotherProcess) {
  // Each process has its own principals: the nurse in both, and at
  // ClientRecords the service principal clinic-screening calls as.
  const std::string records_data = dir_.Join("records-data");
  const std::string screening_data = dir_.Join("screening-data");
  std::filesystem::create_directories(records_data);
  std::filesystem::create_directories(screening_data);
  const std::string nurse_at_records = clinic::testing::IssueTestToken(
      records_data, "staff/nurse", {clinic::testing::Binding(v1::ROLE_PRACTITIONER, kSite)});
  const std::string service_token = clinic::testing::IssueTestToken(
      records_data, "service/screening", {clinic::testing::Binding(v1::ROLE_SERVICE)});
  const std::string nurse_at_screening = clinic::testing::IssueTestToken(
      screening_data, "staff/nurse", {clinic::testing::Binding(v1::ROLE_PRACTITIONER, kSite)});
  const std::string auditor = clinic::testing::IssueTestToken(
      records_data, "staff/auditor", {clinic::testing::Binding(v1::ROLE_AUDITOR)});
  const std::string token_file = dir_.Join("screening-service.token");
  clinic::testing::WriteFile(token_file, service_token + "\n");

  auto records = std::make_unique<Process>(
      std::vector<std::string>{clinic::testing::BinaryPath("clinic-client-records"),
                               "--config=" + Config("records", "", "")},
      dir_.path());
  const int records_port = clinic::testing::WaitForPortFile(dir_.Join("records.port"));
  ASSERT_GT(records_port, 0) << records->Stderr();
  Process screening(
      {clinic::testing::BinaryPath("clinic-screening"),
       "--config=" + Config("screening", absl::StrCat("127.0.0.1:", records_port), token_file)},
      dir_.path());
  const int screening_port = clinic::testing::WaitForPortFile(dir_.Join("screening.port"));
  ASSERT_GT(screening_port, 0) << screening.Stderr();

  auto clients = v1::ClientRecords::NewStub(Channel(records_port));
  v1::CreateClientRequest create;
  google::protobuf::TextFormat::ParseFromString(
      absl::StrCat("client { home_site_id: '", kSite,
                   "' given_name: 'Two' family_name: 'Process' "
                   "date_of_birth { year: 1990 month: 4 day: 5 } } request_id: 'two-process'"),
      &create);
  v1::CreateClientResponse created;
  ASSERT_TRUE(clients->CreateClient(Context(nurse_at_records).get(), create, &created).ok());
  const std::string client = created.client().name();

  auto stub = v1::Screening::NewStub(Channel(screening_port));
  const auto submit = [&](const std::string& request_id, v1::ScreeningRecord& response) {
    v1::SubmitScreeningRequest request;
    google::protobuf::TextFormat::ParseFromString(
        absl::StrCat("parent: '", client,
                     "' screening { treatment_type: 'treatmentTypes/test_screening' "
                     "definition_version: '1.0.0' site_id: '",
                     kSite,
                     "' planned_area_ids: 'forehead' "
                     "answers { question_id: 'pregnant' yes_no: false } "
                     "answers { question_id: 'active_breakout' yes_no: false } "
                     "answers { question_id: 'blood_thinners' yes_no: false } "
                     "answers { question_id: 'cancer_treatment' yes_no: false } "
                     "answers { question_id: 'last_isotretinoin_dose' never: true } } "
                     "request_id: '",
                     request_id, "'"),
        &request);
    return stub->SubmitScreening(Context(nurse_at_screening).get(), request, &response);
  };
  v1::ScreeningRecord screened;
  grpc::Status status = submit("first", screened);
  ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << screening.Stderr();
  EXPECT_EQ(screened.outcome(), v1::SCREENING_OUTCOME_CLEARED);
  EXPECT_EQ(screened.inputs().age_years() > 30, true);

  v1::CheckEligibilityRequest check;
  check.set_client(client);
  check.set_treatment_type("treatmentTypes/test_screening");
  check.set_site_id(kSite);
  check.add_area_ids("forehead");
  v1::Eligibility eligibility;
  ASSERT_TRUE(stub->CheckEligibility(Context(nurse_at_screening).get(), check, &eligibility).ok());
  EXPECT_TRUE(eligibility.eligible());

  // The same from a shell, with clinicctl.
  const std::string nurse_file = dir_.Join("nurse.token");
  clinic::testing::WriteFile(nurse_file, nurse_at_screening + "\n");
  const std::string screening_file = dir_.Join("screening.textproto");
  clinic::testing::WriteFile(
      screening_file,
      absl::StrCat("treatment_type: 'treatmentTypes/test_screening' definition_version: '1.0.0' "
                   "site_id: '",
                   kSite,
                   "' planned_area_ids: 'forehead' "
                   "answers { question_id: 'pregnant' yes_no: false } "
                   "answers { question_id: 'active_breakout' yes_no: false } "
                   "answers { question_id: 'blood_thinners' yes_no: false } "
                   "answers { question_id: 'cancer_treatment' yes_no: false } "
                   "answers { question_id: 'last_isotretinoin_dose' never: true }"));
  const auto clinicctl = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {clinic::testing::BinaryPath("clinicctl"),
                                     absl::StrCat("--server=127.0.0.1:", screening_port),
                                     "--token_file=" + nurse_file};
    argv.insert(argv.end(), args.begin(), args.end());
    Process process(argv, dir_.path());
    struct Ran {
      int code;
      std::string out;
      std::string err;
    };
    const int code = process.Wait();
    return Ran{code, process.Stdout(), process.Stderr()};
  };
  {
    auto ctl = clinicctl({"screen", client, screening_file});
    EXPECT_THAT(ctl.out, HasSubstr("outcome: SCREENING_OUTCOME_CLEARED")) << ctl.err;
  }
  {
    auto ctl = clinicctl(
        {"eligibility", client, "test_screening", "--site=london-soho", "--areas=forehead"});
    EXPECT_THAT(ctl.out, HasSubstr("eligible: true")) << ctl.err;
  }
  {
    auto ctl = clinicctl({"screenings", client});
    EXPECT_THAT(ctl.out, HasSubstr("SCREENING_STATE_CLEARED")) << ctl.err;
  }
  {
    auto ctl = clinicctl({"review-screening", screened.name(), "approve", "fine"});
    EXPECT_NE(ctl.code, 0);
    EXPECT_THAT(ctl.err, HasSubstr("nothing to review"));
  }

  // ClientRecords' own trail names the service and the person.
  auto audit = v1::Audit::NewStub(Channel(records_port));
  v1::ListAuditEventsRequest list_events;
  list_events.set_principal("service/screening");
  v1::ListAuditEventsResponse events;
  ASSERT_TRUE(audit->ListAuditEvents(Context(auditor).get(), list_events, &events).ok());
  ASSERT_GE(events.events_size(), 2);
  for (const auto& event : events.events()) EXPECT_EQ(event.on_behalf_of(), "staff/nurse");

  // With ClientRecords gone, a screening cannot be made, and none is kept.
  records->Signal(SIGKILL);
  records->Wait();
  records.reset();
  v1::ScreeningRecord unstored;
  status = submit("second", unstored);
  EXPECT_EQ(status.error_code(), grpc::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("clinic.v1.ClientRecords"));
  v1::ListScreeningsRequest list;
  list.set_parent(client);
  v1::ListScreeningsResponse listed;
  ASSERT_TRUE(stub->ListScreenings(Context(nurse_at_screening).get(), list, &listed).ok());
  // The gRPC one and clinicctl's, and nothing from the failed call.
  EXPECT_EQ(listed.screenings_size(), 2);
}

TEST_F(ScreeningProcessesTest, ScreeningWithoutClientRecordsRefusesToStart) {
  Process screening(
      {clinic::testing::BinaryPath("clinic-screening"), "--config=" + Config("alone", "", "")},
      dir_.path());
  EXPECT_NE(screening.Wait(), 0);
  EXPECT_THAT(screening.Stderr(), HasSubstr("upstreams.client_records.target"));
}

}  // namespace
}  // namespace clinic
