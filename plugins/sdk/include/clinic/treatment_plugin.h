/*
 * The Clinic Core treatment plugin ABI.
 *
 * A treatment plugin is a shared library that exports exactly one symbol,
 * clinic_treatment_plugin, returning a pointer to a static ClinicTreatmentPlugin.
 * The host reads the ABI version first and refuses a plugin built for another
 * one; then it asks for the treatment definition as serialized bytes of the
 * protobuf message clinic.v1.TreatmentDefinition (proto/clinic/v1/treatment.proto).
 *
 * Only C types cross this boundary, so a plugin built with another compiler,
 * C++ standard library or protobuf version still loads. This header depends on
 * nothing but the C standard library. Plugin authors include it (or the C++
 * helper treatment_plugin.hpp); the host includes it to read plugins.
 */
#ifndef CLINIC_TREATMENT_PLUGIN_H_
#define CLINIC_TREATMENT_PLUGIN_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The ABI version this header describes. Raised only when the layout or the
 * meaning of ClinicTreatmentPlugin changes incompatibly; the host loads only
 * plugins that report exactly the version it was built with.
 */
#define CLINIC_TREATMENT_PLUGIN_ABI_VERSION 1u

/* Marks the first field, so the host can tell a plugin from random memory. */
#define CLINIC_TREATMENT_PLUGIN_MAGIC 0x434c4e43u /* "CLNC" */

/* The name of the one exported entry symbol. */
#define CLINIC_TREATMENT_PLUGIN_ENTRY_SYMBOL "clinic_treatment_plugin"

#if defined(_WIN32)
#define CLINIC_PLUGIN_EXPORT __declspec(dllexport)
#else
#define CLINIC_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/*
 * What a plugin returns from clinic_treatment_plugin. Keep the object static:
 * the host reads it for as long as the library stays loaded.
 */
typedef struct ClinicTreatmentPlugin {
  /* Must be CLINIC_TREATMENT_PLUGIN_MAGIC. */
  uint32_t magic;

  /* Must be CLINIC_TREATMENT_PLUGIN_ABI_VERSION as the plugin saw it. */
  uint32_t abi_version;

  /*
   * sizeof(ClinicTreatmentPlugin) as the plugin saw it. Lets a later minor
   * revision append fields without breaking plugins built against this one.
   */
  uint32_t struct_size;

  /* Reserved; must be zero. */
  uint32_t reserved;

  /*
   * Returns the treatment definition: serialized clinic.v1.TreatmentDefinition
   * bytes in *data and their length in *size. The bytes belong to the plugin
   * and must stay valid and unchanged until the library is unloaded. Returns
   * 0 on success; any other value means the plugin cannot produce a definition,
   * and the host refuses it. Called once per load, from one thread.
   */
  int (*get_definition)(const uint8_t** data, size_t* size);
} ClinicTreatmentPlugin;

/*
 * The signature of the entry symbol. Every plugin defines exactly one function
 * with this name and signature, and exports it.
 */
typedef const ClinicTreatmentPlugin* (*ClinicTreatmentPluginEntry)(void);

/*
 * Defines the entry symbol for a plugin whose definition is a constant byte
 * array (the SDK's CMake function clinic_add_treatment_plugin generates one
 * from a text-format definition). Use it once in one source file:
 *
 *   extern const uint8_t my_definition[];
 *   extern const size_t my_definition_size;
 *   CLINIC_TREATMENT_PLUGIN_FROM_BYTES(my_definition, my_definition_size)
 */
#define CLINIC_TREATMENT_PLUGIN_FROM_BYTES(bytes, size)                              \
  static int clinic_plugin_get_definition_(const uint8_t** data, size_t* len) {      \
    *data = (bytes);                                                                 \
    *len = (size);                                                                   \
    return 0;                                                                        \
  }                                                                                  \
  CLINIC_PLUGIN_EXPORT const ClinicTreatmentPlugin* clinic_treatment_plugin(void) {  \
    static const ClinicTreatmentPlugin plugin = {                                    \
        CLINIC_TREATMENT_PLUGIN_MAGIC, CLINIC_TREATMENT_PLUGIN_ABI_VERSION,          \
        (uint32_t)sizeof(ClinicTreatmentPlugin), 0u, clinic_plugin_get_definition_}; \
    return &plugin;                                                                  \
  }

/* The entry symbol's declaration, so a definition with the wrong type fails to compile. */
CLINIC_PLUGIN_EXPORT const ClinicTreatmentPlugin* clinic_treatment_plugin(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* CLINIC_TREATMENT_PLUGIN_H_ */
