// Loading and validating the server configuration: the sample file, flags
// over the file, defaults, syntax errors with their position, and a refusal
// naming the field for every rule; plus the ISO-4217 currency table.
#include "common/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "common/config/currency.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/test_env.h"

namespace clinic::config {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr char kMinimalChain[] = R"(
  plugin_dir: "/srv/clinic/plugins"
  chain {
    chain_id: "lumen"
    display_name: "Lumen"
    sites { site_id: "a" display_name: "A" time_zone: "UTC" currency_code: "EUR" }
  })";

// A valid config with every tuning field left at zero (its default) and no
// site names, so a test can break exactly one thing.
v1::ServerConfig ValidConfig() {
  v1::ServerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(
    listen_address: "127.0.0.1:0"
    data_dir: "/tmp/data"
    plugin_dir: "/tmp/plugins"
    chain {
      chain_id: "lumen"
      display_name: "Lumen"
      sites { site_id: "london-soho" display_name: "Soho" time_zone: "Europe/London"
              currency_code: "GBP" tax_rate_basis_points: 2000 prices_include_tax: true }
      sites { site_id: "tokyo-ginza" display_name: "Ginza" time_zone: "Asia/Tokyo"
              currency_code: "JPY" }
    })",
                                                            &config));
  return config;
}

std::vector<std::string> Fields(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : violations) fields.push_back(v.field);
  return fields;
}

std::string MessageOf(const absl::Status& status) { return std::string(status.message()); }

// Writes `text` to a fresh file and loads it.
class ConfigLoadTest : public ::testing::Test {
 protected:
  absl::StatusOr<v1::ServerConfig> Load(const std::string& text,
                                        const ConfigOverrides& overrides = {}) {
    clinic::testing::WriteFile(path(), text);
    return LoadServerConfig(path(), overrides);
  }
  std::string path() const { return dir_.Join("clinicd.textproto"); }

  clinic::testing::TempDir dir_;
};

TEST(ConfigSampleTest, LoadsAndValidates) {
  const std::string path = clinic::testing::SourcePath("deploy/config/clinicd.textproto");
  absl::StatusOr<v1::ServerConfig> config = LoadServerConfig(path, {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_THAT(ValidateServerConfig(*config), IsEmpty());
  EXPECT_EQ(config->listen_address(), "127.0.0.1:50051");
  EXPECT_EQ(config->data_dir(), "./data");
  EXPECT_EQ(config->plugin_dir(), "./build/plugins");
  EXPECT_EQ(config->log_level(), v1::LOG_LEVEL_INFO);
  EXPECT_EQ(config->chain().display_name(), "Lumen Skin Clinics");
  ASSERT_EQ(config->chain().sites_size(), 2);

  const clinic::v1::Site& london = config->chain().sites(0);
  EXPECT_EQ(london.name(), "sites/london-soho");
  EXPECT_EQ(london.time_zone(), "Europe/London");
  EXPECT_EQ(london.currency_code(), "GBP");
  EXPECT_EQ(london.country_code(), "GB");
  EXPECT_EQ(london.tax_rate_basis_points(), 2000);
  EXPECT_TRUE(london.prices_include_tax());

  const clinic::v1::Site& new_york = config->chain().sites(1);
  EXPECT_EQ(new_york.name(), "sites/new-york-soho");
  EXPECT_EQ(new_york.time_zone(), "America/New_York");
  EXPECT_EQ(new_york.currency_code(), "USD");
  EXPECT_EQ(new_york.country_code(), "US");
  EXPECT_FALSE(new_york.prices_include_tax());
}

TEST_F(ConfigLoadTest, OverridesWinOverTheFile) {
  ConfigOverrides overrides;
  overrides.listen_address = "[::1]:0";
  overrides.data_dir = dir_.Join("data");
  overrides.plugin_dir = dir_.Join("plugins");
  overrides.log_level = "DEBUG";
  overrides.port_file = dir_.Join("port");
  overrides.pid_file = dir_.Join("pid");
  absl::StatusOr<v1::ServerConfig> config = Load(std::string(kMinimalChain) + R"(
    listen_address: "127.0.0.1:9000"
    data_dir: "/var/lib/clinic"
    log_level: LOG_LEVEL_ERROR
    port_file: "/run/clinic.port"
    pid_file: "/run/clinic.pid")",
                                                 overrides);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_address(), "[::1]:0");
  EXPECT_EQ(config->data_dir(), dir_.Join("data"));
  EXPECT_EQ(config->plugin_dir(), dir_.Join("plugins"));
  EXPECT_EQ(config->log_level(), v1::LOG_LEVEL_DEBUG);
  EXPECT_EQ(config->port_file(), dir_.Join("port"));
  EXPECT_EQ(config->pid_file(), dir_.Join("pid"));
}

TEST_F(ConfigLoadTest, UnsetOverridesLeaveTheFileAlone) {
  absl::StatusOr<v1::ServerConfig> config = Load(std::string(kMinimalChain) + R"(
    listen_address: "0.0.0.0:7000"
    log_level: LOG_LEVEL_WARNING)");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_address(), "0.0.0.0:7000");
  EXPECT_EQ(config->plugin_dir(), "/srv/clinic/plugins");
  EXPECT_EQ(config->log_level(), v1::LOG_LEVEL_WARNING);
  EXPECT_EQ(config->port_file(), "");
  EXPECT_EQ(config->pid_file(), "");
}

