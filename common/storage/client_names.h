// The names of a client and its medical history: ClientRecords serves them,
// and every other service that refers to a client (screenings, stock used on
// a client, invoices) parses and builds them here, so a client is named the
// same way everywhere.
#ifndef CLINIC_COMMON_STORAGE_CLIENT_NAMES_H_
#define CLINIC_COMMON_STORAGE_CLIENT_NAMES_H_

#include "common/core/resource_name.h"
#include "common/storage/ids.h"

namespace clinic::storage {

inline constexpr ResourcePattern kClientName("clients/{client_id}", IsWellFormedId);
inline constexpr ResourcePattern kMedicalHistoryName("clients/{client_id}/medicalHistory",
                                                     IsWellFormedId);

}  // namespace clinic::storage

#endif  // CLINIC_COMMON_STORAGE_CLIENT_NAMES_H_
