// Loading, defaulting and validating clinic.config.v1.ServerConfig; see
// config.h. Only the bootstrap and tests call in here.
#include "common/config/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/config/currency.h"
#include "common/config/sites.h"
#include "common/core/text.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace clinic::config {
namespace {

constexpr absl::string_view kDefaultListenAddress = "127.0.0.1:50051";
constexpr absl::string_view kDefaultDataDir = "./data";
constexpr int kDefaultMaxMessageBytes = 4 << 20;
constexpr int kDefaultKeepaliveTimeSeconds = 60;
constexpr int kDefaultKeepaliveTimeoutSeconds = 20;
constexpr int kDefaultShutdownGraceSeconds = 15;
constexpr int64_t kDefaultMemoryLimitBytes = int64_t{128} << 20;
constexpr int kDefaultMaxConcurrentStreams = 100;
constexpr int kDefaultPluginLoadTimeoutMs = 5000;
constexpr int kDefaultExpiryWarningDays = 30;
constexpr int kDefaultUpstreamDeadlineMs = 5000;
constexpr int kDefaultFirstRetryMs = 1000;
constexpr int kDefaultMaxRetryMs = 300000;

// A config is a page of text; anything far larger is the wrong file (or a
// device such as /dev/zero) and is refused before it fills memory.
constexpr size_t kMaxConfigFileBytes = 16 << 20;

// Turns the parser's zero-based positions into the one-based FILE:LINE:COL
// form that editors and terminals recognise.
class LocatingErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit LocatingErrorCollector(absl::string_view file) : file_(file) {}

  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (line < 0) {
      errors_.push_back(absl::StrCat(file_, ": ", message));
    } else {
      errors_.push_back(absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message));
    }
  }

  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

absl::Status ReadConfigFile(const std::string& path, std::string& contents) {
  const std::string what = absl::StrCat("config file ", path, " cannot be read");
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return absl::ErrnoToStatus(errno, what);
  char buffer[8192];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof(buffer), file)) > 0) {
    contents.append(buffer, read);
    if (contents.size() > kMaxConfigFileBytes) {
      std::fclose(file);
      return absl::FailedPreconditionError(
          absl::StrCat("config file ", path, " is larger than ", kMaxConfigFileBytes >> 20,
                       " MiB, which no configuration is; is it the right file?"));
    }
  }
  // A folder opens fine and fails on the first read (EISDIR).
  const bool failed = std::ferror(file) != 0;
  const int error = errno;
  std::fclose(file);
  if (failed) return absl::ErrnoToStatus(error, what);
  return absl::OkStatus();
}

absl::Status ParseConfigText(absl::string_view file, const std::string& text,
                             google::protobuf::Message& config) {
  google::protobuf::TextFormat::Parser parser;
  LocatingErrorCollector errors(file);
  parser.RecordErrorsTo(&errors);
  if (parser.ParseFromString(text, &config)) return absl::OkStatus();
  if (errors.errors().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("config file ", file, " is not a text-format ",
                                                   config.GetDescriptor()->full_name()));
  }
  return absl::InvalidArgumentError(absl::StrJoin(errors.errors(), "\n"));
}

// Reads chain_file into chain. Both set is a mistake worth stopping for: one
// of them would be silently ignored.
absl::Status LoadChainFile(const std::string& config_path, v1::ServerConfig& config) {
  if (config.chain_file().empty()) return absl::OkStatus();
  if (config.has_chain()) {
    return absl::InvalidArgumentError(
        "chain_file: set together with chain; give the chain in one place only");
  }
  std::string path = config.chain_file();
  if (path.front() != '/') {
    const size_t slash = config_path.rfind('/');
    if (slash != std::string::npos) path = absl::StrCat(config_path.substr(0, slash + 1), path);
  }
  std::string text;
  if (absl::Status read = ReadConfigFile(path, text); !read.ok()) {
    return absl::Status(read.code(), absl::StrCat("chain_file: ", read.message()));
  }
  return ParseConfigText(path, text, *config.mutable_chain());
}