TEST_F(ConfigLoadTest, DefaultsFillWhatTheFileLeavesOut) {
  absl::StatusOr<v1::ServerConfig> config = Load(kMinimalChain);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_address(), "127.0.0.1:50051");
  EXPECT_EQ(config->data_dir(), "./data");
  EXPECT_EQ(config->log_level(), v1::LOG_LEVEL_INFO);
  EXPECT_EQ(config->server().max_message_bytes(), 4 * 1024 * 1024);
  EXPECT_EQ(config->server().keepalive_time_seconds(), 60);
  EXPECT_EQ(config->server().keepalive_timeout_seconds(), 20);
  EXPECT_EQ(config->server().shutdown_grace_seconds(), 15);
  EXPECT_EQ(config->server().memory_limit_bytes(), 128 << 20);
  EXPECT_EQ(config->server().max_concurrent_streams_per_connection(), 100);
  EXPECT_FALSE(config->server().reflection_disabled());
  EXPECT_EQ(config->plugins().load_timeout_ms(), 5000);
  EXPECT_EQ(config->inventory().expiry_warning_days(), 30);
  EXPECT_EQ(config->chain().sites(0).name(), "sites/a");
}

TEST(ConfigDefaultsTest, IsIdempotentAndKeepsSetValues) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_server()->set_shutdown_grace_seconds(30);
  ApplyDefaults(config);
  const std::string once = config.SerializeAsString();
  ApplyDefaults(config);
  EXPECT_EQ(config.SerializeAsString(), once);
  EXPECT_EQ(config.server().shutdown_grace_seconds(), 30);
  EXPECT_EQ(config.listen_address(), "127.0.0.1:0");
  EXPECT_EQ(config.chain().sites(1).name(), "sites/tokyo-ginza");
  EXPECT_THAT(ValidateServerConfig(config), IsEmpty());
}

TEST(ConfigDefaultsTest, LeavesPluginDirForTheOperator) {
  v1::ServerConfig config;
  ApplyDefaults(config);
  EXPECT_EQ(config.plugin_dir(), "");
  EXPECT_THAT(Fields(ValidateServerConfig(config)), Contains("plugin_dir"));
}

TEST(ConfigWithoutFileTest, StartsFromFlagsAndDefaults) {
  ConfigOverrides overrides;
  overrides.plugin_dir = "/srv/plugins";
  absl::StatusOr<v1::ServerConfig> config = LoadServerConfig("", overrides);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MessageOf(config.status()), StartsWith("no config file was given"));
  // Defaults and the flag are in place; only the chain is missing.
  EXPECT_THAT(Fields(GetFieldViolations(config.status())),
              ElementsAre("chain.chain_id", "chain.display_name", "chain.sites"));
}

