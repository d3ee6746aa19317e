// The one way to write a Clinic Core service. A service derives from
// ServiceKit<Generated> (Generated is the class protoc makes for the service,
// e.g. clinic::v1::ClientRecords) and registers one handler per RPC in its
// constructor:
//
//   class ClientRecordsService final : public server::ServiceKit<v1::ClientRecords> {
//    public:
//     ClientRecordsService(...) : ServiceKit(/*threads=*/5) {
//       Handle("GetClient", &ClientRecordsService::GetClient);
//     }
//    private:
//     absl::Status GetClient(const server::Call& call, const v1::GetClientRequest& request,
//                            v1::Client& response);
//   };
//
// A server-streaming RPC registers with HandleStream; its handler checks the
// request and returns where the stream starts and how to read what follows
// (event_stream.h), and the kit runs the stream without holding a thread.
//
// The kit is the only way a call reaches a handler: it admits the call (the
// access decision the interceptor recorded, principal.h) before anything
// else, and a handler can only be given a Call by the kit. It runs the
// handler on the service's bounded pool (blocking work: SQLite, files, other
// services) or inline for handlers that only read memory, refuses work
// when the pool is full, drops calls whose caller went away, and turns a
// handler that throws into INTERNAL. Every RPC of the contract must have a
// handler of the right types: Server::Start refuses to start otherwise
// (CheckComplete), so an RPC added to a proto cannot go unserved.
#ifndef CLINIC_COMMON_SERVER_SERVICE_KIT_H_
#define CLINIC_COMMON_SERVER_SERVICE_KIT_H_

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/impl/rpc_service_method.h>
#include <grpcpp/impl/service_type.h>
#include <grpcpp/support/callback_common.h>

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/server/call.h"
#include "common/server/event_stream.h"
#include "common/server/principal.h"
#include "common/server/stream_reactor.h"
#include "common/server/work_pool.h"

namespace clinic::server {

// A service a Server hosts: a gRPC service whose full proto name is reported
// by the health service. Made only through ServiceKit.
class HostedService : public grpc::Service {
 public:
  // e.g. "clinic.v1.ClientRecords".
  virtual absl::string_view full_name() const = 0;

  // OK when every RPC of the contract has exactly one handler of the
  // request and response types the contract declares, registered as the
  // contract's kind of RPC (Handle for unary, HandleStream for server
  // streaming); otherwise FAILED_PRECONDITION listing what is wrong.
  // Server::Start calls this.
  absl::Status CheckComplete() const;

  // Refuses new streams and ends the open ones with UNAVAILABLE (reason
  // SERVER_SHUTTING_DOWN), without waiting; Server::Shutdown calls it before
  // it stops gRPC, so open streams never hold the shutdown for its grace.
  void EndStreams() { streams_.EndAll(); }

  // Stops the service's own background work that calls services (an
  // outbox's deliveries), while they still answer; Server::Shutdown calls it
  // first, before EndStreams.
  virtual void StopBackgroundWork() {}

  // The service's streams open now (admitted and not yet done).
  int open_streams() const { return streams_.open(); }

 protected:
  // Declares every method of `descriptor` to gRPC, each answering
  // UNIMPLEMENTED until a handler is registered for it.
  explicit HostedService(const google::protobuf::ServiceDescriptor* descriptor);

  // The index of `method` for a handler taking `request` and giving
  // `response` (one message, or a stream of them when `streams`), or -1
  // (noted for CheckComplete) when the contract has no such method of that
  // kind or it already has a handler.
  int Claim(absl::string_view method, const google::protobuf::Descriptor* request,
            const google::protobuf::Descriptor* response, bool streams = false);

  // Installs a typed callback handler for the method at `index`.
  void Install(int index, grpc::internal::MethodHandler* handler) {
    MarkMethodCallback(index, handler);
  }

  // Sets the bounds of the service's server-streaming RPCs (event_stream.h);
  // in the constructor, before the server starts.
  void LimitStreams(const StreamLimits& limits) { streams_.set_limits(limits); }