// Applies the flags; a flag that cannot be applied becomes a violation, so it
// is reported together with the file's problems.
std::vector<FieldViolation> ApplyOverrides(const ConfigOverrides& overrides,
                                           v1::ServerConfig& config) {
  std::vector<FieldViolation> problems;
  if (overrides.listen_address) config.set_listen_address(*overrides.listen_address);
  if (overrides.data_dir) config.set_data_dir(*overrides.data_dir);
  if (overrides.plugin_dir) config.set_plugin_dir(*overrides.plugin_dir);
  if (overrides.port_file) config.set_port_file(*overrides.port_file);
  if (overrides.pid_file) config.set_pid_file(*overrides.pid_file);
  if (overrides.bootstrap_admin_token_file) {
    config.mutable_security()->set_bootstrap_admin_token_file(
        *overrides.bootstrap_admin_token_file);
  }
  if (overrides.log_level) {
    absl::StatusOr<LogLevel> level = ParseLogLevel(*overrides.log_level);
    if (level.ok()) {
      config.set_log_level(ToProtoLogLevel(*level));
    } else {
      problems.push_back(
          {"log_level", absl::StrCat("\"", *overrides.log_level,
                                     "\" given on the command line is not a log level; use "
                                     "debug, info, warning or error")});
    }
  }
  return problems;
}

absl::Status InvalidConfig(absl::string_view path, const std::vector<FieldViolation>& violations) {
  const std::string source =
      path.empty() ? "no config file was given, and the configuration from flags and defaults"
                   : absl::StrCat("config file ", path);
  // The first line is the usual one-line summary; the rest lists every
  // problem, because the process prints this message and exits, and an
  // operator should fix everything in one pass.
  const absl::Status summary = FieldViolations(absl::StatusCode::kInvalidArgument,
                                               absl::StrCat(source, " is invalid"), violations);
  std::string message(summary.message());
  for (const FieldViolation& violation : violations) {
    absl::StrAppend(&message, "\n  ", violation.field, ": ", violation.description);
  }
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  summary.ForEachPayload([&status](absl::string_view type_url, const absl::Cord& payload) {
    status.SetPayload(type_url, payload);
  });
  return status;
}

void CheckIdentifier(std::vector<FieldViolation>& out, const std::string& field,
                     absl::string_view id, absl::string_view example) {
  if (id.empty()) {
    out.push_back({field, absl::StrCat("is required, e.g. \"", example, "\"")});
  } else if (!IsIdentifier(id)) {
    out.push_back({field, absl::StrCat("\"", id,
                                       "\" must be 1 to 63 lowercase letters, digits and hyphens, "
                                       "starting with a letter, e.g. \"",
                                       example, "\"")});
  }
}

void CheckRequiredText(std::vector<FieldViolation>& out, const std::string& field,
                       absl::string_view value, absl::string_view example) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    out.push_back({field, absl::StrCat("is required, e.g. \"", example, "\"")});
  }
}

bool IsHostName(absl::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  size_t label_length = 0;
  char previous = '.';
  for (char c : host) {
    if (c == '.') {
      if (label_length == 0 || previous == '-') return false;
      label_length = 0;
    } else if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-') {
      if (label_length == 0 && c == '-') return false;
      if (++label_length > 63) return false;
    } else {
      return false;
    }
    previous = c;
  }
  return label_length > 0 && previous != '-';
}

bool IsIpv4Address(absl::string_view host) {
  in_addr parsed;
  return inet_pton(AF_INET, std::string(host).c_str(), &parsed) == 1;
}

bool IsIpv6Address(absl::string_view host) {
  // A link-local address may carry a zone, e.g. "fe80::1%eth0".
  const size_t zone = host.find('%');
  if (zone != absl::string_view::npos) {
    if (zone + 1 == host.size()) return false;
    host = host.substr(0, zone);
  }
  in6_addr parsed;
  return inet_pton(AF_INET6, std::string(host).c_str(), &parsed) == 1;
}

