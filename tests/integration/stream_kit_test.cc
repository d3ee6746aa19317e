// Server-streaming RPCs through the service kit (common/server/event_stream.h,
// service_kit.h HandleStream) on a real server on loopback, with a test-only
// service (ticker.proto) whose ticks stand in for a store's events: what is
// published after a stream opened arrives in order, a resume point gives
// exactly what follows it, a caller that goes away frees its stream, shutdown
// ends open streams at once, the cap and the age limit end streams with
// statuses a caller can act on, access and audit work as for unary RPCs
// (one audit event per stream, never one per message), and a caller that
// does not read holds the server to what the transport takes.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clinic/v1/common.pb.h"
#include "common/core/event_feed.h"
#include "common/core/status.h"
#include "common/server/server.h"
#include "common/server/service_kit.h"
#include "integration/ticker.grpc.pb.h"
#include "tests/testing/access_env.h"
#include "tests/testing/rpc_call.h"
#include "tests/testing/test_env.h"

namespace clinic {
namespace {

using ::testing::HasSubstr;
namespace tick = clinic::streamtest::v1;

constexpr char kSite[] = "london-soho";
constexpr char kOtherSite[] = "new-york-soho";
// A tick at this site makes a read fail, as a busy store would.
constexpr char kPoison[] = "poison";
constexpr char kWatchTicks[] = "/clinic.streamtest.v1.Ticker/WatchTicks";

// Which handlers the ticker registers.
enum class Shape { kComplete, kUnaryForStream, kStreamForUnary };

class TickerService final : public server::ServiceKit<tick::Ticker> {
 public:
  TickerService(Shape shape, const server::StreamLimits& limits) : ServiceKit(/*threads=*/2) {
    LimitStreams(limits);
    if (shape == Shape::kUnaryForStream) {
      Handle("WatchTicks", &TickerService::WatchTicksOnce);
    } else {
      HandleStream("WatchTicks", &TickerService::WatchTicks);
    }
    if (shape == Shape::kStreamForUnary) {
      HandleStream("GetTick", &TickerService::GetTickStream);
    } else {
      Handle("GetTick", &TickerService::GetTick);
    }
  }

  // Appends a tick at `site` and says so, as a store does after its commit.
  int64_t Publish(const std::string& site) {
    int64_t id = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      sites_.push_back(site);
      id = static_cast<int64_t>(sites_.size());
    }
    feed_.Publish(id);
    return id;
  }

  const EventFeed& feed() const { return feed_; }
  int handled() const { return handled_.load(); }
  int64_t read_messages() const { return read_messages_.load(); }

 private:
  absl::StatusOr<server::EventStream<tick::Tick>> WatchTicks(
      const server::Call& call, const tick::WatchTicksRequest& request) {
    ++handled_;
    if (request.after_id() < 0) return InvalidField("after_id", "must not be negative");
    if (request.payload_bytes() < 0 || request.payload_bytes() > 65536) {
      return InvalidField("payload_bytes", "must be from 0 to 65536");
    }
    const int64_t newest = Newest();
    if (request.after_id() > newest) {
      return absl::OutOfRangeError(absl::StrCat("after_id: no tick ", request.after_id(), " yet"));
    }
    EXPECT_EQ(call.site_id(), request.site_id());
    server::EventStream<tick::Tick> stream;
    stream.feed = &feed_;
    stream.after = request.after_id() == 0 ? newest : request.after_id();
    stream.read = [this, site = request.site_id(), bytes = request.payload_bytes()](
                      int64_t after, int max) { return Read(after, max, site, bytes); };
    return stream;
  }

