// clinicctl's access commands: who a token belongs to, principals and their
// roles, and tokens.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "clinic/v1/access.grpc.pb.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(std::string, display_name, "",
          "create-principal, service-token: the name shown to people.");
ABSL_FLAG(std::string, roles, "",
          "create-principal, set-roles: comma-separated ROLE or ROLE@SITE, e.g. "
          "practitioner@london-soho,front_desk");
ABSL_FLAG(std::string, certificate_common_name, "",
          "create-principal: the client certificate common name that authenticates it.");
ABSL_FLAG(std::string, ttl, "", "issue-token: how long the token works, e.g. 8h, 720h.");

namespace clinic::clinicctl {
namespace {

std::unique_ptr<v1::Access::Stub> Access() { return v1::Access::NewStub(Channel()); }

// --roles, "practitioner@london-soho,front_desk", into bindings; false on a
// bad role.
bool ParseRoles(google::protobuf::RepeatedPtrField<v1::RoleBinding>* out) {
  for (absl::string_view item :
       absl::StrSplit(absl::GetFlag(FLAGS_roles), ',', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(item, absl::MaxSplits('@', 1));
    v1::Role role;
    if (!ParseLabel("role", std::string(absl::StripAsciiWhitespace(parts[0])), &role)) {
      return false;
    }
    v1::RoleBinding* binding = out->Add();
    binding->set_role(role);
    if (parts.size() == 2) binding->set_site_id(parts[1]);
  }
  return true;
}

int WhoAmI(const std::vector<std::string>&) {
  v1::WhoAmIResponse response;
  return Print(Access()->WhoAmI(Context().get(), {}, &response), response);
}

int Principals(const std::vector<std::string>&) {
  return ForEachPage(*Access(), &v1::Access::Stub::ListPrincipals, v1::ListPrincipalsRequest(),
                     [](const v1::ListPrincipalsResponse& page) {
                       for (const auto& principal : page.principals()) {
                         std::vector<std::string> roles;
                         for (const auto& binding : principal.roles()) {
                           roles.push_back(binding.site_id().empty()
                                               ? Label(binding.role())
                                               : Label(binding.role()) + "@" + binding.site_id());
                         }
                         std::vector<std::string> columns = {
                             principal.name(), absl::StrJoin(roles, ","), principal.display_name()};
                         if (principal.disabled()) columns.push_back("(disabled)");
                         PrintRow(principal, columns);
                       }
                     });
}

int GetPrincipal(const std::vector<std::string>& args) {
  v1::GetPrincipalRequest request;
  request.set_name(args[0]);
  v1::Principal response;
  return Print(Access()->GetPrincipal(Context().get(), request, &response), response);
}

int CreatePrincipal(const std::vector<std::string>& args) {
  v1::CreatePrincipalRequest request;
  v1::Principal& principal = *request.mutable_principal();
  principal.set_name(args[0]);
  principal.set_display_name(absl::GetFlag(FLAGS_display_name));
  principal.set_certificate_common_name(absl::GetFlag(FLAGS_certificate_common_name));
  if (!ParseRoles(principal.mutable_roles())) return kBadUsage;
  request.set_request_id(RequestId());
  v1::Principal response;
  return Print(Access()->CreatePrincipal(Context().get(), request, &response), response);
}

// set-roles, disable-principal and enable-principal: an update of the
// principal as it is now.
int UpdatePrincipal(const std::string& command, const std::string& name) {
  auto stub = Access();
  v1::GetPrincipalRequest get;
  get.set_name(name);
  v1::Principal current;
  if (grpc::Status status = stub->GetPrincipal(Context().get(), get, &current); !status.ok()) {
    return PrintError(status);
  }
  v1::UpdatePrincipalRequest request;
  *request.mutable_principal() = current;
  if (command == "set-roles") {
    request.mutable_principal()->clear_roles();
    if (!ParseRoles(request.mutable_principal()->mutable_roles())) return kBadUsage;
    request.mutable_update_mask()->add_paths("roles");
  } else {
    request.mutable_principal()->set_disabled(command == "disable-principal");
    request.mutable_update_mask()->add_paths("disabled");
  }
  request.set_request_id(RequestId());
  v1::Principal response;
  return Print(stub->UpdatePrincipal(Context().get(), request, &response), response);
}

int IssueToken(const std::vector<std::string>& args) {
  v1::IssueTokenRequest request;
  request.set_principal(args[0]);
  request.set_description(args[1]);
  if (!absl::GetFlag(FLAGS_ttl).empty()) {
    absl::Duration ttl;
    if (!absl::ParseDuration(absl::GetFlag(FLAGS_ttl), &ttl)) {
      std::fprintf(stderr, "error: --ttl=%s is not a duration such as 8h or 90m\n",
                   absl::GetFlag(FLAGS_ttl).c_str());
      return kBadUsage;
    }
    request.mutable_ttl()->set_seconds(absl::ToInt64Seconds(ttl));
  }
  request.set_request_id(RequestId());
  v1::IssueTokenResponse response;
  const grpc::Status status = Access()->IssueToken(Context().get(), request, &response);
  if (!status.ok()) return PrintError(status);
  std::fprintf(stderr, "issued %s for %s; the secret below is shown only once\n",
               response.token().name().c_str(), response.token().principal().c_str());
  if (absl::GetFlag(FLAGS_json)) return Print(status, response);
  // The secret alone on stdout, so a script can redirect it into a file.
  std::printf("%s\n", response.secret().c_str());
  return 0;
}

// Writes `secret` to `path` readable by its owner only, whole or not at
// all: a process starting meanwhile never reads half a token.
bool WriteSecretFile(const std::string& path, const std::string& secret) {
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "error: cannot write %s: %s\n", temporary.c_str(), std::strerror(errno));
    return false;
  }
  const std::string line = secret + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  const bool synced = ::fsync(fd) == 0;
  if (::close(fd) != 0 || !written || !synced ||
      std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::fprintf(stderr, "error: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    std::remove(temporary.c_str());
    return false;
  }
  return true;
}

int ServiceToken(const std::vector<std::string>& args) {
  const std::string& name = args[0];
  const std::string& file = args[1];
  auto stub = Access();
  v1::GetPrincipalRequest get;
  get.set_name(name);
  v1::Principal principal;
  grpc::Status status = stub->GetPrincipal(Context().get(), get, &principal);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
    v1::CreatePrincipalRequest create;
    create.mutable_principal()->set_name(name);
    create.mutable_principal()->set_display_name(absl::GetFlag(FLAGS_display_name));
    create.mutable_principal()->add_roles()->set_role(v1::ROLE_SERVICE);
    create.set_request_id(RequestId());
    status = stub->CreatePrincipal(Context().get(), create, &principal);
    if (status.ok()) std::fprintf(stderr, "created %s with the service role\n", name.c_str());
  }
  if (!status.ok()) return PrintError(status);
  bool service = false;
  for (const v1::RoleBinding& binding : principal.roles()) {
    service = service || binding.role() == v1::ROLE_SERVICE;
  }
  if (!service || principal.disabled()) {
    std::fprintf(stderr,
                 "error: %s exists %s; a process calling as it would be refused. "
                 "`clinicctl set-roles %s --roles=service` or enable-principal first\n",
                 name.c_str(),
                 principal.disabled() ? "but is disabled" : "without the service role",
                 name.c_str());
    return kCallFailed;
  }
  v1::IssueTokenRequest issue;
  issue.set_principal(name);
  issue.set_description(absl::StrCat("upstream token in ", file));
  issue.set_request_id(RequestId());
  v1::IssueTokenResponse issued;
  status = stub->IssueToken(Context().get(), issue, &issued);
  if (!status.ok()) return PrintError(status);
  if (!WriteSecretFile(file, issued.secret())) return kCallFailed;
  std::fprintf(stderr, "wrote the secret of %s to %s (readable by its owner only)\n",
               issued.token().name().c_str(), file.c_str());
  // The token's name, not its secret, so a log of the set-up holds nothing
  // that authenticates.
  return Print(grpc::Status::OK, issued.token());
}

int Tokens(const std::vector<std::string>& args) {
  v1::ListTokensRequest request;
  if (!args.empty()) request.set_principal(args[0]);
  return ForEachPage(
      *Access(), &v1::Access::Stub::ListTokens, request, [](const v1::ListTokensResponse& page) {
        for (const auto& token : page.tokens()) {
          std::vector<std::string> columns = {token.name(), token.principal(), token.description()};
          if (token.has_revoke_time()) columns.push_back("(revoked)");
          PrintRow(token, columns);
        }
      });
}

int RevokeToken(const std::vector<std::string>& args) {
  v1::RevokeTokenRequest request;
  request.set_name(args[0]);
  v1::AccessToken response;
  return Print(Access()->RevokeToken(Context().get(), request, &response), response);
}

}  // namespace

