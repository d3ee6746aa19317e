#include "common/storage/ids.h"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "absl/time/clock.h"
#include "common/core/hash.h"

namespace clinic::storage {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

struct State {
  std::mutex mutex;
  uint64_t last_ms = 0;
  std::array<uint8_t, 10> last_random{};
};

State& GetState() {
  static auto* state = new State();
  return *state;
}

// Adds one to a big-endian 80-bit number; false on overflow.
bool Increment(std::array<uint8_t, 10>& bytes) {
  for (int i = 9; i >= 0; --i) {
    if (++bytes[static_cast<size_t>(i)] != 0) return true;
  }
  return false;
}

std::string Encode(uint64_t ms, const std::array<uint8_t, 10>& random);

std::string NewIdAt(absl::Time now) {
  uint64_t ms = static_cast<uint64_t>(absl::ToUnixMillis(now));
  std::array<uint8_t, 10> random{};
  {
    State& state = GetState();
    std::lock_guard<std::mutex> lock(state.mutex);
    if (ms <= state.last_ms) {
      // Same millisecond (or the clock stepped back): continue the sequence so
      // ids stay strictly increasing.
      ms = state.last_ms;
      random = state.last_random;
      if (!Increment(random)) {
        ++ms;
        RAND_bytes(random.data(), static_cast<int>(random.size()));
      }
    } else {
      RAND_bytes(random.data(), static_cast<int>(random.size()));
    }
    state.last_ms = ms;
    state.last_random = random;
  }
  return Encode(ms, random);
}

// 128 bits: 48 of time, 80 of randomness, written as 26 base32 digits.
std::string Encode(uint64_t ms, const std::array<uint8_t, 10>& random) {
  std::array<uint8_t, 16> bytes{};
  for (int i = 0; i < 6; ++i)
    bytes[static_cast<size_t>(i)] = static_cast<uint8_t>(ms >> (8 * (5 - i)));
  std::memcpy(bytes.data() + 6, random.data(), random.size());
  std::string out(26, '0');
  // Read 130 bits (two leading zero bits) five at a time.
  for (int digit = 0; digit < 26; ++digit) {
    int value = 0;
    for (int bit = 0; bit < 5; ++bit) {
      const int position = digit * 5 + bit - 2;  // bit index into the 128 bits
      int b = 0;
      if (position >= 0) {
        b = (bytes[static_cast<size_t>(position / 8)] >> (7 - position % 8)) & 1;
      }
      value = (value << 1) | b;
    }
    out[static_cast<size_t>(digit)] = kAlphabet[value];
  }
  return out;
}

}  // namespace

std::string NewId() { return NewIdAt(absl::Now()); }

std::string DerivedId(absl::Time at, absl::string_view seed) {
  const int64_t ms = std::max<int64_t>(0, absl::ToUnixMillis(at));
  const std::string digest = Sha256(seed);
  std::array<uint8_t, 10> bits{};
  std::memcpy(bits.data(), digest.data(), bits.size());
  return Encode(static_cast<uint64_t>(ms) & ((uint64_t{1} << 48) - 1), bits);
}

absl::optional<absl::Time> IdTime(absl::string_view id) {
  if (!IsWellFormedId(id)) return absl::nullopt;
  // The first ten digits hold 50 bits: two zero bits and the 48-bit time.
  uint64_t value = 0;
  for (size_t i = 0; i < 10; ++i) {
    value = (value << 5) | static_cast<uint64_t>(std::strchr(kAlphabet, id[i]) - kAlphabet);
  }
  return absl::FromUnixMillis(static_cast<int64_t>(value));
}

bool IsWellFormedId(absl::string_view id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    if (std::strchr(kAlphabet, c) == nullptr || c == '\0') return false;
  }
  return id[0] <= '7';  // the two leading bits are zero
}

}  // namespace clinic::storage
