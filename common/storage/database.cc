#include "common/storage/database.h"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <atomic>
#include <condition_variable>
#include <system_error>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/core/status.h"
#include "common/core/thread_name.h"
#include "common/storage/group_commit.h"
#include "common/storage/wal_buffer.h"

namespace clinic::storage {
namespace {

// Every read and write opens and ends a transaction, so these are prepared
// once per connection like a store's statements: parsing them on every
// call cost half as much as a GetClient's own query.
constexpr char kBeginSql[] = "BEGIN";
constexpr char kBeginImmediateSql[] = "BEGIN IMMEDIATE";
constexpr char kCommitSql[] = "COMMIT";
constexpr char kRollbackSql[] = "ROLLBACK";

// A savepoint keeps the pages it changes in a journal of its own, in memory
// only up to 64 KiB by default and in a temporary file past that. A
// group-committed batch opens a savepoint for each caller's work, and a new
// client changes some twenty pages (80 KiB), so every CreateClient wrote its
// journal to a file of its own: 6,100 writes a second to temporary files in
// a CreateClient run, four of every five writes the process made
// (docs/performance.md). 8 MiB keeps any one caller's work in memory; work
// that changes more still spills to a file.
constexpr int kSavepointJournalMemoryBytes = 8 << 20;

// sqlite3_config works only before SQLite initializes, so this runs as the
// program loads, ahead of any connection. Should something have started
// SQLite first, the default stays and only speed is lost.
const bool kSavepointJournalsConfigured = [] {
  return sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, kSavepointJournalMemoryBytes) == SQLITE_OK;
}();

std::unique_ptr<SQLite::Database> OpenConnection(const std::string& path,
                                                 const Database::Options& options, bool read_only) {
  const int flags =
      read_only ? SQLite::OPEN_READONLY : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  // Only a connection that writes, and syncs every commit, may keep WAL
  // frames back (wal_buffer.h).
  const bool buffered =
      !read_only && options.synchronous_full && options.buffer_wal_writes && RegisterWalBufferVfs();
  auto db = std::make_unique<SQLite::Database>(
      path, flags | SQLite::OPEN_NOMUTEX, options.busy_timeout_ms, buffered ? kWalBufferVfs : "");
  db->exec("PRAGMA foreign_keys = ON");
  db->exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  return db;
}

// SQLite's own automatic checkpoint threshold: the WAL is copied back once it
// holds this many pages, and the checkpointer is woken at the same size.
constexpr int kCheckpointPages = 1000;
// Should the checkpointer fall this far behind (a writer that never pauses,
// or a checkpoint that keeps failing), the writer checkpoints inside its own
// COMMIT again, as SQLite does by itself, so the WAL stays bounded.
constexpr int kWriterCheckpointPages = 16 * kCheckpointPages;
// What the writer copies itself once the checkpointer has copied the rest:
// a few commits of frames.
constexpr int kCatchUpPages = 256;

}  // namespace

// Copies the WAL back into the database file on a thread and connection of
// its own. A PASSIVE checkpoint never waits for the writer or for readers: it
// copies what it can, and the writer starts the WAL over at its next
// transaction once everything in it was copied.
class Database::Checkpointer {
 public:
  Checkpointer(std::string path, Database::Options options)
      : path_(std::move(path)), options_(options) {}