// What is wrong with a listen address, or nullopt when gRPC can listen on it:
// IPv4:port, hostname:port, [IPv6]:port or unix:path.
absl::optional<std::string> ListenAddressProblem(absl::string_view address) {
  if (address.empty()) return std::string("is required, e.g. \"127.0.0.1:50051\"");
  const std::string quoted = absl::StrCat("\"", address, "\"");
  absl::string_view rest = address;
  if (absl::ConsumePrefix(&rest, "unix:")) {
    if (rest.empty()) {
      return absl::StrCat(quoted, " needs a socket path, e.g. \"unix:/run/clinic/clinicd.sock\"");
    }
    return absl::nullopt;
  }

  absl::string_view host;
  absl::string_view port;
  if (absl::ConsumePrefix(&rest, "[")) {
    const size_t close = rest.find(']');
    if (close == absl::string_view::npos) {
      return absl::StrCat(quoted, " opens \"[\" without closing it; write \"[::1]:50051\"");
    }
    host = rest.substr(0, close);
    rest.remove_prefix(close + 1);
    if (!absl::ConsumePrefix(&rest, ":")) {
      return absl::StrCat(quoted,
                          " needs \":PORT\" after the bracketed address, e.g. "
                          "\"[::1]:50051\"");
    }
    port = rest;
    if (!IsIpv6Address(host)) {
      return absl::StrCat(quoted, ": \"", host, "\" is not an IPv6 address");
    }
  } else {
    const size_t colon = rest.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::StrCat(quoted, " has no port; write host:port, e.g. \"127.0.0.1:50051\"");
    }
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.empty()) {
      return absl::StrCat(quoted,
                          " has no host; use \"0.0.0.0:PORT\" for every IPv4 interface or "
                          "\"[::]:PORT\" for every interface");
    }
    if (absl::StrContains(host, ':')) {
      return absl::StrCat(quoted, ": write an IPv6 address in brackets, e.g. \"[::1]:50051\"");
    }
    const bool looks_numeric = host.find_first_not_of("0123456789.") == absl::string_view::npos;
    if (looks_numeric ? !IsIpv4Address(host) : !IsHostName(host)) {
      return absl::StrCat(quoted, ": \"", host, "\" is not an IPv4 address or a host name");
    }
  }

  uint32_t port_number = 0;
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != absl::string_view::npos ||
      !absl::SimpleAtoi(port, &port_number) || port_number > 65535) {
    return absl::StrCat(quoted, " has port \"", port,
                        "\"; a port is a number from 0 to 65535 (0 picks a free one)");
  }
  return absl::nullopt;
}

// IANA names are letters, digits and "/_-+". Anything else is refused before
// it reaches the time zone loader, which would also accept file paths,
// "localtime" and fixed offsets, none of which name a place.
bool LooksLikeIanaZoneName(absl::string_view name) {
  if (name.empty() || name.front() == '/' || name.back() == '/' || absl::StrContains(name, "//") ||
      name == "localtime") {
    return false;
  }
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_isalnum(u) && c != '/' && c != '_' && c != '-' && c != '+') return false;
  }
  return !absl::StartsWith(name, "Fixed/");
}

absl::optional<std::string> TimeZoneProblem(const std::string& name) {
  if (name.empty()) return std::string("is required, e.g. \"Europe/London\"");
  absl::TimeZone zone;
  if (!LooksLikeIanaZoneName(name) || !absl::LoadTimeZone(name, &zone)) {
    return absl::StrCat("\"", name,
                        "\" is not an IANA time zone known to this machine's time zone "
                        "database, e.g. \"Europe/London\"");
  }
  return absl::nullopt;
}

absl::optional<std::string> CurrencyProblem(const std::string& code) {
  if (code.empty()) return std::string("is required, e.g. \"GBP\"");
  if (IsIsoCurrency(code)) return absl::nullopt;
  const std::string upper = absl::AsciiStrToUpper(code);
  if (IsIsoCurrency(upper)) {
    return absl::StrCat("\"", code, "\" is not an ISO-4217 currency code; codes are upper case: \"",
                        upper, "\"");
  }
  return absl::StrCat("\"", code, "\" is not an ISO-4217 currency code");
}

