#include "common/core/thread_name.h"

#include <pthread.h>

#include "absl/strings/strip.h"

namespace clinic {
namespace {

// Linux keeps 16 bytes with the terminating NUL.
constexpr size_t kMaxNameBytes = 15;

}  // namespace

void NameThisThread(absl::string_view name) {
  size_t length = name.size() < kMaxNameBytes ? name.size() : kMaxNameBytes;
  // Never cut inside a UTF-8 sequence.
  while (length > 0 && length < name.size() &&
         (static_cast<unsigned char>(name[length]) & 0xC0) == 0x80) {
    --length;
  }
  const std::string cut(name.substr(0, length));
  pthread_setname_np(pthread_self(), cut.c_str());
}

std::string ThisThreadName() {
  char name[kMaxNameBytes + 1] = {};
  if (pthread_getname_np(pthread_self(), name, sizeof(name)) != 0) return "";
  return name;
}

std::string DatabaseTag(absl::string_view path) {
  const size_t slash = path.find_last_of('/');
  absl::string_view file = slash == absl::string_view::npos ? path : path.substr(slash + 1);
  absl::ConsumeSuffix(&file, ".db");
  return std::string(file);
}

}  // namespace clinic
