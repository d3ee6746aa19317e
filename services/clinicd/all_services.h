// Every Clinic Core service, as clinicd hosts them in one process. Tests that
// must cover every RPC (the access matrix, hostile input) start servers with
// this same list, so a service added here is covered without anyone editing
// the tests.
#ifndef CLINIC_SERVICES_CLINICD_ALL_SERVICES_H_
#define CLINIC_SERVICES_CLINICD_ALL_SERVICES_H_

#include <vector>

#include "common/server/server.h"

namespace clinic {

// The core services (core_services.h) and every domain service.
std::vector<server::ServiceFactory> AllServices();

}  // namespace clinic

#endif  // CLINIC_SERVICES_CLINICD_ALL_SERVICES_H_
