// The three EchoBench implementations compared by the threading bench.
#include "tools/bench/echo_services.h"

#include <string>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "tools/bench/thread_census.h"

namespace clinic::bench {

using clinic::bench::v1::EchoRequest;
using clinic::bench::v1::EchoResponse;

void DoEchoWork(const EchoRequest& request, EchoResponse* response) {
  if (request.work_us() > 0) absl::SleepFor(absl::Microseconds(request.work_us()));
  if (request.response_bytes() > 0) {
    response->set_payload(std::string(static_cast<size_t>(request.response_bytes()), 'x'));
  }
}

grpc::Status SyncEchoService::Echo(grpc::ServerContext* /*context*/, const EchoRequest* request,
                                   EchoResponse* response) {
  DoEchoWork(*request, response);
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* CallbackEchoService::Echo(grpc::CallbackServerContext* context,
                                                    const EchoRequest* request,
                                                    EchoResponse* response) {
  DoEchoWork(*request, response);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] {
      BenchThreadScope scope("bench-pool");
      Loop();
    });
  }
}

WorkerPool::~WorkerPool() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

void WorkerPool::Schedule(std::function<void()> task) {
  absl::MutexLock lock(&mutex_);
  tasks_.push_back(std::move(task));
}

void WorkerPool::Loop() {
  while (true) {
    std::function<void()> task;
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(this, &WorkerPool::HasTaskOrStopping));
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

grpc::ServerUnaryReactor* OffloadEchoService::Echo(grpc::CallbackServerContext* context,
                                                   const EchoRequest* request,
                                                   EchoResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (request->work_us() == 0) {
    DoEchoWork(*request, response);
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  // request and response stay valid until the reactor is done, which is after
  // Finish, so the pool may use them.
  pool_.Schedule([request, response, reactor] {
    DoEchoWork(*request, response);
    reactor->Finish(grpc::Status::OK);
  });
  return reactor;
}

}  // namespace clinic::bench
