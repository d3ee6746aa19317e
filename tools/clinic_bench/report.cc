#include "tools/clinic_bench/report.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace clinic::bench {
namespace {

// The performance goals the figures are held against (docs/performance.md).
constexpr double kGetVsHealthGoal = 0.8;
constexpr double kGetP99GoalMs = 5.0;
constexpr double kWriteVsFsyncGoal = 2.0;
constexpr double kSearchP99GoalMs = 10.0;
constexpr double kColdStartGoalMs = 100;
constexpr double kIdleRssGoalMb = 50;
constexpr double kLoadedRssGoalMb = 300;
constexpr char kGetRpc[] = "ClientRecords/GetClient";
constexpr char kSearchRpc[] = "ClientRecords/SearchClients";

double Millis(int64_t nanos) { return static_cast<double>(nanos) / 1e6; }

// The value at `fraction` of sorted `nanos`, in milliseconds.
double PercentileMs(const std::vector<int64_t>& nanos, double fraction) {
  if (nanos.empty()) return 0;
  const size_t index = static_cast<size_t>(fraction * static_cast<double>(nanos.size()));
  return Millis(nanos[std::min(index, nanos.size() - 1)]);
}

double Rate(int64_t count, absl::Duration measured) {
  const double seconds = absl::ToDoubleSeconds(measured);
  return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
}

void AddGoal(BenchReport& report, const std::string& goal, double measured, bool met) {
  report::v1::GoalCheck* check = report.add_goals();
  check->set_goal(goal);
  check->set_measured(measured);
  check->set_met(met);
}

std::string Ratio(double ratio) { return ratio > 0 ? absl::StrFormat("%.2f", ratio) : "-"; }

void AppendRow(std::string& out, const RpcFigures& rpc, const std::string& label) {
  absl::StrAppendFormat(&out, "  %-36s %9d %10.1f %8.2f %8.2f %8.2f %8.2f %7d %8s %8s\n", label,
                        rpc.calls(), rpc.calls_per_second(), rpc.p50_ms(), rpc.p95_ms(),
                        rpc.p99_ms(), rpc.max_ms(), rpc.errors(), Ratio(rpc.vs_health_check()),
                        Ratio(rpc.vs_fsync_baseline()));
}

}  // namespace

RpcFigures Figures(OperationTally& tally, absl::Duration measured) {
  std::sort(tally.latencies_ns.begin(), tally.latencies_ns.end());
  RpcFigures figures;
  figures.set_calls(static_cast<int64_t>(tally.latencies_ns.size()));
  figures.set_calls_per_second(Rate(figures.calls(), measured));
  figures.set_p50_ms(PercentileMs(tally.latencies_ns, 0.50));
  figures.set_p95_ms(PercentileMs(tally.latencies_ns, 0.95));
  figures.set_p99_ms(PercentileMs(tally.latencies_ns, 0.99));
  figures.set_max_ms(tally.latencies_ns.empty() ? 0 : Millis(tally.latencies_ns.back()));
  int64_t errors = 0;
  for (const auto& [code, count] : tally.errors) {
    (*figures.mutable_errors_by_code())[code] = count;
    errors += count;
  }
  figures.set_errors(errors);
  figures.set_first_error(tally.first_error);
  return figures;
}

OperationTally Merge(const std::vector<OperationTally>& tallies) {
  OperationTally merged;
  for (const OperationTally& tally : tallies) {
    merged.latencies_ns.insert(merged.latencies_ns.end(), tally.latencies_ns.begin(),
                               tally.latencies_ns.end());
    for (const auto& [code, count] : tally.errors) merged.errors[code] += count;
    if (merged.first_error.empty()) merged.first_error = tally.first_error;
  }
  return merged;
}

FsyncBaseline BaselineFigures(OperationTally& tally, absl::Duration measured) {
  const RpcFigures figures = Figures(tally, measured);
  FsyncBaseline baseline;
  baseline.set_commits(figures.calls());
  baseline.set_commits_per_second(figures.calls_per_second());
  baseline.set_p50_ms(figures.p50_ms());
  baseline.set_p95_ms(figures.p95_ms());
  baseline.set_p99_ms(figures.p99_ms());
  baseline.set_max_ms(figures.max_ms());
  baseline.set_errors(figures.errors());
  return baseline;
}

