#include "common/core/event_feed.h"

#include <utility>
#include <vector>

namespace clinic {

void EventFeed::Publish(int64_t id) {
  std::vector<std::function<void()>> woken;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (id <= latest_) return;
    latest_ = id;
    for (auto it = waits_.begin(); it != waits_.end();) {
      if (it->second.first < id) {
        woken.push_back(std::move(it->second.second));
        it = waits_.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Outside the lock, so a wake may take its reader's own lock while that
  // reader, holding it, registers or cancels a wait here.
  for (std::function<void()>& wake : woken) wake();
}

int64_t EventFeed::latest() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return latest_;
}

EventFeed::WaitId EventFeed::WaitAfter(int64_t after, std::function<void()> wake) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (latest_ > after) return 0;
  const WaitId id = next_id_++;
  waits_.emplace(id, std::make_pair(after, std::move(wake)));
  return id;
}

void EventFeed::Cancel(WaitId id) {
  if (id == 0) return;
  std::function<void()> dropped;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = waits_.find(id);
    if (it == waits_.end()) return;
    dropped = std::move(it->second.second);
    waits_.erase(it);
  }
  // `dropped` is destroyed here, outside the lock: it may hold the last
  // reference to its reader.
}

size_t EventFeed::waiting() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waits_.size();
}

}  // namespace clinic
