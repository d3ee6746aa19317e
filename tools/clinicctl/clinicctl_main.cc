// clinicctl: the command line for staff and scripts. Talks to any Clinic Core
// process over gRPC and prints responses in protobuf text format; errors go
// to stderr with the field details, and the exit status is non-zero.
//
//   clinicctl [--server=127.0.0.1:50051] treatment-types
//   clinicctl treatment-type microneedling
//   clinicctl definition-versions microneedling
//   clinicctl definition-version microneedling 1.0.0
//   clinicctl questionnaire microneedling
//   clinicctl plugin-problems
//   clinicctl reload-plugins
//   clinicctl search-clients NAME_PREFIX
//   clinicctl get-client clients/ID
//   clinicctl whoami | principals | create-principal | issue-token | ...
//
// It authenticates with a bearer token: --token_file, else $CLINIC_TOKEN,
// else $CLINIC_TOKEN_FILE, else ./data/admin.token (the first admin's token
// that quickstart creates). Tokens are secrets, so there is no flag that
// takes one on the command line, where other users could read it.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/status.h"
#include "common/core/time.h"
#include "google/protobuf/text_format.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "Address of a Clinic Core process.");
ABSL_FLAG(int, timeout_s, 30, "Deadline for each call, in seconds.");
ABSL_FLAG(std::string, token_file, "",
          "File holding the bearer token. Default: $CLINIC_TOKEN, else $CLINIC_TOKEN_FILE, else "
          "./data/admin.token when it exists.");
ABSL_FLAG(std::string, on_behalf_of, "",
          "For service principals: the principal to act for (x-clinic-on-behalf-of).");
ABSL_FLAG(bool, tls, false, "Connect with TLS (implied by --tls_ca and --tls_cert).");
ABSL_FLAG(std::string, tls_ca, "", "PEM file of the CA that signed the server's certificate.");
ABSL_FLAG(std::string, tls_cert, "", "PEM client certificate, for mutual TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name to check the server certificate against, when --server is an address.");
ABSL_FLAG(std::string, display_name, "", "create-principal: the name shown to people.");
ABSL_FLAG(std::string, roles, "",
          "create-principal, set-roles: comma-separated ROLE or ROLE@SITE, e.g. "
          "practitioner@london-soho,front_desk");
ABSL_FLAG(std::string, certificate_common_name, "",
          "create-principal: the client certificate common name that authenticates it.");
ABSL_FLAG(std::string, ttl, "", "issue-token: how long the token works, e.g. 8h, 720h.");
ABSL_FLAG(std::string, request_id, "",
          "create-principal, set-roles, disable-principal, enable-principal, issue-token: the "
          "request_id that makes a retry safe. Default: a new random one for each run; pass the "
          "one a run printed to retry it when its outcome is unknown (issue-token then gives the "
          "same token a new secret).");
ABSL_FLAG(std::string, client, "", "audit-events: only events about clients/ID.");
ABSL_FLAG(std::string, by, "", "audit-events: only events by this principal.");
ABSL_FLAG(std::string, since, "", "audit-events: from this RFC 3339 time.");
ABSL_FLAG(std::string, until, "", "audit-events: before this RFC 3339 time.");
ABSL_FLAG(int, limit, 100, "audit-events: most events to print.");
ABSL_FLAG(std::string, site, "", "audit-events, eligibility: the site.");
ABSL_FLAG(std::string, areas, "",
          "eligibility, review-screening: comma-separated area ids, e.g. forehead,cheeks.");
ABSL_FLAG(int, max_depth_um, 0, "review-screening: the deepest needle depth approved.");
ABSL_FLAG(std::string, sign_off_rule, "", "review-screening: the rule a sign-off answers.");
ABSL_FLAG(std::string, sign_off_reference, "",
          "review-screening: where the sign-off document is, e.g. 'Letter from Dr Patel'.");

