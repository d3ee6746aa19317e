#include "common/config/sites.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace clinic::config {

Sites::Sites(const v1::ServerConfig& config) {
  for (const clinic::v1::Site& site : config.chain().sites()) {
    sites_.emplace(site.site_id(), site);
    absl::TimeZone zone = absl::UTCTimeZone();
    // ValidateServerConfig refused zones that do not load; a config that
    // skipped it keeps UTC rather than failing later in a call.
    if (!absl::LoadTimeZone(site.time_zone(), &zone)) zone = absl::UTCTimeZone();
    zones_.emplace(site.site_id(), zone);
  }
}

absl::TimeZone Sites::ZoneOf(absl::string_view site_id) const {
  const auto it = zones_.find(site_id);
  return it == zones_.end() ? absl::UTCTimeZone() : it->second;
}

bool Sites::Contains(absl::string_view site_id) const { return Find(site_id) != nullptr; }

std::vector<std::string> Sites::Ids() const {
  std::vector<std::string> ids;
  ids.reserve(sites_.size());
  for (const auto& [id, site] : sites_) ids.push_back(id);
  return ids;
}

const clinic::v1::Site* Sites::Find(absl::string_view site_id) const {
  const auto it = sites_.find(site_id);
  return it == sites_.end() ? nullptr : &it->second;
}

std::string Sites::InvoicePrefixOf(absl::string_view site_id) const {
  const clinic::v1::Site* site = Find(site_id);
  if (site == nullptr) return {};
  if (!site->invoice_prefix().empty()) return site->invoice_prefix();
  std::string prefix;
  for (char c : site->site_id()) {
    if (c != '-' && prefix.size() < 12) prefix.push_back(absl::ascii_toupper(c));
  }
  return prefix;
}

std::string Sites::CountryOf(absl::string_view site_id) const {
  const clinic::v1::Site* site = Find(site_id);
  return site == nullptr ? "" : site->country_code();
}

std::string Sites::SingleCountry() const {
  std::set<std::string> countries;
  for (const auto& [id, site] : sites_) {
    if (site.country_code().empty()) return "";
    countries.insert(site.country_code());
  }
  return countries.size() == 1 ? *countries.begin() : "";
}

void Sites::CheckSite(absl::string_view site_id, absl::string_view field, bool required,
                      std::vector<FieldViolation>& out) const {
  if (site_id.empty()) {
    if (required) out.push_back({std::string(field), "is required"});
  } else if (!Contains(site_id)) {
    out.push_back(
        {std::string(field), absl::StrCat(Quote(site_id), " is not a site of this chain")});
  }
}

absl::Status Sites::CheckSite(absl::string_view site_id, absl::string_view field,
                              bool required) const {
  std::vector<FieldViolation> violations;
  CheckSite(site_id, field, required, violations);
  if (violations.empty()) return absl::OkStatus();
  return InvalidField(violations[0].field, violations[0].description);
}

}  // namespace clinic::config
