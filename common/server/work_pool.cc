#include "common/server/work_pool.h"

#include <string>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "common/core/log.h"
#include "common/core/thread_name.h"

namespace clinic::server {
namespace {

// Enough to recognise the failure; an exception's text may quote user input.
constexpr size_t kMaxLoggedExceptionBytes = 300;

// A queue this long is swept for cancelled calls every kSweepEvery
// submissions.
constexpr size_t kSweepQueueSize = 32;
constexpr size_t kSweepEvery = 16;

}  // namespace

WorkPool::WorkPool(int threads, size_t max_queued, std::string name)
    : max_threads_(threads > 0 ? static_cast<size_t>(threads) : 1),
      max_queued_(max_queued),
      name_(std::move(name)) {}

WorkPool::~WorkPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (std::thread& thread : threads_) thread.join();
}

bool WorkPool::Submit(std::function<void()> work, std::function<bool()> abandoned,
                      std::function<void()> drop) {
  std::vector<Work> dropped;
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Sweeping costs a pass over the queue, so only a queue that has grown
    // is swept, and only every so many calls.
    if (queue_.size() >= kSweepQueueSize && ++submitted_since_sweep_ >= kSweepEvery) {
      submitted_since_sweep_ = 0;
      dropped = SweepLocked();
    }
    if (queue_.size() < max_queued_) {
      queue_.push_back(Work{std::move(work), std::move(abandoned), std::move(drop)});
      queued = true;
      // More work waiting than threads free to take it: one more thread,
      // while the pool has room for it.
      if (queue_.size() > idle_ + starting_ && threads_.size() < max_threads_) {
        try {
          threads_.emplace_back([this] { Loop(); });
          ++starting_;
        } catch (const std::system_error&) {
          // No thread could be made (the process's limit): the threads there
          // are take the work in turn, and with none it is refused as
          // overload rather than left where nothing runs it.
          if (threads_.empty()) {
            queue_.pop_back();
            queued = false;
          }
        }
      }
    }
  }
  if (queued) wake_.notify_one();
  for (Work& gone : dropped) gone.drop();
  return queued;
}

size_t WorkPool::queued() {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

size_t WorkPool::threads() {
  std::lock_guard<std::mutex> lock(mutex_);
  return threads_.size();
}

std::vector<WorkPool::Work> WorkPool::SweepLocked() {
  std::vector<Work> dropped;
  std::deque<Work> kept;
  for (Work& work : queue_) {
    if (work.abandoned && work.drop && work.abandoned()) {
      dropped.push_back(std::move(work));
    } else {
      kept.push_back(std::move(work));
    }
  }
  queue_.swap(kept);
  return dropped;
}

void WorkPool::Loop() {
  NameThisThread(name_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --starting_;
  }
  for (;;) {
    Work work;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ++idle_;
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      --idle_;
      // Queued calls are finished even when stopping: the server waits for
      // every call it accepted.
      if (queue_.empty()) return;
      work = std::move(queue_.front());
      queue_.pop_front();
    }
    // Work from the service kit catches its handler's exceptions; this guards
    // whatever else is queued, because an exception leaving a pool thread
    // terminates the process.
    try {
      work.run();
    } catch (const std::exception& exception) {
      Log(LogLevel::kError, "queued work threw; it is dropped",
          {{"exception",
            std::string(absl::string_view(exception.what()).substr(0, kMaxLoggedExceptionBytes))}});
    } catch (...) {
      Log(LogLevel::kError,
          "queued work threw something that is not a std::exception; it is dropped");
    }
  }
}

namespace internal {

absl::Status Overloaded() {
  return WithReason(absl::ResourceExhaustedError("the server is overloaded; retry with backoff"),
                    "SERVER_OVERLOADED", "clinic.v1");
}

}  // namespace internal

absl::Status HandlerThrew(const grpc::ServerContextBase& context, const char* what) {
  std::string request_id = RequestIdOf(context);
  if (request_id.empty()) request_id = "(none)";
  // An exception's text may quote user input at any length.
  absl::string_view text(what == nullptr ? "" : what);
  Log(LogLevel::kError, "handler threw; the call fails with INTERNAL",
      {{"method", MethodOf(context)},
       {"request_id", request_id},
       {"exception", std::string(text.substr(0, kMaxLoggedExceptionBytes))},
       {"exception_bytes", static_cast<int64_t>(text.size())}});
  return absl::InternalError(
      absl::StrCat("internal error; quote request id ", request_id, " to support"));
}

}  // namespace clinic::server
