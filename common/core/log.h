// Structured logging: one JSON object per line on stderr, so operators can
// grep it and log shippers can parse it without patterns. Thread-safe. Any
// module may log; only the process bootstrap sets the level.
#ifndef CLINIC_COMMON_CORE_LOG_H_
#define CLINIC_COMMON_CORE_LOG_H_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "absl/strings/string_view.h"

namespace clinic {

// Bounds on one line, whatever a caller's value was: each string value (and
// the message) is cut to kMaxLogValueBytes (text.h Truncate), and fields that
// would take a line past kMaxLogLineBytes are left out and counted in
// "fields_omitted".
inline constexpr size_t kMaxLogKeyBytes = 64;
inline constexpr size_t kMaxLogValueBytes = 1024;
inline constexpr size_t kMaxLogLineBytes = 8192;

enum class LogLevel { kDebug = 1, kInfo = 2, kWarning = 3, kError = 4 };

// One key/value pair of a log line. Numbers and booleans are written bare,
// everything else as a JSON string.
class LogField {
 public:
  LogField(absl::string_view key, absl::string_view value);
  LogField(absl::string_view key, const char* value);
  LogField(absl::string_view key, const std::string& value);
  LogField(absl::string_view key, int64_t value);
  LogField(absl::string_view key, int value);
  LogField(absl::string_view key, uint64_t value);
  LogField(absl::string_view key, double value);
  LogField(absl::string_view key, bool value);

  const std::string& key() const { return key_; }
  // The value as it appears in JSON, quoted and escaped when it is a string.
  const std::string& json_value() const { return json_value_; }

 private:
  std::string key_;
  std::string json_value_;
};

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
bool LogEnabled(LogLevel level);

// Writes {"ts":..., "level":..., "msg":..., <fields>} when level is enabled.
void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields = {});

// Escapes a string for use inside a JSON string literal; bytes that are not
// UTF-8 become U+FFFD.
std::string JsonEscape(absl::string_view text);

}  // namespace clinic

#endif  // CLINIC_COMMON_CORE_LOG_H_
