#include "common/plugins/plugin_abi.h"

#include <dlfcn.h>

#include "common/plugins/probe_protocol.h"

namespace clinic::plugins {

AbiReadResult ReadPluginEntry(void* handle) {
  AbiReadResult result;
  dlerror();
  void* symbol = dlsym(handle, CLINIC_TREATMENT_PLUGIN_ENTRY_SYMBOL);
  if (symbol == nullptr) {
    result.code = kProbeSymbolMissing;
    result.reason = std::string("the library does not export the entry symbol '") +
                    CLINIC_TREATMENT_PLUGIN_ENTRY_SYMBOL +
                    "'; define it with CLINIC_TREATMENT_PLUGIN_FROM_BYTES or build with "
                    "clinic_add_treatment_plugin";
    return result;
  }
  // dlsym returns data pointers; POSIX guarantees the round trip to a function
  // pointer, and memcpy keeps -Wpedantic quiet about the conversion.
  ClinicTreatmentPluginEntry entry = nullptr;
  static_assert(sizeof(entry) == sizeof(symbol), "function and data pointers differ in size");
  __builtin_memcpy(&entry, &symbol, sizeof(entry));
  const ClinicTreatmentPlugin* plugin = entry();
  if (plugin == nullptr) {
    result.code = kProbeAbiMismatch;
    result.reason = "the entry symbol returned no plugin description (a null pointer)";
    return result;
  }
  if (plugin->magic != CLINIC_TREATMENT_PLUGIN_MAGIC) {
    result.code = kProbeAbiMismatch;
    result.reason =
        "the plugin description does not start with the Clinic Core magic number; the library "
        "was not built against clinic/treatment_plugin.h";
    return result;
  }
  result.abi_version = plugin->abi_version;
  if (plugin->abi_version != CLINIC_TREATMENT_PLUGIN_ABI_VERSION) {
    result.code = kProbeAbiMismatch;
    result.reason = "the plugin was built for plugin ABI version " +
                    std::to_string(plugin->abi_version) + " but this host loads version " +
                    std::to_string(CLINIC_TREATMENT_PLUGIN_ABI_VERSION) +
                    "; rebuild it against this SDK";
    return result;
  }
  if (plugin->struct_size < sizeof(ClinicTreatmentPlugin)) {
    result.code = kProbeAbiMismatch;
    result.reason = "the plugin description is " + std::to_string(plugin->struct_size) +
                    " bytes but ABI version 1 needs at least " +
                    std::to_string(sizeof(ClinicTreatmentPlugin));
    return result;
  }
  if (plugin->get_definition == nullptr) {
    result.code = kProbeDefinitionFailed;
    result.reason = "the plugin description has no get_definition function";
    return result;
  }
  const uint8_t* data = nullptr;
  size_t size = 0;
  const int rc = plugin->get_definition(&data, &size);
  if (rc != 0) {
    result.code = kProbeDefinitionFailed;
    result.reason = "get_definition reported failure (returned " + std::to_string(rc) + ")";
    return result;
  }
  if (data == nullptr && size != 0) {
    result.code = kProbeDefinitionFailed;
    result.reason = "get_definition returned a null pointer with a non-zero size";
    return result;
  }
  if (size > kMaxDefinitionBytes) {
    result.code = kProbeDefinitionFailed;
    result.reason = "the definition is " + std::to_string(size) + " bytes, more than the " +
                    std::to_string(kMaxDefinitionBytes) + "-byte limit";
    return result;
  }
  result.code = kProbeOk;
  result.data = data;
  result.size = size;
  return result;
}

}  // namespace clinic::plugins
