// clinic-plugin-probe PLUGIN.so
//
// Loads one treatment plugin and writes its definition bytes to stdout. The
// plugin host runs this in a child process before loading a plugin itself, so
// a plugin that crashes or hangs while loading takes down only this program.
// Not meant to be run by hand; clinic-plugin-check is the tool for people.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>

#include "clinic/config/v1/server_config.pb.h"
#include "clinic/v1/common.pb.h"
#include "clinic/v1/medical_facts.pb.h"
#include "clinic/v1/treatment.pb.h"
#include "clinic/v1/treatment_catalog.pb.h"
#include "common/plugins/plugin_abi.h"
#include "common/plugins/probe_protocol.h"

namespace {

// Referencing one message of every contract file links them all in, so this
// process has the same protobuf registrations as a server. A plugin that
// carries its own copy of those messages then fails here, as it would there.
bool LinkServerRegistrations() {
  const void* const registrations[] = {
      &clinic::v1::Money::default_instance(),
      &clinic::v1::TreatmentDefinition::default_instance(),
      &clinic::v1::TreatmentType::default_instance(),
      &clinic::config::v1::ServerConfig::default_instance(),
      clinic::v1::MedicalFact_descriptor(),
  };
  for (const void* registration : registrations) {
    if (registration == nullptr) return false;
  }
  return true;
}

int Fail(int code, const std::string& reason) {
  std::fputs(reason.c_str(), stderr);
  return code;
}

bool WriteAll(const uint8_t* data, size_t size) {
  while (size > 0) {
    const ssize_t written = write(STDOUT_FILENO, data, size);
    if (written <= 0) return false;
    data += written;
    size -= static_cast<size_t>(written);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    return Fail(clinic::plugins::kProbeUsage, "usage: clinic-plugin-probe PLUGIN.so");
  }
  if (!LinkServerRegistrations()) {
    return Fail(clinic::plugins::kProbeUsage, "the probe's own protobuf messages are missing");
  }
  void* handle = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* error = dlerror();
    return Fail(clinic::plugins::kProbeOpenFailed,
                std::string("cannot be opened as a shared library: ") +
                    (error != nullptr ? error : "unknown error"));
  }
  const clinic::plugins::AbiReadResult result = clinic::plugins::ReadPluginEntry(handle);
  if (result.code != clinic::plugins::kProbeOk) return Fail(result.code, result.reason);
  if (!WriteAll(result.data, result.size)) {
    return Fail(clinic::plugins::kProbeUsage, "could not write the definition to stdout");
  }
  // No dlclose: a plugin's destructors are not worth risking on the way out.
  std::fflush(stdout);
  _exit(clinic::plugins::kProbeOk);
}
