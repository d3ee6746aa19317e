#include "common/audit/audit_log.h"

#include <set>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/core/hash.h"
#include "common/core/time.h"
#include "common/storage/migrations.h"
#include "common/storage/page_tokens.h"

namespace clinic::audit {
namespace {

using storage::Connection;

// Version 2, exactly as it shipped; never edit it. The filter columns repeat
// fields of the event bytes so lists need no decoding; verification checks
// they still agree with the bytes.
constexpr char kSchema[] = R"sql(
CREATE TABLE audit_events (
  sequence INTEGER PRIMARY KEY,
  event_ms INTEGER NOT NULL,
  principal TEXT NOT NULL,
  on_behalf_of TEXT NOT NULL,
  site_id TEXT NOT NULL,
  event BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE INDEX audit_events_by_principal ON audit_events (principal, sequence);
CREATE INDEX audit_events_by_on_behalf_of ON audit_events (on_behalf_of, sequence);
CREATE INDEX audit_events_by_time ON audit_events (event_ms);
CREATE TABLE audit_clients (
  client TEXT NOT NULL,
  sequence INTEGER NOT NULL REFERENCES audit_events (sequence),
  PRIMARY KEY (client, sequence)
) WITHOUT ROWID;
CREATE INDEX audit_clients_by_sequence ON audit_clients (sequence, client);
CREATE TRIGGER audit_events_append_only_u BEFORE UPDATE ON audit_events BEGIN
  SELECT RAISE(ABORT, 'audit events are never changed');
END;
CREATE TRIGGER audit_events_append_only_d BEFORE DELETE ON audit_events BEGIN
  SELECT RAISE(ABORT, 'audit events are never deleted');
END;
CREATE TRIGGER audit_clients_append_only_u BEFORE UPDATE ON audit_clients BEGIN
  SELECT RAISE(ABORT, 'audit events are never changed');
END;
CREATE TRIGGER audit_clients_append_only_d BEFORE DELETE ON audit_clients BEGIN
  SELECT RAISE(ABORT, 'audit events are never deleted');
END;
)sql";

// Version 3: version 2 was once edited after it shipped, dropping the
// foreign key of audit_clients, so files made before and after that differ.
// This rebuilds audit_clients the same way in both (rows kept; audit_events
// and so the hash chain untouched). It has no foreign key: verification
// already reports an index row naming a missing event, and a tampered file
// must still open and migrate so that verification can show the damage.
constexpr char kOneClientIndexSchema[] = R"sql(
CREATE TEMP TABLE audit_clients_rows AS SELECT client, sequence FROM audit_clients;
DROP TABLE audit_clients;
CREATE TABLE audit_clients (
  client TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (client, sequence)
) WITHOUT ROWID;
INSERT INTO audit_clients (client, sequence) SELECT client, sequence FROM audit_clients_rows;
DROP TABLE temp.audit_clients_rows;
CREATE INDEX audit_clients_by_sequence ON audit_clients (sequence, client);
CREATE TRIGGER audit_clients_append_only_u BEFORE UPDATE ON audit_clients BEGIN
  SELECT RAISE(ABORT, 'audit events are never changed');
END;
CREATE TRIGGER audit_clients_append_only_d BEFORE DELETE ON audit_clients BEGIN
  SELECT RAISE(ABORT, 'audit events are never deleted');
END;
)sql";

// Version 4: an index of request ids, so one request can be followed
// through the trails of every process it reached. Events written before it
// are indexed once when the log opens (IndexOlderRequests), up to the
// sequence this step notes in store_meta; verification then checks the
// index like the client index.
constexpr char kRequestIndexSchema[] = R"sql(
CREATE TABLE audit_requests (
  request_id TEXT NOT NULL,
  sequence INTEGER NOT NULL,
  PRIMARY KEY (request_id, sequence)
) WITHOUT ROWID;
CREATE INDEX audit_requests_by_sequence ON audit_requests (sequence);
CREATE TRIGGER audit_requests_append_only_u BEFORE UPDATE ON audit_requests BEGIN
  SELECT RAISE(ABORT, 'audit events are never changed');
END;
CREATE TRIGGER audit_requests_append_only_d BEFORE DELETE ON audit_requests BEGIN
  SELECT RAISE(ABORT, 'audit events are never deleted');
END;
INSERT INTO store_meta (key, value)
  SELECT 'audit_requests_unindexed_through', MAX(sequence) FROM audit_events
  HAVING MAX(sequence) IS NOT NULL;
)sql";
constexpr char kUnindexedKey[] = "audit_requests_unindexed_through";

