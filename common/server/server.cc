#include "common/server/server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/resource_quota.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "common/config/config.h"
#include "common/core/log.h"
#include "common/core/thread_name.h"
#include "common/server/auth_interceptor.h"
#include "common/server/call_log_interceptor.h"
#include "common/server/call_outcome.h"

namespace clinic::server {
namespace {

using clinic::config::v1::ServerConfig;

// How often, and from how much freed memory, the heap is trimmed: after a
// burst the process returns to its working size within seconds, and a quiet
// one pays one mallinfo2 call every few seconds.
constexpr absl::Duration kHeapTrimInterval = absl::Seconds(2);
constexpr size_t kHeapTrimThreshold = 16 << 20;

// Serves reflection on this server exactly when `enabled`. Linking gRPC's
// reflection library registers its plugin for every server in the process
// (a static initializer), so the plugin is already in the list: it is taken
// out, and put back once when enabled, so server.reflection_disabled is
// honoured and reflection is not registered twice.
class ReflectionOption : public grpc::ServerBuilderOption {
 public:
  explicit ReflectionOption(bool enabled) : enabled_(enabled) {}
  void UpdateArguments(grpc::ChannelArguments* /*args*/) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    const std::string name = grpc::reflection::ProtoServerReflectionPlugin().name();
    plugins->erase(
        std::remove_if(plugins->begin(), plugins->end(),
                       [&name](const std::unique_ptr<grpc::ServerBuilderPlugin>& plugin) {
                         return plugin != nullptr && plugin->name() == name;
                       }),
        plugins->end());
    if (enabled_) {
      plugins->push_back(std::make_unique<grpc::reflection::ProtoServerReflectionPlugin>());
    }
  }

 private:
  bool enabled_;
};

absl::Status MakeDirectories(const std::string& path) {
  if (path.empty()) return absl::InvalidArgumentError("data_dir: must not be empty");
  std::string partial;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    partial = path.substr(0, slash);
    start = slash + 1;
    if (partial.empty()) continue;
    if (mkdir(partial.c_str(), 0750) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(
          absl::StrCat("data_dir: cannot create '", partial, "': ", strerror(errno)));
    }
  }
  struct stat info;
  if (stat(path.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("data_dir: '", path, "' exists but is not a folder"));
  }
  return absl::OkStatus();
}

absl::Status WritePortFile(const std::string& path, int port) {
  const std::string temporary = path + ".tmp";
  FILE* file = std::fopen(temporary.c_str(), "w");
  if (file == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("port_file: cannot write '", temporary, "': ", strerror(errno)));
  }
  std::fprintf(file, "%d\n", port);
  std::fclose(file);
  // Renaming makes the file appear complete, so a script polling for it never
  // reads a half-written port.
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("port_file: cannot write '", path, "': ", strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadPem(absl::string_view field, const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": cannot read '", path, "': ", strerror(errno)));
  }
  std::string contents;
  char buffer[4096];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof(buffer), file)) > 0) contents.append(buffer, read);
  std::fclose(file);
  if (contents.find("-----BEGIN ") == std::string::npos) {
    return absl::FailedPreconditionError(absl::StrCat(field, ": '", path, "' is not a PEM file"));
  }
  return contents;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const clinic::config::v1::Tls& tls) {
  if (tls.cert_file().empty()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options;
  absl::StatusOr<std::string> cert = ReadPem("tls.cert_file", tls.cert_file());
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key = ReadPem("tls.key_file", tls.key_file());
  if (!key.ok()) return key.status();
  options.pem_key_cert_pairs.push_back({*key, *cert});
  if (!tls.client_ca_file().empty()) {
    absl::StatusOr<std::string> ca = ReadPem("tls.client_ca_file", tls.client_ca_file());
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *ca;
    options.client_certificate_request =
        tls.require_client_certificate()
            ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
            : GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY;
  }
  return grpc::SslServerCredentials(options);
}

// Writes the first admin's token where quickstart and clinicctl expect it,
// readable by the owner only, replacing the file atomically.
absl::Status WriteSecretFile(const std::string& path, const std::string& secret) {
  const std::string temporary = path + ".tmp";
  const int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "security.bootstrap_admin_token_file: cannot write '", temporary, "': ", strerror(errno)));
  }
  const std::string line = secret + "\n";
  const bool written = write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "security.bootstrap_admin_token_file: cannot write '", path, "': ", strerror(errno)));
  }
  return absl::OkStatus();
}

