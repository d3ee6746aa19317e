// Gives memory the process no longer uses back to the system. glibc keeps
// freed memory mapped unless it is at the top of a heap, so after a burst of
// calls (thousands of cancelled streams, say) the process stays at its peak
// although nothing uses that memory any more;
// docs/decisions/0005-memory-under-hostile-callers.md has the numbers.
#ifndef CLINIC_COMMON_SERVER_HEAP_TRIMMER_H_
#define CLINIC_COMMON_SERVER_HEAP_TRIMMER_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace clinic::server {

// Checks every `interval` how much freed memory the allocator holds and
// trims the heap (malloc_trim) when it has grown by `threshold` bytes since
// the last trim, so a quiet process costs one cheap check per interval.
class HeapTrimmer {
 public:
  HeapTrimmer(absl::Duration interval, size_t threshold);
  // Stops the thread; returns at once.
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  // Free bytes the allocator holds (mallinfo2 fordblks).
  static size_t FreeHeldBytes();

 private:
  void Loop();

  absl::Duration interval_;
  size_t threshold_;
  size_t free_after_trim_ = 0;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace clinic::server

#endif  // CLINIC_COMMON_SERVER_HEAP_TRIMMER_H_
