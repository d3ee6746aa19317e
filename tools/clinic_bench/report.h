// clinic-bench's figures: percentiles and rates from the driver's tallies,
// the ratios to the two baselines and the goals they are held against, and
// the report as a text table for people or JSON for scripts.
#ifndef CLINIC_TOOLS_CLINIC_BENCH_REPORT_H_
#define CLINIC_TOOLS_CLINIC_BENCH_REPORT_H_

#include <string>

#include "absl/time/time.h"
#include "clinic_bench.pb.h"
#include "tools/clinic_bench/driver.h"

namespace clinic::bench {

using report::v1::BenchReport;
using report::v1::FsyncBaseline;
using report::v1::Phase;
using report::v1::RpcFigures;

// Calls, rate, latency percentiles and errors of one tally counted for
// `measured`. Sorts the tally's latencies.
RpcFigures Figures(OperationTally& tally, absl::Duration measured);

// Every tally of a phase together.
OperationTally Merge(const std::vector<OperationTally>& tallies);

// The same, for the one-fsync baseline.
FsyncBaseline BaselineFigures(OperationTally& tally, absl::Duration measured);

// Fills in vs_health_check and vs_fsync_baseline and the goals, from the
// phase named "health" and the fsync baseline. Ratios are set for a phase's
// total, and for an RPC only in a phase where it ran alone: one RPC's share
// of a mix says nothing about what the server can do.
void AddRatiosAndGoals(BenchReport& report);

// The median of `samples`, in seconds; 0 when there are none.
double MedianSeconds(const google::protobuf::RepeatedField<double>& samples);

// The goals on the server's cold start and memory, when the report has its
// footprint (a server the bench started).
void AddFootprintGoals(BenchReport& report);

// The processor, cores, kernel and host.
report::v1::Machine DescribeMachine();

std::string RenderText(const BenchReport& report);
std::string RenderJson(const BenchReport& report);

}  // namespace clinic::bench

#endif  // CLINIC_TOOLS_CLINIC_BENCH_REPORT_H_