void CheckRange(std::vector<FieldViolation>& out, const std::string& field, int64_t value,
                int64_t min, int64_t max, absl::string_view unit) {
  if (value < min || value > max) {
    out.push_back({field, absl::StrCat("must be ", min, " to ", max, " ", unit, "; got ", value)});
  }
}

// For tuning fields, where zero means "use the default".
void CheckRangeOrDefault(std::vector<FieldViolation>& out, const std::string& field, int64_t value,
                         int64_t min, int64_t max, absl::string_view unit, int64_t default_value) {
  if (value != 0 && (value < min || value > max)) {
    out.push_back({field, absl::StrCat("must be ", min, " to ", max, " ", unit, ", or 0 for the ",
                                       "default of ", default_value, "; got ", value)});
  }
}

// Whether a target is on this machine, where a bearer token in plaintext
// cannot be sniffed (the server side applies the same rule, IsLocalPeer).
bool IsLoopbackTarget(absl::string_view target) {
  absl::ConsumePrefix(&target, "dns:///");
  absl::ConsumePrefix(&target, "ipv4:");
  absl::ConsumePrefix(&target, "ipv6:");
  return absl::StartsWith(target, "unix:") || absl::StartsWith(target, "127.") ||
         absl::StartsWith(target, "localhost:") || absl::StartsWith(target, "[::1]:");
}

void ValidateUpstream(std::vector<FieldViolation>& out, const std::string& field,
                      const v1::Upstream& upstream) {
  if (upstream.target().empty()) {
    for (const auto& [name, value] : {std::pair{"token_file", &upstream.token_file()},
                                      std::pair{"ca_file", &upstream.ca_file()}}) {
      if (!value->empty()) {
        out.push_back({absl::StrCat(field, ".", name),
                       "is only used with a target; without one the service is called in this "
                       "process"});
      }
    }
  } else {
    if (upstream.target().size() > 300) {
      out.push_back({absl::StrCat(field, ".target"), "must be at most 300 bytes"});
    }
    if (upstream.token_file().empty()) {
      out.push_back({absl::StrCat(field, ".token_file"),
                     "is required with a target: the file holding the service principal's token "
                     "(clinicctl issue-token)"});
    }
    if (upstream.ca_file().empty() && !IsLoopbackTarget(upstream.target())) {
      out.push_back({absl::StrCat(field, ".ca_file"),
                     "is required for a target that is not a loopback address or unix socket: a "
                     "bearer token never crosses a network without TLS"});
    }
  }
  CheckRangeOrDefault(out, absl::StrCat(field, ".deadline_ms"), upstream.deadline_ms(), 1, 60000,
                      "milliseconds", kDefaultUpstreamDeadlineMs);
}