// Runs one service's factory. A service that throws while it starts stops
// the start-up with a message, not with std::terminate.
absl::StatusOr<std::unique_ptr<HostedService>> StartService(const ServiceFactory& factory,
                                                            const ServiceContext& context) {
  try {
    return factory(context);
  } catch (const std::exception& exception) {
    return absl::InternalError(absl::StrCat("starting a service threw: ",
                                            absl::string_view(exception.what()).substr(0, 300)));
  } catch (...) {
    return absl::InternalError("starting a service threw something that is not a std::exception");
  }
}

// Loads the plugin folder on a thread of its own while the access and audit
// databases open and the services start. Probing a plugin is a child
// process that mostly waits, and a first start mostly waits for fsyncs, so
// one after the other they were most of a start-up (docs/performance.md,
// "Start-up"). The host exists before any service starts (services keep a
// reference to it and read it only in calls); the load is joined before the
// server listens, so no call sees a catalog still loading. Joins on
// destruction, on every path out of Start.
class PluginLoading {
 public:
  PluginLoading(const ServerConfig& config, std::unique_ptr<plugins::PluginHost>& host)
      : thread_([this, &config, &host] { Run(config, host); }) {}
  ~PluginLoading() {
    if (thread_.joinable()) thread_.join();
  }
  PluginLoading(const PluginLoading&) = delete;
  PluginLoading& operator=(const PluginLoading&) = delete;

  // Waits until the host is built (or could not be): OK once it exists.
  absl::Status HostBuilt() {
    absl::MutexLock lock(&mutex_);
    mutex_.Await(absl::Condition(&built_));
    return built_status_;
  }

  // Waits for the whole load; how long it took, or why it failed.
  absl::StatusOr<int64_t> Finished() {
    if (thread_.joinable()) thread_.join();
    if (!loaded_status_.ok()) return loaded_status_;
    return loaded_ms_;
  }

 private:
  void Run(const ServerConfig& config, std::unique_ptr<plugins::PluginHost>& host) {
    NameThisThread("plugin-load");
    const absl::Time began = absl::Now();
    absl::Status built = Build(config, host);
    {
      absl::MutexLock lock(&mutex_);
      built_status_ = built;
      built_ = true;
    }
    if (!built.ok()) {
      loaded_status_ = built;
      return;
    }
    loaded_status_ = Load(*host);
    loaded_ms_ = absl::ToInt64Milliseconds(absl::Now() - began);
  }

  static absl::Status Build(const ServerConfig& config,
                            std::unique_ptr<plugins::PluginHost>& host) {
    try {
      absl::StatusOr<std::unique_ptr<plugins::DefinitionHistory>> history =
          plugins::DefinitionHistory::Open(config.plugins().history_database());
      if (!history.ok()) return history.status();
      plugins::PluginHostOptions options;
      options.plugin_dir = config.plugin_dir();
      options.probe_path = config.plugins().probe_path();
      options.load_timeout = absl::Milliseconds(config.plugins().load_timeout_ms());
      host = std::make_unique<plugins::PluginHost>(std::move(options), *std::move(history));
      return absl::OkStatus();
    } catch (const std::exception& exception) {
      return absl::InternalError(absl::StrCat("opening the plugin host threw: ",
                                              absl::string_view(exception.what()).substr(0, 300)));
    } catch (...) {
      return absl::InternalError(
          "opening the plugin host threw something that is not a std::exception");
    }
  }

  static absl::Status Load(plugins::PluginHost& host) {
    try {
      host.Reload();
      return absl::OkStatus();
    } catch (const std::exception& exception) {
      return absl::InternalError(absl::StrCat("loading plugins threw: ",
                                              absl::string_view(exception.what()).substr(0, 300)));
    } catch (...) {
      return absl::InternalError("loading plugins threw something that is not a std::exception");
    }
  }

