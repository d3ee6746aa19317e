// The principal clinic-bench calls as, set up with an access admin's token:
// "tool/clinic-bench", holding chain-wide the roles its operations need, and
// a token issued for this run and revoked at its end. With --start the admin
// is the first one the server made; against a running server it is the one
// whose token --admin_token_file names.
#ifndef CLINIC_TOOLS_CLINIC_BENCH_BENCH_PRINCIPAL_H_
#define CLINIC_TOOLS_CLINIC_BENCH_BENCH_PRINCIPAL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clinic/v1/access.pb.h"

namespace clinic::bench {

inline constexpr char kBenchPrincipal[] = "tool/clinic-bench";

struct BenchToken {
  std::string name;    // "tokens/{id}", for revoking it
  std::string secret;  // the bearer token
};

// Creates the principal, or adds the missing roles to it when it exists,
// and issues a token. A disabled principal is not enabled again:
// FAILED_PRECONDITION saying so.
absl::StatusOr<BenchToken> IssueBenchToken(const std::shared_ptr<grpc::Channel>& channel,
                                           const std::string& admin_token,
                                           const std::vector<v1::Role>& roles);

absl::Status RevokeBenchToken(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& admin_token, const std::string& token_name);

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_CLINIC_BENCH_BENCH_PRINCIPAL_H_
