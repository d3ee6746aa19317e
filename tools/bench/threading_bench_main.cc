// clinic-grpc-threading-bench [--concurrency=1,16,128] [--work_us=0,200] ...
//
// Measures gRPC's synchronous server API against its callback API (answering
// inline, and offloading blocking work to a pool) under the same closed-loop
// load, in one process on loopback, and prints a table per scenario. Then
// holds every handler in a long blocking call and times cheap calls and
// health checks sent meanwhile. Evidence for
// docs/decisions/0001-server-threading-model.md; not installed.
#include <grpc/grpc.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/resource_quota.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/core/status.h"
#include "tools/bench/echo_services.h"
#include "tools/bench/load_client.h"
#include "tools/bench/thread_census.h"

ABSL_FLAG(std::vector<std::string>, models,
          std::vector<std::string>({"sync", "callback", "offload"}),
          "Server models to compare: sync, sync-quota, callback, offload.");
ABSL_FLAG(std::vector<std::string>, concurrency, std::vector<std::string>({"1", "16", "128"}),
          "Outstanding calls to keep, one scenario per value.");
ABSL_FLAG(std::vector<std::string>, work_us, std::vector<std::string>({"0", "200"}),
          "Server-side blocking per call in microseconds, one scenario per value.");
ABSL_FLAG(int64_t, requests, 20000, "Most calls a scenario sends.");
ABSL_FLAG(double, seconds, 2.0, "Longest a scenario runs, in seconds.");
ABSL_FLAG(int, channels, 4, "Client connections the load is spread over.");
ABSL_FLAG(int, client_threads, 2, "Client threads draining completion queues.");
ABSL_FLAG(int, request_bytes, 64, "Request payload size.");
ABSL_FLAG(int, response_bytes, 512, "Response payload size.");
ABSL_FLAG(int, offload_threads, 4, "Pool size of the offload model.");
ABSL_FLAG(int, quota_threads, 16, "grpc::ResourceQuota::SetMaxThreads of the sync-quota model.");
ABSL_FLAG(bool, blocking, true, "Also run the blocking scenario.");
ABSL_FLAG(int, block_us, 20000, "Blocking per call in the blocking scenario, in microseconds.");
ABSL_FLAG(int, block_concurrency, 64, "Outstanding blocking calls in the blocking scenario.");
ABSL_FLAG(double, block_seconds, 3.0, "How long each model's blocking scenario runs.");
ABSL_FLAG(bool, thread_names, false, "Print the gRPC threads, by name, at each scenario's peak.");

namespace clinic::bench {
namespace {

enum class Model { kSync, kSyncQuota, kCallback, kOffload };

bool ParseModel(absl::string_view name, Model* model) {
  static constexpr std::pair<absl::string_view, Model> kModels[] = {
      {"sync", Model::kSync},
      {"sync-quota", Model::kSyncQuota},
      {"callback", Model::kCallback},
      {"offload", Model::kOffload}};
  for (const auto& [known, value] : kModels) {
    if (name == known) {
      *model = value;
      return true;
    }
  }
  return false;
}

std::string ModelName(Model model) {
  switch (model) {
    case Model::kSync:
      return "sync";
    case Model::kSyncQuota:
      return absl::StrCat("sync-quota", absl::GetFlag(FLAGS_quota_threads));
    case Model::kCallback:
      return "callback";
    case Model::kOffload:
      return absl::StrCat("offload", absl::GetFlag(FLAGS_offload_threads));
  }
  return "?";
}

// One EchoBench server on 127.0.0.1 with a port of its own.
class BenchServer {
 public:
  explicit BenchServer(Model model) {
    switch (model) {
      case Model::kSync:
      case Model::kSyncQuota:
        service_ = std::make_unique<SyncEchoService>();
        break;
      case Model::kCallback:
        service_ = std::make_unique<CallbackEchoService>();
        break;
      case Model::kOffload:
        service_ = std::make_unique<OffloadEchoService>(absl::GetFlag(FLAGS_offload_threads));
        break;
    }
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(service_.get());
    if (model == Model::kSyncQuota) {
      grpc::ResourceQuota quota("clinic-bench");
      quota.SetMaxThreads(absl::GetFlag(FLAGS_quota_threads));
      builder.SetResourceQuota(quota);
    }
    server_ = builder.BuildAndStart();
  }

  ~BenchServer() {
    if (server_ != nullptr) server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  }

