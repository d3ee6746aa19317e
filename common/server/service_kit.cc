#include "common/server/service_kit.h"

#include <grpcpp/support/byte_buffer.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/core/status.h"

namespace clinic::server {

std::string Call::request_scope() const {
  const auth::Identity& who = identity();
  if (!who.on_behalf_of) return who.principal.name();
  return absl::StrCat(who.principal.name(), " for ", who.on_behalf_of->name());
}

HostedService::HostedService(const google::protobuf::ServiceDescriptor* descriptor)
    : descriptor_(descriptor) {
  if (descriptor_ == nullptr) {
    problems_.push_back("the service is not in the linked-in contracts");
    return;
  }
  handled_.assign(descriptor_->method_count(), false);
  for (int i = 0; i < descriptor_->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = descriptor_->method(i);
    paths_.push_back(absl::StrCat("/", descriptor_->full_name(), "/", method->name()));
    AddMethod(new grpc::internal::RpcServiceMethod(paths_.back().c_str(),
                                                   grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    // Until a handler is registered (and Server::Start refuses to start a
    // service with a method left like this), the method answers on its own.
    MarkMethodRawCallback(
        i, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer, grpc::ByteBuffer>(
               [path = paths_.back()](grpc::CallbackServerContext* context, const grpc::ByteBuffer*,
                                      grpc::ByteBuffer*) {
                 grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
                 reactor->Finish(
                     grpc::Status(grpc::UNIMPLEMENTED, absl::StrCat(path, " is not implemented")));
                 return reactor;
               }));
  }
}

int HostedService::Claim(absl::string_view method, const google::protobuf::Descriptor* request,
                         const google::protobuf::Descriptor* response) {
  if (descriptor_ == nullptr) return -1;
  const google::protobuf::MethodDescriptor* found =
      descriptor_->FindMethodByName(std::string(method));
  if (found == nullptr) {
    problems_.push_back(absl::StrCat("a handler is registered for ", method,
                                     ", which the contract does not declare"));
    return -1;
  }
  if (found->client_streaming() || found->server_streaming()) {
    problems_.push_back(absl::StrCat(method, " streams, and the kit serves unary RPCs only"));
    return -1;
  }
  if (found->input_type() != request || found->output_type() != response) {
    problems_.push_back(absl::StrCat(method, "'s handler takes ", request->full_name(),
                                     " and gives ", response->full_name(), "; the contract says ",
                                     found->input_type()->full_name(), " and ",
                                     found->output_type()->full_name()));
    return -1;
  }
  if (handled_[found->index()]) {
    problems_.push_back(absl::StrCat(method, " has two handlers"));
    return -1;
  }
  handled_[found->index()] = true;
  return found->index();
}

absl::Status HostedService::CheckComplete() const {
  std::vector<std::string> problems = problems_;
  if (descriptor_ != nullptr) {
    for (int i = 0; i < descriptor_->method_count(); ++i) {
      if (!handled_[i]) {
        problems.push_back(absl::StrCat(descriptor_->method(i)->name(), " has no handler"));
      }
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(full_name(), ": ", absl::StrJoin(problems, "; ")));
}

namespace internal {

absl::Status Overloaded() {
  return WithReason(absl::ResourceExhaustedError("the server is overloaded; retry with backoff"),
                    "SERVER_OVERLOADED", "clinic.v1");
}

}  // namespace internal
}  // namespace clinic::server
