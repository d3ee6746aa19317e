// Bearer tokens: issued once, stored only as hashes, refused when unknown,
// revoked or expired, and kept across restarts.
#include "common/auth/token_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/test_env.h"

namespace clinic::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;

class TokenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = TokenStore::Open(path_);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }
  clinic::testing::TempDir dir_;
  std::string path_ = dir_.Join("tokens.db");
  std::unique_ptr<TokenStore> store_;
  absl::Time now_ = absl::FromUnixSeconds(1795000000);
};

TEST_F(TokenStoreTest, IssuedTokenVerifiesAsItsPrincipal) {
  auto issued = store_->Issue("staff/jane-doe", "front desk tablet", absl::ZeroDuration(), now_);
  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_THAT(issued->secret, HasSubstr("clk_"));
  auto info = store_->Verify(issued->secret, now_ + absl::Hours(24 * 365));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->principal, "staff/jane-doe");
  EXPECT_EQ(info->token_id, issued->info.token_id);
}

TEST_F(TokenStoreTest, OnlyTheHashIsStored) {
  auto issued = store_->Issue("service/billing", "", absl::ZeroDuration(), now_);
  ASSERT_TRUE(issued.ok());
  const std::string file =
      clinic::testing::ReadFile(path_) + clinic::testing::ReadFile(path_ + "-wal");
  EXPECT_EQ(file.find(issued->secret), std::string::npos);
  EXPECT_EQ(file.find(issued->secret.substr(4)), std::string::npos);
}

TEST_F(TokenStoreTest, UnknownRevokedAndExpiredTokensAreRefusedAlike) {
  auto kept = store_->Issue("staff/a", "", absl::ZeroDuration(), now_);
  auto revoked = store_->Issue("staff/b", "", absl::ZeroDuration(), now_);
  auto expiring = store_->Issue("staff/c", "", absl::Hours(8), now_);
  ASSERT_TRUE(kept.ok() && revoked.ok() && expiring.ok());
  ASSERT_TRUE(store_->Revoke(revoked->info.token_id, now_).ok());
  EXPECT_TRUE(store_->Revoke(revoked->info.token_id, now_ + absl::Hours(1)).ok());
  EXPECT_EQ(store_->Revoke("01J00000000000000000000000", now_).code(), absl::StatusCode::kNotFound);

  EXPECT_TRUE(store_->Verify(expiring->secret, now_ + absl::Hours(7)).ok());
  for (const std::string& secret :
       {revoked->secret, expiring->secret, std::string("clk_not-a-real-token"), std::string(""),
        kept->secret.substr(0, kept->secret.size() - 1)}) {
    auto info = store_->Verify(secret, now_ + absl::Hours(9));
    ASSERT_FALSE(info.ok()) << secret;
    EXPECT_EQ(info.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(info.status().message(), "the bearer token is unknown, revoked or expired");
  }
  EXPECT_TRUE(store_->Verify(kept->secret, now_ + absl::Hours(9)).ok());
}

TEST_F(TokenStoreTest, ListsNewestFirstAndSurvivesARestart) {
  ASSERT_TRUE(store_->Issue("staff/a", "first", absl::ZeroDuration(), now_).ok());
  auto second = store_->Issue("staff/b", "second", absl::Hours(1), now_);
  ASSERT_TRUE(second.ok());
  store_.reset();
  auto reopened = TokenStore::Open(path_);
  ASSERT_TRUE(reopened.ok());
  auto tokens = (*reopened)->List();
  ASSERT_TRUE(tokens.ok());
  ASSERT_THAT(*tokens, SizeIs(2));
  EXPECT_EQ((*tokens)[0].description, "second");
  EXPECT_TRUE((*tokens)[0].expire_time.has_value());
  EXPECT_TRUE((*reopened)->Verify(second->secret, now_).ok());
}

TEST_F(TokenStoreTest, RefusesBadPrincipals) {
  EXPECT_EQ(store_->Issue("", "", absl::ZeroDuration(), now_).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Issue("jane doe", "", absl::ZeroDuration(), now_).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace clinic::auth