void ValidateSites(const v1::Chain& chain, std::vector<FieldViolation>& out) {
  if (chain.sites().empty()) {
    out.push_back({"chain.sites", "must list at least one site"});
    return;
  }
  std::map<std::string, int> first_index_of_id;
  for (int i = 0; i < chain.sites_size(); ++i) {
    const clinic::v1::Site& site = chain.sites(i);
    const std::string path = absl::StrCat("chain.sites[", i, "]");

    CheckIdentifier(out, path + ".site_id", site.site_id(), "london-soho");
    if (IsIdentifier(site.site_id())) {
      const auto [earlier, inserted] = first_index_of_id.emplace(site.site_id(), i);
      if (!inserted) {
        out.push_back({path + ".site_id",
                       absl::StrCat("\"", site.site_id(), "\" is already the id of chain.sites[",
                                    earlier->second, "]; site ids must be unique")});
      }
    }
    const std::string resource_name = kSiteName.Format(site.site_id());
    if (!site.name().empty() && site.name() != resource_name) {
      out.push_back({path + ".name",
                     absl::StrCat("is output only and must be \"", resource_name,
                                  "\" when given; got \"", site.name(), "\" (leave it out)")});
    }
    CheckRequiredText(out, path + ".display_name", site.display_name(), "Lumen Skin - Soho");
    if (auto problem = TimeZoneProblem(site.time_zone())) {
      out.push_back({path + ".time_zone", *problem});
    }
    if (auto problem = CurrencyProblem(site.currency_code())) {
      out.push_back({path + ".currency_code", *problem});
    }
    if (!site.country_code().empty() &&
        (site.country_code().size() != 2 || !absl::ascii_isupper(site.country_code()[0]) ||
         !absl::ascii_isupper(site.country_code()[1]))) {
      out.push_back({path + ".country_code",
                     absl::StrCat("\"", site.country_code(),
                                  "\" is not an ISO 3166-1 alpha-2 country code: two upper-case "
                                  "letters such as \"GB\"")});
    }
    CheckRange(out, path + ".tax_rate_basis_points", site.tax_rate_basis_points(), 0, 10000,
               "basis points (0% to 100%)");
    const std::string& prefix = site.invoice_prefix();
    if (!prefix.empty() &&
        (prefix.size() > 12 || !std::all_of(prefix.begin(), prefix.end(), [](char c) {
           return absl::ascii_isupper(c) || absl::ascii_isdigit(c);
         }))) {
      out.push_back({path + ".invoice_prefix",
                     absl::StrCat(Quote(prefix),
                                  " is not an invoice prefix: 1 to 12 upper-case letters and "
                                  "digits such as \"LSOHO\"")});
    }
  }
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warning" || lower == "warn") return LogLevel::kWarning;
  if (lower == "error") return LogLevel::kError;
  return InvalidField("log_level", absl::StrCat("\"", text,
                                                "\" is not a log level; use debug, info, "
                                                "warning or error"));
}

LogLevel ToLogLevel(v1::LogLevel level) {
  switch (level) {
    case v1::LOG_LEVEL_DEBUG:
      return LogLevel::kDebug;
    case v1::LOG_LEVEL_WARNING:
      return LogLevel::kWarning;
    case v1::LOG_LEVEL_ERROR:
      return LogLevel::kError;
    case v1::LOG_LEVEL_INFO:
    case v1::LOG_LEVEL_UNSPECIFIED:
    default:
      return LogLevel::kInfo;
  }
}

v1::LogLevel ToProtoLogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return v1::LOG_LEVEL_DEBUG;
    case LogLevel::kInfo:
      return v1::LOG_LEVEL_INFO;
    case LogLevel::kWarning:
      return v1::LOG_LEVEL_WARNING;
    case LogLevel::kError:
      return v1::LOG_LEVEL_ERROR;
  }
  return v1::LOG_LEVEL_INFO;
}

