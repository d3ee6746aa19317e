// A plugin written with the C++ helper: the definition is computed (here,
// copied from the embedded text-format definition) instead of embedded as is.
#include <clinic/treatment_plugin.hpp>

extern "C" const uint8_t test_cpp_helper_definition[];
extern "C" const size_t test_cpp_helper_definition_size;

namespace {

std::string BuildDefinition() {
  return std::string(reinterpret_cast<const char*>(test_cpp_helper_definition),
                     test_cpp_helper_definition_size);
}

}  // namespace

CLINIC_TREATMENT_PLUGIN_FROM_BUILDER(BuildDefinition)
