// Calling any RPC from its descriptor with raw request bytes, unary and
// server-streaming alike, for the tests that call every RPC of a server (the
// access matrix, the hostile-input suite) and the kit's stream tests. A
// server-streaming RPC is opened, and its first message or its status is
// taken, so an RPC added to a contract is covered whatever its kind.
#ifndef CLINIC_TESTS_TESTING_RPC_CALL_H_
#define CLINIC_TESTS_TESTING_RPC_CALL_H_

#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/time/time.h"

namespace clinic::testing {

// What one call returned.
struct RpcOutcome {
  grpc::Status status;
  // The response of a unary call; for a stream, its first message when one
  // arrived before the stream was cancelled. Empty otherwise.
  std::string response;
  // A server-streaming call that opened (the server sent its
  // "x-clinic-stream: open" header, common/server/event_stream.h) and was
  // cancelled here; `status` is then OK.
  bool stream_opened = false;
};

// Sends `request` (serialized, and possibly not a valid message) as `method`
// through `stub`, with `context` (the caller sets its deadline and metadata;
// it is used up, and its trailing metadata can be read afterwards).
// A unary call returns its status and response. A server-streaming call that
// ends before it opens (refused, or its request rejected) returns that
// status; once open, it waits up to `first_message_wait` for a first message
// (or for the stream to end by itself), then cancels the stream and returns
// OK with that message, if any. A stream that opens is never waited on
// longer, so a test calling every RPC does not sit out deadlines.
RpcOutcome CallRpc(grpc::GenericStub& stub, grpc::ClientContext& context,
                   const google::protobuf::MethodDescriptor& method, const std::string& request,
                   absl::Duration first_message_wait = absl::ZeroDuration());

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_RPC_CALL_H_
