// The one-fsync-per-call baseline: concurrent writers each committing one
// row per transaction to a SQLite file in WAL mode with synchronous=FULL,
// through storage::Database, the code every store writes with. Each commit
// waits for its own fsync and the writers wait for each other, which is what
// a server does when every durable call commits alone. Run in the folder the
// server keeps its data in, it gives the disk's rate for the ratios.
#ifndef CLINIC_TOOLS_CLINIC_BENCH_FSYNC_BASELINE_H_
#define CLINIC_TOOLS_CLINIC_BENCH_FSYNC_BASELINE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tools/clinic_bench/driver.h"

namespace clinic::bench {

struct FsyncBaselineSpec {
  std::string dir;  // the file is made here and removed afterwards
  int writers = 1;
  int row_bytes = 512;
  absl::Duration warmup;
  absl::Duration duration;
};

struct FsyncBaselineResult {
  std::string path;
  OperationTally tally;  // one latency per commit
  absl::Duration measured;
};

// FAILED_PRECONDITION when the file cannot be made in `dir`.
absl::StatusOr<FsyncBaselineResult> RunFsyncBaseline(const FsyncBaselineSpec& spec);

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_CLINIC_BENCH_FSYNC_BASELINE_H_
