#include "common/audit/audit_log.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/storage/migrations.h"

namespace clinic::audit {
namespace {

using storage::Connection;

constexpr char kSchema[] = R"sql(
CREATE TABLE audit_events (
  sequence INTEGER PRIMARY KEY,
  event BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE TRIGGER audit_events_append_only_u BEFORE UPDATE ON audit_events BEGIN
  SELECT RAISE(ABORT, 'audit events are never changed');
END;
CREATE TRIGGER audit_events_append_only_d BEFORE DELETE ON audit_events BEGIN
  SELECT RAISE(ABORT, 'audit events are never deleted');
END;
)sql";

constexpr char kLastSql[] =
    "SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1";
constexpr char kInsertSql[] = "INSERT INTO audit_events (sequence, event, hash) VALUES (?, ?, ?)";
constexpr char kReadSql[] =
    "SELECT sequence, event, hash FROM audit_events WHERE sequence > ? ORDER BY sequence LIMIT ?";
constexpr char kAllSql[] = "SELECT sequence, event, hash FROM audit_events ORDER BY sequence";

// The chain: each hash covers the previous hash and the event's bytes, which
// include its own sequence number.
std::string ChainHash(const std::string& previous, const std::string& event_bytes) {
  const std::string input = previous + event_bytes;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof(digest));
}

std::string Blob(const SQLite::Column& column) {
  return std::string(static_cast<const char*>(column.getBlob()),
                     static_cast<size_t>(column.getBytes()));
}

std::string Serialize(const v1::AuditEvent& event) {
  std::string bytes;
  event.SerializeToString(&bytes);
  return bytes;
}

}  // namespace

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  storage::Database::Options options;
  options.synchronous_full = true;
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Open(path, options);
  if (!db.ok()) return db.status();
  if (absl::Status status = storage::Migrate(**db, "audit", {{1, "hash-chained events", kSchema}});
      !status.ok()) {
    return status;
  }
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(*db)));
}

absl::StatusOr<v1::AuditEvent> AuditLog::Append(v1::AuditEvent event) {
  absl::Status status = db_->Write([&](Connection& connection) {
    int64_t last = 0;
    std::string previous;
    SQLite::Statement& select = connection.Prepare(kLastSql);
    if (select.executeStep()) {
      last = select.getColumn(0).getInt64();
      previous = Blob(select.getColumn(1));
    }
    event.set_sequence(last + 1);
    const std::string bytes = Serialize(event);
    const std::string hash = ChainHash(previous, bytes);
    SQLite::Statement& insert = connection.Prepare(kInsertSql);
    insert.bind(1, static_cast<int64_t>(last + 1));
    insert.bind(2, bytes.data(), static_cast<int>(bytes.size()));
    insert.bind(3, hash.data(), static_cast<int>(hash.size()));
    insert.exec();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return event;
}

absl::StatusOr<std::vector<v1::AuditEvent>> AuditLog::Read(int64_t after, int limit) {
  std::vector<v1::AuditEvent> events;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& select = connection.Prepare(kReadSql);
    select.bind(1, static_cast<int64_t>(after));
    select.bind(2, limit);
    while (select.executeStep()) {
      v1::AuditEvent event;
      const SQLite::Column bytes = select.getColumn(1);
      if (!event.ParseFromArray(bytes.getBlob(), bytes.getBytes())) {
        return absl::DataLossError(
            absl::StrCat("audit event ", select.getColumn(0).getInt64(), " is unreadable"));
      }
      events.push_back(std::move(event));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return events;
}

absl::Status AuditLog::Verify() {
  return db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& all = connection.Prepare(kAllSql);
    std::string previous;
    int64_t expected = 1;
    while (all.executeStep()) {
      const int64_t sequence = all.getColumn(0).getInt64();
      const std::string bytes = Blob(all.getColumn(1));
      const std::string hash = Blob(all.getColumn(2));
      v1::AuditEvent event;
      if (sequence != expected) {
        return absl::DataLossError(absl::StrCat("the audit log is broken at event ", expected,
                                                ": events are missing or were inserted"));
      }
      if (!event.ParseFromString(bytes) || event.sequence() != sequence ||
          ChainHash(previous, bytes) != hash) {
        return absl::DataLossError(absl::StrCat("the audit log is broken at event ", sequence,
                                                ": it was changed, or an earlier event was"));
      }
      previous = hash;
      ++expected;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::pair<int64_t, std::string>> AuditLog::Head() {
  std::pair<int64_t, std::string> head{0, ""};
  absl::Status status = db_->Read([&](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(kLastSql);
    if (select.executeStep()) {
      head.first = select.getColumn(0).getInt64();
      head.second = absl::BytesToHexString(Blob(select.getColumn(1)));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return head;
}

}  // namespace clinic::audit
