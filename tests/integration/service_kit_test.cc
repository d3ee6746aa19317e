// The service kit (common/server/service_kit.h) on a real server: a service
// whose handlers do not match its contract does not start, the kit is the
// only way to a handler, so a call the access step refused, or a call on a
// server that records no access decisions, never runs one, and an RPC on a
// pool of the service's own does not hold its other calls.
#include "common/server/service_kit.h"

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// Which handlers a test catalog registers.
enum class Shape {
  kComplete,
  kMissingOne,
  kUnknownName,
  kTwice,
  kWrongTypes,
  kWatcherThrows,
  kReloadOnItsOwnPool,
  // One thread and room for two calls in its queue.
  kQueueOfTwo
};

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

class TestCatalog final : public server::ServiceKit<v1::TreatmentCatalog> {
 public:
  // With kReloadOnItsOwnPool, ReloadPlugins runs on a pool of the service's
  // own and waits for `reload_gate`; everything else shares the kit's one
  // thread.
  TestCatalog(Shape shape, std::atomic<int>& ran, Gate* reload_gate = nullptr)
      : ServiceKit(/*threads=*/1, /*max_queued=*/shape == Shape::kQueueOfTwo ? 2 : 1024),
        ran_(ran),
        watcher_throws_(shape == Shape::kWatcherThrows),
        reload_gate_(reload_gate),
        reload_pool_(/*threads=*/1) {
    Handle("ListTreatmentTypes", &TestCatalog::ListTreatmentTypes, server::Runs::kInline);
    Handle("ListPluginProblems", &TestCatalog::ListPluginProblems);
    Handle("GetTreatmentTypeVersion", &TestCatalog::GetTreatmentTypeVersion);
    Handle("ListTreatmentTypeVersions", &TestCatalog::ListTreatmentTypeVersions);
    if (shape == Shape::kReloadOnItsOwnPool) {
      Handle("ReloadPlugins", &TestCatalog::ReloadPlugins, reload_pool_);
    } else {
      Handle("ReloadPlugins", &TestCatalog::ReloadPlugins);
    }
    switch (shape) {
      case Shape::kComplete:
      case Shape::kWatcherThrows:
      case Shape::kReloadOnItsOwnPool:
      case Shape::kQueueOfTwo:
        Handle("GetTreatmentType", &TestCatalog::GetTreatmentType);
        break;
      case Shape::kMissingOne:
        break;
      case Shape::kUnknownName:
        Handle("GetTreatmentType", &TestCatalog::GetTreatmentType);
        Handle("DeleteTreatmentType", &TestCatalog::GetTreatmentType);
        break;
      case Shape::kTwice:
        Handle("GetTreatmentType", &TestCatalog::GetTreatmentType);
        Handle("GetTreatmentType", &TestCatalog::GetTreatmentType);
        break;
      case Shape::kWrongTypes:
        Handle("GetTreatmentType", &TestCatalog::ListPluginProblems);
        break;
    }
  }

 private:
  void Admitted(const server::Call& /*call*/) override {
    if (watcher_throws_) throw std::runtime_error("watcher failed");
  }

  absl::Status ListTreatmentTypes(const server::Call& call, const v1::ListTreatmentTypesRequest&,
                                  v1::ListTreatmentTypesResponse& response) {
    ++ran_;
    // What the handler knows of its caller comes from the access step.
    response.set_next_page_token(call.principal());
    return absl::OkStatus();
  }
  absl::Status GetTreatmentType(const server::Call&, const v1::GetTreatmentTypeRequest&,
                                v1::TreatmentType&) {
    ++ran_;
    return absl::OkStatus();
  }
  absl::Status ListPluginProblems(const server::Call&, const v1::ListPluginProblemsRequest&,
                                  v1::ListPluginProblemsResponse&) {
    ++ran_;
    return absl::OkStatus();
  }
  absl::Status GetTreatmentTypeVersion(const server::Call&,
                                       const v1::GetTreatmentTypeVersionRequest&,
                                       v1::TreatmentTypeVersion&) {
    ++ran_;
    return absl::OkStatus();
  }
  absl::Status ListTreatmentTypeVersions(const server::Call&,
                                         const v1::ListTreatmentTypeVersionsRequest&,
                                         v1::ListTreatmentTypeVersionsResponse&) {
    ++ran_;
    return absl::OkStatus();
  }
  absl::Status ReloadPlugins(const server::Call&, const v1::ReloadPluginsRequest&,
                             v1::ReloadPluginsResponse&) {
    ++ran_;
    if (reload_gate_ != nullptr) reload_gate_->Wait();
    return absl::OkStatus();
  }

