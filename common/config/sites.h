// The chain's sites as the services see them, built once from the loaded
// configuration: which site ids exist, and each site's settings (country,
// time zone, currency). Every check that a request names a site of this chain goes
// through here, so the check and its wording are the same everywhere.
// Services build one in their factory and keep it.
#ifndef CLINIC_COMMON_CONFIG_SITES_H_
#define CLINIC_COMMON_CONFIG_SITES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "clinic/config/v1/server_config.pb.h"
#include "clinic/v1/common.pb.h"
#include "common/core/resource_name.h"
#include "common/core/status.h"
#include "common/core/text.h"

namespace clinic::config {

// A site's resource name, "sites/{site_id}".
inline constexpr ResourcePattern kSiteName("sites/{site_id}", IsIdentifier);

class Sites {
 public:
  // No sites: every site id is refused.
  Sites() = default;
  // The sites of `config.chain()`, which ValidateServerConfig has checked.
  explicit Sites(const v1::ServerConfig& config);

  // Whether `site_id` is a site of this chain.
  bool Contains(absl::string_view site_id) const;

  // Every site id of the chain, in order.
  std::vector<std::string> Ids() const;

  // The site, or nullptr when `site_id` is not one of this chain.
  const clinic::v1::Site* Find(absl::string_view site_id) const;

  // The site's ISO 3166-1 alpha-2 country, empty when the site is unknown
  // or its configuration gives none. (Find gives the rest: time zone,
  // currency, tax.)
  std::string CountryOf(absl::string_view site_id) const;

  // What the site's invoice and credit-note numbers start with: its
  // configured invoice_prefix, or its id in upper case without hyphens, cut
  // to 12 characters. Empty for an unknown site.
  std::string InvoicePrefixOf(absl::string_view site_id) const;

  // The country every site is in; empty when the sites are in several
  // countries, any site has none, or there are no sites.
  std::string SingleCountry() const;

  // The site's time zone, loaded once; UTC for an unknown site. Business
  // days ("today at the site") are cut in it.
  absl::TimeZone ZoneOf(absl::string_view site_id) const;

  // Appends a violation naming `field` unless `site_id` is a site of this
  // chain: "is required" when empty and `required`, otherwise the id (text.h
  // Quote) "is not a site of this chain". An empty id that is not required
  // (a filter left unset) passes.
  void CheckSite(absl::string_view site_id, absl::string_view field, bool required,
                 std::vector<FieldViolation>& out) const;

  // The same check as a status: OK, or INVALID_ARGUMENT naming `field`.
  absl::Status CheckSite(absl::string_view site_id, absl::string_view field, bool required) const;

 private:
  std::map<std::string, clinic::v1::Site, std::less<>> sites_;
  std::map<std::string, absl::TimeZone, std::less<>> zones_;
};

}  // namespace clinic::config

#endif  // CLINIC_COMMON_CONFIG_SITES_H_
