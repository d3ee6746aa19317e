/* A valid definition followed by a field this host does not know (number
 * 999, varint 1), as a plugin built against a newer SDK would send. */
#include <clinic/treatment_plugin.h>
#include <string.h>

extern const uint8_t test_unknown_field_definition[];
extern const size_t test_unknown_field_definition_size;

static uint8_t buffer[64 * 1024];

static int get_definition(const uint8_t** data, size_t* size) {
  static const uint8_t kExtra[] = {0xb8, 0x3e, 0x01}; /* tag (999 << 3 | 0), value 1 */
  size_t n = test_unknown_field_definition_size;
  if (n + sizeof(kExtra) > sizeof(buffer)) return 1;
  memcpy(buffer, test_unknown_field_definition, n);
  memcpy(buffer + n, kExtra, sizeof(kExtra));
  *data = buffer;
  *size = n + sizeof(kExtra);
  return 0;
}

const ClinicTreatmentPlugin* clinic_treatment_plugin(void) {
  static const ClinicTreatmentPlugin plugin = {
      CLINIC_TREATMENT_PLUGIN_MAGIC, CLINIC_TREATMENT_PLUGIN_ABI_VERSION,
      (uint32_t)sizeof(ClinicTreatmentPlugin), 0u, get_definition};
  return &plugin;
}
