// The chain's sites as services check them: membership, each site's
// settings, and the one wording for a site that is not the chain's.
#include "common/config/sites.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "google/protobuf/text_format.h"

namespace clinic::config {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

v1::ServerConfig Config(const std::string& text) {
  v1::ServerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config)) << text;
  return config;
}

const char kTwoCountries[] = R"pb(
  chain {
    sites {
      site_id: "london-soho"
      time_zone: "Europe/London"
      currency_code: "GBP"
      country_code: "GB"
    }
    sites {
      site_id: "new-york-soho"
      time_zone: "America/New_York"
      currency_code: "USD"
      country_code: "US"
    }
  }
)pb";

TEST(SitesTest, KnowsTheChainsSitesAndTheirSettings) {
  const Sites sites(Config(kTwoCountries));
  EXPECT_TRUE(sites.Contains("london-soho"));
  EXPECT_TRUE(sites.Contains("new-york-soho"));
  EXPECT_FALSE(sites.Contains("paris"));
  EXPECT_FALSE(sites.Contains(""));
  EXPECT_FALSE(sites.Contains("London-Soho"));
  EXPECT_EQ(sites.CountryOf("london-soho"), "GB");
  EXPECT_EQ(sites.CountryOf("paris"), "");
  ASSERT_NE(sites.Find("new-york-soho"), nullptr);
  EXPECT_EQ(sites.Find("new-york-soho")->time_zone(), "America/New_York");
  EXPECT_EQ(sites.Find("new-york-soho")->currency_code(), "USD");
  EXPECT_EQ(sites.Find("paris"), nullptr);
}

TEST(SitesTest, SingleCountryOnlyWhenEverySiteSharesOne) {
  EXPECT_EQ(Sites(Config(kTwoCountries)).SingleCountry(), "");
  EXPECT_EQ(Sites(Config(R"pb(chain {
                                sites { site_id: "a" country_code: "GB" }
                                sites { site_id: "b" country_code: "GB" }
                              })pb"))
                .SingleCountry(),
            "GB");
  EXPECT_EQ(Sites(Config(R"pb(chain {
                                sites { site_id: "a" country_code: "GB" }
                                sites { site_id: "b" }
                              })pb"))
                .SingleCountry(),
            "");
  EXPECT_EQ(Sites().SingleCountry(), "");
}

TEST(SitesTest, InvoicePrefixIsConfiguredOrMadeFromTheSiteId) {
  const Sites sites(Config(R"pb(chain {
                                  sites { site_id: "london-soho" invoice_prefix: "LSOHO" }
                                  sites { site_id: "new-york-soho" }
                                  sites { site_id: "a-very-long-site-name" }
                                })pb"));
  EXPECT_EQ(sites.InvoicePrefixOf("london-soho"), "LSOHO");
  EXPECT_EQ(sites.InvoicePrefixOf("new-york-soho"), "NEWYORKSOHO");
  EXPECT_EQ(sites.InvoicePrefixOf("a-very-long-site-name"), "AVERYLONGSIT");
  EXPECT_EQ(sites.InvoicePrefixOf("nowhere"), "");
}

TEST(SitesTest, CheckSiteHasOneWording) {
  const Sites sites(Config(kTwoCountries));
  std::vector<FieldViolation> out;
  sites.CheckSite("london-soho", "consent.site_id", true, out);
  sites.CheckSite("", "home_site_id", false, out);
  EXPECT_THAT(out, IsEmpty());
  sites.CheckSite("", "consent.site_id", true, out);
  sites.CheckSite("paris", "principal.roles[0].site_id", false, out);
  ASSERT_THAT(out, SizeIs(2));
  EXPECT_EQ(out[0].field, "consent.site_id");
  EXPECT_EQ(out[0].description, "is required");
  EXPECT_EQ(out[1].field, "principal.roles[0].site_id");
  EXPECT_EQ(out[1].description, "\"paris\" is not a site of this chain");

  EXPECT_TRUE(sites.CheckSite("london-soho", "home_site_id", false).ok());
  const absl::Status status = sites.CheckSite("paris", "home_site_id", false);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "home_site_id: \"paris\" is not a site of this chain");
  EXPECT_EQ(sites.CheckSite("", "site_id", true).message(), "site_id: is required");
}

TEST(SitesTest, HostileSiteIdsAreQuotedBriefly) {
  const Sites sites(Config(kTwoCountries));
  const std::string huge(1 << 20, 'x');
  const absl::Status status = sites.CheckSite(huge, "site_id", true);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 200u);
  EXPECT_THAT(std::string(status.message()), ::testing::HasSubstr("(1048576 bytes)"));
  EXPECT_FALSE(sites.Contains(std::string("london-soho\0", 12)));
  const absl::Status nul = sites.CheckSite(std::string("london-soho\0", 12), "site_id", true);
  EXPECT_EQ(nul.message(), "site_id: \"london-soho\\u0000\" is not a site of this chain");
}

TEST(SitesTest, SiteNames) {
  EXPECT_EQ(kSiteName.Format("london-soho"), "sites/london-soho");
  EXPECT_TRUE(kSiteName.Matches("sites/london-soho"));
  EXPECT_FALSE(kSiteName.Matches("sites/London"));
}

}  // namespace
}  // namespace clinic::config
