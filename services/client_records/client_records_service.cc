#include "services/client_records/client_records_service.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "clinic/v1/billing.grpc.pb.h"
#include "clinic/v1/inventory.grpc.pb.h"
#include "clinic/v1/screening.grpc.pb.h"
#include "common/core/phone.h"
#include "common/core/status.h"
#include "common/core/text.h"
#include "common/core/time.h"
#include "common/server/principal.h"
#include "common/storage/idempotency.h"
#include "common/storage/ids.h"
#include "common/storage/paging.h"
#include "services/client_records/client_name_keys.h"
#include "services/client_records/client_records_names.h"
#include "services/client_records/client_validation.h"

namespace clinic::client_records {
namespace {

constexpr size_t kMaxNameChars = 100;

// Fields UpdateClient may change, by update_mask path.
const std::map<std::string, std::function<void(const v1::Client&, v1::Client&)>>&
UpdatableFields() {
  static const auto* fields =
      new std::map<std::string, std::function<void(const v1::Client&, v1::Client&)>>{
          {"home_site_id",
           [](const v1::Client& f, v1::Client& t) { t.set_home_site_id(f.home_site_id()); }},
          {"given_name",
           [](const v1::Client& f, v1::Client& t) { t.set_given_name(f.given_name()); }},
          {"family_name",
           [](const v1::Client& f, v1::Client& t) { t.set_family_name(f.family_name()); }},
          {"preferred_name",
           [](const v1::Client& f, v1::Client& t) { t.set_preferred_name(f.preferred_name()); }},
          {"date_of_birth", [](const v1::Client& f,
                               v1::Client& t) { *t.mutable_date_of_birth() = f.date_of_birth(); }},
          {"phone", [](const v1::Client& f, v1::Client& t) { t.set_phone(f.phone()); }},
          {"email", [](const v1::Client& f, v1::Client& t) { t.set_email(f.email()); }},
          {"address",
           [](const v1::Client& f, v1::Client& t) { *t.mutable_address() = f.address(); }},
          {"fitzpatrick_type", [](const v1::Client& f,
                                  v1::Client& t) { t.set_fitzpatrick_type(f.fitzpatrick_type()); }},
          {"emergency_contact",
           [](const v1::Client& f, v1::Client& t) {
             *t.mutable_emergency_contact() = f.emergency_contact();
           }},
      };
  return *fields;
}

// Every rule a stored client must satisfy, whether new or updated.
void ValidateClient(const v1::Client& client, bool has_date_of_birth, const config::Sites& sites,
                    absl::Time now, std::vector<FieldViolation>& out) {
  sites.CheckSite(client.home_site_id(), "client.home_site_id", /*required=*/true, out);
  ValidateText(client.given_name(), "client.given_name", true, kMaxNameChars, out);
  ValidateText(client.family_name(), "client.family_name", true, kMaxNameChars, out);
  ValidateText(client.preferred_name(), "client.preferred_name", false, kMaxNameChars, out);
  ValidateDateOfBirth(client.date_of_birth(), has_date_of_birth, now, "client.date_of_birth", out);
  ValidateEmail(client.email(), "client.email", false, out);
  const v1::PostalAddress& address = client.address();
  for (int i = 0; i < address.lines_size(); ++i) {
    ValidateText(address.lines(i), absl::StrCat("client.address.lines[", i, "]"), false, 200, out);
  }
  ValidateText(address.locality(), "client.address.locality", false, 100, out);
  ValidateText(address.region(), "client.address.region", false, 100, out);
  ValidateText(address.postal_code(), "client.address.postal_code", false, 20, out);
  ValidateCountryCode(address.country_code(), "client.address.country_code", out);
  if (!v1::FitzpatrickType_IsValid(client.fitzpatrick_type())) {
    out.push_back({"client.fitzpatrick_type",
                   absl::StrCat(client.fitzpatrick_type(), " is not a Fitzpatrick type")});
  }
  const v1::EmergencyContact& contact = client.emergency_contact();
  ValidateText(contact.name(), "client.emergency_contact.name", false, kMaxNameChars, out);
  ValidateText(contact.relationship(), "client.emergency_contact.relationship", false, 50, out);
}

// Phones and email as they will be stored: phones in E.164, read in the home
// site's country when typed without a country code; the email trimmed and
// lower-cased. A phone equal to `stored`'s is kept as it is: it was accepted
// before, and an update of another field must not fail on it.
void NormalizeContacts(v1::Client& client, const v1::Client* stored, const config::Sites& sites,
                       std::vector<FieldViolation>& out) {
  const std::string region = sites.CountryOf(client.home_site_id());
  if (stored == nullptr || client.phone() != stored->phone()) {
    client.set_phone(NormalizePhoneField(client.phone(), region, "client.phone", false, out));
  }
  if (client.has_emergency_contact() &&
      (stored == nullptr ||
       client.emergency_contact().phone() != stored->emergency_contact().phone())) {
    v1::EmergencyContact& contact = *client.mutable_emergency_contact();
    contact.set_phone(
        NormalizePhoneField(contact.phone(), region, "client.emergency_contact.phone", false, out));
  }
  client.set_email(NormalizeEmail(client.email()));
}

}  // namespace

ClientRecordsService::ClientRecordsService(std::unique_ptr<ClientRecordsStore> store,
                                           config::Sites sites, plugins::PluginHost& plugins,
                                           const server::Upstream& screening,
                                           const server::Upstream& inventory,
                                           const server::Upstream& billing,
                                           storage::OutboxWorker::Retry retry)
    : ServiceKit(server::kStoreServiceThreads),
      store_(std::move(store)),
      sites_(std::move(sites)),
      chain_country_(sites_.SingleCountry()),
      plugins_(plugins),
      screening_(screening),
      inventory_(inventory),
      billing_(billing) {
  store_->StartChargeDelivery(
      [this](const storage::OutboxEntry& entry) { return DeliverCharge(entry); }, retry);
  Handle("CreateClient", &ClientRecordsService::CreateClient);
  Handle("GetClient", &ClientRecordsService::GetClient);
  Handle("UpdateClient", &ClientRecordsService::UpdateClient);
  Handle("ListClients", &ClientRecordsService::ListClients);
  Handle("SearchClients", &ClientRecordsService::SearchClients, search_pool_);
  Handle("ArchiveClient", &ClientRecordsService::ArchiveClient);
  Handle("RestoreClient", &ClientRecordsService::RestoreClient);
  Handle("GetMedicalHistory", &ClientRecordsService::GetMedicalHistory);
  Handle("UpdateMedicalHistory", &ClientRecordsService::UpdateMedicalHistory);
  Handle("ListMedicalHistoryVersions", &ClientRecordsService::ListMedicalHistoryVersions);
  Handle("RecordConsent", &ClientRecordsService::RecordConsent);
  Handle("WithdrawConsent", &ClientRecordsService::WithdrawConsent);
  Handle("ListConsents", &ClientRecordsService::ListConsents);
  Handle("CreateTreatmentRecord", &ClientRecordsService::CreateTreatmentRecord, treatment_pool_);
  Handle("GetTreatmentRecord", &ClientRecordsService::GetTreatmentRecord);
  Handle("ListTreatmentRecords", &ClientRecordsService::ListTreatmentRecords);
  Handle("AddTreatmentRecordAddendum", &ClientRecordsService::AddTreatmentRecordAddendum);
  Handle("RecordLotRecall", &ClientRecordsService::RecordLotRecall);
  Handle("ListLotRecallNotices", &ClientRecordsService::ListLotRecallNotices);
}

absl::Status ClientRecordsService::CreateClient(const server::Call& call,
                                                const v1::CreateClientRequest& request,
                                                v1::CreateClientResponse& response) {
  const absl::Time now = absl::Now();
  std::vector<FieldViolation> violations;
  if (!request.has_client()) violations.push_back({"client", "is required"});
  // Names are checked as they will be stored: a name of only non-breaking
  // spaces is then missing, not a name.
  v1::Client client = request.client();
  NormalizeClientNames(client);
  NormalizeContacts(client, nullptr, sites_, violations);
  ValidateClient(client, client.has_date_of_birth(), sites_, now, violations);
  if (absl::Status s = storage::ValidateRequestId(request.request_id(), true); !s.ok()) {
    for (FieldViolation& v : GetFieldViolations(s)) violations.push_back(std::move(v));
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;

  const std::string id = storage::NewId();
  client.set_client_id(id);
  client.set_name(kClientName.Format(id));
  client.set_state(v1::CLIENT_STATE_ACTIVE);
  *client.mutable_create_time() = ToTimestamp(now);
  *client.mutable_update_time() = ToTimestamp(now);
  client.clear_etag();
  absl::StatusOr<v1::CreateClientResponse> created =
      store_->CreateClient(request, call.request_scope(), client);
  if (created.ok()) response = std::move(*created);
  return created.status();
}

absl::Status ClientRecordsService::GetClient(const server::Call& /*call*/,
                                             const v1::GetClientRequest& request,
                                             v1::Client& response) {
  absl::StatusOr<ResourceName> name = kClientName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  absl::StatusOr<v1::Client> client = store_->GetClient(name->id("client_id"));
  if (client.ok()) response = std::move(*client);
  return client.status();
}

absl::Status ClientRecordsService::UpdateClient(const server::Call& /*call*/,
                                                const v1::UpdateClientRequest& request,
                                                v1::Client& response) {
  absl::StatusOr<ResourceName> name = kClientName.Parse(request.client().name(), "client.name");
  if (!name.ok()) return name.status();
  std::vector<FieldViolation> violations;
  std::vector<std::string> paths(request.update_mask().paths().begin(),
                                 request.update_mask().paths().end());
  if (paths.empty()) {
    violations.push_back({"update_mask", "is required: name the fields to change, or \"*\""});
  }
  if (paths.size() == 1 && paths[0] == "*") {
    paths.clear();
    for (const auto& [path, copy] : UpdatableFields()) paths.push_back(path);
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    if (UpdatableFields().count(paths[i]) == 0) {
      violations.push_back(
          {absl::StrCat("update_mask.paths[", i, "]"),
           absl::StrCat(
               Quote(paths[i]), " cannot be updated; updatable fields are ",
               absl::StrJoin(UpdatableFields(), ", ", [](std::string* out, const auto& entry) {
                 out->append(entry.first);
               }))});
    }
  }
  if (request.client().etag().empty()) {
    violations.push_back({"client.etag", "is required: read the client and send its etag"});
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;

  const absl::Time now = absl::Now();
  absl::StatusOr<v1::Client> updated = store_->UpdateClient(
      name->id("client_id"), request.client().etag(), now, [&](v1::Client& client) -> absl::Status {
        const v1::Client stored = client;
        for (const std::string& path : paths) UpdatableFields().at(path)(request.client(), client);
        NormalizeClientNames(client);
        std::vector<FieldViolation> problems;
        NormalizeContacts(client, &stored, sites_, problems);
        ValidateClient(client, client.has_date_of_birth(), sites_, now, problems);
        return Violations(problems);
      });
  if (updated.ok()) response = std::move(*updated);
  return updated.status();
}

absl::Status ClientRecordsService::ListClients(const server::Call& /*call*/,
                                               const v1::ListClientsRequest& request,
                                               v1::ListClientsResponse& response) {
  if (absl::Status s = sites_.CheckSite(request.home_site_id(), "home_site_id", false); !s.ok()) {
    return s;
  }
  if (request.has_updated_since()) {
    std::vector<FieldViolation> violations;
    CheckTimestamp(request.updated_since(), "updated_since", violations);
    if (absl::Status s = Violations(violations); !s.ok()) return s;
  }
  if (!v1::ClientState_IsValid(request.state())) {
    return InvalidField("state", absl::StrCat(request.state(), " is not a client state"));
  }
  absl::StatusOr<v1::ListClientsResponse> listed = store_->ListClients(request);
  if (listed.ok()) response = std::move(*listed);
  return listed.status();
}

absl::Status ClientRecordsService::SearchClients(const server::Call& /*call*/,
                                                 const v1::SearchClientsRequest& request,
                                                 v1::SearchClientsResponse& response) {
  std::vector<FieldViolation> violations;
  v1::SearchClientsRequest normalized = request;
  normalized.set_email(NormalizeEmail(request.email()));
  if (request.name_prefix().empty() && request.phone().empty() && request.email().empty() &&
      !request.has_date_of_birth()) {
    violations.push_back(
        {"name_prefix", "at least one of name_prefix, phone, email or date_of_birth is required"});
  }
  ValidateText(request.name_prefix(), "name_prefix", false, kMaxNameChars, violations);
  ValidateNamePrefix(request.name_prefix(), "name_prefix", violations);
  const std::string& country = request.phone_country_code();
  if (!country.empty() && !IsPhoneRegion(country)) {
    // Quoted only when short and plain ASCII: the value may be anything.
    bool quotable = country.size() <= 8;
    for (char c : country) quotable = quotable && c > ' ' && c <= '~' && c != '"' && c != '\\';
    violations.push_back(
        {"phone_country_code",
         absl::StrCat(quotable ? absl::StrCat("\"", country, "\" is") : "is",
                      " not a country with phone numbers: use an ISO 3166-1 alpha-2 code in "
                      "upper case, such as \"GB\"")});
  } else {
    normalized.set_phone(NormalizePhoneQuery(
        request.phone(), country.empty() ? chain_country_ : country, "phone", violations));
  }
  ValidateEmail(normalized.email(), "email", false, violations);
  if (request.has_date_of_birth()) {
    CheckDate(request.date_of_birth(), "date_of_birth", violations);
  }
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::SearchClientsResponse> found = store_->SearchClients(normalized);
  if (found.ok()) response = std::move(*found);
  return found.status();
}

absl::Status ClientRecordsService::ArchiveClient(const server::Call& /*call*/,
                                                 const v1::ArchiveClientRequest& request,
                                                 v1::Client& response) {
  absl::StatusOr<ResourceName> name = kClientName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  std::vector<FieldViolation> violations;
  if (request.etag().empty()) violations.push_back({"etag", "is required"});
  ValidateText(request.reason(), "reason", false, 500, violations);
  if (absl::Status s = Violations(violations); !s.ok()) return s;
  absl::StatusOr<v1::Client> updated = store_->UpdateClient(
      name->id("client_id"), request.etag(), absl::Now(), [&](v1::Client& client) -> absl::Status {
        if (client.state() == v1::CLIENT_STATE_ARCHIVED) {
          return WithReason(
              absl::FailedPreconditionError(absl::StrCat(request.name(), " is already archived")),
              "ALREADY_ARCHIVED", v1::ClientRecords::service_full_name());
        }
        client.set_state(v1::CLIENT_STATE_ARCHIVED);
        return absl::OkStatus();
      });
  if (updated.ok()) response = std::move(*updated);
  return updated.status();
}

absl::Status ClientRecordsService::RestoreClient(const server::Call& /*call*/,
                                                 const v1::RestoreClientRequest& request,
                                                 v1::Client& response) {
  absl::StatusOr<ResourceName> name = kClientName.Parse(request.name(), "name");
  if (!name.ok()) return name.status();
  if (request.etag().empty()) return InvalidField("etag", "is required");
  absl::StatusOr<v1::Client> updated = store_->UpdateClient(
      name->id("client_id"), request.etag(), absl::Now(), [&](v1::Client& client) -> absl::Status {
        if (client.state() != v1::CLIENT_STATE_ARCHIVED) {
          return WithReason(
              absl::FailedPreconditionError(absl::StrCat(request.name(), " is not archived")),
              "NOT_ARCHIVED", v1::ClientRecords::service_full_name());
        }
        client.set_state(v1::CLIENT_STATE_ACTIVE);
        return absl::OkStatus();
      });
  if (updated.ok()) response = std::move(*updated);
  return updated.status();
}

server::ServiceFactory ClientRecordsFactory() {
  // A process hosting this service makes its list of factories before it
  // opens anything, so the phone rules load while the access and audit
  // databases and the plugins open, not after them.
  std::shared_future<void> phone_rules = LoadPhoneRulesInBackground();
  return [phone_rules](const server::ServiceContext& context)
             -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
    phone_rules.wait();
    absl::StatusOr<std::unique_ptr<ClientRecordsStore>> store = OpenSqliteClientRecordsStore(
        context.config.data_dir() + "/client_records.db", storage::PageBudgetBytes(context.config));
    if (!store.ok()) return store.status();
    for (const auto& site : context.config.chain().sites()) {
      if (site.country_code().empty()) continue;
      // The config check knows only the code's shape; whether phones have
      // rules for it is libphonenumber's knowledge, which only this service
      // links.
      if (!IsPhoneRegion(site.country_code())) {
        return absl::InvalidArgumentError(absl::StrCat("site \"", site.site_id(),
                                                       "\": country_code \"", site.country_code(),
                                                       "\" is not a country with phone numbers"));
      }
    }
    absl::StatusOr<const server::Upstream*> screening =
        context.upstreams.Get("screening", v1::Screening::service_full_name());
    if (!screening.ok()) return screening.status();
    absl::StatusOr<const server::Upstream*> inventory =
        context.upstreams.Get("inventory", v1::Inventory::service_full_name());
    if (!inventory.ok()) return inventory.status();
    absl::StatusOr<const server::Upstream*> billing =
        context.upstreams.Get("billing", v1::Billing::service_full_name());
    if (!billing.ok()) return billing.status();
    return std::make_unique<ClientRecordsService>(std::move(*store), config::Sites(context.config),
                                                  context.plugin_host, **screening, **inventory,
                                                  **billing, server::DeliveryRetry(context.config));
  };
}

}  // namespace clinic::client_records