TEST_F(ConfigLoadTest, SyntaxErrorNamesFileLineAndColumn) {
  absl::StatusOr<v1::ServerConfig> config = Load("chain {\n  chain_id lumen\n}\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  // Line 2, column 12 is where "lumen" starts, counted from 1 as editors do.
  EXPECT_THAT(MessageOf(config.status()), StartsWith(path() + ":2:12: "));
}

TEST_F(ConfigLoadTest, UnterminatedStringIsASyntaxError) {
  absl::StatusOr<v1::ServerConfig> config = Load("data_dir: \"./data\nplugin_dir: \"x\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(MessageOf(config.status()), StartsWith(path() + ":1:"));
}

TEST_F(ConfigLoadTest, UnknownFieldIsRefusedWithItsPosition) {
  absl::StatusOr<v1::ServerConfig> config =
      Load(std::string(kMinimalChain) + "\nlisten_adress: \"127.0.0.1:1\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MessageOf(config.status()),
              AllOf(StartsWith(path() + ":8:"), HasSubstr("listen_adress")));
}

TEST_F(ConfigLoadTest, UnknownEnumNameIsRefused) {
  absl::StatusOr<v1::ServerConfig> config =
      Load(std::string(kMinimalChain) + "\nlog_level: LOG_LEVEL_CHATTY\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(MessageOf(config.status()), HasSubstr("LOG_LEVEL_CHATTY"));
}

TEST_F(ConfigLoadTest, RepeatedSingularFieldIsRefused) {
  absl::StatusOr<v1::ServerConfig> config =
      Load(std::string(kMinimalChain) + "\ndata_dir: \"a\"\ndata_dir: \"b\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(MessageOf(config.status()), HasSubstr("data_dir"));
}

TEST_F(ConfigLoadTest, ChainFileIsReadRelativeToTheConfigFile) {
  std::filesystem::create_directories(dir_.Join("shared"));
  clinic::testing::WriteFile(dir_.Join("shared/chain.textproto"),
                             "chain_id: \"lumen\" display_name: \"Lumen\"\n"
                             "sites { site_id: \"london-soho\" display_name: \"Soho\" "
                             "time_zone: \"Europe/London\" currency_code: \"GBP\" }\n");
  absl::StatusOr<v1::ServerConfig> config =
      Load("plugin_dir: \"/tmp/plugins\"\nchain_file: \"shared/chain.textproto\"\n");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->chain().chain_id(), "lumen");
  ASSERT_EQ(config->chain().sites_size(), 1);
  EXPECT_EQ(config->chain().sites(0).name(), "sites/london-soho");
}

TEST_F(ConfigLoadTest, ChainFileAndChainTogetherAreRefused) {
  clinic::testing::WriteFile(dir_.Join("chain.textproto"), "chain_id: \"other\"\n");
  absl::StatusOr<v1::ServerConfig> config =
      Load(std::string(kMinimalChain) + "\nchain_file: \"chain.textproto\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MessageOf(config.status()), HasSubstr("chain_file: set together with chain"));
}

TEST_F(ConfigLoadTest, AMissingOrBrokenChainFileNamesItsPathAndLine) {
  absl::StatusOr<v1::ServerConfig> config =
      Load("plugin_dir: \"/tmp/plugins\"\nchain_file: \"nowhere.textproto\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(MessageOf(config.status()),
              AllOf(StartsWith("chain_file: "), HasSubstr(dir_.Join("nowhere.textproto"))));

  clinic::testing::WriteFile(dir_.Join("broken.textproto"), "chain_id: \"lumen\"\nsites {\n");
  config = Load("plugin_dir: \"/tmp/plugins\"\nchain_file: \"broken.textproto\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MessageOf(config.status()), StartsWith(dir_.Join("broken.textproto") + ":"));
}

TEST_F(ConfigLoadTest, AChainFromAFileIsValidatedLikeOneInline) {
  clinic::testing::WriteFile(dir_.Join("chain.textproto"),
                             "chain_id: \"lumen\" display_name: \"Lumen\"\n"
                             "sites { site_id: \"london-soho\" display_name: \"Soho\" "
                             "time_zone: \"Europe/London\" currency_code: \"GBX\" }\n");
  absl::StatusOr<v1::ServerConfig> config =
      Load("plugin_dir: \"/tmp/plugins\"\nchain_file: \"chain.textproto\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(MessageOf(config.status()), HasSubstr("chain.sites[0].currency_code"));
}

TEST(ConfigFileTest, MissingFileNamesThePath) {
  clinic::testing::TempDir dir;
  const std::string path = dir.Join("no-such-clinicd.textproto");
  absl::StatusOr<v1::ServerConfig> config = LoadServerConfig(path, {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(MessageOf(config.status()), HasSubstr(path));
}

TEST(ConfigFileTest, FolderInsteadOfFileNamesThePath) {
  clinic::testing::TempDir dir;
  absl::StatusOr<v1::ServerConfig> config = LoadServerConfig(dir.path(), {});
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MessageOf(config.status()), HasSubstr(dir.path()));
}

TEST(ConfigValidateTest, TlsNeedsCertificateAndKeyTogether) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_tls()->set_cert_file("/etc/clinic/server.crt");
  EXPECT_THAT(Fields(ValidateServerConfig(config)), Contains("tls.key_file"));
  config.mutable_tls()->set_key_file("/etc/clinic/server.key");
  EXPECT_THAT(ValidateServerConfig(config), IsEmpty());
  config.mutable_tls()->clear_cert_file();
  EXPECT_THAT(Fields(ValidateServerConfig(config)), Contains("tls.cert_file"));
}

TEST(ConfigValidateTest, ClientCertificatesNeedTlsAndACa) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_tls()->set_client_ca_file("/etc/clinic/clients-ca.crt");
  EXPECT_THAT(Fields(ValidateServerConfig(config)), Contains("tls.client_ca_file"));
  config.mutable_tls()->set_cert_file("/etc/clinic/server.crt");
  config.mutable_tls()->set_key_file("/etc/clinic/server.key");
  EXPECT_THAT(ValidateServerConfig(config), IsEmpty());
  config.mutable_tls()->clear_client_ca_file();
  config.mutable_tls()->set_require_client_certificate(true);
  EXPECT_THAT(Fields(ValidateServerConfig(config)), Contains("tls.require_client_certificate"));
}

TEST(ConfigDefaultsTest, SecurityDatabasesDefaultToTheDataFolder) {
  v1::ServerConfig sample = ValidConfig();
  sample.set_data_dir("/var/lib/clinic");
  ApplyDefaults(sample);
  EXPECT_EQ(sample.security().access_database(), "/var/lib/clinic/access.db");
  EXPECT_EQ(sample.security().audit_database(), "/var/lib/clinic/audit.db");
  sample.mutable_security()->set_audit_database("/srv/audit/chain.db");
  ApplyDefaults(sample);
  EXPECT_EQ(sample.security().audit_database(), "/srv/audit/chain.db");
}

TEST(ConfigDefaultsTest, DefinitionHistoryDefaultsToTheDataFolder) {
  v1::ServerConfig sample = ValidConfig();
  sample.set_data_dir("/var/lib/clinic");
  ApplyDefaults(sample);
  EXPECT_EQ(sample.plugins().history_database(), "/var/lib/clinic/catalog.db");
  sample.mutable_plugins()->set_history_database("/srv/clinic/catalog.db");
  ApplyDefaults(sample);
  EXPECT_EQ(sample.plugins().history_database(), "/srv/clinic/catalog.db");
}

TEST(ConfigValidateTest, ValidConfigHasNoViolations) {
  EXPECT_THAT(ValidateServerConfig(ValidConfig()), IsEmpty());
}

TEST(ConfigValidateTest, ZeroTuningMeansTheDefaultAndPasses) {
  v1::ServerConfig config = ValidConfig();
  config.clear_server();
  config.clear_plugins();
  EXPECT_THAT(ValidateServerConfig(config), IsEmpty());
}

TEST(ConfigValidateTest, SiteNameMatchingTheIdIsAccepted) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_chain()->mutable_sites(0)->set_name("sites/london-soho");
  EXPECT_THAT(ValidateServerConfig(config), IsEmpty());
}

TEST(ConfigValidateTest, AcceptedListenAddresses) {
  for (const char* address :
       {"127.0.0.1:0", "0.0.0.0:50051", "[::1]:50051", "[::]:0", "[fe80::1%eth0]:50051",
        "localhost:8080", "clinic-1.internal.example:65535", "unix:/run/clinic/clinicd.sock",
        "unix:clinicd.sock"}) {
    v1::ServerConfig config = ValidConfig();
    config.set_listen_address(address);
    EXPECT_THAT(ValidateServerConfig(config), IsEmpty()) << address;
  }
}

TEST(ConfigValidateTest, RefusedListenAddresses) {
  for (const char* address : {"",
                              "127.0.0.1",
                              "127.0.0.1:",
                              "127.0.0.1:65536",
                              "127.0.0.1:port",
                              "127.0.0.1:-1",
                              "127.0.0.1:+80",
                              "127.0.0.1:123456",
                              ":50051",
                              "::1:50051",
                              "[::1]50051",
                              "[::1",
                              "[]:1",
                              "[zz::1]:1",
                              "999.0.0.1:80",
                              "1.2.3:80",
                              "bad host:1",
                              "-bad.example:1",
                              "a..b:1",
                              "unix:"}) {
    v1::ServerConfig config = ValidConfig();
    config.set_listen_address(address);
    EXPECT_THAT(Fields(ValidateServerConfig(config)), ElementsAre("listen_address"))
        << "\"" << address << "\"";
  }
}

TEST(ConfigValidateTest, RefusedTimeZoneNames) {
  for (const char* zone : {"Mars/Olympus", "europe/london", "localtime", "/etc/localtime",
                           "Fixed/UTC+01:00", "../zoneinfo/UTC", "Europe//London"}) {
    v1::ServerConfig config = ValidConfig();
    config.mutable_chain()->mutable_sites(0)->set_time_zone(zone);
    EXPECT_THAT(Fields(ValidateServerConfig(config)), ElementsAre("chain.sites[0].time_zone"))
        << zone;
  }
}

// One rule broken at a time: the violation names the field and says why.
struct BrokenRule {
  std::string name;
  std::function<void(v1::ServerConfig&)> mutate;
  std::string field;
  std::string reason_fragment;
};

void PrintTo(const BrokenRule& rule, std::ostream* os) { *os << rule.name; }

clinic::v1::Site& Site(v1::ServerConfig& config, int index) {
  return *config.mutable_chain()->mutable_sites(index);
}
v1::ServerTuning& Server(v1::ServerConfig& config) { return *config.mutable_server(); }

class ConfigRuleTest : public ::testing::TestWithParam<BrokenRule> {};

TEST_P(ConfigRuleTest, NamesTheFieldAndWhy) {
  v1::ServerConfig config = ValidConfig();
  GetParam().mutate(config);
  const std::vector<FieldViolation> violations = ValidateServerConfig(config);
  ASSERT_EQ(violations.size(), 1u) << ::testing::PrintToString(Fields(violations));
  EXPECT_EQ(violations[0].field, GetParam().field);
  EXPECT_THAT(violations[0].description, HasSubstr(GetParam().reason_fragment));
}

INSTANTIATE_TEST_SUITE_P(
    EveryRule, ConfigRuleTest,
    ::testing::Values(
        BrokenRule{"BadListenAddress", [](auto& c) { c.set_listen_address("localhost"); },
                   "listen_address", "has no port"},
        BrokenRule{"EmptyDataDir", [](auto& c) { c.set_data_dir(""); }, "data_dir", "required"},
        BrokenRule{"EmptyPluginDir", [](auto& c) { c.set_plugin_dir(" "); }, "plugin_dir",
                   "required"},
        BrokenRule{"UnknownLogLevel",
                   [](auto& c) { c.set_log_level(static_cast<v1::LogLevel>(42)); }, "log_level",
                   "42 is not a log level"},
        BrokenRule{"MissingChainId", [](auto& c) { c.mutable_chain()->set_chain_id(""); },
                   "chain.chain_id", "required"},
        BrokenRule{"ChainIdWithSpaces",
                   [](auto& c) { c.mutable_chain()->set_chain_id("Lumen Clinics"); },
                   "chain.chain_id", "lowercase letters, digits and hyphens"},
        BrokenRule{"ChainIdStartingWithDigit",
                   [](auto& c) { c.mutable_chain()->set_chain_id("1lumen"); }, "chain.chain_id",
                   "starting with a letter"},
        BrokenRule{"ChainIdTooLong",
                   [](auto& c) { c.mutable_chain()->set_chain_id(std::string(64, 'a')); },
                   "chain.chain_id", "1 to 63"},
        BrokenRule{"MissingChainName", [](auto& c) { c.mutable_chain()->set_display_name(" "); },
                   "chain.display_name", "required"},
        BrokenRule{"NoSites", [](auto& c) { c.mutable_chain()->clear_sites(); }, "chain.sites",
                   "at least one site"},
        BrokenRule{"DuplicateSiteId", [](auto& c) { Site(c, 1).set_site_id("london-soho"); },
                   "chain.sites[1].site_id", "already the id of chain.sites[0]"},
        BrokenRule{"MissingSiteId", [](auto& c) { Site(c, 0).set_site_id(""); },
                   "chain.sites[0].site_id", "required"},
        BrokenRule{"SiteIdWithUnderscore", [](auto& c) { Site(c, 0).set_site_id("london_soho"); },
                   "chain.sites[0].site_id", "lowercase letters, digits and hyphens"},
        BrokenRule{"SiteIdWithCapitals", [](auto& c) { Site(c, 1).set_site_id("Tokyo"); },
                   "chain.sites[1].site_id", "lowercase"},
        BrokenRule{"SiteIdTooLong", [](auto& c) { Site(c, 0).set_site_id(std::string(64, 'x')); },
                   "chain.sites[0].site_id", "1 to 63"},
        BrokenRule{"SiteNameNotItsId", [](auto& c) { Site(c, 0).set_name("sites/elsewhere"); },
                   "chain.sites[0].name", "output only"},
        BrokenRule{"MissingSiteDisplayName", [](auto& c) { Site(c, 1).set_display_name(""); },
                   "chain.sites[1].display_name", "required"},
        BrokenRule{"MissingTimeZone", [](auto& c) { Site(c, 0).set_time_zone(""); },
                   "chain.sites[0].time_zone", "required"},
        BrokenRule{"UnknownTimeZone", [](auto& c) { Site(c, 0).set_time_zone("Mars/Olympus"); },
                   "chain.sites[0].time_zone", "\"Mars/Olympus\" is not an IANA time zone"},
        BrokenRule{"MissingCurrency", [](auto& c) { Site(c, 0).set_currency_code(""); },
                   "chain.sites[0].currency_code", "required"},
        BrokenRule{"UnknownCurrency", [](auto& c) { Site(c, 1).set_currency_code("GBX"); },
                   "chain.sites[1].currency_code", "\"GBX\" is not an ISO-4217 currency code"},
        BrokenRule{"LowercaseCurrency", [](auto& c) { Site(c, 0).set_currency_code("gbp"); },
                   "chain.sites[0].currency_code", "upper case: \"GBP\""},
        BrokenRule{"TestingCurrency", [](auto& c) { Site(c, 0).set_currency_code("XTS"); },
                   "chain.sites[0].currency_code", "not an ISO-4217 currency code"},
        BrokenRule{"LowercaseCountry", [](auto& c) { Site(c, 0).set_country_code("gb"); },
                   "chain.sites[0].country_code", "\"gb\" is not an ISO 3166-1 alpha-2"},
        BrokenRule{"ThreeLetterCountry", [](auto& c) { Site(c, 1).set_country_code("GBR"); },
                   "chain.sites[1].country_code", "two upper-case letters"},
        BrokenRule{"NegativeTax", [](auto& c) { Site(c, 0).set_tax_rate_basis_points(-1); },
                   "chain.sites[0].tax_rate_basis_points", "0 to 10000 basis points"},
        BrokenRule{"TaxOver100Percent",
                   [](auto& c) { Site(c, 0).set_tax_rate_basis_points(10001); },
                   "chain.sites[0].tax_rate_basis_points", "got 10001"},
        BrokenRule{"LowercaseInvoicePrefix",
                   [](auto& c) { Site(c, 0).set_invoice_prefix("lsoho"); },
                   "chain.sites[0].invoice_prefix", "\"lsoho\" is not an invoice prefix"},
        BrokenRule{"LongInvoicePrefix",
                   [](auto& c) { Site(c, 0).set_invoice_prefix("ABCDEFGHIJKLM"); },
                   "chain.sites[0].invoice_prefix", "1 to 12 upper-case letters and digits"},
        BrokenRule{"TinyMessages", [](auto& c) { Server(c).set_max_message_bytes(1023); },
                   "server.max_message_bytes", "1024 to 67108864 bytes"},
        BrokenRule{"HugeMessages",
                   [](auto& c) { Server(c).set_max_message_bytes(64 * 1024 * 1024 + 1); },
                   "server.max_message_bytes", "got 67108865"},
        BrokenRule{"NegativeMessageLimit", [](auto& c) { Server(c).set_max_message_bytes(-1); },
                   "server.max_message_bytes", "got -1"},
        BrokenRule{"NegativeKeepalive", [](auto& c) { Server(c).set_keepalive_time_seconds(-5); },
                   "server.keepalive_time_seconds", "got -5"},
        BrokenRule{"KeepaliveOverADay",
                   [](auto& c) { Server(c).set_keepalive_time_seconds(86401); },
                   "server.keepalive_time_seconds", "1 to 86400 seconds"},
        BrokenRule{"NegativeKeepaliveTimeout",
                   [](auto& c) { Server(c).set_keepalive_timeout_seconds(-1); },
                   "server.keepalive_timeout_seconds", "got -1"},
        BrokenRule{"KeepaliveTimeoutOverAnHour",
                   [](auto& c) { Server(c).set_keepalive_timeout_seconds(3601); },
                   "server.keepalive_timeout_seconds", "1 to 3600 seconds"},
        BrokenRule{"TinyMemoryLimit", [](auto& c) { Server(c).set_memory_limit_bytes(1 << 20); },
                   "server.memory_limit_bytes", "16 MiB to 16 GiB"},
        BrokenRule{"NegativeMemoryLimit", [](auto& c) { Server(c).set_memory_limit_bytes(-1); },
                   "server.memory_limit_bytes", "got -1"},
        BrokenRule{"MemoryLimitBelowFourMessages",
                   [](auto& c) {
                     Server(c).set_max_message_bytes(64 << 20);
                     Server(c).set_memory_limit_bytes(128 << 20);
                   },
                   "server.memory_limit_bytes", "at least 4 x server.max_message_bytes"},
        BrokenRule{"NoStreams",
                   [](auto& c) { Server(c).set_max_concurrent_streams_per_connection(-1); },
                   "server.max_concurrent_streams_per_connection", "1 to 10000 calls"},
        BrokenRule{"TooManyStreams",
                   [](auto& c) { Server(c).set_max_concurrent_streams_per_connection(10001); },
                   "server.max_concurrent_streams_per_connection", "got 10001"},
        BrokenRule{"NegativeGrace", [](auto& c) { Server(c).set_shutdown_grace_seconds(-1); },
                   "server.shutdown_grace_seconds", "got -1"},
        BrokenRule{"LongGrace", [](auto& c) { Server(c).set_shutdown_grace_seconds(301); },
                   "server.shutdown_grace_seconds", "1 to 300 seconds"},
        BrokenRule{"TinyPluginTimeout",
                   [](auto& c) { c.mutable_plugins()->set_load_timeout_ms(99); },
                   "plugins.load_timeout_ms", "100 to 60000 milliseconds"},
        BrokenRule{"LongPluginTimeout",
                   [](auto& c) { c.mutable_plugins()->set_load_timeout_ms(60001); },
                   "plugins.load_timeout_ms", "got 60001"},
        BrokenRule{"NegativeExpiryWarning",
                   [](auto& c) { c.mutable_inventory()->set_expiry_warning_days(-1); },
                   "inventory.expiry_warning_days", "1 to 365 days"},
        BrokenRule{"LongExpiryWarning",
                   [](auto& c) { c.mutable_inventory()->set_expiry_warning_days(366); },
                   "inventory.expiry_warning_days", "got 366"},
        BrokenRule{"UpstreamTargetWithoutToken",
                   [](auto& c) {
                     c.mutable_upstreams()->mutable_client_records()->set_target("127.0.0.1:5");
                   },
                   "upstreams.client_records.token_file", "is required with a target"},
        BrokenRule{"UpstreamOverTheNetworkWithoutTls",
                   [](auto& c) {
                     auto& upstream = *c.mutable_upstreams()->mutable_client_records();
                     upstream.set_target("records.example.com:443");
                     upstream.set_token_file("/etc/clinic/screening.token");
                   },
                   "upstreams.client_records.ca_file", "never crosses a network without TLS"},
        BrokenRule{"UpstreamTokenWithoutTarget",
                   [](auto& c) {
                     c.mutable_upstreams()->mutable_client_records()->set_token_file("/t");
                   },
                   "upstreams.client_records.token_file", "only used with a target"},
        BrokenRule{"UpstreamDeadlineTooLong",
                   [](auto& c) {
                     c.mutable_upstreams()->mutable_client_records()->set_deadline_ms(60001);
                   },
                   "upstreams.client_records.deadline_ms", "got 60001"},
        BrokenRule{"BillingUpstreamWithoutToken",
                   [](auto& c) { c.mutable_upstreams()->mutable_billing()->set_target("unix:/b"); },
                   "upstreams.billing.token_file", "is required with a target"},
        BrokenRule{"FirstRetryTooShort", [](auto& c) { c.mutable_delivery()->set_first_retry_ms(9); },
                   "delivery.first_retry_ms", "10 to 600000 milliseconds"},
        BrokenRule{"LongestRetryBelowFirst",
                   [](auto& c) {
                     c.mutable_delivery()->set_first_retry_ms(5000);
                     c.mutable_delivery()->set_max_retry_ms(1000);
                   },
                   "delivery.max_retry_ms", "below delivery.first_retry_ms"}),
    [](const ::testing::TestParamInfo<BrokenRule>& param_info) { return param_info.param.name; });

TEST_F(ConfigLoadTest, EveryProblemIsListedInTheRefusal) {
  absl::StatusOr<v1::ServerConfig> config = Load(R"(
    plugin_dir: "./plugins"
    chain { chain_id: "lumen" display_name: "Lumen"
            sites { site_id: "a" display_name: "A" time_zone: "Europe/London"
                    currency_code: "GBP" }
            sites { site_id: "b" display_name: "B" time_zone: "Mars/Olympus"
                    currency_code: "GBX" tax_rate_basis_points: 20000 } })");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  const std::vector<std::string> lines = absl::StrSplit(MessageOf(config.status()), '\n');
  ASSERT_EQ(lines.size(), 4u) << MessageOf(config.status());
  EXPECT_EQ(lines[0], "config file " + path() +
                          " is invalid: chain.sites[1].time_zone: \"Mars/Olympus\" is not an "
                          "IANA time zone known to this machine's time zone database, e.g. "
                          "\"Europe/London\" (and 2 more problems)");
  EXPECT_THAT(lines[1], StartsWith("  chain.sites[1].time_zone: "));
  EXPECT_EQ(lines[2], "  chain.sites[1].currency_code: \"GBX\" is not an ISO-4217 currency code");
  EXPECT_THAT(lines[3], StartsWith("  chain.sites[1].tax_rate_basis_points: "));
  EXPECT_THAT(Fields(GetFieldViolations(config.status())),
              ElementsAre("chain.sites[1].time_zone", "chain.sites[1].currency_code",
                          "chain.sites[1].tax_rate_basis_points"));
}

TEST_F(ConfigLoadTest, BadLogLevelFlagIsListedWithTheFileProblems) {
  ConfigOverrides overrides;
  overrides.log_level = "chatty";
  absl::StatusOr<v1::ServerConfig> config =
      Load("chain { chain_id: \"lumen\" display_name: \"Lumen\" }", overrides);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(Fields(GetFieldViolations(config.status())),
              ElementsAre("log_level", "plugin_dir", "chain.sites"));
  EXPECT_THAT(MessageOf(config.status()), HasSubstr("\"chatty\" given on the command line"));
}

TEST_F(ConfigLoadTest, SiteNameInTheFileMustMatchTheId) {
  absl::StatusOr<v1::ServerConfig> config = Load(R"(
    plugin_dir: "./plugins"
    chain { chain_id: "lumen" display_name: "Lumen"
            sites { name: "sites/b" site_id: "a" display_name: "A" time_zone: "UTC"
                    currency_code: "EUR" } })");
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(Fields(GetFieldViolations(config.status())), ElementsAre("chain.sites[0].name"));
}

TEST(ConfigCurrencyTest, KnowsMinorUnits) {
  EXPECT_EQ(CurrencyMinorDigits("GBP"), 2);
  EXPECT_EQ(CurrencyMinorDigits("USD"), 2);
  EXPECT_EQ(CurrencyMinorDigits("EUR"), 2);
  EXPECT_EQ(CurrencyMinorDigits("JPY"), 0);
  EXPECT_EQ(CurrencyMinorDigits("KRW"), 0);
  EXPECT_EQ(CurrencyMinorDigits("CLP"), 0);
  EXPECT_EQ(CurrencyMinorDigits("ISK"), 0);
  EXPECT_EQ(CurrencyMinorDigits("VND"), 0);
  EXPECT_EQ(CurrencyMinorDigits("XOF"), 0);
  EXPECT_EQ(CurrencyMinorDigits("KWD"), 3);
  EXPECT_EQ(CurrencyMinorDigits("BHD"), 3);
  EXPECT_EQ(CurrencyMinorDigits("OMR"), 3);
  EXPECT_EQ(CurrencyMinorDigits("TND"), 3);
  EXPECT_EQ(CurrencyMinorDigits("AED"), 2);
  EXPECT_EQ(CurrencyMinorDigits("ZWG"), 2);
  EXPECT_EQ(CurrencyMinorDigits("XCG"), 2);
}

TEST(ConfigCurrencyTest, RefusesWhatASiteCannotPriceIn) {
  for (const char* code : {"gbp", "Gbp", "GBX", "XTS", "XXX", "XAU", "XAG", "XDR", "CLF", "USN",
                           "HRK", "ZWL", "", "GB", "GBPX", "GB1"}) {
    EXPECT_FALSE(IsIsoCurrency(code)) << code;
    EXPECT_EQ(CurrencyMinorDigits(code), absl::nullopt) << code;
  }
}

TEST(ConfigLogLevelTest, ParsesNamesInAnyCase) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("Info"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("WARNING"), LogLevel::kWarning);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarning);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  absl::StatusOr<LogLevel> bad = ParseLogLevel("verbose");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Fields(GetFieldViolations(bad.status())), ElementsAre("log_level"));
}

TEST(ConfigLogLevelTest, ConvertsBetweenConfigAndLogger) {
  EXPECT_EQ(ToLogLevel(v1::LOG_LEVEL_UNSPECIFIED), LogLevel::kInfo);
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    EXPECT_EQ(ToLogLevel(ToProtoLogLevel(level)), level);
  }
  EXPECT_EQ(ToProtoLogLevel(LogLevel::kError), v1::LOG_LEVEL_ERROR);
}

