// RunServerMain: flags, config, signals. Kept apart from server.cc so tests
// that start servers directly do not depend on process-wide signal handling.
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "common/config/config.h"
#include "common/core/log.h"
#include "common/server/server.h"

ABSL_FLAG(std::string, config, "", "Path of the text-format config file (ServerConfig).");
ABSL_FLAG(std::string, listen, "", "Overrides listen_address, e.g. 127.0.0.1:50051 or :0.");
ABSL_FLAG(std::string, data_dir, "", "Overrides data_dir.");
ABSL_FLAG(std::string, plugin_dir, "", "Overrides plugin_dir.");
ABSL_FLAG(std::string, log_level, "", "Overrides log_level: debug, info, warning or error.");
ABSL_FLAG(std::string, port_file, "", "Overrides port_file: where the bound port is written.");
ABSL_FLAG(std::string, pid_file, "",
          "Overrides pid_file: where the process id is written while the server runs.");
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

// The process id a pid file holds; 0 when it holds none (missing, empty,
// not a number).
pid_t ReadPidFile(const std::string& path) {
  std::ifstream in(path);
  std::string text(32, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  int pid = 0;
  if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &pid) || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

// Writes this process's id to `path`, whole or not at all: a script reading
// it never sees half a number. A file naming another running process is
// overwritten (a second server configured with the same file); that is
// logged, since signals sent by the file now reach this one.
absl::Status WritePidFile(const std::string& path) {
  const pid_t self = getpid();
  if (const pid_t previous = ReadPidFile(path);
      previous != 0 && previous != self && kill(previous, 0) == 0) {
    Log(LogLevel::kWarning, "pid_file named another running process; it names this one now",
        {{"pid_file", path}, {"previous_pid", static_cast<int64_t>(previous)}});
  }
  const std::string temporary = absl::StrCat(path, ".", self, ".tmp");
  FILE* file = std::fopen(temporary.c_str(), "w");
  if (file == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("pid_file: cannot write '", temporary, "': ", strerror(errno)));
  }
  const bool written = std::fprintf(file, "%d\n", static_cast<int>(self)) > 0;
  if (std::fclose(file) != 0 || !written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string error = strerror(errno);
    std::remove(temporary.c_str());
    return absl::FailedPreconditionError(
        absl::StrCat("pid_file: cannot write '", path, "': ", error));
  }
  return absl::OkStatus();
}

// Removes the pid file unless another process has written its own since.
void RemovePidFile(const std::string& path) {
  if (ReadPidFile(path) == getpid()) std::remove(path.c_str());
}

}  // namespace

int RunServerMain(int argc, char** argv, absl::string_view program_name,
                  const std::vector<ServiceFactory>& factories) {
  absl::SetProgramUsageMessage(
      absl::StrCat(program_name, ": a Clinic Core server.\nUsage: ", program_name,
                   " [--config=FILE] [--listen=HOST:PORT] [--data_dir=DIR] [--plugin_dir=DIR]"));
  absl::ParseCommandLine(argc, argv);
  // Debian builds Abseil without NDEBUG, which leaves absl::Mutex's deadlock
  // detection on: a lock-order graph updated on every lock gRPC takes, a
  // few percent of the server's time per call (docs/performance.md). It is
  // a debugging aid; tests and sanitizers keep it where it is wanted.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  config::ConfigOverrides overrides;
  overrides.listen_address = NonEmpty(absl::GetFlag(FLAGS_listen));
  overrides.data_dir = NonEmpty(absl::GetFlag(FLAGS_data_dir));
  overrides.plugin_dir = NonEmpty(absl::GetFlag(FLAGS_plugin_dir));
  overrides.log_level = NonEmpty(absl::GetFlag(FLAGS_log_level));
  overrides.port_file = NonEmpty(absl::GetFlag(FLAGS_port_file));
  overrides.pid_file = NonEmpty(absl::GetFlag(FLAGS_pid_file));
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
  // Written once the signals below are handled: a SIGHUP sent by the file
  // reloads plugins rather than ending the process.
  const std::string& pid_file = config->pid_file();
  if (!pid_file.empty()) {
    if (absl::Status written = WritePidFile(pid_file); !written.ok()) {
      std::fprintf(stderr, "%s: cannot start: %s\n", std::string(program_name).c_str(),
                   std::string(written.message()).c_str());
      (*server)->Shutdown(absl::ZeroDuration());
      (*server)->Wait();
      return 1;
    }
  }
  std::fprintf(stdout, "%s listening on %s (port %d, pid %d)\n", std::string(program_name).c_str(),
               config->listen_address().c_str(), (*server)->port(), static_cast<int>(getpid()));
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
  if (!pid_file.empty()) RemovePidFile(pid_file);
  return 0;
}

}  // namespace clinic::server
