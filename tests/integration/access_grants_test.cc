// Who may grant what, and retries of principal and token writes, through the
// real gRPC API of a server started as quickstart starts it (the first chain
// admin from --bootstrap_admin_token):
//   - a chain admin bound to one site (stored before such bindings were
//     refused) cannot make a chain-wide chain admin, issue tokens, reload
//     plugins or verify the audit trail; nothing is written;
//   - no one grants at a site where it is not an access admin, nor a role
//     whose administrative permissions it lacks there;
//   - binding a chain-wide-only role to a site is INVALID_ARGUMENT;
//   - the bootstrap chain admin still creates every role at every scope;
//   - a retried CreatePrincipal or UpdatePrincipal returns the first answer,
//     a retried IssueToken re-keys the one token it issued.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/audit.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "services/access/access_service.h"
#include "services/client_records/client_records_service.h"
#include "services/clinicd/all_services.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using clinic::testing::Binding;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

constexpr char kOwnSite[] = "london-soho";
constexpr char kOtherSite[] = "new-york-soho";

class AccessGrantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clinic::testing::CopyFile(clinic::testing::BundledPluginPath("microneedling"),
                              plugins_.Join("microneedling.so"));
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    config.mutable_security()->set_bootstrap_admin_token_file(data_.Join("admin.token"));
    for (const char* site : {kOwnSite, kOtherSite}) {
      config.mutable_chain()->add_sites()->set_site_id(site);
    }
    auto server = server::Server::Start(config, clinic::AllServices());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    access_ = v1::Access::NewStub(channel_);
    admin_ = std::string(
        absl::StripAsciiWhitespace(clinic::testing::ReadFile(data_.Join("admin.token"))));
    ASSERT_FALSE(admin_.empty());
    // As an older build let an admin store it: chain admin held at one site.
    site_admin_ = clinic::testing::IssueTestToken(data_.path(), "staff/soho-admin",
                                                  {Binding(v1::ROLE_CHAIN_ADMIN, kOwnSite)});
    manager_ = clinic::testing::IssueTestToken(data_.path(), "staff/soho-manager",
                                               {Binding(v1::ROLE_SITE_MANAGER, kOwnSite)});
  }

  static std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(*context, token);
    return context;
  }

  static std::vector<std::string> Fields(const grpc::Status& status) {
    std::vector<std::string> fields;
    for (const auto& v : GetFieldViolations(FromGrpcStatus(status))) fields.push_back(v.field);
    return fields;
  }

  static v1::CreatePrincipalRequest Create(const std::string& name,
                                           const std::vector<v1::RoleBinding>& roles,
                                           const std::string& request_id) {
    v1::CreatePrincipalRequest request;
    request.mutable_principal()->set_name(name);
    for (const v1::RoleBinding& binding : roles)
      *request.mutable_principal()->add_roles() = binding;
    request.set_request_id(request_id);
    return request;
  }

  grpc::Status CreateAs(const std::string& token, const v1::CreatePrincipalRequest& request,
                        v1::Principal* created = nullptr) {
    v1::Principal ignored;
    return access_->CreatePrincipal(As(token).get(), request, created ? created : &ignored);
  }

  absl::optional<v1::Principal> Get(const std::string& name) {
    v1::GetPrincipalRequest get;
    get.set_name(name);
    v1::Principal principal;
    const grpc::Status status = access_->GetPrincipal(As(admin_).get(), get, &principal);
    if (status.error_code() == grpc::NOT_FOUND) return absl::nullopt;
    EXPECT_TRUE(status.ok()) << status.error_message();
    return principal;
  }

  // Every principal and token, as the bootstrap admin sees them.
  std::pair<int, int> PrincipalsAndTokens() {
    v1::ListPrincipalsRequest principals;
    principals.set_page_size(100);
    v1::ListPrincipalsResponse listed;
    EXPECT_TRUE(access_->ListPrincipals(As(admin_).get(), principals, &listed).ok());
    v1::ListTokensRequest tokens;
    tokens.set_page_size(100);
    v1::ListTokensResponse issued;
    EXPECT_TRUE(access_->ListTokens(As(admin_).get(), tokens, &issued).ok());
    return {listed.principals_size(), issued.tokens_size()};
  }

  grpc::Status WhoAmI(const std::string& token) {
    v1::WhoAmIResponse me;
    return access_->WhoAmI(As(token).get(), {}, &me);
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Access::Stub> access_;
  std::string admin_, site_admin_, manager_;
};

