// clinic-plugin-probe PLUGIN.so
//
// Loads one treatment plugin and writes its definition bytes to stdout. The
// plugin host runs this in a child process before loading a plugin itself, so
// a plugin that crashes or hangs while loading takes down only this program.
// Not meant to be run by hand; clinic-plugin-check is the tool for people.
#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>

#include "common/plugins/plugin_abi.h"
#include "common/plugins/probe_protocol.h"

namespace {

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
