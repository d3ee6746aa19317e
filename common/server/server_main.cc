// RunServerMain: flags, config, signals. Kept apart from server.cc so tests
// that start servers directly do not depend on process-wide signal handling.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "common/config/config.h"
#include "common/core/log.h"
#include "common/server/server.h"

ABSL_FLAG(std::string, config, "", "Path of the text-format config file (ServerConfig).");
ABSL_FLAG(std::string, listen, "", "Overrides listen_address, e.g. 127.0.0.1:50051 or :0.");
ABSL_FLAG(std::string, data_dir, "", "Overrides data_dir.");
ABSL_FLAG(std::string, plugin_dir, "", "Overrides plugin_dir.");
ABSL_FLAG(std::string, log_level, "", "Overrides log_level: debug, info, warning or error.");
ABSL_FLAG(std::string, port_file, "", "Overrides port_file: where the bound port is written.");
ABSL_FLAG(std::string, bootstrap_admin_token, "",
          "Overrides security.bootstrap_admin_token_file: on a new installation, where the "
          "first chain admin's token is written.");

namespace clinic::server {
namespace {

constexpr int kMallocArenas = 4;

absl::optional<std::string> NonEmpty(const std::string& value) {
  if (value.empty()) return absl::nullopt;
  return value;
}

}  // namespace

int RunServerMain(int argc, char** argv, absl::string_view program_name,
                  const std::vector<ServiceFactory>& factories) {
  absl::SetProgramUsageMessage(
      absl::StrCat(program_name, ": a Clinic Core server.\nUsage: ", program_name,
                   " [--config=FILE] [--listen=HOST:PORT] [--data_dir=DIR] [--plugin_dir=DIR]"));
  absl::ParseCommandLine(argc, argv);

  config::ConfigOverrides overrides;
  overrides.listen_address = NonEmpty(absl::GetFlag(FLAGS_listen));
  overrides.data_dir = NonEmpty(absl::GetFlag(FLAGS_data_dir));
  overrides.plugin_dir = NonEmpty(absl::GetFlag(FLAGS_plugin_dir));
  overrides.log_level = NonEmpty(absl::GetFlag(FLAGS_log_level));
  overrides.port_file = NonEmpty(absl::GetFlag(FLAGS_port_file));
  overrides.bootstrap_admin_token_file = NonEmpty(absl::GetFlag(FLAGS_bootstrap_admin_token));
  absl::StatusOr<clinic::config::v1::ServerConfig> config =
      config::LoadServerConfig(absl::GetFlag(FLAGS_config), overrides);
  if (!config.ok()) {
    std::fprintf(stderr, "%s: refusing to start: %s\n", std::string(program_name).c_str(),
                 std::string(config.status().message()).c_str());
    return 2;
  }
  SetLogLevel(config::ToLogLevel(config->log_level()));

  // Before any thread exists: glibc gives each busy thread its own heap
  // arena (up to 8 per core) and seldom returns memory freed in them, so a
  // burst of calls over gRPC's growing thread pool left the process holding
  // hundreds of MB. A few arenas keep allocation fast for this many threads.
  // MALLOC_ARENA_MAX in the environment still wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, kMallocArenas);

  // Block the signals before any thread exists, so every thread inherits the
  // mask and only the waiter below ever sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // LoadServerConfig has applied the defaults; Server::Start applies them
  // again for configs built in code.
  const int grace_seconds = config->server().shutdown_grace_seconds();
  absl::StatusOr<std::unique_ptr<Server>> server = Server::Start(*config, factories);
  if (!server.ok()) {
    std::fprintf(stderr, "%s: cannot start: %s\n", std::string(program_name).c_str(),
                 std::string(server.status().message()).c_str());
    return 1;
  }
  std::fprintf(stdout, "%s listening on %s (port %d)\n", std::string(program_name).c_str(),
               config->listen_address().c_str(), (*server)->port());
  std::fflush(stdout);

  for (;;) {
    int received = 0;
    if (sigwait(&signals, &received) != 0) continue;
    if (received == SIGHUP) {
      Log(LogLevel::kInfo, "SIGHUP: reloading plugins");
      // Plugins are foreign code; a reload that throws must not end the
      // process that keeps serving the previous catalog.
      try {
        (*server)->plugin_host().Reload();
      } catch (const std::exception& exception) {
        Log(LogLevel::kError, "SIGHUP: plugin reload threw; the previous catalog stays",
            {{"exception", std::string(absl::string_view(exception.what()).substr(0, 300))}});
      } catch (...) {
        Log(LogLevel::kError, "SIGHUP: plugin reload threw; the previous catalog stays");
      }
      continue;
    }
    Log(LogLevel::kInfo, "shutdown requested",
        {{"signal", received == SIGTERM ? "SIGTERM" : "SIGINT"}});
    break;
  }
  (*server)->Shutdown(absl::Seconds(grace_seconds));
  (*server)->Wait();
  return 0;
}

}  // namespace clinic::server