namespace {

constexpr char kUsage[] =
    "usage: clinicctl [--server=HOST:PORT] COMMAND [ARGS]\n"
    "commands:\n"
    "  treatment-types            list the loaded treatment types\n"
    "  treatment-type ID          show one treatment type's full definition\n"
    "  definition-versions ID     list every definition version ever loaded, newest first\n"
    "  definition-version ID VERSION  show one definition version, loaded or not\n"
    "  questionnaire ID           show a treatment type's screening questions\n"
    "  screen clients/ID FILE     submit a screening written in FILE (text-format\n"
    "                             ScreeningRecord: treatment_type, definition_version,\n"
    "                             site_id, planned_area_ids, answers; docs/screening.md)\n"
    "  screenings clients/ID [TYPE]   list a client's screenings, newest first\n"
    "  screening NAME             show one screening with its findings and reviews\n"
    "  review-screening NAME approve|decline REASON   review a screening (--areas,\n"
    "                             --max_depth_um, --sign_off_rule, --sign_off_reference)\n"
    "  eligibility clients/ID TYPE    may the client be treated now (--site, --areas)\n"
    "  plugin-problems            list refused plugins and why\n"
    "  reload-plugins             reload the plugin folder\n"
    "  search-clients PREFIX      find clients by name prefix\n"
    "  get-client clients/ID      show one client\n"
    "  whoami                     who the token belongs to, and its roles\n"
    "  principals                 list principals\n"
    "  principal NAME             show one principal\n"
    "  create-principal NAME      create staff/..., service/... or tool/... with --roles,\n"
    "                             --display_name, --certificate_common_name\n"
    "  set-roles NAME             replace a principal's roles with --roles\n"
    "  disable-principal NAME     refuse a principal's tokens and certificates\n"
    "  enable-principal NAME      accept them again\n"
    "  issue-token NAME DESCRIPTION   issue a token (--ttl); prints the secret once\n"
    "                             (write commands print their request_id on stderr; rerun\n"
    "                             with --request_id=ID to retry one safely)\n"
    "  tokens [NAME]              list tokens, newest first\n"
    "  revoke-token tokens/ID     revoke a token\n"
    "  audit-events               list audit events (--client, --by, --site, --since,\n"
    "                             --until, --limit)\n"
    "  verify-audit               check the audit trail's hash chain\n";

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream file(path);
  if (!file) return "";
  std::stringstream contents;
  contents << file.rdbuf();
  return std::string(absl::StripAsciiWhitespace(contents.str()));
}

bool Exists(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0;
}

// The bearer token, found as the file comment at the top describes.
std::string Token() {
  static const std::string* token = [] {
    std::string path = absl::GetFlag(FLAGS_token_file);
    if (path.empty()) {
      if (const char* value = std::getenv("CLINIC_TOKEN"); value != nullptr && *value != 0) {
        return new std::string(absl::StripAsciiWhitespace(value));
      }
      if (const char* file = std::getenv("CLINIC_TOKEN_FILE"); file != nullptr && *file != 0) {
        path = file;
      } else if (Exists("data/admin.token")) {
        path = "data/admin.token";
      }
    }
    if (path.empty()) return new std::string();
    std::string read = ReadFileOrEmpty(path);
    if (read.empty()) std::fprintf(stderr, "warning: no token in %s\n", path.c_str());
    return new std::string(read);
  }();
  return *token;
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(absl::GetFlag(FLAGS_timeout_s)));
  if (!Token().empty()) context->AddMetadata("authorization", "Bearer " + Token());
  if (!absl::GetFlag(FLAGS_on_behalf_of).empty()) {
    context->AddMetadata("x-clinic-on-behalf-of", absl::GetFlag(FLAGS_on_behalf_of));
  }
  return context;
}

std::shared_ptr<grpc::Channel> Channel() {
  const bool tls = absl::GetFlag(FLAGS_tls) || !absl::GetFlag(FLAGS_tls_ca).empty() ||
                   !absl::GetFlag(FLAGS_tls_cert).empty();
  if (!tls) {
    return grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials());
  }
  grpc::SslCredentialsOptions options;
  if (!absl::GetFlag(FLAGS_tls_ca).empty()) {
    options.pem_root_certs = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_ca));
  }
  if (!absl::GetFlag(FLAGS_tls_cert).empty()) {
    options.pem_cert_chain = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_cert));
    options.pem_private_key = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_key));
  }
  grpc::ChannelArguments arguments;
  if (!absl::GetFlag(FLAGS_tls_server_name).empty()) {
    arguments.SetSslTargetNameOverride(absl::GetFlag(FLAGS_tls_server_name));
  }
  return grpc::CreateCustomChannel(absl::GetFlag(FLAGS_server), grpc::SslCredentials(options),
                                   arguments);
}

