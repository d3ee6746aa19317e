// Loading and validating the server configuration: the sample file, flags
// over the file, defaults, and a clear refusal naming the field for every
// kind of mistake.
#include "common/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/config/currency.h"
#include "google/protobuf/text_format.h"
#include "tests/testing/test_env.h"

namespace clinic::config {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

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
              currency_code: "GBP" tax_rate_basis_points: 2000 }
      sites { site_id: "tokyo" display_name: "Ginza" time_zone: "Asia/Tokyo"
              currency_code: "JPY" }
    })",
                                                            &config));
  ApplyDefaults(config);
  return config;
}

std::vector<std::string> Fields(const std::vector<FieldViolation>& violations) {
  std::vector<std::string> fields;
  for (const auto& v : violations) fields.push_back(v.field);
  return fields;
}

TEST(ConfigTest, SampleConfigLoads) {
  auto config =
      LoadServerConfig(clinic::testing::SourcePath("deploy/config/clinicd.textproto"), {});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->chain().sites_size(), 2);
  EXPECT_EQ(config->chain().sites(0).name(), "sites/london-soho");
  EXPECT_EQ(config->listen_address(), "127.0.0.1:50051");
}

TEST(ConfigTest, FlagsOverrideTheFileAndDefaultsFillTheRest) {
  clinic::testing::TempDir dir;
  clinic::testing::WriteFile(dir.Join("c.textproto"), R"(
    listen_address: "127.0.0.1:9000"
    chain { chain_id: "lumen" display_name: "Lumen"
            sites { site_id: "a" display_name: "A" time_zone: "UTC" currency_code: "EUR" } })");
  ConfigOverrides overrides;
  overrides.listen_address = "127.0.0.1:0";
  overrides.data_dir = dir.Join("data");
  overrides.log_level = "debug";
  auto config = LoadServerConfig(dir.Join("c.textproto"), overrides);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->listen_address(), "127.0.0.1:0");
  EXPECT_EQ(config->data_dir(), dir.Join("data"));
  EXPECT_EQ(config->log_level(), v1::LOG_LEVEL_DEBUG);
  EXPECT_EQ(config->plugin_dir(), "./plugins");
  EXPECT_EQ(config->server().max_message_bytes(), 4 << 20);
  EXPECT_EQ(config->server().shutdown_grace_seconds(), 15);
  EXPECT_EQ(config->plugins().load_timeout_ms(), 5000);
}

TEST(ConfigTest, BadLogLevelFlagIsRefused) {
  ConfigOverrides overrides;
  overrides.log_level = "chatty";
  auto config = LoadServerConfig("", overrides);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("log_level"));
}

TEST(ConfigTest, SyntaxErrorsPointAtLineAndColumn) {
  clinic::testing::TempDir dir;
  clinic::testing::WriteFile(dir.Join("c.textproto"), "chain {\n  chain_id lumen\n}\n");
  auto config = LoadServerConfig(dir.Join("c.textproto"), {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("c.textproto:2:"));
}

TEST(ConfigTest, UnknownFieldsAreRefused) {
  clinic::testing::TempDir dir;
  clinic::testing::WriteFile(dir.Join("c.textproto"), "listen_adress: \"x:1\"\n");
  auto config = LoadServerConfig(dir.Join("c.textproto"), {});
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("listen_adress"));
}

TEST(ConfigTest, MissingFileNamesThePath) {
  auto config = LoadServerConfig("/no/such/clinicd.textproto", {});
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr("/no/such/clinicd.textproto"));
}

TEST(ConfigTest, ValidConfigHasNoViolations) {
  EXPECT_THAT(ValidateServerConfig(ValidConfig()), IsEmpty());
}

