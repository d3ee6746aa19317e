// The access database: principals with their roles, and bearer tokens that
// are issued once, stored only as hashes, and refused when unknown, revoked,
// expired or belonging to a disabled principal.
#include "common/auth/access_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/auth/access_schema.h"
#include "common/core/status.h"
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

// Verified tokens are answered from memory until anything commits to the
// file: a revocation, a disabled principal or a role change made by another
// process sharing access.db counts from the next call.
TEST_F(AccessStoreTest, VerifiedTokensAreCachedUntilTheFileChangesFromAnyProcess) {
  auto issued = store_->Issue("staff/jane-doe", "tablet", absl::ZeroDuration(), now_);
  ASSERT_TRUE(issued.ok());
  auto other_issued = store_->Issue("service/billing", "flow", absl::ZeroDuration(), now_);
  ASSERT_TRUE(other_issued.ok());
  ASSERT_TRUE(store_->Verify(issued->secret, now_).ok());
  const int64_t hits = store_->verify_cache_hits();
  ASSERT_TRUE(store_->Verify(issued->secret, now_).ok());
  EXPECT_EQ(store_->verify_cache_hits(), hits + 1);
  // Expiry is checked on every call, cached or not.
  auto short_lived = store_->Issue("staff/admin", "short", absl::Minutes(5), now_);
  ASSERT_TRUE(short_lived.ok());
  ASSERT_TRUE(store_->Verify(short_lived->secret, now_).ok());
  EXPECT_EQ(store_->Verify(short_lived->secret, now_ + absl::Minutes(6)).status().code(),
            absl::StatusCode::kUnauthenticated);

  // A second store on the same file is another process.
  auto other = AccessStore::Open(path_);
  ASSERT_TRUE(other.ok());
  // A role change there is seen here at the next call.
  auto jane = (*other)->GetPrincipal("staff/jane-doe");
  ASSERT_TRUE(jane.ok());
  jane->mutable_roles(0)->set_site_id("new-york-soho");
  ASSERT_TRUE((*other)->UpdatePrincipal(*jane, jane->etag(), now_).ok());
  auto moved = store_->Verify(issued->secret, now_);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->second.roles(0).site_id(), "new-york-soho");
  // So is a revocation,
  ASSERT_TRUE((*other)->Revoke(issued->info.token_id, now_).ok());
  EXPECT_EQ(store_->Verify(issued->secret, now_).status().code(),
            absl::StatusCode::kUnauthenticated);
  // and a disabled principal.
  ASSERT_TRUE(store_->Verify(other_issued->secret, now_).ok());
  auto billing = (*other)->GetPrincipal("service/billing");
  ASSERT_TRUE(billing.ok());
  billing->set_disabled(true);
  ASSERT_TRUE((*other)->UpdatePrincipal(*billing, billing->etag(), now_).ok());
  EXPECT_EQ(store_->Verify(other_issued->secret, now_).status().code(),
            absl::StatusCode::kUnauthenticated);
  // In the same process too.
  auto admin_token = store_->Issue("staff/admin", "desk", absl::ZeroDuration(), now_);
  ASSERT_TRUE(admin_token.ok());
  ASSERT_TRUE(store_->Verify(admin_token->secret, now_).ok());
  ASSERT_TRUE(store_->Revoke(admin_token->info.token_id, now_).ok());
  EXPECT_EQ(store_->Verify(admin_token->secret, now_).status().code(),
            absl::StatusCode::kUnauthenticated);
}