// "practitioner@london-soho,front_desk" -> bindings; false on a bad role.
bool ParseRoles(const std::string& text,
                google::protobuf::RepeatedPtrField<clinic::v1::RoleBinding>* out) {
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(item, absl::MaxSplits('@', 1));
    clinic::v1::Role role;
    std::string name = "ROLE_" + absl::AsciiStrToUpper(absl::StripAsciiWhitespace(parts[0]));
    if (!clinic::v1::Role_Parse(name, &role) || role == clinic::v1::ROLE_UNSPECIFIED) {
      std::fprintf(stderr,
                   "error: \"%s\" is not a role; use chain_admin, site_manager, practitioner, "
                   "front_desk, billing_clerk, inventory_clerk, auditor or service\n",
                   parts[0].c_str());
      return false;
    }
    auto* binding = out->Add();
    binding->set_role(role);
    if (parts.size() == 2) binding->set_site_id(parts[1]);
  }
  return true;
}

// --request_id, or a new random one (128 bits, hex) for this run. Said on
// stderr, so a run whose outcome is unknown can be retried with it.
const std::string& RequestId() {
  static const std::string* id = [] {
    std::string value = absl::GetFlag(FLAGS_request_id);
    if (value.empty()) {
      std::random_device random;
      value = "clinicctl-";
      for (int i = 0; i < 4; ++i) absl::StrAppendFormat(&value, "%08x", random());
    }
    std::fprintf(stderr, "request_id %s\n", value.c_str());
    return new std::string(value);
  }();
  return *id;
}

bool ParseTime(const std::string& text, google::protobuf::Timestamp* out) {
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
    std::fprintf(stderr, "error: \"%s\" is not an RFC 3339 time: %s\n", text.c_str(),
                 error.c_str());
    return false;
  }
  *out = clinic::ToTimestamp(time);
  return true;
}

int Print(const grpc::Status& status, const google::protobuf::Message& response) {
  if (!status.ok()) {
    const absl::Status error = clinic::FromGrpcStatus(status);
    std::fprintf(stderr, "error: %s: %s\n", absl::StatusCodeToString(error.code()).c_str(),
                 status.error_message().c_str());
    for (const auto& v : clinic::GetFieldViolations(error)) {
      std::fprintf(stderr, "  %s: %s\n", v.field.c_str(), v.description.c_str());
    }
    return 1;
  }
  std::string text;
  google::protobuf::TextFormat::PrintToString(response, &text);
  std::fputs(text.c_str(), stdout);
  return 0;
}