  ~Checkpointer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  void Wake() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // Frames committed while a checkpoint runs are left to the writer's
      // catch-up or the next wake, not to a second round right after.
      if (running_) return;
      wanted_ = true;
      // The thread and its connection start with the first checkpoint, so a
      // database written little costs neither. This runs inside SQLite's
      // COMMIT, which no exception may cross: when no thread can be made,
      // the writer's own threshold keeps the WAL bounded, and the next wake
      // tries again.
      if (!thread_.joinable() && !stopping_) {
        try {
          thread_ = std::thread([this] { Loop(); });
        } catch (const std::system_error&) {
          return;
        }
      }
    }
    wake_.notify_one();
  }

  // The writer connection's WAL hook, run inside each COMMIT with the
  // number of frames now in the WAL (copied back or not), on the writer's
  // thread.
  static int OnCommit(void* self, sqlite3* db, const char* schema, int wal_pages) {
    auto* checkpointer = static_cast<Checkpointer*>(self);
    int copied = checkpointer->copied_.load(std::memory_order_acquire);
    // Fewer frames than were copied: the WAL started over since, and the
    // count belongs to the file's previous round.
    if (wal_pages < copied) {
      copied = 0;
      checkpointer->copied_.store(0, std::memory_order_release);
    }
    const int waiting = wal_pages - copied;
    // Woken by frames not yet copied, not by the WAL's size: the WAL starts
    // over only when a writer finds every frame copied, which a writer
    // that never pauses rarely lets a checkpoint on another thread see, and
    // waking on size then ran a checkpoint (and its fsyncs) every few
    // commits, copying the same hot pages each time.
    if (waiting >= kCheckpointPages) checkpointer->Wake();
    // Once after each of the checkpointer's rounds, when it left at most
    // kCatchUpPages behind (or when it is far behind): the writer copies
    // the rest itself, so its next transaction finds the WAL fully copied
    // and starts it over, keeping the file near kCheckpointPages rather
    // than growing towards the fallback. Once, because a reader still on
    // the old frames can keep the WAL from starting over, and then every
    // commit would checkpoint again.
    const bool catch_up = waiting > 0 && waiting <= kCatchUpPages &&
                          checkpointer->catch_up_due_.exchange(false, std::memory_order_acq_rel);
    if (catch_up || wal_pages >= kWriterCheckpointPages) {
      int log = 0;
      int done = 0;
      if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log, &done) ==
          SQLITE_OK) {
        checkpointer->copied_.store(done, std::memory_order_release);
      }
      checkpointer->catch_ups_.fetch_add(1, std::memory_order_relaxed);
    }
    return SQLITE_OK;
  }

  int64_t checkpoints() const { return checkpoints_.load() + catch_ups_.load(); }

 private:
  void Loop() {
    NameThisThread("ckpt:" + DatabaseTag(path_));
    std::unique_ptr<SQLite::Database> connection;
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stopping_ || wanted_; });
        if (stopping_) return;
        wanted_ = false;
        running_ = true;
      }
      // A failure here (busy, cannot open) is left for the next wake; the
      // writer's own threshold keeps the WAL bounded meanwhile.
      try {
        if (connection == nullptr) {
          connection = OpenConnection(path_, options_, /*read_only=*/false);
        }
        int log = 0;
        int done = 0;
        if (sqlite3_wal_checkpoint_v2(connection->getHandle(), "main", SQLITE_CHECKPOINT_PASSIVE,
                                      &log, &done) == SQLITE_OK) {
          copied_.store(done, std::memory_order_release);
          catch_up_due_.store(true, std::memory_order_release);
        }
        checkpoints_.fetch_add(1, std::memory_order_relaxed);
      } catch (const std::exception&) {
        connection.reset();
      }
      std::lock_guard<std::mutex> lock(mutex_);
      running_ = false;
    }
  }

  const std::string path_;
  const Database::Options options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool wanted_ = false;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
  // Frames of the WAL's current round a checkpoint has copied back.
  std::atomic<int> copied_{0};
  std::atomic<bool> catch_up_due_{false};
  std::atomic<int64_t> checkpoints_{0};
  std::atomic<int64_t> catch_ups_{0};
};

SQLite::Statement& Connection::Prepare(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
  } else {
    // tryReset: a failed step leaves its error on the statement, and reset()
    // would throw it again; that error was already reported.
    it->second->tryReset();
    it->second->clearBindings();
  }
  return *it->second;
}

void Connection::ResetStatements() {
  // Never throws: this also runs in the handlers of Write and Read, after a
  // statement failed, and reset() would rethrow that failure from the handler
  // (out of the store and out of the process).
  for (auto& [sql, statement] : statements_) statement->tryReset();
}

bool SavepointJournalsInMemory() { return kSavepointJournalsConfigured; }

absl::Status StatusFromException(const std::exception& e, const char* doing) {
  if (const auto* sqlite = dynamic_cast<const SQLite::Exception*>(&e)) {
    const int code = sqlite->getErrorCode();
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED) {
      return absl::UnavailableError(
          absl::StrCat("the database is busy while ", doing, "; retry the call"));
    }
    if (code == SQLITE_FULL) {
      return absl::ResourceExhaustedError(absl::StrCat("the disk is full while ", doing));
    }
    if (code == SQLITE_CONSTRAINT) {
      return absl::InternalError(
          absl::StrCat("a database constraint failed while ", doing, ": ", sqlite->what()));
    }
    return absl::InternalError(absl::StrCat("database error while ", doing, ": ", sqlite->what()));
  }
  return absl::InternalError(absl::StrCat("unexpected error while ", doing, ": ", e.what()));
}

