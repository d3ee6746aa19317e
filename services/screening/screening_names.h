// The resource names Screening serves (docs/api.md): the service parses every
// name a request carries with these and builds the names it returns with
// them, so both always agree. Clients are named as ClientRecords names them
// (common/storage/client_names.h).
#ifndef CLINIC_SERVICES_SCREENING_SCREENING_NAMES_H_
#define CLINIC_SERVICES_SCREENING_SCREENING_NAMES_H_

#include "common/core/resource_name.h"
#include "common/plugins/plugin_host.h"
#include "common/storage/client_names.h"
#include "common/storage/ids.h"
#include "common/storage/paging.h"

namespace clinic::screening {

using storage::kClientName;
using storage::kMedicalHistoryName;

// A treatment type's questionnaire. The id follows the plugin host's rule
// for treatment type names (plugins::kTreatmentTypeName): any segment is
// well-formed, and whether the type exists is up to the loaded plugins, so
// an unknown one is NOT_FOUND rather than malformed.
inline constexpr ResourcePattern kQuestionnaireName("treatmentTypes/{id}/questionnaire", IsAnyId);

// One screening of a client.
inline constexpr ResourcePattern kScreeningName("clients/{client_id}/screenings/{screening_id}",
                                                storage::IsWellFormedId);

// ListScreenings: 20 by default, at most 100 (screening.proto).
inline constexpr storage::PageSizes kScreeningPageSizes{20, 100};

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_SCREENING_NAMES_H_
