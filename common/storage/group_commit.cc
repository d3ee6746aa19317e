#include "common/storage/group_commit.h"

#include <utility>
#include <vector>

namespace clinic::storage {

// One caller's work, on the caller's stack while it waits. The writer sets
// `status` and `done` under `mutex` and notifies before unlocking, so once the
// caller sees `done` the writer no longer touches it.
struct GroupCommitter::Pending {
  Pending(size_t size, absl::FunctionRef<absl::Status(Connection&)> unit)
      : bytes(size), work(unit) {}
  const size_t bytes;
  const absl::FunctionRef<absl::Status(Connection&)> work;
  absl::Status status;
  std::mutex mutex;
  std::condition_variable released;
  bool done = false;
};

GroupCommitter::GroupCommitter(Database& db, Options options)
    : db_(db), options_(std::move(options)) {
  writer_ = std::thread([this] { WriterLoop(); });
}

GroupCommitter::~GroupCommitter() { Stop(); }

absl::Status GroupCommitter::Run(size_t bytes, absl::FunctionRef<absl::Status(Connection&)> work) {
  Pending pending(bytes, work);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      return absl::UnavailableError("the database is closing and accepts no more writes");
    }
    if (static_cast<int>(queue_.size()) >= options_.max_queued) {
      return absl::UnavailableError("too many writes are waiting for the database; retry later");
    }
    queue_.push_back(&pending);
  }
  work_ready_.notify_one();
  std::unique_lock<std::mutex> lock(pending.mutex);
  pending.released.wait(lock, [&] { return pending.done; });
  return pending.status;
}

void GroupCommitter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  work_ready_.notify_all();
  std::lock_guard<std::mutex> lock(stop_mutex_);
  if (writer_.joinable()) writer_.join();
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
  std::vector<Pending*> batch;
  for (;;) {
    batch.clear();
    {
      std::unique_lock<std::mutex> lock(mutex_);
      work_ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      // Stopping drains first: work already accepted is committed, not dropped.
      if (queue_.empty()) return;
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

    const absl::Status committed = db_.Write([&](Connection& connection) -> absl::Status {
      for (Pending* pending : batch) {
        // A savepoint per caller: one caller's failed work must not take the
        // others' with it. If SQLite already abandoned the whole transaction
        // (disk full, I/O error), ROLLBACK TO throws and the batch fails.
        connection.Exec("SAVEPOINT group_commit_item");
        absl::Status status;
        try {
          status = pending->work(connection);
        } catch (const std::exception& e) {
          status = StatusFromException(e, "writing");
        }
        connection.ResetStatements();
        if (!status.ok()) connection.Exec("ROLLBACK TO group_commit_item");
        connection.Exec("RELEASE group_commit_item");
        pending->status = std::move(status);
      }
      if (options_.before_commit) return options_.before_commit(static_cast<int>(batch.size()));
      return absl::OkStatus();
    });

    if (committed.ok()) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++commits_;
    }
    for (Pending* pending : batch) {
      // Nothing of a failed transaction is durable, so every caller whose own
      // work succeeded hears why the transaction did not commit.
      std::lock_guard<std::mutex> lock(pending->mutex);
      if (!committed.ok() && pending->status.ok()) pending->status = committed;
      pending->done = true;
      pending->released.notify_one();
    }
  }
}

}  // namespace clinic::storage