  absl::Mutex mutex_;
  bool built_ ABSL_GUARDED_BY(mutex_) = false;
  absl::Status built_status_ ABSL_GUARDED_BY(mutex_);
  // Written by the thread, read after it is joined.
  absl::Status loaded_status_;
  int64_t loaded_ms_ = 0;
  // Last: it starts running in the constructor and uses the fields above.
  std::thread thread_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    ServerConfig config, const std::vector<ServiceFactory>& factories) {
  // Where a start went, in the "server started" line: how long opening the
  // access and audit databases, starting the services and listening each
  // took, one after another, and how long loading the plugins took beside
  // the first two (docs/performance.md, "Start-up").
  const absl::Time began = absl::Now();
  absl::Time phase_began = began;
  const auto phase_ms = [&phase_began] {
    const absl::Time now = absl::Now();
    const int64_t ms = absl::ToInt64Milliseconds(now - phase_began);
    phase_began = now;
    return ms;
  };
  std::unique_ptr<Server> server(new Server());
  server->config_ = std::move(config);
  // Tests pass configs that did not come through LoadServerConfig; the same
  // defaults apply to them (the access, audit and history database paths
  // among them).
  config::ApplyDefaults(server->config_);
  const clinic::config::v1::Security& security = server->config_.security();
  const ServerConfig& cfg = server->config_;

  if (absl::Status status = MakeDirectories(cfg.data_dir()); !status.ok()) return status;
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials = Credentials(cfg.tls());
  if (!credentials.ok()) return credentials.status();
  // Declared after `server`, so it is joined before the server it writes
  // into is destroyed, whatever path leaves this function.
  PluginLoading plugin_loading(cfg, server->plugin_host_);

  // The audit trail opens beside the access database: on a first start
  // both mostly wait for the fsyncs that create their files.
  absl::StatusOr<std::unique_ptr<audit::AuditLog>> audit =
      absl::InternalError("the audit trail was not opened");
  std::thread audit_opener([&audit, &security] {
    NameThisThread("audit-open");
    try {
      audit = audit::AuditLog::Open(security.audit_database());
    } catch (const std::exception& exception) {
      audit = absl::InternalError(absl::StrCat("opening the audit trail threw: ",
                                               absl::string_view(exception.what()).substr(0, 300)));
    } catch (...) {
      audit = absl::InternalError(
          "opening the audit trail threw something that is not a "
          "std::exception");
    }
  });
  absl::StatusOr<std::unique_ptr<auth::AccessStore>> access =
      auth::AccessStore::Open(security.access_database());
  audit_opener.join();
  if (!access.ok()) return access.status();
  server->access_ = std::move(*access);
  if (!audit.ok()) return audit.status();
  server->audit_ = std::move(*audit);
  if (!security.bootstrap_admin_token_file().empty()) {
    absl::StatusOr<absl::optional<auth::IssuedToken>> first =
        server->access_->Bootstrap("staff/admin", absl::Now());
    if (!first.ok()) return first.status();
    if (first->has_value()) {
      if (absl::Status status =
              WriteSecretFile(security.bootstrap_admin_token_file(), (*first)->secret);
          !status.ok()) {
        return status;
      }
      Log(LogLevel::kWarning, "new installation: created chain admin staff/admin",
          {{"token_file", security.bootstrap_admin_token_file()}});
    }
  }

  const int64_t databases_ms = phase_ms();
  if (absl::Status built = plugin_loading.HostBuilt(); !built.ok()) return built;

  absl::StatusOr<std::unique_ptr<Upstreams>> upstreams = Upstreams::Open(cfg.upstreams());
  if (!upstreams.ok()) return upstreams.status();
  server->upstreams_ = std::move(*upstreams);

  const ServiceContext context{cfg, *server->plugin_host_, *server->access_, *server->audit_,
                               *server->upstreams_};
  // The services start side by side: each opens its own database and starts
  // its own threads, and some load large tables (phone numbering metadata),
  // so one after another they were most of a start-up (docs/performance.md).
  // A factory reads the context and its own files only; Upstreams::Get, the
  // one shared thing a factory changes, takes a lock.
  std::vector<absl::StatusOr<std::unique_ptr<HostedService>>> started;
  started.reserve(factories.size());
  for (size_t i = 0; i < factories.size(); ++i) {
    started.emplace_back(absl::InternalError("the service did not start"));
  }
  {
    std::vector<std::thread> starters;
    starters.reserve(factories.size());
    for (size_t i = 0; i < factories.size(); ++i) {
      starters.emplace_back([&, i] { started[i] = StartService(factories[i], context); });
    }
    for (std::thread& starter : starters) starter.join();
  }
  // Refused in the services' order, as when they started one by one.
  for (absl::StatusOr<std::unique_ptr<HostedService>>& service : started) {
    if (!service.ok()) return service.status();
    if (absl::Status complete = (*service)->CheckComplete(); !complete.ok()) return complete;
    server->services_.push_back(std::move(*service));
  }
  if (absl::Status hosted = server->upstreams_->CheckHosted(server->service_names());
      !hosted.ok()) {
    return hosted;
  }
  const int64_t services_ms = phase_ms();
  // The load's own length; it overlapped the two phases above, and any wait
  // for its end is left out of listen_ms.
  absl::StatusOr<int64_t> plugins_ms = plugin_loading.Finished();
  if (!plugins_ms.ok()) return plugins_ms.status();
  phase_ms();

  NoteProtobufParseErrors();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  builder.SetOption(std::make_unique<ReflectionOption>(!cfg.server().reflection_disabled()));
  builder.AddListeningPort(cfg.listen_address(), *credentials, &server->port_);
  for (const auto& service : server->services_) builder.RegisterService(service.get());
  // Each call's context carries its access decision to the service kit.
  builder.SetContextAllocator(CallContextAllocator());

  const int max_message = cfg.server().max_message_bytes();
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  // gRPC 1.51 reads a message whole before comparing it with the limit, and
  // widens the stream's flow-control window to the length its prefix claims,
  // so a caller claiming 4 GiB is read until memory runs out. Every buffer
  // of the transport is charged to this quota; when it is spent gRPC refuses
  // and cancels streams instead of growing (docs/operations.md).
  grpc::ResourceQuota quota("clinic-server");
  quota.Resize(static_cast<size_t>(cfg.server().memory_limit_bytes()));
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             cfg.server().max_concurrent_streams_per_connection());
  const int keepalive_s = cfg.server().keepalive_time_seconds();
  const int keepalive_timeout_s = cfg.server().keepalive_timeout_seconds();
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, keepalive_s * 1000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, keepalive_timeout_s * 1000);
  // Idle connections from staff tools are normal; keep probing them and let
  // clients ping every 10 s without being told off.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);

  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> interceptors;
  // Outgoing steps run in this order and incoming ones in reverse: the call
  // log reads the request id first, and logs the status after the access
  // step has settled it, so the log and the audit trail agree.
  interceptors.push_back(std::make_unique<AuthInterceptorFactory>(
      *server->access_, *server->audit_, static_cast<size_t>(max_message),
      &server->upstreams_->in_process_identity()));
  interceptors.push_back(std::make_unique<CallLogInterceptorFactory>());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));

  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("listen_address: cannot listen on '", cfg.listen_address(),
                     "': the address is invalid, in use, or not allowed for this user"));
  }

  server->upstreams_->SetInProcessChannel(server->InProcessChannel());
  server->trimmer_ = std::make_unique<HeapTrimmer>(kHeapTrimInterval, kHeapTrimThreshold);

  grpc::HealthCheckServiceInterface* health = server->server_->GetHealthCheckService();
  std::vector<std::string> names;
  for (const auto& service : server->services_) {
    names.emplace_back(service->full_name());
    if (health != nullptr) health->SetServingStatus(std::string(service->full_name()), true);
  }
  if (health != nullptr) health->SetServingStatus(true);

  if (!cfg.port_file().empty()) {
    if (absl::Status status = WritePortFile(cfg.port_file(), server->port_); !status.ok()) {
      server->Shutdown(absl::ZeroDuration());
      return status;
    }
  }
  const auto snapshot = server->plugin_host_->Current();
  Log(LogLevel::kInfo, "server started",
      {{"listen", cfg.listen_address()},
       {"port", server->port_},
       // The process to signal (SIGHUP reloads plugins), where several run.
       {"pid", static_cast<int64_t>(getpid())},
       {"services", absl::StrJoin(names, ",")},
       {"treatment_types", static_cast<int64_t>(snapshot->treatment_types().size())},
       {"plugin_problems", static_cast<int64_t>(snapshot->problems().size())},
       {"data_dir", cfg.data_dir()},
       {"tls", !cfg.tls().cert_file().empty()},
       {"client_certificates",
        cfg.tls().client_ca_file().empty()
            ? "none"
            : (cfg.tls().require_client_certificate() ? "required" : "accepted")},
       {"start_ms", absl::ToInt64Milliseconds(absl::Now() - began)},
       {"databases_ms", databases_ms},
       {"plugins_ms", *plugins_ms},
       {"services_ms", services_ms},
       {"listen_ms", phase_ms()}});
  return server;
}

Server::~Server() { Shutdown(absl::ZeroDuration()); }

void Server::Shutdown(absl::Duration grace) {
  std::call_once(shutdown_once_, [this, grace] {
    if (server_ == nullptr) return;
    if (grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService()) {
      // Load balancers stop sending new calls before the listener closes.
      health->Shutdown();
    }
    Log(LogLevel::kInfo, "server shutting down",
        {{"grace_ms", static_cast<int64_t>(absl::ToInt64Milliseconds(grace))}});
    // Streams would run for the whole grace and then be cancelled: they are
    // ended first, with a status that tells their callers to resume, so the
    // grace goes to unary calls finishing their work.
    for (const auto& service : services_) service->StopBackgroundWork();
    for (const auto& service : services_) service->EndStreams();
    server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
    trimmer_.reset();
    Log(LogLevel::kInfo, "server stopped");
  });
}

void Server::Wait() {
  if (server_ != nullptr) server_->Wait();
}

std::shared_ptr<grpc::Channel> Server::InProcessChannel() {
  // Answers as large as the server may send must fit through.
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(config_.server().max_message_bytes());
  arguments.SetMaxSendMessageSize(config_.server().max_message_bytes());
  return server_->InProcessChannel(arguments);
}

}  // namespace clinic::server