  absl::StatusOr<server::EventBatch<tick::Tick>> Read(int64_t after, int max,
                                                      const std::string& site, int bytes) {
    server::EventBatch<tick::Tick> batch;
    batch.position = after;
    std::lock_guard<std::mutex> lock(mutex_);
    // Looks at no more than `max` ticks, as a store bounding its work per
    // read would, so a run of other sites' ticks gives empty batches that
    // still advance.
    const int64_t last = std::min<int64_t>(static_cast<int64_t>(sites_.size()), after + max);
    for (int64_t id = after + 1; id <= last; ++id) {
      const std::string& at = sites_[id - 1];
      if (at == kPoison) {
        if (!batch.messages.empty()) break;
        return absl::UnavailableError("the store is busy");
      }
      batch.position = id;
      if (!site.empty() && at != site) continue;
      tick::Tick& tick = batch.messages.emplace_back();
      tick.set_id(id);
      tick.set_site_id(at);
      tick.set_payload(std::string(bytes, 'x'));
    }
    read_messages_ += static_cast<int64_t>(batch.messages.size());
    return batch;
  }

  absl::Status GetTick(const server::Call&, const tick::GetTickRequest& request,
                       tick::Tick& response) {
    if (request.id() < 1 || request.id() > Newest()) return absl::NotFoundError("no such tick");
    response.set_id(request.id());
    return absl::OkStatus();
  }

  // Wrong kinds, which the kit refuses at start-up.
  absl::Status WatchTicksOnce(const server::Call&, const tick::WatchTicksRequest&, tick::Tick&) {
    return absl::OkStatus();
  }
  absl::StatusOr<server::EventStream<tick::Tick>> GetTickStream(const server::Call&,
                                                                const tick::GetTickRequest&) {
    return absl::UnimplementedError("never registered");
  }

  int64_t Newest() {
    std::lock_guard<std::mutex> lock(mutex_);
    return static_cast<int64_t>(sites_.size());
  }

  EventFeed feed_;
  std::mutex mutex_;
  std::vector<std::string> sites_;
  std::atomic<int> handled_{0};
  std::atomic<int64_t> read_messages_{0};
};

// Streams from the caller, which the kit does not serve.
class UploaderService final : public server::ServiceKit<tick::Uploader> {
 public:
  UploaderService() : ServiceKit(/*threads=*/1) {
    Handle("UploadTicks", &UploaderService::UploadTicks);
  }