// The reproduced escalation: chain_admin at one site made a chain-wide
// chain admin.
TEST_F(AccessGrantsTest, ASiteBoundChainAdminCannotCreateAChainWideChainAdmin) {
  const auto before = PrincipalsAndTokens();
  const grpc::Status status =
      CreateAs(site_admin_, Create("staff/escalated", {Binding(v1::ROLE_CHAIN_ADMIN)}, "esc-1"));
  EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("chain-wide"));
  EXPECT_FALSE(Get("staff/escalated").has_value());
  // Nor through an update of a principal it could read the etag of.
  const absl::optional<v1::Principal> manager = Get("staff/soho-manager");
  ASSERT_TRUE(manager.has_value());
  v1::UpdatePrincipalRequest update;
  *update.mutable_principal() = *manager;
  *update.mutable_principal()->add_roles() = Binding(v1::ROLE_CHAIN_ADMIN);
  update.mutable_update_mask()->add_paths("roles");
  v1::Principal updated;
  EXPECT_EQ(access_->UpdatePrincipal(As(site_admin_).get(), update, &updated).error_code(),
            grpc::PERMISSION_DENIED);
  EXPECT_EQ(Get("staff/soho-manager")->etag(), manager->etag());
  EXPECT_EQ(PrincipalsAndTokens(), before);
}

TEST_F(AccessGrantsTest, ASiteBoundChainAdminCannotIssueTokensReloadPluginsOrVerifyTheTrail) {
  const auto before = PrincipalsAndTokens();
  v1::IssueTokenRequest issue;
  issue.set_principal("staff/soho-manager");
  issue.set_description("borrowed");
  issue.set_request_id("borrow-1");
  v1::IssueTokenResponse issued;
  grpc::Status status = access_->IssueToken(As(site_admin_).get(), issue, &issued);
  EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("must be held chain-wide"));
  EXPECT_EQ(issued.secret(), "");

  auto catalog = v1::TreatmentCatalog::NewStub(channel_);
  v1::ReloadPluginsResponse reloaded;
  status = catalog->ReloadPlugins(As(site_admin_).get(), {}, &reloaded);
  EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("PERMISSION_PLUGINS_ADMIN chain-wide"));

  auto audit = v1::Audit::NewStub(channel_);
  v1::VerifyAuditLogResponse verified;
  status = audit->VerifyAuditLog(As(site_admin_).get(), {}, &verified);
  EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("PERMISSION_AUDIT_READ chain-wide"));
  // Its own site's events it may still list.
  v1::ListAuditEventsRequest own;
  own.set_site_id(kOwnSite);
  v1::ListAuditEventsResponse events;
  EXPECT_TRUE(audit->ListAuditEvents(As(site_admin_).get(), own, &events).ok());

  EXPECT_EQ(PrincipalsAndTokens(), before);
  // The chain-wide admin may do all three.
  EXPECT_TRUE(catalog->ReloadPlugins(As(admin_).get(), {}, &reloaded).ok());
  EXPECT_TRUE(audit->VerifyAuditLog(As(admin_).get(), {}, &verified).ok());
  EXPECT_TRUE(access_->IssueToken(As(admin_).get(), issue, &issued).ok());
}

