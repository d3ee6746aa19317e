// The health check: grpc.health.v1.Health/Check for the whole server, sent
// without credentials. It is neither authenticated nor audited, so its rate
// is what the server and the bench manage with no Clinic Core work at all,
// the baseline every other rate is set against.

// GCC 12 reports possible null dereferences inside gRPC's call templates when
// TemplatedGenericStub instantiates them here, after inlining; the warning
// state that counts is the one in force when the header is first read, hence
// this comes before every other include.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#pragma GCC diagnostic pop

#include <memory>
#include <string>
#include <vector>

#include "clinic_bench.pb.h"
#include "tools/clinic_bench/fixture.h"
#include "tools/clinic_bench/operation.h"

namespace clinic::bench {
namespace {

using report::v1::HealthCheckRequest;
using report::v1::HealthCheckResponse;
using HealthStub = grpc::TemplatedGenericStub<HealthCheckRequest, HealthCheckResponse>;

class HealthCheckOperation : public Operation {
 public:
  explicit HealthCheckOperation(Fixture& fixture) : fixture_(fixture) {}
  std::string Rpc() const override { return "grpc.health.v1.Health/Check"; }

  absl::Status Prepare() override {
    for (int i = 0; i < fixture_.channel_count(); ++i) {
      stubs_.push_back(std::make_unique<HealthStub>(fixture_.channel(i)));
    }
    return absl::OkStatus();
  }

  void Start(Slot& slot, Done done) override {
    struct Call {
      grpc::ClientContext context;
      HealthCheckRequest request;  // service "": the whole server
      HealthCheckResponse response;
    };
    auto call = std::make_shared<Call>();
    fixture_.PrepareContext(call->context, /*authenticated=*/false);
    stubs_[static_cast<size_t>(slot.channel())]->UnaryCall(
        &call->context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &call->request,
        &call->response, [call, done = std::move(done)](grpc::Status status) {
          if (status.ok() && call->response.status() != HealthCheckResponse::SERVING) {
            status =
                grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server reports it is not serving");
          }
          done(status);
        });
  }

 private:
  Fixture& fixture_;
  std::vector<std::unique_ptr<HealthStub>> stubs_;
};

CLINIC_BENCH_OPERATION("health", HealthCheckOperation,
                       "grpc.health.v1.Health/Check, no credentials (the baseline; always run)");

}  // namespace
}  // namespace clinic::bench
