// clinicctl's client commands: registering, finding, changing, archiving and
// restoring clients.
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_split.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "tools/clinicctl/clinicctl_common.h"

ABSL_FLAG(std::string, phone, "",
          "create-client, update-client, search-clients: a phone number in international form, "
          "e.g. +442071234567.");
ABSL_FLAG(std::string, email, "",
          "create-client, update-client, search-clients: an email address.");
ABSL_FLAG(std::string, preferred_name, "",
          "create-client, update-client: the name the client likes to be called by.");
ABSL_FLAG(std::string, given_name, "", "update-client: a new given name.");
ABSL_FLAG(std::string, family_name, "", "update-client: a new family name.");
ABSL_FLAG(std::string, date_of_birth, "", "update-client: a corrected date of birth, YYYY-MM-DD.");
ABSL_FLAG(std::string, fitzpatrick, "",
          "create-client, update-client: the Fitzpatrick skin type, i to vi (e.g. iii).");

namespace clinic::clinicctl {
namespace {

std::unique_ptr<v1::ClientRecords::Stub> Clients() { return v1::ClientRecords::NewStub(Channel()); }

bool ParseFitzpatrick(const std::string& text, v1::FitzpatrickType* out) {
  return ParseLabel("--fitzpatrick", text, out);
}

int SearchClients(const std::vector<std::string>& args) {
  v1::SearchClientsRequest request;
  if (!args.empty()) request.set_name_prefix(args[0]);
  request.set_phone(absl::GetFlag(FLAGS_phone));
  request.set_email(absl::GetFlag(FLAGS_email));
  if (request.name_prefix().empty() && request.phone().empty() && request.email().empty()) {
    std::fprintf(stderr,
                 "usage: clinicctl search-clients [PREFIX] [--phone=NUMBER] [--email=ADDRESS]\n"
                 "error: give a name prefix, a phone number or an email address\n");
    return kBadUsage;
  }
  v1::SearchClientsResponse response;
  return Print(Clients()->SearchClients(Context().get(), request, &response), response);
}

int GetClient(const std::vector<std::string>& args) {
  v1::GetClientRequest request;
  request.set_name(args[0]);
  v1::Client response;
  return Print(Clients()->GetClient(Context().get(), request, &response), response);
}

int CreateClient(const std::vector<std::string>& args) {
  v1::CreateClientRequest request;
  v1::Client& client = *request.mutable_client();
  client.set_home_site_id(args[0]);
  client.set_given_name(args[1]);
  client.set_family_name(args[2]);
  if (!ParseDate(args[3], client.mutable_date_of_birth())) return kBadUsage;
  client.set_phone(absl::GetFlag(FLAGS_phone));
  client.set_email(absl::GetFlag(FLAGS_email));
  client.set_preferred_name(absl::GetFlag(FLAGS_preferred_name));
  if (!absl::GetFlag(FLAGS_fitzpatrick).empty()) {
    v1::FitzpatrickType type;
    if (!ParseFitzpatrick(absl::GetFlag(FLAGS_fitzpatrick), &type)) return kBadUsage;
    client.set_fitzpatrick_type(type);
  }
  request.set_request_id(RequestId());
  v1::CreateClientResponse response;
  const grpc::Status status = Clients()->CreateClient(Context().get(), request, &response);
  // Possible duplicates are a warning for the person at the desk, not part
  // of what a script reads back.
  if (status.ok() && !absl::GetFlag(FLAGS_json)) {
    for (const v1::PossibleDuplicate& duplicate : response.possible_duplicates()) {
      std::fprintf(stderr, "warning: may be the same person as %s (%s %s)\n",
                   duplicate.client().name().c_str(), duplicate.client().given_name().c_str(),
                   duplicate.client().family_name().c_str());
    }
  }
  return Print(status, response);
}

int UpdateClient(const std::vector<std::string>& args) {
  auto stub = Clients();
  v1::GetClientRequest get;
  get.set_name(args[0]);
  v1::Client current;
  if (grpc::Status status = stub->GetClient(Context().get(), get, &current); !status.ok()) {
    return PrintError(status);
  }
  v1::UpdateClientRequest request;
  v1::Client& client = *request.mutable_client();
  client.set_name(current.name());
  client.set_etag(current.etag());
  for (const auto& [field, value, target] :
       {std::tuple{"given_name", absl::GetFlag(FLAGS_given_name), client.mutable_given_name()},
        std::tuple{"family_name", absl::GetFlag(FLAGS_family_name), client.mutable_family_name()},
        std::tuple{"preferred_name", absl::GetFlag(FLAGS_preferred_name),
                   client.mutable_preferred_name()},
        std::tuple{"phone", absl::GetFlag(FLAGS_phone), client.mutable_phone()},
        std::tuple{"email", absl::GetFlag(FLAGS_email), client.mutable_email()}}) {
    if (value.empty()) continue;
    *target = value;
    request.mutable_update_mask()->add_paths(field);
  }
  if (!absl::GetFlag(FLAGS_date_of_birth).empty()) {
    if (!ParseDate(absl::GetFlag(FLAGS_date_of_birth), client.mutable_date_of_birth())) {
      return kBadUsage;
    }
    request.mutable_update_mask()->add_paths("date_of_birth");
  }
  if (!absl::GetFlag(FLAGS_fitzpatrick).empty()) {
    v1::FitzpatrickType type;
    if (!ParseFitzpatrick(absl::GetFlag(FLAGS_fitzpatrick), &type)) return kBadUsage;
    client.set_fitzpatrick_type(type);
    request.mutable_update_mask()->add_paths("fitzpatrick_type");
  }
  if (request.update_mask().paths().empty()) {
    std::fprintf(stderr,
                 "usage: clinicctl update-client clients/ID --FIELD=VALUE...\n"
                 "error: name at least one field to change; `clinicctl help update-client` "
                 "lists them\n");
    return kBadUsage;
  }
  v1::Client response;
  return Print(stub->UpdateClient(Context().get(), request, &response), response);
}

// The client's etag as it is now, for a change made against it; false,
// having printed why, when it cannot be read.
bool CurrentEtag(v1::ClientRecords::Stub& stub, const std::string& name, std::string& etag) {
  v1::GetClientRequest get;
  get.set_name(name);
  v1::Client current;
  const grpc::Status status = stub.GetClient(Context().get(), get, &current);
  if (!status.ok()) {
    PrintError(status);
    return false;
  }
  etag = current.etag();
  return true;
}

int ArchiveClient(const std::vector<std::string>& args) {
  auto stub = Clients();
  v1::ArchiveClientRequest request;
  request.set_name(args[0]);
  if (!CurrentEtag(*stub, args[0], *request.mutable_etag())) return kCallFailed;
  request.set_reason(args[1]);
  v1::Client response;
  return Print(stub->ArchiveClient(Context().get(), request, &response), response);
}

int RestoreClient(const std::vector<std::string>& args) {
  auto stub = Clients();
  v1::RestoreClientRequest request;
  request.set_name(args[0]);
  if (!CurrentEtag(*stub, args[0], *request.mutable_etag())) return kCallFailed;
  v1::Client response;
  return Print(stub->RestoreClient(Context().get(), request, &response), response);
}

}  // namespace

void AddClientCommands(Registry& registry) {
  registry.Area("clients");
  registry.Add({"create-client",
                "SITE GIVEN FAMILY YYYY-MM-DD",
                "register a client at their home site",
                "Prints the new client; clients who may be the same person (same name and\n"
                "date of birth, phone or email) are named on stderr.",
                {"phone", "email", "preferred_name", "fitzpatrick", "request_id"},
                CreateClient});
  registry.Add({"search-clients",
                "[PREFIX]",
                "find clients by name prefix, phone or email",
                "Matches the start of given or family names, ignoring case and accents, or a\n"
                "whole phone number or email address; prints the first page of matches.",
                {"phone", "email"},
                SearchClients});
  registry.Add({"get-client", "clients/ID", "show one client", "", {}, GetClient});
  registry.Add({"update-client",
                "clients/ID",
                "change a client's details",
                "Changes only the fields given as flags, against the client as it is now.",
                {"given_name", "family_name", "preferred_name", "date_of_birth", "phone", "email",
                 "fitzpatrick"},
                UpdateClient});
  registry.Add({"archive-client",
                "clients/ID REASON",
                "archive a client who no longer attends",
                "Their records are kept and can still be read; restore-client undoes it.",
                {},
                ArchiveClient});
  registry.Add({"restore-client",
                "clients/ID",
                "make an archived client active again",
                "",
                {},
                RestoreClient});
}

}  // namespace clinic::clinicctl
