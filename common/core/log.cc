#include "common/core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace clinic {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};

std::mutex& OutputMutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

std::string JsonEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

LogField::LogField(absl::string_view key, absl::string_view value)
    : key_(key), json_value_(absl::StrCat("\"", JsonEscape(value), "\"")) {}
LogField::LogField(absl::string_view key, const char* value)
    : LogField(key, absl::string_view(value == nullptr ? "" : value)) {}
LogField::LogField(absl::string_view key, const std::string& value)
    : LogField(key, absl::string_view(value)) {}
LogField::LogField(absl::string_view key, int64_t value)
    : key_(key), json_value_(absl::StrCat(value)) {}
LogField::LogField(absl::string_view key, int value)
    : key_(key), json_value_(absl::StrCat(value)) {}
LogField::LogField(absl::string_view key, uint64_t value)
    : key_(key), json_value_(absl::StrCat(value)) {}
LogField::LogField(absl::string_view key, double value)
    : key_(key), json_value_(absl::StrFormat("%.3f", value)) {}
LogField::LogField(absl::string_view key, bool value)
    : key_(key), json_value_(value ? "true" : "false") {}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }
bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  std::string line = absl::StrCat(
      "{\"ts\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      "\",\"level\":\"", LevelName(level), "\",\"msg\":\"", JsonEscape(message), "\"");
  for (const LogField& field : fields) {
    absl::StrAppend(&line, ",\"", JsonEscape(field.key()), "\":", field.json_value());
  }
  line += "}\n";
  std::lock_guard<std::mutex> lock(OutputMutex());
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace clinic
