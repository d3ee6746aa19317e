// What a service gives the kit for one server-streaming RPC
// (ServiceKit::HandleStream, service_kit.h): where the stream starts, how to
// read what follows from the service's store, and the feed that says when
// there is more. The kit runs the stream: it reads a batch on the service's
// pool, writes the messages one at a time as the caller takes them, waits on
// the feed once caught up, and ends the stream when the caller goes away,
// the server shuts down or the stream reaches its age limit. No thread is
// held while a stream waits. docs/decisions/0011-server-streaming.md says
// why it is built this way.
#ifndef CLINIC_COMMON_SERVER_EVENT_STREAM_H_
#define CLINIC_COMMON_SERVER_EVENT_STREAM_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/core/event_feed.h"

namespace clinic::server {

// The response header a stream sends, before any message, once it is open:
// the caller was admitted, the handler accepted the request and the opening
// is in the audit trail. A refused stream ends with its status instead, so a
// caller that must know whether it is being served (and not merely that
// nothing has happened yet) waits for this header or the status.
inline constexpr char kStreamOpenKey[] = "x-clinic-stream";
inline constexpr char kStreamOpenValue[] = "open";

// What one read of a stream found.
template <typename Message>
struct EventBatch {
  // The next messages for the caller, in order; at most the `max` the read
  // was given.
  std::vector<Message> messages;
  // Where the next read starts: the id of the last event this read looked
  // at, which is past the last message when events were filtered out (other
  // sites' alerts), so they are not looked at again. Not less than the
  // read's `after`; with messages, greater than it. A read may stop early,
  // even with no messages (it looked at as many events as it allows
  // itself): the kit reads again at once. A batch with no messages whose
  // position is still `after` means nothing follows yet, and the stream
  // waits on the feed.
  int64_t position = 0;
};

// One open stream, as a handler returns it once it has checked the request.
template <typename Message>
struct EventStream {
  // Wakes the stream when new events are published. Required; it must
  // outlive the server (a member of the service or of its store).
  EventFeed* feed = nullptr;
  // The stream delivers what comes after this position: the request's
  // resume point as the handler checked it, or, for "only what happens from
  // now on", the newest id in the store when the stream opened.
  int64_t after = 0;
  // Reads at most `max` messages after `after`, in order. Runs on the
  // service's pool (it may use SQLite), one read at a time per stream, and
  // only while the stream is open. It keeps nothing of the handler's Call or
  // request: whatever it needs from them (the site, the caller) it captures
  // by value. An error ends the stream with that status.
  std::function<absl::StatusOr<EventBatch<Message>>(int64_t after, int max)> read;
};

// Bounds on a service's server-streaming RPCs (ServiceKit::LimitStreams).
struct StreamLimits {
  // Streams of the service open at once, every streaming RPC together;
  // beyond it a new one is refused with RESOURCE_EXHAUSTED (reason
  // TOO_MANY_STREAMS). Each open stream costs memory only (its state and
  // at most one batch of messages), no thread.
  int max_open = 64;
  // How long a stream stays open before the server ends it with
  // UNAVAILABLE (reason STREAM_MAX_AGE); the caller reconnects with the last
  // id it received. Access is decided when a stream opens, so this bounds
  // how long a revoked token or a withdrawn role keeps receiving.
  // absl::InfiniteDuration() for no limit.
  absl::Duration max_age = absl::Minutes(30);
  // Messages one read may return; also all a stream ever holds in memory.
  int batch = 64;
};

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_EVENT_STREAM_H_