TEST_F(AccessGrantsTest, NoOneGrantsWhereItIsNotAnAccessAdmin) {
  const auto before = PrincipalsAndTokens();
  for (const char* site : {kOwnSite, kOtherSite}) {
    const grpc::Status status =
        CreateAs(manager_, Create("staff/new-nurse", {Binding(v1::ROLE_PRACTITIONER, site)},
                                  std::string("n-") + site));
    EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED) << site;
  }
  // Nor by granting a role to an existing principal at another site.
  const absl::optional<v1::Principal> manager = Get("staff/soho-manager");
  ASSERT_TRUE(manager.has_value());
  v1::UpdatePrincipalRequest update;
  *update.mutable_principal() = *manager;
  *update.mutable_principal()->add_roles() = Binding(v1::ROLE_SITE_MANAGER, kOtherSite);
  update.mutable_update_mask()->add_paths("roles");
  update.set_request_id("manage-new-york");
  v1::Principal updated;
  for (const std::string& token : {manager_, site_admin_}) {
    EXPECT_EQ(access_->UpdatePrincipal(As(token).get(), update, &updated).error_code(),
              grpc::PERMISSION_DENIED);
  }
  EXPECT_FALSE(Get("staff/new-nurse").has_value());
  EXPECT_EQ(Get("staff/soho-manager")->etag(), manager->etag());
  EXPECT_EQ(PrincipalsAndTokens(), before);
}

// An administrative role (auditor: the audit trail) the caller does not hold
// where it would be given.
TEST_F(AccessGrantsTest, GrantingAnAdministrativeRoleTheCallerLacksThereWritesNothing) {
  const auto before = PrincipalsAndTokens();
  const grpc::Status status =
      CreateAs(site_admin_, Create("staff/new-auditor", {Binding(v1::ROLE_AUDITOR)}, "aud-1"));
  EXPECT_EQ(status.error_code(), grpc::PERMISSION_DENIED);
  EXPECT_FALSE(Get("staff/new-auditor").has_value());
  EXPECT_EQ(PrincipalsAndTokens(), before);
}

TEST_F(AccessGrantsTest, AChainWideOnlyRoleCannotBeBoundToASite) {
  const auto before = PrincipalsAndTokens();
  grpc::Status status = CreateAs(admin_, Create("staff/soho-boss",
                                                {Binding(v1::ROLE_FRONT_DESK, kOwnSite),
                                                 Binding(v1::ROLE_CHAIN_ADMIN, kOwnSite)},
                                                "boss-1"));
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("principal.roles[1].site_id"));
  EXPECT_THAT(status.error_message(), HasSubstr("chain-wide only"));
  EXPECT_FALSE(Get("staff/soho-boss").has_value());

  const absl::optional<v1::Principal> manager = Get("staff/soho-manager");
  ASSERT_TRUE(manager.has_value());
  v1::UpdatePrincipalRequest update;
  *update.mutable_principal() = *manager;
  *update.mutable_principal()->add_roles() = Binding(v1::ROLE_CHAIN_ADMIN, kOwnSite);
  update.mutable_update_mask()->add_paths("roles");
  v1::Principal updated;
  status = access_->UpdatePrincipal(As(admin_).get(), update, &updated);
  EXPECT_EQ(status.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(status), ElementsAre("principal.roles[1].site_id"));
  EXPECT_EQ(Get("staff/soho-manager")->etag(), manager->etag());
  EXPECT_EQ(PrincipalsAndTokens(), before);

  // A principal stored with such a binding can still be disabled, and its
  // roles put right, by a chain-wide admin.
  absl::optional<v1::Principal> legacy = Get("staff/soho-admin");
  ASSERT_TRUE(legacy.has_value());
  v1::UpdatePrincipalRequest disable;
  *disable.mutable_principal() = *legacy;
  disable.mutable_principal()->set_disabled(true);
  disable.mutable_update_mask()->add_paths("disabled");
  ASSERT_TRUE(access_->UpdatePrincipal(As(admin_).get(), disable, &updated).ok());
  EXPECT_EQ(WhoAmI(site_admin_).error_code(), grpc::UNAUTHENTICATED);
  v1::UpdatePrincipalRequest fix;
  *fix.mutable_principal() = updated;
  fix.mutable_principal()->clear_roles();
  *fix.mutable_principal()->add_roles() = Binding(v1::ROLE_SITE_MANAGER, kOwnSite);
  fix.mutable_update_mask()->add_paths("roles");
  ASSERT_TRUE(access_->UpdatePrincipal(As(admin_).get(), fix, &updated).ok());
  ASSERT_THAT(updated.roles(), SizeIs(1));
}