void AddAccessCommands(Registry& registry) {
  registry.Area("access");
  registry.Add({"whoami", "", "who the token belongs to, and its roles", "", {}, WhoAmI});
  registry.Add({"principals",
                "",
                "list principals",
                "One line per principal: name, roles (ROLE or ROLE@SITE), display name, and\n"
                "\"(disabled)\" for a disabled one.",
                {},
                Principals});
  registry.Add({"principal", "NAME", "show one principal", "", {}, GetPrincipal});
  registry.Add({"create-principal",
                "NAME --roles=ROLE[@SITE],...",
                "create staff/..., service/... or tool/...",
                "Roles: chain_admin, site_manager, practitioner, front_desk, billing_clerk,\n"
                "inventory_clerk, auditor, service (docs/access.md says what each may do).",
                {"roles", "display_name", "certificate_common_name", "request_id"},
                CreatePrincipal});
  registry.Add(
      {"set-roles",
       "NAME --roles=ROLE[@SITE],...",
       "replace a principal's roles",
       "",
       {"roles", "request_id"},
       [](const std::vector<std::string>& args) { return UpdatePrincipal("set-roles", args[0]); }});
  registry.Add({"disable-principal",
                "NAME",
                "refuse a principal's tokens and certificates",
                "",
                {"request_id"},
                [](const std::vector<std::string>& args) {
                  return UpdatePrincipal("disable-principal", args[0]);
                }});
  registry.Add({"enable-principal",
                "NAME",
                "accept them again",
                "",
                {"request_id"},
                [](const std::vector<std::string>& args) {
                  return UpdatePrincipal("enable-principal", args[0]);
                }});
  registry.Add({"issue-token",
                "NAME DESCRIPTION",
                "issue a token; prints the secret once",
                "The secret alone goes to stdout, so it can be redirected into a file (with\n"
                "--json, the token and secret as JSON). Retried with --request_id, the same\n"
                "token gets a new secret and the first one stops working.",
                {"ttl", "request_id"},
                IssueToken});
  registry.Add({"service-token",
                "service/NAME FILE",
                "set up a service principal and write a new token of it to FILE",
                "For a process that calls another: creates the principal with the service role\n"
                "if it does not exist, issues a token and writes its secret to FILE, readable by\n"
                "its owner only, for the calling process's upstreams.*.token_file. Run it\n"
                "against the process being called (or any process sharing its access\n"
                "database). Each run issues a new token; revoke-token retires an old one.\n"
                "deploy/four-process.sh runs it for every pair of services (docs/deployment.md).",
                {"display_name", "request_id"},
                ServiceToken});
  registry.Add({"tokens",
                "[NAME]",
                "list tokens, newest first",
                "One line per token: name, principal, description, and \"(revoked)\".",
                {},
                Tokens});
  registry.Add({"revoke-token", "tokens/ID", "revoke a token", "", {}, RevokeToken});
}

}  // namespace clinic::clinicctl
