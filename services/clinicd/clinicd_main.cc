// clinicd: every Clinic Core service in one process on one port, the default
// way to run a clinic chain on one machine.
#include "common/server/server.h"
#include "services/clinicd/all_services.h"

int main(int argc, char** argv) {
  return clinic::server::RunServerMain(argc, argv, "clinicd", clinic::AllServices());
}
