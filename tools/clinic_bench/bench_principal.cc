#include "tools/clinic_bench/bench_principal.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "clinic/v1/access.grpc.pb.h"
#include "common/storage/ids.h"
#include "tools/clinic_bench/fixture.h"

namespace clinic::bench {
namespace {

// Long enough for any run; the token is revoked at the end of the run, and
// expires by itself if the bench is killed first.
constexpr int64_t kTokenTtlSeconds = 24 * 3600;

std::unique_ptr<grpc::ClientContext> AdminContext(const std::string& admin_token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  context->AddMetadata("authorization", "Bearer " + admin_token);
  return context;
}

// Adds to an existing principal the chain-wide roles it lacks.
absl::Status AddMissingRoles(v1::Access::Stub& access, const std::string& admin_token,
                             const std::vector<v1::Role>& roles) {
  v1::GetPrincipalRequest get;
  get.set_name(kBenchPrincipal);
  v1::Principal principal;
  grpc::Status status = access.GetPrincipal(AdminContext(admin_token).get(), get, &principal);
  if (!status.ok()) return FromGrpc(status, "Access/GetPrincipal");
  if (principal.disabled()) {
    return absl::FailedPreconditionError(
        absl::StrCat(kBenchPrincipal, " exists but is disabled; enable it or remove it first"));
  }
  std::set<int> held;
  for (const v1::RoleBinding& binding : principal.roles()) {
    if (binding.site_id().empty()) held.insert(binding.role());
  }
  bool missing = false;
  for (v1::Role role : roles) {
    if (held.insert(role).second) {
      principal.add_roles()->set_role(role);
      missing = true;
    }
  }
  if (!missing) return absl::OkStatus();
  v1::UpdatePrincipalRequest update;
  *update.mutable_principal() = principal;
  update.mutable_update_mask()->add_paths("roles");
  update.set_request_id(storage::NewId());
  v1::Principal updated;
  status = access.UpdatePrincipal(AdminContext(admin_token).get(), update, &updated);
  return FromGrpc(status, "Access/UpdatePrincipal");
}

}  // namespace

absl::StatusOr<BenchToken> IssueBenchToken(const std::shared_ptr<grpc::Channel>& channel,
                                           const std::string& admin_token,
                                           const std::vector<v1::Role>& roles) {
  auto access = v1::Access::NewStub(channel);
  v1::CreatePrincipalRequest create;
  create.set_request_id(storage::NewId());
  v1::Principal& principal = *create.mutable_principal();
  principal.set_name(kBenchPrincipal);
  principal.set_display_name("clinic-bench load generator");
  std::set<int> added;
  for (v1::Role role : roles) {
    if (added.insert(role).second) principal.add_roles()->set_role(role);
  }
  v1::Principal created;
  const grpc::Status status =
      access->CreatePrincipal(AdminContext(admin_token).get(), create, &created);
  if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS) {
    if (absl::Status added_roles = AddMissingRoles(*access, admin_token, roles);
        !added_roles.ok()) {
      return added_roles;
    }
  } else if (!status.ok()) {
    return FromGrpc(status, "Access/CreatePrincipal with the admin token");
  }

  v1::IssueTokenRequest issue;
  issue.set_principal(kBenchPrincipal);
  issue.set_description("clinic-bench run");
  issue.mutable_ttl()->set_seconds(kTokenTtlSeconds);
  issue.set_request_id(storage::NewId());
  v1::IssueTokenResponse issued;
  const grpc::Status issued_status =
      access->IssueToken(AdminContext(admin_token).get(), issue, &issued);
  if (!issued_status.ok()) return FromGrpc(issued_status, "Access/IssueToken");
  return BenchToken{issued.token().name(), issued.secret()};
}

absl::Status RevokeBenchToken(const std::shared_ptr<grpc::Channel>& channel,
                              const std::string& admin_token, const std::string& token_name) {
  auto access = v1::Access::NewStub(channel);
  v1::RevokeTokenRequest request;
  request.set_name(token_name);
  v1::AccessToken revoked;
  return FromGrpc(access->RevokeToken(AdminContext(admin_token).get(), request, &revoked),
                  "Access/RevokeToken");
}

}  // namespace clinic::bench
