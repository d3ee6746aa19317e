#include "common/plugins/probe_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/plugins/probe_protocol.h"

extern char** environ;

namespace clinic::plugins {
namespace {

using clinic::v1::PluginProblemStage;

constexpr size_t kMaxStderrBytes = size_t{16} * 1024;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  void Reset(int fd) {
    Close();
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

ProbeOutcome Failure(PluginProblemStage stage, std::string reason) {
  ProbeOutcome outcome;
  outcome.stage = stage;
  outcome.reason = std::move(reason);
  return outcome;
}

bool MakePipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return true;
}

// Reads what the child writes until both pipes close or the deadline passes.
// Returns false on timeout.
bool Drain(Fd& out, Fd& err, absl::Time deadline, std::string& out_bytes, std::string& err_bytes,
           bool& too_large) {
  char buffer[64 * 1024];
  while (out.get() >= 0 || err.get() >= 0) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd fds[2] = {{out.get(), POLLIN, 0}, {err.get(), POLLIN, 0}};
    const int ready = poll(fds, 2, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (ready == 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = read(fds[i].fd, buffer, sizeof(buffer));
      Fd& fd = i == 0 ? out : err;
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        fd.Close();
        continue;
      }
      std::string& sink = i == 0 ? out_bytes : err_bytes;
      const size_t limit = i == 0 ? kMaxDefinitionBytes : kMaxStderrBytes;
      if (sink.size() + static_cast<size_t>(n) > limit) {
        if (i == 0) too_large = true;
        sink.append(buffer, limit - sink.size());
        fd.Close();
      } else {
        sink.append(buffer, static_cast<size_t>(n));
      }
    }
  }
  return true;
}

std::string TrimmedStderr(const std::string& text) {
  std::string out = text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

}  // namespace

ProbeOutcome RunProbe(const std::string& probe_path, const std::string& plugin_path,
                      absl::Duration timeout) {
  Fd out_read, out_write, err_read, err_write;
  if (!MakePipe(out_read, out_write) || !MakePipe(err_read, err_write)) {
    return Failure(v1::PLUGIN_PROBLEM_STAGE_CRASH,
                   absl::StrCat("could not create pipes to probe the plugin: ", strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  // The child starts with default signal dispositions and an empty mask even
  // though the server blocks SIGTERM/SIGHUP in its own threads.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t empty_mask, default_signals;
  sigemptyset(&empty_mask);
  sigemptyset(&default_signals);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) sigaddset(&default_signals, sig);
  posix_spawnattr_setsigmask(&attributes, &empty_mask);
  posix_spawnattr_setsigdefault(&attributes, &default_signals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv = {const_cast<char*>(probe_path.c_str()),
                             const_cast<char*>(plugin_path.c_str()), nullptr};
  pid_t pid = -1;
  const int spawn_error =
      posix_spawn(&pid, probe_path.c_str(), &actions, &attributes, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  out_write.Close();
  err_write.Close();
  if (spawn_error != 0) {
    return Failure(v1::PLUGIN_PROBLEM_STAGE_CRASH,
                   absl::StrCat("could not start the plugin probe '", probe_path, "': ",
                                strerror(spawn_error), "; set plugins.probe_path in the config"));
  }

  std::string out_bytes, err_bytes;
  bool too_large = false;
  const bool finished =
      Drain(out_read, err_read, absl::Now() + timeout, out_bytes, err_bytes, too_large);
  if (!finished) kill(pid, SIGKILL);
  int wait_status = 0;
  while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
  }
  if (!finished) {
    return Failure(v1::PLUGIN_PROBLEM_STAGE_TIMEOUT,
                   absl::StrCat("did not finish loading within ", absl::FormatDuration(timeout),
                                " and was stopped"));
  }
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    // What the plugin printed before dying is often the only clue (protobuf,
    // for one, explains its aborts), so it goes into the reason.
    std::string said = TrimmedStderr(err_bytes);
    if (said.size() > 600) said = absl::StrCat("...", said.substr(said.size() - 600));
    return Failure(v1::PLUGIN_PROBLEM_STAGE_CRASH,
                   absl::StrCat("crashed while loading (signal ", sig, ", ", strsignal(sig), ")",
                                said.empty() ? "" : "; it printed: ", said));
  }
  const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
  const std::string reason = TrimmedStderr(err_bytes);
  switch (code) {
    case kProbeOk:
      break;
    case kProbeOpenFailed:
      return Failure(v1::PLUGIN_PROBLEM_STAGE_OPEN, reason);
    case kProbeSymbolMissing:
      return Failure(v1::PLUGIN_PROBLEM_STAGE_SYMBOL, reason);
    case kProbeAbiMismatch:
      return Failure(v1::PLUGIN_PROBLEM_STAGE_ABI, reason);
    case kProbeDefinitionFailed:
      return Failure(v1::PLUGIN_PROBLEM_STAGE_DECODE, reason);
    default:
      return Failure(v1::PLUGIN_PROBLEM_STAGE_CRASH,
                     absl::StrCat("exited with status ", code, " while loading",
                                  reason.empty() ? "" : ": ", reason));
  }
  if (too_large) {
    return Failure(
        v1::PLUGIN_PROBLEM_STAGE_DECODE,
        absl::StrCat("the definition is larger than the ", kMaxDefinitionBytes, "-byte limit"));
  }
  ProbeOutcome outcome;
  outcome.definition = std::move(out_bytes);
  return outcome;
}

}  // namespace clinic::plugins
