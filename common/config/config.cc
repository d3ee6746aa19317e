#include "common/config/config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/config/currency.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace clinic::config {
namespace {

constexpr char kDefaultListen[] = "127.0.0.1:50051";
constexpr char kDefaultDataDir[] = "./data";
constexpr char kDefaultPluginDir[] = "./plugins";
constexpr int kDefaultMaxMessageBytes = 4 << 20;
constexpr int kDefaultKeepaliveSeconds = 60;
constexpr int kDefaultKeepaliveTimeoutSeconds = 20;
constexpr int kDefaultShutdownGraceSeconds = 15;
constexpr int kDefaultPluginLoadTimeoutMs = 5000;

// Collects text-format parse errors with file, line and column.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  explicit ErrorCollector(std::string file) : file_(std::move(file)) {}
  void AddError(int line, int column, const std::string& message) override {
    // The parser counts from zero; editors count from one.
    errors_.push_back(absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, int column, const std::string& message) override {
    AddError(line, column, message);
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

bool IsSlug(absl::string_view id) {
  if (id.empty() || id.size() > 63 || !absl::ascii_islower(static_cast<unsigned char>(id[0]))) {
    return false;
  }
  for (char c : id) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_islower(u) && !absl::ascii_isdigit(u) && c != '-') return false;
  }
  return true;
}

// Accepts host:port with an IPv4 address, a host name, or [IPv6]; an empty
// host means every interface. Also unix:/path. Explains what is wrong.
absl::optional<std::string> ListenAddressProblem(absl::string_view address) {
  if (address.empty()) return "is required, e.g. \"127.0.0.1:50051\"";
  if (absl::StartsWith(address, "unix:")) {
    if (address.size() == 5) return "needs a socket path after \"unix:\"";
    return absl::nullopt;
  }
  absl::string_view host;
  absl::string_view port;
  if (address[0] == '[') {
    const size_t close = address.find(']');
    if (close == absl::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return absl::StrCat("\"", address, "\" is not [IPv6]:port");
    }
    host = address.substr(1, close - 1);
    port = address.substr(close + 2);
    if (host.empty()) return absl::StrCat("\"", address, "\" has an empty IPv6 address");
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::StrCat("\"", address, "\" has no port; use host:port, e.g. \"127.0.0.1:50051\"");
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) {
      return absl::StrCat("\"", address,
                          "\": write IPv6 addresses in brackets, e.g. \"[::1]:50051\"");
    }
    for (char c : host) {
      const auto u = static_cast<unsigned char>(c);
      if (!absl::ascii_isalnum(u) && c != '.' && c != '-' && c != '_') {
        return absl::StrCat("\"", address, "\" has an invalid host name");
      }
    }
  }
  int port_number = 0;
  if (port.empty() || port.size() > 5 || !absl::SimpleAtoi(port, &port_number) || port_number < 0 ||
      port_number > 65535 || port.find_first_not_of("0123456789") != absl::string_view::npos) {
    return absl::StrCat("\"", address, "\" has port \"", port, "\"; a port is 0 to 65535");
  }
  return absl::nullopt;
}

void CheckIntRange(std::vector<FieldViolation>& out, const std::string& field, int64_t value,
                   int64_t min, int64_t max, absl::string_view unit) {
  if (value < min || value > max) {
    out.push_back(
        {field, absl::StrCat(value, " is outside the allowed ", min, " to ", max, " ", unit)});
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
    default:
      return LogLevel::kInfo;
  }
}

void ApplyDefaults(v1::ServerConfig& config) {
  if (config.listen_address().empty()) config.set_listen_address(kDefaultListen);
  if (config.data_dir().empty()) config.set_data_dir(kDefaultDataDir);
  if (config.plugin_dir().empty()) config.set_plugin_dir(kDefaultPluginDir);
  if (config.log_level() == v1::LOG_LEVEL_UNSPECIFIED) config.set_log_level(v1::LOG_LEVEL_INFO);
  v1::ServerTuning& server = *config.mutable_server();
  if (server.max_message_bytes() == 0) server.set_max_message_bytes(kDefaultMaxMessageBytes);
  if (server.keepalive_time_seconds() == 0)
    server.set_keepalive_time_seconds(kDefaultKeepaliveSeconds);
  if (server.keepalive_timeout_seconds() == 0) {
    server.set_keepalive_timeout_seconds(kDefaultKeepaliveTimeoutSeconds);
  }
  if (server.shutdown_grace_seconds() == 0) {
    server.set_shutdown_grace_seconds(kDefaultShutdownGraceSeconds);
  }
  if (config.plugins().load_timeout_ms() == 0) {
    config.mutable_plugins()->set_load_timeout_ms(kDefaultPluginLoadTimeoutMs);
  }
  for (clinic::v1::Site& site : *config.mutable_chain()->mutable_sites()) {
    if (site.name().empty() && !site.site_id().empty()) {
      site.set_name(absl::StrCat("sites/", site.site_id()));
    }
  }
}

