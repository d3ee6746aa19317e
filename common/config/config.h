// Loading and checking a process's configuration: a text-format
// clinic.config.v1.ServerConfig file, overridden by command-line flags, with
// defaults filled in. A config with any problem is refused as a whole, with
// every problem named by its field, so a process never starts half-right.
// Called by the server bootstrap (common/server) and by tests; services get
// the loaded config from the bootstrap and never read the file themselves.
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

// Values given on the command line; each one that is set replaces the file's
// value. The bootstrap parses the flags; this module only applies them.
struct ConfigOverrides {
  absl::optional<std::string> listen_address;  // --listen
  absl::optional<std::string> data_dir;        // --data_dir
  absl::optional<std::string> plugin_dir;      // --plugin_dir
  absl::optional<std::string> log_level;       // --log_level: "debug", "info", "warning", "error"
  absl::optional<std::string> port_file;       // --port_file
  absl::optional<std::string> pid_file;        // --pid_file
  absl::optional<std::string> bootstrap_admin_token_file;  // --bootstrap_admin_token
};

// Reads the text-format file at `path` (or starts from an empty config when
// `path` is empty), applies the overrides, fills in defaults and validates.
//   NOT_FOUND, PERMISSION_DENIED, FAILED_PRECONDITION: the file cannot be
//     read; the message names the path.
//   INVALID_ARGUMENT: a syntax error ("FILE:LINE:COL: message", counted from
//     1), an unknown field, or a config that breaks a rule. For broken rules
//     the first line names the file, the first problem and how many more there
//     are; every problem follows on its own line, and the status carries them
//     all as field violations (see GetFieldViolations).
absl::StatusOr<v1::ServerConfig> LoadServerConfig(absl::string_view path,
                                                  const ConfigOverrides& overrides);

// Fills every field left at zero that has a default: listen_address
// 127.0.0.1:50051, data_dir ./data, log_level INFO, the server tuning, the
// plugin load timeout, each site's output-only name, the access and audit
// databases ({data_dir}/access.db, audit.db) and the definition history
// ({data_dir}/catalog.db). plugin_dir has no default: where plugins live is
// a deployment decision. Idempotent.
void ApplyDefaults(v1::ServerConfig& config);

// Every problem with `config`, each with a field path such as
// "chain.sites[1].currency_code" and a sentence saying why. Empty when the
// config is usable. Zero in a tuning field means its default and passes.
std::vector<FieldViolation> ValidateServerConfig(const v1::ServerConfig& config);

// "debug", "info", "warning" (or "warn") and "error", in any case.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text);

// The level a config asks for; LOG_LEVEL_UNSPECIFIED means INFO.
LogLevel ToLogLevel(v1::LogLevel level);

// The config's spelling of a level, for writing overrides into a config.
v1::LogLevel ToProtoLogLevel(LogLevel level);

}  // namespace clinic::config

#endif  // CLINIC_COMMON_CONFIG_CONFIG_H_
