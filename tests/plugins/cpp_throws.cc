// A plugin whose definition builder throws; the helper must turn that into a
// failure return instead of letting the exception reach the host.
#include <clinic/treatment_plugin.hpp>
#include <stdexcept>

namespace {

std::string BuildDefinition() { throw std::runtime_error("formulary file missing"); }

}  // namespace

CLINIC_TREATMENT_PLUGIN_FROM_BUILDER(BuildDefinition)