std::vector<FieldViolation> ValidateServerConfig(const v1::ServerConfig& config) {
  std::vector<FieldViolation> out;
  if (auto problem = ListenAddressProblem(config.listen_address())) {
    out.push_back({"listen_address", *problem});
  }
  if (config.data_dir().empty()) out.push_back({"data_dir", "is required"});
  if (config.plugin_dir().empty()) out.push_back({"plugin_dir", "is required"});
  if (!v1::LogLevel_IsValid(config.log_level())) {
    out.push_back({"log_level", absl::StrCat(config.log_level(), " is not a log level")});
  }

  const v1::Chain& chain = config.chain();
  if (chain.chain_id().empty()) {
    out.push_back({"chain.chain_id", "is required, e.g. \"lumen\""});
  } else if (!IsSlug(chain.chain_id())) {
    out.push_back(
        {"chain.chain_id", absl::StrCat("\"", chain.chain_id(),
                                        "\" must be 1 to 63 lowercase letters, digits or hyphens, "
                                        "starting with a letter")});
  }
  if (absl::StripAsciiWhitespace(chain.display_name()).empty()) {
    out.push_back({"chain.display_name", "is required"});
  }
  if (chain.sites().empty()) out.push_back({"chain.sites", "at least one site is required"});
  std::set<std::string> site_ids;
  for (int i = 0; i < chain.sites_size(); ++i) {
    const clinic::v1::Site& site = chain.sites(i);
    const std::string path = absl::StrCat("chain.sites[", i, "]");
    if (site.site_id().empty()) {
      out.push_back({path + ".site_id", "is required, e.g. \"london-soho\""});
    } else if (!IsSlug(site.site_id())) {
      out.push_back({path + ".site_id",
                     absl::StrCat("\"", site.site_id(),
                                  "\" must be 1 to 63 lowercase letters, digits or hyphens, "
                                  "starting with a letter")});
    } else if (!site_ids.insert(site.site_id()).second) {
      out.push_back(
          {path + ".site_id", absl::StrCat("\"", site.site_id(), "\" is used by an earlier site")});
    }
    if (!site.name().empty() && site.name() != absl::StrCat("sites/", site.site_id())) {
      out.push_back(
          {path + ".name", absl::StrCat("is output only; leave it out (it would be \"sites/",
                                        site.site_id(), "\")")});
    }
    if (absl::StripAsciiWhitespace(site.display_name()).empty()) {
      out.push_back({path + ".display_name", "is required"});
    }
    absl::TimeZone zone;
    if (site.time_zone().empty()) {
      out.push_back({path + ".time_zone", "is required, e.g. \"Europe/London\""});
    } else if (!absl::LoadTimeZone(site.time_zone(), &zone)) {
      out.push_back({path + ".time_zone",
                     absl::StrCat("\"", site.time_zone(), "\" is not an IANA time zone")});
    }
    if (site.currency_code().empty()) {
      out.push_back({path + ".currency_code", "is required, e.g. \"GBP\""});
    } else if (!IsIsoCurrency(site.currency_code())) {
      out.push_back({path + ".currency_code", absl::StrCat("\"", site.currency_code(),
                                                           "\" is not an ISO-4217 currency code")});
    }
    CheckIntRange(out, path + ".tax_rate_basis_points", site.tax_rate_basis_points(), 0, 10000,
                  "basis points (0% to 100%)");
  }

  const v1::ServerTuning& server = config.server();
  CheckIntRange(out, "server.max_message_bytes", server.max_message_bytes(), 1024, 64 << 20,
                "bytes");
  CheckIntRange(out, "server.keepalive_time_seconds", server.keepalive_time_seconds(), 1, 86400,
                "seconds");
  CheckIntRange(out, "server.keepalive_timeout_seconds", server.keepalive_timeout_seconds(), 1,
                3600, "seconds");
  CheckIntRange(out, "server.shutdown_grace_seconds", server.shutdown_grace_seconds(), 0, 300,
                "seconds");
  CheckIntRange(out, "plugins.load_timeout_ms", config.plugins().load_timeout_ms(), 100, 60000,
                "milliseconds");
  return out;
}

absl::StatusOr<v1::ServerConfig> LoadServerConfig(absl::string_view path,
                                                  const ConfigOverrides& overrides) {
  v1::ServerConfig config;
  const std::string file(path);
  if (!file.empty()) {
    std::ifstream in(file);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("config file ", file, " cannot be read: ", strerror(errno)));
    }
    std::stringstream text;
    text << in.rdbuf();
    google::protobuf::TextFormat::Parser parser;
    ErrorCollector errors(file);
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(text.str(), &config)) {
      return absl::InvalidArgumentError(
          absl::StrCat("config file ", file, " is not a valid clinic.config.v1.ServerConfig:\n  ",
                       absl::StrJoin(errors.errors(), "\n  ")));
    }
  }
  if (overrides.listen_address) config.set_listen_address(*overrides.listen_address);
  if (overrides.data_dir) config.set_data_dir(*overrides.data_dir);
  if (overrides.plugin_dir) config.set_plugin_dir(*overrides.plugin_dir);
  if (overrides.port_file) config.set_port_file(*overrides.port_file);
  if (overrides.log_level) {
    absl::StatusOr<LogLevel> level = ParseLogLevel(*overrides.log_level);
    if (!level.ok()) return level.status();
    config.set_log_level(static_cast<v1::LogLevel>(static_cast<int>(*level)));
  }
  ApplyDefaults(config);
  std::vector<FieldViolation> violations = ValidateServerConfig(config);
  if (violations.empty()) return config;

  const std::string source =
      file.empty() ? "the configuration" : absl::StrCat("config file ", file);
  std::string message = absl::StrCat(source, " is invalid (", violations.size(), " problem",
                                     violations.size() == 1 ? "" : "s", "):");
  for (const FieldViolation& v : violations) {
    absl::StrAppend(&message, "\n  ", v.field, ": ", v.description);
  }
  absl::Status status = FieldViolations(absl::StatusCode::kInvalidArgument, "", violations);
  absl::Status result(absl::StatusCode::kInvalidArgument, message);
  status.ForEachPayload([&result](absl::string_view url, const absl::Cord& payload) {
    result.SetPayload(url, payload);
  });
  return result;
}

}  // namespace clinic::config
