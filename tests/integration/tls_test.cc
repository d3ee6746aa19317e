// TLS and mutual TLS on a real server over loopback, with certificates made
// here by the openssl program: bearer tokens over TLS, client certificates
// as identities when they are optional and when they are required, refused
// certificates, a missing certificate file at start-up, and health checks
// that need no credentials.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "clinic/v1/access.grpc.pb.h"
#include "clinic/v1/treatment_catalog.grpc.pb.h"
#include "common/auth/access_store.h"
#include "common/server/server.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "services/access/access_service.h"
#include "services/treatment_catalog/treatment_catalog_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/certificates.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kScreeningName[] = "screening.clinic.internal";

enum class ClientCertificates { kNone, kAccepted, kRequired };

class TlsTest : public ::testing::Test {
 protected:
  // Key generation is the slow part, so one set serves every test of a run.
  static void SetUpTestSuite() {
    certs_ = new clinic::testing::TempDir();
    certs_error_ =
        new std::string(clinic::testing::MakeCertificates(certs_->path(), kScreeningName));
  }
  static void TearDownTestSuite() {
    delete certs_;
    certs_ = nullptr;
    delete certs_error_;
    certs_error_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(certs_error_->empty()) << "cannot make the test certificates: " << *certs_error_;
  }

  config::v1::ServerConfig Config(ClientCertificates client_certificates) const {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    config.mutable_chain()->add_sites()->set_site_id("london-soho");
    config.mutable_tls()->set_cert_file(certs_->Join("server.crt"));
    config.mutable_tls()->set_key_file(certs_->Join("server.key"));
    if (client_certificates != ClientCertificates::kNone) {
      config.mutable_tls()->set_client_ca_file(certs_->Join("ca.crt"));
      config.mutable_tls()->set_require_client_certificate(client_certificates ==
                                                           ClientCertificates::kRequired);
    }
    return config;
  }

