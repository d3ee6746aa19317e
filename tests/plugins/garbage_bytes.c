/* A plugin whose definition bytes are not a protobuf message. */
#include <clinic/treatment_plugin.h>

static const uint8_t kGarbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x07, 0x13, 0x37, 0x00, 0x01};
CLINIC_TREATMENT_PLUGIN_FROM_BYTES(kGarbage, sizeof(kGarbage))
