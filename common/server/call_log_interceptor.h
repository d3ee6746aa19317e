// The server interceptor chain's first link: gives every call a request id
// (the caller's x-request-id when it sends a sane one, otherwise a new one),
// echoes it in the response metadata, and writes one structured log line per
// call with method, status, latency and peer. Later links (authentication,
// authorization, audit) are added in server.cc beside this one.
#ifndef CLINIC_COMMON_SERVER_CALL_LOG_INTERCEPTOR_H_
#define CLINIC_COMMON_SERVER_CALL_LOG_INTERCEPTOR_H_

#include <grpcpp/support/server_interceptor.h>

#include <string>

namespace clinic::server {

// The metadata key carrying the request id, in both directions.
inline constexpr char kRequestIdKey[] = "x-request-id";

class CallLogInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

// A new request id: 32 lowercase hex characters, the first 12 the time in
// milliseconds (so later ids sort later), the rest random.
std::string NewRequestId();

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_CALL_LOG_INTERCEPTOR_H_