  std::atomic<int>& ran_;
  bool watcher_throws_;
  Gate* reload_gate_;
  // Last, so a reload still running finishes while the rest is intact.
  server::WorkPool reload_pool_;
};

class ServiceKitTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<server::Server>> Start(Shape shape) {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    config.mutable_chain()->add_sites()->set_site_id("london-soho");
    std::atomic<int>* ran = &ran_;
    Gate* gate = &reload_gate_;
    return server::Server::Start(config,
                                 {[shape, ran, gate](const server::ServiceContext&)
                                      -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
                                   return std::make_unique<TestCatalog>(shape, *ran, gate);
                                 }});
  }

  // A chain admin's token on the test server.
  std::string AdminToken() {
    return clinic::testing::IssueTestToken(data_.path(), "staff/admin",
                                           {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
  }
  static std::unique_ptr<v1::TreatmentCatalog::Stub> Stub(const server::Server& server) {
    return v1::TreatmentCatalog::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server.port()), grpc::InsecureChannelCredentials()));
  }
  // Opens a gate when the test ends, however it ends, so no handler is
  // left waiting on it.
  struct OpenOnExit {
    Gate& gate;
    ~OpenOnExit() { gate.Open(); }
  };

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::atomic<int> ran_{0};
  Gate reload_gate_;
};

TEST_F(ServiceKitTest, AServiceWithAnRpcLeftWithoutAHandlerDoesNotStart) {
  auto server = Start(Shape::kMissingOne);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(
      std::string(server.status().message()),
      AllOf(HasSubstr("clinic.v1.TreatmentCatalog"), HasSubstr("GetTreatmentType has no handler")));
}

TEST_F(ServiceKitTest, AHandlerForAnRpcTheContractDoesNotDeclareIsRefused) {
  auto server = Start(Shape::kUnknownName);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("DeleteTreatmentType"));
}

TEST_F(ServiceKitTest, TwoHandlersForOneRpcAreRefused) {
  auto server = Start(Shape::kTwice);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(server.status().message()),
              HasSubstr("GetTreatmentType has two handlers"));
}

TEST_F(ServiceKitTest, AHandlerOfOtherMessageTypesIsRefused) {
  auto server = Start(Shape::kWrongTypes);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(server.status().message()),
              AllOf(HasSubstr("clinic.v1.ListPluginProblemsRequest"),
                    HasSubstr("clinic.v1.GetTreatmentTypeRequest")));
}

TEST_F(ServiceKitTest, AnAdmittedCallReachesItsHandlerWithItsCaller) {
  auto server = Start(Shape::kComplete);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string token = clinic::testing::IssueTestToken(
      data_.path(), "staff/ana", {clinic::testing::Binding(v1::ROLE_FRONT_DESK, "london-soho")});
  auto stub = v1::TreatmentCatalog::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  clinic::testing::AddToken(context, token);
  v1::ListTreatmentTypesRequest request;
  v1::ListTreatmentTypesResponse response;
  ASSERT_TRUE(stub->ListTreatmentTypes(&context, request, &response).ok());
  EXPECT_EQ(response.next_page_token(), "staff/ana");
  EXPECT_EQ(ran_.load(), 1);
}

TEST_F(ServiceKitTest, ARefusedCallNeverRunsItsHandler) {
  auto server = Start(Shape::kComplete);
  ASSERT_TRUE(server.ok()) << server.status();
  // The front desk may read the catalog but not reload plugins.
  const std::string token = clinic::testing::IssueTestToken(
      data_.path(), "staff/ana", {clinic::testing::Binding(v1::ROLE_FRONT_DESK, "london-soho")});
  auto stub = v1::TreatmentCatalog::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  {
    grpc::ClientContext context;
    clinic::testing::AddToken(context, token);
    v1::ReloadPluginsResponse response;
    EXPECT_EQ(stub->ReloadPlugins(&context, {}, &response).error_code(), grpc::PERMISSION_DENIED);
  }
  {
    grpc::ClientContext context;
    v1::ListPluginProblemsResponse response;
    EXPECT_EQ(stub->ListPluginProblems(&context, {}, &response).error_code(),
              grpc::UNAUTHENTICATED);
  }
  EXPECT_EQ(ran_.load(), 0);
}

// The watch hook is service code on gRPC's thread: what it throws fails the
// call with INTERNAL and the server goes on serving.
TEST_F(ServiceKitTest, AThrowingWatchHookFailsTheCallNotTheProcess) {
  auto server = Start(Shape::kWatcherThrows);
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string token = clinic::testing::IssueTestToken(
      data_.path(), "staff/ana", {clinic::testing::Binding(v1::ROLE_FRONT_DESK, "london-soho")});
  auto stub = v1::TreatmentCatalog::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext context;
    clinic::testing::AddToken(context, token);
    v1::ListTreatmentTypesResponse response;
    EXPECT_EQ(stub->ListTreatmentTypes(&context, {}, &response).error_code(), grpc::INTERNAL);
  }
  EXPECT_EQ(ran_.load(), 0);
}

