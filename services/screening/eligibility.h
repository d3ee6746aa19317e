// Whether a client may be treated now, decided from the newest screening of
// the treatment type and what is true today: a pure function of its inputs
// (no clock, no I/O), so every rule of docs/screening.md, "Eligibility", is
// tested at any time of day and any date. The service gathers the inputs
// (the store, ClientRecords) and calls it.
#ifndef CLINIC_SERVICES_SCREENING_ELIGIBILITY_H_
#define CLINIC_SERVICES_SCREENING_ELIGIBILITY_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "clinic/v1/clients.pb.h"
#include "clinic/v1/screening.pb.h"
#include "clinic/v1/treatment.pb.h"

namespace clinic::screening {

struct EligibilityInputs {
  // The client's newest screening of the type, with its reviews and state.
  const v1::ScreeningRecord* screening = nullptr;
  // The definition loaded now.
  const v1::TreatmentDefinition* definition = nullptr;
  // The client's current medical history.
  const v1::MedicalHistory* history = nullptr;
  // The client as it is now; may be null when the definition reads neither
  // age nor Fitzpatrick type.
  const v1::Client* client = nullptr;
  // The areas to be treated: areas of the definition, checked.
  std::vector<std::string> area_ids;
  absl::Time now;
  // The time zone of the site where the treatment happens.
  absl::TimeZone zone;
};

// The answer, with every reason that applies.
v1::Eligibility DecideEligibility(const EligibilityInputs& inputs);

}  // namespace clinic::screening

#endif  // CLINIC_SERVICES_SCREENING_ELIGIBILITY_H_