 private:
  absl::Status UploadTicks(const server::Call&, const tick::Tick&, tick::Tick&) {
    return absl::OkStatus();
  }
};

// Waits for `done`, for at most 20 seconds; a condition that never comes
// fails the assertion after it.
template <typename Done>
bool Eventually(Done done) {
  for (int i = 0; i < 4000 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// The ErrorInfo reason of `status`, or "".
std::string Reason(const grpc::Status& status) {
  absl::optional<absl::Cord> payload = FromGrpcStatus(status).GetPayload(kErrorInfoTypeUrl);
  v1::ErrorInfo info;
  if (!payload || !info.ParseFromString(std::string(*payload))) return "";
  return info.reason();
}

class StreamKitTest : public ::testing::Test {
 protected:
  absl::Status Start(server::StreamLimits limits = {}, Shape shape = Shape::kComplete) {
    config::v1::ServerConfig config =
        clinic::testing::LoopbackConfig(data_.path(), plugins_.path());
    config.mutable_chain()->add_sites()->set_site_id(kSite);
    config.mutable_chain()->add_sites()->set_site_id(kOtherSite);
    TickerService** made = &service_;
    auto server = server::Server::Start(
        config, {[shape, limits, made](const server::ServiceContext&)
                     -> absl::StatusOr<std::unique_ptr<server::HostedService>> {
          auto service = std::make_unique<TickerService>(shape, limits);
          *made = service.get();
          return service;
        }});
    if (!server.ok()) return server.status();
    server_ = std::move(*server);
    clerk_ = clinic::testing::IssueTestToken(
        data_.path(), "staff/clerk", {clinic::testing::Binding(v1::ROLE_INVENTORY_CLERK, kSite)});
    desk_ = clinic::testing::IssueTestToken(data_.path(), "staff/desk",
                                            {clinic::testing::Binding(v1::ROLE_FRONT_DESK, kSite)});
    grpc::ChannelArguments args;
    // The window stays at its default instead of growing with the measured
    // bandwidth, so what a slow reader lets through is small.
    args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
    channel_ = grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                         grpc::InsecureChannelCredentials(), args);
    stub_ = tick::Ticker::NewStub(channel_);
    return absl::OkStatus();
  }

  // One stream's client side.
  struct Watch {
    grpc::ClientContext context;
    std::unique_ptr<grpc::ClientReader<tick::Tick>> reader;
  };

  std::unique_ptr<Watch> Open(const std::string& token, int64_t after_id = 0,
                              const std::string& site = kSite, int payload_bytes = 0,
                              const std::string& request_id = "") {
    auto watch = std::make_unique<Watch>();
    watch->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
    clinic::testing::AddToken(watch->context, token);
    if (!request_id.empty()) watch->context.AddMetadata("x-request-id", request_id);
    tick::WatchTicksRequest request;
    request.set_site_id(site);
    request.set_after_id(after_id);
    request.set_payload_bytes(payload_bytes);
    watch->reader = stub_->WatchTicks(&watch->context, request);
    return watch;
  }

  // Open, and wait for the header saying the stream is open.
  std::unique_ptr<Watch> OpenAndWait(const std::string& token, int64_t after_id = 0) {
    std::unique_ptr<Watch> watch = Open(token, after_id);
    watch->reader->WaitForInitialMetadata();
    const auto& headers = watch->context.GetServerInitialMetadata();
    auto it = headers.find(server::kStreamOpenKey);
    EXPECT_TRUE(it != headers.end() && it->second == server::kStreamOpenValue)
        << "the stream did not open";
    return watch;
  }

  // The status a stream ends with, reading (and dropping) what is left.
  static grpc::Status Ending(Watch& watch) {
    tick::Tick ignored;
    while (watch.reader->Read(&ignored)) {
    }
    return watch.reader->Finish();
  }

  std::vector<v1::AuditEvent> EventsOf(const std::string& request_id) {
    auto events = server_->audit().Read(0, 10000);
    EXPECT_TRUE(events.ok()) << events.status();
    std::vector<v1::AuditEvent> found;
    for (const v1::AuditEvent& event : events.ok() ? *events : found) {
      if (event.request_id() == request_id) found.push_back(event);
    }
    return found;
  }

  clinic::testing::TempDir data_;
  clinic::testing::TempDir plugins_;
  TickerService* service_ = nullptr;
  std::unique_ptr<server::Server> server_;
  std::string clerk_;
  std::string desk_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<tick::Ticker::Stub> stub_;
};

TEST_F(StreamKitTest, WhatIsPublishedAfterTheStreamOpenedArrivesInOrder) {
  ASSERT_TRUE(Start().ok());
  // Before the stream: not delivered, since it asks for what comes next.
  service_->Publish(kSite);
  std::unique_ptr<Watch> watch = OpenAndWait(clerk_);
  std::vector<int64_t> expected;
  for (int i = 0; i < 200; ++i) {
    const std::string site = i % 3 == 0 ? kOtherSite : kSite;
    const int64_t id = service_->Publish(site);
    if (site == kSite) expected.push_back(id);
  }
  std::vector<int64_t> got;
  tick::Tick tick;
  while (got.size() < expected.size() && watch->reader->Read(&tick)) {
    EXPECT_EQ(tick.site_id(), kSite);
    got.push_back(tick.id());
  }
  EXPECT_EQ(got, expected);
  watch->context.TryCancel();
  EXPECT_EQ(Ending(*watch).error_code(), grpc::CANCELLED);
}

// More than a batch of other sites' ticks, then one of ours: the reads
// that find none of ours still advance, and the kit reads on instead of
// waiting for a tick that was already published.
TEST_F(StreamKitTest, ReadsThatFindNothingButAdvanceAreFollowedAtOnce) {
  ASSERT_TRUE(Start().ok());
  std::unique_ptr<Watch> watch = OpenAndWait(clerk_);
  for (int i = 0; i < 200; ++i) service_->Publish(kOtherSite);
  const int64_t ours = service_->Publish(kSite);
  tick::Tick tick;
  ASSERT_TRUE(watch->reader->Read(&tick));
  EXPECT_EQ(tick.id(), ours);
  watch->context.TryCancel();
  Ending(*watch);
}

TEST_F(StreamKitTest, ResumingAfterAnIdDeliversExactlyWhatFollows) {
  ASSERT_TRUE(Start().ok());
  for (int i = 0; i < 10; ++i) service_->Publish(kSite);
  std::unique_ptr<Watch> watch = OpenAndWait(clerk_, /*after_id=*/4);
  tick::Tick tick;
  for (int64_t id = 5; id <= 10; ++id) {
    ASSERT_TRUE(watch->reader->Read(&tick));
    EXPECT_EQ(tick.id(), id);
  }
  EXPECT_EQ(service_->Publish(kSite), 11);
  ASSERT_TRUE(watch->reader->Read(&tick));
  EXPECT_EQ(tick.id(), 11);
  watch->context.TryCancel();
  Ending(*watch);

  // The handler's refusals end the stream before it opens, as a unary
  // handler's answer its call.
  std::unique_ptr<Watch> beyond = Open(clerk_, /*after_id=*/99);
  EXPECT_EQ(Ending(*beyond).error_code(), grpc::OUT_OF_RANGE);
  std::unique_ptr<Watch> negative = Open(clerk_, /*after_id=*/-1);
  const grpc::Status refused = Ending(*negative);
  EXPECT_EQ(refused.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("after_id"));
}

TEST_F(StreamKitTest, ACallerThatGoesAwayFreesItsStream) {
  ASSERT_TRUE(Start().ok());
  std::vector<std::unique_ptr<Watch>> watches(3);
  for (auto& watch : watches) watch = OpenAndWait(clerk_);
  EXPECT_EQ(service_->open_streams(), 3);
  // Caught up, each waits on the feed, holding no thread.
  ASSERT_TRUE(Eventually([&] { return service_->feed().waiting() == 3; }));
  for (auto& watch : watches) watch->context.TryCancel();
  for (auto& watch : watches) EXPECT_EQ(Ending(*watch).error_code(), grpc::CANCELLED);
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 0; }));
  EXPECT_EQ(service_->feed().waiting(), 0u);

  std::unique_ptr<Watch> after = OpenAndWait(clerk_);
  const int64_t id = service_->Publish(kSite);
  tick::Tick tick;
  ASSERT_TRUE(after->reader->Read(&tick));
  EXPECT_EQ(tick.id(), id);
}