constexpr char kLastSql[] =
    "SELECT sequence, hash FROM audit_events ORDER BY sequence DESC LIMIT 1";
constexpr char kInsertSql[] =
    "INSERT INTO audit_events (sequence, event_ms, principal, on_behalf_of, site_id, event, hash) "
    "VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr char kInsertClientSql[] = "INSERT INTO audit_clients (client, sequence) VALUES (?, ?)";
constexpr char kInsertRequestSql[] =
    "INSERT INTO audit_requests (request_id, sequence) VALUES (?, ?)";
constexpr char kAllRequestsSql[] =
    "SELECT sequence, request_id FROM audit_requests ORDER BY sequence, request_id";
constexpr char kReadSql[] =
    "SELECT sequence, event FROM audit_events WHERE sequence > ? ORDER BY sequence LIMIT ?";
constexpr char kAllSql[] =
    "SELECT sequence, event_ms, principal, on_behalf_of, site_id, event, hash FROM audit_events "
    "ORDER BY sequence";
constexpr char kAllClientsSql[] =
    "SELECT sequence, client FROM audit_clients ORDER BY sequence, client";
constexpr char kQuerySql[] =
    "SELECT e.sequence, e.event FROM audit_events e "
    "WHERE (?1 = 0 OR e.sequence < ?1) "
    "AND (?2 = '' OR e.principal = ?2 OR e.on_behalf_of = ?2) "
    "AND (?3 = '' OR e.site_id = ?3) "
    "AND (?4 IS NULL OR e.event_ms >= ?4) AND (?5 IS NULL OR e.event_ms < ?5) "
    "ORDER BY e.sequence DESC LIMIT ?6";
// With a client, the client index drives the scan, so a rarely seen client
// is found without reading the whole trail.
constexpr char kQueryByClientSql[] =
    "SELECT e.sequence, e.event FROM audit_clients c "
    "JOIN audit_events e ON e.sequence = c.sequence "
    "WHERE c.client = ?7 AND (?1 = 0 OR c.sequence < ?1) "
    "AND (?2 = '' OR e.principal = ?2 OR e.on_behalf_of = ?2) "
    "AND (?3 = '' OR e.site_id = ?3) "
    "AND (?4 IS NULL OR e.event_ms >= ?4) AND (?5 IS NULL OR e.event_ms < ?5) "
    "ORDER BY c.sequence DESC LIMIT ?6";
// With a request id, its index drives the scan: a request touches a handful
// of events however long the trail.
constexpr char kQueryByRequestSql[] =
    "SELECT e.sequence, e.event FROM audit_requests r "
    "JOIN audit_events e ON e.sequence = r.sequence "
    "WHERE r.request_id = ?7 AND (?1 = 0 OR r.sequence < ?1) "
    "AND (?2 = '' OR e.principal = ?2 OR e.on_behalf_of = ?2) "
    "AND (?3 = '' OR e.site_id = ?3) "
    "AND (?4 IS NULL OR e.event_ms >= ?4) AND (?5 IS NULL OR e.event_ms < ?5) "
    "AND (?8 = '' OR EXISTS (SELECT 1 FROM audit_clients c "
    "WHERE c.client = ?8 AND c.sequence = e.sequence)) "
    "ORDER BY r.sequence DESC LIMIT ?6";

