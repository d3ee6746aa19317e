// A service's SQLite database: the one place SQLiteCpp is used and the one
// place its exceptions are caught. Opens the file with the settings every
// store needs (WAL, foreign keys, busy timeout, durability), keeps prepared
// statements for reuse, and runs each unit of work in one transaction:
// Write() for everything that changes data, Read() for a consistent snapshot.
// Stores (each service's sqlite_*.cc, and the access store, audit log and
// idempotency helpers in common/) are its only callers.
#ifndef CLINIC_COMMON_STORAGE_DATABASE_H_
#define CLINIC_COMMON_STORAGE_DATABASE_H_

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace clinic::storage {

// One SQLite connection with its statement cache. Only used inside the
// function given to Database::Write or Database::Read, on one thread.
class Connection {
 public:
  explicit Connection(std::unique_ptr<SQLite::Database> db) : db_(std::move(db)) {}

  // The prepared statement for `sql`, reset and with its bindings cleared.
  // Pass the named SQL constants of a store; each is compiled once.
  SQLite::Statement& Prepare(const char* sql);

  // For statements that return nothing and run rarely (schema changes).
  void Exec(const char* sql) { db_->exec(sql); }

  // Resets every cached statement, without throwing. A statement left mid-result keeps its read
  // transaction open past COMMIT and pins an old snapshot, so this runs at the
  // end of every unit of work.
  void ResetStatements();

  // Rows changed by the last INSERT, UPDATE or DELETE.
  int Changes() const { return db_->getChanges(); }

  SQLite::Database& raw() { return *db_; }

 private:
  std::unique_ptr<SQLite::Database> db_;
  std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> statements_;
};

class GroupCommitter;

class Database {
 public:
  struct Options {
    // synchronous=FULL: an acknowledged write survives a power cut. For money
    // and stock ledgers, and for clinical records. NORMAL is safe against
    // process crashes only.
    bool synchronous_full = true;
    // How long a connection waits for another writer before giving up.
    int busy_timeout_ms = 5000;
    // Connections for reads (WAL lets them run beside the writer) opened
    // with the file. Others open on a read's first need and are kept, so the
    // pool grows to the reads that really run at once; none up front keeps
    // a start from opening connections nothing may use (docs/performance.md,
    // start-up).
    int reader_connections = 0;
    // Concurrent Write() calls share transactions (group_commit.h): one
    // fsync makes a batch of writes durable, and each caller still returns
    // only once its own is. For stores whose writes arrive concurrently;
    // docs/performance.md has the figures and the durability argument.
    bool group_commit = false;
    // Checkpoints (copying the WAL back into the database file, then an
    // fsync of it) run on a thread of their own instead of inside whichever
    // COMMIT finds the WAL past 1,000 pages, so they no longer stall the
    // writer, and the callers waiting for it, every thousand pages. The
    // thread is woken by 1,000 frames not yet copied, and the writer copies
    // the few left after each of its rounds so that the WAL starts over.
    // For files written without pause (the audit trail, group-committed
    // stores); docs/performance.md, "Checkpoints and releases off the
    // writer" and "Per-call costs".
    bool background_checkpoints = false;
    // With synchronous_full, the writer's WAL frames reach the file in
    // writes of up to 128 KiB instead of two per page (wal_buffer.h). Off
    // only to compare.
    bool buffer_wal_writes = true;
  };

  // Opens (creating if needed) the database file. FAILED_PRECONDITION names
  // the file when it cannot be opened.
  static absl::StatusOr<std::unique_ptr<Database>> Open(const std::string& path,
                                                        const Options& options);

  // Runs `work` in one IMMEDIATE transaction on the writer connection and
  // commits when it returns OK; rolls back otherwise and returns its status.
  // SQLite errors become UNAVAILABLE (busy, locked: retryable) or INTERNAL.
  // With Options::group_commit, `work` runs on the committer's thread inside
  // a savepoint of a transaction it may share with other callers' work; its
  // own error undoes only its changes, and Write returns once that
  // transaction committed (or failed). `work` must not call Write.
  absl::Status Write(absl::FunctionRef<absl::Status(Connection&)> work);

  // Runs `work` in a read transaction on a reader connection, so everything
  // it reads comes from one snapshot.
  absl::Status Read(absl::FunctionRef<absl::Status(Connection&)> work);

  const std::string& path() const { return path_; }

  // Checkpoints run so far with background_checkpoints: by the checkpointer,
  // and by the writer (its catch-up after a round, or its fallback past
  // 16,000 pages), each attempt counted (0 without). For tests and
  // figures: how often the WAL is copied back for the frames written.
  int64_t checkpoints() const;

  // Stops the group committer (committing the writes it accepted) before
  // the connections close.
  ~Database();

 private:
  friend class GroupCommitter;
  class Checkpointer;
  Database() = default;
  // One transaction of its own, never batched: Write without group commit,
  // and each batch of the group committer.
  absl::Status WriteAlone(absl::FunctionRef<absl::Status(Connection&)> work);
  std::unique_ptr<Connection> BorrowReader();
  void ReturnReader(std::unique_ptr<Connection> reader);

  std::string path_;
  Options options_;
  std::mutex writer_mutex_;
  std::unique_ptr<Connection> writer_;
  std::mutex readers_mutex_;
  std::vector<std::unique_ptr<Connection>> readers_;
  std::unique_ptr<GroupCommitter> committer_;
  std::unique_ptr<Checkpointer> checkpointer_;
};

// How a service opens its store: synchronous=FULL, group commit, so
// concurrent durable writes share fsyncs, and checkpoints in the background.
// Run its handlers on server::kStoreServiceThreads threads, so a burst of
// writes can form a batch.
Database::Options StoreDatabaseOptions();

// Whether SQLite keeps a savepoint's journal in memory up to 8 MiB rather
// than 64 KiB (set as the program loads; false if SQLite had started
// before). Group commit opens a savepoint per caller's work.
bool SavepointJournalsInMemory();

// Maps an exception thrown by SQLiteCpp or the standard library to a status.
// Exposed for the rare store code that must catch one itself.
absl::Status StatusFromException(const std::exception& e, const char* doing);

// Parses a message a store kept as a BLOB column; DATA_LOSS naming `what`
// ("consent", "screening") when the bytes are damaged.
absl::Status ParseStored(const SQLite::Column& column, google::protobuf::Message& message,
                         absl::string_view what);

// Binds a serialized message to a BLOB parameter (`index` counts from 1).
void BindBlob(SQLite::Statement& statement, int index, const std::string& bytes);

// NOT_FOUND "{resource_name} does not exist", reason NOT_FOUND in `domain`
// (the service's full name).
absl::Status NotFound(absl::string_view resource_name, absl::string_view domain);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_DATABASE_H_
