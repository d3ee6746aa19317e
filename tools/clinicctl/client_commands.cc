// clinicctl's client commands: finding clients and reading one.
#include <string>
#include <vector>

#include "clinic/v1/clients.grpc.pb.h"
#include "tools/clinicctl/clinicctl_common.h"

namespace clinic::clinicctl {
namespace {

std::unique_ptr<v1::ClientRecords::Stub> Clients() { return v1::ClientRecords::NewStub(Channel()); }

int SearchClients(const std::vector<std::string>& args) {
  v1::SearchClientsRequest request;
  request.set_name_prefix(args[0]);
  v1::SearchClientsResponse response;
  return Print(Clients()->SearchClients(Context().get(), request, &response), response);
}

int GetClient(const std::vector<std::string>& args) {
  v1::GetClientRequest request;
  request.set_name(args[0]);
  v1::Client response;
  return Print(Clients()->GetClient(Context().get(), request, &response), response);
}

}  // namespace

void AddClientCommands(Registry& registry) {
  registry.Area("clients");
  registry.Add({"search-clients",
                "PREFIX",
                "find clients by name prefix",
                "Matches the start of given or family names, ignoring case and accents; prints\n"
                "the first page of matches.",
                {},
                SearchClients});
  registry.Add({"get-client", "clients/ID", "show one client", "", {}, GetClient});
}

}  // namespace clinic::clinicctl
