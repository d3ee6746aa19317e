// Counts this process's threads from /proc/self/task while a bench scenario
// runs, separating gRPC's threads from the bench's own (each of which holds a
// BenchThreadScope while it lives). Linux only; used by
// clinic-grpc-threading-bench.
#ifndef CLINIC_TOOLS_BENCH_THREAD_CENSUS_H_
#define CLINIC_TOOLS_BENCH_THREAD_CENSUS_H_

#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace clinic::bench {

// Marks the calling thread as the bench's own until the scope ends, and names
// it. Threads are told apart by id, not by name, because a new thread inherits
// its creator's name until it sets its own, and gRPC starts threads from ours.
class BenchThreadScope {
 public:
  explicit BenchThreadScope(const char* name);
  ~BenchThreadScope();
  BenchThreadScope(const BenchThreadScope&) = delete;
  BenchThreadScope& operator=(const BenchThreadScope&) = delete;
};

// The threads alive at one moment, by name (/proc/self/task/*/comm).
struct ThreadCount {
  int total = 0;
  int bench = 0;  // inside a BenchThreadScope
  // Just started and still wearing a bench thread's inherited name: either
  // ours before its BenchThreadScope, or gRPC's before it names itself.
  int unsettled = 0;
  std::map<std::string, int> by_name;

  int grpc() const { return total - bench; }
};

// Waits (briefly) until no thread is unsettled, so the count is exact.
ThreadCount TakeThreadCount();

// Samples the thread count every few milliseconds from a thread of its own
// and keeps the moment with the most gRPC threads.
class PeakThreadSampler {
 public:
  PeakThreadSampler();
  ~PeakThreadSampler();  // Stops sampling.
  PeakThreadSampler(const PeakThreadSampler&) = delete;
  PeakThreadSampler& operator=(const PeakThreadSampler&) = delete;

  ThreadCount Peak();

 private:
  std::atomic<bool> stop_{false};
  absl::Mutex mutex_;
  ThreadCount peak_ ABSL_GUARDED_BY(mutex_);
  std::thread thread_;
};

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_BENCH_THREAD_CENSUS_H_
