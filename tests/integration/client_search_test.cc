// Client names through the real ClientRecords API on loopback: name prefixes
// that hold nothing searchable (blank, quotes, FTS5 operators) are refused
// naming name_prefix and the server keeps answering; transliterated search;
// names trimmed and NFC-normalized on create and update; and every spelling
// of a name reported as a possible duplicate.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "clinic/v1/clients.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "google/protobuf/field_mask.pb.h"
#include "services/client_records/client_records_service.h"
#include "services/clinicd/all_services.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ClientSearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    config.mutable_chain()->add_sites()->set_site_id("london-soho");
    auto server = server::Server::Start(config, AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    token_ = clinic::testing::IssueTestToken(data_.path(), "staff/front-desk",
                                             {clinic::testing::Binding(v1::ROLE_PRACTITIONER)});
    stub_ = v1::ClientRecords::NewStub(grpc::CreateChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  }

  std::unique_ptr<grpc::ClientContext> Context() const {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token_);
    return context;
  }

  static v1::Client NewClient(const std::string& given, const std::string& family) {
    v1::Client client;
    client.set_home_site_id("london-soho");
    client.set_given_name(given);
    client.set_family_name(family);
    client.mutable_date_of_birth()->set_year(1988);
    client.mutable_date_of_birth()->set_month(7);
    client.mutable_date_of_birth()->set_day(21);
    return client;
  }

  v1::CreateClientResponse Create(const v1::Client& client) {
    v1::CreateClientRequest request;
    *request.mutable_client() = client;
    request.set_request_id("create-" + std::to_string(++requests_));
    v1::CreateClientResponse response;
    grpc::Status status = stub_->CreateClient(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Search(const std::string& prefix, std::vector<std::string>* names = nullptr) {
    v1::SearchClientsRequest request;
    request.set_name_prefix(prefix);
    v1::SearchClientsResponse response;
    grpc::Status status = stub_->SearchClients(Context().get(), request, &response);
    if (names != nullptr) {
      names->clear();
      for (const auto& c : response.clients()) {
        names->push_back(c.given_name() + " " + c.family_name());
      }
    }
    return status;
  }

  std::vector<std::string> Found(const std::string& prefix) {
    std::vector<std::string> names;
    grpc::Status status = Search(prefix, &names);
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

TEST_F(ClientSearchTest, PrefixesWithNothingToSearchAreRefusedAndTheServerStaysUp) {
  Create(NewClient("Zoë", "Anderson"));
  struct Case {
    const char* prefix;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{{" ", "no letters or digits"},
                                         {"  ", "no letters or digits"},
                                         {"\u00a0", "no letters or digits"},
                                         {"\"", "no letters or digits"},
                                         {"*", "no letters or digits"},
                                         {"\"\"*", "no letters or digits"},
                                         {"-", "no letters or digits"},
                                         {"^", "no letters or digits"},
                                         {":", "no letters or digits"},
                                         {"( )", "no letters or digits"},
                                         {"a", "minimum is 2 characters"},
                                         {" z ", "minimum is 2 characters"},
                                         {"a*", "minimum is 2 characters"}}) {
    grpc::Status status = Search(c.prefix);
    EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << "[" << c.prefix << "]";
    EXPECT_THAT(Fields(status), ElementsAre("name_prefix")) << "[" << c.prefix << "]";
    EXPECT_THAT(status.error_message(), HasSubstr(c.why)) << "[" << c.prefix << "]";
    // The same server answers the next call.
    EXPECT_THAT(Found("zoe"), ElementsAre("Zoë Anderson")) << "after [" << c.prefix << "]";
  }
  // FTS5 operators typed as words are searched for as words.
  EXPECT_THAT(Found("AND"), ElementsAre("Zoë Anderson"));
  EXPECT_THAT(Found("NEAR("), IsEmpty());
  EXPECT_THAT(Found("zo NEAR(and)"), IsEmpty());  // "near" is a word no name starts with
  EXPECT_THAT(Found("zo* AND:"), ElementsAre("Zoë Anderson"));
}

TEST_F(ClientSearchTest, TransliteratedSearchFindsNamesWrittenInOtherLetters) {
  Create(NewClient("Łukasz", "Wiśniewski"));
  Create(NewClient("Jürgen", "Müller"));
  Create(NewClient("Ζωή", "Ανδρέου"));
  EXPECT_THAT(Found("lukasz"), ElementsAre("Łukasz Wiśniewski"));
  EXPECT_THAT(Found("wisn"), ElementsAre("Łukasz Wiśniewski"));
  EXPECT_THAT(Found("muller jurg"), ElementsAre("Jürgen Müller"));
  EXPECT_THAT(Found("zoe andr"), ElementsAre("Ζωή Ανδρέου"));
}

TEST_F(ClientSearchTest, NamesAreStoredTrimmedAndComposedAndMatchedAsDuplicates) {
  const v1::Client zoe = Create(NewClient("Zoë", "Dubois")).client();
  for (const char* spelling : {"  Zoë ", "ZOË", "Zoe\u0308", "Zoë\u00a0"}) {
    const v1::CreateClientResponse created = Create(NewClient(spelling, "dubois"));
    ASSERT_FALSE(created.possible_duplicates().empty()) << "[" << spelling << "]";
    EXPECT_EQ(created.possible_duplicates(0).client().name(), zoe.name()) << "[" << spelling << "]";
    EXPECT_THAT(created.possible_duplicates(0).reasons(),
                ElementsAre("same name and date of birth"));
  }
  // Stored trimmed and in NFC (the precomposed ë).
  v1::Client spaced = NewClient("\u00a0 Zoe\u0308\u3000", " Dubois\t");
  spaced.set_preferred_name("\u2003Zo ");
  spaced.mutable_emergency_contact()->set_name(" Ana\u00a0\u00a0María\u00a0");
  const v1::Client stored = Create(spaced).client();
  EXPECT_EQ(stored.given_name(), "Zo\xc3\xab");
  EXPECT_EQ(stored.family_name(), "Dubois");
  EXPECT_EQ(stored.preferred_name(), "Zo");
  EXPECT_EQ(stored.emergency_contact().name(), "Ana María");

  // A name of nothing but white space is missing, and nothing is written.
  v1::CreateClientRequest blank;
  *blank.mutable_client() = NewClient("\u00a0\u2003", "Dubois");
  blank.set_request_id("create-blank");
  v1::CreateClientResponse response;
  grpc::Status status = stub_->CreateClient(Context().get(), blank, &response);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("client.given_name"));

  // Updates are normalized too.
  v1::UpdateClientRequest update;
  *update.mutable_client() = stored;
  update.mutable_client()->set_family_name("Łasiewicz\u00a0");
  update.mutable_update_mask()->add_paths("family_name");
  v1::Client updated;
  ASSERT_TRUE(stub_->UpdateClient(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.family_name(), "Łasiewicz");
  EXPECT_THAT(Found("lasiewicz"), ElementsAre("Zoë Łasiewicz"));
}

}  // namespace
}  // namespace clinic
