// Acting for someone else and page tokens, through the real API:
//   - x-clinic-on-behalf-of needs the service role on every RPC, WhoAmI too;
//   - a service acting for a person gets at most what both may do, and never
//     manages principals or tokens, for anyone; nothing is written;
//   - Access and Audit page tokens are signed and bound to their query:
//     flipped, truncated, appended, forged or replayed tokens are refused.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>

#include "absl/strings/escaping.h"
#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/clients.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "services/clinicd/all_services.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;

constexpr char kOwnSite[] = "london-soho";
constexpr char kOtherSite[] = "new-york-soho";

class DelegationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    for (const char* site : {kOwnSite, kOtherSite}) {
      config.mutable_chain()->add_sites()->set_site_id(site);
    }
    auto server = server::Server::Start(config, clinic::AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                       grpc::InsecureChannelCredentials());
    records_ = v1::ClientRecords::NewStub(channel);
    access_ = v1::Access::NewStub(channel);
    audit_ = v1::Audit::NewStub(channel);
    using clinic::testing::Binding;
    admin_ = clinic::testing::IssueTestToken(data_.path(), "staff/root",
                                             {Binding(v1::ROLE_CHAIN_ADMIN)});
    nurse_ = clinic::testing::IssueTestToken(data_.path(), "staff/nurse",
                                             {Binding(v1::ROLE_PRACTITIONER)});
    service_ = clinic::testing::IssueTestToken(data_.path(), "service/screening",
                                               {Binding(v1::ROLE_SERVICE)});
    site_service_ = clinic::testing::IssueTestToken(data_.path(), "service/soho-kiosk",
                                                    {Binding(v1::ROLE_SERVICE, kOwnSite)});
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& token,
                                                 const std::string& person = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token);
    if (!person.empty()) context->AddMetadata("x-clinic-on-behalf-of", person);
    return context;
  }

  static std::vector<std::string> Fields(const grpc::Status& status) {
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) fields.push_back(v.field);
    return fields;
  }

  // Every principal and token, as the admin sees them.
  std::pair<int, int> PrincipalsAndTokens() {
    v1::ListPrincipalsRequest principals;
    principals.set_page_size(1000);
    v1::ListPrincipalsResponse listed;
    EXPECT_TRUE(access_->ListPrincipals(As(admin_).get(), principals, &listed).ok());
    v1::ListTokensRequest tokens;
    tokens.set_page_size(1000);
    v1::ListTokensResponse issued;
    EXPECT_TRUE(access_->ListTokens(As(admin_).get(), tokens, &issued).ok());
    return {listed.principals_size(), issued.tokens_size()};
  }

  // Checks that tampered versions of `token` are refused by `call` with
  // INVALID_ARGUMENT naming page_token, and the token itself is accepted.
  static void ExpectTamperedTokensRefused(
      const std::string& token, const std::function<grpc::Status(const std::string&)>& call) {
    ASSERT_FALSE(token.empty());
    ASSERT_TRUE(call(token).ok());
    std::string flipped = token;
    flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
    std::string raw;
    ASSERT_TRUE(absl::WebSafeBase64Unescape(token, &raw));
    std::string raw_flipped = raw;
    raw_flipped.back() ^= 1;
    for (const std::string& bad :
         {flipped, token.substr(0, token.size() - 2), token.substr(0, 8), token + "AAAA",
          absl::WebSafeBase64Escape(raw + "0"), absl::WebSafeBase64Escape(raw_flipped),
          absl::WebSafeBase64Escape("p1|principals|' OR 1=1 --"),
          absl::WebSafeBase64Escape("p1|tokens:|01J00000000000000000000000"), std::string("%%%"),
          std::string(5000, 'A')}) {
      const grpc::Status status = call(bad);
      EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT) << bad.substr(0, 80);
      EXPECT_THAT(Fields(status), ElementsAre("page_token")) << bad.substr(0, 80);
    }
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<v1::ClientRecords::Stub> records_;
  std::unique_ptr<v1::Access::Stub> access_;
  std::unique_ptr<v1::Audit::Stub> audit_;
  std::string admin_, nurse_, service_, site_service_;
};