TEST(ConfigCurrencyTest, WritesMinorUnitsWithTheCurrencysDigits) {
  EXPECT_EQ(FormatMinorUnits(25000, 2), "250.00");
  EXPECT_EQ(FormatMinorUnits(5, 2), "0.05");
  EXPECT_EQ(FormatMinorUnits(-5, 2), "-0.05");
  EXPECT_EQ(FormatMinorUnits(-12345, 2), "-123.45");
  EXPECT_EQ(FormatMinorUnits(0, 2), "0.00");
  EXPECT_EQ(FormatMinorUnits(1000, 0), "1000");
  EXPECT_EQ(FormatMinorUnits(-1000, 0), "-1000");
  EXPECT_EQ(FormatMinorUnits(12345, 3), "12.345");
  EXPECT_EQ(FormatMinorUnits(7, 3), "0.007");
  EXPECT_EQ(FormatMinorUnits(INT64_MAX, 2), "92233720368547758.07");
  EXPECT_EQ(FormatMinorUnits(INT64_MIN, 2), "-92233720368547758.08");
  EXPECT_EQ(FormatMinorUnits(INT64_MIN, 0), "-9223372036854775808");
}

// What ParseMinorUnits reads, or a value no case expects when it refuses.
int64_t Minor(absl::string_view text, int digits) {
  const absl::StatusOr<int64_t> parsed = ParseMinorUnits(text, digits);
  EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status();
  return parsed.value_or(424242);
}

