// Group commit: one writer thread runs many callers' units of work in one
// transaction, so one fsync makes a whole batch durable instead of one fsync
// per call. Each caller of Run() is released only after the transaction that
// holds its work has committed (or failed). For the audit log, and for any
// store whose writes arrive concurrently on the same database.
//
// Callers are released by a second thread, so the writer begins the next
// transaction as soon as one has committed: releasing a batch (waking its
// waiters, or running its callbacks, which for a gRPC call send the answer)
// costs about as much processor as writing it, and the writer is the one
// thread every durable call passes through (docs/performance.md).
#ifndef CLINIC_COMMON_STORAGE_GROUP_COMMIT_H_
#define CLINIC_COMMON_STORAGE_GROUP_COMMIT_H_

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "common/storage/database.h"

namespace clinic::storage {

class GroupCommitter {
 public:
  struct Options {
    // Bounds of one transaction: a batch closes at whichever comes first.
    int max_batch_items = 256;
    size_t max_batch_bytes = 1 << 20;
    // Work accepted and not yet released (waiting for the writer, or
    // committed and waiting to be told); beyond it Run() refuses at once with
    // UNAVAILABLE rather than letting the queue (and callers' wait) grow.
    int max_queued = 4096;
    // Fault injection for tests: called in the transaction after the batch's
    // work and before COMMIT, with the batch's size; an error fails the batch.
    std::function<absl::Status(int batch_items)> before_commit;
  };

  // `db` must outlive the committer. Starts the writer thread.
  GroupCommitter(Database& db, Options options);
  // Same as Stop().
  ~GroupCommitter();

  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `work` on the writer thread (never call Run from inside `work`) inside a transaction
  // shared with other callers' work, and returns once that transaction is durable: OK when it
  // committed, otherwise why not. `work` runs inside a savepoint, so its own
  // error undoes only its changes and fails only its caller; a failed COMMIT
  // fails every caller of the batch. `bytes` is a size estimate of the work
  // for the batch bound. UNAVAILABLE when the queue is full or stopped.
  absl::Status Run(size_t bytes, absl::FunctionRef<absl::Status(Connection&)> work);

  // Run() without waiting: queues `work` and returns at once. `done` is
  // called exactly once with what Run() would have returned: on the
  // committer's release thread after the transaction holding the work
  // committed or failed, or on this thread, before Submit returns, when the
  // work is refused (queue full, stopped). Batches are told in the order they
  // committed. `done` must be quick and must not call Run(), Submit() or
  // Stop(): later batches' callers wait for it. For callers that must not
  // hold a thread while the batch commits (a gRPC reactor finishing a call
  // once its audit event is durable).
  void Submit(size_t bytes, std::function<absl::Status(Connection&)> work,
              std::function<void(absl::Status)> done);

  // Refuses new work, commits everything already accepted, tells every
  // caller, and joins both threads. Idempotent.
  void Stop();

  // For tests and metrics: transactions committed, work waiting for the
  // writer, and whether Stop() has begun.
  int64_t commits() const;
  int queued() const;
  bool stopping() const;

 private:
  struct Pending;
  // A committed (or failed) transaction's callers, waiting to be told.
  struct Committed {
    std::vector<Pending*> batch;
    absl::Status status;
  };
  void WriterLoop();
  void ReleaseLoop();
  // Tells each caller of `committed` its outcome.
  static void Release(Committed& committed);
  // Queues `pending`; an error (and nothing queued) when it cannot.
  absl::Status Enqueue(Pending* pending);

  Database& db_;
  const Options options_;
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::deque<Pending*> queue_;
  std::condition_variable release_ready_;
  std::deque<Committed> committed_;
  // Callers taken by the writer and not yet told: with queue_, what
  // max_queued bounds.
  int unreleased_ = 0;
  bool writer_done_ = false;
  bool stopping_ = false;
  int64_t commits_ = 0;
  std::mutex stop_mutex_;
  std::thread writer_;
  std::thread releaser_;
};

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_GROUP_COMMIT_H_