  // Starts the server, then gives it a chain admin with a token and the
  // screening service, which authenticates by its certificate's name only.
  void StartServer(ClientCertificates client_certificates) {
    auto server = server::Server::Start(
        Config(client_certificates), {access::AccessFactory(), catalog::TreatmentCatalogFactory()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_GT(server_->port(), 0);

    admin_token_ = clinic::testing::IssueTestToken(
        data_.path(), "staff/admin", {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
    ASSERT_THAT(admin_token_, ::testing::Not(IsEmpty()));
    auto store = auth::AccessStore::Open(data_.Join("access.db"));
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    v1::Principal screening;
    screening.set_name("service/screening");
    screening.set_certificate_common_name(kScreeningName);
    *screening.add_roles() = clinic::testing::Binding(v1::ROLE_SERVICE);
    auto created = store_->CreatePrincipal(screening, absl::Now());
    ASSERT_TRUE(created.ok()) << created.status();
  }

  // A TLS channel trusting the test CA, presenting the client certificate
  // `client` ("client", "stranger", "rogue") or none when it is empty.
  std::shared_ptr<grpc::Channel> TlsChannel(const std::string& client = "") const {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = clinic::testing::ReadFile(certs_->Join("ca.crt"));
    if (!client.empty()) {
      options.pem_cert_chain = clinic::testing::ReadFile(certs_->Join(client + ".crt"));
      options.pem_private_key = clinic::testing::ReadFile(certs_->Join(client + ".key"));
    }
    grpc::ChannelArguments arguments;
    arguments.SetSslTargetNameOverride("localhost");
    // gRPC shares connections between channels to the same address by
    // default; each channel here must make its own handshake with its own
    // certificate, or one test case could ride on another's connection.
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(Address(), grpc::SslCredentials(options), arguments);
  }

  std::string Address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  static std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "") {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) clinic::testing::AddToken(*context, token);
    return context;
  }

  static grpc::Status WhoAmI(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& token, v1::WhoAmIResponse* response) {
    return v1::Access::NewStub(channel)->WhoAmI(Context(token).get(), {}, response);
  }

  static clinic::testing::TempDir* certs_;
  static std::string* certs_error_;

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::unique_ptr<auth::AccessStore> store_;
  std::string admin_token_;
};

clinic::testing::TempDir* TlsTest::certs_ = nullptr;
std::string* TlsTest::certs_error_ = nullptr;

TEST_F(TlsTest, TokenOverTlsAuthenticatesItsPrincipal) {
  StartServer(ClientCertificates::kNone);
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI(TlsChannel(), admin_token_, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.principal(), "staff/admin");
  EXPECT_EQ(response.authenticated_by(), "token");
}

TEST_F(TlsTest, PlaintextClientIsNotServedOnATlsPort) {
  StartServer(ClientCertificates::kNone);
  // The token would be accepted from loopback over plaintext, so only the
  // transport can be what refuses this call.
  auto channel = grpc::CreateChannel(Address(), grpc::InsecureChannelCredentials());
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI(channel, admin_token_, &response);
  EXPECT_EQ(status.error_code(), grpc::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(response.principal(), IsEmpty());
}

TEST_F(TlsTest, OptionalClientCertificateAuthenticatesThePrincipalThatClaimsItsName) {
  StartServer(ClientCertificates::kAccepted);
  auto channel = TlsChannel("client");
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI(channel, "", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.principal(), "service/screening");
  EXPECT_EQ(response.authenticated_by(), "certificate");
  ASSERT_EQ(response.roles_size(), 1);
  EXPECT_EQ(response.roles(0).role(), v1::ROLE_SERVICE);
  EXPECT_THAT(response.roles(0).site_id(), IsEmpty());

  // The certificate's principal gets its own roles and no more: a service
  // reads the catalog but cannot administer access.
  v1::ListTreatmentTypesResponse types;
  const grpc::Status catalog =
      v1::TreatmentCatalog::NewStub(channel)->ListTreatmentTypes(Context().get(), {}, &types);
  EXPECT_TRUE(catalog.ok()) << catalog.error_message();
  v1::ListPrincipalsResponse principals;
  EXPECT_EQ(
      v1::Access::NewStub(channel)->ListPrincipals(Context().get(), {}, &principals).error_code(),
      grpc::PERMISSION_DENIED);
}

TEST_F(TlsTest, OptionalClientCertificateStillAcceptsTokens) {
  StartServer(ClientCertificates::kAccepted);
  v1::WhoAmIResponse response;
  grpc::Status status = WhoAmI(TlsChannel(), admin_token_, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.principal(), "staff/admin");
  EXPECT_EQ(response.authenticated_by(), "token");

  // A token names its principal explicitly, so it wins over the connection's
  // certificate.
  status = WhoAmI(TlsChannel("client"), admin_token_, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.principal(), "staff/admin");
  EXPECT_EQ(response.authenticated_by(), "token");
}

TEST_F(TlsTest, OptionalClientCertificateWithNoCertificateAndNoTokenIsUnauthenticated) {
  StartServer(ClientCertificates::kAccepted);
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI(TlsChannel(), "", &response);
  EXPECT_EQ(status.error_code(), grpc::UNAUTHENTICATED) << status.error_message();
  EXPECT_THAT(response.principal(), IsEmpty());
}

TEST_F(TlsTest, CertificateWhoseNameNoPrincipalClaimsIsUnauthenticated) {
  StartServer(ClientCertificates::kAccepted);
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI(TlsChannel("stranger"), "", &response);
  EXPECT_EQ(status.error_code(), grpc::UNAUTHENTICATED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("stranger.clinic.internal"));
  EXPECT_THAT(response.principal(), IsEmpty());
}

TEST_F(TlsTest, CertificateOfADisabledPrincipalIsUnauthenticated) {
  StartServer(ClientCertificates::kAccepted);
  auto channel = TlsChannel("client");
  v1::WhoAmIResponse response;
  ASSERT_TRUE(WhoAmI(channel, "", &response).ok());

  auto screening = store_->GetPrincipal("service/screening");
  ASSERT_TRUE(screening.ok()) << screening.status();
  screening->set_disabled(true);
  auto updated = store_->UpdatePrincipal(*screening, screening->etag(), absl::Now());
  ASSERT_TRUE(updated.ok()) << updated.status();

  // The same connection is refused from the next call on: the certificate
  // is checked against the principal on every call, not once per handshake.
  response.Clear();
  const grpc::Status status = WhoAmI(channel, "", &response);
  EXPECT_EQ(status.error_code(), grpc::UNAUTHENTICATED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("disabled"));
  EXPECT_THAT(response.principal(), IsEmpty());
}

TEST_F(TlsTest, OptionalClientCertificateRefusesASelfSignedCertificateCopyingAClaimedName) {
  StartServer(ClientCertificates::kAccepted);
  // The rogue certificate carries the screening service's name; only the CA
  // signature tells them apart, so this must never reach the principal.
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI(TlsChannel("rogue"), "", &response);
  EXPECT_EQ(status.error_code(), grpc::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(response.principal(), IsEmpty());
}

TEST_F(TlsTest, RequiredClientCertificateRefusesAClientWithOnlyAToken) {
  StartServer(ClientCertificates::kRequired);
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI(TlsChannel(), admin_token_, &response);
  EXPECT_EQ(status.error_code(), grpc::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(response.principal(), IsEmpty());
}

TEST_F(TlsTest, RequiredClientCertificateRefusesASelfSignedCertificate) {
  StartServer(ClientCertificates::kRequired);
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI(TlsChannel("rogue"), admin_token_, &response);
  EXPECT_EQ(status.error_code(), grpc::UNAVAILABLE) << status.error_message();
  EXPECT_THAT(response.principal(), IsEmpty());
}

TEST_F(TlsTest, RequiredClientCertificateAcceptsACaSignedCertificate) {
  StartServer(ClientCertificates::kRequired);
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI(TlsChannel("client"), "", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.principal(), "service/screening");
  EXPECT_EQ(response.authenticated_by(), "certificate");
}

TEST_F(TlsTest, MissingCertificateFileStopsStartUp) {
  config::v1::ServerConfig config = Config(ClientCertificates::kNone);
  config.mutable_tls()->set_cert_file(certs_->Join("missing.crt"));
  auto server = server::Server::Start(config, {access::AccessFactory()});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("tls.cert_file"));
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("missing.crt"));
}

TEST_F(TlsTest, HealthChecksNeedNoCredentials) {
  StartServer(ClientCertificates::kAccepted);
  // Load balancers probe with neither a token nor a client certificate.
  auto health = grpc::health::v1::Health::NewStub(TlsChannel());
  for (const std::string& service : {std::string(""), std::string("clinic.v1.Access")}) {
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    const grpc::Status status = health->Check(Context().get(), request, &response);
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING) << service;
  }
}

}  // namespace
}  // namespace clinic
