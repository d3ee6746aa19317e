// The resource names ClientRecords serves (docs/api.md): the service parses
// every name and parent a request carries with these, and the service and
// its store build names with them, so both always agree.
#ifndef CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_NAMES_H_
#define CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_NAMES_H_

#include "common/core/resource_name.h"
#include "common/storage/client_names.h"
#include "common/storage/ids.h"

namespace clinic::client_records {

using storage::kClientName;
using storage::kMedicalHistoryName;
using storage::kTreatmentRecordName;
inline constexpr ResourcePattern kConsentName("clients/{client_id}/consents/{id}",
                                              storage::IsWellFormedId);
inline constexpr ResourcePattern kLotRecallNoticeName("clients/{client_id}/lotRecallNotices/{id}",
                                                      storage::IsWellFormedId);

// The outbox kind of a treatment's charge for Billing; its subject is the
// treatment record's name.
inline constexpr char kChargeOutboxKind[] = "charge_treatment";

}  // namespace clinic::client_records

#endif  // CLINIC_SERVICES_CLIENT_RECORDS_CLIENT_RECORDS_NAMES_H_
