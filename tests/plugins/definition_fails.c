/* A plugin whose get_definition reports failure. */
#include <clinic/treatment_plugin.h>

static int get_definition(const uint8_t** data, size_t* size) {
  (void)data;
  (void)size;
  return 7;
}

const ClinicTreatmentPlugin* clinic_treatment_plugin(void) {
  static const ClinicTreatmentPlugin plugin = {
      CLINIC_TREATMENT_PLUGIN_MAGIC, CLINIC_TREATMENT_PLUGIN_ABI_VERSION,
      (uint32_t)sizeof(ClinicTreatmentPlugin), 0u, get_definition};
  return &plugin;
}