void AddRatiosAndGoals(BenchReport& report) {
  double health = 0;
  for (const Phase& phase : report.phases()) {
    if (phase.name() == "health") health = phase.total().calls_per_second();
  }
  const double fsync =
      report.has_fsync_baseline() ? report.fsync_baseline().commits_per_second() : 0.0;
  for (Phase& phase : *report.mutable_phases()) {
    if (health > 0) {
      phase.mutable_total()->set_vs_health_check(phase.total().calls_per_second() / health);
    }
    if (phase.rpcs_size() != 1) continue;
    RpcFigures& rpc = *phase.mutable_rpcs(0);
    if (health > 0) rpc.set_vs_health_check(rpc.calls_per_second() / health);
    if (rpc.durable_write() && fsync > 0) {
      rpc.set_vs_fsync_baseline(rpc.calls_per_second() / fsync);
    }
    if (phase.name() == "health") continue;
    const std::string in_flight = absl::StrCat(" at ", report.concurrency(), " calls in flight");
    if (rpc.rpc() == kGetRpc) {
      if (health > 0) {
        AddGoal(
            report,
            absl::StrFormat("GetClient alone >= %.1fx the health check's rate", kGetVsHealthGoal),
            rpc.vs_health_check(), rpc.vs_health_check() >= kGetVsHealthGoal);
      }
      AddGoal(report, absl::StrFormat("GetClient p99 below %.0f ms%s", kGetP99GoalMs, in_flight),
              rpc.p99_ms(), rpc.calls() > 0 && rpc.p99_ms() < kGetP99GoalMs);
    } else if (rpc.rpc() == kSearchRpc) {
      AddGoal(report,
              absl::StrFormat("SearchClients p99 below %.0f ms (the goal is for 1,000,000 "
                              "clients; %d were seeded)",
                              kSearchP99GoalMs, report.seed_clients()),
              rpc.p99_ms(), rpc.calls() > 0 && rpc.p99_ms() < kSearchP99GoalMs);
    } else if (rpc.durable_write() && fsync > 0) {
      AddGoal(report,
              absl::StrFormat("%s alone >= %.0fx one fsync per call", rpc.rpc(), kWriteVsFsyncGoal),
              rpc.vs_fsync_baseline(), rpc.vs_fsync_baseline() >= kWriteVsFsyncGoal);
    }
  }
}

double MedianSeconds(const google::protobuf::RepeatedField<double>& samples) {
  std::vector<double> seconds(samples.begin(), samples.end());
  if (seconds.empty()) return 0;
  std::sort(seconds.begin(), seconds.end());
  const size_t middle = seconds.size() / 2;
  return seconds.size() % 2 == 1 ? seconds[middle] : (seconds[middle - 1] + seconds[middle]) / 2;
}

void AddFootprintGoals(BenchReport& report) {
  if (!report.has_server_footprint()) return;
  const report::v1::ServerFootprint& footprint = report.server_footprint();
  const int first_starts = std::max(footprint.first_start_seconds_size(), 1);
  const double start_ms =
      (footprint.first_start_seconds_size() > 0 ? MedianSeconds(footprint.first_start_seconds())
                                                : footprint.start_seconds()) *
      1000;
  AddGoal(report,
          absl::StrFormat("first start to listening below %.0f ms (ms, median of %d, each on an "
                          "empty data folder, bundled plugins probed)",
                          kColdStartGoalMs, first_starts),
          start_ms, start_ms > 0 && start_ms < kColdStartGoalMs);
  if (footprint.restart_seconds_size() > 0) {
    const double restart_ms = MedianSeconds(footprint.restart_seconds()) * 1000;
    AddGoal(report,
            absl::StrFormat("restart to listening below %.0f ms (ms, median of %d on the run's "
                            "data folder)",
                            kColdStartGoalMs, footprint.restart_seconds_size()),
            restart_ms, restart_ms > 0 && restart_ms < kColdStartGoalMs);
  }
  const double idle_mb = static_cast<double>(footprint.idle_rss_bytes()) / (1 << 20);
  AddGoal(report, absl::StrFormat("idle RSS below %.0f MB (MB)", kIdleRssGoalMb), idle_mb,
          idle_mb > 0 && idle_mb < kIdleRssGoalMb);
  const double end_mb = static_cast<double>(footprint.end_rss_bytes()) / (1 << 20);
  AddGoal(report,
          absl::StrFormat("RSS after the run below %.0f MB (MB; the goal is with 1,000,000 "
                          "clients, %d were seeded)",
                          kLoadedRssGoalMb, report.seed_clients()),
          end_mb, end_mb > 0 && end_mb < kLoadedRssGoalMb);
}

report::v1::Machine DescribeMachine() {
  report::v1::Machine machine;
  machine.set_cores(static_cast<int32_t>(sysconf(_SC_NPROCESSORS_ONLN)));
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line);) {
    if (absl::StartsWith(line, "model name")) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        machine.set_cpu(std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
      }
      break;
    }
  }
  std::ifstream loadavg("/proc/loadavg");
  std::string one, five, fifteen;
  if (loadavg >> one >> five >> fifteen) {
    machine.set_load_average(absl::StrCat(one, " ", five, " ", fifteen));
  }
  struct utsname name;
  if (uname(&name) == 0) {
    machine.set_kernel(absl::StrCat(name.sysname, " ", name.release, " ", name.machine));
    machine.set_host(name.nodename);
  }
  return machine;
}

