// The server's edge over real gRPC on loopback: a handler that throws, bytes
// that are not the RPC's request type, and callers that go away while their
// call waits. Each case checks what the caller got, that the process still
// serves, and that the audit trail records the code the caller saw.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/server/server.h"
#include "common/server/work_pool.h"
#include "services/billing/billing_service.h"
#include "services/client_records/client_records_service.h"
#include "services/inventory/inventory_service.h"
#include "services/screening/screening_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Polls `done` until it holds or `limit` passes; never a fixed sleep.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// A gate the test opens; handlers wait on it.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = false;
};

// What the misbehaving catalog shares with the test.
struct Controls {
  Gate gate;
  std::atomic<int> holding{0};
  std::mutex mutex;
  // The context of the last parked call; the test watches it for the
  // cancellation the server has seen.
  grpc::CallbackServerContext* parked = nullptr;
};

std::string Header(const grpc::CallbackServerContext& context, const std::string& key) {
  auto it = context.client_metadata().find(key);
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// TreatmentCatalog's RPCs, with their real policies, running test handlers
// through the service kit: ReloadPlugins (audited) throws or parks behind
// ListPluginProblems, which holds the only pool thread until the gate opens;
// GetTreatmentType throws something that is not a std::exception inline;
// ListTreatmentTypes and the version reads answer.
class MisbehavingCatalog final : public server::ServiceKit<v1::TreatmentCatalog> {
 public:
  explicit MisbehavingCatalog(Controls& controls) : ServiceKit(/*threads=*/1), controls_(controls) {
    Handle("ListPluginProblems", &MisbehavingCatalog::ListPluginProblems);
    Handle("ReloadPlugins", &MisbehavingCatalog::ReloadPlugins);
    Handle("GetTreatmentType", &MisbehavingCatalog::GetTreatmentType, server::Runs::kInline);
    Handle("ListTreatmentTypes", &MisbehavingCatalog::ListTreatmentTypes, server::Runs::kInline);
    Handle("GetTreatmentTypeVersion", &MisbehavingCatalog::GetTreatmentTypeVersion,
           server::Runs::kInline);
    Handle("ListTreatmentTypeVersions", &MisbehavingCatalog::ListTreatmentTypeVersions,
           server::Runs::kInline);
  }

 private:
  void Admitted(const server::Call& call) override {
    if (Header(call.context(), "x-test-mode") != "park") return;
    std::lock_guard<std::mutex> lock(controls_.mutex);
    controls_.parked = &call.context();
  }

  absl::Status ListPluginProblems(const server::Call&, const v1::ListPluginProblemsRequest&,
                                  v1::ListPluginProblemsResponse&) {
    ++controls_.holding;
    controls_.gate.Wait();
    return absl::OkStatus();
  }

  absl::Status ReloadPlugins(const server::Call& call, const v1::ReloadPluginsRequest&,
                             v1::ReloadPluginsResponse&) {
    if (Header(call.context(), "x-test-mode") == "throw") {
      throw std::runtime_error("no such table: " + std::string(100000, 'x'));
    }
    return absl::OkStatus();
  }

  absl::Status GetTreatmentType(const server::Call&, const v1::GetTreatmentTypeRequest&,
                                v1::TreatmentType&) {
    throw 42;
  }

  absl::Status ListTreatmentTypes(const server::Call&, const v1::ListTreatmentTypesRequest&,
                                  v1::ListTreatmentTypesResponse&) {
    return absl::OkStatus();
  }

  absl::Status GetTreatmentTypeVersion(const server::Call&,
                                       const v1::GetTreatmentTypeVersionRequest&,
                                       v1::TreatmentTypeVersion&) {
    return absl::OkStatus();
  }

  absl::Status ListTreatmentTypeVersions(const server::Call&,
                                         const v1::ListTreatmentTypeVersionsRequest&,
                                         v1::ListTreatmentTypeVersionsResponse&) {
    return absl::OkStatus();
  }

  Controls& controls_;
};

class ServerEdgeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    config.mutable_chain()->add_sites()->set_site_id("london-soho");
    Controls* controls = &controls_;
    auto server = server::Server::Start(
        config, {[controls](const server::ServiceContext&)
                     -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
                   return std::make_unique<MisbehavingCatalog>(*controls);
                 },
                 client_records::ClientRecordsFactory(), screening::ScreeningFactory(),
                 inventory::InventoryFactory(), billing::BillingFactory()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    token_ = clinic::testing::IssueTestToken(data_.path(), "staff/admin",
                                             {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  void TearDown() override {
    controls_.gate.Open();
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
  }

  std::unique_ptr<grpc::ClientContext> Context(
      const std::string& request_id, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + timeout);
    clinic::testing::AddToken(*context, token_);
    context->AddMetadata("x-request-id", request_id);
    return context;
  }

  // Sends `bytes` as the whole request of `method`, as a client with another
  // (or a broken) idea of the message would.
  grpc::Status SendRaw(const std::string& method, const std::string& bytes,
                       const std::string& request_id) {
    grpc::GenericStub stub(channel_);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    auto context = Context(request_id);
    std::mutex mutex;
    std::condition_variable done;
    absl::optional<grpc::Status> result;
    stub.UnaryCall(context.get(), method, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status status) {
                     std::lock_guard<std::mutex> lock(mutex);
                     result = std::move(status);
                     done.notify_all();
                   });
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return result.has_value(); });
    return *result;
  }

  // The audit event of `request_id`, waiting for it to be written.
  absl::optional<v1::AuditEvent> AuditEventOf(const std::string& request_id) {
    absl::optional<v1::AuditEvent> found;
    WaitFor([&] {
      absl::StatusOr<std::vector<v1::AuditEvent>> events = server_->audit().Read(0, 10000);
      if (!events.ok()) return false;
      for (const v1::AuditEvent& event : *events) {
        if (event.request_id() == request_id) found = event;
      }
      return found.has_value();
    });
    return found;
  }

  // The server still answers an ordinary authenticated call.
  void ExpectServing() {
    v1::GetClientRequest request;
    request.set_name("clients/does-not-exist");
    v1::Client client;
    const grpc::Status status =
        v1::ClientRecords::NewStub(channel_)->GetClient(Context("alive").get(), request, &client);
    EXPECT_NE(status.error_code(), grpc::UNAVAILABLE) << status.error_message();
    EXPECT_NE(status.error_code(), grpc::INTERNAL) << status.error_message();
  }

  static std::string ValidCreateRequest() {
    v1::CreateClientRequest request;
    request.set_request_id("create-1");
    v1::Client* client = request.mutable_client();
    client->set_home_site_id("london-soho");
    client->set_given_name("ZoeQQ");
    client->set_family_name("Martin");
    client->mutable_date_of_birth()->set_year(1990);
    client->mutable_date_of_birth()->set_month(4);
    client->mutable_date_of_birth()->set_day(12);
    return request.SerializeAsString();
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  Controls controls_;
  std::unique_ptr<server::Server> server_;
  std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(ServerEdgeTest, AThrowingHandlerFailsItsCallWithInternalAndTheRequestId) {
  auto context = Context("throws-1");
  context->AddMetadata("x-test-mode", "throw");
  v1::ReloadPluginsResponse response;
  const grpc::Status status = v1::TreatmentCatalog::NewStub(channel_)->ReloadPlugins(
      context.get(), v1::ReloadPluginsRequest(), &response);
  EXPECT_EQ(status.error_code(), grpc::INTERNAL);
  EXPECT_EQ(status.error_message(), "internal error; quote request id throws-1 to support");

  absl::optional<v1::AuditEvent> event = AuditEventOf("throws-1");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->status_code(), grpc::INTERNAL);
  EXPECT_EQ(event->principal(), "staff/admin");
  ExpectServing();
}

