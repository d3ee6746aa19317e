// Closed-loop load and latency probes for the threading bench.

// GCC 12 reports possible null dereferences inside gRPC's call templates when
// TemplatedGenericStub instantiates them here, after inlining, so the usual
// silence for system headers does not apply. The generated stubs contain the
// same code but are compiled without our warnings. The warning state that
// counts is the one in force when the header is first read, hence this
// comes before every other include.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/time/clock.h"
#include "tools/bench/load_client.h"
#include "tools/bench/thread_census.h"

namespace clinic::bench {
namespace {

using clinic::bench::v1::EchoBench;
using clinic::bench::v1::EchoRequest;
using clinic::bench::v1::EchoResponse;
using clinic::bench::v1::HealthCheckRequest;
using clinic::bench::v1::HealthCheckResponse;
using Clock = std::chrono::steady_clock;

// Long enough never to fire in a healthy run, short enough that a wedged
// server cannot keep the bench from ending.
constexpr absl::Duration kCallDeadline = absl::Seconds(30);

int64_t NanosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start).count();
}

std::shared_ptr<grpc::Channel> NewConnection(const std::string& target) {
  grpc::ChannelArguments args;
  // Without a private subchannel pool, channels with equal arguments share one
  // TCP connection, and "several channels" would be one.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  channel->WaitForConnected(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  return channel;
}

// One outstanding Echo call of the closed loop; its completion queue tag.
struct Call {
  grpc::ClientContext context;
  EchoResponse response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<EchoResponse>> reader;
  Clock::time_point start;
  int slot = 0;
};

// What one client thread saw.
struct ThreadTally {
  std::vector<int64_t> latencies;
  std::map<grpc::StatusCode, int64_t> failures;
};

}  // namespace

LatencySummary Summarize(std::vector<int64_t>& nanos) {
  LatencySummary summary;
  summary.count = static_cast<int64_t>(nanos.size());
  if (nanos.empty()) return summary;
  std::sort(nanos.begin(), nanos.end());
  auto at = [&nanos](double fraction) {
    size_t index = static_cast<size_t>(fraction * static_cast<double>(nanos.size()));
    return absl::Nanoseconds(nanos[std::min(index, nanos.size() - 1)]);
  };
  summary.p50 = at(0.50);
  summary.p99 = at(0.99);
  summary.max = absl::Nanoseconds(nanos.back());
  return summary;
}

double LoadResult::qps() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(ok) / seconds : 0.0;
}

LoadClient::LoadClient(const std::string& target, int channels) {
  for (int i = 0; i < std::max(1, channels); ++i) {
    stubs_.push_back(EchoBench::NewStub(NewConnection(target)));
  }
}

