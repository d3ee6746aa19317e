#include "common/server/heap_trimmer.h"

#include <malloc.h>

#include <chrono>
#include <cstdint>

#include "common/core/log.h"

namespace clinic::server {

HeapTrimmer::HeapTrimmer(absl::Duration interval, size_t threshold)
    : interval_(interval), threshold_(threshold), thread_([this] { Loop(); }) {}

HeapTrimmer::~HeapTrimmer() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

size_t HeapTrimmer::FreeHeldBytes() { return mallinfo2().fordblks; }

void HeapTrimmer::Loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (wake_.wait_for(lock, absl::ToChronoMilliseconds(interval_), [this] { return stopping_; })) {
      return;
    }
    // Trimmed pages stay counted as free, so only growth since the last
    // trim says there is something new to give back.
    const size_t held = FreeHeldBytes();
    if (held < free_after_trim_ + threshold_) {
      if (held < free_after_trim_) free_after_trim_ = held;
      continue;
    }
    lock.unlock();
    malloc_trim(0);
    const size_t after = FreeHeldBytes();
    free_after_trim_ = after;
    Log(LogLevel::kDebug, "heap trimmed",
        {{"free_bytes_before", static_cast<int64_t>(held)},
         {"free_bytes_after", static_cast<int64_t>(after)}});
    lock.lock();
  }
}

}  // namespace clinic::server
