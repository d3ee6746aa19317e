// The thread that delivers a store's outbox (outbox.h): it takes the entries
// that are due, oldest first, hands each to the store's delivery function
// and records the outcome; a failed attempt is retried after a wait that
// doubles each time, from `first_retry` up to `max_retry`, with a fifth of
// random spread so entries that failed together do not retry in step. It
// starts with the entries a previous run left undelivered, so a process
// killed with work outstanding delivers it after its restart. A service
// owns one per outbox and calls Wake() after each commit that adds to it.
#ifndef CLINIC_COMMON_STORAGE_OUTBOX_WORKER_H_
#define CLINIC_COMMON_STORAGE_OUTBOX_WORKER_H_

#include <functional>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/storage/database.h"
#include "common/storage/outbox.h"

namespace clinic::storage {

// What one delivery attempt came to.
struct DeliveryOutcome {
  // True when the other service took the work (or had it already).
  bool delivered = false;
  // When delivered: what it answered, e.g. the name of what it made. When
  // not: why, for the entry's last_error and the log.
  std::string detail;
};

class OutboxWorker {
 public:
  // Delivers one entry; called on the worker's thread, one entry at a time.
  // Must not throw; may block up to its own call deadline.
  using Deliver = std::function<DeliveryOutcome(const OutboxEntry&)>;

  struct Retry {
    absl::Duration first = absl::Seconds(1);
    absl::Duration max = absl::Minutes(5);
  };

  // Starts the thread. `database` must outlive the worker.
  OutboxWorker(Database& database, Deliver deliver, Retry retry);

  // Stops: waits for the attempt under way, if any, then joins. The entries
  // left stay for the next worker.
  ~OutboxWorker();

  // The same, before the worker goes away: its service stops it while the
  // services it delivers to still answer (a delivery on an in-process
  // channel must not outlive the server). Later calls do nothing; Wake()
  // after it is harmless.
  void Stop();

  OutboxWorker(const OutboxWorker&) = delete;
  OutboxWorker& operator=(const OutboxWorker&) = delete;

  // New entries were committed: look now rather than at the next due time.
  void Wake();

  // The wait before attempt `attempts + 1` after `attempts` failed ones,
  // without the spread.
  static absl::Duration WaitAfter(int attempts, const Retry& retry);

 private:
  void Run();
  // Delivers what is due; returns when the next entry is due (or
  // InfiniteFuture when none waits).
  absl::Time DeliverDue();

  Database& database_;
  Deliver deliver_;
  Retry retry_;
  absl::Mutex mutex_;
  bool woken_ ABSL_GUARDED_BY(mutex_) = false;
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::thread thread_;
};

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_OUTBOX_WORKER_H_
