// Counts this process's threads from /proc/self/task while a bench scenario
// runs, separating gRPC's threads from the bench's own (whose names start with
// "bench-"). Linux only; used by clinic-grpc-threading-bench.
#ifndef CLINIC_TOOLS_BENCH_THREAD_CENSUS_H_
#define CLINIC_TOOLS_BENCH_THREAD_CENSUS_H_

#include <atomic>
#include <map>
#include <string>
#include <thread>

#include "absl/synchronization/mutex.h"

namespace clinic::bench {

// Gives the calling thread a name the census counts as the bench's own.
void NameBenchThread(const char* name);

// The threads alive at one moment, by name (/proc/self/task/*/comm).
struct ThreadCount {
  int total = 0;
  int bench = 0;  // named "bench-..."
  std::map<std::string, int> by_name;

  int grpc() const { return total - bench; }
};

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
