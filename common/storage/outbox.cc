#include "common/storage/outbox.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/core/text.h"

namespace clinic::storage {
namespace {

constexpr char kInsertSql[] =
    "INSERT INTO outbox (kind, subject, acting_for, request_id, payload, create_ms, "
    "next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, subject) DO NOTHING";
constexpr char kFindSql[] =
    "SELECT entry_id, kind, subject, acting_for, request_id, payload, create_ms, attempts, "
    "last_error, next_attempt_ms, deliver_ms, result FROM outbox WHERE kind = ? AND subject = ?";
constexpr char kDueSql[] =
    "SELECT entry_id, kind, subject, acting_for, request_id, payload, create_ms, attempts, "
    "last_error, next_attempt_ms, deliver_ms, result FROM outbox "
    "WHERE deliver_ms IS NULL AND next_attempt_ms <= ? ORDER BY next_attempt_ms, entry_id LIMIT ?";
constexpr char kNextSql[] = "SELECT MIN(next_attempt_ms) FROM outbox WHERE deliver_ms IS NULL";
constexpr char kDeliveredSql[] =
    "UPDATE outbox SET attempts = attempts + 1, last_error = '', deliver_ms = ?, result = ? "
    "WHERE entry_id = ? AND deliver_ms IS NULL";
constexpr char kFailedSql[] =
    "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_ms = ? "
    "WHERE entry_id = ? AND deliver_ms IS NULL";
constexpr char kCountSql[] = "SELECT COUNT(*) FROM outbox WHERE deliver_ms IS NULL";

// What a failed attempt keeps of the other side's words: enough to act on,
// never more than this, whatever it answered.
constexpr size_t kMaxErrorChars = 500;

// The columns of kFindSql and kDueSql, in order.
OutboxEntry ReadEntry(SQLite::Statement& select) {
  OutboxEntry entry;
  entry.entry_id = select.getColumn(0).getInt64();
  entry.kind = select.getColumn(1).getString();
  entry.subject = select.getColumn(2).getString();
  entry.acting_for = select.getColumn(3).getString();
  entry.request_id = select.getColumn(4).getString();
  const SQLite::Column payload = select.getColumn(5);
  entry.payload.assign(static_cast<const char*>(payload.getBlob()),
                       static_cast<size_t>(payload.getBytes()));
  entry.create_time = absl::FromUnixMillis(select.getColumn(6).getInt64());
  entry.attempts = select.getColumn(7).getInt();
  entry.last_error = select.getColumn(8).getString();
  entry.next_attempt_time = absl::FromUnixMillis(select.getColumn(9).getInt64());
  if (!select.getColumn(10).isNull()) {
    entry.deliver_time = absl::FromUnixMillis(select.getColumn(10).getInt64());
  }
  entry.result = select.getColumn(11).getString();
  return entry;
}

}  // namespace

absl::StatusOr<int64_t> EnqueueOutbox(Connection& connection, const OutboxEntry& entry) {
  SQLite::Statement& insert = connection.Prepare(kInsertSql);
  insert.bind(1, entry.kind);
  insert.bind(2, entry.subject);
  insert.bind(3, entry.acting_for);
  insert.bind(4, entry.request_id);
  BindBlob(insert, 5, entry.payload);
  insert.bind(6, static_cast<int64_t>(absl::ToUnixMillis(entry.create_time)));
  insert.bind(7, static_cast<int64_t>(absl::ToUnixMillis(entry.create_time)));
  insert.exec();
  if (connection.Changes() == 0) {
    return absl::AlreadyExistsError(absl::StrCat("an outbox entry ", Quote(entry.kind), " for ",
                                                 Quote(entry.subject), " exists already"));
  }
  return connection.raw().getLastInsertRowid();
}

absl::StatusOr<absl::optional<OutboxEntry>> FindOutboxEntry(Connection& connection,
                                                            absl::string_view kind,
                                                            absl::string_view subject) {
  SQLite::Statement& select = connection.Prepare(kFindSql);
  select.bind(1, std::string(kind));
  select.bind(2, std::string(subject));
  absl::optional<OutboxEntry> found;
  if (select.executeStep()) found = ReadEntry(select);
  select.reset();
  return found;
}

absl::StatusOr<std::vector<OutboxEntry>> DueOutboxEntries(Connection& connection, absl::Time now,
                                                          int limit) {
  SQLite::Statement& select = connection.Prepare(kDueSql);
  select.bind(1, static_cast<int64_t>(absl::ToUnixMillis(now)));
  select.bind(2, limit);
  std::vector<OutboxEntry> due;
  while (select.executeStep()) due.push_back(ReadEntry(select));
  select.reset();
  return due;
}

absl::StatusOr<absl::optional<absl::Time>> NextOutboxAttempt(Connection& connection) {
  SQLite::Statement& select = connection.Prepare(kNextSql);
  absl::optional<absl::Time> next;
  if (select.executeStep() && !select.getColumn(0).isNull()) {
    next = absl::FromUnixMillis(select.getColumn(0).getInt64());
  }
  select.reset();
  return next;
}

absl::Status MarkOutboxDelivered(Connection& connection, int64_t entry_id, absl::Time at,
                                 absl::string_view result) {
  SQLite::Statement& update = connection.Prepare(kDeliveredSql);
  update.bind(1, static_cast<int64_t>(absl::ToUnixMillis(at)));
  update.bind(2, std::string(result));
  update.bind(3, entry_id);
  update.exec();
  return absl::OkStatus();
}

absl::Status MarkOutboxFailed(Connection& connection, int64_t entry_id, absl::string_view error,
                              absl::Time next_attempt) {
  SQLite::Statement& update = connection.Prepare(kFailedSql);
  update.bind(1, Truncate(error, kMaxErrorChars));
  update.bind(2, static_cast<int64_t>(absl::ToUnixMillis(next_attempt)));
  update.bind(3, entry_id);
  update.exec();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> CountUndelivered(Connection& connection) {
  SQLite::Statement& select = connection.Prepare(kCountSql);
  int64_t count = 0;
  if (select.executeStep()) count = select.getColumn(0).getInt64();
  select.reset();
  return count;
}

}  // namespace clinic::storage
