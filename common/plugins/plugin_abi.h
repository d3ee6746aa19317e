// Reads a plugin's entry point through the C ABI of clinic/treatment_plugin.h.
// Shared by clinic-plugin-probe (in its child process) and by the host (in
// process, after the probe succeeded), so both apply exactly the same checks.
// Depends on nothing but libdl and the SDK header.
#ifndef CLINIC_COMMON_PLUGINS_PLUGIN_ABI_H_
#define CLINIC_COMMON_PLUGINS_PLUGIN_ABI_H_

#include <clinic/treatment_plugin.h>

#include <cstdint>
#include <string>

namespace clinic::plugins {

// What reading a plugin's entry point produced.
struct AbiReadResult {
  // One of the kProbe* codes of probe_protocol.h.
  int code = 0;
  // A sentence explaining a failure; empty on success.
  std::string reason;
  // The ABI version the plugin reported, when it got that far.
  uint32_t abi_version = 0;
  // The definition bytes, which belong to the loaded library.
  const uint8_t* data = nullptr;
  size_t size = 0;
};

// Looks up the entry symbol in an open library handle, checks the magic, ABI
// version and struct size, and asks for the definition.
AbiReadResult ReadPluginEntry(void* handle);

}  // namespace clinic::plugins

#endif  // CLINIC_COMMON_PLUGINS_PLUGIN_ABI_H_
