// The service kit's server-streaming machinery (service_kit.h HandleStream;
// the service-facing types are in event_stream.h). Internal: services never
// name anything here.
//
// A stream is a gRPC callback ServerWriteReactor, so it holds no thread while
// it waits: gRPC's threads run its reactions, the service's pool runs its
// handler and its reads (they may block on SQLite), and the event feed wakes
// it. One message is in flight at a time, and the next batch is read only
// when every message of the last one has been handed to the transport, so a
// caller that reads slowly holds the server at one batch per stream, with
// HTTP/2 flow control doing the rest.
#ifndef CLINIC_COMMON_SERVER_STREAM_REACTOR_H_
#define CLINIC_COMMON_SERVER_STREAM_REACTOR_H_

#include <grpcpp/alarm.h>
#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/types/optional.h"
#include "common/core/event_feed.h"
#include "common/core/status.h"
#include "common/server/call.h"
#include "common/server/call_outcome.h"
#include "common/server/event_stream.h"
#include "common/server/principal.h"
#include "common/server/work_pool.h"

namespace clinic::server::internal {

// The endings the kit decides, with their reasons (domain clinic.v1).
absl::Status TooManyStreams(int max_open);
absl::Status ServerShuttingDown();
absl::Status StreamMaxAge(absl::Duration max_age);
// INTERNAL for a stream handler or read that broke its contract (no feed,
// a read that did not advance), logged with the request id.
absl::Status StreamBroken(const grpc::ServerContextBase& context, absl::string_view what);

// One open stream, as its service's registry sees it.
class StreamBase : public std::enable_shared_from_this<StreamBase> {
 public:
  virtual ~StreamBase() = default;
  // Ends the stream with `why` as soon as no read or write is in flight.
  virtual void End(const grpc::Status& why) = 0;
};

// The streams of one service: counts them against the service's cap, and
// ends them all when the server shuts down.
class StreamRegistry {
 public:
  // Before the server starts. A batch is at least one message.
  void set_limits(const StreamLimits& limits) {
    limits_ = limits;
    limits_.batch = std::max(limits_.batch, 1);
  }
  const StreamLimits& limits() const { return limits_; }

  // OK, counting `stream` as open, or the refusal: too many streams, or the
  // server is shutting down.
  absl::Status Enter(StreamBase* stream);
  // From the stream's OnDone.
  void Leave(StreamBase* stream);
  // Refuses new streams from now on and ends the open ones with
  // UNAVAILABLE. Returns at once: each stream finishes when its read or
  // write in flight completes.
  void EndAll();
  // Streams entered and not yet left.
  int open() const;

 private:
  mutable std::mutex mutex_;
  StreamLimits limits_;
  bool stopping_ = false;
  std::set<StreamBase*> open_;
};

template <typename Message>
class StreamReactor final : public grpc::ServerWriteReactor<Message>, public StreamBase {
 public:
  // The service's handler, given the admitted call.
  using Opener = std::function<absl::StatusOr<EventStream<Message>>(const Call&)>;
  // The kit's watch hook (ServiceKit::Admitted).
  using Watcher = std::function<void(const Call&)>;

  // The reactor of one call of a streaming RPC; gRPC's thread calls this.
  static grpc::ServerWriteReactor<Message>* Open(StreamRegistry& registry, WorkPool& pool,
                                                 grpc::CallbackServerContext* context,
                                                 const Watcher& admitted, Opener opener) {
    std::shared_ptr<StreamReactor> reactor(new StreamReactor(registry, pool, context));
    // Owned by itself until gRPC says it is done with it (OnDone).
    reactor->self_ = reactor;
    reactor->Start(admitted, std::move(opener));
    return reactor.get();
  }

