#include "common/core/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/core/text.h"

namespace clinic {
namespace {

constexpr char kReplacementCharacter[] = "\xEF\xBF\xBD";

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
  for (size_t i = 0; i < text.size();) {
    uint32_t code_point = 0;
    const size_t length = DecodeUtf8(text, i, code_point);
    if (length == 0) {
      // A JSON line must be UTF-8; a stray byte cannot be written as itself.
      out += kReplacementCharacter;
      ++i;
      continue;
    }
    if (length > 1) {
      out.append(text.data() + i, length);
      i += length;
      continue;
    }
    const char c = text[i++];
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
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out;
}

LogField::LogField(absl::string_view key, absl::string_view value)
    : key_(Truncate(key, kMaxLogKeyBytes)),
      json_value_(absl::StrCat("\"", JsonEscape(Truncate(value, kMaxLogValueBytes)), "\"")) {}
LogField::LogField(absl::string_view key, const char* value)
    : LogField(key, absl::string_view(value == nullptr ? "" : value)) {}
LogField::LogField(absl::string_view key, const std::string& value)
    : LogField(key, absl::string_view(value)) {}
LogField::LogField(absl::string_view key, int64_t value)
    : key_(Truncate(key, kMaxLogKeyBytes)), json_value_(absl::StrCat(value)) {}
LogField::LogField(absl::string_view key, int value)
    : key_(Truncate(key, kMaxLogKeyBytes)), json_value_(absl::StrCat(value)) {}
LogField::LogField(absl::string_view key, uint64_t value)
    : key_(Truncate(key, kMaxLogKeyBytes)), json_value_(absl::StrCat(value)) {}
LogField::LogField(absl::string_view key, double value)
    : key_(Truncate(key, kMaxLogKeyBytes)), json_value_(absl::StrFormat("%.3f", value)) {}
LogField::LogField(absl::string_view key, bool value)
    : key_(Truncate(key, kMaxLogKeyBytes)), json_value_(value ? "true" : "false") {}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }
LogLevel GetLogLevel() { return static_cast<LogLevel>(g_level.load()); }
bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(); }

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  if (!LogEnabled(level)) return;
  std::string line = absl::StrCat(
      "{\"ts\":\"", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()),
      "\",\"level\":\"", LevelName(level), "\",\"msg\":\"",
      JsonEscape(Truncate(message, kMaxLogValueBytes)), "\"");
  // Fields that would take the line past its bound are left out and counted,
  // so the line stays one valid JSON object.
  size_t omitted = 0;
  for (const LogField& field : fields) {
    const size_t size = field.key().size() + field.json_value().size() + 4;
    if (line.size() + size > kMaxLogLineBytes - 32) {
      ++omitted;
      continue;
    }
    absl::StrAppend(&line, ",\"", JsonEscape(field.key()), "\":", field.json_value());
  }
  if (omitted > 0) absl::StrAppend(&line, ",\"fields_omitted\":", omitted);
  line += "}\n";
  std::lock_guard<std::mutex> lock(OutputMutex());
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace clinic