// The grace is long; open streams must not sit it out. Without the kit
// ending them they would be cancelled when it ran out, and say CANCELLED.
TEST_F(StreamKitTest, ShutdownEndsOpenStreamsAtOnceWithAStatusToResumeOn) {
  ASSERT_TRUE(Start().ok());
  std::vector<std::unique_ptr<Watch>> watches(3);
  for (auto& watch : watches) watch = OpenAndWait(clerk_);
  std::thread shutdown([this] { server_->Shutdown(absl::Minutes(2)); });
  for (auto& watch : watches) {
    const grpc::Status ended = Ending(*watch);
    EXPECT_EQ(ended.error_code(), grpc::UNAVAILABLE) << ended.error_message();
    EXPECT_EQ(Reason(ended), "SERVER_SHUTTING_DOWN");
  }
  shutdown.join();
  EXPECT_EQ(service_->open_streams(), 0);
}

TEST_F(StreamKitTest, StreamsBeyondTheCapAreRefusedAndAudited) {
  server::StreamLimits limits;
  limits.max_open = 2;
  ASSERT_TRUE(Start(limits).ok());
  std::unique_ptr<Watch> first = OpenAndWait(clerk_);
  std::unique_ptr<Watch> second = OpenAndWait(clerk_);
  std::unique_ptr<Watch> third = Open(clerk_, 0, kSite, 0, "stream-over-cap");
  const grpc::Status refused = Ending(*third);
  EXPECT_EQ(refused.error_code(), grpc::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Reason(refused), "TOO_MANY_STREAMS");
  EXPECT_EQ(service_->handled(), 2);
  const std::vector<v1::AuditEvent> events = EventsOf("stream-over-cap");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].status_code(), grpc::RESOURCE_EXHAUSTED);

  first->context.TryCancel();
  Ending(*first);
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 1; }));
  std::unique_ptr<Watch> again = OpenAndWait(clerk_);
  EXPECT_EQ(service_->open_streams(), 2);
}