LoadResult LoadClient::Run(const LoadSpec& spec, const std::atomic<bool>* stop) {
  EchoRequest request;
  request.set_payload(std::string(static_cast<size_t>(std::max(0, spec.request_bytes)), 'r'));
  request.set_response_bytes(spec.response_bytes);
  request.set_work_us(spec.work_us);

  const Clock::time_point begin = Clock::now();
  const Clock::time_point end = begin + absl::ToChronoNanoseconds(spec.max_duration);
  std::atomic<int64_t> tickets{spec.max_requests};
  auto take_ticket = [&] {
    if (stop != nullptr && stop->load(std::memory_order_relaxed)) return false;
    return Clock::now() < end && tickets.fetch_sub(1, std::memory_order_relaxed) > 0;
  };

  const int threads = std::max(1, std::min(spec.client_threads, spec.concurrency));
  std::vector<ThreadTally> tallies(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      BenchThreadScope scope("bench-client");
      grpc::CompletionQueue cq;
      ThreadTally& tally = tallies[static_cast<size_t>(t)];
      auto start_call = [&](int slot) {
        auto* call = new Call;
        call->slot = slot;
        call->context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
        EchoBench::Stub& stub = *stubs_[static_cast<size_t>(slot) % stubs_.size()];
        call->start = Clock::now();
        call->reader = stub.PrepareAsyncEcho(&call->context, request, &cq);
        call->reader->StartCall();
        call->reader->Finish(&call->response, &call->status, call);
      };
      int in_flight = 0;
      for (int slot = t; slot < spec.concurrency; slot += threads) {
        if (!take_ticket()) break;
        start_call(slot);
        ++in_flight;
      }
      while (in_flight > 0) {
        void* tag = nullptr;
        bool ok = false;
        if (!cq.Next(&tag, &ok)) break;
        std::unique_ptr<Call> call(static_cast<Call*>(tag));
        --in_flight;
        if (call->status.ok()) {
          tally.latencies.push_back(NanosSince(call->start));
        } else {
          ++tally.failures[call->status.error_code()];
        }
        if (take_ticket()) {
          start_call(call->slot);
          ++in_flight;
        }
      }
      cq.Shutdown();
      void* tag = nullptr;
      bool ok = false;
      while (cq.Next(&tag, &ok)) {
      }
    });
  }
  for (std::thread& worker : workers) worker.join();

  LoadResult result;
  result.elapsed = absl::Nanoseconds(NanosSince(begin));
  std::vector<int64_t> latencies;
  for (ThreadTally& tally : tallies) {
    latencies.insert(latencies.end(), tally.latencies.begin(), tally.latencies.end());
    for (const auto& [code, count] : tally.failures) {
      result.failures[code] += count;
      result.failed += count;
    }
  }
  result.ok = static_cast<int64_t>(latencies.size());
  result.latency = Summarize(latencies);
  return result;
}

LatencySummary RunProbe(const std::string& target, ProbeKind kind, const std::atomic<bool>& stop,
                        absl::Duration gap, int64_t* failed) {
  std::shared_ptr<grpc::Channel> channel = NewConnection(target);
  std::unique_ptr<EchoBench::Stub> echo = EchoBench::NewStub(channel);
  // A typed generic stub: the health method with the bench's wire copies of
  // its messages.
  grpc::TemplatedGenericStub<HealthCheckRequest, HealthCheckResponse> health(channel);
  EchoRequest echo_request;
  echo_request.set_response_bytes(64);
  const HealthCheckRequest health_request;  // service "": the whole server

  grpc::CompletionQueue cq;
  std::vector<int64_t> latencies;
  *failed = 0;
  while (!stop.load()) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kCallDeadline));
    grpc::Status status;
    EchoResponse echo_response;
    HealthCheckResponse health_response;
    // The readers live in the call's arena and must outlive the completion.
    std::unique_ptr<grpc::ClientAsyncResponseReader<EchoResponse>> echo_reader;
    std::unique_ptr<grpc::ClientAsyncResponseReader<HealthCheckResponse>> health_reader;
    const Clock::time_point start = Clock::now();
    if (kind == ProbeKind::kEcho) {
      echo_reader = echo->PrepareAsyncEcho(&context, echo_request, &cq);
      echo_reader->StartCall();
      echo_reader->Finish(&echo_response, &status, &context);
    } else {
      health_reader =
          health.PrepareUnaryCall(&context, "/grpc.health.v1.Health/Check", health_request, &cq);
      health_reader->StartCall();
      health_reader->Finish(&health_response, &status, &context);
    }
    void* tag = nullptr;
    bool ok = false;
    cq.Next(&tag, &ok);
    if (status.ok() &&
        (kind == ProbeKind::kEcho || health_response.status() == HealthCheckResponse::SERVING)) {
      latencies.push_back(NanosSince(start));
    } else {
      ++*failed;
    }
    absl::SleepFor(gap);
  }
  cq.Shutdown();
  void* tag = nullptr;
  bool ok = false;
  while (cq.Next(&tag, &ok)) {
  }
  return Summarize(latencies);
}

}  // namespace clinic::bench