namespace {

// "        started 3 times each on an empty data folder: listening after
// 92.1 ms at the median (88.0 to 97.3 ms)"; nothing for fewer than two.
void AppendStarts(std::string& out, absl::string_view verb,
                  const google::protobuf::RepeatedField<double>& seconds, absl::string_view where) {
  if (seconds.size() < 2) return;
  const auto [least, most] = std::minmax_element(seconds.begin(), seconds.end());
  absl::StrAppendFormat(&out,
                        "        %s %d times %s: listening after %.1f ms at the median (%.1f to "
                        "%.1f ms)\n",
                        verb, seconds.size(), where, MedianSeconds(seconds) * 1000, *least * 1000,
                        *most * 1000);
}

}  // namespace

std::string RenderText(const BenchReport& report) {
  std::string out;
  absl::StrAppend(&out, "clinic-bench ", report.start_time(), "\n");
  absl::StrAppendFormat(&out, "  target   %s\n", report.target());
  absl::StrAppendFormat(&out, "  machine  %d cores, %s, %s; load average %s at the start\n",
                        report.machine().cores(), report.machine().cpu(), report.machine().kernel(),
                        report.machine().load_average());
  absl::StrAppendFormat(&out,
                        "  load     %d calls in flight over %d connection(s); %d clients seeded; "
                        "each phase %.1f s warm-up, then %.1f s counted\n",
                        report.concurrency(), report.channels(), report.seed_clients(),
                        report.warmup_seconds(), report.duration_seconds());
  absl::StrAppend(&out, "  command  ", report.command_line(), "\n");
  for (const Phase& phase : report.phases()) {
    absl::StrAppendFormat(&out, "\nphase %s (%s): the bench used %.2f cores", phase.name(),
                          phase.mix(), phase.bench_cores());
    if (phase.server_cores() > 0) {
      absl::StrAppendFormat(&out, ", the server %.2f", phase.server_cores());
      if (phase.server_us_per_call() > 0) {
        absl::StrAppendFormat(&out, " (%.0f us a call)", phase.server_us_per_call());
      }
    }
    absl::StrAppend(&out, "\n");
    absl::StrAppendFormat(&out, "  %-36s %9s %10s %8s %8s %8s %8s %7s %8s %8s\n", "rpc", "calls",
                          "calls/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors", "x health",
                          "x fsync");
    for (const RpcFigures& rpc : phase.rpcs()) AppendRow(out, rpc, rpc.rpc());
    if (phase.rpcs_size() > 1) AppendRow(out, phase.total(), "total");
  }
  if (report.has_fsync_baseline()) {
    const FsyncBaseline& baseline = report.fsync_baseline();
    absl::StrAppendFormat(&out,
                          "\none fsync per call: SQLite WAL, synchronous=FULL, %d writers, "
                          "%d-byte rows, one row per transaction\n  in %s\n",
                          baseline.writers(), baseline.row_bytes(), baseline.path());
    absl::StrAppendFormat(&out, "  %-36s %9d %10.1f %8.2f %8.2f %8.2f %8.2f %7d\n", "commits",
                          baseline.commits(), baseline.commits_per_second(), baseline.p50_ms(),
                          baseline.p95_ms(), baseline.p99_ms(), baseline.max_ms(),
                          baseline.errors());
  } else {
    absl::StrAppend(&out,
                    "\none fsync per call: not measured (give --baseline_dir, a folder on the "
                    "server's data disk)\n");
  }
  if (report.has_server_footprint()) {
    const report::v1::ServerFootprint& footprint = report.server_footprint();
    absl::StrAppendFormat(&out,
                          "\nserver: listening %.1f ms after it was started on an empty data "
                          "folder; RSS %.1f MB idle, %.1f MB after the run\n",
                          footprint.start_seconds() * 1000,
                          static_cast<double>(footprint.idle_rss_bytes()) / (1 << 20),
                          static_cast<double>(footprint.end_rss_bytes()) / (1 << 20));
    AppendStarts(out, "started", footprint.first_start_seconds(), "each on an empty data folder");
    AppendStarts(out, "restarted", footprint.restart_seconds(), "on the run's data folder");
  }
  if (report.goals_size() > 0) {
    absl::StrAppend(&out, "\ngoals (docs/performance.md)\n");
    for (const report::v1::GoalCheck& goal : report.goals()) {
      absl::StrAppendFormat(&out, "  %-8s %8.2f  %s\n", goal.met() ? "met" : "NOT MET",
                            goal.measured(), goal.goal());
    }
  }
  bool heading = false;
  for (const Phase& phase : report.phases()) {
    for (const RpcFigures& rpc : phase.rpcs()) {
      if (rpc.errors() == 0) continue;
      if (!heading) absl::StrAppend(&out, "\nerrors\n");
      heading = true;
      absl::StrAppendFormat(&out, "  %s %s:", phase.name(), rpc.rpc());
      for (const auto& [code, count] : rpc.errors_by_code()) {
        absl::StrAppendFormat(&out, " %s x%d", code, count);
      }
      absl::StrAppend(&out, "\n    e.g. ", rpc.first_error(), "\n");
    }
  }
  return out;
}

std::string RenderJson(const BenchReport& report) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(report, &json, options);
  return json;
}

}  // namespace clinic::bench