TEST(ConfigCurrencyTest, ReadsAmountsBackIntoMinorUnits) {
  EXPECT_EQ(Minor("250.00", 2), 25000);
  EXPECT_EQ(Minor("250.5", 2), 25050);
  EXPECT_EQ(Minor("250", 2), 25000);
  EXPECT_EQ(Minor("0.01", 2), 1);
  EXPECT_EQ(Minor("-0.05", 2), -5);
  EXPECT_EQ(Minor("007.10", 2), 710);
  EXPECT_EQ(Minor("1000", 0), 1000);
  EXPECT_EQ(Minor("12.345", 3), 12345);
  EXPECT_EQ(Minor("12.3", 3), 12300);
  EXPECT_EQ(Minor("92233720368547758.07", 2), INT64_MAX);
  EXPECT_EQ(Minor("-92233720368547758.08", 2), INT64_MIN);
  // What FormatMinorUnits writes reads back as it was.
  for (int digits : {0, 2, 3}) {
    for (int64_t amount : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{999}, int64_t{100000},
                           int64_t{-123456789}, INT64_MAX, INT64_MIN}) {
      EXPECT_EQ(Minor(FormatMinorUnits(amount, digits), digits), amount)
          << amount << " with " << digits << " digits";
    }
  }
}

TEST(ConfigCurrencyTest, RefusesAmountsMoneyCannotHold) {
  struct Case {
    const char* text;
    int digits;
    const char* says;
  };
  for (const Case& c : {
           Case{"12.345", 2, "\"12.345\" has 3 decimals, and the currency has 2"},
           Case{"1000.5", 0, "has decimals, and the currency has no minor unit"},
           Case{"1000.0", 0, "no minor unit"},
           Case{"12.3456", 3, "has 4 decimals"},
           Case{"", 2, "\"\" is not an amount: digits with an optional decimal point, e.g. 250.00"},
           Case{"-", 2, "is not an amount"},
           Case{"12.", 2, "is not an amount"},
           Case{".50", 2, "is not an amount"},
           Case{"1,000.00", 2, "is not an amount"},
           Case{"12,50", 2, "is not an amount"},
           Case{"1e3", 2, "is not an amount"},
           Case{" 12", 2, "is not an amount"},
           Case{"+12", 2, "is not an amount"},
           Case{"--12", 2, "is not an amount"},
           Case{"12.3.4", 2, "is not an amount"},
           Case{"\xef\xbc\x91", 0,
                "is not an amount: digits with an optional decimal point, e.g. 250"},
           Case{"92233720368547758.08", 2, "is too large an amount"},
           Case{"99999999999999999999999999", 0, "is too large an amount"},
       }) {
    const absl::StatusOr<int64_t> parsed = ParseMinorUnits(c.text, c.digits);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << c.text;
    EXPECT_THAT(MessageOf(parsed.status()), HasSubstr(c.says)) << c.text;
  }
  // A huge value is quoted bounded.
  const absl::StatusOr<int64_t> huge = ParseMinorUnits(std::string(100000, '9') + "x", 2);
  ASSERT_FALSE(huge.ok());
  EXPECT_LT(huge.status().message().size(), 300u);
}

}  // namespace
}  // namespace clinic::config