  internal::StreamRegistry& streams() { return streams_; }

 private:
  internal::StreamRegistry streams_;
  const google::protobuf::ServiceDescriptor* descriptor_;
  // gRPC keeps the method paths as const char*; they live here.
  std::deque<std::string> paths_;
  std::vector<bool> handled_;
  std::vector<std::string> problems_;
};

// Where a handler runs.
enum class Runs {
  // On the service's pool: anything that may block.
  kOnPool,
  // On gRPC's callback thread: only handlers that read memory and never
  // block (the catalog snapshot, the caller's identity).
  kInline,
};

// "ClientRecords" for "clinic.v1.ClientRecords": what a service's pool
// threads are called.
inline std::string ShortServiceName(absl::string_view full_name) {
  const size_t dot = full_name.rfind('.');
  return std::string(dot == absl::string_view::npos ? full_name : full_name.substr(dot + 1));
}

namespace internal {

// Admits the call, tells `admitted` (on gRPC's thread), then runs
// `body(call)` on `pool` (nullptr: inline) and finishes the call with its
// status.
template <typename Admitted, typename Body>
grpc::ServerUnaryReactor* Dispatch(WorkPool* pool, grpc::CallbackServerContext* context,
                                   Admitted admitted, Body body);

}  // namespace internal

// Threads of a service whose store commits in groups
// (storage::StoreDatabaseOptions): its reads share four connections, and
// each write holds its thread until the batch holding it commits, so more
// threads than connections let a burst of writes share one fsync instead
// of queueing for a thread each. Sixteen keep a batch worth an fsync on a
// two-core machine without a thread per call; memory is a stack each.
inline constexpr int kStoreServiceThreads = 16;

template <typename Generated>
class ServiceKit : public HostedService {
 public:
  absl::string_view full_name() const override { return Generated::service_full_name(); }

 protected:
  // `threads` and `max_queued` size the service's pool (WorkPool): as many
  // threads as its store has connections, or kStoreServiceThreads for a
  // store that commits in groups.
  explicit ServiceKit(int threads, size_t max_queued = 1024)
      : HostedService(google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            Generated::service_full_name())),
        pool_(threads, max_queued, ShortServiceName(Generated::service_full_name())) {}

  // Registers `handler` as the RPC `method` (its name in the proto).
  template <typename Self, typename Request, typename Response>
  void Handle(absl::string_view method,
              absl::Status (Self::*handler)(const Call&, const Request&, Response&),
              Runs runs = Runs::kOnPool) {
    HandleOn(method, handler, runs == Runs::kOnPool ? &pool_ : nullptr);
  }

  // Registers `handler` to run on `pool`, a pool of the service's own, rather
  // than the kit's: for an RPC that holds a thread so long (the catalog's
  // plugin reloads, seconds each) that the service's other calls must not
  // queue behind it. `pool` is usually a member of the service, so it lives
  // as long as the service and the server that calls it.
  template <typename Self, typename Request, typename Response>
  void Handle(absl::string_view method,
              absl::Status (Self::*handler)(const Call&, const Request&, Response&),
              WorkPool& pool) {
    HandleOn(method, handler, &pool);
  }

  // Registers `handler` as the server-streaming RPC `method`. The handler
  // runs on the service's pool once per stream, when it opens: it checks the
  // request (an error ends the stream with that status, as a unary handler's
  // does) and returns the stream (event_stream.h), whose reads then run on
  // the same pool, one batch at a time, while the kit writes the messages
  // and waits on the feed.
  template <typename Self, typename Request, typename Message>
  void HandleStream(absl::string_view method,
                    absl::StatusOr<EventStream<Message>> (Self::*handler)(const Call&,
                                                                          const Request&)) {
    HandleStreamOn(method, handler, pool_);
  }

  // HandleStream with the handler and the reads on `pool`, a pool of the
  // service's own (see Handle with a pool).
  template <typename Self, typename Request, typename Message>
  void HandleStream(absl::string_view method,
                    absl::StatusOr<EventStream<Message>> (Self::*handler)(const Call&,
                                                                          const Request&),
                    WorkPool& pool) {
    HandleStreamOn(method, handler, pool);
  }