TEST_F(ServerEdgeTest, AnInlineHandlerThrowingANonStandardExceptionFailsWithInternal) {
  v1::GetTreatmentTypeRequest request;
  request.set_name("treatmentTypes/anything");
  v1::TreatmentType response;
  const grpc::Status status = v1::TreatmentCatalog::NewStub(channel_)->GetTreatmentType(
      Context("throws-2").get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::INTERNAL);
  EXPECT_THAT(status.error_message(), HasSubstr("quote request id throws-2"));
  ExpectServing();
}

TEST_F(ServerEdgeTest, InvalidUtf8InAStringFieldIsInvalidArgumentNamingTheField) {
  std::string bytes = ValidCreateRequest();
  const size_t at = bytes.find("QQ");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = '\xff';
  bytes[at + 1] = '\xfe';
  const grpc::Status status = SendRaw("/clinic.v1.ClientRecords/CreateClient", bytes, "utf8-1");
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << status.error_message();
  EXPECT_THAT(status.error_message(),
              HasSubstr("could not be parsed as clinic.v1.CreateClientRequest"));
  EXPECT_THAT(status.error_message(), HasSubstr("clinic.v1.Client.given_name"));
  EXPECT_LT(status.error_message().size(), 400u);

  absl::optional<v1::AuditEvent> event = AuditEventOf("utf8-1");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->status_code(), grpc::INVALID_ARGUMENT);
  ExpectServing();
}

