// What a charted treatment used up, as a caller of CreateTreatmentRecord
// names it, for tests that chart treatment records over gRPC or text format.
#ifndef CLINIC_TESTS_TESTING_CHARTING_H_
#define CLINIC_TESTS_TESTING_CHARTING_H_

#include <string>

#include "clinic/v1/clients.pb.h"

namespace clinic::testing {

// Adds one cartridge for `requirement_id` of the record's definition, used
// on every area of the record; Inventory takes it from the first-expiring
// usable lot that fits (TreatmentReady::StockCartridges puts one in stock).
inline v1::ConsumableUse& AddCartridgeUse(v1::TreatmentRecord& record,
                                          const std::string& requirement_id) {
  v1::ConsumableUse& use = *record.add_consumables();
  use.set_quantity(1);
  use.set_requirement_id(requirement_id);
  return use;
}

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_CHARTING_H_
