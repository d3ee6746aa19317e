// The closed loop that drives a server: a fixed number of calls kept in
// flight, each slot starting its next call as soon as the previous one
// completes, with the operation drawn from a weighted mix. Calls are started
// with gRPC's callback API, so the loop needs no threads of its own and one
// process on two cores keeps hundreds of calls outstanding. Calls completing
// during the warm-up are not counted.
#ifndef CLINIC_TOOLS_CLINIC_BENCH_DRIVER_H_
#define CLINIC_TOOLS_CLINIC_BENCH_DRIVER_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/clinic_bench/operation.h"

namespace clinic::bench {

// One operation of a mix and its share of the calls.
struct MixEntry {
  std::string name;  // as registered: "get"
  int weight = 0;
  Operation* operation = nullptr;
};

struct PhaseSpec {
  std::vector<MixEntry> mix;  // weights > 0
  int concurrency = 1;        // calls in flight
  int channels = 1;           // slot i uses connection i % channels
  absl::Duration warmup = absl::ZeroDuration();
  // The phase stops starting calls after warmup + duration, or after
  // max_calls calls when that is not 0, whichever comes first.
  absl::Duration duration = absl::InfiniteDuration();
  int64_t max_calls = 0;
};

// What one operation's counted calls did.
struct OperationTally {
  std::vector<int64_t> latencies_ns;      // calls answered OK
  std::map<std::string, int64_t> errors;  // other calls, by status code name
  std::string first_error;                // "CODE: message" of one of them, cut short
};

struct PhaseResult {
  std::vector<OperationTally> tallies;  // in the order of PhaseSpec::mix
  absl::Duration measured;              // how long calls were counted
};

// Runs one phase to completion, waiting for every call it started.
PhaseResult RunPhase(const PhaseSpec& spec);

// "get:70,search:20" -> entries (operation not yet set); INVALID_ARGUMENT
// naming the part that is wrong. Weights of 0 are dropped.
absl::StatusOr<std::vector<MixEntry>> ParseMix(const std::string& text);

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_CLINIC_BENCH_DRIVER_H_
