#include "common/storage/group_commit.h"

#include <memory>
#include <utility>
#include <vector>

#include "common/core/thread_name.h"

namespace clinic::storage {
namespace {

constexpr char kSavepointSql[] = "SAVEPOINT group_commit_item";
constexpr char kRollbackToSavepointSql[] = "ROLLBACK TO group_commit_item";
constexpr char kReleaseSavepointSql[] = "RELEASE group_commit_item";

}  // namespace

// One caller's work. A waiting caller (Run) keeps it on its stack: the
// writer sets `status`, then the release thread sets `done` under `mutex` and
// notifies before unlocking, so once the caller sees `done` neither thread
// touches it again. A submitted one (Submit) owns its work and is deleted by
// the release thread after `on_done` was called.
struct GroupCommitter::Pending {
  Pending(size_t size, absl::FunctionRef<absl::Status(Connection&)> unit)
      : bytes(size), work(unit) {}
  Pending(size_t size, std::function<absl::Status(Connection&)> unit,
          std::function<void(absl::Status)> finished)
      : bytes(size), owned_work(std::move(unit)), work(owned_work), on_done(std::move(finished)) {}
  const size_t bytes;
  std::function<absl::Status(Connection&)> owned_work;
  const absl::FunctionRef<absl::Status(Connection&)> work;
  std::function<void(absl::Status)> on_done;
  absl::Status status;
  std::mutex mutex;
  std::condition_variable released;
  bool done = false;
};

GroupCommitter::GroupCommitter(Database& db, Options options)
    : db_(db), options_(std::move(options)) {
  writer_ = std::thread([this] { WriterLoop(); });
  releaser_ = std::thread([this] { ReleaseLoop(); });
}

GroupCommitter::~GroupCommitter() { Stop(); }

absl::Status GroupCommitter::Enqueue(Pending* pending) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      return absl::UnavailableError("the database is closing and accepts no more writes");
    }
    if (static_cast<int>(queue_.size()) + unreleased_ >= options_.max_queued) {
      return absl::UnavailableError("too many writes are waiting for the database; retry later");
    }
    queue_.push_back(pending);
  }
  work_ready_.notify_one();
  return absl::OkStatus();
}

absl::Status GroupCommitter::Run(size_t bytes, absl::FunctionRef<absl::Status(Connection&)> work) {
  Pending pending(bytes, work);
  if (absl::Status queued = Enqueue(&pending); !queued.ok()) return queued;
  std::unique_lock<std::mutex> lock(pending.mutex);
  pending.released.wait(lock, [&] { return pending.done; });
  return pending.status;
}

void GroupCommitter::Submit(size_t bytes, std::function<absl::Status(Connection&)> work,
                            std::function<void(absl::Status)> done) {
  auto pending = std::make_unique<Pending>(bytes, std::move(work), std::move(done));
  if (absl::Status queued = Enqueue(pending.get()); !queued.ok()) {
    pending->on_done(std::move(queued));
    return;
  }
  // The committer owns it now; its release thread deletes it once `done`
  // was called.
  static_cast<void>(pending.release());
}

void GroupCommitter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  std::lock_guard<std::mutex> lock(stop_mutex_);
  // The writer drains the queue first; the releaser then tells what it
  // committed, and ends once the writer has.
  if (writer_.joinable()) writer_.join();
  if (releaser_.joinable()) releaser_.join();
}

int64_t GroupCommitter::commits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return commits_;
}

int GroupCommitter::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(queue_.size());
}

bool GroupCommitter::stopping() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_;
}

void GroupCommitter::WriterLoop() {
  NameThisThread("wr:" + DatabaseTag(db_.path()));
  std::vector<Pending*> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Stopping drains first: work already accepted is committed, not dropped.
      if (queue_.empty()) {
        writer_done_ = true;
        release_ready_.notify_one();
        return;
      }
      size_t bytes = 0;
      // The first item always goes in, so zero bounds or an item larger than
      // the byte bound cannot stall the writer.
      while (!queue_.empty() &&
             (batch.empty() || (static_cast<int>(batch.size()) < options_.max_batch_items &&
                                bytes + queue_.front()->bytes <= options_.max_batch_bytes))) {
        bytes += queue_.front()->bytes;
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }

    const absl::Status committed = db_.WriteAlone([&](Connection& connection) -> absl::Status {
      for (Pending* pending : batch) {
        // A savepoint per caller: one caller's failed work must not take the
        // others' with it. If SQLite already abandoned the whole transaction
        // (disk full, I/O error), ROLLBACK TO throws and the batch fails.
        // Prepared once, not parsed again for every caller's work.
        connection.Prepare(kSavepointSql).exec();
        absl::Status status;
        try {
          status = pending->work(connection);
        } catch (const std::exception& e) {
          status = StatusFromException(e, "writing");
        }
        connection.ResetStatements();
        if (!status.ok()) connection.Prepare(kRollbackToSavepointSql).exec();
        connection.Prepare(kReleaseSavepointSql).exec();
        pending->status = std::move(status);
      }
      if (options_.before_commit) return options_.before_commit(static_cast<int>(batch.size()));
      return absl::OkStatus();
    });

    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (committed.ok()) ++commits_;
      unreleased_ += static_cast<int>(batch.size());
      committed_.push_back(Committed{std::move(batch), committed});
    }
    release_ready_.notify_one();
  }
}

void GroupCommitter::ReleaseLoop() {
  NameThisThread("rel:" + DatabaseTag(db_.path()));
  for (;;) {
    Committed next;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      release_ready_.wait(lock, [&] { return writer_done_ || !committed_.empty(); });
      if (committed_.empty()) return;
      next = std::move(committed_.front());
      committed_.pop_front();
    }
    const int told = static_cast<int>(next.batch.size());
    Release(next);
    std::lock_guard<std::mutex> lock(mutex_);
    unreleased_ -= told;
  }
}

void GroupCommitter::Release(Committed& committed) {
  for (Pending* pending : committed.batch) {
    // Nothing of a failed transaction is durable, so every caller whose own
    // work succeeded hears why the transaction did not commit.
    if (!committed.status.ok() && pending->status.ok()) pending->status = committed.status;
    if (pending->on_done) {
      // A throwing callback must not take the releaser, and every later
      // caller, with it.
      try {
        pending->on_done(std::move(pending->status));
      } catch (...) {
      }
      delete pending;
      continue;
    }
    std::lock_guard<std::mutex> lock(pending->mutex);
    pending->done = true;
    pending->released.notify_one();
  }
}

}  // namespace clinic::storage
