// The bench's EchoBench service written three ways, one per server threading
// model under comparison: the synchronous API, the callback API answering on
// gRPC's own thread, and the callback API handing blocking work to a pool of
// its own. Only clinic-grpc-threading-bench uses these.
#ifndef CLINIC_TOOLS_BENCH_ECHO_SERVICES_H_
#define CLINIC_TOOLS_BENCH_ECHO_SERVICES_H_

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "bench.grpc.pb.h"

namespace clinic::bench {

// What every implementation does for one call: blocks for work_us (standing
// in for a store call) and fills the response payload.
void DoEchoWork(const clinic::bench::v1::EchoRequest& request,
                clinic::bench::v1::EchoResponse* response);

// Synchronous API: gRPC runs each call on a thread of the server's own pool,
// which grows while calls are blocked.
class SyncEchoService final : public clinic::bench::v1::EchoBench::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context, const clinic::bench::v1::EchoRequest* request,
                    clinic::bench::v1::EchoResponse* response) override;
};

// Callback API, handler answers inline: the blocking work runs on whichever
// gRPC library thread delivered the call.
class CallbackEchoService final : public clinic::bench::v1::EchoBench::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const clinic::bench::v1::EchoRequest* request,
                                 clinic::bench::v1::EchoResponse* response) override;
};

// A fixed set of threads running queued tasks in order of arrival.
class WorkerPool {
 public:
  explicit WorkerPool(int threads);
  ~WorkerPool();  // Runs what is queued, then joins.
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Schedule(std::function<void()> task);
  int size() const { return static_cast<int>(threads_.size()); }

 private:
  void Loop();
  bool HasTaskOrStopping() const ABSL_SHARED_LOCKS_REQUIRED(mutex_) {
    return stopping_ || !tasks_.empty();
  }

  absl::Mutex mutex_;
  std::deque<std::function<void()>> tasks_ ABSL_GUARDED_BY(mutex_);
  bool stopping_ ABSL_GUARDED_BY(mutex_) = false;
  std::vector<std::thread> threads_;
};

// Callback API with offloading: a call that must block (work_us > 0) is
// finished from the pool, so gRPC's threads never wait on it; a call that
// need not block is answered inline.
class OffloadEchoService final : public clinic::bench::v1::EchoBench::CallbackService {
 public:
  explicit OffloadEchoService(int pool_threads) : pool_(pool_threads) {}

  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const clinic::bench::v1::EchoRequest* request,
                                 clinic::bench::v1::EchoResponse* response) override;

 private:
  WorkerPool pool_;
};

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_BENCH_ECHO_SERVICES_H_
