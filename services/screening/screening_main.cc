// clinic-screening: the Screening service in a process of its own, for
// chains that run the services apart. clinicd hosts the same service.
#include "common/server/server.h"
#include "services/clinicd/core_services.h"
#include "services/screening/screening_service.h"

int main(int argc, char** argv) {
  return clinic::server::RunServerMain(
      argc, argv, "clinic-screening",
      clinic::WithCoreServices({clinic::screening::ScreeningFactory()}));
}
