// A transactional outbox: work another service must do once a local write
// has committed (ClientRecords' charge of a treatment, for Billing), stored
// in the same transaction as that write, so the two are durable together or
// not at all, and delivered afterwards by an OutboxWorker (outbox_worker.h)
// until the other service takes it. Stores whose writes send work on call
// these inside Database::Write or Read; the table comes from kOutboxSchema in
// the store's migrations.
#ifndef CLINIC_COMMON_STORAGE_OUTBOX_H_
#define CLINIC_COMMON_STORAGE_OUTBOX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/storage/database.h"

namespace clinic::storage {

// Entries are never deleted and what they deliver never changes: a
// delivered entry is the record that the work was done (a treatment's
// charge state is read from it).
inline constexpr char kOutboxSchema[] = R"sql(
CREATE TABLE outbox (
  entry_id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  acting_for TEXT NOT NULL,
  request_id TEXT NOT NULL,
  payload BLOB NOT NULL,
  create_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  deliver_ms INTEGER,
  result TEXT NOT NULL DEFAULT '',
  UNIQUE (kind, subject)
);
CREATE INDEX outbox_due ON outbox (next_attempt_ms) WHERE deliver_ms IS NULL;
CREATE TRIGGER outbox_never_deleted BEFORE DELETE ON outbox BEGIN
  SELECT RAISE(ABORT, 'outbox entries are never deleted');
END;
CREATE TRIGGER outbox_work_unchanged BEFORE UPDATE OF kind, subject, acting_for, request_id,
    payload, create_ms ON outbox BEGIN
  SELECT RAISE(ABORT, 'what an outbox entry delivers never changes');
END;
CREATE TRIGGER outbox_delivered_final BEFORE UPDATE ON outbox WHEN old.deliver_ms IS NOT NULL
BEGIN
  SELECT RAISE(ABORT, 'a delivered outbox entry is final');
END;
)sql";

// One piece of work for another service.
struct OutboxEntry {
  // Assigned by Enqueue; increasing, so entries go out in the order written.
  int64_t entry_id = 0;
  // What delivering it means to the store's worker, e.g. "charge_treatment".
  std::string kind;
  // The local resource it is about, e.g. a treatment record's name; one
  // entry of a kind per subject.
  std::string subject;
  // The person the delivery acts for (the one whose call wrote it).
  std::string acting_for;
  // The x-request-id of the call that wrote it, sent with every attempt so
  // the audit trails of both services follow one id. (The request id that
  // makes the other service do the work once is in the payload.)
  std::string request_id;
  // The request to send, serialized.
  std::string payload;
  absl::Time create_time;
  // Attempts made, the last one's error, and when the next is due.
  int attempts = 0;
  std::string last_error;
  absl::Time next_attempt_time;
  // Set once delivered, with what the other service answered (e.g. the name
  // of what it made).
  absl::optional<absl::Time> deliver_time;
  std::string result;
};

// Adds `entry` (due at once) in the caller's write transaction and returns
// its id. ALREADY_EXISTS when the subject has an entry of that kind.
absl::StatusOr<int64_t> EnqueueOutbox(Connection& connection, const OutboxEntry& entry);

// The entry of `kind` for `subject`, if there is one.
absl::StatusOr<absl::optional<OutboxEntry>> FindOutboxEntry(Connection& connection,
                                                            absl::string_view kind,
                                                            absl::string_view subject);

// Undelivered entries due at `now`, oldest first, at most `limit`.
absl::StatusOr<std::vector<OutboxEntry>> DueOutboxEntries(Connection& connection, absl::Time now,
                                                          int limit);

// When the earliest undelivered entry is due; nullopt when none waits.
absl::StatusOr<absl::optional<absl::Time>> NextOutboxAttempt(Connection& connection);

// Records a delivery. Both count the attempt.
absl::Status MarkOutboxDelivered(Connection& connection, int64_t entry_id, absl::Time at,
                                 absl::string_view result);
absl::Status MarkOutboxFailed(Connection& connection, int64_t entry_id, absl::string_view error,
                              absl::Time next_attempt);

// Entries not delivered yet.
absl::StatusOr<int64_t> CountUndelivered(Connection& connection);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_OUTBOX_H_
