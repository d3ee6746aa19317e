// C++ helpers for treatment plugin authors, on top of the C ABI in
// treatment_plugin.h. Header-only and free of any Clinic Core or protobuf
// dependency, so it builds with whatever toolchain the author has.
//
// Most plugins need no code at all: clinic_add_treatment_plugin embeds a
// text-format definition. Use this header when the definition must be
// computed, e.g. assembled from a clinic's own formulary at build time:
//
//   #include <clinic/treatment_plugin.hpp>
//   std::string BuildDefinition() { return ...serialized bytes...; }
//   CLINIC_TREATMENT_PLUGIN_FROM_BUILDER(BuildDefinition)
//
// Do not link C++ code generated from the clinic/v1 protos into a plugin: the
// server has the same messages registered with protobuf, and registering them
// twice in one process aborts it. The host's probe reproduces that and refuses
// such a plugin as crashing.
#ifndef CLINIC_TREATMENT_PLUGIN_HPP_
#define CLINIC_TREATMENT_PLUGIN_HPP_

#include <clinic/treatment_plugin.h>

#include <string>

namespace clinic::sdk {

// get_definition for a plugin whose bytes come from `Build`. Builds once, on
// the first call, and keeps the bytes for the library's lifetime. An
// exception never crosses into the host: it becomes a failure return.
template <std::string (*Build)()>
int GetDefinitionFrom(const uint8_t** data, size_t* size) noexcept {
  static const std::string* const bytes = []() noexcept -> const std::string* {
    try {
      return new std::string(Build());
    } catch (...) {
      return nullptr;
    }
  }();
  if (bytes == nullptr) return 1;
  *data = reinterpret_cast<const uint8_t*>(bytes->data());
  *size = bytes->size();
  return 0;
}

}  // namespace clinic::sdk

// Defines the entry symbol for a plugin whose definition bytes are returned,
// as a std::string, by the function `build_fn` (signature std::string()).
#define CLINIC_TREATMENT_PLUGIN_FROM_BUILDER(build_fn)                                         \
  extern "C" CLINIC_PLUGIN_EXPORT const ClinicTreatmentPlugin* clinic_treatment_plugin(void) { \
    static const ClinicTreatmentPlugin plugin = {                                              \
        CLINIC_TREATMENT_PLUGIN_MAGIC, CLINIC_TREATMENT_PLUGIN_ABI_VERSION,                    \
        static_cast<uint32_t>(sizeof(ClinicTreatmentPlugin)), 0u,                              \
        &::clinic::sdk::GetDefinitionFrom<build_fn>};                                          \
    return &plugin;                                                                            \
  }

#endif  // CLINIC_TREATMENT_PLUGIN_HPP_
