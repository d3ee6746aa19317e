// The server side of the hostile-input suite: clinicd as a child process (so
// a crash is seen as a crash, named by the call that caused it, and the
// suite restarts the server and goes on), and read-only views of what it
// stored: every service database, and the audit trail.
#ifndef CLINIC_TESTS_INTEGRATION_HOSTILE_INPUT_ENV_H_
#define CLINIC_TESTS_INTEGRATION_HOSTILE_INPUT_ENV_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "clinic/v1/audit.pb.h"

namespace clinic::hostile {

// clinicd started with a config file, its log captured in `log_path`.
class ClinicdProcess {
 public:
  ClinicdProcess(std::string config_path, std::string data_dir, std::string plugin_dir,
                 std::string work_dir);
  ~ClinicdProcess();
  ClinicdProcess(const ClinicdProcess&) = delete;
  ClinicdProcess& operator=(const ClinicdProcess&) = delete;

  // Starts the process and waits (with a deadline) for the port it reports.
  // Returns false, with `error` set, when it does not come up.
  bool Start(std::string* error);
  // True while the process runs; when it has ended, `how` says how.
  bool Alive(std::string* how = nullptr);
  // Kills it if it still runs.
  void Stop();
  int port() const { return port_; }
  // The last `bytes` of the server's log, for a failure message.
  std::string LogTail(size_t bytes) const;

 private:
  std::string config_path_;
  std::string data_dir_;
  std::string plugin_dir_;
  std::string work_dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  int starts_ = 0;
  std::string log_path_;
};

// The content of every table of every database in `data_dir` except the
// audit trail (audit.db) and the idempotency log (request_log), read
// read-only: "file/table" -> rows, once every entry handed to a store's
// outbox has had its first delivery attempt.
using Snapshot = std::map<std::string, std::string>;
Snapshot TakeSnapshot(const std::string& data_dir);
// The tables that differ, e.g. "client_records.db/clients (+1 rows)".
std::vector<std::string> Differences(const Snapshot& before, const Snapshot& after);

// Audit events after `after_sequence`, oldest first, read from the audit
// trail's table without going through the server. `last_sequence` is set to
// the newest sequence seen.
std::vector<v1::AuditEvent> AuditEventsAfter(const std::string& audit_db, int64_t after_sequence,
                                             int64_t* last_sequence, std::string* error);

}  // namespace clinic::hostile

#endif  // CLINIC_TESTS_INTEGRATION_HOSTILE_INPUT_ENV_H_
