// Reads the definition a built plugin serves, through the plugin ABI as the
// host reads it, for tests that check what a plugin declares after the build
// (bases merged in) without starting a server.
#ifndef CLINIC_TESTS_TESTING_PLUGIN_DEFINITION_H_
#define CLINIC_TESTS_TESTING_PLUGIN_DEFINITION_H_

#include <string>

#include "clinic/v1/treatment.pb.h"

namespace clinic::testing {

// The definition of the plugin at `path` as the host serves it: older forms
// upgraded (definition_upgrade.h), so needle configurations are typed
// `needles` whichever form the plugin declared. Adds a test failure and
// returns an empty definition when the file does not load or its bytes do
// not decode.
// The library stays loaded for the rest of the test program; only trusted,
// built plugins belong here.
v1::TreatmentDefinition LoadPluginDefinition(const std::string& path);

}  // namespace clinic::testing

#endif  // CLINIC_TESTS_TESTING_PLUGIN_DEFINITION_H_
