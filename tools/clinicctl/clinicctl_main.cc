// clinicctl: the command line for staff and scripts. Talks to any Clinic Core
// process over gRPC and prints responses in protobuf text format; errors go
// to stderr with the field details, and the exit status is non-zero.
//
//   clinicctl [--server=127.0.0.1:50051] treatment-types
//   clinicctl treatment-type microneedling
//   clinicctl plugin-problems
//   clinicctl reload-plugins
//   clinicctl search-clients NAME_PREFIX
//   clinicctl get-client clients/ID
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/status.h"
#include "google/protobuf/text_format.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "Address of a Clinic Core process.");
ABSL_FLAG(int, timeout_s, 30, "Deadline for each call, in seconds.");
ABSL_FLAG(std::string, principal, "",
          "Who is acting, e.g. staff/jane-doe (sent as x-clinic-principal).");

namespace {

constexpr char kUsage[] =
    "usage: clinicctl [--server=HOST:PORT] COMMAND [ARGS]\n"
    "commands:\n"
    "  treatment-types            list the loaded treatment types\n"
    "  treatment-type ID          show one treatment type's full definition\n"
    "  plugin-problems            list refused plugins and why\n"
    "  reload-plugins             reload the plugin folder\n"
    "  search-clients PREFIX      find clients by name prefix\n"
    "  get-client clients/ID      show one client\n";

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(absl::GetFlag(FLAGS_timeout_s)));
  if (!absl::GetFlag(FLAGS_principal).empty()) {
    context->AddMetadata("x-clinic-principal", absl::GetFlag(FLAGS_principal));
  }
  return context;
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
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials());
  auto catalog = clinic::v1::TreatmentCatalog::NewStub(channel);
  auto clients = clinic::v1::ClientRecords::NewStub(channel);

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
  return Usage();
}