TEST_F(StreamKitTest, ACallerWithoutThePermissionIsRefusedAndAudited) {
  ASSERT_TRUE(Start().ok());
  std::unique_ptr<Watch> watch = Open(desk_, 0, kSite, 0, "stream-refused");
  EXPECT_EQ(Ending(*watch).error_code(), grpc::PERMISSION_DENIED);
  // The clerk holds the permission at its own site only.
  std::unique_ptr<Watch> elsewhere = Open(clerk_, 0, kOtherSite);
  EXPECT_EQ(Ending(*elsewhere).error_code(), grpc::PERMISSION_DENIED);
  std::unique_ptr<Watch> nobody = Open("");
  EXPECT_EQ(Ending(*nobody).error_code(), grpc::UNAUTHENTICATED);
  EXPECT_EQ(service_->handled(), 0);
  EXPECT_EQ(service_->open_streams(), 0);

  const std::vector<v1::AuditEvent> events = EventsOf("stream-refused");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].status_code(), grpc::PERMISSION_DENIED);
  EXPECT_EQ(events[0].principal(), "staff/desk");
  EXPECT_EQ(events[0].method(), kWatchTicks);
}

// The event is written before the caller learns the stream is open, and it
// is the stream's only one, however many messages follow.
TEST_F(StreamKitTest, AnOpenedStreamIsAuditedOnceWhenItOpens) {
  ASSERT_TRUE(Start().ok());
  std::unique_ptr<Watch> watch = Open(clerk_, 0, kSite, 0, "stream-audited");
  watch->reader->WaitForInitialMetadata();
  std::vector<v1::AuditEvent> events = EventsOf("stream-audited");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].status_code(), grpc::OK);
  EXPECT_EQ(events[0].principal(), "staff/clerk");
  EXPECT_EQ(events[0].site_id(), kSite);
  EXPECT_EQ(events[0].method(), kWatchTicks);

  tick::Tick tick;
  for (int i = 0; i < 20; ++i) service_->Publish(kSite);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(watch->reader->Read(&tick));
  watch->context.TryCancel();
  Ending(*watch);
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 0; }));
  EXPECT_EQ(EventsOf("stream-audited").size(), 1u);
}

TEST_F(StreamKitTest, AFailedReadEndsTheStreamWithItsStatus) {
  ASSERT_TRUE(Start().ok());
  std::unique_ptr<Watch> watch = OpenAndWait(clerk_);
  service_->Publish(kSite);
  service_->Publish(kPoison);
  tick::Tick tick;
  ASSERT_TRUE(watch->reader->Read(&tick));
  EXPECT_EQ(tick.id(), 1);
  const grpc::Status ended = Ending(*watch);
  EXPECT_EQ(ended.error_code(), grpc::UNAVAILABLE);
  EXPECT_THAT(ended.error_message(), HasSubstr("the store is busy"));
}

TEST_F(StreamKitTest, AStreamEndsAtItsAgeLimitWithAStatusToResumeOn) {
  server::StreamLimits limits;
  limits.max_age = absl::Milliseconds(300);
  ASSERT_TRUE(Start(limits).ok());
  std::unique_ptr<Watch> watch = OpenAndWait(clerk_);
  const grpc::Status ended = Ending(*watch);
  EXPECT_EQ(ended.error_code(), grpc::UNAVAILABLE);
  EXPECT_EQ(Reason(ended), "STREAM_MAX_AGE");
}

