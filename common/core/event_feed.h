// A notifier for a store that appends numbered events (stock alerts, ledger
// movements) and readers that follow them as they happen, such as the
// service kit's server-streaming RPCs (common/server/event_stream.h). The
// store publishes the id of its newest event after the transaction that
// wrote it commits; a reader that has caught up asks to be woken when an id
// beyond the last it read is published, then reads the events themselves
// from the store.
//
// It holds no events, only the newest id and one entry per waiting reader,
// so its memory does not grow with the events published or with a slow
// reader: what a reader has not read yet stays in the store. Thread-safe;
// any thread may publish or wait.
#ifndef CLINIC_COMMON_CORE_EVENT_FEED_H_
#define CLINIC_COMMON_CORE_EVENT_FEED_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace clinic {

class EventFeed {
 public:
  // Identifies one wait; 0 is never one.
  using WaitId = uint64_t;

  // `latest`: the newest id already in the store when the feed is made
  // (a store opening an existing database passes its newest event id).
  explicit EventFeed(int64_t latest = 0) : latest_(latest) {}
  EventFeed(const EventFeed&) = delete;
  EventFeed& operator=(const EventFeed&) = delete;

  // Says that every event up to `id` is committed and readable, and wakes
  // the readers waiting for it. Call it after the commit, never inside the
  // transaction: a reader woken earlier would find nothing new and wait
  // again. An id not above the newest published changes nothing.
  void Publish(int64_t id);

  // The newest id published.
  int64_t latest() const;

  // Registers `wake`, to be called once, on the thread that publishes, as
  // soon as an id greater than `after` is published; it must not block
  // (start the read elsewhere) and must not call this feed. Returns 0,
  // registering nothing and calling nothing, when such an id has already
  // been published: the caller reads at once instead.
  WaitId WaitAfter(int64_t after, std::function<void()> wake);

  // Takes back a wait that has not been woken yet; does nothing for one that
  // has (or for 0). A wake already taken by Publish may still be running
  // when this returns, so what it touches must be kept alive by the wake
  // itself (a shared_ptr it holds), not by the caller of Cancel. Never
  // waits, so it may be called with the caller's own locks held.
  void Cancel(WaitId id);

  // Waits registered and not yet woken.
  size_t waiting() const;

 private:
  mutable std::mutex mutex_;
  int64_t latest_;
  WaitId next_id_ = 1;
  // Each wait by id, with the id it waits to pass.
  std::map<WaitId, std::pair<int64_t, std::function<void()>>> waits_;
};

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_EVENT_FEED_H_
