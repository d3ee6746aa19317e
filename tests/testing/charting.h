// What a charted treatment used up, as Inventory's allocation names it, for
// tests that chart treatment records over gRPC or text format.
#ifndef CLINIC_TESTS_TESTING_CHARTING_H_
#define CLINIC_TESTS_TESTING_CHARTING_H_

#include <string>

#include "clinic/v1/clients.pb.h"

namespace clinic::testing {

// A cartridge product and one of its lots, with ids shaped as Inventory
// makes them.
inline constexpr char kCartridgeProduct[] = "products/01JCART0000000000000000036";
inline constexpr char kCartridgeLot[] =
    "products/01JCART0000000000000000036/lots/01JB4T00000000000000000042";
inline constexpr char kCartridgeLotNumber[] = "LOT-2026-0042";

// Adds one unit of that cartridge, for `requirement_id` of the record's
// definition, used on every area of the record.
inline v1::ConsumableUse& AddCartridgeUse(v1::TreatmentRecord& record,
                                          const std::string& requirement_id) {
  v1::ConsumableUse& use = *record.add_consumables();
  use.set_product(kCartridgeProduct);
  use.set_lot(kCartridgeLot);
  use.set_lot_number(kCartridgeLotNumber);
  use.set_quantity(1);
  use.set_requirement_id(requirement_id);
  return use;
}

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_CHARTING_H_
