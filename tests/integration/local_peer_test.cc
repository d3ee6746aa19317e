// Bearer tokens over plaintext are accepted only from this machine: loopback
// addresses, unix sockets and gRPC's in-process channel. Every other peer,
// including a network one gRPC cannot name ("unknown"), must use TLS.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include "clinic/v1/access.grpc.pb.h"
#include "common/server/auth_interceptor.h"
#include "common/server/server.h"
#include "services/access/access_service.h"
#include "tests/testing/access_env.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

constexpr char kOwnSite[] = "london-soho";

// An address of this machine other than loopback, or "" when it has none.
std::string NonLoopbackAddress() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return "";
  std::string found;
  for (ifaddrs* entry = list; entry != nullptr && found.empty(); entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || entry->ifa_addr->sa_family != AF_INET) continue;
    const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
    char text[INET_ADDRSTRLEN] = {};
    inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text));
    if (std::string(text).rfind("127.", 0) != 0) found = text;
  }
  freeifaddrs(list);
  return found;
}

TEST(PlaintextTokenTest, AValidTokenIsRefusedOverPlaintextFromAnotherAddress) {
  const std::string address = NonLoopbackAddress();
  if (address.empty()) GTEST_SKIP() << "this machine has no address besides loopback";
  clinic::testing::TempDir data;
  clinic::testing::TempDir plugins;
  config::v1::ServerConfig config;
  config.set_listen_address("0.0.0.0:0");
  config.set_data_dir(data.path());
  config.set_plugin_dir(plugins.path());
  config.mutable_plugins()->set_probe_path(clinic::testing::ProbePath());
  config.mutable_chain()->add_sites()->set_site_id(kOwnSite);
  auto server = server::Server::Start(config, {access::AccessFactory()});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string token = clinic::testing::IssueTestToken(
      data.path(), "staff/admin", {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
  auto call = [&](const std::string& host) {
    auto stub = v1::Access::NewStub(grpc::CreateChannel(
        host + ":" + std::to_string((*server)->port()), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    clinic::testing::AddToken(context, token);
    v1::WhoAmIResponse response;
    return stub->WhoAmI(&context, {}, &response);
  };
  EXPECT_TRUE(call("127.0.0.1").ok());
  const grpc::Status remote = call(address);
  EXPECT_EQ(remote.error_code(), grpc::UNAUTHENTICATED) << remote.error_message();
  EXPECT_THAT(remote.error_message(), ::testing::HasSubstr("only over TLS"));
}

TEST(LocalPeerTest, OnlyThisMachineAndThisProcessCountAsLocal) {
  // Network connections: plaintext ("insecure") or TLS ("ssl").
  for (const char* type : {"insecure", "ssl"}) {
    for (const char* local :
         {"ipv4:127.0.0.1:50321", "ipv4:127.10.0.3:1", "ipv6:[::1]:50321",
          "ipv6:[::ffff:127.0.0.1]:50321", "unix:/run/clinic.sock", "unix-abstract:clinic"}) {
      EXPECT_TRUE(server::IsLocalPeer(local, type)) << local << " " << type;
    }
    for (const char* remote :
         {"unknown", "inproc", "", "ipv4:10.0.4.17:50321", "ipv4:128.0.0.1:50321", "ipv4:0.0.0.0:1",
          "ipv6:[::ffff:10.0.0.1]:50321", "ipv6:[2001:db8::1]:50321", "ipv6:[::2]:50321",
          "ipv4:1.127.0.0:80", "vsock:2:1234", "dns:localhost:443"}) {
      EXPECT_FALSE(server::IsLocalPeer(remote, type)) << remote << " " << type;
    }
  }
  // The in-process channel: no security handshake, so no type.
  EXPECT_TRUE(server::IsLocalPeer("unknown", ""));
  EXPECT_TRUE(server::IsLocalPeer("inproc", ""));
  for (const char* other :
       {"", "ipv4:10.0.4.17:50321", "ipv4:127.0.0.1:1", "inproc:x", "Unknown"}) {
    EXPECT_FALSE(server::IsLocalPeer(other, "")) << other;
  }
  EXPECT_TRUE(server::IsPublicMethod("/grpc.health.v1.Health/Check"));
  EXPECT_FALSE(server::IsPublicMethod("/clinic.v1.ClientRecords/GetClient"));
  EXPECT_FALSE(server::IsPublicMethod("/grpc.health.v1.HealthX/Check"));
}

// A token over Server::InProcessChannel is accepted, and the peer gRPC 1.51
// reports for it (the audit event records it) is "unknown": what tells the
// in-process channel apart is that it has no transport security type.
TEST(LocalPeerTest, TheInProcessChannelIsRecognizedByItsPeer) {
  clinic::testing::TempDir data;
  clinic::testing::TempDir plugins;
  config::v1::ServerConfig config = clinic::testing::LoopbackConfig(data.path(), plugins.path());
  config.mutable_chain()->add_sites()->set_site_id(kOwnSite);
  auto server = server::Server::Start(config, {access::AccessFactory()});
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string token = clinic::testing::IssueTestToken(
      data.path(), "staff/admin", {clinic::testing::Binding(v1::ROLE_CHAIN_ADMIN)});
  auto stub = v1::Access::NewStub((*server)->InProcessChannel());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  clinic::testing::AddToken(context, token);
  v1::ListPrincipalsResponse response;
  const grpc::Status status = stub->ListPrincipals(&context, {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  auto events = (*server)->audit().Query({});
  ASSERT_TRUE(events.ok());
  ASSERT_FALSE(events->empty());
  const v1::AuditEvent& last = events->front();
  EXPECT_EQ(last.method(), "/clinic.v1.Access/ListPrincipals");
  EXPECT_THAT(last.peer(), ::testing::AnyOf("unknown", "inproc"));
  EXPECT_TRUE(server::IsLocalPeer(last.peer(), "")) << last.peer();
  EXPECT_FALSE(server::IsLocalPeer(last.peer(), "insecure")) << last.peer();
}

}  // namespace
}  // namespace clinic
