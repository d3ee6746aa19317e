// The names of a client, its medical history and its treatment records:
// ClientRecords serves them, and every other service that refers to one
// (screenings, stock used on a client, invoices that charge a treatment)
// parses and builds them here, so each is named the same way everywhere.
#ifndef CLINIC_COMMON_STORAGE_CLIENT_NAMES_H_
#define CLINIC_COMMON_STORAGE_CLIENT_NAMES_H_

#include "common/core/resource_name.h"
#include "common/storage/ids.h"

namespace clinic::storage {

inline constexpr ResourcePattern kClientName("clients/{client_id}", IsWellFormedId);
inline constexpr ResourcePattern kMedicalHistoryName("clients/{client_id}/medicalHistory",
                                                     IsWellFormedId);
inline constexpr ResourcePattern kTreatmentRecordName("clients/{client_id}/treatmentRecords/{id}",
                                                      IsWellFormedId);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_CLIENT_NAMES_H_
