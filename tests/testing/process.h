// Child processes for the tests that run Clinic Core's programs, and waiting
// on a condition with a deadline instead of sleeping for a guessed time.
#ifndef CLINIC_TESTS_TESTING_PROCESS_H_
#define CLINIC_TESTS_TESTING_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace clinic::testing {

// Polls `condition` until it holds or `timeout` passes; returns whether it
// held. For what offers nothing to block on (a file appearing, a child
// process starting, a server's state); the poll interval is short, so a
// passing test never waits for a guessed time.
bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// A child process with its stdout and stderr captured to files in `log_dir`,
// and its stdin read from `stdin_path` when given. Killed with SIGKILL when
// it goes away still running.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::string& log_dir,
          const std::string& working_dir = "", const std::string& stdin_path = "");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void Signal(int sig);
  // The exit code, or -signal when it was killed.
  int Wait();
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  std::string out_path_;
  std::string err_path_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

// The port a server wrote to `path` (--port_file), once it has; 0 when none
// was written within `timeout`.
int WaitForPortFile(const std::string& path,
                    std::chrono::milliseconds timeout = std::chrono::seconds(15));

// Whether `parent` has a running child process (e.g. a plugin probe).
bool HasChildProcess(pid_t parent);

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_PROCESS_H_
