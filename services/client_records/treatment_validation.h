// Checks of a charted treatment against the definition version it is charted
// with: the treated areas (depths, passes, indications) and what the session
// used up (cartridges and other consumables, their products, lots and
// areas). Called by the ClientRecords service (chart_service.cc) before a
// treatment record is stored; pure functions with the conventions of
// client_validation.h (one FieldViolation per problem appended to `out`,
// paths under `field`, values quoted escaped and shortened).
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_TREATMENT_VALIDATION_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_TREATMENT_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "clinic/v1/clients.pb.h"
#include "clinic/v1/treatment.pb.h"
#include "common/core/status.h"

namespace clinic::client_records {

// The treated areas against the definition's protocol: at least one; each an
// area of the protocol, charted once; the indication, when set, one of the
// definition's; the needle depth within the area's range, whose maximum is
// the indication's depth override when the area has one; the passes within
// the area's range.
void ValidateTreatedAreas(const v1::TreatmentDefinition& definition,
                          const google::protobuf::RepeatedPtrField<v1::TreatedArea>& areas,
                          absl::string_view field, std::vector<FieldViolation>& out);

// Most consumables one treatment record may list.
inline constexpr int kMaxConsumableUses = 20;
// Most units of one product one entry may record.
inline constexpr int kMaxConsumableUseQuantity = 100;

// What a session used up, as CreateTreatmentRecord asks Inventory to
// consume it (TreatmentRecord.consumables), against the definition it is
// charted with and the record's treated `areas`: 1 to kMaxConsumableUses
// entries (past that only the count is reported), at least one of them for
// a cartridge requirement. Each entry: requirement_id a cartridge or
// consumable of the definition; optionally a product ("products/{id}") and
// the lot scanned ("products/{product_id}/lots/{lot_id}", of that product);
// no lot_number (Inventory's to fill in); quantity 0 (the requirement's per
// session) to kMaxConsumableUseQuantity; area_ids each one of the record's
// treated areas, once (at most as many as the protocol has), and each area
// it was used on (all treated areas when none are listed) one the
// requirement is for. No two entries name the same lot for the same
// requirement; a product only with its lot. Areas of the record that are
// not in the protocol are ValidateTreatedAreas's to report.
void ValidateConsumableUses(const v1::TreatmentDefinition& definition,
                            const google::protobuf::RepeatedPtrField<v1::ConsumableUse>& uses,
                            const google::protobuf::RepeatedPtrField<v1::TreatedArea>& areas,
                            absl::string_view field, std::vector<FieldViolation>& out);

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_TREATMENT_VALIDATION_H_
