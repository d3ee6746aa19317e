// An answer waits for its audit event to be durable, but no thread waits
// with it: while the audit trail cannot commit, every call's handler still
// runs (more calls than the service has threads), the health check still
// answers, and no caller gets an answer; once the trail commits, every call
// is answered with its event on record.
#include <SQLiteCpp/Database.h>
#include <grpcpp/create_channel.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "common/server/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/client_records/client_records_service.h"
#include "services/clinicd/all_services.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

// More than the threads ClientRecords runs handlers on (five), so the test
// fails if a handler's thread waits for the audit trail.
constexpr int kCalls = 24;

int64_t Count(const std::string& path, const char* table) {
  SQLite::Database db(path, SQLite::OPEN_READONLY);
  return db.execAndGet(absl::StrCat("SELECT count(*) FROM ", table)).getInt64();
}

TEST(AuditWaitTest, NoThreadWaitsForTheAuditTrailWithTheAnswer) {
  clinic::testing::TempDir data;
  clinic::testing::TempDir plugins;
  config::v1::ServerConfig config = clinic::testing::LoopbackConfig(data.path(), plugins.path());
  config.mutable_chain()->add_sites()->set_site_id("london-soho");
  auto server = server::Server::Start(config, AllServices());
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string token = clinic::testing::IssueTestToken(
      data.path(), "staff/jane-doe", {clinic::testing::Binding(v1::ROLE_PRACTITIONER)});
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::ClientRecords::NewStub(channel);
  const std::string audit_path = data.Join("audit.db");
  const int64_t events_before = Count(audit_path, "audit_events");

  // Another connection holds the audit file's write lock: the trail's writer
  // waits in SQLite's busy handler (up to its 5 s busy timeout).
  SQLite::Database holder(audit_path, SQLite::OPEN_READWRITE);
  holder.exec("BEGIN IMMEDIATE");

  std::atomic<int> answered{0};
  std::vector<grpc::Status> statuses(kCalls);
  std::vector<std::thread> callers;
  callers.reserve(kCalls);
  for (int i = 0; i < kCalls; ++i) {
    callers.emplace_back([&, i] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      clinic::testing::AddToken(context, token);
      v1::CreateClientRequest request;
      request.set_request_id(absl::StrCat("wait-", i));
      v1::Client& client = *request.mutable_client();
      client.set_home_site_id("london-soho");
      client.set_given_name("Ada");
      client.set_family_name(absl::StrCat("Waiting", i));
      client.mutable_date_of_birth()->set_year(1990);
      client.mutable_date_of_birth()->set_month(4);
      client.mutable_date_of_birth()->set_day(12);
      v1::CreateClientResponse response;
      statuses[i] = stub->CreateClient(&context, request, &response);
      ++answered;
    });
  }

  // Every handler runs and commits its client, although no event can.
  const std::string clients_path = data.Join("client_records.db");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (Count(clients_path, "clients") < kCalls && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(Count(clients_path, "clients"), kCalls)
      << "handlers waited for the audit trail on their threads";
  EXPECT_EQ(answered.load(), 0) << "a call was answered before its event was durable";

  // The process still answers what needs no audit.
  auto health = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext health_context;
  health_context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  grpc::health::v1::HealthCheckResponse health_response;
  EXPECT_TRUE(health->Check(&health_context, {}, &health_response).ok());

  holder.exec("COMMIT");
  for (std::thread& caller : callers) caller.join();
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i].error_message();
  }
  EXPECT_EQ(Count(audit_path, "audit_events"), events_before + kCalls);
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace clinic