// The identity step also looks up the principal of a client certificate and
// the person a service acts for on every such call: kept in memory under the
// same rule as tokens, so a disabled principal or a changed role counts from
// the next call, from whichever process it came.
TEST_F(AccessStoreTest, PrincipalsAreCachedUntilTheFileChangesFromAnyProcess) {
  const int64_t hits = store_->principal_cache_hits();
  ASSERT_TRUE(store_->GetPrincipal("staff/jane-doe").ok());
  ASSERT_TRUE(store_->GetPrincipal("staff/jane-doe").ok());
  EXPECT_EQ(store_->principal_cache_hits(), hits + 1);
  // What does not exist is not kept: created elsewhere, it is found next.
  EXPECT_EQ(store_->GetPrincipal("staff/new-hire").status().code(), absl::StatusCode::kNotFound);
  auto other = AccessStore::Open(path_);
  ASSERT_TRUE(other.ok());
  v1::Principal hire = Principal("staff/new-hire", v1::ROLE_FRONT_DESK, "london-soho");
  hire.set_certificate_common_name("desk-7.lumen.example");
  ASSERT_TRUE((*other)->CreatePrincipal(hire, now_).ok());
  ASSERT_TRUE(store_->GetPrincipal("staff/new-hire").ok());
  ASSERT_TRUE(store_->FindByCertificate("desk-7.lumen.example").ok());
  ASSERT_TRUE(store_->FindByCertificate("desk-7.lumen.example").ok());
  EXPECT_EQ(store_->principal_cache_hits(), hits + 2);

  // Disabled in the other process: both lookups see it at the next call.
  auto stored = (*other)->GetPrincipal("staff/new-hire");
  ASSERT_TRUE(stored.ok());
  stored->set_disabled(true);
  ASSERT_TRUE((*other)->UpdatePrincipal(*stored, stored->etag(), now_).ok());
  auto by_name = store_->GetPrincipal("staff/new-hire");
  ASSERT_TRUE(by_name.ok());
  EXPECT_TRUE(by_name->disabled());
  auto by_certificate = store_->FindByCertificate("desk-7.lumen.example");
  ASSERT_TRUE(by_certificate.ok());
  EXPECT_TRUE(by_certificate->disabled());
}

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

// A file at every earlier version reaches the schema of a new one exactly;
// principals and tokens of version 2 survive the request log's arrival.
TEST(AccessMigrationTest, EveryEarlierVersionMigratesToTheSameSchema) {
  const auto& all = AccessMigrations();
  clinic::testing::MigrationCheck check;
  for (size_t version = 0; version < all.size(); ++version) {
    check.earlier.push_back({"v" + std::to_string(version),
                             std::vector<storage::Migration>(all.begin(), all.begin() + version)});
  }
  check.open = [](const std::string& path) { return AccessStore::Open(path).status(); };
  check.seed = [](const std::string& path, const clinic::testing::EarlierSchema& schema) {
    if (schema.steps.size() < 2) return;
    auto db = storage::Database::Open(path, storage::Database::Options());
    ASSERT_TRUE(db.ok());
    v1::Principal admin = Principal("staff/admin", v1::ROLE_CHAIN_ADMIN);
    const std::string bytes = admin.SerializeAsString();
    ASSERT_TRUE((*db)
                    ->Write([&](storage::Connection& c) {
                      SQLite::Statement& insert = c.Prepare(
                          "INSERT INTO principals (name, revision, principal) VALUES (?, 1, ?)");
                      insert.bind(1, admin.name());
                      insert.bind(2, bytes.data(), static_cast<int>(bytes.size()));
                      insert.exec();
                      return absl::OkStatus();
                    })
                    .ok());
  };
  check.check = [](const std::string& path, const clinic::testing::EarlierSchema& schema) {
    auto store = AccessStore::Open(path);
    ASSERT_TRUE(store.ok());
    if (schema.steps.size() >= 2) {
      EXPECT_TRUE((*store)->GetPrincipal("staff/admin").ok());
    } else {
      EXPECT_TRUE((*store)
                      ->CreatePrincipal(Principal("staff/admin", v1::ROLE_CHAIN_ADMIN), absl::Now())
                      .ok());
    }
    v1::IssueTokenRequest issue;
    issue.set_principal("staff/admin");
    issue.set_description("after the upgrade");
    issue.set_request_id("first");
    EXPECT_TRUE((*store)
                    ->Issue(issue, "staff/admin", absl::ZeroDuration(), absl::Now(),
                            [](const v1::Principal&) { return absl::OkStatus(); })
                    .ok());
  };
  clinic::testing::ExpectEveryEarlierSchemaMigratesExactly(check);
}

absl::Status Allow(const v1::Principal&) { return absl::OkStatus(); }

// Request ids make the Access service's writes retry-safe, per caller.
class AccessStoreRetryTest : public AccessStoreTest {
 protected:
  int TokenCount(const std::string& principal) {
    auto tokens = store_->ListTokens(principal, "", 100);
    EXPECT_TRUE(tokens.ok());
    return tokens.ok() ? static_cast<int>(tokens->size()) : -1;
  }
};