TEST_F(AccessGrantsTest, TheBootstrapChainAdminCreatesEveryRoleAtEveryScope) {
  int n = 0;
  for (int r = 1; r < v1::Role_descriptor()->value_count(); ++r) {
    const auto role = static_cast<v1::Role>(v1::Role_descriptor()->value(r)->number());
    for (const char* site : {"", kOwnSite, kOtherSite}) {
      if (role == v1::ROLE_CHAIN_ADMIN && *site != 0) continue;  // chain-wide only
      const std::string name = "staff/p" + std::to_string(++n);
      v1::Principal created;
      const grpc::Status status = CreateAs(
          admin_, Create(name, {Binding(role, site)}, "every-" + name.substr(6)), &created);
      ASSERT_TRUE(status.ok()) << v1::Role_Name(role) << " at '" << site
                               << "': " << status.error_message();
      // It may also issue the principal a token, and take the role away.
      v1::IssueTokenRequest issue;
      issue.set_principal(name);
      issue.set_description("first token");
      issue.set_request_id("token-" + name.substr(6));
      v1::IssueTokenResponse issued;
      ASSERT_TRUE(access_->IssueToken(As(admin_).get(), issue, &issued).ok())
          << v1::Role_Name(role) << " at '" << site << "'";
      EXPECT_TRUE(WhoAmI(issued.secret()).ok());
      v1::UpdatePrincipalRequest update;
      *update.mutable_principal() = created;
      update.mutable_principal()->clear_roles();
      update.mutable_principal()->set_disabled(true);
      update.mutable_update_mask()->add_paths("*");
      v1::Principal updated;
      const grpc::Status changed = access_->UpdatePrincipal(As(admin_).get(), update, &updated);
      EXPECT_TRUE(changed.ok()) << v1::Role_Name(role) << ": " << changed.error_message();
    }
  }
  EXPECT_EQ(n, 22);
}

TEST_F(AccessGrantsTest, ARetriedCreateReturnsTheFirstPrincipal) {
  const v1::CreatePrincipalRequest request =
      Create("staff/ana", {Binding(v1::ROLE_FRONT_DESK, kOwnSite)}, "create-ana-7f3c");
  v1::Principal first, retried;
  ASSERT_TRUE(CreateAs(admin_, request, &first).ok());
  const auto after_first = PrincipalsAndTokens();
  ASSERT_TRUE(CreateAs(admin_, request, &retried).ok());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(PrincipalsAndTokens(), after_first);

  // The same id for a different request is refused, naming request_id.
  v1::CreatePrincipalRequest other = request;
  other.mutable_principal()->set_name("staff/bea");
  const grpc::Status reused = CreateAs(admin_, other);
  EXPECT_EQ(reused.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(reused), ElementsAre("request_id"));
  EXPECT_FALSE(Get("staff/bea").has_value());
  // And a create without one is refused before anything happens.
  other.clear_request_id();
  EXPECT_THAT(Fields(CreateAs(admin_, other)), ElementsAre("request_id"));
  EXPECT_EQ(PrincipalsAndTokens(), after_first);
}