// A caller that reads nothing: the server reads one batch, writes one
// message at a time as the transport takes them, and stops when the flow-
// control windows and socket buffers are full, far short of everything
// published (64 MiB here). Then the caller reads it all, in order.
TEST_F(StreamKitTest, ACallerThatDoesNotReadHoldsTheServerToWhatTheTransportTakes) {
  ASSERT_TRUE(Start().ok());
  constexpr int kTicks = 1000;
  constexpr int kBytes = 65536;
  std::unique_ptr<Watch> watch = Open(clerk_, 0, kSite, kBytes);
  watch->reader->WaitForInitialMetadata();
  for (int i = 0; i < kTicks; ++i) service_->Publish(kSite);
  // Until the server has stopped reading: the same count for a second.
  int64_t last = -1;
  for (int still = 0, i = 0; still < 10 && i < 600; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const int64_t now = service_->read_messages();
    still = now == last ? still + 1 : 0;
    last = now;
  }
  EXPECT_GT(service_->read_messages(), 0);
  EXPECT_LT(service_->read_messages(), kTicks / 2);

  tick::Tick tick;
  for (int64_t id = 1; id <= kTicks; ++id) {
    ASSERT_TRUE(watch->reader->Read(&tick)) << "tick " << id;
    ASSERT_EQ(tick.id(), id);
    ASSERT_EQ(tick.payload().size(), static_cast<size_t>(kBytes));
  }
  EXPECT_EQ(service_->read_messages(), kTicks);
}

// The calling helper of the tests that call every RPC (access matrix,
// hostile input) opens a stream and stops there, or reports its refusal.
TEST_F(StreamKitTest, TheGenericCallerOpensStreamsAndReportsRefusals) {
  ASSERT_TRUE(Start().ok());
  grpc::GenericStub generic(channel_);
  const auto* method = google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(
      "clinic.streamtest.v1.Ticker.WatchTicks");
  ASSERT_NE(method, nullptr);
  auto call = [&](const std::string& token, const std::string& bytes, absl::Duration wait) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    clinic::testing::AddToken(context, token);
    return clinic::testing::CallRpc(generic, context, *method, bytes, wait);
  };
  tick::WatchTicksRequest request;
  request.set_site_id(kSite);

  clinic::testing::RpcOutcome opened =
      call(clerk_, request.SerializeAsString(), absl::ZeroDuration());
  EXPECT_TRUE(opened.status.ok()) << opened.status.error_message();
  EXPECT_TRUE(opened.stream_opened);

  request.set_after_id(service_->Publish(kSite));
  const int64_t id = service_->Publish(kSite);
  clinic::testing::RpcOutcome first = call(clerk_, request.SerializeAsString(), absl::Seconds(20));
  EXPECT_TRUE(first.status.ok());
  tick::Tick tick;
  ASSERT_TRUE(tick.ParseFromString(first.response));
  EXPECT_EQ(tick.id(), id);

  EXPECT_EQ(call(desk_, request.SerializeAsString(), absl::ZeroDuration()).status.error_code(),
            grpc::PERMISSION_DENIED);
  const clinic::testing::RpcOutcome garbage = call(clerk_, "\xff\xff\xff", absl::ZeroDuration());
  EXPECT_EQ(garbage.status.error_code(), grpc::INVALID_ARGUMENT) << garbage.status.error_message();
  EXPECT_FALSE(garbage.stream_opened);
  ASSERT_TRUE(Eventually([&] { return service_->open_streams() == 0; }));
}

TEST_F(StreamKitTest, AHandlerOfTheWrongKindIsRefusedAtStart) {
  const absl::Status unary = Start({}, Shape::kUnaryForStream);
  EXPECT_EQ(unary.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(unary.message()),
              HasSubstr("WatchTicks streams its responses: register it with HandleStream"));
  const absl::Status streaming = Start({}, Shape::kStreamForUnary);
  EXPECT_EQ(streaming.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(streaming.message()), HasSubstr("GetTick is unary"));
}

TEST(StreamKitContractTest, AnRpcStreamingFromTheCallerIsNeverServed) {
  UploaderService uploader;
  const absl::Status complete = uploader.CheckComplete();
  EXPECT_EQ(complete.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(complete.message()),
              HasSubstr("UploadTicks streams from the caller, and the kit serves unary and "
                        "server-streaming RPCs only"));
}

}  // namespace
}  // namespace clinic
