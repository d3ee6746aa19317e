// Who is calling: the name recorded as the author of changes (recorded_by,
// author fields) and, later, checked by authorization. Until authentication
// is in place this reads the x-clinic-principal request header, which any
// caller can set; authentication will replace the body of this one function
// so every service picks it up at once.
#ifndef CLINIC_COMMON_SERVER_PRINCIPAL_H_
#define CLINIC_COMMON_SERVER_PRINCIPAL_H_

#include <grpcpp/server_context.h>

#include <string>

namespace clinic::server {

// The metadata key naming the caller until authentication exists.
inline constexpr char kPrincipalKey[] = "x-clinic-principal";

// The caller's principal name, e.g. "staff/jane-doe"; "anonymous" when none.
std::string CallerPrincipal(const grpc::ServerContextBase& context);

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_PRINCIPAL_H_
