// Loading and checking a process's configuration: a text-format
// clinic.config.v1.ServerConfig file, overridden by command-line flags, with
// defaults filled in. A config with any problem is refused as a whole, with
// every problem named by its field, so a process never starts half-right.
// Called by the server bootstrap; tests call it directly.
#ifndef CLINIC_COMMON_CONFIG_CONFIG_H_
#define CLINIC_COMMON_CONFIG_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "clinic/config/v1/server_config.pb.h"
#include "common/core/log.h"
#include "common/core/status.h"

namespace clinic::config {

// Values given on the command line; each one set replaces the file's value.
struct ConfigOverrides {
  absl::optional<std::string> listen_address;
  absl::optional<std::string> data_dir;
  absl::optional<std::string> plugin_dir;
  absl::optional<std::string> log_level;  // "debug", "info", "warning" or "error"
  absl::optional<std::string> port_file;
};

// Reads `path` (or starts from an empty config when it is empty), applies the
// overrides, fills in defaults and validates. INVALID_ARGUMENT names the file
// and lists every problem, one per line; NOT_FOUND when the file is missing.
absl::StatusOr<v1::ServerConfig> LoadServerConfig(absl::string_view path,
                                                  const ConfigOverrides& overrides);

// Fills every unset field that has a default. Idempotent.
void ApplyDefaults(v1::ServerConfig& config);

// Every problem with a config that already has its defaults.
std::vector<FieldViolation> ValidateServerConfig(const v1::ServerConfig& config);

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text);
LogLevel ToLogLevel(v1::LogLevel level);

}  // namespace clinic::config

#endif  // CLINIC_COMMON_CONFIG_CONFIG_H_
