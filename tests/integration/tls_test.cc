// TLS and mutual TLS over loopback with certificates made here by openssl:
// tokens over TLS, client certificates as identities, a required client
// certificate, and a missing certificate file refused at start-up.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "absl/time/clock.h"
#include "clinic/v1/access.grpc.pb.h"
#include "common/auth/access_store.h"
#include "common/server/server.h"
#include "services/access/access_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::HasSubstr;

void RunOpenssl(const std::string& command) {
  ASSERT_EQ(std::system((command + " >/dev/null 2>&1").c_str()), 0)
      << "failed (is openssl installed? deploy/install-deps.sh installs it): " << command;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string d = certs_.path();
    const std::string ext = d + "/server.ext";
    clinic::testing::WriteFile(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    RunOpenssl("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout " + d +
               "/ca.key -out " + d + "/ca.crt");
    for (const std::string& name :
         {std::string("server"), std::string("client"), std::string("stranger")}) {
      const std::string cn = name == "server"   ? "localhost"
                             : name == "client" ? "screening.clinic.internal"
                                                : "stranger.clinic.internal";
      RunOpenssl("openssl req -newkey rsa:2048 -nodes -subj /CN=" + cn + " -keyout " + d + "/" +
                 name + ".key -out " + d + "/" + name + ".csr");
    }
    RunOpenssl("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.crt -CAkey " + d +
               "/ca.key -CAcreateserial -days 2 -extfile " + ext + " -out " + d + "/server.crt");
    RunOpenssl("openssl x509 -req -in " + d + "/client.csr -CA " + d + "/ca.crt -CAkey " + d +
               "/ca.key -CAcreateserial -days 2 -out " + d + "/client.crt");
    // Signed by itself, not by the CA the server trusts.
    RunOpenssl("openssl x509 -req -in " + d + "/stranger.csr -signkey " + d +
               "/stranger.key -days 2 -out " + d + "/stranger.crt");
  }

  void Start(bool client_ca, bool require) {
    config::v1::ServerConfig config;
    config.set_listen_address("127.0.0.1:0");
    config.set_data_dir(data_.path());
    config.set_plugin_dir(plugins_.path());
    config.mutable_plugins()->set_probe_path(clinic::testing::ProbePath());
    config.mutable_chain()->add_sites()->set_site_id("london-soho");
    config.mutable_tls()->set_cert_file(certs_.Join("server.crt"));
    config.mutable_tls()->set_key_file(certs_.Join("server.key"));
    if (client_ca) config.mutable_tls()->set_client_ca_file(certs_.Join("ca.crt"));
    config.mutable_tls()->set_require_client_certificate(require);
    auto server = server::Server::Start(config, {access::AccessFactory()});
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    auto store = auth::AccessStore::Open(data_.Join("access.db"));
    ASSERT_TRUE(store.ok());
    if (!(*store)->GetPrincipal("service/screening").ok()) {
      v1::Principal service;
      service.set_name("service/screening");
      service.set_certificate_common_name("screening.clinic.internal");
      service.add_roles()->set_role(v1::ROLE_SERVICE);
      ASSERT_TRUE((*store)->CreatePrincipal(service, absl::Now()).ok());
    }
    token_ = clinic::testing::IssueTestToken(data_.path(), "staff/admin",
                                             {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
  }

  // WhoAmI over TLS, with the named client certificate ("" for none) and
  // optionally the token.
  grpc::Status WhoAmI(const std::string& certificate, bool with_token,
                      v1::WhoAmIResponse* response) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = clinic::testing::ReadFile(certs_.Join("ca.crt"));
    if (!certificate.empty()) {
      options.pem_cert_chain = clinic::testing::ReadFile(certs_.Join(certificate + ".crt"));
      options.pem_private_key = clinic::testing::ReadFile(certs_.Join(certificate + ".key"));
    }
    grpc::ChannelArguments arguments;
    arguments.SetSslTargetNameOverride("localhost");
    auto stub = v1::Access::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(server_->port()), grpc::SslCredentials(options), arguments));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (with_token) clinic::testing::AddToken(context, token_);
    return stub->WhoAmI(&context, {}, response);
  }

  clinic::testing::TempDir certs_;
  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  std::unique_ptr<server::Server> server_;
  std::string token_;
};

TEST_F(TlsTest, TokensWorkOverTlsAndPlaintextClientsAreNotServed) {
  Start(false, false);
  v1::WhoAmIResponse response;
  const grpc::Status status = WhoAmI("", true, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.principal(), "staff/admin");
  EXPECT_EQ(response.authenticated_by(), "token");

  auto plain = v1::Access::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(server_->port()), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  clinic::testing::AddToken(context, token_);
  EXPECT_FALSE(plain->WhoAmI(&context, {}, &response).ok());
}

TEST_F(TlsTest, AClientCertificateIdentifiesItsPrincipal) {
  Start(true, false);
  v1::WhoAmIResponse response;
  grpc::Status status = WhoAmI("client", false, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.principal(), "service/screening");
  EXPECT_EQ(response.authenticated_by(), "certificate");

  // Neither certificate nor token.
  EXPECT_EQ(WhoAmI("", false, &response).error_code(), grpc::UNAUTHENTICATED);
  // A token still works beside optional certificates.
  EXPECT_TRUE(WhoAmI("", true, &response).ok());
  // A certificate the CA did not sign never gets that far.
  EXPECT_FALSE(WhoAmI("stranger", false, &response).ok());

  // Disabling the principal refuses its certificate at once.
  auto store = auth::AccessStore::Open(data_.Join("access.db"));
  ASSERT_TRUE(store.ok());
  auto principal = (*store)->GetPrincipal("service/screening");
  ASSERT_TRUE(principal.ok());
  principal->set_disabled(true);
  ASSERT_TRUE((*store)->UpdatePrincipal(*principal, principal->etag(), absl::Now()).ok());
  status = WhoAmI("client", false, &response);
  EXPECT_EQ(status.error_code(), grpc::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("disabled"));
}

TEST_F(TlsTest, ARequiredClientCertificateIsRequiredEvenWithAToken) {
  Start(true, true);
  v1::WhoAmIResponse response;
  EXPECT_FALSE(WhoAmI("", true, &response).ok());
  EXPECT_FALSE(WhoAmI("stranger", true, &response).ok());
  const grpc::Status status = WhoAmI("client", false, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.principal(), "service/screening");
}

TEST_F(TlsTest, AMissingCertificateFileStopsStartUp) {
  config::v1::ServerConfig config;
  config.set_listen_address("127.0.0.1:0");
  config.set_data_dir(data_.path());
  config.set_plugin_dir(plugins_.path());
  config.mutable_plugins()->set_probe_path(clinic::testing::ProbePath());
  config.mutable_tls()->set_cert_file(certs_.Join("missing.crt"));
  config.mutable_tls()->set_key_file(certs_.Join("server.key"));
  auto server = server::Server::Start(config, {access::AccessFactory()});
  ASSERT_FALSE(server.ok());
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("tls.cert_file"));
}

}  // namespace
}  // namespace clinic
