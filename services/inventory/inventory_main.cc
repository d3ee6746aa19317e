// clinic-inventory: the Inventory service in a process of its own, for
// chains that run the services apart. clinicd hosts the same service.
#include "common/server/server.h"
#include "services/clinicd/core_services.h"
#include "services/inventory/inventory_service.h"

int main(int argc, char** argv) {
  return clinic::server::RunServerMain(
      argc, argv, "clinic-inventory",
      clinic::WithCoreServices({clinic::inventory::InventoryFactory()}));
}