// An RPC on a pool of the service's own holds that pool only: while a
// reload waits, the service's other calls still run on the kit's one thread.
TEST_F(ServiceKitTest, AnRpcOnItsOwnPoolDoesNotHoldTheServicesOtherCalls) {
  auto server = Start(Shape::kReloadOnItsOwnPool);
  ASSERT_TRUE(server.ok()) << server.status();
  OpenOnExit open_on_exit{reload_gate_};
  const std::string token = AdminToken();
  auto stub = Stub(**server);

  grpc::ClientContext reload_context;
  clinic::testing::AddToken(reload_context, token);
  const v1::ReloadPluginsRequest reload_request;
  v1::ReloadPluginsResponse reload_response;
  grpc::Status reload_status;
  std::atomic<bool> reload_done{false};
  stub->async()->ReloadPlugins(&reload_context, &reload_request, &reload_response,
                               [&](grpc::Status status) {
                                 reload_status = std::move(status);
                                 reload_done = true;
                               });
  // The reload's handler is running, and waiting for the gate.
  for (int i = 0; i < 4000 && ran_.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(ran_.load(), 1);

  grpc::ClientContext context;
  clinic::testing::AddToken(context, token);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::ListPluginProblemsResponse problems;
  const grpc::Status status = stub->ListPluginProblems(&context, {}, &problems);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(reload_done.load());
  EXPECT_EQ(ran_.load(), 2);

  reload_gate_.Open();
  for (int i = 0; i < 4000 && !reload_done.load(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(reload_done.load());
  EXPECT_TRUE(reload_status.ok()) << reload_status.error_message();
}

// A service whose pool is busy and whose queue is full refuses the next
// call at once with RESOURCE_EXHAUSTED, and serves the queued ones later.
TEST_F(ServiceKitTest, AnOverloadedServiceRefusesAtOnceWhatItCannotQueue) {
  auto server = Start(Shape::kQueueOfTwo);
  ASSERT_TRUE(server.ok()) << server.status();
  OpenOnExit open_on_exit{reload_gate_};
  const std::string token = AdminToken();
  auto stub = Stub(**server);

  // One reload holds the only thread; two more wait in the queue.
  constexpr int kHeld = 3;
  grpc::ClientContext contexts[kHeld];
  const v1::ReloadPluginsRequest request;
  v1::ReloadPluginsResponse responses[kHeld];
  grpc::Status statuses[kHeld];
  std::atomic<int> done{0};
  for (int i = 0; i < kHeld; ++i) {
    clinic::testing::AddToken(contexts[i], token);
    stub->async()->ReloadPlugins(&contexts[i], &request, &responses[i], [&, i](grpc::Status s) {
      statuses[i] = std::move(s);
      ++done;
    });
    if (i == 0) {
      for (int wait = 0; wait < 4000 && ran_.load() == 0; ++wait) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      ASSERT_EQ(ran_.load(), 1);
    }
  }
  // Give the two queued calls time to reach the queue.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));

  // The next call finds the queue full and is refused at once, while the
  // others are still held: overload shows as an error the caller can back
  // off from, not as a wait without end.
  grpc::ClientContext context;
  clinic::testing::AddToken(context, token);
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  v1::ReloadPluginsResponse response;
  const grpc::Status refused = stub->ReloadPlugins(&context, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::RESOURCE_EXHAUSTED) << refused.error_message();
  EXPECT_EQ(GetReason(FromGrpcStatus(refused)), "SERVER_OVERLOADED");
  EXPECT_EQ(done.load(), 0);
  EXPECT_EQ(ran_.load(), 1);

  reload_gate_.Open();
  for (int wait = 0; wait < 4000 && done.load() < kHeld; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(done.load(), kHeld);
  for (const grpc::Status& status : statuses) EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ran_.load(), kHeld);
}

// A kit service registered on a gRPC server built by hand, without the
// access step and its call contexts, refuses every call instead of running
// handlers unchecked.
TEST_F(ServiceKitTest, WithoutTheAccessStepEveryCallIsRefused) {
  TestCatalog catalog(Shape::kComplete, ran_);
  ASSERT_TRUE(catalog.CheckComplete().ok());
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&catalog);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::TreatmentCatalog::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::ListTreatmentTypesResponse response;
  EXPECT_EQ(stub->ListTreatmentTypes(&context, {}, &response).error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(ran_.load(), 0);
  server->Shutdown();
}

}  // namespace
}  // namespace clinic