void ApplyDefaults(v1::ServerConfig& config) {
  if (config.listen_address().empty()) {
    config.set_listen_address(std::string(kDefaultListenAddress));
  }
  if (config.data_dir().empty()) config.set_data_dir(std::string(kDefaultDataDir));
  if (config.log_level() == v1::LOG_LEVEL_UNSPECIFIED) config.set_log_level(v1::LOG_LEVEL_INFO);

  v1::ServerTuning& server = *config.mutable_server();
  if (server.max_message_bytes() == 0) server.set_max_message_bytes(kDefaultMaxMessageBytes);
  if (server.keepalive_time_seconds() == 0) {
    server.set_keepalive_time_seconds(kDefaultKeepaliveTimeSeconds);
  }
  if (server.keepalive_timeout_seconds() == 0) {
    server.set_keepalive_timeout_seconds(kDefaultKeepaliveTimeoutSeconds);
  }
  if (server.shutdown_grace_seconds() == 0) {
    server.set_shutdown_grace_seconds(kDefaultShutdownGraceSeconds);
  }
  if (server.memory_limit_bytes() == 0) server.set_memory_limit_bytes(kDefaultMemoryLimitBytes);
  if (server.max_concurrent_streams_per_connection() == 0) {
    server.set_max_concurrent_streams_per_connection(kDefaultMaxConcurrentStreams);
  }

  v1::PluginLoading& plugins = *config.mutable_plugins();
  if (plugins.load_timeout_ms() == 0) plugins.set_load_timeout_ms(kDefaultPluginLoadTimeoutMs);
  if (plugins.history_database().empty() && !config.data_dir().empty()) {
    plugins.set_history_database(absl::StrCat(config.data_dir(), "/catalog.db"));
  }

  v1::Security& security = *config.mutable_security();
  if (security.access_database().empty() && !config.data_dir().empty()) {
    security.set_access_database(absl::StrCat(config.data_dir(), "/access.db"));
  }
  if (security.audit_database().empty() && !config.data_dir().empty()) {
    security.set_audit_database(absl::StrCat(config.data_dir(), "/audit.db"));
  }

  v1::Upstreams& upstreams = *config.mutable_upstreams();
  for (v1::Upstream* upstream : {upstreams.mutable_client_records(), upstreams.mutable_screening(),
                                 upstreams.mutable_inventory(), upstreams.mutable_billing()}) {
    if (upstream->deadline_ms() == 0) upstream->set_deadline_ms(kDefaultUpstreamDeadlineMs);
  }

  v1::DeliverySettings& delivery = *config.mutable_delivery();
  if (delivery.first_retry_ms() == 0) delivery.set_first_retry_ms(kDefaultFirstRetryMs);
  if (delivery.max_retry_ms() == 0) {
    delivery.set_max_retry_ms(std::max(kDefaultMaxRetryMs, delivery.first_retry_ms()));
  }

  v1::InventorySettings& inventory = *config.mutable_inventory();
  if (inventory.expiry_warning_days() == 0) {
    inventory.set_expiry_warning_days(kDefaultExpiryWarningDays);
  }

  for (clinic::v1::Site& site : *config.mutable_chain()->mutable_sites()) {
    if (site.name().empty() && !site.site_id().empty()) {
      site.set_name(kSiteName.Format(site.site_id()));
    }
  }
}

