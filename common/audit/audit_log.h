// The tamper-evident audit log: an append-only SQLite table in which every
// event carries the SHA-256 of the previous event's hash and its own bytes.
// Editing, inserting or removing an event breaks the chain from that point,
// and Verify() names the first broken event. The server's audit step appends;
// the Audit service reads and verifies.
#ifndef CLINIC_COMMON_AUDIT_AUDIT_LOG_H_
#define CLINIC_COMMON_AUDIT_AUDIT_LOG_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "clinic/v1/audit.pb.h"
#include "common/storage/database.h"

namespace clinic::audit {

class AuditLog {
 public:
  // Opens (creating and migrating) the log at `path`, with synchronous=FULL:
  // an acknowledged event survives a power cut.
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(const std::string& path);

  // Appends `event` (its sequence is assigned) and returns it as stored.
  absl::StatusOr<v1::AuditEvent> Append(v1::AuditEvent event);

  // Events with sequence > `after`, oldest first, at most `limit`.
  absl::StatusOr<std::vector<v1::AuditEvent>> Read(int64_t after, int limit);

  // OK when every event is intact and in order; DATA_LOSS naming the first
  // event whose content, order or predecessor does not match its hash.
  absl::Status Verify();

  // The number of events and the hash of the last one (hex), for anchoring
  // outside the database: removing events from the end is detected by
  // comparing against an anchor kept elsewhere.
  absl::StatusOr<std::pair<int64_t, std::string>> Head();

 private:
  explicit AuditLog(std::unique_ptr<storage::Database> db) : db_(std::move(db)) {}
  std::unique_ptr<storage::Database> db_;
};

}  // namespace clinic::audit

#endif  // CLINIC_COMMON_AUDIT_AUDIT_LOG_H_
