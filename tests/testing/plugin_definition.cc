#include "tests/testing/plugin_definition.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include "common/definition/definition_upgrade.h"
#include "common/plugins/plugin_abi.h"
#include "common/plugins/probe_protocol.h"

namespace clinic::testing {

v1::TreatmentDefinition LoadPluginDefinition(const std::string& path) {
  v1::TreatmentDefinition definition;
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    ADD_FAILURE() << "cannot load " << path << ": " << dlerror();
    return definition;
  }
  const plugins::AbiReadResult read = plugins::ReadPluginEntry(handle);
  if (read.code != plugins::kProbeOk) {
    ADD_FAILURE() << path << ": " << read.reason;
    return definition;
  }
  if (!definition.ParseFromArray(read.data, static_cast<int>(read.size))) {
    ADD_FAILURE() << path << ": the definition bytes do not decode";
    return definition;
  }
  UpgradeTreatmentDefinition(definition);
  return definition;
}

}  // namespace clinic::testing