TEST(ConfigTest, ListenAddressForms) {
  for (const char* ok : {"127.0.0.1:0", "0.0.0.0:50051", "[::1]:50051", "localhost:8080", ":50051",
                         "unix:/run/clinic.sock"}) {
    v1::ServerConfig config = ValidConfig();
    config.set_listen_address(ok);
    EXPECT_THAT(ValidateServerConfig(config), IsEmpty()) << ok;
  }
  for (const char* bad : {"127.0.0.1", "127.0.0.1:65536", "127.0.0.1:port", "::1:50051",
                          "[::1]50051", "unix:", "bad host:1"}) {
    v1::ServerConfig config = ValidConfig();
    config.set_listen_address(bad);
    EXPECT_THAT(Fields(ValidateServerConfig(config)), ::testing::ElementsAre("listen_address"))
        << bad;
  }
}

struct BreakCase {
  std::string name;
  std::function<void(v1::ServerConfig&)> mutate;
  std::string field;
  std::string fragment;
};

// Names the case in test output instead of dumping its bytes.
void PrintTo(const BreakCase& c, std::ostream* os) { *os << c.name; }

class ConfigViolationTest : public ::testing::TestWithParam<BreakCase> {};

TEST_P(ConfigViolationTest, NamesTheFieldAndWhy) {
  v1::ServerConfig config = ValidConfig();
  GetParam().mutate(config);
  const auto violations = ValidateServerConfig(config);
  ASSERT_EQ(violations.size(), 1u) << ::testing::PrintToString(Fields(violations));
  EXPECT_EQ(violations[0].field, GetParam().field);
  EXPECT_THAT(violations[0].description, HasSubstr(GetParam().fragment));
}

clinic::v1::Site& Site0(v1::ServerConfig& c) { return *c.mutable_chain()->mutable_sites(0); }

INSTANTIATE_TEST_SUITE_P(
    EveryRule, ConfigViolationTest,
    ::testing::Values(
        BreakCase{"EmptyDataDir", [](auto& c) { c.set_data_dir(""); }, "data_dir", "required"},
        BreakCase{"EmptyPluginDir", [](auto& c) { c.set_plugin_dir(""); }, "plugin_dir",
                  "required"},
        BreakCase{"UnknownLogLevel",
                  [](auto& c) { c.set_log_level(static_cast<v1::LogLevel>(42)); }, "log_level",
                  "42"},
        BreakCase{"MissingChainId", [](auto& c) { c.mutable_chain()->set_chain_id(""); },
                  "chain.chain_id", "required"},
        BreakCase{"BadChainId", [](auto& c) { c.mutable_chain()->set_chain_id("Lumen Clinics"); },
                  "chain.chain_id", "lowercase"},
        BreakCase{"MissingChainName", [](auto& c) { c.mutable_chain()->set_display_name(" "); },
                  "chain.display_name", "required"},
        BreakCase{"NoSites", [](auto& c) { c.mutable_chain()->clear_sites(); }, "chain.sites",
                  "at least one site"},
        BreakCase{"DuplicateSite",
                  [](auto& c) {
                    c.mutable_chain()->mutable_sites(1)->set_site_id("london-soho");
                    c.mutable_chain()->mutable_sites(1)->clear_name();
                  },
                  "chain.sites[1].site_id", "earlier site"},
        BreakCase{"BadSiteId",
                  [](auto& c) {
                    Site0(c).set_site_id("London_Soho");
                    Site0(c).clear_name();
                  },
                  "chain.sites[0].site_id", "lowercase"},
        BreakCase{"MissingSiteId",
                  [](auto& c) {
                    Site0(c).set_site_id("");
                    Site0(c).clear_name();
                  },
                  "chain.sites[0].site_id", "required"},
        BreakCase{"SiteNameMismatch", [](auto& c) { Site0(c).set_name("sites/elsewhere"); },
                  "chain.sites[0].name", "output only"},
        BreakCase{"MissingSiteName", [](auto& c) { Site0(c).set_display_name(""); },
                  "chain.sites[0].display_name", "required"},
        BreakCase{"MissingTimeZone", [](auto& c) { Site0(c).set_time_zone(""); },
                  "chain.sites[0].time_zone", "required"},
        BreakCase{"BadTimeZone", [](auto& c) { Site0(c).set_time_zone("Mars/Olympus"); },
                  "chain.sites[0].time_zone", "Mars/Olympus"},
        BreakCase{"MissingCurrency", [](auto& c) { Site0(c).set_currency_code(""); },
                  "chain.sites[0].currency_code", "required"},
        BreakCase{"BadCurrency", [](auto& c) { Site0(c).set_currency_code("GBX"); },
                  "chain.sites[0].currency_code", "\"GBX\" is not an ISO-4217 currency code"},
        BreakCase{"LowercaseCurrency", [](auto& c) { Site0(c).set_currency_code("gbp"); },
                  "chain.sites[0].currency_code", "ISO-4217"},
        BreakCase{"NegativeTax", [](auto& c) { Site0(c).set_tax_rate_basis_points(-1); },
                  "chain.sites[0].tax_rate_basis_points", "0 to 10000"},
        BreakCase{"TaxOver100", [](auto& c) { Site0(c).set_tax_rate_basis_points(10001); },
                  "chain.sites[0].tax_rate_basis_points", "0 to 10000"},
        BreakCase{"HugeMessages",
                  [](auto& c) { c.mutable_server()->set_max_message_bytes(1 << 30); },
                  "server.max_message_bytes", "bytes"},
        BreakCase{"LongGrace",
                  [](auto& c) { c.mutable_server()->set_shutdown_grace_seconds(3600); },
                  "server.shutdown_grace_seconds", "0 to 300"},
        BreakCase{"NegativeKeepalive",
                  [](auto& c) { c.mutable_server()->set_keepalive_time_seconds(-5); },
                  "server.keepalive_time_seconds", "seconds"},
        BreakCase{"TinyPluginTimeout", [](auto& c) { c.mutable_plugins()->set_load_timeout_ms(5); },
                  "plugins.load_timeout_ms", "100 to 60000"}),
    [](const ::testing::TestParamInfo<BreakCase>& param_info) { return param_info.param.name; });

