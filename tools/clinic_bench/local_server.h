// clinicd started by clinic-bench --start: a fresh data folder in a
// temporary folder, a loopback port, the bundled plugins, and the first
// admin's token written by the server itself (--bootstrap_admin_token). The
// server is stopped with SIGTERM when the object goes away, and killed with
// the bench if the bench dies first.
#ifndef CLINIC_TOOLS_CLINIC_BENCH_LOCAL_SERVER_H_
#define CLINIC_TOOLS_CLINIC_BENCH_LOCAL_SERVER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace clinic::bench {

class LocalServer {
 public:
  struct Options {
    std::string clinicd;     // the program; empty: next to this program
    std::string plugin_dir;  // empty: the bundled plugins' folder beside bin/
    std::string parent_dir;  // where the temporary folder goes; empty: $TMPDIR or /tmp
    std::string log_level = "warning";
    bool keep = false;  // leave the folder behind (for reading the server's logs)
  };

  // Starts the server and waits until it listens; FAILED_PRECONDITION with
  // the end of its stderr when it exits or does not listen within 30 s.
  static absl::StatusOr<std::unique_ptr<LocalServer>> Start(const Options& options);

  ~LocalServer();
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;

  // "127.0.0.1:{port}"
  const std::string& target() const { return target_; }
  // The temporary folder, and the data folder inside it.
  const std::string& dir() const { return dir_; }
  std::string data_dir() const { return dir_ + "/data"; }
  // The first admin's token file the server wrote.
  std::string admin_token_file() const { return dir_ + "/admin.token"; }
  // The server's stderr (its JSON log lines).
  std::string log_file() const { return dir_ + "/clinicd.stderr"; }

  // Processor time the server has used so far, every thread together, in
  // seconds; 0 when it cannot be read.
  double CpuSeconds() const;

  // From starting the program to its port file naming the port it listens
  // on (it writes the file once listening), in seconds, to the millisecond:
  // its cold start, bundled plugins loaded.
  double start_seconds() const { return start_seconds_; }

  // The server's resident memory now (VmRSS), in bytes; 0 when it cannot be
  // read.
  int64_t RssBytes() const;

  // Stops the server (SIGTERM, as an operator would) and starts it again on
  // the same data folder, which now holds what the run wrote: a restart,
  // the start a clinic sees after an upgrade or a reboot, as against the
  // first start on an empty folder that start_seconds() times. Returns the
  // time from starting the program to listening, in seconds. The server
  // listens on a new port (target() follows it), so channels made before
  // no longer reach it.
  absl::StatusOr<double> Restart();

 private:
  LocalServer() = default;

  // Starts the program with args_ and waits until it listens; the time
  // that took.
  absl::StatusOr<double> Launch();
  // SIGTERM, then SIGKILL after kStopTimeout; waits until it has exited.
  void Stop();

  std::string dir_;
  std::string target_;
  std::string port_file_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  bool keep_ = false;
  double start_seconds_ = 0;
};

// The folder this program lives in, from /proc/self/exe.
std::string ProgramDir();

// Processor time this process has used so far, in seconds.
double OwnCpuSeconds();

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_CLINIC_BENCH_LOCAL_SERVER_H_
