#include "tests/testing/rpc_call.h"

#include <grpcpp/support/client_callback.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <vector>

#include "common/server/event_stream.h"

namespace clinic::testing {
namespace {

std::string Path(const google::protobuf::MethodDescriptor& method) {
  return "/" + method.service()->full_name() + "/" + method.name();
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

// A server-streaming call made through the generic stub, which speaks every
// kind of RPC as a bidirectional stream: one request, then reads.
class StreamCall final : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  explicit StreamCall(grpc::ClientContext& context) : context_(context) {}

  RpcOutcome Run(grpc::GenericStub& stub, const std::string& path, const std::string& request,
                 absl::Duration first_message_wait) {
    grpc::Slice slice(request);
    request_ = grpc::ByteBuffer(&slice, 1);
    stub.PrepareBidiStreamingCall(&context_, path, grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();

    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return done_ || read_ || opened_; });
    if (!done_ && !read_) {
      changed_.wait_for(lock, absl::ToChronoMilliseconds(first_message_wait),
                        [this] { return done_ || read_; });
    }
    RpcOutcome outcome;
    const bool ended_by_itself = done_;
    outcome.stream_opened = opened_ && !ended_by_itself;
    if (read_) outcome.response = Bytes(response_);
    if (!ended_by_itself) {
      lock.unlock();
      context_.TryCancel();
      lock.lock();
    }
    changed_.wait(lock, [this] { return done_; });
    outcome.status = ended_by_itself ? status_ : grpc::Status::OK;
    return outcome;
  }

  void OnReadInitialMetadataDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ok) {
      const auto& headers = context_.GetServerInitialMetadata();
      auto it = headers.find(server::kStreamOpenKey);
      opened_ = it != headers.end() && it->second == server::kStreamOpenValue;
    }
    changed_.notify_all();
  }
  void OnReadDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mutex_);
    read_ = ok;
    changed_.notify_all();
  }
  void OnDone(const grpc::Status& status) override {
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = status;
    done_ = true;
    changed_.notify_all();
  }

 private:
  grpc::ClientContext& context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool opened_ = false;
  bool read_ = false;
  bool done_ = false;
  grpc::Status status_;
};

}  // namespace

RpcOutcome CallRpc(grpc::GenericStub& stub, grpc::ClientContext& context,
                   const google::protobuf::MethodDescriptor& method, const std::string& request,
                   absl::Duration first_message_wait) {
  if (method.server_streaming()) {
    StreamCall call(context);
    return call.Run(stub, Path(method), request, first_message_wait);
  }
  grpc::Slice slice(request);
  grpc::ByteBuffer buffer(&slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> done;
  stub.UnaryCall(&context, Path(method), grpc::StubOptions(), &buffer, &response,
                 [&done](grpc::Status status) { done.set_value(std::move(status)); });
  RpcOutcome outcome;
  outcome.status = done.get_future().get();
  if (outcome.status.ok()) outcome.response = Bytes(response);
  return outcome;
}

}  // namespace clinic::testing
