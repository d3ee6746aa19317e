// The tamper-evident audit log: an append-only SQLite table in which every
// event carries the SHA-256 of the previous event's hash and its own bytes.
// Editing, inserting or removing an event breaks the chain from that point,
// and verification names the first broken event. The server's access step
// appends; the Audit service lists and verifies.
#ifndef CLINIC_COMMON_AUDIT_AUDIT_LOG_H_
#define CLINIC_COMMON_AUDIT_AUDIT_LOG_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "clinic/v1/audit.pb.h"
#include "common/storage/database.h"
#include "common/storage/group_commit.h"
#include "common/storage/migrations.h"

namespace clinic::audit {

// Filters of AuditLog::Query; empty fields do not filter.
struct AuditQuery {
  std::string client;     // "clients/{id}": events naming it or its records
  std::string principal;  // as caller or as the person acted for
  std::string site_id;
  std::string request_id;                 // the calls that carried it
  absl::optional<absl::Time> start_time;  // inclusive
  absl::optional<absl::Time> end_time;    // exclusive
  int64_t before_sequence = 0;            // 0: from the newest event
  int limit = 100;
};

// The outcome of checking the whole chain.
struct Verification {
  bool intact = true;
  int64_t event_count = 0;
  std::string head_hash;  // hex
  int64_t first_broken_sequence = 0;
  std::string problem;
};

class AuditLog {
 public:
  // Opens (creating and migrating) the log at `path`, with synchronous=FULL:
  // an acknowledged event survives a power cut. `group_commit` bounds the
  // batches and the queue of the writer (tests also inject faults there).
  static absl::StatusOr<std::unique_ptr<AuditLog>> Open(
      const std::string& path,
      storage::GroupCommitter::Options group_commit = storage::GroupCommitter::Options());

  // Commits what was accepted and stops the writer (see Close).
  ~AuditLog();

  // Appends `event` (its sequence is assigned) and returns it as stored, once
  // the transaction holding it is durable. Concurrent callers' events share a
  // transaction and its fsync; if that commit fails, each of them gets the
  // error and none of their events is kept. UNAVAILABLE at once when too many
  // events are waiting or the log is closed.
  absl::StatusOr<v1::AuditEvent> Append(v1::AuditEvent event);

  // Append without waiting: `done` gets what Append would have returned,
  // once the transaction holding the event is durable (on the log's writer
  // thread), or at once on this thread when the event is refused. `done`
  // must be quick: the next batch waits for it. The server answers a call
  // from `done`, so no thread is held while its event commits.
  void AppendAsync(v1::AuditEvent event, std::function<void(absl::StatusOr<v1::AuditEvent>)> done);

  // Refuses further events (UNAVAILABLE), commits those already accepted and
  // stops the writer. Reads keep working. Idempotent.
  void Close();

  // Transactions committed by the writer since Open; with concurrent callers
  // it is below the number of events appended.
  int64_t commits() const { return committer_->commits(); }
  // Events accepted and waiting for the writer.
  int queued() const { return committer_->queued(); }

  // Events with sequence > `after`, oldest first, at most `limit`.
  absl::StatusOr<std::vector<v1::AuditEvent>> Read(int64_t after, int limit);

  // Events matching `query`, newest first.
  absl::StatusOr<std::vector<v1::AuditEvent>> Query(const AuditQuery& query);

  // Checks every event against its hash and its neighbours, and the
  // filter columns against the events they were taken from.
  absl::StatusOr<Verification> VerifyChain();

  // OK when VerifyChain finds the chain intact; DATA_LOSS naming the first
  // broken event otherwise.
  absl::Status Verify();

  // The number of events and the hash of the last one (hex), for anchoring
  // outside the database: removing events from the end is detected by
  // comparing against an anchor kept elsewhere.
  absl::StatusOr<std::pair<int64_t, std::string>> Head();

  storage::Database& database() { return *db_; }

 private:
  AuditLog(std::unique_ptr<storage::Database> db, storage::GroupCommitter::Options group_commit)
      : db_(std::move(db)),
        committer_(std::make_unique<storage::GroupCommitter>(*db_, std::move(group_commit))) {}
  std::unique_ptr<storage::Database> db_;
  // Declared after db_: destroyed (drained and joined) before the database.
  std::unique_ptr<storage::GroupCommitter> committer_;
};

// The audit database's schema, one migration per version (exposed so tests can
// build a file at every earlier version).
const std::vector<storage::Migration>& AuditMigrations();

// The client a resource name belongs to ("clients/X/treatmentRecords/Y" ->
// "clients/X"), or "" when it names no client's record.
std::string ClientOf(absl::string_view resource_name);

}  // namespace clinic::audit

#endif  // CLINIC_COMMON_AUDIT_AUDIT_LOG_H_
