// clinic-billing: the Billing service in a process of its own, for chains
// that run the services apart. clinicd hosts the same service.
#include "common/server/server.h"
#include "services/billing/billing_service.h"
#include "services/clinicd/core_services.h"

int main(int argc, char** argv) {
  return clinic::server::RunServerMain(
      argc, argv, "clinic-billing", clinic::WithCoreServices({clinic::billing::BillingFactory()}));
}