std::vector<FieldViolation> ValidateServerConfig(const v1::ServerConfig& config) {
  std::vector<FieldViolation> out;
  if (auto problem = ListenAddressProblem(config.listen_address())) {
    out.push_back({"listen_address", *problem});
  }
  CheckRequiredText(out, "data_dir", config.data_dir(), kDefaultDataDir);
  CheckRequiredText(out, "plugin_dir", config.plugin_dir(), "./build/plugins");
  if (!v1::LogLevel_IsValid(config.log_level())) {
    out.push_back(
        {"log_level", absl::StrCat(config.log_level(),
                                   " is not a log level; use LOG_LEVEL_DEBUG, "
                                   "LOG_LEVEL_INFO, LOG_LEVEL_WARNING or LOG_LEVEL_ERROR")});
  }

  const v1::Chain& chain = config.chain();
  CheckIdentifier(out, "chain.chain_id", chain.chain_id(), "lumen");
  CheckRequiredText(out, "chain.display_name", chain.display_name(), "Lumen Skin Clinics");
  ValidateSites(chain, out);

  const v1::ServerTuning& server = config.server();
  CheckRangeOrDefault(out, "server.max_message_bytes", server.max_message_bytes(), 1 << 10,
                      64 << 20, "bytes (1 KiB to 64 MiB)", kDefaultMaxMessageBytes);
  CheckRangeOrDefault(out, "server.keepalive_time_seconds", server.keepalive_time_seconds(), 1,
                      int64_t{24} * 3600, "seconds", kDefaultKeepaliveTimeSeconds);
  CheckRangeOrDefault(out, "server.keepalive_timeout_seconds", server.keepalive_timeout_seconds(),
                      1, 3600, "seconds", kDefaultKeepaliveTimeoutSeconds);
  CheckRangeOrDefault(out, "server.shutdown_grace_seconds", server.shutdown_grace_seconds(), 1, 300,
                      "seconds", kDefaultShutdownGraceSeconds);
  CheckRangeOrDefault(out, "server.memory_limit_bytes", server.memory_limit_bytes(),
                      int64_t{16} << 20, int64_t{16} << 30, "bytes (16 MiB to 16 GiB)",
                      kDefaultMemoryLimitBytes);
  // Below four messages, one large call could starve every other call.
  const int64_t message_bytes =
      server.max_message_bytes() > 0 ? server.max_message_bytes() : kDefaultMaxMessageBytes;
  if (server.memory_limit_bytes() >= (int64_t{16} << 20) &&
      server.memory_limit_bytes() < 4 * message_bytes) {
    out.push_back(
        {"server.memory_limit_bytes",
         absl::StrCat("must be at least 4 x server.max_message_bytes (", 4 * message_bytes,
                      " bytes) so several calls of the largest size fit; got ",
                      server.memory_limit_bytes())});
  }
  CheckRangeOrDefault(out, "server.max_concurrent_streams_per_connection",
                      server.max_concurrent_streams_per_connection(), 1, 10000, "calls",
                      kDefaultMaxConcurrentStreams);
  CheckRangeOrDefault(out, "plugins.load_timeout_ms", config.plugins().load_timeout_ms(), 100,
                      60000, "milliseconds", kDefaultPluginLoadTimeoutMs);

  const v1::Tls& tls = config.tls();
  if (tls.cert_file().empty() != tls.key_file().empty()) {
    out.push_back({tls.cert_file().empty() ? "tls.cert_file" : "tls.key_file",
                   "is required when the other of tls.cert_file and tls.key_file is set"});
  }
  if (tls.cert_file().empty() && !tls.client_ca_file().empty()) {
    out.push_back({"tls.client_ca_file",
                   "needs tls.cert_file and tls.key_file: client certificates are only "
                   "checked over TLS"});
  }
  if (tls.require_client_certificate() && tls.client_ca_file().empty()) {
    out.push_back({"tls.require_client_certificate",
                   "needs tls.client_ca_file, the CA that signs client certificates"});
  }
  ValidateUpstream(out, "upstreams.client_records", config.upstreams().client_records());
  ValidateUpstream(out, "upstreams.screening", config.upstreams().screening());
  ValidateUpstream(out, "upstreams.inventory", config.upstreams().inventory());
  ValidateUpstream(out, "upstreams.billing", config.upstreams().billing());
  const v1::DeliverySettings& delivery = config.delivery();
  CheckRangeOrDefault(out, "delivery.first_retry_ms", delivery.first_retry_ms(), 10, 600000,
                      "milliseconds", kDefaultFirstRetryMs);
  CheckRangeOrDefault(out, "delivery.max_retry_ms", delivery.max_retry_ms(), 10, 3600000,
                      "milliseconds", kDefaultMaxRetryMs);
  if (delivery.first_retry_ms() > 0 && delivery.max_retry_ms() > 0 &&
      delivery.max_retry_ms() < delivery.first_retry_ms()) {
    out.push_back({"delivery.max_retry_ms",
                   absl::StrCat(delivery.max_retry_ms(), " is below delivery.first_retry_ms (",
                                delivery.first_retry_ms(),
                                "); the longest wait cannot be shorter "
                                "than the first")});
  }
  CheckRangeOrDefault(out, "inventory.expiry_warning_days",
                      config.inventory().expiry_warning_days(), 1, 365, "days",
                      kDefaultExpiryWarningDays);
  return out;
}

absl::StatusOr<v1::ServerConfig> LoadServerConfig(absl::string_view path,
                                                  const ConfigOverrides& overrides) {
  v1::ServerConfig config;
  if (!path.empty()) {
    const std::string file(path);
    std::string text;
    if (absl::Status read = ReadConfigFile(file, text); !read.ok()) return read;
    if (absl::Status parsed = ParseConfigText(file, text, config); !parsed.ok()) return parsed;
    if (absl::Status chain = LoadChainFile(file, config); !chain.ok()) return chain;
  }
  std::vector<FieldViolation> violations = ApplyOverrides(overrides, config);
  ApplyDefaults(config);
  for (FieldViolation& violation : ValidateServerConfig(config)) {
    violations.push_back(std::move(violation));
  }
  if (!violations.empty()) return InvalidConfig(path, violations);
  return config;
}

}  // namespace clinic::config
