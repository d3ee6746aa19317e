// The server interceptor chain's access link, after the call log: for every
// Clinic Core RPC it
//   - authenticates the caller: a bearer token ("authorization: Bearer
//     clk_..."), accepted only over TLS or from loopback, or else a verified
//     TLS client certificate whose common name a principal claims;
//   - honours x-clinic-on-behalf-of for callers allowed to act for others;
//   - authorizes the call against the RPC's declared policy
//     (clinic.v1.policy) and the site the request names (authorizer.h);
//   - records the outcome for Admit() (principal.h), replaces the response
//     of a refused call if a handler ever produced one;
//   - appends one audit event per call, refused calls included, before the
//     caller sees the response, unless the RPC is audit_exempt. A call whose
//     event cannot be written fails with UNAVAILABLE instead of answering.
//     A server-streaming call is one event too, written when the stream
//     opens (or with its refusal), never one per message.
// Health checking and reflection are open to everyone: they show nothing
// about clients.
#ifndef CLINIC_COMMON_SERVER_AUTH_INTERCEPTOR_H_
#define CLINIC_COMMON_SERVER_AUTH_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include "absl/strings/string_view.h"
#include "common/audit/audit_log.h"
#include "common/auth/access_store.h"
#include "common/server/upstream.h"

namespace clinic::server {

// gRPC's and the config's default message limit.
inline constexpr size_t kDefaultMaxSendBytes = 4 << 20;

// The metadata key a service sets to name the person it acts for.
inline constexpr char kOnBehalfOfKey[] = "x-clinic-on-behalf-of";

class AuthInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // Both must outlive the server. `max_send_bytes` is the server's send
  // limit (server.max_message_bytes): a response above it is refused here,
  // with RESOURCE_EXHAUSTED, so the audit event records that status.
  // `in_process`, when given, must outlive the server too: calls on the
  // in-process transport bearing its secret authenticate as its principal
  // (upstream.h).
  AuthInterceptorFactory(auth::AccessStore& access, audit::AuditLog& audit,
                         size_t max_send_bytes = kDefaultMaxSendBytes,
                         const InProcessIdentity* in_process = nullptr)
      : access_(access), audit_(audit), max_send_bytes_(max_send_bytes), in_process_(in_process) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  auth::AccessStore& access_;
  audit::AuditLog& audit_;
  size_t max_send_bytes_;
  const InProcessIdentity* in_process_;
};

// Whether a call's peer is on this machine or in this process, where a
// plaintext bearer token cannot be sniffed: `peer` is gRPC's peer string
// ("ipv4:127.0.0.1:5000", "unix:/run/x.sock") and `transport_security_type`
// the auth context's property of that name ("insecure", "ssl", or empty for
// the in-process channel).
bool IsLocalPeer(absl::string_view peer, absl::string_view transport_security_type);

// Whether anyone may call `method` unauthenticated: health checks and
// reflection.
bool IsPublicMethod(absl::string_view method);

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_AUTH_INTERCEPTOR_H_
