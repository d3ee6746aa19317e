// The resource names Screening serves (docs/api.md): the service parses every
// name a request carries with these and builds the names it returns with
// them, so both always agree.
#ifndef CLINIC_SERVICES_SCREENING_SCREENING_NAMES_H_
#define CLINIC_SERVICES_SCREENING_SCREENING_NAMES_H_

#include "common/core/resource_name.h"

namespace clinic::screening {

// A treatment type's questionnaire. The id follows the plugin host's rule
// for treatment type names (plugins::kTreatmentTypeName): any segment is
// well-formed, and whether the type exists is up to the loaded plugins, so
// an unknown one is NOT_FOUND rather than malformed.
inline constexpr ResourcePattern kQuestionnaireName("treatmentTypes/{id}/questionnaire", IsAnyId);

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_SCREENING_NAMES_H_
