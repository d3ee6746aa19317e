/* A plugin built for a future ABI version the host does not know. */
#include <clinic/treatment_plugin.h>

static int get_definition(const uint8_t** data, size_t* size) {
  *data = (const uint8_t*)"";
  *size = 0;
  return 0;
}

const ClinicTreatmentPlugin* clinic_treatment_plugin(void) {
  static const ClinicTreatmentPlugin plugin = {CLINIC_TREATMENT_PLUGIN_MAGIC, 999u,
                                               (uint32_t)sizeof(ClinicTreatmentPlugin), 0u,
                                               get_definition};
  return &plugin;
}
