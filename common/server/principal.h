// Who is calling. The authentication and authorization step
// (auth_interceptor.h) records, for every call, the authenticated identity
// and the decision the RPC's declared policy gave, in the call's own server
// context (made by CallContextAllocator). gRPC's C++ server interceptors
// cannot end a call themselves, so the service kit (service_kit.h), the only
// way a handler is reached, calls Admit() before any work: a call without a
// recorded, positive decision never reaches service code. Services contain
// no other access code.
#ifndef CLINIC_COMMON_SERVER_PRINCIPAL_H_
#define CLINIC_COMMON_SERVER_PRINCIPAL_H_

#include <grpcpp/server_context.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/auth/authorizer.h"

namespace clinic::server {

// What is known about one call, shared by the interceptors and the handler.
struct CallRecord {
  // Set by the call-log interceptor when the call arrives.
  std::string request_id;
  std::string method;
  absl::Time start_time;

  // Set by the auth interceptor before the handler runs.
  bool authenticated = false;
  auth::Identity identity;
  std::string site_id;
  absl::Status admission =
      absl::PermissionDeniedError("no access decision was recorded for this call");

  // Set by the auth interceptor with the status it audited, so the call log
  // records the same one.
  absl::optional<grpc::Status> audited_status;
};

// The record of the call `context` belongs to: the one its context carries
// when CallContextAllocator made it (every callback call of a Server), else
// nullptr (synchronous services such as reflection, which are public and
// never reach service code).
std::shared_ptr<CallRecord> CallRecordFor(const grpc::ServerContextBase* context);

// Makes the server contexts of callback calls, each carrying its CallRecord
// from the moment the call arrives until gRPC releases the context, so the
// interceptors and the handler share it without any process-wide table.
std::unique_ptr<grpc::ContextAllocator> CallContextAllocator();

// CallRecordFor, or a record of the interceptor's own for a context that
// carries none (gRPC's own answers to unknown methods, synchronous public
// services): such calls never reach service code, so nothing else needs it.
std::shared_ptr<CallRecord> CallRecordOrNew(const grpc::ServerContextBase* context);

// OK when the call was authenticated and authorized; otherwise the
// UNAUTHENTICATED or PERMISSION_DENIED status to finish it with.
absl::Status Admit(const grpc::ServerContextBase& context);

// The principal the call acts for, recorded as author of changes
// (recorded_by, author): the person when a service acts on someone's
// behalf, otherwise the caller. Empty for a call that was not admitted.
std::string CallerPrincipal(const grpc::ServerContextBase& context);

// Whom a request_id belongs to (storage::IdempotentCall): the authenticated
// principal, and the person too when it acts for one ("service/screening for
// staff/ana"), so a service's retry for one person never replays another's.
// Empty for a call that was not admitted.
std::string RequestScope(const grpc::ServerContextBase& context);

// The request id of the call (x-request-id, or the one the server made);
// empty when the call has no record.
std::string RequestIdOf(const grpc::ServerContextBase& context);

// The full method name of the call, e.g. "/clinic.v1.ClientRecords/GetClient";
// empty when the call has no record.
std::string MethodOf(const grpc::ServerContextBase& context);

// The identity of an admitted call; nullptr otherwise.
std::shared_ptr<const CallRecord> AdmittedCall(const grpc::ServerContextBase& context);

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_PRINCIPAL_H_