  // Called on gRPC's thread for each admitted call (each stream, as it
  // opens) before its handler is queued or run; the call's context stays
  // valid until it is answered. For watching calls (tests, metrics); it
  // must not block.
  virtual void Admitted(const Call& /*call*/) {}

 private:
  template <typename Self, typename Request, typename Message>
  void HandleStreamOn(absl::string_view method,
                      absl::StatusOr<EventStream<Message>> (Self::*handler)(const Call&,
                                                                            const Request&),
                      WorkPool& pool) {
    const int index = Claim(method, Request::descriptor(), Message::descriptor(), /*streams=*/true);
    if (index < 0) return;
    Self* self = static_cast<Self*>(this);
    ServiceKit* kit = this;
    WorkPool* on = &pool;
    Install(
        index,
        new grpc::internal::CallbackServerStreamingHandler<Request, Message>(
            [kit, self, handler, on](grpc::CallbackServerContext* context, const Request* request) {
              return internal::StreamReactor<Message>::Open(
                  kit->streams(), *on, context, [kit](const Call& call) { kit->Admitted(call); },
                  [self, handler, request](const Call& call) {
                    return (self->*handler)(call, *request);
                  });
            }));
  }

  // `pool` null: inline.
  template <typename Self, typename Request, typename Response>
  void HandleOn(absl::string_view method,
                absl::Status (Self::*handler)(const Call&, const Request&, Response&),
                WorkPool* pool) {
    const int index = Claim(method, Request::descriptor(), Response::descriptor());
    if (index < 0) return;
    Self* self = static_cast<Self*>(this);
    ServiceKit* kit = this;
    Install(index, new grpc::internal::CallbackUnaryHandler<Request, Response>(
                       [kit, self, handler, pool](grpc::CallbackServerContext* context,
                                                  const Request* request, Response* response) {
                         return internal::Dispatch(
                             pool, context, [kit](const Call& call) { kit->Admitted(call); },
                             [self, handler, request, response](const Call& call) {
                               return (self->*handler)(call, *request, *response);
                             });
                       }));
  }

  WorkPool pool_;
};

namespace internal {

template <typename Admitted, typename Body>
grpc::ServerUnaryReactor* Dispatch(WorkPool* pool, grpc::CallbackServerContext* context,
                                   Admitted admitted, Body body) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<const CallRecord> record = AdmittedCall(*context);
  if (record == nullptr) {
    reactor->Finish(ToGrpcStatus(Admit(*context)));
    return reactor;
  }
  {
    // Service code like any handler: what it throws ends the call, not the
    // process.
    const Call call = CallMaker::Make(*context, record);
    auto watch = [&admitted, &call] {
      admitted(call);
      return absl::OkStatus();
    };
    if (absl::Status watched = RunCatching(*context, watch); !watched.ok()) {
      reactor->Finish(ToGrpcStatus(watched));
      return reactor;
    }
  }
  auto run = [context, record, body = std::move(body)]() mutable {
    const Call call = CallMaker::Make(*context, record);
    auto handler = [&body, &call] { return body(call); };
    return RunCatching(*context, handler);
  };
  if (pool == nullptr) {
    reactor->Finish(ToGrpcStatus(run()));
    return reactor;
  }
  const bool queued = pool->Submit(
      [reactor, context, run = std::move(run)]() mutable {
        if (context->IsCancelled()) {
          reactor->Finish(CallerWentAway(*context, "while the call waited"));
          return;
        }
        reactor->Finish(ToGrpcStatus(run()));
      },
      [context] { return context->IsCancelled(); },
      [reactor, context] { reactor->Finish(CallerWentAway(*context, "while the call waited")); });
  if (!queued) reactor->Finish(ToGrpcStatus(Overloaded()));
  return reactor;
}

}  // namespace internal
}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_SERVICE_KIT_H_
