#include "tools/clinic_bench/local_server.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace clinic::bench {
namespace {

// The demo chain of deploy/config/clinicd.textproto, written into the
// temporary folder so the bench needs no source tree. The flags clinicd is
// started with give the rest.
constexpr char kConfig[] = R"(# Written by clinic-bench --start.
chain {
  chain_id: "lumen"
  display_name: "Lumen Skin Clinics"
  sites {
    site_id: "london-soho"
    display_name: "Lumen Skin - Soho, London"
    time_zone: "Europe/London"
    currency_code: "GBP"
    country_code: "GB"
    tax_rate_basis_points: 2000
    prices_include_tax: true
  }
  sites {
    site_id: "new-york-soho"
    display_name: "Lumen Skin - SoHo, New York"
    time_zone: "America/New_York"
    currency_code: "USD"
    country_code: "US"
    tax_rate_basis_points: 888
  }
}
server { shutdown_grace_seconds: 5 }
)";

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopTimeout = std::chrono::seconds(15);
constexpr auto kPoll = std::chrono::milliseconds(10);
constexpr auto kStartPoll = std::chrono::microseconds(500);
// How much of the server's stderr an error quotes.
constexpr size_t kStderrTail = 2000;

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

bool IsDirectory(const std::string& path) {
  struct stat info;
  return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

std::string Tail(const std::string& text) {
  return text.size() <= kStderrTail ? text : "..." + text.substr(text.size() - kStderrTail);
}

// Whether the child has exited; reaps it when it has.
bool Exited(pid_t pid) {
  int status = 0;
  return waitpid(pid, &status, WNOHANG) == pid;
}

}  // namespace

double OwnCpuSeconds() {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double LocalServer::CpuSeconds() const {
  // Fields 14 and 15 of /proc/PID/stat, after the command in parentheses
  // (which may itself hold spaces), are user and system time in ticks.
  const std::string stat = ReadFileOrEmpty(absl::StrCat("/proc/", pid_, "/stat"));
  const size_t close = stat.rfind(')');
  if (pid_ <= 0 || close == std::string::npos) return 0;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index >= 14) ticks += std::strtod(field.c_str(), nullptr);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string ProgramDir() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? "." : self.parent_path().string();
}

absl::StatusOr<std::unique_ptr<LocalServer>> LocalServer::Start(const Options& options) {
  const std::string program = options.clinicd.empty() ? ProgramDir() + "/clinicd" : options.clinicd;
  if (access(program.c_str(), X_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot run clinicd at ", program, "; give its path with --clinicd"));
  }
  std::string plugin_dir = options.plugin_dir;
  if (plugin_dir.empty()) {
    // The build tree keeps bin/ and plugins/ side by side.
    plugin_dir = ProgramDir() + "/../plugins";
    if (!IsDirectory(plugin_dir)) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot find the bundled plugins at ", plugin_dir, "; give --plugin_dir"));
    }
  }
  std::string parent = options.parent_dir;
  if (parent.empty()) {
    const char* tmpdir = std::getenv("TMPDIR");
    parent = tmpdir != nullptr && *tmpdir != 0 ? tmpdir : "/tmp";
  }
  std::string pattern = parent + "/clinic-bench-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot make a folder in ", parent, ": ", std::strerror(errno)));
  }

  std::unique_ptr<LocalServer> server(new LocalServer);
  server->dir_ = pattern;
  server->keep_ = options.keep;
  const std::string config = server->dir_ + "/clinicd.textproto";
  server->port_file_ = server->dir_ + "/port";
  std::ofstream(config) << kConfig;
  server->args_ = {program,
                   "--config=" + config,
                   "--listen=127.0.0.1:0",
                   "--data_dir=" + server->data_dir(),
                   "--plugin_dir=" + plugin_dir,
                   "--port_file=" + server->port_file_,
                   "--log_level=" + options.log_level,
                   "--bootstrap_admin_token=" + server->admin_token_file()};
  absl::StatusOr<double> seconds = server->Launch();
  if (!seconds.ok()) return seconds.status();
  server->start_seconds_ = *seconds;
  return server;
}

absl::StatusOr<double> LocalServer::Launch() {
  std::vector<char*> argv;
  argv.reserve(args_.size() + 1);
  for (const std::string& arg : args_) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const std::string out = dir_ + "/clinicd.stdout";
  const std::string err = log_file();
  // A restart writes a new port file: the old one must not be taken for it.
  unlink(port_file_.c_str());

  const pid_t parent_pid = getpid();
  const auto started = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    return absl::FailedPreconditionError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Only async-signal-safe calls until exec. The server goes with the
    // bench, even when the bench is killed. Each start's log follows the
    // one before.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent_pid) _exit(127);
    const int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int err_fd = open(err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out_fd < 0 || err_fd < 0) _exit(127);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  for (;;) {
    const std::string port = ReadFileOrEmpty(port_file_);
    if (!port.empty() && port.back() == '\n') {
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      target_ = absl::StrCat("127.0.0.1:", port.substr(0, port.size() - 1));
      return seconds;
    }
    if (Exited(pid)) {
      pid_ = -1;
      return absl::FailedPreconditionError(
          absl::StrCat("clinicd exited before listening:\n", Tail(ReadFileOrEmpty(err))));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::FailedPreconditionError(
          absl::StrCat("clinicd did not listen within 30 s:\n", Tail(ReadFileOrEmpty(err))));
    }
    // Finely, since the wait is the start being measured.
    std::this_thread::sleep_for(kStartPoll);
  }
}

void LocalServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + kStopTimeout;
  while (!Exited(pid_)) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(kPoll);
  }
  pid_ = -1;
}

absl::StatusOr<double> LocalServer::Restart() {
  Stop();
  return Launch();
}

int64_t LocalServer::RssBytes() const {
  if (pid_ <= 0) return 0;
  std::ifstream status(absl::StrCat("/proc/", pid_, "/status"));
  for (std::string line; std::getline(status, line);) {
    if (!absl::StartsWith(line, "VmRSS:")) continue;
    // "VmRSS:     23456 kB"
    return std::strtoll(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

LocalServer::~LocalServer() {
  Stop();
  if (!keep_ && !dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

}  // namespace clinic::bench
