/* A plugin whose entry point never returns. */
#include <clinic/treatment_plugin.h>
#include <unistd.h>

const ClinicTreatmentPlugin* clinic_treatment_plugin(void) {
  for (;;) pause();
  return 0;
}
