// The access database: principals with their roles, and bearer tokens that
// are issued once, stored only as hashes, and refused when unknown, revoked,
// expired or belonging to a disabled principal.
#include "common/auth/access_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/storage/page_tokens.h"
#include "tests/testing/schema_check.h"
#include "tests/testing/test_env.h"

namespace clinic::auth {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

v1::Principal Principal(const std::string& name, v1::Role role, const std::string& site = "") {
  v1::Principal principal;
  principal.set_name(name);
  auto* binding = principal.add_roles();
  binding->set_role(role);
  binding->set_site_id(site);
  return principal;
}

class AccessStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = AccessStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    for (const auto& p : {Principal("staff/admin", v1::ROLE_CHAIN_ADMIN),
                          Principal("staff/jane-doe", v1::ROLE_PRACTITIONER, "london-soho"),
                          Principal("service/billing", v1::ROLE_SERVICE)}) {
      ASSERT_TRUE(store_->CreatePrincipal(p, now_).ok());
    }
  }
  clinic::testing::TempDir dir_;
  std::string path_ = dir_.Join("access.db");
  std::unique_ptr<AccessStore> store_;
  absl::Time now_ = absl::FromUnixSeconds(1795000000);
};

TEST_F(AccessStoreTest, IssuedTokenVerifiesAsItsPrincipalWithRoles) {
  auto issued = store_->Issue("staff/jane-doe", "front desk tablet", absl::ZeroDuration(), now_);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_THAT(issued->secret, HasSubstr("clk_"));
  auto verified = store_->Verify(issued->secret, now_ + absl::Hours(24 * 365));
  ASSERT_TRUE(verified.ok()) << verified.status();
  EXPECT_EQ(verified->first.token_id, issued->info.token_id);
  EXPECT_EQ(verified->second.name(), "staff/jane-doe");
  ASSERT_THAT(verified->second.roles(), SizeIs(1));
  EXPECT_EQ(verified->second.roles(0).site_id(), "london-soho");
}

TEST_F(AccessStoreTest, OnlyTheHashIsStored) {
  auto issued = store_->Issue("service/billing", "", absl::ZeroDuration(), now_);
  ASSERT_TRUE(issued.ok());
  const std::string file =
      clinic::testing::ReadFile(path_) + clinic::testing::ReadFile(path_ + "-wal");
  EXPECT_EQ(file.find(issued->secret), std::string::npos);
  EXPECT_EQ(file.find(issued->secret.substr(4)), std::string::npos);
}