int Usage() {
  std::fputs(kUsage, stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) return Usage();
  const std::string command = args[1];
  auto channel = Channel();
  auto catalog = clinic::v1::TreatmentCatalog::NewStub(channel);
  auto clients = clinic::v1::ClientRecords::NewStub(channel);
  auto access = clinic::v1::Access::NewStub(channel);
  auto audit = clinic::v1::Audit::NewStub(channel);
  auto screening = clinic::v1::Screening::NewStub(channel);

  if (command == "treatment-types" && args.size() == 2) {
    // Every page, so scripts see the whole catalog.
    clinic::v1::ListTreatmentTypesRequest request;
    do {
      clinic::v1::ListTreatmentTypesResponse response;
      grpc::Status status = catalog->ListTreatmentTypes(Context().get(), request, &response);
      if (!status.ok()) return Print(status, response);
      for (const auto& type : response.treatment_types()) {
        std::printf("%s\t%s\t%s\n", type.definition().id().c_str(),
                    type.definition().version().c_str(), type.definition().display_name().c_str());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return 0;
  }
  if (command == "treatment-type" && args.size() == 3) {
    clinic::v1::GetTreatmentTypeRequest request;
    request.set_name(std::string("treatmentTypes/") + args[2]);
    clinic::v1::TreatmentType response;
    return Print(catalog->GetTreatmentType(Context().get(), request, &response), response);
  }
  if (command == "definition-versions" && args.size() == 3) {
    // Every page, like treatment-types.
    clinic::v1::ListTreatmentTypeVersionsRequest request;
    request.set_parent(std::string("treatmentTypes/") + args[2]);
    do {
      clinic::v1::ListTreatmentTypeVersionsResponse response;
      grpc::Status status = catalog->ListTreatmentTypeVersions(Context().get(), request, &response);
      if (!status.ok()) return Print(status, response);
      for (const auto& version : response.versions()) {
        std::printf("%s\t%s\t%s\t%s\t%s\n", version.definition().version().c_str(),
                    version.currently_loaded() ? "loaded" : "-",
                    clinic::FormatUtc(clinic::FromTimestamp(version.first_load_time())).c_str(),
                    clinic::FormatUtc(clinic::FromTimestamp(version.last_load_time())).c_str(),
                    version.definition_sha256().c_str());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return 0;
  }
  if (command == "definition-version" && args.size() == 4) {
    clinic::v1::GetTreatmentTypeVersionRequest request;
    request.set_name(absl::StrCat("treatmentTypes/", args[2], "/versions/", args[3]));
    clinic::v1::TreatmentTypeVersion response;
    return Print(catalog->GetTreatmentTypeVersion(Context().get(), request, &response), response);
  }
  if (command == "questionnaire" && args.size() == 3) {
    clinic::v1::GetQuestionnaireRequest request;
    request.set_name(std::string("treatmentTypes/") + args[2] + "/questionnaire");
    clinic::v1::Questionnaire response;
    return Print(screening->GetQuestionnaire(Context().get(), request, &response), response);
  }
  if (command == "screen" && args.size() == 4) {
    clinic::v1::SubmitScreeningRequest request;
    request.set_parent(args[2]);
    const std::string text = ReadFileOrEmpty(args[3]);
    if (text.empty() ||
        !google::protobuf::TextFormat::ParseFromString(text, request.mutable_screening())) {
      std::fprintf(stderr, "error: %s is not a text-format clinic.v1.ScreeningRecord\n", args[3]);
      return 2;
    }
    request.set_request_id(RequestId());
    clinic::v1::ScreeningRecord response;
    return Print(screening->SubmitScreening(Context().get(), request, &response), response);
  }
  if (command == "screenings" && (args.size() == 3 || args.size() == 4)) {
    clinic::v1::ListScreeningsRequest request;
    request.set_parent(args[2]);
    if (args.size() == 4) request.set_treatment_type(std::string("treatmentTypes/") + args[3]);
    do {
      clinic::v1::ListScreeningsResponse response;
      grpc::Status status = screening->ListScreenings(Context().get(), request, &response);
      if (!status.ok()) return Print(status, response);
      for (const auto& item : response.screenings()) {
        std::printf("%s\t%s\t%s\t%s\t%s\n", item.name().c_str(), item.treatment_type().c_str(),
                    item.definition_version().c_str(),
                    clinic::v1::ScreeningState_Name(item.state()).c_str(),
                    clinic::FormatUtc(clinic::FromTimestamp(item.create_time())).c_str());
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return 0;
  }
  if (command == "screening" && args.size() == 3) {
    clinic::v1::GetScreeningRequest request;
    request.set_name(args[2]);
    clinic::v1::ScreeningRecord response;
    return Print(screening->GetScreening(Context().get(), request, &response), response);
  }
  if (command == "review-screening" && args.size() == 5) {
    const std::string decision = args[3];
    if (decision != "approve" && decision != "decline") return Usage();
    // The review is made against the screening as it is now.
    clinic::v1::GetScreeningRequest get;
    get.set_name(args[2]);
    clinic::v1::ScreeningRecord current;
    if (grpc::Status status = screening->GetScreening(Context().get(), get, &current);
        !status.ok()) {
      return Print(status, current);
    }
    clinic::v1::ReviewScreeningRequest request;
    request.set_name(args[2]);
    request.set_etag(current.etag());
    request.set_request_id(RequestId());
    clinic::v1::Review& review = *request.mutable_review();
    review.set_decision(decision == "approve" ? clinic::v1::REVIEW_DECISION_APPROVED
                                              : clinic::v1::REVIEW_DECISION_DECLINED);
    review.set_reason(args[4]);
    for (absl::string_view area :
         absl::StrSplit(absl::GetFlag(FLAGS_areas), ',', absl::SkipWhitespace())) {
      review.add_allowed_area_ids(std::string(area));
    }
    review.set_max_depth_um(absl::GetFlag(FLAGS_max_depth_um));
    if (!absl::GetFlag(FLAGS_sign_off_rule).empty()) {
      clinic::v1::SignOff* sign_off = review.add_sign_offs();
      sign_off->set_rule_id(absl::GetFlag(FLAGS_sign_off_rule));
      sign_off->set_reference(absl::GetFlag(FLAGS_sign_off_reference));
    }
    clinic::v1::ScreeningRecord response;
    return Print(screening->ReviewScreening(Context().get(), request, &response), response);
  }
  if (command == "eligibility" && args.size() == 4) {
    clinic::v1::CheckEligibilityRequest request;
    request.set_client(args[2]);
    request.set_treatment_type(std::string("treatmentTypes/") + args[3]);
    request.set_site_id(absl::GetFlag(FLAGS_site));
    for (absl::string_view area :
         absl::StrSplit(absl::GetFlag(FLAGS_areas), ',', absl::SkipWhitespace())) {
      request.add_area_ids(std::string(area));
    }
    clinic::v1::Eligibility response;
    return Print(screening->CheckEligibility(Context().get(), request, &response), response);
  }
  if (command == "plugin-problems" && args.size() == 2) {
    clinic::v1::ListPluginProblemsResponse response;
    return Print(catalog->ListPluginProblems(Context().get(), {}, &response), response);
  }
  if (command == "reload-plugins" && args.size() == 2) {
    clinic::v1::ReloadPluginsResponse response;
    return Print(catalog->ReloadPlugins(Context().get(), {}, &response), response);
  }
  if (command == "search-clients" && args.size() == 3) {
    clinic::v1::SearchClientsRequest request;
    request.set_name_prefix(args[2]);
    clinic::v1::SearchClientsResponse response;
    return Print(clients->SearchClients(Context().get(), request, &response), response);
  }
  if (command == "get-client" && args.size() == 3) {
    clinic::v1::GetClientRequest request;
    request.set_name(args[2]);
    clinic::v1::Client response;
    return Print(clients->GetClient(Context().get(), request, &response), response);
  }
  if (command == "whoami" && args.size() == 2) {
    clinic::v1::WhoAmIResponse response;
    return Print(access->WhoAmI(Context().get(), {}, &response), response);
  }
  if (command == "principals" && args.size() == 2) {
    clinic::v1::ListPrincipalsRequest request;
    do {
      clinic::v1::ListPrincipalsResponse response;
      grpc::Status status = access->ListPrincipals(Context().get(), request, &response);
      if (!status.ok()) return Print(status, response);
      for (const auto& principal : response.principals()) {
        std::string roles;
        for (const auto& binding : principal.roles()) {
          if (!roles.empty()) roles += ",";
          roles += absl::AsciiStrToLower(clinic::v1::Role_Name(binding.role()).substr(5));
          if (!binding.site_id().empty()) roles += "@" + binding.site_id();
        }
        std::printf("%s\t%s\t%s%s\n", principal.name().c_str(), roles.c_str(),
                    principal.display_name().c_str(), principal.disabled() ? "\t(disabled)" : "");
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return 0;
  }
  if (command == "principal" && args.size() == 3) {
    clinic::v1::GetPrincipalRequest request;
    request.set_name(args[2]);
    clinic::v1::Principal response;
    return Print(access->GetPrincipal(Context().get(), request, &response), response);
  }
  if (command == "create-principal" && args.size() == 3) {
    clinic::v1::CreatePrincipalRequest request;
    request.mutable_principal()->set_name(args[2]);
    request.mutable_principal()->set_display_name(absl::GetFlag(FLAGS_display_name));
    request.mutable_principal()->set_certificate_common_name(
        absl::GetFlag(FLAGS_certificate_common_name));
    if (!ParseRoles(absl::GetFlag(FLAGS_roles), request.mutable_principal()->mutable_roles())) {
      return 2;
    }
    request.set_request_id(RequestId());
    clinic::v1::Principal response;
    return Print(access->CreatePrincipal(Context().get(), request, &response), response);
  }
  if ((command == "set-roles" || command == "disable-principal" || command == "enable-principal") &&
      args.size() == 3) {
    clinic::v1::GetPrincipalRequest get;
    get.set_name(args[2]);
    clinic::v1::Principal current;
    grpc::Status status = access->GetPrincipal(Context().get(), get, &current);
    if (!status.ok()) return Print(status, current);
    clinic::v1::UpdatePrincipalRequest request;
    *request.mutable_principal() = current;
    if (command == "set-roles") {
      request.mutable_principal()->clear_roles();
      if (!ParseRoles(absl::GetFlag(FLAGS_roles), request.mutable_principal()->mutable_roles())) {
        return 2;
      }
      request.mutable_update_mask()->add_paths("roles");
    } else {
      request.mutable_principal()->set_disabled(command == "disable-principal");
      request.mutable_update_mask()->add_paths("disabled");
    }
    request.set_request_id(RequestId());
    clinic::v1::Principal response;
    return Print(access->UpdatePrincipal(Context().get(), request, &response), response);
  }
  if (command == "issue-token" && args.size() == 4) {
    clinic::v1::IssueTokenRequest request;
    request.set_principal(args[2]);
    request.set_description(args[3]);
    if (!absl::GetFlag(FLAGS_ttl).empty()) {
      absl::Duration ttl;
      if (!absl::ParseDuration(absl::GetFlag(FLAGS_ttl), &ttl)) {
        std::fprintf(stderr, "error: --ttl=%s is not a duration such as 8h or 90m\n",
                     absl::GetFlag(FLAGS_ttl).c_str());
        return 2;
      }
      request.mutable_ttl()->set_seconds(absl::ToInt64Seconds(ttl));
    }
    request.set_request_id(RequestId());
    clinic::v1::IssueTokenResponse response;
    grpc::Status status = access->IssueToken(Context().get(), request, &response);
    if (!status.ok()) return Print(status, response);
    // The secret alone on stdout, so a script can redirect it into a file.
    std::fprintf(stderr, "issued %s for %s; the secret below is shown only once\n",
                 response.token().name().c_str(), response.token().principal().c_str());
    std::printf("%s\n", response.secret().c_str());
    return 0;
  }
  if (command == "tokens" && (args.size() == 2 || args.size() == 3)) {
    clinic::v1::ListTokensRequest request;
    if (args.size() == 3) request.set_principal(args[2]);
    do {
      clinic::v1::ListTokensResponse response;
      grpc::Status status = access->ListTokens(Context().get(), request, &response);
      if (!status.ok()) return Print(status, response);
      for (const auto& token : response.tokens()) {
        std::printf("%s\t%s\t%s%s\n", token.name().c_str(), token.principal().c_str(),
                    token.description().c_str(), token.has_revoke_time() ? "\t(revoked)" : "");
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty());
    return 0;
  }
  if (command == "revoke-token" && args.size() == 3) {
    clinic::v1::RevokeTokenRequest request;
    request.set_name(args[2]);
    clinic::v1::AccessToken response;
    return Print(access->RevokeToken(Context().get(), request, &response), response);
  }
  if (command == "audit-events" && args.size() == 2) {
    clinic::v1::ListAuditEventsRequest request;
    request.set_client(absl::GetFlag(FLAGS_client));
    request.set_principal(absl::GetFlag(FLAGS_by));
    request.set_site_id(absl::GetFlag(FLAGS_site));
    if (!absl::GetFlag(FLAGS_since).empty() &&
        !ParseTime(absl::GetFlag(FLAGS_since), request.mutable_start_time())) {
      return 2;
    }
    if (!absl::GetFlag(FLAGS_until).empty() &&
        !ParseTime(absl::GetFlag(FLAGS_until), request.mutable_end_time())) {
      return 2;
    }
    int left = absl::GetFlag(FLAGS_limit);
    do {
      request.set_page_size(std::min(left, 500));
      clinic::v1::ListAuditEventsResponse response;
      grpc::Status status = audit->ListAuditEvents(Context().get(), request, &response);
      if (!status.ok()) return Print(status, response);
      for (const auto& event : response.events()) {
        std::string names;
        for (const auto& name : event.resource_names()) names += (names.empty() ? "" : ",") + name;
        std::printf(
            "%lld\t%s\t%s%s\t%s\t%s\tcode=%d\t%s\n", static_cast<long long>(event.sequence()),
            absl::FormatTime(absl::RFC3339_sec, clinic::FromTimestamp(event.event_time()),
                             absl::UTCTimeZone())
                .c_str(),
            event.principal().c_str(),
            event.on_behalf_of().empty() ? "" : (" for " + event.on_behalf_of()).c_str(),
            event.method().c_str(), names.c_str(), event.status_code(), event.site_id().c_str());
        --left;
      }
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty() && left > 0);
    return 0;
  }
  if (command == "verify-audit" && args.size() == 2) {
    clinic::v1::VerifyAuditLogResponse response;
    grpc::Status status = audit->VerifyAuditLog(Context().get(), {}, &response);
    const int printed = Print(status, response);
    if (printed != 0) return printed;
    return response.intact() ? 0 : 3;
  }
  return Usage();
}
