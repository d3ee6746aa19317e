// What a call's caller actually saw, for the audit trail and the call log.
// The status a handler finishes with is not always what reaches the caller:
// a caller that cancelled, or whose deadline passed, already has CANCELLED
// or DEADLINE_EXCEEDED, and a request gRPC could not parse never reaches a
// handler at all (gRPC's callback API then answers UNIMPLEMENTED with no
// message, which the access step replaces; see RequestNotParsed).
#ifndef CLINIC_COMMON_SERVER_CALL_OUTCOME_H_
#define CLINIC_COMMON_SERVER_CALL_OUTCOME_H_

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace clinic::server {

// DEADLINE_EXCEEDED when the call's deadline has passed, otherwise CANCELLED,
// each with a message saying when the caller went away (`when`, e.g.
// "while the call waited").
grpc::Status CallerWentAway(const grpc::ServerContextBase& context, absl::string_view when);

// `sent`, unless the caller has gone (cancelled or past its deadline), in
// which case CallerWentAway's status: what the caller saw. Reliable once
// the call has closed (POST_RECV_CLOSE); earlier it sees only cancellations
// gRPC has already reported. Cancellation is asked of callback-API calls
// only; for synchronous ones (server reflection) only the deadline counts.
grpc::Status OutcomeForCaller(const grpc::ServerContextBase& context, const grpc::Status& sent);

// OutcomeForCaller for a call that has closed: also a status that went out
// only after the deadline had passed reached no one, since the caller had
// its DEADLINE_EXCEEDED by then. (gRPC does not always report a call that
// ran into its deadline on the server as cancelled.)
grpc::Status OutcomeAtClose(const grpc::ServerContextBase& context, const grpc::Status& sent);

// INVALID_ARGUMENT for a request that arrived but could not be parsed as
// the request type of `method` ("/pkg.Service/Method"): random bytes, a
// truncated message, or a string field holding invalid UTF-8 (named when
// the parser reported it on this thread; see NoteProtobufParseErrors).
absl::Status RequestNotParsed(absl::string_view method);

// Installs, once per process, a protobuf log handler that remembers which
// string field failed UTF-8 validation while parsing on each thread, so
// RequestNotParsed can name it; other messages go to protobuf's own handler.
void NoteProtobufParseErrors();

// Forgets what was noted on this thread (a request parsed, so nothing noted
// belongs to the next call).
void ClearNotedParseError();

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_CALL_OUTCOME_H_