  bool ok() const { return server_ != nullptr && port_ > 0; }
  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  // Declared first so it is destroyed after the server that calls into it.
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

std::string Failures(const LoadResult& result) {
  if (result.failed == 0) return "0";
  std::vector<std::string> parts;
  for (const auto& [code, count] : result.failures) {
    parts.push_back(absl::StrCat(count, " ", GrpcCodeName(code)));
  }
  return absl::StrJoin(parts, ", ");
}

std::string Ms(absl::Duration duration) {
  return absl::StrFormat("%.2f", absl::ToDoubleMilliseconds(duration));
}

std::string Threads(const ThreadCount& start, const ThreadCount& peak) {
  return absl::StrCat(start.grpc(), " → ", peak.grpc());
}

void PrintThreadNames(const ThreadCount& peak) {
  if (!absl::GetFlag(FLAGS_thread_names)) return;
  std::vector<std::string> parts;
  for (const auto& [name, count] : peak.by_name) parts.push_back(absl::StrCat(name, "×", count));
  absl::PrintF("  threads at peak: %s\n", absl::StrJoin(parts, ", "));
}

LoadSpec BaseSpec() {
  LoadSpec spec;
  spec.client_threads = absl::GetFlag(FLAGS_client_threads);
  spec.request_bytes = absl::GetFlag(FLAGS_request_bytes);
  spec.response_bytes = absl::GetFlag(FLAGS_response_bytes);
  return spec;
}

// Opens the connections and pays first-call costs before anything is timed.
void WarmUp(LoadClient& client, int concurrency) {
  LoadSpec warm = BaseSpec();
  warm.concurrency = std::min(concurrency, 16);
  warm.max_requests = 500;
  warm.max_duration = absl::Seconds(1);
  client.Run(warm);
}

bool RunGrid(const std::vector<Model>& models, const std::vector<int>& concurrencies,
             const std::vector<int>& works) {
  absl::PrintF(
      "\n| model | concurrency | work µs | calls | QPS | p50 ms | p99 ms | failed | "
      "gRPC threads start → peak |\n|---|---:|---:|---:|---:|---:|---:|---|---|\n");
  for (int work : works) {
    for (Model model : models) {
      for (int concurrency : concurrencies) {
        BenchServer server(model);
        if (!server.ok()) {
          absl::FPrintF(stderr, "cannot start the %s server on 127.0.0.1\n", ModelName(model));
          return false;
        }
        const ThreadCount start = TakeThreadCount();
        LoadClient client(server.target(), absl::GetFlag(FLAGS_channels));
        WarmUp(client, concurrency);
        LoadSpec spec = BaseSpec();
        spec.concurrency = concurrency;
        spec.work_us = work;
        spec.max_requests = absl::GetFlag(FLAGS_requests);
        spec.max_duration = absl::Seconds(absl::GetFlag(FLAGS_seconds));
        PeakThreadSampler sampler;
        const LoadResult result = client.Run(spec);
        const ThreadCount peak = sampler.Peak();
        absl::PrintF("| %s | %d | %d | %d | %.0f | %s | %s | %s | %s |\n", ModelName(model),
                     concurrency, work, result.ok, result.qps(), Ms(result.latency.p50),
                     Ms(result.latency.p99), Failures(result), Threads(start, peak));
        PrintThreadNames(peak);
        std::fflush(stdout);
      }
    }
  }
  return true;
}

// Every handler blocks for a long time (a store call waiting on SQLite's lock
// or a slow fsync) while two probes measure how long a call that needs no
// store, and a health check, wait behind them.
bool RunBlocking(const std::vector<Model>& models) {
  const int block_us = absl::GetFlag(FLAGS_block_us);
  const int concurrency = absl::GetFlag(FLAGS_block_concurrency);
  absl::PrintF(
      "\nBlocking: %d calls outstanding, each blocking %d µs (at most %.0f QPS if every call "
      "blocked in parallel); probes send one call every 20 ms.\n\n"
      "| model | QPS | p50 ms | p99 ms | failed | Echo(0 µs) probe p50 / p99 / max ms | "
      "Health.Check probe p50 / p99 / max ms | gRPC threads start → peak |\n"
      "|---|---:|---:|---:|---|---|---|---|\n",
      concurrency, block_us, concurrency * 1e6 / block_us);
  for (Model model : models) {
    BenchServer server(model);
    if (!server.ok()) return false;
    const ThreadCount start = TakeThreadCount();
    LoadClient client(server.target(), absl::GetFlag(FLAGS_channels));
    WarmUp(client, 16);
    LoadSpec spec = BaseSpec();
    spec.concurrency = concurrency;
    spec.work_us = block_us;
    spec.max_requests = INT64_MAX;
    spec.max_duration = absl::Seconds(absl::GetFlag(FLAGS_block_seconds));

    std::atomic<bool> stop{false};
    PeakThreadSampler sampler;
    LoadResult result;
    std::thread load([&] {
      BenchThreadScope scope("bench-load");
      result = client.Run(spec);
      stop.store(true);
    });
    int64_t echo_failed = 0;
    int64_t health_failed = 0;
    LatencySummary echo_probe;
    std::thread echo([&] {
      BenchThreadScope scope("bench-probe");
      echo_probe =
          RunProbe(server.target(), ProbeKind::kEcho, stop, absl::Milliseconds(20), &echo_failed);
    });
    const LatencySummary health_probe =
        RunProbe(server.target(), ProbeKind::kHealth, stop, absl::Milliseconds(20), &health_failed);
    load.join();
    echo.join();
    const ThreadCount peak = sampler.Peak();
    auto probe = [](const LatencySummary& s, int64_t failed) {
      return absl::StrCat(Ms(s.p50), " / ", Ms(s.p99), " / ", Ms(s.max), " (", s.count, " calls",
                          failed > 0 ? absl::StrCat(", ", failed, " failed") : "", ")");
    };
    absl::PrintF("| %s | %.0f | %s | %s | %s | %s | %s | %s |\n", ModelName(model), result.qps(),
                 Ms(result.latency.p50), Ms(result.latency.p99), Failures(result),
                 probe(echo_probe, echo_failed), probe(health_probe, health_failed),
                 Threads(start, peak));
    PrintThreadNames(peak);
    std::fflush(stdout);
  }
  return true;
}

bool ParseInts(const std::vector<std::string>& values, const char* flag, std::vector<int>* out) {
  for (const std::string& value : values) {
    int number = 0;
    if (!absl::SimpleAtoi(value, &number) || number < 0) {
      absl::FPrintF(stderr, "--%s: \"%s\" is not a whole number of zero or more\n", flag, value);
      return false;
    }
    out->push_back(number);
  }
  return true;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Compares gRPC's synchronous and callback server APIs under the same load.");
  absl::ParseCommandLine(argc, argv);
  BenchThreadScope main_thread("bench-main");

  std::vector<Model> models;
  for (const std::string& name : absl::GetFlag(FLAGS_models)) {
    Model model;
    if (!ParseModel(name, &model)) {
      absl::FPrintF(stderr,
                    "--models: unknown model \"%s\"; use sync, sync-quota, callback, "
                    "offload\n",
                    name);
      return 2;
    }
    models.push_back(model);
  }
  std::vector<int> concurrencies;
  std::vector<int> works;
  if (!ParseInts(absl::GetFlag(FLAGS_concurrency), "concurrency", &concurrencies) ||
      !ParseInts(absl::GetFlag(FLAGS_work_us), "work_us", &works)) {
    return 2;
  }
  if (std::find(concurrencies.begin(), concurrencies.end(), 0) != concurrencies.end()) {
    absl::FPrintF(stderr, "--concurrency: must be at least 1\n");
    return 2;
  }

  // Our servers always serve health checks, and the blocking scenario probes
  // them; this also puts the health service's threads in every count.
  grpc::EnableDefaultHealthCheckService(true);

  absl::PrintF(
      "gRPC %s, %u CPUs, %d channels, %d client threads, request %d B, response %d B, "
      "at most %d calls or %.1f s per scenario\n",
      grpc::Version(), std::thread::hardware_concurrency(), absl::GetFlag(FLAGS_channels),
      absl::GetFlag(FLAGS_client_threads), absl::GetFlag(FLAGS_request_bytes),
      absl::GetFlag(FLAGS_response_bytes), absl::GetFlag(FLAGS_requests),
      absl::GetFlag(FLAGS_seconds));
  // Keeps gRPC initialised between scenarios, as in a server process;
  // otherwise its global threads stop and restart with every scenario.
  grpc_init();
  const absl::Time began = absl::Now();
  bool ok = RunGrid(models, concurrencies, works);
  if (ok && absl::GetFlag(FLAGS_blocking)) {
    ok = RunBlocking({Model::kSync, Model::kSyncQuota, Model::kCallback, Model::kOffload});
  }
  absl::PrintF("\nTotal %.1f s\n", absl::ToDoubleSeconds(absl::Now() - began));
  grpc_shutdown();
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace clinic::bench

int main(int argc, char** argv) { return clinic::bench::Main(argc, argv); }