  void End(const grpc::Status& why) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!end_) end_ = why;
      CancelWaitLocked();
    }
    Advance();
  }

 private:
  StreamReactor(StreamRegistry& registry, WorkPool& pool, grpc::CallbackServerContext* context)
      : registry_(registry), pool_(pool), context_(context) {}

  std::shared_ptr<StreamReactor> Shared() {
    return std::static_pointer_cast<StreamReactor>(shared_from_this());
  }

  // On gRPC's thread: admits the call, counts it, and queues its handler.
  void Start(const Watcher& admitted, Opener opener) {
    record_ = AdmittedCall(*context_);
    if (record_ == nullptr) return End(ToGrpcStatus(Admit(*context_)));
    {
      // From here the stream can be ended by others (shutdown), and must
      // not finish before this is done with its context.
      std::lock_guard<std::mutex> lock(mutex_);
      opening_ = true;
    }
    if (absl::Status entered = registry_.Enter(this); !entered.ok()) {
      return Settle(&StreamReactor::opening_, ToGrpcStatus(entered));
    }
    registered_ = true;
    {
      const Call call = CallMaker::Make(*context_, record_);
      auto watch = [&admitted, &call] {
        admitted(call);
        return absl::OkStatus();
      };
      if (absl::Status watched = RunCatching(*context_, watch); !watched.ok()) {
        return Settle(&StreamReactor::opening_, ToGrpcStatus(watched));
      }
    }
    std::shared_ptr<StreamReactor> self = Shared();
    const bool queued = pool_.Submit(
        [self, opener = std::move(opener)]() mutable { self->RunOpen(opener); },
        [self] { return self->context_->IsCancelled(); },
        [self] { self->Settle(&StreamReactor::opening_, "while the stream waited to open"); });
    if (!queued) Settle(&StreamReactor::opening_, ToGrpcStatus(Overloaded()));
  }

  // On the pool: runs the handler, then sends the response headers, which
  // is when the access step writes the stream's audit event.
  void RunOpen(Opener& opener) {
    if (context_->IsCancelled()) {
      return Settle(&StreamReactor::opening_, "while the stream waited to open");
    }
    absl::StatusOr<EventStream<Message>> stream = absl::InternalError("not opened");
    {
      const Call call = CallMaker::Make(*context_, record_);
      auto run = [&opener, &call, &stream] {
        stream = opener(call);
        return stream.status();
      };
      absl::Status opened = RunCatching(*context_, run);
      if (opened.ok() && (stream->feed == nullptr || !stream->read)) {
        opened = StreamBroken(*context_, "its handler gave no feed or no read");
      }
      if (!opened.ok()) return Settle(&StreamReactor::opening_, ToGrpcStatus(opened));
    }
    bool open = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      feed_ = stream->feed;
      read_ = std::move(stream->read);
      position_ = stream->after;
      more_ = true;
      open = !end_;
      if (!open) opening_ = false;
    }
    if (!open) return Advance();
    // The age limit runs from the opening; the alarm holds no thread.
    const absl::Duration max_age = registry_.limits().max_age;
    if (max_age != absl::InfiniteDuration()) {
      std::weak_ptr<StreamBase> weak = weak_from_this();
      alarm_.Set(absl::ToChronoTime(absl::Now() + max_age), [weak, max_age](bool fired) {
        if (!fired) return;
        if (std::shared_ptr<StreamBase> alive = weak.lock()) {
          alive->End(ToGrpcStatus(StreamMaxAge(max_age)));
        }
      });
      alarm_set_ = true;
    }
    // Still opening_: whatever ends the stream meanwhile waits for the
    // headers, so the stream's one audit event is always written.
    context_->AddInitialMetadata(kStreamOpenKey, kStreamOpenValue);
    this->StartSendInitialMetadata();
  }

  void OnSendInitialMetadataDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      opening_ = false;
      if (!end_) {
        if (!ok) {
          end_ = CallerWentAway(*context_, "while the stream opened");
        } else if (absl::Status admitted = Admit(*context_); !admitted.ok()) {
          // The access step could not write the audit event.
          end_ = ToGrpcStatus(admitted);
        }
      }
    }
    Advance();
  }

  // On the pool: reads the next batch after `after`; `seen` was the feed's
  // newest id when the read was queued, so everything up to it was
  // committed before the read began.
  void RunRead(int64_t after, int64_t seen) {
    const int max = registry_.limits().batch;
    absl::StatusOr<EventBatch<Message>> batch = absl::InternalError("not read");
    auto run = [this, &batch, after, max] {
      batch = read_(after, max);
      return batch.status();
    };
    absl::Status read = RunCatching(*context_, run);
    if (read.ok() && (batch->messages.size() > static_cast<size_t>(max) ||
                      (!batch->messages.empty() && batch->position <= after))) {
      read = StreamBroken(*context_, "its read returned more than asked or did not advance");
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      reading_ = false;
      if (!read.ok()) {
        if (!end_) end_ = ToGrpcStatus(read);
      } else {
        position_ = std::max(after, batch->position);
        if (batch->messages.empty() && position_ == after) {
          // Nothing at all after `after`: caught up with everything
          // published before the read began.
          caught_up_ = std::max(position_, seen);
        } else {
          // Read again once these are written: there may be more.
          more_ = true;
          for (Message& message : batch->messages) pending_.push_back(std::move(message));
        }
      }
    }
    Advance();
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      writing_ = false;
      if (!ok && !end_) end_ = CallerWentAway(*context_, "while the stream was open");
    }
    Advance();
  }

  void OnCancel() override { End(CallerWentAway(*context_, "while the stream was open")); }

  void OnDone() override {
    if (registered_) registry_.Leave(this);
    if (alarm_set_) alarm_.Cancel();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      CancelWaitLocked();
    }
    // The last use of this object: it may be destroyed when `last` goes.
    std::shared_ptr<StreamBase> last = std::move(self_);
  }

  // The feed's wake, on the publisher's thread.
  void Woken() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      wait_ = 0;
      more_ = true;
    }
    Advance();
  }

  // A step in flight (`flag`) ended without running: with `why`, or because
  // its work was dropped when the caller went away (`when`).
  void Settle(bool StreamReactor::*flag, const grpc::Status& why) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      this->*flag = false;
      if (!end_) end_ = why;
    }
    Advance();
  }
  void Settle(bool StreamReactor::*flag, const char* when) {
    Settle(flag, CallerWentAway(*context_, when));
  }

  // Starts whatever comes next. Never called with mutex_ held: queuing on
  // the pool may run another call's drop, which takes that call's lock.
  void Advance() {
    for (;;) {
      int64_t after = 0;
      int64_t seen = 0;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!NextLocked(&after, &seen)) return;
      }
      std::shared_ptr<StreamReactor> self = Shared();
      const bool queued =
          pool_.Submit([self, after, seen] { self->RunRead(after, seen); },
                       [self] { return self->context_->IsCancelled(); },
                       [self] { self->Settle(&StreamReactor::reading_, "while a read waited"); });
      if (queued) return;
      std::lock_guard<std::mutex> lock(mutex_);
      reading_ = false;
      if (!end_) end_ = ToGrpcStatus(Overloaded());
    }
  }

  // Starts a write, the finish or a wait itself; true when a read is to be
  // queued (after `*after`), which the caller does outside the lock.
  bool NextLocked(int64_t* after, int64_t* seen) {
    if (finished_ || opening_ || reading_ || writing_) return false;
    if (end_) {
      finished_ = true;
      CancelWaitLocked();
      pending_.clear();
      this->Finish(*end_);
      return false;
    }
    if (feed_ == nullptr) return false;
    if (!pending_.empty()) {
      current_ = std::move(pending_.front());
      pending_.pop_front();
      writing_ = true;
      this->StartWrite(&current_);
      return false;
    }
    if (!more_ && wait_ == 0) {
      std::weak_ptr<StreamBase> weak = weak_from_this();
      wait_ = feed_->WaitAfter(caught_up_, [weak] {
        if (std::shared_ptr<StreamBase> stream = weak.lock()) {
          static_cast<StreamReactor*>(stream.get())->Woken();
        }
      });
      // Something was published since the last read looked.
      if (wait_ == 0) more_ = true;
    }
    if (!more_) return false;
    more_ = false;
    reading_ = true;
    *after = position_;
    *seen = feed_->latest();
    return true;
  }

  void CancelWaitLocked() {
    if (feed_ != nullptr && wait_ != 0) feed_->Cancel(wait_);
    wait_ = 0;
  }

  StreamRegistry& registry_;
  WorkPool& pool_;
  grpc::CallbackServerContext* context_;
  std::shared_ptr<const CallRecord> record_;
  std::shared_ptr<StreamBase> self_;
  bool registered_ = false;
  // Set on the pool before the headers go out, cancelled in OnDone.
  grpc::Alarm alarm_;
  bool alarm_set_ = false;
  // Set once the handler has run; read_ is then called only on the pool.
  std::function<absl::StatusOr<EventBatch<Message>>(int64_t, int)> read_;

  std::mutex mutex_;
  EventFeed* feed_ = nullptr;
  // What is in flight: the handler and the headers, a read, a write.
  bool opening_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool finished_ = false;
  // Read again as soon as nothing is in flight.
  bool more_ = false;
  // The feed wait registered, or 0.
  EventFeed::WaitId wait_ = 0;
  // The next read starts after this.
  int64_t position_ = 0;
  // Nothing for this stream up to this id: wait for a later one.
  int64_t caught_up_ = 0;
  // Read and not yet written; at most one batch.
  std::deque<Message> pending_;
  // The message being written; gRPC reads it until OnWriteDone.
  Message current_;
  // Why the stream ends, once it is decided; the first reason wins.
  absl::optional<grpc::Status> end_;
};

}  // namespace clinic::server::internal

#endif  // CLINIC_COMMON_SERVER_STREAM_REACTOR_H_