absl::StatusOr<std::unique_ptr<Database>> Database::Open(const std::string& path,
                                                         const Options& options) {
  std::unique_ptr<Database> database(new Database());
  database->path_ = path;
  database->options_ = options;
  try {
    auto writer = OpenConnection(path, options, /*read_only=*/false);
    // WAL is a property of the file; set once by the writer, readers inherit it.
    writer->exec("PRAGMA journal_mode = WAL");
    database->writer_ = std::make_unique<Connection>(std::move(writer));
    for (int i = 0; i < options.reader_connections; ++i) {
      database->readers_.push_back(
          std::make_unique<Connection>(OpenConnection(path, options, /*read_only=*/true)));
    }
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open database ", path, ": ", e.what()));
  }
  if (options.background_checkpoints) {
    database->checkpointer_ = std::make_unique<Checkpointer>(path, options);
    sqlite3_wal_hook(database->writer_->raw().getHandle(), &Checkpointer::OnCommit,
                     database->checkpointer_.get());
  }
  if (options.group_commit) {
    database->committer_ = std::make_unique<GroupCommitter>(*database, GroupCommitter::Options());
  }
  return database;
}

Database::Options StoreDatabaseOptions() {
  Database::Options options;
  options.synchronous_full = true;
  options.group_commit = true;
  options.background_checkpoints = true;
  return options;
}

Database::~Database() {
  if (committer_ != nullptr) committer_->Stop();
  // Before the writer closes: the hook points at the checkpointer.
  if (writer_ != nullptr) sqlite3_wal_hook(writer_->raw().getHandle(), nullptr, nullptr);
  checkpointer_.reset();
}

int64_t Database::checkpoints() const {
  return checkpointer_ != nullptr ? checkpointer_->checkpoints() : 0;
}

absl::Status Database::Write(absl::FunctionRef<absl::Status(Connection&)> work) {
  if (committer_ != nullptr) return committer_->Run(0, work);
  return WriteAlone(work);
}

absl::Status Database::WriteAlone(absl::FunctionRef<absl::Status(Connection&)> work) {
  std::lock_guard<std::mutex> lock(writer_mutex_);
  Connection& connection = *writer_;
  try {
    connection.Prepare(kBeginImmediateSql).exec();
  } catch (const std::exception& e) {
    return StatusFromException(e, "starting a write");
  }
  absl::Status status;
  try {
    status = work(connection);
    connection.ResetStatements();
    if (status.ok()) {
      connection.Prepare(kCommitSql).exec();
      return absl::OkStatus();
    }
  } catch (const std::exception& e) {
    status = StatusFromException(e, "writing");
    connection.ResetStatements();
  }
  try {
    connection.Prepare(kRollbackSql).exec();
  } catch (const std::exception&) {
    // SQLite rolls back by itself after some errors; nothing is left to undo.
  }
  // Frames the transaction wrote out before it failed must never reach the
  // file now that other writers may use those places (wal_buffer.h).
  DropKeptWalFrames(connection.raw().getHandle());
  return status;
}

absl::Status Database::Read(absl::FunctionRef<absl::Status(Connection&)> work) {
  std::unique_ptr<Connection> reader;
  try {
    reader = BorrowReader();
  } catch (const std::exception& e) {
    return StatusFromException(e, "opening a read connection");
  }
  absl::Status status;
  try {
    reader->Prepare(kBeginSql).exec();
    status = work(*reader);
    reader->ResetStatements();
    reader->Prepare(kCommitSql).exec();
  } catch (const std::exception& e) {
    status = StatusFromException(e, "reading");
    reader->ResetStatements();
    try {
      reader->Prepare(kRollbackSql).exec();
    } catch (const std::exception&) {
      // Already rolled back.
    }
  }
  ReturnReader(std::move(reader));
  return status;
}

std::unique_ptr<Connection> Database::BorrowReader() {
  {
    std::lock_guard<std::mutex> lock(readers_mutex_);
    if (!readers_.empty()) {
      std::unique_ptr<Connection> reader = std::move(readers_.back());
      readers_.pop_back();
      return reader;
    }
  }
  // Every pooled reader is busy: open another rather than queue; it joins the
  // pool afterwards, so the pool grows to the real concurrency.
  return std::make_unique<Connection>(OpenConnection(path_, options_, /*read_only=*/true));
}

void Database::ReturnReader(std::unique_ptr<Connection> reader) {
  std::lock_guard<std::mutex> lock(readers_mutex_);
  readers_.push_back(std::move(reader));
}

absl::Status ParseStored(const SQLite::Column& column, google::protobuf::Message& message,
                         absl::string_view what) {
  if (!message.ParseFromArray(column.getBlob(), column.getBytes())) {
    return absl::DataLossError(absl::StrCat("a stored ", what, " is unreadable"));
  }
  return absl::OkStatus();
}

void BindBlob(SQLite::Statement& statement, int index, const std::string& bytes) {
  statement.bind(index, bytes.data(), static_cast<int>(bytes.size()));
}

absl::Status NotFound(absl::string_view resource_name, absl::string_view domain) {
  return WithReason(absl::NotFoundError(absl::StrCat(resource_name, " does not exist")),
                    "NOT_FOUND", domain);
}

}  // namespace clinic::storage
