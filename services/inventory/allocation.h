// What fits a treatment's requirement, and which units a consumption takes:
// the rules of allocation as pure functions (no I/O, no clock), so the store
// applies them inside its transaction and tests check them at chosen days.
// Only the Inventory service and its store call them.
#ifndef CLINIC_SERVICES_INVENTORY_ALLOCATION_H_
#define CLINIC_SERVICES_INVENTORY_ALLOCATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "clinic/v1/inventory.pb.h"
#include "clinic/v1/treatment.pb.h"
#include "common/core/time.h"

namespace clinic::inventory {

// What a consumption asks for, resolved from the request: a requirement of a
// loaded definition (cartridge or other consumable) or one product.
struct Need {
  // Exactly one of the three is set.
  const v1::CartridgeRequirement* cartridge = nullptr;
  const v1::ConsumableRequirement* consumable = nullptr;
  std::string product_id;
  // For cartridges: the device the cartridge must fit; empty for any.
  std::string device;
};

// Whether `product` fits the cartridge requirement: a needle cartridge
// whose needle configuration is one the requirement lists, long enough,
// insulated when required, and made for `device` when one is named.
bool Fits(const v1::Product& product, const v1::CartridgeRequirement& requirement,
          absl::string_view device);

// Whether `product` fits the consumable requirement: same kind and category.
bool Fits(const v1::Product& product, const v1::ConsumableRequirement& requirement);

// Whether `product` (named by `product_id`) fits `need`.
bool Fits(const std::string& product_id, const v1::Product& product, const Need& need);

// One lot's units at the site, as the store read them.
struct LotStock {
  std::string lot_id;
  std::string product_id;
  std::string lot_number;
  v1::Date expiry_date;
  bool lot_recalled = false;
  v1::StockBalance balance;
};

// Units to take from one lot.
struct Take {
  LotStock lot;
  int64_t quantity = 0;
};

// Takes `quantity` units first-expiring first (ties by lot id, so the
// choice is repeatable) from lots usable on `today` (yyyymmdd): not
// recalled, not expired (a lot may be used on its expiry day), with usable
// units. When the usable units fall short, FAILED_PRECONDITION in
// `domain` with the reason and the counts at `site_id`: NO_STOCK_ON_HAND
// (nothing fitting on hand), ALL_EXPIRED, ALL_RECALLED_OR_QUARANTINED,
// NO_USABLE_STOCK (a mix of those), NOT_ENOUGH_USABLE_STOCK (some, too few).
absl::StatusOr<std::vector<Take>> AllocateFirstExpiring(std::vector<LotStock> stock,
                                                        int64_t quantity, int today,
                                                        absl::string_view site_id,
                                                        absl::string_view domain);

}  // namespace clinic::inventory

#endif  // CLINIC_SERVICES_INVENTORY_ALLOCATION_H_
