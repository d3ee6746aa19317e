// How a process reaches the services it calls (common/server/upstream.h):
// the in-process identity, reading token files, refusing a process that
// would call a service it neither hosts nor can reach, and how an upstream's
// failure is reported to the caller.
#include "common/server/upstream.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "tests/testing/test_env.h"

namespace clinic::server {
namespace {

using ::testing::HasSubstr;

constexpr char kRecords[] = "clinic.v1.ClientRecords";

TEST(InProcessIdentityTest, ASecretOfItsOwnForTheReservedServicePrincipal) {
  auto first = InProcessIdentity::Make();
  auto second = InProcessIdentity::Make();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_TRUE(absl::StartsWith(first->secret(), "clp_"));
  EXPECT_GT(first->secret().size(), 40u);
  EXPECT_TRUE(first->Matches(first->secret()));
  EXPECT_FALSE(first->Matches(second->secret()));
  EXPECT_FALSE(first->Matches(""));
  EXPECT_EQ(first->principal().name(), kInProcessPrincipal);
  ASSERT_EQ(first->principal().roles_size(), 1);
  EXPECT_EQ(first->principal().roles(0).role(), v1::ROLE_SERVICE);
  EXPECT_TRUE(first->principal().roles(0).site_id().empty());
}

TEST(UpstreamsTest, AnInProcessUpstreamNeedsItsServiceHostedHere) {
  auto upstreams = Upstreams::Open(config::v1::Upstreams());
  ASSERT_TRUE(upstreams.ok());
  auto records = (*upstreams)->Get("client_records", kRecords);
  ASSERT_TRUE(records.ok());
  // Until the server listens there is no channel to give.
  EXPECT_EQ((*records)->channel().status().code(), absl::StatusCode::kUnavailable);
  const absl::Status refused = (*upstreams)->CheckHosted({"clinic.v1.Screening"});
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.message(), HasSubstr("upstreams.client_records.target"));
  EXPECT_TRUE((*upstreams)->CheckHosted({"clinic.v1.Screening", kRecords}).ok());
}

TEST(UpstreamsTest, ARemoteUpstreamReadsItsTokenFile) {
  clinic::testing::TempDir dir;
  config::v1::Upstreams config;
  config.mutable_client_records()->set_target("127.0.0.1:1");
  config.mutable_client_records()->set_token_file(dir.Join("missing.token"));
  auto upstreams = Upstreams::Open(config);
  ASSERT_TRUE(upstreams.ok());
  auto missing = (*upstreams)->Get("client_records", kRecords);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("upstreams.client_records.token_file"));

  clinic::testing::WriteFile(dir.Join("empty.token"), "\n");
  config.mutable_client_records()->set_token_file(dir.Join("empty.token"));
  upstreams = Upstreams::Open(config);
  ASSERT_TRUE(upstreams.ok());
  EXPECT_EQ((*upstreams)->Get("client_records", kRecords).status().code(),
            absl::StatusCode::kInvalidArgument);

  clinic::testing::WriteFile(dir.Join("huge.token"), std::string(1 << 20, 'x'));
  config.mutable_client_records()->set_token_file(dir.Join("huge.token"));
  upstreams = Upstreams::Open(config);
  ASSERT_TRUE(upstreams.ok());
  auto huge = (*upstreams)->Get("client_records", kRecords);
  EXPECT_EQ(huge.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LE(huge.status().message().size(), 300u);

  clinic::testing::WriteFile(dir.Join("good.token"), "clk_secret\n");
  config.mutable_client_records()->set_token_file(dir.Join("good.token"));
  upstreams = Upstreams::Open(config);
  ASSERT_TRUE(upstreams.ok());
  auto good = (*upstreams)->Get("client_records", kRecords);
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_TRUE((*good)->channel().ok());
  // A remote upstream does not need its service hosted here.
  EXPECT_TRUE((*upstreams)->CheckHosted({}).ok());
}

TEST(UpstreamErrorTest, RefusalsKeepTheirCodeAndTransportFailuresAreUnavailable) {
  auto upstreams = Upstreams::Open(config::v1::Upstreams());
  ASSERT_TRUE(upstreams.ok());
  auto records = (*upstreams)->Get("client_records", kRecords);
  ASSERT_TRUE(records.ok());
  const absl::Status not_found = UpstreamError(
      **records, "reading the client", grpc::Status(grpc::NOT_FOUND, "clients/x does not exist"));
  EXPECT_EQ(not_found.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(not_found.message(),
              HasSubstr("reading the client: clinic.v1.ClientRecords answered NOT_FOUND"));
  EXPECT_EQ(UpstreamError(**records, "x", grpc::Status(grpc::PERMISSION_DENIED, "no")).code(),
            absl::StatusCode::kPermissionDenied);
  for (grpc::StatusCode code : {grpc::UNAVAILABLE, grpc::DEADLINE_EXCEEDED, grpc::UNAUTHENTICATED,
                                grpc::INTERNAL, grpc::CANCELLED}) {
    EXPECT_EQ(UpstreamError(**records, "x", grpc::Status(code, "down")).code(),
              absl::StatusCode::kUnavailable)
        << code;
  }
  // What the upstream said is quoted in bounds.
  const absl::Status long_message = UpstreamError(
      **records, "x", grpc::Status(grpc::INVALID_ARGUMENT, std::string(1 << 20, 'm')));
  EXPECT_LE(long_message.message().size(), 512u);
}

}  // namespace
}  // namespace clinic::server
