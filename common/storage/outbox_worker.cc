#include "common/storage/outbox_worker.h"

#include <algorithm>
#include <random>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "common/core/log.h"
#include "common/core/thread_name.h"

namespace clinic::storage {
namespace {

// Entries read per look; the rest are read right after.
constexpr int kBatch = 16;

// How long to wait when the outbox cannot even be read (a locked or failing
// database): long enough not to spin, short enough to notice recovery.
constexpr absl::Duration kReadFailureWait = absl::Seconds(5);

// `wait` give or take a tenth, so entries that failed together spread out.
absl::Duration Spread(absl::Duration wait) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  std::uniform_real_distribution<double> factor(0.9, 1.1);
  return wait * factor(random);
}

}  // namespace

OutboxWorker::OutboxWorker(Database& database, Deliver deliver, Retry retry)
    : database_(database), deliver_(std::move(deliver)), retry_(retry) {
  thread_ = std::thread([this] {
    NameThisThread("outbox:" + DatabaseTag(database_.path()));
    Run();
  });
}

OutboxWorker::~OutboxWorker() { Stop(); }

void OutboxWorker::Stop() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void OutboxWorker::Wake() {
  absl::MutexLock lock(&mutex_);
  woken_ = true;
}

absl::Duration OutboxWorker::WaitAfter(int attempts, const Retry& retry) {
  absl::Duration wait = retry.first;
  for (int i = 1; i < attempts && wait < retry.max; ++i) wait *= 2;
  return std::min(wait, retry.max);
}

void OutboxWorker::Run() {
  while (true) {
    const absl::Time next = DeliverDue();
    absl::MutexLock lock(&mutex_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) { return woken_ || stopping_; };
    mutex_.AwaitWithDeadline(absl::Condition(&ready), next);
    if (stopping_) return;
    woken_ = false;
  }
}

absl::Time OutboxWorker::DeliverDue() {
  while (true) {
    {
      absl::MutexLock lock(&mutex_);
      if (stopping_) return absl::InfinitePast();
    }
    std::vector<OutboxEntry> due;
    absl::Status read = database_.Read([&](Connection& connection) -> absl::Status {
      absl::StatusOr<std::vector<OutboxEntry>> entries =
          DueOutboxEntries(connection, absl::Now(), kBatch);
      if (!entries.ok()) return entries.status();
      due = *std::move(entries);
      return absl::OkStatus();
    });
    if (!read.ok()) {
      Log(LogLevel::kError, "outbox unreadable",
          {{"database", database_.path()}, {"error", read.ToString()}});
      return absl::Now() + kReadFailureWait;
    }
    for (const OutboxEntry& entry : due) {
      {
        absl::MutexLock lock(&mutex_);
        if (stopping_) return absl::InfinitePast();
      }
      const DeliveryOutcome outcome = deliver_(entry);
      const absl::Time now = absl::Now();
      const absl::Time next_attempt = now + Spread(WaitAfter(entry.attempts + 1, retry_));
      absl::Status marked = database_.Write([&](Connection& connection) {
        return outcome.delivered
                   ? MarkOutboxDelivered(connection, entry.entry_id, now, outcome.detail)
                   : MarkOutboxFailed(connection, entry.entry_id, outcome.detail, next_attempt);
      });
      if (outcome.delivered) {
        Log(LogLevel::kInfo, "outbox entry delivered",
            {{"kind", entry.kind}, {"subject", entry.subject}, {"attempts", entry.attempts + 1}});
      } else {
        Log(LogLevel::kWarning, "outbox delivery failed; will retry",
            {{"kind", entry.kind},
             {"subject", entry.subject},
             {"attempts", entry.attempts + 1},
             {"retry_in_ms", absl::ToInt64Milliseconds(next_attempt - now)},
             {"error", outcome.detail}});
      }
      if (!marked.ok()) {
        // Delivered but not marked: the next attempt sends the same request
        // id, which the other service answers from its first answer.
        Log(LogLevel::kError, "outbox outcome not recorded",
            {{"kind", entry.kind}, {"subject", entry.subject}, {"error", marked.ToString()}});
        return absl::Now() + kReadFailureWait;
      }
    }
    if (static_cast<int>(due.size()) < kBatch) break;
  }
  absl::optional<absl::Time> next;
  absl::Status read = database_.Read([&](Connection& connection) -> absl::Status {
    absl::StatusOr<absl::optional<absl::Time>> found = NextOutboxAttempt(connection);
    if (!found.ok()) return found.status();
    next = *found;
    return absl::OkStatus();
  });
  if (!read.ok()) return absl::Now() + kReadFailureWait;
  return next.value_or(absl::InfiniteFuture());
}

}  // namespace clinic::storage
