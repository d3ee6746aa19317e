#include "common/server/principal.h"

#include "common/server/call_log_interceptor.h"

namespace clinic::server {

std::string CallerPrincipal(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kPrincipalKey);
  if (it == metadata.end()) return "anonymous";
  std::string principal(it->second.data(), it->second.size());
  // Same rules as request ids: short, printable, safe to log and store.
  return IsUsableRequestId(principal) ? principal : "anonymous";
}

}  // namespace clinic::server
