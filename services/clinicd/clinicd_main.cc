// clinicd: every Clinic Core service in one process on one port, the default
// way to run a clinic chain on one machine.
#include "common/server/server.h"
#include "services/access/access_service.h"
#include "services/client_records/client_records_service.h"
#include "services/treatment_catalog/treatment_catalog_service.h"

int main(int argc, char** argv) {
  return clinic::server::RunServerMain(
      argc, argv, "clinicd",
      {clinic::catalog::TreatmentCatalogFactory(), clinic::access::AccessFactory(),
       clinic::access::AuditFactory(), clinic::client_records::ClientRecordsFactory()});
}
