// clinicd killed with SIGKILL while several clients write: every write it
// acknowledged is there after a restart on the same data folder, so is the
// audit event of every acknowledged write (events are committed in groups,
// and a call is answered only once its group is durable), and the audit
// chain verifies, cycle after cycle. The kill comes at a moment chosen
// by what has happened (a number of acknowledged writes), not by a timer.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "tests/testing/access_env.h"
#include "tests/testing/process.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

constexpr int kCycles = 5;
constexpr int kWriters = 6;

class CrashDurabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Written before the first start; clinicd opens the same access file.
    mkdir(dir_.Join("data").c_str(), 0755);
    token_ = clinic::testing::IssueTestToken(
        dir_.Join("data"), "staff/desk",
        {clinic::testing::Binding(v1::ROLE_FRONT_DESK, "london-soho"),
         clinic::testing::Binding(v1::ROLE_AUDITOR)});
  }

  // Starts clinicd on the data folder and returns the port it listens on.
  int Start(int cycle) {
    unlink(dir_.Join("port").c_str());
    const std::string logs = dir_.Join("logs-" + std::to_string(cycle));
    mkdir(logs.c_str(), 0755);
    process_ = std::make_unique<clinic::testing::Process>(
        std::vector<std::string>{
            clinic::testing::BinaryPath("clinicd"),
            "--config=" + clinic::testing::SourcePath("deploy/config/clinicd.textproto"),
            "--listen=127.0.0.1:0", "--data_dir=" + dir_.Join("data"),
            "--plugin_dir=" + plugins_.path(), "--port_file=" + dir_.Join("port"),
            "--log_level=warning"},
        logs);
    return clinic::testing::WaitForPortFile(dir_.Join("port"));
  }

  // The clients named by successful CreateClient events in the audit trail.
  static std::set<std::string> AuditedCreations(
      v1::Audit::Stub& audit,
      const std::function<std::unique_ptr<grpc::ClientContext>()>& context) {
    std::set<std::string> names;
    v1::ListAuditEventsRequest request;
    request.set_principal("staff/desk");
    request.set_page_size(500);
    for (;;) {
      v1::ListAuditEventsResponse response;
      const grpc::Status status = audit.ListAuditEvents(context().get(), request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) return names;
      for (const v1::AuditEvent& event : response.events()) {
        if (event.method() != "/clinic.v1.ClientRecords/CreateClient" || event.status_code() != 0) {
          continue;
        }
        for (const std::string& name : event.resource_names()) names.insert(name);
      }
      if (response.next_page_token().empty()) return names;
      request.set_page_token(response.next_page_token());
    }
  }

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    clinic::testing::AddToken(*context, token_);
    return context;
  }

  clinic::testing::TempDir dir_;
  clinic::testing::TempDir plugins_;
  std::string token_;
  std::unique_ptr<clinic::testing::Process> process_;
};

TEST_F(CrashDurabilityTest, AcknowledgedWritesSurviveKillNineUnderLoad) {
  std::vector<std::string> acknowledged;  // names of clients the server confirmed
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    SCOPED_TRACE("cycle " + std::to_string(cycle));
    const int port = Start(cycle);
    ASSERT_GT(port, 0) << process_->Stderr();
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials());
    auto clients = v1::ClientRecords::NewStub(channel);
    auto audit = v1::Audit::NewStub(channel);

    // Everything acknowledged before, in earlier cycles, is still there.
    for (const std::string& name : acknowledged) {
      v1::GetClientRequest get;
      get.set_name(name);
      v1::Client client;
      const grpc::Status status = clients->GetClient(Context().get(), get, &client);
      ASSERT_TRUE(status.ok()) << name << ": " << status.error_message();
    }
    // Every acknowledged write's audit event was durable before its answer.
    const std::set<std::string> audited = AuditedCreations(*audit, [this] { return Context(); });
    for (const std::string& name : acknowledged) {
      ASSERT_EQ(audited.count(name), 1u) << name << " was acknowledged but its event is missing";
    }
    v1::VerifyAuditLogResponse verified;
    const grpc::Status verify = audit->VerifyAuditLog(Context().get(), {}, &verified);
    ASSERT_TRUE(verify.ok()) << verify.error_message();
    EXPECT_TRUE(verified.intact()) << verified.DebugString();
    if (cycle + 1 == kCycles) break;

    std::mutex mutex;
    std::atomic<int> acks{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        for (int i = 0; !stop; ++i) {
          v1::CreateClientRequest request;
          request.set_request_id("c" + std::to_string(cycle) + "-w" + std::to_string(w) + "-" +
                                 std::to_string(i));
          v1::Client* client = request.mutable_client();
          client->set_home_site_id("london-soho");
          client->set_given_name("Writer" + std::to_string(w));
          client->set_family_name("Cycle" + std::to_string(cycle) + "n" + std::to_string(i));
          client->mutable_date_of_birth()->set_year(1980 + w);
          client->mutable_date_of_birth()->set_month(1 + i % 12);
          client->mutable_date_of_birth()->set_day(1 + i % 28);
          v1::CreateClientResponse response;
          if (!clients->CreateClient(Context().get(), request, &response).ok()) return;
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged.push_back(response.client().name());
          ++acks;
        }
      });
    }
    // Kill once this many writes were acknowledged, later in each cycle.
    const int kill_after = 100 + 100 * cycle;
    const bool reached =
        clinic::testing::WaitUntil([&] { return acks >= kill_after; }, std::chrono::seconds(20));
    process_->Signal(SIGKILL);
    EXPECT_EQ(process_->Wait(), -SIGKILL);
    stop = true;
    for (auto& writer : writers) writer.join();
    ASSERT_TRUE(reached) << "only " << acks << " writes were acknowledged\n" << process_->Stderr();
  }
  EXPECT_GE(acknowledged.size(), 100u * (kCycles - 1));
}

}  // namespace
}  // namespace clinic
