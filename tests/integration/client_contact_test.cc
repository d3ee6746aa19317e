// Phones and emails through the real ClientRecords API on loopback: numbers
// typed as people type them are stored in E.164, read in the home site's
// country when they have no country code; refusals name the field and write
// nothing; SearchClients normalizes phones and emails the same way; emails
// are trimmed and lower-cased on create, update and search alike.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "clinic/v1/clients.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "google/protobuf/field_mask.pb.h"
#include "services/client_records/client_records_service.h"
#include "services/client_records/client_records_store.h"
#include "services/clinicd/all_services.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct SiteCountry {
  const char* site_id;
  const char* country_code;  // Empty: the site has none configured.
};

// Sites in six countries and one without a country: the chain has no one
// country, so national-format searches need phone_country_code.
const std::vector<SiteCountry> kWorldChain = {
    {"london", "GB"}, {"new-york", "US"}, {"berlin", "DE"}, {"paris", "FR"},
    {"tokyo", "JP"},  {"sydney", "AU"},   {"nowhere", ""}};

class ClientContactTest : public ::testing::Test {
 protected:
  config::v1::ServerConfig Config(const std::vector<SiteCountry>& sites) const {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    for (const SiteCountry& site : sites) {
      v1::Site* added = config.mutable_chain()->add_sites();
      added->set_site_id(site.site_id);
      added->set_country_code(site.country_code);
    }
    return config;
  }

  void StartServer(const std::vector<SiteCountry>& sites) {
    const config::v1::ServerConfig config = Config(sites);
    auto server = server::Server::Start(config, AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    token_ = clinic::testing::IssueTestToken(data_.path(), "staff/front-desk",
                                             {clinic::testing::Binding(v1::ROLE_PRACTITIONER)});
    stub_ = v1::ClientRecords::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }

  void SetUp() override { StartServer(kWorldChain); }

  void StopServer() { server_.reset(); }

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token_);
    return context;
  }

  static v1::Client NewClient(const std::string& site, const std::string& phone,
                              const std::string& family = "Anderson") {
    v1::Client client;
    client.set_home_site_id(site);
    client.set_given_name("Zoe");
    client.set_family_name(family);
    client.mutable_date_of_birth()->set_year(1988);
    client.mutable_date_of_birth()->set_month(7);
    client.mutable_date_of_birth()->set_day(21);
    client.set_phone(phone);
    return client;
  }

  grpc::Status Create(const v1::Client& client, v1::Client* stored = nullptr) {
    v1::CreateClientRequest request;
    *request.mutable_client() = client;
    request.set_request_id("create-" + std::to_string(++requests_));
    v1::CreateClientResponse response;
    grpc::Status status = stub_->CreateClient(Context().get(), request, &response);
    if (stored != nullptr) *stored = response.client();
    return status;
  }

  v1::Client Created(const v1::Client& client) {
    v1::Client stored;
    grpc::Status status = Create(client, &stored);
    EXPECT_TRUE(status.ok()) << client.phone() << ": " << status.error_message();
    return stored;
  }

  grpc::Status Update(const v1::Client& client, const std::vector<std::string>& paths,
                      v1::Client* updated) {
    v1::UpdateClientRequest request;
    *request.mutable_client() = client;
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    return stub_->UpdateClient(Context().get(), request, updated);
  }

  grpc::Status Search(const v1::SearchClientsRequest& request, std::vector<std::string>* names) {
    v1::SearchClientsResponse response;
    grpc::Status status = stub_->SearchClients(Context().get(), request, &response);
    names->clear();
    for (const auto& c : response.clients()) names->push_back(c.family_name());
    return status;
  }

  std::vector<std::string> FoundByPhone(const std::string& phone, const std::string& country = "") {
    v1::SearchClientsRequest request;
    request.set_phone(phone);
    request.set_phone_country_code(country);
    std::vector<std::string> names;
    grpc::Status status = Search(request, &names);
    EXPECT_TRUE(status.ok()) << phone << ": " << status.error_message();
    return names;
  }

  std::vector<std::string> FoundByEmail(const std::string& email) {
    v1::SearchClientsRequest request;
    request.set_email(email);
    std::vector<std::string> names;
    grpc::Status status = Search(request, &names);
    EXPECT_TRUE(status.ok()) << email << ": " << status.error_message();
    return names;
  }

  std::vector<std::string> FoundByName(const std::string& prefix) {
    v1::SearchClientsRequest request;
    request.set_name_prefix(prefix);
    std::vector<std::string> names;
    grpc::Status status = Search(request, &names);
    EXPECT_TRUE(status.ok()) << prefix << ": " << status.error_message();
    return names;
  }

  static std::vector<std::string> Fields(const grpc::Status& status) {
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) fields.push_back(v.field);
    return fields;
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::ClientRecords::Stub> stub_;
  std::string token_;
  int requests_ = 0;
};