TEST_F(DelegationTest, OnlyServicesActForOthersOnEveryRpcWhoAmIIncluded) {
  v1::WhoAmIResponse me;
  EXPECT_EQ(access_->WhoAmI(As(nurse_, "staff/root").get(), {}, &me).error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(access_->WhoAmI(As(admin_, "staff/nurse").get(), {}, &me).error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(me.principal(), "");
  ASSERT_TRUE(access_->WhoAmI(As(service_, "staff/nurse").get(), {}, &me).ok());
  EXPECT_EQ(me.principal(), "service/screening");
  EXPECT_EQ(me.on_behalf_of(), "staff/nurse");
  ASSERT_TRUE(access_->WhoAmI(As(nurse_).get(), {}, &me).ok());
  EXPECT_EQ(me.on_behalf_of(), "");
}

// A leaked service token acting for the chain admin is not an admin.
TEST_F(DelegationTest, PrincipalManagementIsNeverDelegated) {
  const auto before = PrincipalsAndTokens();
  v1::CreatePrincipalRequest create;
  create.mutable_principal()->set_name("staff/intruder");
  auto* binding = create.mutable_principal()->add_roles();
  binding->set_role(v1::ROLE_CHAIN_ADMIN);
  v1::Principal principal;
  grpc::Status status =
      access_->CreatePrincipal(As(service_, "staff/root").get(), create, &principal);
  EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("never exercised on behalf"));

  v1::GetPrincipalRequest get;
  get.set_name("staff/nurse");
  v1::Principal nurse;
  ASSERT_TRUE(access_->GetPrincipal(As(admin_).get(), get, &nurse).ok());
  v1::UpdatePrincipalRequest update;
  *update.mutable_principal() = nurse;
  update.mutable_principal()->add_roles()->set_role(v1::ROLE_CHAIN_ADMIN);
  update.mutable_update_mask()->add_paths("roles");
  update.mutable_update_mask()->add_paths("disabled");
  EXPECT_EQ(
      access_->UpdatePrincipal(As(service_, "staff/root").get(), update, &principal).error_code(),
      grpc::PERMISSION_DENIED);
  v1::IssueTokenRequest issue;
  issue.set_principal("staff/root");
  issue.set_description("stolen");
  v1::IssueTokenResponse issued;
  EXPECT_EQ(access_->IssueToken(As(service_, "staff/root").get(), issue, &issued).error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(issued.secret(), "");
  v1::ListTokensResponse tokens;
  ASSERT_TRUE(access_->ListTokens(As(admin_).get(), {}, &tokens).ok());
  v1::RevokeTokenRequest revoke;
  revoke.set_name(tokens.tokens(0).name());
  v1::AccessToken revoked;
  EXPECT_EQ(access_->RevokeToken(As(service_, "staff/root").get(), revoke, &revoked).error_code(),
            grpc::PERMISSION_DENIED);
  v1::ListPrincipalsResponse principals;
  EXPECT_EQ(access_->ListPrincipals(As(service_, "staff/root").get(), {}, &principals).error_code(),
            grpc::PERMISSION_DENIED);

  // Nothing was written: the same principals, the same tokens, none revoked,
  // the nurse unchanged.
  EXPECT_EQ(PrincipalsAndTokens(), before);
  ASSERT_TRUE(access_->ListTokens(As(admin_).get(), {}, &tokens).ok());
  for (const auto& token : tokens.tokens()) EXPECT_FALSE(token.has_revoke_time()) << token.name();
  v1::Principal after;
  ASSERT_TRUE(access_->GetPrincipal(As(admin_).get(), get, &after).ok());
  EXPECT_EQ(after.etag(), nurse.etag());
}

TEST_F(DelegationTest, AServiceGetsAtMostWhatBothMayDo) {
  // Both may read clients: allowed.
  v1::ListClientsResponse clients;
  EXPECT_TRUE(records_->ListClients(As(service_, "staff/root").get(), {}, &clients).ok());
  // The admin may read the audit trail, the service role may not do so for
  // anyone: refused.
  v1::ListAuditEventsResponse events;
  EXPECT_EQ(audit_->ListAuditEvents(As(service_, "staff/root").get(), {}, &events).error_code(),
            grpc::PERMISSION_DENIED);
  // The service may chart, the admin may not: refused.
  v1::GetMedicalHistoryRequest history;
  history.set_name("clients/01J00000000000000000000000/medicalHistory");
  v1::MedicalHistory got;
  EXPECT_EQ(
      records_->GetMedicalHistory(As(service_, "staff/root").get(), history, &got).error_code(),
      grpc::PERMISSION_DENIED);
  EXPECT_NE(
      records_->GetMedicalHistory(As(service_, "staff/nurse").get(), history, &got).error_code(),
      grpc::PERMISSION_DENIED);
  // A service held at one site acts for a chain-wide nurse only there.
  v1::CreateTreatmentRecordRequest record;
  record.set_parent("clients/01J00000000000000000000000");
  record.mutable_treatment_record()->set_site_id(kOtherSite);
  v1::TreatmentRecord created;
  EXPECT_EQ(
      records_->CreateTreatmentRecord(As(site_service_, "staff/nurse").get(), record, &created)
          .error_code(),
      grpc::PERMISSION_DENIED);
  record.mutable_treatment_record()->set_site_id(kOwnSite);
  EXPECT_EQ(
      records_->CreateTreatmentRecord(As(site_service_, "staff/nurse").get(), record, &created)
          .error_code(),
      grpc::INVALID_ARGUMENT);
  // And on its own the service reads nothing clinical.
  EXPECT_EQ(records_->ListClients(As(service_).get(), {}, &clients).error_code(),
            grpc::PERMISSION_DENIED);
}

TEST_F(DelegationTest, AccessAndAuditPageTokensAreSignedAndBoundToTheirQuery) {
  // Enough principals, tokens and events for several pages.
  for (const char* name : {"staff/a", "staff/b", "staff/c"}) {
    clinic::testing::IssueTestToken(data_.path(), name, {});
  }
  v1::ListPrincipalsRequest principals;
  principals.set_page_size(1);
  v1::ListPrincipalsResponse first_principals;
  ASSERT_TRUE(access_->ListPrincipals(As(admin_).get(), principals, &first_principals).ok());
  ExpectTamperedTokensRefused(first_principals.next_page_token(), [&](const std::string& token) {
    v1::ListPrincipalsRequest next = principals;
    next.set_page_token(token);
    v1::ListPrincipalsResponse page;
    return access_->ListPrincipals(As(admin_).get(), next, &page);
  });

  v1::ListTokensRequest tokens;
  tokens.set_page_size(1);
  v1::ListTokensResponse first_tokens;
  ASSERT_TRUE(access_->ListTokens(As(admin_).get(), tokens, &first_tokens).ok());
  ExpectTamperedTokensRefused(first_tokens.next_page_token(), [&](const std::string& token) {
    v1::ListTokensRequest next = tokens;
    next.set_page_token(token);
    v1::ListTokensResponse page;
    return access_->ListTokens(As(admin_).get(), next, &page);
  });
  // Bound to the filter it came from.
  tokens.set_principal("staff/a");
  tokens.set_page_token(first_tokens.next_page_token());
  EXPECT_THAT(Fields(access_->ListTokens(As(admin_).get(), tokens, &first_tokens)),
              ElementsAre("page_token"));

  v1::ListAuditEventsRequest events;
  events.set_page_size(1);
  v1::ListAuditEventsResponse first_events;
  ASSERT_TRUE(audit_->ListAuditEvents(As(admin_).get(), events, &first_events).ok());
  ExpectTamperedTokensRefused(first_events.next_page_token(), [&](const std::string& token) {
    v1::ListAuditEventsRequest next = events;
    next.set_page_token(token);
    v1::ListAuditEventsResponse page;
    return audit_->ListAuditEvents(As(admin_).get(), next, &page);
  });
  events.set_principal("staff/root");
  events.set_page_token(first_events.next_page_token());
  EXPECT_THAT(Fields(audit_->ListAuditEvents(As(admin_).get(), events, &first_events)),
              ElementsAre("page_token"));
  // A token from one list is refused by another.
  principals.set_page_token(first_tokens.next_page_token());
  EXPECT_THAT(Fields(access_->ListPrincipals(As(admin_).get(), principals, &first_principals)),
              ElementsAre("page_token"));
}

}  // namespace
}  // namespace clinic
