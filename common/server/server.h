// The server bootstrap every Clinic Core process shares: builds the gRPC
// server from the config with health checking, reflection, limits, keepalive
// and the interceptor chain, hosts the services a main picks, loads the
// plugins, and shuts down gracefully. Mains call RunServerMain; tests call
// Server::Start directly to get a real server on a loopback port.
#ifndef CLINIC_COMMON_SERVER_SERVER_H_
#define CLINIC_COMMON_SERVER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clinic/config/v1/server_config.pb.h"
#include "common/audit/audit_log.h"
#include "common/auth/access_store.h"
#include "common/plugins/plugin_host.h"
#include "common/server/heap_trimmer.h"
#include "common/server/service_kit.h"
#include "common/server/upstream.h"

namespace clinic::server {

// What the bootstrap hands every service it hosts.
struct ServiceContext {
  const clinic::config::v1::ServerConfig& config;
  plugins::PluginHost& plugin_host;
  auth::AccessStore& access;
  audit::AuditLog& audit;
  // The Clinic Core services this process's services call (upstream.h).
  Upstreams& upstreams;
};

// Makes one hosted service; may fail, e.g. when its database cannot be opened.
using ServiceFactory =
    std::function<absl::StatusOr<std::unique_ptr<HostedService>>(const ServiceContext&)>;

class Server {
 public:
  // Validates nothing: pass a config from LoadServerConfig. Loads the plugins
  // (recording their definitions in config.plugins.history_database), builds
  // every service and starts listening.
  // Every Clinic Core RPC is authenticated, authorized and audited
  // (auth_interceptor.h) with the access database and audit trail named in
  // config.security.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      clinic::config::v1::ServerConfig config, const std::vector<ServiceFactory>& factories);

  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The port actually bound (useful with port 0); 0 for unix sockets.
  int port() const { return port_; }

  // Reports NOT_SERVING on health, ends open streams (UNAVAILABLE, so their
  // callers resume elsewhere), stops accepting calls, lets running calls
  // finish for up to `grace`, then cancels what is left. Idempotent.
  void Shutdown(absl::Duration grace);

  // Blocks until Shutdown has completed.
  void Wait();

  // The full proto names of the services this server hosts, e.g.
  // "clinic.v1.ClientRecords".
  std::vector<std::string> service_names() const {
    std::vector<std::string> names;
    for (const auto& service : services_) names.emplace_back(service->full_name());
    return names;
  }

  plugins::PluginHost& plugin_host() { return *plugin_host_; }
  auth::AccessStore& access() { return *access_; }
  audit::AuditLog& audit() { return *audit_; }
  Upstreams& upstreams() { return *upstreams_; }
  const clinic::config::v1::ServerConfig& config() const { return config_; }

  // A channel to this server that skips the network, for co-hosted services
  // calling each other.
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  Server() = default;

  clinic::config::v1::ServerConfig config_;
  std::unique_ptr<plugins::PluginHost> plugin_host_;
  std::unique_ptr<auth::AccessStore> access_;
  std::unique_ptr<audit::AuditLog> audit_;
  std::unique_ptr<Upstreams> upstreams_;
  std::vector<std::unique_ptr<HostedService>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HeapTrimmer> trimmer_;
  int port_ = 0;
  std::once_flag shutdown_once_;
};

// The complete main of a Clinic Core process: parses flags (--config,
// --listen, --data_dir, --plugin_dir, --log_level, --port_file), loads and
// validates the config (refusing to start with a clear message when it is
// invalid), starts the server with the given services, reloads plugins on
// SIGHUP and shuts down gracefully on SIGTERM or SIGINT. Returns the exit code.
int RunServerMain(int argc, char** argv, absl::string_view program_name,
                  const std::vector<ServiceFactory>& factories);

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_SERVER_H_
