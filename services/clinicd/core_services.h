// The services every Clinic Core process hosts next to its own: the
// treatment catalog, Access and Audit. Each process has its own access
// database and audit trail, so each serves them. Mains and tests take the
// list from here instead of writing it out.
#ifndef CLINIC_SERVICES_CLINICD_CORE_SERVICES_H_
#define CLINIC_SERVICES_CLINICD_CORE_SERVICES_H_

#include <vector>

#include "common/server/server.h"

namespace clinic {

// TreatmentCatalog, Access and Audit.
std::vector<server::ServiceFactory> CoreServices();

// CoreServices() followed by `own`: what a process hosting `own` serves.
std::vector<server::ServiceFactory> WithCoreServices(std::vector<server::ServiceFactory> own);

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_CORE_SERVICES_H_