TEST_F(AccessStoreTest, UnknownRevokedExpiredAndDisabledAreRefusedAlike) {
  auto kept = store_->Issue("staff/admin", "", absl::ZeroDuration(), now_);
  auto revoked = store_->Issue("staff/jane-doe", "", absl::ZeroDuration(), now_);
  auto expiring = store_->Issue("staff/jane-doe", "", absl::Hours(8), now_);
  auto disabled = store_->Issue("service/billing", "", absl::ZeroDuration(), now_);
  ASSERT_TRUE(kept.ok() && revoked.ok() && expiring.ok() && disabled.ok());
  auto first = store_->Revoke(revoked->info.token_id, now_);
  ASSERT_TRUE(first.ok());
  auto again = store_->Revoke(revoked->info.token_id, now_ + absl::Hours(1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->revoke_time, first->revoke_time);
  EXPECT_EQ(store_->Revoke("01J00000000000000000000000", now_).status().code(),
            absl::StatusCode::kNotFound);
  auto billing = store_->GetPrincipal("service/billing");
  ASSERT_TRUE(billing.ok());
  billing->set_disabled(true);
  ASSERT_TRUE(store_->UpdatePrincipal(*billing, billing->etag(), now_).ok());

  EXPECT_TRUE(store_->Verify(expiring->secret, now_ + absl::Hours(7)).ok());
  std::string message;
  for (const std::string& secret :
       {revoked->secret, expiring->secret, disabled->secret, std::string("clk_not-a-real-token"),
        std::string(""), kept->secret.substr(0, kept->secret.size() - 1)}) {
    auto verified = store_->Verify(secret, now_ + absl::Hours(9));
    ASSERT_EQ(verified.status().code(), absl::StatusCode::kUnauthenticated) << secret;
    if (message.empty()) message = std::string(verified.status().message());
    EXPECT_EQ(verified.status().message(), message) << "reasons must not be told apart";
  }
  EXPECT_TRUE(store_->Verify(kept->secret, now_ + absl::Hours(9)).ok());
}

TEST_F(AccessStoreTest, TokensNeedAnEnabledPrincipal) {
  EXPECT_EQ(store_->Issue("staff/nobody", "", absl::ZeroDuration(), now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(AccessStoreTest, NamesAndCertificateNamesAreUnique) {
  EXPECT_EQ(
      store_->CreatePrincipal(Principal("staff/admin", v1::ROLE_AUDITOR), now_).status().code(),
      absl::StatusCode::kAlreadyExists);
  v1::Principal service = Principal("service/screening", v1::ROLE_SERVICE);
  service.set_certificate_common_name("screening.clinic.internal");
  ASSERT_TRUE(store_->CreatePrincipal(service, now_).ok());
  v1::Principal copy = Principal("service/copy", v1::ROLE_SERVICE);
  copy.set_certificate_common_name("screening.clinic.internal");
  EXPECT_EQ(store_->CreatePrincipal(copy, now_).status().code(), absl::StatusCode::kAlreadyExists);
  auto found = store_->FindByCertificate("screening.clinic.internal");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->name(), "service/screening");
  EXPECT_EQ(store_->FindByCertificate("other").status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(AccessStoreTest, UpdatesNeedTheCurrentEtag) {
  auto jane = store_->GetPrincipal("staff/jane-doe");
  ASSERT_TRUE(jane.ok());
  v1::Principal changed = *jane;
  changed.set_display_name("Jane Doe");
  auto updated = store_->UpdatePrincipal(changed, jane->etag(), now_ + absl::Minutes(1));
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_NE(updated->etag(), jane->etag());
  EXPECT_EQ(updated->create_time().seconds(), jane->create_time().seconds());
  EXPECT_EQ(store_->UpdatePrincipal(changed, jane->etag(), now_).status().code(),
            absl::StatusCode::kAborted);
}

TEST_F(AccessStoreTest, TheLastChainAdminCannotBeRemoved) {
  auto admin = store_->GetPrincipal("staff/admin");
  ASSERT_TRUE(admin.ok());
  v1::Principal demoted = *admin;
  demoted.clear_roles();
  auto refused = store_->UpdatePrincipal(demoted, admin->etag(), now_);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("last enabled"));
  v1::Principal disabled = *admin;
  disabled.set_disabled(true);
  EXPECT_EQ(store_->UpdatePrincipal(disabled, admin->etag(), now_).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // With a second admin, the first may go.
  ASSERT_TRUE(store_->CreatePrincipal(Principal("staff/deputy", v1::ROLE_CHAIN_ADMIN), now_).ok());
  EXPECT_TRUE(store_->UpdatePrincipal(demoted, admin->etag(), now_).ok());
}

TEST_F(AccessStoreTest, ListsPrincipalsByNameAndTokensNewestFirst) {
  auto page = store_->ListPrincipals("", 2);
  ASSERT_TRUE(page.ok());
  ASSERT_THAT(*page, SizeIs(2));
  EXPECT_EQ((*page)[0].name(), "service/billing");
  EXPECT_EQ((*page)[1].name(), "staff/admin");
  auto rest = store_->ListPrincipals("staff/admin", 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_THAT(*rest, SizeIs(1));

  auto a = store_->Issue("staff/jane-doe", "a", absl::ZeroDuration(), now_);
  auto b = store_->Issue("staff/admin", "b", absl::ZeroDuration(), now_);
  auto c = store_->Issue("staff/jane-doe", "c", absl::ZeroDuration(), now_);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto janes = store_->ListTokens("staff/jane-doe", "", 10);
  ASSERT_TRUE(janes.ok());
  ASSERT_THAT(*janes, SizeIs(2));
  EXPECT_EQ((*janes)[0].description, "c");
  EXPECT_EQ((*janes)[1].description, "a");
  auto older = store_->ListTokens("", c->info.token_id, 10);
  ASSERT_TRUE(older.ok());
  ASSERT_THAT(*older, SizeIs(2));
  EXPECT_EQ((*older)[0].description, "b");
}

TEST(AccessStoreBootstrapTest, CreatesTheFirstAdminOnceAndSurvivesReopening) {
  clinic::testing::TempDir dir;
  const absl::Time now = absl::FromUnixSeconds(1795000000);
  std::string secret;
  {
    auto store = AccessStore::Open(dir.Join("access.db"));
    ASSERT_TRUE(store.ok());
    auto first = (*store)->Bootstrap("staff/admin", now);
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_TRUE(first->has_value());
    secret = (*first)->secret;
    auto second = (*store)->Bootstrap("staff/admin", now);
    ASSERT_TRUE(second.ok());
    EXPECT_FALSE(second->has_value());
  }
  auto reopened = AccessStore::Open(dir.Join("access.db"));
  ASSERT_TRUE(reopened.ok());
  auto verified = (*reopened)->Verify(secret, now);
  ASSERT_TRUE(verified.ok());
  ASSERT_THAT(verified->second.roles(), SizeIs(1));
  EXPECT_EQ(verified->second.roles(0).role(), v1::ROLE_CHAIN_ADMIN);
  EXPECT_TRUE(verified->second.roles(0).site_id().empty());
}

// The access store's migrations are private to it; version 1 (the store
// settings every store has) is the only earlier version that shipped.
TEST(AccessMigrationTest, EveryEarlierVersionMigratesToTheSameSchema) {
  clinic::testing::MigrationCheck check;
  check.earlier = {{"v0", {}}, {"v1", {{1, "store settings", storage::kStoreMetaSchema}}}};
  check.open = [](const std::string& path) { return AccessStore::Open(path).status(); };
  check.check = [](const std::string& path, const clinic::testing::EarlierSchema&) {
    auto store = AccessStore::Open(path);
    ASSERT_TRUE(store.ok());
    EXPECT_TRUE((*store)
                    ->CreatePrincipal(Principal("staff/admin", v1::ROLE_CHAIN_ADMIN), absl::Now())
                    .ok());
  };
  clinic::testing::ExpectEveryEarlierSchemaMigratesExactly(check);
}

}  // namespace
}  // namespace clinic::auth
