// Thread counting for the threading bench, from /proc/self/task.
#include "tools/bench/thread_census.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace clinic::bench {
namespace {

absl::Mutex registry_mutex(absl::kConstInit);
std::set<pid_t>* bench_threads ABSL_GUARDED_BY(registry_mutex) = nullptr;

// Cheap enough to run every few milliseconds: no file is opened.
int CountTasks() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return 0;
  int count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

ThreadCount TakeOneThreadCount() {
  ThreadCount count;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return count;
  absl::MutexLock lock(&registry_mutex);
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream comm(absl::StrCat("/proc/self/task/", entry->d_name, "/comm"));
    std::string name;
    // A thread that ended since readdir has no comm file; skip it.
    if (!std::getline(comm, name)) continue;
    ++count.total;
    const pid_t tid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (bench_threads != nullptr && bench_threads->count(tid) > 0) {
      ++count.bench;
    } else if (absl::StartsWith(name, "bench-")) {
      ++count.unsettled;
    }
    ++count.by_name[name];
  }
  closedir(dir);
  return count;
}

}  // namespace

BenchThreadScope::BenchThreadScope(const char* name) {
  pthread_setname_np(pthread_self(), name);
  absl::MutexLock lock(&registry_mutex);
  if (bench_threads == nullptr) bench_threads = new std::set<pid_t>();
  bench_threads->insert(gettid());
}

BenchThreadScope::~BenchThreadScope() {
  absl::MutexLock lock(&registry_mutex);
  bench_threads->erase(gettid());
}

ThreadCount TakeThreadCount() {
  ThreadCount count = TakeOneThreadCount();
  for (int attempt = 0; count.unsettled > 0 && attempt < 100; ++attempt) {
    absl::SleepFor(absl::Milliseconds(1));
    count = TakeOneThreadCount();
  }
  return count;
}

PeakThreadSampler::PeakThreadSampler() {
  peak_ = TakeThreadCount();
  thread_ = std::thread([this] {
    BenchThreadScope scope("bench-sampler");
    int highest_total = 0;
    while (!stop_.load(std::memory_order_relaxed)) {
      // Names are read only when the total sets a record, which is rare. A
      // record taken while threads are unsettled is taken again next time.
      if (const int total = CountTasks(); total > highest_total) {
        ThreadCount now = TakeOneThreadCount();
        if (now.unsettled == 0) {
          highest_total = total;
          absl::MutexLock lock(&mutex_);
          if (now.grpc() > peak_.grpc()) peak_ = std::move(now);
        }
      }
      absl::SleepFor(absl::Milliseconds(2));
    }
  });
}

PeakThreadSampler::~PeakThreadSampler() {
  stop_.store(true);
  thread_.join();
}

ThreadCount PeakThreadSampler::Peak() {
  absl::MutexLock lock(&mutex_);
  return peak_;
}

}  // namespace clinic::bench
