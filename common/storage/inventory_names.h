// The names of Inventory's products and lots: Inventory serves them, and
// every other service that refers to one (a treatment record's consumables)
// parses and builds them here, so a product or lot is named the same way
// everywhere. Inventory makes both ids (storage::NewId).
#ifndef CLINIC_COMMON_STORAGE_INVENTORY_NAMES_H_
#define CLINIC_COMMON_STORAGE_INVENTORY_NAMES_H_

#include "common/core/resource_name.h"
#include "common/storage/ids.h"

namespace clinic::storage {

inline constexpr ResourcePattern kProductName("products/{product_id}", IsWellFormedId);
inline constexpr ResourcePattern kLotName("products/{product_id}/lots/{lot_id}", IsWellFormedId);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_INVENTORY_NAMES_H_
