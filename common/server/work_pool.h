// A bounded pool of threads for handlers that block: store calls (SQLite),
// file I/O, calls to other services. gRPC's callback handlers run on a small
// fixed set of threads shared with the health service (two on a 2-core
// machine), so a handler that blocks there stalls every call in the process;
// docs/decisions/0001-server-threading-model.md has the measurements. Each
// service owns one pool sized to its database connections, through its
// service kit (service_kit.h), which runs handlers on it. Threads start when
// work finds none free, up to the pool's size, so a process that hosts many
// services does not start a hundred threads it may never use (start-up and
// idle memory, docs/performance.md).
#ifndef CLINIC_COMMON_SERVER_WORK_POOL_H_
#define CLINIC_COMMON_SERVER_WORK_POOL_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "common/core/status.h"
#include "common/server/call_outcome.h"
#include "common/server/principal.h"

namespace clinic::server {

class WorkPool {
 public:
  // At most `threads` threads (at least one), started as work needs them
  // and kept. `max_queued` bounds the calls waiting for a thread; beyond it
  // new work is refused, so overload shows as a clear error instead of
  // growing latency.
  // `name` names its threads (thread_name.h): the service's, for a
  // service's pool.
  explicit WorkPool(int threads, size_t max_queued = 1024, std::string name = "pool");
  // Finishes the queued work, then joins the threads.
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `work`; it runs on one of the pool's threads, in order of arrival.
  // False, without queuing, when the queue is full. While it waits,
  // `abandoned` (cheap, called under the pool's lock) may say its call is
  // gone; it is then taken out of the queue by a later Submit and `drop` is
  // called instead of `work`, on that caller's thread, so a burst of
  // cancelled calls does not keep their requests in memory until a thread
  // is free.
  bool Submit(std::function<void()> work, std::function<bool()> abandoned = nullptr,
              std::function<void()> drop = nullptr);

  // Calls waiting for a thread.
  size_t queued();

  // Threads started so far (for tests).
  size_t threads();

 private:
  struct Work {
    std::function<void()> run;
    std::function<bool()> abandoned;
    std::function<void()> drop;
  };

  void Loop();
  // Takes abandoned work out of the queue; the caller drops it unlocked.
  std::vector<Work> SweepLocked();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Work> queue_;
  const size_t max_threads_;
  size_t max_queued_;
  const std::string name_;
  // Threads waiting for work, and threads started that have not yet looked
  // for any: both will take queued work without another thread.
  size_t idle_ = 0;
  size_t starting_ = 0;
  size_t submitted_since_sweep_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// The status a call is finished with when its handler threw: INTERNAL,
// naming the request id for support, after logging the exception (bounded)
// at ERROR. Service code must not throw; this is the last resort that keeps
// one bad call from terminating the process.
absl::Status HandlerThrew(const grpc::ServerContextBase& context, const char* what);

namespace internal {
// The refusal of a call (or a stream's read) the pool has no room for:
// RESOURCE_EXHAUSTED, reason SERVER_OVERLOADED.
absl::Status Overloaded();
}  // namespace internal

// Runs `handler` and returns its status, or HandlerThrew's when it throws.
template <typename Handler>
absl::Status RunCatching(const grpc::ServerContextBase& context, Handler& handler) noexcept {
  try {
    return handler();
  } catch (const std::exception& exception) {
    return HandlerThrew(context, exception.what());
  } catch (...) {
    return HandlerThrew(context, "an exception that is not a std::exception");
  }
}

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_WORK_POOL_H_