TEST(ConfigTest, EveryProblemIsListedInTheRefusal) {
  clinic::testing::TempDir dir;
  clinic::testing::WriteFile(dir.Join("c.textproto"), R"(
    chain { chain_id: "lumen" display_name: "Lumen"
            sites { site_id: "a" display_name: "A" time_zone: "Nowhere/City" currency_code: "GBX"
                    tax_rate_basis_points: 20000 } })");
  auto config = LoadServerConfig(dir.Join("c.textproto"), {});
  ASSERT_FALSE(config.ok());
  const std::string message(config.status().message());
  EXPECT_THAT(message, HasSubstr("is invalid (3 problems)"));
  EXPECT_THAT(message, HasSubstr("chain.sites[0].time_zone"));
  EXPECT_THAT(message, HasSubstr("chain.sites[0].currency_code"));
  EXPECT_THAT(message, HasSubstr("chain.sites[0].tax_rate_basis_points"));
  EXPECT_EQ(GetFieldViolations(config.status()).size(), 3u);
}

TEST(CurrencyTest, KnowsMinorUnits) {
  EXPECT_EQ(CurrencyMinorDigits("GBP"), 2);
  EXPECT_EQ(CurrencyMinorDigits("USD"), 2);
  EXPECT_EQ(CurrencyMinorDigits("JPY"), 0);
  EXPECT_EQ(CurrencyMinorDigits("KWD"), 3);
  EXPECT_EQ(CurrencyMinorDigits("AED"), 2);
  EXPECT_EQ(CurrencyMinorDigits("ZWG"), 2);
  for (const char* bad : {"gbp", "XTS", "XXX", "XAU", "CLF", "GBPX", "", "HRK"}) {
    EXPECT_FALSE(IsIsoCurrency(bad)) << bad;
  }
}

TEST(LogLevelTest, ParsesNames) {
  EXPECT_EQ(*ParseLogLevel("DEBUG"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("warning"), LogLevel::kWarning);
  EXPECT_FALSE(ParseLogLevel("verbose").ok());
  EXPECT_EQ(ToLogLevel(v1::LOG_LEVEL_ERROR), LogLevel::kError);
  EXPECT_EQ(ToLogLevel(v1::LOG_LEVEL_UNSPECIFIED), LogLevel::kInfo);
}

}  // namespace
}  // namespace clinic::config
