// A plugin that links the C++ code generated from the clinic/v1 protos, as an
// author might by mistake. Inside a server, whose protobuf already knows these
// messages, loading it aborts the process; the probe must reproduce that so
// the host refuses it instead.
#include <clinic/treatment_plugin.hpp>

#include "clinic/v1/treatment.pb.h"

namespace {

std::string BuildDefinition() {
  clinic::v1::TreatmentDefinition definition;
  definition.set_id("links_clinic_protos");
  return definition.SerializeAsString();
}

}  // namespace

CLINIC_TREATMENT_PLUGIN_FROM_BUILDER(BuildDefinition)