TEST_F(AccessStoreRetryTest, ARetriedCreateReturnsTheFirstPrincipalAndWritesNothing) {
  v1::CreatePrincipalRequest request;
  *request.mutable_principal() = Principal("staff/ana", v1::ROLE_FRONT_DESK, "london-soho");
  request.set_request_id("create-ana");
  auto first = store_->CreatePrincipal(request, "staff/admin", request.principal(), now_);
  ASSERT_TRUE(first.ok()) << first.status();
  // Later, after someone changed her: the retry still answers as the first
  // call did.
  v1::Principal renamed = *first;
  renamed.set_display_name("Ana");
  ASSERT_TRUE(store_->UpdatePrincipal(renamed, first->etag(), now_).ok());
  auto retried =
      store_->CreatePrincipal(request, "staff/admin", request.principal(), now_ + absl::Hours(1));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->SerializeAsString(), first->SerializeAsString());
  auto stored = store_->GetPrincipal("staff/ana");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->display_name(), "Ana");
  // Another caller's id is its own: the create runs, and finds the name taken.
  EXPECT_EQ(
      store_->CreatePrincipal(request, "staff/other", request.principal(), now_).status().code(),
      absl::StatusCode::kAlreadyExists);
  // The same id for another request is refused, naming request_id.
  v1::CreatePrincipalRequest other = request;
  other.mutable_principal()->set_name("staff/bob");
  auto reused = store_->CreatePrincipal(other, "staff/admin", other.principal(), now_);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_THAT(GetFieldViolations(reused.status()), SizeIs(1));
  EXPECT_EQ(GetFieldViolations(reused.status())[0].field, "request_id");
  EXPECT_EQ(store_->GetPrincipal("staff/bob").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(AccessStoreRetryTest, ARetriedUpdateReturnsTheFirstResponseThoughTheEtagMovedOn) {
  auto jane = store_->GetPrincipal("staff/jane-doe");
  ASSERT_TRUE(jane.ok());
  v1::UpdatePrincipalRequest request;
  *request.mutable_principal() = *jane;
  request.mutable_principal()->set_display_name("Jane Doe");
  request.mutable_update_mask()->add_paths("display_name");
  request.set_request_id("rename-jane");
  int changes = 0;
  auto change = [&](const v1::Principal& current) -> absl::StatusOr<v1::Principal> {
    ++changes;
    v1::Principal updated = current;
    updated.set_display_name(request.principal().display_name());
    return updated;
  };
  auto first = store_->UpdatePrincipal(request, "staff/admin", change, now_);
  ASSERT_TRUE(first.ok()) << first.status();
  auto retried = store_->UpdatePrincipal(request, "staff/admin", change, now_ + absl::Hours(1));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(changes, 1);
  auto stored = store_->GetPrincipal("staff/jane-doe");
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->etag(), first->etag());
  // Without the id, the stale etag is what stops a second change.
  v1::UpdatePrincipalRequest no_id = request;
  no_id.clear_request_id();
  EXPECT_EQ(store_->UpdatePrincipal(no_id, "staff/admin", change, now_).status().code(),
            absl::StatusCode::kAborted);
  // A refusal from the change writes nothing and records nothing, so the id
  // can be used once the request is right.
  v1::UpdatePrincipalRequest refused = request;
  *refused.mutable_principal() = *stored;
  refused.set_request_id("refused");
  auto deny = [](const v1::Principal&) -> absl::StatusOr<v1::Principal> {
    return absl::PermissionDeniedError("no");
  };
  EXPECT_EQ(store_->UpdatePrincipal(refused, "staff/admin", deny, now_).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(store_->UpdatePrincipal(refused, "staff/admin", change, now_).ok());
  // Reused for a different change: refused.
  v1::UpdatePrincipalRequest other = request;
  other.mutable_principal()->set_display_name("Someone Else");
  auto reused = store_->UpdatePrincipal(other, "staff/admin", change, now_);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AccessStoreRetryTest, ARetriedIssueRekeysTheSameTokenSoOneWorks) {
  v1::IssueTokenRequest request;
  request.set_principal("staff/jane-doe");
  request.set_description("front desk tablet");
  request.set_request_id("tablet-token");
  auto first = store_->Issue(request, "staff/admin", absl::Hours(8), now_, Allow);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(store_->Verify(first->secret, now_).ok());
  auto retried =
      store_->Issue(request, "staff/admin", absl::Hours(8), now_ + absl::Minutes(5), Allow);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->info.token_id, first->info.token_id);
  EXPECT_EQ(retried->info.create_time, first->info.create_time);
  EXPECT_EQ(retried->info.expire_time, first->info.expire_time);
  EXPECT_NE(retried->secret, first->secret);
  EXPECT_EQ(store_->Verify(first->secret, now_).status().code(),
            absl::StatusCode::kUnauthenticated);
  auto verified = store_->Verify(retried->secret, now_);
  ASSERT_TRUE(verified.ok());
  EXPECT_EQ(verified->first.token_id, first->info.token_id);
  EXPECT_EQ(TokenCount("staff/jane-doe"), 1);

  // Neither secret is stored, not even in the request log.
  const std::string file =
      clinic::testing::ReadFile(path_) + clinic::testing::ReadFile(path_ + "-wal");
  EXPECT_EQ(file.find(first->secret.substr(4)), std::string::npos);
  EXPECT_EQ(file.find(retried->secret.substr(4)), std::string::npos);

  // The same id for another description or lifetime is refused.
  v1::IssueTokenRequest other = request;
  other.set_description("another tablet");
  auto reused = store_->Issue(other, "staff/admin", absl::Hours(8), now_, Allow);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  ASSERT_THAT(GetFieldViolations(reused.status()), SizeIs(1));
  EXPECT_EQ(GetFieldViolations(reused.status())[0].field, "request_id");
  other = request;
  other.mutable_ttl()->set_seconds(3600);
  EXPECT_EQ(store_->Issue(other, "staff/admin", absl::Hours(1), now_, Allow).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Another caller's id is its own: a token of its own.
  auto others = store_->Issue(request, "staff/deputy", absl::Hours(8), now_, Allow);
  ASSERT_TRUE(others.ok());
  EXPECT_NE(others->info.token_id, first->info.token_id);
  EXPECT_EQ(TokenCount("staff/jane-doe"), 2);
  // The check runs on a retry too, and its refusal changes nothing.
  auto refuse = [](const v1::Principal&) { return absl::PermissionDeniedError("no"); };
  EXPECT_EQ(store_->Issue(request, "staff/admin", absl::Hours(8), now_, refuse).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(store_->Verify(retried->secret, now_).ok());
}

TEST_F(AccessStoreRetryTest, ARetryCannotBringBackARevokedOrExpiredToken) {
  v1::IssueTokenRequest request;
  request.set_principal("staff/jane-doe");
  request.set_description("short");
  request.set_request_id("short-lived");
  auto first = store_->Issue(request, "staff/admin", absl::Hours(1), now_, Allow);
  ASSERT_TRUE(first.ok());
  auto expired =
      store_->Issue(request, "staff/admin", absl::Hours(1), now_ + absl::Hours(2), Allow);
  EXPECT_EQ(expired.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(store_->Verify(first->secret, now_).ok()) << "a refused retry re-keyed the token";

  request.set_request_id("revoked");
  auto second = store_->Issue(request, "staff/admin", absl::Hours(1), now_, Allow);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(store_->Revoke(second->info.token_id, now_).ok());
  auto revoked = store_->Issue(request, "staff/admin", absl::Hours(1), now_, Allow);
  EXPECT_EQ(revoked.status().code(), absl::StatusCode::kFailedPrecondition);
  ASSERT_THAT(GetFieldViolations(revoked.status()), SizeIs(1));
  EXPECT_EQ(GetFieldViolations(revoked.status())[0].field, "request_id");
  EXPECT_THAT(std::string(revoked.status().message()), HasSubstr("revoked"));
  EXPECT_EQ(TokenCount("staff/jane-doe"), 2);

  // A failed first call records nothing: the id works once the principal
  // can hold tokens.
  request.set_principal("staff/later");
  request.set_request_id("for-later");
  EXPECT_EQ(store_->Issue(request, "staff/admin", absl::Hours(1), now_, Allow).status().code(),
            absl::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->CreatePrincipal(Principal("staff/later", v1::ROLE_AUDITOR), now_).ok());
  EXPECT_TRUE(store_->Issue(request, "staff/admin", absl::Hours(1), now_, Allow).ok());
}

}  // namespace
}  // namespace clinic::auth