TEST_F(ClientContactTest, TypedPhonesAreStoredAsE164InTheHomeSitesCountry) {
  struct Case {
    const char* site;
    const char* typed;
    const char* e164;
  };
  for (const Case& c : std::vector<Case>{{"london", "+44 20 7946 0018", "+442079460018"},
                                         {"london", "020 7946 0018", "+442079460018"},
                                         {"london", "0044 (0)20 7946-0018", "+442079460018"},
                                         {"new-york", "(212) 555-0123", "+12125550123"},
                                         {"new-york", "+44 20 7946 0018", "+442079460018"},
                                         {"berlin", "030 12345678", "+493012345678"},
                                         {"paris", "01 23 45 67 89", "+33123456789"},
                                         {"tokyo", "03-1234-5678", "+81312345678"},
                                         {"sydney", "(02) 9876 5432", "+61298765432"},
                                         {"nowhere", "+33 1 23 45 67 89", "+33123456789"}}) {
    v1::Client client = NewClient(c.site, c.typed);
    client.mutable_emergency_contact()->set_name("Sam");
    client.mutable_emergency_contact()->set_phone(c.typed);
    const v1::Client stored = Created(client);
    EXPECT_EQ(stored.phone(), c.e164) << c.site << " " << c.typed;
    EXPECT_EQ(stored.emergency_contact().phone(), c.e164) << c.site << " " << c.typed;
    v1::GetClientRequest get;
    get.set_name(stored.name());
    v1::Client read;
    ASSERT_TRUE(stub_->GetClient(Context().get(), get, &read).ok());
    EXPECT_EQ(read.phone(), c.e164);
  }
}

TEST_F(ClientContactTest, RefusedPhonesNameTheFieldAndWriteNothing) {
  const std::string huge(1 << 16, '7');
  struct Case {
    const char* site;
    const char* phone;
    const char* emergency_phone;
    const char* field;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{
           {"london", "020 7946", "", "client.phone", "is not a number of +44 (GB)"},
           {"london", "020 7946 0018 ext. 12", "", "client.phone", "extension"},
           {"london", "1-800-FLOWERS", "", "client.phone", "not part of a phone number"},
           {"nowhere", "020 7946 0018", "", "client.phone", "no country code"},
           {"new-york", "+999 1234 5678", "", "client.phone", "country code no country uses"},
           {"london", "", "call Sam", "client.emergency_contact.phone", "contains \"c\""},
           {"london", "", "+", "client.emergency_contact.phone", "no digits"},
           {"london", huge.c_str(), "", "client.phone", "65536 bytes"}}) {
    v1::Client client = NewClient(c.site, c.phone, "Refused");
    client.mutable_emergency_contact()->set_phone(c.emergency_phone);
    grpc::Status status = Create(client);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << c.phone << c.emergency_phone;
    EXPECT_THAT(Fields(status), ElementsAre(c.field)) << c.phone << c.emergency_phone;
    EXPECT_THAT(status.error_message(), HasSubstr(c.why)) << c.phone << c.emergency_phone;
    EXPECT_LT(status.error_message().size(), 400u);
  }
  EXPECT_THAT(FoundByName("refused"), IsEmpty());
}

TEST_F(ClientContactTest, UpdateNormalizesTypedPhonesAndKeepsStoredOnes) {
  const v1::Client stored = Created(NewClient("london", "+44 20 7946 0018"));
  v1::Client change = stored;
  change.set_phone("07911 123456");
  change.mutable_emergency_contact()->set_phone("020 7946 0019");
  v1::Client updated;
  ASSERT_TRUE(Update(change, {"phone", "emergency_contact"}, &updated).ok());
  EXPECT_EQ(updated.phone(), "+447911123456");
  EXPECT_EQ(updated.emergency_contact().phone(), "+442079460019");

  // A national number is read in the new home site's country when both
  // change together.
  change = updated;
  change.set_home_site_id("new-york");
  change.set_phone("(212) 555-0123");
  ASSERT_TRUE(Update(change, {"home_site_id", "phone"}, &updated).ok());
  EXPECT_EQ(updated.phone(), "+12125550123");
  EXPECT_EQ(updated.emergency_contact().phone(), "+442079460019");

  change = updated;
  change.set_phone("020 7946");
  grpc::Status status = Update(change, {"phone"}, &updated);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("client.phone"));
  EXPECT_THAT(status.error_message(), HasSubstr("+1 (US)"));
  EXPECT_THAT(FoundByPhone("+12125550123"), ElementsAre("Anderson"));
}