// The chain: each hash covers the previous hash and the event's bytes, which
// include its own sequence number.
std::string ChainHash(const std::string& previous, const std::string& event_bytes) {
  return Sha256(previous + event_bytes);
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

int64_t EventMillis(const v1::AuditEvent& event) {
  return TimestampToUnixMillis(event.event_time());
}

std::set<std::string> ClientsOf(const v1::AuditEvent& event) {
  std::set<std::string> clients;
  for (const std::string& name : event.resource_names()) {
    std::string client = ClientOf(name);
    if (!client.empty()) clients.insert(std::move(client));
  }
  return clients;
}

// The request id index holds what the event's bytes say: one row when the
// call had a request id.
std::set<std::string> RequestsOf(const v1::AuditEvent& event) {
  if (event.request_id().empty()) return {};
  return {event.request_id()};
}

void IndexRequest(Connection& connection, const v1::AuditEvent& event) {
  if (event.request_id().empty()) return;
  SQLite::Statement& insert = connection.Prepare(kInsertRequestSql);
  insert.bind(1, event.request_id());
  insert.bind(2, event.sequence());
  insert.exec();
}

// Indexes the request ids of events written before version 4, once, in one
// transaction with the removal of the note that they are unindexed, so a
// crash part-way leaves the note and the next open starts again. Processes
// sharing the file do not index twice: the note is read inside the
// transaction. Events are read in chunks so memory stays flat.
absl::Status IndexOlderRequests(storage::Database& database) {
  return database.Write([](Connection& connection) -> absl::Status {
    SQLite::Statement& note = connection.Prepare("SELECT value FROM store_meta WHERE key = ?");
    note.bind(1, kUnindexedKey);
    if (!note.executeStep()) return absl::OkStatus();
    const int64_t through = note.getColumn(0).getInt64();
    constexpr int kChunk = 2000;
    int64_t after = 0;
    while (after < through) {
      SQLite::Statement& read = connection.Prepare(kReadSql);
      read.bind(1, after);
      read.bind(2, kChunk);
      std::vector<v1::AuditEvent> events;
      int64_t last = after;
      while (read.executeStep()) {
        last = read.getColumn(0).getInt64();
        if (last > through) break;
        v1::AuditEvent event;
        const SQLite::Column bytes = read.getColumn(1);
        // An unreadable event is left to verification to report; the log
        // must still open so that it can.
        if (!event.ParseFromArray(bytes.getBlob(), bytes.getBytes())) continue;
        event.set_sequence(last);
        events.push_back(std::move(event));
      }
      read.reset();
      for (const v1::AuditEvent& event : events) IndexRequest(connection, event);
      if (last == after) break;
      after = last;
    }
    SQLite::Statement& done = connection.Prepare("DELETE FROM store_meta WHERE key = ?");
    done.bind(1, kUnindexedKey);
    done.exec();
    return absl::OkStatus();
  });
}

void BindOptionalMillis(SQLite::Statement& statement, int index,
                        const absl::optional<absl::Time>& time) {
  if (time) {
    statement.bind(index, static_cast<int64_t>(absl::ToUnixMillis(*time)));
  } else {
    statement.bind(index);
  }
}

}  // namespace

std::string ClientOf(absl::string_view resource_name) {
  constexpr absl::string_view kPrefix = "clients/";
  if (!absl::StartsWith(resource_name, kPrefix) || resource_name.size() == kPrefix.size()) {
    return "";
  }
  const size_t slash = resource_name.find('/', kPrefix.size());
  return std::string(resource_name.substr(0, slash));
}

