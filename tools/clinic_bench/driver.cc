#include "tools/clinic_bench/driver.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/core/text.h"

namespace clinic::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Weights above this are almost certainly a typo (a percentage is at most 100).
constexpr int kMaxWeight = 1000000;

// Enough of a server's message to see what went wrong.
constexpr size_t kMaxErrorChars = 300;

class PhaseRunner {
 public:
  explicit PhaseRunner(const PhaseSpec& spec) : spec_(spec) {
    int total = 0;
    for (const MixEntry& entry : spec_.mix) {
      total += entry.weight;
      cumulative_.push_back(total);
    }
  }

  PhaseResult Run() {
    const Clock::time_point begin = Clock::now();
    warm_end_ = begin + absl::ToChronoNanoseconds(spec_.warmup);
    // An infinite duration saturates instead of overflowing.
    end_ = spec_.duration == absl::InfiniteDuration()
               ? Clock::time_point::max()
               : warm_end_ + absl::ToChronoNanoseconds(spec_.duration);
    tickets_ = spec_.max_calls > 0 ? spec_.max_calls : INT64_MAX;

    const int concurrency = std::max(1, spec_.concurrency);
    const int channels = std::max(1, spec_.channels);
    for (int i = 0; i < concurrency; ++i) {
      auto state = std::make_unique<SlotState>(i, i % channels, 0x9e3779b97f4a7c15ULL * (i + 1));
      state->tallies.resize(spec_.mix.size());
      slots_.push_back(std::move(state));
    }
    active_ = concurrency;
    for (auto& state : slots_) StartNext(*state);
    {
      std::unique_lock<std::mutex> lock(mutex_);
      idle_.wait(lock, [this] { return active_ == 0; });
    }

    PhaseResult result;
    result.tallies.resize(spec_.mix.size());
    for (auto& state : slots_) {
      for (size_t op = 0; op < spec_.mix.size(); ++op) {
        OperationTally& from = state->tallies[op];
        OperationTally& to = result.tallies[op];
        to.latencies_ns.insert(to.latencies_ns.end(), from.latencies_ns.begin(),
                               from.latencies_ns.end());
        for (const auto& [code, count] : from.errors) to.errors[code] += count;
        if (to.first_error.empty()) to.first_error = from.first_error;
      }
    }
    const Clock::time_point last =
        end_ == Clock::time_point::max() ? last_completion_.load() : end_;
    result.measured = absl::FromChrono(std::max(Clock::duration::zero(), last - warm_end_));
    return result;
  }

 private:
  struct SlotState {
    SlotState(int index, int channel, uint64_t seed) : slot(index, channel, seed) {}
    Slot slot;
    std::vector<OperationTally> tallies;  // touched only by this slot's one call at a time
    Clock::time_point start;
    size_t op = 0;
  };

  size_t Pick(std::mt19937_64& random) const {
    if (cumulative_.size() == 1) return 0;
    const int draw = static_cast<int>(random() % static_cast<uint64_t>(cumulative_.back()));
    size_t op = 0;
    while (draw >= cumulative_[op]) ++op;
    return op;
  }

  void StartNext(SlotState& state) {
    if (Clock::now() >= end_ || tickets_.fetch_sub(1, std::memory_order_relaxed) <= 0) {
      Retire();
      return;
    }
    state.op = Pick(state.slot.random());
    state.start = Clock::now();
    spec_.mix[state.op].operation->Start(
        state.slot, [this, &state](const grpc::Status& status) { Complete(state, status); });
  }

  void Complete(SlotState& state, const grpc::Status& status) {
    const Clock::time_point now = Clock::now();
    if (now >= warm_end_ && now <= end_) {
      OperationTally& tally = state.tallies[state.op];
      if (status.ok()) {
        tally.latencies_ns.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - state.start).count());
      } else {
        const std::string code =
            absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()));
        ++tally.errors[code];
        if (tally.first_error.empty()) {
          tally.first_error =
              absl::StrCat(code, ": ", Quote(status.error_message(), kMaxErrorChars, '"'));
        }
      }
    }
    Clock::time_point seen = last_completion_.load();
    while (seen < now && !last_completion_.compare_exchange_weak(seen, now)) {
    }
    StartNext(state);
  }

  void Retire() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (--active_ == 0) idle_.notify_all();
  }

  const PhaseSpec& spec_;
  std::vector<int> cumulative_;
  std::vector<std::unique_ptr<SlotState>> slots_;
  Clock::time_point warm_end_;
  Clock::time_point end_;
  std::atomic<int64_t> tickets_{0};
  std::atomic<Clock::time_point> last_completion_{Clock::time_point::min()};
  std::mutex mutex_;
  std::condition_variable idle_;
  int active_ = 0;
};

}  // namespace

PhaseResult RunPhase(const PhaseSpec& spec) { return PhaseRunner(spec).Run(); }

absl::StatusOr<std::vector<MixEntry>> ParseMix(const std::string& text) {
  std::vector<MixEntry> mix;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::vector<absl::string_view> pieces = absl::StrSplit(part, absl::MaxSplits(':', 1));
    MixEntry entry;
    entry.name = std::string(absl::StripAsciiWhitespace(pieces[0]));
    entry.weight = 1;
    if (pieces.size() == 2 &&
        (!absl::SimpleAtoi(absl::StripAsciiWhitespace(pieces[1]), &entry.weight) ||
         entry.weight < 0 || entry.weight > kMaxWeight)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--mix: the weight of ", Quote(entry.name, kQuotedChars, '\''),
                       " must be a whole number from 0 to ", kMaxWeight));
    }
    for (const MixEntry& earlier : mix) {
      if (earlier.name == entry.name) {
        return absl::InvalidArgumentError(
            absl::StrCat("--mix: ", Quote(entry.name, kQuotedChars, '\''), " is listed twice"));
      }
    }
    if (entry.weight > 0) mix.push_back(std::move(entry));
  }
  if (mix.empty()) {
    return absl::InvalidArgumentError("--mix: give at least one operation with a weight above 0");
  }
  return mix;
}

}  // namespace clinic::bench
