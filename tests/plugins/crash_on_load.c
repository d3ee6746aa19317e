/* A plugin that crashes while being loaded, before the host can ask it
 * anything: a constructor that writes through a null pointer. */
#include <clinic/treatment_plugin.h>
#include <signal.h>

__attribute__((constructor)) static void crash_now(void) { raise(SIGSEGV); }

static const uint8_t kNothing[] = {0};
CLINIC_TREATMENT_PLUGIN_FROM_BYTES(kNothing, 0)