TEST_F(ServerEdgeTest, RandomAndTruncatedBytesAreInvalidArgument) {
  const std::string valid = ValidCreateRequest();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"random-1", std::string("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01\x93\x11", 13)},
      {"random-2", std::string("\x0a\xff\xff\xff\xff\x0f\x00\x01", 8)},
      {"truncated-1", valid.substr(0, valid.size() / 2)},
      {"truncated-2", valid.substr(0, 1)},
  };
  for (const auto& [request_id, bytes] : cases) {
    SCOPED_TRACE(request_id);
    const grpc::Status status = SendRaw("/clinic.v1.ClientRecords/CreateClient", bytes, request_id);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(),
                HasSubstr("could not be parsed as clinic.v1.CreateClientRequest"));
    absl::optional<v1::AuditEvent> event = AuditEventOf(request_id);
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(event->status_code(), grpc::INVALID_ARGUMENT);
  }
  ExpectServing();
}

TEST_F(ServerEdgeTest, UnparsableBytesWithoutCredentialsAreStillUnauthenticated) {
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  context.AddMetadata("x-request-id", "anonymous-1");
  grpc::Slice slice(std::string("\xff\xff\xff", 3));
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> result;
  stub.UnaryCall(&context, "/clinic.v1.ClientRecords/GetClient", grpc::StubOptions(), &request,
                 &response, [&](grpc::Status status) { result.set_value(status); });
  EXPECT_EQ(result.get_future().get().error_code(), grpc::UNAUTHENTICATED);
  absl::optional<v1::AuditEvent> event = AuditEventOf("anonymous-1");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->status_code(), grpc::UNAUTHENTICATED);
}

TEST(ServerStartEdgeTest, AServiceThatThrowsWhileStartingIsAnErrorNotATermination) {
  clinic::testing::TempDir data;
  clinic::testing::TempDir plugins;
  config::v1::ServerConfig config = clinic::testing::LoopbackConfig(data.path(), plugins.path());
  config.mutable_chain()->add_sites()->set_site_id("london-soho");
  absl::StatusOr<std::unique_ptr<server::Server>> server = server::Server::Start(
      config,
      {[](const server::ServiceContext&) -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
        throw std::runtime_error("database is locked");
      }});
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("database is locked"));
}

// Work whose call is gone leaves the queue when later work arrives, without
// waiting for a thread, so a burst of cancelled calls does not keep its
// requests in memory behind a slow one.
TEST(WorkPoolSweepTest, AbandonedWorkLeavesTheQueueWithoutWaitingForAThread) {
  server::WorkPool pool(1);
  Gate gate;
  std::atomic<int> ran{0};
  std::atomic<int> dropped{0};
  std::atomic<bool> gone{false};
  ASSERT_TRUE(pool.Submit([&] { gate.Wait(); }));
  ASSERT_TRUE(WaitFor([&] { return pool.queued() == 0; }));
  auto submit = [&] {
    return pool.Submit([&] { ++ran; }, [&] { return gone.load(); }, [&] { ++dropped; });
  };
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(submit());
  gone = true;
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(submit());
  EXPECT_GE(dropped.load(), 40);
  EXPECT_LE(pool.queued(), 40u);
  EXPECT_EQ(ran.load(), 0);
  gate.Open();
  EXPECT_TRUE(WaitFor([&] { return ran.load() + dropped.load() == 80; }));
}

class GoneWhileWaitingTest : public ServerEdgeTest {
 protected:
  // Fills the pool's only thread, then starts an audited call that queues
  // behind it; returns once the server holds both.
  void HoldThePoolAndPark(grpc::ClientContext* parked_context) {
    auto holder_context = Context("holder");
    holder_context_ = std::move(holder_context);
    catalog_ = v1::TreatmentCatalog::NewStub(channel_);
    catalog_->async()->ListPluginProblems(holder_context_.get(), &holder_request_,
                                          &holder_response_,
                                          [this](grpc::Status) { holder_done_ = true; });
    ASSERT_TRUE(WaitFor([&] { return controls_.holding.load() == 1; }));
    parked_context->AddMetadata("x-test-mode", "park");
    catalog_->async()->ReloadPlugins(parked_context, &parked_request_, &parked_response_,
                                     [this](grpc::Status status) {
                                       std::lock_guard<std::mutex> lock(mutex_);
                                       parked_status_ = std::move(status);
                                     });
    ASSERT_TRUE(WaitFor([&] {
      std::lock_guard<std::mutex> lock(controls_.mutex);
      return controls_.parked != nullptr;
    }));
  }

