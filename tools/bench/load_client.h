// The threading bench's load generator: a closed loop that keeps a fixed
// number of Echo calls outstanding over several channels, using the async
// client API on the bench's own threads (so the client never borrows the
// threads the callback server runs on), and a probe that sends one cheap
// call at a time to see how long it waits behind the load.
#ifndef CLINIC_TOOLS_BENCH_LOAD_CLIENT_H_
#define CLINIC_TOOLS_BENCH_LOAD_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "bench.grpc.pb.h"

namespace clinic::bench {

struct LoadSpec {
  int concurrency = 1;                             // calls kept outstanding
  int client_threads = 2;                          // threads draining completion queues
  int64_t max_requests = 20000;                    // stop after this many calls...
  absl::Duration max_duration = absl::Seconds(3);  // ...or this long
  int work_us = 0;                                 // server-side blocking per call
  int request_bytes = 64;
  int response_bytes = 512;
};

struct LatencySummary {
  int64_t count = 0;
  absl::Duration p50;
  absl::Duration p99;
  absl::Duration max;
};

// Sorts `nanos` in place.
LatencySummary Summarize(std::vector<int64_t>& nanos);

struct LoadResult {
  int64_t ok = 0;
  int64_t failed = 0;
  std::map<grpc::StatusCode, int64_t> failures;
  absl::Duration elapsed;
  LatencySummary latency;  // successful calls only

  double qps() const;
};

class LoadClient {
 public:
  // Opens `channels` separate connections to `target`.
  LoadClient(const std::string& target, int channels);

  // Runs one closed loop to completion; `stop`, when given and set, ends it
  // early. Each outstanding slot sticks to one channel.
  LoadResult Run(const LoadSpec& spec, const std::atomic<bool>* stop = nullptr);

 private:
  std::vector<std::unique_ptr<clinic::bench::v1::EchoBench::Stub>> stubs_;
};

// What a probe call asks for.
enum class ProbeKind {
  kEcho,    // EchoBench.Echo with no work: a call that needs no store
  kHealth,  // grpc.health.v1.Health/Check for the whole server
};

// Sends one call at a time on a connection of its own, `gap` apart, until
// `stop` is set. Failed probes are counted in `failed`.
LatencySummary RunProbe(const std::string& target, ProbeKind kind, const std::atomic<bool>& stop,
                        absl::Duration gap, int64_t* failed);

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_BENCH_LOAD_CLIENT_H_