TEST_F(ClientContactTest, PhonesStoredUnderTheOldRuleStayUsable) {
  // Before typed forms were accepted a phone needed only the E.164 shape, so
  // "+12345678" (too short for +1) may be stored. Write such a row with the
  // store itself, as the old service did, then use the API.
  StopServer();
  {
    auto store = client_records::OpenSqliteClientRecordsStore(data_.path() + "/client_records.db");
    ASSERT_TRUE(store.ok()) << store.status();
    v1::CreateClientRequest request;
    request.set_request_id("old-rule");
    v1::Client old = NewClient("london", "+12345678", "Old");
    old.set_client_id("01J9Z0000000000000000000AB");
    old.set_name("clients/01J9Z0000000000000000000AB");
    old.set_state(v1::CLIENT_STATE_ACTIVE);
    ASSERT_TRUE((*store)->CreateClient(request, "staff/tester", old).ok());
  }
  StartServer(kWorldChain);
  EXPECT_THAT(FoundByPhone("+12345678"), ElementsAre("Old"));

  v1::GetClientRequest get;
  get.set_name("clients/01J9Z0000000000000000000AB");
  v1::Client stored;
  ASSERT_TRUE(stub_->GetClient(Context().get(), get, &stored).ok());
  v1::Client change = stored;
  change.set_family_name("Older");
  v1::Client updated;
  grpc::Status status = Update(change, {"*"}, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.family_name(), "Older");
  EXPECT_EQ(updated.phone(), "+12345678");

  // Changing it is checked by the new rule.
  change = updated;
  change.set_phone("+1234567");
  status = Update(change, {"phone"}, &updated);
  EXPECT_THAT(Fields(status), ElementsAre("client.phone"));
}

TEST_F(ClientContactTest, SearchByPhoneNormalizesTheSameWay) {
  Created(NewClient("london", "+44 20 7946 0018", "Smith"));
  Created(NewClient("new-york", "(212) 555-0123", "Jones"));
  EXPECT_THAT(FoundByPhone("+44 20 7946 0018"), ElementsAre("Smith"));
  EXPECT_THAT(FoundByPhone("+442079460018"), ElementsAre("Smith"));
  EXPECT_THAT(FoundByPhone("020 7946 0018", "GB"), ElementsAre("Smith"));
  EXPECT_THAT(FoundByPhone("0044 20-7946-0018", "GB"), ElementsAre("Smith"));
  EXPECT_THAT(FoundByPhone("212.555.0123", "US"), ElementsAre("Jones"));
  EXPECT_THAT(FoundByPhone("+1 (212) 555-0123"), ElementsAre("Jones"));

  // Sites in several countries: a national number needs its country.
  v1::SearchClientsRequest request;
  request.set_phone("020 7946 0018");
  std::vector<std::string> names;
  grpc::Status status = Search(request, &names);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("phone"));
  EXPECT_THAT(status.error_message(), HasSubstr("no country code"));

  request.set_phone_country_code("gb");
  status = Search(request, &names);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("phone_country_code"));
  EXPECT_THAT(status.error_message(), HasSubstr("\"gb\" is not a country"));
}

TEST_F(ClientContactTest, SearchUsesTheChainsCountryWhenAllSitesShareOne) {
  StopServer();
  StartServer({{"london-soho", "GB"}, {"london-city", "GB"}});
  Created(NewClient("london-city", "020 7946 0018", "Smith"));
  EXPECT_THAT(FoundByPhone("020 7946 0018"), ElementsAre("Smith"));
  // The caller's country wins over the chain's.
  EXPECT_THAT(FoundByPhone("(212) 555-0123", "US"), IsEmpty());
}

TEST_F(ClientContactTest, ASiteCountryWithoutPhoneNumbersStopsTheService) {
  StopServer();
  auto server =
      server::Server::Start(Config({{"london", "GB"}, {"atlantis", "XX"}}), AllServices());
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(server.status().message(),
              HasSubstr("site \"atlantis\": country_code \"XX\" is not a country with phone"));
}

TEST_F(ClientContactTest, EmailsAreTrimmedAndLowerCasedOnCreateUpdateAndSearch) {
  v1::Client client = NewClient("london", "", "Smith");
  client.set_email(" Zoe@Example.com ");
  const v1::Client stored = Created(client);
  EXPECT_EQ(stored.email(), "zoe@example.com");
  EXPECT_THAT(FoundByEmail(" ZOE@EXAMPLE.COM\t"), ElementsAre("Smith"));
  EXPECT_THAT(FoundByEmail("zoe@example.com"), ElementsAre("Smith"));

  v1::Client change = stored;
  change.set_email("\u00a0Zoe.Smith@Mail.Example.COM ");
  v1::Client updated;
  grpc::Status status = Update(change, {"email"}, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.email(), "zoe.smith@mail.example.com");
  EXPECT_THAT(FoundByEmail("  zoe.smith@MAIL.example.com"), ElementsAre("Smith"));
  EXPECT_THAT(FoundByEmail("zoe@example.com"), IsEmpty());

  // Still checked once trimmed: white space inside is refused, on all three.
  client.set_email(" zoe smith@example.com ");
  status = Create(client);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("client.email"));
  change = updated;
  change.set_email("zoe@example");
  status = Update(change, {"email"}, &updated);
  EXPECT_THAT(Fields(status), ElementsAre("client.email"));
  v1::SearchClientsRequest request;
  request.set_email(" @example.com ");
  std::vector<std::string> names;
  status = Search(request, &names);
  EXPECT_THAT(Fields(status), ElementsAre("email"));
}

}  // namespace
}  // namespace clinic
