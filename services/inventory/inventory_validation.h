// The checks of Inventory's requests that are more than a field's range:
// products (kind, category, cartridge spec, GTIN check digit) and lot
// numbers. Pure; only the service calls them.
#ifndef CLINIC_SERVICES_INVENTORY_INVENTORY_VALIDATION_H_
#define CLINIC_SERVICES_INVENTORY_INVENTORY_VALIDATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "clinic/v1/inventory.pb.h"
#include "common/core/status.h"

namespace clinic::inventory {

// Most units one movement may move: far above any delivery of consumables,
// low enough that no sum of them overflows.
inline constexpr int64_t kMaxUnits = 100000;

// Whether `gtin` is a GS1 GTIN-8, -12, -13 or -14: all digits, with the
// check digit the GS1 algorithm gives.
bool IsValidGtin(absl::string_view gtin);

// The fields of a product a caller sets, each violation naming
// `prefix`.field (e.g. "product.cartridge.needles").
void CheckProduct(const v1::Product& product, absl::string_view prefix,
                  std::vector<FieldViolation>& out);

// A lot number as printed: 1 to 64 printable characters, no control
// characters, no leading or trailing spaces.
void CheckLotNumber(absl::string_view lot_number, absl::string_view field,
                    std::vector<FieldViolation>& out);

// A count of units from `min` to kMaxUnits.
void CheckUnits(int64_t units, int64_t min, absl::string_view field,
                std::vector<FieldViolation>& out);

}  // namespace clinic::inventory

#endif  // CLINIC_SERVICES_INVENTORY_INVENTORY_VALIDATION_H_