const std::vector<storage::Migration>& AuditMigrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "store settings", storage::kStoreMetaSchema},
      {2, "hash-chained events and their client index", kSchema},
      {3, "one client index for files made before and after version 2 was edited",
       kOneClientIndexSchema},
      {4, "request id index", kRequestIndexSchema},
  };
  return *migrations;
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(
    const std::string& path, storage::GroupCommitter::Options group_commit) {
  storage::Database::Options options;
  options.synchronous_full = true;
  options.background_checkpoints = true;
  absl::StatusOr<std::unique_ptr<storage::Database>> db = storage::Database::Open(path, options);
  if (!db.ok()) return db.status();
  if (absl::Status status = storage::Migrate(**db, "audit", AuditMigrations()); !status.ok()) {
    return status;
  }
  if (absl::Status status = IndexOlderRequests(**db); !status.ok()) return status;
  return std::unique_ptr<AuditLog>(new AuditLog(std::move(*db), std::move(group_commit)));
}

AuditLog::~AuditLog() { Close(); }

void AuditLog::Close() { committer_->Stop(); }

namespace {

// Appends `event` as the chain's next event, setting its sequence. Runs on
// the writer thread, after the events queued before it in the same
// transaction, so the last row it reads is the one just before it.
absl::Status InsertEvent(Connection& connection, v1::AuditEvent& event) {
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
  insert.bind(2, static_cast<int64_t>(EventMillis(event)));
  insert.bind(3, event.principal());
  insert.bind(4, event.on_behalf_of());
  insert.bind(5, event.site_id());
  insert.bind(6, bytes.data(), static_cast<int>(bytes.size()));
  insert.bind(7, hash.data(), static_cast<int>(hash.size()));
  insert.exec();
  for (const std::string& client : ClientsOf(event)) {
    SQLite::Statement& link = connection.Prepare(kInsertClientSql);
    link.bind(1, client);
    link.bind(2, static_cast<int64_t>(last + 1));
    link.exec();
  }
  IndexRequest(connection, event);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::AuditEvent> AuditLog::Append(v1::AuditEvent event) {
  absl::Status status = committer_->Run(
      event.ByteSizeLong(), [&](Connection& connection) { return InsertEvent(connection, event); });
  if (!status.ok()) return status;
  return event;
}

void AuditLog::AppendAsync(v1::AuditEvent event,
                           std::function<void(absl::StatusOr<v1::AuditEvent>)> done) {
  auto stored = std::make_shared<v1::AuditEvent>(std::move(event));
  const size_t bytes = stored->ByteSizeLong();
  committer_->Submit(
      bytes, [stored](Connection& connection) { return InsertEvent(connection, *stored); },
      [stored, done = std::move(done)](absl::Status status) {
        if (status.ok()) {
          done(std::move(*stored));
        } else {
          done(std::move(status));
        }
      });
}

namespace {

absl::Status ReadEvents(SQLite::Statement& select, std::vector<v1::AuditEvent>& events) {
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
}

}  // namespace

absl::StatusOr<std::vector<v1::AuditEvent>> AuditLog::Read(int64_t after, int limit) {
  std::vector<v1::AuditEvent> events;
  absl::Status status = db_->Read([&](Connection& connection) {
    SQLite::Statement& select = connection.Prepare(kReadSql);
    select.bind(1, static_cast<int64_t>(after));
    select.bind(2, limit);
    return ReadEvents(select, events);
  });
  if (!status.ok()) return status;
  return events;
}

absl::StatusOr<std::vector<v1::AuditEvent>> AuditLog::Query(const AuditQuery& query) {
  std::vector<v1::AuditEvent> events;
  absl::Status status = db_->Read([&](Connection& connection) {
    const char* sql = kQuerySql;
    if (!query.client.empty()) sql = kQueryByClientSql;
    if (!query.request_id.empty()) sql = kQueryByRequestSql;
    SQLite::Statement& select = connection.Prepare(sql);
    select.bind(1, static_cast<int64_t>(query.before_sequence));
    select.bind(2, query.principal);
    select.bind(3, query.site_id);
    BindOptionalMillis(select, 4, query.start_time);
    BindOptionalMillis(select, 5, query.end_time);
    select.bind(6, query.limit);
    if (!query.request_id.empty()) {
      select.bind(7, query.request_id);
      select.bind(8, query.client);
    } else if (!query.client.empty()) {
      select.bind(7, query.client);
    }
    return ReadEvents(select, events);
  });
  if (!status.ok()) return status;
  return events;
}

absl::StatusOr<Verification> AuditLog::VerifyChain() {
  Verification result;
  absl::Status status = db_->Read([&](Connection& connection) -> absl::Status {
    SQLite::Statement& all = connection.Prepare(kAllSql);
    SQLite::Statement& links = connection.Prepare(kAllClientsSql);
    bool more_links = links.executeStep();
    SQLite::Statement& requests = connection.Prepare(kAllRequestsSql);
    bool more_requests = requests.executeStep();
    std::string previous;
    int64_t expected = 1;
    auto broken = [&](int64_t sequence, std::string problem) {
      result.intact = false;
      result.first_broken_sequence = sequence;
      result.problem = std::move(problem);
    };
    while (all.executeStep()) {
      const int64_t sequence = all.getColumn(0).getInt64();
      const std::string bytes = Blob(all.getColumn(5));
      const std::string hash = Blob(all.getColumn(6));
      ++result.event_count;
      if (sequence != expected) {
        broken(expected, "events are missing or were inserted");
        return absl::OkStatus();
      }
      v1::AuditEvent event;
      if (!event.ParseFromString(bytes)) {
        broken(sequence, "its bytes are unreadable");
        return absl::OkStatus();
      }
      if (event.sequence() != sequence) {
        broken(sequence, absl::StrCat("its bytes name sequence ", event.sequence(),
                                      ": it was moved or copied"));
        return absl::OkStatus();
      }
      if (ChainHash(previous, bytes) != hash) {
        broken(sequence,
               "hash mismatch: its hash does not cover its bytes and the previous event's hash, "
               "so it was changed, or an earlier event was");
        return absl::OkStatus();
      }
      std::set<std::string> linked;
      while (more_links && links.getColumn(0).getInt64() <= sequence) {
        if (links.getColumn(0).getInt64() < sequence) {
          broken(links.getColumn(0).getInt64(), "its client index names an event out of order");
          return absl::OkStatus();
        }
        linked.insert(links.getColumn(1).getString());
        more_links = links.executeStep();
      }
      std::set<std::string> requested;
      while (more_requests && requests.getColumn(0).getInt64() <= sequence) {
        if (requests.getColumn(0).getInt64() < sequence) {
          broken(requests.getColumn(0).getInt64(),
                 "its request id index names an event out of order");
          return absl::OkStatus();
        }
        requested.insert(requests.getColumn(1).getString());
        more_requests = requests.executeStep();
      }
      if (all.getColumn(1).getInt64() != EventMillis(event) ||
          all.getColumn(2).getString() != event.principal() ||
          all.getColumn(3).getString() != event.on_behalf_of() ||
          all.getColumn(4).getString() != event.site_id() || linked != ClientsOf(event) ||
          requested != RequestsOf(event)) {
        broken(sequence, "its search columns, client index or request id index were changed");
        return absl::OkStatus();
      }
      previous = hash;
      ++expected;
    }
    if (more_links) {
      broken(links.getColumn(0).getInt64(), "its client index names an event that is missing");
      return absl::OkStatus();
    }
    if (more_requests) {
      broken(requests.getColumn(0).getInt64(),
             "its request id index names an event that is missing");
      return absl::OkStatus();
    }
    result.head_hash = absl::BytesToHexString(previous);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return result;
}

absl::Status AuditLog::Verify() {
  absl::StatusOr<Verification> result = VerifyChain();
  if (!result.ok()) return result.status();
  if (result->intact) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat("the audit log is broken at event ",
                                          result->first_broken_sequence, ": ", result->problem));
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