  // Waits until the caller has its answer and the server has seen the call
  // end, then lets the pool run the parked call.
  grpc::Status CallerStatusOnceTheServerKnows() {
    EXPECT_TRUE(WaitFor([&] {
      std::lock_guard<std::mutex> lock(mutex_);
      return parked_status_.has_value();
    }));
    EXPECT_TRUE(WaitFor([&] {
      std::lock_guard<std::mutex> lock(controls_.mutex);
      return controls_.parked->IsCancelled();
    }));
    controls_.gate.Open();
    EXPECT_TRUE(WaitFor([&] { return holder_done_.load(); }));
    std::lock_guard<std::mutex> lock(mutex_);
    return *parked_status_;
  }

  std::unique_ptr<v1::TreatmentCatalog::Stub> catalog_;
  std::unique_ptr<grpc::ClientContext> holder_context_;
  v1::ListPluginProblemsRequest holder_request_;
  v1::ListPluginProblemsResponse holder_response_;
  std::atomic<bool> holder_done_{false};
  v1::ReloadPluginsRequest parked_request_;
  v1::ReloadPluginsResponse parked_response_;
  std::mutex mutex_;
  absl::optional<grpc::Status> parked_status_;
};

TEST_F(GoneWhileWaitingTest, ACallCancelledWhileItWaitsIsAuditedAsCancelled) {
  auto context = Context("cancelled-1");
  HoldThePoolAndPark(context.get());
  context->TryCancel();
  EXPECT_EQ(CallerStatusOnceTheServerKnows().error_code(), grpc::CANCELLED);
  absl::optional<v1::AuditEvent> event = AuditEventOf("cancelled-1");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->status_code(), grpc::CANCELLED) << event->status_message();
}

TEST_F(GoneWhileWaitingTest, ACallPastItsDeadlineWhileItWaitsIsAuditedAsDeadlineExceeded) {
  auto context = Context("deadline-1", std::chrono::milliseconds(500));
  HoldThePoolAndPark(context.get());
  EXPECT_EQ(CallerStatusOnceTheServerKnows().error_code(), grpc::DEADLINE_EXCEEDED);
  absl::optional<v1::AuditEvent> event = AuditEventOf("deadline-1");
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->status_code(), grpc::DEADLINE_EXCEEDED) << event->status_message();
}

// A caller that opens a call and goes away before sending its request
// (cancelling, or reaching its deadline): gRPC hands the server a call
// without a request, which it answered UNIMPLEMENTED; the audit trail must
// record what the caller saw.
class GoneBeforeTheRequestTest : public ServerEdgeTest,
                                 public ::testing::WithParamInterface<grpc::StatusCode> {};

TEST_P(GoneBeforeTheRequestTest, IsAuditedWithTheCodeTheCallerSaw) {
  const grpc::StatusCode expected = GetParam();
  const std::string request_id = expected == grpc::CANCELLED ? "no-request-1" : "no-request-2";
  grpc::GenericStub stub(channel_);
  grpc::CompletionQueue queue;
  auto context =
      Context(request_id, std::chrono::milliseconds(expected == grpc::CANCELLED ? 30000 : 300));
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
      stub.PrepareCall(context.get(), "/clinic.v1.TreatmentCatalog/ReloadPlugins", &queue);
  call->StartCall(reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  ASSERT_TRUE(queue.Next(&tag, &ok));
  ASSERT_TRUE(ok);
  if (expected == grpc::CANCELLED) context->TryCancel();
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(3));
  ASSERT_TRUE(queue.Next(&tag, &ok));
  EXPECT_EQ(status.error_code(), expected);
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
  absl::optional<v1::AuditEvent> event = AuditEventOf(request_id);
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->status_code(), expected) << event->status_message();
}

INSTANTIATE_TEST_SUITE_P(CancelledOrPastDeadline, GoneBeforeTheRequestTest,
                         ::testing::Values(grpc::CANCELLED, grpc::DEADLINE_EXCEEDED));

}  // namespace
}  // namespace clinic