TEST_F(AccessGrantsTest, ARetriedUpdateReturnsTheFirstResponseAndChangesNothingMore) {
  const absl::optional<v1::Principal> manager = Get("staff/soho-manager");
  ASSERT_TRUE(manager.has_value());
  v1::UpdatePrincipalRequest update;
  *update.mutable_principal() = *manager;
  update.mutable_principal()->set_display_name("Soho Manager");
  update.mutable_update_mask()->add_paths("display_name");
  update.set_request_id("rename-manager-1");
  v1::Principal first, retried;
  ASSERT_TRUE(access_->UpdatePrincipal(As(admin_).get(), update, &first).ok());
  ASSERT_TRUE(access_->UpdatePrincipal(As(admin_).get(), update, &retried).ok());
  EXPECT_EQ(retried.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Get("staff/soho-manager")->etag(), first.etag());

  v1::UpdatePrincipalRequest other = update;
  other.mutable_principal()->set_display_name("Someone Else");
  v1::Principal ignored;
  const grpc::Status reused = access_->UpdatePrincipal(As(admin_).get(), other, &ignored);
  EXPECT_EQ(reused.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(reused), ElementsAre("request_id"));
  EXPECT_EQ(Get("staff/soho-manager")->display_name(), "Soho Manager");
}

TEST_F(AccessGrantsTest, ARetriedIssueLeavesExactlyOneWorkingToken) {
  v1::IssueTokenRequest issue;
  issue.set_principal("staff/soho-manager");
  issue.set_description("manager laptop");
  issue.mutable_ttl()->set_seconds(8 * 3600);
  issue.set_request_id("laptop-token-2c9e");
  v1::IssueTokenResponse first, second, third;
  ASSERT_TRUE(access_->IssueToken(As(admin_).get(), issue, &first).ok());
  ASSERT_TRUE(WhoAmI(first.secret()).ok());
  // The answer was lost; the caller retries, twice.
  ASSERT_TRUE(access_->IssueToken(As(admin_).get(), issue, &second).ok());
  ASSERT_TRUE(access_->IssueToken(As(admin_).get(), issue, &third).ok());
  EXPECT_EQ(second.token().SerializeAsString(), first.token().SerializeAsString());
  EXPECT_EQ(third.token().name(), first.token().name());
  EXPECT_NE(second.secret(), first.secret());
  EXPECT_NE(third.secret(), second.secret());
  EXPECT_EQ(WhoAmI(first.secret()).error_code(), grpc::UNAUTHENTICATED);
  EXPECT_EQ(WhoAmI(second.secret()).error_code(), grpc::UNAUTHENTICATED);
  EXPECT_TRUE(WhoAmI(third.secret()).ok());
  v1::ListTokensRequest list;
  list.set_principal("staff/soho-manager");
  v1::ListTokensResponse tokens;
  ASSERT_TRUE(access_->ListTokens(As(admin_).get(), list, &tokens).ok());
  // The fixture's own token and the one issued here.
  ASSERT_THAT(tokens.tokens(), SizeIs(2));
  EXPECT_EQ(tokens.tokens(0).name(), first.token().name());

  // The same id for another description is refused and changes nothing.
  v1::IssueTokenRequest other = issue;
  other.set_description("another laptop");
  v1::IssueTokenResponse ignored;
  const grpc::Status reused = access_->IssueToken(As(admin_).get(), other, &ignored);
  EXPECT_EQ(reused.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(Fields(reused), ElementsAre("request_id"));
  EXPECT_TRUE(WhoAmI(third.secret()).ok());

  // Once the token is revoked a retry cannot bring it back.
  v1::RevokeTokenRequest revoke;
  revoke.set_name(first.token().name());
  v1::AccessToken revoked;
  ASSERT_TRUE(access_->RevokeToken(As(admin_).get(), revoke, &revoked).ok());
  const grpc::Status after_revoke = access_->IssueToken(As(admin_).get(), issue, &ignored);
  EXPECT_EQ(after_revoke.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_THAT(Fields(after_revoke), ElementsAre("request_id"));
  EXPECT_EQ(WhoAmI(third.secret()).error_code(), grpc::UNAUTHENTICATED);
}

}  // namespace
}  // namespace clinic
