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

namespace {

// What an RPC is, for gRPC.
grpc::internal::RpcMethod::RpcType KindOf(const google::protobuf::MethodDescriptor& method) {
  if (method.client_streaming()) {
    return method.server_streaming() ? grpc::internal::RpcMethod::BIDI_STREAMING
                                     : grpc::internal::RpcMethod::CLIENT_STREAMING;
  }
  return method.server_streaming() ? grpc::internal::RpcMethod::SERVER_STREAMING
                                   : grpc::internal::RpcMethod::NORMAL_RPC;
}

grpc::Status NotImplemented(const std::string& path) {
  return grpc::Status(grpc::UNIMPLEMENTED, absl::StrCat(path, " is not implemented"));
}

// The answer of a streaming method without a handler.
template <typename Reactor>
class UnimplementedStream final : public Reactor {
 public:
  explicit UnimplementedStream(const std::string& path) { this->Finish(NotImplemented(path)); }
  void OnDone() override { delete this; }
};

}  // namespace

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
    const std::string& path = paths_.back();
    const grpc::internal::RpcMethod::RpcType kind = KindOf(*method);
    AddMethod(new grpc::internal::RpcServiceMethod(path.c_str(), kind, nullptr));
    // Until a handler is registered (and Server::Start refuses to start a
    // service with a method left like this), the method answers on its own.
    using Bytes = grpc::ByteBuffer;
    switch (kind) {
      case grpc::internal::RpcMethod::NORMAL_RPC:
        MarkMethodRawCallback(
            i, new grpc::internal::CallbackUnaryHandler<Bytes, Bytes>(
                   [path](grpc::CallbackServerContext* context, const Bytes*, Bytes*) {
                     grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
                     reactor->Finish(NotImplemented(path));
                     return reactor;
                   }));
        break;
      case grpc::internal::RpcMethod::SERVER_STREAMING:
        MarkMethodRawCallback(
            i, new grpc::internal::CallbackServerStreamingHandler<Bytes, Bytes>(
                   [path](grpc::CallbackServerContext*, const Bytes*) {
                     return new UnimplementedStream<grpc::ServerWriteReactor<Bytes>>(path);
                   }));
        break;
      case grpc::internal::RpcMethod::CLIENT_STREAMING:
        MarkMethodRawCallback(
            i, new grpc::internal::CallbackClientStreamingHandler<Bytes, Bytes>(
                   [path](grpc::CallbackServerContext*, Bytes*) {
                     return new UnimplementedStream<grpc::ServerReadReactor<Bytes>>(path);
                   }));
        break;
      case grpc::internal::RpcMethod::BIDI_STREAMING:
        MarkMethodRawCallback(
            i, new grpc::internal::CallbackBidiHandler<Bytes, Bytes>(
                   [path](grpc::CallbackServerContext*) {
                     return new UnimplementedStream<grpc::ServerBidiReactor<Bytes, Bytes>>(path);
                   }));
        break;
    }
  }
}

int HostedService::Claim(absl::string_view method, const google::protobuf::Descriptor* request,
                         const google::protobuf::Descriptor* response, bool streams) {
  if (descriptor_ == nullptr) return -1;
  const google::protobuf::MethodDescriptor* found =
      descriptor_->FindMethodByName(std::string(method));
  if (found == nullptr) {
    problems_.push_back(absl::StrCat("a handler is registered for ", method,
                                     ", which the contract does not declare"));
    return -1;
  }
  if (found->client_streaming()) {
    problems_.push_back(absl::StrCat(method,
                                     " streams from the caller, and the kit serves unary and "
                                     "server-streaming RPCs only"));
    return -1;
  }
  if (found->server_streaming() != streams) {
    problems_.push_back(
        found->server_streaming()
            ? absl::StrCat(method, " streams its responses: register it with HandleStream")
            : absl::StrCat(method, " is unary: register it with Handle, not HandleStream"));
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
      if (handled_[i]) continue;
      const google::protobuf::MethodDescriptor* method = descriptor_->method(i);
      problems.push_back(method->client_streaming()
                             ? absl::StrCat(method->name(),
                                            " streams from the caller, which the kit does not "
                                            "serve (unary and server-streaming RPCs only)")
                             : absl::StrCat(method->name(), " has no handler"));
    }
  }
  if (problems.empty()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(full_name(), ": ", absl::StrJoin(problems, "; ")));
}

}  // namespace clinic::server
